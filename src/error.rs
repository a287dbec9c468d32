//! The one error type of the engine: an errno value, as libzmq reports it.
//!
//! Internal code returns `Result<T, Errno>`; only `ffi/` turns an `Errno` into the C
//! convention (set `errno`, return -1 or NULL).

use std::ffi::CStr;
use std::fmt;
use std::os::raw::c_int;

/// libzmq's base for the error numbers it defines itself.
pub const HAUSNUMERO: c_int = 156_384_712;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub c_int);

impl Errno {
    pub const EAGAIN: Errno = Errno(libc::EAGAIN);
    pub const EINVAL: Errno = Errno(libc::EINVAL);
    pub const EFAULT: Errno = Errno(libc::EFAULT);
    pub const ENOMEM: Errno = Errno(libc::ENOMEM);
    pub const EMFILE: Errno = Errno(libc::EMFILE);
    pub const ENOTSUP: Errno = Errno(libc::ENOTSUP);
    pub const ENOTSOCK: Errno = Errno(libc::ENOTSOCK);
    pub const EPROTONOSUPPORT: Errno = Errno(libc::EPROTONOSUPPORT);
    pub const EHOSTUNREACH: Errno = Errno(libc::EHOSTUNREACH);
    pub const EADDRINUSE: Errno = Errno(libc::EADDRINUSE);
    pub const ENOENT: Errno = Errno(libc::ENOENT);
    pub const EFSM: Errno = Errno(HAUSNUMERO + 51);
    pub const ENOCOMPATPROTO: Errno = Errno(HAUSNUMERO + 52);
    pub const ETERM: Errno = Errno(HAUSNUMERO + 53);
    pub const EMTHREAD: Errno = Errno(HAUSNUMERO + 54);

    /// libzmq's own text for the codes it defines (and the one system code it words
    /// differently), or `None` where `strerror` applies.
    pub fn zmq_text(self) -> Option<&'static CStr> {
        Some(match self {
            Errno::EFSM => c"Operation cannot be accomplished in current state",
            Errno::ENOCOMPATPROTO => c"The protocol is not compatible with the socket type",
            Errno::ETERM => c"Context was terminated",
            Errno::EMTHREAD => c"No thread available",
            Errno::EHOSTUNREACH => c"Host unreachable",
            _ => return None,
        })
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.zmq_text() {
            Some(t) => write!(f, "Errno({}: {})", self.0, t.to_string_lossy()),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.zmq_text() {
            Some(t) => f.write_str(&t.to_string_lossy()),
            None => write!(f, "{}", std::io::Error::from_raw_os_error(self.0)),
        }
    }
}

impl std::error::Error for Errno {}

impl From<std::io::Error> for Errno {
    fn from(e: std::io::Error) -> Self {
        Errno(e.raw_os_error().unwrap_or(libc::EIO))
    }
}

pub type Result<T> = std::result::Result<T, Errno>;

/// The panic policy (docs/ARCHITECTURE.md, "Bugs"): a panic is a bug in this library,
/// never a peer's doing. Where no caller can be handed an error for it (an I/O
/// thread), the process aborts with a message, as libzmq's `zmq_assert` does, rather
/// than leave a dead thread that sockets wait on forever. The panic's own message has
/// been printed by then.
pub fn abort_on_bug(place: &str) -> ! {
    eprintln!("libzmq-rs: internal error in {place}; aborting");
    std::process::abort()
}
