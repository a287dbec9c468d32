//! Socket types: one file per type, each only its routing rules.
//!
//! A socket type implements [`Pattern`] over the socket's [`Pipes`]; the socket layer
//! (`crate::socket`) does everything else: options, blocking, timeouts, commands,
//! endpoints. Shared strategies live in their own modules: [`lb`] (load-balance
//! outgoing messages), [`fq`] (fair-queue incoming ones).

use std::collections::HashMap;
use std::ffi::{c_int, CStr};
use std::hash::{BuildHasherDefault, Hasher};

use crate::constants::*;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::options::Options;
use crate::pipe::{PipeEnd, PipeId, Read, ReadInto};

mod active;
pub mod dealer;
#[cfg(feature = "draft")]
pub mod dgram;
#[cfg(feature = "draft")]
pub mod dish;
pub mod dist;
pub mod fq;
pub mod lb;
pub mod mtrie;
pub mod pair;
pub mod pub_;
pub mod pull;
pub mod push;
#[cfg(feature = "draft")]
pub mod radio;
pub mod rep;
pub mod req;
pub mod router;
pub mod server;
pub mod single;
pub mod stream;
pub mod sub;
pub mod trie;
pub mod xpub;
pub mod xsub;

/// The routing rules of one socket type (libzmq's `xsend`, `xrecv`, ... virtuals).
pub trait Pattern: Send {
    /// A new pipe joined the socket.
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId);
    /// A pipe left the socket; its id is no longer in `pipes`.
    fn terminated(&mut self, pipes: &mut Pipes, id: PipeId);
    /// A pipe that was found empty has messages again.
    fn read_activated(&mut self, _pipes: &mut Pipes, _id: PipeId) {}
    /// A pipe that was at its high-water mark has room again.
    fn write_activated(&mut self, _pipes: &mut Pipes, _id: PipeId) {}
    /// Sends one frame. On success the frame is taken out of `msg`; EAGAIN means
    /// "not now" and leaves `msg` as it was.
    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()>;
    /// Receives one frame; EAGAIN when none is available.
    fn recv(&mut self, pipes: &mut Pipes) -> Result<Msg>;
    /// Receives one frame into `out` (the caller's message, whose old content is
    /// dropped); `out` is untouched on failure. Types on the hot path read the pipe
    /// straight into it; the rest go through `recv`.
    fn recv_into(&mut self, pipes: &mut Pipes, out: &mut Msg) -> Result<()> {
        *out = self.recv(pipes)?;
        Ok(())
    }
    fn has_in(&mut self, pipes: &mut Pipes) -> bool;
    fn has_out(&mut self, pipes: &mut Pipes) -> bool;
    /// Socket-type options; `None` when the option is not this type's.
    fn set_option(
        &mut self,
        _pipes: &mut Pipes,
        _option: c_int,
        _value: &[u8],
    ) -> Option<Result<()>> {
        None
    }
    fn get_option(&self, _option: c_int, _out: &mut [u8]) -> Option<Result<usize>> {
        None
    }
    /// Called at creation and after every successful generic option change, so a type
    /// can cache the generic options it follows (e.g. ZMQ_INVERT_MATCHING).
    fn options_changed(&mut self, _options: &Options) {}
    /// A pipe's connection was re-established (libzmq's "hiccup"): what the peer knew
    /// of us is gone, e.g. XSUB must send its subscriptions again.
    fn hiccuped(&mut self, _pipes: &mut Pipes, _id: PipeId) {}
    /// `zmq_socket_get_peer_state` (ROUTER): `None` for types without peers by id.
    fn peer_state(&mut self, _pipes: &mut Pipes, _routing_id: &[u8]) -> Option<Result<c_int>> {
        None
    }
    /// SERVER/PEER: the routing id given to the most recently attached peer.
    fn last_routing_id(&self) -> Option<u32> {
        None
    }
    /// `zmq_join` (DISH): ENOTSUP for the other types, whatever the group (even NULL).
    fn join(&mut self, _pipes: &mut Pipes, _group: Option<&CStr>) -> Result<()> {
        Err(Errno::ENOTSUP)
    }
    /// `zmq_leave` (DISH): ENOTSUP for the other types, whatever the group.
    fn leave(&mut self, _pipes: &mut Pipes, _group: Option<&CStr>) -> Result<()> {
        Err(Errno::ENOTSUP)
    }
}

/// Pipes to endpoints of these transports carry no subscriptions: a publisher sends
/// them everything (libzmq's `subscribe_to_all`), and their subscribers filter.
pub(crate) fn subscribes_to_all(endpoint: &str) -> bool {
    ["pgm://", "epgm://", "norm://"]
        .iter()
        .any(|scheme| endpoint.starts_with(scheme))
}

/// The draft types that libzmq makes thread-safe: any thread may use them, and they
/// have no ZMQ_FD (a poller waits on them instead).
pub fn is_thread_safe(socket_type: c_int) -> bool {
    #[cfg(feature = "draft")]
    {
        matches!(
            socket_type,
            ZMQ_SERVER
                | ZMQ_CLIENT
                | ZMQ_RADIO
                | ZMQ_DISH
                | ZMQ_GATHER
                | ZMQ_SCATTER
                | ZMQ_PEER
                | ZMQ_CHANNEL
        )
    }
    #[cfg(not(feature = "draft"))]
    {
        let _ = socket_type;
        false
    }
}

/// Creates the pattern of a socket type; EINVAL for a number that is no socket type.
pub fn new(socket_type: c_int) -> Result<Box<dyn Pattern>> {
    Ok(match socket_type {
        ZMQ_PAIR => Box::new(pair::Pair::default()),
        ZMQ_PUSH => Box::new(push::Push::default()),
        ZMQ_PULL => Box::new(pull::Pull::default()),
        ZMQ_DEALER => Box::new(dealer::Dealer::default()),
        ZMQ_REQ => Box::new(req::Req::default()),
        ZMQ_REP => Box::new(rep::Rep::default()),
        ZMQ_ROUTER => Box::new(router::Router::default()),
        ZMQ_PUB => Box::new(pub_::Pub::default()),
        ZMQ_SUB => Box::new(sub::Sub::default()),
        ZMQ_XPUB => Box::new(xpub::XPub::default()),
        ZMQ_XSUB => Box::new(xsub::XSub::default()),
        ZMQ_STREAM => Box::new(stream::Stream::default()),
        #[cfg(feature = "draft")]
        ZMQ_CLIENT => Box::new(single::SingleFrame::new(dealer::Dealer::default(), true)),
        #[cfg(feature = "draft")]
        ZMQ_SCATTER => Box::new(single::SingleFrame::new(push::Push::default(), true)),
        #[cfg(feature = "draft")]
        ZMQ_GATHER => Box::new(single::SingleFrame::new(pull::Pull::default(), false)),
        #[cfg(feature = "draft")]
        ZMQ_CHANNEL => Box::new(single::SingleFrame::new(pair::Pair::default(), true)),
        #[cfg(feature = "draft")]
        ZMQ_SERVER | ZMQ_PEER => Box::new(server::Server::default()),
        #[cfg(feature = "draft")]
        ZMQ_RADIO => Box::new(radio::Radio::default()),
        #[cfg(feature = "draft")]
        ZMQ_DISH => Box::new(dish::Dish::default()),
        #[cfg(feature = "draft")]
        ZMQ_DGRAM => Box::new(dgram::Dgram::default()),
        _ => return Err(Errno::EINVAL),
    })
}

/// A boolean socket-type option: an int, 0 or positive (libzmq's rule for these).
pub fn bool_option(value: &[u8]) -> Result<bool> {
    match <[u8; 4]>::try_from(value).map(i32::from_ne_bytes) {
        Ok(v) if v >= 0 => Ok(v != 0),
        _ => Err(Errno::EINVAL),
    }
}

/// Writes an int option value for getsockopt: EINVAL if the buffer is smaller than an
/// int; a larger one is zeroed first, as libzmq does (callers passing an int64 rely on it).
pub fn put_int(out: &mut [u8], v: c_int) -> Result<usize> {
    if out.len() < 4 {
        return Err(Errno::EINVAL);
    }
    out.fill(0);
    out[..4].copy_from_slice(&v.to_ne_bytes());
    Ok(4)
}

/// Pipe ids are sequential process-wide, so they hash as themselves.
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | b as u64;
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// The pipe ends a socket owns, by id. Pipes whose peer has gone and that have been
/// read to the end are collected in `finished` for the socket to retire.
///
/// The ends live in a slab found through a map by id; the last id looked up is
/// remembered with its slot, so a socket sending or receiving on one pipe after another
/// pays a comparison rather than a hash lookup per message.
#[derive(Default)]
pub struct Pipes {
    slots: Vec<Option<PipeEnd>>,
    vacant: Vec<usize>,
    index: HashMap<PipeId, usize, BuildHasherDefault<IdHasher>>,
    /// The last (id, slot) looked up; ids are never reused, so it cannot go stale
    /// other than by the pipe's removal, which clears it.
    hot: std::cell::Cell<Option<(PipeId, usize)>>,
    finished: Vec<PipeId>,
}

impl Pipes {
    pub fn insert(&mut self, pipe: PipeEnd) {
        let id = pipe.id();
        let slot = match self.vacant.pop() {
            Some(i) => {
                self.slots[i] = Some(pipe);
                i
            }
            None => {
                self.slots.push(Some(pipe));
                self.slots.len() - 1
            }
        };
        if let Some(old) = self.index.insert(id, slot) {
            // Never happens (ids are unique); keep the slab consistent regardless.
            self.slots[old] = None;
            self.vacant.push(old);
        }
    }

    pub fn remove(&mut self, id: PipeId) -> Option<PipeEnd> {
        let slot = self.index.remove(&id)?;
        if self.hot.get().is_some_and(|(h, _)| h == id) {
            self.hot.set(None);
        }
        self.vacant.push(slot);
        self.slots[slot].take()
    }

    #[inline]
    fn slot_of(&self, id: PipeId) -> Option<usize> {
        match self.hot.get() {
            Some((h, slot)) if h == id => Some(slot),
            _ => {
                let slot = *self.index.get(&id)?;
                self.hot.set(Some((id, slot)));
                Some(slot)
            }
        }
    }

    #[inline]
    pub fn get(&self, id: PipeId) -> Option<&PipeEnd> {
        let slot = self.slot_of(id)?;
        self.slots.get(slot)?.as_ref()
    }

    #[inline]
    pub fn get_mut(&mut self, id: PipeId) -> Option<&mut PipeEnd> {
        let slot = self.slot_of(id)?;
        self.slots.get_mut(slot)?.as_mut()
    }

    pub fn ids(&self) -> Vec<PipeId> {
        self.index.keys().copied().collect()
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.index.len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The next frame from pipe `id`, or `None` when it has nothing (it is then
    /// inactive until `read_activated`).
    pub fn read(&mut self, id: PipeId) -> Option<Msg> {
        match self.get_mut(id)?.read() {
            Read::Msg(m) => Some(m),
            Read::Empty => None,
            Read::Finished => {
                self.finished.push(id);
                None
            }
        }
    }

    /// As [`read`](Self::read), into the caller's message; false when pipe `id` had
    /// nothing (`out` untouched).
    #[inline]
    pub fn read_into(&mut self, id: PipeId, out: &mut Msg) -> bool {
        let Some(p) = self.get_mut(id) else {
            return false;
        };
        match p.read_into(out) {
            ReadInto::Msg => true,
            ReadInto::Empty => false,
            ReadInto::Finished => {
                self.finished.push(id);
                false
            }
        }
    }

    pub fn check_read(&mut self, id: PipeId) -> bool {
        self.get_mut(id).is_some_and(|p| p.check_read())
    }

    pub fn check_write(&mut self, id: PipeId) -> bool {
        self.get_mut(id).is_some_and(|p| p.check_write())
    }

    /// Queues a frame on pipe `id`; callers checked `check_write` first. A frame for a
    /// pipe that is gone is dropped, as libzmq drops messages to dead peers.
    pub fn write(&mut self, id: PipeId, msg: Msg) {
        if let Some(p) = self.get_mut(id) {
            p.write(msg);
        }
    }

    /// Whether some pipe waits to be retired (`take_finished`).
    #[inline]
    pub fn has_finished(&self) -> bool {
        !self.finished.is_empty()
    }

    /// Pipes the socket should retire now.
    pub fn take_finished(&mut self) -> Vec<PipeId> {
        std::mem::take(&mut self.finished)
    }

    /// Marks a pipe for retirement by the socket (e.g. PAIR refusing a second peer).
    pub fn retire(&mut self, id: PipeId) {
        self.finished.push(id);
    }

    pub fn drain(&mut self) -> impl Iterator<Item = PipeEnd> + '_ {
        self.index.clear();
        self.vacant.clear();
        self.hot.set(None);
        self.slots.drain(..).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipe::{pair, PipeConfig};

    fn pipe() -> (PipeEnd, PipeEnd) {
        let c = PipeConfig {
            sndhwm: 10,
            rcvhwm: 10,
            conflate: false,
        };
        pair(c, Some(c))
    }

    #[test]
    fn slots_are_reused_and_lookups_follow_removal() {
        let mut pipes = Pipes::default();
        let (a, _pa) = pipe();
        let (b, _pb) = pipe();
        let (ida, idb) = (a.id(), b.id());
        pipes.insert(a);
        pipes.insert(b);
        assert_eq!(pipes.get(ida).map(PipeEnd::id), Some(ida));
        assert_eq!(pipes.get(idb).map(PipeEnd::id), Some(idb));
        // `ida` is the remembered one now: removing it must forget it.
        assert_eq!(pipes.get(ida).map(PipeEnd::id), Some(ida));
        assert_eq!(pipes.remove(ida).map(|p| p.id()), Some(ida));
        assert!(pipes.get(ida).is_none());
        assert!(pipes.get_mut(ida).is_none());
        // Its slot serves the next pipe.
        let (c, _pc) = pipe();
        let idc = c.id();
        pipes.insert(c);
        assert_eq!(pipes.slots.len(), 2);
        assert!(pipes.get(ida).is_none());
        assert_eq!(pipes.get_mut(idc).map(|p| p.id()), Some(idc));
        assert_eq!(pipes.len(), 2);
        let mut ids = pipes.ids();
        ids.sort();
        assert_eq!(ids, [idb, idc]);
        assert_eq!(pipes.drain().count(), 2);
        assert!(pipes.is_empty() && pipes.get(idb).is_none());
    }
}
