//! Utility functions of libzmq's API that the engine does not implement yet: each fails with
//! `ENOTSUP` and is listed as not yet implemented in the README's compatibility table.
//! A function leaves this file when it is implemented.

#![allow(unused_imports, unused_variables)]

use std::ffi::{c_char, c_int, c_long, c_short, c_ulong, c_void};

use super::types::*;
use super::{fail, set_errno};
use crate::error::Errno;

#[no_mangle]
pub extern "C" fn zmq_z85_encode(dest: *mut c_char, data: *const u8, size: usize) -> *mut c_char {
    fail(Errno::ENOTSUP, std::ptr::null_mut())
}

#[no_mangle]
pub extern "C" fn zmq_z85_decode(dest: *mut u8, string: *const c_char) -> *mut u8 {
    fail(Errno::ENOTSUP, std::ptr::null_mut())
}

#[no_mangle]
pub extern "C" fn zmq_curve_keypair(
    z85_public_key: *mut c_char,
    z85_secret_key: *mut c_char,
) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[no_mangle]
pub extern "C" fn zmq_curve_public(
    z85_public_key: *mut c_char,
    z85_secret_key: *const c_char,
) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[no_mangle]
pub extern "C" fn zmq_atomic_counter_new() -> *mut c_void {
    fail(Errno::ENOTSUP, std::ptr::null_mut())
}

#[no_mangle]
pub extern "C" fn zmq_atomic_counter_set(counter: *mut c_void, value: c_int) {
    set_errno(Errno::ENOTSUP)
}

#[no_mangle]
pub extern "C" fn zmq_atomic_counter_inc(counter: *mut c_void) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[no_mangle]
pub extern "C" fn zmq_atomic_counter_dec(counter: *mut c_void) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[no_mangle]
pub extern "C" fn zmq_atomic_counter_value(counter: *mut c_void) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[no_mangle]
pub extern "C" fn zmq_atomic_counter_destroy(counter_p: *mut *mut c_void) {
    set_errno(Errno::ENOTSUP)
}

#[no_mangle]
pub extern "C" fn zmq_timers_new() -> *mut c_void {
    fail(Errno::ENOTSUP, std::ptr::null_mut())
}

#[no_mangle]
pub extern "C" fn zmq_timers_destroy(timers_p: *mut *mut c_void) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[no_mangle]
pub extern "C" fn zmq_timers_add(
    timers: *mut c_void,
    interval: usize,
    handler: Option<unsafe extern "C" fn(c_int, *mut c_void)>,
    arg: *mut c_void,
) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[no_mangle]
pub extern "C" fn zmq_timers_cancel(timers: *mut c_void, timer_id: c_int) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[no_mangle]
pub extern "C" fn zmq_timers_set_interval(
    timers: *mut c_void,
    timer_id: c_int,
    interval: usize,
) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[no_mangle]
pub extern "C" fn zmq_timers_reset(timers: *mut c_void, timer_id: c_int) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[no_mangle]
pub extern "C" fn zmq_timers_timeout(timers: *mut c_void) -> c_long {
    fail(Errno::ENOTSUP, -1)
}

#[no_mangle]
pub extern "C" fn zmq_timers_execute(timers: *mut c_void) -> c_int {
    fail(Errno::ENOTSUP, -1)
}

#[no_mangle]
pub extern "C" fn zmq_stopwatch_start() -> *mut c_void {
    fail(Errno::ENOTSUP, std::ptr::null_mut())
}

#[no_mangle]
pub extern "C" fn zmq_stopwatch_intermediate(watch: *mut c_void) -> c_ulong {
    fail(Errno::ENOTSUP, 0)
}

#[no_mangle]
pub extern "C" fn zmq_stopwatch_stop(watch: *mut c_void) -> c_ulong {
    fail(Errno::ENOTSUP, 0)
}

#[no_mangle]
pub extern "C" fn zmq_sleep(seconds: c_int) {
    set_errno(Errno::ENOTSUP)
}

#[no_mangle]
pub extern "C" fn zmq_threadstart(
    func: Option<unsafe extern "C" fn(*mut c_void)>,
    arg: *mut c_void,
) -> *mut c_void {
    fail(Errno::ENOTSUP, std::ptr::null_mut())
}

#[no_mangle]
pub extern "C" fn zmq_threadclose(thread: *mut c_void) {
    set_errno(Errno::ENOTSUP)
}
