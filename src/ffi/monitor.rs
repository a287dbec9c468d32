//! `zmq_socket_monitor`, `zmq_socket_monitor_versioned` and
//! `zmq_socket_monitor_pipes_stats` (the engine side: `crate::monitor`).

use std::ffi::{c_char, c_int, c_void};

use super::socket::with_socket;
use super::{cstr, status};
use crate::constants::ZMQ_PAIR;
use crate::error::Errno;

fn monitor(
    s: *mut c_void,
    addr: *const c_char,
    events: u64,
    event_version: c_int,
    socket_type: c_int,
) -> c_int {
    status(with_socket(s, |sock| {
        // SAFETY: addr is NULL or a NUL-terminated string (C contract).
        let endpoint = match unsafe { cstr(addr) } {
            None => None,
            Some(a) => Some(a.to_str().map_err(|_| Errno::EINVAL)?),
        };
        sock.monitor(endpoint, events, event_version, socket_type)
            .map(|()| 0)
    }))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_socket_monitor(
    s: *mut c_void,
    addr: *const c_char,
    events: c_int,
) -> c_int {
    // libzmq widens the int with its sign: a negative mask fails version 1's check.
    monitor(s, addr, events as i64 as u64, 1, ZMQ_PAIR)
}

#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_socket_monitor_versioned(
    s: *mut c_void,
    addr: *const c_char,
    events: u64,
    event_version: c_int,
    socket_type: c_int,
) -> c_int {
    monitor(s, addr, events, event_version, socket_type)
}

#[cfg(feature = "draft")]
#[no_mangle]
pub extern "C" fn zmq_socket_monitor_pipes_stats(s: *mut c_void) -> c_int {
    status(with_socket(s, |sock| {
        sock.monitor_pipes_stats().map(|()| 0)
    }))
}
