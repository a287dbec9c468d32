//! The socket: what every socket type shares. Options, endpoints, blocking with
//! timeouts, command processing, `ZMQ_EVENTS`/`ZMQ_FD`. The routing rules of each type
//! are a [`Pattern`] (`crate::pattern`).

mod command;
mod endpoint;
mod monitor;

pub use command::Command;
pub use endpoint::parse_endpoint;

use std::ffi::c_int;
use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::constants::*;
use crate::ctx::Ctx;
use crate::error::{Errno, Result};
use crate::inproc::Peer;
use crate::mailbox::Mailbox;
use crate::msg::Msg;
use crate::options::Options;
use crate::pattern::{self, put_int, Pattern, Pipes};
use crate::pipe::{PipeConfig, PipeEnd, PipeEvent, PipeId};
use crate::signaler::Signaler;

/// Listeners being closed in their I/O threads: each answers once its descriptor is
/// closed, normally within microseconds; an I/O thread too busy to answer within a
/// second is not waited for longer.
#[must_use]
pub struct EndpointClosing(Vec<std::sync::mpsc::Receiver<()>>);

impl EndpointClosing {
    pub fn wait(self) {
        let deadline = Instant::now() + Duration::from_secs(1);
        for rx in self.0 {
            let _ = rx.recv_timeout(deadline.saturating_duration_since(Instant::now()));
        }
    }
}

pub struct Socket {
    ctx: Arc<Ctx>,
    id: u64,
    mailbox: Arc<Mailbox<Command>>,
    pub options: Options,
    pipes: Pipes,
    pattern: Box<dyn Pattern>,
    /// The last frame received had ZMQ_RCVMORE.
    rcvmore: bool,
    /// The context is terminating: everything but close fails with ETERM.
    terminated: bool,
    last_endpoint: String,
    /// What zmq_bind and zmq_connect made over tcp, ipc, ws and udp, for zmq_unbind
    /// and zmq_disconnect.
    endpoints: Vec<endpoint::Endpoint>,
    /// `ZMQ_CONNECT_ROUTING_ID` (ROUTER, REP, STREAM): the routing id of the next
    /// connection made, given to its pipe (`PipeEnd::routing_id`) and then forgotten.
    connect_routing_id: Vec<u8>,
    /// zmq_socket_monitor: shared with this socket's listeners and sessions.
    monitor: Arc<crate::monitor::Monitor>,
    /// ZMQ_LINGER, shared with this socket's sessions (see `SocketLink::linger`).
    linger: Arc<std::sync::atomic::AtomicI32>,
    /// Set by `close` (see `SocketLink::closed`).
    closed: Arc<std::sync::atomic::AtomicBool>,
    /// See `SocketLink::disconnected`.
    disconnected: Arc<std::sync::atomic::AtomicBool>,
    /// Listener closes to wait for once the socket's lock is released.
    closing: Vec<std::sync::mpsc::Receiver<()>>,
    /// The wakers of threads asleep in a blocking call, the socket released (see
    /// [`blocking`]).
    parked: Vec<Arc<Signaler>>,
}

impl Socket {
    pub fn new(ctx: Arc<Ctx>, socket_type: c_int) -> Result<Socket> {
        let pattern = pattern::new(socket_type)?;
        let mailbox = Arc::new(Mailbox::new()?);
        let id = ctx.add_socket(mailbox.clone())?;
        let copts = ctx.options();
        let options = Options::new(socket_type, copts.blocky, copts.ipv6);
        let linger = options.linger;
        let mut pattern = pattern;
        pattern.options_changed(&options);
        Ok(Socket {
            options,
            ctx,
            id,
            mailbox,
            pipes: Pipes::default(),
            pattern,
            rcvmore: false,
            terminated: false,
            last_endpoint: String::new(),
            endpoints: Vec::new(),
            connect_routing_id: Vec::new(),
            monitor: Arc::default(),
            linger: Arc::new(std::sync::atomic::AtomicI32::new(linger)),
            closed: Arc::default(),
            disconnected: Arc::default(),
            closing: Vec::new(),
            parked: Vec::new(),
        })
    }

    /// Tells this socket from any other live one (its mailbox is its own).
    pub fn identity(&self) -> usize {
        Arc::as_ptr(&self.mailbox) as usize
    }

    pub fn socket_type(&self) -> c_int {
        self.options.socket_type
    }

    fn pipe_config(&self) -> PipeConfig {
        PipeConfig {
            sndhwm: self.options.sndhwm.max(0) as u64,
            rcvhwm: self.options.rcvhwm.max(0) as u64,
            conflate: self.options.effective_conflate(),
        }
    }

    fn as_peer(&self) -> Peer {
        Peer {
            socket_id: self.id,
            mailbox: self.mailbox.clone(),
            config: self.pipe_config(),
            routing_id: self.options.routing_id.clone(),
            hello_msg: self.options.hello().to_vec(),
            disconnect_msg: self.options.disconnect().to_vec(),
        }
    }

    fn check_alive(&self) -> Result<()> {
        if self.terminated {
            return Err(Errno::ETERM);
        }
        Ok(())
    }

    // ---------------------------------------------------------------- commands --

    /// Handles pending commands without waiting. ETERM once the context stops. A quiet
    /// mailbox costs one atomic load: sends and receives check it on every call.
    #[inline]
    fn process_commands(&mut self) -> Result<()> {
        if self.mailbox.is_quiet() {
            self.retire_finished();
            return self.check_alive();
        }
        self.process_pending_commands()
    }

    #[inline(never)]
    fn process_pending_commands(&mut self) -> Result<()> {
        let mut commands = Vec::new();
        self.mailbox.drain(|c| commands.push(c));
        if !commands.is_empty() {
            // Threads asleep in a blocking call on this socket could miss these
            // commands (taken here, their mailbox is quiet again).
            self.wake_parked();
        }
        for cmd in commands {
            match cmd {
                Command::Pipe(PipeEvent::ActivateRead(id)) => {
                    if self.pipes.get(id).is_some() {
                        self.pattern.read_activated(&mut self.pipes, id);
                    }
                }
                Command::Pipe(PipeEvent::ActivateWrite(id)) => {
                    if self.pipes.get(id).is_some() {
                        self.pattern.write_activated(&mut self.pipes, id);
                    }
                }
                Command::Pipe(PipeEvent::Attach(pipe)) => self.attach_pipe(pipe),
                Command::Pipe(PipeEvent::Term(id)) => self.peer_closed(id),
                Command::Pipe(PipeEvent::Hiccup(id)) => {
                    if self.pipes.get(id).is_some() {
                        self.pattern.hiccuped(&mut self.pipes, id);
                    }
                }
                Command::Stop => {
                    self.terminated = true;
                    // As libzmq: the monitor stops with the context.
                    self.monitor.stop();
                }
            }
        }
        self.retire_finished();
        self.check_alive()
    }

    /// Wakes the threads asleep in a blocking call on this socket: something they may
    /// be waiting for changed.
    fn wake_parked(&self) {
        for w in &self.parked {
            w.send();
        }
    }

    fn attach_pipe(&mut self, pipe: PipeEnd) {
        self.wake_parked();
        pipe.attach(self.mailbox.clone());
        let id = pipe.id();
        let closed = pipe.peer_closed();
        self.pipes.insert(pipe);
        self.pattern.attach(&mut self.pipes, id);
        if closed {
            self.peer_closed(id);
        }
    }

    /// The peer closed pipe `id`: it finishes once what it sent has been read.
    fn peer_closed(&mut self, id: PipeId) {
        let Some(p) = self.pipes.get_mut(id) else {
            return;
        };
        if p.is_finished() {
            self.pipes.retire(id);
        } else {
            // Let the pattern read the backlog; reading past it reports the end.
            self.pattern.read_activated(&mut self.pipes, id);
            self.pattern.write_activated(&mut self.pipes, id);
        }
    }

    #[inline]
    fn retire_finished(&mut self) {
        if self.pipes.has_finished() {
            self.retire_finished_pipes();
        }
    }

    #[inline(never)]
    fn retire_finished_pipes(&mut self) {
        loop {
            let done = self.pipes.take_finished();
            if done.is_empty() {
                return;
            }
            for id in done {
                if let Some(p) = self.pipes.remove(id) {
                    p.close();
                    self.pattern.terminated(&mut self.pipes, id);
                }
            }
        }
    }

    /// `zmq_connect_peer`: a PEER's connect, giving the routing id of the peer it makes.
    #[cfg(feature = "draft")]
    pub fn connect_peer(&mut self, uri: &str) -> Result<u32> {
        if self.socket_type() != ZMQ_PEER {
            return Err(Errno::ENOTSUP);
        }
        // libzmq: without a pipe made at once there is no routing id to return.
        if self.options.immediate {
            return Err(Errno::EFAULT);
        }
        self.connect(uri)?;
        self.pattern.last_routing_id().ok_or(Errno::EFAULT)
    }

    /// `zmq_join` / `zmq_leave` (DISH).
    #[cfg(feature = "draft")]
    pub fn membership(&mut self, group: Option<&std::ffi::CStr>, join: bool) -> Result<()> {
        // libzmq goes straight to the socket type: no ETERM after zmq_ctx_shutdown, and
        // ENOTSUP before the group is looked at.
        let _ = self.process_commands();
        if join {
            self.pattern.join(&mut self.pipes, group)
        } else {
            self.pattern.leave(&mut self.pipes, group)
        }
    }

    /// The listeners this socket asked its I/O threads to close since the last call.
    pub fn take_closing(&mut self) -> EndpointClosing {
        EndpointClosing(std::mem::take(&mut self.closing))
    }

    // ---------------------------------------------------------- send and recv --

    fn deadline(timeout_ms: i32) -> Option<Instant> {
        (timeout_ms >= 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64))
    }

    fn remaining(deadline: Option<Instant>) -> Result<Option<Duration>> {
        match deadline {
            None => Ok(None),
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    Err(Errno::EAGAIN)
                } else {
                    Ok(Some(left))
                }
            }
        }
    }

    /// Sends one frame (`ZMQ_SNDMORE` in `flags` for more to come), waiting within
    /// ZMQ_SNDTIMEO unless `ZMQ_DONTWAIT`. On success the frame is taken out of `msg`.
    pub fn send(&mut self, msg: &mut Msg, flags: c_int) -> Result<()> {
        let mut me = self;
        blocking(
            &mut me,
            flags,
            Commands::First,
            |o| o.sndtimeo,
            |s| s.try_send(msg, flags),
        )
    }

    /// Receives one frame, waiting within ZMQ_RCVTIMEO unless `ZMQ_DONTWAIT`.
    pub fn recv(&mut self, flags: c_int) -> Result<Msg> {
        let mut me = self;
        blocking(
            &mut me,
            flags,
            Commands::OnEmpty,
            |o| o.rcvtimeo,
            Socket::try_recv,
        )
    }

    /// One attempt at sending; EAGAIN when it would block.
    pub fn try_send(&mut self, msg: &mut Msg, flags: c_int) -> Result<()> {
        msg.set_more(flags & ZMQ_SNDMORE != 0);
        msg.set_metadata(None);
        let result = self.pattern.send(&mut self.pipes, msg);
        self.retire_finished();
        result
    }

    /// Registers a thread about to sleep on this socket's mailbox without holding the
    /// socket, so that whoever processes its commands meanwhile wakes it.
    fn park(&mut self, waker: &Arc<Signaler>) -> Arc<Mailbox<Command>> {
        self.parked.push(waker.clone());
        self.mailbox.clone()
    }

    fn unpark(&mut self, waker: &Arc<Signaler>) {
        self.parked.retain(|w| !Arc::ptr_eq(w, waker));
    }

    /// One attempt at receiving; EAGAIN when nothing is there.
    pub fn try_recv(&mut self) -> Result<Msg> {
        let result = self.pattern.recv(&mut self.pipes);
        self.retire_finished();
        let msg = result?;
        self.rcvmore = msg.more();
        Ok(msg)
    }

    /// One attempt at receiving into `out`, the caller's message (its old content is
    /// dropped on success, untouched on failure); EAGAIN when nothing is there.
    pub fn try_recv_into(&mut self, out: &mut Msg) -> Result<()> {
        let result = self.pattern.recv_into(&mut self.pipes, out);
        self.retire_finished();
        result?;
        self.rcvmore = out.more();
        Ok(())
    }

    // ------------------------------------------------------------------ events --

    /// `ZMQ_EVENTS`: ZMQ_POLLIN / ZMQ_POLLOUT readiness, after handling pending
    /// commands (which also re-arms `ZMQ_FD`).
    pub fn events(&mut self) -> Result<i16> {
        self.check_alive()?;
        self.process_commands()?;
        let mut ev = 0;
        if self.pattern.has_in(&mut self.pipes) {
            ev |= ZMQ_POLLIN as i16;
        }
        if self.pattern.has_out(&mut self.pipes) {
            ev |= ZMQ_POLLOUT as i16;
        }
        self.retire_finished();
        Ok(ev)
    }

    /// `zmq_socket_get_peer_state`: ZMQ_POLLOUT if a message to the peer could be queued
    /// now; EHOSTUNREACH for an unknown peer; ENOTSUP for socket types without peers by id.
    pub fn peer_state(&mut self, routing_id: &[u8]) -> Result<c_int> {
        // As libzmq: asked of the socket type, even after zmq_ctx_shutdown.
        let _ = self.process_commands();
        self.pattern
            .peer_state(&mut self.pipes, routing_id)
            .unwrap_or(Err(Errno::ENOTSUP))
    }

    /// `ZMQ_FD`: readable when `events` may have changed.
    pub fn fd(&self) -> RawFd {
        self.mailbox.fd()
    }

    // ----------------------------------------------------------------- options --

    /// `zmq_setsockopt`; `value` is `None` for a NULL pointer, which some options take
    /// to mean "clear" (with length `len`).
    pub fn set_option(&mut self, option: c_int, value: Option<&[u8]>, len: usize) -> Result<()> {
        self.check_alive()?;
        let value_or_empty = value.unwrap_or(&[]);
        if let Some(r) = self
            .pattern
            .set_option(&mut self.pipes, option, value_or_empty)
        {
            if option == ZMQ_ROUTER_RAW && r.is_ok() && value_or_empty != [0u8; 4] {
                // As libzmq's router: the connections made from now on are raw, and
                // stay so (turning the option off again does not undo this).
                self.options.raw_socket = true;
                self.options.recv_routing_id = false;
                self.pattern.options_changed(&self.options);
            }
            return r;
        }
        if option == ZMQ_CONNECT_ROUTING_ID
            && matches!(self.socket_type(), ZMQ_ROUTER | ZMQ_REP | ZMQ_STREAM)
        {
            return match value {
                Some(v) if !v.is_empty() => {
                    self.connect_routing_id = v.to_vec();
                    Ok(())
                }
                _ => Err(Errno::EINVAL),
            };
        }
        match value {
            Some(v) => self.options.set(option, v)?,
            None => self.options.set_null(option, len)?,
        }
        if option == ZMQ_SNDHWM || option == ZMQ_RCVHWM {
            // libzmq applies new marks to existing pipes too.
            let c = self.pipe_config();
            for id in self.pipes.ids() {
                if let Some(p) = self.pipes.get(id) {
                    p.set_hwms(c.sndhwm, c.rcvhwm);
                }
                self.pattern.write_activated(&mut self.pipes, id);
            }
            self.wake_parked();
        }
        self.pattern.options_changed(&self.options);
        self.linger
            .store(self.options.linger, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Writes the option into `out`; returns the length written.
    pub fn get_option(&mut self, option: c_int, out: &mut [u8]) -> Result<usize> {
        self.check_alive()?;
        match option {
            ZMQ_RCVMORE => return put_int(out, self.rcvmore as c_int),
            // libzmq: a thread-safe socket has no descriptor to offer.
            ZMQ_FD if pattern::is_thread_safe(self.socket_type()) => return Err(Errno::EINVAL),
            ZMQ_FD => return put_int(out, self.fd()),
            ZMQ_EVENTS => {
                let ev = self.events()? as c_int;
                return put_int(out, ev);
            }
            ZMQ_LAST_ENDPOINT => return put_string(out, &self.last_endpoint),
            ZMQ_THREAD_SAFE => {
                return put_int(out, pattern::is_thread_safe(self.socket_type()) as c_int)
            }
            _ => {}
        }
        if let Some(r) = self.pattern.get_option(option, out) {
            return r;
        }
        self.options.get(option, out)
    }

    // ------------------------------------------------------------------- close --

    /// `zmq_close`: peers can still read what this socket sent before.
    pub fn close(mut self) {
        self.closed.store(true, std::sync::atomic::Ordering::SeqCst);
        for p in self.pipes.drain() {
            p.close();
        }
        // Listeners stop now; connections flush within ZMQ_LINGER as their pipes end.
        self.close_listeners();
        self.take_closing().wait();
        self.mailbox.drain(|c| {
            if let Command::Pipe(PipeEvent::Attach(p)) = c {
                p.close();
            }
        });
        self.ctx.remove_socket(self.id);
    }
}

/// The connection settings libzmq takes from the socket's options.
fn zmtp_config(o: &Options) -> crate::zmtp::Config {
    let ms = |v: c_int| (v > 0).then(|| Duration::from_millis(v as u64));
    crate::zmtp::Config {
        socket_type: o.socket_type,
        routing_id: o.routing_id.clone(),
        app_metadata: o
            .app_metadata
            .iter()
            .map(|(k, v)| (String::from_utf8_lossy(k).into_owned(), v.clone()))
            .collect(),
        maxmsgsize: o.maxmsgsize,
        heartbeat_ivl: ms(o.heartbeat_interval),
        heartbeat_ttl: ms(o.heartbeat_ttl as c_int * 100),
        heartbeat_timeout: match o.heartbeat_timeout {
            -1 => None,
            v => Some(Duration::from_millis(v.max(0) as u64)),
        },
        handshake_ivl: ms(o.handshake_ivl),
        out_batch_size: o.effective_out_batch_size(),
        raw: o.raw_socket,
        raw_notify: o.raw_notify,
        zap_domain: o.zap_domain.clone(),
        zap_enforce_domain: o.zap_enforce_domain,
        mechanism: match o.mechanism {
            ZMQ_PLAIN => crate::zmtp::Mechanism::Plain {
                server: o.as_server,
                username: o.plain_username.clone(),
                password: o.plain_password.clone(),
            },
            ZMQ_CURVE => crate::zmtp::Mechanism::Curve {
                server: o.as_server,
                public: o.curve_public_key,
                secret: o.curve_secret_key,
                server_key: o.curve_server_key,
            },
            ZMQ_GSSAPI => crate::zmtp::Mechanism::Gssapi {
                server: o.as_server,
                settings: crate::zmtp::gssapi::Settings {
                    principal: o.gss_principal.clone(),
                    principal_nt: o.gss_principal_nt,
                    service_principal: o.gss_service_principal.clone(),
                    service_principal_nt: o.gss_service_principal_nt,
                    plaintext: o.gss_plaintext,
                },
            },
            _ => crate::zmtp::Mechanism::Null,
        },
        // libzmq refuses ZMTP 1.0/2.0 peers, which cannot authenticate, once ZAP is
        // enabled.
        allow_legacy: !o.zap_enabled(),
        ..Default::default()
    }
}

/// A string option for getsockopt: NUL-terminated; EINVAL if it does not fit.
pub fn put_string(out: &mut [u8], s: &str) -> Result<usize> {
    let n = s.len() + 1;
    let out = out.get_mut(..n).ok_or(Errno::EINVAL)?;
    out[..n - 1].copy_from_slice(s.as_bytes());
    out[n - 1] = 0;
    Ok(n)
}

/// How a blocking call reaches its socket. The C API holds a socket's lock only while
/// it works on it, never while it sleeps, so that other threads may use a thread-safe
/// socket, or close any socket, in the meantime; code that owns a socket outright
/// (the proxy, the monitor) just keeps it.
pub trait Access {
    /// The socket, locked again if it was released; ENOTSOCK if it was closed meanwhile.
    fn socket(&mut self) -> Result<&mut Socket>;
    /// Lets go of the socket while the caller sleeps.
    fn release(&mut self) {}
}

impl Access for &mut Socket {
    fn socket(&mut self) -> Result<&mut Socket> {
        Ok(self)
    }
}

/// When a blocking call handles the socket's pending commands: a send first (libzmq's
/// `send` processes commands, so a pending zmq_ctx_shutdown gives ETERM), a receive
/// only once the socket type found nothing (libzmq's `recv` asks the type first, so a
/// socket that cannot receive says ENOTSUP, or a REQ EFSM, even then).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Commands {
    First,
    OnEmpty,
}

/// Runs `attempt` until it gives something other than EAGAIN, or until the timeout
/// (`timeout(options)`, in ms, -1 = forever) runs out or `ZMQ_DONTWAIT` says not to
/// wait. Commands that arrive meanwhile (new pipes, room, messages, ETERM) are handled
/// before each attempt (the first one: see [`Commands`]).
pub fn blocking<T>(
    access: &mut impl Access,
    flags: c_int,
    commands: Commands,
    timeout: impl Fn(&Options) -> c_int,
    mut attempt: impl FnMut(&mut Socket) -> Result<T>,
) -> Result<T> {
    let sock = access.socket()?;
    sock.check_alive()?;
    if commands == Commands::OnEmpty {
        match attempt(sock) {
            Err(e) if e == Errno::EAGAIN => {}
            other => return other,
        }
    }
    sock.process_commands()?;
    match attempt(sock) {
        Err(e) if e == Errno::EAGAIN => {}
        other => return other,
    }
    let ms = timeout(&sock.options);
    if flags & ZMQ_DONTWAIT != 0 || ms == 0 {
        return Err(Errno::EAGAIN);
    }
    let deadline = Socket::deadline(ms);
    let waker = thread_waker()?;
    loop {
        let left = Socket::remaining(deadline)?;
        let mailbox = access.socket()?.park(&waker);
        access.release();
        let woke = crate::signaler::wait_any_readable(&[mailbox.fd(), waker.fd()], left);
        let sock = access.socket()?;
        sock.unpark(&waker);
        match woke {
            // The waker did not fire: nothing to reset.
            Ok(bits) if bits & 2 == 0 => {}
            _ => {
                waker.reset();
            }
        }
        woke?;
        sock.process_commands()?;
        match attempt(sock) {
            Err(e) if e == Errno::EAGAIN => {}
            other => return other,
        }
    }
}

/// This thread's waker for [`blocking`] calls: its own eventfd, which nobody else
/// resets, so a wake-up meant for it cannot be taken by another thread.
fn thread_waker() -> Result<Arc<Signaler>> {
    thread_local! {
        static WAKER: std::cell::OnceCell<Arc<Signaler>> = const { std::cell::OnceCell::new() };
    }
    WAKER.with(|w| match w.get() {
        Some(s) => Ok(s.clone()),
        None => {
            let s = Arc::new(Signaler::new()?);
            let _ = w.set(s.clone());
            Ok(s)
        }
    })
}

#[cfg(test)]
mod tests;
