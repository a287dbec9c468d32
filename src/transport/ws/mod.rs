//! WebSocket transports, `ws://host:port/path` and `wss://` (the same over TLS):
//! addresses here; the upgrade handshake in [`handshake`], frames in [`frame`]. ZWS
//! 2.0's mapping of ZMTP onto frames is `zmtp::zws`, TLS is `transport::tls`.

pub mod frame;
pub mod handshake;

use std::net::SocketAddr;

use super::resolve_ip;
use crate::error::{Errno, Result};

/// A ws/wss endpoint: where the tcp connection goes, and what the upgrade says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsAddress {
    pub addr: SocketAddr,
    /// TLS under the WebSocket (`wss://`).
    pub tls: bool,
    /// The host as written, without the port (`[::1]` keeps its brackets): the
    /// connect side's `Host` header.
    pub host: String,
    /// The request path, `/` when none was given.
    pub path: String,
}

impl WsAddress {
    /// `ws[s]://host:port/path` with the address's numeric host, as libzmq prints a
    /// bound endpoint (ZMQ_LAST_ENDPOINT: `ws://0.0.0.0:5555/path`, `ws://[::1]:5555/`).
    pub fn to_endpoint(&self) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        match self.addr {
            SocketAddr::V4(a) => format!("{scheme}://{}:{}{}", a.ip(), a.port(), self.path),
            SocketAddr::V6(a) => format!("{scheme}://[{}]:{}{}", a.ip(), a.port(), self.path),
        }
    }

    /// The `Host` header: the name (or literal) given, with the port.
    pub fn host_header(&self) -> String {
        format!("{}:{}", self.host, self.addr.port())
    }
}

/// Splits `host:port/path`: the path starts at the first `/` after the port (libzmq
/// takes the last `/` of the whole address, which cuts `/a/b` down to `/b`; the first
/// keeps such paths whole and is the same for every other address).
fn split(addr: &str) -> Result<(&str, &str, String)> {
    let colon = addr.rfind(':').ok_or(Errno::EINVAL)?;
    let (authority, path) = match addr[colon..].find('/') {
        Some(i) => addr.split_at(colon + i),
        None => (addr, "/"),
    };
    let host = &authority[..colon];
    if host.is_empty() {
        return Err(Errno::EINVAL);
    }
    Ok((authority, host, path.to_owned()))
}

/// A ws/wss address to bind: `*` or an interface or a literal, `*` or a port.
pub fn bind_address(addr: &str, tls: bool, ipv6: bool) -> Result<WsAddress> {
    let (authority, host, path) = split(addr)?;
    Ok(WsAddress {
        addr: resolve_ip(authority, true, false, ipv6)?,
        tls,
        host: host.to_owned(),
        path,
    })
}

/// A ws/wss address to connect to: a name is resolved now, the port must be given.
pub fn connect_address(addr: &str, tls: bool, ipv6: bool) -> Result<WsAddress> {
    let (authority, host, path) = split(addr)?;
    let sa = resolve_ip(authority, false, true, ipv6)?;
    if sa.port() == 0 {
        return Err(Errno::EINVAL);
    }
    Ok(WsAddress {
        addr: sa,
        tls,
        host: host.to_owned(),
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_print_as_libzmq_prints_them() {
        let a = bind_address("*:*/roundtrip", false, false).unwrap();
        assert_eq!(a.path, "/roundtrip");
        let bound = WsAddress {
            addr: "0.0.0.0:5555".parse().unwrap(),
            ..a
        };
        assert_eq!(bound.to_endpoint(), "ws://0.0.0.0:5555/roundtrip");
        // No path: "/".
        let a = bind_address("127.0.0.1:5556", true, false).unwrap();
        assert_eq!(a.to_endpoint(), "wss://127.0.0.1:5556/");
        let a = bind_address("[::1]:7/x", false, true).unwrap();
        assert_eq!(a.to_endpoint(), "ws://[::1]:7/x");
        // An IPv6 literal needs ZMQ_IPV6 to bind (else, as libzmq's resolver says of a
        // local address it cannot resolve, ENODEV); a wildcard port does not connect.
        assert_eq!(
            bind_address("[::1]:7", false, false),
            Err(Errno(libc::ENODEV))
        );
        assert_eq!(
            connect_address("127.0.0.1:*", false, false),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            connect_address("127.0.0.1", false, false),
            Err(Errno::EINVAL)
        );
        assert_eq!(connect_address(":80/x", false, false), Err(Errno::EINVAL));
    }

    #[test]
    fn connect_side_keeps_the_name_for_host() {
        let a = connect_address("localhost:8080/a/b", false, false).unwrap();
        assert_eq!(a.addr, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(a.path, "/a/b");
        assert_eq!(a.host_header(), "localhost:8080");
        let a = connect_address("[::1]:9", true, true).unwrap();
        assert_eq!(
            (a.host_header().as_str(), a.path.as_str()),
            ("[::1]:9", "/")
        );
        // A path with a colon in it is still a path.
        let a = connect_address("127.0.0.1:9/x:y", false, false);
        assert!(a.is_err(), "libzmq splits at the last colon too");
    }
}
