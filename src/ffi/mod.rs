//! The C ABI: every function libzmq 4.3.5 exports, as a thin skin over safe Rust.
//!
//! Each function checks its pointers, calls into the engine, and turns an `Errno` into
//! the C convention. This module and its children are where `unsafe` lives; every block
//! says why it is sound. Nothing may unwind across this boundary: an
//! `extern "C"` function that panics aborts the host process, so code reachable from here
//! returns errors instead of panicking.

// The safety contract of every `unsafe extern "C"` function here is its libzmq man page
// (pointer validity, NUL-terminated strings); repeating it per function adds nothing.
#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, c_int, CStr};

use crate::error::Errno;

pub mod ctx;
mod load;
pub mod monitor;
pub mod msg;
mod pending;
pub mod poll;
#[cfg(feature = "draft")]
pub mod poller;
pub mod proxy;
pub mod socket;
pub mod types;
pub mod util;

/// Sets the calling thread's `errno`.
pub(crate) fn set_errno(e: Errno) {
    // SAFETY: __errno_location returns the calling thread's errno slot, always valid.
    unsafe { *libc::__errno_location() = e.0 }
}

/// Sets `errno` and returns the C failure value `ret`.
pub(crate) fn fail<T>(e: Errno, ret: T) -> T {
    set_errno(e);
    ret
}

/// -1 on error with `errno` set, the value otherwise.
pub(crate) fn status(r: crate::error::Result<c_int>) -> c_int {
    match r {
        Ok(v) => v,
        Err(e) => fail(e, -1),
    }
}

/// Borrows a caller's buffer; `None` when NULL with a non-zero length.
///
/// # Safety
/// `p` is NULL or valid for `len` bytes for the borrow's duration.
pub(crate) unsafe fn bytes<'a>(p: *const std::ffi::c_void, len: usize) -> Option<&'a [u8]> {
    if len == 0 {
        Some(&[])
    } else if p.is_null() {
        None
    } else {
        // SAFETY: non-NULL and covering `len` bytes (caller contract).
        Some(unsafe { std::slice::from_raw_parts(p as *const u8, len) })
    }
}

/// Mutable counterpart of [`bytes`].
///
/// # Safety
/// `p` is NULL or valid for writing `len` bytes for the borrow's duration.
pub(crate) unsafe fn bytes_mut<'a>(p: *mut std::ffi::c_void, len: usize) -> Option<&'a mut [u8]> {
    if len == 0 {
        Some(&mut [])
    } else if p.is_null() {
        None
    } else {
        // SAFETY: non-NULL and covering `len` writable bytes (caller contract).
        Some(unsafe { std::slice::from_raw_parts_mut(p as *mut u8, len) })
    }
}

/// Borrows a C string argument; `None` for NULL.
///
/// # Safety
/// `p` is NULL or points at a NUL-terminated string that outlives the borrow.
pub(crate) unsafe fn cstr<'a>(p: *const c_char) -> Option<&'a CStr> {
    if p.is_null() {
        None
    } else {
        // SAFETY: non-NULL, NUL-terminated by the caller's contract.
        Some(unsafe { CStr::from_ptr(p) })
    }
}

#[no_mangle]
pub extern "C" fn zmq_errno() -> c_int {
    // SAFETY: see set_errno.
    unsafe { *libc::__errno_location() }
}

#[no_mangle]
pub extern "C" fn zmq_strerror(errnum: c_int) -> *const c_char {
    match Errno(errnum).zmq_text() {
        Some(text) => text.as_ptr(),
        // SAFETY: strerror returns a pointer to a static or thread-local string.
        None => unsafe { libc::strerror(errnum) },
    }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_version(major: *mut c_int, minor: *mut c_int, patch: *mut c_int) {
    for (p, v) in [(major, 4), (minor, 3), (patch, 5)] {
        if !p.is_null() {
            // SAFETY: non-NULL out-parameter supplied by the caller.
            unsafe { *p = v }
        }
    }
}

/// Capabilities that are implemented now; `zmq_has` must never claim more. libzmq 4.3.5
/// spells the WebSocket ones in capitals ("ws" is 0 there, "WS" is 1); they are draft
/// transports, absent from a build without drafts as from libzmq's. docs/differences.md
/// lists the answers (tests/differences.rs keeps the list true).
const CAPABILITIES: &[&[u8]] = &[
    b"ipc",
    b"curve",
    // As libzmq on Linux: whether the kernel has TIPC shows at bind (EAFNOSUPPORT).
    b"tipc",
    #[cfg(feature = "draft")]
    b"WS",
    #[cfg(feature = "draft")]
    b"WSS",
];
/// Whether `zmq_has("draft")` says 1. The draft functions are exported either way, but a
/// release libzmq says 0, and bindings built against one (Debian's pyzmq, czmq) believe
/// it: they would offer draft calls their build cannot make. So 0 by default, 1 with the
/// `draft-capability` feature, as a libzmq built with drafts; `ZMQRS_HAS_DRAFT=1` (or 0)
/// in the environment decides at run time (the conformance and differential tests run
/// libzmq's draft-enabled expectations that way). Never 1 without the draft API.
fn reports_draft() -> bool {
    static REPORTS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *REPORTS.get_or_init(|| match std::env::var_os("ZMQRS_HAS_DRAFT") {
        _ if !cfg!(feature = "draft") => false,
        Some(v) if v == "1" => true,
        Some(v) if v == "0" => false,
        _ => cfg!(feature = "draft-capability"),
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_has(capability: *const c_char) -> c_int {
    // SAFETY: forwarded caller contract.
    match unsafe { cstr(capability) }.map(CStr::to_bytes) {
        Some(b"draft") => reports_draft() as c_int,
        // Those that need a system library: whether it loads here.
        Some(b"pgm") => crate::sys::pgm::available() as c_int,
        Some(b"norm") => crate::sys::norm::available() as c_int,
        Some(b"gssapi") => crate::sys::gssapi::available() as c_int,
        Some(c) => CAPABILITIES.contains(&c) as c_int,
        None => 0,
    }
}
