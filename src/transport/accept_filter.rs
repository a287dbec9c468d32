//! `ZMQ_TCP_ACCEPT_FILTER`: which peers a tcp listener accepts (libzmq's
//! `tcp_address_mask_t`). The address is read by the same numeric-only resolver as
//! endpoints, so a filter means what the same text means in `zmq_bind`.

use std::net::IpAddr;

use super::ip::{self, Resolve};
use crate::ctext::strtol;
use crate::error::{Errno, Result};

/// One `ZMQ_TCP_ACCEPT_FILTER` entry: a network address and the number of leading bits of
/// it a peer's address must share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpAcceptFilter {
    /// The address as the resolver returned it. With `ZMQ_IPV6` set when the filter was
    /// added, an IPv4 literal becomes its IPv4-mapped IPv6 address, as in libzmq.
    pub address: IpAddr,
    /// Prefix length: 0..=32 for IPv4, 0..=128 for IPv6 (0 matches every address of the
    /// family).
    pub prefix: u8,
}

impl TcpAcceptFilter {
    /// Parses "address[/bits]": the address may be bracketed and carry a `%zone`, which
    /// must name an existing interface or be a non-zero number; "/" with nothing after
    /// it, and bits outside 0..=32 (IPv4) or 0..=128 (IPv6), are `EINVAL`.
    pub fn parse(name: &[u8], ipv6: bool) -> Result<TcpAcceptFilter> {
        let (addr, mask) = match name.iter().rposition(|&b| b == b'/') {
            Some(slash) if slash + 1 == name.len() => return Err(Errno::EINVAL),
            Some(slash) => (&name[..slash], Some(&name[slash + 1..])),
            None => (name, None),
        };
        let addr = std::str::from_utf8(addr).map_err(|_| Errno::EINVAL)?;
        let numeric = Resolve {
            bindable: false,
            allow_dns: false,
            allow_nic_name: false,
            ipv6,
            expect_port: false,
        };
        let address = ip::resolve(addr, numeric)?.ip();
        let full: i64 = if address.is_ipv6() { 128 } else { 32 };
        let prefix = match mask {
            None => full,
            Some(b"0") => 0,
            Some(m) => match strtol(m) {
                bits if (1..=full).contains(&bits) => bits,
                _ => return Err(Errno::EINVAL),
            },
        };
        Ok(TcpAcceptFilter {
            address,
            prefix: prefix as u8,
        })
    }

    /// Whether a peer at `peer` passes this filter (libzmq's `match_address`). The address
    /// families must be equal: pass the address exactly as the kernel reported it (an IPv4
    /// peer on an IPv6 listener is an IPv4-mapped IPv6 address; do not canonicalize it).
    pub fn matches(&self, peer: &IpAddr) -> bool {
        let (ours, theirs): (Vec<u8>, Vec<u8>) = match (self.address, peer) {
            (IpAddr::V4(a), IpAddr::V4(b)) => (a.octets().to_vec(), b.octets().to_vec()),
            (IpAddr::V6(a), IpAddr::V6(b)) => (a.octets().to_vec(), b.octets().to_vec()),
            _ => return false,
        };
        let bits = usize::from(self.prefix).min(ours.len() * 8);
        let full = bits / 8;
        if ours[..full] != theirs[..full] {
            return false;
        }
        let rest = bits % 8;
        if rest > 0 {
            let mask = 0xFFu8 << (8 - rest);
            if ours[full] & mask != theirs[full] & mask {
                return false;
            }
        }
        true
    }
}
