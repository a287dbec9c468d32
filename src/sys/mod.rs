//! The operating system: every libc call the library makes outside the C skin, each
//! behind a safe function that states what makes the call sound, with the error turned
//! into an [`Errno`] in one place ([`syscall!`], as mio's).
//!
//! Above this module no code is `unsafe` except the C skin (`ffi`), the message value
//! (`msg`), its memory (`pool`), the pipes' queue (`spsc`) and the handle slots
//! (`handle`); `src/lib.rs` makes the compiler hold everyone else to it.

pub mod fd;
pub mod net;
pub mod thread;

use crate::error::Errno;

/// The calling thread's `errno` as an [`Errno`] (EIO if the platform gives none).
pub fn last_errno() -> Errno {
    Errno(
        std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO),
    )
}

/// Calls `libc::$fn(args)` and maps a result of -1 to `Err(last_errno())`. The caller
/// states, in a `// SAFETY:` comment on the macro call, why the arguments are valid.
macro_rules! syscall {
    ($fn:ident ( $($arg:expr),* $(,)? )) => {{
        // SAFETY: the arguments are valid for this call, as the caller of the macro states.
        let res = unsafe { libc::$fn($($arg),*) };
        if res == -1 {
            Err($crate::sys::last_errno())
        } else {
            Ok(res)
        }
    }};
}
pub(crate) use syscall;
