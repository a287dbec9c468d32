//! Raw connections (ZMQ_STREAM), sans I/O: no greeting, no framing, no handshake.
//! Every chunk read from the peer becomes one message; every message is written as
//! is. With `ZMQ_STREAM_NOTIFY` an empty message announces the connection when it
//! starts and (see [`RawConnection::disconnect_notice`]) when it ends.
//!
//! [`Engine`] puts a raw connection and a ZMTP [`Connection`] behind one surface, so
//! a session drives either the same way (see the `zmtp` module documentation).

use std::collections::VecDeque;
use std::io::IoSlice;
use std::sync::Arc;
use std::time::Instant;

use super::output::OutQueue;
use super::{Config, Connection, Error, Event, WsEngine};
use crate::metadata::Metadata;
use crate::msg::{Msg, ReadBuffer};

/// One raw connection: bytes in are messages out, messages in are bytes out.
pub struct RawConnection {
    out: OutQueue,
    events: VecDeque<Event>,
    /// `Peer-Address`, attached to every message received.
    metadata: Option<Arc<Metadata>>,
    notify: bool,
    out_batch_size: usize,
}

impl RawConnection {
    /// A connection just established. It is ready at once: the first event is
    /// `HandshakeSucceeded`, followed by an empty message when `notify` is set.
    pub fn new(
        peer_address: &str,
        source_fd: i32,
        notify: bool,
        out_batch_size: usize,
    ) -> RawConnection {
        let metadata = (!peer_address.is_empty()).then(|| {
            let mut md = Metadata::new();
            md.insert("Peer-Address", peer_address.as_bytes());
            if source_fd >= 0 {
                md.insert("__fd", source_fd.to_string().as_bytes());
            }
            Arc::new(md)
        });
        let mut c = RawConnection {
            out: OutQueue::new(),
            events: VecDeque::new(),
            metadata,
            notify,
            out_batch_size: out_batch_size.max(1),
        };
        c.events.push_back(Event::HandshakeSucceeded);
        if notify {
            let m = c.message(&[]);
            c.events.push_back(Event::Message(m));
        }
        c
    }

    fn message(&self, data: &[u8]) -> Msg {
        let mut m = Msg::from_slice(data);
        m.set_metadata(self.metadata.clone());
        m
    }

    /// One read from the peer: one message (nothing for an empty read).
    pub fn handle_input(&mut self, data: &[u8]) {
        if !data.is_empty() {
            let m = self.message(data);
            self.events.push_back(Event::Message(m));
        }
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Queues a message's bytes (its MORE flag means nothing here). Refused, and given
    /// back, while `out_batch_size` bytes or more wait to be written.
    pub fn send(&mut self, msg: Msg) -> Result<(), Msg> {
        if !self.can_send() {
            return Err(msg);
        }
        self.out.push_body_after(&[], msg);
        Ok(())
    }

    pub fn can_send(&self) -> bool {
        self.out.len() < self.out_batch_size
    }

    /// False while received messages wait to be taken (back-pressure).
    pub fn wants_input(&self) -> bool {
        self.events.is_empty()
    }

    pub fn pending_output(&self) -> &[u8] {
        self.out.front()
    }

    pub fn pending_output_vectored<'a>(&'a self, bufs: &mut [IoSlice<'a>]) -> usize {
        self.out.front_vectored(bufs)
    }

    pub fn pending_output_len(&self) -> usize {
        self.out.len()
    }

    pub fn consume_output(&mut self, n: usize) {
        self.out.consume(n);
    }

    /// The connection's properties (`Peer-Address` for tcp).
    pub fn metadata(&self) -> Option<Arc<Metadata>> {
        self.metadata.clone()
    }

    /// What the socket is told when the connection is lost: an empty message with
    /// `ZMQ_STREAM_NOTIFY`, nothing otherwise. Not sent when the socket itself closed
    /// the connection.
    pub fn disconnect_notice(&self) -> Option<Msg> {
        self.notify.then(|| self.message(&[]))
    }
}

/// The engine of one session's connection: ZMTP, or raw for ZMQ_STREAM sockets.
// One per session, kept inline: boxing the ZMTP side would only add an indirection.
#[allow(clippy::large_enum_variant)]
pub enum Engine {
    Zmtp(Connection),
    Raw(RawConnection),
    /// ws:// and wss://: the WebSocket upgrade, then ZMTP in ZWS framing.
    Ws(Box<WsEngine>),
}

impl Engine {
    /// The engine `cfg` asks for (`cfg.raw`: a raw connection), just established.
    pub fn new(cfg: Config, now: Instant) -> Engine {
        if cfg.ws.is_some() {
            Engine::Ws(Box::new(WsEngine::new(cfg, now)))
        } else if cfg.raw {
            Engine::Raw(RawConnection::new(
                &cfg.peer_address,
                cfg.source_fd,
                cfg.raw_notify,
                cfg.out_batch_size,
            ))
        } else {
            Engine::Zmtp(Connection::new(cfg, now))
        }
    }

    /// The ZMTP connection, if this is one.
    pub fn zmtp(&self) -> Option<&Connection> {
        match self {
            Engine::Zmtp(c) => Some(c),
            Engine::Raw(_) => None,
            Engine::Ws(w) => w.connection(),
        }
    }

    pub fn zmtp_mut(&mut self) -> Option<&mut Connection> {
        match self {
            Engine::Zmtp(c) => Some(c),
            Engine::Raw(_) => None,
            Engine::Ws(w) => w.connection_mut(),
        }
    }

    pub fn handle_input(&mut self, data: &[u8], now: Instant) -> Result<(), Error> {
        self.handle_input_in(data, None, now)
    }

    /// A ZMTP frame body being received (see `Connection::body`); not for WebSocket
    /// framing or raw connections.
    pub fn body(&mut self) -> Option<&mut crate::msg::Filling> {
        match self {
            Engine::Zmtp(c) => c.body(),
            Engine::Ws(_) | Engine::Raw(_) => None,
        }
    }

    /// Input that lies in `shared` (`ZMQ_ZERO_COPY_RECV`): ZMTP bodies may point into it.
    pub fn handle_input_in(
        &mut self,
        data: &[u8],
        shared: Option<&ReadBuffer>,
        now: Instant,
    ) -> Result<(), Error> {
        match self {
            Engine::Zmtp(c) => c.handle_input_in(data, shared, now),
            Engine::Ws(w) => w.handle_input(data, now),
            Engine::Raw(r) => {
                r.handle_input(data);
                Ok(())
            }
        }
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        match self {
            Engine::Zmtp(c) => c.poll_event(),
            Engine::Raw(r) => r.poll_event(),
            Engine::Ws(w) => w.poll_event(),
        }
    }

    pub fn send(&mut self, msg: Msg) -> Result<(), Msg> {
        match self {
            Engine::Zmtp(c) => c.send(msg),
            Engine::Raw(r) => r.send(msg),
            Engine::Ws(w) => w.send(msg),
        }
    }

    pub fn can_send(&self) -> bool {
        match self {
            Engine::Zmtp(c) => c.can_send(),
            Engine::Raw(r) => r.can_send(),
            Engine::Ws(w) => w.can_send(),
        }
    }

    pub fn is_ready(&self) -> bool {
        match self {
            Engine::Zmtp(c) => c.is_ready(),
            Engine::Raw(_) => true,
            Engine::Ws(w) => w.is_ready(),
        }
    }

    pub fn wants_input(&self) -> bool {
        match self {
            Engine::Zmtp(c) => c.wants_input(),
            Engine::Raw(r) => r.wants_input(),
            Engine::Ws(w) => w.wants_input(),
        }
    }

    pub fn pending_output(&self) -> &[u8] {
        match self {
            Engine::Zmtp(c) => c.pending_output(),
            Engine::Raw(r) => r.pending_output(),
            Engine::Ws(w) => w.pending_output(),
        }
    }

    pub fn pending_output_vectored<'a>(&'a self, bufs: &mut [IoSlice<'a>]) -> usize {
        match self {
            Engine::Zmtp(c) => c.pending_output_vectored(bufs),
            Engine::Raw(r) => r.pending_output_vectored(bufs),
            Engine::Ws(w) => w.pending_output_vectored(bufs),
        }
    }

    pub fn pending_output_len(&self) -> usize {
        match self {
            Engine::Zmtp(c) => c.pending_output_len(),
            Engine::Raw(r) => r.pending_output_len(),
            Engine::Ws(w) => w.pending_output_len(),
        }
    }

    pub fn consume_output(&mut self, n: usize) {
        match self {
            Engine::Zmtp(c) => c.consume_output(n),
            Engine::Raw(r) => r.consume_output(n),
            Engine::Ws(w) => w.consume_output(n),
        }
    }

    /// Raw connections need no timer.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self {
            Engine::Zmtp(c) => c.poll_timeout(),
            Engine::Raw(_) => None,
            Engine::Ws(w) => w.poll_timeout(),
        }
    }

    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        match self {
            Engine::Zmtp(c) => c.handle_timeout(now),
            Engine::Raw(_) => Ok(()),
            Engine::Ws(w) => w.handle_timeout(now),
        }
    }

    /// The peer's routing id (ZMTP only).
    pub fn peer_routing_id(&self) -> Option<&[u8]> {
        self.zmtp().and_then(Connection::peer_routing_id)
    }

    /// The ZMTP version spoken; (0,0) for a raw connection.
    pub fn peer_version(&self) -> (u8, u8) {
        self.zmtp().map_or((0, 0), Connection::peer_version)
    }

    pub fn metadata(&self) -> Option<Arc<Metadata>> {
        match self {
            Engine::Zmtp(c) => c.metadata(),
            Engine::Raw(r) => r.metadata(),
            Engine::Ws(w) => w.connection().and_then(Connection::metadata),
        }
    }

    /// The protocol error that killed the connection (a raw one has none).
    pub fn error(&self) -> Option<&Error> {
        match self {
            Engine::Ws(w) => w.error(),
            _ => self.zmtp().and_then(Connection::error),
        }
    }

    /// The message for the socket when the connection is lost (raw with notify).
    pub fn disconnect_notice(&self) -> Option<Msg> {
        match self {
            Engine::Zmtp(_) | Engine::Ws(_) => None,
            Engine::Raw(r) => r.disconnect_notice(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(ev: Option<Event>) -> Vec<u8> {
        match ev {
            Some(Event::Message(m)) => {
                assert!(!m.more());
                m.data().to_vec()
            }
            other => panic!("expected a message, got {other:?}"),
        }
    }

    #[test]
    fn ready_at_once_with_notification() {
        let mut c = RawConnection::new("127.0.0.1", -1, true, 8192);
        assert!(matches!(c.poll_event(), Some(Event::HandshakeSucceeded)));
        assert!(!c.wants_input());
        match c.poll_event() {
            Some(Event::Message(m)) => {
                assert_eq!(m.size(), 0);
                assert_eq!(m.property("Peer-Address").unwrap().to_bytes(), b"127.0.0.1");
            }
            other => panic!("{other:?}"),
        }
        assert!(c.poll_event().is_none());
        assert!(c.wants_input());
        assert!(c.pending_output().is_empty());
        assert_eq!(c.disconnect_notice().map(|m| m.size()), Some(0));
    }

    #[test]
    fn without_notify_nothing_is_announced() {
        let mut c = RawConnection::new("", -1, false, 8192);
        assert!(matches!(c.poll_event(), Some(Event::HandshakeSucceeded)));
        assert!(c.poll_event().is_none());
        assert!(c.disconnect_notice().is_none());
        assert!(c.metadata().is_none());
    }

    #[test]
    fn each_read_is_one_message() {
        let mut c = RawConnection::new("", -1, false, 8192);
        c.poll_event();
        c.handle_input(b"GET / HTTP/1.0\r\n");
        c.handle_input(b"");
        c.handle_input(&[0xff, 0, 0x7f]);
        assert_eq!(data(c.poll_event()), b"GET / HTTP/1.0\r\n");
        assert_eq!(data(c.poll_event()), [0xff, 0, 0x7f]);
        assert!(c.poll_event().is_none());
    }

    #[test]
    fn messages_are_written_as_is_with_backpressure() {
        let mut c = RawConnection::new("", -1, false, 4);
        let mut m = Msg::from_slice(b"abc");
        m.set_more(true);
        c.send(m).unwrap();
        c.send(Msg::new()).unwrap();
        c.send(Msg::from_slice(b"de")).unwrap();
        assert!(!c.can_send());
        let refused = c.send(Msg::from_slice(b"f")).unwrap_err();
        assert_eq!(refused.data(), b"f");
        assert_eq!(c.pending_output_len(), 5);
        let mut written = Vec::new();
        while !c.pending_output().is_empty() {
            let n = c.pending_output().len().min(2);
            written.extend_from_slice(&c.pending_output()[..n]);
            c.consume_output(n);
        }
        assert_eq!(written, b"abcde");
        assert!(c.can_send());
        let big = vec![7u8; 100_000];
        c.send(Msg::from_slice(&big)).unwrap();
        assert_eq!(c.pending_output_len(), big.len());
    }

    #[test]
    fn engine_picks_raw_from_config() {
        let now = Instant::now();
        let cfg = Config {
            raw: true,
            peer_address: "10.0.0.1".into(),
            ..Config::default()
        };
        let mut e = Engine::new(cfg, now);
        assert!(e.zmtp().is_none() && e.is_ready());
        assert!(e.poll_timeout().is_none());
        assert!(e.handle_timeout(now).is_ok());
        assert!(e.pending_output().is_empty());
        assert_eq!(e.peer_version(), (0, 0));
        assert!(matches!(e.poll_event(), Some(Event::HandshakeSucceeded)));
        assert_eq!(data(e.poll_event()), b"");
        e.handle_input(b"x", now).unwrap();
        assert_eq!(data(e.poll_event()), b"x");

        let z = Engine::new(Config::default(), now);
        assert!(z.zmtp().is_some() && !z.is_ready());
        // A ZMTP connection starts with its greeting's signature.
        assert_eq!(z.pending_output().first(), Some(&0xff));
        assert!(z.disconnect_notice().is_none());
    }
}
