//! An eventfd that one thread waits on and others poke: the wake-up half of a mailbox,
//! and the descriptor C callers get as `ZMQ_FD`.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use crate::error::{Errno, Result};

#[derive(Debug)]
pub struct Signaler {
    fd: OwnedFd,
}

impl Signaler {
    pub fn new() -> Result<Self> {
        // SAFETY: plain syscall; the result is checked before use.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(last_errno());
        }
        // SAFETY: fd is a fresh descriptor that nothing else owns.
        Ok(Signaler {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    /// Makes the descriptor readable.
    pub fn send(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a local to our own eventfd. It can only fail with
        // EAGAIN when the counter is saturated, which still leaves it readable.
        unsafe { libc::write(self.fd.as_raw_fd(), &one as *const u64 as *const _, 8) };
    }

    /// Makes the descriptor unreadable again; returns whether it was readable.
    pub fn reset(&self) -> bool {
        let mut value: u64 = 0;
        // SAFETY: reads 8 bytes into a local from our own non-blocking eventfd.
        let n = unsafe { libc::read(self.fd.as_raw_fd(), &mut value as *mut u64 as *mut _, 8) };
        n == 8
    }

    /// Waits until readable or `timeout` passes (`None`: forever). `Ok(false)` on timeout;
    /// `EINTR` when a signal interrupts the wait, as libzmq reports it.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<bool> {
        wait_readable(self.fd.as_raw_fd(), timeout)
    }

    pub fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// poll(2) for readability of one descriptor.
pub fn wait_readable(fd: RawFd, timeout: Option<Duration>) -> Result<bool> {
    wait_any_readable(&[fd], timeout)
}

/// poll(2) until any of `fds` (at most 2) is readable.
pub fn wait_any_readable(fds: &[RawFd], timeout: Option<Duration>) -> Result<bool> {
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut pfds = [libc::pollfd {
        fd: -1,
        events: libc::POLLIN,
        revents: 0,
    }; 2];
    for (p, &fd) in pfds.iter_mut().zip(fds) {
        p.fd = fd;
    }
    let n = fds.len().min(2);
    let ms = match deadline {
        None => -1,
        Some(d) => {
            let left = d.saturating_duration_since(Instant::now());
            // Round up so a sub-millisecond remainder still waits.
            left.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32
        }
    };
    // SAFETY: n valid pollfds on the stack.
    let rc = unsafe { libc::poll(pfds.as_mut_ptr(), n as libc::nfds_t, ms) };
    if rc < 0 {
        return Err(last_errno());
    }
    Ok(rc > 0)
}

pub fn last_errno() -> Errno {
    Errno(
        std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_makes_readable_and_reset_clears() {
        let s = Signaler::new().unwrap();
        assert!(!s.wait(Some(Duration::ZERO)).unwrap());
        s.send();
        s.send();
        assert!(s.wait(Some(Duration::from_millis(100))).unwrap());
        assert!(s.reset());
        assert!(!s.reset());
        assert!(!s.wait(Some(Duration::from_millis(1))).unwrap());
    }
}
