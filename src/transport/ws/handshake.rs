//! The HTTP/1.1 upgrade that opens a WebSocket (RFC 6455 §4), sans I/O, client and
//! server, with ZWS 2.0's subprotocols (`ZWS2.0/NULL`, `ZWS2.0/PLAIN`, `ZWS2.0/CURVE`,
//! and the bare `ZWS2.0`: no mechanism, a routing-id frame first).
//!
//! Driven like `socks::Socks5Client`: write `pending_output`, report it with
//! `consume_output`, feed what is read to `handle_input`, which takes only the bytes of
//! the HTTP head: what follows it already belongs to the WebSocket stream and goes to
//! the engine. Header lines are parsed by `httparse`; the accept key is SHA-1 and
//! base64 (`sha1`, `base64`); what is written here by hand is only which headers
//! ZWS needs and how libzmq answers them.
//!
//! As libzmq, the server takes any request path (the endpoint's path is not checked)
//! and any `Sec-WebSocket-Version`, and picks the first subprotocol it can speak: its
//! own mechanism, or the bare `ZWS2.0` when that is NULL. Unlike libzmq, a refused
//! request gets a `400 Bad Request` rather than a silent close, and the client checks
//! `Sec-WebSocket-Accept`.

use base64::Engine as _;
use sha1::{Digest, Sha1};

/// RFC 6455's GUID, appended to the key for the accept value.
const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/// The longest HTTP head accepted (libzmq caps a header name at 1 KiB and a value at
/// 2 KiB); longer is a failure, so a peer cannot make us buffer without end.
pub(crate) const MAX_HEAD: usize = 16 * 1024;
const MAX_HEADERS: usize = 64;
const BAD_REQUEST: &[u8] =
    b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";

/// The bare subprotocol: NULL without READY, a routing-id frame first.
pub(crate) const ZWS_BARE: &str = "ZWS2.0";

/// The subprotocol naming a mechanism.
pub fn subprotocol(mechanism: &str) -> String {
    format!("{ZWS_BARE}/{mechanism}")
}

/// The subprotocols a client offers for its mechanism, preferred first (libzmq's
/// `ZWS2.0/NULL,ZWS2.0` for NULL).
pub fn offered(mechanism: &str) -> Vec<String> {
    let mut v = vec![subprotocol(mechanism)];
    if mechanism == "NULL" {
        v.push(ZWS_BARE.to_owned());
    }
    v
}

/// Why the upgrade failed: libzmq reports each as
/// `ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Not HTTP/1.1 at all, or malformed header lines.
    Malformed,
    /// The head is longer than [`MAX_HEAD`].
    TooLong,
    /// A request that is not `GET`.
    NotGet,
    /// A response status other than 101.
    Status(u16),
    /// `Upgrade: websocket` or `Connection: Upgrade` is missing.
    NotUpgrade,
    /// A request without `Sec-WebSocket-Key`.
    MissingKey,
    /// A response whose `Sec-WebSocket-Accept` does not match our key.
    BadAccept,
    /// No subprotocol both sides speak (or the server named one we did not offer).
    NoSubprotocol,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    NeedMore,
    /// The upgrade is complete: WebSocket frames follow.
    Done,
    Failed(Failure),
}

/// The HTTP head being read, up to its blank line.
#[derive(Debug, Default)]
struct Head {
    buf: Vec<u8>,
}

impl Head {
    /// Takes bytes up to the end of the head. `Ok(Some(len))` once complete (the head
    /// is `buf[..len]`), with the count of `data` taken.
    fn feed(&mut self, data: &[u8], prefix: &[u8]) -> (usize, Result<bool, Failure>) {
        let start = self.buf.len().saturating_sub(3);
        let room = MAX_HEAD.saturating_sub(self.buf.len());
        let take = data.len().min(room);
        self.buf.extend_from_slice(&data[..take]);
        // Garbage is refused on its first byte, as libzmq's byte-wise parser does (a
        // ZMTP greeting sent to a ws port, say), not after 16 KiB.
        let n = self.buf.len().min(prefix.len());
        if self.buf[..n] != prefix[..n] {
            return (take, Err(Failure::Malformed));
        }
        match find_end(&self.buf, start) {
            Some(end) => {
                let extra = self.buf.len() - end;
                self.buf.truncate(end);
                (take - extra, Ok(true))
            }
            None if self.buf.len() >= MAX_HEAD => (take, Err(Failure::TooLong)),
            None => (take, Ok(false)),
        }
    }
}

/// The index just past the `\r\n\r\n` ending a head, searching from `from`.
fn find_end(buf: &[u8], from: usize) -> Option<usize> {
    buf.get(from..)?
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| from + p + 4)
}

/// `Sec-WebSocket-Accept` for a key.
pub fn accept_key(key: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(key);
    h.update(GUID);
    base64::engine::general_purpose::STANDARD.encode(h.finalize())
}

fn header<'a>(headers: &'a [httparse::Header<'a>], name: &str) -> impl Iterator<Item = &'a [u8]> {
    let name = name.to_owned();
    headers
        .iter()
        .filter(move |h| h.name.eq_ignore_ascii_case(&name))
        .map(|h| h.value)
}

/// Comma-separated tokens of every `name` header, trimmed.
fn tokens<'a>(headers: &'a [httparse::Header<'a>], name: &str) -> Vec<&'a [u8]> {
    header(headers, name)
        .flat_map(|v| v.split(|&b| b == b','))
        .map(|t| t.trim_ascii())
        .filter(|t| !t.is_empty())
        .collect()
}

fn has_token(headers: &[httparse::Header<'_>], name: &str, token: &str) -> bool {
    tokens(headers, name)
        .iter()
        .any(|t| t.eq_ignore_ascii_case(token.as_bytes()))
}

/// The connecting side: sends the request, checks the `101 Switching Protocols`.
#[derive(Debug)]
pub struct ClientHandshake {
    out: Vec<u8>,
    out_pos: usize,
    accept: String,
    offered: Vec<String>,
    head: Head,
    progress: Progress,
    protocol: Option<String>,
}

impl ClientHandshake {
    /// `host` is what the `Host` header says (with the port), `path` the request
    /// target; `nonce` the 16 random bytes of the key.
    pub fn new(host: &str, path: &str, offered: Vec<String>, nonce: [u8; 16]) -> Self {
        let key = base64::engine::general_purpose::STANDARD.encode(nonce);
        let out = format!(
            "GET {path} HTTP/1.1\r\n\
             Host: {host}\r\n\
             Upgrade: websocket\r\n\
             Connection: Upgrade\r\n\
             Sec-WebSocket-Key: {key}\r\n\
             Sec-WebSocket-Protocol: {}\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n",
            offered.join(",")
        )
        .into_bytes();
        ClientHandshake {
            out,
            out_pos: 0,
            accept: accept_key(key.as_bytes()),
            offered,
            head: Head::default(),
            progress: Progress::NeedMore,
            protocol: None,
        }
    }

    pub fn pending_output(&self) -> &[u8] {
        &self.out[self.out_pos..]
    }

    pub fn consume_output(&mut self, n: usize) {
        self.out_pos = (self.out_pos + n).min(self.out.len());
    }

    pub fn progress(&self) -> Progress {
        self.progress.clone()
    }

    /// The subprotocol the server chose, once done.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// Bytes from the server; returns how many were the HTTP response's (the rest are
    /// WebSocket frames).
    pub fn handle_input(&mut self, data: &[u8]) -> (usize, Progress) {
        if self.progress != Progress::NeedMore {
            return (0, self.progress.clone());
        }
        let (n, r) = self.head.feed(data, b"HTTP/1.1 ");
        self.progress = match r {
            Ok(false) => Progress::NeedMore,
            Ok(true) => match self.check_response() {
                Ok(p) => {
                    self.protocol = Some(p);
                    Progress::Done
                }
                Err(f) => Progress::Failed(f),
            },
            Err(f) => Progress::Failed(f),
        };
        (n, self.progress.clone())
    }

    fn check_response(&self) -> Result<String, Failure> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut resp = httparse::Response::new(&mut headers);
        match resp.parse(&self.head.buf) {
            Ok(httparse::Status::Complete(_)) if resp.version == Some(1) => {}
            _ => return Err(Failure::Malformed),
        }
        if resp.code != Some(101) {
            return Err(Failure::Status(resp.code.unwrap_or(0)));
        }
        let h = &*resp.headers;
        if !has_token(h, "Upgrade", "websocket") || !has_token(h, "Connection", "upgrade") {
            return Err(Failure::NotUpgrade);
        }
        let accepted: Vec<&[u8]> = header(h, "Sec-WebSocket-Accept").collect();
        if accepted != [self.accept.as_bytes()] {
            return Err(Failure::BadAccept);
        }
        // Exactly one protocol, one we offered (libzmq refuses a second header too).
        let chosen = tokens(h, "Sec-WebSocket-Protocol");
        match chosen[..] {
            [p] => self
                .offered
                .iter()
                .find(|o| o.as_bytes() == p)
                .cloned()
                .ok_or(Failure::NoSubprotocol),
            _ => Err(Failure::NoSubprotocol),
        }
    }
}

/// The accepting side: reads the request, answers `101` (or `400`).
#[derive(Debug)]
pub struct ServerHandshake {
    acceptable: Vec<String>,
    head: Head,
    out: Vec<u8>,
    out_pos: usize,
    progress: Progress,
    protocol: Option<String>,
    path: Option<String>,
}

impl ServerHandshake {
    /// A server for our mechanism's name (`NULL`, `PLAIN`, `CURVE`).
    pub fn new(mechanism: &str) -> Self {
        ServerHandshake {
            acceptable: offered(mechanism),
            head: Head::default(),
            out: Vec::new(),
            out_pos: 0,
            progress: Progress::NeedMore,
            protocol: None,
            path: None,
        }
    }

    /// The answer to write: the `101` once done, or a `400` after a failure.
    pub fn pending_output(&self) -> &[u8] {
        &self.out[self.out_pos..]
    }

    pub fn consume_output(&mut self, n: usize) {
        self.out_pos = (self.out_pos + n).min(self.out.len());
    }

    /// The unwritten answer, taken (the engine writes it ahead of its own bytes).
    pub fn take_output(&mut self) -> Vec<u8> {
        let mut out = std::mem::take(&mut self.out);
        out.drain(..self.out_pos);
        self.out_pos = 0;
        out
    }

    pub fn progress(&self) -> Progress {
        self.progress.clone()
    }

    /// The subprotocol chosen, once done.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// The request's path, once done.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// Bytes from the client; returns how many were the HTTP request's.
    pub fn handle_input(&mut self, data: &[u8]) -> (usize, Progress) {
        if self.progress != Progress::NeedMore {
            return (0, self.progress.clone());
        }
        let (n, r) = self.head.feed(data, b"GET ");
        self.progress = match r {
            Ok(false) => Progress::NeedMore,
            Ok(true) => match self.check_request() {
                Ok((protocol, key)) => {
                    self.out = format!(
                        "HTTP/1.1 101 Switching Protocols\r\n\
                         Upgrade: websocket\r\n\
                         Connection: Upgrade\r\n\
                         Sec-WebSocket-Accept: {}\r\n\
                         Sec-WebSocket-Protocol: {protocol}\r\n\r\n",
                        accept_key(&key)
                    )
                    .into_bytes();
                    self.protocol = Some(protocol);
                    Progress::Done
                }
                Err(f) => Progress::Failed(f),
            },
            Err(f) => Progress::Failed(f),
        };
        if matches!(self.progress, Progress::Failed(_)) {
            self.out = BAD_REQUEST.to_vec();
        }
        (n, self.progress.clone())
    }

    fn check_request(&mut self) -> Result<(String, Vec<u8>), Failure> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&self.head.buf) {
            Ok(httparse::Status::Complete(_)) if req.version == Some(1) => {}
            _ => return Err(Failure::Malformed),
        }
        if req.method != Some("GET") {
            return Err(Failure::NotGet);
        }
        self.path = req.path.map(str::to_owned);
        let h = &*req.headers;
        if !has_token(h, "Upgrade", "websocket") || !has_token(h, "Connection", "upgrade") {
            return Err(Failure::NotUpgrade);
        }
        let key = header(h, "Sec-WebSocket-Key")
            .next()
            .map(|k| k.trim_ascii().to_vec())
            .filter(|k| !k.is_empty())
            .ok_or(Failure::MissingKey)?;
        // The client's order of preference decides among those we speak.
        let protocol = tokens(h, "Sec-WebSocket-Protocol")
            .into_iter()
            .find_map(|p| self.acceptable.iter().find(|a| a.as_bytes() == p))
            .cloned()
            .ok_or(Failure::NoSubprotocol)?;
        Ok((protocol, key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONCE: [u8; 16] = [
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
        0x10,
    ];

    #[test]
    fn rfc_6455_accept_key() {
        // §1.3's example.
        assert_eq!(
            accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    fn request(protocols: &str, extra: &str) -> Vec<u8> {
        format!(
            "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n\
             Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Origin: http://example.com\r\nSec-WebSocket-Protocol: {protocols}\r\n\
             Sec-WebSocket-Version: 13\r\n{extra}\r\n"
        )
        .into_bytes()
    }

    #[test]
    fn client_request_transcript() {
        let c = ClientHandshake::new("127.0.0.1:5555", "/roundtrip", offered("NULL"), NONCE);
        assert_eq!(
            String::from_utf8(c.pending_output().to_vec()).unwrap(),
            "GET /roundtrip HTTP/1.1\r\nHost: 127.0.0.1:5555\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==\r\n\
             Sec-WebSocket-Protocol: ZWS2.0/NULL,ZWS2.0\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        assert_eq!(offered("CURVE"), ["ZWS2.0/CURVE"]);
    }

    /// A client and a server talk, the server's answer arriving byte by byte with a
    /// WebSocket frame behind it.
    #[test]
    fn client_and_server_agree_at_any_split() {
        for (mech, want) in [
            ("NULL", "ZWS2.0/NULL"),
            ("PLAIN", "ZWS2.0/PLAIN"),
            ("CURVE", "ZWS2.0/CURVE"),
        ] {
            let mut c = ClientHandshake::new("h:1", "/", offered(mech), NONCE);
            let mut s = ServerHandshake::new(mech);
            let req = c.pending_output().to_vec();
            c.consume_output(req.len());
            let mut stream = req.clone();
            stream.extend_from_slice(&[0x82, 0x81]);
            let (n, p) = s.handle_input(&stream);
            assert_eq!((n, p), (req.len(), Progress::Done));
            assert_eq!(s.protocol(), Some(want));
            let mut resp = s.take_output();
            let resp_len = resp.len();
            resp.extend_from_slice(&[0x82, 0x01, 0x00]);
            for (i, b) in resp.iter().enumerate() {
                let (n, p) = c.handle_input(std::slice::from_ref(b));
                if i + 1 < resp_len {
                    assert_eq!((n, p), (1, Progress::NeedMore));
                } else if i + 1 == resp_len {
                    assert_eq!((n, p), (1, Progress::Done));
                } else {
                    assert_eq!(n, 0, "took a frame byte");
                }
            }
            assert_eq!(c.protocol(), Some(want));
        }
    }

    #[test]
    fn server_response_transcript() {
        let mut s = ServerHandshake::new("NULL");
        let req = request("chat, ZWS2.0, ZWS2.0/NULL", "");
        assert_eq!(s.handle_input(&req), (req.len(), Progress::Done));
        // The client's first choice that we speak.
        assert_eq!(s.protocol(), Some("ZWS2.0"));
        assert_eq!(s.path(), Some("/chat"));
        assert_eq!(
            String::from_utf8(s.pending_output().to_vec()).unwrap(),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
             Sec-WebSocket-Protocol: ZWS2.0\r\n\r\n"
        );
        // Protocols spread over several headers count too.
        let mut s = ServerHandshake::new("CURVE");
        let req = request("x", "Sec-WebSocket-Protocol: ZWS2.0/CURVE\r\n");
        assert_eq!(s.handle_input(&req).1, Progress::Done);
        assert_eq!(s.protocol(), Some("ZWS2.0/CURVE"));
    }

    #[test]
    fn bad_requests_get_400() {
        let cases: Vec<(Vec<u8>, Failure)> = vec![
            // A ZMTP greeting, refused on its first byte.
            (vec![0xff, 0, 0, 0], Failure::Malformed),
            (b"POST / HTTP/1.1\r\n\r\n".to_vec(), Failure::Malformed),
            (b"GET / HTTP/1.0\r\n\r\n".to_vec(), Failure::Malformed),
            (
                b"GET / HTTP/1.1\r\nbad header\r\n\r\n".to_vec(),
                Failure::Malformed,
            ),
            (
                b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
                Failure::NotUpgrade,
            ),
            (
                b"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                  Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n\r\n"
                    .to_vec(),
                Failure::MissingKey,
            ),
            (request("ZWS2.0/PLAIN, chat", ""), Failure::NoSubprotocol),
        ];
        for (input, want) in cases {
            let mut s = ServerHandshake::new("NULL");
            let (_, p) = s.handle_input(&input);
            assert_eq!(p, Progress::Failed(want.clone()), "{input:?}");
            assert!(s.pending_output().starts_with(b"HTTP/1.1 400 "));
            // Failed is final.
            assert_eq!(s.handle_input(b"GET ").0, 0);
        }
        // A NULL-only server does not speak CURVE, and the bare protocol is NULL's.
        let mut s = ServerHandshake::new("CURVE");
        assert_eq!(
            s.handle_input(&request("ZWS2.0, ZWS2.0/NULL", "")).1,
            Progress::Failed(Failure::NoSubprotocol)
        );
    }

    #[test]
    fn endless_heads_are_cut_off() {
        let mut s = ServerHandshake::new("NULL");
        let mut total = 0;
        let chunk =
            b"GET / HTTP/1.1\r\nX: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
        let (n, p) = s.handle_input(chunk);
        total += n;
        assert_eq!(p, Progress::NeedMore);
        let filler = [b'a'; 1000];
        loop {
            let (n, p) = s.handle_input(&filler);
            total += n;
            if p != Progress::NeedMore {
                assert_eq!(p, Progress::Failed(Failure::TooLong));
                break;
            }
        }
        assert_eq!(total, MAX_HEAD);
    }

    #[test]
    fn client_refuses_bad_responses() {
        let good = |c: &ClientHandshake| {
            format!(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                 Sec-WebSocket-Accept: {}\r\nSec-WebSocket-Protocol: ZWS2.0/NULL\r\n\r\n",
                c.accept
            )
        };
        let fresh = || ClientHandshake::new("h:1", "/", offered("NULL"), NONCE);
        let c = fresh();
        let ok = good(&c);
        let cases = [
            (
                "HTTP/1.1 400 Bad Request\r\n\r\n".to_owned(),
                Failure::Status(400),
            ),
            ("SSH-2.0-x\r\n".to_owned(), Failure::Malformed),
            (
                ok.replace("Upgrade: websocket\r\n", ""),
                Failure::NotUpgrade,
            ),
            (ok.replace(&c.accept, "AAAA"), Failure::BadAccept),
            (
                ok.replace("ZWS2.0/NULL", "ZWS2.0/CURVE"),
                Failure::NoSubprotocol,
            ),
            (
                ok.replace(
                    "ZWS2.0/NULL",
                    "ZWS2.0/NULL\r\nSec-WebSocket-Protocol: ZWS2.0",
                ),
                Failure::NoSubprotocol,
            ),
        ];
        for (resp, want) in cases {
            let mut c = fresh();
            assert_eq!(
                c.handle_input(resp.as_bytes()).1,
                Progress::Failed(want),
                "{resp}"
            );
        }
        let mut c = fresh();
        let bare = ok.replace("ZWS2.0/NULL", "ZWS2.0");
        assert_eq!(c.handle_input(bare.as_bytes()).1, Progress::Done);
        assert_eq!(c.protocol(), Some("ZWS2.0"));
    }
}
