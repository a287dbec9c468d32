//! `zmq_proxy`, `zmq_proxy_steerable` and the deprecated `zmq_device`.
//!
//! The proxy owns its sockets for as long as it runs (libzmq's rule too), so their
//! slots stay locked meanwhile.

use std::ffi::{c_int, c_void};

use super::fail;
use super::socket::SOCKETS;
use crate::error::{Errno, Result};
use crate::proxy::{self, Roles};

fn run(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
    control: *mut c_void,
) -> Result<()> {
    if frontend.is_null() || backend.is_null() {
        return Err(Errno::EFAULT);
    }
    // Distinct handles, each locked once.
    let mut handles: Vec<*mut c_void> = Vec::new();
    let mut index = |h: *mut c_void| -> usize {
        handles.iter().position(|&x| x == h).unwrap_or_else(|| {
            handles.push(h);
            handles.len() - 1
        })
    };
    let roles = Roles {
        frontend: index(frontend),
        backend: index(backend),
        capture: (!capture.is_null()).then(|| index(capture)),
        control: (!control.is_null()).then(|| index(control)),
    };
    let mut guards = Vec::with_capacity(handles.len());
    for &h in &handles {
        // SAFETY: C callers pass handles; ours are never freed.
        let slot = unsafe { SOCKETS.get(h) }.ok_or(Errno::ENOTSOCK)?;
        guards.push(slot.lock());
    }
    let mut socks = Vec::with_capacity(guards.len());
    for g in guards.iter_mut() {
        socks.push(g.as_mut().ok_or(Errno::ENOTSOCK)?);
    }
    proxy::run(&mut socks, roles)
}

#[no_mangle]
pub extern "C" fn zmq_proxy(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
) -> c_int {
    match run(frontend, backend, capture, std::ptr::null_mut()) {
        // Without a control socket the proxy only ends on an error.
        Ok(()) => 0,
        Err(e) => fail(e, -1),
    }
}

#[no_mangle]
pub extern "C" fn zmq_proxy_steerable(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
    control: *mut c_void,
) -> c_int {
    match run(frontend, backend, capture, control) {
        Ok(()) => 0,
        Err(e) => fail(e, -1),
    }
}

#[no_mangle]
pub extern "C" fn zmq_device(
    _device_type: c_int,
    frontend: *mut c_void,
    backend: *mut c_void,
) -> c_int {
    zmq_proxy(frontend, backend, std::ptr::null_mut())
}
