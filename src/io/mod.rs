//! I/O threads: mio event loops that own listeners and connections (sessions).
//!
//! A socket hands a listener or a connect request to an I/O thread through the thread's
//! mailbox (the same `Mailbox` sockets use; its eventfd is registered with mio). Each
//! session drives one [`zmtp::Connection`](crate::zmtp::Connection) over one stream and
//! moves messages between it and a pipe to the socket. Pipes wake the I/O thread with
//! the same batched `ActivateRead`/`ActivateWrite` commands they send to sockets.

mod connectionless;
mod lane;
mod norm;
mod pgm;
mod session;
mod udp;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};

use crate::error::Result;
use crate::mailbox::Mailbox;
use crate::pipe::{Owner, PipeEnd, PipeEvent, PipeId};
use crate::sys::thread;
use crate::transport::{Listener, Target};
pub use connectionless::Connectionless;
use lane::Lane;
pub use norm::NormEndpoint;
pub use pgm::PgmEndpoint;
use session::{Session, Step};
use udp::UdpEndpoint;
pub use udp::UdpMode;

/// The socket a listener or session works for.
#[derive(Debug, Clone)]
pub struct SocketLink {
    pub socket_id: u64,
    /// Where the socket hears of new pipes and hiccups.
    pub mailbox: Arc<dyn Owner>,
    /// Where the socket's monitor events go (`crate::monitor`).
    pub monitor: Arc<crate::monitor::Monitor>,
    /// The socket's ZMQ_LINGER as it is now: libzmq applies the value current when
    /// the socket closes, not the one at connect time.
    pub linger: Arc<std::sync::atomic::AtomicI32>,
    /// Set by zmq_close before the socket closes its pipes: ZMQ_LINGER applies to
    /// what they hold. A pipe the socket drops while open is flushed without limit.
    pub closed: Arc<std::sync::atomic::AtomicBool>,
    /// Set by a zmq_disconnect or zmq_unbind made with ZMQ_RECONNECT_STOP_AFTER_DISCONNECT:
    /// from then on the socket's ipc connects that are refused are not tried again (as
    /// libzmq's ipc connecter; its tcp connecter ignores the flag).
    pub disconnected: Arc<std::sync::atomic::AtomicBool>,
}

/// What a listener and its sessions need to know of the socket's options, copied at
/// bind/connect time as libzmq does.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// What the session state machine needs.
    pub session: Arc<crate::session::Options>,
    /// ZMQ_IN_BATCH_SIZE: how much a connection reads at once (a raw connection's
    /// messages are at most this long).
    pub in_batch_size: usize,
    /// The context's ZMQ_ZERO_COPY_RECV: received bodies point into the read buffer.
    pub zero_copy: bool,
    pub tcp_accept_filters: Vec<crate::transport::accept_filter::TcpAcceptFilter>,
    /// ZMQ_IPC_FILTER_UID / _GID / _PID.
    pub ipc_filters: (Vec<u32>, Vec<u32>, Vec<i32>),
    pub tuning: crate::transport::TcpTuning,
    /// With ZMQ_ZAP_DOMAIN set: the context's inproc endpoints, where the handshake
    /// finds the ZAP handler.
    pub zap: Option<Arc<crate::inproc::Inproc>>,
    /// ZMQ_SOCKS_PROXY for tcp connects, with its credentials.
    pub socks: Option<SocksProxy>,
    /// ws/wss endpoints: what monitor events call the connection's ends.
    pub ws: Option<WsNames>,
    /// wss: TLS on every stream (client or server side).
    pub tls: Option<crate::transport::tls::TlsConfig>,
}

/// How libzmq names a ws/wss connection's ends: the scheme, and for accepted ones
/// the listener's path after each address.
#[derive(Debug, Clone)]
pub struct WsNames {
    pub tls: bool,
    pub path: String,
}

/// A SOCKS5 proxy that tcp connects go through.
#[derive(Debug, Clone)]
pub struct SocksProxy {
    /// `[source;]host:port`, resolved at every attempt (as libzmq does).
    pub address: String,
    /// ZMQ_IPV6, for resolving the proxy's name.
    pub ipv6: bool,
    /// Username and password (RFC 1929), with a username set.
    pub credentials: Option<(Vec<u8>, Vec<u8>)>,
}

/// What a connecter connects to.
#[derive(Debug, Clone)]
pub enum Peer {
    /// Resolved at each connection attempt (tcp; see `transport::Target`).
    Direct(Target),
    /// The destination as given to zmq_connect, through `SessionOptions::socks`: a
    /// name is left for the proxy to resolve.
    Socks { host: String, port: u16 },
}

/// What an I/O thread's mailbox carries.
#[derive(Debug)]
pub enum Command {
    /// Events of the pipes its sessions and udp endpoints own.
    Pipe(PipeEvent),
    Io(Box<IoCommand>),
}

impl From<PipeEvent> for Command {
    fn from(e: PipeEvent) -> Self {
        Command::Pipe(e)
    }
}

#[derive(Debug)]
pub enum IoCommand {
    Listen {
        endpoint_id: u64,
        listener: Listener,
        endpoint: String,
        socket: SocketLink,
        opts: Arc<SessionOptions>,
    },
    Connect {
        endpoint_id: u64,
        peer: Peer,
        endpoint: String,
        socket: SocketLink,
        opts: Arc<SessionOptions>,
        /// The session's end of a pipe made at connect time (messages may queue before
        /// the connection exists); `None`: the pipe is made when the handshake succeeds.
        pipe: Option<PipeEnd>,
        /// ZMQ_CONNECT_ROUTING_ID: the name this socket gives the connection's pipe.
        routing_id: Vec<u8>,
    },
    /// zmq_unbind / zmq_disconnect: stop a listener (and its connections) or a connecter.
    /// `done` is signalled once the listener is closed, so that the caller can bind
    /// the same address again right away.
    Close {
        socket_id: u64,
        endpoint_id: u64,
        done: Option<std::sync::mpsc::SyncSender<()>>,
    },
    /// A `udp://` endpoint: a RADIO's destination, a DISH's or a DGRAM's bound socket.
    Udp {
        endpoint_id: u64,
        socket_id: u64,
        udp: mio::net::UdpSocket,
        mode: UdpMode,
        /// The endpoint's end of the pipe made at bind/connect time.
        pipe: PipeEnd,
    },
    /// Another endpoint without connections (pgm, epgm, norm), made by the socket.
    Connectionless {
        endpoint_id: u64,
        socket_id: u64,
        endpoint: Box<dyn Connectionless>,
    },
    /// The context is terminating: finish lingering sessions, then exit.
    Shutdown,
}

/// A handle on a running I/O thread.
#[derive(Debug)]
pub struct IoThread {
    mailbox: Arc<Mailbox<Command>>,
    handle: Option<JoinHandle<()>>,
}

static NEXT_ENDPOINT_ID: AtomicUsize = AtomicUsize::new(1);

pub fn next_endpoint_id() -> u64 {
    NEXT_ENDPOINT_ID.fetch_add(1, Ordering::Relaxed) as u64
}

/// ZMQ_THREAD_SCHED_POLICY, ZMQ_THREAD_PRIORITY and ZMQ_THREAD_AFFINITY_CPU_*, as
/// the context had them when it started its I/O threads.
#[derive(Debug, Clone, Default)]
pub struct Scheduling {
    pub policy: i32,
    pub priority: i32,
    pub cpus: Vec<i32>,
}

impl Scheduling {
    /// Applies the settings to the calling thread, as libzmq's `thread_t` does in each
    /// thread it starts: the policy with priority 0, or the given priority for
    /// SCHED_FIFO/SCHED_RR; a positive priority under other policies asks for the
    /// lowest nice value; then the CPU set. Where libzmq would abort (no privilege),
    /// the thread keeps its defaults.
    fn apply(&self) {
        let dflt = crate::constants::ZMQ_THREAD_PRIORITY_DFLT;
        if self.policy != crate::constants::ZMQ_THREAD_SCHED_POLICY_DFLT || self.priority != dflt {
            if let Some((mut policy, _)) = thread::scheduling() {
                if self.policy != crate::constants::ZMQ_THREAD_SCHED_POLICY_DFLT {
                    policy = self.policy;
                }
                let realtime = policy == libc::SCHED_FIFO || policy == libc::SCHED_RR;
                let priority = if realtime && self.priority != dflt {
                    self.priority
                } else {
                    0
                };
                thread::set_scheduling(policy, priority);
                if !realtime && self.priority > 0 {
                    thread::nice(-20);
                }
            }
        }
        if !self.cpus.is_empty() {
            thread::set_affinity(&self.cpus);
        }
    }
}

impl IoThread {
    pub fn spawn(name: &str, scheduling: Scheduling) -> Result<IoThread> {
        let mailbox = Arc::new(Mailbox::new()?);
        let mut worker = Worker::new(mailbox.clone())?;
        let handle = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                scheduling.apply();
                worker.run()
            })
            .map_err(crate::error::Errno::from)?;
        Ok(IoThread {
            mailbox,
            handle: Some(handle),
        })
    }

    pub fn send(&self, cmd: IoCommand) {
        self.mailbox.send(Command::Io(Box::new(cmd)));
    }

    pub fn mailbox(&self) -> &Arc<Mailbox<Command>> {
        &self.mailbox
    }

    /// Asks the thread to finish and waits for it.
    pub fn shutdown(mut self) {
        self.send(IoCommand::Shutdown);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

const MAILBOX: Token = Token(0);

enum Entry {
    Listener {
        listener: Listener,
        socket: SocketLink,
        endpoint_id: u64,
        endpoint: String,
        opts: Arc<SessionOptions>,
    },
    Session(Arc<Lane>),
    Connectionless(Box<connectionless::Entry>),
}

pub(crate) struct Worker {
    poll: Poll,
    mailbox: Arc<Mailbox<Command>>,
    entries: Vec<Option<Entry>>,
    free: Vec<usize>,
    /// Which session reads/writes each session-side pipe.
    pipe_owner: HashMap<PipeId, usize>,
    /// Session deadlines, earliest first. An entry is current while the session's
    /// `armed` equals it; others are stale and skipped.
    timers: BinaryHeap<Reverse<(Instant, usize)>>,
    shutting_down: bool,
    /// Sessions that yielded with work left, driven again before the next wait.
    again: Vec<usize>,
    /// Listeners whose accept ran out of descriptors (or memory), and when to try
    /// them again: the readiness edge is spent, so waiting for another event would
    /// leave the connections already queued in the backlog there until a new one came.
    starved: Vec<usize>,
    accept_retry: Option<Instant>,
}

/// How often a listener out of descriptors tries again: libzmq retries at once on
/// its level-triggered poller and burns a core at the limit; this costs ten failed
/// accept calls a second.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

impl Worker {
    fn new(mailbox: Arc<Mailbox<Command>>) -> Result<Worker> {
        let poll = Poll::new()?;
        poll.registry()
            .register(&mut SourceFd(&mailbox.fd()), MAILBOX, Interest::READABLE)?;
        Ok(Worker {
            poll,
            mailbox,
            entries: Vec::new(),
            free: Vec::new(),
            pipe_owner: HashMap::new(),
            timers: BinaryHeap::new(),
            shutting_down: false,
            again: Vec::new(),
            starved: Vec::new(),
            accept_retry: None,
        })
    }

    fn insert(&mut self, e: Entry) -> usize {
        match self.free.pop() {
            Some(i) => {
                self.entries[i] = Some(e);
                i
            }
            None => {
                self.entries.push(Some(e));
                self.entries.len() - 1
            }
        }
    }

    fn next_slot(&self) -> usize {
        self.free.last().copied().unwrap_or(self.entries.len())
    }

    fn token(i: usize) -> Token {
        Token(i + 1)
    }

    /// Runs `f` on session `i` (under its lock); `None` if `i` is no session.
    fn with_session<R>(&self, i: usize, f: impl FnOnce(&mut Session) -> R) -> Option<R> {
        match self.entries.get(i) {
            Some(Some(Entry::Session(s))) => Some(s.with(f)),
            _ => None,
        }
    }

    /// Runs the loop; an internal error (a bug) aborts the process with a message
    /// rather than leaving a dead thread behind sockets that wait for it forever.
    fn run(&mut self) {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.run_loop()));
        if outcome.is_err() {
            crate::error::abort_on_bug("an I/O thread");
        }
    }

    fn run_loop(&mut self) {
        let mut events = Events::with_capacity(256);
        loop {
            let now = Instant::now();
            let timeout = if self.again.is_empty() {
                self.timers
                    .peek()
                    .map(|Reverse((d, _))| *d)
                    .into_iter()
                    .chain(self.accept_retry)
                    .min()
                    .map(|d| d.saturating_duration_since(now))
            } else {
                Some(Duration::ZERO)
            };
            if let Err(e) = self.poll.poll(&mut events, timeout) {
                if e.kind() != io::ErrorKind::Interrupted {
                    return;
                }
            }
            for ev in events.iter() {
                if ev.token() == MAILBOX {
                    continue;
                }
                let i = ev.token().0 - 1;
                match self.entries.get_mut(i) {
                    Some(Some(Entry::Listener { .. })) => self.accept(i),
                    Some(Some(Entry::Session(s))) => {
                        s.lock().readiness(
                            ev.is_readable(),
                            ev.is_writable() || ev.is_write_closed(),
                            ev.is_read_closed(),
                        );
                        self.drive(i);
                    }
                    Some(Some(Entry::Connectionless(_))) => self.drive(i),
                    _ => {}
                }
            }
            for i in std::mem::take(&mut self.again) {
                self.drive(i);
            }
            // A single atomic load when the mailbox is empty.
            self.process_commands();
            self.fire_timers();
            if self.shutting_down && self.entries.iter().all(Option::is_none) {
                return;
            }
        }
    }

    /// Drives the sessions whose deadline has passed, and retries accepting on
    /// listeners that ran out of descriptors.
    fn fire_timers(&mut self) {
        let now = Instant::now();
        if self.accept_retry.is_some_and(|t| t <= now) {
            self.accept_retry = None;
            for i in std::mem::take(&mut self.starved) {
                self.accept(i);
            }
        }
        while let Some(&Reverse((at, i))) = self.timers.peek() {
            if at > now {
                return;
            }
            self.timers.pop();
            if let Some(Some(Entry::Connectionless(c))) = self.entries.get_mut(i) {
                if c.armed == Some(at) {
                    c.armed = None;
                    self.drive(i);
                }
                continue;
            }
            let due = self.with_session(i, |s| {
                if s.armed != Some(at) {
                    return false;
                }
                s.armed = None;
                s.on_timer(now);
                true
            });
            if due == Some(true) {
                self.drive(i);
            }
        }
    }

    /// Keeps the heap holding session `i`'s deadline. Only an earlier deadline is
    /// pushed: a later one waits for the earlier entry to fire and re-arm, so a
    /// deadline that moves on with every message (heartbeats) costs no heap entries.
    fn arm(&mut self, i: usize) {
        let Some(Some(Entry::Connectionless(c))) = self.entries.get_mut(i) else {
            return;
        };
        let Some(d) = c.inner.deadline() else { return };
        if c.armed.is_some_and(|a| a <= d) {
            return;
        }
        c.armed = Some(d);
        self.timers.push(Reverse((d, i)));
    }

    fn process_commands(&mut self) {
        let mut cmds = Vec::new();
        self.mailbox.drain(|c| cmds.push(c));
        for cmd in cmds {
            match cmd {
                Command::Pipe(
                    PipeEvent::ActivateRead(id)
                    | PipeEvent::ActivateWrite(id)
                    | PipeEvent::Term(id),
                ) => {
                    let Some(&i) = self.pipe_owner.get(&id) else {
                        continue;
                    };
                    // Commands for a pipe the session has since dropped (it died with
                    // a connection) are stale.
                    let current = match self.entries.get(i) {
                        Some(Some(Entry::Session(s))) => {
                            let s = s.lock();
                            s.pipe().map(PipeEnd::id) == Some(id) || s.zap_pipe_id() == Some(id)
                        }
                        Some(Some(Entry::Connectionless(c))) => {
                            c.inner.pipe().map(PipeEnd::id) == Some(id)
                        }
                        _ => false,
                    };
                    if !current {
                        self.pipe_owner.remove(&id);
                        continue;
                    }
                    if let Command::Pipe(PipeEvent::Term(_)) = &cmd {
                        // The ZAP handler going away is no reason to end the session:
                        // the handshake waits (until ZMQ_HANDSHAKE_IVL), as in libzmq.
                        self.with_session(i, |s| {
                            if s.pipe().map(PipeEnd::id) == Some(id) {
                                s.socket_closed(Instant::now());
                            }
                        });
                    }
                    self.drive(i);
                }
                Command::Io(io) => self.io_command(*io),
                Command::Pipe(PipeEvent::Attach(p)) => p.close(),
                Command::Pipe(PipeEvent::Hiccup(_)) => {}
            }
        }
    }

    fn io_command(&mut self, cmd: IoCommand) {
        match cmd {
            IoCommand::Listen {
                endpoint_id,
                mut listener,
                endpoint,
                socket,
                opts,
            } => {
                let i = self.next_slot();
                if self
                    .poll
                    .registry()
                    .register(&mut listener, Self::token(i), Interest::READABLE)
                    .is_err()
                {
                    listener.cleanup();
                    return;
                }
                let got = self.insert(Entry::Listener {
                    listener,
                    socket,
                    endpoint_id,
                    endpoint,
                    opts,
                });
                debug_assert_eq!(got, i);
                // Connections may already be waiting.
                self.accept(i);
            }
            IoCommand::Connect {
                endpoint_id,
                peer,
                endpoint,
                socket,
                opts,
                pipe,
                routing_id,
            } => {
                let i = self.next_slot();
                if let Some(p) = &pipe {
                    self.pipe_owner.insert(p.id(), i);
                }
                let s = Session::connecter(
                    Self::token(i),
                    endpoint_id,
                    peer,
                    endpoint,
                    socket,
                    opts,
                    pipe,
                    routing_id,
                );
                // The pipe is attached to the lane now: the socket may have closed
                // before, in which case no PipeTerm could reach us.
                let lane = Lane::new(s, &self.mailbox);
                lane.with(|s| {
                    if s.pipe().is_some_and(PipeEnd::peer_closed) {
                        s.socket_closed(Instant::now());
                    }
                });
                let got = self.insert(Entry::Session(lane));
                debug_assert_eq!(got, i);
                self.drive(i);
            }
            IoCommand::Udp {
                endpoint_id,
                socket_id,
                udp,
                mode,
                pipe,
            } => {
                let u = UdpEndpoint::new(udp, pipe, mode);
                self.add_connectionless(socket_id, endpoint_id, Box::new(u));
            }
            IoCommand::Connectionless {
                endpoint_id,
                socket_id,
                endpoint,
            } => self.add_connectionless(socket_id, endpoint_id, endpoint),
            IoCommand::Close {
                socket_id,
                endpoint_id,
                done,
            } => {
                // The listener stops now (its address can be bound again); its
                // connections, and a connecter's, flush within ZMQ_LINGER as libzmq's
                // terminating sessions do.
                let now = Instant::now();
                for i in 0..self.entries.len() {
                    let (hit, listener) = match &self.entries[i] {
                        Some(Entry::Listener {
                            socket,
                            endpoint_id: e,
                            ..
                        }) => (socket.socket_id == socket_id && *e == endpoint_id, true),
                        Some(Entry::Session(s)) => {
                            let s = s.lock();
                            (
                                s.socket_id() == socket_id && s.endpoint_id() == endpoint_id,
                                false,
                            )
                        }
                        Some(Entry::Connectionless(c)) => (
                            c.socket_id == socket_id && c.endpoint_id == endpoint_id,
                            true,
                        ),
                        None => (false, false),
                    };
                    if !hit {
                        continue;
                    }
                    if listener {
                        self.remove(i);
                    } else if self.with_session(i, |s| s.terminate(now)).is_some() {
                        self.drive(i);
                    }
                }
                if let Some(d) = done {
                    let _ = d.try_send(());
                }
            }
            IoCommand::Shutdown => {
                self.shutting_down = true;
                let now = Instant::now();
                for i in 0..self.entries.len() {
                    if self.with_session(i, |s| s.shutdown(now)).is_some() {
                        self.drive(i);
                    } else if let Some(Some(Entry::Connectionless(c))) = self.entries.get_mut(i) {
                        if c.inner.shutdown(now) {
                            self.remove(i);
                        } else {
                            self.drive(i);
                        }
                    } else {
                        self.remove(i);
                    }
                }
            }
        }
    }

    /// Takes on an endpoint without connections: its pipe's commands come here, its
    /// descriptors wake it.
    fn add_connectionless(
        &mut self,
        socket_id: u64,
        endpoint_id: u64,
        mut c: Box<dyn Connectionless>,
    ) {
        let i = self.next_slot();
        if let Some(p) = c.pipe() {
            p.attach(self.mailbox.clone());
            self.pipe_owner.insert(p.id(), i);
        }
        if c.register(self.poll.registry(), Self::token(i)).is_err() {
            c.close(self.poll.registry());
            self.pipe_owner.retain(|_, &mut v| v != i);
            return;
        }
        let got = self.insert(Entry::Connectionless(Box::new(connectionless::Entry {
            socket_id,
            endpoint_id,
            armed: None,
            inner: c,
        })));
        debug_assert_eq!(got, i);
        self.drive(i);
    }

    fn accept(&mut self, i: usize) {
        loop {
            let Some(Some(Entry::Listener {
                listener,
                socket,
                endpoint_id,
                endpoint,
                opts,
            })) = self.entries.get(i)
            else {
                return;
            };
            let (stream, peer) = match listener.accept() {
                Ok(x) => x,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // A connection reset while queued: the others behind it still wait.
                Err(e) if e.raw_os_error() == Some(libc::ECONNABORTED) => continue,
                Err(e) => {
                    crate::diag::frequent!("{endpoint}: accept failed: {e}");
                    let err = e.raw_os_error().unwrap_or(0);
                    let ends = || crate::monitor::Endpoints::bind(endpoint);
                    socket.monitor.emit(
                        crate::constants::ZMQ_EVENT_ACCEPT_FAILED,
                        err as u64,
                        ends,
                    );
                    // Out of descriptors or memory: retry on a timer (see `starved`).
                    // Anything else: wait for the next readiness event.
                    if matches!(
                        err,
                        libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM
                    ) {
                        if !self.starved.contains(&i) {
                            self.starved.push(i);
                        }
                        self.accept_retry
                            .get_or_insert_with(|| Instant::now() + ACCEPT_RETRY);
                    }
                    return;
                }
            };
            if opts.tcp_filter_rejects(&peer) || opts.ipc_filter_rejects(&stream) {
                crate::diag::event!(
                    "{endpoint}: connection refused by ZMQ_TCP_ACCEPT_FILTER or ZMQ_IPC_FILTER_*"
                );
                continue;
            }
            let stream = match &opts.tls {
                Some(tls) => match stream.into_tls(tls) {
                    Ok(s) => s,
                    Err(_) => continue,
                },
                None => stream,
            };
            let (socket, endpoint_id, endpoint, opts) =
                (socket.clone(), *endpoint_id, endpoint.clone(), opts.clone());
            let j = self.next_slot();
            let mut s = Session::accepted(
                Self::token(j),
                endpoint_id,
                endpoint,
                socket,
                opts,
                (stream, peer),
                Instant::now(),
            );
            if s.register(self.poll.registry()).is_err() {
                continue;
            }
            let got = self.insert(Entry::Session(Lane::new(s, &self.mailbox)));
            debug_assert_eq!(got, j);
            self.drive(j);
        }
    }

    /// Runs a session until it can make no more progress, then handles its outcome.
    fn drive(&mut self, i: usize) {
        if let Some(Some(Entry::Connectionless(c))) = self.entries.get_mut(i) {
            if c.inner.pump(Instant::now()) {
                self.remove(i);
            } else {
                self.arm(i);
            }
            return;
        }
        let Some(Some(Entry::Session(lane))) = self.entries.get(i) else {
            return;
        };
        let mut s = lane.lock();
        let step = s.pump(Instant::now(), self.poll.registry(), &self.mailbox);
        for id in [s.pipe().map(PipeEnd::id), s.zap_pipe_id()]
            .into_iter()
            .flatten()
        {
            self.pipe_owner.insert(id, i);
        }
        // As `arm`, under the same lock.
        if let Some(d) = s.deadline().filter(|_| !matches!(step, Step::Done)) {
            if s.armed.is_none_or(|a| d < a) {
                s.armed = Some(d);
                self.timers.push(Reverse((d, i)));
            }
        }
        // The socket is woken once the lock is gone: its reply may come at once (the
        // woken thread may even preempt this one), and should find the session free
        // to write it (see `lane.rs`).
        let wake = s.publish_pipe();
        drop(s);
        if let Some(wake) = wake {
            wake.send();
        }
        match step {
            Step::Continue => {}
            Step::Yield => {
                if !self.again.contains(&i) {
                    self.again.push(i);
                }
            }
            Step::Done => self.remove(i),
        }
    }

    fn remove(&mut self, i: usize) {
        let Some(entry) = self.entries.get_mut(i).and_then(Option::take) else {
            return;
        };
        match entry {
            Entry::Listener {
                mut listener,
                socket,
                endpoint,
                ..
            } => {
                let _ = self.poll.registry().deregister(&mut listener);
                listener.cleanup();
                let fd = listener.raw_fd() as u64;
                let ends = || crate::monitor::Endpoints::bind(&endpoint);
                socket
                    .monitor
                    .emit(crate::constants::ZMQ_EVENT_CLOSED, fd, ends);
            }
            Entry::Session(lane) => {
                let mut s = lane.lock();
                if let Some(p) = s.pipe() {
                    self.pipe_owner.remove(&p.id());
                }
                s.close(self.poll.registry());
            }
            Entry::Connectionless(mut c) => {
                if let Some(p) = c.inner.pipe() {
                    self.pipe_owner.remove(&p.id());
                }
                c.inner.close(self.poll.registry());
            }
        }
        self.again.retain(|&j| j != i);
        self.free.push(i);
    }
}

impl SessionOptions {
    /// ZMQ_IPC_FILTER_*: with any set, an ipc peer must match one of them.
    fn ipc_filter_rejects(&self, stream: &crate::transport::Stream) -> bool {
        let (uids, gids, pids) = &self.ipc_filters;
        if uids.is_empty() && gids.is_empty() && pids.is_empty() {
            return false;
        }
        match crate::transport::peer_credentials(stream) {
            Some((uid, gid, pid)) => {
                !(uids.contains(&uid) || gids.contains(&gid) || pids.contains(&pid))
            }
            None => false,
        }
    }

    /// ZMQ_TCP_ACCEPT_FILTER: with filters set, only matching peers are accepted.
    fn tcp_filter_rejects(&self, peer: &str) -> bool {
        if self.tcp_accept_filters.is_empty() {
            return false;
        }
        match peer.parse::<std::net::IpAddr>() {
            Ok(ip) => !self.tcp_accept_filters.iter().any(|f| f.matches(&ip)),
            // ipc peers have no address; the tcp filter does not apply to them.
            Err(_) => false,
        }
    }
}
