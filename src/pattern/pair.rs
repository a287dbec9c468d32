//! ZMQ_PAIR: exactly one peer; further connections are refused.

use super::{Pattern, Pipes};
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::pipe::PipeId;

#[derive(Debug, Default)]
pub struct Pair {
    pipe: Option<PipeId>,
}

impl Pattern for Pair {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        match self.pipe {
            None => self.pipe = Some(id),
            Some(_) => pipes.retire(id),
        }
    }
    fn terminated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        if self.pipe == Some(id) {
            self.pipe = None;
        }
    }
    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        match self.pipe {
            Some(id) if pipes.check_write(id) => {
                pipes.write(id, std::mem::take(msg));
                Ok(())
            }
            _ => Err(Errno::EAGAIN),
        }
    }
    fn recv(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        self.pipe.and_then(|id| pipes.read(id)).ok_or(Errno::EAGAIN)
    }
    fn recv_into(&mut self, pipes: &mut Pipes, out: &mut Msg) -> Result<()> {
        match self.pipe {
            Some(id) if pipes.read_into(id, out) => Ok(()),
            _ => Err(Errno::EAGAIN),
        }
    }
    fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.pipe.is_some_and(|id| pipes.check_read(id))
    }
    fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        self.pipe.is_some_and(|id| pipes.check_write(id))
    }
}
