//! Functions of libzmq's API that the engine does not implement yet: each fails with
//! `ENOTSUP` and is listed as not yet implemented in the README's compatibility table.
//! A function leaves this file when it is implemented.

#![allow(unused_imports, unused_variables)]

use std::ffi::{c_char, c_int, c_long, c_short, c_ulong, c_void};

use super::fail;
use super::socket::with_socket;
use super::types::*;
use crate::error::Errno;

/// The failure of a function that is not implemented yet: ENOTSOCK for a bad socket
/// first, as libzmq checks the handle before anything else, then ENOTSUP.
/// Unused while every function is implemented; kept for the next one that is not.
#[allow(dead_code)]
fn not_yet<T>(s: *mut c_void, ret: T) -> T {
    match with_socket(s, |_| Ok(())) {
        Err(e) => fail(e, ret),
        Ok(()) => fail(Errno::ENOTSUP, ret),
    }
}
