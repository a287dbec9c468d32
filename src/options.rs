//! The generic socket options: what libzmq 4.3.5 keeps in `options_t` and parses in
//! `options_t::setsockopt` / `options_t::getsockopt`.
//!
//! The socket layer asks the socket type first (its own options: `ZMQ_SUBSCRIBE`,
//! `ZMQ_ROUTER_*`, `ZMQ_ROUTER_NOTIFY`'s setter, ...), then itself (`ZMQ_RCVMORE`, `ZMQ_FD`,
//! `ZMQ_EVENTS`, `ZMQ_LAST_ENDPOINT`, `ZMQ_THREAD_SAFE`), and hands everything else to
//! [`Options::set`] / [`Options::get`], which answer exactly as libzmq does, including its
//! quirks (documented where they occur).
//!
//! Every option is declared once, as a row of the table below (`option_table!`): its
//! field, default, number, how a value is set and how it is read back. The rules shared by
//! many options are the functions of `set` and `get`; an option that touches more than
//! its field names its own function (`by(..)`), which sits right after the table.
//!
//! The build mirrored is libzmq on Linux with CURVE and WSS, without VMCI or
//! `ZMQ_ACT_MILITANT`, and with GSSAPI and NORM where their system libraries load: the
//! options of the missing features fail with `EINVAL`, as unknown ones do (libzmq built
//! without them has no case for them). Options that `zmq.h` declares as draft but that libzmq handles in every build
//! (`ZMQ_METADATA`, `ZMQ_SOCKS_USERNAME`, `ZMQ_RECONNECT_STOP`, ...) are handled with or
//! without our `draft` feature; the draft-only ones (`ZMQ_IN_BATCH_SIZE`, `ZMQ_HELLO_MSG`,
//! `ZMQ_PRIORITY`, ...) only with it.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::c_int;

use crate::constants::*;
use crate::curve_keys::{KEY_SIZE, Z85_KEY_LEN};
use crate::error::{Errno, Result};
pub use crate::transport::accept_filter::TcpAcceptFilter;
use crate::transport::TcpTuning;

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
const DEFAULT_BATCH_SIZE: usize = 64 * 1024;

/// Longest `ZMQ_BINDTODEVICE` value (Linux `IFNAMSIZ`).
const BINDTODEVICE_MAX: usize = 16;

/// Longest routing id, PLAIN credential, ZAP domain, accept filter or metadata name.
const UCHAR_MAX: usize = 255;

/// `ZMQ_HEARTBEAT_TTL` is given in milliseconds and kept in deciseconds.
const MS_PER_DECISECOND: c_int = 100;

/// Declares an options struct and its table, from which it generates the struct, its
/// defaults (`fn $new`), and `set_value`/`get_value`, one `match` each. A row is one field:
///
/// ```text
/// /// What the field is.
/// field: Type = default => #[cfg(..)] ZMQ_NUMBER: set RULE, get RULE;
/// field: Type = default;                 // state that no option reads or writes
/// ```
///
/// A RULE is `(none)`: that direction fails with `EINVAL`, as an unknown option does; or
/// `(rule(args..))`: a function of `set` (called with `&mut field`, the value, args) or of
/// `get` (called with the caller's buffer, `&field`, args); or `(by(f))`: a function of
/// the whole struct, for an option that touches more than its field. The optional
/// `#[cfg(..)]` gates the option, never the field. Options without a field of their own
/// (aliases, flags over other fields) are rows of `others`. A number listed twice is an
/// unreachable `match` arm, which the lints refuse.
///
/// To add an option: add its row (or give an existing field its `=> ...` part); if no rule
/// of `set`/`get` fits, write a `by` function next to the table.
macro_rules! option_table {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident;
        fn $new:ident($($arg:ident: $arg_ty:ty),*);
        fields {
            $(
                $(#[$doc:meta])*
                $field:ident: $ty:ty = $default:expr
                $(=> $(#[$cfg:meta])* $num:ident: set $set:tt, get $get:tt)?;
            )*
        }
        others {
            $( $(#[$xcfg:meta])* $xnum:ident: set $xset:tt, get $xget:tt; )*
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $( $(#[$doc])* pub $field: $ty, )*
        }

        impl $name {
            /// Every field at its default, as the table gives it.
            fn $new($($arg: $arg_ty),*) -> Self {
                $name { $( $field: $default, )* }
            }

            /// Stores `val` for `option`; `EINVAL` for an option not in the table.
            fn set_value(
                &mut self,
                option: std::ffi::c_int,
                val: $crate::options::OptVal<'_>,
            ) -> $crate::error::Result<()> {
                match option {
                    $($(
                        $(#[$cfg])*
                        $num => $crate::options::option_table!(@set self, val, $field, $set),
                    )?)*
                    $(
                        $(#[$xcfg])*
                        $xnum => $crate::options::option_table!(@set self, val, _, $xset),
                    )*
                    _ => Err($crate::error::Errno::EINVAL),
                }
            }

            /// Writes `option`'s value into `out`, returns the length written; `EINVAL`
            /// for an option not in the table.
            fn get_value(
                &self,
                option: std::ffi::c_int,
                out: &mut [u8],
            ) -> $crate::error::Result<usize> {
                match option {
                    $($(
                        $(#[$cfg])*
                        $num => $crate::options::option_table!(@get self, out, $field, $get),
                    )?)*
                    $(
                        $(#[$xcfg])*
                        $xnum => $crate::options::option_table!(@get self, out, _, $xget),
                    )*
                    _ => Err($crate::error::Errno::EINVAL),
                }
            }
        }
    };
    (@set $o:ident, $v:ident, $f:tt, (none)) => { Err($crate::error::Errno::EINVAL) };
    (@set $o:ident, $v:ident, $f:tt, (by($p:path))) => { $p($o, $v) };
    (@set $o:ident, $v:ident, $f:ident, ($rule:ident $(($($a:tt)*))?)) => {
        $crate::options::set::$rule(&mut $o.$f, $v $(, $($a)*)?)
    };
    (@get $o:ident, $out:ident, $f:tt, (none)) => { Err($crate::error::Errno::EINVAL) };
    (@get $o:ident, $out:ident, $f:tt, (by($p:path))) => { $p($o, $out) };
    (@get $o:ident, $out:ident, $f:ident, ($rule:ident $(($($a:tt)*))?)) => {
        $crate::options::get::$rule($out, &$o.$f $(, $($a)*)?)
    };
}
pub(crate) use option_table;

option_table! {
    /// The generic options of one socket, with libzmq's defaults. Fields are public: the
    /// socket layer and the socket types read them, and set the ones libzmq sets outside
    /// `options.cpp` (noted per field).
    #[derive(Clone, Debug)]
    pub struct Options;
    fn defaults(socket_type: c_int, blocky: bool, ipv6: bool);
    fields {
        // field: type = default => option: set (rule), get (rule);
        /// `ZMQ_SNDHWM`, messages (0 = no limit).
        sndhwm: c_int = DEFAULT_HWM => ZMQ_SNDHWM: set (int(0..)), get (int);
        /// `ZMQ_RCVHWM`, messages (0 = no limit).
        rcvhwm: c_int = DEFAULT_HWM => ZMQ_RCVHWM: set (int(0..)), get (int);
        /// `ZMQ_AFFINITY`: I/O thread bitmap (0 = any).
        affinity: u64 = 0 => ZMQ_AFFINITY: set (uint64), get (uint64);
        /// `ZMQ_ROUTING_ID` (alias `ZMQ_IDENTITY`): 1..=255 bytes once set, empty until.
        /// A 4-byte id is still an id, though libzmq has read it as an int too.
        routing_id: Vec<u8> = Vec::new()
            => ZMQ_ROUTING_ID: set (bytes(1..=UCHAR_MAX)), get (bytes);
        /// `ZMQ_RATE`, kbit/s.
        rate: c_int = 100 => ZMQ_RATE: set (int(1..)), get (int);
        /// `ZMQ_RECOVERY_IVL`, ms.
        recovery_ivl: c_int = 10_000 => ZMQ_RECOVERY_IVL: set (int(0..)), get (int);
        /// `ZMQ_MULTICAST_HOPS`.
        multicast_hops: c_int = 1 => ZMQ_MULTICAST_HOPS: set (int(1..)), get (int);
        /// `ZMQ_MULTICAST_MAXTPDU`, bytes.
        multicast_maxtpdu: c_int = 1500
            => ZMQ_MULTICAST_MAXTPDU: set (int(1..)), get (int);
        /// `ZMQ_SNDBUF`, bytes (-1 = leave the OS default).
        sndbuf: c_int = -1 => ZMQ_SNDBUF: set (int(-1..)), get (int);
        /// `ZMQ_RCVBUF`, bytes (-1 = leave the OS default).
        rcvbuf: c_int = -1 => ZMQ_RCVBUF: set (int(-1..)), get (int);
        /// `ZMQ_TOS`.
        tos: c_int = 0 => ZMQ_TOS: set (int(0..)), get (int);
        /// `ZMQ_PRIORITY` (draft; `SO_PRIORITY`).
        priority: c_int = 0
            => #[cfg(feature = "draft")] ZMQ_PRIORITY: set (int(0..)), get (int);
        /// `ZMQ_TYPE` (get only): the socket type given to [`Options::new`].
        socket_type: c_int = socket_type => ZMQ_TYPE: set (none), get (int);
        /// `ZMQ_LINGER`, ms (-1 = forever): -1 with the context's `ZMQ_BLOCKY` set, else
        /// 0; 0 for XSUB, SUB and DISH whatever `ZMQ_BLOCKY` says.
        linger: c_int = if blocky { -1 } else { 0 } => ZMQ_LINGER: set (int(-1..)), get (int);
        /// `ZMQ_CONNECT_TIMEOUT`, ms (0 = the OS's).
        connect_timeout: c_int = 0 => ZMQ_CONNECT_TIMEOUT: set (int(0..)), get (int);
        /// `ZMQ_TCP_MAXRT`, ms (0 = the OS's).
        tcp_maxrt: c_int = 0 => ZMQ_TCP_MAXRT: set (int(0..)), get (int);
        /// `ZMQ_RECONNECT_STOP`: `ZMQ_RECONNECT_STOP_*` bits (any int accepted).
        reconnect_stop: c_int = 0 => ZMQ_RECONNECT_STOP: set (int(..)), get (int);
        /// `ZMQ_RECONNECT_IVL`, ms (-1 = no reconnection).
        reconnect_ivl: c_int = 100 => ZMQ_RECONNECT_IVL: set (int(-1..)), get (int);
        /// `ZMQ_RECONNECT_IVL_MAX`, ms (0 = only `reconnect_ivl`).
        reconnect_ivl_max: c_int = 0 => ZMQ_RECONNECT_IVL_MAX: set (int(0..)), get (int);
        /// `ZMQ_BACKLOG`.
        backlog: c_int = 100 => ZMQ_BACKLOG: set (int(0..)), get (int);
        /// `ZMQ_MAXMSGSIZE`, bytes (-1 = no limit; any value accepted).
        maxmsgsize: i64 = -1 => ZMQ_MAXMSGSIZE: set (int64), get (int64);
        /// `ZMQ_RCVTIMEO`, ms (-1 = block forever).
        rcvtimeo: c_int = -1 => ZMQ_RCVTIMEO: set (int(-1..)), get (int);
        /// `ZMQ_SNDTIMEO`, ms (-1 = block forever).
        sndtimeo: c_int = -1 => ZMQ_SNDTIMEO: set (int(-1..)), get (int);
        /// `ZMQ_IPV6` (and the inverse `ZMQ_IPV4ONLY`, in `others`): the context's
        /// `ZMQ_IPV6` until set.
        ipv6: bool = ipv6 => ZMQ_IPV6: set (strict_bool), get (bool);
        /// `ZMQ_IMMEDIATE` (alias `ZMQ_DELAY_ATTACH_ON_CONNECT`).
        immediate: bool = false => ZMQ_IMMEDIATE: set (strict_bool), get (bool);
        /// Whether an (X)SUB filters messages by subscription: true for SUB (set by
        /// [`Options::new`]). Not a socket option.
        filter: bool = false;
        /// `ZMQ_INVERT_MATCHING` (read by PUB/XPUB/SUB/XSUB).
        invert_matching: bool = false
            => ZMQ_INVERT_MATCHING: set (relaxed_bool), get (bool);
        /// Whether the peer's routing id is delivered as a message part: true for ROUTER
        /// (set by [`Options::new`]); the ROUTER clears it on `ZMQ_ROUTER_RAW`. Not a
        /// socket option.
        recv_routing_id: bool = false;
        /// Raw (non-ZMTP) connections: true for STREAM and DGRAM (set by
        /// [`Options::new`]); the ROUTER sets it on `ZMQ_ROUTER_RAW`. Not a socket option.
        raw_socket: bool = false;
        /// Raw sockets announce connects/disconnects (`ZMQ_STREAM_NOTIFY`: set-only,
        /// STREAM sockets only).
        raw_notify: bool = true => ZMQ_STREAM_NOTIFY: set (by(set_stream_notify)), get (none);
        /// `ZMQ_SOCKS_PROXY`: "host:port", empty = none.
        socks_proxy_address: Vec<u8> = Vec::new()
            => ZMQ_SOCKS_PROXY: set (string(usize::MAX)), get (string);
        /// `ZMQ_SOCKS_USERNAME` (0..=255 bytes): basic auth with the proxy if not empty.
        socks_proxy_username: Vec<u8> = Vec::new()
            => ZMQ_SOCKS_USERNAME: set (socks_credential), get (string);
        /// `ZMQ_SOCKS_PASSWORD` (0..=255 bytes).
        socks_proxy_password: Vec<u8> = Vec::new()
            => ZMQ_SOCKS_PASSWORD: set (socks_credential), get (string);
        // wss: set-only bytes, checked when used (bind, connect), as libzmq.
        /// `ZMQ_WSS_CERT_PEM` (a server's).
        wss_cert_pem: Vec<u8> = Vec::new()
            => #[cfg(feature = "draft")] ZMQ_WSS_CERT_PEM: set (bytes(..)), get (none);
        /// `ZMQ_WSS_KEY_PEM` (a server's).
        wss_key_pem: Vec<u8> = Vec::new()
            => #[cfg(feature = "draft")] ZMQ_WSS_KEY_PEM: set (bytes(..)), get (none);
        /// `ZMQ_WSS_TRUST_PEM` (a client's).
        wss_trust_pem: Vec<u8> = Vec::new()
            => #[cfg(feature = "draft")] ZMQ_WSS_TRUST_PEM: set (bytes(..)), get (none);
        /// `ZMQ_WSS_HOSTNAME` (a client's).
        wss_hostname: Vec<u8> = Vec::new()
            => #[cfg(feature = "draft")] ZMQ_WSS_HOSTNAME: set (bytes(..)), get (none);
        /// `ZMQ_WSS_TRUST_SYSTEM` (a client's).
        wss_trust_system: bool = false
            => #[cfg(feature = "draft")] ZMQ_WSS_TRUST_SYSTEM: set (strict_bool), get (none);
        /// The norm:// transport's settings: the `ZMQ_NORM_*` rows of `others`.
        norm: NormOptions = NormOptions::default();
        /// `ZMQ_TCP_KEEPALIVE`: -1 (OS default), 0 or 1.
        tcp_keepalive: c_int = -1 => ZMQ_TCP_KEEPALIVE: set (int(-1..=1)), get (int);
        /// `ZMQ_TCP_KEEPALIVE_CNT` (-1 = OS default).
        tcp_keepalive_cnt: c_int = -1 => ZMQ_TCP_KEEPALIVE_CNT: set (int(-1..)), get (int);
        /// `ZMQ_TCP_KEEPALIVE_IDLE`, s (-1 = OS default).
        tcp_keepalive_idle: c_int = -1
            => ZMQ_TCP_KEEPALIVE_IDLE: set (int(-1..)), get (int);
        /// `ZMQ_TCP_KEEPALIVE_INTVL`, s (-1 = OS default).
        tcp_keepalive_intvl: c_int = -1
            => ZMQ_TCP_KEEPALIVE_INTVL: set (int(-1..)), get (int);
        /// `ZMQ_TCP_ACCEPT_FILTER` entries in the order added; empty = accept everyone. A
        /// peer is accepted if it matches any entry.
        tcp_accept_filters: Vec<TcpAcceptFilter> = Vec::new()
            => ZMQ_TCP_ACCEPT_FILTER: set (by(add_tcp_accept_filter)), get (none);
        /// `ZMQ_IPC_FILTER_UID`; empty = no uid check.
        ipc_uid_accept_filters: BTreeSet<libc::uid_t> = BTreeSet::new()
            => ZMQ_IPC_FILTER_UID: set (id_set(libc::uid_t::from_ne_bytes)), get (none);
        /// `ZMQ_IPC_FILTER_GID`; empty = no gid check.
        ipc_gid_accept_filters: BTreeSet<libc::gid_t> = BTreeSet::new()
            => ZMQ_IPC_FILTER_GID: set (id_set(libc::gid_t::from_ne_bytes)), get (none);
        /// `ZMQ_IPC_FILTER_PID`; empty = no pid check.
        ipc_pid_accept_filters: BTreeSet<libc::pid_t> = BTreeSet::new()
            => ZMQ_IPC_FILTER_PID: set (id_set(libc::pid_t::from_ne_bytes)), get (none);
        /// `ZMQ_MECHANISM` (get only): `ZMQ_NULL`, `ZMQ_PLAIN`, `ZMQ_CURVE` or
        /// `ZMQ_GSSAPI`, following the security options set last, as in libzmq.
        mechanism: c_int = ZMQ_NULL => ZMQ_MECHANISM: set (none), get (int);
        /// Whether this side is the PLAIN/CURVE/GSSAPI server (`ZMQ_PLAIN_SERVER`,
        /// `ZMQ_CURVE_SERVER`, `ZMQ_GSSAPI_SERVER`, in `others`).
        as_server: bool = false;
        /// `ZMQ_ZAP_DOMAIN` (1..=255 bytes once set; cannot be cleared, as in libzmq).
        zap_domain: Vec<u8> = Vec::new()
            => ZMQ_ZAP_DOMAIN: set (relaxed_string(UCHAR_MAX)), get (string);
        /// `ZMQ_PLAIN_USERNAME` (0..=255 bytes).
        plain_username: Vec<u8> = Vec::new()
            => ZMQ_PLAIN_USERNAME: set (by(set_plain_username)), get (string);
        /// `ZMQ_PLAIN_PASSWORD` (0..=255 bytes).
        plain_password: Vec<u8> = Vec::new()
            => ZMQ_PLAIN_PASSWORD: set (by(set_plain_password)), get (string);
        /// `ZMQ_CURVE_PUBLICKEY`, binary (all zero until set).
        curve_public_key: [u8; KEY_SIZE] = [0; KEY_SIZE]
            => ZMQ_CURVE_PUBLICKEY: set (by(set_curve_public_key)), get (curve_key);
        /// `ZMQ_CURVE_SECRETKEY`, binary (all zero until set).
        curve_secret_key: [u8; KEY_SIZE] = [0; KEY_SIZE]
            => ZMQ_CURVE_SECRETKEY: set (by(set_curve_secret_key)), get (curve_key);
        /// `ZMQ_CURVE_SERVERKEY`, binary (all zero until set).
        curve_server_key: [u8; KEY_SIZE] = [0; KEY_SIZE]
            => ZMQ_CURVE_SERVERKEY: set (by(set_curve_server_key)), get (curve_key);
        /// `ZMQ_GSSAPI_PRINCIPAL` (1..=255 bytes): our own name; makes the mechanism GSSAPI.
        gss_principal: Vec<u8> = Vec::new()
            => ZMQ_GSSAPI_PRINCIPAL: set (by(gss::set_principal)), get (by(gss::get_principal));
        /// `ZMQ_GSSAPI_SERVICE_PRINCIPAL` (1..=255 bytes): the server's name; makes this
        /// side a GSSAPI client.
        gss_service_principal: Vec<u8> = Vec::new()
            => ZMQ_GSSAPI_SERVICE_PRINCIPAL:
                set (by(gss::set_service_principal)), get (by(gss::get_service_principal));
        /// `ZMQ_GSSAPI_PLAINTEXT` (strict bool): no wrapping after the handshake.
        gss_plaintext: bool = false
            => ZMQ_GSSAPI_PLAINTEXT: set (by(gss::set_plaintext)), get (by(gss::get_plaintext));
        /// `ZMQ_GSSAPI_PRINCIPAL_NAMETYPE`: a `ZMQ_GSSAPI_NT_*`.
        gss_principal_nt: c_int = ZMQ_GSSAPI_NT_HOSTBASED
            => ZMQ_GSSAPI_PRINCIPAL_NAMETYPE:
                set (by(gss::set_principal_nt)), get (by(gss::get_principal_nt));
        /// `ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE`: a `ZMQ_GSSAPI_NT_*`.
        gss_service_principal_nt: c_int = ZMQ_GSSAPI_NT_HOSTBASED
            => ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE:
                set (by(gss::set_service_principal_nt)), get (by(gss::get_service_principal_nt));
        /// `ZMQ_CONFLATE`. Only effective for some types: see
        /// [`Options::effective_conflate`].
        conflate: bool = false => ZMQ_CONFLATE: set (strict_bool), get (bool);
        /// `ZMQ_HANDSHAKE_IVL`, ms (0 = no limit).
        handshake_ivl: c_int = 30_000 => ZMQ_HANDSHAKE_IVL: set (int(0..)), get (int);
        /// `ZMQ_HEARTBEAT_TTL`, kept in deciseconds as sent in PING (given and read back
        /// in ms).
        heartbeat_ttl: u16 = 0 => ZMQ_HEARTBEAT_TTL: set (deciseconds), get (deciseconds);
        /// `ZMQ_HEARTBEAT_IVL`, ms (0 = no heartbeats).
        heartbeat_interval: c_int = 0 => ZMQ_HEARTBEAT_IVL: set (int(0..)), get (int);
        /// `ZMQ_HEARTBEAT_TIMEOUT`, ms (-1 = use `heartbeat_interval`; only set to 0 or
        /// more).
        heartbeat_timeout: c_int = -1 => ZMQ_HEARTBEAT_TIMEOUT: set (int(0..)), get (int);
        /// `ZMQ_USE_FD` (-1 = create the socket).
        use_fd: c_int = -1 => ZMQ_USE_FD: set (int(-1..)), get (int);
        /// `ZMQ_BINDTODEVICE` (0..=16 bytes; empty = none).
        bound_device: Vec<u8> = Vec::new()
            => ZMQ_BINDTODEVICE: set (string(BINDTODEVICE_MAX)), get (string);
        /// `ZMQ_ZAP_ENFORCE_DOMAIN`.
        zap_enforce_domain: bool = false
            => ZMQ_ZAP_ENFORCE_DOMAIN: set (relaxed_bool), get (bool);
        /// `ZMQ_LOOPBACK_FASTPATH` (Windows only in effect).
        loopback_fastpath: bool = false
            => ZMQ_LOOPBACK_FASTPATH: set (relaxed_bool), get (bool);
        /// `ZMQ_MULTICAST_LOOP`.
        multicast_loop: bool = true => ZMQ_MULTICAST_LOOP: set (relaxed_bool), get (bool);
        /// `ZMQ_IN_BATCH_SIZE` (draft), bytes: how much a connection reads at once (and
        /// the largest message a raw connection makes of it). `None` until set: libzmq's
        /// 8192 is reported, and our own default used (see [`DEFAULT_BATCH_SIZE`]).
        in_batch_size: Option<c_int> = None
            => #[cfg(feature = "draft")]
            ZMQ_IN_BATCH_SIZE: set (some_int(1..)), get (int_or(LIBZMQ_BATCH_SIZE));
        /// `ZMQ_OUT_BATCH_SIZE` (draft), bytes: how much output a connection gathers
        /// before writing. `None` until set, as `in_batch_size`.
        out_batch_size: Option<c_int> = None
            => #[cfg(feature = "draft")]
            ZMQ_OUT_BATCH_SIZE: set (some_int(1..)), get (int_or(LIBZMQ_BATCH_SIZE));
        /// `ZMQ_ROUTER_NOTIFY` (draft): `ZMQ_NOTIFY_*` bits. Get is here; set is the
        /// ROUTER's (0..=3, else `EINVAL`), which stores it in this field.
        router_notify: c_int = 0
            => #[cfg(feature = "draft")] ZMQ_ROUTER_NOTIFY: set (none), get (int);
        /// `ZMQ_METADATA` (set only): application properties ("X-..." name -> value),
        /// sent in the handshake. The first value set for a name stays.
        app_metadata: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new()
            => ZMQ_METADATA: set (metadata), get (none);
        /// `ZMQ_HELLO_MSG` (draft, set only; empty clears): sent to each new peer, if the
        /// type allows it.
        hello_msg: Vec<u8> = Vec::new()
            => #[cfg(feature = "draft")] ZMQ_HELLO_MSG: set (bytes(..)), get (none);
        /// Whether the type sends `hello_msg` (ROUTER, DEALER, CLIENT, SERVER, PEER).
        can_send_hello_msg: bool = false;
        /// `ZMQ_DISCONNECT_MSG` (draft, set only; empty clears): delivered locally when a
        /// peer goes away.
        disconnect_msg: Vec<u8> = Vec::new()
            => #[cfg(feature = "draft")] ZMQ_DISCONNECT_MSG: set (bytes(..)), get (none);
        /// Whether the type delivers `disconnect_msg` (ROUTER, SERVER, PEER).
        can_recv_disconnect_msg: bool = false;
        /// `ZMQ_HICCUP_MSG` (draft, set only; empty clears): delivered locally when a
        /// connection is re-established.
        hiccup_msg: Vec<u8> = Vec::new()
            => #[cfg(feature = "draft")] ZMQ_HICCUP_MSG: set (bytes(..)), get (none);
        /// Whether the type delivers `hiccup_msg` (DEALER, CLIENT, PEER).
        can_recv_hiccup_msg: bool = false;
        /// `ZMQ_BUSY_POLL` (draft; `SO_BUSY_POLL`, any int). libzmq 4.3.5's get writes
        /// the value but then fails with `EINVAL` (its case lacks a `return 0`); mirrored.
        busy_poll: c_int = 0
            => #[cfg(feature = "draft")] ZMQ_BUSY_POLL: set (int(..)), get (int_then_einval);
    }
    others {
        // option: set (rule), get (rule);
        ZMQ_IPV4ONLY: set (by(set_ipv4only)), get (by(get_ipv4only));
        ZMQ_PLAIN_SERVER: set (by(set_plain_server)), get (by(get_plain_server));
        ZMQ_CURVE_SERVER: set (by(set_curve_server)), get (by(get_curve_server));
        // GSSAPI's, where libgssapi_krb5 loads (as a libzmq built with it), else EINVAL.
        ZMQ_GSSAPI_SERVER: set (by(gss::set_server)), get (by(gss::get_server));
        // NORM's (draft), where libnorm loads (as a libzmq built with NORM), else EINVAL.
        #[cfg(feature = "draft")] ZMQ_NORM_MODE: set (by(norm::set_mode)), get (by(norm::get_mode));
        #[cfg(feature = "draft")]
        ZMQ_NORM_UNICAST_NACK: set (by(norm::set_unicast_nack)), get (by(norm::get_unicast_nack));
        #[cfg(feature = "draft")]
        ZMQ_NORM_BUFFER_SIZE: set (by(norm::set_buffer_size)), get (by(norm::get_buffer_size));
        #[cfg(feature = "draft")]
        ZMQ_NORM_SEGMENT_SIZE: set (by(norm::set_segment_size)), get (by(norm::get_segment_size));
        #[cfg(feature = "draft")]
        ZMQ_NORM_BLOCK_SIZE: set (by(norm::set_block_size)), get (by(norm::get_block_size));
        #[cfg(feature = "draft")]
        ZMQ_NORM_NUM_PARITY: set (by(norm::set_num_parity)), get (by(norm::get_num_parity));
        #[cfg(feature = "draft")]
        ZMQ_NORM_NUM_AUTOPARITY: set (by(norm::set_num_autoparity)), get (by(norm::get_num_autoparity));
        #[cfg(feature = "draft")] ZMQ_NORM_PUSH: set (by(norm::set_push)), get (by(norm::get_push));
    }
}

// The options that touch more than their field, or whose rule is their own.

/// `ZMQ_IPV4ONLY`: the inverse of `ZMQ_IPV6`, a strict bool.
/// `ZMQ_NORM_*` (draft), with libzmq's defaults and ranges.
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

/// The `ZMQ_NORM_*` rows' rules: each option exists only where libnorm loads.
#[cfg(feature = "draft")]
mod norm {
    use super::{get, set, Errno, OptVal, Options, Result};

    fn available() -> Result<()> {
        if crate::sys::norm::available() {
            Ok(())
        } else {
            Err(Errno::EINVAL)
        }
    }

    macro_rules! rules {
        ($($set:ident, $get:ident: $field:ident, $rule:ident $(($($a:tt)*))?, $out:ident;)*) => {$(
            pub(super) fn $set(o: &mut Options, val: OptVal<'_>) -> Result<()> {
                available()?;
                set::$rule(&mut o.norm.$field, val $(, $($a)*)?)
            }
            pub(super) fn $get(o: &Options, out: &mut [u8]) -> Result<usize> {
                available()?;
                get::$out(out, &o.norm.$field)
            }
        )*};
    }

    rules! {
        set_mode, get_mode: mode, int(0..=4), int;
        set_unicast_nack, get_unicast_nack: unicast_nacks, strict_bool, bool;
        set_buffer_size, get_buffer_size: buffer_size, int(1..), int;
        set_segment_size, get_segment_size: segment_size, int(1..), int;
        set_block_size, get_block_size: block_size, int(1..=255), int;
        set_num_parity, get_num_parity: num_parity, int(0..255), int;
        set_num_autoparity, get_num_autoparity: num_autoparity, int(0..255), int;
        set_push, get_push: push, strict_bool, bool;
    }
}

fn set_ipv4only(o: &mut Options, val: OptVal<'_>) -> Result<()> {
    let mut ipv4only = false;
    set::strict_bool(&mut ipv4only, val)?;
    o.ipv6 = !ipv4only;
    Ok(())
}

fn get_ipv4only(o: &Options, out: &mut [u8]) -> Result<usize> {
    get::int(out, &c_int::from(!o.ipv6))
}

/// `ZMQ_STREAM_NOTIFY`: a strict bool, for STREAM sockets only (`EINVAL` elsewhere).
fn set_stream_notify(o: &mut Options, val: OptVal<'_>) -> Result<()> {
    if o.socket_type != ZMQ_STREAM {
        return Err(Errno::EINVAL);
    }
    set::strict_bool(&mut o.raw_notify, val)
}

/// `ZMQ_TCP_ACCEPT_FILTER`: a strict string of at most 255 bytes adds a filter (parsed
/// with IPv6 literals if `ZMQ_IPV6` is set); NULL with length 0 clears them all.
fn add_tcp_accept_filter(o: &mut Options, val: OptVal<'_>) -> Result<()> {
    match set::string_strict(val, UCHAR_MAX)? {
        // An empty value is only possible as NULL with length 0.
        None => o.tcp_accept_filters.clear(),
        Some(text) => {
            // libzmq parses the C string: up to the first NUL.
            let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
            let filter = TcpAcceptFilter::parse(&text[..end], o.ipv6)?;
            o.tcp_accept_filters.push(filter);
        }
    }
    Ok(())
}

/// `ZMQ_PLAIN_SERVER` (strict bool) makes this side the PLAIN server, or goes back to NULL.
fn set_plain_server(o: &mut Options, val: OptVal<'_>) -> Result<()> {
    set::strict_bool(&mut o.as_server, val)?;
    o.mechanism = if o.as_server { ZMQ_PLAIN } else { ZMQ_NULL };
    Ok(())
}

fn get_plain_server(o: &Options, out: &mut [u8]) -> Result<usize> {
    get::bool(out, &(o.as_server && o.mechanism == ZMQ_PLAIN))
}

/// `ZMQ_CURVE_SERVER` (strict bool) makes this side the CURVE server, or goes back to NULL.
fn set_curve_server(o: &mut Options, val: OptVal<'_>) -> Result<()> {
    set::strict_bool(&mut o.as_server, val)?;
    o.mechanism = if o.as_server { ZMQ_CURVE } else { ZMQ_NULL };
    Ok(())
}

fn get_curve_server(o: &Options, out: &mut [u8]) -> Result<usize> {
    get::bool(out, &(o.as_server && o.mechanism == ZMQ_CURVE))
}

/// A PLAIN credential makes this side a PLAIN client; NULL with length 0 only resets the
/// mechanism to NULL (the credential stays).
fn set_plain_credential(
    o: &mut Options,
    val: OptVal<'_>,
    field: fn(&mut Options) -> &mut Vec<u8>,
) -> Result<()> {
    match set::string_strict(val, UCHAR_MAX)? {
        None => o.mechanism = ZMQ_NULL,
        Some(credential) => {
            *field(o) = credential;
            o.as_server = false;
            o.mechanism = ZMQ_PLAIN;
        }
    }
    Ok(())
}

fn set_plain_username(o: &mut Options, val: OptVal<'_>) -> Result<()> {
    set_plain_credential(o, val, |o| &mut o.plain_username)
}

fn set_plain_password(o: &mut Options, val: OptVal<'_>) -> Result<()> {
    set_plain_credential(o, val, |o| &mut o.plain_password)
}

/// The `ZMQ_GSSAPI_*` options: each exists only where the system GSSAPI loads, as in a
/// libzmq built with or without `HAVE_LIBGSSAPI_KRB5`.
mod gss {
    use std::ffi::c_int;

    use super::{get, set, Errno, OptVal, Options, Result, UCHAR_MAX};
    use crate::constants::*;

    fn available() -> Result<()> {
        if crate::sys::gssapi::available() {
            Ok(())
        } else {
            Err(Errno::EINVAL)
        }
    }

    /// `ZMQ_GSSAPI_SERVER` (strict bool): either value makes the mechanism GSSAPI (0: a
    /// client), unlike PLAIN's and CURVE's, which go back to NULL.
    pub(super) fn set_server(o: &mut Options, val: OptVal<'_>) -> Result<()> {
        available()?;
        set::strict_bool(&mut o.as_server, val)?;
        o.mechanism = ZMQ_GSSAPI;
        Ok(())
    }

    pub(super) fn get_server(o: &Options, out: &mut [u8]) -> Result<usize> {
        available()?;
        get::bool(out, &(o.as_server && o.mechanism == ZMQ_GSSAPI))
    }

    /// A name: 1..=255 bytes, not NULL.
    fn name(val: OptVal<'_>) -> Result<Vec<u8>> {
        available()?;
        set::string_strict(val, UCHAR_MAX)?.ok_or(Errno::EINVAL)
    }

    pub(super) fn set_principal(o: &mut Options, val: OptVal<'_>) -> Result<()> {
        o.gss_principal = name(val)?;
        o.mechanism = ZMQ_GSSAPI;
        Ok(())
    }

    pub(super) fn get_principal(o: &Options, out: &mut [u8]) -> Result<usize> {
        available()?;
        get::string(out, &o.gss_principal)
    }

    /// Naming the server makes this side a client.
    pub(super) fn set_service_principal(o: &mut Options, val: OptVal<'_>) -> Result<()> {
        o.gss_service_principal = name(val)?;
        o.mechanism = ZMQ_GSSAPI;
        o.as_server = false;
        Ok(())
    }

    pub(super) fn get_service_principal(o: &Options, out: &mut [u8]) -> Result<usize> {
        available()?;
        get::string(out, &o.gss_service_principal)
    }

    pub(super) fn set_plaintext(o: &mut Options, val: OptVal<'_>) -> Result<()> {
        available()?;
        set::strict_bool(&mut o.gss_plaintext, val)
    }

    pub(super) fn get_plaintext(o: &Options, out: &mut [u8]) -> Result<usize> {
        available()?;
        get::bool(out, &o.gss_plaintext)
    }

    fn name_type(field: &mut c_int, val: OptVal<'_>) -> Result<()> {
        available()?;
        set::int(
            field,
            val,
            ZMQ_GSSAPI_NT_HOSTBASED..=ZMQ_GSSAPI_NT_KRB5_PRINCIPAL,
        )
    }

    pub(super) fn set_principal_nt(o: &mut Options, val: OptVal<'_>) -> Result<()> {
        name_type(&mut o.gss_principal_nt, val)
    }

    pub(super) fn get_principal_nt(o: &Options, out: &mut [u8]) -> Result<usize> {
        available()?;
        get::int(out, &o.gss_principal_nt)
    }

    pub(super) fn set_service_principal_nt(o: &mut Options, val: OptVal<'_>) -> Result<()> {
        name_type(&mut o.gss_service_principal_nt, val)
    }

    pub(super) fn get_service_principal_nt(o: &Options, out: &mut [u8]) -> Result<usize> {
        available()?;
        get::int(out, &o.gss_service_principal_nt)
    }
}

/// Any CURVE key makes the mechanism CURVE.
fn set_curve_public_key(o: &mut Options, val: OptVal<'_>) -> Result<()> {
    set::curve_key(&mut o.curve_public_key, val)?;
    o.mechanism = ZMQ_CURVE;
    Ok(())
}

fn set_curve_secret_key(o: &mut Options, val: OptVal<'_>) -> Result<()> {
    set::curve_key(&mut o.curve_secret_key, val)?;
    o.mechanism = ZMQ_CURVE;
    Ok(())
}

/// The server's key also makes this side a CURVE client.
fn set_curve_server_key(o: &mut Options, val: OptVal<'_>) -> Result<()> {
    set::curve_key(&mut o.curve_server_key, val)?;
    o.mechanism = ZMQ_CURVE;
    o.as_server = false;
    Ok(())
}

impl Options {
    /// Defaults for a new socket of `socket_type`; `blocky` is the context's `ZMQ_BLOCKY`
    /// (linger defaults to -1 when true, 0 when false); `ipv6` is the context's `ZMQ_IPV6`.
    ///
    /// Also applies what libzmq's socket-type constructors store in `options_t`: the type,
    /// `filter` for SUB, linger 0 for XSUB/SUB/DISH, `recv_routing_id` for ROUTER,
    /// `raw_socket` for STREAM/DGRAM, and the hello/disconnect/hiccup capabilities.
    pub fn new(socket_type: c_int, blocky: bool, ipv6: bool) -> Self {
        let mut options = Options::defaults(socket_type, blocky, ipv6);
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

    /// zmq_setsockopt with a non-NULL `optval` of `value.len()` bytes: `EINVAL` for an
    /// unknown option, a wrong size or a bad value, exactly where libzmq gives it.
    pub fn set(&mut self, option: c_int, value: &[u8]) -> Result<()> {
        self.set_value(option, OptVal::new(Some(value), value.len())?)
    }

    /// zmq_setsockopt with a NULL `optval` and the caller's `optvallen`. NULL with length 0
    /// clears `ZMQ_TCP_ACCEPT_FILTER`, `ZMQ_IPC_FILTER_*`, `ZMQ_SOCKS_*`,
    /// `ZMQ_BINDTODEVICE` and the draft `*_MSG` options, and resets the mechanism for
    /// `ZMQ_PLAIN_USERNAME`/`PASSWORD`; elsewhere it is `EINVAL` as in libzmq. Where libzmq
    /// would read through the NULL pointer (it crashes) we answer `EFAULT`.
    pub fn set_null(&mut self, option: c_int, optvallen: usize) -> Result<()> {
        self.set_value(option, OptVal::new(None, optvallen)?)
    }

    /// zmq_getsockopt: writes into `out` (the caller's buffer, whose length is
    /// `*optvallen`) and returns the number of bytes written (the new `*optvallen`).
    /// `EINVAL` for an unknown option or a buffer of the wrong size, as libzmq: int options
    /// need exactly `sizeof(int)` bytes, `ZMQ_AFFINITY`/`ZMQ_MAXMSGSIZE` exactly 8, CURVE
    /// keys exactly 32 (binary) or 41 (Z85 and NUL); strings (returned with a NUL) and the
    /// routing id need at least their length, and the rest of `out` is zeroed.
    pub fn get(&self, option: c_int, out: &mut [u8]) -> Result<usize> {
        self.get_value(option, out)
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

    /// The settings of a tcp (or ws) stream and listener, from the options above.
    pub fn tcp_tuning(&self) -> TcpTuning {
        TcpTuning {
            sndbuf: self.sndbuf,
            rcvbuf: self.rcvbuf,
            tos: self.tos,
            keepalive: self.tcp_keepalive,
            keepalive_cnt: self.tcp_keepalive_cnt,
            keepalive_idle: self.tcp_keepalive_idle,
            keepalive_intvl: self.tcp_keepalive_intvl,
            backlog: self.backlog,
            maxrt: self.tcp_maxrt,
            bound_device: self.bound_device.clone(),
            priority: self.priority,
            busy_poll: self.busy_poll,
        }
    }

    /// How many bytes a connection reads at once: `ZMQ_IN_BATCH_SIZE`, else ours.
    pub fn effective_in_batch_size(&self) -> usize {
        self.in_batch_size
            .map_or(DEFAULT_BATCH_SIZE, |v| v.max(1) as usize)
    }

    /// How much output a connection gathers before writing: `ZMQ_OUT_BATCH_SIZE`, else
    /// ours.
    pub fn effective_out_batch_size(&self) -> usize {
        self.out_batch_size
            .map_or(DEFAULT_BATCH_SIZE, |v| v.max(1) as usize)
    }
}

/// The value of a `zmq_setsockopt` (or `zmq_ctx_set`) call: the caller's `optval` (`None`
/// for a NULL pointer) and `optvallen`.
#[derive(Clone, Copy)]
pub(crate) struct OptVal<'a> {
    data: Option<&'a [u8]>,
    len: usize,
    /// The value as a C int if it is 4 bytes: libzmq reads an int from every 4-byte value
    /// before looking at the option, and some rules depend on it.
    int: Option<c_int>,
}

impl<'a> OptVal<'a> {
    /// `EFAULT` for a NULL pointer of length 4: reading the int would crash libzmq.
    pub(crate) fn new(data: Option<&'a [u8]>, len: usize) -> Result<Self> {
        let mut val = OptVal {
            data,
            len,
            int: None,
        };
        if len == std::mem::size_of::<c_int>() {
            val.int = <[u8; 4]>::try_from(val.bytes()?)
                .ok()
                .map(c_int::from_ne_bytes);
        }
        Ok(val)
    }

    /// The bytes, for the places libzmq reads them. A NULL pointer with a non-zero length
    /// would crash libzmq there; we answer `EFAULT`.
    pub(crate) fn bytes(self) -> Result<&'a [u8]> {
        match self.data {
            Some(d) => Ok(d),
            None if self.len == 0 => Ok(&[]),
            None => Err(Errno::EFAULT),
        }
    }

    pub(crate) fn int(self) -> Option<c_int> {
        self.int
    }

    fn is_null(self) -> bool {
        self.data.is_none()
    }
}

/// The rules that store a value in a field: `set::rule(&mut field, value, args..)`, named
/// after libzmq's `do_setsockopt_*` where it has one. Each fails with `EINVAL` where
/// libzmq does.
pub(crate) mod set {
    use std::collections::{BTreeMap, BTreeSet};
    use std::ffi::c_int;
    use std::ops::RangeBounds;

    use super::{OptVal, KEY_SIZE, MS_PER_DECISECOND, UCHAR_MAX, Z85_KEY_LEN};
    use crate::error::{Errno, Result};
    use crate::z85;

    /// An int in `range`.
    pub(crate) fn int(
        field: &mut c_int,
        val: OptVal<'_>,
        range: impl RangeBounds<c_int>,
    ) -> Result<()> {
        *field = val.int.filter(|v| range.contains(v)).ok_or(Errno::EINVAL)?;
        Ok(())
    }

    /// An int in `range`, kept as set (`None` until then).
    #[cfg_attr(not(feature = "draft"), allow(dead_code))]
    pub(crate) fn some_int(
        field: &mut Option<c_int>,
        val: OptVal<'_>,
        range: impl RangeBounds<c_int>,
    ) -> Result<()> {
        let mut v = 0;
        int(&mut v, val, range)?;
        *field = Some(v);
        Ok(())
    }

    /// An int in `range` added to a set (`ZMQ_THREAD_AFFINITY_CPU_ADD`).
    pub(crate) fn insert(
        field: &mut BTreeSet<c_int>,
        val: OptVal<'_>,
        range: impl RangeBounds<c_int>,
    ) -> Result<()> {
        let mut v = 0;
        int(&mut v, val, range)?;
        field.insert(v);
        Ok(())
    }

    /// `do_setsockopt_int_as_bool_strict`: an int that is 0 or 1.
    pub(crate) fn strict_bool(field: &mut bool, val: OptVal<'_>) -> Result<()> {
        *field = match val.int {
            Some(0) => false,
            Some(1) => true,
            _ => return Err(Errno::EINVAL),
        };
        Ok(())
    }

    /// `do_setsockopt_int_as_bool_relaxed`: any int, non-zero is true.
    pub(crate) fn relaxed_bool(field: &mut bool, val: OptVal<'_>) -> Result<()> {
        *field = val.int.map(|v| v != 0).ok_or(Errno::EINVAL)?;
        Ok(())
    }

    /// The context's booleans: an int of 0 or more, non-zero is true.
    pub(crate) fn nonnegative_bool(field: &mut bool, val: OptVal<'_>) -> Result<()> {
        *field = val.int.filter(|&v| v >= 0).ok_or(Errno::EINVAL)? != 0;
        Ok(())
    }

    /// `do_setsockopt<uint64_t>`: exactly 8 bytes.
    pub(crate) fn uint64(field: &mut u64, val: OptVal<'_>) -> Result<()> {
        if val.len != 8 {
            return Err(Errno::EINVAL);
        }
        let bytes: [u8; 8] = val.bytes()?.try_into().map_err(|_| Errno::EINVAL)?;
        *field = u64::from_ne_bytes(bytes);
        Ok(())
    }

    /// `do_setsockopt<int64_t>`: exactly 8 bytes, any value.
    pub(crate) fn int64(field: &mut i64, val: OptVal<'_>) -> Result<()> {
        let mut v = 0;
        uint64(&mut v, val)?;
        *field = v as i64;
        Ok(())
    }

    /// Any bytes whose length is in `len` (NULL with length 0 is empty).
    pub(crate) fn bytes(
        field: &mut Vec<u8>,
        val: OptVal<'_>,
        len: impl RangeBounds<usize>,
    ) -> Result<()> {
        if !len.contains(&val.len) {
            return Err(Errno::EINVAL);
        }
        *field = val.bytes()?.to_vec();
        Ok(())
    }

    /// `do_setsockopt_string_allow_empty_strict`: NULL with length 0 clears; otherwise a
    /// non-NULL value of 1..=max bytes.
    pub(crate) fn string(field: &mut Vec<u8>, val: OptVal<'_>, max: usize) -> Result<()> {
        *field = string_strict(val, max)?.unwrap_or_default();
        Ok(())
    }

    /// [`string`]'s rule, `Ok(None)` meaning "clear".
    pub(crate) fn string_strict(val: OptVal<'_>, max: usize) -> Result<Option<Vec<u8>>> {
        if val.is_null() && val.len == 0 {
            return Ok(None);
        }
        if !val.is_null() && val.len > 0 && val.len <= max {
            return Ok(Some(val.bytes()?.to_vec()));
        }
        Err(Errno::EINVAL)
    }

    /// `do_setsockopt_string_allow_empty_relaxed`: 1..=max bytes (NULL or not); never
    /// clears.
    pub(crate) fn relaxed_string(field: &mut Vec<u8>, val: OptVal<'_>, max: usize) -> Result<()> {
        if val.len > 0 && val.len <= max {
            *field = val.bytes()?.to_vec();
            return Ok(());
        }
        Err(Errno::EINVAL)
    }

    /// `ZMQ_SOCKS_USERNAME`/`PASSWORD`: NULL or empty clears (whatever the length with
    /// NULL); otherwise a strict string of at most 255 bytes.
    pub(crate) fn socks_credential(field: &mut Vec<u8>, val: OptVal<'_>) -> Result<()> {
        *field = if val.is_null() || val.len == 0 {
            Vec::new()
        } else {
            string_strict(val, UCHAR_MAX)?.unwrap_or_default()
        };
        Ok(())
    }

    /// `do_setsockopt_set`: NULL with length 0 clears the set; a non-NULL 4-byte value
    /// adds `from(bytes)`.
    pub(crate) fn id_set<T: Ord>(
        field: &mut BTreeSet<T>,
        val: OptVal<'_>,
        from: fn([u8; 4]) -> T,
    ) -> Result<()> {
        if val.is_null() && val.len == 0 {
            field.clear();
            return Ok(());
        }
        if !val.is_null() && val.len == 4 {
            let bytes: [u8; 4] = val.bytes()?.try_into().map_err(|_| Errno::EINVAL)?;
            field.insert(from(bytes));
            return Ok(());
        }
        Err(Errno::EINVAL)
    }

    /// `ZMQ_HEARTBEAT_TTL`: milliseconds, truncated toward zero to deciseconds:
    /// -99..=6553599 is accepted (negative values down to -99 become 0, as in libzmq).
    pub(crate) fn deciseconds(field: &mut u16, val: OptVal<'_>) -> Result<()> {
        *field = val
            .int
            .map(|v| v / MS_PER_DECISECOND)
            .and_then(|d| u16::try_from(d).ok())
            .ok_or(Errno::EINVAL)?;
        Ok(())
    }

    /// `ZMQ_METADATA`: "X-name:value"; the first value set for a name stays.
    pub(crate) fn metadata(field: &mut BTreeMap<Vec<u8>, Vec<u8>>, val: OptVal<'_>) -> Result<()> {
        // Any 4-byte value is refused: libzmq takes it for an int.
        if val.len == 0 || val.int.is_some() {
            return Err(Errno::EINVAL);
        }
        let (name, value) = parse_metadata(val.bytes()?).ok_or(Errno::EINVAL)?;
        field.entry(name).or_insert(value);
        Ok(())
    }

    /// Parses "X-name:value": the first ':' splits name and value; the name must start
    /// with "X-" and be at most 255 bytes; neither side may be empty.
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

    /// A CURVE key given as 32 binary bytes, 40 Z85 characters, or 41 bytes (Z85 and a
    /// NUL). Like libzmq, Z85 text is read up to its first NUL, and a shorter text that
    /// is still a multiple of 5 characters overwrites just the start of the key; a bad
    /// text may leave the groups decoded before the bad one in the key.
    pub(crate) fn curve_key(key: &mut [u8; KEY_SIZE], val: OptVal<'_>) -> Result<()> {
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
                // At most 40 characters here unless the 41-byte form lacks its NUL,
                // which the multiple-of-5 check above has already refused.
                z85::decode_into(text, &mut key[..z85::decoded_len(text.len())])
            }
            _ => Err(Errno::EINVAL),
        }
    }
}

/// The rules that read a field back: `get::rule(out, &field, args..)` writes into the
/// caller's buffer and returns the length written, `EINVAL` where libzmq's
/// `do_getsockopt` gives it.
pub(crate) mod get {
    use std::ffi::c_int;

    use super::{KEY_SIZE, MS_PER_DECISECOND, Z85_KEY_LEN};
    use crate::error::{Errno, Result};
    use crate::z85;

    /// An int: the buffer must be exactly `sizeof(int)`.
    pub(crate) fn int(out: &mut [u8], value: &c_int) -> Result<usize> {
        if out.len() != std::mem::size_of::<c_int>() {
            return Err(Errno::EINVAL);
        }
        out.copy_from_slice(&value.to_ne_bytes());
        Ok(out.len())
    }

    /// A bool, as an int 0 or 1.
    pub(crate) fn bool(out: &mut [u8], value: &bool) -> Result<usize> {
        int(out, &c_int::from(*value))
    }

    /// An int kept as set, `default` until then.
    #[cfg_attr(not(feature = "draft"), allow(dead_code))]
    pub(crate) fn int_or(out: &mut [u8], value: &Option<c_int>, default: c_int) -> Result<usize> {
        int(out, &value.unwrap_or(default))
    }

    /// An int written, then `EINVAL` all the same (libzmq's `ZMQ_BUSY_POLL`).
    #[cfg_attr(not(feature = "draft"), allow(dead_code))]
    pub(crate) fn int_then_einval(out: &mut [u8], value: &c_int) -> Result<usize> {
        int(out, value)?;
        Err(Errno::EINVAL)
    }

    /// Deciseconds read back as milliseconds.
    pub(crate) fn deciseconds(out: &mut [u8], value: &u16) -> Result<usize> {
        int(out, &(c_int::from(*value) * MS_PER_DECISECOND))
    }

    /// An 8-byte value: the buffer must be exactly 8 bytes.
    pub(crate) fn uint64(out: &mut [u8], value: &u64) -> Result<usize> {
        if out.len() != 8 {
            return Err(Errno::EINVAL);
        }
        out.copy_from_slice(&value.to_ne_bytes());
        Ok(8)
    }

    pub(crate) fn int64(out: &mut [u8], value: &i64) -> Result<usize> {
        uint64(out, &(*value as u64))
    }

    /// Bytes: needs room for all of them; zeroes the rest of the caller's buffer;
    /// returns the value's length.
    pub(crate) fn bytes(out: &mut [u8], value: &[u8]) -> Result<usize> {
        if out.len() < value.len() {
            return Err(Errno::EINVAL);
        }
        let (head, tail) = out.split_at_mut(value.len());
        head.copy_from_slice(value);
        tail.fill(0);
        Ok(value.len())
    }

    /// A string: its bytes and a terminating NUL; zeroes the rest of the buffer.
    pub(crate) fn string(out: &mut [u8], value: &[u8]) -> Result<usize> {
        if out.len() < value.len() + 1 {
            return Err(Errno::EINVAL);
        }
        out[..value.len()].copy_from_slice(value);
        out[value.len()..].fill(0);
        Ok(value.len() + 1)
    }

    /// A CURVE key: 32 bytes binary, or 41 bytes for Z85 text and a NUL.
    pub(crate) fn curve_key(out: &mut [u8], key: &[u8; KEY_SIZE]) -> Result<usize> {
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
    }

    #[test]
    fn gssapi_options_follow_libzmq() {
        let mut o = opts();
        assert!(
            crate::sys::gssapi::available(),
            "libgssapi_krb5.so.2 (Debian: libgssapi-krb5-2) is needed"
        );
        assert_eq!(get_i(&o, ZMQ_GSSAPI_SERVER), 0);
        assert_eq!(get_i(&o, ZMQ_GSSAPI_PLAINTEXT), 0);
        assert_eq!(
            get_i(&o, ZMQ_GSSAPI_PRINCIPAL_NAMETYPE),
            ZMQ_GSSAPI_NT_HOSTBASED
        );
        assert_eq!(
            get_i(&o, ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE),
            ZMQ_GSSAPI_NT_HOSTBASED
        );
        assert_eq!(get_vec(&o, ZMQ_GSSAPI_PRINCIPAL, 8), Ok(b"\0".to_vec()));
        // Even 0 makes the mechanism GSSAPI (a client).
        o.set(ZMQ_GSSAPI_SERVER, &int(0)).unwrap();
        assert_eq!(get_i(&o, ZMQ_MECHANISM), ZMQ_GSSAPI);
        assert_eq!(get_i(&o, ZMQ_GSSAPI_SERVER), 0);
        o.set(ZMQ_GSSAPI_SERVER, &int(1)).unwrap();
        assert_eq!(get_i(&o, ZMQ_GSSAPI_SERVER), 1);
        assert_eq!(o.set(ZMQ_GSSAPI_SERVER, &int(2)), EINVAL);
        // The principal keeps the side; the service principal makes a client.
        o.set(ZMQ_GSSAPI_PRINCIPAL, b"zmqtest2\0").unwrap();
        assert_eq!(get_i(&o, ZMQ_GSSAPI_SERVER), 1);
        assert_eq!(
            get_vec(&o, ZMQ_GSSAPI_PRINCIPAL, 16),
            Ok(b"zmqtest2\0\0".to_vec())
        );
        assert_eq!(o.set(ZMQ_GSSAPI_PRINCIPAL, b""), EINVAL);
        assert_eq!(o.set_null(ZMQ_GSSAPI_PRINCIPAL, 0), EINVAL);
        assert_eq!(o.set(ZMQ_GSSAPI_PRINCIPAL, &[b'a'; 256]), EINVAL);
        o.set(ZMQ_GSSAPI_SERVICE_PRINCIPAL, b"zmq@host").unwrap();
        assert_eq!(get_i(&o, ZMQ_GSSAPI_SERVER), 0);
        assert_eq!(get_i(&o, ZMQ_MECHANISM), ZMQ_GSSAPI);
        assert_eq!(
            get_vec(&o, ZMQ_GSSAPI_SERVICE_PRINCIPAL, 4),
            Err(Errno::EINVAL)
        );
        o.set(ZMQ_GSSAPI_PLAINTEXT, &int(1)).unwrap();
        assert_eq!(get_i(&o, ZMQ_GSSAPI_PLAINTEXT), 1);
        assert_eq!(o.set(ZMQ_GSSAPI_PLAINTEXT, &int(2)), EINVAL);
        o.set(
            ZMQ_GSSAPI_PRINCIPAL_NAMETYPE,
            &int(ZMQ_GSSAPI_NT_KRB5_PRINCIPAL),
        )
        .unwrap();
        assert_eq!(
            get_i(&o, ZMQ_GSSAPI_PRINCIPAL_NAMETYPE),
            ZMQ_GSSAPI_NT_KRB5_PRINCIPAL
        );
        assert_eq!(o.set(ZMQ_GSSAPI_PRINCIPAL_NAMETYPE, &int(3)), EINVAL);
        assert_eq!(
            o.set(ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE, &int(-1)),
            EINVAL
        );
        o.set(
            ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE,
            &int(ZMQ_GSSAPI_NT_USER_NAME),
        )
        .unwrap();
        assert_eq!(
            get_i(&o, ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE),
            ZMQ_GSSAPI_NT_USER_NAME
        );
        // Another mechanism's option takes over, and GSSAPI_SERVER reads 0 again.
        o.set(ZMQ_CURVE_SERVER, &int(1)).unwrap();
        assert_eq!(get_i(&o, ZMQ_GSSAPI_SERVER), 0);
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
