//! Fair queuing: incoming messages are taken from the active pipes in turn, a whole
//! message at a time.

use super::active::ActiveRing;
use super::Pipes;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::pipe::PipeId;

#[derive(Debug, Default)]
pub struct FairQueue {
    ring: ActiveRing,
    /// In the middle of a multipart message from the current pipe.
    more: bool,
}

impl FairQueue {
    pub fn attach(&mut self, id: PipeId) {
        self.ring.attach(id);
    }

    pub fn activated(&mut self, id: PipeId) {
        self.ring.activate(id);
    }

    pub fn terminated(&mut self, id: PipeId) {
        if self.ring.remove(id) {
            self.more = false;
        }
    }

    /// The next frame and the pipe it came from.
    pub fn recv(&mut self, pipes: &mut Pipes) -> Result<(Msg, PipeId)> {
        while let Some(id) = self.ring.current() {
            match pipes.read(id) {
                Some(msg) => {
                    self.more = msg.more();
                    if !self.more {
                        self.ring.advance();
                    }
                    return Ok((msg, id));
                }
                None => {
                    self.more = false;
                    self.ring.deactivate_current();
                }
            }
        }
        Err(Errno::EAGAIN)
    }

    /// As [`recv`](Self::recv), into the caller's message (untouched on failure).
    #[inline]
    pub fn recv_into(&mut self, pipes: &mut Pipes, out: &mut Msg) -> Result<PipeId> {
        while let Some(id) = self.ring.current() {
            if pipes.read_into(id, out) {
                self.more = out.more();
                if !self.more {
                    self.ring.advance();
                }
                return Ok(id);
            }
            self.more = false;
            self.ring.deactivate_current();
        }
        Err(Errno::EAGAIN)
    }

    pub fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        if self.more {
            return true;
        }
        while let Some(id) = self.ring.current() {
            if pipes.check_read(id) {
                return true;
            }
            self.ring.deactivate_current();
        }
        false
    }
}
