//! What happens when the library is loaded: `ZMQRS_DEBUG` (crate::diag) is decided
//! and, when on, its first line names the file this library was loaded from — the
//! question "is my program running on libzmq-rs, and which copy?" that `zmq_version`
//! cannot answer for a drop-in replacement.

use std::ffi::{c_void, CStr};

// A constructor, run by the dynamic loader (or the C runtime, in a static link) before
// the program's `main`. Only reads the environment and, when asked, writes one line.
#[used]
#[link_section = ".init_array"]
static AT_LOAD: extern "C" fn() = at_load;

extern "C" fn at_load() {
    crate::diag::start(library_path().as_deref());
}

/// The file holding this code, as the loader opened it.
fn library_path() -> Option<String> {
    // SAFETY: an all-zero Dl_info (null pointers) is a valid value for dladdr to fill.
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    let here = at_load as extern "C" fn() as *const c_void;
    // SAFETY: dladdr only looks the address up in the loader's tables and writes `info`.
    if unsafe { libc::dladdr(here, &mut info) } == 0 || info.dli_fname.is_null() {
        return None;
    }
    // SAFETY: dli_fname is the loader's NUL-terminated copy of the object's path, valid
    // while the object stays loaded (it is: this code is running from it).
    let path = unsafe { CStr::from_ptr(info.dli_fname) };
    Some(path.to_string_lossy().into_owned())
}
