//! A session, sans I/O: the life of one tcp/ipc connection of a socket, from the connect
//! (or accept) through the SOCKS exchange, the ZMTP handshake and traffic, reconnects
//! with backoff, to lingering on close. It owns the sans-IO engine
//! ([`zmtp::Engine`]) and the pipe to the socket; it never touches a descriptor, a
//! thread or a clock. The I/O thread (`crate::io`) drives it:
//!
//! * take [`Action`]s with [`Session::poll_action`] after every call and carry them out
//!   (open or close the stream, hand a pipe to the socket, raise a monitor event, ask
//!   the ZAP handler);
//! * report the stream's fate: [`Session::connect_started`], [`Session::connected`],
//!   [`Session::connect_failed`], [`Session::stream_closed`];
//! * read at most [`Session::input_wanted`] bytes and give them to
//!   [`Session::handle_input`]; write [`Session::pending_output_vectored`] and report
//!   it with [`Session::consume_output`];
//! * call [`Session::process`] when the pipe has activity, and
//!   [`Session::handle_timeout`] once [`Session::poll_timeout`] has passed;
//! * tell it the socket closed its end ([`Session::socket_closed`]) or that its
//!   endpoint is going ([`Session::terminate`]), and drop it once
//!   [`Session::is_done`].
//!
//! Closing follows libzmq's `ZMQ_LINGER`: everything the socket queued before it closed
//! is written to the kernel (reconnecting if need be) before the session ends, unless
//! the linger period runs out first; a linger of 0 drops it at once.

#[cfg(test)]
mod tests;
#[cfg(test)]
mod ws_tests;

use std::collections::VecDeque;
use std::ffi::c_int;
use std::io::IoSlice;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::constants::{
    ZMQ_EVENT_ACCEPTED, ZMQ_EVENT_CLOSED, ZMQ_EVENT_CONNECTED, ZMQ_EVENT_CONNECT_DELAYED,
    ZMQ_EVENT_CONNECT_RETRIED, ZMQ_EVENT_HANDSHAKE_SUCCEEDED,
};
use crate::diag;
use crate::monitor::{self, Endpoints};
use crate::msg::{Msg, ReadBuffer};
use crate::pipe::{self, PipeConfig, PipeEnd, PipeId, Read as PipeRead};
use crate::transport::socks::{Progress, Socks5Client};
use crate::zmtp::{self, Engine, Event};

// The draft option values these options take (ZMQ_NOTIFY_*, ZMQ_RECONNECT_STOP_*): zmq.h
// has them only with the draft API, the engine always.
const NOTIFY_CONNECT: c_int = 1;
const NOTIFY_DISCONNECT: c_int = 2;
const STOP_CONN_REFUSED: c_int = 1;
const STOP_HANDSHAKE_FAILED: c_int = 2;
pub(crate) const STOP_AFTER_DISCONNECT: c_int = 4;

/// What a session needs to know of its socket's options, copied at bind/connect time
/// as libzmq does.
#[derive(Debug, Clone)]
pub struct Options {
    pub zmtp: zmtp::Config,
    pub reconnect_ivl: i32,
    pub reconnect_ivl_max: i32,
    pub reconnect_stop: i32,
    /// `ZMQ_CONNECT_TIMEOUT` (ms; 0: the system's).
    pub connect_timeout: i32,
    /// The socket wants each peer's routing id (ROUTER): a persistent pipe gets it
    /// in-band after every handshake.
    pub recv_routing_id: bool,
    /// ZMQ_ROUTER_NOTIFY: empty messages from a peer on connect / disconnect.
    pub router_notify: i32,
    /// ZMQ_HELLO_MSG / ZMQ_DISCONNECT_MSG / ZMQ_HICCUP_MSG where the socket type uses
    /// them (draft); empty for none.
    pub hello_msg: Vec<u8>,
    pub disconnect_msg: Vec<u8>,
    pub hiccup_msg: Vec<u8>,
    /// The socket's pipe marks, for the pipe an accepted connection gets.
    pub pipe_config: PipeConfig,
}

impl Options {
    fn router_notifies(&self, flag: c_int) -> bool {
        self.router_notify & flag != 0
    }

    fn reconnect_stops_on(&self, flag: c_int) -> bool {
        self.reconnect_stop & flag != 0
    }
}

/// The SOCKS5 exchange a connect through a proxy runs before ZMTP.
#[derive(Debug, Clone)]
pub struct SocksRequest {
    /// The destination as given to zmq_connect: a name is left for the proxy.
    pub host: String,
    pub port: u16,
    /// Username and password (RFC 1929).
    pub credentials: Option<(Vec<u8>, Vec<u8>)>,
}

/// Which side of the connection the session is.
#[derive(Debug)]
pub enum Role {
    /// zmq_connect: the session makes the connection and remakes it when it is lost.
    Connect {
        /// The endpoint connect-side events name (the proxy's, through SOCKS).
        event_endpoint: String,
        socks: Option<SocksRequest>,
        /// Handshakes failed so far in a row, for the backoff.
        attempt: u32,
    },
    /// A connection a listener accepted: it ends with the connection.
    Accepted,
}

/// What the connection is doing.
enum Link {
    /// A connecter between attempts; `None`: never again (`ZMQ_RECONNECT_IVL` -1).
    Backoff { retry_at: Option<Instant> },
    /// The stream's connect is in progress (until `ZMQ_CONNECT_TIMEOUT`, if set).
    Connecting { deadline: Option<Instant> },
    /// Connected to the SOCKS proxy, asking it for the destination.
    Socks(Box<Socks5Client>),
    /// The engine runs its handshake.
    Handshaking(Box<Engine>),
    /// The handshake is done: messages flow.
    Up(Box<Engine>),
    /// Over: the stream is closed and the session can be dropped.
    Done,
}

/// Whether the socket still wants the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Life {
    Open,
    /// The socket closed its end or the endpoint is going: what was queued is flushed
    /// until the deadline (`None`: ZMQ_LINGER -1, no limit). A lingering connecter
    /// still connects and reconnects, so this is not a [`Link`] state.
    Lingering {
        deadline: Option<Instant>,
    },
}

/// A coarse view of the session's state, for the tests.
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Backoff,
    Connecting,
    Socks,
    Handshaking,
    Up,
    Lingering,
    Done,
}

/// What the session asks its driver to do.
#[derive(Debug)]
pub enum Action {
    /// Open a new stream to the peer (or the proxy), then call `connect_started`
    /// and later `connected`, or `connect_failed`.
    Connect,
    /// Close the stream after one best-effort write of `last_words` (an ERROR command
    /// the failure queued).
    CloseStream { last_words: Vec<u8> },
    /// A monitor event.
    Event {
        event: c_int,
        value: u64,
        endpoints: Endpoints,
    },
    /// Hand this end of a new pipe to the socket. The session's own end
    /// ([`Session::pipe`]) must be attached to the driver's mailbox first.
    Attach(PipeEnd),
    /// Tell the socket the connection behind its pipe was made again (the socket's
    /// pipe end is the id given): it repeats what a new peer needs (subscriptions).
    Hiccup(PipeId),
    /// Send these frames to the ZAP handler, then call `zap_reply` with its answer or
    /// `zap_unavailable` when there is none.
    ZapRequest(Vec<Vec<u8>>),
    /// The handshake that asked the ZAP handler is gone: drop the request.
    ZapCancel,
}

/// What the driver learnt about a stream once it is connected (or accepted).
#[derive(Debug, Clone, Default)]
pub struct StreamInfo {
    /// The peer's address (`Peer-Address`): its IP for tcp, empty for ipc.
    pub peer_address: String,
    /// The descriptor, for monitor events and `ZMQ_SRCFD`.
    pub fd: i32,
    /// Both ends, as monitor events name them.
    pub endpoints: Endpoints,
}

pub struct Session {
    opts: Arc<Options>,
    role: Role,
    link: Link,
    life: Life,
    /// Made at connect time (unless ZMQ_IMMEDIATE) and then outliving connections, or
    /// made at each handshake.
    pipe: Option<PipeEnd>,
    persistent_pipe: bool,
    /// The endpoint the socket's pipe ends are known by (unbind/disconnect).
    endpoint: String,
    /// ZMQ_CONNECT_ROUTING_ID for the pipe made at handshake.
    connect_routing_id: Vec<u8>,
    /// Taken from the pipe, refused by the engine for now.
    out_pending: Option<Msg>,
    /// Decoded, refused by the pipe (at its HWM) for now; reading pauses meanwhile.
    in_pending: Option<Msg>,
    /// Frames of a message whose start went out on a connection that died: dropped.
    skip_partial: bool,
    /// The engine failed on input: the connection ends once what it decoded before
    /// the error is delivered.
    failed: bool,
    /// ZMQ_RECONNECT_STOP says the last failure ends the connecting for good.
    give_up: bool,
    /// A ZAP request is out.
    zap_pending: bool,
    /// The context is going: sockets are all closed, so a pipe the socket never
    /// closed was never seen by it (its Attach came too late) and holds nothing.
    orphaned: bool,
    /// Handshakes completed so far (more than one: reconnected).
    connections: u32,
    /// The current stream, as the driver described it.
    stream: StreamInfo,
    actions: VecDeque<Action>,
}

impl Session {
    fn new(opts: Arc<Options>, role: Role, endpoint: String, link: Link) -> Self {
        Session {
            opts,
            role,
            link,
            life: Life::Open,
            pipe: None,
            persistent_pipe: false,
            endpoint,
            connect_routing_id: Vec::new(),
            out_pending: None,
            in_pending: None,
            skip_partial: false,
            failed: false,
            give_up: false,
            zap_pending: false,
            orphaned: false,
            connections: 0,
            stream: StreamInfo::default(),
            actions: VecDeque::new(),
        }
    }

    /// A connecting session; its first action is `Connect`. `pipe`: the session's end
    /// of a pipe made at zmq_connect time, which then outlives connections.
    pub fn connecter(
        opts: Arc<Options>,
        endpoint: String,
        event_endpoint: String,
        socks: Option<SocksRequest>,
        pipe: Option<PipeEnd>,
        connect_routing_id: Vec<u8>,
    ) -> Self {
        let role = Role::Connect {
            event_endpoint,
            socks,
            attempt: 0,
        };
        let mut s = Session::new(opts, role, endpoint, Link::Connecting { deadline: None });
        s.persistent_pipe = pipe.is_some();
        s.pipe = pipe;
        s.connect_routing_id = connect_routing_id;
        s.actions.push_back(Action::Connect);
        s
    }

    /// A session for a connection a listener accepted.
    pub fn accepted(
        opts: Arc<Options>,
        endpoint: String,
        stream: StreamInfo,
        now: Instant,
    ) -> Self {
        let mut s = Session::new(opts, Role::Accepted, endpoint, Link::Done);
        s.stream = stream;
        s.start_engine(now);
        s.event(ZMQ_EVENT_ACCEPTED, s.stream.fd as u64);
        s
    }

    /// The next thing the driver must do.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The session's end of its pipe to the socket, if it has one now.
    pub fn pipe(&self) -> Option<&PipeEnd> {
        self.pipe.as_ref()
    }

    #[cfg(test)]
    pub fn state(&self) -> State {
        match (&self.link, self.life) {
            (Link::Done, _) => State::Done,
            (_, Life::Lingering { .. }) => State::Lingering,
            (Link::Backoff { .. }, _) => State::Backoff,
            (Link::Connecting { .. }, _) => State::Connecting,
            (Link::Socks(_), _) => State::Socks,
            (Link::Handshaking(_), _) => State::Handshaking,
            (Link::Up(_), _) => State::Up,
        }
    }

    pub fn is_done(&self) -> bool {
        matches!(self.link, Link::Done)
    }

    /// Connected, open and quiet: moving the pipe's messages to the engine (`process`)
    /// and writing them out is all there is to do, with nothing for the driver to act
    /// on (the condition for a write from the application thread).
    pub fn can_send_direct(&self) -> bool {
        matches!(self.link, Link::Up(_))
            && self.life == Life::Open
            && self.actions.is_empty()
            && !self.failed
            && !self.zap_pending
            && self.out_pending.is_none()
            && self.in_pending.is_none()
    }

    /// A connect is in progress: the driver waits for the stream to become writable.
    pub fn is_connecting(&self) -> bool {
        matches!(self.link, Link::Connecting { .. })
    }

    /// The engine, while there is a connection.
    pub fn engine(&self) -> Option<&Engine> {
        match &self.link {
            Link::Handshaking(e) | Link::Up(e) => Some(e),
            _ => None,
        }
    }

    fn engine_mut(&mut self) -> Option<&mut Engine> {
        match &mut self.link {
            Link::Handshaking(e) | Link::Up(e) => Some(e),
            _ => None,
        }
    }

    // ------------------------------------------------------------ the stream --

    /// The driver opened a stream whose connect is in progress.
    pub fn connect_started(&mut self, now: Instant, tcp: bool) {
        let deadline = (tcp && self.opts.connect_timeout > 0)
            .then(|| now.checked_add(Duration::from_millis(self.opts.connect_timeout as u64)))
            .flatten();
        self.link = Link::Connecting { deadline };
        if tcp {
            self.connecter_event(ZMQ_EVENT_CONNECT_DELAYED, libc::EINPROGRESS as u64);
        }
    }

    /// The connect failed: at once (no stream was made) or once it completed. With
    /// ZMQ_RECONNECT_STOP_CONN_REFUSED a refused connect is the last one.
    pub fn connect_failed(&mut self, now: Instant, refused: bool) {
        if !matches!(self.link, Link::Connecting { .. }) {
            return;
        }
        diag::frequent!(
            "{}: {}",
            self.diag_name(),
            self.diag_connect_failed(now, refused)
        );
        if refused && self.opts.reconnect_stops_on(STOP_CONN_REFUSED) {
            self.give_up = true;
        }
        self.disconnected(now, false);
    }

    /// This connect failing is the last: ZMQ_RECONNECT_STOP_AFTER_DISCONNECT on a socket
    /// that disconnected, for an ipc connect the peer refused (the driver knows both).
    pub fn stop_reconnecting(&mut self) {
        self.give_up = true;
    }

    /// No stream could be made at all (the address did not resolve, no descriptor):
    /// try again after ZMQ_RECONNECT_IVL, without the events of a failed connect.
    pub fn cannot_connect(&mut self, now: Instant) {
        if !matches!(self.link, Link::Connecting { .. }) {
            return;
        }
        self.link = Link::Backoff { retry_at: None };
        self.disconnected(now, false);
    }

    /// The endpoint a connecter's events name: the one given to zmq_connect, or the
    /// proxy's when the connection goes through one (as libzmq).
    pub fn connect_endpoint(&self) -> &str {
        match &self.role {
            Role::Connect { event_endpoint, .. } => event_endpoint,
            Role::Accepted => &self.endpoint,
        }
    }

    /// The connect completed: the SOCKS exchange starts, or the engine.
    pub fn connected(&mut self, now: Instant, stream: StreamInfo) {
        if !matches!(self.link, Link::Connecting { .. }) {
            return;
        }
        self.stream = stream;
        if let Role::Connect {
            socks: Some(req), ..
        } = &self.role
        {
            let creds = req
                .credentials
                .as_ref()
                .map(|(u, p)| (u.as_slice(), p.as_slice()));
            match Socks5Client::new(&req.host, req.port, creds) {
                Ok(client) => self.link = Link::Socks(Box::new(client)),
                Err(_) => self.disconnected(now, false),
            }
            return;
        }
        self.destination_reached(now);
    }

    /// The connection to the destination exists (directly or through the proxy).
    fn destination_reached(&mut self, now: Instant) {
        if let Role::Connect { attempt, .. } = &mut self.role {
            *attempt = 0;
        }
        self.start_engine(now);
        self.event(ZMQ_EVENT_CONNECTED, self.stream.fd as u64);
    }

    fn start_engine(&mut self, now: Instant) {
        let mut cfg = self.opts.zmtp.clone();
        cfg.peer_address = self.stream.peer_address.clone();
        cfg.source_fd = self.stream.fd;
        self.link = Link::Handshaking(Box::new(Engine::new(cfg, now)));
    }

    /// The peer closed the stream, or reading or writing it failed.
    pub fn stream_closed(&mut self, now: Instant) {
        match self.link {
            Link::Socks(_) | Link::Handshaking(_) | Link::Up(_) => self.disconnected(now, false),
            Link::Connecting { .. } => self.connect_failed(now, false),
            Link::Backoff { .. } | Link::Done => {}
        }
    }

    /// How many bytes to read now (0: none).
    pub fn input_wanted(&self) -> usize {
        if self.failed || self.in_pending.is_some() {
            return 0;
        }
        match &self.link {
            Link::Socks(c) => c.input_wanted(),
            Link::Handshaking(e) | Link::Up(e) if e.wants_input() => usize::MAX,
            _ => 0,
        }
    }

    /// The frame body being received, as (its size, bytes still to come).
    pub fn body_in_progress(&mut self) -> Option<(usize, usize)> {
        let f = self.engine_mut()?.body()?;
        Some((f.size(), f.remaining()))
    }

    /// Reads part of a large frame body straight into the message being received:
    /// `read` fills the body being collected (at least `min` bytes of it to come) and
    /// returns its result and how much it asked for. `None` when no such body is
    /// being received, or when the body cannot grow (the ordinary path then fails the
    /// connection as it should).
    pub fn read_body(
        &mut self,
        min: usize,
        now: Instant,
        read: impl FnOnce(
            &mut crate::msg::Filling,
        ) -> crate::error::Result<(std::io::Result<usize>, usize)>,
    ) -> Option<(std::io::Result<usize>, usize)> {
        if self.input_wanted() == 0 {
            return None;
        }
        let body = self.engine_mut()?.body()?;
        if body.remaining() < min {
            return None;
        }
        let (r, asked) = read(body).ok()?;
        if matches!(r, Ok(n) if n > 0) {
            if let Some(e) = self.engine_mut() {
                if e.handle_input(&[], now).is_err() {
                    self.failed = true;
                }
            }
            self.process(now);
        }
        Some((r, asked))
    }

    /// Bytes read from the stream.
    pub fn handle_input(&mut self, data: &[u8], now: Instant) {
        self.handle_input_in(data, None, now)
    }

    /// As [`handle_input`](Self::handle_input), for bytes read into `shared`
    /// (`ZMQ_ZERO_COPY_RECV`): message bodies may point into it.
    pub fn handle_input_in(&mut self, data: &[u8], shared: Option<&ReadBuffer>, now: Instant) {
        let data = if let Link::Socks(client) = &mut self.link {
            let (n, progress) = client.handle_input(data);
            match progress {
                Progress::NeedMore => return,
                // As libzmq: a refusal by the proxy is no protocol error; retry later.
                Progress::Failed(_) => return self.disconnected(now, false),
                Progress::Done => {
                    self.destination_reached(now);
                    &data[n..]
                }
            }
        } else {
            data
        };
        if data.is_empty() {
            return;
        }
        if let Some(e) = self.engine_mut() {
            if e.handle_input_in(data, shared, now).is_err() {
                // What was decoded before the error still counts (the handshake,
                // whole messages); `process` ends the connection after it.
                self.failed = true;
            }
        }
        self.process(now);
    }

    /// The bytes to write as slices (large bodies are not copied); returns how many
    /// entries of `bufs` were filled.
    pub fn pending_output_vectored<'a>(&'a self, bufs: &mut [IoSlice<'a>]) -> usize {
        match &self.link {
            Link::Socks(c) if !c.pending_output().is_empty() && !bufs.is_empty() => {
                bufs[0] = IoSlice::new(c.pending_output());
                1
            }
            Link::Handshaking(e) | Link::Up(e) => e.pending_output_vectored(bufs),
            _ => 0,
        }
    }

    /// Bytes waiting to be written.
    pub fn pending_output_len(&self) -> usize {
        match &self.link {
            Link::Socks(c) => c.pending_output().len(),
            Link::Handshaking(e) | Link::Up(e) => e.pending_output_len(),
            _ => 0,
        }
    }

    /// `n` bytes of the pending output were written.
    pub fn consume_output(&mut self, n: usize, now: Instant) {
        match &mut self.link {
            Link::Socks(c) => c.consume_output(n),
            Link::Handshaking(e) | Link::Up(e) => e.consume_output(n),
            _ => return,
        }
        // Room in the engine for more of the pipe, or the last byte out.
        self.process(now);
    }

    // ---------------------------------------------------------------- timers --

    /// When `handle_timeout` must next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let link = match &self.link {
            Link::Backoff { retry_at } => *retry_at,
            Link::Connecting { deadline } => *deadline,
            Link::Handshaking(e) | Link::Up(e) => e.poll_timeout(),
            Link::Socks(_) | Link::Done => None,
        };
        let linger = match (&self.link, self.life) {
            (Link::Done, _) | (_, Life::Open) => None,
            (_, Life::Lingering { deadline }) => deadline,
        };
        link.into_iter().chain(linger).min()
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        if let Life::Lingering {
            deadline: Some(d), ..
        } = self.life
        {
            if d <= now {
                if !self.flushed() {
                    diag::event!(
                        "{}: ZMQ_LINGER ran out: messages still queued for the peer are dropped",
                        self.diag_name()
                    );
                }
                return self.finish();
            }
        }
        let due = |t: Option<Instant>| t.is_some_and(|t| t <= now);
        match &self.link {
            Link::Backoff { retry_at } if due(*retry_at) => {
                self.link = Link::Connecting { deadline: None };
                self.actions.push_back(Action::Connect);
            }
            // ZMQ_CONNECT_TIMEOUT: this attempt is over; the next one comes after
            // ZMQ_RECONNECT_IVL.
            Link::Connecting { deadline } if due(*deadline) => self.connect_failed(now, false),
            Link::Handshaking(e) | Link::Up(e) if due(e.poll_timeout()) => {
                let failed = self
                    .engine_mut()
                    .is_some_and(|e| e.handle_timeout(now).is_err());
                if failed {
                    self.disconnected(now, false);
                } else {
                    // A heartbeat to write, or a handshake that moved on.
                    self.process(now);
                }
            }
            _ => {}
        }
    }

    // ------------------------------------------------------------------ ZAP --

    /// The ZAP handler's reply to the request the session asked for.
    pub fn zap_reply(&mut self, frames: &[Msg], now: Instant) {
        if !std::mem::take(&mut self.zap_pending) {
            return;
        }
        if let Some(c) = self.engine_mut().and_then(Engine::zmtp_mut) {
            if c.zap_reply(frames, now).is_err() {
                self.failed = true;
            }
        }
        self.process(now);
    }

    /// No ZAP handler is bound: NULL goes on unauthenticated and PLAIN fails, as in
    /// libzmq.
    pub fn zap_unavailable(&mut self, now: Instant) {
        if !std::mem::take(&mut self.zap_pending) {
            return;
        }
        if let Some(c) = self.engine_mut().and_then(Engine::zmtp_mut) {
            if c.zap_unavailable(now).is_err() {
                self.failed = true;
            }
        }
        self.process(now);
    }

    // ---------------------------------------------------------------- closing --

    /// The socket closed its end of the pipe: flush what it sent within `linger` ms
    /// (ZMQ_LINGER as it is now, at zmq_close; -1 when the socket type dropped the
    /// pipe, as a STREAM socket's empty frame does: what it sent before goes out).
    pub fn socket_closed(&mut self, now: Instant, linger: i32) {
        self.terminate(now, linger);
    }

    /// The session's endpoint is going (zmq_unbind, zmq_disconnect, the socket's or the
    /// context's end): stop taking new work and flush what is queued within `linger`
    /// ms (-1: no limit; 0: drop it now).
    pub fn terminate(&mut self, now: Instant, linger: i32) {
        if self.is_done() {
            return;
        }
        let deadline = (linger >= 0)
            .then(|| now.checked_add(Duration::from_millis(linger as u64)))
            .flatten();
        if let Life::Lingering { deadline: Some(d) } = self.life {
            // Asked again (the socket closed after dropping the pipe, the context
            // ends): the earlier deadline stands.
            if deadline.is_none_or(|n| n > d) {
                self.process(now);
                return;
            }
        }
        let first = self.life == Life::Open;
        self.life = Life::Lingering { deadline };
        if first {
            if let Some(p) = &mut self.pipe {
                // The socket stops writing, reads what we delivered, then closes its
                // end: what it queued before stays readable here.
                p.hang_up();
            }
        }
        if linger == 0 {
            return self.finish();
        }
        self.process(now);
    }

    /// The context is terminating (every socket is closed): like `terminate`, and a
    /// pipe the socket never closed never reached it, so it holds nothing to send.
    pub fn shutdown(&mut self, now: Instant, linger: i32) {
        self.orphaned = true;
        self.terminate(now, linger);
    }

    /// Everything queued before the close has been written to the kernel.
    fn flushed(&mut self) -> bool {
        // Without a pipe, nothing of the socket's is left (a handshake's own bytes do
        // not count).
        if self.pipe.is_none() {
            return true;
        }
        if self.out_pending.is_some() || self.pending_output_len() > 0 {
            return false;
        }
        let orphaned = self.orphaned;
        match &mut self.pipe {
            None => true,
            Some(p) if orphaned && !p.peer_closed() => !p.check_read(),
            Some(p) => p.is_finished(),
        }
    }

    /// Ends the session now: the stream closes (without an event, as libzmq's
    /// engine ends when its session terminates), the pipe and any ZAP request go.
    fn finish(&mut self) {
        if self.is_done() {
            return;
        }
        if self.stream_open() {
            self.actions.push_back(Action::CloseStream {
                last_words: Vec::new(),
            });
        }
        if std::mem::take(&mut self.zap_pending) {
            self.actions.push_back(Action::ZapCancel);
        }
        if let Some(p) = self.pipe.take() {
            p.close();
        }
        self.link = Link::Done;
    }

    fn stream_open(&self) -> bool {
        matches!(
            self.link,
            Link::Connecting { .. } | Link::Socks(_) | Link::Handshaking(_) | Link::Up(_)
        )
    }

    // ---------------------------------------------------------------- traffic --

    /// Moves everything that can move now between the pipe and the engine, and ends
    /// the session or the connection when their time has come.
    pub fn process(&mut self, now: Instant) {
        while self.engine().is_some() {
            let was_up = matches!(self.link, Link::Up(_));
            self.pipe_to_engine();
            self.engine_to_pipe(now);
            // The handshake just completed: the pipe's backlog can go out now.
            if was_up || !matches!(self.link, Link::Up(_)) {
                break;
            }
        }
        if self.failed && self.engine().is_some() {
            // A WebSocket close is a disconnect (reconnect), every other failure a
            // protocol error.
            let protocol = self
                .engine()
                .and_then(Engine::error)
                .is_none_or(|e| !e.is_connection_error());
            self.disconnected(now, protocol);
        }
        if matches!(self.life, Life::Lingering { .. }) && !self.is_done() && self.flushed() {
            self.finish();
        }
    }

    /// Pipe -> engine, once the handshake is done.
    fn pipe_to_engine(&mut self) {
        let (Some(pipe), Link::Up(engine)) = (&mut self.pipe, &mut self.link) else {
            return;
        };
        loop {
            let msg = match self.out_pending.take() {
                Some(m) => m,
                None => match pipe.read() {
                    PipeRead::Msg(m) => m,
                    PipeRead::Empty | PipeRead::Finished => return,
                },
            };
            if self.skip_partial {
                self.skip_partial = msg.more();
                continue;
            }
            if let Err(m) = engine.send(msg) {
                self.out_pending = Some(m);
                return;
            }
        }
    }

    /// Engine events -> pipe (or the ZAP handler).
    fn engine_to_pipe(&mut self, now: Instant) {
        if let Some(m) = self.in_pending.take() {
            self.deliver(m);
        }
        while self.in_pending.is_none() {
            let Some(event) = self.engine_mut().and_then(Engine::poll_event) else {
                return;
            };
            match event {
                Event::ZapRequest(frames) => {
                    self.zap_pending = true;
                    self.actions.push_back(Action::ZapRequest(frames));
                }
                Event::HandshakeSucceeded => self.handshake_succeeded(now),
                Event::Message(m) => self.deliver(m),
            }
        }
    }

    fn deliver(&mut self, msg: Msg) {
        // No pipe, or the socket is gone: nowhere to go. Reading goes on, so that
        // heartbeats are answered and the peer's bytes never pile up unread.
        if self.life != Life::Open {
            return;
        }
        let Some(p) = &mut self.pipe else { return };
        if p.peer_closed() {
            return;
        }
        if p.check_write() {
            // Published by `flush_pipe` when the driver's turn ends.
            p.write_batched(msg);
        } else {
            self.in_pending = Some(msg);
        }
    }

    /// Publishes the messages delivered since the last call, in one go.
    pub fn flush_pipe(&mut self) {
        if let Some(wake) = self.publish_pipe() {
            wake.send();
        }
    }

    /// Publishes like `flush_pipe`; the socket's wake-up, if due, is the caller's to
    /// give (see `PipeEnd::publish`).
    pub fn publish_pipe(&mut self) -> Option<crate::pipe::Wake> {
        match &mut self.pipe {
            Some(p) if p.has_unpublished() => p.publish(),
            _ => None,
        }
    }

    fn handshake_succeeded(&mut self, _now: Instant) {
        let link = std::mem::replace(&mut self.link, Link::Done);
        let Link::Handshaking(mut engine) = link else {
            self.link = link;
            return;
        };
        // libzmq raises it for ZMTP 3.x peers only.
        if engine.peer_version().0 >= 3 {
            self.event(ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0);
        }
        if !self.opts.hello_msg.is_empty() {
            // ZMQ_HELLO_MSG goes first on every connection, ahead of the pipe's backlog;
            // nothing is queued on a connection that just finished its handshake.
            let _ = engine.send(Msg::from_slice(&self.opts.hello_msg));
        }
        self.connections += 1;
        let ends = &self.stream.endpoints;
        if let Some(p) = &mut self.pipe {
            p.set_endpoints(&ends.local, &ends.remote);
            if self.opts.recv_routing_id {
                let id = engine.peer_routing_id().unwrap_or_default();
                let mut m = Msg::routing_id_message(id);
                // Every frame from a connection carries its properties, this one too.
                m.set_metadata(engine.zmtp().and_then(|c| c.metadata()));
                p.write(m);
            }
            if self.opts.router_notifies(NOTIFY_CONNECT) {
                p.write(Msg::new());
            }
            if self.connections > 1 {
                self.actions.push_back(Action::Hiccup(p.peer_id()));
            }
        } else if self.life == Life::Open {
            let (mut sock_end, mut sess_end) = pipe::pair(self.opts.pipe_config, None);
            if self.opts.router_notifies(NOTIFY_CONNECT) {
                sess_end.write(Msg::new());
            }
            sock_end.peer_routing_id = engine
                .peer_routing_id()
                .map(<[u8]>::to_vec)
                .unwrap_or_default();
            sock_end.endpoint = Some(self.endpoint.clone());
            sock_end.routing_id = self.connect_routing_id.clone();
            sess_end.set_endpoints(&ends.local, &ends.remote);
            self.pipe = Some(sess_end);
            self.actions.push_back(Action::Attach(sock_end));
        }
        self.link = Link::Up(engine);
    }

    /// The connection (or connect attempt) ended. Accepted sessions end with it;
    /// connecting ones retry after ZMQ_RECONNECT_IVL unless it was a protocol error
    /// (libzmq gives up then), also while lingering, as long as the pipe holds
    /// messages for the peer.
    fn disconnected(&mut self, now: Instant, protocol_error: bool) {
        let why = diag::enabled().then(|| self.diag_failure()).flatten();
        self.report_disconnect();
        let failed = std::mem::take(&mut self.failed);
        let link = std::mem::replace(&mut self.link, Link::Done);
        // ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED: a peer that took the connection but never
        // completed a handshake (not a ZMTP peer) is not tried again.
        if matches!(link, Link::Handshaking(_))
            && self.opts.reconnect_stops_on(STOP_HANDSHAKE_FAILED)
        {
            self.give_up = true;
        }
        if std::mem::take(&mut self.zap_pending) {
            self.actions.push_back(Action::ZapCancel);
        }
        let was_up = matches!(link, Link::Up(_));
        let engine = match link {
            Link::Handshaking(e) | Link::Up(e) => Some(e),
            _ => None,
        };
        // Best effort, as libzmq: an ERROR command the failure queued (a ZAP refusal,
        // a WebSocket close or 400) reaches the peer if the kernel takes it now.
        let last_words = engine
            .as_ref()
            .filter(|_| failed)
            .map(|e| e.pending_output().to_vec())
            .unwrap_or_default();
        self.actions.push_back(Action::CloseStream { last_words });
        // A raw (STREAM) connection's end is announced (ZMQ_STREAM_NOTIFY) after what
        // it delivered, when the pipe has room.
        if let Some(notice) = engine.and_then(|e| e.disconnect_notice()) {
            if let Some(m) = self.in_pending.take() {
                self.deliver(m);
            }
            if self.in_pending.is_none() {
                self.deliver(notice);
            }
        }
        let connecter = matches!(self.role, Role::Connect { .. });
        if let Some(p) = &mut self.pipe {
            // Frames of a message already begun on the dead connection are dropped.
            self.skip_partial =
                self.out_pending.take().is_some_and(|m| m.more()) || p.reading_more();
            // An inbound message cut short by the disconnect is never delivered.
            p.rollback();
            if was_up && self.life == Life::Open && !p.peer_closed() {
                if self.opts.router_notifies(NOTIFY_DISCONNECT) {
                    p.write(Msg::new());
                }
                // As libzmq, after a completed handshake only: ZMQ_DISCONNECT_MSG for a
                // peer that connected to us, ZMQ_HICCUP_MSG for a connection we made.
                let notice = if connecter {
                    &self.opts.hiccup_msg
                } else {
                    &self.opts.disconnect_msg
                };
                if !notice.is_empty() {
                    p.write(Msg::from_slice(notice));
                }
            }
        }
        self.in_pending = None;
        let retry = connecter
            && !protocol_error
            && !self.give_up
            && self.opts.reconnect_ivl >= 0
            && (self.persistent_pipe || self.life == Life::Open);
        if let Some((why, often)) = why {
            self.diag_ended(&why, often, retry, protocol_error);
        }
        if !retry {
            self.link = Link::Backoff { retry_at: None };
            return self.finish();
        }
        if !self.persistent_pipe {
            if let Some(p) = self.pipe.take() {
                p.close();
            }
            self.skip_partial = false;
        }
        self.schedule_reconnect(now);
        if matches!(self.life, Life::Lingering { .. }) && self.flushed() {
            self.finish();
        }
    }

    fn schedule_reconnect(&mut self, now: Instant) {
        let Role::Connect { attempt, .. } = &mut self.role else {
            return;
        };
        let delay = reconnect_delay(
            self.opts.reconnect_ivl,
            self.opts.reconnect_ivl_max,
            *attempt,
        );
        *attempt = attempt.saturating_add(1);
        self.link = Link::Backoff {
            retry_at: delay.and_then(|d| now.checked_add(d)),
        };
        if let Some(d) = delay {
            self.connecter_event(ZMQ_EVENT_CONNECT_RETRIED, d.as_millis() as u64);
        }
    }

    // ---------------------------------------------------------------- events --

    /// An event about the current connection.
    fn event(&mut self, event: c_int, value: u64) {
        self.actions.push_back(Action::Event {
            event,
            value,
            endpoints: self.stream.endpoints.clone(),
        });
    }

    /// An event of a connecter between connections (named by the connect endpoint).
    fn connecter_event(&mut self, event: c_int, value: u64) {
        let Role::Connect { event_endpoint, .. } = &self.role else {
            return;
        };
        let endpoints = Endpoints::connect(event_endpoint);
        self.actions.push_back(Action::Event {
            event,
            value,
            endpoints,
        });
    }

    /// The connection (or connect attempt) failed: its events, before it is dropped.
    fn report_disconnect(&mut self) {
        let fd = self.stream.fd;
        let mut events = Vec::new();
        match &self.link {
            Link::Handshaking(e) | Link::Up(e) => {
                monitor::connection_failed(e, fd, |ev, v| events.push((ev, v)));
            }
            // A connect that did not complete: libzmq closes its descriptor.
            Link::Connecting { .. } | Link::Socks(_) => {
                return self.connecter_event(ZMQ_EVENT_CLOSED, fd as u64);
            }
            Link::Backoff { .. } | Link::Done => {}
        }
        for (ev, v) in events {
            self.event(ev, v);
        }
    }
}

// ---------------------------------------------------------- diagnostics --
// ZMQRS_DEBUG (crate::diag): only called when it is on.

impl Session {
    /// "DEALER tcp://host:port" for a connecter, "ROUTER tcp://bound <- tcp://peer" for
    /// an accepted connection.
    fn diag_name(&self) -> String {
        let kind = diag::socket_type(self.opts.zmtp.socket_type);
        match &self.role {
            Role::Connect { event_endpoint, .. } => format!("{kind} {event_endpoint}"),
            Role::Accepted => format!(
                "{kind} {} <- {}",
                self.endpoint, self.stream.endpoints.remote
            ),
        }
    }

    /// Why the connection or the attempt ended (before the link is taken apart), and
    /// whether it is one of a series (a peer that is not there, tried again and again).
    /// A connect that failed was told by `connect_failed`.
    fn diag_failure(&self) -> Option<(String, bool)> {
        match &self.link {
            Link::Handshaking(e) | Link::Up(e) => {
                Some((diag::engine_failure(e, &self.opts.zmtp), false))
            }
            Link::Socks(_) => Some((
                "the SOCKS proxy failed or refused the connection".into(),
                true,
            )),
            Link::Backoff { .. } => Some((
                "no connection could be made (the address did not resolve, or no descriptor)"
                    .into(),
                true,
            )),
            Link::Connecting { .. } | Link::Done => None,
        }
    }

    fn diag_connect_failed(&self, now: Instant, refused: bool) -> String {
        match &self.link {
            Link::Connecting { deadline: Some(d) } if *d <= now => format!(
                "connect timed out (ZMQ_CONNECT_TIMEOUT {} ms)",
                self.opts.connect_timeout
            ),
            _ if refused => "connect failed: connection refused".into(),
            _ => "connect failed".into(),
        }
    }

    /// One line: who, why, and what happens next.
    fn diag_ended(&self, why: &str, often: bool, retry: bool, protocol_error: bool) {
        let next = match &self.role {
            Role::Accepted => "",
            Role::Connect { .. } if retry => "; reconnecting after ZMQ_RECONNECT_IVL",
            Role::Connect { .. } if protocol_error => {
                "; not reconnecting (libzmq gives up after a protocol error)"
            }
            Role::Connect { .. } if self.give_up => "; not reconnecting (ZMQ_RECONNECT_STOP)",
            Role::Connect { .. } if self.opts.reconnect_ivl < 0 => {
                "; not reconnecting (ZMQ_RECONNECT_IVL is -1)"
            }
            Role::Connect { .. } => "; not reconnecting (the socket is closing)",
        };
        if often {
            diag::frequent!("{}: {why}{next}", self.diag_name());
        } else {
            diag::event!("{}: {why}{next}", self.diag_name());
        }
    }
}

/// Backoff for the next reconnect attempt: libzmq doubles the interval up to
/// ZMQ_RECONNECT_IVL_MAX when that is larger than ZMQ_RECONNECT_IVL; `None` when
/// reconnecting is off (-1).
pub fn reconnect_delay(ivl: i32, ivl_max: i32, attempt: u32) -> Option<Duration> {
    if ivl < 0 {
        return None;
    }
    let base = ivl as u64;
    let ms = if ivl_max > ivl {
        base.saturating_mul(1u64 << attempt.min(30))
            .min(ivl_max as u64)
    } else {
        base
    };
    Some(Duration::from_millis(ms))
}
