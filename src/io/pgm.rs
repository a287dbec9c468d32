//! A pgm:// or epgm:// endpoint in an I/O thread: a PUB/XPUB's messages packed into
//! APDUs and sent, or a SUB/XSUB's APDUs decoded into messages (`transport::pgm`), over
//! an OpenPGM socket (`sys::pgm`). The library's descriptors wake it; its timers
//! (NAKs, repairs, SPM heartbeats) and rate limit come back as a deadline.
//!
//! Unlike libzmq's sender, which runs the library's timers only when a NAK arrives, the
//! sender here runs them after every send too, so SPM heartbeats follow the data as
//! PGM intends (a receiver that lost the last packets of a burst learns of it).

use std::collections::{HashMap, VecDeque};
use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};

use crate::msg::Msg;
use crate::pipe::{PipeEnd, Read};
use crate::sys::pgm::{Received, Sent, Socket};
use crate::zmtp::pgm::{Encoder, Receiver};

/// At most this many APDUs per pump, so that one busy source cannot starve the
/// other endpoints of the I/O thread; the rest is read on the next turn.
const BATCH: usize = 256;

enum Role {
    Sender {
        encoder: Encoder,
        /// The APDU being sent (empty: none).
        apdu: Vec<u8>,
        max_tsdu: usize,
        /// ZMQ_RATE: no sending before this.
        rate_until: Option<Instant>,
    },
    Receiver {
        framing: Receiver<[u8; 8]>,
        /// Whole messages decoded while the socket's pipe was full.
        ready: VecDeque<Vec<Msg>>,
    },
}

pub struct PgmEndpoint {
    sock: Socket,
    pipe: Option<PipeEnd>,
    role: Role,
    /// Each descriptor the library gave, and what to wait for on it.
    fds: HashMap<RawFd, Interest>,
    /// When the library wants to be called again (its timers).
    timer: Option<Instant>,
    /// The socket's ZMQ_LINGER (read when it closes) and, once it closed, until when
    /// what it left may still go out (`Some(None)`: no limit).
    linger: Arc<AtomicI32>,
    linger_until: Option<Option<Instant>>,
    /// Read more next turn (a batch was cut short).
    again: bool,
}

impl PgmEndpoint {
    /// `receiver`: a SUB/XSUB end. `maxmsgsize`: ZMQ_MAXMSGSIZE for what arrives.
    pub fn new(
        sock: Socket,
        pipe: PipeEnd,
        receiver: bool,
        maxmsgsize: Option<u64>,
        linger: Arc<AtomicI32>,
    ) -> Self {
        let (read, write) = sock.descriptors();
        let mut fds: HashMap<RawFd, Interest> = HashMap::new();
        for fd in read {
            fds.entry(fd)
                .and_modify(|i| *i |= Interest::READABLE)
                .or_insert(Interest::READABLE);
        }
        if let Some(fd) = write {
            fds.entry(fd)
                .and_modify(|i| *i |= Interest::WRITABLE)
                .or_insert(Interest::WRITABLE);
        }
        let role = if receiver {
            Role::Receiver {
                framing: Receiver::new(maxmsgsize),
                ready: VecDeque::new(),
            }
        } else {
            Role::Sender {
                encoder: Encoder::default(),
                apdu: Vec::new(),
                max_tsdu: sock.max_tsdu(),
                rate_until: None,
            }
        };
        PgmEndpoint {
            sock,
            pipe: Some(pipe),
            role,
            fds,
            timer: None,
            linger,
            linger_until: None,
            again: false,
        }
    }

    /// Runs the library's timers and reads what came back (a sender's NAKs and SPMRs;
    /// a receiver's data). Returns false when the receiver stopped for a full pipe.
    fn receive(&mut self, now: Instant) -> bool {
        self.timer = None;
        self.again = false;
        for _ in 0..BATCH {
            let got = match &mut self.role {
                Role::Receiver { framing, ready } => {
                    if !ready.is_empty() {
                        return false;
                    }
                    self.sock.recv(|tsi, fragments| {
                        let mut deliver = |m| ready.push_back(m);
                        match fragments {
                            [one] => framing.apdu(tsi.key(), one, &mut deliver),
                            many => framing.apdu(tsi.key(), &many.concat(), &mut deliver),
                        }
                    })
                }
                Role::Sender { .. } => self.sock.recv(|_, _| {}),
            };
            match got {
                Received::Data => {
                    if !self.deliver() {
                        return false;
                    }
                }
                Received::Lost(tsi) => {
                    if let Role::Receiver { framing, .. } = &mut self.role {
                        framing.lost(tsi.key());
                    }
                }
                Received::WouldBlock => return true,
                Received::After(d) => {
                    self.timer = Some(now + d.max(Duration::from_millis(1)));
                    return true;
                }
            }
        }
        self.again = true;
        true
    }

    /// Hands decoded messages to the socket while its pipe takes them; false when it
    /// is full (the rest waits for `ActivateWrite`).
    fn deliver(&mut self) -> bool {
        let (Role::Receiver { ready, .. }, Some(pipe)) = (&mut self.role, &mut self.pipe) else {
            return true;
        };
        while let Some(frames) = ready.front() {
            if frames.is_empty() {
                ready.pop_front();
                continue;
            }
            if !pipe.check_write() {
                break;
            }
            for m in ready.pop_front().into_iter().flatten() {
                pipe.write_batched(m);
            }
        }
        if pipe.has_unpublished() {
            pipe.flush();
        }
        ready.is_empty()
    }

    /// Sends what the socket queued, APDU by APDU; true once the socket closed its end
    /// and all of it went out.
    fn send(&mut self, now: Instant) -> bool {
        let Role::Sender {
            encoder,
            apdu,
            max_tsdu,
            rate_until,
        } = &mut self.role
        else {
            return false;
        };
        let Some(pipe) = &mut self.pipe else {
            return true;
        };
        if rate_until.is_some_and(|t| now < t) {
            return false;
        }
        *rate_until = None;
        let mut finished = false;
        loop {
            if apdu.is_empty() {
                encoder.fill(apdu, *max_tsdu, || match pipe.read() {
                    Read::Msg(m) => Some(m),
                    Read::Empty => None,
                    Read::Finished => {
                        finished = true;
                        None
                    }
                });
                if apdu.is_empty() {
                    return finished && !encoder.busy();
                }
            }
            match self.sock.send(apdu) {
                Sent::All => apdu.clear(),
                Sent::WouldBlock => return false,
                Sent::RateLimited(d) => {
                    *rate_until = Some(now + d.max(Duration::from_millis(1)));
                    return false;
                }
            }
        }
    }

    /// A SUB's subscriptions are not PGM's business (libzmq drops them too); true once
    /// the socket closed its end.
    fn discard_output(&mut self) -> bool {
        let Some(pipe) = &mut self.pipe else {
            return true;
        };
        loop {
            match pipe.read() {
                Read::Msg(_) => {}
                Read::Empty => return false,
                Read::Finished => return true,
            }
        }
    }

    /// Once the socket closed: whether its linger ran out.
    fn linger_expired(&mut self, now: Instant) -> bool {
        if self.linger_until.is_none() && self.pipe.as_ref().is_some_and(PipeEnd::peer_closed) {
            let ms = self.linger.load(Ordering::Relaxed);
            self.linger_until = Some((ms >= 0).then(|| now + Duration::from_millis(ms as u64)));
        }
        matches!(self.linger_until, Some(Some(t)) if now >= t)
    }
}

impl super::Connectionless for PgmEndpoint {
    fn register(&mut self, registry: &Registry, token: Token) -> io::Result<()> {
        for (fd, interest) in &self.fds {
            registry.register(&mut SourceFd(fd), token, *interest)?;
        }
        Ok(())
    }

    fn pipe(&self) -> Option<&PipeEnd> {
        self.pipe.as_ref()
    }

    fn pump(&mut self, now: Instant) -> bool {
        match self.role {
            Role::Receiver { .. } => {
                self.deliver();
                self.receive(now);
                self.discard_output()
            }
            Role::Sender { .. } => {
                let done = self.send(now);
                // The library's timers and the NAKs that came in (repairs go out here).
                self.receive(now);
                done || self.linger_expired(now)
            }
        }
    }

    fn deadline(&self) -> Option<Instant> {
        if self.again {
            return Some(Instant::now());
        }
        let rate = match &self.role {
            Role::Sender { rate_until, .. } => *rate_until,
            Role::Receiver { .. } => None,
        };
        let linger = self.linger_until.flatten();
        [self.timer, rate, linger].into_iter().flatten().min()
    }

    fn shutdown(&mut self, _now: Instant) -> bool {
        // A sender finishes what its socket left, within the linger.
        matches!(self.role, Role::Receiver { .. })
    }

    fn close(&mut self, registry: &Registry) {
        for fd in self.fds.keys() {
            let _ = registry.deregister(&mut SourceFd(fd));
        }
        if let Some(p) = self.pipe.take() {
            p.close();
        }
    }
}
