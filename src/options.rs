//! The generic socket options: what libzmq 4.3.5 keeps in `options_t` and parses in
//! `options_t::setsockopt` / `options_t::getsockopt`.
//!
//! The socket layer asks the socket type first (its own options: `ZMQ_SUBSCRIBE`,
//! `ZMQ_ROUTER_*`, `ZMQ_ROUTER_NOTIFY`'s setter, ...), then itself (`ZMQ_RCVMORE`, `ZMQ_FD`,
//! `ZMQ_EVENTS`, `ZMQ_LAST_ENDPOINT`, `ZMQ_THREAD_SAFE`), and hands everything else to
//! [`Options::set`] / [`Options::get`], which answer exactly as libzmq does, including its
//! quirks (documented where they occur).
//!
//! The build mirrored is libzmq on Linux with CURVE and WSS, without GSSAPI, NORM, VMCI or
//! `ZMQ_ACT_MILITANT`: the options of the missing features fail with `EINVAL`, as unknown
//! ones do. Options that `zmq.h` declares as draft but that libzmq handles in every build
//! (`ZMQ_METADATA`, `ZMQ_SOCKS_USERNAME`, `ZMQ_RECONNECT_STOP`, ...) are handled with or
//! without our `draft` feature; the draft-only ones (`ZMQ_IN_BATCH_SIZE`, `ZMQ_HELLO_MSG`,
//! `ZMQ_PRIORITY`, ...) only with it.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::c_int;

use crate::constants::*;
use crate::curve_keys::{KEY_SIZE, Z85_KEY_LEN};
use crate::error::{Errno, Result};
pub use crate::transport::accept_filter::TcpAcceptFilter;
use crate::z85;

/// Option numbers that `zmq.h` declares only under `ZMQ_BUILD_DRAFT_API`, but that
/// libzmq's `options.cpp` handles in every build (its `zmq_draft.h` defines them).
mod always {
    use std::ffi::c_int;

    pub const ZMQ_ZAP_ENFORCE_DOMAIN: c_int = 93;
    pub const ZMQ_LOOPBACK_FASTPATH: c_int = 94;
    pub const ZMQ_METADATA: c_int = 95;
    pub const ZMQ_MULTICAST_LOOP: c_int = 96;
    pub const ZMQ_SOCKS_USERNAME: c_int = 99;
    pub const ZMQ_SOCKS_PASSWORD: c_int = 100;
    pub const ZMQ_RECONNECT_STOP: c_int = 109;
}
use always::{
    ZMQ_LOOPBACK_FASTPATH, ZMQ_METADATA, ZMQ_MULTICAST_LOOP, ZMQ_RECONNECT_STOP,
    ZMQ_SOCKS_PASSWORD, ZMQ_SOCKS_USERNAME, ZMQ_ZAP_ENFORCE_DOMAIN,
};

/// libzmq's default high-water mark, in messages.
pub(crate) const DEFAULT_HWM: c_int = 1000;

/// `ZMQ_IN_BATCH_SIZE` / `ZMQ_OUT_BATCH_SIZE` as libzmq reports them until set.
#[cfg_attr(not(feature = "draft"), allow(dead_code))]
const LIBZMQ_BATCH_SIZE: c_int = 8192;

/// The batch sizes used while the options are not set: 64 KiB reads and writes (libzmq's
/// 8 KiB costs throughput here, measured with benches/run.sh).
pub(crate) const DEFAULT_BATCH_SIZE: usize = 64 * 1024;

/// Longest `ZMQ_BINDTODEVICE` value (Linux `IFNAMSIZ`).
const BINDTODEVICE_MAX: usize = 16;

/// Longest routing id, PLAIN credential, ZAP domain, accept filter or metadata name.
const UCHAR_MAX: usize = 255;

/// `ZMQ_HEARTBEAT_TTL` is given in milliseconds and kept in deciseconds.
const MS_PER_DECISECOND: c_int = 100;

/// The generic options of one socket, with libzmq's defaults. Fields are public: the
/// socket layer and the socket types read them, and set the ones libzmq sets outside
/// `options.cpp` (noted per field).
#[derive(Clone, Debug)]
pub struct Options {
    /// `ZMQ_SNDHWM`, messages (0 = no limit). Default 1000.
    pub sndhwm: c_int,
    /// `ZMQ_RCVHWM`, messages (0 = no limit). Default 1000.
    pub rcvhwm: c_int,
    /// `ZMQ_AFFINITY`: I/O thread bitmap (0 = any).
    pub affinity: u64,
    /// `ZMQ_ROUTING_ID` (alias `ZMQ_IDENTITY`): 0..=255 bytes, empty when not set.
    pub routing_id: Vec<u8>,
    /// `ZMQ_RATE`, kbit/s. Default 100.
    pub rate: c_int,
    /// `ZMQ_RECOVERY_IVL`, ms. Default 10000.
    pub recovery_ivl: c_int,
    /// `ZMQ_MULTICAST_HOPS`. Default 1.
    pub multicast_hops: c_int,
    /// `ZMQ_MULTICAST_MAXTPDU`, bytes. Default 1500.
    pub multicast_maxtpdu: c_int,
    /// `ZMQ_SNDBUF`, bytes (-1 = leave the OS default). Default -1.
    pub sndbuf: c_int,
    /// `ZMQ_RCVBUF`, bytes (-1 = leave the OS default). Default -1.
    pub rcvbuf: c_int,
    /// `ZMQ_TOS`. Default 0.
    pub tos: c_int,
    /// `ZMQ_PRIORITY` (draft; `SO_PRIORITY`). Default 0.
    pub priority: c_int,
    /// `ZMQ_TYPE` (get only): the socket type given to [`Options::new`].
    pub socket_type: c_int,
    /// `ZMQ_LINGER`, ms (-1 = forever). Default -1 with the context's `ZMQ_BLOCKY` set,
    /// else 0; 0 for XSUB, SUB and DISH whatever `ZMQ_BLOCKY` says.
    pub linger: c_int,
    /// `ZMQ_CONNECT_TIMEOUT`, ms (0 = the OS's). Default 0.
    pub connect_timeout: c_int,
    /// `ZMQ_TCP_MAXRT`, ms (0 = the OS's). Default 0.
    pub tcp_maxrt: c_int,
    /// `ZMQ_RECONNECT_STOP`: `ZMQ_RECONNECT_STOP_*` bits (any int accepted). Default 0.
    pub reconnect_stop: c_int,
    /// `ZMQ_RECONNECT_IVL`, ms (-1 = no reconnection). Default 100.
    pub reconnect_ivl: c_int,
    /// `ZMQ_RECONNECT_IVL_MAX`, ms (0 = only `reconnect_ivl`). Default 0.
    pub reconnect_ivl_max: c_int,
    /// `ZMQ_BACKLOG`. Default 100.
    pub backlog: c_int,
    /// `ZMQ_MAXMSGSIZE`, bytes (-1 = no limit; any value accepted). Default -1.
    pub maxmsgsize: i64,
    /// `ZMQ_RCVTIMEO`, ms (-1 = block forever). Default -1.
    pub rcvtimeo: c_int,
    /// `ZMQ_SNDTIMEO`, ms (-1 = block forever). Default -1.
    pub sndtimeo: c_int,
    /// `ZMQ_IPV6` (and the inverse `ZMQ_IPV4ONLY`). Default: the context's `ZMQ_IPV6`.
    pub ipv6: bool,
    /// `ZMQ_IMMEDIATE` (alias `ZMQ_DELAY_ATTACH_ON_CONNECT`). Default false.
    pub immediate: bool,
    /// Whether an (X)SUB filters messages by subscription: true for SUB (set by
    /// [`Options::new`]), false otherwise. Not a socket option.
    pub filter: bool,
    /// `ZMQ_INVERT_MATCHING` (relaxed bool; read by PUB/XPUB/SUB/XSUB). Default false.
    pub invert_matching: bool,
    /// Whether the peer's routing id is delivered as a message part: true for ROUTER (set
    /// by [`Options::new`]); the ROUTER clears it on `ZMQ_ROUTER_RAW`. Not a socket option.
    pub recv_routing_id: bool,
    /// Raw (non-ZMTP) connections: true for STREAM and DGRAM (set by [`Options::new`]);
    /// the ROUTER sets it on `ZMQ_ROUTER_RAW`. Not a socket option.
    pub raw_socket: bool,
    /// Raw sockets announce connects/disconnects (`ZMQ_STREAM_NOTIFY`: a strict bool,
    /// set-only, STREAM sockets only). Default true.
    pub raw_notify: bool,
    /// `ZMQ_SOCKS_PROXY`: "host:port", empty = none.
    pub socks_proxy_address: Vec<u8>,
    /// `ZMQ_SOCKS_USERNAME` (0..=255 bytes): basic auth with the proxy if not empty.
    pub socks_proxy_username: Vec<u8>,
    /// `ZMQ_SOCKS_PASSWORD` (0..=255 bytes).
    pub socks_proxy_password: Vec<u8>,
    /// wss: `ZMQ_WSS_CERT_PEM`, `ZMQ_WSS_KEY_PEM` (a server's), `ZMQ_WSS_TRUST_PEM`,
    /// `ZMQ_WSS_HOSTNAME` (a client's): set-only bytes, checked when used (bind,
    /// connect), as libzmq; `ZMQ_WSS_TRUST_SYSTEM` a strict bool.
    pub wss_cert_pem: Vec<u8>,
    pub wss_key_pem: Vec<u8>,
    pub wss_trust_pem: Vec<u8>,
    pub wss_hostname: Vec<u8>,
    pub wss_trust_system: bool,
    /// ZMQ_NORM_* (draft): the norm:// transport's settings.
    pub norm: NormOptions,
    /// `ZMQ_TCP_KEEPALIVE`: -1 (OS default), 0 or 1. Default -1.
    pub tcp_keepalive: c_int,
    /// `ZMQ_TCP_KEEPALIVE_CNT` (-1 = OS default). Default -1.
    pub tcp_keepalive_cnt: c_int,
    /// `ZMQ_TCP_KEEPALIVE_IDLE`, s (-1 = OS default). Default -1.
    pub tcp_keepalive_idle: c_int,
    /// `ZMQ_TCP_KEEPALIVE_INTVL`, s (-1 = OS default). Default -1.
    pub tcp_keepalive_intvl: c_int,
    /// `ZMQ_TCP_ACCEPT_FILTER` entries in the order added; empty = accept everyone. A peer
    /// is accepted if it matches any entry.
    pub tcp_accept_filters: Vec<TcpAcceptFilter>,
    /// `ZMQ_IPC_FILTER_UID`; empty = no uid check.
    pub ipc_uid_accept_filters: BTreeSet<libc::uid_t>,
    /// `ZMQ_IPC_FILTER_GID`; empty = no gid check.
    pub ipc_gid_accept_filters: BTreeSet<libc::gid_t>,
    /// `ZMQ_IPC_FILTER_PID`; empty = no pid check.
    pub ipc_pid_accept_filters: BTreeSet<libc::pid_t>,
    /// `ZMQ_MECHANISM` (get only): `ZMQ_NULL`, `ZMQ_PLAIN` or `ZMQ_CURVE`, following the
    /// security options set last, as in libzmq.
    pub mechanism: c_int,
    /// Whether this side is the PLAIN/CURVE server (`ZMQ_PLAIN_SERVER`/`ZMQ_CURVE_SERVER`).
    pub as_server: bool,
    /// `ZMQ_ZAP_DOMAIN` (1..=255 bytes once set; cannot be cleared, as in libzmq).
    pub zap_domain: Vec<u8>,
    /// `ZMQ_PLAIN_USERNAME` (0..=255 bytes).
    pub plain_username: Vec<u8>,
    /// `ZMQ_PLAIN_PASSWORD` (0..=255 bytes).
    pub plain_password: Vec<u8>,
    /// `ZMQ_CURVE_PUBLICKEY`, binary (all zero until set).
    pub curve_public_key: [u8; KEY_SIZE],
    /// `ZMQ_CURVE_SECRETKEY`, binary (all zero until set).
    pub curve_secret_key: [u8; KEY_SIZE],
    /// `ZMQ_CURVE_SERVERKEY`, binary (all zero until set).
    pub curve_server_key: [u8; KEY_SIZE],
    /// `ZMQ_CONFLATE` (strict bool). Only effective for some types: see
    /// [`Options::effective_conflate`].
    pub conflate: bool,
    /// `ZMQ_HANDSHAKE_IVL`, ms (0 = no limit). Default 30000.
    pub handshake_ivl: c_int,
    /// `ZMQ_HEARTBEAT_TTL`, kept in deciseconds as sent in PING (get returns ms).
    pub heartbeat_ttl: u16,
    /// `ZMQ_HEARTBEAT_IVL`, ms (0 = no heartbeats). Default 0.
    pub heartbeat_interval: c_int,
    /// `ZMQ_HEARTBEAT_TIMEOUT`, ms (-1 = use `heartbeat_interval`). Default -1.
    pub heartbeat_timeout: c_int,
    /// `ZMQ_USE_FD` (-1 = create the socket). Default -1.
    pub use_fd: c_int,
    /// `ZMQ_BINDTODEVICE` (0..=16 bytes; empty = none).
    pub bound_device: Vec<u8>,
    /// `ZMQ_ZAP_ENFORCE_DOMAIN` (relaxed bool). Default false.
    pub zap_enforce_domain: bool,
    /// `ZMQ_LOOPBACK_FASTPATH` (relaxed bool; Windows only in effect). Default false.
    pub loopback_fastpath: bool,
    /// `ZMQ_MULTICAST_LOOP` (relaxed bool). Default true.
    pub multicast_loop: bool,
    /// `ZMQ_IN_BATCH_SIZE` (draft), bytes: how much a connection reads at once (and the
    /// largest message a raw connection makes of it). `None` until set: libzmq's 8192
    /// is reported, and our own default used (see [`DEFAULT_BATCH_SIZE`]).
    pub in_batch_size: Option<c_int>,
    /// `ZMQ_OUT_BATCH_SIZE` (draft), bytes: how much output a connection gathers before
    /// writing. `None` until set, as `in_batch_size`.
    pub out_batch_size: Option<c_int>,
    /// `ZMQ_ROUTER_NOTIFY` (draft): `ZMQ_NOTIFY_*` bits. Get is here; set is the ROUTER's
    /// (0..=3, else `EINVAL`), which stores it in this field.
    pub router_notify: c_int,
    /// `ZMQ_METADATA`: application properties ("X-..." name -> value), sent in the
    /// handshake. The first value set for a name stays.
    pub app_metadata: BTreeMap<Vec<u8>, Vec<u8>>,
    /// `ZMQ_HELLO_MSG` (draft): sent to each new peer, if the type allows it.
    pub hello_msg: Vec<u8>,
    /// Whether the type sends `hello_msg` (ROUTER, DEALER, CLIENT, SERVER, PEER).
    pub can_send_hello_msg: bool,
    /// `ZMQ_DISCONNECT_MSG` (draft): delivered locally when a peer goes away.
    pub disconnect_msg: Vec<u8>,
    /// Whether the type delivers `disconnect_msg` (ROUTER, SERVER, PEER).
    pub can_recv_disconnect_msg: bool,
    /// `ZMQ_HICCUP_MSG` (draft): delivered locally when a connection is re-established.
    pub hiccup_msg: Vec<u8>,
    /// Whether the type delivers `hiccup_msg` (DEALER, CLIENT, PEER).
    pub can_recv_hiccup_msg: bool,
    /// `ZMQ_BUSY_POLL` (draft; `SO_BUSY_POLL`, any int). Default 0.
    pub busy_poll: c_int,
}

/// The value of a `zmq_setsockopt` call: the caller's `optval` (`None` for a NULL pointer)
/// and `optvallen`.
#[derive(Clone, Copy)]
struct OptVal<'a> {
    data: Option<&'a [u8]>,
    len: usize,
}

impl<'a> OptVal<'a> {
    /// The bytes, for the places libzmq reads them. A NULL pointer with a non-zero length
    /// would crash libzmq there; we answer `EFAULT`.
    fn bytes(self) -> Result<&'a [u8]> {
        match self.data {
            Some(d) => Ok(d),
            None if self.len == 0 => Ok(&[]),
            None => Err(Errno::EFAULT),
        }
    }

    fn is_null(self) -> bool {
        self.data.is_none()
    }
}

/// A native-endian C `int` from exactly 4 bytes.
fn int_from(bytes: &[u8]) -> Option<c_int> {
    Some(c_int::from_ne_bytes(bytes.try_into().ok()?))
}

/// `do_setsockopt<T>` for 8-byte values: exactly 8 bytes, else `EINVAL`.
fn set_u64(val: OptVal<'_>) -> Result<u64> {
    if val.len != 8 {
        return Err(Errno::EINVAL);
    }
    let bytes: [u8; 8] = val.bytes()?.try_into().map_err(|_| Errno::EINVAL)?;
    Ok(u64::from_ne_bytes(bytes))
}

/// `do_setsockopt_int_as_bool_strict`: an int that is 0 or 1.
fn bool_strict(int: Option<c_int>) -> Result<bool> {
    match int {
        Some(0) => Ok(false),
        Some(1) => Ok(true),
        _ => Err(Errno::EINVAL),
    }
}

/// `do_setsockopt_int_as_bool_relaxed`: any int, non-zero is true.
fn bool_relaxed(int: Option<c_int>) -> Result<bool> {
    int.map(|v| v != 0).ok_or(Errno::EINVAL)
}

/// An int option whose accepted values satisfy `ok`.
fn int_where(int: Option<c_int>, ok: impl Fn(c_int) -> bool) -> Result<c_int> {
    int.filter(|&v| ok(v)).ok_or(Errno::EINVAL)
}

/// `do_setsockopt_string_allow_empty_strict`: NULL with length 0 clears (`Ok(None)` is
/// "clear"); otherwise a non-NULL value of 1..=max bytes.
fn string_strict(val: OptVal<'_>, max: usize) -> Result<Option<Vec<u8>>> {
    if val.is_null() && val.len == 0 {
        return Ok(None);
    }
    if !val.is_null() && val.len > 0 && val.len <= max {
        return Ok(Some(val.bytes()?.to_vec()));
    }
    Err(Errno::EINVAL)
}

/// `do_setsockopt_string_allow_empty_relaxed`: 1..=max bytes (NULL or not); never clears.
fn string_relaxed(val: OptVal<'_>, max: usize) -> Result<Vec<u8>> {
    if val.len > 0 && val.len <= max {
        return Ok(val.bytes()?.to_vec());
    }
    Err(Errno::EINVAL)
}

/// `do_setsockopt_set`: NULL with length 0 clears the set; a non-NULL 4-byte value adds.
fn set_member<T: Ord>(
    val: OptVal<'_>,
    set: &mut BTreeSet<T>,
    from: fn([u8; 4]) -> T,
) -> Result<()> {
    if val.is_null() && val.len == 0 {
        set.clear();
        return Ok(());
    }
    if !val.is_null() && val.len == 4 {
        let bytes: [u8; 4] = val.bytes()?.try_into().map_err(|_| Errno::EINVAL)?;
        set.insert(from(bytes));
        return Ok(());
    }
    Err(Errno::EINVAL)
}

/// A PLAIN credential: `Ok(None)` for NULL with length 0 (which only resets the
/// mechanism), `Ok(Some(..))` for a non-NULL value of 1..=255 bytes.
fn plain_credential(val: OptVal<'_>) -> Result<Option<Vec<u8>>> {
    if val.is_null() && val.len == 0 {
        return Ok(None);
    }
    if !val.is_null() && val.len > 0 && val.len <= UCHAR_MAX {
        return Ok(Some(val.bytes()?.to_vec()));
    }
    Err(Errno::EINVAL)
}

impl Options {
    /// libzmq's `session_base_t::zap_enabled`: a security mechanism or a ZAP domain.
    pub fn zap_enabled(&self) -> bool {
        self.mechanism != ZMQ_NULL || !self.zap_domain.is_empty()
    }

    /// `ZMQ_HELLO_MSG` if set and this type sends it: queued first to every new peer.
    pub fn hello(&self) -> &[u8] {
        if self.can_send_hello_msg {
            &self.hello_msg
        } else {
            &[]
        }
    }

    /// `ZMQ_DISCONNECT_MSG` if set and this type receives it: delivered in a peer's
    /// name when that peer goes away.
    pub fn disconnect(&self) -> &[u8] {
        if self.can_recv_disconnect_msg {
            &self.disconnect_msg
        } else {
            &[]
        }
    }

    /// `ZMQ_HICCUP_MSG` if set and this type receives it: delivered when a connection
    /// this socket made breaks.
    pub fn hiccup(&self) -> &[u8] {
        if self.can_recv_hiccup_msg {
            &self.hiccup_msg
        } else {
            &[]
        }
    }
}

/// A binary message option (`ZMQ_HELLO_MSG`, ...): any bytes; empty clears.
#[cfg(feature = "draft")]
fn message(val: OptVal<'_>) -> Result<Vec<u8>> {
    Ok(val.bytes()?.to_vec())
}

/// Stores a CURVE key given as 32 binary bytes, 40 Z85 characters, or 41 bytes (Z85 and a
/// NUL). Like libzmq, Z85 text is read up to its first NUL, and a shorter text that is
/// still a multiple of 5 characters overwrites just the start of the key; a bad text may
/// leave the groups decoded before the bad one in the key.
fn set_curve_key(key: &mut [u8; KEY_SIZE], val: OptVal<'_>) -> Result<()> {
    match val.len {
        KEY_SIZE => {
            key.copy_from_slice(val.bytes()?);
            Ok(())
        }
        n if n == Z85_KEY_LEN || n == Z85_KEY_LEN + 1 => {
            let raw = val.bytes()?;
            let text = &raw[..raw.iter().position(|&b| b == 0).unwrap_or(raw.len())];
            if text.is_empty() || !text.len().is_multiple_of(5) {
                return Err(Errno::EINVAL);
            }
            // At most 40 characters here unless the 41-byte form lacks its NUL, which the
            // multiple-of-5 check above has already refused.
            z85::decode_into(text, &mut key[..z85::decoded_len(text.len())])
        }
        _ => Err(Errno::EINVAL),
    }
}

/// `do_getsockopt` for a byte value: needs room for all of it; zeroes the rest of the
/// caller's buffer; returns the value's length.
fn get_bytes(out: &mut [u8], value: &[u8]) -> Result<usize> {
    if out.len() < value.len() {
        return Err(Errno::EINVAL);
    }
    let (head, tail) = out.split_at_mut(value.len());
    head.copy_from_slice(value);
    tail.fill(0);
    Ok(value.len())
}

/// `do_getsockopt` for a string: its bytes and a terminating NUL.
fn get_string(out: &mut [u8], value: &[u8]) -> Result<usize> {
    if out.len() < value.len() + 1 {
        return Err(Errno::EINVAL);
    }
    out[..value.len()].copy_from_slice(value);
    out[value.len()..].fill(0);
    Ok(value.len() + 1)
}

/// An int option: the buffer must be exactly `sizeof(int)`.
fn get_int(out: &mut [u8], value: c_int) -> Result<usize> {
    if out.len() != std::mem::size_of::<c_int>() {
        return Err(Errno::EINVAL);
    }
    out.copy_from_slice(&value.to_ne_bytes());
    Ok(out.len())
}

/// An 8-byte option: the buffer must be exactly 8 bytes.
fn get_u64(out: &mut [u8], value: u64) -> Result<usize> {
    if out.len() != 8 {
        return Err(Errno::EINVAL);
    }
    out.copy_from_slice(&value.to_ne_bytes());
    Ok(8)
}

/// A CURVE key: 32 bytes binary, or 41 bytes for Z85 text and a NUL.
fn get_curve_key(out: &mut [u8], key: &[u8; KEY_SIZE]) -> Result<usize> {
    match out.len() {
        KEY_SIZE => out.copy_from_slice(key),
        n if n == Z85_KEY_LEN + 1 => {
            z85::encode_into(key, &mut out[..Z85_KEY_LEN])?;
            out[Z85_KEY_LEN] = 0;
        }
        _ => return Err(Errno::EINVAL),
    }
    Ok(out.len())
}

/// Parses "X-name:value" for `ZMQ_METADATA`: the first ':' splits name and value; the
/// name must start with "X-" and be at most 255 bytes; neither side may be empty.
fn parse_metadata(text: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let colon = text.iter().position(|&b| b == b':')?;
    if colon == 0 || colon == text.len() - 1 {
        return None;
    }
    let (name, value) = (&text[..colon], &text[colon + 1..]);
    if !name.starts_with(b"X-") || name.len() > UCHAR_MAX {
        return None;
    }
    Some((name.to_vec(), value.to_vec()))
}

impl Options {
    /// Defaults for a new socket of `socket_type`; `blocky` is the context's `ZMQ_BLOCKY`
    /// (linger defaults to -1 when true, 0 when false); `ipv6` is the context's `ZMQ_IPV6`.
    ///
    /// Also applies what libzmq's socket-type constructors store in `options_t`: the type,
    /// `filter` for SUB, linger 0 for XSUB/SUB/DISH, `recv_routing_id` for ROUTER,
    /// `raw_socket` for STREAM/DGRAM, and the hello/disconnect/hiccup capabilities.
    pub fn new(socket_type: c_int, blocky: bool, ipv6: bool) -> Self {
        let mut options = Options {
            sndhwm: DEFAULT_HWM,
            rcvhwm: DEFAULT_HWM,
            affinity: 0,
            routing_id: Vec::new(),
            rate: 100,
            recovery_ivl: 10_000,
            multicast_hops: 1,
            multicast_maxtpdu: 1500,
            sndbuf: -1,
            rcvbuf: -1,
            tos: 0,
            priority: 0,
            socket_type,
            linger: if blocky { -1 } else { 0 },
            connect_timeout: 0,
            tcp_maxrt: 0,
            reconnect_stop: 0,
            reconnect_ivl: 100,
            reconnect_ivl_max: 0,
            backlog: 100,
            maxmsgsize: -1,
            rcvtimeo: -1,
            sndtimeo: -1,
            ipv6,
            immediate: false,
            filter: false,
            invert_matching: false,
            recv_routing_id: false,
            raw_socket: false,
            raw_notify: true,
            socks_proxy_address: Vec::new(),
            socks_proxy_username: Vec::new(),
            socks_proxy_password: Vec::new(),
            wss_cert_pem: Vec::new(),
            wss_key_pem: Vec::new(),
            wss_trust_pem: Vec::new(),
            wss_hostname: Vec::new(),
            wss_trust_system: false,
            norm: NormOptions::default(),
            tcp_keepalive: -1,
            tcp_keepalive_cnt: -1,
            tcp_keepalive_idle: -1,
            tcp_keepalive_intvl: -1,
            tcp_accept_filters: Vec::new(),
            ipc_uid_accept_filters: BTreeSet::new(),
            ipc_gid_accept_filters: BTreeSet::new(),
            ipc_pid_accept_filters: BTreeSet::new(),
            mechanism: ZMQ_NULL,
            as_server: false,
            zap_domain: Vec::new(),
            plain_username: Vec::new(),
            plain_password: Vec::new(),
            curve_public_key: [0; KEY_SIZE],
            curve_secret_key: [0; KEY_SIZE],
            curve_server_key: [0; KEY_SIZE],
            conflate: false,
            handshake_ivl: 30_000,
            heartbeat_ttl: 0,
            heartbeat_interval: 0,
            heartbeat_timeout: -1,
            use_fd: -1,
            bound_device: Vec::new(),
            zap_enforce_domain: false,
            loopback_fastpath: false,
            multicast_loop: true,
            in_batch_size: None,
            out_batch_size: None,
            router_notify: 0,
            app_metadata: BTreeMap::new(),
            hello_msg: Vec::new(),
            can_send_hello_msg: false,
            disconnect_msg: Vec::new(),
            can_recv_disconnect_msg: false,
            hiccup_msg: Vec::new(),
            can_recv_hiccup_msg: false,
            busy_poll: 0,
        };
        options.apply_type_defaults();
        options
    }

    /// What the socket-type constructors of libzmq store in `options_t`.
    fn apply_type_defaults(&mut self) {
        match self.socket_type {
            ZMQ_SUB => {
                self.filter = true;
                self.linger = 0;
            }
            ZMQ_XSUB => self.linger = 0,
            ZMQ_ROUTER => {
                self.recv_routing_id = true;
                self.can_send_hello_msg = true;
                self.can_recv_disconnect_msg = true;
            }
            ZMQ_DEALER => {
                self.can_send_hello_msg = true;
                self.can_recv_hiccup_msg = true;
            }
            ZMQ_STREAM => self.raw_socket = true,
            #[cfg(feature = "draft")]
            ZMQ_DISH => self.linger = 0,
            #[cfg(feature = "draft")]
            ZMQ_DGRAM => self.raw_socket = true,
            #[cfg(feature = "draft")]
            ZMQ_CLIENT => {
                self.can_send_hello_msg = true;
                self.can_recv_hiccup_msg = true;
            }
            #[cfg(feature = "draft")]
            ZMQ_SERVER => {
                self.can_send_hello_msg = true;
                self.can_recv_disconnect_msg = true;
            }
            #[cfg(feature = "draft")]
            ZMQ_PEER => {
                self.can_send_hello_msg = true;
                self.can_recv_disconnect_msg = true;
                self.can_recv_hiccup_msg = true;
            }
            _ => {}
        }
    }

    /// libzmq's `get_effective_conflate_option`: `ZMQ_CONFLATE` only acts on DEALER, PULL,
    /// PUSH, PUB and SUB sockets.
    pub fn effective_conflate(&self) -> bool {
        self.conflate
            && matches!(
                self.socket_type,
                ZMQ_DEALER | ZMQ_PULL | ZMQ_PUSH | ZMQ_PUB | ZMQ_SUB
            )
    }

    /// zmq_setsockopt with a non-NULL `optval` of `value.len()` bytes: `EINVAL` for an
    /// unknown option, a wrong size or a bad value, exactly where libzmq gives it.
    pub fn set(&mut self, option: c_int, value: &[u8]) -> Result<()> {
        self.set_value(
            option,
            OptVal {
                data: Some(value),
                len: value.len(),
            },
        )
    }

    /// zmq_setsockopt with a NULL `optval` and the caller's `optvallen`. NULL with length 0
    /// clears `ZMQ_TCP_ACCEPT_FILTER`, `ZMQ_IPC_FILTER_*`, `ZMQ_SOCKS_*`,
    /// `ZMQ_BINDTODEVICE` and the draft `*_MSG` options, and resets the mechanism for
    /// `ZMQ_PLAIN_USERNAME`/`PASSWORD`; elsewhere it is `EINVAL` as in libzmq. Where libzmq
    /// would read through the NULL pointer (it crashes) we answer `EFAULT`.
    pub fn set_null(&mut self, option: c_int, optvallen: usize) -> Result<()> {
        self.set_value(
            option,
            OptVal {
                data: None,
                len: optvallen,
            },
        )
    }

    fn set_value(&mut self, option: c_int, val: OptVal<'_>) -> Result<()> {
        // libzmq reads an int from every 4-byte value before looking at the option.
        let int = if val.len == std::mem::size_of::<c_int>() {
            int_from(val.bytes()?)
        } else {
            None
        };
        match option {
            ZMQ_SNDHWM => self.sndhwm = int_where(int, |v| v >= 0)?,
            ZMQ_RCVHWM => self.rcvhwm = int_where(int, |v| v >= 0)?,
            ZMQ_AFFINITY => self.affinity = set_u64(val)?,
            ZMQ_ROUTING_ID => {
                if val.len == 0 || val.len > UCHAR_MAX {
                    return Err(Errno::EINVAL);
                }
                self.routing_id = val.bytes()?.to_vec();
            }
            ZMQ_RATE => self.rate = int_where(int, |v| v > 0)?,
            ZMQ_RECOVERY_IVL => self.recovery_ivl = int_where(int, |v| v >= 0)?,
            ZMQ_SNDBUF => self.sndbuf = int_where(int, |v| v >= -1)?,
            ZMQ_RCVBUF => self.rcvbuf = int_where(int, |v| v >= -1)?,
            ZMQ_TOS => self.tos = int_where(int, |v| v >= 0)?,
            ZMQ_LINGER => self.linger = int_where(int, |v| v >= -1)?,
            ZMQ_CONNECT_TIMEOUT => self.connect_timeout = int_where(int, |v| v >= 0)?,
            ZMQ_TCP_MAXRT => self.tcp_maxrt = int_where(int, |v| v >= 0)?,
            ZMQ_RECONNECT_STOP => self.reconnect_stop = int_where(int, |_| true)?,
            ZMQ_RECONNECT_IVL => self.reconnect_ivl = int_where(int, |v| v >= -1)?,
            ZMQ_RECONNECT_IVL_MAX => self.reconnect_ivl_max = int_where(int, |v| v >= 0)?,
            ZMQ_BACKLOG => self.backlog = int_where(int, |v| v >= 0)?,
            ZMQ_MAXMSGSIZE => self.maxmsgsize = set_u64(val)? as i64,
            ZMQ_MULTICAST_HOPS => self.multicast_hops = int_where(int, |v| v > 0)?,
            ZMQ_MULTICAST_MAXTPDU => self.multicast_maxtpdu = int_where(int, |v| v > 0)?,
            ZMQ_RCVTIMEO => self.rcvtimeo = int_where(int, |v| v >= -1)?,
            ZMQ_SNDTIMEO => self.sndtimeo = int_where(int, |v| v >= -1)?,
            ZMQ_IPV4ONLY => self.ipv6 = !bool_strict(int)?,
            ZMQ_IPV6 => self.ipv6 = bool_strict(int)?,
            ZMQ_SOCKS_PROXY => {
                self.socks_proxy_address = string_strict(val, usize::MAX)?.unwrap_or_default()
            }
            ZMQ_SOCKS_USERNAME => {
                // NULL or empty clears (whatever the length with NULL).
                self.socks_proxy_username = if val.is_null() || val.len == 0 {
                    Vec::new()
                } else {
                    string_strict(val, UCHAR_MAX)?.unwrap_or_default()
                }
            }
            ZMQ_SOCKS_PASSWORD => {
                self.socks_proxy_password = if val.is_null() || val.len == 0 {
                    Vec::new()
                } else {
                    string_strict(val, UCHAR_MAX)?.unwrap_or_default()
                }
            }
            ZMQ_TCP_KEEPALIVE => self.tcp_keepalive = int_where(int, |v| (-1..=1).contains(&v))?,
            ZMQ_TCP_KEEPALIVE_CNT => self.tcp_keepalive_cnt = int_where(int, |v| v >= -1)?,
            ZMQ_TCP_KEEPALIVE_IDLE => self.tcp_keepalive_idle = int_where(int, |v| v >= -1)?,
            ZMQ_TCP_KEEPALIVE_INTVL => self.tcp_keepalive_intvl = int_where(int, |v| v >= -1)?,
            ZMQ_IMMEDIATE => self.immediate = bool_strict(int)?,
            ZMQ_STREAM_NOTIFY if self.socket_type == ZMQ_STREAM => {
                self.raw_notify = bool_strict(int)?
            }
            ZMQ_TCP_ACCEPT_FILTER => match string_strict(val, UCHAR_MAX)? {
                // An empty value is only possible as NULL with length 0.
                None => self.tcp_accept_filters.clear(),
                Some(text) => {
                    // libzmq parses the C string: up to the first NUL.
                    let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
                    let filter = TcpAcceptFilter::parse(&text[..end], self.ipv6)?;
                    self.tcp_accept_filters.push(filter);
                }
            },
            ZMQ_IPC_FILTER_UID => set_member(
                val,
                &mut self.ipc_uid_accept_filters,
                libc::uid_t::from_ne_bytes,
            )?,
            ZMQ_IPC_FILTER_GID => set_member(
                val,
                &mut self.ipc_gid_accept_filters,
                libc::gid_t::from_ne_bytes,
            )?,
            ZMQ_IPC_FILTER_PID => set_member(
                val,
                &mut self.ipc_pid_accept_filters,
                libc::pid_t::from_ne_bytes,
            )?,
            ZMQ_PLAIN_SERVER => {
                self.as_server = bool_strict(int)?;
                self.mechanism = if self.as_server { ZMQ_PLAIN } else { ZMQ_NULL };
            }
            ZMQ_PLAIN_USERNAME => match plain_credential(val)? {
                None => self.mechanism = ZMQ_NULL,
                Some(name) => {
                    self.plain_username = name;
                    self.as_server = false;
                    self.mechanism = ZMQ_PLAIN;
                }
            },
            ZMQ_PLAIN_PASSWORD => match plain_credential(val)? {
                None => self.mechanism = ZMQ_NULL,
                Some(password) => {
                    self.plain_password = password;
                    self.as_server = false;
                    self.mechanism = ZMQ_PLAIN;
                }
            },
            ZMQ_ZAP_DOMAIN => self.zap_domain = string_relaxed(val, UCHAR_MAX)?,
            ZMQ_CURVE_SERVER => {
                self.as_server = bool_strict(int)?;
                self.mechanism = if self.as_server { ZMQ_CURVE } else { ZMQ_NULL };
            }
            ZMQ_CURVE_PUBLICKEY => {
                set_curve_key(&mut self.curve_public_key, val)?;
                self.mechanism = ZMQ_CURVE;
            }
            ZMQ_CURVE_SECRETKEY => {
                set_curve_key(&mut self.curve_secret_key, val)?;
                self.mechanism = ZMQ_CURVE;
            }
            ZMQ_CURVE_SERVERKEY => {
                set_curve_key(&mut self.curve_server_key, val)?;
                self.mechanism = ZMQ_CURVE;
                self.as_server = false;
            }
            ZMQ_CONFLATE => self.conflate = bool_strict(int)?,
            ZMQ_HANDSHAKE_IVL => self.handshake_ivl = int_where(int, |v| v >= 0)?,
            ZMQ_INVERT_MATCHING => self.invert_matching = bool_relaxed(int)?,
            ZMQ_HEARTBEAT_IVL => self.heartbeat_interval = int_where(int, |v| v >= 0)?,
            ZMQ_HEARTBEAT_TTL => {
                // Milliseconds, truncated toward zero to deciseconds: -99..=6553599 is
                // accepted (negative values down to -99 become 0, as in libzmq).
                let deciseconds = int
                    .map(|v| v / MS_PER_DECISECOND)
                    .and_then(|d| u16::try_from(d).ok())
                    .ok_or(Errno::EINVAL)?;
                self.heartbeat_ttl = deciseconds;
            }
            ZMQ_HEARTBEAT_TIMEOUT => self.heartbeat_timeout = int_where(int, |v| v >= 0)?,
            ZMQ_USE_FD => self.use_fd = int_where(int, |v| v >= -1)?,
            ZMQ_BINDTODEVICE => {
                self.bound_device = string_strict(val, BINDTODEVICE_MAX)?.unwrap_or_default()
            }
            ZMQ_ZAP_ENFORCE_DOMAIN => self.zap_enforce_domain = bool_relaxed(int)?,
            ZMQ_LOOPBACK_FASTPATH => self.loopback_fastpath = bool_relaxed(int)?,
            ZMQ_METADATA => {
                // Any 4-byte value is refused: libzmq takes it for an int.
                if val.len == 0 || int.is_some() {
                    return Err(Errno::EINVAL);
                }
                let (name, value) = parse_metadata(val.bytes()?).ok_or(Errno::EINVAL)?;
                self.app_metadata.entry(name).or_insert(value);
            }
            ZMQ_MULTICAST_LOOP => self.multicast_loop = bool_relaxed(int)?,
            #[cfg(feature = "draft")]
            ZMQ_IN_BATCH_SIZE => self.in_batch_size = Some(int_where(int, |v| v > 0)?),
            #[cfg(feature = "draft")]
            ZMQ_OUT_BATCH_SIZE => self.out_batch_size = Some(int_where(int, |v| v > 0)?),
            #[cfg(feature = "draft")]
            ZMQ_BUSY_POLL => self.busy_poll = int_where(int, |_| true)?,
            #[cfg(feature = "draft")]
            ZMQ_HELLO_MSG => self.hello_msg = message(val)?,
            #[cfg(feature = "draft")]
            ZMQ_DISCONNECT_MSG => self.disconnect_msg = message(val)?,
            #[cfg(feature = "draft")]
            ZMQ_HICCUP_MSG => self.hiccup_msg = message(val)?,
            #[cfg(feature = "draft")]
            ZMQ_PRIORITY => self.priority = int_where(int, |v| v >= 0)?,
            #[cfg(feature = "draft")]
            ZMQ_WSS_CERT_PEM => self.wss_cert_pem = val.bytes()?.to_vec(),
            #[cfg(feature = "draft")]
            ZMQ_WSS_KEY_PEM => self.wss_key_pem = val.bytes()?.to_vec(),
            #[cfg(feature = "draft")]
            ZMQ_WSS_TRUST_PEM => self.wss_trust_pem = val.bytes()?.to_vec(),
            #[cfg(feature = "draft")]
            ZMQ_WSS_HOSTNAME => self.wss_hostname = val.bytes()?.to_vec(),
            #[cfg(feature = "draft")]
            ZMQ_WSS_TRUST_SYSTEM => self.wss_trust_system = bool_strict(int)?,
            // NORM's, where libnorm is installed (a libzmq built with NORM).
            #[cfg(feature = "draft")]
            ZMQ_NORM_MODE..=ZMQ_NORM_PUSH if crate::sys::norm::available() => {
                self.norm.set(option, int)?
            }
            // Unknown, or a feature missing here (GSSAPI, NORM, VMCI), or an
            // option of another layer (the socket types, the socket, the context).
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }

    /// zmq_getsockopt: writes into `out` (the caller's buffer, whose length is
    /// `*optvallen`) and returns the number of bytes written (the new `*optvallen`).
    /// `EINVAL` for an unknown option or a buffer of the wrong size, as libzmq: int options
    /// need exactly `sizeof(int)` bytes, `ZMQ_AFFINITY`/`ZMQ_MAXMSGSIZE` exactly 8, CURVE
    /// keys exactly 32 (binary) or 41 (Z85 and NUL); strings (returned with a NUL) and the
    /// routing id need at least their length, and the rest of `out` is zeroed.
    pub fn get(&self, option: c_int, out: &mut [u8]) -> Result<usize> {
        match option {
            ZMQ_SNDHWM => get_int(out, self.sndhwm),
            ZMQ_RCVHWM => get_int(out, self.rcvhwm),
            ZMQ_AFFINITY => get_u64(out, self.affinity),
            ZMQ_ROUTING_ID => get_bytes(out, &self.routing_id),
            ZMQ_RATE => get_int(out, self.rate),
            ZMQ_RECOVERY_IVL => get_int(out, self.recovery_ivl),
            ZMQ_SNDBUF => get_int(out, self.sndbuf),
            ZMQ_RCVBUF => get_int(out, self.rcvbuf),
            ZMQ_TOS => get_int(out, self.tos),
            ZMQ_TYPE => get_int(out, self.socket_type),
            ZMQ_LINGER => get_int(out, self.linger),
            ZMQ_CONNECT_TIMEOUT => get_int(out, self.connect_timeout),
            ZMQ_TCP_MAXRT => get_int(out, self.tcp_maxrt),
            ZMQ_RECONNECT_STOP => get_int(out, self.reconnect_stop),
            ZMQ_RECONNECT_IVL => get_int(out, self.reconnect_ivl),
            ZMQ_RECONNECT_IVL_MAX => get_int(out, self.reconnect_ivl_max),
            ZMQ_BACKLOG => get_int(out, self.backlog),
            ZMQ_MAXMSGSIZE => get_u64(out, self.maxmsgsize as u64),
            ZMQ_MULTICAST_HOPS => get_int(out, self.multicast_hops),
            ZMQ_MULTICAST_MAXTPDU => get_int(out, self.multicast_maxtpdu),
            ZMQ_RCVTIMEO => get_int(out, self.rcvtimeo),
            ZMQ_SNDTIMEO => get_int(out, self.sndtimeo),
            ZMQ_IPV4ONLY => get_int(out, c_int::from(!self.ipv6)),
            ZMQ_IPV6 => get_int(out, c_int::from(self.ipv6)),
            ZMQ_IMMEDIATE => get_int(out, c_int::from(self.immediate)),
            ZMQ_SOCKS_PROXY => get_string(out, &self.socks_proxy_address),
            ZMQ_SOCKS_USERNAME => get_string(out, &self.socks_proxy_username),
            ZMQ_SOCKS_PASSWORD => get_string(out, &self.socks_proxy_password),
            ZMQ_TCP_KEEPALIVE => get_int(out, self.tcp_keepalive),
            ZMQ_TCP_KEEPALIVE_CNT => get_int(out, self.tcp_keepalive_cnt),
            ZMQ_TCP_KEEPALIVE_IDLE => get_int(out, self.tcp_keepalive_idle),
            ZMQ_TCP_KEEPALIVE_INTVL => get_int(out, self.tcp_keepalive_intvl),
            ZMQ_MECHANISM => get_int(out, self.mechanism),
            ZMQ_PLAIN_SERVER => get_int(
                out,
                c_int::from(self.as_server && self.mechanism == ZMQ_PLAIN),
            ),
            ZMQ_PLAIN_USERNAME => get_string(out, &self.plain_username),
            ZMQ_PLAIN_PASSWORD => get_string(out, &self.plain_password),
            ZMQ_ZAP_DOMAIN => get_string(out, &self.zap_domain),
            ZMQ_CURVE_SERVER => get_int(
                out,
                c_int::from(self.as_server && self.mechanism == ZMQ_CURVE),
            ),
            ZMQ_CURVE_PUBLICKEY => get_curve_key(out, &self.curve_public_key),
            ZMQ_CURVE_SECRETKEY => get_curve_key(out, &self.curve_secret_key),
            ZMQ_CURVE_SERVERKEY => get_curve_key(out, &self.curve_server_key),
            ZMQ_CONFLATE => get_int(out, c_int::from(self.conflate)),
            ZMQ_HANDSHAKE_IVL => get_int(out, self.handshake_ivl),
            ZMQ_INVERT_MATCHING => get_int(out, c_int::from(self.invert_matching)),
            ZMQ_HEARTBEAT_IVL => get_int(out, self.heartbeat_interval),
            ZMQ_HEARTBEAT_TTL => get_int(out, c_int::from(self.heartbeat_ttl) * MS_PER_DECISECOND),
            ZMQ_HEARTBEAT_TIMEOUT => get_int(out, self.heartbeat_timeout),
            ZMQ_USE_FD => get_int(out, self.use_fd),
            ZMQ_BINDTODEVICE => get_string(out, &self.bound_device),
            ZMQ_ZAP_ENFORCE_DOMAIN => get_int(out, c_int::from(self.zap_enforce_domain)),
            ZMQ_LOOPBACK_FASTPATH => get_int(out, c_int::from(self.loopback_fastpath)),
            ZMQ_MULTICAST_LOOP => get_int(out, c_int::from(self.multicast_loop)),
            #[cfg(feature = "draft")]
            ZMQ_ROUTER_NOTIFY => get_int(out, self.router_notify),
            #[cfg(feature = "draft")]
            ZMQ_IN_BATCH_SIZE => get_int(out, self.in_batch_size.unwrap_or(LIBZMQ_BATCH_SIZE)),
            #[cfg(feature = "draft")]
            ZMQ_OUT_BATCH_SIZE => get_int(out, self.out_batch_size.unwrap_or(LIBZMQ_BATCH_SIZE)),
            #[cfg(feature = "draft")]
            ZMQ_PRIORITY => get_int(out, self.priority),
            #[cfg(feature = "draft")]
            ZMQ_BUSY_POLL => {
                // libzmq 4.3.5 writes the value but then fails with EINVAL (its case
                // lacks a `return 0`); mirrored.
                get_int(out, self.busy_poll)?;
                Err(Errno::EINVAL)
            }
            #[cfg(feature = "draft")]
            ZMQ_NORM_MODE..=ZMQ_NORM_PUSH if crate::sys::norm::available() => {
                get_int(out, self.norm.get(option))
            }
            _ => Err(Errno::EINVAL),
        }
    }
}

/// ZMQ_NORM_* (draft), with libzmq's defaults and ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormOptions {
    /// ZMQ_NORM_MODE: ZMQ_NORM_FIXED (ZMQ_RATE) or one of the congestion controls.
    pub mode: c_int,
    pub unicast_nacks: bool,
    /// ZMQ_NORM_BUFFER_SIZE, KiB.
    pub buffer_size: c_int,
    pub segment_size: c_int,
    pub block_size: c_int,
    pub num_parity: c_int,
    pub num_autoparity: c_int,
    pub push: bool,
}

impl Default for NormOptions {
    fn default() -> Self {
        NormOptions {
            mode: 1, // ZMQ_NORM_CC
            unicast_nacks: false,
            buffer_size: 2048,
            segment_size: 1400,
            block_size: 16,
            num_parity: 4,
            num_autoparity: 0,
            push: false,
        }
    }
}

#[cfg(feature = "draft")]
impl NormOptions {
    fn set(&mut self, option: c_int, int: Option<c_int>) -> Result<()> {
        match option {
            ZMQ_NORM_MODE => self.mode = int_where(int, |v| (0..=4).contains(&v))?,
            ZMQ_NORM_UNICAST_NACK => self.unicast_nacks = bool_strict(int)?,
            ZMQ_NORM_BUFFER_SIZE => self.buffer_size = int_where(int, |v| v > 0)?,
            ZMQ_NORM_SEGMENT_SIZE => self.segment_size = int_where(int, |v| v > 0)?,
            ZMQ_NORM_BLOCK_SIZE => self.block_size = int_where(int, |v| v > 0 && v <= 255)?,
            ZMQ_NORM_NUM_PARITY => self.num_parity = int_where(int, |v| (0..255).contains(&v))?,
            ZMQ_NORM_NUM_AUTOPARITY => {
                self.num_autoparity = int_where(int, |v| (0..255).contains(&v))?
            }
            ZMQ_NORM_PUSH => self.push = bool_strict(int)?,
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }

    fn get(&self, option: c_int) -> c_int {
        match option {
            ZMQ_NORM_MODE => self.mode,
            ZMQ_NORM_UNICAST_NACK => self.unicast_nacks.into(),
            ZMQ_NORM_BUFFER_SIZE => self.buffer_size,
            ZMQ_NORM_SEGMENT_SIZE => self.segment_size,
            ZMQ_NORM_BLOCK_SIZE => self.block_size,
            ZMQ_NORM_NUM_PARITY => self.num_parity,
            ZMQ_NORM_NUM_AUTOPARITY => self.num_autoparity,
            _ => self.push.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(v: c_int) -> [u8; 4] {
        v.to_ne_bytes()
    }

    fn opts() -> Options {
        Options::new(ZMQ_DEALER, true, false)
    }

    fn get_i(o: &Options, option: c_int) -> c_int {
        let mut buf = [0u8; 4];
        assert_eq!(o.get(option, &mut buf), Ok(4));
        c_int::from_ne_bytes(buf)
    }

    fn get_vec(o: &Options, option: c_int, size: usize) -> Result<Vec<u8>> {
        let mut buf = vec![0xAAu8; size];
        let n = o.get(option, &mut buf)?;
        buf.truncate(n);
        Ok(buf)
    }

    const EINVAL: Result<()> = Err(Errno::EINVAL);

    // Test vector from libzmq's test_security_curve.cpp.
    const PUBLIC_Z85: &[u8; 40] = b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";

    #[test]
    fn defaults() {
        let o = opts();
        assert_eq!(get_i(&o, ZMQ_SNDHWM), 1000);
        assert_eq!(get_i(&o, ZMQ_RCVHWM), 1000);
        assert_eq!(get_i(&o, ZMQ_LINGER), -1);
        assert_eq!(get_i(&o, ZMQ_RCVTIMEO), -1);
        assert_eq!(get_i(&o, ZMQ_SNDTIMEO), -1);
        assert_eq!(get_i(&o, ZMQ_RECONNECT_IVL), 100);
        assert_eq!(get_i(&o, ZMQ_RECONNECT_IVL_MAX), 0);
        assert_eq!(get_i(&o, ZMQ_HANDSHAKE_IVL), 30_000);
        assert_eq!(get_i(&o, ZMQ_BACKLOG), 100);
        assert_eq!(get_i(&o, ZMQ_RATE), 100);
        assert_eq!(get_i(&o, ZMQ_RECOVERY_IVL), 10_000);
        assert_eq!(get_i(&o, ZMQ_SNDBUF), -1);
        assert_eq!(get_i(&o, ZMQ_RCVBUF), -1);
        assert_eq!(get_i(&o, ZMQ_USE_FD), -1);
        assert_eq!(get_i(&o, ZMQ_TCP_KEEPALIVE), -1);
        assert_eq!(get_i(&o, ZMQ_HEARTBEAT_TIMEOUT), -1);
        assert_eq!(get_i(&o, ZMQ_MULTICAST_HOPS), 1);
        assert_eq!(get_i(&o, ZMQ_MULTICAST_MAXTPDU), 1500);
        assert_eq!(get_i(&o, ZMQ_MULTICAST_LOOP), 1);
        assert_eq!(get_i(&o, ZMQ_TYPE), ZMQ_DEALER);
        assert_eq!(get_i(&o, ZMQ_MECHANISM), ZMQ_NULL);
        assert_eq!(get_i(&o, ZMQ_IPV6), 0);
        assert_eq!(get_i(&o, ZMQ_IPV4ONLY), 1);
        assert_eq!(
            get_vec(&o, ZMQ_MAXMSGSIZE, 8),
            Ok((-1i64).to_ne_bytes().to_vec())
        );
        assert_eq!(get_vec(&o, ZMQ_AFFINITY, 8), Ok(vec![0; 8]));
        assert_eq!(get_vec(&o, ZMQ_ROUTING_ID, 255), Ok(vec![]));
        assert_eq!(get_vec(&o, ZMQ_BINDTODEVICE, 16), Ok(vec![0]));
        assert_eq!(get_vec(&o, ZMQ_ZAP_DOMAIN, 1), Ok(vec![0]));
        #[cfg(feature = "draft")]
        {
            assert_eq!(get_i(&o, ZMQ_IN_BATCH_SIZE), 8192);
            assert_eq!(get_i(&o, ZMQ_PRIORITY), 0);
        }
    }

    #[test]
    fn context_and_type_defaults() {
        assert_eq!(Options::new(ZMQ_PAIR, false, false).linger, 0);
        assert!(Options::new(ZMQ_PAIR, false, true).ipv6);
        let sub = Options::new(ZMQ_SUB, true, false);
        assert!(sub.filter);
        assert_eq!(sub.linger, 0);
        assert_eq!(Options::new(ZMQ_XSUB, true, false).linger, 0);
        assert!(Options::new(ZMQ_ROUTER, true, false).recv_routing_id);
        assert!(Options::new(ZMQ_STREAM, true, false).raw_socket);
        let mut pull = Options::new(ZMQ_PULL, true, false);
        pull.set(ZMQ_CONFLATE, &int(1)).unwrap();
        assert!(pull.effective_conflate());
        let mut router = Options::new(ZMQ_ROUTER, true, false);
        router.set(ZMQ_CONFLATE, &int(1)).unwrap();
        assert!(!router.effective_conflate());
    }

    #[test]
    fn int_options_need_exactly_sizeof_int() {
        let mut o = opts();
        assert_eq!(o.set(ZMQ_SNDHWM, &[1, 0, 0]), EINVAL);
        assert_eq!(o.set(ZMQ_SNDHWM, &5i64.to_ne_bytes()), EINVAL);
        assert_eq!(o.set(ZMQ_LINGER, &[]), EINVAL);
        o.set(ZMQ_SNDHWM, &int(7)).unwrap();
        let mut big = [0u8; 8];
        assert_eq!(o.get(ZMQ_SNDHWM, &mut big), Err(Errno::EINVAL));
        let mut small = [0u8; 2];
        assert_eq!(o.get(ZMQ_SNDHWM, &mut small), Err(Errno::EINVAL));
        assert_eq!(get_i(&o, ZMQ_SNDHWM), 7);
        // 8-byte options want exactly 8 bytes both ways.
        assert_eq!(o.set(ZMQ_AFFINITY, &int(1)), EINVAL);
        assert_eq!(o.set(ZMQ_MAXMSGSIZE, &int(1)), EINVAL);
        o.set(ZMQ_MAXMSGSIZE, &4096i64.to_ne_bytes()).unwrap();
        assert_eq!(o.get(ZMQ_MAXMSGSIZE, &mut [0u8; 4]), Err(Errno::EINVAL));
        assert_eq!(
            get_vec(&o, ZMQ_MAXMSGSIZE, 8),
            Ok(4096i64.to_ne_bytes().to_vec())
        );
    }

    #[test]
    fn ranges() {
        let mut o = opts();
        for (option, bad, good) in [
            (ZMQ_SNDHWM, -1, 0),
            (ZMQ_RCVHWM, -1, 0),
            (ZMQ_LINGER, -2, -1),
            (ZMQ_RCVTIMEO, -2, -1),
            (ZMQ_SNDTIMEO, -2, -1),
            (ZMQ_RATE, 0, 1),
            (ZMQ_SNDBUF, -2, -1),
            (ZMQ_RECONNECT_IVL, -2, -1),
            (ZMQ_RECONNECT_IVL_MAX, -1, 0),
            (ZMQ_MULTICAST_HOPS, 0, 1),
            (ZMQ_TCP_KEEPALIVE, 2, 1),
            (ZMQ_TCP_KEEPALIVE_IDLE, -2, -1),
            (ZMQ_IMMEDIATE, 2, 1),
            (ZMQ_IPV6, 2, 1),
            (ZMQ_CONFLATE, -1, 1),
            (ZMQ_HANDSHAKE_IVL, -1, 0),
            (ZMQ_HEARTBEAT_TIMEOUT, -1, 0),
            (ZMQ_USE_FD, -2, 3),
            (ZMQ_HEARTBEAT_TTL, 6_553_600, 6_553_599),
            (ZMQ_HEARTBEAT_TTL, -100, -99),
        ] {
            assert_eq!(
                o.set(option, &int(bad)),
                EINVAL,
                "option {option} value {bad}"
            );
            assert_eq!(
                o.set(option, &int(good)),
                Ok(()),
                "option {option} value {good}"
            );
        }
        // Relaxed booleans take any int.
        o.set(ZMQ_INVERT_MATCHING, &int(42)).unwrap();
        assert_eq!(get_i(&o, ZMQ_INVERT_MATCHING), 1);
        o.set(ZMQ_RECONNECT_STOP, &int(-5)).unwrap();
        assert_eq!(get_i(&o, ZMQ_RECONNECT_STOP), -5);
    }

    #[test]
    fn heartbeat_ttl_in_deciseconds() {
        let mut o = opts();
        o.set(ZMQ_HEARTBEAT_TTL, &int(1999)).unwrap();
        assert_eq!(o.heartbeat_ttl, 19);
        assert_eq!(get_i(&o, ZMQ_HEARTBEAT_TTL), 1900);
        o.set(ZMQ_HEARTBEAT_TTL, &int(99)).unwrap();
        assert_eq!(get_i(&o, ZMQ_HEARTBEAT_TTL), 0);
    }

    #[test]
    fn ipv4only_is_the_inverse_of_ipv6() {
        let mut o = opts();
        o.set(ZMQ_IPV4ONLY, &int(0)).unwrap();
        assert_eq!(get_i(&o, ZMQ_IPV6), 1);
        assert_eq!(get_i(&o, ZMQ_IPV4ONLY), 0);
        assert_eq!(o.set(ZMQ_IPV4ONLY, &int(2)), EINVAL);
    }

    #[test]
    fn no_zmq_hwm_in_4_3() {
        // ZMQ_HWM (1) was split into ZMQ_SNDHWM/ZMQ_RCVHWM in 3.0; 4.3.5 refuses it.
        let mut o = opts();
        assert_eq!(o.set(1, &int(5)), EINVAL);
        assert_eq!(o.get(1, &mut [0u8; 4]), Err(Errno::EINVAL));
        o.set(ZMQ_SNDHWM, &int(5)).unwrap();
        o.set(ZMQ_RCVHWM, &int(6)).unwrap();
        assert_eq!((o.sndhwm, o.rcvhwm), (5, 6));
    }

    #[test]
    fn routing_id_limits() {
        let mut o = opts();
        assert_eq!(o.set(ZMQ_ROUTING_ID, &[]), EINVAL);
        assert_eq!(o.set(ZMQ_ROUTING_ID, &[7; 256]), EINVAL);
        o.set(ZMQ_ROUTING_ID, &[7; 255]).unwrap();
        o.set(ZMQ_IDENTITY, b"abc").unwrap();
        assert_eq!(get_vec(&o, ZMQ_ROUTING_ID, 3), Ok(b"abc".to_vec()));
        // Larger buffer: the rest is zeroed, the length is the id's.
        let mut buf = [0xFFu8; 8];
        assert_eq!(o.get(ZMQ_ROUTING_ID, &mut buf), Ok(3));
        assert_eq!(buf, *b"abc\0\0\0\0\0");
        assert_eq!(o.get(ZMQ_ROUTING_ID, &mut [0u8; 2]), Err(Errno::EINVAL));
        // A 4-byte id is still an id.
        o.set(ZMQ_ROUTING_ID, b"abcd").unwrap();
        assert_eq!(o.routing_id, b"abcd");
    }

    #[test]
    fn strings_come_back_with_a_nul() {
        let mut o = opts();
        o.set(ZMQ_BINDTODEVICE, b"testdev").unwrap();
        assert_eq!(get_vec(&o, ZMQ_BINDTODEVICE, 16), Ok(b"testdev\0".to_vec()));
        assert_eq!(o.get(ZMQ_BINDTODEVICE, &mut [0u8; 7]), Err(Errno::EINVAL));
        assert_eq!(o.set(ZMQ_BINDTODEVICE, &[b'a'; 17]), EINVAL);
        // Strict strings: empty non-NULL is refused, NULL/0 clears.
        assert_eq!(o.set(ZMQ_BINDTODEVICE, b""), EINVAL);
        o.set_null(ZMQ_BINDTODEVICE, 0).unwrap();
        assert!(o.bound_device.is_empty());
        assert_eq!(o.set_null(ZMQ_BINDTODEVICE, 3), EINVAL);
        o.set(ZMQ_SOCKS_PROXY, b"127.0.0.1:1080").unwrap();
        assert_eq!(
            get_vec(&o, ZMQ_SOCKS_PROXY, 64),
            Ok(b"127.0.0.1:1080\0".to_vec())
        );
        o.set(ZMQ_SOCKS_USERNAME, b"user").unwrap();
        o.set(ZMQ_SOCKS_USERNAME, b"").unwrap();
        assert!(o.socks_proxy_username.is_empty());
        o.set(ZMQ_SOCKS_PASSWORD, b"pw").unwrap();
        o.set_null(ZMQ_SOCKS_PASSWORD, 9).unwrap();
        assert!(o.socks_proxy_password.is_empty());
        assert_eq!(o.set(ZMQ_SOCKS_USERNAME, &[b'u'; 256]), EINVAL);
        // ZAP domain: 1..=255 bytes, never cleared.
        assert_eq!(o.set(ZMQ_ZAP_DOMAIN, b""), EINVAL);
        assert_eq!(o.set_null(ZMQ_ZAP_DOMAIN, 0), EINVAL);
        o.set(ZMQ_ZAP_DOMAIN, b"global").unwrap();
        assert_eq!(get_vec(&o, ZMQ_ZAP_DOMAIN, 7), Ok(b"global\0".to_vec()));
    }

    #[test]
    fn null_pointer_reads_are_efault() {
        let mut o = opts();
        assert_eq!(o.set_null(ZMQ_LINGER, 4), Err(Errno::EFAULT));
        assert_eq!(o.set_null(ZMQ_LINGER, 3), EINVAL);
        assert_eq!(o.set_null(ZMQ_ROUTING_ID, 5), Err(Errno::EFAULT));
        assert_eq!(o.set_null(ZMQ_ROUTING_ID, 0), EINVAL);
        assert_eq!(o.set_null(ZMQ_CURVE_SERVERKEY, 32), Err(Errno::EFAULT));
        assert_eq!(o.set_null(ZMQ_PLAIN_USERNAME, 5), EINVAL);
        assert_eq!(o.set_null(12345, 0), EINVAL);
    }

    #[test]
    fn mechanism_follows_the_security_options() {
        let mut o = opts();
        o.set(ZMQ_PLAIN_SERVER, &int(1)).unwrap();
        assert_eq!(get_i(&o, ZMQ_MECHANISM), ZMQ_PLAIN);
        assert_eq!(get_i(&o, ZMQ_PLAIN_SERVER), 1);
        assert_eq!(get_i(&o, ZMQ_CURVE_SERVER), 0);
        o.set(ZMQ_PLAIN_USERNAME, b"admin").unwrap();
        assert_eq!(get_i(&o, ZMQ_PLAIN_SERVER), 0);
        assert_eq!(get_vec(&o, ZMQ_PLAIN_USERNAME, 16), Ok(b"admin\0".to_vec()));
        assert_eq!(o.set(ZMQ_PLAIN_PASSWORD, b""), EINVAL);
        o.set_null(ZMQ_PLAIN_PASSWORD, 0).unwrap();
        assert_eq!(get_i(&o, ZMQ_MECHANISM), ZMQ_NULL);
        assert_eq!(o.plain_username, b"admin");
        o.set(ZMQ_CURVE_SERVER, &int(1)).unwrap();
        assert_eq!(get_i(&o, ZMQ_MECHANISM), ZMQ_CURVE);
        assert_eq!(get_i(&o, ZMQ_CURVE_SERVER), 1);
        o.set(ZMQ_CURVE_SERVERKEY, PUBLIC_Z85).unwrap();
        assert_eq!(get_i(&o, ZMQ_CURVE_SERVER), 0);
        o.set(ZMQ_CURVE_SERVER, &int(0)).unwrap();
        assert_eq!(get_i(&o, ZMQ_MECHANISM), ZMQ_NULL);
        // GSSAPI is not built in: its options are unknown.
        assert_eq!(o.set(ZMQ_GSSAPI_SERVER, &int(1)), EINVAL);
        assert_eq!(
            o.get(ZMQ_GSSAPI_PLAINTEXT, &mut [0u8; 4]),
            Err(Errno::EINVAL)
        );
    }

    #[test]
    fn curve_keys_round_trip() {
        let binary = crate::curve_keys::key_from_z85(PUBLIC_Z85).unwrap();
        let mut o = opts();
        // 40 characters of Z85.
        o.set(ZMQ_CURVE_PUBLICKEY, PUBLIC_Z85).unwrap();
        assert_eq!(o.curve_public_key, binary);
        assert_eq!(get_i(&o, ZMQ_MECHANISM), ZMQ_CURVE);
        assert_eq!(get_vec(&o, ZMQ_CURVE_PUBLICKEY, 32), Ok(binary.to_vec()));
        let mut z85_nul = PUBLIC_Z85.to_vec();
        z85_nul.push(0);
        assert_eq!(get_vec(&o, ZMQ_CURVE_PUBLICKEY, 41), Ok(z85_nul.clone()));
        // Wrong get sizes.
        assert_eq!(
            o.get(ZMQ_CURVE_PUBLICKEY, &mut [0u8; 40]),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            o.get(ZMQ_CURVE_PUBLICKEY, &mut [0u8; 64]),
            Err(Errno::EINVAL)
        );
        // 41 bytes (Z85 + NUL) and 32 binary bytes.
        o.set(ZMQ_CURVE_SECRETKEY, &z85_nul).unwrap();
        assert_eq!(o.curve_secret_key, binary);
        o.set(ZMQ_CURVE_SERVERKEY, &binary).unwrap();
        assert_eq!(get_vec(&o, ZMQ_CURVE_SERVERKEY, 41), Ok(z85_nul));
        // Bad sizes and bad text.
        assert_eq!(o.set(ZMQ_CURVE_PUBLICKEY, &[1u8; 31]), EINVAL);
        assert_eq!(o.set(ZMQ_CURVE_PUBLICKEY, &[b' '; 40]), EINVAL);
        assert_eq!(o.set(ZMQ_CURVE_PUBLICKEY, &[b'a'; 41]), EINVAL);
        // libzmq reads the text up to its first NUL: 20 characters fill the first 16 bytes.
        let mut o = opts();
        let mut short = PUBLIC_Z85.to_vec();
        short[20] = 0;
        o.set(ZMQ_CURVE_PUBLICKEY, &short).unwrap();
        assert_eq!(o.curve_public_key[..16], binary[..16]);
        assert_eq!(o.curve_public_key[16..], [0u8; 16]);
        assert_eq!(o.set(ZMQ_CURVE_PUBLICKEY, &[0u8; 40]), EINVAL);
    }

    #[test]
    fn metadata_rules() {
        let mut o = opts();
        o.set(ZMQ_METADATA, b"X-key:value").unwrap();
        o.set(ZMQ_METADATA, b"X-key:other").unwrap();
        o.set(ZMQ_METADATA, b"X-url:a:b").unwrap();
        assert_eq!(o.app_metadata.get(&b"X-key"[..]), Some(&b"value".to_vec()));
        assert_eq!(o.app_metadata.get(&b"X-url"[..]), Some(&b"a:b".to_vec()));
        for bad in [
            &b""[..],
            b"X-key",
            b":value",
            b"X-key:",
            b"key:value",
            b"x-key:value",
            b"X-:v", // any 4-byte value is taken for an int
        ] {
            assert_eq!(o.set(ZMQ_METADATA, bad), EINVAL, "{bad:?}");
        }
        o.set(ZMQ_METADATA, b"X-:va").unwrap();
        let mut long = b"X-".to_vec();
        long.extend_from_slice(&[b'k'; 253]);
        long.extend_from_slice(b":v");
        o.set(ZMQ_METADATA, &long).unwrap();
        long.insert(2, b'k');
        assert_eq!(o.set(ZMQ_METADATA, &long), EINVAL);
        assert_eq!(o.get(ZMQ_METADATA, &mut [0u8; 64]), Err(Errno::EINVAL));
    }

    #[test]
    fn accept_filters() {
        let mut o = opts();
        for bad in [
            &b"foo"[..],
            b"0.0.0.0foo",
            b"0.0.0.0/foo",
            b"0.0.0.0/",
            b"0.0.0.0/-1",
            b"0.0.0.0/33",
            b"::1",
            b"",
        ] {
            assert_eq!(o.set(ZMQ_TCP_ACCEPT_FILTER, bad), EINVAL, "{bad:?}");
        }
        assert!(o.tcp_accept_filters.is_empty());
        o.set(ZMQ_TCP_ACCEPT_FILTER, b"127.0.0.1/32").unwrap();
        o.set(ZMQ_TCP_ACCEPT_FILTER, b"10.1.0.0/16").unwrap();
        o.set(ZMQ_TCP_ACCEPT_FILTER, b"0.0.0.0/0").unwrap();
        o.set(ZMQ_TCP_ACCEPT_FILTER, b"192.168.1.7").unwrap();
        let f = &o.tcp_accept_filters;
        assert_eq!(f.len(), 4);
        assert_eq!(f[3].prefix, 32);
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        assert!(f[0].matches(&ip("127.0.0.1")));
        assert!(!f[0].matches(&ip("127.0.0.2")));
        assert!(f[1].matches(&ip("10.1.200.3")));
        assert!(!f[1].matches(&ip("10.2.0.1")));
        assert!(f[2].matches(&ip("8.8.8.8")));
        assert!(!f[2].matches(&ip("::1")));
        o.set_null(ZMQ_TCP_ACCEPT_FILTER, 0).unwrap();
        assert!(o.tcp_accept_filters.is_empty());
        // With ZMQ_IPV6, IPv6 literals parse and IPv4 ones become IPv4-mapped.
        o.set(ZMQ_IPV6, &int(1)).unwrap();
        o.set(ZMQ_TCP_ACCEPT_FILTER, b"[::1]/128").unwrap();
        o.set(ZMQ_TCP_ACCEPT_FILTER, b"fe80::/10").unwrap();
        o.set(ZMQ_TCP_ACCEPT_FILTER, b"127.0.0.1").unwrap();
        assert_eq!(o.set(ZMQ_TCP_ACCEPT_FILTER, b"::1/129"), EINVAL);
        assert_eq!(o.set(ZMQ_TCP_ACCEPT_FILTER, b"::1%"), EINVAL);
        let f = &o.tcp_accept_filters;
        assert!(f[0].matches(&ip("::1")));
        assert!(f[1].matches(&ip("fe80::1234")));
        assert_eq!(f[2].address, ip("::ffff:127.0.0.1"));
        assert_eq!(f[2].prefix, 128);
    }

    #[test]
    fn ipc_filters() {
        let mut o = opts();
        o.set(ZMQ_IPC_FILTER_UID, &int(1000)).unwrap();
        o.set(ZMQ_IPC_FILTER_UID, &int(1000)).unwrap();
        o.set(ZMQ_IPC_FILTER_GID, &int(5)).unwrap();
        o.set(ZMQ_IPC_FILTER_PID, &int(42)).unwrap();
        assert_eq!(o.ipc_uid_accept_filters.len(), 1);
        assert_eq!(o.set(ZMQ_IPC_FILTER_UID, &[1, 2]), EINVAL);
        assert_eq!(o.set(ZMQ_IPC_FILTER_UID, &[]), EINVAL);
        o.set_null(ZMQ_IPC_FILTER_UID, 0).unwrap();
        assert!(o.ipc_uid_accept_filters.is_empty());
        assert!(o.ipc_pid_accept_filters.contains(&42));
    }

    #[test]
    fn unknown_and_foreign_options() {
        let mut o = opts();
        for option in [
            ZMQ_SUBSCRIBE,
            ZMQ_RCVMORE,
            ZMQ_ROUTER_MANDATORY,
            ZMQ_BLOCKY,
            9999,
        ] {
            assert_eq!(o.set(option, &int(1)), EINVAL);
        }
        assert_eq!(o.set(ZMQ_TYPE, &int(1)), EINVAL);
        assert_eq!(o.set(ZMQ_MECHANISM, &int(1)), EINVAL);
        assert_eq!(o.set(ZMQ_VMCI_BUFFER_SIZE, &8u64.to_ne_bytes()), EINVAL);
        assert_eq!(o.get(ZMQ_FD, &mut [0u8; 4]), Err(Errno::EINVAL));
    }

    #[cfg(feature = "draft")]
    #[test]
    fn draft_options() {
        let mut o = opts();
        assert_eq!(o.set(ZMQ_IN_BATCH_SIZE, &int(0)), EINVAL);
        o.set(ZMQ_OUT_BATCH_SIZE, &int(1)).unwrap();
        o.set(ZMQ_PRIORITY, &int(3)).unwrap();
        assert_eq!(get_i(&o, ZMQ_PRIORITY), 3);
        o.set(ZMQ_HELLO_MSG, b"hi").unwrap();
        assert_eq!(o.hello_msg, b"hi");
        o.set(ZMQ_HELLO_MSG, b"").unwrap();
        assert!(o.hello_msg.is_empty());
        o.set_null(ZMQ_DISCONNECT_MSG, 0).unwrap();
        o.set(ZMQ_BUSY_POLL, &int(-3)).unwrap();
        let mut buf = [0u8; 4];
        assert_eq!(o.get(ZMQ_BUSY_POLL, &mut buf), Err(Errno::EINVAL));
        assert_eq!(c_int::from_ne_bytes(buf), -3);
        // ROUTER_NOTIFY: get here, set by the ROUTER.
        assert_eq!(get_i(&o, ZMQ_ROUTER_NOTIFY), 0);
        assert_eq!(o.set(ZMQ_ROUTER_NOTIFY, &int(1)), EINVAL);
        // NORM's options exist where libnorm does, with libzmq's ranges.
        if crate::sys::norm::available() {
            assert_eq!(get_i(&o, ZMQ_NORM_MODE), ZMQ_NORM_CC);
            o.set(ZMQ_NORM_MODE, &int(ZMQ_NORM_FIXED)).unwrap();
            assert_eq!(get_i(&o, ZMQ_NORM_MODE), ZMQ_NORM_FIXED);
            assert_eq!(o.set(ZMQ_NORM_MODE, &int(5)), EINVAL);
            assert_eq!(get_i(&o, ZMQ_NORM_BUFFER_SIZE), 2048);
            assert_eq!(o.set(ZMQ_NORM_BLOCK_SIZE, &int(256)), EINVAL);
            o.set(ZMQ_NORM_NUM_PARITY, &int(254)).unwrap();
            assert_eq!(o.set(ZMQ_NORM_NUM_PARITY, &int(255)), EINVAL);
            assert_eq!(o.set(ZMQ_NORM_PUSH, &int(2)), EINVAL);
            o.set(ZMQ_NORM_UNICAST_NACK, &int(1)).unwrap();
            assert_eq!(get_i(&o, ZMQ_NORM_UNICAST_NACK), 1);
        } else {
            assert_eq!(o.set(ZMQ_NORM_MODE, &int(1)), EINVAL);
        }
        // WSS options are set-only, as libzmq.
        o.set(ZMQ_WSS_HOSTNAME, b"host").unwrap();
        assert_eq!(o.wss_hostname, b"host");
        assert_eq!(o.get(ZMQ_WSS_HOSTNAME, &mut [0u8; 8]), Err(Errno::EINVAL));
        o.set(ZMQ_WSS_TRUST_SYSTEM, &int(1)).unwrap();
        assert!(o.wss_trust_system);
        assert_eq!(o.set(ZMQ_WSS_TRUST_SYSTEM, &int(2)), EINVAL);
        // The always-handled numbers match zmq.h.
        assert_eq!(always::ZMQ_METADATA, crate::constants::ZMQ_METADATA);
        assert_eq!(
            always::ZMQ_SOCKS_USERNAME,
            crate::constants::ZMQ_SOCKS_USERNAME
        );
        assert_eq!(
            always::ZMQ_SOCKS_PASSWORD,
            crate::constants::ZMQ_SOCKS_PASSWORD
        );
        assert_eq!(
            always::ZMQ_RECONNECT_STOP,
            crate::constants::ZMQ_RECONNECT_STOP
        );
        assert_eq!(
            always::ZMQ_MULTICAST_LOOP,
            crate::constants::ZMQ_MULTICAST_LOOP
        );
        assert_eq!(
            always::ZMQ_LOOPBACK_FASTPATH,
            crate::constants::ZMQ_LOOPBACK_FASTPATH
        );
        assert_eq!(
            always::ZMQ_ZAP_ENFORCE_DOMAIN,
            crate::constants::ZMQ_ZAP_ENFORCE_DOMAIN
        );
    }
}
