//! `norm://` endpoints: `[id,][iface;]addr:port` as libzmq's norm engine reads them.
//! The framing of messages in a NORM stream is `zmtp::norm`; libnorm carries them
//! (`crate::sys::norm`); `crate::io` moves them.

use super::pgm::atoi;
use crate::error::{Errno, Result};

/// NORM_NODE_ANY: NORM picks the node id (from the host's address).
pub(crate) const NODE_ANY: u32 = u32::MAX;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The local NORM node id (`id,`), or [`NODE_ANY`].
    pub node_id: u32,
    /// The multicast interface's name (`iface;`).
    pub interface: Option<String>,
    pub address: String,
    pub port: u16,
}

impl Endpoint {
    /// Split at the first `,`, the first `;` after it and the last `:`, as libzmq does;
    /// EINVAL without a `:`. The id and port are read with `atoi`, the pieces cut to
    /// libzmq's buffers (31 and 255 bytes).
    pub fn parse(text: &str) -> Result<Endpoint> {
        let (node_id, rest) = match text.split_once(',') {
            Some((id, rest)) => (atoi(truncate(id, 31)) as u32, rest),
            None => (NODE_ANY, text),
        };
        let (interface, rest) = match rest.split_once(';') {
            Some((iface, rest)) => (Some(truncate(iface, 255).to_owned()), rest),
            None => (None, rest),
        };
        let (address, port) = rest.rsplit_once(':').ok_or(Errno::EINVAL)?;
        Ok(Endpoint {
            node_id,
            interface,
            address: truncate(address, 255).to_owned(),
            port: atoi(port) as u16,
        })
    }
}

fn truncate(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_as_libzmq_splits_them() {
        assert_eq!(
            Endpoint::parse("7,eth0;239.1.2.3:5556").unwrap(),
            Endpoint {
                node_id: 7,
                interface: Some("eth0".into()),
                address: "239.1.2.3".into(),
                port: 5556
            }
        );
        let e = Endpoint::parse("224.1.2.3:5556").unwrap();
        assert_eq!((e.node_id, e.interface, e.port), (NODE_ANY, None, 5556));
        assert_eq!(
            Endpoint::parse("eth0;239.1.2.3").map(|_| ()),
            Err(Errno::EINVAL)
        );
        assert_eq!(Endpoint::parse("x,y").map(|_| ()), Err(Errno::EINVAL));
        // The last ':' splits off the port; atoi reads what it can of it.
        let e = Endpoint::parse("lo;ff02::1:12x").unwrap();
        assert_eq!((e.address.as_str(), e.port), ("ff02::1", 12));
    }
}
