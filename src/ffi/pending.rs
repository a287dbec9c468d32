//! Functions of libzmq's API that the engine does not implement yet: each fails with
//! `ENOTSUP` and is listed as not yet implemented in the README's compatibility table.
//! A function leaves this file when it is implemented.

#![allow(unused_imports, unused_variables)]

use std::ffi::{c_char, c_int, c_long, c_short, c_ulong, c_void};

use super::types::*;
use super::{fail, set_errno};
use crate::error::Errno;

#[no_mangle]
pub extern "C" fn zmq_socket_monitor(s: *mut c_void, addr: *const c_char, events: c_int) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[cfg(feature = "draft")]
#[no_mangle]
pub extern "C" fn zmq_join(s: *mut c_void, group: *const c_char) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[cfg(feature = "draft")]
#[no_mangle]
pub extern "C" fn zmq_leave(s: *mut c_void, group: *const c_char) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[cfg(feature = "draft")]
#[no_mangle]
pub extern "C" fn zmq_connect_peer(s: *mut c_void, addr: *const c_char) -> u32 {
    fail(Errno::ENOTSUP, 0)
}

#[cfg(feature = "draft")]
#[no_mangle]
pub extern "C" fn zmq_poller_new() -> *mut c_void {
    fail(Errno::ENOTSUP, std::ptr::null_mut())
}

#[cfg(feature = "draft")]
#[no_mangle]
pub extern "C" fn zmq_poller_destroy(poller_p: *mut *mut c_void) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[cfg(feature = "draft")]
#[no_mangle]
pub extern "C" fn zmq_poller_size(poller: *mut c_void) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[cfg(feature = "draft")]
#[no_mangle]
pub extern "C" fn zmq_poller_add(
    poller: *mut c_void,
    socket: *mut c_void,
    user_data: *mut c_void,
    events: c_short,
) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[cfg(feature = "draft")]
#[no_mangle]
pub extern "C" fn zmq_poller_modify(
    poller: *mut c_void,
    socket: *mut c_void,
    events: c_short,
) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[cfg(feature = "draft")]
#[no_mangle]
pub extern "C" fn zmq_poller_remove(poller: *mut c_void, socket: *mut c_void) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[cfg(feature = "draft")]
#[no_mangle]
pub extern "C" fn zmq_poller_wait(
    poller: *mut c_void,
    event: *mut zmq_poller_event_t,
    timeout: c_long,
) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[cfg(feature = "draft")]
#[no_mangle]
pub extern "C" fn zmq_poller_wait_all(
    poller: *mut c_void,
    events: *mut zmq_poller_event_t,
    n_events: c_int,
    timeout: c_long,
) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[cfg(feature = "draft")]
#[no_mangle]
pub extern "C" fn zmq_poller_fd(poller: *mut c_void, fd: *mut zmq_fd_t) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[cfg(feature = "draft")]
#[no_mangle]
pub extern "C" fn zmq_poller_add_fd(
    poller: *mut c_void,
    fd: zmq_fd_t,
    user_data: *mut c_void,
    events: c_short,
) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[cfg(feature = "draft")]
#[no_mangle]
pub extern "C" fn zmq_poller_modify_fd(
    poller: *mut c_void,
    fd: zmq_fd_t,
    events: c_short,
) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[cfg(feature = "draft")]
#[no_mangle]
pub extern "C" fn zmq_poller_remove_fd(poller: *mut c_void, fd: zmq_fd_t) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[cfg(feature = "draft")]
#[no_mangle]
pub extern "C" fn zmq_socket_get_peer_state(
    socket: *mut c_void,
    routing_id: *const c_void,
    routing_id_size: usize,
) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[cfg(feature = "draft")]
#[no_mangle]
pub extern "C" fn zmq_socket_monitor_versioned(
    s: *mut c_void,
    addr: *const c_char,
    events: u64,
    event_version: c_int,
    socket_type: c_int,
) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[cfg(feature = "draft")]
#[no_mangle]
pub extern "C" fn zmq_socket_monitor_pipes_stats(s: *mut c_void) -> c_int {
    fail(Errno::ENOTSUP, -1)
}
