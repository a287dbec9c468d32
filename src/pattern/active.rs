//! The rotation fair queuing and load balancing share: pipes in turn, the ones that
//! were found empty (or full) parked behind the active ones until re-activated.

use crate::pipe::PipeId;

#[derive(Debug, Default)]
pub struct ActiveRing {
    /// `pipes[..active]` are in the rotation; the rest wait for an activation.
    pipes: Vec<PipeId>,
    active: usize,
    current: usize,
}

impl ActiveRing {
    pub fn attach(&mut self, id: PipeId) {
        self.pipes.push(id);
        let last = self.pipes.len() - 1;
        self.pipes.swap(self.active, last);
        self.active += 1;
    }

    pub fn activate(&mut self, id: PipeId) {
        if let Some(i) = self.pipes.iter().position(|&p| p == id) {
            if i >= self.active {
                self.pipes.swap(i, self.active);
                self.active += 1;
            }
        }
    }

    /// Forgets a pipe; true if it was the current one of the rotation.
    pub fn remove(&mut self, id: PipeId) -> bool {
        let Some(mut i) = self.pipes.iter().position(|&p| p == id) else {
            return false;
        };
        let was_current = i < self.active && i == self.current;
        if i < self.active {
            // Move it to the first inactive place, then drop it from there.
            self.active -= 1;
            self.pipes.swap(i, self.active);
            i = self.active;
            if self.current >= self.active {
                self.current = 0;
            }
        }
        self.pipes.swap_remove(i);
        was_current
    }

    /// The current pipe, if any is active.
    pub fn current(&self) -> Option<PipeId> {
        (self.active > 0).then(|| self.pipes[self.current])
    }

    /// Parks the current pipe until it is activated again.
    pub fn deactivate_current(&mut self) {
        self.active -= 1;
        self.pipes.swap(self.current, self.active);
        if self.current == self.active {
            self.current = 0;
        }
    }

    /// Moves the rotation on (after a whole message).
    pub fn advance(&mut self) {
        // No division: this runs once per message.
        self.current += 1;
        if self.current >= self.active {
            self.current = 0;
        }
    }
}
