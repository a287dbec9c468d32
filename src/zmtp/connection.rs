//! The connection state machine: greeting, handshake (NULL, or the ZMTP 1.0/2.0
//! identity exchange), then traffic with heartbeats and subscription commands.

use std::collections::VecDeque;
use std::io::IoSlice;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::codec::{self, Body, Control, Decoder, Frame, Framing};
use super::command::{self, Command};
use super::greeting::{self, Detected, GreetingReader, REVISION_1_0, REVISION_3, V2_GREETING_LEN};
use super::mechanism;
use super::null::{self, PeerProperties};
use super::output::OutQueue;
use super::socket_type;
use super::zap;
use super::zws;
use super::{Config, Error, Event, MAX_HANDSHAKE_FRAME};
use crate::metadata::Metadata;
use crate::msg::{Msg, ReadBuffer, INLINE_CAP};
use crate::transport::ws::frame;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Exchanging greetings.
    Greeting,
    /// ZMTP 3: our READY is queued; waiting for the peer's.
    Handshake,
    /// ZMTP 1.0/2.0: waiting for the peer's identity frame.
    LegacyIdentity,
    /// Messages flow.
    Traffic,
}

/// One ZMTP connection, sans I/O (see the module documentation for how to drive it).
pub struct Connection {
    decoder: Decoding,
    st: State,
}

/// ZMTP's own framing, or ZWS 2.0's (WebSocket frames).
enum Decoding {
    Zmtp(Decoder),
    Zws(zws::Decoder),
}

impl Decoding {
    fn next_frame<'s, 'i: 's>(
        &'s mut self,
        input: &mut &'i [u8],
        max: Option<u64>,
    ) -> Result<Option<Frame<'s>>, Error> {
        match self {
            Decoding::Zmtp(d) => d.next_frame(input, max),
            Decoding::Zws(d) => d.next_frame(input, max),
        }
    }

    /// ZWS bodies are unmasked as they arrive, so only ZMTP's are read into directly.
    fn body(&mut self) -> Option<&mut crate::msg::Filling> {
        match self {
            Decoding::Zmtp(d) => d.body(),
            Decoding::Zws(_) => None,
        }
    }
}

/// Everything but the decoder, so that a decoded frame (borrowing the decoder) can be
/// handled by `&mut State` methods.
struct State {
    cfg: Config,
    phase: Phase,
    greeting: GreetingReader,
    out: OutQueue,
    events: VecDeque<Event>,
    framing: Framing,
    /// The ZMTP version spoken: (1,0), (2,0), (3,0) or (3,1); (0,0) before we know.
    version: (u8, u8),
    /// The peer sent no signature (ZMTP 1.0).
    unversioned: bool,
    peer_routing_id: Option<Vec<u8>>,
    peer_socket_type: Option<i32>,
    metadata: Option<Arc<Metadata>>,
    maxmsgsize: Option<u64>,
    handshake_deadline: Option<Instant>,
    heartbeat_ivl: Option<Duration>,
    /// `ZMQ_HEARTBEAT_TIMEOUT` resolved (-1 = the interval; zero = none).
    heartbeat_timeout: Option<Duration>,
    /// Our PING's TTL, deciseconds.
    ping_ttl: u16,
    next_ping: Option<Instant>,
    /// Armed when we send a PING: some frame must arrive before it.
    heartbeat_deadline: Option<Instant>,
    /// Armed by the peer's PING TTL: some frame must arrive before it.
    ttl_deadline: Option<Instant>,
    /// The last frame we sent had MORE (we are inside a multipart message).
    sending_more: bool,
    /// DISH: the group frame of the message whose body comes next.
    group_frame: Option<Msg>,
    /// The read buffer the input being decoded lies in (`ZMQ_ZERO_COPY_RECV`), for the
    /// length of one `handle_input_in`.
    shared: Option<ReadBuffer>,
    dead: Option<Error>,
    /// The security mechanism (ZMTP 3, from the greeting on; `None` for 1.0/2.0 peers
    /// and bare ZWS).
    mechanism: Option<Box<dyn mechanism::Mechanism>>,
    /// A ZAP request is out: the handler's reply is expected.
    zap_pending: bool,
    /// The peer's properties, checked as soon as they arrive (the handshake may still
    /// wait for ZAP).
    peer: Option<PeerProperties>,
    /// What the ZAP handler said of the peer: its User-Id and properties.
    zap_properties: Vec<(Vec<u8>, Vec<u8>)>,
    /// ZWS 2.0: frames go out as WebSocket messages (`None`: ZMTP framing).
    zws: Option<zws::Encoder>,
}

fn nonzero(d: Option<Duration>) -> Option<Duration> {
    d.filter(|d| !d.is_zero())
}

impl Connection {
    /// A connection that has just been established (either direction): the first 10
    /// bytes of our greeting are queued at once, as libzmq sends them.
    pub fn new(cfg: Config, now: Instant) -> Connection {
        let mut out = OutQueue::new();
        out.push_bytes(&greeting::signature(cfg.routing_id.len()));
        let heartbeat_ivl = nonzero(cfg.heartbeat_ivl);
        let heartbeat_timeout = heartbeat_ivl.and_then(|ivl| match cfg.heartbeat_timeout {
            None => Some(ivl),
            Some(t) => nonzero(Some(t)),
        });
        let ping_ttl = cfg.heartbeat_ttl.map_or(0, |t| {
            u16::try_from(t.as_millis() / 100).unwrap_or(u16::MAX)
        });
        let st = State {
            phase: Phase::Greeting,
            greeting: GreetingReader::new(cfg.socket_type, cfg.mechanism.name(), cfg.allow_legacy),
            out,
            events: VecDeque::new(),
            framing: Framing::V2,
            version: (0, 0),
            unversioned: false,
            peer_routing_id: None,
            peer_socket_type: None,
            metadata: None,
            maxmsgsize: u64::try_from(cfg.maxmsgsize).ok(),
            handshake_deadline: nonzero(cfg.handshake_ivl).and_then(|d| now.checked_add(d)),
            heartbeat_ivl,
            heartbeat_timeout,
            ping_ttl,
            next_ping: None,
            heartbeat_deadline: None,
            ttl_deadline: None,
            sending_more: false,
            group_frame: None,
            shared: None,
            dead: None,
            mechanism: None,
            zap_pending: false,
            peer: None,
            zap_properties: Vec::new(),
            zws: None,
            cfg,
        };
        Connection {
            decoder: Decoding::Zmtp(Decoder::new(Framing::V2)),
            st,
        }
    }

    /// A ZWS 2.0 connection whose WebSocket upgrade just completed (`client`: we sent
    /// the request). There is no greeting: with a mechanism (`ZWS2.0/NULL` etc.) its
    /// handshake starts at once; the bare `ZWS2.0` (`bare`) sends a routing-id frame
    /// and takes the peer's, as libzmq. `preamble` goes out first (the server's `101`).
    pub fn new_zws(cfg: Config, now: Instant, client: bool, bare: bool, preamble: &[u8]) -> Self {
        let mut c = Connection::new(cfg, now);
        let st = &mut c.st;
        st.out = OutQueue::new();
        st.out.push_bytes(preamble);
        st.zws = Some(zws::Encoder::new(client));
        // As a ZMTP 3.0 link: subscriptions travel as `1 topic` data frames (libzmq's
        // ws encoder), and the handshake events are those of a versioned peer.
        st.version = (3, 0);
        c.decoder = Decoding::Zws(zws::Decoder::new(!client));
        if bare {
            // libzmq's ZWS2.0 has no handshake to time out, and its heartbeats start.
            st.handshake_deadline = None;
            st.phase = Phase::LegacyIdentity;
            st.next_ping = st.heartbeat_ivl.and_then(|ivl| now.checked_add(ivl));
            let id = st.cfg.routing_id.clone();
            st.emit(false, false, &[&id]);
        } else {
            st.phase = Phase::Handshake;
            if let Err(e) = c.start_mechanism(now) {
                c.st.fail(e);
            }
        }
        c
    }

    /// Bytes read from the peer, split anywhere. All of `data` is consumed; decoded
    /// messages wait in `poll_event`. On `Err` the connection is dead (events decoded
    /// before the error can still be taken).
    pub fn handle_input(&mut self, data: &[u8], now: Instant) -> Result<(), Error> {
        self.handle_input_in(data, None, now)
    }

    /// As [`handle_input`](Self::handle_input), for `data` that lies in `shared`: a
    /// message body that arrived whole points into it instead of being copied.
    pub fn handle_input_in(
        &mut self,
        data: &[u8],
        shared: Option<&ReadBuffer>,
        now: Instant,
    ) -> Result<(), Error> {
        self.st.shared = shared.cloned();
        let r = self.checked_input(data, now);
        self.st.shared = None;
        r
    }

    /// The frame body being received, while traffic flows (see `Decoder::body`);
    /// bytes read into it count once [`handle_input`](Self::handle_input) is called
    /// (with no more data).
    pub fn body(&mut self) -> Option<&mut crate::msg::Filling> {
        if self.st.dead.is_some() || self.st.phase != Phase::Traffic {
            return None;
        }
        self.decoder.body()
    }

    fn checked_input(&mut self, data: &[u8], now: Instant) -> Result<(), Error> {
        if let Some(e) = &self.st.dead {
            return Err(e.clone());
        }
        let r = self.input(data, now);
        if let Err(e) = &r {
            self.st.fail(e.clone());
            self.st.ws_close_for(e);
        }
        r
    }

    fn input(&mut self, mut data: &[u8], now: Instant) -> Result<(), Error> {
        if self.st.phase == Phase::Greeting {
            let Some(detected) = self.st.greeting.feed(&mut data, &mut self.st.out)? else {
                return Ok(());
            };
            // The bytes an unversioned peer sent so far start its v1 frame stream.
            let mut prefix = [0u8; V2_GREETING_LEN];
            let received = self.st.greeting.received();
            let n = received.len().min(prefix.len());
            prefix[..n].copy_from_slice(&received[..n]);
            self.on_greeting(detected);
            self.check_mechanism(detected)?;
            if detected == Detected::Unversioned {
                self.decode(&mut &prefix[..n], now)?;
            }
        }
        self.decode(&mut data, now)
    }

    fn decode(&mut self, input: &mut &[u8], now: Instant) -> Result<(), Error> {
        loop {
            let max = self.st.frame_limit();
            let Some(frame) = self.decoder.next_frame(input, max)? else {
                return Ok(());
            };
            self.st.on_frame(frame, now)?;
        }
    }

    fn on_greeting(&mut self, detected: Detected) {
        let st = &mut self.st;
        if !matches!(detected, Detected::V3 { .. }) {
            // A 1.0/2.0 peer has no mechanism: libzmq 4.3.5 ends its handshake, and
            // ZMQ_HANDSHAKE_IVL with it, at the greeting; the identity frame may come
            // whenever (4.3.4 still timed it out).
            st.handshake_deadline = None;
        }
        match detected {
            Detected::Unversioned => {
                st.unversioned = true;
                st.version = (1, 0);
                st.framing = Framing::V1;
                st.phase = Phase::LegacyIdentity;
                // The 10-byte signature already was the long header of our identity
                // frame: only its body is left to send.
                st.out.push_bytes(&st.cfg.routing_id);
            }
            Detected::Legacy {
                revision,
                socket_type,
            } => {
                (st.version, st.framing) = if revision == REVISION_1_0 {
                    ((1, 0), Framing::V1)
                } else {
                    ((2, 0), Framing::V2)
                };
                st.peer_socket_type = Some(i32::from(socket_type));
                st.phase = Phase::LegacyIdentity;
                let id = st.cfg.routing_id.clone();
                st.emit(false, false, &[&id]);
            }
            Detected::V3 {
                revision, minor, ..
            } => {
                st.version = if revision == REVISION_3 && minor == 0 {
                    (3, 0)
                } else {
                    (3, 1)
                };
                st.framing = Framing::V2;
                st.phase = Phase::Handshake;
            }
        }
        self.decoder = Decoding::Zmtp(Decoder::new(st.framing));
    }

    /// ZMTP 3: the peer must use our mechanism; then our READY goes out.
    fn check_mechanism(&mut self, detected: Detected) -> Result<(), Error> {
        let Detected::V3 { mechanism, .. } = detected else {
            return Ok(());
        };
        if mechanism != greeting::mechanism_field(self.st.cfg.mechanism.name()) {
            return Err(Error::MechanismMismatch);
        }
        self.start_mechanism(Instant::now())
    }

    /// The mechanism's handshake starts: our first command goes out (READY, HELLO), or
    /// the ZAP handler is asked first.
    fn start_mechanism(&mut self, now: Instant) -> Result<(), Error> {
        self.st.mechanism = Some(mechanism::new(&self.st.cfg)?);
        self.st.mechanism_progress(now)
    }

    /// The ZAP handler's reply (every frame, envelope delimiter first). On 200 the
    /// handshake goes on; any other status or an unusable reply ends the connection
    /// (400 and 500 tell the peer with an ERROR command first; 300 says nothing).
    pub fn zap_reply(&mut self, frames: &[Msg], now: Instant) -> Result<(), Error> {
        if !self.st.zap_pending {
            return Ok(());
        }
        self.st.zap_pending = false;
        let r = match zap::parse_reply(frames) {
            Ok(r) if r.status == 200 => r,
            Ok(r) => {
                if r.status != 300 {
                    let mut body = command::ERROR.to_vec();
                    body.push(3);
                    body.extend_from_slice(frames[3].data());
                    self.st.push_command(&body);
                }
                return Err(self.die(Error::AuthFailed(r.status)));
            }
            Err(e) => return Err(self.die(e)),
        };
        if !r.user_id.is_empty() {
            self.st
                .zap_properties
                .push((b"User-Id".to_vec(), r.user_id));
        }
        self.st.zap_properties.extend(r.properties);
        if let Some(m) = &mut self.st.mechanism {
            m.zap_accepted();
        }
        self.st.mechanism_progress(now).map_err(|e| self.die(e))
    }

    /// No ZAP handler is bound. NULL goes on without one, as libzmq, unless
    /// `ZMQ_ZAP_ENFORCE_DOMAIN` is set; PLAIN's server cannot, and the connection fails
    /// (`Error::NoZapHandler`).
    pub fn zap_unavailable(&mut self, now: Instant) -> Result<(), Error> {
        if !std::mem::take(&mut self.st.zap_pending) {
            return Ok(());
        }
        if self.st.cfg.zap_enforce_domain {
            return Err(self.die(Error::NoZapHandler));
        }
        if let Some(m) = &mut self.st.mechanism {
            if let Err(e) = m.zap_unavailable() {
                return Err(self.die(e));
            }
        }
        self.st.mechanism_progress(now).map_err(|e| self.die(e))
    }

    fn die(&mut self, e: Error) -> Error {
        self.st.fail(e.clone());
        e
    }

    /// The next event, in order.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.st.events.pop_front()
    }

    /// Queues an outbound data frame (MORE from `msg.more()`). Refused, and given
    /// back, before the handshake is complete, after an error, or while more than
    /// `out_batch_size` bytes wait to be written: write, then try again.
    ///
    /// From a SUB/XSUB socket to a ZMTP 3.1 peer, a single-frame message `1 topic` /
    /// `0 topic` goes out as a SUBSCRIBE / CANCEL command; to older peers, and inside
    /// multipart messages, it goes as the data frame it is.
    pub fn send(&mut self, msg: Msg) -> Result<(), Msg> {
        if !self.can_send() {
            return Err(msg);
        }
        let st = &mut self.st;
        if msg.is_command() {
            // A DISH's JOIN/LEAVE (see `command::membership`).
            st.push_command(msg.data());
            return Ok(());
        }
        if st.cfg.socket_type == socket_type::RADIO && !st.sending_more {
            // As libzmq's radio session: the group goes first, as a frame of its own.
            st.push_frame(true, false, msg.group().to_bytes());
        }
        let more = msg.more();
        if st.version == (3, 1)
            && matches!(st.cfg.socket_type, socket_type::SUB | socket_type::XSUB)
            && !st.sending_more
            && !more
        {
            if let Some((&kind @ (0 | 1), topic)) = msg.data().split_first() {
                let name = if kind == 1 {
                    command::SUBSCRIBE
                } else {
                    command::CANCEL
                };
                if st.seals() {
                    st.push_frame(false, true, &[name, topic].concat());
                    return Ok(());
                }
                st.emit(false, true, &[name, topic]);
                return Ok(());
            }
        }
        if st.seals() {
            st.push_frame(more, false, msg.data());
            st.sending_more = more;
            return Ok(());
        }
        st.emit_msg(more, false, msg);
        st.sending_more = more;
        Ok(())
    }

    /// Whether `send` would take a message now.
    pub fn can_send(&self) -> bool {
        let st = &self.st;
        st.dead.is_none() && st.phase == Phase::Traffic && st.out.len() < st.cfg.out_batch_size
    }

    /// Whether the handshake is complete.
    pub fn is_ready(&self) -> bool {
        self.st.phase == Phase::Traffic
    }

    /// False while decoded events wait to be taken (stop reading: back-pressure) or
    /// after an error.
    pub fn wants_input(&self) -> bool {
        self.st.events.is_empty() && self.st.dead.is_none()
    }

    /// The next bytes to write (empty: nothing to write).
    pub fn pending_output(&self) -> &[u8] {
        self.st.out.front()
    }

    /// The bytes to write as slices, for a vectored write (large bodies are not
    /// copied). Returns how many entries of `bufs` were filled.
    pub fn pending_output_vectored<'a>(&'a self, bufs: &mut [IoSlice<'a>]) -> usize {
        self.st.out.front_vectored(bufs)
    }

    /// Total bytes waiting to be written.
    pub fn pending_output_len(&self) -> usize {
        self.st.out.len()
    }

    /// `n` bytes of the pending output were written.
    pub fn consume_output(&mut self, n: usize) {
        self.st.out.consume(n);
    }

    /// When `handle_timeout` must next be called (`None`: no timer needed).
    pub fn poll_timeout(&self) -> Option<Instant> {
        let st = &self.st;
        if st.dead.is_some() {
            return None;
        }
        [
            st.handshake_deadline,
            st.next_ping,
            st.heartbeat_deadline,
            st.ttl_deadline,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Time passed: fails on an expired handshake or heartbeat; sends a PING when due.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        let st = &mut self.st;
        if let Some(e) = &st.dead {
            return Err(e.clone());
        }
        let due = |d: Option<Instant>| d.is_some_and(|d| d <= now);
        let err = if due(st.handshake_deadline) {
            Some(Error::HandshakeTimeout)
        } else if due(st.ttl_deadline) || due(st.heartbeat_deadline) {
            Some(Error::HeartbeatTimeout)
        } else {
            None
        };
        if let Some(e) = err {
            st.fail(e.clone());
            return Err(e);
        }
        if due(st.next_ping) {
            if st.zws.is_some() {
                // ZWS heartbeats are WebSocket pings (libzmq's ws engine sends them
                // empty; there is no TTL to announce).
                st.emit_control(Control::Ping, &[]);
            } else {
                st.push_command(&command::ping_body(st.ping_ttl));
            }
            st.next_ping = st.heartbeat_ivl.and_then(|ivl| now.checked_add(ivl));
            if st.heartbeat_deadline.is_none() {
                st.heartbeat_deadline = st.heartbeat_timeout.and_then(|t| now.checked_add(t));
            }
        }
        Ok(())
    }

    /// The peer's routing id: its `Identity` property (ZMTP 3, when sent; libzmq's
    /// ROUTER uses it when non-empty) or its identity frame (ZMTP 1.0/2.0).
    pub fn peer_routing_id(&self) -> Option<&[u8]> {
        self.st.peer_routing_id.as_deref()
    }

    /// The peer's socket type: from READY (ZMTP 3, when sent) or the ZMTP 2.0
    /// greeting byte.
    #[cfg(test)]
    pub fn peer_socket_type(&self) -> Option<i32> {
        self.st.peer_socket_type
    }

    /// The ZMTP version spoken: (1,0), (2,0), (3,0), (3,1); (0,0) while unknown.
    pub fn peer_version(&self) -> (u8, u8) {
        self.st.version
    }

    /// The connection's properties (ZMTP 3, after the handshake): `Peer-Address`,
    /// `Socket-Type`, `Identity`/`Routing-Id` and the peer's other properties.
    pub fn metadata(&self) -> Option<Arc<Metadata>> {
        self.st.metadata.clone()
    }

    /// The error that killed the connection, if any.
    pub fn error(&self) -> Option<&Error> {
        self.st.dead.as_ref()
    }
}

impl State {
    fn fail(&mut self, e: Error) {
        self.dead = Some(e);
        self.handshake_deadline = None;
        self.next_ping = None;
        self.heartbeat_deadline = None;
        self.ttl_deadline = None;
    }

    /// The largest frame accepted now.
    fn frame_limit(&self) -> Option<u64> {
        if self.phase == Phase::Traffic {
            self.maxmsgsize
        } else {
            Some(
                self.maxmsgsize
                    .map_or(MAX_HANDSHAKE_FRAME, |m| m.min(MAX_HANDSHAKE_FRAME)),
            )
        }
    }

    /// Traffic frames go through the mechanism (CURVE's MESSAGE).
    fn seals(&self) -> bool {
        self.mechanism.as_ref().is_some_and(|m| m.seals())
    }

    /// Moves the mechanism's handshake on: the peer's properties are checked as soon
    /// as they arrive, the ZAP handler is asked when the mechanism says so, due
    /// commands go out, and a finished handshake starts traffic.
    fn mechanism_progress(&mut self, now: Instant) -> Result<(), Error> {
        let Some(m) = &mut self.mechanism else {
            return Ok(());
        };
        if self.peer.is_none() {
            if let Some(props) = m.peer_properties() {
                let peer = null::parse_properties(self.cfg.socket_type, props)
                    .map_err(|e| m.properties_error(e))?;
                self.peer = Some(peer);
            }
        }
        if let Some(frames) = m.zap_request() {
            self.zap_pending = true;
            self.events.push_back(Event::ZapRequest(frames));
        }
        let due: Vec<Vec<u8>> = std::iter::from_fn(|| m.next_command()).collect();
        let ready = m.is_ready();
        for cmd in due {
            self.push_command(&cmd);
        }
        if ready && self.phase == Phase::Handshake {
            if let Some(peer) = self.peer.take() {
                self.handshake_done(peer, now);
            }
        }
        Ok(())
    }

    /// A frame after the handshake: with CURVE it travels sealed in a MESSAGE (whose
    /// own frame carries no flags), as libzmq's `curve_encoding_t::encode`.
    fn push_frame(&mut self, more: bool, command: bool, body: &[u8]) {
        match &mut self.mechanism {
            Some(m) if m.seals() && self.phase == Phase::Traffic => {
                let sealed = m.encode(body, more, command);
                self.emit(false, false, &[&sealed]);
            }
            _ => self.emit(more, command, &[body]),
        }
    }

    /// One frame out, in the connection's framing, its body the concatenation of
    /// `parts`.
    fn emit(&mut self, more: bool, command: bool, parts: &[&[u8]]) {
        if let Some(z) = &mut self.zws {
            return z.push(&mut self.out, more, command, parts);
        }
        let mut h = [0u8; codec::MAX_HEADER];
        let size = parts.iter().map(|p| p.len()).sum();
        let n = codec::encode_header(&mut h, self.framing, more, command, size);
        match parts {
            [] => self.out.push_bytes(&h[..n]),
            [a] => self.out.push_parts(&[&h[..n], a]),
            [a, b] => self.out.push_parts(&[&h[..n], a, b]),
            _ => {
                self.out.push_bytes(&h[..n]);
                for p in parts {
                    self.out.push_bytes(p);
                }
            }
        }
    }

    /// One data frame carrying `msg` (large bodies are not copied where the framing
    /// allows).
    fn emit_msg(&mut self, more: bool, command: bool, msg: Msg) {
        if let Some(z) = &mut self.zws {
            return z.push_msg(&mut self.out, more, command, msg);
        }
        let mut h = [0u8; codec::MAX_HEADER];
        let n = codec::encode_header(&mut h, self.framing, more, command, msg.size());
        self.out.push_body_after(&h[..n], msg);
    }

    /// ZWS: a WebSocket control frame.
    fn emit_control(&mut self, kind: Control, payload: &[u8]) {
        if let Some(z) = &mut self.zws {
            z.push_control(&mut self.out, kind, payload);
        }
    }

    /// ZWS: the close frame telling the peer why we drop the connection (best
    /// effort: the session writes what it can before closing).
    fn ws_close_for(&mut self, e: &Error) {
        let code = match e {
            Error::WsFrame(code) => *code,
            Error::MessageTooLarge => frame::CLOSE_TOO_BIG,
            // The close handshake answered already, or nothing the peer did wrong.
            Error::WsClosed | Error::HandshakeTimeout | Error::HeartbeatTimeout => return,
            _ => frame::CLOSE_PROTOCOL_ERROR,
        };
        self.emit_control(Control::Close, &frame::close_payload(code, ""));
    }

    /// ZWS: a control frame from the peer.
    fn on_control(&mut self, kind: Control, payload: &[u8]) -> Result<(), Error> {
        // Any frame shows the peer is alive.
        self.heartbeat_deadline = None;
        self.ttl_deadline = None;
        match kind {
            Control::Ping => {
                // As PONG commands: skipped while our output is backed up.
                if self.out.len() <= self.cfg.out_batch_size {
                    self.emit_control(Control::Pong, payload);
                }
                Ok(())
            }
            Control::Pong => Ok(()),
            Control::Close => {
                // The close handshake: its status code goes back, then the connection
                // ends (libzmq echoes the whole frame).
                let echo = payload.get(..2).unwrap_or(&[]);
                self.emit_control(Control::Close, echo);
                Err(Error::WsClosed)
            }
        }
    }

    fn push_command(&mut self, body: &[u8]) {
        if self.seals() && self.phase == Phase::Traffic {
            return self.push_frame(false, true, body);
        }
        self.emit(false, true, &[body]);
    }

    fn on_frame(&mut self, frame: Frame<'_>, now: Instant) -> Result<(), Error> {
        if let Some(kind) = frame.control {
            return self.on_control(kind, frame.body.bytes());
        }
        match self.phase {
            // Frames are decoded only once the greeting is complete.
            Phase::Greeting => Ok(()),
            Phase::Traffic if self.seals() => {
                let Some(m) = &mut self.mechanism else {
                    return Ok(());
                };
                let (msg, more, command) = m.decode(frame.body.bytes())?;
                self.on_traffic_frame(
                    Frame {
                        more,
                        command,
                        body: codec::Body::Owned(msg),
                        control: None,
                    },
                    now,
                )
            }
            // During the handshake every frame is taken as a command, whatever its
            // COMMAND flag (libzmq does the same).
            Phase::Handshake => {
                if let Some(m) = &mut self.mechanism {
                    m.process_command(frame.body.bytes())?;
                }
                self.mechanism_progress(now)
            }
            Phase::LegacyIdentity => {
                self.peer_routing_id = Some(frame.body.bytes().to_vec());
                self.phase = Phase::Traffic;
                self.handshake_deadline = None;
                self.events.push_back(Event::HandshakeSucceeded);
                if self.unversioned
                    && matches!(self.cfg.socket_type, socket_type::PUB | socket_type::XPUB)
                {
                    // 2.x subscribers filter locally and send no subscriptions.
                    self.events.push_back(Event::Message(Msg::from_slice(&[1])));
                }
                Ok(())
            }
            Phase::Traffic => self.on_traffic_frame(frame, now),
        }
    }

    fn handshake_done(&mut self, peer: PeerProperties, now: Instant) {
        let mut md = Metadata::new();
        let mut seen: Vec<&[u8]> = Vec::with_capacity(peer.all.len() + 1);
        if !self.cfg.peer_address.is_empty() {
            md.insert("Peer-Address", self.cfg.peer_address.as_bytes());
            seen.push(b"Peer-Address");
            if self.cfg.source_fd >= 0 {
                md.insert("__fd", self.cfg.source_fd.to_string().as_bytes());
                seen.push(b"__fd");
            }
        }
        // What the ZAP handler said wins over what the peer claims, as in libzmq.
        for (name, value) in &self.zap_properties {
            if !seen.contains(&name.as_slice()) {
                seen.push(name);
                md.insert(&String::from_utf8_lossy(name), value);
            }
        }
        for (name, value) in &peer.all {
            // "Identity" is kept under its new name; `Metadata::get` maps it back.
            let name: &[u8] = if name == command::IDENTITY.as_bytes() {
                b"Routing-Id"
            } else {
                name
            };
            if seen.contains(&name) {
                continue;
            }
            seen.push(name);
            md.insert(&String::from_utf8_lossy(name), value);
        }
        self.metadata = (!md.is_empty()).then(|| Arc::new(md));
        self.peer_socket_type = peer.socket_type;
        self.peer_routing_id = peer.identity;
        self.phase = Phase::Traffic;
        self.handshake_deadline = None;
        self.next_ping = self.heartbeat_ivl.and_then(|ivl| now.checked_add(ivl));
        self.events.push_back(Event::HandshakeSucceeded);
    }

    fn on_traffic_frame(&mut self, frame: Frame<'_>, now: Instant) -> Result<(), Error> {
        let zmtp3 = self.version.0 >= 3;
        if zmtp3 {
            // Any frame shows the peer is alive.
            self.heartbeat_deadline = None;
            self.ttl_deadline = None;
        }
        if !frame.command {
            if self.cfg.socket_type == socket_type::DISH {
                return self.dish_frame(frame);
            }
            let mut msg = match (frame.body, &self.shared) {
                // Bodies that fit inline are cheaper copied than shared.
                (Body::Borrowed(b), Some(buf)) if b.len() > INLINE_CAP => {
                    buf.share(b).unwrap_or_else(|| Msg::from_slice(b))
                }
                (body, _) => body.into_msg(),
            };
            msg.set_more(frame.more);
            msg.set_metadata(self.metadata.clone());
            self.events.push_back(Event::Message(msg));
            return Ok(());
        }
        if !zmtp3 {
            // ZMTP 2.0 has no commands: libzmq's session drops them.
            return Ok(());
        }
        match command::parse(frame.body.bytes()) {
            Command::Ping {
                ttl_deciseconds,
                context,
            } => {
                // While our output is backed up (the peer is not reading) PONGs are
                // skipped, so a PING flood cannot grow it; libzmq too keeps at most
                // one PONG pending. The frames waiting will reset the peer's timer.
                if self.out.len() <= self.cfg.out_batch_size {
                    let (body, n) = command::pong_body(context);
                    self.push_command(&body[..n]);
                }
                if ttl_deciseconds > 0 {
                    let ttl = Duration::from_millis(u64::from(ttl_deciseconds) * 100);
                    self.ttl_deadline = now.checked_add(ttl);
                }
            }
            Command::Subscribe(topic) => self.subscription(1, topic),
            Command::Cancel(topic) => self.subscription(0, topic),
            Command::Join(group) => self.membership(true, group),
            Command::Leave(group) => self.membership(false, group),
            Command::Pong | Command::Other => {}
        }
        Ok(())
    }

    /// A JOIN/LEAVE command, handed to a RADIO socket as the same command message.
    fn membership(&mut self, join: bool, group: &[u8]) {
        if self.cfg.socket_type != socket_type::RADIO {
            return;
        }
        let mut msg = command::membership(join, group);
        msg.set_metadata(self.metadata.clone());
        self.events.push_back(Event::Message(msg));
    }

    /// A RADIO sends each message as a group frame (MORE) and a body; the DISH gets one
    /// message carrying the group. Anything else is a protocol error, as libzmq's dish
    /// session fails it.
    fn dish_frame(&mut self, frame: Frame<'_>) -> Result<(), Error> {
        let Some(group) = self.group_frame.take() else {
            if !frame.more || frame.body.bytes().len() > crate::msg::GROUP_MAX_LENGTH {
                return Err(Error::InvalidFrame);
            }
            self.group_frame = Some(frame.body.into_msg());
            return Ok(());
        };
        if frame.more {
            return Err(Error::InvalidFrame);
        }
        let mut msg = frame.body.into_msg();
        msg.set_group(group.data())
            .map_err(|_| Error::InvalidFrame)?;
        msg.set_metadata(self.metadata.clone());
        self.events.push_back(Event::Message(msg));
        Ok(())
    }

    /// A SUBSCRIBE/CANCEL command, handed to a PUB/XPUB socket as `1 topic`/`0 topic`.
    fn subscription(&mut self, kind: u8, topic: &[u8]) {
        if !matches!(self.cfg.socket_type, socket_type::PUB | socket_type::XPUB) {
            return;
        }
        let mut data = Vec::with_capacity(1 + topic.len());
        data.push(kind);
        data.extend_from_slice(topic);
        let mut msg = Msg::from_slice(&data);
        msg.set_metadata(self.metadata.clone());
        self.events.push_back(Event::Message(msg));
    }
}

#[cfg(test)]
mod tests;
