//! `ZMQRS_DEBUG`: an opt-in account, on stderr, of what libzmq leaves silent: why a
//! connection failed or was refused (ZAP, mechanism mismatch, bad greeting, oversize
//! frame, heartbeat or handshake timeout, ...) and where messages were dropped (a
//! peer at its high-water mark on PUB/XPUB/RADIO/ROUTER, ...), plus which library was
//! loaded, from where.
//!
//! One line per event, written with one `write` so that lines from several threads and
//! processes sharing stderr do not interleave:
//!
//! ```text
//! libzmq-rs[4711]: libzmq-rs 0.1.0 (libzmq 4.3.5 ABI, draft API) loaded from /usr/lib/libzmq-rs.so.5
//! libzmq-rs[4711]: CLIENT tcp://127.0.0.1:5555: handshake failed: refused by the peer's ZAP handler (ERROR "400"); not reconnecting (libzmq gives up after a protocol error)
//! ```
//!
//! Off unless the variable is set to something other than empty or `0`, decided once
//! (at load, or at the first event in a program that links the crate statically). Off,
//! an event costs one relaxed atomic load: the macros evaluate and format nothing.

use std::fmt::{self, Write as _};
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use crate::pipe::PipeEnd;
use crate::zmtp::{self, Engine};

/// The environment variable that turns the diagnostics on.
pub const VAR: &str = "ZMQRS_DEBUG";

const UNDECIDED: u8 = 0;
const OFF: u8 = 1;
const ON: u8 = 2;

static STATE: AtomicU8 = AtomicU8::new(UNDECIDED);

/// Whether diagnostics are on. The macros call this first.
#[inline(always)]
pub fn enabled() -> bool {
    match STATE.load(Ordering::Relaxed) {
        OFF => false,
        ON => true,
        _ => start(None),
    }
}

/// Decides, once, from the environment; on, the first line names the library and
/// `location` (the file it was loaded from, when known). Returns whether it is on.
#[cold]
pub fn start(location: Option<&str>) -> bool {
    let on = std::env::var_os(VAR).is_some_and(|v| !v.is_empty() && v != "0");
    let state = if on { ON } else { OFF };
    // Threads racing here agree on the answer; the one that decides prints the banner.
    match STATE.compare_exchange(UNDECIDED, state, Ordering::Relaxed, Ordering::Relaxed) {
        Ok(_) => {
            if on {
                line(format_args!("{}", Identity { location }));
            }
            on
        }
        Err(decided) => decided == ON,
    }
}

/// The library's identity: what `zmq_version` cannot tell (ours or libzmq, which build).
struct Identity<'a> {
    location: Option<&'a str>,
}

impl fmt::Display for Identity<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let api = if cfg!(feature = "draft") {
            "draft API"
        } else {
            "stable API only"
        };
        write!(
            f,
            "libzmq-rs {} (libzmq 4.3.5 ABI, {api}) loaded",
            env!("CARGO_PKG_VERSION")
        )?;
        if let Some(path) = self.location {
            write!(f, " from {path}")?;
        }
        write!(f, "; {VAR} is on")
    }
}

/// Writes one line to stderr. Use the macros, which check [`enabled`] first.
#[cold]
pub fn line(args: fmt::Arguments<'_>) {
    let mut text = format!("libzmq-rs[{}]: ", std::process::id());
    let _ = text.write_fmt(args);
    text.push('\n');
    // Nowhere to report a failure to report.
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// An event worth a line each time it happens.
macro_rules! event {
    ($($arg:tt)*) => {
        if $crate::diag::enabled() {
            $crate::diag::line(format_args!($($arg)*));
        }
    };
}
pub(crate) use event;

/// An event that can repeat for every message or every reconnect attempt: at most one
/// line a second from each place it is raised, saying how many were held back.
macro_rules! frequent {
    ($($arg:tt)*) => {
        if $crate::diag::enabled() {
            static GATE: $crate::diag::Gate = $crate::diag::Gate::new();
            if let Some(held) = GATE.pass() {
                $crate::diag::line(format_args!(
                    "{}{}",
                    format_args!($($arg)*),
                    $crate::diag::Held(held)
                ));
            }
        }
    };
}
pub(crate) use frequent;

/// One line a second for one call site of [`frequent!`].
pub struct Gate {
    /// The second (since the first gate opened, plus one) of the last line; 0: none yet.
    second: AtomicU64,
    held: AtomicU64,
}

impl Gate {
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Gate {
        Gate {
            second: AtomicU64::new(0),
            held: AtomicU64::new(0),
        }
    }

    /// `Some(lines held back since the last one)` when a line may go out now.
    pub fn pass(&self) -> Option<u64> {
        static EPOCH: OnceLock<Instant> = OnceLock::new();
        let now = EPOCH.get_or_init(Instant::now).elapsed().as_secs() + 1;
        let last = self.second.load(Ordering::Relaxed);
        if last != now
            && self
                .second
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            return Some(self.held.swap(0, Ordering::Relaxed));
        }
        self.held.fetch_add(1, Ordering::Relaxed);
        None
    }
}

/// " (N more like it in the last second)", or nothing.
pub struct Held(pub u64);

impl fmt::Display for Held {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => Ok(()),
            n => write!(f, " ({n} more like it not shown)"),
        }
    }
}

/// The peer a socket's pipe leads to: the connection's remote end, or the endpoint
/// the pipe belongs to (inproc).
pub fn peer(pipe: Option<&PipeEnd>) -> String {
    let Some(p) = pipe else {
        return "a peer that is gone".to_owned();
    };
    let (local, remote) = p.endpoints();
    if !remote.is_empty() && !local.is_empty() {
        format!("{remote} (on {local})")
    } else if !remote.is_empty() {
        remote
    } else if let Some(ep) = &p.endpoint {
        ep.clone()
    } else {
        "an inproc peer".to_owned()
    }
}

/// Bytes a user chose (a routing id, a topic): quoted when printable, else hex.
pub fn bytes(b: &[u8]) -> String {
    if !b.is_empty() && b.iter().all(|c| c.is_ascii_graphic() || *c == b' ') {
        format!("{:?}", String::from_utf8_lossy(b))
    } else {
        let mut s = String::from("0x");
        for c in b {
            let _ = write!(s, "{c:02x}");
        }
        s
    }
}

/// A socket type's name, for lines about a socket.
pub fn socket_type(t: i32) -> &'static str {
    zmtp::socket_type::name(t).unwrap_or("socket")
}

/// Why a connection's engine stopped, in a user's words: the failure and the option
/// or rule behind it.
pub fn engine_failure(conn: &Engine, cfg: &zmtp::Config) -> String {
    let ready = conn.is_ready();
    let stage = if ready {
        "connection dropped"
    } else {
        "handshake failed"
    };
    let Some(e) = conn.error() else {
        return format!("{stage}: the peer closed the connection (or reading it failed)");
    };
    let ms = |d: Option<std::time::Duration>| d.map_or(0, |d| d.as_millis());
    match e {
        zmtp::Error::PeerError(_) if e.auth_failure_status().is_some() => format!(
            "{stage}: the peer refused us: its ZAP handler answered {}",
            e.auth_failure_status().unwrap_or_default()
        ),
        zmtp::Error::AuthFailed(_) => format!("{stage}: {e}"),
        zmtp::Error::MechanismMismatch => format!(
            "{stage}: {e} (ours is {}: both ends need the same ZMQ_CURVE_*/ZMQ_PLAIN_* setup)",
            cfg.mechanism.name()
        ),
        zmtp::Error::BadSignature | zmtp::Error::UnsupportedVersion(_) => {
            format!("{stage}: bad greeting: {e}")
        }
        zmtp::Error::MessageTooLarge if ready && cfg.maxmsgsize >= 0 => {
            format!(
                "{stage}: {e} (ZMQ_MAXMSGSIZE {} bytes)",
                cfg.maxmsgsize
            )
        }
        zmtp::Error::MessageTooLarge => {
            format!("{stage}: {e} (handshake frames are limited to 64 KiB)")
        }
        zmtp::Error::HandshakeTimeout => format!(
            "{stage}: {e} (ZMQ_HANDSHAKE_IVL {} ms)",
            ms(cfg.handshake_ivl)
        ),
        zmtp::Error::HeartbeatTimeout => format!(
            "{stage}: {e} (nothing from the peer within ZMQ_HEARTBEAT_TIMEOUT or its TTL; ZMQ_HEARTBEAT_IVL {} ms)",
            ms(cfg.heartbeat_ivl)
        ),
        _ => format!("{stage}: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gate_lets_one_line_a_second_through_and_counts_the_rest() {
        let g = Gate::new();
        assert_eq!(g.pass(), Some(0));
        // Within the same second (the test takes far less than one).
        let held = (0..5).filter(|_| g.pass().is_none()).count();
        assert!(held >= 4, "{held}");
        assert_eq!(Held(0).to_string(), "");
        assert_eq!(Held(3).to_string(), " (3 more like it not shown)");
    }

    #[test]
    fn routing_ids_print_as_text_or_hex() {
        assert_eq!(bytes(b"peer-1"), "\"peer-1\"");
        assert_eq!(bytes(&[0, 0x80, 0, 0x41, 0xa7]), "0x00800041a7");
        assert_eq!(bytes(b""), "0x");
    }

    #[test]
    fn the_identity_names_version_abi_and_place() {
        let s = Identity {
            location: Some("/x/libzmq-rs.so.5"),
        }
        .to_string();
        assert!(
            s.starts_with(&format!(
                "libzmq-rs {} (libzmq 4.3.5 ABI",
                env!("CARGO_PKG_VERSION")
            )),
            "{s}"
        );
        assert!(
            s.contains(" loaded from /x/libzmq-rs.so.5; ZMQRS_DEBUG is on"),
            "{s}"
        );
    }

    #[test]
    fn failures_name_their_cause() {
        let cfg = zmtp::Config {
            maxmsgsize: 100,
            ..Default::default()
        };
        let e = Engine::new(cfg.clone(), Instant::now());
        assert_eq!(
            engine_failure(&e, &cfg),
            "handshake failed: the peer closed the connection (or reading it failed)"
        );
    }
}
