//! A session: one connection's life inside an I/O thread. It moves messages between a
//! pipe to the socket and a sans-IO ZMTP connection over a stream, reconnects a
//! connecting session after a temporary failure, and lingers on close.

use std::ffi::c_int;
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::{Interest, Registry, Token};

use super::{reconnect_delay, Peer, SessionOptions, SocketLink};
use crate::constants::{
    ZMQ_EVENT_ACCEPTED, ZMQ_EVENT_CLOSED, ZMQ_EVENT_CONNECTED, ZMQ_EVENT_CONNECT_DELAYED,
    ZMQ_EVENT_CONNECT_RETRIED,
};
use crate::mailbox::{Command, Mailbox};
use crate::msg::Msg;
use crate::pipe::{self, PipeEnd, Read as PipeRead};
use crate::transport::socks::{Progress, Socks5Client};
use crate::transport::{self, Stream};
use crate::zmtp::{zap, Engine, Event};

/// Bytes a session moves in one turn before letting the thread's other sessions run.
/// Without a bound, a sender with a fast producer fills the kernel's (auto-tuned,
/// megabytes) socket buffer before its peer session on the same thread reads a byte:
/// 64 KiB messages over loopback tcp ran at a third of libzmq's rate. Measured on
/// benches/perf.c: 64 KiB turns cost ipc a syscall per message, 1 MiB ones bring the
/// tcp slump back; 256 KiB did best on both.
const TURN_BUDGET: usize = 256 * 1024;

// The draft option values these options take (ZMQ_NOTIFY_*, ZMQ_RECONNECT_STOP_*): zmq.h
// has them only with the draft API, the engine always.
const NOTIFY_CONNECT: c_int = 1;
const NOTIFY_DISCONNECT: c_int = 2;
const STOP_CONN_REFUSED: c_int = 1;
const STOP_HANDSHAKE_FAILED: c_int = 2;

/// Pieces of pending output handed to one writev.
const WRITE_SLICES: usize = 16;

/// Bytes read from the kernel in one call.
const READ_CHUNK: usize = 64 * 1024;

pub(super) enum Step {
    Continue,
    /// Work is left (the byte budget ran out): drive again after the other ready
    /// sessions, without waiting for an event.
    Yield,
    Done,
}

enum Kind {
    Connect {
        peer: Peer,
        attempt: u32,
        retry_at: Option<Instant>,
        /// The pipe outlives connections (made at zmq_connect time).
        persistent_pipe: bool,
    },
    Accepted,
}

pub(super) struct Session {
    token: Token,
    endpoint_id: u64,
    endpoint: String,
    socket: SocketLink,
    opts: Arc<SessionOptions>,
    kind: Kind,
    stream: Option<Stream>,
    connecting: bool,
    /// Connected to the SOCKS proxy, asking it for the destination: no engine yet.
    socks: Option<Socks5Client>,
    conn: Option<Engine>,
    pipe: Option<PipeEnd>,
    /// The pipe to the ZAP handler while a request is out.
    zap: Option<PipeEnd>,
    /// The last turn ended on the byte budget with work left.
    turn_over: bool,
    /// ZMQ_CONNECT_TIMEOUT: when the tcp connect in progress is given up.
    connect_deadline: Option<Instant>,
    /// ZMQ_RECONNECT_STOP says this failure ends the connecting for good.
    give_up: bool,
    /// Taken from the pipe, refused by the connection for now.
    out_pending: Option<Msg>,
    /// Decoded, refused by the pipe (at its HWM) for now; reading pauses meanwhile.
    in_pending: Option<Msg>,
    /// Frames of a message whose start went out on a connection that died: dropped.
    skip_partial: bool,
    readable: bool,
    writable: bool,
    /// The socket closed its end: flush what is left, within ZMQ_LINGER.
    closing: bool,
    linger_deadline: Option<Instant>,
    pipe_finished: bool,
    /// ZMQ_CONNECT_ROUTING_ID for the pipe made at handshake.
    connect_routing_id: Vec<u8>,
    /// Handshakes completed so far (more than one: reconnected).
    connections: u32,
    /// The current connection completed its handshake.
    up: bool,
    buf: Vec<u8>,
    /// The current connection's endpoints, for monitor events.
    ends: crate::monitor::Endpoints,
}

impl Session {
    fn new(
        token: Token,
        endpoint_id: u64,
        endpoint: String,
        socket: SocketLink,
        opts: Arc<SessionOptions>,
        kind: Kind,
    ) -> Self {
        Session {
            token,
            endpoint_id,
            endpoint,
            socket,
            opts,
            kind,
            stream: None,
            connecting: false,
            socks: None,
            conn: None,
            pipe: None,
            zap: None,
            turn_over: false,
            connect_deadline: None,
            give_up: false,
            out_pending: None,
            in_pending: None,
            skip_partial: false,
            readable: false,
            writable: false,
            closing: false,
            linger_deadline: None,
            pipe_finished: false,
            connect_routing_id: Vec::new(),
            connections: 0,
            up: false,
            buf: Vec::new(),
            ends: Default::default(),
        }
    }

    pub(super) fn connecter(
        token: Token,
        endpoint_id: u64,
        peer: Peer,
        endpoint: String,
        socket: SocketLink,
        opts: Arc<SessionOptions>,
        pipe: Option<PipeEnd>,
    ) -> Self {
        let persistent_pipe = pipe.is_some();
        let mut s = Session::new(
            token,
            endpoint_id,
            endpoint,
            socket,
            opts,
            Kind::Connect {
                peer,
                attempt: 0,
                retry_at: None,
                persistent_pipe,
            },
        );
        s.pipe = pipe;
        s
    }

    pub(super) fn accepted(
        token: Token,
        endpoint_id: u64,
        endpoint: String,
        socket: SocketLink,
        opts: Arc<SessionOptions>,
        stream: Stream,
        peer: String,
    ) -> Self {
        let mut s = Session::new(token, endpoint_id, endpoint, socket, opts, Kind::Accepted);
        s.stream = Some(stream);
        s.start_connection(peer, Instant::now());
        s.connection_event(ZMQ_EVENT_ACCEPTED);
        s
    }

    pub(super) fn set_connect_routing_id(&mut self, id: Vec<u8>) {
        self.connect_routing_id = id;
    }

    pub(super) fn pipe(&self) -> Option<&PipeEnd> {
        self.pipe.as_ref()
    }

    pub(super) fn socket_id(&self) -> u64 {
        self.socket.socket_id
    }

    pub(super) fn endpoint_id(&self) -> u64 {
        self.endpoint_id
    }

    pub(super) fn register(&mut self, registry: &Registry) -> io::Result<()> {
        match &mut self.stream {
            Some(s) => registry.register(s, self.token, Interest::READABLE | Interest::WRITABLE),
            None => Ok(()),
        }
    }

    pub(super) fn readiness(&mut self, readable: bool, writable: bool) {
        self.readable |= readable;
        self.writable |= writable;
    }

    fn start_connection(&mut self, peer: String, now: Instant) {
        let mut cfg = self.opts.zmtp.clone();
        cfg.peer_address = peer;
        cfg.source_fd = self.stream.as_ref().map_or(-1, Stream::raw_fd);
        self.conn = Some(Engine::new(cfg, now));
        self.buf.resize(READ_CHUNK, 0);
        let connected_to =
            matches!(self.kind, Kind::Connect { .. }).then(|| self.connect_endpoint());
        self.ends =
            crate::monitor::Endpoints::of_stream(self.stream.as_ref(), connected_to.as_deref());
    }

    pub(super) fn start_connect(&mut self, registry: &Registry, now: Instant) {
        let Kind::Connect { peer, retry_at, .. } = &mut self.kind else {
            return;
        };
        *retry_at = None;
        let stream = match (peer, &self.opts.socks) {
            (Peer::Direct(address), _) => Stream::connect(address, &self.opts.tuning),
            (Peer::Socks { .. }, Some(proxy)) => {
                transport::tcp_connect_address(&proxy.address, proxy.ipv6)
                    .and_then(|a| Stream::connect(&a, &self.opts.tuning))
            }
            (Peer::Socks { .. }, None) => Err(crate::error::Errno::EINVAL),
        };
        match stream {
            Ok(stream) => {
                if matches!(stream, Stream::Tcp(_)) && self.opts.connect_timeout > 0 {
                    self.connect_deadline =
                        now.checked_add(Duration::from_millis(self.opts.connect_timeout as u64));
                }
                self.stream = Some(stream);
                self.connecting = true;
                self.readable = false;
                self.writable = false;
                if matches!(self.stream, Some(Stream::Tcp(_))) {
                    self.connecter_event(ZMQ_EVENT_CONNECT_DELAYED, libc::EINPROGRESS as u64);
                }
                if self.register(registry).is_err() {
                    self.stream = None;
                    self.schedule_reconnect(now);
                }
            }
            Err(_) => self.schedule_reconnect(now),
        }
    }

    fn stops_on_refusal(&self) -> bool {
        self.opts.reconnect_stops_on(STOP_CONN_REFUSED)
    }

    fn schedule_reconnect(&mut self, now: Instant) {
        if let Kind::Connect {
            attempt, retry_at, ..
        } = &mut self.kind
        {
            let delay = reconnect_delay(
                self.opts.reconnect_ivl,
                self.opts.reconnect_ivl_max,
                *attempt,
            )
            .unwrap_or(Duration::from_secs(3600 * 24 * 365));
            *attempt = attempt.saturating_add(1);
            *retry_at = Some(now + delay);
            if self.opts.reconnect_ivl >= 0 {
                self.connecter_event(ZMQ_EVENT_CONNECT_RETRIED, delay.as_millis() as u64);
            }
        }
    }

    /// The socket closed its end of the pipe: what it sent is flushed within ZMQ_LINGER.
    pub(super) fn socket_closed_pipe(&mut self) {
        if self.closing {
            return;
        }
        self.closing = true;
        let linger = self.linger();
        if linger >= 0 {
            self.linger_deadline = Some(Instant::now() + Duration::from_millis(linger as u64));
        }
    }

    fn linger(&self) -> i32 {
        self.socket
            .linger
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(super) fn deadline(&self) -> Option<Instant> {
        let retry = match &self.kind {
            Kind::Connect { retry_at, .. } => *retry_at,
            Kind::Accepted => None,
        };
        [
            retry,
            self.conn.as_ref().and_then(Engine::poll_timeout),
            self.linger_deadline,
            self.connect_deadline,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    pub(super) fn on_timer(&mut self, now: Instant, registry: &Registry) {
        if let Kind::Connect {
            retry_at: Some(t), ..
        } = &self.kind
        {
            if *t <= now {
                self.start_connect(registry, now);
            }
        }
        if self.connecting && self.connect_deadline.is_some_and(|d| d <= now) {
            // ZMQ_CONNECT_TIMEOUT: this attempt is over; the next one comes after
            // ZMQ_RECONNECT_IVL.
            self.disconnected(now, registry, false);
        }
        if let Some(conn) = &mut self.conn {
            if conn.poll_timeout().is_some_and(|t| t <= now) && conn.handle_timeout(now).is_err() {
                self.disconnected(now, registry, false);
            }
        }
    }

    /// With the context going away: sessions with nothing to deliver go at once.
    pub(super) fn can_drop_at_shutdown(&self) -> bool {
        if self.pipe.is_none() {
            return true;
        }
        let flushed = self.out_pending.is_none()
            && self
                .conn
                .as_ref()
                .is_none_or(|c| c.pending_output().is_empty());
        (self.closing && self.pipe_finished && flushed)
            || self.linger() == 0
            || self.linger_deadline.is_some_and(|d| d <= Instant::now())
    }

    /// Moves everything that can move now. `Done` when the session has ended.
    pub(super) fn pump(
        &mut self,
        now: Instant,
        registry: &Registry,
        io_mailbox: &Arc<Mailbox>,
    ) -> Step {
        if self.linger_deadline.is_some_and(|d| d <= now) || (self.closing && self.linger() == 0) {
            return Step::Done;
        }
        if self.stream.is_none() {
            // Closed while waiting to reconnect: done once nothing is left to send.
            if self.closing && self.pipe.as_mut().is_some_and(PipeEnd::is_finished) {
                self.pipe_finished = true;
            }
            return self.finished_step();
        }
        if self.connecting {
            if !self.writable {
                return Step::Continue;
            }
            let outcome = self.stream.as_ref().map(Stream::take_error);
            match outcome {
                // As libzmq's tcp connecter: with ZMQ_RECONNECT_STOP_CONN_REFUSED a
                // refused connect is the last one.
                Some(Ok(Some(e)))
                    if e.raw_os_error() == Some(libc::ECONNREFUSED) && self.stops_on_refusal() =>
                {
                    self.give_up = true;
                    return self.disconnected(now, registry, false);
                }
                Some(Ok(None)) => match self.socks_client() {
                    Some(Ok(client)) => {
                        self.connecting = false;
                        self.socks = Some(client);
                    }
                    Some(Err(())) => return self.disconnected(now, registry, false),
                    None => {
                        self.connecting = false;
                        self.connected(now);
                    }
                },
                _ => return self.disconnected(now, registry, false),
            }
        }
        let Some(mut conn) = self.conn.take() else {
            return match self.pump_socks() {
                Ok(false) => Step::Continue,
                // As libzmq: a refusal by the proxy is no protocol error; retry later.
                Err(()) => self.disconnected(now, registry, false),
                Ok(true) => {
                    self.socks = None;
                    self.connected(now);
                    self.pump(now, registry, io_mailbox)
                }
            };
        };
        let step = self.pump_connection(&mut conn, now, io_mailbox);
        self.conn = Some(conn);
        match step {
            Ok(()) if std::mem::take(&mut self.turn_over) => Step::Yield,
            Ok(()) => self.finished_step(),
            Err(protocol) => self.disconnected(now, registry, protocol),
        }
    }

    /// The connect (through the proxy, if any) completed: the ZMTP engine takes over.
    fn connected(&mut self, now: Instant) {
        if let Kind::Connect { attempt, .. } = &mut self.kind {
            *attempt = 0;
        }
        let peer = self
            .stream
            .as_ref()
            .map(Stream::peer_address)
            .unwrap_or_default();
        self.start_connection(peer, now);
        self.connection_event(ZMQ_EVENT_CONNECTED);
    }

    /// The SOCKS exchange a connect through a proxy needs, `None` for a direct one.
    fn socks_client(&self) -> Option<Result<Socks5Client, ()>> {
        let Kind::Connect {
            peer: Peer::Socks { host, port },
            ..
        } = &self.kind
        else {
            return None;
        };
        let creds = self
            .opts
            .socks
            .as_ref()
            .and_then(|p| p.credentials.as_ref());
        let creds = creds.map(|(u, p)| (u.as_slice(), p.as_slice()));
        Some(Socks5Client::new(host, *port, creds).map_err(|_| ()))
    }

    /// Moves the SOCKS exchange on as far as the stream allows. Only the bytes of the
    /// proxy's replies are read: whatever follows is the destination's, for the engine.
    /// `Ok(true)` once it succeeded, `Ok(false)` while waiting (also when there is no
    /// exchange, and no engine, at all), `Err` when it failed.
    fn pump_socks(&mut self) -> Result<bool, ()> {
        let (Some(client), Some(stream)) = (self.socks.as_mut(), self.stream.as_mut()) else {
            return Ok(false);
        };
        let mut buf = [0u8; 4 + 1 + 255 + 2];
        loop {
            match client.progress() {
                Progress::Done => return Ok(true),
                Progress::Failed(_) => return Err(()),
                Progress::NeedMore => {}
            }
            if !client.pending_output().is_empty() {
                if !self.writable {
                    return Ok(false);
                }
                match stream.write(client.pending_output()) {
                    Ok(0) => return Err(()),
                    Ok(n) => client.consume_output(n),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.writable = false,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => return Err(()),
                }
                continue;
            }
            let want = client.input_wanted().min(buf.len());
            if !self.readable || want == 0 {
                return Ok(false);
            }
            match stream.read(&mut buf[..want]) {
                // The proxy hung up mid-exchange.
                Ok(0) => return Err(()),
                Ok(n) => {
                    client.handle_input(&buf[..n]);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.readable = false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Err(()),
            }
        }
    }

    /// `Err(protocol_error)` when the connection is over.
    fn pump_connection(
        &mut self,
        conn: &mut Engine,
        now: Instant,
        io_mailbox: &Arc<Mailbox>,
    ) -> Result<(), bool> {
        let mut moved = 0usize;
        loop {
            let mut progress = false;
            // Pipe -> connection.
            if let Some(pipe) = &mut self.pipe {
                loop {
                    let msg = match self.out_pending.take() {
                        Some(m) => m,
                        None => match pipe.read() {
                            PipeRead::Msg(m) => m,
                            PipeRead::Empty => break,
                            PipeRead::Finished => {
                                self.pipe_finished = true;
                                self.socket_closed_pipe();
                                break;
                            }
                        },
                    };
                    if self.skip_partial {
                        self.skip_partial = msg.more();
                        progress = true;
                        continue;
                    }
                    match conn.send(msg) {
                        Ok(()) => progress = true,
                        Err(m) => {
                            self.out_pending = Some(m);
                            break;
                        }
                    }
                }
            }
            // Connection -> kernel.
            let stream = self.stream.as_mut().ok_or(false)?;
            while self.writable && moved < TURN_BUDGET && !conn.pending_output().is_empty() {
                // One writev for the batch buffer and the large bodies queued behind it
                // (they are not copied into the batch), not a write per piece.
                let mut slices = [io::IoSlice::new(&[]); WRITE_SLICES];
                let n = conn.pending_output_vectored(&mut slices);
                let written = match n {
                    0 | 1 => stream.write(conn.pending_output()),
                    _ => stream.write_vectored(&slices[..n]),
                };
                match written {
                    Ok(0) => return Err(false),
                    Ok(n) => {
                        conn.consume_output(n);
                        moved += n;
                        progress = true;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.writable = false,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => return Err(false),
                }
            }
            // Kernel -> connection.
            let mut failed = false;
            while !failed
                && self.readable
                && moved < TURN_BUDGET
                && self.in_pending.is_none()
                && conn.wants_input()
            {
                match stream.read(&mut self.buf) {
                    Ok(0) => return Err(false),
                    Ok(n) => {
                        moved += n;
                        if conn.handle_input(&self.buf[..n], now).is_err() {
                            // What was decoded before the error still counts (the
                            // handshake, whole messages); then the connection ends.
                            failed = true;
                        }
                        progress = true;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.readable = false,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => return Err(false),
                }
            }
            // ZAP handler -> connection.
            if let Some(frames) = self.zap_reply() {
                if let Some(c) = conn.zmtp_mut() {
                    if c.zap_reply(&frames, now).is_err() {
                        failed = true;
                    }
                }
                progress = true;
            }
            // Connection -> pipe.
            if let Some(m) = self.in_pending.take() {
                self.deliver(m);
                // Delivered: reading may resume (edge-triggered: no new event comes
                // for bytes already waiting in the kernel).
                progress |= self.in_pending.is_none();
            }
            while self.in_pending.is_none() {
                match conn.poll_event() {
                    None => break,
                    Some(Event::ZapRequest(frames)) => {
                        if self.zap_request(conn, frames, io_mailbox, now).is_err() {
                            failed = true;
                        }
                        progress = true;
                    }
                    Some(Event::HandshakeSucceeded) => {
                        self.on_handshake(conn, io_mailbox);
                        progress = true;
                    }
                    Some(Event::Message(m)) => {
                        self.deliver(m);
                        progress = true;
                    }
                }
            }
            if failed {
                // Best effort, as libzmq: an ERROR command the failure queued (a ZAP
                // refusal) reaches the peer if the kernel takes it now.
                if let Some(stream) = self.stream.as_mut() {
                    let _ = stream.write(conn.pending_output());
                }
                return Err(true);
            }
            if !progress {
                return Ok(());
            }
            if moved >= TURN_BUDGET {
                self.turn_over = true;
                return Ok(());
            }
        }
    }

    /// Sends a connection's ZAP request to the handler bound at `zap::ENDPOINT` over a
    /// pipe of its own (a REQ-style envelope: an empty delimiter first); without a
    /// handler NULL goes on unauthenticated and PLAIN fails, as in libzmq.
    fn zap_request(
        &mut self,
        conn: &mut Engine,
        frames: Vec<Vec<u8>>,
        io_mailbox: &Arc<Mailbox>,
        now: Instant,
    ) -> Result<(), crate::zmtp::Error> {
        let handler = self
            .opts
            .zap_ctx
            .as_ref()
            .and_then(|ctx| ctx.inproc_binder(zap::ENDPOINT));
        let Some(handler) = handler else {
            return match conn.zmtp_mut() {
                Some(c) => c.zap_unavailable(now),
                None => Ok(()),
            };
        };
        // No high-water mark on the ZAP pipe, as libzmq: a request always fits.
        let unlimited = pipe::PipeConfig {
            sndhwm: 0,
            rcvhwm: 0,
            conflate: false,
        };
        let (mut mine, theirs) = pipe::pair(unlimited, Some(unlimited));
        mine.attach(io_mailbox.clone());
        let mut delimiter = Msg::new();
        delimiter.set_more(true);
        mine.write(delimiter);
        let last = frames.len() - 1;
        for (i, f) in frames.iter().enumerate() {
            let mut m = Msg::from_slice(f);
            m.set_more(i < last);
            mine.write(m);
        }
        theirs.attach(handler.mailbox.clone());
        handler.mailbox.send(Command::Attach(theirs));
        if let Some(old) = self.zap.replace(mine) {
            old.close();
        }
        Ok(())
    }

    /// The ZAP handler's whole reply, once it is there.
    fn zap_reply(&mut self) -> Option<Vec<Msg>> {
        let p = self.zap.as_mut()?;
        let mut frames = Vec::new();
        loop {
            match p.read() {
                PipeRead::Msg(m) => {
                    let more = m.more();
                    frames.push(m);
                    if !more {
                        break;
                    }
                }
                // A pipe holds whole messages: nothing here yet. A handler that went
                // away without answering leaves the handshake to time out.
                PipeRead::Empty | PipeRead::Finished => return None,
            }
        }
        if let Some(z) = self.zap.take() {
            z.close();
        }
        Some(frames)
    }

    /// Publishes the messages this turn delivered to the socket, in one go.
    pub(super) fn flush_pipe(&mut self) {
        if let Some(p) = &mut self.pipe {
            if p.has_unpublished() {
                p.flush();
            }
        }
    }

    pub(super) fn zap_pipe_id(&self) -> Option<crate::pipe::PipeId> {
        self.zap.as_ref().map(PipeEnd::id)
    }

    fn deliver(&mut self, msg: Msg) {
        // No pipe (it died with the socket): nowhere to go.
        let Some(p) = &mut self.pipe else { return };
        if p.check_write() {
            // Published by `flush_pipe` when the turn ends.
            p.write_batched(msg);
        } else {
            self.in_pending = Some(msg);
        }
    }

    fn on_handshake(&mut self, conn: &mut Engine, io_mailbox: &Arc<Mailbox>) {
        crate::monitor::handshake_succeeded(&self.socket.monitor, conn, &self.ends);
        if !self.opts.hello_msg.is_empty() {
            // ZMQ_HELLO_MSG goes first on every connection, ahead of the pipe's backlog;
            // nothing is queued on a connection that just finished its handshake.
            let _ = conn.send(Msg::from_slice(&self.opts.hello_msg));
        }
        if let Some(p) = &self.pipe {
            p.set_endpoints(&self.ends.local, &self.ends.remote);
        }
        self.connections += 1;
        self.up = true;
        if let Some(p) = &mut self.pipe {
            if self.opts.recv_routing_id {
                let id = conn.peer_routing_id().unwrap_or_default();
                let mut m = Msg::routing_id_message(id);
                // Every frame from a connection carries its properties, this one too.
                m.set_metadata(conn.zmtp().and_then(|c| c.metadata()));
                p.write(m);
            }
            if self.opts.router_notifies(NOTIFY_CONNECT) {
                p.write(Msg::new());
            }
            if self.connections > 1 {
                // A persistent pipe outlived a connection: the socket must repeat what
                // the new peer needs to know (subscriptions).
                self.socket.mailbox.send(Command::Hiccup(p.peer_id()));
            }
            return;
        }
        let (mut sock_end, mut sess_end) = pipe::pair(self.socket.config, None);
        if self.opts.router_notifies(NOTIFY_CONNECT) {
            sess_end.write(Msg::new());
        }
        sock_end.peer_routing_id = conn
            .peer_routing_id()
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        sock_end.endpoint = Some(self.endpoint.clone());
        sock_end.routing_id = self.connect_routing_id.clone();
        sess_end.attach(io_mailbox.clone());
        sess_end.set_endpoints(&self.ends.local, &self.ends.remote);
        self.pipe = Some(sess_end);
        self.socket.mailbox.send(Command::Attach(sock_end));
    }

    fn finished_step(&self) -> Step {
        let flushed = self.out_pending.is_none()
            && self
                .conn
                .as_ref()
                .is_none_or(|c| c.pending_output().is_empty());
        if self.closing && self.pipe_finished && flushed {
            return Step::Done;
        }
        Step::Continue
    }

    /// The connection ended. Accepted sessions end with it; connecting ones retry
    /// after ZMQ_RECONNECT_IVL unless it was a protocol error (libzmq gives up then).
    fn disconnected(&mut self, now: Instant, registry: &Registry, protocol_error: bool) -> Step {
        self.report_disconnect();
        self.connect_deadline = None;
        // ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED: a peer that took the connection but never
        // completed a handshake (not a ZMTP peer) is not tried again.
        let handshake_failed =
            !self.connecting && self.conn.as_ref().is_some_and(|c| !c.is_ready());
        if handshake_failed && self.opts.reconnect_stops_on(STOP_HANDSHAKE_FAILED) {
            self.give_up = true;
        }
        if let Some(z) = self.zap.take() {
            z.close();
        }
        if let Some(mut s) = self.stream.take() {
            let _ = registry.deregister(&mut s);
        }
        // A raw (STREAM) connection's end is announced (ZMQ_STREAM_NOTIFY) after what
        // it delivered, when the pipe has room.
        if let Some(notice) = self.conn.take().and_then(|c| c.disconnect_notice()) {
            if let Some(m) = self.in_pending.take() {
                self.deliver(m);
            }
            if self.in_pending.is_none() {
                self.deliver(notice);
            }
        }
        self.connecting = false;
        self.socks = None;
        self.readable = false;
        self.writable = false;
        if let Some(p) = &self.pipe {
            // Frames of a message already begun on the dead connection are dropped.
            self.skip_partial =
                self.out_pending.take().is_some_and(|m| m.more()) || p.reading_more();
        }
        self.in_pending = None;
        let was_up = std::mem::take(&mut self.up);
        let connecter = matches!(self.kind, Kind::Connect { .. });
        if let Some(p) = &mut self.pipe {
            // An inbound message cut short by the disconnect is never delivered.
            p.rollback();
            if was_up && self.opts.router_notifies(NOTIFY_DISCONNECT) {
                p.write(Msg::new());
            }
            // As libzmq, after a completed handshake only: ZMQ_DISCONNECT_MSG for a peer
            // that connected to us, ZMQ_HICCUP_MSG for a connection we made.
            let notice = if connecter {
                &self.opts.hiccup_msg
            } else {
                &self.opts.disconnect_msg
            };
            if was_up && !notice.is_empty() {
                p.write(Msg::from_slice(notice));
            }
        }
        let Kind::Connect {
            persistent_pipe, ..
        } = &self.kind
        else {
            return Step::Done;
        };
        if protocol_error || self.give_up || self.opts.reconnect_ivl < 0 || self.closing {
            return Step::Done;
        }
        if !*persistent_pipe {
            if let Some(p) = self.pipe.take() {
                p.close();
            }
            self.skip_partial = false;
        }
        self.schedule_reconnect(now);
        Step::Continue
    }

    pub(super) fn close(&mut self, registry: &Registry) {
        if let Some(mut s) = self.stream.take() {
            let _ = registry.deregister(&mut s);
        }
        if let Some(p) = self.pipe.take() {
            p.close();
        }
        if let Some(z) = self.zap.take() {
            z.close();
        }
    }
}

/// Monitor events (`crate::monitor`), with libzmq's values and endpoints.
impl Session {
    /// An event about the current connection, valued with its descriptor.
    fn connection_event(&self, event: c_int) {
        let fd = self.stream.as_ref().map_or(-1, Stream::raw_fd);
        self.socket
            .monitor
            .emit(event, fd as u64, || self.ends.clone());
    }

    /// The remote endpoint of a connecter's events: libzmq names the proxy, when the
    /// connection goes through one.
    fn connect_endpoint(&self) -> std::borrow::Cow<'_, str> {
        match (&self.kind, &self.opts.socks) {
            (
                Kind::Connect {
                    peer: Peer::Socks { .. },
                    ..
                },
                Some(proxy),
            ) => format!("tcp://{}", proxy.address).into(),
            _ => self.endpoint.as_str().into(),
        }
    }

    /// An event of a connecter between connections (named by the connect endpoint).
    fn connecter_event(&self, event: c_int, value: u64) {
        let ends = || crate::monitor::Endpoints::connect(&self.connect_endpoint());
        self.socket.monitor.emit(event, value, ends);
    }

    /// The connection (or connect attempt) failed: its events, before it is dropped.
    fn report_disconnect(&self) {
        let fd = self.stream.as_ref().map_or(-1, Stream::raw_fd);
        match &self.conn {
            Some(conn) => {
                crate::monitor::connection_failed(&self.socket.monitor, conn, fd, &self.ends)
            }
            // A connect that did not complete: libzmq closes its descriptor.
            None if self.connecting || self.socks.is_some() => {
                self.connecter_event(ZMQ_EVENT_CLOSED, fd as u64)
            }
            None => {}
        }
    }
}
