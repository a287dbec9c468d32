//! `tipc://` over the kernel's AF_TIPC stream sockets (Linux): libzmq's address forms
//! and their quirks, and the sockets. Where the kernel has no TIPC, opening a socket
//! fails with EAFNOSUPPORT: a bind reports it, a connect retries as for any peer that
//! is not there, as in libzmq.
//!
//! Address forms (libzmq's `tipc_address_t`, parsed with `sscanf`, whose rules are kept:
//! numbers may carry a sign and leading blanks, text after a complete form is ignored):
//! - `{type,lower,upper}`: a service range; type at least 64 (the reserved ones are
//!   below), lower <= upper. Bound, it is published; connected, one of it is picked.
//! - `{type,instance}[@z.c.n]`: one service instance looked up in a domain
//!   (default `1.0.0`); type above 64. The domain must be exactly three numbers.
//! - `<z.c.n:ref>`: one socket's identity; connect only.
//! - `<*>`: bind only: the kernel gives the socket an identity, reported as
//!   `<z.c.n:ref>` by ZMQ_LAST_ENDPOINT.

use std::io;
use std::os::fd::{AsRawFd, RawFd};

use socket2::{Domain, SockAddr, Socket, Type};

use crate::error::{Errno, Result};
use crate::sys::net::{self, RawTipc};

/// `AF_TIPC` (linux/socket.h); the libc crate does not name it.
pub(crate) const AF_TIPC: libc::c_int = 30;
const TIPC_ADDR_NAMESEQ: u8 = 1;
const TIPC_ADDR_NAME: u8 = 2;
const TIPC_ADDR_ID: u8 = 3;
const TIPC_ZONE_SCOPE: i8 = 1;
/// Service types below this are the kernel's own.
const TIPC_RESERVED_TYPES: u32 = 64;

/// A `tipc://` address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TipcAddress {
    NameSeq {
        kind: u32,
        lower: u32,
        upper: u32,
    },
    Name {
        kind: u32,
        instance: u32,
        domain: u32,
    },
    Id {
        node: u32,
        reference: u32,
    },
    /// `<*>`: an identity the kernel picks when the socket is made.
    Random,
}

/// `tipc_addr(z, c, n)`: zone, cluster and node packed into one word.
fn node_address(z: u32, c: u32, n: u32) -> u32 {
    (z << 24) | (c << 12) | n
}

impl TipcAddress {
    /// Parses what follows `tipc://`, as libzmq does.
    pub fn parse(text: &str) -> Result<TipcAddress> {
        if text.starts_with("<*>") {
            return Ok(TipcAddress::Random);
        }
        let seq = scan(text, "{%u,%u,%u}");
        let (mut z, mut c, mut n) = (1, 0, 0);
        if let Some(at) = text.find('@') {
            let domain = scan(&text[at..], "@%u.%u.%u");
            // Exactly three numbers and nothing after them (libzmq's `%c` check).
            if domain.values.len() != 3 || !domain.rest.is_empty() {
                return Err(Errno::EINVAL);
            }
            (z, c, n) = (domain.values[0], domain.values[1], domain.values[2]);
        }
        match *seq.values.as_slice() {
            [kind, lower, upper] => {
                if kind < TIPC_RESERVED_TYPES || upper < lower {
                    return Err(Errno::EINVAL);
                }
                Ok(TipcAddress::NameSeq { kind, lower, upper })
            }
            [kind, instance] if kind > TIPC_RESERVED_TYPES => Ok(TipcAddress::Name {
                kind,
                instance,
                domain: node_address(z, c, n),
            }),
            [] if !seq.input_failure => {
                let id = scan(text, "<%u.%u.%u:%u>");
                match *id.values.as_slice() {
                    [z, c, n, reference] => Ok(TipcAddress::Id {
                        node: node_address(z, c, n),
                        reference,
                    }),
                    _ => Err(Errno::EINVAL),
                }
            }
            _ => Err(Errno::EINVAL),
        }
    }

    /// The endpoint as libzmq prints it (ZMQ_LAST_ENDPOINT, monitor events). A name's
    /// domain is printed where a range's upper bound is, as libzmq's union does.
    pub fn to_endpoint(&self) -> String {
        match *self {
            TipcAddress::NameSeq { kind, lower, upper } => {
                format!("tipc://{{{kind}, {lower}, {upper}}}")
            }
            TipcAddress::Name {
                kind,
                instance,
                domain,
            } => format!("tipc://{{{kind}, {instance}, {domain}}}"),
            TipcAddress::Id { node, reference } => format!(
                "tipc://<{}.{}.{}:{reference}>",
                node >> 24,
                (node >> 12) & 0xfff,
                node & 0xfff
            ),
            TipcAddress::Random => "tipc://<0.0.0:0>".to_owned(),
        }
    }

    /// The kernel's `struct sockaddr_tipc`.
    fn raw(&self) -> RawTipc {
        let (addrtype, scope, addr) = match *self {
            TipcAddress::NameSeq { kind, lower, upper } => {
                (TIPC_ADDR_NAMESEQ, TIPC_ZONE_SCOPE, [kind, lower, upper])
            }
            TipcAddress::Name {
                kind,
                instance,
                domain,
            } => (TIPC_ADDR_NAME, 0, [kind, instance, domain]),
            // `struct tipc_portid` is the reference first, then the node.
            TipcAddress::Id { node, reference } => (TIPC_ADDR_ID, 0, [reference, node, 0]),
            TipcAddress::Random => (TIPC_ADDR_ID, 0, [0; 3]),
        };
        RawTipc {
            family: AF_TIPC as u16,
            addrtype,
            scope,
            addr,
        }
    }

    fn to_sockaddr(self) -> SockAddr {
        net::tipc_sockaddr(self.raw())
    }

    fn from_sockaddr(a: &SockAddr) -> Option<TipcAddress> {
        let raw = net::tipc_from_sockaddr(a, AF_TIPC)?;
        let [a0, a1, a2] = raw.addr;
        Some(match raw.addrtype {
            TIPC_ADDR_NAMESEQ => TipcAddress::NameSeq {
                kind: a0,
                lower: a1,
                upper: a2,
            },
            TIPC_ADDR_NAME => TipcAddress::Name {
                kind: a0,
                instance: a1,
                domain: a2,
            },
            _ => TipcAddress::Id {
                reference: a0,
                node: a1,
            },
        })
    }
}

/// What one `sscanf` call found: the numbers converted before the first mismatch, the
/// input after the last directive matched, and whether the input ended before the
/// first conversion (sscanf's EOF, which is not 0).
struct Scanned<'a> {
    values: Vec<u32>,
    rest: &'a str,
    input_failure: bool,
}

/// `sscanf(input, format, ...)` for formats of literal characters and `%u`, with glibc's
/// `%u`: blanks skipped, an optional sign, decimal digits; out of range saturates, a
/// minus negates modulo 2^64, and the result is truncated to 32 bits.
fn scan<'a>(input: &'a str, format: &str) -> Scanned<'a> {
    let mut rest = input;
    let mut values = Vec::new();
    let mut directives = format.split_inclusive("%u");
    let mut input_failure = false;
    'outer: for part in &mut directives {
        let (literal, conversion) = match part.strip_suffix("%u") {
            Some(l) => (l, true),
            None => (part, false),
        };
        for want in literal.chars() {
            match rest.chars().next() {
                Some(got) if got == want => rest = &rest[got.len_utf8()..],
                None => {
                    input_failure = values.is_empty();
                    break 'outer;
                }
                Some(_) => break 'outer,
            }
        }
        if !conversion {
            continue;
        }
        let trimmed = rest.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
        let (negative, unsigned) = match trimmed.as_bytes().first() {
            Some(b'-') => (true, &trimmed[1..]),
            Some(b'+') => (false, &trimmed[1..]),
            Some(_) => (false, trimmed),
            None => {
                input_failure = values.is_empty();
                break;
            }
        };
        let digits = unsigned.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            break;
        }
        let magnitude = unsigned[..digits].bytes().try_fold(0u64, |acc, d| {
            acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        });
        let value = match (magnitude, negative) {
            (None, _) => u64::MAX,
            (Some(m), true) => m.wrapping_neg(),
            (Some(m), false) => m,
        };
        values.push(value as u32);
        rest = &unsigned[digits..];
    }
    Scanned {
        values,
        rest,
        input_failure,
    }
}

fn tipc_socket() -> io::Result<Socket> {
    Socket::new(
        Domain::from(AF_TIPC),
        Type::STREAM.nonblocking().cloexec(),
        None,
    )
}

/// The address for a bind: an identity other than `<*>` cannot be bound (EINVAL).
pub fn bind_address(text: &str) -> Result<TipcAddress> {
    match TipcAddress::parse(text)? {
        TipcAddress::Id { .. } => Err(Errno::EINVAL),
        a => Ok(a),
    }
}

/// The address for a connect: `<*>` names no one (EINVAL).
pub fn connect_address(text: &str) -> Result<TipcAddress> {
    match TipcAddress::parse(text)? {
        TipcAddress::Random => Err(Errno::EINVAL),
        a => Ok(a),
    }
}

/// A listening socket, and the address it answers to (for `<*>`, the identity the
/// kernel gave it).
pub fn listen(addr: &TipcAddress, backlog: i32) -> Result<(Socket, TipcAddress)> {
    let s = tipc_socket()?;
    let bound = match addr {
        TipcAddress::Random => TipcAddress::from_sockaddr(&s.local_addr()?).ok_or(Errno::EINVAL)?,
        a => {
            s.bind(&a.to_sockaddr())?;
            *a
        }
    };
    s.listen(backlog.max(1))?;
    Ok((s, bound))
}

/// Starts a non-blocking connect.
pub fn connect(addr: &TipcAddress) -> Result<Socket> {
    let s = tipc_socket()?;
    match s.connect(&addr.to_sockaddr()) {
        Ok(()) => Ok(s),
        Err(e)
            if matches!(
                e.raw_os_error(),
                Some(libc::EINPROGRESS) | Some(libc::EINTR)
            ) =>
        {
            Ok(s)
        }
        Err(e) => Err(e.into()),
    }
}

/// Accepts one connection, non-blocking like every stream the I/O threads drive.
pub fn accept(listener: &Socket) -> io::Result<Socket> {
    let (s, _) = listener.accept()?;
    s.set_nonblocking(true)?;
    Ok(s)
}

/// A connected socket's local and remote endpoints, for monitor events.
pub fn names(s: &Socket) -> (String, String) {
    let name = |a: io::Result<SockAddr>| {
        a.ok()
            .as_ref()
            .and_then(TipcAddress::from_sockaddr)
            .map(|t| t.to_endpoint())
            .unwrap_or_default()
    };
    (name(s.local_addr()), name(s.peer_addr()))
}

/// For mio: a TIPC socket is registered by its descriptor.
pub fn raw_fd(s: &Socket) -> RawFd {
    s.as_raw_fd()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<String> {
        TipcAddress::parse(text).map(|a| a.to_endpoint())
    }

    /// Each case checked against Debian's libzmq 4.3.4 (ZMQ_LAST_ENDPOINT after a
    /// connect; its failures leave errno unset, we give EINVAL).
    #[test]
    fn address_forms_as_libzmq() {
        assert_eq!(parsed("{5560,0,0}").unwrap(), "tipc://{5560, 0, 0}");
        assert_eq!(parsed("{5560,0}").unwrap(), "tipc://{5560, 0, 16777216}");
        assert_eq!(
            parsed("{5560,0}@1.1.1").unwrap(),
            "tipc://{5560, 0, 16781313}"
        );
        assert_eq!(parsed("{5560,0}@0.0.0").unwrap(), "tipc://{5560, 0, 0}");
        assert_eq!(parsed("{64,0,0}").unwrap(), "tipc://{64, 0, 0}");
        assert_eq!(parsed("{65,0}").unwrap(), "tipc://{65, 0, 16777216}");
        assert_eq!(parsed("<1.2.3:4>").unwrap(), "tipc://<1.2.3:4>");
        assert_eq!(parsed("{-1,0,0}").unwrap(), "tipc://{4294967295, 0, 0}");
        assert_eq!(parsed("{5560,0,0}junk").unwrap(), "tipc://{5560, 0, 0}");
        assert_eq!(parsed("{+5560, 1, 2}").unwrap(), "tipc://{5560, 1, 2}");
        // glibc's %u: strtoul's 64 bits, truncated to 32; beyond 64 bits, saturated.
        assert_eq!(
            parsed("{99999999999,0,0}").unwrap(),
            "tipc://{1215752191, 0, 0}"
        );
        assert_eq!(
            parsed("{99999999999999999999999,0,0}").unwrap(),
            "tipc://{4294967295, 0, 0}"
        );
        assert_eq!(TipcAddress::parse("<*>"), Ok(TipcAddress::Random));
        for bad in [
            "{5560,0}@1.1.1x",
            "{10,0,0}",
            "{64,0}",
            "{5560,5,3}",
            "garbage",
            "{ 5560 , 0 , 0}",
            "{5560,0,0}@1.2",
            "{5560}",
            "<1.2.3>",
            "",
        ] {
            assert_eq!(TipcAddress::parse(bad), Err(Errno::EINVAL), "{bad:?}");
        }
    }

    #[test]
    fn bind_and_connect_forms() {
        assert_eq!(bind_address("<1.2.3:123123>"), Err(Errno::EINVAL));
        assert_eq!(connect_address("<*>"), Err(Errno::EINVAL));
        assert!(bind_address("<*>").is_ok());
        assert!(connect_address("<1.2.3:4>").is_ok());
    }

    #[test]
    fn sockaddr_round_trip() {
        for a in [
            TipcAddress::NameSeq {
                kind: 5560,
                lower: 1,
                upper: 9,
            },
            TipcAddress::Name {
                kind: 5561,
                instance: 3,
                domain: node_address(1, 1, 1),
            },
            TipcAddress::Id {
                node: node_address(1, 2, 3),
                reference: 77,
            },
        ] {
            let sa = a.to_sockaddr();
            assert_eq!(sa.family() as libc::c_int, AF_TIPC);
            assert_eq!(sa.len() as usize, 16);
            assert_eq!(TipcAddress::from_sockaddr(&sa), Some(a));
        }
    }

    #[test]
    fn no_tipc_in_the_kernel_is_eafnosupport() {
        // Where the kernel has TIPC this listens for real; where not, the errno libzmq
        // reports.
        match listen(&TipcAddress::Random, 1) {
            Ok((_, TipcAddress::Id { reference, .. })) => assert_ne!(reference, 0),
            Ok((_, other)) => panic!("bound as {other:?}"),
            Err(e) => assert_eq!(e, Errno(libc::EAFNOSUPPORT)),
        }
    }
}
