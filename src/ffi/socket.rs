//! `zmq_socket`, `zmq_close`, endpoints, options, and sending and receiving.

use std::ffi::{c_char, c_int, c_void};

use super::msg::msg_mut;
use super::types::zmq_msg_t;
use super::{bytes, bytes_mut, cstr, fail, status};
use crate::error::{Errno, Result};
use crate::handle::{Registry, Slot};
use crate::msg::Msg;
use crate::socket::options::Options;
use crate::socket::{self, Socket};

pub(crate) static SOCKETS: Registry<Socket> = Registry::new(0xbadd_ecaf);

fn slot(s: *mut c_void) -> Option<&'static Slot<Socket>> {
    // SAFETY: C callers pass NULL or a handle; our handles are never freed.
    unsafe { SOCKETS.get(s) }
}

/// Runs `f` on the socket behind `s`; ENOTSOCK for anything that is not a live socket.
pub(crate) fn with_socket<T>(
    s: *mut c_void,
    f: impl FnOnce(&mut Socket) -> Result<T>,
) -> Result<T> {
    let slot = slot(s).ok_or(Errno::ENOTSOCK)?;
    let mut guard = slot.lock();
    let sock = guard.as_mut().ok_or(Errno::ENOTSOCK)?;
    f(sock)
}

/// A C caller's hold on a socket during a blocking call: locked while working on it,
/// released while asleep (see [`socket::Access`]).
struct Held {
    slot: &'static Slot<Socket>,
    guard: Option<std::sync::MutexGuard<'static, Option<Socket>>>,
    /// The socket first found, to notice its slot reused by another while released.
    identity: Option<usize>,
}

impl socket::Access for Held {
    fn socket(&mut self) -> Result<&mut Socket> {
        let slot = self.slot;
        let sock = self
            .guard
            .get_or_insert_with(|| slot.lock())
            .as_mut()
            .ok_or(Errno::ENOTSOCK)?;
        match self.identity {
            Some(id) if id != sock.identity() => Err(Errno::ENOTSOCK),
            _ => Ok(sock),
        }
    }

    /// The identity is noted here, not on every lock: most calls never release.
    fn release(&mut self) {
        if let Some(sock) = self.guard.take().as_ref().and_then(|g| g.as_ref()) {
            self.identity.get_or_insert(sock.identity());
        }
    }
}

/// Runs a send or receive attempt on the socket in `slot` until it completes or times
/// out.
fn blocking<T>(
    slot: &'static Slot<Socket>,
    flags: c_int,
    commands: socket::Commands,
    timeout: impl Fn(&Options) -> c_int,
    attempt: impl FnMut(&mut Socket) -> Result<T>,
) -> Result<T> {
    let mut held = Held {
        slot,
        guard: None,
        identity: None,
    };
    socket::blocking(&mut held, flags, commands, timeout, attempt)
}

/// A byte count as libzmq returns it: clipped to INT_MAX.
fn count(n: usize) -> c_int {
    n.min(c_int::MAX as usize) as c_int
}

#[no_mangle]
pub extern "C" fn zmq_socket(ctx: *mut c_void, socket_type: c_int) -> *mut c_void {
    let Some((_, c)) = super::ctx::context(ctx) else {
        return fail(Errno::EFAULT, std::ptr::null_mut());
    };
    match Socket::new(c, socket_type) {
        Ok(sock) => SOCKETS.insert(sock).as_ptr(),
        Err(e) => fail(e, std::ptr::null_mut()),
    }
}

#[no_mangle]
pub extern "C" fn zmq_close(s: *mut c_void) -> c_int {
    let Some(slot) = slot(s) else {
        return fail(Errno::ENOTSOCK, -1);
    };
    match SOCKETS.remove(slot) {
        Some(sock) => {
            sock.close();
            0
        }
        None => fail(Errno::ENOTSOCK, -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_setsockopt(
    s: *mut c_void,
    option: c_int,
    optval: *const c_void,
    optvallen: usize,
) -> c_int {
    let value = if optval.is_null() {
        None
    } else {
        // SAFETY: optval covers optvallen bytes (C contract).
        unsafe { bytes(optval, optvallen) }
    };
    status(with_socket(s, |sock| {
        sock.set_option(option, value, optvallen)?;
        Ok(0)
    }))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_getsockopt(
    s: *mut c_void,
    option: c_int,
    optval: *mut c_void,
    optvallen: *mut usize,
) -> c_int {
    status(with_socket(s, |sock| {
        if optvallen.is_null() {
            return Err(Errno::EFAULT);
        }
        // SAFETY: optvallen non-NULL; optval covers *optvallen bytes (C contract).
        let out = unsafe { bytes_mut(optval, *optvallen) }.ok_or(Errno::EFAULT)?;
        let n = sock.get_option(option, out)?;
        // SAFETY: checked non-NULL above.
        unsafe { *optvallen = n };
        Ok(0)
    }))
}

fn endpoint_call(
    s: *mut c_void,
    addr: *const c_char,
    f: impl FnOnce(&mut Socket, &str) -> Result<()>,
) -> c_int {
    let mut closing = None;
    let rc = status(with_socket(s, |sock| {
        // SAFETY: addr is NULL or a NUL-terminated string (C contract).
        let addr = unsafe { cstr(addr) }.ok_or(Errno::EINVAL)?;
        let addr = addr.to_str().map_err(|_| Errno::EINVAL)?;
        let r = f(sock, addr).map(|()| 0);
        closing = Some(sock.take_closing());
        r
    }));
    // An unbound address can be bound again once the call returns; the wait happens
    // without the socket's lock, so other threads of a thread-safe socket go on.
    if let Some(c) = closing {
        c.wait();
    }
    rc
}

#[no_mangle]
pub unsafe extern "C" fn zmq_bind(s: *mut c_void, addr: *const c_char) -> c_int {
    endpoint_call(s, addr, Socket::bind)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_connect(s: *mut c_void, addr: *const c_char) -> c_int {
    endpoint_call(s, addr, Socket::connect)
}

/// Connects a PEER socket; returns the routing id of the new peer, or 0 on failure.
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_connect_peer(s: *mut c_void, addr: *const c_char) -> u32 {
    let mut id = 0;
    let rc = endpoint_call(s, addr, |sock, addr| {
        id = sock.connect_peer(addr)?;
        Ok(())
    });
    if rc == 0 {
        id
    } else {
        0
    }
}

/// `zmq_join` / `zmq_leave`: the group is checked after the socket, as in libzmq.
#[cfg(feature = "draft")]
fn membership_call(s: *mut c_void, group: *const c_char, join: bool) -> c_int {
    status(with_socket(s, |sock| {
        // SAFETY: group is NULL or a NUL-terminated string (C contract).
        let group = unsafe { cstr(group) };
        sock.membership(group, join).map(|()| 0)
    }))
}

#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_join(s: *mut c_void, group: *const c_char) -> c_int {
    membership_call(s, group, true)
}

#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_leave(s: *mut c_void, group: *const c_char) -> c_int {
    membership_call(s, group, false)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_unbind(s: *mut c_void, addr: *const c_char) -> c_int {
    endpoint_call(s, addr, Socket::unbind)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_disconnect(s: *mut c_void, addr: *const c_char) -> c_int {
    endpoint_call(s, addr, Socket::disconnect)
}

/// Sends `msg`; on failure it is handed back untouched.
fn send_msg(s: *mut c_void, msg: &mut Msg, flags: c_int) -> Result<c_int> {
    send_in(slot(s).ok_or(Errno::ENOTSOCK)?, msg, flags)
}

fn send_in(slot: &'static Slot<Socket>, msg: &mut Msg, flags: c_int) -> Result<c_int> {
    let size = count(msg.size());
    blocking(
        slot,
        flags,
        socket::Commands::First,
        |o| o.sndtimeo,
        |sock| sock.try_send(msg, flags),
    )?;
    Ok(size)
}

fn recv_msg(s: *mut c_void, flags: c_int) -> Result<Msg> {
    let slot = slot(s).ok_or(Errno::ENOTSOCK)?;
    blocking(
        slot,
        flags,
        socket::Commands::OnEmpty,
        |o| o.rcvtimeo,
        Socket::try_recv,
    )
}

#[no_mangle]
pub unsafe extern "C" fn zmq_send(
    s: *mut c_void,
    buf: *const c_void,
    len: usize,
    flags: c_int,
) -> c_int {
    // SAFETY: buf covers len bytes (C contract).
    let Some(data) = (unsafe { bytes(buf, len) }) else {
        return fail(Errno::EFAULT, -1);
    };
    let mut msg = Msg::from_slice(data);
    status(send_msg(s, &mut msg, flags))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_send_const(
    s: *mut c_void,
    buf: *const c_void,
    len: usize,
    flags: c_int,
) -> c_int {
    if buf.is_null() && len != 0 {
        return fail(Errno::EFAULT, -1);
    }
    // SAFETY: zmq_send_const's contract: the buffer is constant and outlives the message.
    let mut msg = unsafe { Msg::from_user(buf as *mut u8, len, None, std::ptr::null_mut()) };
    status(send_msg(s, &mut msg, flags))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_recv(
    s: *mut c_void,
    buf: *mut c_void,
    len: usize,
    flags: c_int,
) -> c_int {
    if slot(s).is_none() {
        return fail(Errno::ENOTSOCK, -1);
    }
    // SAFETY: buf covers len writable bytes (C contract). A NULL buffer is only a
    // fault once there is something to copy into it (libzmq then crashes).
    let out = unsafe { bytes_mut(buf, len) };
    status(recv_msg(s, flags).and_then(|msg| {
        let data = msg.data();
        let n = data.len().min(len);
        if n > 0 {
            out.ok_or(Errno::EFAULT)?[..n].copy_from_slice(&data[..n]);
        }
        Ok(count(data.len()))
    }))
}

/// The message is sent from the caller's `zmq_msg_t` itself, which is left empty on
/// success and as it was on failure.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_send(msg: *mut zmq_msg_t, s: *mut c_void, flags: c_int) -> c_int {
    let Some(slot) = slot(s) else {
        return fail(Errno::ENOTSOCK, -1);
    };
    // SAFETY: msg is NULL or a zmq_msg_t (C contract), the caller's alone for the call.
    let Some(m) = (unsafe { msg_mut(msg) }) else {
        return fail(Errno::EFAULT, -1);
    };
    status(send_in(slot, m, flags))
}

/// The message is received into the caller's `zmq_msg_t` itself (its old content
/// closed), untouched on failure.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_recv(msg: *mut zmq_msg_t, s: *mut c_void, flags: c_int) -> c_int {
    let Some(slot) = slot(s) else {
        return fail(Errno::ENOTSOCK, -1);
    };
    // SAFETY: msg is NULL or a zmq_msg_t (C contract), the caller's alone for the call.
    let Some(out) = (unsafe { msg_mut(msg) }) else {
        return fail(Errno::EFAULT, -1);
    };
    status(
        blocking(
            slot,
            flags,
            socket::Commands::OnEmpty,
            |o| o.rcvtimeo,
            |sock| sock.try_recv_into(out),
        )
        .map(|()| count(out.size())),
    )
}

#[no_mangle]
pub unsafe extern "C" fn zmq_sendmsg(s: *mut c_void, msg: *mut zmq_msg_t, flags: c_int) -> c_int {
    // SAFETY: forwarded C contract.
    unsafe { zmq_msg_send(msg, s, flags) }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_recvmsg(s: *mut c_void, msg: *mut zmq_msg_t, flags: c_int) -> c_int {
    // SAFETY: forwarded C contract.
    unsafe { zmq_msg_recv(msg, s, flags) }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_sendiov(
    s: *mut c_void,
    iov: *mut libc::iovec,
    count_: usize,
    flags: c_int,
) -> c_int {
    if slot(s).is_none() {
        return fail(Errno::ENOTSOCK, -1);
    }
    if count_ == 0 || iov.is_null() {
        return fail(Errno::EINVAL, -1);
    }
    // SAFETY: iov points at count_ iovecs (C contract).
    let parts = unsafe { std::slice::from_raw_parts(iov, count_) };
    let mut rc = 0;
    for (i, part) in parts.iter().enumerate() {
        // SAFETY: each iovec covers iov_len bytes (C contract).
        let Some(data) = (unsafe { bytes(part.iov_base, part.iov_len) }) else {
            return fail(Errno::EFAULT, -1);
        };
        let mut msg = Msg::from_slice(data);
        let f = if i == count_ - 1 {
            flags & !crate::constants::ZMQ_SNDMORE
        } else {
            flags
        };
        match send_msg(s, &mut msg, f) {
            Ok(n) => rc = n,
            Err(e) => return fail(e, -1),
        }
    }
    rc
}

/// Receives up to `*count` parts into buffers allocated with `malloc` (the caller
/// frees them); `*count` becomes the number received.
#[no_mangle]
pub unsafe extern "C" fn zmq_recviov(
    s: *mut c_void,
    iov: *mut libc::iovec,
    count_: *mut usize,
    flags: c_int,
) -> c_int {
    if slot(s).is_none() {
        return fail(Errno::ENOTSOCK, -1);
    }
    // SAFETY: count_ is NULL or points at a size_t (C contract).
    if count_.is_null() || unsafe { *count_ } == 0 || iov.is_null() {
        return fail(Errno::EINVAL, -1);
    }
    // SAFETY: checked non-NULL; iov has *count_ entries (C contract).
    let max = unsafe { *count_ };
    let parts = unsafe { std::slice::from_raw_parts_mut(iov, max) };
    // SAFETY: as above.
    unsafe { *count_ = 0 };
    let mut nread = 0;
    for part in parts.iter_mut() {
        let msg = match recv_msg(s, flags) {
            Ok(m) => m,
            Err(e) => return fail(e, -1),
        };
        let data = msg.data();
        // SAFETY: malloc of the part's size; NULL is handled (size 0 may return NULL).
        let buf = unsafe { libc::malloc(data.len().max(1)) } as *mut u8;
        if buf.is_null() {
            return fail(Errno::ENOMEM, -1);
        }
        // SAFETY: buf has room for data.len() bytes.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), buf, data.len()) };
        part.iov_base = buf as *mut c_void;
        part.iov_len = data.len();
        nread += 1;
        // SAFETY: as above.
        unsafe { *count_ += 1 };
        if !msg.more() {
            break;
        }
    }
    nread
}

#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_socket_get_peer_state(
    socket: *mut c_void,
    routing_id: *const c_void,
    routing_id_size: usize,
) -> c_int {
    status(with_socket(socket, |sock| {
        // SAFETY: routing_id covers routing_id_size bytes (C contract).
        let id = unsafe { bytes(routing_id, routing_id_size) }.ok_or(Errno::EFAULT)?;
        sock.peer_state(id)
    }))
}
