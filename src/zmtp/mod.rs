//! ZMTP, sans I/O: one [`Connection`] per TCP/IPC stream. It consumes the peer's bytes
//! and the time, and produces bytes to write, received messages and events; it never
//! touches a socket, a thread or a clock (see `../shared/specs/zmtp.md`).
//!
//! Driving a connection (the I/O thread's job):
//! * after `Connection::new`, after `handle_input`, `handle_timeout` and `send`, write
//!   [`Connection::pending_output`] (or the vectored form) and call `consume_output`
//!   with what the socket took;
//! * feed every read to `handle_input`, then take [`Event`]s with `poll_event` until
//!   `None`; while events are left (the pipe toward the socket is full),
//!   `wants_input()` is false: stop reading until they are taken;
//! * arm a timer for `poll_timeout()` and call `handle_timeout` when it passes;
//! * on `Err`, the connection is dead: close the stream without flushing (as libzmq
//!   does); [`Error`] tells which monitor event to raise and whether to reconnect.
//!
//! Subscriptions travel through pipes as data messages `1 topic` / `0 topic`; the
//! connection converts them to and from SUBSCRIBE/CANCEL commands where the protocol
//! version calls for it (zmtp.md §6).

mod codec;
mod command;
#[cfg(feature = "draft")]
pub(crate) use command::{membership, parse_membership};
mod connection;
pub mod curve;
mod greeting;
pub mod gssapi;
mod mechanism;
pub mod norm;
mod null;
mod output;
pub mod pgm;
mod plain;
mod raw;
pub mod socket_type;
mod ws_engine;
pub mod zap;
mod zws;

use std::time::Duration;

pub use connection::Connection;
pub use raw::{Engine, RawConnection};
pub use ws_engine::WsEngine;

use crate::constants as c;
use crate::error::Errno;
use crate::msg::Msg;

/// The largest frame accepted before the handshake is complete, whatever
/// `ZMQ_MAXMSGSIZE` says: bounds what an unauthenticated peer can make us hold.
pub(crate) const MAX_HANDSHAKE_FRAME: u64 = 64 * 1024;

/// The security mechanism (`ZMQ_MECHANISM`) and what it needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Mechanism {
    #[default]
    Null,
    /// `ZMQ_PLAIN_SERVER` (server) or `ZMQ_PLAIN_USERNAME`/`_PASSWORD` (client).
    Plain {
        server: bool,
        username: Vec<u8>,
        password: Vec<u8>,
    },
    /// `ZMQ_CURVE_SERVER` (server: its own key pair) or a client with its key pair and
    /// the server's public key (`ZMQ_CURVE_SERVERKEY`).
    Curve {
        server: bool,
        public: [u8; 32],
        secret: [u8; 32],
        server_key: [u8; 32],
    },
    /// `ZMQ_GSSAPI_SERVER` (server) or a client of `service_principal`.
    Gssapi {
        server: bool,
        settings: gssapi::Settings,
    },
}

impl Mechanism {
    /// The greeting's mechanism name.
    pub fn name(&self) -> &'static str {
        match self {
            Mechanism::Null => "NULL",
            Mechanism::Plain { .. } => "PLAIN",
            Mechanism::Curve { .. } => "CURVE",
            Mechanism::Gssapi { .. } => "GSSAPI",
        }
    }
}

/// What a connection needs from the socket's options.
#[derive(Debug, Clone)]
pub struct Config {
    /// Our `ZMQ_*` socket type.
    pub socket_type: i32,
    /// `ZMQ_ROUTING_ID` (may be empty).
    pub routing_id: Vec<u8>,
    /// `ZMQ_METADATA` properties (`X-` names), sent in READY sorted by name.
    pub app_metadata: Vec<(String, Vec<u8>)>,
    /// `ZMQ_MAXMSGSIZE`: the largest frame accepted; -1 = unlimited.
    pub maxmsgsize: i64,
    /// `ZMQ_HEARTBEAT_IVL` (`None` or zero: no PINGs).
    pub heartbeat_ivl: Option<Duration>,
    /// `ZMQ_HEARTBEAT_TTL`, sent in our PINGs in deciseconds.
    pub heartbeat_ttl: Option<Duration>,
    /// `ZMQ_HEARTBEAT_TIMEOUT`; `None` = the interval (libzmq's -1); zero = none.
    pub heartbeat_timeout: Option<Duration>,
    /// `ZMQ_HANDSHAKE_IVL` (`None` or zero: no limit).
    pub handshake_ivl: Option<Duration>,
    /// `ZMQ_ZAP_DOMAIN`: with the NULL mechanism, a non-empty domain has the handshake
    /// ask the ZAP handler before sending READY (libzmq's `zap_required`).
    pub zap_domain: Vec<u8>,
    /// `ZMQ_ZAP_ENFORCE_DOMAIN`: with a domain but no handler, NULL fails too.
    pub zap_enforce_domain: bool,
    /// The peer's address, reported as the `Peer-Address` property.
    pub peer_address: String,
    /// The connection's descriptor, reported with the address as the private `__fd`
    /// property (what `zmq_msg_get(ZMQ_SRCFD)` reads); -1 for none.
    pub source_fd: i32,
    pub mechanism: Mechanism,
    /// Talk to ZMTP 1.0 / 2.0 peers (libzmq always does, unless ZAP is enabled). When
    /// false, their greetings are rejected ([`Error::BadSignature`],
    /// [`Error::UnsupportedVersion`]).
    pub allow_legacy: bool,
    /// `send` refuses messages while this many bytes are waiting to be written.
    pub out_batch_size: usize,
    /// A raw connection (ZMQ_STREAM): no ZMTP at all ([`RawConnection`]).
    pub raw: bool,
    /// `ZMQ_STREAM_NOTIFY`: a raw connection announces its start and end.
    pub raw_notify: bool,
    /// A `ws://`/`wss://` connection ([`WsEngine`]): the WebSocket upgrade, then ZWS
    /// 2.0 framing instead of the greeting.
    pub ws: Option<WsSide>,
}

/// Which end of a WebSocket upgrade a connection is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsSide {
    /// It sends the request: `Host` header and request path.
    Client {
        host: String,
        path: String,
    },
    Server,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            socket_type: c::ZMQ_PAIR,
            routing_id: Vec::new(),
            app_metadata: Vec::new(),
            maxmsgsize: -1,
            heartbeat_ivl: None,
            heartbeat_ttl: None,
            heartbeat_timeout: None,
            handshake_ivl: Some(Duration::from_millis(30_000)),
            zap_domain: Vec::new(),
            zap_enforce_domain: false,
            peer_address: String::new(),
            source_fd: -1,
            mechanism: Mechanism::Null,
            allow_legacy: true,
            out_batch_size: 64 * 1024,
            raw: false,
            raw_notify: true,
            ws: None,
        }
    }
}

/// What a connection reports, in order.
#[derive(Debug)]
pub enum Event {
    /// The handshake is complete: the peer's properties, routing id and socket type
    /// are available and `send` accepts messages. For ZMTP 1.0/2.0 peers it comes once
    /// their identity frame has arrived, and libzmq raises no monitor event for them
    /// (check `peer_version().0 < 3`).
    HandshakeSucceeded,
    /// The handshake waits for the ZAP handler (`Config::zap_domain` set): send these
    /// frames to it after an empty delimiter, then give its reply to `zap_reply` (or
    /// call `zap_unavailable` when no handler is bound).
    ZapRequest(Vec<Vec<u8>>),
    /// A received data frame (`more()` set when another part follows), carrying the
    /// connection's properties as metadata (ZMTP 3 only). SUBSCRIBE/CANCEL commands
    /// reach PUB/XPUB sockets as `1 topic` / `0 topic` messages; for a ZMTP 1.0 peer
    /// of a PUB/XPUB, a subscribe-all `1` is injected first (libzmq does).
    Message(Msg),
}

/// Why a connection failed. Each one closes that connection only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Not a ZMTP greeting, while ZMTP 1.0 fallback is off.
    BadSignature,
    /// A ZMTP 1.0-with-signature (revision 0) or 2.0 (revision 1) greeting while the
    /// fallback is off.
    UnsupportedVersion(u8),
    /// The peer's greeting names another mechanism.
    MechanismMismatch,
    /// A handshake command that is not the expected one (e.g. PING before READY).
    UnexpectedCommand,
    /// An ERROR command too short for its reason.
    MalformedError,
    /// A READY whose property list is malformed.
    InvalidMetadata,
    /// A READY whose Socket-Type (the value) cannot talk to ours.
    IncompatibleSocketType(Vec<u8>),
    /// The peer sent ERROR with this reason.
    PeerError(Vec<u8>),
    /// A frame over `ZMQ_MAXMSGSIZE` (or [`MAX_HANDSHAKE_FRAME`] while handshaking).
    MessageTooLarge,
    /// The memory for a declared frame size could not be allocated.
    OutOfMemory,
    /// A ZMTP 1.0 frame of length 0.
    InvalidFrame,
    /// `ZMQ_HANDSHAKE_IVL` passed before the handshake completed.
    HandshakeTimeout,
    /// No frame within `ZMQ_HEARTBEAT_TIMEOUT` after a PING, or within the TTL the
    /// peer's PING announced.
    HeartbeatTimeout,
    /// The ZAP handler's reply was unusable: the `ZMQ_PROTOCOL_ERROR_ZAP_*` code.
    Zap(i32),
    /// The ZAP handler refused the peer with this status (300, 400 or 500).
    AuthFailed(u16),
    /// A mechanism that needs a ZAP handler (PLAIN's server) found none:
    /// `ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL` with EFAULT, as libzmq.
    NoZapHandler,
    /// A handshake or MESSAGE command too short or otherwise ill-formed (CURVE).
    Malformed(CommandKind),
    /// A CURVE box (or cookie) that does not open, or a WELCOME of the wrong size
    /// (libzmq's client reports that one as cryptographic too).
    Cryptographic,
    /// The CURVE vouch names another transient key than the connection's.
    KeyExchange,
    /// A CURVE MESSAGE whose nonce is not above the last one seen (a replay).
    InvalidSequence,
    /// A command the CURVE server did not expect in its state (libzmq reports no
    /// detail for it).
    ProtocolUnspecified,
    /// A CURVE READY whose property list is malformed or names an incompatible socket
    /// type: libzmq's CURVE client reports `ZMTP_INVALID_METADATA` for both, where the
    /// NULL mechanism and the CURVE server (INITIATE) report nothing
    /// ([`Error::InvalidMetadata`], [`Error::IncompatibleSocketType`]).
    ReadyMetadataRejected,
    /// A GSSAPI call failed (no credentials, an unknown service, a token that does not
    /// verify): libzmq stalls until `ZMQ_HANDSHAKE_IVL` and reports it as that timeout
    /// (`ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL`, then a reconnect); this fails at once,
    /// with the same event and a reconnect, its errno EPROTO.
    Gssapi(crate::sys::gssapi::Failure),
    /// The WebSocket upgrade failed (`ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED`, as libzmq).
    WsUpgrade(crate::transport::ws::handshake::Failure),
    /// A WebSocket frame that RFC 6455 or ZWS forbids; the close code we answer with.
    WsFrame(u16),
    /// The peer closed the WebSocket (a close frame): a disconnect, after which a
    /// connecting side reconnects, as libzmq's `connection_error`.
    WsClosed,
}

/// Which command was malformed: selects the `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_*`
/// code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandKind {
    /// Not even a command (`size <= 1` or shorter than its name).
    Unspecified,
    Message,
    Hello,
    Initiate,
    Ready,
    Welcome,
}

impl Error {
    /// The `ZMQ_PROTOCOL_ERROR_*` value of the `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL`
    /// event libzmq raises for this failure, when it raises one. (For a malformed or
    /// incompatible READY, an oversize frame and a ZMTP 1.0/2.0 peer refused because
    /// ZAP is on, libzmq raises none: only `ZMQ_EVENT_DISCONNECTED`.)
    pub fn protocol_error_code(&self) -> Option<i32> {
        match self {
            Error::MechanismMismatch => Some(c::ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH),
            Error::UnexpectedCommand => Some(c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND),
            Error::MalformedError => Some(c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR),
            Error::Zap(code) => Some(*code),
            Error::Malformed(kind) => Some(match kind {
                CommandKind::Unspecified => {
                    c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED
                }
                CommandKind::Message => c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE,
                CommandKind::Hello => c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO,
                CommandKind::Initiate => c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE,
                CommandKind::Ready => c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY,
                CommandKind::Welcome => c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME,
            }),
            Error::Cryptographic => Some(c::ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC),
            Error::KeyExchange => Some(c::ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE),
            Error::InvalidSequence => Some(c::ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE),
            Error::ProtocolUnspecified => Some(c::ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED),
            Error::ReadyMetadataRejected => Some(c::ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA),
            Error::WsUpgrade(_) => Some(c::ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED),
            _ => None,
        }
    }

    /// The ZAP status (300, 400, 500) of the `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH` event
    /// raised when the peer's ERROR reason is exactly such a code.
    pub fn auth_failure_status(&self) -> Option<i32> {
        match self {
            Error::PeerError(reason) => match reason.as_slice() {
                [d @ b'3'..=b'5', b'0', b'0'] => Some(i32::from(d - b'0') * 100),
                _ => None,
            },
            Error::AuthFailed(status) => Some(i32::from(*status)),
            _ => None,
        }
    }

    /// A timeout (handshake or heartbeat): libzmq treats it as a connection error, so
    /// a connecting side reconnects; every other error is a protocol error after which
    /// a connecting session stops for good (zmtp.md §1.3). A handshake timeout raises
    /// `ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL`.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::HandshakeTimeout | Error::HeartbeatTimeout)
    }

    /// Not the peer's fault by the protocol's rules (a timeout, a WebSocket close): a
    /// connecting side tries again, as after a dropped stream.
    pub fn is_connection_error(&self) -> bool {
        self.is_timeout() || matches!(self, Error::WsClosed | Error::Gssapi(_))
    }

    /// The errno libzmq has at hand for this failure.
    pub fn errno(&self) -> Errno {
        match self {
            Error::MessageTooLarge => Errno(libc::EMSGSIZE),
            Error::OutOfMemory => Errno::ENOMEM,
            Error::IncompatibleSocketType(_) => Errno::EINVAL,
            Error::HandshakeTimeout | Error::HeartbeatTimeout => Errno(libc::ETIMEDOUT),
            Error::WsClosed => Errno(libc::ECONNRESET),
            Error::NoZapHandler => Errno::EFAULT,
            _ => Errno(libc::EPROTO),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::BadSignature => f.write_str("not a ZMTP greeting"),
            Error::UnsupportedVersion(r) => write!(f, "ZMTP revision {r} refused"),
            Error::MechanismMismatch => f.write_str("security mechanism mismatch"),
            Error::UnexpectedCommand => f.write_str("unexpected handshake command"),
            Error::MalformedError => f.write_str("malformed ERROR command"),
            Error::InvalidMetadata => f.write_str("malformed READY properties"),
            Error::IncompatibleSocketType(t) => {
                write!(
                    f,
                    "incompatible peer socket type {}",
                    String::from_utf8_lossy(t)
                )
            }
            Error::PeerError(r) => write!(f, "peer error: {}", String::from_utf8_lossy(r)),
            Error::MessageTooLarge => f.write_str("frame larger than allowed"),
            Error::OutOfMemory => f.write_str("out of memory for a frame"),
            Error::InvalidFrame => f.write_str("invalid frame"),
            Error::HandshakeTimeout => f.write_str("handshake timed out"),
            Error::HeartbeatTimeout => f.write_str("heartbeat timed out"),
            Error::Zap(code) => write!(f, "unusable ZAP reply (protocol error {code:#x})"),
            Error::AuthFailed(status) => write!(f, "ZAP handler refused the peer ({status})"),
            Error::NoZapHandler => f.write_str("no ZAP handler for a mechanism that needs one"),
            Error::Malformed(kind) => write!(f, "malformed {kind:?} command"),
            Error::Cryptographic => f.write_str("CURVE box does not open"),
            Error::KeyExchange => f.write_str("CURVE vouch does not match the key exchange"),
            Error::InvalidSequence => f.write_str("CURVE nonce not increasing"),
            Error::ProtocolUnspecified => f.write_str("unexpected command"),
            Error::ReadyMetadataRejected => f.write_str("READY properties rejected"),
            Error::Gssapi(why) => write!(f, "GSSAPI: {why}"),
            Error::WsUpgrade(why) => write!(f, "WebSocket upgrade failed: {why:?}"),
            Error::WsFrame(code) => write!(f, "bad WebSocket frame (close code {code})"),
            Error::WsClosed => f.write_str("WebSocket closed by the peer"),
        }
    }
}

impl std::error::Error for Error {}
