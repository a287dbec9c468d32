//! Drives one [`crate::session::Session`] over a stream: the I/O half of a session.
//! The state machine decides; this opens and closes the stream, moves bytes between it
//! and the session, carries the ZAP request over a pipe and raises monitor events.

use std::io::{self, Read, Write};
use std::sync::Arc;
use std::time::Instant;

use mio::{Interest, Registry, Token};

use super::Command;
use super::{Peer, SessionOptions, SocketLink};
use crate::mailbox::Mailbox;
use crate::msg::{Msg, ReadBuffer};
use crate::pipe::{self, PipeEnd, PipeEvent, PipeId, Read as PipeRead};
use crate::session::{self, Action, SocksRequest, StreamInfo};
use crate::transport::{self, Stream};
use crate::zmtp::zap;

/// Bytes a session moves in one turn before letting the thread's other sessions run.
/// Without a bound, a sender with a fast producer fills the kernel's (auto-tuned,
/// megabytes) socket buffer before its peer session on the same thread reads a byte:
/// 64 KiB messages over loopback tcp ran at a third of libzmq's rate. Measured on
/// benches/perf.c: 64 KiB turns cost ipc a syscall per message, 1 MiB ones bring the
/// tcp slump back; 256 KiB did best on both.
const TURN_BUDGET: usize = 256 * 1024;

/// A frame body with at least this much still to come is read straight into its
/// message; the read that follows one asks for no more than this.
const LARGE_BODY: usize = 8 * 1024;

/// Reads made straight into a large body, for the tests to see that they happen.
#[cfg(test)]
static BODY_READS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Pieces of pending output handed to one writev.
const WRITE_SLICES: usize = 16;

/// How long after an application thread wrote for a session it may do so again
/// without having been sent anything meanwhile (see `send_direct`): a sender that
/// writes this rarely gains the I/O thread's wake-up, one that writes more often
/// would lose the I/O thread's batching.
const DIRECT_GAP: std::time::Duration = std::time::Duration::from_millis(1);

/// What one read did.
enum ReadStep {
    /// Bytes went into the session.
    Took(usize),
    /// Interrupted by a signal: try again.
    Again,
    /// Nothing more now: the kernel's buffer is empty, the session wants no input,
    /// or the stream ended (the session was told).
    Stop,
}

pub(super) enum Step {
    Continue,
    /// Work is left (the byte budget ran out): drive again after the other ready
    /// sessions, without waiting for an event.
    Yield,
    Done,
}

pub(super) struct Session {
    token: Token,
    endpoint_id: u64,
    socket: SocketLink,
    opts: Arc<SessionOptions>,
    /// What a connecter connects to; `None` for an accepted connection.
    peer: Option<Peer>,
    core: session::Session,
    stream: Option<Stream>,
    readable: bool,
    writable: bool,
    /// The stream's peer has shut down its side (its FIN arrived): reads go on until
    /// they find the end.
    read_closed: bool,
    /// The pipe to the ZAP handler while a request is out.
    zap: Option<PipeEnd>,
    buf: Vec<u8>,
    /// What it reads into with ZMQ_ZERO_COPY_RECV: bodies may point into it, so it is
    /// read into again only once no message refers to it.
    shared: Option<ReadBuffer>,
    /// The last turn ended on the byte budget with work left.
    turn_over: bool,
    /// The deadline the worker's timer heap holds for this session.
    pub(super) armed: Option<Instant>,
    /// Where its pipe ends report (the lane it lives in; see `lane.rs`).
    owner: Option<Arc<dyn pipe::Owner>>,
    /// When an application thread last wrote for it (`send_direct`).
    last_direct: Option<Instant>,
    /// The socket was woken with messages from the peer since then: what it sends
    /// next is likely the reply the peer waits for.
    woke_socket: bool,
    /// The last read went straight into a large body (see the read loop).
    after_large_body: bool,
}

impl Session {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn connecter(
        token: Token,
        endpoint_id: u64,
        peer: Peer,
        endpoint: String,
        socket: SocketLink,
        opts: Arc<SessionOptions>,
        pipe: Option<PipeEnd>,
        routing_id: Vec<u8>,
    ) -> Self {
        let (event_endpoint, socks) = match (&peer, &opts.socks) {
            // libzmq names the proxy in a connecter's events.
            (Peer::Socks { host, port }, Some(proxy)) => (
                format!("tcp://{}", proxy.address),
                Some(SocksRequest {
                    host: host.clone(),
                    port: *port,
                    credentials: proxy.credentials.clone(),
                }),
            ),
            _ => (endpoint.clone(), None),
        };
        let core = session::Session::connecter(
            opts.session.clone(),
            endpoint,
            event_endpoint,
            socks,
            pipe,
            routing_id,
        );
        Session::new(token, endpoint_id, socket, opts, Some(peer), core, None)
    }

    /// A connection a listener accepted: the stream and the peer's address.
    pub(super) fn accepted(
        token: Token,
        endpoint_id: u64,
        endpoint: String,
        socket: SocketLink,
        opts: Arc<SessionOptions>,
        (stream, peer_address): (Stream, String),
        now: Instant,
    ) -> Self {
        let info = StreamInfo {
            peer_address,
            fd: stream.raw_fd(),
            endpoints: endpoints(&opts, &stream, None),
        };
        let core = session::Session::accepted(opts.session.clone(), endpoint, info, now);
        Session::new(token, endpoint_id, socket, opts, None, core, Some(stream))
    }

    fn new(
        token: Token,
        endpoint_id: u64,
        socket: SocketLink,
        opts: Arc<SessionOptions>,
        peer: Option<Peer>,
        core: session::Session,
        stream: Option<Stream>,
    ) -> Self {
        Session {
            token,
            endpoint_id,
            socket,
            opts,
            peer,
            core,
            stream,
            readable: false,
            writable: false,
            read_closed: false,
            zap: None,
            buf: Vec::new(),
            shared: None,
            turn_over: false,
            armed: None,
            owner: None,
            last_direct: None,
            woke_socket: false,
            after_large_body: false,
        }
    }

    pub(super) fn pipe(&self) -> Option<&PipeEnd> {
        self.core.pipe()
    }

    pub(super) fn zap_pipe_id(&self) -> Option<PipeId> {
        self.zap.as_ref().map(PipeEnd::id)
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

    pub(super) fn readiness(&mut self, readable: bool, writable: bool, read_closed: bool) {
        self.readable |= readable || read_closed;
        self.writable |= writable;
        self.read_closed |= read_closed;
    }

    fn linger(&self) -> i32 {
        self.socket
            .linger
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The socket closed its end of the pipe: what it sent is flushed within ZMQ_LINGER.
    pub(super) fn socket_closed(&mut self, now: Instant) {
        let linger = if self.socket.closed.load(std::sync::atomic::Ordering::SeqCst) {
            self.linger()
        } else {
            -1
        };
        self.core.socket_closed(now, linger);
    }

    /// The endpoint is going (unbind, disconnect): flush within ZMQ_LINGER, then end.
    pub(super) fn terminate(&mut self, now: Instant) {
        let linger = self.linger();
        self.core.terminate(now, linger);
    }

    /// The context is terminating.
    pub(super) fn shutdown(&mut self, now: Instant) {
        let linger = self.linger();
        self.core.shutdown(now, linger);
    }

    pub(super) fn deadline(&self) -> Option<Instant> {
        self.core.poll_timeout()
    }

    pub(super) fn on_timer(&mut self, now: Instant) {
        self.core.handle_timeout(now);
    }

    /// Publishes the messages this turn delivered to the socket, in one go, and hands
    /// back the socket's wake-up for after the session's lock (see `lane.rs`).
    pub(super) fn publish_pipe(&mut self) -> Option<pipe::Wake> {
        let wake = self.core.publish_pipe();
        self.woke_socket |= wake.is_some();
        wake
    }

    /// Moves everything that can move now. `Done` when the session has ended.
    pub(super) fn pump(
        &mut self,
        now: Instant,
        registry: &Registry,
        io_mailbox: &Arc<Mailbox<Command>>,
    ) -> Step {
        self.apply_actions(now, registry, io_mailbox);
        if self.core.is_connecting() && self.writable {
            if let Some(stream) = &self.stream {
                match stream.take_error() {
                    Ok(None) => {
                        if let Some(tls) = &self.opts.tls {
                            // wss: TLS goes on the stream (same descriptor, still
                            // registered); the engine's upgrade request waits in it
                            // until the TLS handshake is done.
                            self.stream = self.stream.take().and_then(|s| s.into_tls(tls).ok());
                        }
                        let Some(stream) = &self.stream else {
                            self.core.connect_failed(now, false);
                            return self.finish_turn(now, registry, io_mailbox);
                        };
                        let info = StreamInfo {
                            peer_address: stream.peer_address(),
                            fd: stream.raw_fd(),
                            endpoints: endpoints(
                                &self.opts,
                                stream,
                                Some(self.core.connect_endpoint()),
                            ),
                        };
                        self.core.connected(now, info);
                    }
                    Ok(Some(e)) => self
                        .core
                        .connect_failed(now, e.raw_os_error() == Some(libc::ECONNREFUSED)),
                    Err(_) => self.core.connect_failed(now, false),
                }
            }
        }
        let mut moved = 0usize;
        loop {
            self.core.process(now);
            self.apply_actions(now, registry, io_mailbox);
            let mut progress = false;
            if let Some(stream) = self.stream.as_mut() {
                // Kernel tcp and unix streams: a short read or write says the kernel's
                // buffer is empty or full. (Not TLS, which buffers; not TIPC, untested.)
                let drains = matches!(stream, Stream::Tcp(_) | Stream::Ipc(_));
                if self.writable {
                    // What a TLS layer still holds goes first (a no-op on plain
                    // streams).
                    match stream.flush() {
                        Ok(()) => {}
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.writable = false,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(_) => self.core.stream_closed(now),
                    }
                }
                // Session -> kernel.
                if Self::write_out(
                    &mut self.core,
                    stream,
                    &mut self.writable,
                    drains,
                    now,
                    &mut moved,
                ) {
                    progress = true;
                }
                // Kernel -> session.
                while self.readable && moved < TURN_BUDGET {
                    match self.read_once(now, drains) {
                        ReadStep::Took(n) => {
                            moved += n;
                            progress = true;
                        }
                        ReadStep::Again => {}
                        ReadStep::Stop => break,
                    }
                }
            }
            // ZAP handler -> session.
            if let Some(frames) = self.zap_reply() {
                self.core.zap_reply(&frames, now);
                progress = true;
            }
            if !progress || self.core.is_done() {
                break;
            }
            if moved >= TURN_BUDGET {
                self.turn_over = true;
                break;
            }
        }
        self.finish_turn(now, registry, io_mailbox)
    }

    /// One read from the stream into the session. A large frame body that is still
    /// to come goes straight into its message (one copy less), and the read after it
    /// is small, so that little of the next (likely large) body lands in the read
    /// buffer and is copied; everything else is read a batch at a time, into the
    /// shared buffer with ZMQ_ZERO_COPY_RECV. `drains`: a short read says the kernel's
    /// buffer is empty (see `pump`).
    fn read_once(&mut self, now: Instant, drains: bool) -> ReadStep {
        let want = self.core.input_wanted();
        let Some(stream) = self.stream.as_mut().filter(|_| want > 0) else {
            return ReadStep::Stop;
        };
        let body = match stream.fd().filter(|_| drains) {
            Some(fd) => self.core.read_body(LARGE_BODY, now, |f| f.fill_from(fd)),
            None => None,
        };
        let full = self.opts.in_batch_size.max(1);
        let size = if std::mem::take(&mut self.after_large_body) {
            full.min(LARGE_BODY)
        } else {
            full
        };
        // Zero copy where the kernel writes the buffer (not through TLS).
        let shared = self.opts.zero_copy && stream.fd().is_some();
        let asked = want.min(size);
        let into_body = body.is_some();
        let (read, asked) = match (body, stream.fd().filter(|_| shared)) {
            (Some((read, asked)), _) => {
                #[cfg(test)]
                BODY_READS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                self.after_large_body = true;
                (read, asked)
            }
            (None, Some(fd)) => {
                if !self.shared.as_mut().is_some_and(ReadBuffer::is_free) {
                    self.shared = ReadBuffer::new(full);
                }
                match self.shared.as_mut().and_then(|b| b.read_from(fd, asked)) {
                    Some(read) => (read, asked),
                    None => return ReadStep::Stop,
                }
            }
            (None, None) => {
                if self.buf.len() < full {
                    self.buf.resize(full, 0);
                }
                (stream.read(&mut self.buf[..asked]), asked)
            }
        };
        match read {
            Ok(0) => {
                self.core.stream_closed(now);
                ReadStep::Stop
            }
            Ok(n) => {
                if !into_body {
                    match &self.shared {
                        Some(buf) if shared => {
                            self.core.handle_input_in(buf.filled(), Some(buf), now)
                        }
                        _ => self.core.handle_input(&self.buf[..n], now),
                    }
                    // Inside a large frame: the next read is small (see above).
                    self.after_large_body = drains
                        && self
                            .core
                            .body_in_progress()
                            .is_some_and(|(size, _)| size >= LARGE_BODY);
                }
                // A short read emptied the kernel's buffer: skip the read that would
                // only say EAGAIN (mio's edge fires again when more arrives; tokio
                // relies on the same). Not once the peer's FIN was seen: its edge has
                // fired, and only a read finds the end.
                if n < asked && drains && !self.read_closed {
                    self.readable = false;
                }
                ReadStep::Took(n)
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.readable = false;
                ReadStep::Stop
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => ReadStep::Again,
            Err(_) => {
                self.core.stream_closed(now);
                ReadStep::Stop
            }
        }
    }

    /// Session -> kernel: writes pending output while the stream takes it (within the
    /// turn's budget). Whether anything was written.
    fn write_out(
        core: &mut session::Session,
        stream: &mut Stream,
        writable: &mut bool,
        drains: bool,
        now: Instant,
        moved: &mut usize,
    ) -> bool {
        let mut progress = false;
        while *writable && *moved < TURN_BUDGET && core.pending_output_len() > 0 {
            // One writev for the batch buffer and the large bodies queued behind it
            // (they are not copied into the batch), not a write per piece.
            let mut slices = [io::IoSlice::new(&[]); WRITE_SLICES];
            let n = core.pending_output_vectored(&mut slices);
            let offered: usize = slices[..n].iter().map(|s| s.len()).sum();
            let written = match n {
                0 | 1 => stream.write(&slices[0]),
                _ => stream.write_vectored(&slices[..n]),
            };
            match written {
                Ok(0) => {
                    core.stream_closed(now);
                    break;
                }
                Ok(n) => {
                    core.consume_output(n, now);
                    *moved += n;
                    progress = true;
                    // A kernel socket that took less than offered is full: the next
                    // write would only say EAGAIN (mio's edge fires again when room
                    // appears).
                    if n < offered && drains {
                        *writable = false;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => *writable = false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    core.stream_closed(now);
                    break;
                }
            }
        }
        progress
    }

    /// The pipe's pipe ends report to `owner` (see `lane.rs`).
    pub(super) fn set_owner(&mut self, owner: Arc<dyn pipe::Owner>) {
        self.owner = Some(owner);
    }

    /// On the application thread that found this session's pipe idle and queued a
    /// message: encodes what the pipe holds and writes it, if the session is up, its
    /// stream a kernel tcp/ipc one with room, and nothing else is under way. True when
    /// that was all there was to do; false leaves the rest (or all of it) to the I/O
    /// thread, which the caller then wakes.
    ///
    /// Only for the first message, a reply (the socket was woken with the peer's
    /// messages since the last time), or after `DIRECT_GAP`: a sender that keeps the
    /// pipe busy is better served by the I/O thread's batched writes than by a write
    /// per message on its own thread.
    pub(super) fn send_direct(&mut self) -> bool {
        if !self.writable || self.turn_over || self.core.pending_output_len() != 0 {
            return false;
        }
        let Some(stream) = self.stream.as_mut() else {
            return false;
        };
        if !matches!(stream, Stream::Tcp(_) | Stream::Ipc(_)) || !self.core.can_send_direct() {
            return false;
        }
        let now = Instant::now();
        if !self.woke_socket
            && self
                .last_direct
                .is_some_and(|t| now.saturating_duration_since(t) < DIRECT_GAP)
        {
            return false;
        }
        self.last_direct = Some(now);
        self.woke_socket = false;
        let deadline = self.core.poll_timeout();
        self.core.process(now);
        let mut moved = 0;
        Self::write_out(
            &mut self.core,
            stream,
            &mut self.writable,
            true,
            now,
            &mut moved,
        );
        #[cfg(test)]
        if moved > 0 {
            super::lane::DIRECT_WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        self.core.flush_pipe();
        // The I/O thread's timer heap only learns of a deadline it drives: an earlier
        // one is its job.
        let later = match (deadline, self.core.poll_timeout()) {
            (_, None) => true,
            (Some(before), Some(after)) => after >= before,
            (None, Some(_)) => false,
        };
        later
            && self.core.pending_output_len() == 0
            && self.core.can_send_direct()
            && moved < TURN_BUDGET
    }

    fn finish_turn(
        &mut self,
        now: Instant,
        registry: &Registry,
        io_mailbox: &Arc<Mailbox<Command>>,
    ) -> Step {
        self.apply_actions(now, registry, io_mailbox);
        if self.core.is_done() {
            Step::Done
        } else if std::mem::take(&mut self.turn_over) {
            Step::Yield
        } else {
            Step::Continue
        }
    }

    fn apply_actions(
        &mut self,
        now: Instant,
        registry: &Registry,
        io_mailbox: &Arc<Mailbox<Command>>,
    ) {
        while let Some(action) = self.core.poll_action() {
            match action {
                Action::Connect => self.start_connect(now, registry),
                Action::CloseStream { last_words } => self.close_stream(registry, &last_words),
                Action::Event {
                    event,
                    value,
                    endpoints,
                } => self.socket.monitor.emit(event, value, || endpoints),
                Action::Attach(sock_end) => {
                    // Our end first: the socket may write (and wake us) at once.
                    if let Some(p) = self.core.pipe() {
                        match &self.owner {
                            Some(owner) => p.attach(owner.clone()),
                            None => p.attach(io_mailbox.clone()),
                        }
                    }
                    self.socket.mailbox.notify(PipeEvent::Attach(sock_end));
                }
                Action::Hiccup(id) => self.socket.mailbox.notify(PipeEvent::Hiccup(id)),
                Action::ZapRequest(frames) => self.zap_request(frames, io_mailbox, now),
                Action::ZapCancel => {
                    if let Some(z) = self.zap.take() {
                        z.close();
                    }
                }
            }
        }
    }

    /// Opens a stream to the peer (or the SOCKS proxy), resolving the address anew.
    fn start_connect(&mut self, now: Instant, registry: &Registry) {
        let target = match (&self.peer, &self.opts.socks) {
            (Some(Peer::Direct(target)), _) => target.resolve(),
            (Some(Peer::Socks { .. }), Some(proxy)) => {
                transport::tcp_connect_address(&proxy.address, proxy.ipv6)
            }
            _ => Err(crate::error::Errno::EINVAL),
        };
        let ipc = matches!(target, Ok(transport::Address::Ipc(_)));
        match target.and_then(|a| Stream::connect(&a, &self.opts.tuning)) {
            Ok(stream) => {
                let tcp = matches!(stream, Stream::Tcp(_));
                self.stream = Some(stream);
                self.readable = false;
                self.writable = false;
                self.read_closed = false;
                if self.register(registry).is_err() {
                    self.stream = None;
                    return self.core.cannot_connect(now);
                }
                self.core.connect_started(now, tcp);
            }
            Err(e) => {
                if ipc
                    && e == crate::error::Errno(libc::ECONNREFUSED)
                    && self.opts.session.reconnect_stop & session::STOP_AFTER_DISCONNECT != 0
                    && self
                        .socket
                        .disconnected
                        .load(std::sync::atomic::Ordering::Relaxed)
                {
                    self.core.stop_reconnecting();
                }
                self.core.cannot_connect(now)
            }
        }
    }

    fn close_stream(&mut self, registry: &Registry, last_words: &[u8]) {
        if let Some(mut s) = self.stream.take() {
            if !last_words.is_empty() {
                let _ = s.write(last_words);
                let _ = s.flush();
            }
            let _ = registry.deregister(&mut s);
        }
        self.readable = false;
        self.writable = false;
        self.read_closed = false;
    }

    /// Sends a connection's ZAP request to the handler bound at `zap::ENDPOINT` over a
    /// pipe of its own (a REQ-style envelope: an empty delimiter first); without a
    /// handler the session is told so.
    fn zap_request(
        &mut self,
        frames: Vec<Vec<u8>>,
        io_mailbox: &Arc<Mailbox<Command>>,
        now: Instant,
    ) {
        let handler = self
            .opts
            .zap
            .as_ref()
            .and_then(|inproc| inproc.binder(zap::ENDPOINT));
        let Some(handler) = handler else {
            return self.core.zap_unavailable(now);
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
        let last = frames.len().saturating_sub(1);
        for (i, f) in frames.iter().enumerate() {
            let mut m = Msg::from_slice(f);
            m.set_more(i < last);
            mine.write(m);
        }
        theirs.attach(handler.mailbox.clone());
        handler.mailbox.notify(PipeEvent::Attach(theirs));
        if let Some(old) = self.zap.replace(mine) {
            old.close();
        }
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

    /// The worker drops the session: whatever is left goes now.
    pub(super) fn close(&mut self, registry: &Registry) {
        self.core.terminate(Instant::now(), 0);
        while let Some(a) = self.core.poll_action() {
            if let Action::Attach(p) = a {
                p.close();
            }
        }
        self.close_stream(registry, &[]);
        if let Some(z) = self.zap.take() {
            z.close();
        }
    }
}

/// A stream's ends as monitor events name them; libzmq's ws engines say
/// ws[s]://host:port, with the listener's path after both on the accepting side.
fn endpoints(
    opts: &SessionOptions,
    stream: &Stream,
    connected_to: Option<&str>,
) -> crate::monitor::Endpoints {
    let mut ends = crate::monitor::Endpoints::of_stream(Some(stream), connected_to);
    if let Some(ws) = &opts.ws {
        let scheme = if ws.tls { "wss://" } else { "ws://" };
        for name in [&mut ends.local, &mut ends.remote] {
            if let Some(rest) = name.strip_prefix("tcp://") {
                *name = format!("{scheme}{rest}");
                if connected_to.is_none() {
                    name.push_str(&ws.path);
                }
            }
        }
    }
    ends
}

#[cfg(test)]
mod tests {
    use std::os::raw::c_int;
    use std::sync::atomic::Ordering;

    use super::BODY_READS;
    use crate::constants::*;
    use crate::ctx::Ctx;
    use crate::msg::Msg;
    use crate::socket::Socket;

    fn set_int(s: &mut Socket, option: c_int, v: c_int) {
        s.set_option(option, Some(&v.to_ne_bytes()), 4).unwrap();
    }

    fn body(i: usize) -> Vec<u8> {
        // Large bodies of several sizes (more and less than a read buffer), and small
        // ones between them, so that reads start and end anywhere in a frame.
        let size = match i % 5 {
            0 => 200_000,
            1 => 33,
            2 => 70_000,
            3 => 9_000,
            _ => 2_000_000,
        };
        (0..size).map(|j| (j * 13 + i) as u8).collect()
    }

    /// Large bodies are read straight into their messages, and arrive whole and in
    /// order, with the small messages between them.
    fn large_bodies(endpoint: &str) {
        let ctx = Ctx::new();
        let mut pull = Socket::new(ctx.clone(), ZMQ_PULL).unwrap();
        let mut push = Socket::new(ctx.clone(), ZMQ_PUSH).unwrap();
        set_int(&mut pull, ZMQ_RCVTIMEO, 10_000);
        set_int(&mut push, ZMQ_LINGER, 0);
        pull.bind(endpoint).unwrap();
        let mut last = [0u8; 256];
        let n = pull.get_option(ZMQ_LAST_ENDPOINT, &mut last).unwrap();
        push.connect(std::str::from_utf8(&last[..n - 1]).unwrap())
            .unwrap();
        let before = BODY_READS.load(Ordering::Relaxed);
        const COUNT: usize = 60;
        let sender = std::thread::spawn(move || {
            for i in 0..COUNT {
                let more = if i % 3 == 0 { ZMQ_SNDMORE } else { 0 };
                push.send(&mut Msg::from_slice(&body(i)), more).unwrap();
            }
            push.send(&mut Msg::from_slice(b"end"), 0).unwrap();
            push
        });
        for i in 0..COUNT {
            let m = pull.recv(0).unwrap();
            assert_eq!(m.size(), body(i).len(), "message {i}");
            assert!(m.data() == &body(i)[..], "message {i}: contents differ");
        }
        assert_eq!(pull.recv(0).unwrap().data(), b"end");
        let direct = BODY_READS.load(Ordering::Relaxed) - before;
        // Every large body but one that happened to arrive within a single read.
        assert!(
            direct >= COUNT / 2,
            "{direct} direct body reads for {COUNT} messages"
        );
        sender.join().unwrap().close();
        pull.close();
        ctx.terminate();
    }

    #[test]
    fn large_bodies_are_read_into_their_messages_tcp() {
        large_bodies("tcp://127.0.0.1:*");
    }

    #[test]
    fn large_bodies_are_read_into_their_messages_ipc() {
        let dir = crate::sys::fd::TempDir::new();
        large_bodies(&format!("ipc://{}/s", dir.path().display()));
    }
}
