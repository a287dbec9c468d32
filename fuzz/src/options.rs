//! Socket options through the C entry points, checked against libzmq's documented
//! rules (doc/zmq_setsockopt.txt, zmq_getsockopt.txt).

use std::ffi::{c_int, c_void};
use std::sync::OnceLock;

use zmq_rs::constants as c;
use zmq_rs::ffi::ctx::zmq_ctx_new;
use zmq_rs::ffi::socket::{zmq_close, zmq_getsockopt, zmq_setsockopt, zmq_socket};

use super::input::Input;

/// One context for every run (its creation is not what is under test).
fn ctx() -> *mut c_void {
    static CTX: OnceLock<usize> = OnceLock::new();
    *CTX.get_or_init(|| zmq_ctx_new() as usize) as *mut c_void
}

const SOCKET_TYPES: &[c_int] = &[
    c::ZMQ_PAIR,
    c::ZMQ_PUB,
    c::ZMQ_SUB,
    c::ZMQ_REQ,
    c::ZMQ_REP,
    c::ZMQ_DEALER,
    c::ZMQ_ROUTER,
    c::ZMQ_PULL,
    c::ZMQ_PUSH,
    c::ZMQ_XPUB,
    c::ZMQ_XSUB,
    c::ZMQ_STREAM,
    #[cfg(feature = "draft")]
    c::ZMQ_SERVER,
    #[cfg(feature = "draft")]
    c::ZMQ_CLIENT,
    #[cfg(feature = "draft")]
    c::ZMQ_RADIO,
    #[cfg(feature = "draft")]
    c::ZMQ_DISH,
    #[cfg(feature = "draft")]
    c::ZMQ_GATHER,
    #[cfg(feature = "draft")]
    c::ZMQ_SCATTER,
    #[cfg(feature = "draft")]
    c::ZMQ_DGRAM,
    #[cfg(feature = "draft")]
    c::ZMQ_PEER,
    #[cfg(feature = "draft")]
    c::ZMQ_CHANNEL,
];

/// The `int` options every socket type takes, and the values the man page allows.
const INT_RULES: &[(c_int, c_int, c_int)] = &[
    (c::ZMQ_SNDHWM, 0, c_int::MAX),
    (c::ZMQ_RCVHWM, 0, c_int::MAX),
    (c::ZMQ_LINGER, -1, c_int::MAX),
    (c::ZMQ_RCVTIMEO, -1, c_int::MAX),
    (c::ZMQ_SNDTIMEO, -1, c_int::MAX),
    (c::ZMQ_RECONNECT_IVL, -1, c_int::MAX),
    (c::ZMQ_RECONNECT_IVL_MAX, 0, c_int::MAX),
    (c::ZMQ_HANDSHAKE_IVL, 0, c_int::MAX),
    (c::ZMQ_IMMEDIATE, 0, 1),
    (c::ZMQ_IPV6, 0, 1),
    (c::ZMQ_IPV4ONLY, 0, 1),
    (c::ZMQ_PLAIN_SERVER, 0, 1),
    (c::ZMQ_CURVE_SERVER, 0, 1),
];

/// Largest option number tried (libzmq 4.3.5's highest is 119).
const MAX_OPTION: c_int = 125;

fn set(s: *mut c_void, option: c_int, value: &[u8]) -> bool {
    // SAFETY: `value` covers its length; a live socket.
    unsafe { zmq_setsockopt(s, option, value.as_ptr().cast(), value.len()) == 0 }
}

/// `zmq_getsockopt` into a buffer of exactly `size` bytes (ASan sees any overrun).
fn get(s: *mut c_void, option: c_int, size: usize) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; size];
    let mut len = size;
    // SAFETY: `buf` covers `len` bytes; a live socket.
    let rc = unsafe { zmq_getsockopt(s, option, buf.as_mut_ptr().cast(), &mut len) };
    if rc != 0 {
        assert_eq!(len, size, "a failed get changed the length");
        return None;
    }
    assert!(
        len <= size,
        "get claims {len} bytes in a {size}-byte buffer"
    );
    buf.truncate(len);
    Some(buf)
}

/// What every readable option says now.
fn snapshot(s: *mut c_void) -> Vec<Option<Vec<u8>>> {
    (0..=MAX_OPTION).map(|o| get(s, o, 256)).collect()
}

fn errno() -> c_int {
    zmq_rs::ffi::zmq_errno()
}

/// A fresh socket of any type, then options set and read with arbitrary numbers, sizes
/// and bytes. Properties: no crash or overrun; a failed set changes no option; an
/// `int` option takes exactly `sizeof(int)` and the documented range, and reads back
/// what was set; a read into a buffer too small fails with EINVAL and writes nothing.
pub fn socket_options(data: &[u8]) {
    let mut inp = Input::new(data);
    let s = zmq_socket(ctx(), inp.pick(SOCKET_TYPES));
    assert!(!s.is_null());
    for _ in 0..16 {
        if inp.is_empty() {
            break;
        }
        let option = if inp.bool() {
            c_int::from(inp.u8()) % (MAX_OPTION + 1)
        } else {
            inp.pick(INT_RULES).0
        };
        match inp.below(3) {
            0 => {
                let size = usize::from(inp.u8()) % 48;
                let value = inp.bytes(size).to_vec();
                checked_set(s, option, &value);
            }
            1 => {
                let value = match inp.below(4) {
                    0 => inp.u32() as c_int,
                    1 => c_int::from(inp.u8() as i8),
                    2 => c_int::MAX - c_int::from(inp.u8()),
                    _ => c_int::MIN + c_int::from(inp.u8()),
                };
                checked_set(s, option, &value.to_ne_bytes());
            }
            _ => {
                let size = usize::from(inp.u8()) % 64;
                if let (Some(small), Some(full)) = (get(s, option, size), get(s, option, 256)) {
                    assert_eq!(small, full, "option {option} depends on the buffer size");
                }
            }
        }
    }
    assert_eq!(zmq_close(s), 0);
}

fn checked_set(s: *mut c_void, option: c_int, value: &[u8]) {
    let before = snapshot(s);
    let ok = set(s, option, value);
    if !ok {
        let e = errno();
        assert_eq!(
            snapshot(s),
            before,
            "failed set of {option} changed options"
        );
        // ZMQ_ROUTER_RAW=1 is ENOTSUP here (README: use ZMQ_STREAM).
        let router_raw = option == c::ZMQ_ROUTER_RAW && e == ENOTSUP;
        assert!(
            e == EINVAL || e == EFAULT || router_raw,
            "set of {option} failed with errno {e}"
        );
    }
    let Some(&(_, min, max)) = INT_RULES.iter().find(|r| r.0 == option) else {
        return;
    };
    let Ok(bytes) = <[u8; 4]>::try_from(value) else {
        assert!(!ok, "int option {option} took {} bytes", value.len());
        return;
    };
    let v = c_int::from_ne_bytes(bytes);
    assert_eq!(ok, (min..=max).contains(&v), "option {option} = {v}");
    if ok {
        assert_eq!(get(s, option, 4), Some(bytes.to_vec()), "option {option}");
        assert_eq!(get(s, option, 3), None, "int read into 3 bytes");
    }
}

const EINVAL: c_int = 22;
const EFAULT: c_int = 14;
const ENOTSUP: c_int = 95;
