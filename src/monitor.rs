//! Socket monitoring (`zmq_socket_monitor`, `zmq_socket_monitor_versioned`): the events
//! libzmq reports about a socket's tcp/ipc endpoints and connections, sent as messages
//! on a PAIR (version 2: PAIR, PUB or PUSH) socket bound to an inproc endpoint.
//!
//! Every socket owns one [`Monitor`], shared (`Arc`) with the listeners and sessions that
//! work for it in I/O threads, so each event is produced where it happens. While nobody
//! monitors, emitting costs one atomic load. There is no monitor socket: the monitor
//! binds the inproc endpoint itself (`crate::inproc`), owns the pipes of the sockets
//! that connect there and writes each event into them under its lock, never waiting:
//! an event that finds no room (no consumer connected yet, high-water mark reached) is
//! dropped, as libzmq's non-blocking send on its monitor socket drops it.
//!
//! `ZMQ_EVENT_MONITOR_STOPPED` ends the stream: on `zmq_socket_monitor(s, NULL, 0)`, when
//! a new monitor replaces it, at context shutdown, and once the socket is closed and the
//! last of its listeners and sessions is gone (the `Monitor` is dropped). That puts it
//! after their last events (CLOSED, DISCONNECTED), as in libzmq, where a closed socket
//! lives on until its sessions have ended.
//!
//! Formats (host byte order; `../shared/abi/types.txt`): version 1 sends two frames, 6
//! bytes `u16 event, u32 value`, then the endpoint the event is about (the bound one
//! for listener-side events, the connected one otherwise); version 2 sends `u64 event`,
//! `u64 n`, `n` values of `u64`, the local endpoint, the remote endpoint.

use std::ffi::c_int;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use crate::constants::*;
use crate::inproc::{Inproc, Peer, PendingConnect};
use crate::msg::Msg;
use crate::pipe::{Owner, PipeConfig, PipeEnd, PipeEvent};
use crate::transport::{Address, Stream};
use crate::zmtp::Engine;

/// The two endpoints an event is about (libzmq's `endpoint_uri_pair_t`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    pub local: String,
    pub remote: String,
    /// The local end was bound: version 1 names `local`, else `remote`.
    pub bound: bool,
}

impl Endpoints {
    /// A listener's events, before any connection.
    pub fn bind(endpoint: &str) -> Self {
        Endpoints {
            local: endpoint.to_owned(),
            remote: String::new(),
            bound: true,
        }
    }

    /// A connecter's events, before a connection exists.
    pub fn connect(endpoint: &str) -> Self {
        Endpoints {
            local: String::new(),
            remote: endpoint.to_owned(),
            bound: false,
        }
    }

    /// An established connection: the stream's own addresses; `connected_to` is the
    /// endpoint given to `zmq_connect` (`None` for an accepted stream, whose remote end
    /// is the peer's address).
    pub fn of_stream(stream: Option<&Stream>, connected_to: Option<&str>) -> Self {
        let (local, peer) = match stream {
            Some(Stream::Tcp(s)) => (
                s.local_addr().map(tcp_name).unwrap_or_default(),
                s.peer_addr().map(tcp_name).unwrap_or_default(),
            ),
            Some(Stream::Ipc(s)) => (
                s.local_addr().map(|a| ipc_name(&a)).unwrap_or_default(),
                s.peer_addr().map(|a| ipc_name(&a)).unwrap_or_default(),
            ),
            Some(Stream::Tls(s)) => (
                s.tcp.local_addr().map(tcp_name).unwrap_or_default(),
                s.tcp.peer_addr().map(tcp_name).unwrap_or_default(),
            ),
            Some(Stream::Tipc(s)) => crate::transport::tipc::names(s),
            None => Default::default(),
        };
        match connected_to {
            Some(ep) => Endpoints {
                local,
                remote: ep.to_owned(),
                bound: false,
            },
            None => Endpoints {
                local,
                remote: peer,
                bound: true,
            },
        }
    }

    fn identifier(&self) -> &str {
        if self.bound {
            &self.local
        } else {
            &self.remote
        }
    }
}

fn tcp_name(addr: std::net::SocketAddr) -> String {
    Address::Tcp { addr, source: None }.to_endpoint()
}

fn ipc_name(addr: &std::os::unix::net::SocketAddr) -> String {
    use std::os::linux::net::SocketAddrExt;
    if let Some(p) = addr.as_pathname() {
        format!("ipc://{}", p.display())
    } else if let Some(n) = addr.as_abstract_name() {
        format!("ipc://@{}", String::from_utf8_lossy(n))
    } else {
        "ipc://".to_owned()
    }
}

/// A socket's monitor: which events are wanted and where they go.
pub struct Monitor {
    /// The events wanted; 0 while not monitoring. Read without the lock.
    events: AtomicU64,
    active: Mutex<Option<Active>>,
}

/// A monitor at work: bound under an inproc name, with the pipes of the sockets that
/// connected there (libzmq's monitor socket, without a socket: events are written
/// straight into those pipes by whichever thread raises them).
struct Active {
    events: u64,
    version: c_int,
    /// ZMQ_PAIR, ZMQ_PUB or ZMQ_PUSH: one consumer, every consumer, or the next one.
    socket_type: c_int,
    pipes: Vec<PipeEnd>,
    /// PUSH's rotation.
    next: usize,
    /// Where the monitor is bound, and what the consumers' pipes name as their owner.
    inproc: Arc<Inproc>,
    endpoint: String,
    socket_id: u64,
    owner: Arc<dyn Owner>,
}

/// The monitor as the owner of its pipes, weakly: the inproc table holds it while the
/// monitor is bound, and must not keep a closed socket's monitor alive.
#[derive(Debug)]
struct Consumers(Weak<Monitor>);

impl Owner for Consumers {
    fn notify(&self, event: PipeEvent) {
        let Some(m) = self.0.upgrade() else {
            if let PipeEvent::Attach(p) = event {
                p.close();
            }
            return;
        };
        let mut g = m.lock();
        match (event, g.as_mut()) {
            (PipeEvent::Attach(p), Some(a)) => a.attach(p),
            // Stopped meanwhile: the consumer sees the pipe end.
            (PipeEvent::Attach(p), None) => p.close(),
            (PipeEvent::Term(id), Some(a)) => a.drop_pipe(id),
            // Events are never read back and sends never wait.
            _ => {}
        }
    }
}

impl std::fmt::Debug for Monitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Monitor")
            .field("events", &self.events.load(Ordering::Relaxed))
            .finish()
    }
}

impl Default for Monitor {
    fn default() -> Self {
        Self::new()
    }
}

/// libzmq's monitor socket keeps the default marks.
const MONITOR_HWM: u64 = 1000;

impl Monitor {
    pub fn new() -> Monitor {
        Monitor {
            events: AtomicU64::new(0),
            active: Mutex::new(None),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<Active>> {
        self.active.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `event` is being monitored now.
    #[inline]
    pub fn wants(&self, event: c_int) -> bool {
        self.events.load(Ordering::Relaxed) & event as u64 != 0
    }

    /// Reports `event` with one value; `endpoints` is only evaluated when it is wanted.
    #[inline]
    pub fn emit(&self, event: c_int, value: u64, endpoints: impl FnOnce() -> Endpoints) {
        if self.wants(event) {
            self.emit_values(event, &[value], &endpoints());
        }
    }

    /// Reports `event` with its values.
    pub fn emit_values(&self, event: c_int, values: &[u64], endpoints: &Endpoints) {
        if let Some(a) = self.lock().as_mut() {
            a.send(event as u64, values, endpoints);
        }
    }

    /// Starts sending `events` to sockets that connect to the inproc `endpoint` of
    /// `inproc` (bound here for `socket_id`, whose closing unbinds it), after stopping
    /// any previous monitor. EADDRINUSE when the name is taken.
    pub(crate) fn start(
        self: &Arc<Self>,
        inproc: &Arc<Inproc>,
        endpoint: &str,
        socket_id: u64,
        (events, version, socket_type): (u64, c_int, c_int),
    ) -> crate::error::Result<()> {
        self.stop();
        let owner: Arc<dyn Owner> = Arc::new(Consumers(Arc::downgrade(self)));
        let config = PipeConfig {
            sndhwm: MONITOR_HWM,
            rcvhwm: MONITOR_HWM,
            conflate: false,
        };
        let me = Peer {
            socket_id,
            mailbox: owner.clone(),
            config,
            routing_id: Vec::new(),
            hello_msg: Vec::new(),
            disconnect_msg: Vec::new(),
        };
        let mut g = self.lock();
        let waiting = inproc.bind(endpoint, me)?;
        let mut active = Active {
            events,
            version,
            socket_type,
            pipes: Vec::new(),
            next: 0,
            inproc: inproc.clone(),
            endpoint: endpoint.to_owned(),
            socket_id,
            owner,
        };
        for PendingConnect { connector, pipe } in waiting {
            pipe.set_peer_config(config, connector.config);
            active.attach(pipe);
        }
        *g = Some(active);
        self.events.store(events, Ordering::Relaxed);
        Ok(())
    }

    /// Stops monitoring: MONITOR_STOPPED (when wanted) is the last event, then the
    /// endpoint goes and the consumers' pipes close (they can still read what was sent).
    pub fn stop(&self) {
        let taken = {
            let mut g = self.lock();
            self.events.store(0, Ordering::Relaxed);
            g.take()
        };
        if let Some(mut a) = taken {
            a.send(
                ZMQ_EVENT_MONITOR_STOPPED as u64,
                &[0],
                &Endpoints::default(),
            );
            let _ = a.inproc.unbind(&a.endpoint, a.socket_id);
            for p in a.pipes.drain(..) {
                p.close();
            }
        }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Active {
    fn attach(&mut self, pipe: PipeEnd) {
        pipe.attach(self.owner.clone());
        // A PAIR has one peer; later ones are turned away, as libzmq's PAIR does.
        if self.socket_type == ZMQ_PAIR && !self.pipes.is_empty() {
            pipe.close();
            return;
        }
        self.pipes.push(pipe);
    }

    fn drop_pipe(&mut self, id: crate::pipe::PipeId) {
        if let Some(i) = self.pipes.iter().position(|p| p.id() == id) {
            self.pipes.remove(i).close();
        }
    }

    fn send(&mut self, event: u64, values: &[u64], ep: &Endpoints) {
        if self.events & event == 0 {
            return;
        }
        let mut frames: Vec<Vec<u8>> = Vec::with_capacity(values.len() + 4);
        match self.version {
            1 => {
                let mut head = Vec::with_capacity(6);
                head.extend_from_slice(&(event as u16).to_ne_bytes());
                let value = values.first().copied().unwrap_or(0) as u32;
                head.extend_from_slice(&value.to_ne_bytes());
                frames.push(head);
                frames.push(ep.identifier().as_bytes().to_vec());
            }
            2 => {
                frames.push(event.to_ne_bytes().to_vec());
                frames.push((values.len() as u64).to_ne_bytes().to_vec());
                frames.extend(values.iter().map(|v| v.to_ne_bytes().to_vec()));
                frames.push(ep.local.as_bytes().to_vec());
                frames.push(ep.remote.as_bytes().to_vec());
            }
            // libzmq sends nothing for other versions.
            _ => return,
        }
        // Consumers that went away are forgotten.
        self.pipes.retain(|p| !p.peer_closed());
        let n = self.pipes.len();
        // Nowhere to go (no consumer yet, or at its high-water mark): dropped, as
        // libzmq's non-blocking send on its monitor socket drops it.
        match self.socket_type {
            ZMQ_PUB => {
                for p in &mut self.pipes {
                    write_frames(p, &frames);
                }
            }
            _ => {
                for k in 0..n {
                    let i = (self.next + k) % n;
                    if write_frames(&mut self.pipes[i], &frames) {
                        self.next = i + 1;
                        break;
                    }
                }
            }
        }
    }
}

/// Writes one multipart message if the pipe has room for it; false if not.
fn write_frames(p: &mut PipeEnd, frames: &[Vec<u8>]) -> bool {
    if !p.check_write() {
        return false;
    }
    let last = frames.len() - 1;
    for (i, f) in frames.iter().enumerate() {
        let mut m = Msg::from_slice(f);
        m.set_more(i < last);
        p.write(m);
    }
    true
}

/// The events of a connection that failed (libzmq's `stream_engine_base_t::error`):
/// the handshake failure, if it was still handshaking, then DISCONNECTED, each given
/// to `emit` with its value.
pub fn connection_failed(conn: &Engine, fd: RawFd, mut emit: impl FnMut(c_int, u64)) {
    // libzmq counts ZMTP 1.0/2.0 and raw connections as handshaking throughout (they
    // have no mechanism).
    let handshaking = !conn.is_ready() || conn.peer_version().0 < 3;
    match conn.error() {
        // Protocol errors are reported where they happen (a mechanism's checks).
        Some(e) if !e.is_connection_error() => {
            if let Some(code) = e.protocol_error_code() {
                emit(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, code as u32 as u64);
            } else if let Some(status) = e.auth_failure_status() {
                emit(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, status as u64);
            } else if *e == crate::zmtp::Error::NoZapHandler {
                emit(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, e.errno().0 as u64);
            }
        }
        // A timeout or an I/O error (the peer closed: EPIPE, as libzmq reads it).
        e if handshaking => {
            let err = e.map_or(libc::EPIPE, |e| e.errno().0);
            emit(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, err as u64);
        }
        _ => {}
    }
    emit(ZMQ_EVENT_DISCONNECTED, fd as u64);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_follow_the_side() {
        assert_eq!(Endpoints::bind("tcp://a:1").identifier(), "tcp://a:1");
        assert_eq!(Endpoints::connect("tcp://b:2").identifier(), "tcp://b:2");
        assert_eq!(Endpoints::default().identifier(), "");
    }

    #[test]
    fn idle_monitor_wants_nothing() {
        let m = Monitor::new();
        assert!(!m.wants(ZMQ_EVENT_CONNECTED));
        m.emit(ZMQ_EVENT_CONNECTED, 3, || unreachable!("not evaluated"));
        m.stop();
    }
}
