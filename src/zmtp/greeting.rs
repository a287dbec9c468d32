//! The ZMTP greeting and version detection (zmtp.md §1).
//!
//! libzmq sends its greeting in three steps so that ZMTP 1.0 and 2.0 peers can talk to
//! it: first only the 10-byte signature `FF <u64 routing-id length + 1> 7F` (which a
//! ZMTP 1.0 peer reads as the header of an identity frame), then the major version `03`
//! once 10 versioned bytes came in, then, once the peer's revision byte is known, either
//! one socket-type byte (ZMTP 1.0-with-signature / 2.0 peers) or the remaining 53 bytes of
//! the 64-byte ZMTP 3 greeting. [`GreetingReader`] reproduces that exact order.

use super::output::OutQueue;
use super::Error;

/// Length of the signature: `FF`, 8 padding bytes, `7F`.
pub(crate) const SIGNATURE_LEN: usize = 10;
/// Length of a ZMTP 1.0-with-signature / 2.0 greeting (signature, revision, socket type).
pub(crate) const V2_GREETING_LEN: usize = 12;
/// Length of a ZMTP 3.x greeting.
pub(crate) const V3_GREETING_LEN: usize = 64;
/// Length of the mechanism field.
pub(crate) const MECHANISM_LEN: usize = 20;

const REVISION_POS: usize = 10;
const MINOR_POS: usize = 11;
const MECHANISM_POS: usize = 12;

/// Revision byte of pre-2.0 peers that do send a signature (libzmq's `ZMTP_1_0`).
pub(crate) const REVISION_1_0: u8 = 0;
/// Revision byte of ZMTP 2.0 peers (libzmq's `ZMTP_2_0`).
pub(crate) const REVISION_2_0: u8 = 1;
/// Revision byte of ZMTP 3.x.
pub(crate) const REVISION_3: u8 = 3;

/// The mechanism field: the name, NUL-padded to 20 bytes (longer names are cut).
pub fn mechanism_field(name: &str) -> [u8; MECHANISM_LEN] {
    let mut field = [0u8; MECHANISM_LEN];
    for (dst, src) in field.iter_mut().zip(name.as_bytes()) {
        *dst = *src;
    }
    field
}

/// The first 10 bytes libzmq sends: `FF`, u64 BE `routing_id_len + 1`, `7F`.
pub fn signature(routing_id_len: usize) -> [u8; SIGNATURE_LEN] {
    let mut sig = [0u8; SIGNATURE_LEN];
    sig[0] = 0xff;
    let padding = (routing_id_len as u64).saturating_add(1);
    sig[1..9].copy_from_slice(&padding.to_be_bytes());
    sig[9] = 0x7f;
    sig
}

/// Bytes 11..64 of our ZMTP 3.1 greeting: minor version 1, the mechanism, as-server 0
/// (libzmq always sends 0) and the zero filler.
fn greeting_rest(mechanism: &[u8; MECHANISM_LEN]) -> [u8; V3_GREETING_LEN - MINOR_POS] {
    let mut rest = [0u8; V3_GREETING_LEN - MINOR_POS];
    rest[0] = 1;
    rest[1..1 + MECHANISM_LEN].copy_from_slice(mechanism);
    rest
}

/// The complete 64-byte greeting libzmq 4.3 sends to a ZMTP 3 peer.
#[cfg(test)]
pub fn encode_greeting(routing_id_len: usize, mechanism: &str) -> [u8; V3_GREETING_LEN] {
    let mut g = [0u8; V3_GREETING_LEN];
    g[..SIGNATURE_LEN].copy_from_slice(&signature(routing_id_len));
    g[REVISION_POS] = REVISION_3;
    g[MINOR_POS..].copy_from_slice(&greeting_rest(&mechanism_field(mechanism)));
    g
}

/// What the peer's greeting turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    /// No signature: a ZMTP 1.0 peer. The bytes received so far
    /// ([`GreetingReader::received`]) are the start of its v1 frame stream.
    Unversioned,
    /// A 12-byte greeting with revision 0 (v1 framing) or 1 (ZMTP 2.0, v2 framing);
    /// `socket_type` is the peer's numeric socket type (libzmq ignores it).
    Legacy { revision: u8, socket_type: u8 },
    /// A 64-byte ZMTP 3 greeting (revision 2 and 4+ are handled as 3.1, like libzmq).
    V3 {
        revision: u8,
        minor: u8,
        mechanism: [u8; MECHANISM_LEN],
    },
}

/// Collects the peer's greeting and queues ours in libzmq's order.
#[derive(Debug)]
pub struct GreetingReader {
    buf: [u8; V3_GREETING_LEN],
    len: usize,
    /// 12 until the revision says ZMTP 3, then 64.
    target: usize,
    sent_major: bool,
    sent_rest: bool,
    /// Our numeric socket type (the ZMTP 2.0 greeting byte).
    socket_type: u8,
    mechanism: [u8; MECHANISM_LEN],
    allow_legacy: bool,
}

impl GreetingReader {
    pub fn new(socket_type: i32, mechanism: &str, allow_legacy: bool) -> Self {
        GreetingReader {
            buf: [0; V3_GREETING_LEN],
            len: 0,
            target: V2_GREETING_LEN,
            sent_major: false,
            sent_rest: false,
            socket_type: u8::try_from(socket_type).unwrap_or(0),
            mechanism: mechanism_field(mechanism),
            allow_legacy,
        }
    }

    /// The peer's bytes taken so far.
    pub fn received(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Takes greeting bytes from the front of `input` (never more than the greeting),
    /// queueing our own greeting bytes as the peer's arrive. `Ok(None)`: more bytes
    /// needed.
    pub fn feed(
        &mut self,
        input: &mut &[u8],
        out: &mut OutQueue,
    ) -> Result<Option<Detected>, Error> {
        while !input.is_empty() && self.len < self.target {
            let n = (self.target - self.len).min(input.len());
            let (head, tail) = input.split_at(n);
            self.buf[self.len..self.len + n].copy_from_slice(head);
            self.len += n;
            *input = tail;

            // A first byte other than FF, or bit 0 of byte 9 clear (the flags of a long
            // v1 identity frame), means an unversioned ZMTP 1.0 peer.
            if self.buf[0] != 0xff || (self.len >= SIGNATURE_LEN && self.buf[9] & 1 == 0) {
                if !self.allow_legacy {
                    return Err(Error::BadSignature);
                }
                return Ok(Some(Detected::Unversioned));
            }
            if self.len < SIGNATURE_LEN {
                continue;
            }
            if !self.sent_major {
                self.sent_major = true;
                out.push_bytes(&[REVISION_3]);
            }
            if self.len > REVISION_POS && !self.sent_rest {
                self.sent_rest = true;
                let revision = self.buf[REVISION_POS];
                if revision == REVISION_1_0 || revision == REVISION_2_0 {
                    if !self.allow_legacy {
                        return Err(Error::UnsupportedVersion(revision));
                    }
                    out.push_bytes(&[self.socket_type]);
                } else {
                    out.push_bytes(&greeting_rest(&self.mechanism));
                    self.target = V3_GREETING_LEN;
                }
            }
        }
        if self.len < self.target {
            return Ok(None);
        }
        let revision = self.buf[REVISION_POS];
        if self.target == V2_GREETING_LEN {
            return Ok(Some(Detected::Legacy {
                revision,
                socket_type: self.buf[MINOR_POS],
            }));
        }
        let mut mechanism = [0u8; MECHANISM_LEN];
        mechanism.copy_from_slice(&self.buf[MECHANISM_POS..MECHANISM_POS + MECHANISM_LEN]);
        Ok(Some(Detected::V3 {
            revision,
            minor: self.buf[MINOR_POS],
            mechanism,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// vectors/greeting_null_noid.bin
    pub(crate) const GREETING_NULL_NOID: [u8; 64] = [
        0xff, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x7f, 0x03, 0x01, b'N', b'U', b'L', b'L', 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    fn with_byte8(b: u8) -> [u8; 64] {
        let mut g = GREETING_NULL_NOID;
        g[8] = b;
        g
    }

    #[test]
    fn encodes_the_captured_null_greetings() {
        // vectors/greeting_null_noid.bin and greeting_null_id_abc.bin (byte 8 = 04).
        assert_eq!(encode_greeting(0, "NULL"), GREETING_NULL_NOID);
        assert_eq!(encode_greeting(3, "NULL"), with_byte8(4));
        // "SRVID" gives 06 (zmtp.md §1.1).
        assert_eq!(encode_greeting(5, "NULL")[8], 6);
    }

    #[test]
    fn encodes_plain_and_curve_mechanism_fields() {
        // vectors/greeting_plain.bin / greeting_curve.bin differ from NULL only in the name.
        let plain = encode_greeting(0, "PLAIN");
        assert_eq!(&plain[12..18], b"PLAIN\0");
        assert_eq!(&plain[..12], &GREETING_NULL_NOID[..12]);
        assert!(plain[17..].iter().all(|&b| b == 0));
        let curve = encode_greeting(0, "CURVE");
        assert_eq!(&curve[12..17], b"CURVE");
    }

    #[test]
    fn replies_in_libzmq_order() {
        let mut r = GreetingReader::new(5, "NULL", true);
        let mut out = OutQueue::new();
        let peer = encode_greeting(0, "NULL");
        let mut input: &[u8] = &peer[..9];
        assert_eq!(r.feed(&mut input, &mut out).unwrap(), None);
        assert_eq!(out.len(), 0);
        let mut input: &[u8] = &peer[9..10];
        assert_eq!(r.feed(&mut input, &mut out).unwrap(), None);
        assert_eq!(out.collect(), vec![3]);
        let mut input: &[u8] = &peer[10..];
        let d = r.feed(&mut input, &mut out).unwrap().unwrap();
        assert_eq!(out.collect(), GREETING_NULL_NOID[11..].to_vec());
        assert_eq!(
            d,
            Detected::V3 {
                revision: 3,
                minor: 1,
                mechanism: mechanism_field("NULL")
            }
        );
    }

    #[test]
    fn never_reads_past_the_greeting() {
        let mut r = GreetingReader::new(5, "NULL", true);
        let mut out = OutQueue::new();
        let mut stream = encode_greeting(0, "NULL").to_vec();
        stream.extend_from_slice(b"next");
        let mut input: &[u8] = &stream;
        assert!(r.feed(&mut input, &mut out).unwrap().is_some());
        assert_eq!(input, b"next");
    }

    #[test]
    fn detects_unversioned_peers() {
        let mut out = OutQueue::new();
        let mut r = GreetingReader::new(5, "NULL", true);
        let mut input: &[u8] = &[0x04, 0x00, b'a'];
        assert_eq!(
            r.feed(&mut input, &mut out).unwrap(),
            Some(Detected::Unversioned)
        );
        // Like libzmq, up to 12 bytes are taken before looking.
        assert_eq!(r.received(), &[0x04, 0x00, b'a']);
        assert!(input.is_empty());
        // A long v1 identity header: FF, u64 length, flags with bit 0 clear.
        let mut r = GreetingReader::new(5, "NULL", true);
        let mut input: &[u8] = &[0xff, 0, 0, 0, 0, 0, 0, 0, 4, 0x00, b'x'];
        assert_eq!(
            r.feed(&mut input, &mut out).unwrap(),
            Some(Detected::Unversioned)
        );
        assert_eq!(r.received().len(), 11);
        assert_eq!(
            out.len(),
            0,
            "nothing beyond the signature is sent to 1.0 peers"
        );
        let mut r = GreetingReader::new(5, "NULL", false);
        let mut input: &[u8] = b"GET / HTTP/1.1\r\n";
        assert_eq!(r.feed(&mut input, &mut out), Err(Error::BadSignature));
    }

    #[test]
    fn detects_legacy_revisions() {
        for revision in [0u8, 1] {
            let mut out = OutQueue::new();
            let mut r = GreetingReader::new(5, "NULL", true);
            let mut peer = signature(0).to_vec();
            peer.extend_from_slice(&[revision, 6]);
            let mut input: &[u8] = &peer;
            let d = r.feed(&mut input, &mut out).unwrap();
            assert_eq!(
                d,
                Some(Detected::Legacy {
                    revision,
                    socket_type: 6
                })
            );
            assert_eq!(out.collect(), vec![3, 5]);
            let mut r = GreetingReader::new(5, "NULL", false);
            let mut input: &[u8] = &peer;
            assert_eq!(
                r.feed(&mut input, &mut OutQueue::new()),
                Err(Error::UnsupportedVersion(revision))
            );
        }
    }
}
