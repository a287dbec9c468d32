//! Load balancing: each outgoing message goes whole to the next pipe that has room.

use super::active::ActiveRing;
use super::Pipes;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::pipe::PipeId;

#[derive(Debug, Default)]
pub struct LoadBalancer {
    ring: ActiveRing,
    /// In the middle of a multipart message to the current pipe.
    more: bool,
    /// The pipe died mid-message: drop the rest of that message.
    dropping: bool,
}

impl LoadBalancer {
    pub fn attach(&mut self, id: PipeId) {
        self.ring.attach(id);
    }

    pub fn activated(&mut self, id: PipeId) {
        self.ring.activate(id);
    }

    pub fn terminated(&mut self, id: PipeId) {
        if self.ring.remove(id) && self.more {
            self.dropping = true;
        }
    }

    /// Sends a frame; returns the pipe it went to (`None` if it was dropped).
    pub fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<Option<PipeId>> {
        if self.dropping {
            self.more = msg.more();
            self.dropping = self.more;
            drop(std::mem::take(msg));
            return Ok(None);
        }
        loop {
            let Some(id) = self.ring.current() else {
                return Err(Errno::EAGAIN);
            };
            // One lookup per message: the pipe found is checked and written.
            if let Some(pipe) = pipes.get_mut(id) {
                if pipe.check_write() {
                    self.more = msg.more();
                    pipe.write(std::mem::take(msg));
                    if !self.more {
                        self.ring.advance();
                    }
                    return Ok(Some(id));
                }
            }
            self.ring.deactivate_current();
            if self.more {
                // The peer went away mid-message: the rest of it has nowhere to go.
                self.more = msg.more();
                self.dropping = self.more;
                drop(std::mem::take(msg));
                return Ok(None);
            }
        }
    }

    pub fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        if self.more {
            return true;
        }
        while let Some(id) = self.ring.current() {
            if pipes.check_write(id) {
                return true;
            }
            self.ring.deactivate_current();
        }
        false
    }
}
