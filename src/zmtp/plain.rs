//! The PLAIN mechanism (RFC 24, libzmq's plain_client.cpp / plain_server.cpp): the
//! client sends HELLO with a user name and password, the server asks its ZAP handler
//! (PLAIN needs one) and answers WELCOME, the client sends INITIATE with its
//! properties and the server READY with its own. Credentials travel in clear text.

use super::command;
use super::{CommandKind, Error};

pub(crate) const HELLO: &[u8] = b"\x05HELLO";
pub(crate) const WELCOME: &[u8] = b"\x07WELCOME";
pub(crate) const INITIATE: &[u8] = b"\x08INITIATE";

/// HELLO: user name and password, each prefixed by its one-byte length.
pub fn hello_body(username: &[u8], password: &[u8]) -> Vec<u8> {
    let username = username.get(..255).unwrap_or(username);
    let password = password.get(..255).unwrap_or(password);
    let mut body = HELLO.to_vec();
    body.push(username.len() as u8);
    body.extend_from_slice(username);
    body.push(password.len() as u8);
    body.extend_from_slice(password);
    body
}

/// The server's view of a HELLO: (user name, password), checked as libzmq checks it.
pub fn parse_hello(body: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let rest = body.strip_prefix(HELLO).ok_or(Error::UnexpectedCommand)?;
    let malformed = Error::Malformed(CommandKind::Hello);
    let (&ulen, rest) = rest.split_first().ok_or(malformed.clone())?;
    let username = rest.get(..ulen as usize).ok_or(malformed.clone())?;
    let rest = &rest[ulen as usize..];
    let (&plen, rest) = rest.split_first().ok_or(malformed.clone())?;
    // No extra bytes after the password, as libzmq insists.
    if rest.len() != plen as usize {
        return Err(malformed);
    }
    Ok((username.to_vec(), rest.to_vec()))
}

/// The client's check of the server's answer to HELLO: exactly WELCOME, or ERROR.
pub fn check_welcome(body: &[u8]) -> Result<(), Error> {
    if body == WELCOME {
        return Ok(());
    }
    if body.starts_with(WELCOME) {
        return Err(Error::Malformed(CommandKind::Welcome));
    }
    peer_error_or_unexpected(body)
}

/// ERROR with its reason, or an unexpected command.
pub fn peer_error_or_unexpected(body: &[u8]) -> Result<(), Error> {
    if let Some(data) = body.strip_prefix(command::ERROR) {
        let reason = command::error_reason(data).ok_or(Error::MalformedError)?;
        return Err(Error::PeerError(reason.to_vec()));
    }
    Err(Error::UnexpectedCommand)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_round_trips_and_is_checked_like_libzmq() {
        let body = hello_body(b"admin", b"secret");
        assert_eq!(body, b"\x05HELLO\x05admin\x06secret");
        assert_eq!(
            parse_hello(&body).unwrap(),
            (b"admin".to_vec(), b"secret".to_vec())
        );
        assert_eq!(
            parse_hello(&hello_body(b"", b"")).unwrap(),
            (vec![], vec![])
        );
        let malformed = Error::Malformed(CommandKind::Hello);
        for bad in [
            &b"\x05HELLO"[..],
            b"\x05HELLO\x05adm",
            b"\x05HELLO\x05admin",
            b"\x05HELLO\x05admin\x06secre",
            b"\x05HELLO\x05admin\x06secretX",
        ] {
            assert_eq!(parse_hello(bad), Err(malformed.clone()), "{bad:?}");
        }
        assert_eq!(parse_hello(b"\x05READY"), Err(Error::UnexpectedCommand));
    }

    #[test]
    fn welcome_must_be_exact() {
        assert_eq!(check_welcome(b"\x07WELCOME"), Ok(()));
        assert_eq!(
            check_welcome(b"\x07WELCOMEx"),
            Err(Error::Malformed(CommandKind::Welcome))
        );
        assert_eq!(
            check_welcome(b"\x05ERROR\x03400"),
            Err(Error::PeerError(b"400".to_vec()))
        );
        assert_eq!(check_welcome(b"\x05READY"), Err(Error::UnexpectedCommand));
    }
}
