//! The operating system below everything: every libc call the library makes outside
//! the C skin, each behind a safe function that states what makes the call sound, with
//! the error turned into an [`Errno`] in one place ([`syscall!`], as mio's); and the
//! system libraries libzmq drives for protocols it does not implement itself, OpenPGM
//! (`pgm`), NRL's NORM (`norm`) and the system GSSAPI (`gssapi`), each loaded by its soname the first time it is
//! needed, so this library loads and runs everything else on a machine without them,
//! and `zmq_has` answers from what loaded.
//!
//! Every `unsafe` of a foreign library lives in its module here, behind a safe API: the
//! declarations mirror the library's public headers (layouts checked against them by
//! `tests/multicast.rs`), and each call states what makes it sound. A library is never
//! unloaded: the functions stay valid for the process.
//!
//! Above this module no code is `unsafe` except the C skin (`ffi`), the message value
//! (`msg`), its memory (`pool`), the pipes' queue (`spsc`) and the handle slots
//! (`handle`); `src/lib.rs` makes the compiler hold everyone else to it.

pub mod fd;
pub mod gssapi;
pub mod net;
pub mod norm;
pub mod pgm;
pub mod thread;

use std::ffi::{c_void, CStr, CString};

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

/// A shared library opened with `dlopen`, kept for the life of the process.
pub(crate) struct Library {
    handle: *mut c_void,
}

// SAFETY: a dlopen handle is a process-wide token; dlsym may be called from any thread.
unsafe impl Send for Library {}
// SAFETY: as above, the handle is only read.
unsafe impl Sync for Library {}

impl Library {
    /// Opens the first of `sonames` that loads (`RTLD_NOW`: every symbol it needs
    /// resolved now, so a broken install fails here and not in the middle of a call).
    pub(crate) fn open(sonames: &[&str]) -> Option<Library> {
        sonames.iter().find_map(|name| {
            let name = CString::new(*name).ok()?;
            // SAFETY: a NUL-terminated name; dlopen runs the library's initialisers,
            // which for the libraries named in this module have no preconditions.
            let handle = unsafe { libc::dlopen(name.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
            (!handle.is_null()).then_some(Library { handle })
        })
    }

    /// The address of `name` (a NUL-terminated symbol name), or `None`.
    pub(crate) fn symbol(&self, name: &CStr) -> Option<*mut c_void> {
        // SAFETY: a live handle from dlopen and a NUL-terminated name.
        let p = unsafe { libc::dlsym(self.handle, name.as_ptr()) };
        (!p.is_null()).then_some(p)
    }
}

/// Resolves each named function of a library into a struct of typed function pointers:
/// `functions!(Api { pgm_init: unsafe extern "C" fn(...) -> bool, ... })` declares the
/// struct and `Api::load(&Library) -> Option<Api>` (all or nothing).
macro_rules! functions {
    ($api:ident { $($name:ident: $ty:ty,)* }) => {
        #[allow(non_snake_case)]
        struct $api {
            $($name: $ty,)*
        }

        impl $api {
            fn load(lib: &$crate::sys::Library) -> Option<$api> {
                Some($api {
                    $($name: {
                        let name = concat!(stringify!($name), "\0");
                        let c = std::ffi::CStr::from_bytes_with_nul(name.as_bytes()).ok()?;
                        let p = lib.symbol(c)?;
                        // SAFETY: the symbol is the library's function of this name,
                        // whose C prototype the declared type mirrors (see the header
                        // named in the module's documentation); a data pointer and a
                        // function pointer have the same size and representation here.
                        unsafe { std::mem::transmute::<*mut std::ffi::c_void, $ty>(p) }
                    },)*
                })
            }
        }
    };
}
pub(crate) use functions;
