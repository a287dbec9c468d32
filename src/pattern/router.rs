//! ZMQ_ROUTER: every peer gets a routing id; received messages are prefixed with the id
//! of the peer they came from, and the first frame of a sent message names the peer it
//! goes to.
//!
//! A pipe's routing id is, in order of preference: the id given to this connection with
//! `ZMQ_CONNECT_ROUTING_ID` (the socket layer puts it in `PipeEnd::routing_id`), the
//! peer's own `ZMQ_ROUTING_ID`, or a generated 5-byte id (a zero byte and a 32-bit
//! counter starting at a random value). A peer whose id is already taken is ignored
//! (its messages are discarded unread) unless `ZMQ_ROUTER_HANDOVER` is set, in which
//! case the new connection takes the id over and the old one is closed, after the
//! message being read from it, if any, has been read to the end.
//!
//! `ZMQ_ROUTER_RAW` (deprecated in libzmq, kept working there and here) makes the
//! connections made from then on raw, as STREAM's: no ZMTP, generated ids only, a
//! connection's start and end delivered as [id, empty frame], every sent frame after the
//! id written as is (MORE ignored) and an empty frame ending the connection (libzmq
//! drops its pipe then but leaves the TCP connection open; we close it, as STREAM does).

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::ffi::c_int;
use std::hash::BuildHasher;

use super::{fq::FairQueue, Pattern, Pipes};
use crate::constants::*;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::pipe::PipeId;

/// A random 32-bit value (the std library seeds `RandomState` from the OS).
pub(super) fn random_u32() -> u32 {
    RandomState::new().hash_one(0x5a17_u64) as u32
}

/// An int option of a routing socket: a 4-byte int, 0 or positive.
fn int_option(value: &[u8]) -> Result<c_int> {
    match <[u8; 4]>::try_from(value).map(c_int::from_ne_bytes) {
        Ok(v) if v >= 0 => Ok(v),
        _ => Err(Errno::EINVAL),
    }
}

#[derive(Debug)]
pub struct Router {
    fq: FairQueue,
    /// Routing id -> pipe, for sending.
    out: HashMap<Vec<u8>, PipeId>,
    /// Pipe -> routing id, for receiving.
    ids: HashMap<PipeId, Vec<u8>>,
    /// Pipes refused for a duplicate routing id: whatever they bring is discarded.
    ignored: HashSet<PipeId>,
    next_id: u32,

    /// The routing-id frame of the prefetched message, not yet delivered.
    prefetched_id: Option<Msg>,
    /// The first frame of the next message, taken from its pipe ahead of time.
    prefetched_msg: Option<Msg>,
    /// The last frame delivered had MORE set: the message continues.
    more_in: bool,
    /// The pipe the message being delivered comes from.
    current_in: Option<PipeId>,
    /// `current_in` was handed over to a new peer: close it after this message.
    terminate_current_in: bool,

    /// In the middle of a sent message (its routing id frame was taken).
    more_out: bool,
    /// Where the frames of the message being sent go; `None` drops them.
    current_out: Option<PipeId>,

    mandatory: bool,
    handover: bool,
    probe_router: bool,
    /// ZMQ_ROUTER_NOTIFY (draft).
    #[cfg(feature = "draft")]
    notify: c_int,
    /// Pipes named by ZMQ_CONNECT_ROUTING_ID, which the peer's id never overrides.
    connect_named: HashSet<PipeId>,
    /// The socket's connections are raw (`Options::raw_socket`, set by ZMQ_ROUTER_RAW
    /// and never cleared, as in libzmq): ids are generated, sent frames lose MORE.
    raw_connections: bool,
    /// ZMQ_ROUTER_RAW as last set: an empty data frame closes the connection.
    raw: bool,
}

impl Default for Router {
    fn default() -> Self {
        Router {
            fq: FairQueue::default(),
            out: HashMap::new(),
            ids: HashMap::new(),
            ignored: HashSet::new(),
            next_id: random_u32(),
            prefetched_id: None,
            prefetched_msg: None,
            more_in: false,
            current_in: None,
            terminate_current_in: false,
            more_out: false,
            current_out: None,
            mandatory: false,
            handover: false,
            probe_router: false,
            #[cfg(feature = "draft")]
            notify: 0,
            connect_named: HashSet::new(),
            raw_connections: false,
            raw: false,
        }
    }
}

impl Router {
    /// A generated routing id not in use: a zero byte, then a 32-bit counter.
    fn generate_id(&mut self) -> Vec<u8> {
        loop {
            let mut id = vec![0u8; 5];
            id[1..].copy_from_slice(&self.next_id.to_be_bytes());
            self.next_id = self.next_id.wrapping_add(1);
            if !self.out.contains_key(&id) {
                return id;
            }
        }
    }

    /// Whether the next frame `recv` returns starts a message (is a routing id).
    pub(super) fn at_message_start(&self) -> bool {
        !self.more_in
    }

    /// The routing id of an attached pipe.
    pub fn routing_id_of(&self, id: PipeId) -> Option<&[u8]> {
        self.ids.get(&id).map(Vec::as_slice)
    }

    /// The pipe a routing id names.
    pub fn pipe_of(&self, routing_id: &[u8]) -> Option<PipeId> {
        self.out.get(routing_id).copied()
    }

    /// `zmq_socket_get_peer_state`: ZMQ_POLLOUT when a message to the peer can be
    /// queued now; EHOSTUNREACH for an unknown routing id.
    pub fn peer_state(&self, pipes: &mut Pipes, routing_id: &[u8]) -> Result<c_int> {
        let id = self.pipe_of(routing_id).ok_or(Errno::EHOSTUNREACH)?;
        Ok(if pipes.check_write(id) {
            ZMQ_POLLOUT as c_int
        } else {
            0
        })
    }

    /// Discards everything an ignored pipe holds (reading to its end lets the socket
    /// retire it once its peer has gone).
    fn drain_ignored(pipes: &mut Pipes, id: PipeId) {
        while pipes.read(id).is_some() {}
    }

    /// Takes the first frame of the next message and stages it behind its routing id.
    /// A session's in-band routing-id message (a connection we made learnt its peer's
    /// ZMQ_ROUTING_ID) renames the pipe and is not delivered.
    fn prefetch(&mut self, pipes: &mut Pipes) -> Result<()> {
        loop {
            let (msg, pipe) = self.fq.recv(pipes)?;
            if msg.is_routing_id() {
                self.rename(pipes, pipe, msg.data().to_vec());
                continue;
            }
            self.stage(msg, pipe);
            return Ok(());
        }
    }

    /// The peer of a connected pipe told its routing id: use it, unless the pipe was
    /// named with ZMQ_CONNECT_ROUTING_ID, the peer sent none, or another peer holds it
    /// (then the generated id stays, or with ZMQ_ROUTER_HANDOVER the pipe takes over).
    fn rename(&mut self, pipes: &mut Pipes, id: PipeId, rid: Vec<u8>) {
        if rid.is_empty() || self.connect_named.contains(&id) || self.ids.get(&id) == Some(&rid) {
            return;
        }
        if self.out.contains_key(&rid) && !self.handover {
            return;
        }
        if let Some(old) = self.ids.remove(&id) {
            self.out.remove(&old);
        }
        if let Some(&other) = self.out.get(&rid) {
            // Handover: the old holder gets a fresh id and is closed.
            let fresh = self.generate_id();
            self.out.insert(fresh.clone(), other);
            self.ids.insert(other, fresh);
            pipes.retire(other);
        }
        self.out.insert(rid.clone(), id);
        self.ids.insert(id, rid);
    }

    fn stage(&mut self, msg: Msg, pipe: PipeId) {
        let mut id = Msg::from_slice(self.ids.get(&pipe).map_or(&[][..], Vec::as_slice));
        id.set_more(true);
        id.set_metadata(msg.metadata().cloned());
        self.prefetched_id = Some(id);
        self.prefetched_msg = Some(msg);
        self.current_in = Some(pipe);
        self.terminate_current_in = false;
    }

    fn end_of_message(&mut self, pipes: &mut Pipes) {
        if self.terminate_current_in {
            if let Some(old) = self.current_in {
                pipes.retire(old);
            }
            self.terminate_current_in = false;
        }
        self.current_in = None;
    }

    /// Gives pipe `id` the routing id `rid` (taken over from `old` with handover).
    fn identify(&mut self, pipes: &mut Pipes, id: PipeId, rid: Vec<u8>) {
        if let Some(&old) = self.out.get(&rid) {
            // Handover: the old pipe gets a fresh id until it is closed.
            let fresh = self.generate_id();
            self.out.insert(fresh.clone(), old);
            self.ids.insert(old, fresh.clone());
            if let Some(p) = pipes.get_mut(old) {
                p.routing_id = fresh;
            }
            let reading_it =
                self.current_in == Some(old) && (self.more_in || self.prefetched_msg.is_some());
            if reading_it {
                self.terminate_current_in = true;
            } else {
                pipes.retire(old);
            }
        }
        if let Some(p) = pipes.get_mut(id) {
            p.routing_id = rid.clone();
        }
        self.out.insert(rid.clone(), id);
        self.ids.insert(id, rid);
        self.fq.attach(id);
    }
}

impl Pattern for Router {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        let Some(p) = pipes.get_mut(id) else { return };
        if self.probe_router && p.check_write() {
            p.write(Msg::new());
        }
        let connect_rid = std::mem::take(&mut p.routing_id);
        let peer_rid = p.peer_routing_id.clone();
        let (rid, may_take_over) = if !connect_rid.is_empty() {
            // libzmq asserts on a duplicate connect routing id; we ignore the pipe.
            self.connect_named.insert(id);
            (connect_rid, false)
        } else if !peer_rid.is_empty() && !self.raw_connections {
            (peer_rid, self.handover)
        } else {
            (self.generate_id(), false)
        };
        if self.out.contains_key(&rid) && !may_take_over {
            self.ignored.insert(id);
            Self::drain_ignored(pipes, id);
            return;
        }
        self.identify(pipes, id, rid);
    }

    fn terminated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.connect_named.remove(&id);
        if self.ignored.remove(&id) {
            return;
        }
        if let Some(rid) = self.ids.remove(&id) {
            if self.out.get(&rid) == Some(&id) {
                self.out.remove(&rid);
            }
        }
        self.fq.terminated(id);
        if self.current_out == Some(id) {
            self.current_out = None;
        }
        if self.current_in == Some(id) {
            // What was prefetched is delivered; the rest of a message cut short is lost,
            // and the next frame from another pipe starts a new message.
            self.current_in = None;
            self.terminate_current_in = false;
        }
    }

    fn read_activated(&mut self, pipes: &mut Pipes, id: PipeId) {
        if self.ignored.contains(&id) {
            Self::drain_ignored(pipes, id);
        } else {
            self.fq.activated(id);
        }
    }

    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        if !self.more_out {
            // The routing id frame. A lone routing id (no MORE) is malformed: dropped.
            if msg.more() {
                self.current_out = None;
                match self.out.get(msg.data()).copied() {
                    Some(pipe) if pipes.check_write(pipe) => self.current_out = Some(pipe),
                    Some(pipe) if self.mandatory => {
                        let gone = pipes.get(pipe).is_none_or(|p| p.peer_closed());
                        return Err(if gone {
                            Errno::EHOSTUNREACH
                        } else {
                            Errno::EAGAIN
                        });
                    }
                    None if self.mandatory => return Err(Errno::EHOSTUNREACH),
                    Some(pipe) => crate::diag::frequent!(
                        "ROUTER: message dropped: {} is at its high-water mark (ZMQ_ROUTER_MANDATORY would say EAGAIN)",
                        crate::diag::peer(pipes.get(pipe))
                    ),
                    None => crate::diag::frequent!(
                        "ROUTER: message dropped: no peer has routing id {} (ZMQ_ROUTER_MANDATORY would say EHOSTUNREACH)",
                        crate::diag::bytes(msg.data())
                    ),
                }
                self.more_out = true;
            }
            drop(std::mem::take(msg));
            return Ok(());
        }
        let mut frame = std::mem::take(msg);
        if self.raw_connections {
            // A raw connection carries bytes, not frames: MORE is ignored.
            frame.set_more(false);
        }
        self.more_out = frame.more();
        if let Some(pipe) = self.current_out {
            if self.raw && frame.size() == 0 {
                // ZMQ_ROUTER_RAW: an empty frame closes the connection.
                pipes.retire(pipe);
                self.current_out = None;
                return Ok(());
            }
            pipes.write(pipe, frame);
            if !self.more_out {
                self.current_out = None;
            }
        }
        Ok(())
    }

    fn recv(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        if self.prefetched_msg.is_none() {
            if !self.more_in {
                self.prefetch(pipes)?;
            } else {
                let (msg, pipe) = self.fq.recv(pipes)?;
                if Some(pipe) == self.current_in {
                    self.more_in = msg.more();
                    if !self.more_in {
                        self.end_of_message(pipes);
                    }
                    return Ok(msg);
                }
                // The pipe of the message being read went away: start the next one.
                self.stage(msg, pipe);
            }
        }
        let msg = match self.prefetched_id.take() {
            Some(id) => id,
            None => self.prefetched_msg.take().ok_or(Errno::EAGAIN)?,
        };
        self.more_in = msg.more();
        if !self.more_in {
            self.end_of_message(pipes);
        }
        Ok(msg)
    }

    fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        if self.more_in || self.prefetched_msg.is_some() {
            return true;
        }
        self.prefetch(pipes).is_ok()
    }

    fn peer_state(&mut self, pipes: &mut Pipes, routing_id: &[u8]) -> Option<Result<c_int>> {
        Some(Router::peer_state(self, pipes, routing_id))
    }

    fn options_changed(&mut self, options: &crate::socket::options::Options) {
        self.raw_connections = options.raw_socket;
    }

    fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        if !self.mandatory {
            return true;
        }
        let ids: Vec<PipeId> = self.out.values().copied().collect();
        ids.into_iter().any(|id| pipes.check_write(id))
    }

    fn set_option(
        &mut self,
        _pipes: &mut Pipes,
        option: c_int,
        value: &[u8],
    ) -> Option<Result<()>> {
        let flag = match option {
            ZMQ_ROUTER_MANDATORY => &mut self.mandatory,
            ZMQ_ROUTER_HANDOVER => &mut self.handover,
            ZMQ_PROBE_ROUTER => &mut self.probe_router,
            // The socket layer also makes the connections raw (`Options::raw_socket`).
            ZMQ_ROUTER_RAW => &mut self.raw,
            #[cfg(feature = "draft")]
            ZMQ_ROUTER_NOTIFY => {
                return Some(match int_option(value) {
                    Ok(v) if v <= ZMQ_NOTIFY_CONNECT | ZMQ_NOTIFY_DISCONNECT => {
                        self.notify = v;
                        Ok(())
                    }
                    _ => Err(Errno::EINVAL),
                })
            }
            _ => return None,
        };
        Some(int_option(value).map(|v| *flag = v != 0))
    }

    #[cfg(feature = "draft")]
    fn get_option(&self, option: c_int, out: &mut [u8]) -> Option<Result<usize>> {
        match option {
            ZMQ_ROUTER_NOTIFY => Some(if out.len() == 4 {
                super::put_int(out, self.notify)
            } else {
                Err(Errno::EINVAL)
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::pipe::{self, PipeConfig, PipeEnd};

    pub fn cfg(hwm: u64) -> PipeConfig {
        PipeConfig {
            sndhwm: hwm,
            rcvhwm: hwm,
            conflate: false,
        }
    }

    pub fn frame(data: &[u8], more: bool) -> Msg {
        let mut m = Msg::from_slice(data);
        m.set_more(more);
        m
    }

    /// Connects a peer to a socket's `pipes`; returns the peer's end and the socket's id.
    pub fn connect(
        p: &mut dyn Pattern,
        pipes: &mut Pipes,
        peer_rid: &[u8],
        hwm: u64,
    ) -> (PipeEnd, PipeId) {
        let (mut mine, peer) = pipe::pair(cfg(hwm), Some(cfg(hwm)));
        mine.peer_routing_id = peer_rid.to_vec();
        let id = mine.id();
        pipes.insert(mine);
        p.attach(pipes, id);
        (peer, id)
    }

    pub fn read_all(peer: &mut PipeEnd) -> Vec<Vec<u8>> {
        let mut v = Vec::new();
        while let pipe::Read::Msg(m) = peer.read() {
            v.push(m.data().to_vec());
        }
        v
    }

    fn recv_msg(r: &mut Router, pipes: &mut Pipes) -> Vec<Vec<u8>> {
        let mut v = Vec::new();
        loop {
            let m = r.recv(pipes).unwrap();
            v.push(m.data().to_vec());
            if !m.more() {
                return v;
            }
        }
    }

    fn send_msg(r: &mut Router, pipes: &mut Pipes, parts: &[&[u8]]) -> Result<()> {
        for (i, part) in parts.iter().enumerate() {
            r.send(pipes, &mut frame(part, i + 1 < parts.len()))?;
        }
        Ok(())
    }

    fn int(v: c_int) -> [u8; 4] {
        v.to_ne_bytes()
    }

    #[test]
    fn generated_ids_are_zero_then_counter() {
        let mut r = Router {
            next_id: u32::MAX,
            ..Default::default()
        };
        let a = r.generate_id();
        let b = r.generate_id();
        assert_eq!(a, [0, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(b, [0, 0, 0, 0, 0]);
        // An id in use is skipped.
        r.out.insert(vec![0, 0, 0, 0, 1], 99);
        assert_eq!(r.generate_id(), [0, 0, 0, 0, 2]);
    }

    #[test]
    fn routes_by_id_both_ways() {
        let mut r = Router::default();
        let mut pipes = Pipes::default();
        let (mut a, _) = connect(&mut r, &mut pipes, b"A", 10);
        let (mut anon, _) = connect(&mut r, &mut pipes, b"", 10);
        a.write(frame(b"x", true));
        a.write(frame(b"y", false));
        assert!(r.has_in(&mut pipes));
        assert_eq!(
            recv_msg(&mut r, &mut pipes),
            [b"A".to_vec(), b"x".to_vec(), b"y".to_vec()]
        );
        anon.write(frame(b"z", false));
        let got = recv_msg(&mut r, &mut pipes);
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].len(), got[0][0]), (5, 0));
        assert_eq!(r.recv(&mut pipes).map(drop), Err(Errno::EAGAIN));

        send_msg(&mut r, &mut pipes, &[&got[0], b"to anon"]).unwrap();
        send_msg(&mut r, &mut pipes, &[b"A", b"1", b"2"]).unwrap();
        send_msg(&mut r, &mut pipes, &[b"nobody", b"lost"]).unwrap();
        send_msg(&mut r, &mut pipes, &[b"A"]).unwrap(); // malformed: dropped
        assert_eq!(read_all(&mut anon), [b"to anon".to_vec()]);
        assert_eq!(read_all(&mut a), [b"1".to_vec(), b"2".to_vec()]);
    }

    #[test]
    fn mandatory_unreachable_and_full() {
        let mut r = Router::default();
        let mut pipes = Pipes::default();
        r.set_option(&mut pipes, ZMQ_ROUTER_MANDATORY, &int(1))
            .unwrap()
            .unwrap();
        assert!(!r.has_out(&mut pipes));
        assert_eq!(
            send_msg(&mut r, &mut pipes, &[b"X", b"m"]),
            Err(Errno::EHOSTUNREACH)
        );
        let (x, _) = connect(&mut r, &mut pipes, b"X", 1);
        assert!(r.has_out(&mut pipes));
        send_msg(&mut r, &mut pipes, &[b"X", b"1"]).unwrap();
        send_msg(&mut r, &mut pipes, &[b"X", b"2"]).unwrap();
        let mut id = frame(b"X", true);
        assert_eq!(r.send(&mut pipes, &mut id), Err(Errno::EAGAIN));
        assert_eq!(id.data(), b"X"); // left for a retry
        assert!(!r.has_out(&mut pipes));
        x.close();
        assert_eq!(r.send(&mut pipes, &mut id), Err(Errno::EHOSTUNREACH));
    }

    #[test]
    fn duplicate_ids_are_ignored_without_handover() {
        let mut r = Router::default();
        let mut pipes = Pipes::default();
        let (mut one, _) = connect(&mut r, &mut pipes, b"X", 10);
        let (mut two, two_id) = connect(&mut r, &mut pipes, b"X", 10);
        two.write(frame(b"ignored", false));
        r.read_activated(&mut pipes, two_id);
        assert!(!r.has_in(&mut pipes));
        send_msg(&mut r, &mut pipes, &[b"X", b"hi"]).unwrap();
        assert_eq!(read_all(&mut one), [b"hi".to_vec()]);
        assert!(read_all(&mut two).is_empty());
    }

    #[test]
    fn handover_moves_the_id_after_the_current_message() {
        let mut r = Router::default();
        let mut pipes = Pipes::default();
        r.set_option(&mut pipes, ZMQ_ROUTER_HANDOVER, &int(1))
            .unwrap()
            .unwrap();
        let (mut one, one_id) = connect(&mut r, &mut pipes, b"X", 10);
        one.write(frame(b"a", true));
        one.write(frame(b"b", false));
        assert_eq!(r.recv(&mut pipes).unwrap().data(), b"X");
        let (mut two, _) = connect(&mut r, &mut pipes, b"X", 10);
        assert!(pipes.take_finished().is_empty());
        assert_eq!(r.recv(&mut pipes).unwrap().data(), b"a");
        assert_eq!(r.recv(&mut pipes).unwrap().data(), b"b");
        assert_eq!(pipes.take_finished(), [one_id]);
        pipes.remove(one_id);
        r.terminated(&mut pipes, one_id);
        send_msg(&mut r, &mut pipes, &[b"X", b"new"]).unwrap();
        assert_eq!(read_all(&mut two), [b"new".to_vec()]);
        assert!(read_all(&mut one).is_empty());
    }

    #[test]
    fn connect_routing_id_wins_and_probe() {
        let mut r = Router::default();
        let mut pipes = Pipes::default();
        r.set_option(&mut pipes, ZMQ_PROBE_ROUTER, &int(1))
            .unwrap()
            .unwrap();
        let (mut mine, mut peer) = pipe::pair(cfg(10), Some(cfg(10)));
        mine.peer_routing_id = b"theirs".to_vec();
        mine.routing_id = b"chosen".to_vec();
        let id = mine.id();
        pipes.insert(mine);
        r.attach(&mut pipes, id);
        assert_eq!(r.routing_id_of(id), Some(&b"chosen"[..]));
        assert_eq!(read_all(&mut peer), [Vec::<u8>::new()]);
        assert_eq!(
            r.peer_state(&mut pipes, b"chosen"),
            Ok(ZMQ_POLLOUT as c_int)
        );
        assert_eq!(
            r.peer_state(&mut pipes, b"theirs"),
            Err(Errno::EHOSTUNREACH)
        );
    }

    #[test]
    fn options() {
        let mut r = Router::default();
        let mut pipes = Pipes::default();
        for o in [
            ZMQ_ROUTER_MANDATORY,
            ZMQ_ROUTER_HANDOVER,
            ZMQ_PROBE_ROUTER,
            ZMQ_ROUTER_RAW,
        ] {
            assert_eq!(
                r.set_option(&mut pipes, o, &int(-1)),
                Some(Err(Errno::EINVAL))
            );
            assert_eq!(r.set_option(&mut pipes, o, &[1]), Some(Err(Errno::EINVAL)));
            assert_eq!(r.set_option(&mut pipes, o, &int(0)), Some(Ok(())));
        }
        assert_eq!(
            r.set_option(&mut pipes, ZMQ_ROUTER_RAW, &int(1)),
            Some(Ok(()))
        );
        assert_eq!(r.set_option(&mut pipes, ZMQ_SNDHWM, &int(1)), None);
        #[cfg(feature = "draft")]
        {
            assert_eq!(
                r.set_option(&mut pipes, ZMQ_ROUTER_NOTIFY, &int(4)),
                Some(Err(Errno::EINVAL))
            );
            assert_eq!(
                r.set_option(&mut pipes, ZMQ_ROUTER_NOTIFY, &int(3)),
                Some(Ok(()))
            );
            let mut buf = [0u8; 4];
            assert_eq!(r.get_option(ZMQ_ROUTER_NOTIFY, &mut buf), Some(Ok(4)));
            assert_eq!(c_int::from_ne_bytes(buf), 3);
        }
    }
}
