//! `zmq_poll` (and draft `zmq_ppoll`): readiness over sockets and plain descriptors.
//!
//! Sockets are polled through their `ZMQ_FD` and confirmed with `ZMQ_EVENTS`, as libzmq
//! does: the descriptor only says "something may have changed".

use std::ffi::{c_int, c_long, c_short};
use std::time::{Duration, Instant};

use super::fail;
use super::socket::with_socket;
use super::types::zmq_pollitem_t;
use crate::constants::{ZMQ_POLLERR, ZMQ_POLLIN, ZMQ_POLLOUT, ZMQ_POLLPRI};
use crate::error::{Errno, Result};
use crate::sys::last_errno;

/// poll(2) interest for a plain descriptor's ZMQ_POLLIN/POLLOUT/POLLPRI.
pub(crate) fn fd_interest(events: c_short) -> c_short {
    let ev = events as c_int;
    let mut e = 0;
    for (z, p) in [
        (ZMQ_POLLIN, libc::POLLIN),
        (ZMQ_POLLOUT, libc::POLLOUT),
        (ZMQ_POLLPRI, libc::POLLPRI),
    ] {
        if ev & z != 0 {
            e |= p;
        }
    }
    e
}

/// A plain descriptor's poll(2) result as ZMQ_POLL* bits; anything else is ZMQ_POLLERR.
pub(crate) fn fd_readiness(revents: c_short) -> c_int {
    let mut ev = 0;
    for (z, p) in [
        (ZMQ_POLLIN, libc::POLLIN),
        (ZMQ_POLLOUT, libc::POLLOUT),
        (ZMQ_POLLPRI, libc::POLLPRI),
    ] {
        if revents & p != 0 {
            ev |= z;
        }
    }
    if revents & !(libc::POLLIN | libc::POLLOUT | libc::POLLPRI) != 0 {
        ev |= ZMQ_POLLERR;
    }
    ev
}

fn poll_items(
    items: &mut [zmq_pollitem_t],
    timeout_ms: c_long,
    sigmask: Option<&libc::sigset_t>,
) -> Result<c_int> {
    let mut pfds = Vec::with_capacity(items.len());
    for item in items.iter() {
        let (fd, events) = if item.socket.is_null() {
            (item.fd, fd_interest(item.events))
        } else {
            let fd = with_socket(item.socket, |s| Ok(s.fd()))?;
            (fd, if item.events != 0 { libc::POLLIN } else { 0 })
        };
        pfds.push(libc::pollfd {
            fd,
            events,
            revents: 0,
        });
    }
    let deadline =
        (timeout_ms > 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64));
    let mut first = true;
    loop {
        let wait_ms: c_int = if first || timeout_ms == 0 {
            0
        } else {
            match deadline {
                None => -1,
                Some(d) => d
                    .saturating_duration_since(Instant::now())
                    .as_millis()
                    .min(c_int::MAX as u128) as c_int,
            }
        };
        // SAFETY: pfds is a valid array of pollfd; the sigmask, if any, is a valid sigset.
        let rc = unsafe {
            match sigmask {
                None => libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, wait_ms),
                Some(mask) => {
                    let ts = (wait_ms >= 0).then(|| libc::timespec {
                        tv_sec: (wait_ms / 1000) as libc::time_t,
                        tv_nsec: ((wait_ms % 1000) * 1_000_000) as libc::c_long,
                    });
                    libc::ppoll(
                        pfds.as_mut_ptr(),
                        pfds.len() as libc::nfds_t,
                        ts.as_ref().map_or(std::ptr::null(), |t| t as *const _),
                        mask,
                    )
                }
            }
        };
        if rc < 0 {
            return Err(last_errno());
        }
        let mut nevents = 0;
        for (item, pfd) in items.iter_mut().zip(&pfds) {
            let revents = if item.socket.is_null() {
                fd_readiness(pfd.revents)
            } else {
                let ev = with_socket(item.socket, |s| s.events())? as c_int;
                ev & item.events as c_int & (ZMQ_POLLIN | ZMQ_POLLOUT)
            };
            item.revents = revents as c_short;
            if revents != 0 {
                nevents += 1;
            }
        }
        if nevents > 0 || timeout_ms == 0 {
            return Ok(nevents);
        }
        if let Some(d) = deadline {
            if Instant::now() >= d {
                return Ok(0);
            }
        }
        first = false;
    }
}

fn poll_entry(
    items: *mut zmq_pollitem_t,
    nitems: c_int,
    timeout: c_long,
    sigmask: Option<&libc::sigset_t>,
) -> c_int {
    if nitems < 0 {
        return fail(Errno::EINVAL, -1);
    }
    if nitems == 0 {
        if timeout != 0 {
            let d = if timeout < 0 {
                Duration::MAX
            } else {
                Duration::from_millis(timeout as u64)
            };
            std::thread::sleep(d);
        }
        return 0;
    }
    if items.is_null() {
        return fail(Errno::EFAULT, -1);
    }
    // SAFETY: items points at nitems poll items (C contract).
    let items = unsafe { std::slice::from_raw_parts_mut(items, nitems as usize) };
    match poll_items(items, timeout, sigmask) {
        Ok(n) => n,
        Err(e) => fail(e, -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_poll(
    items: *mut zmq_pollitem_t,
    nitems: c_int,
    timeout: c_long,
) -> c_int {
    poll_entry(items, nitems, timeout, None)
}

#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_ppoll(
    items: *mut zmq_pollitem_t,
    nitems: c_int,
    timeout: c_long,
    sigmask: *const libc::sigset_t,
) -> c_int {
    // SAFETY: sigmask is NULL or a valid sigset (C contract).
    poll_entry(items, nitems, timeout, unsafe { sigmask.as_ref() })
}
