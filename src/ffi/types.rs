//! The C data types of `zmq.h`, laid out exactly as libzmq's.

#![allow(non_camel_case_types)]

use std::ffi::{c_short, c_void};

/// `zmq_fd_t`: a POSIX file descriptor.
pub type zmq_fd_t = std::ffi::c_int;

/// `zmq_msg_t`: 64 opaque, pointer-aligned bytes that hold a [`crate::msg::Msg`].
///
/// cbindgen:field-names=[_]
#[repr(C, align(8))]
pub struct zmq_msg_t {
    pub bytes: [u8; 64],
}

const _: () = assert!(std::mem::size_of::<zmq_msg_t>() == std::mem::size_of::<crate::msg::Msg>());
const _: () = assert!(std::mem::align_of::<zmq_msg_t>() >= std::mem::align_of::<crate::msg::Msg>());

/// One entry of `zmq_poll`'s array: a socket, or a plain fd when `socket` is NULL.
#[repr(C)]
pub struct zmq_pollitem_t {
    pub socket: *mut c_void,
    pub fd: zmq_fd_t,
    pub events: c_short,
    pub revents: c_short,
}

/// One result of `zmq_poller_wait`/`zmq_poller_wait_all` (draft).
#[cfg(feature = "draft")]
#[repr(C)]
pub struct zmq_poller_event_t {
    pub socket: *mut c_void,
    pub fd: zmq_fd_t,
    pub user_data: *mut c_void,
    pub events: c_short,
}
