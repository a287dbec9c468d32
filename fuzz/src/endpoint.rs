//! Endpoint strings: `transport://address` and each transport's address syntax.

use std::net::IpAddr;

use zmq_rs::socket::parse_endpoint;
use zmq_rs::transport::{self, pgm, socks, tipc, udp, Address};

/// Whether every host in `addr` (`[source;]host:port`) is a literal or `*`, so that
/// resolving it asks no name server (a fuzzer must not wait on DNS).
fn literal_hosts(addr: &str) -> bool {
    addr.split(';').all(|part| {
        let host = part.rsplit_once(':').map_or(part, |(h, _)| h);
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let host = host.split('%').next().unwrap_or(host);
        host == "*" || host.parse::<IpAddr>().is_ok()
    })
}

/// Arbitrary endpoint text through every parser a bind or connect uses. Properties:
/// no panic; the transport split is exact; a resolved tcp address printed as
/// ZMQ_LAST_ENDPOINT prints it parses back to itself.
pub fn endpoint(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let ipv6 = flags & 1 != 0;
    let addr = match parse_endpoint(text) {
        Ok((proto, addr)) => {
            assert_eq!(format!("{proto}://{addr}"), text);
            addr
        }
        Err(_) => text.split_once("://").map_or(text, |(_, a)| a),
    };
    // A bind resolves names too (as libzmq's): only literal hosts here.
    let bound = if literal_hosts(addr) {
        transport::tcp_bind_address(addr, ipv6).ok()
    } else {
        None
    };
    if let Some(a @ Address::Tcp { .. }) = bound {
        let Address::Tcp { addr: sa, .. } = &a else {
            unreachable!()
        };
        let printed = a.to_endpoint();
        let again = transport::tcp_bind_address(&printed["tcp://".len()..], ipv6);
        let scoped = matches!(sa, std::net::SocketAddr::V6(v) if v.scope_id() != 0);
        if !scoped {
            assert_eq!(again.as_ref().ok(), Some(&a), "{printed}");
        }
    }
    if literal_hosts(addr) {
        let _ = transport::tcp_connect_address(addr, ipv6);
        let _ = udp::resolve(addr, flags & 2 != 0, ipv6);
    }
    if addr != "*" {
        let _ = transport::ipc_address(addr);
    }
    if let Ok((host, port)) = socks::parse_destination(addr) {
        assert!(port > 0 && !host.is_empty() && host.len() <= 255);
        let _ = socks::Socks5Client::new(&host, port, None);
    }
    // tipc: a range or an identity prints as a form that parses back to itself.
    if let Ok(t) = tipc::TipcAddress::parse(addr) {
        if matches!(
            t,
            tipc::TipcAddress::NameSeq { .. } | tipc::TipcAddress::Id { .. }
        ) {
            let printed = t.to_endpoint();
            assert_eq!(tipc::TipcAddress::parse(&printed["tipc://".len()..]), Ok(t));
        }
    }
    if let Ok((network, port)) = pgm::parse(addr) {
        assert!(port != 0 && network.len() < 255);
    }
}
