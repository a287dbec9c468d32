//! IP addresses as libzmq resolves and prints them (`ip_resolver_t`, `tcp_address_t`):
//! "host:port" where the host is `*` (binding), a network interface's name (binding),
//! a literal or a name for `getaddrinfo`, optionally in brackets and with a `%zone`; the
//! port is `*` (binding), `0`, or whatever C's `atoi` makes of the text.
//!
//! Resolution goes through the C library's `getaddrinfo` with libzmq's flags, so what a
//! name means (inet_aton's short forms like "1.2.3", /etc/hosts, IPv4-mapped results
//! with ZMQ_IPV6) is exactly what it means to libzmq on the same machine.

use std::ffi::CString;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};

use crate::ctext::atoi;
use crate::error::{Errno, Result};
use crate::sys::net;

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
                net::if_nametoindex(zone)
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
        .then(|| net::interface_address(host, opts.ipv6))
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
    let mut rc = net::getaddrinfo(&chost, family, flags);
    if rc == Err(libc::EAI_BADFLAGS) && opts.ipv6 {
        rc = net::getaddrinfo(&chost, family, flags & !libc::AI_V4MAPPED);
    }
    match rc {
        Ok(ip) => ip.ok_or_else(failed),
        Err(libc::EAI_MEMORY) => Err(Errno::ENOMEM),
        Err(_) => Err(failed()),
    }
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
            match net::if_indextoname(a.scope_id()) {
                Some(zone) => format!("{ip}%{zone}"),
                None => format!("{ip}%{}", a.scope_id()),
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
