//! The draft `zmq_poller_*` API: a registered set of sockets and descriptors, waited on
//! with the same machinery as `zmq_poll`.

use std::ffi::{c_int, c_long, c_short, c_void};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use super::socket::with_socket;
use super::types::{zmq_fd_t, zmq_poller_event_t};
use super::{fail, status};
use crate::constants::{ZMQ_POLLERR, ZMQ_POLLIN, ZMQ_POLLOUT, ZMQ_POLLPRI};
use crate::error::{Errno, Result};
use crate::handle::{Registry, Slot};
use crate::sys::last_errno;

#[derive(Clone, Copy)]
struct Item {
    /// A socket handle (as an address, so the poller is Send), or 0 for a plain fd.
    socket: usize,
    fd: zmq_fd_t,
    user_data: usize,
    events: c_short,
}

#[derive(Default)]
pub(crate) struct Poller {
    items: Vec<Item>,
    /// `zmq_poller_fd`: an epoll set of every item's descriptor, readable while any of
    /// them is; made on first request and kept in step with the items.
    epoll: Option<OwnedFd>,
    registered: Vec<RawFd>,
}

static POLLERS: Registry<Poller> = Registry::new(0xcafe_babe);

fn poller(p: *mut c_void) -> Result<&'static Slot<Poller>> {
    // SAFETY: C callers pass NULL or a handle; our handles are never freed.
    unsafe { POLLERS.get(p) }.ok_or(Errno::EFAULT)
}

fn check_events(events: c_short) -> Result<()> {
    if events as c_int & !(ZMQ_POLLIN | ZMQ_POLLOUT | ZMQ_POLLERR | ZMQ_POLLPRI) != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

fn check_socket(s: *mut c_void) -> Result<()> {
    with_socket(s, |_| Ok(()))
}

fn with_poller<T>(p: *mut c_void, f: impl FnOnce(&mut Poller) -> Result<T>) -> Result<T> {
    let slot = poller(p)?;
    let mut guard = slot.lock();
    f(guard.as_mut().ok_or(Errno::EFAULT)?)
}

impl Poller {
    fn find(&self, socket: usize, fd: zmq_fd_t) -> Option<usize> {
        self.items.iter().position(|i| {
            if socket != 0 {
                i.socket == socket
            } else {
                i.socket == 0 && i.fd == fd
            }
        })
    }

    fn add(&mut self, item: Item) -> Result<()> {
        if self.find(item.socket, item.fd).is_some() {
            return Err(Errno::EINVAL);
        }
        self.items.push(item);
        self.sync_epoll()
    }

    fn modify(&mut self, socket: usize, fd: zmq_fd_t, events: c_short) -> Result<()> {
        let i = self.find(socket, fd).ok_or(Errno::EINVAL)?;
        self.items[i].events = events;
        self.sync_epoll()
    }

    fn remove(&mut self, socket: usize, fd: zmq_fd_t) -> Result<()> {
        let i = self.find(socket, fd).ok_or(Errno::EINVAL)?;
        self.items.remove(i);
        self.sync_epoll()
    }

    /// The descriptor `zmq_poller_fd` gives: as libzmq, only for a poller that holds a
    /// thread-safe socket (EINVAL otherwise).
    fn fd(&mut self) -> Result<RawFd> {
        let has_thread_safe = self.items.iter().any(|i| {
            i.socket != 0
                && with_socket(i.socket as *mut c_void, |s| {
                    Ok(crate::pattern::is_thread_safe(s.socket_type()))
                })
                .unwrap_or(false)
        });
        if !has_thread_safe {
            return Err(Errno::EINVAL);
        }
        if self.epoll.is_none() {
            // SAFETY: plain syscall; the result is checked.
            let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
            if fd < 0 {
                return Err(last_errno());
            }
            // SAFETY: a fresh descriptor nothing else owns.
            self.epoll = Some(unsafe { OwnedFd::from_raw_fd(fd) });
            self.sync_epoll()?;
        }
        Ok(self.epoll.as_ref().map_or(-1, |e| e.as_raw_fd()))
    }

    /// Registers the current items' descriptors in the epoll set, if there is one.
    fn sync_epoll(&mut self) -> Result<()> {
        let Some(ep) = self.epoll.as_ref().map(|e| e.as_raw_fd()) else {
            return Ok(());
        };
        for fd in self.registered.drain(..) {
            // SAFETY: removes a descriptor from our own epoll set; failure (it was
            // closed meanwhile) leaves nothing to undo.
            unsafe { libc::epoll_ctl(ep, libc::EPOLL_CTL_DEL, fd, std::ptr::null_mut()) };
        }
        for item in self.items.iter().filter(|i| i.events != 0) {
            let (fd, interest) = if item.socket != 0 {
                // A socket closed meanwhile has nothing left to signal.
                let Ok(fd) = with_socket(item.socket as *mut c_void, |s| Ok(s.fd())) else {
                    continue;
                };
                (fd, libc::POLLIN)
            } else {
                (item.fd, super::poll::fd_interest(item.events))
            };
            let mut ev = libc::epoll_event {
                events: interest as u32,
                u64: fd as u64,
            };
            // SAFETY: a valid epoll_event on the stack; poll and epoll share the
            // POLLIN/POLLOUT/POLLPRI bit values.
            if unsafe { libc::epoll_ctl(ep, libc::EPOLL_CTL_ADD, fd, &mut ev) } == 0 {
                self.registered.push(fd);
            }
        }
        Ok(())
    }

    /// Fills `out` with ready items; EAGAIN when none became ready in time.
    fn wait(&mut self, out: &mut [zmq_poller_event_t], timeout: c_long) -> Result<c_int> {
        let polled: Vec<Item> = self
            .items
            .iter()
            .copied()
            .filter(|i| i.events != 0)
            .collect();
        if polled.is_empty() {
            if timeout < 0 {
                // Nothing could ever wake this wait.
                return Err(Errno::EFAULT);
            }
            if timeout > 0 {
                std::thread::sleep(Duration::from_millis(timeout as u64));
            }
            return Err(Errno::EAGAIN);
        }
        let mut pfds = Vec::with_capacity(polled.len());
        for item in &polled {
            let (fd, events) = if item.socket != 0 {
                (
                    with_socket(item.socket as *mut c_void, |s| Ok(s.fd()))?,
                    libc::POLLIN,
                )
            } else {
                (item.fd, super::poll::fd_interest(item.events))
            };
            pfds.push(libc::pollfd {
                fd,
                events,
                revents: 0,
            });
        }
        let deadline =
            (timeout > 0).then(|| Instant::now() + Duration::from_millis(timeout as u64));
        let mut first = true;
        loop {
            let wait_ms: c_int = if first || timeout == 0 {
                0
            } else {
                deadline.map_or(-1, |d| {
                    d.saturating_duration_since(Instant::now())
                        .as_millis()
                        .min(c_int::MAX as u128) as c_int
                })
            };
            // SAFETY: a valid pollfd array.
            if unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, wait_ms) } < 0 {
                return Err(last_errno());
            }
            let mut found = 0;
            for (item, pfd) in polled.iter().zip(&pfds) {
                if found == out.len() {
                    break;
                }
                let revents = if item.socket != 0 {
                    let ev = with_socket(item.socket as *mut c_void, |s| s.events())? as c_int;
                    ev & item.events as c_int & (ZMQ_POLLIN | ZMQ_POLLOUT)
                } else {
                    super::poll::fd_readiness(pfd.revents) & (item.events as c_int | ZMQ_POLLERR)
                };
                if revents != 0 {
                    out[found] = zmq_poller_event_t {
                        socket: item.socket as *mut c_void,
                        fd: if item.socket != 0 { -1 } else { item.fd },
                        user_data: item.user_data as *mut c_void,
                        events: revents as c_short,
                    };
                    found += 1;
                }
            }
            if found > 0 {
                return Ok(found as c_int);
            }
            if timeout == 0 || deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(Errno::EAGAIN);
            }
            first = false;
        }
    }
}

#[no_mangle]
pub extern "C" fn zmq_poller_new() -> *mut c_void {
    POLLERS.insert(Poller::default()).as_ptr()
}

#[no_mangle]
pub unsafe extern "C" fn zmq_poller_destroy(p: *mut *mut c_void) -> c_int {
    if p.is_null() {
        return fail(Errno::EFAULT, -1);
    }
    // SAFETY: non-NULL pointer to the caller's handle variable.
    let Ok(slot) = poller(unsafe { *p }) else {
        return fail(Errno::EFAULT, -1);
    };
    POLLERS.remove(slot);
    // SAFETY: as above.
    unsafe { *p = std::ptr::null_mut() };
    0
}

#[no_mangle]
pub extern "C" fn zmq_poller_size(p: *mut c_void) -> c_int {
    status(with_poller(p, |pl| Ok(pl.items.len() as c_int)))
}

#[no_mangle]
pub extern "C" fn zmq_poller_add(
    p: *mut c_void,
    s: *mut c_void,
    user_data: *mut c_void,
    events: c_short,
) -> c_int {
    status((|| {
        poller(p)?;
        check_socket(s)?;
        check_events(events)?;
        let item = Item {
            socket: s as usize,
            fd: -1,
            user_data: user_data as usize,
            events,
        };
        with_poller(p, |pl| pl.add(item)).map(|()| 0)
    })())
}

#[no_mangle]
pub extern "C" fn zmq_poller_add_fd(
    p: *mut c_void,
    fd: zmq_fd_t,
    user_data: *mut c_void,
    events: c_short,
) -> c_int {
    status((|| {
        poller(p)?;
        if fd == -1 {
            return Err(Errno(libc::EBADF));
        }
        check_events(events)?;
        let item = Item {
            socket: 0,
            fd,
            user_data: user_data as usize,
            events,
        };
        with_poller(p, |pl| pl.add(item)).map(|()| 0)
    })())
}

#[no_mangle]
pub extern "C" fn zmq_poller_modify(p: *mut c_void, s: *mut c_void, events: c_short) -> c_int {
    status((|| {
        poller(p)?;
        check_socket(s)?;
        check_events(events)?;
        with_poller(p, |pl| pl.modify(s as usize, -1, events)).map(|()| 0)
    })())
}

#[no_mangle]
pub extern "C" fn zmq_poller_modify_fd(p: *mut c_void, fd: zmq_fd_t, events: c_short) -> c_int {
    status((|| {
        poller(p)?;
        if fd == -1 {
            return Err(Errno(libc::EBADF));
        }
        check_events(events)?;
        with_poller(p, |pl| pl.modify(0, fd, events)).map(|()| 0)
    })())
}

#[no_mangle]
pub extern "C" fn zmq_poller_remove(p: *mut c_void, s: *mut c_void) -> c_int {
    status((|| {
        poller(p)?;
        check_socket(s)?;
        with_poller(p, |pl| pl.remove(s as usize, -1)).map(|()| 0)
    })())
}

#[no_mangle]
pub extern "C" fn zmq_poller_remove_fd(p: *mut c_void, fd: zmq_fd_t) -> c_int {
    status((|| {
        poller(p)?;
        if fd == -1 {
            return Err(Errno(libc::EBADF));
        }
        with_poller(p, |pl| pl.remove(0, fd)).map(|()| 0)
    })())
}

#[no_mangle]
pub unsafe extern "C" fn zmq_poller_wait_all(
    p: *mut c_void,
    events: *mut zmq_poller_event_t,
    n_events: c_int,
    timeout: c_long,
) -> c_int {
    status((|| {
        poller(p)?;
        if events.is_null() {
            return Err(Errno::EFAULT);
        }
        if n_events < 0 {
            return Err(Errno::EINVAL);
        }
        // SAFETY: events points at n_events entries (C contract).
        let out = unsafe { std::slice::from_raw_parts_mut(events, n_events as usize) };
        with_poller(p, |pl| pl.wait(out, timeout))
    })())
}

#[no_mangle]
pub unsafe extern "C" fn zmq_poller_wait(
    p: *mut c_void,
    event: *mut zmq_poller_event_t,
    timeout: c_long,
) -> c_int {
    // SAFETY: forwarded C contract.
    let rc = unsafe { zmq_poller_wait_all(p, event, 1, timeout) };
    if rc < 0 && !event.is_null() {
        let err = super::zmq_errno();
        // SAFETY: non-NULL event supplied by the caller.
        unsafe {
            *event = zmq_poller_event_t {
                socket: std::ptr::null_mut(),
                fd: -1,
                user_data: std::ptr::null_mut(),
                events: 0,
            }
        };
        return fail(Errno(err), -1);
    }
    rc.min(0)
}

/// A descriptor that turns readable when `zmq_poller_wait` may find something.
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_fd(p: *mut c_void, fd: *mut zmq_fd_t) -> c_int {
    status((|| {
        let got = with_poller(p, Poller::fd)?;
        if fd.is_null() {
            return Err(Errno::EFAULT);
        }
        // SAFETY: non-NULL pointer to the caller's descriptor variable.
        unsafe { *fd = got };
        Ok(0)
    })())
}
