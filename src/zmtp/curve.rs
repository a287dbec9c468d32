//! The CURVE mechanism (CurveZMQ, RFC 26; zmtp.md §4.3), sans I/O, byte-compatible with
//! libzmq 4.3.5's curve_client.cpp, curve_server.cpp and curve_mechanism_base.cpp.
//!
//! Every box is NaCl's `crypto_box` (X25519 + XSalsa20-Poly1305) laid out as libsodium's
//! `crypto_box_easy`: the 16-byte MAC, then the ciphertext. Short nonces are 8-byte
//! big-endian counters starting at 1, shared by the handshake and the traffic: the
//! client sends HELLO 1, INITIATE 2, then MESSAGEs 3, 4, ...; the server READY 1, then
//! MESSAGEs 2, 3, ...
//!
//! The caller frames what `next_command` returns as ZMTP commands, and after the
//! handshake carries `encode`'s output in plain data frames (flags `00`/`02`: libzmq
//! never marks a MESSAGE as a command nor sets MORE on it).

use crypto_box::aead::consts::U24;
use crypto_box::aead::generic_array::GenericArray;
use crypto_box::aead::rand_core::RngCore;
use crypto_box::aead::{AeadInPlace, KeyInit, OsRng};
use crypto_box::{PublicKey, SalsaBox, SecretKey};
use crypto_secretbox::XSalsa20Poly1305;

use super::mechanism::{Mechanism, ZapAsker};
use super::{CommandKind, Error};
use crate::msg::Msg;

const HELLO: &[u8] = b"\x05HELLO";
const WELCOME: &[u8] = b"\x07WELCOME";
const INITIATE: &[u8] = b"\x08INITIATE";
const READY: &[u8] = b"\x05READY";
const ERROR: &[u8] = b"\x05ERROR";
const MESSAGE: &[u8] = b"\x07MESSAGE";

const MAC: usize = 16;
pub(crate) const HELLO_SIZE: usize = 200;
pub(crate) const WELCOME_SIZE: usize = 168;
/// An INITIATE without metadata.
pub(crate) const INITIATE_MIN_SIZE: usize = 257;
/// A READY without metadata.
pub(crate) const READY_MIN_SIZE: usize = 30;
/// A MESSAGE carrying the flags byte alone.
pub(crate) const MESSAGE_MIN_SIZE: usize = MESSAGE.len() + 8 + MAC + 1;

const MSG_MORE: u8 = 0x01;
const MSG_COMMAND: u8 = 0x02;

fn nonce(prefix: &[u8], tail: &[u8]) -> [u8; 24] {
    debug_assert_eq!(prefix.len() + tail.len(), 24);
    let mut n = [0u8; 24];
    n[..prefix.len()].copy_from_slice(prefix);
    n[prefix.len()..].copy_from_slice(tail);
    n
}

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    OsRng.fill_bytes(&mut b);
    b
}

/// Appends `MAC || ciphertext` of `plaintext` to `out`: the `crypto_box_easy` layout
/// libzmq puts on the wire.
fn seal<A: AeadInPlace<NonceSize = U24>>(
    aead: &A,
    nonce: &[u8; 24],
    plaintext: &[u8],
    out: &mut Vec<u8>,
) {
    let start = out.len();
    out.resize(start + MAC, 0);
    out.extend_from_slice(plaintext);
    seal_in_place(aead, nonce, &mut out[start..]);
}

/// Encrypts `buf[MAC..]` in place and puts the MAC in front. The detached form keeps
/// the layout independent of how the crate orders its own combined output, and lets
/// MESSAGE bodies be built without an intermediate plaintext copy.
fn seal_in_place<A: AeadInPlace<NonceSize = U24>>(aead: &A, nonce: &[u8; 24], buf: &mut [u8]) {
    let (mac, text) = buf.split_at_mut(MAC);
    let tag = aead
        .encrypt_in_place_detached(GenericArray::from_slice(nonce), b"", text)
        // Only associated data or an over-long buffer can make it fail; we give neither.
        .expect("XSalsa20-Poly1305 encryption");
    mac.copy_from_slice(&tag);
}

fn open<A: AeadInPlace<NonceSize = U24>>(
    aead: &A,
    nonce: &[u8; 24],
    boxed: &[u8],
) -> Result<Vec<u8>, Error> {
    if boxed.len() < MAC {
        return Err(Error::Cryptographic);
    }
    let (tag, ciphertext) = boxed.split_at(MAC);
    let mut plain = ciphertext.to_vec();
    aead.decrypt_in_place_detached(
        GenericArray::from_slice(nonce),
        b"",
        &mut plain,
        GenericArray::from_slice(tag),
    )
    .map_err(|_| Error::Cryptographic)?;
    Ok(plain)
}

fn short_nonce(bytes: &[u8]) -> u64 {
    let mut n = [0u8; 8];
    n.copy_from_slice(&bytes[..8]);
    u64::from_be_bytes(n)
}

/// libzmq's `check_basic_command_structure`: at least a name length and a name.
fn check_basic_structure(body: &[u8]) -> Result<(), Error> {
    match body.first() {
        Some(&n) if body.len() > 1 && body.len() > usize::from(n) => Ok(()),
        _ => Err(Error::Malformed(CommandKind::Unspecified)),
    }
}

/// The nonce counters and the precomputed transient key (`curve_encoding_t`).
struct Codec {
    encode_prefix: &'static [u8; 16],
    decode_prefix: &'static [u8; 16],
    /// The next short nonce we send.
    nonce: u64,
    /// The last short nonce the peer sent; a MESSAGE must exceed it. libzmq starts it
    /// at 1 too, before any command has been seen.
    peer_nonce: u64,
    /// `beforenm(peer's transient public, our transient secret)`, once known.
    precom: Option<SalsaBox>,
}

impl Codec {
    fn new(encode_prefix: &'static [u8; 16], decode_prefix: &'static [u8; 16]) -> Self {
        Codec {
            encode_prefix,
            decode_prefix,
            nonce: 1,
            peer_nonce: 1,
            precom: None,
        }
    }

    fn next_nonce(&mut self) -> u64 {
        let n = self.nonce;
        self.nonce += 1;
        n
    }

    fn precom(&self) -> &SalsaBox {
        self.precom
            .as_ref()
            .expect("CURVE encode/decode before the handshake")
    }

    fn encode(&mut self, data: &[u8], more: bool, command: bool) -> Vec<u8> {
        let n = self.next_nonce().to_be_bytes();
        let mut body = Vec::with_capacity(MESSAGE_MIN_SIZE + data.len());
        body.extend_from_slice(MESSAGE);
        body.extend_from_slice(&n);
        body.resize(MESSAGE.len() + 8 + MAC, 0);
        body.push(if more { MSG_MORE } else { 0 } | if command { MSG_COMMAND } else { 0 });
        body.extend_from_slice(data);
        seal_in_place(
            self.precom(),
            &nonce(self.encode_prefix, &n),
            &mut body[MESSAGE.len() + 8..],
        );
        body
    }

    /// Checks in libzmq's order; the nonce is recorded before the box is opened (a
    /// failure closes the connection anyway).
    fn decode(&mut self, body: &[u8]) -> Result<(Msg, bool, bool), Error> {
        check_basic_structure(body)?;
        if !body.starts_with(MESSAGE) {
            return Err(Error::UnexpectedCommand);
        }
        if body.len() < MESSAGE_MIN_SIZE {
            return Err(Error::Malformed(CommandKind::Message));
        }
        let n = &body[MESSAGE.len()..MESSAGE.len() + 8];
        let value = short_nonce(n);
        if value <= self.peer_nonce {
            return Err(Error::InvalidSequence);
        }
        self.peer_nonce = value;
        let plain = open(
            self.precom(),
            &nonce(self.decode_prefix, n),
            &body[MESSAGE.len() + 8..],
        )?;
        // The flags byte is there: MESSAGE_MIN_SIZE counts it.
        let (&flags, data) = plain
            .split_first()
            .ok_or(Error::Malformed(CommandKind::Message))?;
        Ok((
            Msg::from_slice(data),
            flags & MSG_MORE != 0,
            flags & MSG_COMMAND != 0,
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientState {
    SendHello,
    ExpectWelcome,
    SendInitiate,
    ExpectReady,
    Connected,
    ErrorReceived,
}

/// The connecting side: knows the server's long-term public key.
pub struct CurveClient {
    public: [u8; 32],
    secret: SecretKey,
    server_public: PublicKey,
    /// Our transient key pair (C', c'), one per connection.
    cn_public: [u8; 32],
    cn_secret: SecretKey,
    /// `beforenm(S, c')`: HELLO and WELCOME.
    long_box: SalsaBox,
    /// From WELCOME: the server's transient key S' and its cookie, echoed in INITIATE.
    cn_server: Option<PublicKey>,
    cookie: [u8; 96],
    properties: Vec<u8>,
    state: ClientState,
    codec: Codec,
    peer_properties: Option<Vec<u8>>,
}

impl CurveClient {
    /// `properties`: our metadata property list (Socket-Type, Identity, X- app
    /// properties, encoded with `command::add_property`), sent in INITIATE.
    pub fn new(
        public: [u8; 32],
        secret: [u8; 32],
        server_public: [u8; 32],
        properties: Vec<u8>,
    ) -> Self {
        Self::with_transient(
            public,
            secret,
            server_public,
            SecretKey::generate(&mut OsRng),
            properties,
        )
    }

    fn with_transient(
        public: [u8; 32],
        secret: [u8; 32],
        server_public: [u8; 32],
        cn_secret: SecretKey,
        properties: Vec<u8>,
    ) -> Self {
        let server_public = PublicKey::from_bytes(server_public);
        CurveClient {
            public,
            secret: SecretKey::from_bytes(secret),
            cn_public: cn_secret.public_key().to_bytes(),
            long_box: SalsaBox::new(&server_public, &cn_secret),
            server_public,
            cn_secret,
            cn_server: None,
            cookie: [0; 96],
            properties,
            state: ClientState::SendHello,
            codec: Codec::new(b"CurveZMQMESSAGEC", b"CurveZMQMESSAGES"),
            peer_properties: None,
        }
    }

    fn produce_hello(&mut self) -> Vec<u8> {
        let n = self.codec.next_nonce().to_be_bytes();
        let mut body = Vec::with_capacity(HELLO_SIZE);
        body.extend_from_slice(HELLO);
        body.extend_from_slice(&[1, 0]);
        // 72 bytes, as libzmq and RFC 26's grammar have it (its prose says 70): HELLO
        // is as long as WELCOME's payload so it cannot be used for amplification.
        body.resize(80, 0);
        body.extend_from_slice(&self.cn_public);
        body.extend_from_slice(&n);
        seal(
            &self.long_box,
            &nonce(b"CurveZMQHELLO---", &n),
            &[0u8; 64],
            &mut body,
        );
        debug_assert_eq!(body.len(), HELLO_SIZE);
        body
    }

    fn process_welcome(&mut self, body: &[u8]) -> Result<(), Error> {
        if body.len() != WELCOME_SIZE {
            return Err(Error::Cryptographic);
        }
        let plain = open(
            &self.long_box,
            &nonce(b"WELCOME-", &body[8..24]),
            &body[24..],
        )?;
        let mut cn_server = [0u8; 32];
        cn_server.copy_from_slice(&plain[..32]);
        let cn_server = PublicKey::from_bytes(cn_server);
        self.cookie.copy_from_slice(&plain[32..128]);
        self.codec.precom = Some(SalsaBox::new(&cn_server, &self.cn_secret));
        self.cn_server = Some(cn_server);
        self.state = ClientState::SendInitiate;
        Ok(())
    }

    fn produce_initiate(&mut self) -> Vec<u8> {
        let cn_server = self.cn_server.as_ref().expect("INITIATE after WELCOME");
        // The vouch proves the long-term key owner made C' for this server.
        let vouch_tail: [u8; 16] = random();
        let mut vouch_plain = [0u8; 64];
        vouch_plain[..32].copy_from_slice(&self.cn_public);
        vouch_plain[32..].copy_from_slice(self.server_public.as_bytes());
        let mut plain = Vec::with_capacity(128 + self.properties.len());
        plain.extend_from_slice(&self.public);
        plain.extend_from_slice(&vouch_tail);
        seal(
            &SalsaBox::new(cn_server, &self.secret),
            &nonce(b"VOUCH---", &vouch_tail),
            &vouch_plain,
            &mut plain,
        );
        plain.extend_from_slice(&self.properties);

        let n = self.codec.next_nonce().to_be_bytes();
        let mut body = Vec::with_capacity(INITIATE_MIN_SIZE + self.properties.len());
        body.extend_from_slice(INITIATE);
        body.extend_from_slice(&self.cookie);
        body.extend_from_slice(&n);
        seal(
            self.codec.precom(),
            &nonce(b"CurveZMQINITIATE", &n),
            &plain,
            &mut body,
        );
        body
    }

    fn process_ready(&mut self, body: &[u8]) -> Result<(), Error> {
        if body.len() < READY_MIN_SIZE {
            return Err(Error::Malformed(CommandKind::Ready));
        }
        let n = &body[6..14];
        self.codec.peer_nonce = short_nonce(n);
        let plain = open(
            self.codec.precom(),
            &nonce(b"CurveZMQREADY---", n),
            &body[14..],
        )?;
        self.peer_properties = Some(plain);
        self.state = ClientState::Connected;
        Ok(())
    }

    fn process_error(&mut self, body: &[u8]) -> Result<(), Error> {
        if !matches!(
            self.state,
            ClientState::ExpectWelcome | ClientState::ExpectReady
        ) {
            return Err(Error::UnexpectedCommand);
        }
        let reason =
            super::command::error_reason(&body[ERROR.len()..]).ok_or(Error::MalformedError)?;
        self.state = ClientState::ErrorReceived;
        Err(Error::PeerError(reason.to_vec()))
    }
}

impl Mechanism for CurveClient {
    fn next_command(&mut self) -> Option<Vec<u8>> {
        match self.state {
            ClientState::SendHello => {
                self.state = ClientState::ExpectWelcome;
                Some(self.produce_hello())
            }
            ClientState::SendInitiate => {
                self.state = ClientState::ExpectReady;
                Some(self.produce_initiate())
            }
            _ => None,
        }
    }

    /// libzmq's client takes WELCOME and READY in any state; here each is refused
    /// outside the state that expects it (a second WELCOME would restart the key
    /// exchange, a READY before WELCOME has no key to open it).
    fn process_command(&mut self, body: &[u8]) -> Result<(), Error> {
        if body.starts_with(WELCOME) && self.state == ClientState::ExpectWelcome {
            self.process_welcome(body)
        } else if body.starts_with(READY) && self.state == ClientState::ExpectReady {
            self.process_ready(body)
        } else if body.starts_with(ERROR) {
            self.process_error(body)
        } else {
            Err(Error::UnexpectedCommand)
        }
    }

    fn seals(&self) -> bool {
        true
    }

    fn properties_error(&self, _: Error) -> Error {
        Error::ReadyMetadataRejected
    }

    fn is_ready(&self) -> bool {
        self.state == ClientState::Connected
    }

    fn peer_properties(&self) -> Option<&[u8]> {
        self.peer_properties.as_deref()
    }

    fn encode(&mut self, data: &[u8], more: bool, command: bool) -> Vec<u8> {
        debug_assert!(self.is_ready());
        self.codec.encode(data, more, command)
    }

    fn decode(&mut self, body: &[u8]) -> Result<(Msg, bool, bool), Error> {
        debug_assert!(self.is_ready());
        self.codec.decode(body)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ServerState {
    WaitingForHello,
    SendingWelcome,
    WaitingForInitiate,
    WaitingForDecision,
    SendingReady,
    Ready,
    SendingError,
    ErrorSent,
}

/// The accepting side: holds the long-term secret key the clients know the public of.
pub struct CurveServer {
    secret: SecretKey,
    /// Our transient key pair (S', s'), made when the connection is set up.
    cn_public: [u8; 32],
    cn_secret: SecretKey,
    /// The client's transient key C', from HELLO.
    cn_client: [u8; 32],
    /// `beforenm(C', s)`: HELLO and WELCOME.
    long_box: Option<SalsaBox>,
    /// Drawn afresh for each WELCOME: the cookie only has to outlive this handshake,
    /// and the server keeps no per-client state in between (RFC 26).
    cookie_key: Option<XSalsa20Poly1305>,
    client_public: Option<[u8; 32]>,
    status: Vec<u8>,
    properties: Vec<u8>,
    state: ServerState,
    codec: Codec,
    peer_properties: Option<Vec<u8>>,
    /// Asks the ZAP handler about the client's key (once).
    zap: Option<ZapAsker>,
}

impl CurveServer {
    /// `properties`: our property list, sent in READY. `public` is not needed (libzmq's
    /// server does not use its own public key either); it stays for symmetry.
    pub fn new(public: [u8; 32], secret: [u8; 32], properties: Vec<u8>) -> Self {
        let _ = public;
        Self::with_transient(secret, SecretKey::generate(&mut OsRng), properties)
    }

    fn with_transient(secret: [u8; 32], cn_secret: SecretKey, properties: Vec<u8>) -> Self {
        CurveServer {
            secret: SecretKey::from_bytes(secret),
            cn_public: cn_secret.public_key().to_bytes(),
            cn_secret,
            cn_client: [0; 32],
            long_box: None,
            cookie_key: None,
            client_public: None,
            status: Vec::new(),
            properties,
            state: ServerState::WaitingForHello,
            codec: Codec::new(b"CurveZMQMESSAGES", b"CurveZMQMESSAGEC"),
            peer_properties: None,
            zap: None,
        }
    }

    /// Asks the ZAP handler, through `asker`, once INITIATE came.
    pub(crate) fn with_zap(mut self, asker: ZapAsker) -> Self {
        self.zap = Some(asker);
        self
    }

    /// After the client's INITIATE was accepted: its long-term public key (the ZAP
    /// credential).
    pub fn client_public_key(&self) -> Option<[u8; 32]> {
        self.client_public
    }

    /// ZAP approved (or no handler is bound): READY is due.
    pub fn accept(&mut self) {
        if self.state == ServerState::WaitingForDecision {
            self.state = ServerState::SendingReady;
        }
    }

    /// ZAP refused with this 3-digit status: ERROR carries it, except for 300 (a
    /// temporary failure: the client is dropped silently, as CurveZMQ says).
    pub fn refuse(&mut self, status: &[u8]) {
        if self.state != ServerState::WaitingForDecision {
            return;
        }
        if status.first() == Some(&b'3') {
            self.state = ServerState::ErrorSent;
        } else {
            self.status = status.get(..255).unwrap_or(status).to_vec();
            self.state = ServerState::SendingError;
        }
    }

    /// Whether INITIATE has been processed and the server waits for accept/refuse.
    pub fn awaiting_decision(&self) -> bool {
        self.state == ServerState::WaitingForDecision
    }

    fn process_hello(&mut self, body: &[u8]) -> Result<(), Error> {
        check_basic_structure(body)?;
        if !body.starts_with(HELLO) {
            return Err(Error::UnexpectedCommand);
        }
        if body.len() != HELLO_SIZE || body[6..8] != [1, 0] {
            return Err(Error::Malformed(CommandKind::Hello));
        }
        self.cn_client.copy_from_slice(&body[80..112]);
        let n = &body[112..120];
        self.codec.peer_nonce = short_nonce(n);
        let long_box = SalsaBox::new(&PublicKey::from_bytes(self.cn_client), &self.secret);
        // The content (64 zero bytes) is not checked: opening proves C' knows S.
        open(&long_box, &nonce(b"CurveZMQHELLO---", n), &body[120..])?;
        self.long_box = Some(long_box);
        self.state = ServerState::SendingWelcome;
        Ok(())
    }

    fn produce_welcome(&mut self) -> Vec<u8> {
        let cookie_key = XSalsa20Poly1305::new(&random::<32>().into());
        let cookie_tail: [u8; 16] = random();
        let mut cookie_plain = [0u8; 64];
        cookie_plain[..32].copy_from_slice(&self.cn_client);
        cookie_plain[32..].copy_from_slice(&self.cn_secret.to_bytes());
        let mut plain = Vec::with_capacity(128);
        plain.extend_from_slice(&self.cn_public);
        plain.extend_from_slice(&cookie_tail);
        seal(
            &cookie_key,
            &nonce(b"COOKIE--", &cookie_tail),
            &cookie_plain,
            &mut plain,
        );
        self.cookie_key = Some(cookie_key);

        let welcome_tail: [u8; 16] = random();
        let mut body = Vec::with_capacity(WELCOME_SIZE);
        body.extend_from_slice(WELCOME);
        body.extend_from_slice(&welcome_tail);
        seal(
            self.long_box.as_ref().expect("WELCOME after HELLO"),
            &nonce(b"WELCOME-", &welcome_tail),
            &plain,
            &mut body,
        );
        debug_assert_eq!(body.len(), WELCOME_SIZE);
        body
    }

    fn process_initiate(&mut self, body: &[u8]) -> Result<(), Error> {
        check_basic_structure(body)?;
        if !body.starts_with(INITIATE) {
            return Err(Error::UnexpectedCommand);
        }
        if body.len() < INITIATE_MIN_SIZE {
            return Err(Error::Malformed(CommandKind::Initiate));
        }
        let cookie_key = self.cookie_key.as_ref().ok_or(Error::Cryptographic)?;
        let cookie = open(
            cookie_key,
            &nonce(b"COOKIE--", &body[9..25]),
            &body[25..105],
        )?;
        if cookie[..32] != self.cn_client || cookie[32..] != self.cn_secret.to_bytes() {
            return Err(Error::Cryptographic);
        }
        let n = &body[105..113];
        self.codec.peer_nonce = short_nonce(n);
        let precom = SalsaBox::new(&PublicKey::from_bytes(self.cn_client), &self.cn_secret);
        let plain = open(&precom, &nonce(b"CurveZMQINITIATE", n), &body[113..])?;
        let mut client = [0u8; 32];
        client.copy_from_slice(&plain[..32]);
        let vouch = open(
            &SalsaBox::new(&PublicKey::from_bytes(client), &self.cn_secret),
            &nonce(b"VOUCH---", &plain[32..48]),
            &plain[48..128],
        )?;
        // As libzmq: only C' is checked; the vouch's copy of S is not.
        if vouch[..32] != self.cn_client {
            return Err(Error::KeyExchange);
        }
        self.codec.precom = Some(precom);
        self.client_public = Some(client);
        self.peer_properties = Some(plain[128..].to_vec());
        self.state = ServerState::WaitingForDecision;
        Ok(())
    }

    fn produce_ready(&mut self) -> Vec<u8> {
        let n = self.codec.next_nonce().to_be_bytes();
        let mut body = Vec::with_capacity(READY_MIN_SIZE + self.properties.len());
        body.extend_from_slice(READY);
        body.extend_from_slice(&n);
        seal(
            self.codec.precom(),
            &nonce(b"CurveZMQREADY---", &n),
            &self.properties,
            &mut body,
        );
        body
    }
}

impl Mechanism for CurveServer {
    fn next_command(&mut self) -> Option<Vec<u8>> {
        match self.state {
            ServerState::SendingWelcome => {
                self.state = ServerState::WaitingForInitiate;
                Some(self.produce_welcome())
            }
            ServerState::SendingReady => {
                self.state = ServerState::Ready;
                Some(self.produce_ready())
            }
            ServerState::SendingError => {
                self.state = ServerState::ErrorSent;
                let mut body = ERROR.to_vec();
                body.push(self.status.len() as u8);
                body.extend_from_slice(&self.status);
                Some(body)
            }
            _ => None,
        }
    }

    fn process_command(&mut self, body: &[u8]) -> Result<(), Error> {
        match self.state {
            ServerState::WaitingForHello => self.process_hello(body),
            ServerState::WaitingForInitiate => self.process_initiate(body),
            _ => Err(Error::ProtocolUnspecified),
        }
    }

    fn seals(&self) -> bool {
        true
    }

    /// Once INITIATE proved the client's key: the handler decides (a server with no
    /// handler goes on unauthenticated: libzmq's "Stonehouse").
    fn zap_request(&mut self) -> Option<Vec<Vec<u8>>> {
        if !self.awaiting_decision() {
            return None;
        }
        let asker = self.zap.take()?;
        let key = self.client_public_key().unwrap_or_default();
        Some(asker.request("CURVE", &[&key]))
    }

    fn zap_accepted(&mut self) {
        self.accept();
    }

    fn is_ready(&self) -> bool {
        self.state == ServerState::Ready
    }

    fn peer_properties(&self) -> Option<&[u8]> {
        self.peer_properties.as_deref()
    }

    fn encode(&mut self, data: &[u8], more: bool, command: bool) -> Vec<u8> {
        debug_assert!(self.is_ready());
        self.codec.encode(data, more, command)
    }

    fn decode(&mut self, body: &[u8]) -> Result<(Msg, bool, bool), Error> {
        debug_assert!(self.is_ready());
        self.codec.decode(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A decoded frame's bytes, for comparing.
    fn plain(r: Result<(Msg, bool, bool), Error>) -> Result<(Vec<u8>, bool, bool), Error> {
        r.map(|(m, more, command)| (m.data().to_vec(), more, command))
    }
    use crate::curve_keys;
    use crate::zmtp::command::add_property;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// vectors/curve_hello_fixedkeys.bin: `04 c8` + HELLO from c' = 32 x 22 to
    /// S = public(32 x 11), short nonce 1, made with libsodium.
    const HELLO_VECTOR: &str = "04c80548454c4c4f01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f2000000000000000018c1e9bcc1bbea166b255868898ea3a13a9ceac0f27cbf653f6cb18f725872ed122b8319d2f03db73df3fec92348e4228f873fff582395b64ddaa94f27347724187a298269c4b657f92fb05a552a14fe3";
    /// vectors/curve_message_fixedkeys.bin: a client MESSAGE, nonce 3, plaintext
    /// `00 'hello'`, from c' = 32 x 22 to S' = public(32 x 33), made with libsodium.
    const MESSAGE_VECTOR: &str =
        "0026074d4553534147450000000000000003189f4b3ec55f134ce8ee70586012267953af982fce43";

    fn props(socket_type: &str) -> Vec<u8> {
        let mut p = Vec::new();
        add_property(&mut p, b"Socket-Type", socket_type.as_bytes());
        add_property(&mut p, b"Identity", b"");
        p
    }

    struct Keys {
        client: ([u8; 32], [u8; 32]),
        server: ([u8; 32], [u8; 32]),
    }

    fn keys() -> Keys {
        Keys {
            client: curve_keys::keypair().unwrap(),
            server: curve_keys::keypair().unwrap(),
        }
    }

    fn pair(k: &Keys) -> (CurveClient, CurveServer) {
        let client = CurveClient::new(k.client.0, k.client.1, k.server.0, props("DEALER"));
        let server = CurveServer::new(k.server.0, k.server.1, props("ROUTER"));
        (client, server)
    }

    /// Runs HELLO, WELCOME and INITIATE; returns them.
    fn until_decision(client: &mut CurveClient, server: &mut CurveServer) -> [Vec<u8>; 3] {
        let hello = client.next_command().unwrap();
        assert_eq!(client.next_command(), None);
        server.process_command(&hello).unwrap();
        let welcome = server.next_command().unwrap();
        assert_eq!(server.next_command(), None);
        client.process_command(&welcome).unwrap();
        let initiate = client.next_command().unwrap();
        assert_eq!(client.next_command(), None);
        assert!(!server.awaiting_decision());
        server.process_command(&initiate).unwrap();
        assert!(server.awaiting_decision());
        assert_eq!(server.next_command(), None);
        [hello, welcome, initiate]
    }

    fn handshake(k: &Keys) -> (CurveClient, CurveServer) {
        let (mut client, mut server) = pair(k);
        until_decision(&mut client, &mut server);
        server.accept();
        let ready = server.next_command().unwrap();
        assert!(server.is_ready());
        assert!(!client.is_ready());
        client.process_command(&ready).unwrap();
        assert!(client.is_ready());
        (client, server)
    }

    #[test]
    fn handshake_then_messages_both_ways() {
        let k = keys();
        let (mut client, mut server) = handshake(&k);
        assert_eq!(server.client_public_key(), Some(k.client.0));
        assert_eq!(server.peer_properties(), Some(&props("DEALER")[..]));
        assert_eq!(client.peer_properties(), Some(&props("ROUTER")[..]));
        assert_eq!(client.next_command(), None);
        assert_eq!(server.next_command(), None);

        for (data, more, command) in [
            (&b"hello"[..], true, false),
            (b"", false, false),
            (b"\x04PING\x00\x14", false, true),
            (b"x", true, true),
        ] {
            let body = client.encode(data, more, command);
            assert_eq!(body.len(), MESSAGE_MIN_SIZE + data.len());
            assert_eq!(
                plain(server.decode(&body)).unwrap(),
                (data.to_vec(), more, command)
            );
            let body = server.encode(data, more, command);
            assert_eq!(
                plain(client.decode(&body)).unwrap(),
                (data.to_vec(), more, command)
            );
        }
        // Short nonces: the client's MESSAGEs follow HELLO 1 and INITIATE 2, the
        // server's follow READY 1.
        let body = client.encode(b"a", true, false);
        assert_eq!(body.len(), 34);
        assert_eq!(&body[..8], b"\x07MESSAGE");
        assert_eq!(short_nonce(&body[8..16]), 7);
        assert_eq!(short_nonce(&server.encode(b"", false, false)[8..16]), 6);

        // A big frame, to cross any block boundary.
        let big: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        let body = server.encode(&big, false, false);
        assert_eq!(plain(client.decode(&body)).unwrap().0, big);
    }

    #[test]
    fn command_sizes_match_libzmq() {
        let k = keys();
        let (mut client, mut server) = pair(&k);
        let [hello, welcome, initiate] = until_decision(&mut client, &mut server);
        assert_eq!(hello.len(), 200);
        assert_eq!(&hello[..6], b"\x05HELLO");
        assert_eq!(&hello[6..8], [1, 0]);
        assert_eq!(&hello[8..80], [0u8; 72]);
        assert_eq!(&hello[112..120], 1u64.to_be_bytes());
        assert_eq!(welcome.len(), 168);
        assert_eq!(&welcome[..8], b"\x07WELCOME");
        // 257 + metadata; zmtp.md's capture: 292 for 35 bytes of DEALER metadata.
        assert_eq!(initiate.len(), 257 + props("DEALER").len());
        assert_eq!(&initiate[..9], b"\x08INITIATE");
        assert_eq!(&initiate[105..113], 2u64.to_be_bytes());
        server.accept();
        let ready = server.next_command().unwrap();
        assert_eq!(ready.len(), 30 + props("ROUTER").len());
        assert_eq!(&ready[..6], b"\x05READY");
        assert_eq!(&ready[6..14], 1u64.to_be_bytes());

        // Empty metadata: the minimum sizes libzmq checks.
        let mut client = CurveClient::new(k.client.0, k.client.1, k.server.0, Vec::new());
        let mut server = CurveServer::new(k.server.0, k.server.1, Vec::new());
        let [_, _, initiate] = until_decision(&mut client, &mut server);
        assert_eq!(initiate.len(), INITIATE_MIN_SIZE);
        server.accept();
        let ready = server.next_command().unwrap();
        assert_eq!(ready.len(), READY_MIN_SIZE);
        client.process_command(&ready).unwrap();
        assert_eq!(client.peer_properties(), Some(&[][..]));
        assert_eq!(server.peer_properties(), Some(&[][..]));
    }

    #[test]
    fn libsodium_vectors() {
        let s = [0x11u8; 32];
        let big_s = curve_keys::public_from_secret(&s);
        let cn = SecretKey::from_bytes([0x22; 32]);
        let (c_pub, c_sec) = curve_keys::keypair().unwrap();
        let mut client = CurveClient::with_transient(c_pub, c_sec, big_s, cn, Vec::new());
        let frame = hex(HELLO_VECTOR);
        assert_eq!(client.next_command().unwrap(), &frame[2..]);
        // And our server takes libsodium's HELLO.
        let mut server = CurveServer::new(big_s, s, Vec::new());
        server.process_command(&frame[2..]).unwrap();
        assert_eq!(server.next_command().unwrap().len(), WELCOME_SIZE);

        // The message box: MAC first, as crypto_box_easy lays it out.
        let cn_server = SecretKey::from_bytes([0x33; 32]);
        let cn_client = SecretKey::from_bytes([0x22; 32]);
        let frame = hex(MESSAGE_VECTOR);
        let mut tx = Codec::new(b"CurveZMQMESSAGEC", b"CurveZMQMESSAGES");
        tx.precom = Some(SalsaBox::new(&cn_server.public_key(), &cn_client));
        tx.nonce = 3;
        assert_eq!(tx.encode(b"hello", false, false), &frame[2..]);
        let mut rx = Codec::new(b"CurveZMQMESSAGES", b"CurveZMQMESSAGEC");
        rx.precom = Some(SalsaBox::new(&cn_client.public_key(), &cn_server));
        rx.peer_nonce = 2;
        assert_eq!(
            plain(rx.decode(&frame[2..])).unwrap(),
            (b"hello".to_vec(), false, false)
        );
    }

    #[test]
    fn tampering_fails() {
        let k = keys();
        // HELLO: every byte of the box and of C' counts; the padding does not.
        for i in [80, 111, 112, 119, 120, 150, 199] {
            let (mut client, mut server) = pair(&k);
            let mut hello = client.next_command().unwrap();
            hello[i] ^= 1;
            assert_eq!(
                server.process_command(&hello),
                Err(Error::Cryptographic),
                "{i}"
            );
        }
        let (mut client, mut server) = pair(&k);
        let mut hello = client.next_command().unwrap();
        hello[40] = 0xff;
        server.process_command(&hello).unwrap();

        // WELCOME.
        for i in [8, 30, 167] {
            let (mut client, mut server) = pair(&k);
            server
                .process_command(&client.next_command().unwrap())
                .unwrap();
            let mut welcome = server.next_command().unwrap();
            welcome[i] ^= 1;
            assert_eq!(client.process_command(&welcome), Err(Error::Cryptographic));
        }
        // INITIATE: cookie, nonce, box, metadata.
        for i in [9, 30, 104, 105, 112, 120, 200, 256, 270] {
            let (mut client, mut server) = pair(&k);
            server
                .process_command(&client.next_command().unwrap())
                .unwrap();
            client
                .process_command(&server.next_command().unwrap())
                .unwrap();
            let mut initiate = client.next_command().unwrap();
            initiate[i] ^= 1;
            assert_eq!(
                server.process_command(&initiate),
                Err(Error::Cryptographic),
                "{i}"
            );
            assert!(!server.awaiting_decision());
            assert_eq!(server.client_public_key(), None);
        }
        // READY.
        for i in [6, 13, 14, 40] {
            let (mut client, mut server) = pair(&k);
            until_decision(&mut client, &mut server);
            server.accept();
            let mut ready = server.next_command().unwrap();
            ready[i] ^= 1;
            assert_eq!(client.process_command(&ready), Err(Error::Cryptographic));
            assert!(!client.is_ready());
        }
        // MESSAGE: box and nonce both ways.
        let (mut client, mut server) = handshake(&k);
        let mut body = client.encode(b"payload", false, false);
        body[20] ^= 1;
        assert_eq!(plain(server.decode(&body)), Err(Error::Cryptographic));
        let mut body = server.encode(b"payload", true, false);
        let last = body.len() - 1;
        body[last] ^= 1;
        assert_eq!(plain(client.decode(&body)), Err(Error::Cryptographic));
        // A nonce changed upward still fails the box.
        let mut body = server.encode(b"payload", true, false);
        body[15] += 1;
        assert_eq!(plain(client.decode(&body)), Err(Error::Cryptographic));
    }

    #[test]
    fn wrong_server_key_fails() {
        let k = keys();
        let other = keys();
        // The client thinks the server's key is another one: HELLO does not open.
        let mut client = CurveClient::new(k.client.0, k.client.1, other.server.0, Vec::new());
        let mut server = CurveServer::new(k.server.0, k.server.1, Vec::new());
        assert_eq!(
            server.process_command(&client.next_command().unwrap()),
            Err(Error::Cryptographic)
        );
        // A WELCOME from a server with another long-term key does not open either.
        let (mut client, _) = pair(&k);
        let hello = client.next_command().unwrap();
        let mut impostor = CurveServer::new(other.server.0, other.server.1, Vec::new());
        let mut honest = CurveServer::new(k.server.0, k.server.1, Vec::new());
        honest.process_command(&hello).unwrap();
        let mut welcome = honest.next_command().unwrap();
        // Re-box the WELCOME as the impostor would (it cannot open HELLO, so it guesses).
        assert_eq!(impostor.process_command(&hello), Err(Error::Cryptographic));
        welcome[24..].copy_from_slice(&[0x5a; 144]);
        assert_eq!(client.process_command(&welcome), Err(Error::Cryptographic));
    }

    #[test]
    fn replayed_or_stale_nonces_fail() {
        let k = keys();
        let (mut client, mut server) = handshake(&k);
        let first = client.encode(b"one", false, false);
        let second = client.encode(b"two", false, false);
        assert_eq!(plain(server.decode(&second)).unwrap().0, b"two");
        // Older than the last one seen, then the same again.
        assert_eq!(plain(server.decode(&first)), Err(Error::InvalidSequence));
        assert_eq!(plain(server.decode(&second)), Err(Error::InvalidSequence));
        // Gaps are allowed.
        client.encode(b"skipped", false, false);
        let fourth = client.encode(b"four", false, false);
        assert_eq!(plain(server.decode(&fourth)).unwrap().0, b"four");

        // The first server MESSAGE must exceed READY's nonce (1).
        let (mut client, mut server) = handshake(&k);
        let mut body = server.encode(b"x", false, false);
        body[8..16].copy_from_slice(&1u64.to_be_bytes());
        assert_eq!(plain(client.decode(&body)), Err(Error::InvalidSequence));
        // And the client's the INITIATE's (2).
        let mut body = client.encode(b"x", false, false);
        body[8..16].copy_from_slice(&2u64.to_be_bytes());
        assert_eq!(plain(server.decode(&body)), Err(Error::InvalidSequence));

        // A replayed INITIATE on another connection: the cookie key differs.
        let (mut client, mut server) = pair(&k);
        let [_, _, initiate] = until_decision(&mut client, &mut server);
        let (mut client2, mut server2) = pair(&k);
        server2
            .process_command(&client2.next_command().unwrap())
            .unwrap();
        let _ = server2.next_command().unwrap();
        assert_eq!(
            server2.process_command(&initiate),
            Err(Error::Cryptographic)
        );
        // A second INITIATE to a server that took one: no state expects it.
        assert_eq!(
            server.process_command(&initiate),
            Err(Error::ProtocolUnspecified)
        );
        let _ = client2;
    }

    #[test]
    fn malformed_commands() {
        let k = keys();
        let (mut client, mut server) = pair(&k);
        let hello = client.next_command().unwrap();
        assert_eq!(
            server.process_command(b"\x05"),
            Err(Error::Malformed(CommandKind::Unspecified))
        );
        assert_eq!(
            server.process_command(b"\x05HELL"),
            Err(Error::Malformed(CommandKind::Unspecified))
        );
        assert_eq!(
            server.process_command(b"\x05READY"),
            Err(Error::UnexpectedCommand)
        );
        assert_eq!(
            server.process_command(&hello[..199]),
            Err(Error::Malformed(CommandKind::Hello))
        );
        let mut v2 = hello.clone();
        v2[6] = 2;
        assert_eq!(
            server.process_command(&v2),
            Err(Error::Malformed(CommandKind::Hello))
        );
        server.process_command(&hello).unwrap();
        // Before WELCOME has gone out, nothing is expected.
        assert_eq!(
            server.process_command(&hello),
            Err(Error::ProtocolUnspecified)
        );
        let welcome = server.next_command().unwrap();
        assert_eq!(
            client.process_command(&welcome[..167]),
            Err(Error::Cryptographic)
        );
        assert_eq!(
            client.process_command(b"\x05READY"),
            Err(Error::UnexpectedCommand)
        );
        assert_eq!(
            client.process_command(b"\x04PING"),
            Err(Error::UnexpectedCommand)
        );
        client.process_command(&welcome).unwrap();
        assert_eq!(
            client.process_command(&welcome),
            Err(Error::UnexpectedCommand)
        );
        let initiate = client.next_command().unwrap();
        assert_eq!(
            server.process_command(&initiate[..256]),
            Err(Error::Malformed(CommandKind::Initiate))
        );
        assert_eq!(
            server.process_command(&hello),
            Err(Error::UnexpectedCommand)
        );
        server.process_command(&initiate).unwrap();
        server.accept();
        let ready = server.next_command().unwrap();
        assert_eq!(
            client.process_command(&ready[..29]),
            Err(Error::Malformed(CommandKind::Ready))
        );
        client.process_command(&ready).unwrap();

        let body = client.encode(b"", false, false);
        assert_eq!(body.len(), MESSAGE_MIN_SIZE);
        assert_eq!(
            plain(server.decode(&body[..32])),
            Err(Error::Malformed(CommandKind::Message))
        );
        assert_eq!(
            plain(server.decode(b"\x07MESSAG")),
            Err(Error::Malformed(CommandKind::Unspecified))
        );
        assert_eq!(
            plain(server.decode(b"\x04PING\x00\x00")),
            Err(Error::UnexpectedCommand)
        );
        assert_eq!(plain(server.decode(&body)).unwrap(), (vec![], false, false));

        for (e, code) in [
            (
                Error::Cryptographic,
                crate::constants::ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC,
            ),
            (
                Error::InvalidSequence,
                crate::constants::ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE,
            ),
            (
                Error::KeyExchange,
                crate::constants::ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE,
            ),
            (
                Error::Malformed(CommandKind::Hello),
                crate::constants::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO,
            ),
        ] {
            assert_eq!(e.protocol_error_code(), Some(code));
        }
    }

    #[test]
    fn vouch_for_another_transient_key_fails() {
        let k = keys();
        let (mut client, mut server) = pair(&k);
        server
            .process_command(&client.next_command().unwrap())
            .unwrap();
        client
            .process_command(&server.next_command().unwrap())
            .unwrap();
        // Vouch for a C' that is not this connection's.
        client.cn_public = curve_keys::keypair().unwrap().0;
        let initiate = client.next_command().unwrap();
        assert_eq!(server.process_command(&initiate), Err(Error::KeyExchange));
    }

    #[test]
    fn refusal_sends_error() {
        let k = keys();
        for status in [&b"400"[..], b"500"] {
            let (mut client, mut server) = pair(&k);
            until_decision(&mut client, &mut server);
            server.refuse(status);
            assert!(!server.awaiting_decision());
            let error = server.next_command().unwrap();
            let mut expect = b"\x05ERROR\x03".to_vec();
            expect.extend_from_slice(status);
            assert_eq!(error, expect);
            assert_eq!(server.next_command(), None);
            assert!(!server.is_ready());
            let e = client.process_command(&error).unwrap_err();
            assert_eq!(e, Error::PeerError(status.to_vec()));
            assert_eq!(
                e.auth_failure_status(),
                Some(i32::from(status[0] - b'0') * 100)
            );
            assert!(!client.is_ready());
        }
        // 300: dropped silently.
        let (mut client, mut server) = pair(&k);
        until_decision(&mut client, &mut server);
        server.refuse(b"300");
        assert_eq!(server.next_command(), None);
        assert!(!server.is_ready());
        assert!(!server.awaiting_decision());

        // The client takes ERROR while it waits for WELCOME, not before HELLO.
        let (mut client, _) = pair(&k);
        assert_eq!(
            client.process_command(b"\x05ERROR\x03400"),
            Err(Error::UnexpectedCommand)
        );
        client.next_command().unwrap();
        assert_eq!(
            client.process_command(b"\x05ERROR\x04400"),
            Err(Error::MalformedError)
        );
        assert_eq!(
            client.process_command(b"\x05ERROR"),
            Err(Error::MalformedError)
        );
        assert_eq!(
            client.process_command(b"\x05ERROR\x03500"),
            Err(Error::PeerError(b"500".to_vec()))
        );
    }
}
