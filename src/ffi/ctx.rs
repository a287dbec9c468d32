//! `zmq_ctx_*` and the deprecated `zmq_init`/`zmq_term`.

use std::ffi::{c_int, c_void};
use std::sync::Arc;

use super::{fail, status};
use crate::constants::ZMQ_IO_THREADS;
use crate::ctx::Ctx;
use crate::error::Errno;
use crate::handle::{Registry, Slot};

pub(crate) static CONTEXTS: Registry<Arc<Ctx>> = Registry::new(0xabad_cafe);

/// The context behind a handle (a clone, so no lock is held while it is used).
pub(crate) fn context(ctx: *mut c_void) -> Option<(&'static Slot<Arc<Ctx>>, Arc<Ctx>)> {
    // SAFETY: C callers pass NULL or a handle; our handles are never freed.
    let slot = unsafe { CONTEXTS.get(ctx) }?;
    let arc = slot.lock().clone()?;
    Some((slot, arc))
}

#[no_mangle]
pub extern "C" fn zmq_ctx_new() -> *mut c_void {
    CONTEXTS.insert(Ctx::new()).as_ptr()
}

#[no_mangle]
pub extern "C" fn zmq_ctx_term(ctx: *mut c_void) -> c_int {
    let Some((slot, c)) = context(ctx) else {
        return fail(Errno::EFAULT, -1);
    };
    c.terminate();
    CONTEXTS.remove(slot);
    0
}

#[no_mangle]
pub extern "C" fn zmq_ctx_shutdown(ctx: *mut c_void) -> c_int {
    let Some((_, c)) = context(ctx) else {
        return fail(Errno::EFAULT, -1);
    };
    c.shutdown();
    0
}

#[no_mangle]
pub extern "C" fn zmq_ctx_set(ctx: *mut c_void, option: c_int, optval: c_int) -> c_int {
    let Some((_, c)) = context(ctx) else {
        return fail(Errno::EFAULT, -1);
    };
    status(c.set(option, &optval.to_ne_bytes()).map(|()| 0))
}

#[no_mangle]
pub extern "C" fn zmq_ctx_get(ctx: *mut c_void, option: c_int) -> c_int {
    let Some((_, c)) = context(ctx) else {
        return fail(Errno::EFAULT, -1);
    };
    let mut out = [0u8; 4];
    status(c.get(option, &mut out).map(|_| c_int::from_ne_bytes(out)))
}

#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_set_ext(
    ctx: *mut c_void,
    option: c_int,
    optval: *const c_void,
    optvallen: usize,
) -> c_int {
    let Some((_, c)) = context(ctx) else {
        return fail(Errno::EFAULT, -1);
    };
    // SAFETY: optval covers optvallen bytes (C contract); NULL only with length 0.
    let Some(value) = (unsafe { super::bytes(optval, optvallen) }) else {
        return fail(Errno::EFAULT, -1);
    };
    status(c.set(option, value).map(|()| 0))
}

#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_get_ext(
    ctx: *mut c_void,
    option: c_int,
    optval: *mut c_void,
    optvallen: *mut usize,
) -> c_int {
    let Some((_, c)) = context(ctx) else {
        return fail(Errno::EFAULT, -1);
    };
    if optvallen.is_null() {
        return fail(Errno::EFAULT, -1);
    }
    // SAFETY: optvallen is non-NULL; optval covers *optvallen bytes (C contract).
    let Some(out) = (unsafe { super::bytes_mut(optval, *optvallen) }) else {
        return fail(Errno::EFAULT, -1);
    };
    match c.get(option, out) {
        Ok(n) => {
            // SAFETY: checked non-NULL above.
            unsafe { *optvallen = n };
            0
        }
        Err(e) => fail(e, -1),
    }
}

#[no_mangle]
pub extern "C" fn zmq_init(io_threads: c_int) -> *mut c_void {
    if io_threads < 0 {
        return fail(Errno::EINVAL, std::ptr::null_mut());
    }
    let ctx = Ctx::new();
    if ctx.set(ZMQ_IO_THREADS, &io_threads.to_ne_bytes()).is_err() {
        return fail(Errno::EINVAL, std::ptr::null_mut());
    }
    CONTEXTS.insert(ctx).as_ptr()
}

#[no_mangle]
pub extern "C" fn zmq_term(ctx: *mut c_void) -> c_int {
    zmq_ctx_term(ctx)
}

#[no_mangle]
pub extern "C" fn zmq_ctx_destroy(ctx: *mut c_void) -> c_int {
    zmq_ctx_term(ctx)
}
