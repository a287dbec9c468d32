//! ZMQ_PUSH: load-balances messages to PULL peers; never receives.

use super::{lb::LoadBalancer, Pattern, Pipes};
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::pipe::PipeId;

#[derive(Debug, Default)]
pub struct Push {
    lb: LoadBalancer,
}

impl Pattern for Push {
    fn attach(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.lb.attach(id);
    }
    fn terminated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.lb.terminated(id);
    }
    fn write_activated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.lb.activated(id);
    }
    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        self.lb.send(pipes, msg).map(drop)
    }
    fn recv(&mut self, _pipes: &mut Pipes) -> Result<Msg> {
        Err(Errno::ENOTSUP)
    }
    fn has_in(&mut self, _pipes: &mut Pipes) -> bool {
        false
    }
    fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        self.lb.has_out(pipes)
    }
}
