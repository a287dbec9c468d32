//! `zmq_msg_*`: the C view of [`Msg`].
//!
//! A live `zmq_msg_t` holds a `Msg` whose first byte is a body tag; a closed or
//! never-initialised one fails the tag check with `EFAULT`, as in libzmq.
//!
//! Every function's contract is libzmq's: `zmq_msg_t` pointers are NULL or point at 64
//! writable bytes, strings are NUL-terminated, and data pointers cover their sizes.

use std::ffi::{c_char, c_int, c_void};

#[cfg(feature = "draft")]
use super::status;
use super::types::zmq_msg_t;
use super::{cstr, fail};
use crate::constants::{ZMQ_MORE, ZMQ_SHARED, ZMQ_SRCFD};
use crate::error::Errno;
use crate::msg::{tag, Msg};

fn is_live(m: *const zmq_msg_t) -> bool {
    // SAFETY: a non-NULL zmq_msg_t pointer points at 64 readable bytes (C contract).
    !m.is_null() && tag::is_live(unsafe { *(m as *const u8) })
}

/// Borrows the message in `m`, or `None` when it is NULL or not a live message.
///
/// # Safety
/// `m` is NULL or points at a `zmq_msg_t` that, if its tag byte says live, holds a `Msg`.
pub(crate) unsafe fn msg_ref<'a>(m: *const zmq_msg_t) -> Option<&'a Msg> {
    // SAFETY: live tag => initialised Msg (caller contract); zmq_msg_t is aligned for Msg.
    is_live(m).then(|| unsafe { &*(m as *const Msg) })
}

/// Mutable counterpart of [`msg_ref`].
///
/// # Safety
/// As for [`msg_ref`].
pub(crate) unsafe fn msg_mut<'a>(m: *mut zmq_msg_t) -> Option<&'a mut Msg> {
    // SAFETY: as in msg_ref; the caller holds the only reference for the call.
    is_live(m).then(|| unsafe { &mut *(m as *mut Msg) })
}

/// Stores `msg` into `m` without reading what was there before.
///
/// # Safety
/// `m` is non-NULL and points at a writable `zmq_msg_t`.
pub(crate) unsafe fn msg_write(m: *mut zmq_msg_t, msg: Msg) {
    // SAFETY: 64 writable, 8-aligned bytes; sizes checked at compile time in types.rs.
    unsafe { std::ptr::write(m as *mut Msg, msg) }
}

/// Moves the message out of `m`, leaving it closed.
///
/// # Safety
/// `m` holds a live message (checked by the caller with msg_ref/msg_mut).
pub(crate) unsafe fn msg_take(m: *mut zmq_msg_t) -> Msg {
    // SAFETY: live Msg, read once; the tag is then cleared so it is never read again.
    unsafe {
        let msg = std::ptr::read(m as *const Msg);
        *(m as *mut u8) = tag::CLOSED;
        msg
    }
}

/// Drops the message in `m` where it lies (no copy out first), leaving it closed.
///
/// # Safety
/// `m` holds a live message (checked by the caller with msg_ref/msg_mut).
pub(crate) unsafe fn msg_drop(m: *mut zmq_msg_t) {
    // SAFETY: a live Msg, dropped once; the tag is then cleared so it is never read or
    // dropped again.
    unsafe {
        std::ptr::drop_in_place(m as *mut Msg);
        *(m as *mut u8) = tag::CLOSED;
    }
}

macro_rules! live_or {
    ($m:expr, $ret:expr) => {
        // SAFETY: the C caller passes NULL or a zmq_msg_t pointer.
        match unsafe { msg_ref($m) } {
            Some(msg) => msg,
            None => return fail(Errno::EFAULT, $ret),
        }
    };
    (mut $m:expr, $ret:expr) => {
        // SAFETY: the C caller passes NULL or a zmq_msg_t pointer.
        match unsafe { msg_mut($m) } {
            Some(msg) => msg,
            None => return fail(Errno::EFAULT, $ret),
        }
    };
}

fn init(m: *mut zmq_msg_t, make: impl FnOnce() -> Result<Msg, Errno>) -> c_int {
    if m.is_null() {
        return fail(Errno::EFAULT, -1);
    }
    match make() {
        // SAFETY: non-NULL zmq_msg_t supplied for initialisation.
        Ok(msg) => unsafe { msg_write(m, msg) },
        Err(e) => return fail(e, -1),
    }
    0
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init(msg: *mut zmq_msg_t) -> c_int {
    init(msg, || Ok(Msg::new()))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init_size(msg: *mut zmq_msg_t, size: usize) -> c_int {
    init(msg, || Msg::with_size_uninit(size))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init_data(
    msg: *mut zmq_msg_t,
    data: *mut c_void,
    size: usize,
    ffn: Option<unsafe extern "C" fn(*mut c_void, *mut c_void)>,
    hint: *mut c_void,
) -> c_int {
    if data.is_null() && size != 0 {
        return fail(Errno::EFAULT, -1);
    }
    // SAFETY: the caller's buffer contract, forwarded.
    init(msg, || {
        Ok(unsafe { Msg::from_user(data as *mut u8, size, ffn, hint) })
    })
}

#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init_buffer(
    msg: *mut zmq_msg_t,
    buf: *const c_void,
    size: usize,
) -> c_int {
    if buf.is_null() && size != 0 {
        return fail(Errno::EFAULT, -1);
    }
    let bytes = if size == 0 {
        &[][..]
    } else {
        // SAFETY: non-NULL, `size` readable bytes (caller contract).
        unsafe { std::slice::from_raw_parts(buf as *const u8, size) }
    };
    init(msg, || Ok(Msg::from_slice(bytes)))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_close(msg: *mut zmq_msg_t) -> c_int {
    live_or!(msg, -1);
    // SAFETY: checked live just above.
    unsafe { msg_drop(msg) };
    0
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_move(dest: *mut zmq_msg_t, src: *mut zmq_msg_t) -> c_int {
    live_or!(src, -1);
    if dest == src {
        return 0;
    }
    live_or!(dest, -1);
    // SAFETY: both live and distinct; dest's old message is released, src re-initialised.
    unsafe {
        msg_drop(dest);
        let moved = msg_take(src);
        msg_write(dest, moved);
        msg_write(src, Msg::new());
    }
    0
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_copy(dest: *mut zmq_msg_t, src: *mut zmq_msg_t) -> c_int {
    let copy = live_or!(mut src, -1).share();
    if dest == src {
        return 0;
    }
    live_or!(dest, -1);
    // SAFETY: dest is live and distinct from src.
    unsafe {
        msg_drop(dest);
        msg_write(dest, copy);
    }
    0
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_data(msg: *mut zmq_msg_t) -> *mut c_void {
    live_or!(mut msg, std::ptr::null_mut()).data_ptr() as *mut c_void
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_size(msg: *const zmq_msg_t) -> usize {
    live_or!(msg, 0).size()
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_more(msg: *const zmq_msg_t) -> c_int {
    live_or!(msg, 0).more() as c_int
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_get(msg: *const zmq_msg_t, property: c_int) -> c_int {
    let m = live_or!(msg, -1);
    match property {
        ZMQ_MORE => m.more() as c_int,
        ZMQ_SHARED => m.is_shared() as c_int,
        // The descriptor a message arrived on, recorded by the engine as a property;
        // without it EINVAL, as libzmq's zmq_msg_gets("__fd") says.
        ZMQ_SRCFD => match m.property("__fd") {
            Some(v) => v.to_str().ok().and_then(|v| v.parse().ok()).unwrap_or(-1),
            None => fail(Errno::EINVAL, -1),
        },
        _ => fail(Errno::EINVAL, -1),
    }
}

/// No property is settable: EINVAL whatever the message, as in libzmq.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_set(
    msg: *mut zmq_msg_t,
    _property: c_int,
    _optval: c_int,
) -> c_int {
    let _ = msg;
    fail(Errno::EINVAL, -1)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_gets(
    msg: *const zmq_msg_t,
    property: *const c_char,
) -> *const c_char {
    let m = live_or!(msg, std::ptr::null());
    // SAFETY: forwarded caller contract.
    let Some(name) = (unsafe { cstr(property) }) else {
        return fail(Errno::EINVAL, std::ptr::null());
    };
    match name.to_str().ok().and_then(|n| m.property(n)) {
        Some(v) => v.as_ptr(),
        None => fail(Errno::EINVAL, std::ptr::null()),
    }
}

#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_set_routing_id(msg: *mut zmq_msg_t, routing_id: u32) -> c_int {
    status(live_or!(mut msg, -1).set_routing_id(routing_id).map(|()| 0))
}

#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_routing_id(msg: *mut zmq_msg_t) -> u32 {
    live_or!(msg, 0).routing_id()
}

#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_set_group(msg: *mut zmq_msg_t, group: *const c_char) -> c_int {
    let m = live_or!(mut msg, -1);
    // SAFETY: forwarded caller contract.
    let Some(group) = (unsafe { cstr(group) }) else {
        return fail(Errno::EINVAL, -1);
    };
    // libzmq reads at most ZMQ_GROUP_MAX_LENGTH bytes of the string (strnlen): a
    // longer group is cut, not refused.
    let group = group.to_bytes();
    let group = &group[..group
        .len()
        .min(crate::constants::ZMQ_GROUP_MAX_LENGTH as usize)];
    status(m.set_group(group).map(|()| 0))
}

#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_group(msg: *mut zmq_msg_t) -> *const c_char {
    live_or!(msg, std::ptr::null()).group().as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank() -> zmq_msg_t {
        zmq_msg_t { bytes: [0; 64] }
    }

    #[test]
    fn closed_and_uninitialised_messages_get_efault() {
        // SAFETY: every pointer is to a local zmq_msg_t.
        unsafe { efault_checks() }
    }

    unsafe fn efault_checks() {
        let mut m = blank();
        super::super::set_errno(Errno(0));
        assert_eq!(zmq_msg_close(&mut m), -1);
        assert_eq!(super::super::zmq_errno(), libc::EFAULT);
        assert_eq!(zmq_msg_init_size(&mut m, 100), 0);
        assert_eq!(zmq_msg_size(&m), 100);
        assert_eq!(zmq_msg_close(&mut m), 0);
        assert_eq!(zmq_msg_close(&mut m), -1);
        assert_eq!(zmq_msg_init(std::ptr::null_mut()), -1);
    }

    #[test]
    fn move_reinitialises_source_and_copy_shares() {
        // SAFETY: every pointer is to a local zmq_msg_t.
        unsafe { move_and_copy() }
    }

    unsafe fn move_and_copy() {
        let (mut a, mut b, mut c) = (blank(), blank(), blank());
        assert_eq!(zmq_msg_init_size(&mut a, 500), 0);
        assert_eq!(zmq_msg_init(&mut b), 0);
        assert_eq!(zmq_msg_init(&mut c), 0);
        assert_eq!(zmq_msg_get(&a, ZMQ_SHARED), 0);
        assert_eq!(zmq_msg_copy(&mut c, &mut a), 0);
        assert_eq!(zmq_msg_get(&a, ZMQ_SHARED), 1);
        assert_eq!(zmq_msg_data(&mut a), zmq_msg_data(&mut c));
        assert_eq!(zmq_msg_move(&mut b, &mut a), 0);
        assert_eq!(zmq_msg_size(&a), 0);
        assert_eq!(zmq_msg_size(&b), 500);
        for m in [&mut a, &mut b, &mut c] {
            assert_eq!(zmq_msg_close(m), 0);
        }
    }
}
