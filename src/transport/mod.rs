//! Transports that run over the kernel: tcp and ipc (udp in [`udp`], tipc in [`tipc`]).
//! Address parsing and resolution follow libzmq's rules; listeners and streams are mio
//! sources for the I/O threads.

pub mod pgm;
pub mod socks;
pub mod tipc;
pub mod tls;
pub mod udp;
pub mod ws;

use std::ffi::CString;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};
use std::path::PathBuf;

use mio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use mio::unix::SourceFd;

use crate::error::{Errno, Result};

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
            Address::Tcp { addr, .. } => match addr {
                SocketAddr::V4(a) => format!("tcp://{}:{}", a.ip(), a.port()),
                SocketAddr::V6(a) => format!("tcp://[{}]:{}", a.ip(), a.port()),
            },
            Address::Ipc(IpcPath::File(p)) => format!("ipc://{}", p.display()),
            Address::Ipc(IpcPath::Abstract(n)) => format!("ipc://@{}", String::from_utf8_lossy(n)),
            Address::Ws(w) => w.to_endpoint(),
            Address::Tipc(t) => t.to_endpoint(),
        }
    }
}

/// libzmq's atoi-based port parsing: "*" (bind only) and "0" mean any port.
fn parse_port(s: &str, bindable: bool) -> Result<u16> {
    match s {
        "*" if bindable => Ok(0),
        "*" => Err(Errno::EINVAL),
        "0" => Ok(0),
        _ => {
            let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
            match digits.parse::<u32>() {
                Ok(p) if p > 0 && p <= u16::MAX as u32 => Ok(p as u16),
                _ => Err(Errno::EINVAL),
            }
        }
    }
}

/// The address of a network interface by name (bind side and source addresses).
fn nic_address(name: &str, ipv6: bool) -> Option<IpAddr> {
    let cname = CString::new(name).ok()?;
    let mut ifap: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills ifap with a list we free below.
    if unsafe { libc::getifaddrs(&mut ifap) } != 0 {
        return None;
    }
    let mut found = None;
    let mut cur = ifap;
    while !cur.is_null() {
        // SAFETY: cur walks the list returned by getifaddrs.
        let ifa = unsafe { &*cur };
        cur = ifa.ifa_next;
        // SAFETY: ifa_name is a NUL-terminated string owned by the list.
        if ifa.ifa_addr.is_null()
            || unsafe { std::ffi::CStr::from_ptr(ifa.ifa_name) } != cname.as_c_str()
        {
            continue;
        }
        // SAFETY: ifa_addr is non-NULL; the family says which sockaddr it is.
        let family = unsafe { (*ifa.ifa_addr).sa_family } as i32;
        if family == libc::AF_INET {
            // SAFETY: AF_INET entries hold a sockaddr_in.
            let sin = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_in) };
            found = Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                sin.sin_addr.s_addr,
            ))));
            if !ipv6 {
                break;
            }
        } else if family == libc::AF_INET6 && ipv6 {
            // SAFETY: AF_INET6 entries hold a sockaddr_in6.
            let sin6 = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_in6) };
            found = Some(IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)));
            break;
        }
    }
    // SAFETY: the list came from getifaddrs.
    unsafe { libc::freeifaddrs(ifap) };
    found
}

/// Resolves `host:port` as libzmq's ip_resolver does. `bindable`: a local address
/// (accepts `*` and interface names); otherwise a peer address (DNS allowed).
fn resolve_ip(name: &str, bindable: bool, dns: bool, ipv6: bool) -> Result<SocketAddr> {
    let (host, port) = name.rsplit_once(':').ok_or(Errno::EINVAL)?;
    let port = parse_port(port, bindable)?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let (host, zone) = match host.rsplit_once('%') {
        Some((h, z)) if !z.is_empty() => (h, Some(z)),
        Some(_) => return Err(Errno::EINVAL),
        None => (host, None),
    };
    let scope_id = match zone {
        None => 0,
        Some(z) if z.starts_with(|c: char| c.is_ascii_alphabetic()) => {
            let cz = CString::new(z).map_err(|_| Errno::EINVAL)?;
            // SAFETY: a NUL-terminated interface name.
            unsafe { libc::if_nametoindex(cz.as_ptr()) }
        }
        Some(z) => z.parse().unwrap_or(0),
    };
    if zone.is_some() && scope_id == 0 {
        return Err(Errno::EINVAL);
    }
    if host.is_empty() {
        return Err(Errno::EINVAL);
    }
    let ip = if bindable && host == "*" {
        if ipv6 {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        }
    } else if let Ok(ip) = host.parse::<IpAddr>() {
        // A local IPv6 address needs ZMQ_IPV6; a peer's literal is used as given.
        if ip.is_ipv6() && !ipv6 && bindable {
            return Err(Errno::EINVAL);
        }
        ip
    } else if let Some(ip) = bindable.then(|| nic_address(host, ipv6)).flatten() {
        ip
    } else if dns && !host.contains(' ') {
        let mut addrs = (host, port).to_socket_addrs().map_err(|_| Errno::EINVAL)?;
        let pick = if ipv6 {
            addrs.next()
        } else {
            addrs.find(|a| a.is_ipv4())
        };
        pick.ok_or(Errno::EINVAL)?.ip()
    } else {
        return Err(Errno::EINVAL);
    };
    let mut addr = SocketAddr::new(ip, port);
    if let SocketAddr::V6(a) = &mut addr {
        a.set_scope_id(scope_id);
    }
    Ok(addr)
}

/// A `tcp://` address for bind.
pub fn tcp_bind_address(addr: &str, ipv6: bool) -> Result<Address> {
    Ok(Address::Tcp {
        addr: resolve_ip(addr, true, false, ipv6)?,
        source: None,
    })
}

/// A `tcp://[source;]peer` address for connect.
pub fn tcp_connect_address(addr: &str, ipv6: bool) -> Result<Address> {
    let (source, peer) = match addr.rsplit_once(';') {
        Some((src, peer)) => (Some(resolve_ip(src, true, true, ipv6)?), peer),
        None => (None, addr),
    };
    let peer = resolve_ip(peer, false, true, ipv6)?;
    if peer.port() == 0 {
        return Err(Errno::EINVAL);
    }
    Ok(Address::Tcp { addr: peer, source })
}

/// An `ipc://` address; `*` picks a fresh path in a new private directory, as libzmq.
pub fn ipc_address(addr: &str, bind: bool) -> Result<Address> {
    if let Some(name) = addr.strip_prefix('@') {
        if name.is_empty() {
            return Err(Errno::EINVAL);
        }
        return Ok(Address::Ipc(IpcPath::Abstract(name.as_bytes().to_vec())));
    }
    if addr == "*" && bind {
        let mut template = *b"/tmp/tmpXXXXXX\0";
        // SAFETY: a writable NUL-terminated template.
        let dir = unsafe { libc::mkdtemp(template.as_mut_ptr() as *mut libc::c_char) };
        if dir.is_null() {
            return Err(crate::signaler::last_errno());
        }
        let dir = String::from_utf8_lossy(&template[..template.len() - 1]).into_owned();
        return Ok(Address::Ipc(IpcPath::File(
            PathBuf::from(dir).join("socket"),
        )));
    }
    // sun_path holds 107 bytes and a NUL.
    if addr.len() >= 108 {
        return Err(Errno(libc::ENAMETOOLONG));
    }
    Ok(Address::Ipc(IpcPath::File(PathBuf::from(addr))))
}

/// A bound listener.
#[derive(Debug)]
pub enum Listener {
    Tcp(TcpListener),
    /// The path, and the (device, inode) of the socket file we created, so that only
    /// our own file is ever removed (a new socket may have bound the path since).
    Ipc(UnixListener, IpcPath, Option<(u64, u64)>),
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
                    Listener::Tcp(l),
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
                    Listener::Ipc(UnixListener::from_std(std_l), path.clone(), id),
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
            Listener::Tcp(l) => {
                let (s, peer) = l.accept()?;
                let _ = s.set_nodelay(true);
                Ok((Stream::Tcp(s), peer.ip().to_string()))
            }
            Listener::Ipc(l, ..) => {
                let (s, _) = l.accept()?;
                Ok((Stream::Ipc(s), String::new()))
            }
            Listener::Tipc(l) => Ok((Stream::Tipc(tipc::accept(l)?), String::new())),
        }
    }

    /// Adopts a descriptor the application made and bound itself (ZMQ_USE_FD); its
    /// file, for ipc, is the application's to remove.
    pub fn from_fd(fd: RawFd, ipc: bool) -> Result<(Listener, Address)> {
        use std::os::fd::FromRawFd;
        if ipc {
            // SAFETY: ZMQ_USE_FD hands us a listening socket the caller owns no more.
            let std_l = unsafe { std::os::unix::net::UnixListener::from_raw_fd(fd) };
            std_l.set_nonblocking(true)?;
            let path = std_l
                .local_addr()?
                .as_pathname()
                .map(|p| p.to_path_buf())
                .ok_or(Errno::EINVAL)?;
            let path = IpcPath::File(path);
            Ok((
                Listener::Ipc(UnixListener::from_std(std_l), path.clone(), None),
                Address::Ipc(path),
            ))
        } else {
            // SAFETY: as above.
            let std_l = unsafe { std::net::TcpListener::from_raw_fd(fd) };
            std_l.set_nonblocking(true)?;
            let local = std_l.local_addr()?;
            Ok((
                Listener::Tcp(TcpListener::from_std(std_l)),
                Address::Tcp {
                    addr: local,
                    source: None,
                },
            ))
        }
    }

    /// Removes an ipc socket file (on unbind and close, as libzmq does), and the
    /// private directory `ipc://*` made for it.
    pub fn cleanup(&self) {
        if let Listener::Ipc(_, IpcPath::File(p), Some(id)) = self {
            if file_id(p) != Some(*id) {
                return;
            }
            if std::fs::remove_file(p).is_ok() && p.file_name().is_some_and(|n| n == "socket") {
                if let Some(dir) = p
                    .parent()
                    .filter(|d| d.to_string_lossy().starts_with("/tmp/tmp"))
                {
                    let _ = std::fs::remove_dir(dir);
                }
            }
        }
    }

    pub fn raw_fd(&self) -> RawFd {
        match self {
            Listener::Tcp(l) => l.as_raw_fd(),
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
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into the local ucred.
    let rc = unsafe {
        libc::getsockopt(
            u.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            &mut cred as *mut libc::ucred as *mut libc::c_void,
            &mut len,
        )
    };
    (rc == 0).then_some((cred.uid, cred.gid, cred.pid))
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
            Stream::Ipc(_) | Stream::Tipc(_) => String::new(),
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
            Listener::Tcp(l) => l.register(r, t, i),
            Listener::Ipc(l, ..) => l.register(r, t, i),
            Listener::Tipc(l) => SourceFd(&tipc::raw_fd(l)).register(r, t, i),
        }
    }
    fn reregister(&mut self, r: &mio::Registry, t: mio::Token, i: mio::Interest) -> io::Result<()> {
        match self {
            Listener::Tcp(l) => l.reregister(r, t, i),
            Listener::Ipc(l, ..) => l.reregister(r, t, i),
            Listener::Tipc(l) => SourceFd(&tipc::raw_fd(l)).reregister(r, t, i),
        }
    }
    fn deregister(&mut self, r: &mio::Registry) -> io::Result<()> {
        match self {
            Listener::Tcp(l) => l.deregister(r),
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
        assert_eq!(
            tcp_bind_address("*:*", false).unwrap().to_endpoint(),
            "tcp://0.0.0.0:0"
        );
        assert_eq!(
            tcp_bind_address("127.0.0.1:5555", false)
                .unwrap()
                .to_endpoint(),
            "tcp://127.0.0.1:5555"
        );
        assert_eq!(
            tcp_bind_address("[::1]:5555", true).unwrap().to_endpoint(),
            "tcp://[::1]:5555"
        );
        assert_eq!(
            tcp_bind_address("lo:0", false).unwrap().to_endpoint(),
            "tcp://127.0.0.1:0"
        );
        assert_eq!(
            tcp_connect_address("127.0.0.1:*", false),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            tcp_connect_address("localhost:invalid", false),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            tcp_connect_address("in val id:1234", false),
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
    fn ipc_addresses() {
        assert_eq!(
            ipc_address("@abc", true).unwrap(),
            Address::Ipc(IpcPath::Abstract(b"abc".to_vec()))
        );
        let Address::Ipc(IpcPath::File(p)) = ipc_address("*", true).unwrap() else {
            panic!()
        };
        assert!(p.to_string_lossy().starts_with("/tmp/tmp") && p.ends_with("socket"));
        let _ = std::fs::remove_dir(p.parent().unwrap());
        assert!(ipc_address(&"x".repeat(200), true).is_err());
    }
}
