//! Socket-type names on the wire and libzmq's compatibility table (zmtp.md §3.3).

/// `ZMQ_*` socket type numbers, in libzmq's order (draft ones included: the table in
/// mechanism.cpp).
const NAMES: [&str; 21] = [
    "PAIR", "PUB", "SUB", "REQ", "REP", "DEALER", "ROUTER", "PULL", "PUSH", "XPUB", "XSUB",
    "STREAM", "SERVER", "CLIENT", "RADIO", "DISH", "GATHER", "SCATTER", "DGRAM", "PEER", "CHANNEL",
];

pub(crate) const PAIR: i32 = 0;
pub(crate) const PUB: i32 = 1;
pub(crate) const SUB: i32 = 2;
pub(crate) const REQ: i32 = 3;
pub(crate) const REP: i32 = 4;
pub(crate) const DEALER: i32 = 5;
pub(crate) const ROUTER: i32 = 6;
pub(crate) const PULL: i32 = 7;
pub(crate) const PUSH: i32 = 8;
pub(crate) const XPUB: i32 = 9;
pub(crate) const XSUB: i32 = 10;
pub(crate) const SERVER: i32 = 12;
pub(crate) const CLIENT: i32 = 13;
pub(crate) const RADIO: i32 = 14;
pub(crate) const DISH: i32 = 15;
pub(crate) const GATHER: i32 = 16;
pub(crate) const SCATTER: i32 = 17;
pub(crate) const DGRAM: i32 = 18;
pub(crate) const PEER: i32 = 19;
pub(crate) const CHANNEL: i32 = 20;

/// The upper-case name sent as `Socket-Type`.
pub fn name(socket_type: i32) -> Option<&'static str> {
    NAMES.get(usize::try_from(socket_type).ok()?).copied()
}

/// The number of a wire name (exact, case-sensitive).
pub fn from_name(name: &[u8]) -> Option<i32> {
    NAMES
        .iter()
        .position(|n| n.as_bytes() == name)
        .and_then(|i| i32::try_from(i).ok())
}

/// Whether a peer announcing `peer` may talk to our `local` type.
pub fn compatible(local: i32, peer: &[u8]) -> bool {
    let Some(peer) = from_name(peer) else {
        return false;
    };
    let accepted: &[i32] = match local {
        REQ => &[REP, ROUTER],
        REP => &[REQ, DEALER],
        DEALER => &[REP, DEALER, ROUTER],
        ROUTER => &[REQ, DEALER, ROUTER],
        PUSH => &[PULL],
        PULL => &[PUSH],
        PUB | XPUB => &[SUB, XSUB],
        SUB | XSUB => &[PUB, XPUB],
        PAIR => &[PAIR],
        SERVER => &[CLIENT],
        CLIENT => &[SERVER],
        RADIO => &[DISH],
        DISH => &[RADIO],
        GATHER => &[SCATTER],
        SCATTER => &[GATHER],
        DGRAM => &[DGRAM],
        PEER => &[PEER],
        CHANNEL => &[CHANNEL],
        _ => &[],
    };
    accepted.contains(&peer)
}

/// Whether libzmq sends an `Identity` property for this type (always, even empty).
pub fn sends_identity(socket_type: i32) -> bool {
    matches!(socket_type, REQ | DEALER | ROUTER)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants as c;

    #[test]
    fn numbers_match_zmq_h() {
        for (t, n) in [
            (c::ZMQ_PAIR, "PAIR"),
            (c::ZMQ_PUB, "PUB"),
            (c::ZMQ_SUB, "SUB"),
            (c::ZMQ_REQ, "REQ"),
            (c::ZMQ_REP, "REP"),
            (c::ZMQ_DEALER, "DEALER"),
            (c::ZMQ_ROUTER, "ROUTER"),
            (c::ZMQ_PULL, "PULL"),
            (c::ZMQ_PUSH, "PUSH"),
            (c::ZMQ_XPUB, "XPUB"),
            (c::ZMQ_XSUB, "XSUB"),
            (c::ZMQ_STREAM, "STREAM"),
        ] {
            assert_eq!(name(t), Some(n));
            assert_eq!(from_name(n.as_bytes()), Some(t));
        }
        assert_eq!(name(CHANNEL), Some("CHANNEL"));
        assert_eq!(name(21), None);
        assert_eq!(name(-1), None);
    }

    #[test]
    fn compatibility_is_exact() {
        assert!(compatible(DEALER, b"ROUTER"));
        assert!(compatible(SUB, b"XPUB"));
        assert!(!compatible(SUB, b"SUB"));
        assert!(!compatible(DEALER, b"router"));
        assert!(!compatible(DEALER, b"DEALER\0"));
        assert!(!compatible(PUSH, b"PUSH"));
        assert!(compatible(CLIENT, b"SERVER"));
    }
}
