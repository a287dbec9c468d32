//! `zmq_proxy` / `zmq_proxy_steerable`: shuttle messages between two sockets, copying
//! them to a capture socket, steered by PAUSE / RESUME / TERMINATE / STATISTICS on a
//! control socket.

use crate::constants::{ZMQ_DONTWAIT, ZMQ_POLLIN, ZMQ_POLLOUT, ZMQ_SNDMORE};
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::socket::Socket;

/// Messages forwarded in one go before the other direction gets its turn (libzmq's
/// proxy_burst_size).
const BURST: usize = 1000;

/// The roles, as indexes into the list of distinct sockets (frontend and backend may
/// be the same socket).
pub struct Roles {
    pub frontend: usize,
    pub backend: usize,
    pub capture: Option<usize>,
    pub control: Option<usize>,
}

#[derive(Default, Clone, Copy)]
struct Counts {
    count: u64,
    bytes: u64,
}

#[derive(Default)]
struct Stats {
    /// frontend recv, frontend send, backend recv, backend send
    frontend_recv: Counts,
    frontend_send: Counts,
    backend_recv: Counts,
    backend_send: Counts,
}

impl Stats {
    fn values(&self) -> [u64; 8] {
        let c = [
            self.frontend_recv,
            self.frontend_send,
            self.backend_recv,
            self.backend_send,
        ];
        [
            c[0].count, c[0].bytes, c[1].count, c[1].bytes, c[2].count, c[2].bytes, c[3].count,
            c[3].bytes,
        ]
    }
}

#[derive(PartialEq)]
enum State {
    Active,
    Paused,
    Terminated,
}

/// Runs until TERMINATE arrives on the control socket (`Ok`) or an error, typically
/// ETERM when the context is terminated.
pub fn run(socks: &mut [&mut Socket], roles: Roles) -> Result<()> {
    let mut stats = Stats::default();
    let mut state = State::Active;
    loop {
        let mut progressed = false;
        if let Some(c) = roles.control {
            if socks[c].events()? & ZMQ_POLLIN as i16 != 0 {
                handle_control(socks[c], &mut state, &stats)?;
                if state == State::Terminated {
                    return Ok(());
                }
                progressed = true;
            }
        }
        if state == State::Active {
            let (f, b) = (roles.frontend, roles.backend);
            // A single socket (frontend == backend, e.g. a REP) forwards to itself on
            // input alone: it cannot be writable before it has read.
            if ready(socks, f, ZMQ_POLLIN)? && (f == b || ready(socks, b, ZMQ_POLLOUT)?) {
                forward(socks, f, b, roles.capture, &mut stats, true)?;
                progressed = true;
            }
            if f != b && ready(socks, b, ZMQ_POLLIN)? && ready(socks, f, ZMQ_POLLOUT)? {
                forward(socks, b, f, roles.capture, &mut stats, false)?;
                progressed = true;
            }
        }
        if !progressed {
            wait_any(socks)?;
        }
    }
}

fn ready(socks: &mut [&mut Socket], i: usize, what: i32) -> Result<bool> {
    Ok(socks[i].events()? as i32 & what != 0)
}

/// Sleeps until any socket's ZMQ_FD signals (after `events` found nothing to do, the
/// sockets are armed to signal any change).
fn wait_any(socks: &mut [&mut Socket]) -> Result<()> {
    let mut pfds: Vec<_> = socks
        .iter()
        .map(|s| libc::pollfd {
            fd: s.fd(),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    crate::sys::fd::poll(&mut pfds, -1)?;
    Ok(())
}

fn forward(
    socks: &mut [&mut Socket],
    from: usize,
    to: usize,
    capture: Option<usize>,
    stats: &mut Stats,
    from_frontend: bool,
) -> Result<()> {
    for i in 0..BURST {
        loop {
            let mut msg = match socks[from].recv(ZMQ_DONTWAIT) {
                Ok(m) => m,
                Err(e) if e == Errno::EAGAIN && i > 0 => return Ok(()),
                Err(e) => return Err(e),
            };
            let more = msg.more();
            let n = msg.size() as u64;
            let (r, s) = if from_frontend {
                (&mut stats.frontend_recv, &mut stats.backend_send)
            } else {
                (&mut stats.backend_recv, &mut stats.frontend_send)
            };
            r.count += 1;
            r.bytes += n;
            let flags = if more { ZMQ_SNDMORE } else { 0 };
            if let Some(c) = capture {
                let mut copy = msg.share();
                socks[c].send(&mut copy, flags)?;
            }
            socks[to].send(&mut msg, flags)?;
            s.count += 1;
            s.bytes += n;
            if !more {
                break;
            }
        }
    }
    Ok(())
}

fn handle_control(control: &mut Socket, state: &mut State, stats: &Stats) -> Result<()> {
    let cmd = control.recv(ZMQ_DONTWAIT)?;
    if cmd.data() == b"STATISTICS" {
        let values = stats.values();
        for (i, v) in values.iter().enumerate() {
            let mut part = Msg::from_slice(&v.to_ne_bytes());
            control.send(&mut part, if i < 7 { ZMQ_SNDMORE } else { 0 })?;
        }
        return Ok(());
    }
    match cmd.data() {
        b"PAUSE" => *state = State::Paused,
        b"RESUME" => *state = State::Active,
        b"TERMINATE" => *state = State::Terminated,
        _ => {}
    }
    // A REP control socket owes a reply; other kinds may not send at all, which is fine.
    let mut reply = Msg::new();
    match control.send(&mut reply, ZMQ_DONTWAIT) {
        Ok(()) => Ok(()),
        Err(e) if e == Errno::ENOTSUP || e == Errno::EFSM || e == Errno::EAGAIN => Ok(()),
        Err(e) => Err(e),
    }
}
