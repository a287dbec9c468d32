//! An eventfd that one thread waits on and others poke: the wake-up half of a mailbox,
//! and the descriptor C callers get as `ZMQ_FD`.

use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::sys::fd;

#[derive(Debug)]
pub struct Signaler {
    fd: OwnedFd,
}

impl Signaler {
    pub fn new() -> Result<Self> {
        Ok(Signaler { fd: fd::eventfd()? })
    }

    /// Makes the descriptor readable.
    pub fn send(&self) {
        fd::eventfd_add(self.fd.as_fd(), 1);
    }

    /// Makes the descriptor unreadable again; returns whether it was readable.
    pub fn reset(&self) -> bool {
        fd::eventfd_take(self.fd.as_fd())
    }

    /// Waits until readable or `timeout` passes (`None`: forever). `Ok(false)` on timeout;
    /// `EINTR` when a signal interrupts the wait, as libzmq reports it.
    #[cfg(test)]
    pub fn wait(&self, timeout: Option<Duration>) -> Result<bool> {
        wait_readable(self.fd.as_raw_fd(), timeout)
    }

    pub fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// poll(2) for readability of one descriptor.
#[cfg(test)]
pub fn wait_readable(fd: RawFd, timeout: Option<Duration>) -> Result<bool> {
    Ok(wait_any_readable(&[fd], timeout)? != 0)
}

/// poll(2) until any of `fds` (at most 2) is readable. Bit `i` of the result is set
/// when `fds[i]` is readable (0: the timeout passed), so that a caller resets only the
/// descriptors that fired, without a read that can only say EAGAIN.
pub fn wait_any_readable(fds: &[RawFd], timeout: Option<Duration>) -> Result<u8> {
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
    if fd::poll(&mut pfds[..n], ms)? == 0 {
        return Ok(0);
    }
    Ok(pfds[..n]
        .iter()
        .enumerate()
        .filter(|(_, p)| p.revents != 0)
        .fold(0, |bits, (i, _)| bits | 1 << i))
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
