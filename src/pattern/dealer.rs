//! ZMQ_DEALER: load-balances outgoing and fair-queues incoming messages, unchanged.

use std::ffi::c_int;

use super::{fq::FairQueue, lb::LoadBalancer, Pattern, Pipes};
use crate::constants::ZMQ_PROBE_ROUTER;
use crate::error::Result;
use crate::msg::Msg;
use crate::pipe::PipeId;

#[derive(Debug, Default)]
pub struct Dealer {
    lb: LoadBalancer,
    fq: FairQueue,
    /// ZMQ_PROBE_ROUTER: greet each new peer with an empty message.
    probe_router: bool,
}

impl Pattern for Dealer {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        if self.probe_router {
            if let Some(p) = pipes.get_mut(id) {
                p.write(Msg::new());
            }
        }
        self.fq.attach(id);
        self.lb.attach(id);
    }
    fn terminated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.fq.terminated(id);
        self.lb.terminated(id);
    }
    fn read_activated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.fq.activated(id);
    }
    fn write_activated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.lb.activated(id);
    }
    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        self.lb.send(pipes, msg).map(drop)
    }
    fn recv(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        self.fq.recv(pipes).map(|(m, _)| m)
    }
    fn recv_into(&mut self, pipes: &mut Pipes, out: &mut Msg) -> Result<()> {
        self.fq.recv_into(pipes, out).map(drop)
    }
    fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.fq.has_in(pipes)
    }
    fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        self.lb.has_out(pipes)
    }
    fn set_option(
        &mut self,
        _pipes: &mut Pipes,
        option: c_int,
        value: &[u8],
    ) -> Option<Result<()>> {
        (option == ZMQ_PROBE_ROUTER).then(|| {
            self.probe_router = super::bool_option(value)?;
            Ok(())
        })
    }
}

impl Dealer {
    /// For REQ, which builds on DEALER.
    pub fn probe_router(&self) -> bool {
        self.probe_router
    }

    /// Sends a frame like `send`; returns the pipe it went to (`None`: dropped).
    pub fn send_pipe(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<Option<PipeId>> {
        self.lb.send(pipes, msg)
    }

    /// Receives a frame like `recv`, with the pipe it came from.
    pub fn recv_pipe(&mut self, pipes: &mut Pipes) -> Result<(Msg, PipeId)> {
        self.fq.recv(pipes)
    }
}
