//! ZAP, the ZeroMQ Authentication Protocol (RFC 27), as libzmq's `zap_client_t` speaks
//! it: the request a handshaking connection sends to the handler bound at
//! `inproc://zeromq.zap.01`, and the checks its reply must pass.

use super::command;
use super::Error;
use crate::constants as c;
use crate::msg::Msg;

/// Where a ZAP handler listens.
pub const ENDPOINT: &str = "inproc://zeromq.zap.01";
const VERSION: &[u8] = b"1.0";
/// libzmq numbers every request "1": a connection makes one at most.
const REQUEST_ID: &[u8] = b"1";

/// The request frames after the envelope delimiter: version, request id, domain, the
/// peer's address, our routing id, the mechanism, then its credentials.
pub fn request(
    domain: &[u8],
    address: &str,
    routing_id: &[u8],
    mechanism: &str,
    credentials: &[&[u8]],
) -> Vec<Vec<u8>> {
    let mut frames = vec![
        VERSION.to_vec(),
        REQUEST_ID.to_vec(),
        domain.to_vec(),
        address.as_bytes().to_vec(),
        routing_id.to_vec(),
        mechanism.as_bytes().to_vec(),
    ];
    frames.extend(credentials.iter().map(|c| c.to_vec()));
    frames
}

/// A reply that passed libzmq's checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// 200, 300, 400 or 500.
    pub status: u16,
    pub user_id: Vec<u8>,
    /// The metadata frame's properties, in order.
    pub properties: Vec<(Vec<u8>, Vec<u8>)>,
}

/// Checks a reply (all its frames, envelope delimiter first) in libzmq's order; each
/// failure is the `ZMQ_PROTOCOL_ERROR_ZAP_*` code libzmq reports.
pub fn parse_reply(frames: &[Msg]) -> Result<Reply, Error> {
    let zap = |code| Err(Error::Zap(code));
    // Seven frames, MORE on all but the last.
    if frames.len() != 7 || frames.iter().enumerate().any(|(i, f)| f.more() != (i < 6)) {
        return zap(c::ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY);
    }
    if !frames[0].data().is_empty() {
        return zap(c::ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED);
    }
    if frames[1].data() != VERSION {
        return zap(c::ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION);
    }
    if frames[2].data() != REQUEST_ID {
        return zap(c::ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID);
    }
    let status = match frames[3].data() {
        [d @ b'2'..=b'5', b'0', b'0'] => u16::from(d - b'0') * 100,
        _ => return zap(c::ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE),
    };
    let mut properties = Vec::new();
    for item in command::properties(frames[6].data()) {
        let Ok((name, value)) = item else {
            return zap(c::ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA);
        };
        properties.push((name.to_vec(), value.to_vec()));
    }
    Ok(Reply {
        status,
        user_id: frames[5].data().to_vec(),
        properties,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(parts: &[&[u8]]) -> Vec<Msg> {
        let n = parts.len();
        parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut m = Msg::from_slice(p);
                m.set_more(i + 1 < n);
                m
            })
            .collect()
    }

    const HELLO_WORLD: &[u8] = b"\x05Hello\x00\x00\x00\x05World";

    #[test]
    fn a_good_reply_gives_status_user_and_metadata() {
        let r = parse_reply(&reply(&[
            b"",
            b"1.0",
            b"1",
            b"200",
            b"OK",
            b"anon",
            HELLO_WORLD,
        ]))
        .unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.user_id, b"anon");
        assert_eq!(r.properties, vec![(b"Hello".to_vec(), b"World".to_vec())]);
        let r = parse_reply(&reply(&[b"", b"1.0", b"1", b"400", b"NO", b"", b""])).unwrap();
        assert_eq!(r.status, 400);
    }

    #[test]
    fn each_bad_reply_gets_libzmqs_protocol_error() {
        let cases: &[(&[&[u8]], i32)] = &[
            (
                &[b"", b"1.0", b"1", b"200", b"OK", b""],
                c::ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY,
            ),
            (
                &[b"x", b"1.0", b"1", b"200", b"OK", b"", b""],
                c::ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED,
            ),
            (
                &[b"", b"2.0", b"1", b"200", b"OK", b"", b""],
                c::ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION,
            ),
            (
                &[b"", b"1.0", b"7", b"200", b"OK", b"", b""],
                c::ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID,
            ),
            (
                &[b"", b"1.0", b"1", b"600", b"OK", b"", b""],
                c::ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE,
            ),
            (
                &[b"", b"1.0", b"1", b"200", b"OK", b"", b"\x05Hel"],
                c::ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA,
            ),
        ];
        for (parts, code) in cases {
            assert_eq!(
                parse_reply(&reply(parts)),
                Err(Error::Zap(*code)),
                "{parts:?}"
            );
        }
    }

    #[test]
    fn request_frames_follow_rfc27() {
        let f = request(b"dom", "127.0.0.1", b"id", "NULL", &[]);
        assert_eq!(
            f,
            vec![
                b"1.0".to_vec(),
                b"1".to_vec(),
                b"dom".to_vec(),
                b"127.0.0.1".to_vec(),
                b"id".to_vec(),
                b"NULL".to_vec()
            ]
        );
    }
}
