//! Endpoints without connections (udp, pgm, epgm, norm): one pipe to the socket and the
//! transport's own descriptors, made when the socket binds or connects. No handshake,
//! reconnect or session: the worker drives one when a descriptor of it is ready, when
//! its pipe has news, and at the deadline it asks for (a protocol library's timers,
//! the socket's linger).

use std::io;
use std::time::Instant;

use mio::{Registry, Token};

use crate::pipe::PipeEnd;

pub trait Connectionless: Send {
    /// Registers every descriptor it waits on, all under `token`.
    fn register(&mut self, registry: &Registry, token: Token) -> io::Result<()>;
    fn pipe(&self) -> Option<&PipeEnd>;
    /// Moves what can be moved now; true once it is done (the socket closed its end
    /// and what it left is out, or its linger ran out).
    fn pump(&mut self, now: Instant) -> bool;
    /// When to be pumped next without an event.
    fn deadline(&self) -> Option<Instant> {
        None
    }
    /// The context terminates: true to be removed at once; false to finish within the
    /// socket's linger (`pump` then says when it is done).
    fn shutdown(&mut self, _now: Instant) -> bool {
        true
    }
    fn close(&mut self, registry: &Registry);
}

/// One in the worker's table, with the ids it answers to.
pub(super) struct Entry {
    pub(super) socket_id: u64,
    pub(super) endpoint_id: u64,
    /// The deadline in the worker's timer heap (later ones are not pushed).
    pub(super) armed: Option<Instant>,
    pub(super) inner: Box<dyn Connectionless>,
}

impl std::fmt::Debug for dyn Connectionless {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Connectionless")
    }
}
