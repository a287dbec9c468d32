//! Command bodies (zmtp.md §3): `name_len(u8) name data`.
//!
//! READY/ERROR belong to the handshake; PING, PONG, SUBSCRIBE and CANCEL to traffic.
//! Property lists (READY, and later INITIATE) are `name_len(u8) name value_len(u32 BE)
//! value`, parsed exactly as libzmq's `mechanism_t::parse_metadata` does.

pub(crate) const READY: &[u8] = b"\x05READY";
pub(crate) const ERROR: &[u8] = b"\x05ERROR";
pub(crate) const PING: &[u8] = b"\x04PING";
pub(crate) const PONG: &[u8] = b"\x04PONG";
pub(crate) const SUBSCRIBE: &[u8] = b"\x09SUBSCRIBE";
pub(crate) const CANCEL: &[u8] = b"\x06CANCEL";
/// DISH to RADIO (libzmq 4.3.5 sends these to every peer version).
pub(crate) const JOIN: &[u8] = b"\x04JOIN";
pub(crate) const LEAVE: &[u8] = b"\x05LEAVE";

/// The longest PING context echoed in a PONG (longer ones are cut, like libzmq).
pub(crate) const PING_MAX_CONTEXT: usize = 16;

pub(crate) const SOCKET_TYPE: &str = "Socket-Type";
pub(crate) const IDENTITY: &str = "Identity";

/// Appends one property.
pub fn add_property(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    let name = name.get(..255).unwrap_or(name);
    out.push(name.len() as u8);
    out.extend_from_slice(name);
    out.extend_from_slice(&(value.len() as u32).to_be_bytes());
    out.extend_from_slice(value);
}

/// Walks a property list. Yields `Err(())` once at the end when bytes are left over
/// that do not form a property (libzmq: EPROTO). As in libzmq a lone trailing byte is
/// an error while some truncations that use up every byte are not.
pub struct Properties<'a> {
    rest: &'a [u8],
    failed: bool,
}

pub fn properties(data: &[u8]) -> Properties<'_> {
    Properties {
        rest: data,
        failed: false,
    }
}

impl<'a> Iterator for Properties<'a> {
    type Item = Result<(&'a [u8], &'a [u8]), ()>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        if self.rest.len() > 1 {
            if let Some(item) = self.take() {
                return Some(Ok(item));
            }
        }
        if self.rest.is_empty() {
            None
        } else {
            self.failed = true;
            Some(Err(()))
        }
    }
}

impl<'a> Properties<'a> {
    /// One property; on a truncation, `rest` holds what is left after the parts taken
    /// (libzmq consumes the name length and name before noticing).
    fn take(&mut self) -> Option<(&'a [u8], &'a [u8])> {
        let (&name_len, rest) = self.rest.split_first()?;
        self.rest = rest;
        let name = self.rest.get(..usize::from(name_len))?;
        self.rest = &self.rest[name.len()..];
        let len_bytes: [u8; 4] = self.rest.get(..4)?.try_into().ok()?;
        self.rest = &self.rest[4..];
        let value_len = usize::try_from(u32::from_be_bytes(len_bytes)).ok()?;
        let value = self.rest.get(..value_len)?;
        self.rest = &self.rest[value.len()..];
        Some((name, value))
    }
}

/// Splits a command body into (name, data); `None` when the body is shorter than its
/// declared name (libzmq's `size > name_len` check).
pub fn split(body: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&n, rest) = body.split_first()?;
    let n = usize::from(n);
    Some((rest.get(..n)?, rest.get(n..)?))
}

/// A command received after the handshake.
#[derive(Debug, PartialEq, Eq)]
pub enum Command<'a> {
    Ping {
        ttl_deciseconds: u16,
        context: &'a [u8],
    },
    Pong,
    Subscribe(&'a [u8]),
    Cancel(&'a [u8]),
    Join(&'a [u8]),
    Leave(&'a [u8]),
    /// Anything else, malformed ones included: dropped, as libzmq's session does.
    Other,
}

pub fn parse(body: &[u8]) -> Command<'_> {
    let Some((name, data)) = split(body) else {
        return Command::Other;
    };
    match name {
        b"PING" => match data {
            // A PING without its 2-byte TTL is dropped (libzmq reads past the frame).
            [hi, lo, context @ ..] => Command::Ping {
                ttl_deciseconds: u16::from_be_bytes([*hi, *lo]),
                context: context.get(..PING_MAX_CONTEXT).unwrap_or(context),
            },
            _ => Command::Other,
        },
        b"PONG" => Command::Pong,
        b"SUBSCRIBE" => Command::Subscribe(data),
        b"CANCEL" => Command::Cancel(data),
        b"JOIN" => Command::Join(data),
        b"LEAVE" => Command::Leave(data),
        _ => Command::Other,
    }
}

/// A DISH's join (`true`) or leave of a group: the command frame it sends, which also
/// travels as is over inproc pipes, so RADIO reads one form from every peer.
pub(crate) fn membership(join: bool, group: &[u8]) -> crate::msg::Msg {
    let name = if join { JOIN } else { LEAVE };
    let mut m = crate::msg::Msg::from_slice(&[name, group].concat());
    m.set_command(true);
    m
}

/// The (join?, group) of a membership command, if `msg` is one.
#[cfg_attr(not(feature = "draft"), allow(dead_code))]
pub(crate) fn parse_membership(msg: &crate::msg::Msg) -> Option<(bool, &[u8])> {
    if !msg.is_command() {
        return None;
    }
    match parse(msg.data()) {
        Command::Join(g) => Some((true, g)),
        Command::Leave(g) => Some((false, g)),
        _ => None,
    }
}

pub fn ping_body(ttl_deciseconds: u16) -> [u8; 7] {
    let mut b = [0u8; 7];
    b[..5].copy_from_slice(PING);
    b[5..].copy_from_slice(&ttl_deciseconds.to_be_bytes());
    b
}

/// PONG echoing (at most 16 bytes of) a PING context: returns the buffer and its length.
pub fn pong_body(context: &[u8]) -> ([u8; 5 + PING_MAX_CONTEXT], usize) {
    let context = context.get(..PING_MAX_CONTEXT).unwrap_or(context);
    let mut b = [0u8; 5 + PING_MAX_CONTEXT];
    b[..5].copy_from_slice(PONG);
    b[5..5 + context.len()].copy_from_slice(context);
    (b, 5 + context.len())
}

/// ERROR with a reason of at most 255 bytes (to be sent on ZAP failures, once ZAP is
/// wired in).
#[cfg(test)]
pub fn error_body(reason: &[u8]) -> Vec<u8> {
    let reason = reason.get(..255).unwrap_or(reason);
    let mut b = Vec::with_capacity(ERROR.len() + 1 + reason.len());
    b.extend_from_slice(ERROR);
    b.push(reason.len() as u8);
    b.extend_from_slice(reason);
    b
}

/// The reason of an ERROR body (everything after the name): `None` when malformed.
/// Bytes after the reason are ignored, as in libzmq.
pub fn error_reason(data: &[u8]) -> Option<&[u8]> {
    let (&len, rest) = data.split_first()?;
    rest.get(..usize::from(len))
}

#[cfg(test)]
mod tests {
    use super::super::codec::{encode_frame, Framing};
    use super::*;

    fn cmd_frame(body: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        encode_frame(&mut v, Framing::V2, false, true, body);
        v
    }

    #[test]
    fn ping_and_pong_vectors() {
        // vectors/cmd_ping_ttl15.bin
        assert_eq!(
            cmd_frame(&ping_body(15)),
            [0x04, 0x07, 0x04, b'P', b'I', b'N', b'G', 0x00, 0x0f]
        );
        // vectors/cmd_pong_empty.bin
        let (b, n) = pong_body(&[]);
        assert_eq!(
            cmd_frame(&b[..n]),
            [0x04, 0x05, 0x04, b'P', b'O', b'N', b'G']
        );
        // vectors/cmd_pong_ctx16.bin: the answer to a 20-byte context 00..13.
        let ctx: Vec<u8> = (0..20).collect();
        let (b, n) = pong_body(&ctx);
        let mut expect = vec![0x04, 0x15, 0x04, b'P', b'O', b'N', b'G'];
        expect.extend(0u8..16);
        assert_eq!(cmd_frame(&b[..n]), expect);
    }

    #[test]
    fn parses_traffic_commands() {
        let mut ping = ping_body(15).to_vec();
        ping.extend(0u8..20);
        assert_eq!(
            parse(&ping),
            Command::Ping {
                ttl_deciseconds: 15,
                context: &(0u8..16).collect::<Vec<_>>()
            }
        );
        assert_eq!(parse(b"\x04PING\x00"), Command::Other);
        assert_eq!(parse(b"\x04PING"), Command::Other);
        assert_eq!(parse(b"\x04PONGxyz"), Command::Pong);
        assert_eq!(parse(b"\x09SUBSCRIBEtopic"), Command::Subscribe(b"topic"));
        assert_eq!(parse(b"\x09SUBSCRIBE"), Command::Subscribe(b""));
        assert_eq!(parse(b"\x06CANCELtopic"), Command::Cancel(b"topic"));
        assert_eq!(parse(b"\x04JOINTV"), Command::Join(b"TV"));
        assert_eq!(parse(b"\x05LEAVE"), Command::Leave(b""));
        let m = membership(true, b"TV");
        assert_eq!(m.data(), b"\x04JOINTV");
        assert_eq!(parse_membership(&m), Some((true, &b"TV"[..])));
        assert_eq!(
            parse_membership(&membership(false, b"")),
            Some((false, &b""[..]))
        );
        // The same bytes in a data frame are no command.
        let data = crate::msg::Msg::from_slice(b"\x04JOINTV");
        assert_eq!(parse_membership(&data), None);
        assert_eq!(parse(b"\x09SUBSCR"), Command::Other);
        assert_eq!(parse(b""), Command::Other);
        assert_eq!(parse(b"\x05HELLOg"), Command::Other);
    }

    #[test]
    fn error_vector() {
        // vectors/null_error_400.bin
        let v = [
            0x04, 0x0a, 0x05, b'E', b'R', b'R', b'O', b'R', 0x03, b'4', b'0', b'0',
        ];
        assert_eq!(cmd_frame(&error_body(b"400")), v);
        assert_eq!(error_reason(&v[8..]), Some(&b"400"[..]));
        assert_eq!(error_reason(b"\x03ab"), None);
        assert_eq!(error_reason(b""), None);
        assert_eq!(error_reason(b"\x01abc"), Some(&b"a"[..]));
    }

    #[test]
    fn property_lists_follow_libzmq() {
        let mut p = Vec::new();
        add_property(&mut p, b"Socket-Type", b"DEALER");
        add_property(&mut p, b"", b"");
        let all: Vec<_> = properties(&p).collect();
        assert_eq!(
            all,
            vec![
                Ok((&b"Socket-Type"[..], &b"DEALER"[..])),
                Ok((&b""[..], &b""[..]))
            ]
        );
        // One stray trailing byte: EPROTO.
        let mut bad = p.clone();
        bad.push(0);
        assert_eq!(properties(&bad).last(), Some(Err(())));
        // A truncated value: EPROTO.
        assert_eq!(properties(&p[..p.len() - 1 - 5]).last(), Some(Err(())));
        // A name cut short by the end of the frame after taking every byte: accepted,
        // as libzmq's loop ends with nothing left.
        let odd = [0x01, b'x'];
        assert_eq!(properties(&odd).count(), 0);
        assert_eq!(properties(&[]).count(), 0);
        // A huge declared value length does not overflow.
        let huge = [1, b'a', 0xff, 0xff, 0xff, 0xff, 0];
        assert_eq!(properties(&huge).last(), Some(Err(())));
    }
}
