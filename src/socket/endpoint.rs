//! Endpoints: what `zmq_bind` and `zmq_connect` make, per transport, and how
//! `zmq_unbind` / `zmq_disconnect` find it again.
//!
//! As in libzmq, unbind and disconnect are one operation on one table (libzmq's
//! `_endpoints`): a tcp/ipc listener is known by its resolved address (its
//! ZMQ_LAST_ENDPOINT), a connection and a udp endpoint by the endpoint as given, and a
//! tcp name that matches nothing is resolved (as a peer's, then as a local address)
//! and tried again. So either call ends either kind. inproc names live in the
//! context: a bound one is withdrawn, else the pipes connected under that name end.

use std::ffi::c_int;
use std::sync::Arc;

use super::{zmtp_config, Socket};
use crate::constants::*;
use crate::error::{Errno, Result};
use crate::inproc::PendingConnect;
use crate::io::{self as io_thread, IoCommand, SessionOptions, SocketLink};
use crate::mailbox::Mailbox;
use crate::msg::Msg;
use crate::pipe::{self, PipeEvent};
use crate::transport::{self, ip, Listener, Target};

/// Something a bind or connect started in an I/O thread.
pub(super) struct Endpoint {
    /// The name unbind/disconnect know it by (see the module's doc).
    key: String,
    /// Its listener or session in the I/O thread.
    id: u64,
    io: Arc<Mailbox<io_thread::Command>>,
    listener: bool,
}

/// `proto://address`, split; EINVAL when either part is missing (libzmq's parse_uri).
pub fn parse_endpoint(uri: &str) -> Result<(&str, &str)> {
    let (proto, addr) = uri.split_once("://").ok_or(Errno::EINVAL)?;
    if proto.is_empty() || addr.is_empty() {
        return Err(Errno::EINVAL);
    }
    Ok((proto, addr))
}

/// libzmq's `check_protocol`: transports this build lacks (vmci; pgm and epgm where
/// OpenPGM does not load, norm where libnorm does not) and unknown ones are
/// EPROTONOSUPPORT; udp is for RADIO, DISH
/// and DGRAM only, the multicast transports for PUB, XPUB, SUB and XSUB.
fn check_protocol(proto: &str, socket_type: c_int) -> Result<()> {
    match proto {
        "inproc" | "ipc" | "tcp" | "tipc" => Ok(()),
        // Draft transports in libzmq 4.3.5: its build without drafts has no ws.
        "ws" | "wss" if cfg!(feature = "draft") => Ok(()),
        "udp"
            if udp_roles(socket_type, true).is_some()
                || udp_roles(socket_type, false).is_some() =>
        {
            Ok(())
        }
        "udp" => Err(Errno::ENOCOMPATPROTO),
        "pgm" | "epgm" if crate::sys::pgm::available() => multicast_receiver(socket_type)
            .map(drop)
            .ok_or(Errno::ENOCOMPATPROTO),
        "norm" if crate::sys::norm::available() => multicast_receiver(socket_type)
            .map(drop)
            .ok_or(Errno::ENOCOMPATPROTO),
        _ => Err(Errno::EPROTONOSUPPORT),
    }
}

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

/// Types for which a second zmq_connect to an endpoint already connected does nothing
/// (libzmq: "no valid use for multiple connects").
fn single_connect(socket_type: c_int) -> bool {
    matches!(socket_type, ZMQ_DEALER | ZMQ_SUB | ZMQ_PUB | ZMQ_REQ)
}

impl Socket {
    pub fn bind(&mut self, uri: &str) -> Result<()> {
        self.check_alive()?;
        self.process_commands()?;
        let (proto, addr) = parse_endpoint(uri)?;
        check_protocol(proto, self.socket_type())?;
        match proto {
            "inproc" => self.bind_inproc(uri),
            "udp" => self.open_udp(addr, uri, true),
            // As libzmq: a bind is a connect on the multicast transports.
            "pgm" | "epgm" => self.open_pgm(proto, addr, uri),
            "norm" => self.open_norm(addr, uri),
            _ => self.bind_wire(proto, addr),
        }
    }

    pub fn connect(&mut self, uri: &str) -> Result<()> {
        self.check_alive()?;
        self.process_commands()?;
        let (proto, addr) = parse_endpoint(uri)?;
        check_protocol(proto, self.socket_type())?;
        if proto == "inproc" {
            self.connect_inproc(uri);
            return Ok(());
        }
        if single_connect(self.socket_type()) && self.endpoints.iter().any(|e| e.key == uri) {
            return Ok(());
        }
        match proto {
            "udp" => self.open_udp(addr, uri, false),
            "pgm" | "epgm" => self.open_pgm(proto, addr, uri),
            "norm" => self.open_norm(addr, uri),
            _ => self.connect_wire(proto, addr, uri),
        }
    }

    /// zmq_unbind.
    pub fn unbind(&mut self, uri: &str) -> Result<()> {
        self.disconnect(uri)
    }

    /// zmq_disconnect: the same as zmq_unbind, as in libzmq.
    pub fn disconnect(&mut self, uri: &str) -> Result<()> {
        self.term_endpoint(uri)?;
        if self.options.reconnect_stop & crate::session::STOP_AFTER_DISCONNECT != 0 {
            self.disconnected
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    }

    fn term_endpoint(&mut self, uri: &str) -> Result<()> {
        self.check_alive()?;
        self.process_commands()?;
        let (proto, addr) = parse_endpoint(uri)?;
        check_protocol(proto, self.socket_type())?;
        if proto == "inproc" {
            if self.ctx.inproc().unbind(uri, self.id).is_ok() {
                return Ok(());
            }
            return if self.end_pipes_of(uri) {
                Ok(())
            } else {
                Err(Errno::ENOENT)
            };
        }
        let key = if proto == "tcp" {
            self.tcp_key(uri, addr)
        } else {
            uri.to_owned()
        };
        let (ended, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.endpoints)
            .into_iter()
            .partition(|e| e.key == key);
        self.endpoints = kept;
        if ended.is_empty() {
            return Err(Errno::ENOENT);
        }
        for e in &ended {
            self.close_endpoint(e);
        }
        self.end_pipes_of(&key);
        Ok(())
    }

    /// The key a tcp endpoint given to unbind/disconnect finds: itself if known, else
    /// its address resolved as a peer's, else as a local one (libzmq's
    /// `resolve_tcp_addr`: "tcp://localhost:5555" finds "tcp://127.0.0.1:5555").
    fn tcp_key(&self, uri: &str, addr: &str) -> String {
        let known = |k: &str| self.endpoints.iter().any(|e| e.key == k);
        if known(uri) {
            return uri.to_owned();
        }
        let ipv6 = self.options.ipv6;
        let Ok((peer, _)) = ip::resolve_tcp(addr, false, ipv6) else {
            return uri.to_owned();
        };
        let key = ip::tcp_endpoint(&peer);
        if known(&key) {
            return key;
        }
        match ip::resolve_tcp(addr, true, ipv6) {
            Ok((local, _)) => ip::tcp_endpoint(&local),
            Err(_) => key,
        }
    }

    /// Ends the pipes connected under `name`; whether there were any.
    fn end_pipes_of(&mut self, name: &str) -> bool {
        let ids: Vec<_> = self
            .pipes
            .ids()
            .into_iter()
            .filter(|&id| {
                self.pipes
                    .get(id)
                    .is_some_and(|p| p.endpoint.as_deref() == Some(name))
            })
            .collect();
        let any = !ids.is_empty();
        for id in ids {
            self.pipes.retire(id);
        }
        self.retire_finished();
        any
    }

    // ------------------------------------------------------------------ inproc --

    fn bind_inproc(&mut self, uri: &str) -> Result<()> {
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
        self.last_endpoint = uri.to_owned();
        Ok(())
    }

    fn connect_inproc(&mut self, uri: &str) {
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
    }

    // ---------------------------------------------------------------- tcp, ipc --

    fn link(&self) -> SocketLink {
        SocketLink {
            socket_id: self.id,
            mailbox: self.mailbox.clone(),
            monitor: self.monitor.clone(),
            linger: self.linger.clone(),
            closed: self.closed.clone(),
            disconnected: self.disconnected.clone(),
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
            in_batch_size: o.effective_in_batch_size(),
            zero_copy: self.ctx.options().zero_copy,
            tcp_accept_filters: o.tcp_accept_filters.clone(),
            ipc_filters: (
                o.ipc_uid_accept_filters.iter().copied().collect(),
                o.ipc_gid_accept_filters.iter().copied().collect(),
                o.ipc_pid_accept_filters.iter().copied().collect(),
            ),
            tuning: self.options.tcp_tuning(),
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

    fn bind_wire(&mut self, proto: &str, addr: &str) -> Result<()> {
        // As libzmq: the I/O thread is chosen (ZMQ_AFFINITY) before the address is read.
        let io = self.ctx.io_mailbox(self.options.affinity)?;
        let (listener, bound) = if self.options.use_fd != -1 && matches!(proto, "tcp" | "ipc") {
            // ZMQ_USE_FD: the application bound the descriptor itself.
            Listener::from_fd(self.options.use_fd, proto == "ipc")?
        } else {
            let ipv6 = self.options.ipv6;
            let (address, private_dir) = match proto {
                "tcp" => transport::tcp_bind_address(addr, ipv6).map(|a| (a, None)),
                "ipc" => transport::ipc_bind_address(addr),
                "tipc" => {
                    transport::tipc::bind_address(addr).map(|t| (transport::Address::Tipc(t), None))
                }
                _ => transport::ws::bind_address(addr, proto == "wss", ipv6)
                    .map(|w| (transport::Address::Ws(w), None)),
            }
            .inspect_err(|&e| self.bind_failed(addr, e))?;
            match Listener::bind(&address, &self.options.tcp_tuning()) {
                Ok((mut listener, bound)) => {
                    if let Some(dir) = private_dir {
                        listener.own_directory(dir);
                    }
                    (listener, bound)
                }
                Err(e) => {
                    if let Some(dir) = private_dir {
                        let _ = std::fs::remove_dir(dir);
                    }
                    self.bind_failed(addr, e);
                    return Err(e);
                }
            }
        };
        let opts = self.endpoint_options(&bound, true)?;
        let endpoint = bound.to_endpoint();
        self.listening(&endpoint, listener.raw_fd());
        let id = io_thread::next_endpoint_id();
        io.send(io_thread::Command::Io(Box::new(IoCommand::Listen {
            endpoint_id: id,
            listener,
            endpoint: endpoint.clone(),
            socket: self.link(),
            opts,
        })));
        self.endpoints.push(Endpoint {
            key: endpoint.clone(),
            id,
            io,
            listener: true,
        });
        self.last_endpoint = endpoint;
        // libzmq's socket takes ownership of a new listener or session through its own
        // mailbox, so ZMQ_FD turns readable after a bind or connect; event loops that
        // poll the descriptor at once rely on it.
        self.mailbox.wake();
        Ok(())
    }

    fn connect_wire(&mut self, proto: &str, addr: &str, uri: &str) -> Result<()> {
        let io = self.ctx.io_mailbox(self.options.affinity)?;
        let ipv6 = self.options.ipv6;
        let peer = match proto {
            "tcp" => {
                let target = Target::tcp(addr, ipv6)?;
                if self.options.socks_proxy_address.is_empty() {
                    io_thread::Peer::Direct(target)
                } else {
                    // As libzmq: the destination is not resolved here, the proxy does that.
                    let (host, port) = transport::socks::parse_destination(addr)?;
                    io_thread::Peer::Socks { host, port }
                }
            }
            "ipc" => io_thread::Peer::Direct(Target::Resolved(transport::ipc_address(addr)?)),
            "tipc" => io_thread::Peer::Direct(Target::Resolved(transport::Address::Tipc(
                transport::tipc::connect_address(addr)?,
            ))),
            // As libzmq: a ws/wss address is resolved at zmq_connect.
            _ => io_thread::Peer::Direct(Target::Resolved(transport::Address::Ws(
                transport::ws::connect_address(addr, proto == "wss", ipv6)?,
            ))),
        };
        // libzmq reports a tipc address as it resolved it, others as given.
        let last_endpoint = match &peer {
            io_thread::Peer::Direct(Target::Resolved(a @ transport::Address::Tipc(_))) => {
                a.to_endpoint()
            }
            _ => uri.to_owned(),
        };
        let opts = match &peer {
            io_thread::Peer::Direct(Target::Resolved(a)) => self.endpoint_options(a, false)?,
            io_thread::Peer::Direct(Target::Tcp { .. }) | io_thread::Peer::Socks { .. } => {
                self.session_options()
            }
        };
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
        self.endpoints.push(Endpoint {
            key: uri.to_owned(),
            id,
            io,
            listener: false,
        });
        self.last_endpoint = last_endpoint;
        self.mailbox.wake();
        Ok(())
    }

    /// `udp://`: a DISH (or DGRAM) binds where datagrams arrive, a RADIO connects
    /// where they go; other pairings (and other types) are ENOCOMPATPROTO, as in libzmq.
    fn open_udp(&mut self, addr: &str, uri: &str, bind: bool) -> Result<()> {
        let (send, receive) = udp_roles(self.socket_type(), bind).ok_or(Errno::ENOCOMPATPROTO)?;
        let io = self.ctx.io_mailbox(self.options.affinity)?;
        let address = transport::udp::resolve(addr, bind, self.options.ipv6)?;
        let o = &self.options;
        let udp_options = transport::udp::UdpOptions {
            multicast_loop: o.multicast_loop,
            multicast_hops: o.multicast_hops,
            bound_device: o.bound_device.clone(),
        };
        let udp =
            transport::udp::open(&address, send, receive, &udp_options).map_err(Errno::from)?;
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
        self.endpoints.push(Endpoint {
            key: uri.to_owned(),
            id,
            io,
            listener: bind,
        });
        // As libzmq, whose udp address prints itself without the scheme.
        self.last_endpoint = addr.to_owned();
        self.mailbox.wake();
        Ok(())
    }

    /// `pgm://` and `epgm://` (OpenPGM, loaded on first use): PUB/XPUB send, SUB/XSUB
    /// receive; nothing is accepted. The PGM
    /// socket is made here, so a network that does not resolve or a raw socket without
    /// privilege fails the call with libzmq's EINVAL (libzmq itself aborts in its I/O
    /// thread then). `check_protocol` has seen that the library loads.
    fn open_pgm(&mut self, proto: &str, addr: &str, uri: &str) -> Result<()> {
        let receiver = multicast_receiver(self.socket_type()).ok_or(Errno::ENOCOMPATPROTO)?;
        let io = self.ctx.io_mailbox(self.options.affinity)?;
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
        self.open_connectionless(io, Box::new(endpoint), uri, mine);
        Ok(())
    }

    /// `norm://[id,][iface;]addr:port` (NRL's libnorm, loaded on first use): as pgm, a
    /// multicast transport for PUB/XPUB and SUB/XSUB where bind is connect; the NORM
    /// session is made here, so a failure is zmq_connect's EINVAL (libzmq aborts).
    fn open_norm(&mut self, addr: &str, uri: &str) -> Result<()> {
        let receiver = multicast_receiver(self.socket_type()).ok_or(Errno::ENOCOMPATPROTO)?;
        let io = self.ctx.io_mailbox(self.options.affinity)?;
        let o = &self.options;
        let n = &o.norm;
        let ep = transport::norm::Endpoint::parse(addr)?;
        let session = crate::sys::norm::Session::open(&crate::sys::norm::Config {
            node_id: ep.node_id,
            interface: ep.interface,
            address: ep.address,
            port: ep.port,
            sender: !receiver,
            multicast_hops: o.multicast_hops,
            tos: o.tos,
            rate: o.rate,
            mode: n.mode,
            unicast_nacks: n.unicast_nacks,
            buffer_size: n.buffer_size,
            segment_size: n.segment_size,
            block_size: n.block_size,
            num_parity: n.num_parity,
            num_autoparity: n.num_autoparity,
            push: n.push,
        })?;
        let maxmsgsize = u64::try_from(o.maxmsgsize).ok();
        let (mut mine, theirs) = pipe::pair(self.pipe_config(), None);
        mine.endpoint = Some(uri.to_owned());
        let endpoint = io_thread::NormEndpoint::new(
            session,
            theirs,
            !receiver,
            maxmsgsize,
            self.linger.clone(),
        );
        self.open_connectionless(io, Box::new(endpoint), uri, mine);
        Ok(())
    }

    /// Hands an endpoint without connections to an I/O thread and its pipe to the
    /// socket's pattern (PUB/XPUB send everything down it: `pattern::subscribes_to_all`).
    fn open_connectionless(
        &mut self,
        io: Arc<Mailbox<io_thread::Command>>,
        endpoint: Box<dyn io_thread::Connectionless>,
        uri: &str,
        mine: pipe::PipeEnd,
    ) {
        self.attach_pipe(mine);
        let id = io_thread::next_endpoint_id();
        io.send(io_thread::Command::Io(Box::new(
            IoCommand::Connectionless {
                endpoint_id: id,
                socket_id: self.id,
                endpoint,
            },
        )));
        self.endpoints.push(Endpoint {
            key: uri.to_owned(),
            id,
            io,
            // Not stopped at close: what is queued goes out within ZMQ_LINGER.
            listener: false,
        });
        self.last_endpoint = uri.to_owned();
        self.mailbox.wake();
    }

    /// Stops an endpoint in its I/O thread. A listener's address can be bound again
    /// once [`super::EndpointClosing::wait`] returns; the caller waits without the
    /// socket's lock (see [`Socket::take_closing`]).
    fn close_endpoint(&mut self, e: &Endpoint) {
        if self.ctx.forked() {
            // No I/O thread here to answer (see `Ctx::forked`).
            return;
        }
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        e.io.send(io_thread::Command::Io(Box::new(IoCommand::Close {
            socket_id: self.id,
            endpoint_id: e.id,
            done: e.listener.then_some(tx),
        })));
        if e.listener {
            self.closing.push(rx);
        }
    }

    /// At close: listeners stop now (connections flush within ZMQ_LINGER as their
    /// pipes end).
    pub(super) fn close_listeners(&mut self) {
        for e in std::mem::take(&mut self.endpoints) {
            if e.listener {
                self.close_endpoint(&e);
            }
        }
    }
}
