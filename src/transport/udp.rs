//! `udp://` for RADIO (connect: where datagrams go) and DISH (bind: where they arrive),
//! unicast or multicast. Addresses resolve as libzmq's `udp_address_t`; each datagram
//! is one message: group length (one byte), group, body (libzmq's udp engine).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::resolve_ip;
use crate::error::{Errno, Result};

/// libzmq's `MAX_UDP_MSG`: the largest datagram sent or received.
pub(crate) const MAX_DATAGRAM: usize = 8192;

/// A resolved `udp://` address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpAddress {
    /// Where a sender sends; the group (or unicast address) a receiver listens on.
    pub target: SocketAddr,
    /// Where a receiver binds; for multicast, the interface it joins on.
    pub bind: SocketAddr,
    /// The `iface;` part's interface index (IPv6 multicast); 0 for any.
    pub interface: u32,
    pub multicast: bool,
}

fn any(addr: &SocketAddr) -> IpAddr {
    match addr {
        SocketAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        SocketAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    }
}

/// Resolves `[iface;]host:port`, for a bind (DISH) or a connect (RADIO).
pub fn resolve(name: &str, bind: bool, ipv6: bool) -> Result<UdpAddress> {
    let (source, name) = match name.rsplit_once(';') {
        Some((src, rest)) => {
            // The source names a local address or interface, without a port.
            let host = if src.contains(':') && !src.starts_with('[') {
                format!("[{src}]:0")
            } else {
                format!("{src}:0")
            };
            let addr = resolve_ip(&host, true, false, ipv6)?;
            if addr.ip().is_multicast() {
                return Err(Errno::EINVAL);
            }
            let index = if src == "*" {
                Some(0)
            } else {
                let i = crate::sys::net::if_nametoindex(src);
                (i != 0).then_some(i)
            };
            (Some((addr, index)), rest)
        }
        None => (None, name),
    };
    let target = resolve_ip(name, bind, true, ipv6)?;
    let multicast = target.ip().is_multicast();
    let (bind_addr, interface) = match source {
        Some((mut addr, index)) => {
            if !multicast {
                return Err(Errno::EINVAL);
            }
            addr.set_port(target.port());
            (addr, index)
        }
        None if multicast || !bind => (SocketAddr::new(any(&target), target.port()), Some(0)),
        None => (target, Some(0)),
    };
    if bind_addr.is_ipv4() != target.is_ipv4() {
        return Err(Errno::EINVAL);
    }
    if ipv6 && multicast && interface.is_none() {
        return Err(Errno(libc::ENODEV));
    }
    Ok(UdpAddress {
        target,
        bind: bind_addr,
        interface: interface.unwrap_or(0),
        multicast,
    })
}

/// What the socket's options say about its datagram socket.
#[derive(Debug, Clone, Default)]
pub struct UdpOptions {
    pub multicast_loop: bool,
    /// `ZMQ_MULTICAST_HOPS`; 0 leaves the system's default.
    pub multicast_hops: i32,
    pub bound_device: Vec<u8>,
}

/// Opens the datagram socket of a sender, a receiver or both, set up as libzmq's udp
/// engine does: a receiver of multicast binds the any address on the group's port
/// (with SO_REUSEPORT, so several may listen) and joins the group.
pub fn open(
    addr: &UdpAddress,
    send: bool,
    receive: bool,
    o: &UdpOptions,
) -> io::Result<mio::net::UdpSocket> {
    let domain = if addr.target.is_ipv4() {
        Domain::IPV4
    } else {
        Domain::IPV6
    };
    let s = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))?;
    s.set_nonblocking(true)?;
    if domain == Domain::IPV6 {
        // Dual stack, as an IPv6 tcp listener is: IPv4 senders reach a `*` bind too.
        let _ = s.set_only_v6(false);
    }
    if !o.bound_device.is_empty() {
        s.bind_device(Some(&o.bound_device))?;
    }
    if send && addr.multicast {
        match addr.target.ip() {
            IpAddr::V4(_) => {
                s.set_multicast_loop_v4(o.multicast_loop)?;
                if o.multicast_hops > 0 {
                    s.set_multicast_ttl_v4(o.multicast_hops as u32)?;
                }
                if let IpAddr::V4(ip) = addr.bind.ip() {
                    if !ip.is_unspecified() {
                        s.set_multicast_if_v4(&ip)?;
                    }
                }
            }
            IpAddr::V6(_) => {
                s.set_multicast_loop_v6(o.multicast_loop)?;
                if o.multicast_hops > 0 {
                    s.set_multicast_hops_v6(o.multicast_hops as u32)?;
                }
                if addr.interface > 0 {
                    s.set_multicast_if_v6(addr.interface)?;
                }
            }
        }
    }
    if receive {
        s.set_reuse_address(true)?;
        let local = if addr.multicast {
            s.set_reuse_port(true)?;
            SocketAddr::new(any(&addr.target), addr.target.port())
        } else {
            addr.bind
        };
        s.bind(&SockAddr::from(local))?;
        if addr.multicast {
            match (addr.target.ip(), addr.bind.ip()) {
                (IpAddr::V4(group), IpAddr::V4(iface)) => s.join_multicast_v4(&group, &iface)?,
                (IpAddr::V6(group), _) => s.join_multicast_v6(&group, addr.interface)?,
                _ => return Err(io::Error::from_raw_os_error(libc::EINVAL)),
            }
        }
    }
    Ok(mio::net::UdpSocket::from_std(s.into()))
}

/// A message as a datagram in `out`; false when it does not fit in one (libzmq's buffer).
pub fn encode(group: &[u8], body: &[u8], out: &mut Vec<u8>) -> bool {
    let Ok(len) = u8::try_from(group.len()) else {
        return false;
    };
    if 1 + group.len() + body.len() > MAX_DATAGRAM {
        return false;
    }
    out.clear();
    out.push(len);
    out.extend_from_slice(group);
    out.extend_from_slice(body);
    true
}

/// The (group, body) of a datagram; `None` for one shorter than its group length says.
pub fn decode(datagram: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&len, rest) = datagram.split_first()?;
    let len = usize::from(len);
    (rest.len() >= len).then(|| rest.split_at(len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datagram_layout() {
        let mut out = Vec::new();
        assert!(encode(b"TV", b"Friends", &mut out));
        assert_eq!(out, b"\x02TVFriends");
        assert_eq!(decode(&out), Some((&b"TV"[..], &b"Friends"[..])));
        assert_eq!(decode(b"\x00"), Some((&b""[..], &b""[..])));
        assert_eq!(decode(b"\x05TV"), None);
        assert_eq!(decode(b""), None);
        assert!(!encode(b"", &[0; MAX_DATAGRAM], &mut out));
    }

    #[test]
    fn resolves_like_libzmq() {
        let a = resolve("*:5556", true, false).unwrap();
        assert_eq!(a.bind, "0.0.0.0:5556".parse().unwrap());
        assert!(!a.multicast);
        let a = resolve("*:5556", true, true).unwrap();
        assert_eq!(a.bind, "[::]:5556".parse().unwrap());
        let a = resolve("127.0.0.1:5556", false, false).unwrap();
        assert_eq!(a.target, "127.0.0.1:5556".parse().unwrap());
        let a = resolve("226.8.5.5:5555", true, false).unwrap();
        assert!(a.multicast);
        assert_eq!(a.bind, "0.0.0.0:5555".parse().unwrap());
        let a = resolve("127.0.0.1;226.8.5.5:5555", false, false).unwrap();
        assert_eq!(a.bind, "127.0.0.1:5555".parse().unwrap());
        // An interface only goes with a multicast group.
        assert_eq!(
            resolve("127.0.0.1;127.0.0.1:5555", false, false),
            Err(Errno::EINVAL)
        );
        assert_eq!(resolve("nonsense", true, false), Err(Errno::EINVAL));
    }

    #[test]
    fn unicast_datagram_round_trip() {
        let to = resolve("127.0.0.1:0", true, false).unwrap();
        let rx = open(&to, false, true, &UdpOptions::default()).unwrap();
        let mut to = to;
        to.target = rx.local_addr().unwrap();
        let tx = open(&to, true, false, &UdpOptions::default()).unwrap();
        tx.send_to(b"\x02TVx", to.target).unwrap();
        let mut buf = [0u8; 64];
        let mut n = None;
        for _ in 0..200 {
            match rx.recv_from(&mut buf) {
                Ok((k, _)) => {
                    n = Some(k);
                    break;
                }
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
            }
        }
        assert_eq!(&buf[..n.unwrap()], b"\x02TVx");
    }
}
