//! IP addresses as libzmq resolves and prints them (`ip_resolver_t`, `tcp_address_t`):
//! "host:port" where the host is `*` (binding), a network interface's name (binding),
//! a literal or a name for `getaddrinfo`, optionally in brackets and with a `%zone`; the
//! port is `*` (binding), `0`, or whatever C's `atoi` makes of the text.
//!
//! Resolution goes through the C library's `getaddrinfo` with libzmq's flags, so what a
//! name means (inet_aton's short forms like "1.2.3", /etc/hosts, IPv4-mapped results
//! with ZMQ_IPV6) is exactly what it means to libzmq on the same machine.

use std::ffi::{CStr, CString};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};

use crate::ctext::atoi;
use crate::error::{Errno, Result};

/// What a name may be, as libzmq's `ip_resolver_options_t`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resolve {
    /// A local address to bind: `*` is the any address and the port may be `*`;
    /// `getaddrinfo` gets AI_PASSIVE; a failure is ENODEV (else EINVAL).
    pub bindable: bool,
    /// Names may be looked up (else literals only: AI_NUMERICHOST).
    pub allow_dns: bool,
    /// An interface name stands for its address.
    pub allow_nic_name: bool,
    /// IPv6, and IPv4 as IPv4-mapped IPv6 addresses (AI_V4MAPPED).
    pub ipv6: bool,
    /// The text ends with ":port".
    pub expect_port: bool,
}

impl Resolve {
    /// A tcp endpoint's own address: local (bind) or the peer's (connect).
    pub fn tcp(local: bool, ipv6: bool) -> Resolve {
        Resolve {
            bindable: local,
            allow_dns: true,
            allow_nic_name: local,
            ipv6,
            expect_port: true,
        }
    }

    /// The source address of a tcp connect ("src;peer"): local, literal or interface,
    /// with a port.
    pub fn tcp_source(ipv6: bool) -> Resolve {
        Resolve {
            bindable: true,
            allow_dns: false,
            allow_nic_name: true,
            ipv6,
            expect_port: true,
        }
    }
}

/// Resolves `name` under `opts` to one socket address (the first `getaddrinfo` gives).
pub fn resolve(name: &str, opts: Resolve) -> Result<SocketAddr> {
    let (host, port) = if opts.expect_port {
        let (host, port) = name.rsplit_once(':').ok_or(Errno::EINVAL)?;
        let port = match port {
            "*" if opts.bindable => 0,
            "*" => return Err(Errno::EINVAL),
            "0" => 0,
            // atoi, cast to uint16_t as libzmq does: "-1" is 65535, "65536" is 0.
            text => match atoi(text.as_bytes()) as u16 {
                0 => return Err(Errno::EINVAL),
                p => p,
            },
        };
        (host, port)
    } else {
        (name, 0)
    };
    let host = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(inner) => inner,
        None => host,
    };
    let (host, scope_id) = match host.rsplit_once('%') {
        Some((_, "")) => return Err(Errno::EINVAL),
        Some((h, zone)) => {
            let id = if zone.starts_with(|c: char| c.is_ascii_alphabetic()) {
                let c = CString::new(zone).map_err(|_| Errno::EINVAL)?;
                // SAFETY: a NUL-terminated interface name that outlives the call.
                unsafe { libc::if_nametoindex(c.as_ptr()) }
            } else {
                atoi(zone.as_bytes()) as u32
            };
            if id == 0 {
                return Err(Errno::EINVAL);
            }
            (h, id)
        }
        None => (host, 0),
    };
    let ip = if opts.bindable && host == "*" {
        if opts.ipv6 {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        }
    } else if let Some(ip) = opts
        .allow_nic_name
        .then(|| nic_address(host, opts.ipv6))
        .flatten()
    {
        ip
    } else {
        getaddrinfo(host, opts)?
    };
    Ok(match ip {
        IpAddr::V4(v4) => SocketAddr::new(IpAddr::V4(v4), port),
        IpAddr::V6(v6) => SocketAddr::V6(SocketAddrV6::new(v6, port, 0, scope_id)),
    })
}

/// The address of interface `name` in the family asked for, if it has one.
fn nic_address(name: &str, ipv6: bool) -> Option<IpAddr> {
    let cname = CString::new(name).ok()?;
    let mut ifap: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `ifap` with a list freed below.
    if unsafe { libc::getifaddrs(&mut ifap) } != 0 {
        return None;
    }
    let want = if ipv6 { libc::AF_INET6 } else { libc::AF_INET };
    let mut found = None;
    let mut cur = ifap;
    while !cur.is_null() && found.is_none() {
        // SAFETY: `cur` walks the list getifaddrs returned, which is alive until freed.
        let ifa = unsafe { &*cur };
        cur = ifa.ifa_next;
        if ifa.ifa_addr.is_null() {
            continue;
        }
        // SAFETY: ifa_name is a NUL-terminated string owned by the list.
        if unsafe { CStr::from_ptr(ifa.ifa_name) } != cname.as_c_str() {
            continue;
        }
        // SAFETY: ifa_addr is non-NULL and its family says which sockaddr it holds.
        found = unsafe { sockaddr_ip(ifa.ifa_addr, want) };
    }
    // SAFETY: the list came from getifaddrs and is freed once.
    unsafe { libc::freeifaddrs(ifap) };
    found
}

/// The IP address of a sockaddr of family `want` (`None` for another family).
///
/// # Safety
/// `sa` points at a valid sockaddr whose family field says how large it is.
unsafe fn sockaddr_ip(sa: *const libc::sockaddr, want: libc::c_int) -> Option<IpAddr> {
    // SAFETY: the caller guarantees a valid sockaddr; each family is read as its type.
    unsafe {
        match i32::from((*sa).sa_family) {
            libc::AF_INET if want == libc::AF_INET => {
                let sin = &*(sa as *const libc::sockaddr_in);
                Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                    sin.sin_addr.s_addr,
                ))))
            }
            libc::AF_INET6 if want == libc::AF_INET6 => {
                let sin6 = &*(sa as *const libc::sockaddr_in6);
                Some(IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)))
            }
            _ => None,
        }
    }
}

/// `getaddrinfo` with libzmq's request: the family ZMQ_IPV6 says (AF_INET6 with
/// IPv4-mapped results), AI_PASSIVE to bind, AI_NUMERICHOST without DNS.
fn getaddrinfo(host: &str, opts: Resolve) -> Result<IpAddr> {
    let failed = || {
        if opts.bindable {
            Errno(libc::ENODEV)
        } else {
            Errno::EINVAL
        }
    };
    let chost = CString::new(host).map_err(|_| failed())?;
    let family = if opts.ipv6 {
        libc::AF_INET6
    } else {
        libc::AF_INET
    };
    let mut flags = 0;
    if opts.bindable {
        flags |= libc::AI_PASSIVE;
    }
    if !opts.allow_dns {
        flags |= libc::AI_NUMERICHOST;
    }
    if opts.ipv6 {
        flags |= libc::AI_V4MAPPED;
    }
    let mut hints = libc::addrinfo {
        ai_flags: flags,
        ai_family: family,
        ai_socktype: libc::SOCK_STREAM,
        ai_protocol: 0,
        ai_addrlen: 0,
        ai_addr: std::ptr::null_mut(),
        ai_canonname: std::ptr::null_mut(),
        ai_next: std::ptr::null_mut(),
    };
    let mut res: *mut libc::addrinfo = std::ptr::null_mut();
    // SAFETY: `chost` is NUL-terminated, `hints` a valid addrinfo with null pointers,
    // `res` a valid out-pointer.
    let mut rc = unsafe { libc::getaddrinfo(chost.as_ptr(), std::ptr::null(), &hints, &mut res) };
    if rc == libc::EAI_BADFLAGS && opts.ipv6 {
        hints.ai_flags &= !libc::AI_V4MAPPED;
        // SAFETY: as above.
        rc = unsafe { libc::getaddrinfo(chost.as_ptr(), std::ptr::null(), &hints, &mut res) };
    }
    if rc != 0 {
        return Err(if rc == libc::EAI_MEMORY {
            Errno::ENOMEM
        } else {
            failed()
        });
    }
    if res.is_null() {
        return Err(failed());
    }
    // SAFETY: getaddrinfo succeeded: `res` is a valid list until freed below; its first
    // entry's ai_addr is a sockaddr of the family asked for.
    let ip = unsafe { sockaddr_ip((*res).ai_addr, family) };
    // SAFETY: `res` came from a successful getaddrinfo and is freed once.
    unsafe { libc::freeaddrinfo(res) };
    ip.ok_or_else(failed)
}

/// A tcp address as libzmq's `tcp_address_t::resolve` reads it: "[source;]host:port",
/// the source (if any) a local literal or interface with its port.
pub fn resolve_tcp(
    name: &str,
    local: bool,
    ipv6: bool,
) -> Result<(SocketAddr, Option<SocketAddr>)> {
    let (source, name) = match name.rsplit_once(';') {
        Some((src, rest)) => (Some(resolve(src, Resolve::tcp_source(ipv6))?), rest),
        None => (None, name),
    };
    Ok((resolve(name, Resolve::tcp(local, ipv6))?, source))
}

/// An IP address as `getnameinfo(NI_NUMERICHOST)` prints it (an IPv6 link-local
/// address with its `%zone`).
pub fn numeric_host(addr: &SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => a.ip().to_string(),
        SocketAddr::V6(a) => {
            let ip = a.ip();
            let link_local = (ip.segments()[0] & 0xffc0) == 0xfe80
                || (ip.is_multicast() && (ip.segments()[0] & 0x000f) == 2);
            if a.scope_id() == 0 || !link_local {
                return ip.to_string();
            }
            let mut name = [0 as libc::c_char; libc::IF_NAMESIZE];
            // SAFETY: `name` has room for IF_NAMESIZE bytes, as if_indextoname requires.
            let found = unsafe { libc::if_indextoname(a.scope_id(), name.as_mut_ptr()) };
            if found.is_null() {
                format!("{ip}%{}", a.scope_id())
            } else {
                // SAFETY: if_indextoname wrote a NUL-terminated name into `name`.
                let zone = unsafe { CStr::from_ptr(name.as_ptr()) };
                format!("{ip}%{}", zone.to_string_lossy())
            }
        }
    }
}

/// `tcp://host:port` / `tcp://[host]:port`, as libzmq's `tcp_address_t::to_string`.
pub fn tcp_endpoint(addr: &SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("tcp://{}:{}", numeric_host(addr), a.port()),
        SocketAddr::V6(a) => format!("tcp://[{}]:{}", numeric_host(addr), a.port()),
    }
}

/// libzmq's quick check of a tcp address given to `zmq_connect` (resolution waits for
/// the connection attempt): host characters, then ":" and a port that starts with a
/// digit.
pub fn tcp_connect_syntax_ok(address: &str) -> bool {
    let b = address.as_bytes();
    let mut i = 0;
    if b.first()
        .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'[' || c == b':')
    {
        i = 1;
        while b
            .get(i)
            .is_some_and(|&c| c.is_ascii_alphanumeric() || b".-:%;[]_*".contains(&c))
        {
            i += 1;
        }
    }
    if i != b.len() {
        return false;
    }
    match address.rfind(':') {
        Some(colon) => b.get(colon + 1).is_some_and(u8::is_ascii_digit),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bind(name: &str, ipv6: bool) -> Result<String> {
        resolve(name, Resolve::tcp(true, ipv6)).map(|a| tcp_endpoint(&a))
    }

    fn peer(name: &str, ipv6: bool) -> Result<String> {
        resolve(name, Resolve::tcp(false, ipv6)).map(|a| tcp_endpoint(&a))
    }

    #[test]
    fn ports_read_like_atoi() {
        assert_eq!(bind("127.0.0.1:*", false), Ok("tcp://127.0.0.1:0".into()));
        assert_eq!(bind("127.0.0.1:1x", false), Ok("tcp://127.0.0.1:1".into()));
        assert_eq!(bind("127.0.0.1:+5", false), Ok("tcp://127.0.0.1:5".into()));
        assert_eq!(
            bind("127.0.0.1:-1", false),
            Ok("tcp://127.0.0.1:65535".into())
        );
        assert_eq!(bind("127.0.0.1:65536", false), Err(Errno::EINVAL));
        assert_eq!(bind("127.0.0.1:00", false), Err(Errno::EINVAL));
        assert_eq!(bind("127.0.0.1", false), Err(Errno::EINVAL));
        assert_eq!(peer("127.0.0.1:*", false), Err(Errno::EINVAL));
        assert_eq!(peer("127.0.0.1:0", false), Ok("tcp://127.0.0.1:0".into()));
    }

    #[test]
    fn hosts_as_getaddrinfo_reads_them() {
        // inet_aton's short form, names from /etc/hosts, interfaces when binding.
        assert_eq!(bind("1.2.3:5", false), Ok("tcp://1.2.0.3:5".into()));
        assert_eq!(bind("localhost:5", false), Ok("tcp://127.0.0.1:5".into()));
        assert_eq!(bind("lo:5", false), Ok("tcp://127.0.0.1:5".into()));
        assert_eq!(bind("*:5", true), Ok("tcp://[::]:5".into()));
        // IPv4 becomes IPv4-mapped with ZMQ_IPV6.
        assert_eq!(
            bind("127.0.0.1:5", true),
            Ok("tcp://[::ffff:127.0.0.1]:5".into())
        );
        // An IPv6 literal needs ZMQ_IPV6; binding names a missing device, connecting
        // an invalid address.
        assert_eq!(bind("[::1]:5", false), Err(Errno(libc::ENODEV)));
        assert_eq!(peer("[::1]:5", false), Err(Errno::EINVAL));
        assert_eq!(bind("[::1]:5", true), Ok("tcp://[::1]:5".into()));
        assert_eq!(bind("[fe80::1%]:5", true), Err(Errno::EINVAL));
        assert_eq!(bind("[fe80::1%0]:5", true), Err(Errno::EINVAL));
    }

    #[test]
    fn sources_need_a_port() {
        assert!(resolve_tcp("127.0.0.1:0;127.0.0.1:5", false, false).is_ok());
        assert_eq!(
            resolve_tcp("127.0.0.1;127.0.0.1:5", false, false),
            Err(Errno::EINVAL)
        );
        let (peer, src) = resolve_tcp("lo:*;localhost:5", false, false).unwrap();
        assert_eq!(peer, "127.0.0.1:5".parse().unwrap());
        assert_eq!(src, Some("127.0.0.1:0".parse().unwrap()));
    }

    #[test]
    fn connect_syntax() {
        for ok in [
            "127.0.0.1:5",
            "host-name.example:5",
            "[::1]:5",
            "127.0.0.1;127.0.0.1:5",
            "127.0.0.1:5x",
            ":5",
            "a_b:5",
        ] {
            assert!(tcp_connect_syntax_ok(ok), "{ok}");
        }
        for bad in [
            "127.0.0.1:5 ",
            "127.0.0.1",
            "127.0.0.1:*",
            "-x:5",
            "a b:5",
            "x:",
            " x:5",
        ] {
            assert!(!tcp_connect_syntax_ok(bad), "{bad}");
        }
    }
}
