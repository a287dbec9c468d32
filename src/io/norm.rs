//! A norm:// endpoint in an I/O thread: a PUB/XPUB's frames written to a NORM stream,
//! or a SUB/XSUB's remote senders' streams decoded into messages (`zmtp::norm`), over a
//! NORM session (`sys::norm`), woken by the instance's event descriptor.
//!
//! Beyond libzmq's engine, which stops NORM as soon as its socket closes: a closing
//! sender waits, within the socket's linger, until NORM has sent what was written.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};

use crate::msg::Msg;
use crate::pipe::{PipeEnd, Read};
use crate::sys::norm::{Broken, Event, Node, Session, Stream};
use crate::zmtp::norm::{Encoder, StreamDecoder, FIRST};

/// Read this much of a stream at a time.
const CHUNK: usize = 64 * 1024;

/// A frame being written: its marker and header, its body, how far it went.
struct Pending {
    prefix: [u8; 11],
    prefix_len: usize,
    body: Msg,
    written: usize,
}

/// What a receiver knows of one remote sender's stream.
struct Incoming {
    sender: Node,
    /// `None`: looking for a message start.
    decoder: Option<StreamDecoder>,
}

enum Role {
    Sender {
        encoder: Encoder,
        pending: Option<Pending>,
        /// NORM took less than offered: wait for its TX_QUEUE_VACANCY.
        full: bool,
        /// Everything written has gone out (NORM's TX_QUEUE_EMPTY since).
        drained: bool,
    },
    Receiver {
        streams: HashMap<Stream, Incoming>,
        /// Streams with data to read.
        readable: HashSet<Stream>,
        /// Whole messages decoded while the socket's pipe was full.
        ready: VecDeque<Vec<Msg>>,
        maxmsgsize: Option<u64>,
    },
}

pub struct NormEndpoint {
    session: Session,
    pipe: Option<PipeEnd>,
    role: Role,
    buf: Vec<u8>,
    linger: Arc<AtomicI32>,
    /// Once the socket closed: until when what it left may still go out.
    linger_until: Option<Option<Instant>>,
}

impl NormEndpoint {
    pub fn new(
        session: Session,
        pipe: PipeEnd,
        sender: bool,
        maxmsgsize: Option<u64>,
        linger: Arc<AtomicI32>,
    ) -> Self {
        let role = if sender {
            Role::Sender {
                encoder: Encoder::default(),
                pending: None,
                full: false,
                drained: true,
            }
        } else {
            Role::Receiver {
                streams: HashMap::new(),
                readable: HashSet::new(),
                ready: VecDeque::new(),
                maxmsgsize,
            }
        };
        NormEndpoint {
            session,
            pipe: Some(pipe),
            role,
            buf: Vec::new(),
            linger,
            linger_until: None,
        }
    }

    /// Takes NORM's events.
    fn events(&mut self) {
        while let Some(ev) = self.session.next_event() {
            match (&mut self.role, ev) {
                (Role::Sender { full, .. }, Event::TxReady) => *full = false,
                (Role::Sender { full, drained, .. }, Event::TxEmpty) => {
                    *full = false;
                    *drained = true;
                }
                (
                    Role::Receiver {
                        streams, readable, ..
                    },
                    Event::Readable(s, sender),
                ) => {
                    streams.entry(s).or_insert(Incoming {
                        sender,
                        decoder: None,
                    });
                    readable.insert(s);
                }
                (
                    Role::Receiver {
                        streams, readable, ..
                    },
                    Event::Gone(s),
                ) => {
                    streams.remove(&s);
                    readable.remove(&s);
                    self.session.release(s);
                }
                (
                    Role::Receiver {
                        streams, readable, ..
                    },
                    Event::SenderInactive(node),
                ) => {
                    let gone: Vec<Stream> = streams
                        .iter()
                        .filter(|(_, i)| i.sender == node)
                        .map(|(s, _)| *s)
                        .collect();
                    for s in gone {
                        streams.remove(&s);
                        readable.remove(&s);
                        self.session.release(s);
                    }
                    self.session.forget_sender(node);
                }
                _ => {}
            }
        }
    }

    /// Writes the socket's frames to the stream; true once the socket closed its end
    /// and all of it went out.
    fn send(&mut self) -> bool {
        let Role::Sender {
            encoder,
            pending,
            full,
            drained,
        } = &mut self.role
        else {
            return false;
        };
        let Some(pipe) = &mut self.pipe else {
            return true;
        };
        while !*full {
            if pending.is_none() {
                let m = match pipe.read() {
                    Read::Msg(m) => m,
                    Read::Empty => return false,
                    Read::Finished => return *drained,
                };
                let mut prefix = [0u8; 11];
                let prefix_len = encoder.prefix(&m, &mut prefix);
                *pending = Some(Pending {
                    prefix,
                    prefix_len,
                    body: m,
                    written: 0,
                });
            }
            let Some(p) = pending.as_mut() else { break };
            let total = p.prefix_len + p.body.size();
            while p.written < total {
                let part = if p.written < p.prefix_len {
                    &p.prefix[p.written..p.prefix_len]
                } else {
                    &p.body.data()[p.written - p.prefix_len..]
                };
                let took = self.session.write(part);
                p.written += took;
                *drained = false;
                if took < part.len() {
                    *full = true;
                    return false;
                }
            }
            // One NORM message per frame, sent now (libzmq's active flush).
            self.session.end_message();
            *pending = None;
        }
        false
    }

    /// Reads the streams that have data, while the socket's pipe takes messages.
    fn receive(&mut self) {
        if !self.deliver() {
            return;
        }
        let Role::Receiver {
            streams,
            readable,
            ready,
            maxmsgsize,
        } = &mut self.role
        else {
            return;
        };
        self.buf.resize(CHUNK, 0);
        let pending: Vec<Stream> = readable.iter().copied().collect();
        for s in pending {
            let Some(incoming) = streams.get_mut(&s) else {
                readable.remove(&s);
                continue;
            };
            loop {
                if !ready.is_empty() {
                    // The pipe was full: read on when it has room.
                    break;
                }
                if incoming.decoder.is_none() {
                    if !self.session.seek_message_start(s) {
                        // No message starts in what is here yet (the seek re-arms
                        // NORM's RX_OBJECT_UPDATED).
                        readable.remove(&s);
                        break;
                    }
                    match self.session.read(s, &mut self.buf[..1]) {
                        Ok(1) if self.buf[0] == FIRST => {
                            incoming.decoder = Some(StreamDecoder::new(*maxmsgsize));
                        }
                        // A later frame of a message (a late join), or junk.
                        Ok(1) => {
                            if Self::drain(&mut self.session, s, &mut self.buf) {
                                readable.remove(&s);
                                break;
                            }
                        }
                        // A gap: seek on.
                        Err(Broken) => {}
                        Ok(_) => {
                            readable.remove(&s);
                            break;
                        }
                    }
                    continue;
                }
                // Never past the element being decoded: a bad one is followed by as
                // little as possible that `drain` throws away.
                let want = incoming
                    .decoder
                    .as_ref()
                    .map_or(1, StreamDecoder::wanted)
                    .min(CHUNK);
                let n = match self.session.read(s, &mut self.buf[..want]) {
                    Ok(0) => {
                        readable.remove(&s);
                        break;
                    }
                    Ok(n) => n,
                    Err(Broken) => {
                        incoming.decoder = None;
                        continue;
                    }
                };
                let Some(decoder) = incoming.decoder.as_mut() else {
                    continue;
                };
                if decoder
                    .input(&self.buf[..n], |m| ready.push_back(m))
                    .is_err()
                {
                    incoming.decoder = None;
                    if Self::drain(&mut self.session, s, &mut self.buf) {
                        readable.remove(&s);
                        break;
                    }
                }
                // Hand over what is complete before reading more.
                if !Self::deliver_into(&mut self.pipe, ready) {
                    break;
                }
            }
        }
    }

    /// Throws away what a stream holds now, after a read into a message that cannot
    /// be used: after a read into a segment where a message starts, libnorm 1.5.9's
    /// seek to the next message start lands on that same message again (and libzmq's
    /// engine, which seeks there, never gets past it). True when all of it is gone (read on at the next data);
    /// false when the stream broke meanwhile (seek on).
    fn drain(session: &mut Session, s: Stream, buf: &mut [u8]) -> bool {
        loop {
            match session.read(s, buf) {
                Ok(0) => return true,
                Ok(_) => {}
                Err(Broken) => return false,
            }
        }
    }

    fn deliver(&mut self) -> bool {
        match &mut self.role {
            Role::Receiver { ready, .. } => Self::deliver_into(&mut self.pipe, ready),
            Role::Sender { .. } => true,
        }
    }

    /// Hands decoded messages to the socket while its pipe takes them; false when it
    /// is full (the rest waits for `ActivateWrite`).
    fn deliver_into(pipe: &mut Option<PipeEnd>, ready: &mut VecDeque<Vec<Msg>>) -> bool {
        let Some(pipe) = pipe else {
            ready.clear();
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

    /// A SUB's subscriptions are not NORM's business (libzmq drops them too); true
    /// once the socket closed its end.
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

    fn linger_expired(&mut self, now: Instant) -> bool {
        if self.linger_until.is_none() && self.pipe.as_ref().is_some_and(PipeEnd::peer_closed) {
            let ms = self.linger.load(Ordering::Relaxed);
            self.linger_until = Some((ms >= 0).then(|| now + Duration::from_millis(ms as u64)));
        }
        matches!(self.linger_until, Some(Some(t)) if now >= t)
    }
}

impl super::Connectionless for NormEndpoint {
    fn register(&mut self, registry: &Registry, token: Token) -> io::Result<()> {
        registry.register(
            &mut SourceFd(&self.session.descriptor()),
            token,
            Interest::READABLE,
        )
    }

    fn pipe(&self) -> Option<&PipeEnd> {
        self.pipe.as_ref()
    }

    fn pump(&mut self, now: Instant) -> bool {
        self.events();
        match self.role {
            Role::Sender { .. } => self.send() || self.linger_expired(now),
            Role::Receiver { .. } => {
                self.receive();
                self.discard_output()
            }
        }
    }

    fn deadline(&self) -> Option<Instant> {
        self.linger_until.flatten()
    }

    fn shutdown(&mut self, _now: Instant) -> bool {
        matches!(self.role, Role::Receiver { .. })
    }

    fn close(&mut self, registry: &Registry) {
        let _ = registry.deregister(&mut SourceFd(&self.session.descriptor()));
        if let Some(p) = self.pipe.take() {
            p.close();
        }
    }
}
