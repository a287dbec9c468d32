//! Load balancing: each outgoing message goes whole to the next pipe that has room.

use super::Pipes;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::pipe::PipeId;

#[derive(Debug, Default)]
pub struct LoadBalancer {
    /// `pipes[..active]` had room when last looked at.
    pipes: Vec<PipeId>,
    active: usize,
    current: usize,
    /// In the middle of a multipart message to `pipes[current]`.
    more: bool,
    /// The pipe died mid-message: drop the rest of that message.
    dropping: bool,
}

impl LoadBalancer {
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
            if i == self.current && self.more {
                self.dropping = true;
            }
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

    /// Sends a frame; returns the pipe it went to (`None` if it was dropped).
    pub fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<Option<PipeId>> {
        if self.dropping {
            self.more = msg.more();
            self.dropping = self.more;
            drop(std::mem::take(msg));
            return Ok(None);
        }
        while self.active > 0 {
            if pipes.check_write(self.pipes[self.current]) {
                break;
            }
            if self.more {
                // The peer went away mid-message: the rest of it has nowhere to go.
                self.deactivate_current();
                self.more = msg.more();
                self.dropping = self.more;
                drop(std::mem::take(msg));
                return Ok(None);
            }
            self.deactivate_current();
        }
        if self.active == 0 {
            return Err(Errno::EAGAIN);
        }
        let id = self.pipes[self.current];
        self.more = msg.more();
        pipes.write(id, std::mem::take(msg));
        if !self.more {
            self.current = (self.current + 1) % self.active;
        }
        Ok(Some(id))
    }

    pub fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        if self.more {
            return true;
        }
        while self.active > 0 {
            if pipes.check_write(self.pipes[self.current]) {
                return true;
            }
            self.deactivate_current();
        }
        false
    }
}
