//! The PLAIN mechanism (RFC 24, libzmq's plain_client.cpp / plain_server.cpp): the
//! client sends HELLO with a user name and password, the server asks its ZAP handler
//! (PLAIN needs one) and answers WELCOME, the client sends INITIATE with its
//! properties and the server READY with its own. Credentials travel in clear text.

use super::command;
use super::mechanism::{Mechanism, ZapAsker};
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

/// PLAIN's client: HELLO, then INITIATE once WELCOME came, then the server's READY.
pub(crate) struct PlainClient {
    /// The command due next.
    out: Option<Vec<u8>>,
    /// Our property list, for INITIATE.
    properties: Vec<u8>,
    welcomed: bool,
    peer: Option<Vec<u8>>,
}

impl PlainClient {
    pub(crate) fn new(username: &[u8], password: &[u8], properties: Vec<u8>) -> Self {
        PlainClient {
            out: Some(hello_body(username, password)),
            properties,
            welcomed: false,
            peer: None,
        }
    }
}

impl Mechanism for PlainClient {
    fn next_command(&mut self) -> Option<Vec<u8>> {
        self.out.take()
    }

    fn process_command(&mut self, body: &[u8]) -> Result<(), Error> {
        if !self.welcomed {
            check_welcome(body)?;
            self.welcomed = true;
            self.out = Some([INITIATE, &self.properties].concat());
            return Ok(());
        }
        match body.strip_prefix(command::READY) {
            Some(props) if self.peer.is_none() => {
                self.peer = Some(props.to_vec());
                Ok(())
            }
            _ => peer_error_or_unexpected(body),
        }
    }

    fn is_ready(&self) -> bool {
        self.peer.is_some()
    }

    fn peer_properties(&self) -> Option<&[u8]> {
        self.peer.as_deref()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ServerStep {
    AwaitsHello,
    AwaitsZap,
    AwaitsInitiate,
    Done,
}

/// PLAIN's server: HELLO's credentials go to the ZAP handler (PLAIN always asks one,
/// whatever ZMQ_ZAP_DOMAIN says), WELCOME once it admits them, READY after INITIATE.
pub(crate) struct PlainServer {
    step: ServerStep,
    asker: ZapAsker,
    zap: Option<Vec<Vec<u8>>>,
    out: Option<Vec<u8>>,
    /// Our property list, for READY.
    properties: Vec<u8>,
    peer: Option<Vec<u8>>,
}

impl PlainServer {
    pub(crate) fn new(asker: ZapAsker, properties: Vec<u8>) -> Self {
        PlainServer {
            step: ServerStep::AwaitsHello,
            asker,
            zap: None,
            out: None,
            properties,
            peer: None,
        }
    }
}

impl Mechanism for PlainServer {
    fn next_command(&mut self) -> Option<Vec<u8>> {
        self.out.take()
    }

    fn process_command(&mut self, body: &[u8]) -> Result<(), Error> {
        match self.step {
            ServerStep::AwaitsHello => {
                let (username, password) = parse_hello(body)?;
                self.zap = Some(self.asker.request("PLAIN", &[&username, &password]));
                self.step = ServerStep::AwaitsZap;
                Ok(())
            }
            ServerStep::AwaitsInitiate => {
                let props = body
                    .strip_prefix(INITIATE)
                    .ok_or(Error::UnexpectedCommand)?;
                self.peer = Some(props.to_vec());
                self.out = Some([command::READY, &self.properties].concat());
                self.step = ServerStep::Done;
                Ok(())
            }
            // Nothing is expected while the ZAP handler decides (libzmq: unspecified).
            ServerStep::AwaitsZap | ServerStep::Done => Err(Error::ProtocolUnspecified),
        }
    }

    fn zap_request(&mut self) -> Option<Vec<Vec<u8>>> {
        self.zap.take()
    }

    fn zap_accepted(&mut self) {
        if self.step == ServerStep::AwaitsZap {
            self.out = Some(WELCOME.to_vec());
            self.step = ServerStep::AwaitsInitiate;
        }
    }

    fn zap_unavailable(&mut self) -> Result<(), Error> {
        Err(Error::NoZapHandler)
    }

    fn is_ready(&self) -> bool {
        self.step == ServerStep::Done
    }

    fn peer_properties(&self) -> Option<&[u8]> {
        self.peer.as_deref()
    }
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
