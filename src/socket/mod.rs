//! The socket: what every socket type shares. Options, endpoints, blocking with
//! timeouts, command processing, `ZMQ_EVENTS`/`ZMQ_FD`. The routing rules of each type
//! are a [`Pattern`] (`crate::pattern`).

mod command;
mod monitor;
pub mod options;

pub use command::Command;

use std::ffi::c_int;
use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::constants::*;
use crate::ctx::Ctx;
use crate::error::{Errno, Result};
use crate::inproc::{Peer, PendingConnect};
use crate::io::{self as io_thread, IoCommand, SessionOptions, SocketLink};
use crate::mailbox::Mailbox;
use crate::msg::Msg;
use crate::pattern::{self, put_int, Pattern, Pipes};
use crate::pipe::{self, PipeConfig, PipeEnd, PipeEvent, PipeId};
use crate::signaler::Signaler;
use crate::transport::{self, Listener, TcpTuning};
use options::Options;

/// A tcp/ipc endpoint this socket bound or connected, for unbind/disconnect.
struct WireEndpoint {
    /// The resolved endpoint (ZMQ_LAST_ENDPOINT) and the string the caller used.
    endpoint: String,
    given: String,
    id: u64,
    io: Arc<Mailbox<io_thread::Command>>,
    bound: bool,
}

/// Transports libzmq knows; those we do not implement yet give EPROTONOSUPPORT too.
const KNOWN_TRANSPORTS: &[&str] = &[
    "inproc", "tcp", "ipc", "pgm", "epgm", "tipc", "vmci", "norm", "udp", "ws", "wss",
];

/// `proto://address`, split; EINVAL when either part is missing.
pub fn parse_endpoint(uri: &str) -> Result<(&str, &str)> {
    let (proto, addr) = uri.split_once("://").ok_or(Errno::EINVAL)?;
    if proto.is_empty() || addr.is_empty() {
        return Err(Errno::EINVAL);
    }
    if !KNOWN_TRANSPORTS.contains(&proto) {
        return Err(Errno::EPROTONOSUPPORT);
    }
    Ok((proto, addr))
}

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
    /// inproc names this socket bound.
    bound: Vec<String>,
    wire: Vec<WireEndpoint>,
    /// `ZMQ_CONNECT_ROUTING_ID` (ROUTER, REP, STREAM): the routing id of the next
    /// connection made, given to its pipe (`PipeEnd::routing_id`) and then forgotten.
    connect_routing_id: Vec<u8>,
    /// zmq_socket_monitor: shared with this socket's listeners and sessions.
    monitor: Arc<crate::monitor::Monitor>,
    /// ZMQ_LINGER, shared with this socket's sessions (see `SocketLink::linger`).
    linger: Arc<std::sync::atomic::AtomicI32>,
    /// Set by `close` (see `SocketLink::closed`).
    closed: Arc<std::sync::atomic::AtomicBool>,
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
            bound: Vec::new(),
            wire: Vec::new(),
            connect_routing_id: Vec::new(),
            monitor: Arc::default(),
            linger: Arc::new(std::sync::atomic::AtomicI32::new(linger)),
            closed: Arc::default(),
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
            socket_type: self.options.socket_type,
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

    /// Handles pending commands without waiting. ETERM once the context stops.
    fn process_commands(&mut self) -> Result<()> {
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

    fn retire_finished(&mut self) {
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

    // --------------------------------------------------------------- endpoints --

    pub fn bind(&mut self, uri: &str) -> Result<()> {
        self.check_alive()?;
        self.process_commands()?;
        let (proto, addr) = parse_endpoint(uri)?;
        if proto == "udp" {
            return self.open_udp(addr, uri, true);
        }
        if matches!(proto, "pgm" | "epgm") {
            return self.open_pgm(proto, addr, uri, true);
        }
        if proto != "inproc" {
            return self.bind_wire(proto, addr, uri);
        }
        let me = self.as_peer();
        let waiting = self.ctx.inproc().bind(uri, me.clone())?;
        for PendingConnect {
            connector,
            mut pipe,
        } in waiting
        {
            pipe.set_peer_config(me.config, connector.config);
            pipe.peer_routing_id = connector.routing_id;
            pipe.set_peer_disconnect_msg(&me.disconnect_msg);
            if !me.hello_msg.is_empty() {
                pipe.write(Msg::from_slice(&me.hello_msg));
            }
            self.attach_pipe(pipe);
        }
        self.bound.push(uri.to_owned());
        self.last_endpoint = uri.to_owned();
        Ok(())
    }

    pub fn connect(&mut self, uri: &str) -> Result<()> {
        self.check_alive()?;
        self.process_commands()?;
        let (proto, addr) = parse_endpoint(uri)?;
        if proto == "udp" {
            return self.open_udp(addr, uri, false);
        }
        if matches!(proto, "pgm" | "epgm") {
            return self.open_pgm(proto, addr, uri, false);
        }
        if proto != "inproc" {
            return self.connect_wire(proto, addr, uri);
        }
        let me = self.as_peer();
        let mut mine = self.ctx.inproc().connect(uri, |peer| {
            let (mut mine, mut theirs) = pipe::pair(me.config, peer.map(|p| p.config));
            mine.endpoint = Some(uri.to_owned());
            theirs.peer_routing_id = me.routing_id.clone();
            if !me.hello_msg.is_empty() {
                mine.write(Msg::from_slice(&me.hello_msg));
            }
            match peer {
                Some(p) => {
                    mine.peer_routing_id = p.routing_id.clone();
                    theirs.set_peer_disconnect_msg(&p.disconnect_msg);
                    if !p.hello_msg.is_empty() {
                        theirs.write(Msg::from_slice(&p.hello_msg));
                    }
                    theirs.attach(p.mailbox.clone());
                    p.mailbox.notify(PipeEvent::Attach(theirs));
                    (mine, None)
                }
                None => (
                    mine,
                    Some(PendingConnect {
                        connector: me.clone(),
                        pipe: theirs,
                    }),
                ),
            }
        });
        mine.routing_id = std::mem::take(&mut self.connect_routing_id);
        self.attach_pipe(mine);
        self.last_endpoint = uri.to_owned();
        Ok(())
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
    pub fn membership(&mut self, group: &std::ffi::CStr, join: bool) -> Result<()> {
        self.check_alive()?;
        self.process_commands()?;
        if join {
            self.pattern.join(&mut self.pipes, group)
        } else {
            self.pattern.leave(&mut self.pipes, group)
        }
    }

    pub fn unbind(&mut self, uri: &str) -> Result<()> {
        self.check_alive()?;
        self.process_commands()?;
        let (proto, _) = parse_endpoint(uri)?;
        if proto != "inproc" {
            return self.close_wire(uri, true);
        }
        self.ctx.inproc().unbind(uri, self.id)?;
        self.bound.retain(|b| b != uri);
        Ok(())
    }

    pub fn disconnect(&mut self, uri: &str) -> Result<()> {
        self.check_alive()?;
        self.process_commands()?;
        let (proto, _) = parse_endpoint(uri)?;
        if proto != "inproc" {
            self.close_wire(uri, false)?;
        }
        let ids: Vec<_> = self
            .pipes
            .ids()
            .into_iter()
            .filter(|&id| {
                self.pipes
                    .get(id)
                    .is_some_and(|p| p.endpoint.as_deref() == Some(uri))
            })
            .collect();
        if ids.is_empty() && proto == "inproc" {
            return Err(Errno::ENOENT);
        }
        for id in ids {
            self.pipes.retire(id);
        }
        self.retire_finished();
        Ok(())
    }

    // ---------------------------------------------------------------- tcp, ipc --

    fn link(&self) -> SocketLink {
        SocketLink {
            socket_id: self.id,
            mailbox: self.mailbox.clone(),
            config: self.pipe_config(),
            monitor: self.monitor.clone(),
            linger: self.linger.clone(),
            closed: self.closed.clone(),
        }
    }

    fn tuning(&self) -> TcpTuning {
        let o = &self.options;
        TcpTuning {
            sndbuf: o.sndbuf,
            rcvbuf: o.rcvbuf,
            tos: o.tos,
            keepalive: o.tcp_keepalive,
            keepalive_cnt: o.tcp_keepalive_cnt,
            keepalive_idle: o.tcp_keepalive_idle,
            keepalive_intvl: o.tcp_keepalive_intvl,
            backlog: o.backlog,
            maxrt: o.tcp_maxrt,
            bound_device: o.bound_device.clone(),
        }
    }

    /// ZMQ_ROUTER_NOTIFY (draft; ROUTER only): 0 without the draft API.
    fn router_notify(&self) -> c_int {
        #[cfg(feature = "draft")]
        {
            let mut v = [0u8; 4];
            if let Some(Ok(_)) = self.pattern.get_option(ZMQ_ROUTER_NOTIFY, &mut v) {
                return c_int::from_ne_bytes(v);
            }
        }
        0
    }

    fn session_options(&self) -> Arc<SessionOptions> {
        let o = &self.options;
        Arc::new(SessionOptions {
            session: Arc::new(crate::session::Options {
                zmtp: zmtp_config(o),
                reconnect_ivl: o.reconnect_ivl,
                reconnect_ivl_max: o.reconnect_ivl_max,
                reconnect_stop: o.reconnect_stop,
                connect_timeout: o.connect_timeout,
                recv_routing_id: o.recv_routing_id,
                router_notify: self.router_notify(),
                hello_msg: o.hello().to_vec(),
                disconnect_msg: o.disconnect().to_vec(),
                hiccup_msg: o.hiccup().to_vec(),
                pipe_config: self.pipe_config(),
            }),
            tcp_accept_filters: o.tcp_accept_filters.clone(),
            ipc_filters: (
                o.ipc_uid_accept_filters.iter().copied().collect(),
                o.ipc_gid_accept_filters.iter().copied().collect(),
                o.ipc_pid_accept_filters.iter().copied().collect(),
            ),
            tuning: self.tuning(),
            zap: o.zap_enabled().then(|| self.ctx.inproc().clone()),
            socks: (!o.socks_proxy_address.is_empty()).then(|| io_thread::SocksProxy {
                address: String::from_utf8_lossy(&o.socks_proxy_address).into_owned(),
                ipv6: o.ipv6,
                credentials: (!o.socks_proxy_username.is_empty()).then(|| {
                    (
                        o.socks_proxy_username.clone(),
                        o.socks_proxy_password.clone(),
                    )
                }),
            }),
            ws: None,
            tls: None,
        })
    }

    /// The session options of an endpoint: for ws/wss, which side of the upgrade it
    /// is and its TLS configuration (EINVAL for WSS options that cannot be used: no
    /// certificate or key to bind with, say, where libzmq aborts).
    fn endpoint_options(
        &self,
        address: &transport::Address,
        bind: bool,
    ) -> Result<Arc<SessionOptions>> {
        let mut opts = self.session_options();
        let transport::Address::Ws(w) = address else {
            return Ok(opts);
        };
        let o = &self.options;
        let tls = match (w.tls, bind) {
            (false, _) => None,
            (true, true) => Some(transport::tls::server_config(
                &o.wss_cert_pem,
                &o.wss_key_pem,
            )?),
            (true, false) => Some(transport::tls::client_config(
                &o.wss_trust_pem,
                o.wss_trust_system,
                &o.wss_hostname,
            )?),
        };
        if let Some(s) = Arc::get_mut(&mut opts) {
            if let Some(core) = Arc::get_mut(&mut s.session) {
                core.zmtp.ws = Some(if bind {
                    crate::zmtp::WsSide::Server
                } else {
                    crate::zmtp::WsSide::Client {
                        host: w.host_header(),
                        path: w.path.clone(),
                    }
                });
            }
            s.ws = Some(io_thread::WsNames {
                tls: w.tls,
                path: w.path.clone(),
            });
            s.tls = tls;
        }
        Ok(opts)
    }

    fn wire_address(&self, proto: &str, addr: &str, bind: bool) -> Result<transport::Address> {
        match proto {
            "tcp" if bind => transport::tcp_bind_address(addr, self.options.ipv6),
            "tcp" => transport::tcp_connect_address(addr, self.options.ipv6),
            "ipc" => transport::ipc_address(addr, bind),
            "ws" | "wss" if bind => {
                transport::ws::bind_address(addr, proto == "wss", self.options.ipv6)
                    .map(transport::Address::Ws)
            }
            "ws" | "wss" => transport::ws::connect_address(addr, proto == "wss", self.options.ipv6)
                .map(transport::Address::Ws),
            "tipc" if bind => transport::tipc::bind_address(addr).map(transport::Address::Tipc),
            "tipc" => transport::tipc::connect_address(addr).map(transport::Address::Tipc),
            _ => Err(Errno::EPROTONOSUPPORT),
        }
    }

    fn bind_wire(&mut self, proto: &str, addr: &str, uri: &str) -> Result<()> {
        let (listener, bound) = if self.options.use_fd != -1 && matches!(proto, "tcp" | "ipc") {
            // ZMQ_USE_FD: the application bound the descriptor itself.
            Listener::from_fd(self.options.use_fd, proto == "ipc")?
        } else {
            let address = self
                .wire_address(proto, addr, true)
                .inspect_err(|&e| self.bind_failed(addr, e))?;
            Listener::bind(&address, &self.tuning()).inspect_err(|&e| self.bind_failed(addr, e))?
        };
        let opts = self.endpoint_options(&bound, true)?;
        let endpoint = bound.to_endpoint();
        self.listening(&endpoint, listener.raw_fd());
        let io = self.ctx.io_mailbox()?;
        let id = io_thread::next_endpoint_id();
        io.send(io_thread::Command::Io(Box::new(IoCommand::Listen {
            endpoint_id: id,
            listener,
            endpoint: endpoint.clone(),
            socket: self.link(),
            opts,
        })));
        self.wire.push(WireEndpoint {
            endpoint: endpoint.clone(),
            given: uri.to_owned(),
            id,
            io,
            bound: true,
        });
        self.last_endpoint = endpoint;
        // libzmq's socket takes ownership of a new listener or session through its own
        // mailbox, so ZMQ_FD turns readable after a bind or connect; event loops that
        // poll the descriptor at once rely on it.
        self.mailbox.wake();
        Ok(())
    }

    fn connect_wire(&mut self, proto: &str, addr: &str, uri: &str) -> Result<()> {
        let peer = if proto == "tcp" && !self.options.socks_proxy_address.is_empty() {
            // As libzmq: the destination is not resolved here, the proxy does that.
            let (host, port) = transport::socks::parse_destination(addr)?;
            io_thread::Peer::Socks { host, port }
        } else {
            io_thread::Peer::Direct(self.wire_address(proto, addr, false)?)
        };
        let opts = match &peer {
            io_thread::Peer::Direct(a) => self.endpoint_options(a, false)?,
            io_thread::Peer::Socks { .. } => self.session_options(),
        };
        // libzmq reports a tipc address as it resolved it, others as given.
        let last_endpoint = match &peer {
            io_thread::Peer::Direct(a @ transport::Address::Tipc(_)) => a.to_endpoint(),
            _ => uri.to_owned(),
        };
        let io = self.ctx.io_mailbox()?;
        // The pipe exists from now on, so messages (and subscriptions) queue before the
        // connection does, unless ZMQ_IMMEDIATE asks to wait for it. A ROUTER learns the
        // peer's routing id in-band after each handshake; a STREAM's routing id exists
        // from zmq_connect on; SUB/XSUB resend subscriptions after a reconnect (hiccup).
        let persistent = !self.options.immediate;
        let routing_id = std::mem::take(&mut self.connect_routing_id);
        let pipe = if persistent {
            let (mut mine, theirs) = pipe::pair(self.pipe_config(), None);
            mine.endpoint = Some(uri.to_owned());
            mine.routing_id = routing_id.clone();
            self.attach_pipe(mine);
            Some(theirs)
        } else {
            None
        };
        let id = io_thread::next_endpoint_id();
        io.send(io_thread::Command::Io(Box::new(IoCommand::Connect {
            endpoint_id: id,
            peer,
            endpoint: uri.to_owned(),
            socket: self.link(),
            opts,
            pipe,
            routing_id,
        })));
        self.wire.push(WireEndpoint {
            endpoint: uri.to_owned(),
            given: uri.to_owned(),
            id,
            io,
            bound: false,
        });
        self.last_endpoint = last_endpoint;
        self.mailbox.wake();
        Ok(())
    }

    /// `udp://`: a DISH (or DGRAM) binds where datagrams arrive, a RADIO connects
    /// where they go; other pairings (and other types) are ENOCOMPATPROTO, as in libzmq.
    fn open_udp(&mut self, addr: &str, uri: &str, bind: bool) -> Result<()> {
        let (send, receive) = udp_roles(self.socket_type(), bind).ok_or(Errno::ENOCOMPATPROTO)?;
        let address = transport::udp::resolve(addr, bind, self.options.ipv6)?;
        let o = &self.options;
        let udp_options = transport::udp::UdpOptions {
            multicast_loop: o.multicast_loop,
            multicast_hops: o.multicast_hops,
            bound_device: o.bound_device.clone(),
        };
        let udp =
            transport::udp::open(&address, send, receive, &udp_options).map_err(Errno::from)?;
        let io = self.ctx.io_mailbox()?;
        let (mut mine, theirs) = pipe::pair(self.pipe_config(), None);
        // RADIO sends everything down a pipe to a udp:// endpoint (see `Radio::attach`).
        mine.endpoint = Some(uri.to_owned());
        self.attach_pipe(mine);
        let id = io_thread::next_endpoint_id();
        io.send(io_thread::Command::Io(Box::new(IoCommand::Udp {
            endpoint_id: id,
            socket_id: self.id,
            udp,
            mode: match (send, receive) {
                (true, false) => io_thread::UdpMode::Send(address.target),
                (false, _) => io_thread::UdpMode::Receive,
                (true, true) => io_thread::UdpMode::Raw,
            },
            pipe: theirs,
        })));
        self.wire.push(WireEndpoint {
            endpoint: uri.to_owned(),
            given: uri.to_owned(),
            id,
            io,
            bound: bind,
        });
        // As libzmq, whose udp address prints itself without the scheme.
        self.last_endpoint = addr.to_owned();
        self.mailbox.wake();
        Ok(())
    }

    /// `pgm://` and `epgm://` (OpenPGM, loaded on first use): PUB/XPUB send, SUB/XSUB
    /// receive, and a bind is a connect, as in libzmq (nothing is accepted). The PGM
    /// socket is made here, so a network that does not resolve or a raw socket without
    /// privilege fails the call with libzmq's EINVAL (libzmq itself aborts in its I/O
    /// thread then). Without the library: EPROTONOSUPPORT, as a libzmq built without.
    fn open_pgm(&mut self, proto: &str, addr: &str, uri: &str, bind: bool) -> Result<()> {
        if !crate::sys::pgm::available() {
            return Err(Errno::EPROTONOSUPPORT);
        }
        let receiver = multicast_receiver(self.socket_type()).ok_or(Errno::ENOCOMPATPROTO)?;
        let (network, port) = transport::pgm::parse(addr)?;
        let o = &self.options;
        let sock = crate::sys::pgm::Socket::open(&crate::sys::pgm::Config {
            udp: proto == "epgm",
            network,
            port,
            receiver,
            rate: o.rate,
            recovery_ivl: o.recovery_ivl,
            multicast_hops: o.multicast_hops,
            maxtpdu: o.multicast_maxtpdu,
            sndbuf: o.sndbuf,
            rcvbuf: o.rcvbuf,
        })?;
        let maxmsgsize = u64::try_from(o.maxmsgsize).ok();
        let (mut mine, theirs) = pipe::pair(self.pipe_config(), None);
        mine.endpoint = Some(uri.to_owned());
        let endpoint =
            io_thread::PgmEndpoint::new(sock, theirs, receiver, maxmsgsize, self.linger.clone());
        self.open_connectionless(Box::new(endpoint), uri, bind, mine)
    }

    /// Hands an endpoint without connections to an I/O thread and its pipe to the
    /// socket's pattern (PUB/XPUB send everything down it: `pattern::subscribes_to_all`).
    fn open_connectionless(
        &mut self,
        endpoint: Box<dyn io_thread::Connectionless>,
        uri: &str,
        bind: bool,
        mine: PipeEnd,
    ) -> Result<()> {
        let io = self.ctx.io_mailbox()?;
        self.attach_pipe(mine);
        let id = io_thread::next_endpoint_id();
        io.send(io_thread::Command::Io(Box::new(
            IoCommand::Connectionless {
                endpoint_id: id,
                socket_id: self.id,
                endpoint,
            },
        )));
        self.wire.push(WireEndpoint {
            endpoint: uri.to_owned(),
            given: uri.to_owned(),
            id,
            io,
            bound: bind,
        });
        self.last_endpoint = uri.to_owned();
        self.mailbox.wake();
        Ok(())
    }

    /// zmq_unbind / zmq_disconnect of a tcp or ipc endpoint; ENOENT if there is none.
    fn close_wire(&mut self, uri: &str, bound: bool) -> Result<()> {
        // A bound endpoint is known by its resolved name only (unbinding "tcp://*:*"
        // fails, as in libzmq); a connected one by the name given.
        let i = self
            .wire
            .iter()
            .position(|w| {
                w.bound == bound
                    && if bound {
                        w.endpoint == uri
                    } else {
                        w.given == uri
                    }
            })
            .ok_or(Errno::ENOENT)?;
        let w = self.wire.remove(i);
        self.close_endpoint(&w);
        Ok(())
    }

    /// Stops an endpoint in its I/O thread. A listener's address can be bound again
    /// once [`EndpointClosing::wait`] returns; the caller waits without the socket's
    /// lock (see [`Socket::take_closing`]).
    fn close_endpoint(&mut self, w: &WireEndpoint) {
        if self.ctx.forked() {
            // No I/O thread here to answer (see `Ctx::forked`).
            return;
        }
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        w.io.send(io_thread::Command::Io(Box::new(IoCommand::Close {
            socket_id: self.id,
            endpoint_id: w.id,
            done: w.bound.then_some(tx),
        })));
        if w.bound {
            self.closing.push(rx);
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
        blocking(&mut me, flags, |o| o.sndtimeo, |s| s.try_send(msg, flags))
    }

    /// Receives one frame, waiting within ZMQ_RCVTIMEO unless `ZMQ_DONTWAIT`.
    pub fn recv(&mut self, flags: c_int) -> Result<Msg> {
        let mut me = self;
        blocking(&mut me, flags, |o| o.rcvtimeo, Socket::try_recv)
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
        self.check_alive()?;
        self.process_commands()?;
        self.pattern
            .peer_state(&mut self.pipes, routing_id)
            .unwrap_or(Err(Errno::ENOTSUP))
    }

    /// `ZMQ_FD`: readable when `events` may have changed.
    pub fn fd(&self) -> RawFd {
        self.mailbox.fd()
    }

    /// Waits until something may have changed for this socket, up to `timeout`.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<bool> {
        self.mailbox.wait(timeout)
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
        for w in std::mem::take(&mut self.wire) {
            if w.bound {
                self.close_endpoint(&w);
            }
        }
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
/// Whether a socket of this type receives (`Some(true)`) or sends on a multicast
/// transport (pgm, epgm, norm); `None` where libzmq refuses (ENOCOMPATPROTO).
fn multicast_receiver(socket_type: c_int) -> Option<bool> {
    match socket_type {
        ZMQ_PUB | ZMQ_XPUB => Some(false),
        ZMQ_SUB | ZMQ_XSUB => Some(true),
        _ => None,
    }
}

/// Whether a socket of this type sends and receives on a `udp://` endpoint it binds
/// (`bind`) or connects; `None` where libzmq refuses.
fn udp_roles(socket_type: c_int, bind: bool) -> Option<(bool, bool)> {
    #[cfg(feature = "draft")]
    {
        match socket_type {
            ZMQ_RADIO if !bind => Some((true, false)),
            ZMQ_DISH if bind => Some((false, true)),
            ZMQ_DGRAM if bind => Some((true, true)),
            _ => None,
        }
    }
    #[cfg(not(feature = "draft"))]
    {
        let _ = (socket_type, bind);
        None
    }
}

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
        out_batch_size: (o.out_batch_size.max(1) as usize).max(64 * 1024),
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

/// Runs `attempt` until it gives something other than EAGAIN, or until the timeout
/// (`timeout(options)`, in ms, -1 = forever) runs out or `ZMQ_DONTWAIT` says not to
/// wait. Commands that arrive meanwhile (new pipes, room, messages, ETERM) are handled
/// before each attempt.
pub fn blocking<T>(
    access: &mut impl Access,
    flags: c_int,
    timeout: impl Fn(&Options) -> c_int,
    mut attempt: impl FnMut(&mut Socket) -> Result<T>,
) -> Result<T> {
    let sock = access.socket()?;
    sock.check_alive()?;
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
        waker.reset();
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
