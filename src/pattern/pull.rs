//! ZMQ_PULL: fair-queues messages from PUSH peers; never sends.

use super::{fq::FairQueue, Pattern, Pipes};
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::pipe::PipeId;

#[derive(Debug, Default)]
pub struct Pull {
    fq: FairQueue,
}

impl Pattern for Pull {
    fn attach(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.fq.attach(id);
    }
    fn terminated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.fq.terminated(id);
    }
    fn read_activated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.fq.activated(id);
    }
    fn send(&mut self, _pipes: &mut Pipes, _msg: &mut Msg) -> Result<()> {
        Err(Errno::ENOTSUP)
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
    fn has_out(&mut self, _pipes: &mut Pipes) -> bool {
        false
    }
}
