//! A command inbox of a socket or an I/O thread: others post commands, the owning
//! thread drains them. The eventfd is signalled once per batch: only a sender
//! that finds the mailbox unsignalled writes to it. The command type is the owner's
//! (`socket::Command`, `io::Command`); pipes reach either through `pipe::Owner`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossbeam_queue::SegQueue;

use crate::error::Result;
use crate::signaler::Signaler;

#[derive(Debug)]
pub struct Mailbox<C> {
    commands: SegQueue<C>,
    signalled: AtomicBool,
    signaler: Signaler,
}

impl<C> Mailbox<C> {
    pub fn new() -> Result<Self> {
        Ok(Mailbox {
            commands: SegQueue::new(),
            signalled: AtomicBool::new(false),
            signaler: Signaler::new()?,
        })
    }

    pub fn send(&self, cmd: C) {
        self.commands.push(cmd);
        self.wake();
    }

    /// Makes `ZMQ_FD` readable with no command, for a change made without one.
    pub fn wake(&self) {
        if !self.signalled.swap(true, Ordering::AcqRel) {
            self.signaler.send();
        }
    }

    /// No command is pending (one atomic load), so `drain` would do nothing.
    #[inline]
    pub fn is_quiet(&self) -> bool {
        !self.signalled.load(Ordering::Acquire)
    }

    /// Takes every pending command; a single atomic load when there are none, so
    /// callers may check on every send and receive. The eventfd is reset before the flag,
    /// so a command posted concurrently either is taken here or leaves it readable.
    pub fn drain(&self, mut each: impl FnMut(C)) {
        if !self.signalled.load(Ordering::Acquire) {
            return;
        }
        self.signaler.reset();
        if !self.signalled.swap(false, Ordering::AcqRel) {
            return;
        }
        while let Some(cmd) = self.commands.pop() {
            each(cmd);
        }
    }

    /// Waits until a command may be pending. `Ok(false)` on timeout.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<bool> {
        if self.signalled.load(Ordering::Acquire) {
            return Ok(true);
        }
        self.signaler.wait(timeout)
    }

    /// `ZMQ_FD`: readable while commands may be pending.
    pub fn fd(&self) -> std::os::fd::RawFd {
        self.signaler.fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_wakeup_per_batch_and_nothing_lost() {
        let mb = Mailbox::<u64>::new().unwrap();
        assert!(!mb.wait(Some(Duration::ZERO)).unwrap());
        for i in 0..3 {
            mb.send(i);
        }
        assert!(mb.wait(Some(Duration::ZERO)).unwrap());
        let mut got = Vec::new();
        mb.drain(|c| got.push(c));
        assert_eq!(got.len(), 3);
        assert!(!mb.wait(Some(Duration::ZERO)).unwrap());
    }

    #[test]
    fn cross_thread_commands_all_arrive() {
        let mb = std::sync::Arc::new(Mailbox::<u64>::new().unwrap());
        let tx = mb.clone();
        let t = std::thread::spawn(move || {
            for i in 0..10_000 {
                tx.send(i);
            }
        });
        let mut n = 0;
        while n < 10_000 {
            mb.wait(Some(Duration::from_secs(5))).unwrap();
            mb.drain(|_| n += 1);
        }
        t.join().unwrap();
        assert_eq!(n, 10_000);
    }
}
