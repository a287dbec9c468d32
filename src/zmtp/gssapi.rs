//! The GSSAPI mechanism (RFC 38, as libzmq 4.3.5's gssapi_client.cpp /
//! gssapi_server.cpp speak it): the client and server trade the security context's
//! tokens in INITIATE commands until both sides hold it, the server asks its ZAP
//! handler about the client's principal, then the server sends READY and the client
//! answers with its own. Unless `ZMQ_GSSAPI_PLAINTEXT` is set, both READYs and every
//! later frame travel wrapped in a MESSAGE: `\x07MESSAGE`, the token's length (u32 BE),
//! and the token sealed by `gss_wrap` over a flags byte (1: MORE, 2: COMMAND) and the
//! frame; the MESSAGE frame itself carries no flags (a READY's is a command).
//!
//! libzmq's quirk, kept on the wire: when the client's last `gss_init_sec_context`
//! produces no token (Kerberos with mutual authentication does so), it still sends a
//! command, an empty one; the server waits for that command before it asks ZAP. The
//! server likewise sends an empty command if its accepting step leaves no token.
//!
//! Where libzmq stalls until `ZMQ_HANDSHAKE_IVL` after a GSSAPI call fails (no
//! credentials, an unknown service, a token that does not verify), this connection
//! fails at once with [`Error::Gssapi`].

use super::command;
use super::mechanism::{Mechanism, ZapAsker};
use super::{CommandKind, Error};
use crate::msg::Msg;
use crate::sys::gssapi::{Context, Credential, Name, NameType, Step};

pub(crate) const INITIATE: &[u8] = b"\x08INITIATE";
pub(crate) const MESSAGE: &[u8] = b"\x07MESSAGE";

const FLAG_MORE: u8 = 0x01;
const FLAG_COMMAND: u8 = 0x02;

/// What either side is configured with (`ZMQ_GSSAPI_*`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// `ZMQ_GSSAPI_PRINCIPAL`: our own name (empty: the default credentials).
    pub principal: Vec<u8>,
    /// `ZMQ_GSSAPI_PRINCIPAL_NAMETYPE`.
    pub principal_nt: i32,
    /// `ZMQ_GSSAPI_SERVICE_PRINCIPAL`: the server a client authenticates to.
    pub service_principal: Vec<u8>,
    /// `ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE`.
    pub service_principal_nt: i32,
    /// `ZMQ_GSSAPI_PLAINTEXT`: READY and traffic go unwrapped.
    pub plaintext: bool,
}

/// `ZMQ_GSSAPI_NT_*` -> the library's name type (anything else: host-based, the
/// default; options only admit the three).
fn name_type(nt: i32) -> NameType {
    match nt {
        1 => NameType::User,
        2 => NameType::Krb5Principal,
        _ => NameType::Hostbased,
    }
}

/// A name option's text: up to its first NUL (libzmq hands the library a C string,
/// and its own test sets the names with their terminating NUL).
fn c_text(name: &[u8]) -> &[u8] {
    name.split(|&b| b == 0).next().unwrap_or(name)
}

fn import(name: &[u8], nt: i32) -> Result<Name, Error> {
    Name::import(c_text(name), name_type(nt)).map_err(Error::Gssapi)
}

/// Our own credentials, when a principal is named.
fn credentials(s: &Settings) -> Result<Option<Credential>, Error> {
    if c_text(&s.principal).is_empty() {
        return Ok(None);
    }
    let name = import(&s.principal, s.principal_nt)?;
    Credential::acquire(&name).map(Some).map_err(Error::Gssapi)
}

/// INITIATE carrying a context token.
pub fn initiate_body(token: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(INITIATE.len() + 4 + token.len());
    body.extend_from_slice(INITIATE);
    body.extend_from_slice(&(token.len() as u32).to_be_bytes());
    body.extend_from_slice(token);
    body
}

/// The command a context step sends: INITIATE with its token, or libzmq's empty
/// command when the step has none.
fn step_command(step: &Step) -> Vec<u8> {
    if step.token.is_empty() {
        Vec::new()
    } else {
        initiate_body(&step.token)
    }
}

/// libzmq's `check_basic_command_structure`: a name length and a name, at least.
fn check_structure(body: &[u8]) -> Result<(), Error> {
    match body.first() {
        Some(&n) if body.len() > 1 && body.len() > usize::from(n) => Ok(()),
        _ => Err(Error::Malformed(CommandKind::Unspecified)),
    }
}

/// A `name`d command's `len(u32 BE) token` payload, exactly (no bytes after it).
fn token_of<'a>(body: &'a [u8], name: &[u8], kind: CommandKind) -> Result<&'a [u8], Error> {
    check_structure(body)?;
    let rest = body.strip_prefix(name).ok_or(Error::UnexpectedCommand)?;
    let malformed = Error::Malformed(kind);
    let (len, rest) = rest.split_first_chunk::<4>().ok_or(malformed.clone())?;
    let len = u32::from_be_bytes(*len) as usize;
    if rest.len() != len {
        return Err(malformed);
    }
    Ok(rest)
}

/// The token of a peer's INITIATE.
pub fn parse_initiate(body: &[u8]) -> Result<&[u8], Error> {
    token_of(body, INITIATE, CommandKind::Initiate)
}

/// The established context, sealing (or not, in plaintext mode) what crosses it.
struct Sealer {
    ctx: Context,
    plaintext: bool,
}

impl Sealer {
    /// One frame wrapped into a MESSAGE body. A context that can no longer wrap (it
    /// expired) yields a MESSAGE with an empty token, which the peer refuses: the
    /// connection ends there rather than carry the frame in clear.
    fn seal(&mut self, data: &[u8], more: bool, command: bool) -> Vec<u8> {
        let mut plain = Vec::with_capacity(1 + data.len());
        let mut flags = 0;
        if more {
            flags |= FLAG_MORE;
        }
        if command {
            flags |= FLAG_COMMAND;
        }
        plain.push(flags);
        plain.extend_from_slice(data);
        let token = self.ctx.wrap(&plain).unwrap_or_default();
        let mut body = Vec::with_capacity(MESSAGE.len() + 4 + token.len());
        body.extend_from_slice(MESSAGE);
        body.extend_from_slice(&(token.len() as u32).to_be_bytes());
        body.extend_from_slice(&token);
        body
    }

    /// A MESSAGE body opened: the flags byte, then the frame.
    fn open(&mut self, body: &[u8]) -> Result<Vec<u8>, Error> {
        let token = token_of(body, MESSAGE, CommandKind::Message)?;
        let plain = self.ctx.unwrap(token).map_err(|_| Error::Cryptographic)?;
        if plain.is_empty() {
            return Err(Error::Malformed(CommandKind::Message));
        }
        Ok(plain)
    }

    /// Our READY, wrapped unless in plaintext mode.
    fn ready(&mut self, properties: &[u8]) -> Vec<u8> {
        let ready = [command::READY, properties].concat();
        if self.plaintext {
            ready
        } else {
            self.seal(&ready, false, false)
        }
    }

    /// The peer's READY: its property list.
    fn peer_ready(&mut self, body: &[u8]) -> Result<Vec<u8>, Error> {
        let inner = if self.plaintext {
            body.to_vec()
        } else {
            self.open(body)?.split_off(1)
        };
        check_structure(&inner)?;
        inner
            .strip_prefix(command::READY)
            .map(<[u8]>::to_vec)
            .ok_or(Error::UnexpectedCommand)
    }

    fn encode(&mut self, data: &[u8], more: bool, command: bool) -> Vec<u8> {
        self.seal(data, more, command)
    }

    fn decode(&mut self, body: &[u8]) -> Result<(Msg, bool, bool), Error> {
        let plain = self.open(body)?;
        let flags = plain[0];
        Ok((
            Msg::from_slice(&plain[1..]),
            flags & FLAG_MORE != 0,
            flags & FLAG_COMMAND != 0,
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientStep {
    /// Our token is out; the server's answer is due.
    AwaitsToken,
    /// The context is established here; the server's READY is due.
    AwaitsReady,
    Done,
}

/// GSSAPI's client (`ZMQ_GSSAPI_SERVICE_PRINCIPAL` names the server).
pub(crate) struct GssapiClient {
    step: ClientStep,
    sealer: Sealer,
    cred: Option<Credential>,
    target: Name,
    out: Option<Vec<u8>>,
    properties: Vec<u8>,
    peer: Option<Vec<u8>>,
}

impl GssapiClient {
    /// Acquires our credentials (if a principal is set) and makes the first token.
    pub(crate) fn new(s: &Settings, properties: Vec<u8>) -> Result<Self, Error> {
        let cred = credentials(s)?;
        let target = import(&s.service_principal, s.service_principal_nt)?;
        let mut c = GssapiClient {
            step: ClientStep::AwaitsToken,
            sealer: Sealer {
                ctx: Context::new().map_err(Error::Gssapi)?,
                plaintext: s.plaintext,
            },
            cred,
            target,
            out: None,
            properties,
            peer: None,
        };
        c.advance(None)?;
        Ok(c)
    }

    /// One `gss_init_sec_context` step; its token (or the empty command) goes out.
    fn advance(&mut self, token: Option<&[u8]>) -> Result<(), Error> {
        let step = self
            .sealer
            .ctx
            .initiate(self.cred.as_ref(), &self.target, token)
            .map_err(Error::Gssapi)?;
        self.out = Some(step_command(&step));
        if step.complete {
            self.step = ClientStep::AwaitsReady;
        }
        Ok(())
    }
}

impl Mechanism for GssapiClient {
    fn next_command(&mut self) -> Option<Vec<u8>> {
        self.out.take()
    }

    fn process_command(&mut self, body: &[u8]) -> Result<(), Error> {
        match self.step {
            ClientStep::AwaitsToken => {
                let token = parse_initiate(body)?;
                self.advance(Some(token))
            }
            ClientStep::AwaitsReady => {
                self.peer = Some(self.sealer.peer_ready(body)?);
                self.out = Some(self.sealer.ready(&self.properties));
                self.step = ClientStep::Done;
                Ok(())
            }
            ClientStep::Done => Err(Error::UnexpectedCommand),
        }
    }

    fn is_ready(&self) -> bool {
        self.step == ClientStep::Done
    }

    fn peer_properties(&self) -> Option<&[u8]> {
        self.peer.as_deref()
    }

    fn properties_error(&self, _: Error) -> Error {
        Error::ReadyMetadataRejected
    }

    fn seals(&self) -> bool {
        !self.sealer.plaintext
    }

    fn encode(&mut self, data: &[u8], more: bool, command: bool) -> Vec<u8> {
        self.sealer.encode(data, more, command)
    }

    fn decode(&mut self, body: &[u8]) -> Result<(Msg, bool, bool), Error> {
        self.sealer.decode(body)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ServerStep {
    /// The client's next token is due.
    AwaitsToken,
    /// The context is established here; the client's closing command is due.
    AwaitsClientDone,
    /// The ZAP handler decides on the client's principal.
    AwaitsZap,
    /// Our READY is out; the client's is due.
    AwaitsReady,
    Done,
}

/// GSSAPI's server (`ZMQ_GSSAPI_SERVER`).
pub(crate) struct GssapiServer {
    step: ServerStep,
    sealer: Sealer,
    cred: Option<Credential>,
    asker: ZapAsker,
    zap: Option<Vec<Vec<u8>>>,
    out: Option<Vec<u8>>,
    properties: Vec<u8>,
    peer: Option<Vec<u8>>,
}

impl GssapiServer {
    /// Acquires our credentials (if a principal is set; else the keytab's default).
    pub(crate) fn new(s: &Settings, asker: ZapAsker, properties: Vec<u8>) -> Result<Self, Error> {
        Ok(GssapiServer {
            step: ServerStep::AwaitsToken,
            sealer: Sealer {
                ctx: Context::new().map_err(Error::Gssapi)?,
                plaintext: s.plaintext,
            },
            cred: credentials(s)?,
            asker,
            zap: None,
            out: None,
            properties,
            peer: None,
        })
    }

    fn send_ready(&mut self) {
        self.out = Some(self.sealer.ready(&self.properties));
        self.step = ServerStep::AwaitsReady;
    }
}

impl Mechanism for GssapiServer {
    fn next_command(&mut self) -> Option<Vec<u8>> {
        self.out.take()
    }

    fn process_command(&mut self, body: &[u8]) -> Result<(), Error> {
        match self.step {
            ServerStep::AwaitsToken => {
                let token = parse_initiate(body)?;
                let step = self
                    .sealer
                    .ctx
                    .accept(self.cred.as_ref(), token)
                    .map_err(Error::Gssapi)?;
                self.out = Some(step_command(&step));
                if step.complete {
                    self.step = ServerStep::AwaitsClientDone;
                }
                Ok(())
            }
            // Whatever the client sends here (libzmq's empty command) only says it is
            // done; the handler hears of its principal (the credential, as libzmq).
            ServerStep::AwaitsClientDone => {
                let principal = self.sealer.ctx.peer_name().unwrap_or_default();
                self.zap = Some(self.asker.request("GSSAPI", &[&principal]));
                self.step = ServerStep::AwaitsZap;
                Ok(())
            }
            ServerStep::AwaitsReady => {
                self.peer = Some(self.sealer.peer_ready(body)?);
                self.step = ServerStep::Done;
                Ok(())
            }
            ServerStep::AwaitsZap | ServerStep::Done => Err(Error::UnexpectedCommand),
        }
    }

    fn zap_request(&mut self) -> Option<Vec<Vec<u8>>> {
        self.zap.take()
    }

    fn zap_accepted(&mut self) {
        if self.step == ServerStep::AwaitsZap {
            self.send_ready();
        }
    }

    fn is_ready(&self) -> bool {
        self.step == ServerStep::Done
    }

    fn peer_properties(&self) -> Option<&[u8]> {
        self.peer.as_deref()
    }

    fn properties_error(&self, _: Error) -> Error {
        Error::ReadyMetadataRejected
    }

    fn seals(&self) -> bool {
        !self.sealer.plaintext
    }

    fn encode(&mut self, data: &[u8], more: bool, command: bool) -> Vec<u8> {
        self.sealer.encode(data, more, command)
    }

    fn decode(&mut self, body: &[u8]) -> Result<(Msg, bool, bool), Error> {
        self.sealer.decode(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initiate_is_checked_like_libzmq() {
        let body = initiate_body(b"tok");
        assert_eq!(body, b"\x08INITIATE\x00\x00\x00\x03tok");
        assert_eq!(parse_initiate(&body), Ok(&b"tok"[..]));
        assert_eq!(parse_initiate(&initiate_body(b"")), Ok(&b""[..]));
        let malformed = Error::Malformed(CommandKind::Initiate);
        for bad in [
            &b"\x08INITIATE"[..],
            b"\x08INITIATE\x00\x00\x00",
            b"\x08INITIATE\x00\x00\x00\x04tok",
            b"\x08INITIATE\x00\x00\x00\x02tok",
        ] {
            assert_eq!(parse_initiate(bad), Err(malformed.clone()), "{bad:?}");
        }
        // Not a command at all, then another command.
        for bad in [&b""[..], b"\x08", b"\x08INITIAT"] {
            assert_eq!(
                parse_initiate(bad),
                Err(Error::Malformed(CommandKind::Unspecified)),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_initiate(b"\x05ERROR\x03400"),
            Err(Error::UnexpectedCommand)
        );
    }

    #[test]
    fn names_are_c_strings() {
        assert_eq!(c_text(b"zmqtest2\0"), b"zmqtest2");
        assert_eq!(c_text(b"zmq@host"), b"zmq@host");
        assert_eq!(c_text(b"\0x"), b"");
        assert_eq!(name_type(0), NameType::Hostbased);
        assert_eq!(name_type(1), NameType::User);
        assert_eq!(name_type(2), NameType::Krb5Principal);
    }

    #[test]
    fn empty_steps_send_libzmqs_empty_command() {
        let none = Step {
            token: Vec::new(),
            complete: true,
        };
        assert_eq!(step_command(&none), Vec::<u8>::new());
        let some = Step {
            token: b"ab".to_vec(),
            complete: false,
        };
        assert_eq!(step_command(&some), b"\x08INITIATE\x00\x00\x00\x02ab");
    }
}
