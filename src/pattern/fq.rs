//! Fair queuing: incoming messages are taken from the active pipes in turn, a whole
//! message at a time.

use super::Pipes;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::pipe::PipeId;

#[derive(Debug, Default)]
pub struct FairQueue {
    /// `pipes[..active]` may have messages; the rest were found empty.
    pipes: Vec<PipeId>,
    active: usize,
    current: usize,
    /// In the middle of a multipart message from `pipes[current]`.
    more: bool,
}

impl FairQueue {
    pub fn attach(&mut self, id: PipeId) {
        self.pipes.push(id);
        let last = self.pipes.len() - 1;
        self.pipes.swap(self.active, last);
        self.active += 1;
    }

    pub fn activated(&mut self, id: PipeId) {
        if let Some(i) = self.pipes.iter().position(|&p| p == id) {
            if i >= self.active {
                self.pipes.swap(i, self.active);
                self.active += 1;
            }
        }
    }

    pub fn terminated(&mut self, id: PipeId) {
        let Some(mut i) = self.pipes.iter().position(|&p| p == id) else {
            return;
        };
        if i < self.active {
            if i == self.current {
                self.more = false;
            }
            // Move it to the first inactive place, then drop it from there.
            self.active -= 1;
            self.pipes.swap(i, self.active);
            i = self.active;
            if self.current >= self.active {
                self.current = 0;
            }
        }
        self.pipes.swap_remove(i);
    }

    fn deactivate_current(&mut self) {
        self.active -= 1;
        self.pipes.swap(self.current, self.active);
        if self.current == self.active {
            self.current = 0;
        }
    }

    /// The next frame and the pipe it came from.
    pub fn recv(&mut self, pipes: &mut Pipes) -> Result<(Msg, PipeId)> {
        while self.active > 0 {
            let id = self.pipes[self.current];
            match pipes.read(id) {
                Some(msg) => {
                    self.more = msg.more();
                    if !self.more {
                        self.current = (self.current + 1) % self.active;
                    }
                    return Ok((msg, id));
                }
                None => {
                    self.more = false;
                    self.deactivate_current();
                }
            }
        }
        Err(Errno::EAGAIN)
    }

    pub fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        if self.more {
            return true;
        }
        while self.active > 0 {
            if pipes.check_read(self.pipes[self.current]) {
                return true;
            }
            self.deactivate_current();
        }
        false
    }
}
