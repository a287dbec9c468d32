//! Transports that run over the kernel: tcp and ipc (udp in [`udp`], tipc in [`tipc`]).
//! Address parsing and resolution follow libzmq's rules; listeners and streams are mio
//! sources for the I/O threads.

pub mod accept_filter;
pub mod ip;
pub mod norm;
pub mod pgm;
pub mod socks;
pub mod tipc;
pub mod tls;
pub mod udp;
pub mod ws;

use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::path::PathBuf;

use mio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use mio::unix::SourceFd;

use crate::error::{Errno, Result};
use crate::sys::net::set_int_option;

/// Where to bind or connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Tcp {
        addr: SocketAddr,
        source: Option<SocketAddr>,
    },
    Ipc(IpcPath),
    /// `ws://` and `wss://`: tcp underneath.
    Ws(ws::WsAddress),
    Tipc(tipc::TipcAddress),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpcPath {
    File(PathBuf),
    /// Linux abstract namespace (`ipc://@name`).
    Abstract(Vec<u8>),
}

impl Address {
    /// The endpoint string libzmq reports for this address (ZMQ_LAST_ENDPOINT).
    pub fn to_endpoint(&self) -> String {
        match self {
            Address::Tcp { addr, .. } => ip::tcp_endpoint(addr),
            Address::Ipc(IpcPath::File(p)) => format!("ipc://{}", p.display()),
            Address::Ipc(IpcPath::Abstract(n)) => format!("ipc://@{}", String::from_utf8_lossy(n)),
            Address::Ws(w) => w.to_endpoint(),
            Address::Tipc(t) => t.to_endpoint(),
        }
    }
}

/// Resolves `host:port` for udp (see [`ip::resolve`]): `bindable`, a local address
/// (`*`, interface names); `dns`, names may be looked up.
fn resolve_ip(name: &str, bindable: bool, dns: bool, ipv6: bool) -> Result<SocketAddr> {
    ip::resolve(
        name,
        ip::Resolve {
            bindable,
            allow_dns: dns,
            allow_nic_name: bindable,
            ipv6,
            expect_port: true,
        },
    )
}

/// A `tcp://` address for bind: "[source;]host:port", the host local (`*`, an
/// interface, a literal or a name); a source part is read and ignored, as in libzmq.
pub fn tcp_bind_address(addr: &str, ipv6: bool) -> Result<Address> {
    let (addr, _) = ip::resolve_tcp(addr, true, ipv6)?;
    Ok(Address::Tcp { addr, source: None })
}

/// A `tcp://[source;]peer` address to connect to, resolved now (a name is looked up).
pub fn tcp_connect_address(addr: &str, ipv6: bool) -> Result<Address> {
    let (addr, source) = ip::resolve_tcp(addr, false, ipv6)?;
    Ok(Address::Tcp { addr, source })
}

/// Where a connection goes. As libzmq, a tcp address given to zmq_connect is only
/// checked for its form; every connection attempt resolves it anew, so a name that
/// does not resolve yet (a service that starts later) is retried until it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Resolved(Address),
    /// "[source;]host:port" and the socket's ZMQ_IPV6.
    Tcp {
        name: String,
        ipv6: bool,
    },
}

impl Target {
    /// A tcp target, if `name` has the form libzmq's zmq_connect accepts (EINVAL else).
    pub fn tcp(name: &str, ipv6: bool) -> Result<Target> {
        if !ip::tcp_connect_syntax_ok(name) {
            return Err(Errno::EINVAL);
        }
        Ok(Target::Tcp {
            name: name.to_owned(),
            ipv6,
        })
    }

    /// The address to connect to now.
    pub fn resolve(&self) -> Result<Address> {
        match self {
            Target::Resolved(a) => Ok(a.clone()),
            Target::Tcp { name, ipv6 } => tcp_connect_address(name, *ipv6),
        }
    }
}

/// The path libzmq's `ipc://*` binds: "socket" in a new private directory made in
/// $TMPDIR, $TEMPDIR or $TMP (the first that names a directory), else in the current
/// directory. Returns the socket's path and the directory, which is the binder's to
/// remove.
fn ipc_wildcard() -> Result<(PathBuf, PathBuf)> {
    let mut base = String::new();
    for var in ["TMPDIR", "TEMPDIR", "TMP"] {
        if let Some(dir) = std::env::var_os(var) {
            if std::fs::metadata(&dir).is_ok_and(|m| m.is_dir()) {
                base = dir.to_string_lossy().into_owned();
                if !base.ends_with('/') {
                    base.push('/');
                }
                break;
            }
        }
    }
    base.push_str("tmpXXXXXX");
    let dir = crate::sys::fd::mkdtemp(&base)?;
    Ok((dir.join("socket"), dir))
}

/// An `ipc://` address: a path, or `@name` in Linux's abstract namespace; EINVAL for
/// a bare `@`, ENAMETOOLONG past sun_path's 107 bytes.
pub fn ipc_address(addr: &str) -> Result<Address> {
    // sun_path holds 107 bytes and a NUL.
    if addr.len() >= 108 {
        return Err(Errno(libc::ENAMETOOLONG));
    }
    if let Some(name) = addr.strip_prefix('@') {
        if name.is_empty() {
            return Err(Errno::EINVAL);
        }
        return Ok(Address::Ipc(IpcPath::Abstract(name.as_bytes().to_vec())));
    }
    Ok(Address::Ipc(IpcPath::File(PathBuf::from(addr))))
}

/// An `ipc://` address to bind; `*` is a fresh path in a new private directory
/// ([`ipc_wildcard`]), returned too so that the binder removes it in the end.
pub fn ipc_bind_address(addr: &str) -> Result<(Address, Option<PathBuf>)> {
    if addr.starts_with('*') {
        let (path, dir) = ipc_wildcard()?;
        return match ipc_address(&path.to_string_lossy()) {
            Ok(a) => Ok((a, Some(dir))),
            Err(e) => {
                let _ = std::fs::remove_dir(&dir);
                Err(e)
            }
        };
    }
    Ok((ipc_address(addr)?, None))
}

/// A bound listener.
#[derive(Debug)]
pub enum Listener {
    /// With `ZMQ_PRIORITY`, which accepted sockets do not inherit (libzmq sets it on
    /// each).
    Tcp(TcpListener, i32),
    /// The path, the (device, inode) of the socket file we created, so that only our
    /// own file is ever removed (a new socket may have bound the path since), and the
    /// private directory `ipc://*` made for it.
    Ipc(UnixListener, IpcPath, Option<(u64, u64)>, Option<PathBuf>),
    Tipc(socket2::Socket),
}

fn file_id(p: &std::path::Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(p)
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

/// Tuning applied to tcp sockets, from socket options.
#[derive(Debug, Clone, Default)]
pub struct TcpTuning {
    pub sndbuf: i32,
    pub rcvbuf: i32,
    pub tos: i32,
    pub keepalive: i32,
    pub keepalive_cnt: i32,
    pub keepalive_idle: i32,
    pub keepalive_intvl: i32,
    pub backlog: i32,
    /// `ZMQ_TCP_MAXRT` (ms; 0: the system's): TCP_USER_TIMEOUT.
    pub maxrt: i32,
    /// `ZMQ_BINDTODEVICE` (empty: none): SO_BINDTODEVICE.
    pub bound_device: Vec<u8>,
    /// `ZMQ_PRIORITY` (0: the system's): SO_PRIORITY.
    pub priority: i32,
    /// `ZMQ_BUSY_POLL` (<= 0: none): SO_BUSY_POLL, microseconds.
    pub busy_poll: i32,
}

fn socket_for(addr: &SocketAddr) -> io::Result<socket2::Socket> {
    let domain = if addr.is_ipv4() {
        socket2::Domain::IPV4
    } else {
        socket2::Domain::IPV6
    };
    let s = socket2::Socket::new(domain, socket2::Type::STREAM.nonblocking().cloexec(), None)?;
    if addr.is_ipv6() {
        // libzmq's IPv6 sockets accept IPv4 too.
        let _ = s.set_only_v6(false);
    }
    Ok(s)
}

/// The socket options libzmq sets on tcp sockets (accepted ones inherit them from
/// their listener). Only SO_BINDTODEVICE can fail the bind or connect, as in libzmq.
fn apply_tuning(s: &socket2::Socket, t: &TcpTuning) -> io::Result<()> {
    if !t.bound_device.is_empty() {
        s.bind_device(Some(&t.bound_device))?;
    }
    if t.maxrt > 0 {
        let _ = s.set_tcp_user_timeout(Some(std::time::Duration::from_millis(t.maxrt as u64)));
    }
    if t.sndbuf >= 0 {
        let _ = s.set_send_buffer_size(t.sndbuf as usize);
    }
    if t.rcvbuf >= 0 {
        let _ = s.set_recv_buffer_size(t.rcvbuf as usize);
    }
    if t.tos != 0 {
        let _ = s.set_tos(t.tos as u32);
    }
    // Accepted sockets inherit SO_BUSY_POLL from their listener, not SO_PRIORITY (set
    // in `Listener::accept`).
    if t.priority != 0 {
        let _ = set_int_option(s.as_fd(), libc::SOL_SOCKET, libc::SO_PRIORITY, t.priority);
    }
    if t.busy_poll > 0 {
        let _ = set_int_option(s.as_fd(), libc::SOL_SOCKET, libc::SO_BUSY_POLL, t.busy_poll);
    }
    if t.keepalive != -1 {
        let _ = s.set_keepalive(t.keepalive == 1);
        if t.keepalive == 1 {
            let mut ka = socket2::TcpKeepalive::new();
            if t.keepalive_idle > 0 {
                ka = ka.with_time(std::time::Duration::from_secs(t.keepalive_idle as u64));
            }
            if t.keepalive_intvl > 0 {
                ka = ka.with_interval(std::time::Duration::from_secs(t.keepalive_intvl as u64));
            }
            if t.keepalive_cnt > 0 {
                ka = ka.with_retries(t.keepalive_cnt as u32);
            }
            let _ = s.set_tcp_keepalive(&ka);
        }
    }
    Ok(())
}

fn unix_addr(path: &IpcPath) -> io::Result<std::os::unix::net::SocketAddr> {
    match path {
        IpcPath::File(p) => std::os::unix::net::SocketAddr::from_pathname(p),
        IpcPath::Abstract(n) => {
            use std::os::linux::net::SocketAddrExt;
            std::os::unix::net::SocketAddr::from_abstract_name(n)
        }
    }
}

impl Listener {
    /// Binds and listens; the endpoint string (with the chosen port) comes with it.
    pub fn bind(addr: &Address, tuning: &TcpTuning) -> Result<(Listener, Address)> {
        match addr {
            Address::Ws(w) => {
                let tcp = Address::Tcp {
                    addr: w.addr,
                    source: None,
                };
                let (l, bound) = Listener::bind(&tcp, tuning)?;
                let Address::Tcp { addr: local, .. } = bound else {
                    return Err(Errno::EINVAL);
                };
                let w = ws::WsAddress {
                    addr: local,
                    ..w.clone()
                };
                Ok((l, Address::Ws(w)))
            }
            Address::Tcp { addr: sa, .. } => {
                let s = socket_for(sa)?;
                s.set_reuse_address(true)?;
                apply_tuning(&s, tuning)?;
                s.bind(&(*sa).into())?;
                s.listen(tuning.backlog.max(1))?;
                let local = s.local_addr()?.as_socket().ok_or(Errno::EINVAL)?;
                let l = TcpListener::from_std(s.into());
                Ok((
                    Listener::Tcp(l, tuning.priority),
                    Address::Tcp {
                        addr: local,
                        source: None,
                    },
                ))
            }
            Address::Ipc(path) => {
                if let IpcPath::File(p) = path {
                    // libzmq replaces a stale socket file.
                    let _ = std::fs::remove_file(p);
                }
                let ua = unix_addr(path)?;
                let std_l = std::os::unix::net::UnixListener::bind_addr(&ua)?;
                std_l.set_nonblocking(true)?;
                let id = match path {
                    IpcPath::File(p) => file_id(p),
                    IpcPath::Abstract(_) => None,
                };
                Ok((
                    Listener::Ipc(UnixListener::from_std(std_l), path.clone(), id, None),
                    addr.clone(),
                ))
            }
            Address::Tipc(t) => {
                let (l, bound) = tipc::listen(t, tuning.backlog)?;
                Ok((Listener::Tipc(l), Address::Tipc(bound)))
            }
        }
    }

    pub fn accept(&self) -> io::Result<(Stream, String)> {
        match self {
            Listener::Tcp(l, priority) => {
                let (s, peer) = l.accept()?;
                let _ = s.set_nodelay(true);
                if *priority != 0 {
                    let sock = socket2::SockRef::from(&s);
                    let _ = set_int_option(
                        sock.as_fd(),
                        libc::SOL_SOCKET,
                        libc::SO_PRIORITY,
                        *priority,
                    );
                }
                // Without a %zone: the accept filter parses it as an IP address.
                Ok((Stream::Tcp(s), peer.ip().to_string()))
            }
            Listener::Ipc(l, ..) => {
                let (s, _) = l.accept()?;
                let s = Stream::Ipc(s);
                let peer = s.peer_address();
                Ok((s, peer))
            }
            Listener::Tipc(l) => Ok((Stream::Tipc(tipc::accept(l)?), String::new())),
        }
    }

    /// Adopts a descriptor the application made and bound itself (ZMQ_USE_FD); its
    /// file, for ipc, is the application's to remove.
    pub fn from_fd(fd: RawFd, ipc: bool) -> Result<(Listener, Address)> {
        let fd = crate::sys::fd::adopt(fd);
        if ipc {
            let std_l = std::os::unix::net::UnixListener::from(fd);
            std_l.set_nonblocking(true)?;
            let path = std_l
                .local_addr()?
                .as_pathname()
                .map(|p| p.to_path_buf())
                .ok_or(Errno::EINVAL)?;
            let path = IpcPath::File(path);
            Ok((
                Listener::Ipc(UnixListener::from_std(std_l), path.clone(), None, None),
                Address::Ipc(path),
            ))
        } else {
            let std_l = std::net::TcpListener::from(fd);
            std_l.set_nonblocking(true)?;
            let local = std_l.local_addr()?;
            Ok((
                Listener::Tcp(TcpListener::from_std(std_l), 0),
                Address::Tcp {
                    addr: local,
                    source: None,
                },
            ))
        }
    }

    /// The private directory `ipc://*` made for this listener, removed with it.
    pub fn own_directory(&mut self, dir: PathBuf) {
        if let Listener::Ipc(.., private) = self {
            *private = Some(dir);
        }
    }

    /// Removes an ipc socket file (on unbind and close, as libzmq does), if it is still
    /// ours, and the private directory of `ipc://*`. (So the path cannot be bound again
    /// after an unbind: in libzmq that races the listener's asynchronous close, and
    /// mostly fails as here.)
    pub fn cleanup(&self) {
        if let Listener::Ipc(_, IpcPath::File(p), Some(id), private) = self {
            if file_id(p) != Some(*id) {
                return;
            }
            if std::fs::remove_file(p).is_ok() {
                if let Some(dir) = private {
                    let _ = std::fs::remove_dir(dir);
                }
            }
        }
    }

    pub fn raw_fd(&self) -> RawFd {
        match self {
            Listener::Tcp(l, _) => l.as_raw_fd(),
            Listener::Ipc(l, ..) => l.as_raw_fd(),
            Listener::Tipc(l) => tipc::raw_fd(l),
        }
    }
}

/// A connected byte stream.
#[derive(Debug)]
pub enum Stream {
    Tcp(TcpStream),
    Ipc(UnixStream),
    /// wss: TLS over tcp.
    Tls(Box<tls::TlsStream>),
    Tipc(socket2::Socket),
}

/// Credentials of an ipc peer (SO_PEERCRED): uid, gid, pid.
pub fn peer_credentials(s: &Stream) -> Option<(u32, u32, i32)> {
    let Stream::Ipc(u) = s else { return None };
    crate::sys::net::peer_credentials(u.as_fd())
}

impl Stream {
    /// Puts TLS on a connected tcp stream (wss); other streams are refused.
    pub fn into_tls(self, config: &tls::TlsConfig) -> Result<Stream> {
        match self {
            Stream::Tcp(t) => Ok(Stream::Tls(Box::new(tls::TlsStream::new(t, config)?))),
            _ => Err(Errno::EINVAL),
        }
    }

    /// Starts a non-blocking connect.
    pub fn connect(addr: &Address, tuning: &TcpTuning) -> Result<Stream> {
        match addr {
            Address::Ws(w) => Stream::connect(
                &Address::Tcp {
                    addr: w.addr,
                    source: None,
                },
                tuning,
            ),
            Address::Tcp { addr: sa, source } => {
                let s = socket_for(sa)?;
                apply_tuning(&s, tuning)?;
                if let Some(src) = source {
                    s.set_reuse_address(true)?;
                    s.bind(&(*src).into())?;
                }
                match s.connect(&(*sa).into()) {
                    Ok(()) => {}
                    Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
                    Err(e) => return Err(e.into()),
                }
                let std_s: std::net::TcpStream = s.into();
                let _ = std_s.set_nodelay(true);
                Ok(Stream::Tcp(TcpStream::from_std(std_s)))
            }
            Address::Ipc(path) => {
                let ua = unix_addr(path)?;
                let std_s = std::os::unix::net::UnixStream::connect_addr(&ua)?;
                std_s.set_nonblocking(true)?;
                Ok(Stream::Ipc(UnixStream::from_std(std_s)))
            }
            Address::Tipc(t) => Ok(Stream::Tipc(tipc::connect(t)?)),
        }
    }

    /// After a writable event on a connecting stream: the connect's outcome.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        match self {
            Stream::Tcp(s) => s.take_error(),
            Stream::Ipc(s) => s.take_error(),
            Stream::Tls(s) => s.tcp.take_error(),
            Stream::Tipc(s) => s.take_error(),
        }
    }

    /// The `Peer-Address` property, as libzmq writes it: the peer's IP address for tcp;
    /// for ipc "localhost" (what getnameinfo says of a unix socket) and the peer
    /// process's credentials, ":uid:gid:pid".
    pub fn peer_address(&self) -> String {
        match self {
            Stream::Tcp(s) => s
                .peer_addr()
                .map(|a| a.ip().to_string())
                .unwrap_or_default(),
            Stream::Tls(s) => s
                .tcp
                .peer_addr()
                .map(|a| a.ip().to_string())
                .unwrap_or_default(),
            Stream::Ipc(_) => match peer_credentials(self) {
                Some((uid, gid, pid)) => format!("localhost:{uid}:{gid}:{pid}"),
                None => "localhost".to_owned(),
            },
            Stream::Tipc(_) => String::new(),
        }
    }

    pub fn raw_fd(&self) -> RawFd {
        match self {
            Stream::Tcp(s) => s.as_raw_fd(),
            Stream::Ipc(s) => s.as_raw_fd(),
            Stream::Tls(s) => s.tcp.as_raw_fd(),
            Stream::Tipc(s) => tipc::raw_fd(s),
        }
    }
}

impl Stream {
    /// The descriptor the kernel reads into, for a stream read without a user-space
    /// layer (`None` through TLS).
    pub fn fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        match self {
            Stream::Tcp(s) => Some(s.as_fd()),
            Stream::Ipc(s) => Some(s.as_fd()),
            Stream::Tipc(s) => Some(s.as_fd()),
            Stream::Tls(_) => None,
        }
    }
}

impl io::Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Ipc(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
            Stream::Tipc(s) => s.read(buf),
        }
    }
}

impl io::Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Ipc(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
            Stream::Tipc(s) => s.write(buf),
        }
    }
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write_vectored(bufs),
            Stream::Ipc(s) => s.write_vectored(bufs),
            Stream::Tls(s) => s.write_vectored(bufs),
            Stream::Tipc(s) => s.write_vectored(bufs),
        }
    }
    /// Only TLS buffers: its pending ciphertext goes out (`WouldBlock` if not all).
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Tls(s) => s.flush_tls(),
            _ => Ok(()),
        }
    }
}

impl mio::event::Source for Stream {
    fn register(&mut self, r: &mio::Registry, t: mio::Token, i: mio::Interest) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.register(r, t, i),
            Stream::Ipc(s) => s.register(r, t, i),
            Stream::Tls(s) => s.tcp.register(r, t, i),
            Stream::Tipc(s) => SourceFd(&tipc::raw_fd(s)).register(r, t, i),
        }
    }
    fn reregister(&mut self, r: &mio::Registry, t: mio::Token, i: mio::Interest) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.reregister(r, t, i),
            Stream::Ipc(s) => s.reregister(r, t, i),
            Stream::Tls(s) => s.tcp.reregister(r, t, i),
            Stream::Tipc(s) => SourceFd(&tipc::raw_fd(s)).reregister(r, t, i),
        }
    }
    fn deregister(&mut self, r: &mio::Registry) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.deregister(r),
            Stream::Ipc(s) => s.deregister(r),
            Stream::Tls(s) => s.tcp.deregister(r),
            Stream::Tipc(s) => SourceFd(&tipc::raw_fd(s)).deregister(r),
        }
    }
}

impl mio::event::Source for Listener {
    fn register(&mut self, r: &mio::Registry, t: mio::Token, i: mio::Interest) -> io::Result<()> {
        match self {
            Listener::Tcp(l, _) => l.register(r, t, i),
            Listener::Ipc(l, ..) => l.register(r, t, i),
            Listener::Tipc(l) => SourceFd(&tipc::raw_fd(l)).register(r, t, i),
        }
    }
    fn reregister(&mut self, r: &mio::Registry, t: mio::Token, i: mio::Interest) -> io::Result<()> {
        match self {
            Listener::Tcp(l, _) => l.reregister(r, t, i),
            Listener::Ipc(l, ..) => l.reregister(r, t, i),
            Listener::Tipc(l) => SourceFd(&tipc::raw_fd(l)).reregister(r, t, i),
        }
    }
    fn deregister(&mut self, r: &mio::Registry) -> io::Result<()> {
        match self {
            Listener::Tcp(l, _) => l.deregister(r),
            Listener::Ipc(l, ..) => l.deregister(r),
            Listener::Tipc(l) => SourceFd(&tipc::raw_fd(l)).deregister(r),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_addresses_follow_libzmq_rules() {
        let bind = |a: &str, v6: bool| tcp_bind_address(a, v6).map(|a| a.to_endpoint());
        assert_eq!(bind("*:*", false), Ok("tcp://0.0.0.0:0".into()));
        assert_eq!(
            bind("127.0.0.1:5555", false),
            Ok("tcp://127.0.0.1:5555".into())
        );
        assert_eq!(bind("[::1]:5555", true), Ok("tcp://[::1]:5555".into()));
        assert_eq!(bind("lo:0", false), Ok("tcp://127.0.0.1:0".into()));
        assert_eq!(bind("localhost:0", false), Ok("tcp://127.0.0.1:0".into()));
        // A bind reads and ignores a source part.
        assert_eq!(
            bind("127.0.0.1:*;127.0.0.1:7", false),
            Ok("tcp://127.0.0.1:7".into())
        );
        assert_eq!(
            tcp_connect_address("127.0.0.1:*", false),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            tcp_connect_address("localhost:invalid", false),
            Err(Errno::EINVAL)
        );
        assert_eq!(tcp_connect_address("127.0.0.1", false), Err(Errno::EINVAL));
        let a = tcp_connect_address("localhost:1234", false).unwrap();
        assert_eq!(a.to_endpoint(), "tcp://127.0.0.1:1234");
        let Address::Tcp { source, .. } =
            tcp_connect_address("127.0.0.1:0;localhost:1234", false).unwrap()
        else {
            panic!()
        };
        assert_eq!(source, Some("127.0.0.1:0".parse().unwrap()));
    }

    #[test]
    fn tcp_targets_resolve_at_each_attempt() {
        // The form is checked at zmq_connect; the name only when connecting.
        let t = Target::tcp("no-such-host.invalid:5555", false).unwrap();
        assert_eq!(t.resolve(), Err(Errno::EINVAL));
        assert_eq!(Target::tcp("127.0.0.1:5555 ", false), Err(Errno::EINVAL));
        assert_eq!(Target::tcp("127.0.0.1", false), Err(Errno::EINVAL));
        let t = Target::tcp("localhost:5555", false).unwrap();
        assert_eq!(t.resolve().unwrap().to_endpoint(), "tcp://127.0.0.1:5555");
    }

    #[test]
    fn ipc_addresses() {
        assert_eq!(
            ipc_address("@abc").unwrap(),
            Address::Ipc(IpcPath::Abstract(b"abc".to_vec()))
        );
        assert_eq!(ipc_address("@"), Err(Errno::EINVAL));
        assert_eq!(
            ipc_address(&"x".repeat(108)),
            Err(Errno(libc::ENAMETOOLONG))
        );
        assert!(ipc_address(&"x".repeat(107)).is_ok());
    }

    #[test]
    fn ipc_wildcard_follows_tmpdir() {
        // The process environment is shared by the tests of this binary: only read it.
        let (Address::Ipc(IpcPath::File(p)), Some(dir)) = ipc_bind_address("*").unwrap() else {
            panic!()
        };
        assert_eq!(p, dir.join("socket"));
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("tmp") && name.len() == 9, "{name}");
        let expected_base = ["TMPDIR", "TEMPDIR", "TMP"]
            .iter()
            .filter_map(std::env::var_os)
            .map(PathBuf::from)
            .find(|d| d.is_dir());
        match expected_base {
            Some(base) => assert_eq!(dir.parent().unwrap(), base.as_path()),
            None => assert_eq!(dir.parent().unwrap(), std::path::Path::new("")),
        }
        std::fs::remove_dir(&dir).unwrap();
    }
}
