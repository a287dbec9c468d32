//! The application thread's way into an idle session.
//!
//! A message sent on a quiet connection normally costs three thread wake-ups before
//! the peer's application has it: our I/O thread, the peer's I/O thread, the peer's
//! application thread. When the session's pipe was empty (its reader idle), the thread
//! that just queued the message can write it to the kernel itself, under the session's
//! lock, and the first wake-up goes. Anything beyond that plain write (a full socket
//! buffer, a monitor event, an earlier timer, the end of the session) is handed to the
//! I/O thread as before, with the same `ActivateRead` command the pipe would have sent.
//!
//! The I/O thread holds the lock while it drives the session; the application thread
//! only ever tries it, so neither waits for the other beyond one write.

use std::sync::{Arc, Mutex, MutexGuard, TryLockError, Weak};

use super::session::Session;
use super::Command;
use crate::mailbox::Mailbox;
use crate::pipe::{Owner, PipeEvent};

/// Writes made by application threads, for the tests to see that they happen.
#[cfg(test)]
pub(super) static DIRECT_WRITES: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);

/// A session shared between its I/O thread and the application threads that write to
/// its pipe.
pub(super) struct Lane {
    session: Mutex<Session>,
}

impl Lane {
    /// Wraps `session`, gives it the owner its pipe ends are attached to, and attaches
    /// the pipe it has (a connecter's, made at zmq_connect time).
    pub(super) fn new(mut session: Session, io: &Arc<Mailbox<Command>>) -> Arc<Lane> {
        Arc::new_cyclic(|lane: &Weak<Lane>| {
            let owner: Arc<dyn Owner> = Arc::new(LaneOwner {
                lane: lane.clone(),
                io: io.clone(),
            });
            if let Some(p) = session.pipe() {
                p.attach(owner.clone());
            }
            session.set_owner(owner);
            Lane {
                session: Mutex::new(session),
            }
        })
    }

    /// Runs `f` on the session, under its lock.
    pub(super) fn with<R>(&self, f: impl FnOnce(&mut Session) -> R) -> R {
        f(&mut self.lock())
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Session> {
        // A panic while driving a session is a bug that already aborts the I/O thread
        // (see `Worker::run`); the data is still the session's.
        self.session.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes what the pipe holds from the calling thread; false when the I/O thread
    /// must do it (or finish what was started).
    fn send_direct(&self) -> bool {
        match self.session.try_lock() {
            Ok(mut s) => s.send_direct(),
            Err(TryLockError::Poisoned(e)) => e.into_inner().send_direct(),
            Err(TryLockError::WouldBlock) => false,
        }
    }
}

/// What a session's pipe ends report to: the session itself for the socket's
/// messages on an idle pipe, the I/O thread's mailbox for the rest. It holds the lane
/// weakly: the lane holds the session, which holds the pipe, which holds this.
#[derive(Debug)]
struct LaneOwner {
    lane: Weak<Lane>,
    io: Arc<Mailbox<Command>>,
}

impl Owner for LaneOwner {
    fn notify(&self, event: PipeEvent) {
        if let PipeEvent::ActivateRead(_) = event {
            if self.lane.upgrade().is_some_and(|l| l.send_direct()) {
                return;
            }
        }
        self.io.notify(event);
    }
}

#[cfg(test)]
mod tests {
    use std::os::raw::c_int;
    use std::sync::atomic::Ordering;

    use super::DIRECT_WRITES;
    use crate::constants::*;
    use crate::ctx::Ctx;
    use crate::msg::Msg;
    use crate::socket::Socket;

    fn set_int(s: &mut Socket, option: c_int, v: c_int) {
        s.set_option(option, Some(&v.to_ne_bytes()), 4).unwrap();
    }

    fn body(round: usize, size: usize) -> Vec<u8> {
        (0..size).map(|i| (i * 7 + round) as u8).collect()
    }

    /// Request/reply rounds: every send but the first follows a receive, so the
    /// application threads write them; the large ones overflow a small send buffer,
    /// and the I/O thread must finish what the direct write started.
    fn round_trips(endpoint: &str) {
        let ctx = Ctx::new();
        let mut rep = Socket::new(ctx.clone(), ZMQ_REP).unwrap();
        let mut req = Socket::new(ctx.clone(), ZMQ_REQ).unwrap();
        for s in [&mut rep, &mut req] {
            set_int(s, ZMQ_SNDBUF, 4096);
            set_int(s, ZMQ_RCVTIMEO, 10_000);
            set_int(s, ZMQ_LINGER, 0);
        }
        rep.bind(endpoint).unwrap();
        let mut last = [0u8; 256];
        let n = rep.get_option(ZMQ_LAST_ENDPOINT, &mut last).unwrap();
        let bound = std::str::from_utf8(&last[..n - 1]).unwrap().to_owned();
        req.connect(&bound).unwrap();
        let before = DIRECT_WRITES.load(Ordering::Relaxed);
        const ROUNDS: usize = 300;
        for round in 0..ROUNDS {
            let size = [1, 40, 3000, 60_000][round % 4];
            req.send(&mut Msg::from_slice(&body(round, size)), 0)
                .unwrap();
            let got = rep.recv(0).unwrap();
            assert_eq!(got.data(), &body(round, size)[..], "request {round}");
            let reply = body(round + 1, size / 2 + 1);
            rep.send(&mut Msg::from_slice(&reply), 0).unwrap();
            assert_eq!(req.recv(0).unwrap().data(), &reply[..], "reply {round}");
        }
        // Both sides write directly, save when a thread finds the session busy (its
        // I/O thread is reading the last message): most rounds must have been direct.
        let direct = DIRECT_WRITES.load(Ordering::Relaxed) - before;
        assert!(
            direct >= ROUNDS / 2,
            "{direct} direct writes in {ROUNDS} rounds"
        );
        rep.close();
        req.close();
        ctx.terminate();
    }

    #[test]
    fn replies_written_by_the_application_thread_arrive_whole_and_in_order_tcp() {
        round_trips("tcp://127.0.0.1:*");
    }

    #[test]
    fn replies_written_by_the_application_thread_arrive_whole_and_in_order_ipc() {
        let dir = crate::sys::fd::TempDir::new();
        round_trips(&format!("ipc://{}/s", dir.path().display()));
    }
}
