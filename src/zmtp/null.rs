//! The NULL mechanism (zmtp.md §4.1, null_mechanism.cpp, mechanism.cpp).
//!
//! Symmetric: each side sends READY as soon as the greeting is complete and the
//! handshake is done once READY has been both sent and received. During the handshake
//! every frame is taken as a command, whatever its COMMAND flag (libzmq does the same).

use super::command::{self, IDENTITY, SOCKET_TYPE};
use super::mechanism::{Mechanism, ZapAsker};
use super::socket_type;
use super::Error;

/// What the peer told us in its READY.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerProperties {
    /// `Socket-Type`, when sent (a missing one is accepted unchecked, as in libzmq).
    pub socket_type: Option<i32>,
    /// `Identity`, when sent.
    pub identity: Option<Vec<u8>>,
    /// Every property in wire order, the first of each name only.
    pub all: Vec<(Vec<u8>, Vec<u8>)>,
}

/// The READY body libzmq sends: `Socket-Type`, then `Identity` for REQ/DEALER/ROUTER
/// (even empty), then the `X-` application properties sorted by name, first of each
/// name kept, values cut at a NUL (they are C strings in libzmq).
#[cfg(test)]
pub fn ready_body(
    socket_type: i32,
    routing_id: &[u8],
    app_metadata: &[(String, Vec<u8>)],
) -> Vec<u8> {
    let mut body = command::READY.to_vec();
    append_basic_properties(&mut body, socket_type, routing_id, app_metadata);
    body
}

/// The properties shared by READY (NULL) and INITIATE/READY (PLAIN, CURVE).
pub fn append_basic_properties(
    out: &mut Vec<u8>,
    socket_type: i32,
    routing_id: &[u8],
    app_metadata: &[(String, Vec<u8>)],
) {
    let name = socket_type::name(socket_type).unwrap_or("");
    command::add_property(out, SOCKET_TYPE.as_bytes(), name.as_bytes());
    if socket_type::sends_identity(socket_type) {
        command::add_property(out, IDENTITY.as_bytes(), routing_id);
    }
    let mut app: Vec<&(String, Vec<u8>)> = Vec::with_capacity(app_metadata.len());
    for entry in app_metadata {
        if entry.0.len() <= 255 && !app.iter().any(|e| e.0 == entry.0) {
            app.push(entry);
        }
    }
    app.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, value) in app {
        let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
        command::add_property(out, name.as_bytes(), value.get(..end).unwrap_or(value));
    }
}

/// Parses and validates a property list as libzmq does: the Socket-Type must be
/// compatible with ours (checked when met, so it wins over a later malformation), the
/// list must be well formed.
pub fn parse_properties(local_type: i32, data: &[u8]) -> Result<PeerProperties, Error> {
    let mut peer = PeerProperties::default();
    for item in command::properties(data) {
        let (name, value) = item.map_err(|()| Error::InvalidMetadata)?;
        if name == SOCKET_TYPE.as_bytes() {
            if !socket_type::compatible(local_type, value) {
                return Err(Error::IncompatibleSocketType(value.to_vec()));
            }
            if peer.socket_type.is_none() {
                peer.socket_type = socket_type::from_name(value);
            }
        } else if name == IDENTITY.as_bytes() && peer.identity.is_none() {
            peer.identity = Some(value.to_vec());
        }
        if !peer.all.iter().any(|(n, _)| n == name) {
            peer.all.push((name.to_vec(), value.to_vec()));
        }
    }
    Ok(peer)
}

/// Handles the one command the NULL handshake expects from the peer: READY (done) or
/// ERROR (failure with the peer's reason). Anything else is an unexpected command.
#[cfg(test)]
pub fn process_handshake_frame(local_type: i32, body: &[u8]) -> Result<PeerProperties, Error> {
    if let Some(data) = body.strip_prefix(command::READY) {
        return parse_properties(local_type, data);
    }
    if let Some(data) = body.strip_prefix(command::ERROR) {
        let reason = command::error_reason(data).ok_or(Error::MalformedError)?;
        return Err(Error::PeerError(reason.to_vec()));
    }
    Err(Error::UnexpectedCommand)
}

/// NULL's handshake: READY each way. With a ZAP domain, ours waits for the handler's
/// decision (the peer's READY may come meanwhile: it is kept).
pub(crate) struct Null {
    /// Asks the handler once, when a domain is set.
    zap: Option<ZapAsker>,
    awaiting_zap: bool,
    /// Our property list, for our READY.
    properties: Vec<u8>,
    ready_sent: bool,
    peer: Option<Vec<u8>>,
}

impl Null {
    pub(crate) fn new(zap: Option<ZapAsker>, properties: Vec<u8>) -> Null {
        Null {
            zap,
            awaiting_zap: false,
            properties,
            ready_sent: false,
            peer: None,
        }
    }
}

impl Mechanism for Null {
    fn next_command(&mut self) -> Option<Vec<u8>> {
        if self.ready_sent || self.zap.is_some() || self.awaiting_zap {
            return None;
        }
        self.ready_sent = true;
        Some([command::READY, &self.properties].concat())
    }

    fn process_command(&mut self, body: &[u8]) -> Result<(), Error> {
        if self.peer.is_some() {
            return Err(Error::UnexpectedCommand);
        }
        if let Some(data) = body.strip_prefix(command::READY) {
            self.peer = Some(data.to_vec());
            return Ok(());
        }
        if let Some(data) = body.strip_prefix(command::ERROR) {
            let reason = command::error_reason(data).ok_or(Error::MalformedError)?;
            return Err(Error::PeerError(reason.to_vec()));
        }
        Err(Error::UnexpectedCommand)
    }

    fn zap_request(&mut self) -> Option<Vec<Vec<u8>>> {
        let asker = self.zap.take()?;
        self.awaiting_zap = true;
        Some(asker.request("NULL", &[]))
    }

    fn zap_accepted(&mut self) {
        self.awaiting_zap = false;
    }

    fn is_ready(&self) -> bool {
        self.ready_sent && self.peer.is_some()
    }

    fn peer_properties(&self) -> Option<&[u8]> {
        self.peer.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::super::codec::{encode_frame, Framing};
    use super::*;

    fn ready_frame(socket_type: i32, id: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        encode_frame(
            &mut v,
            Framing::V2,
            false,
            true,
            &ready_body(socket_type, id, &[]),
        );
        v
    }

    /// vectors/ready_dealer_id_abc.bin
    pub(crate) const READY_DEALER_ID_ABC: &[u8] =
        b"\x04\x2c\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER\x08Identity\x00\x00\x00\x03abc";
    /// vectors/ready_router_noid.bin
    pub(crate) const READY_ROUTER_NOID: &[u8] =
        b"\x04\x29\x05READY\x0bSocket-Type\x00\x00\x00\x06ROUTER\x08Identity\x00\x00\x00\x00";
    /// vectors/ready_sub.bin
    pub(crate) const READY_SUB: &[u8] = b"\x04\x19\x05READY\x0bSocket-Type\x00\x00\x00\x03SUB";

    #[test]
    fn ready_vectors() {
        assert_eq!(READY_DEALER_ID_ABC.len(), 46);
        assert_eq!(
            ready_frame(socket_type::DEALER, b"abc"),
            READY_DEALER_ID_ABC
        );
        assert_eq!(ready_frame(socket_type::ROUTER, b""), READY_ROUTER_NOID);
        assert_eq!(ready_frame(socket_type::SUB, b"ignored"), READY_SUB);
    }

    #[test]
    fn app_metadata_is_sorted_deduplicated_and_cut_at_nul() {
        let md = vec![
            ("X-b".to_string(), b"2".to_vec()),
            ("X-a".to_string(), b"1\0hidden".to_vec()),
            ("X-b".to_string(), b"later".to_vec()),
        ];
        let body = ready_body(socket_type::PUSH, b"", &md);
        let props: Vec<_> = command::properties(&body[6..])
            .map(|p| p.unwrap())
            .collect();
        assert_eq!(
            props,
            vec![
                (&b"Socket-Type"[..], &b"PUSH"[..]),
                (&b"X-a"[..], &b"1"[..]),
                (&b"X-b"[..], &b"2"[..]),
            ]
        );
    }

    #[test]
    fn parses_and_validates_ready() {
        let p = process_handshake_frame(socket_type::ROUTER, &READY_DEALER_ID_ABC[2..]).unwrap();
        assert_eq!(p.socket_type, Some(socket_type::DEALER));
        assert_eq!(p.identity.as_deref(), Some(&b"abc"[..]));
        assert_eq!(p.all.len(), 2);
        assert_eq!(
            process_handshake_frame(socket_type::PUB, &READY_DEALER_ID_ABC[2..]),
            Err(Error::IncompatibleSocketType(b"DEALER".to_vec()))
        );
        // A missing Socket-Type passes.
        assert_eq!(
            process_handshake_frame(socket_type::PUB, b"\x05READY"),
            Ok(PeerProperties::default())
        );
        // Truncated property, stray trailing byte.
        assert_eq!(
            process_handshake_frame(socket_type::ROUTER, &READY_DEALER_ID_ABC[2..45]),
            Err(Error::InvalidMetadata)
        );
        let mut trailing = READY_DEALER_ID_ABC[2..].to_vec();
        trailing.push(7);
        assert_eq!(
            process_handshake_frame(socket_type::ROUTER, &trailing),
            Err(Error::InvalidMetadata)
        );
        // Duplicate names: the first wins.
        let mut dup = b"\x05READY".to_vec();
        command::add_property(&mut dup, b"X-k", b"one");
        command::add_property(&mut dup, b"X-k", b"two");
        let p = process_handshake_frame(socket_type::ROUTER, &dup).unwrap();
        assert_eq!(p.all, vec![(b"X-k".to_vec(), b"one".to_vec())]);
    }

    #[test]
    fn error_and_unexpected_commands() {
        assert_eq!(
            process_handshake_frame(socket_type::DEALER, b"\x05ERROR\x03400"),
            Err(Error::PeerError(b"400".to_vec()))
        );
        assert_eq!(
            process_handshake_frame(socket_type::DEALER, b"\x05ERROR\x05400"),
            Err(Error::MalformedError)
        );
        assert_eq!(
            process_handshake_frame(socket_type::DEALER, b"\x05ERROR"),
            Err(Error::MalformedError)
        );
        assert_eq!(
            process_handshake_frame(socket_type::DEALER, b"\x04PING\x00\x00"),
            Err(Error::UnexpectedCommand)
        );
        assert_eq!(
            process_handshake_frame(socket_type::DEALER, b""),
            Err(Error::UnexpectedCommand)
        );
        // The PLAIN "^RROR" of libzmq 4.3.x is no ERROR to NULL.
        assert_eq!(
            process_handshake_frame(socket_type::DEALER, b"\x5eRROR\x03400"),
            Err(Error::UnexpectedCommand)
        );
    }
}
