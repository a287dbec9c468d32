//! Descriptors: eventfds, poll(2), temporary directories and adopting a descriptor a
//! program hands over.

use std::ffi::CString;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::path::PathBuf;

use super::{last_errno, syscall};
use crate::error::{Errno, Result};

/// A new non-blocking, close-on-exec eventfd with a count of 0.
pub fn eventfd() -> Result<OwnedFd> {
    // SAFETY: no pointers; the result is checked.
    let fd = syscall!(eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK))?;
    // SAFETY: `fd` is a descriptor eventfd just created, owned by nothing else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Adds `n` to an eventfd's count. It can only fail with EAGAIN when the count is
/// saturated, which leaves it readable all the same.
pub fn eventfd_add(fd: BorrowedFd<'_>, n: u64) {
    // SAFETY: writes the 8 bytes of a local to a live descriptor.
    let _ = syscall!(write(
        fd.as_raw_fd(),
        &n as *const u64 as *const libc::c_void,
        8
    ));
}

/// Reads and clears an eventfd's count; whether it was non-zero.
pub fn eventfd_take(fd: BorrowedFd<'_>) -> bool {
    let mut value: u64 = 0;
    // SAFETY: reads at most 8 bytes into a local from a live descriptor.
    let n = syscall!(read(
        fd.as_raw_fd(),
        &mut value as *mut u64 as *mut libc::c_void,
        8
    ));
    n == Ok(8)
}

/// read(2) into raw memory: the bytes it returns as read are initialised.
///
/// # Safety
/// `buf` is valid for writes of `len` bytes.
pub unsafe fn read_raw(fd: BorrowedFd<'_>, buf: *mut u8, len: usize) -> std::io::Result<usize> {
    // SAFETY: the caller's guarantee on `buf`; a live descriptor.
    let n = unsafe { libc::read(fd.as_raw_fd(), buf as *mut libc::c_void, len) };
    if n < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// poll(2): waits up to `timeout_ms` (-1: forever) for the events asked in `fds`;
/// the number of entries with events (0 on timeout), EINTR when a signal came.
pub fn poll(fds: &mut [libc::pollfd], timeout_ms: libc::c_int) -> Result<usize> {
    // SAFETY: `fds` is a valid, writable array of `fds.len()` pollfd.
    let n = syscall!(poll(
        fds.as_mut_ptr(),
        fds.len() as libc::nfds_t,
        timeout_ms
    ))?;
    Ok(n as usize)
}

/// mkdtemp(3): creates a fresh directory from `template` (ending in "XXXXXX").
pub fn mkdtemp(template: &str) -> Result<PathBuf> {
    let mut bytes = CString::new(template)
        .map_err(|_| Errno::EINVAL)?
        .into_bytes_with_nul();
    // SAFETY: a writable NUL-terminated template that mkdtemp fills in place.
    let dir = unsafe { libc::mkdtemp(bytes.as_mut_ptr() as *mut libc::c_char) };
    if dir.is_null() {
        return Err(last_errno());
    }
    bytes.pop();
    Ok(PathBuf::from(String::from_utf8_lossy(&bytes).into_owned()))
}

/// A directory for a test's ipc endpoints, removed with everything in it when the
/// test ends, passed or not.
#[cfg(test)]
pub struct TempDir(PathBuf);

#[cfg(test)]
impl TempDir {
    pub fn new() -> TempDir {
        TempDir(mkdtemp("/tmp/zmqrs-test-XXXXXX").expect("mkdtemp"))
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

#[cfg(test)]
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Takes ownership of a descriptor the program handed over (`ZMQ_USE_FD`: by setting
/// it, the application gives the socket its listening descriptor, as in libzmq, which
/// closes it with the socket). `fd` must not be used by anything else afterwards; this
/// is the one place the library accepts that on a program's word.
pub fn adopt(fd: RawFd) -> OwnedFd {
    // SAFETY: the ZMQ_USE_FD contract above: the descriptor is the caller's to give.
    unsafe { OwnedFd::from_raw_fd(fd) }
}
