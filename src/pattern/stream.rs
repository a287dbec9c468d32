//! ZMQ_STREAM: raw TCP/IPC connections (no ZMTP) named by routing ids. Every received
//! chunk of bytes is delivered as [routing id, data]; a message sent as [routing id,
//! data] is written to that connection as is, and an empty data frame closes it. With
//! `ZMQ_STREAM_NOTIFY` (the default) the connection's start and end are delivered as
//! [routing id, empty frame] (the raw engine produces those empty frames).
//!
//! A connection's routing id is the `ZMQ_CONNECT_ROUTING_ID` given for it (the socket
//! layer puts it in `PipeEnd::routing_id`) or a generated 5-byte id (a zero byte and a
//! 32-bit counter starting at a random value). As in libzmq, the last generated id is
//! what `ZMQ_ROUTING_ID` reads back, which is how a client learns the id of the
//! connection it just made.

use std::collections::HashMap;
use std::ffi::c_int;

use super::{fq::FairQueue, router::random_u32, Pattern, Pipes};
use crate::constants::*;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::pipe::PipeId;

#[derive(Debug)]
pub struct Stream {
    fq: FairQueue,
    /// Routing id -> pipe, for sending.
    out: HashMap<Vec<u8>, PipeId>,
    /// Pipe -> routing id, for receiving.
    ids: HashMap<PipeId, Vec<u8>>,
    next_id: u32,
    /// The last generated routing id (read back as `ZMQ_ROUTING_ID`).
    last_generated: Option<Vec<u8>>,
    /// The routing-id frame of the prefetched data frame, not yet delivered.
    prefetched_id: Option<Msg>,
    /// The data frame taken from its pipe ahead of time.
    prefetched_msg: Option<Msg>,
    /// The routing-id frame of a message being sent was taken: the next frame is data.
    more_out: bool,
    /// Where the data frame goes; `None` drops it.
    current_out: Option<PipeId>,
}

impl Default for Stream {
    fn default() -> Self {
        Stream {
            fq: FairQueue::default(),
            out: HashMap::new(),
            ids: HashMap::new(),
            next_id: random_u32(),
            last_generated: None,
            prefetched_id: None,
            prefetched_msg: None,
            more_out: false,
            current_out: None,
        }
    }
}

impl Stream {
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

    /// The routing id of an attached pipe.
    #[cfg(test)]
    pub fn routing_id_of(&self, id: PipeId) -> Option<&[u8]> {
        self.ids.get(&id).map(Vec::as_slice)
    }

    /// Takes the next data frame and stages it behind its routing id.
    fn prefetch(&mut self, pipes: &mut Pipes) -> Result<()> {
        let (mut msg, pipe) = self.fq.recv(pipes)?;
        // A raw connection delivers single frames; never let a MORE flag through.
        msg.set_more(false);
        let mut id = Msg::from_slice(self.ids.get(&pipe).map_or(&[][..], Vec::as_slice));
        id.set_more(true);
        id.set_metadata(msg.metadata().cloned());
        self.prefetched_id = Some(id);
        self.prefetched_msg = Some(msg);
        Ok(())
    }
}

impl Pattern for Stream {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        let Some(p) = pipes.get_mut(id) else { return };
        let connect_rid = std::mem::take(&mut p.routing_id);
        // libzmq asserts on a duplicate ZMQ_CONNECT_ROUTING_ID; we generate one instead.
        let rid = if !connect_rid.is_empty() && !self.out.contains_key(&connect_rid) {
            connect_rid
        } else {
            let rid = self.generate_id();
            self.last_generated = Some(rid.clone());
            rid
        };
        if let Some(p) = pipes.get_mut(id) {
            p.routing_id = rid.clone();
        }
        self.out.insert(rid.clone(), id);
        self.ids.insert(id, rid);
        self.fq.attach(id);
    }

    fn terminated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        if let Some(rid) = self.ids.remove(&id) {
            if self.out.get(&rid) == Some(&id) {
                self.out.remove(&rid);
            }
        }
        self.fq.terminated(id);
        if self.current_out == Some(id) {
            self.current_out = None;
        }
    }

    fn read_activated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.fq.activated(id);
    }

    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        if !self.more_out {
            // The routing-id frame. Without MORE it is malformed and dropped, and (as
            // in libzmq) the frame after it is taken as data for nobody.
            self.current_out = None;
            if msg.more() {
                let pipe = *self.out.get(msg.data()).ok_or(Errno::EHOSTUNREACH)?;
                if !pipes.check_write(pipe) {
                    return Err(Errno::EAGAIN);
                }
                self.current_out = Some(pipe);
            }
            self.more_out = true;
            drop(std::mem::take(msg));
            return Ok(());
        }
        // The data frame: its MORE flag is ignored.
        self.more_out = false;
        let mut frame = std::mem::take(msg);
        frame.set_more(false);
        if let Some(pipe) = self.current_out.take() {
            if frame.size() == 0 {
                // An empty frame closes the connection once what was sent is written.
                pipes.retire(pipe);
            } else {
                pipes.write(pipe, frame);
            }
        }
        Ok(())
    }

    fn recv(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        if let Some(id) = self.prefetched_id.take() {
            return Ok(id);
        }
        if let Some(m) = self.prefetched_msg.take() {
            return Ok(m);
        }
        self.prefetch(pipes)?;
        self.prefetched_id.take().ok_or(Errno::EAGAIN)
    }

    fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.prefetched_msg.is_some() || self.prefetch(pipes).is_ok()
    }

    /// Always writable: whether a message can go depends on the peer it names.
    fn has_out(&mut self, _pipes: &mut Pipes) -> bool {
        true
    }

    fn set_option(
        &mut self,
        _pipes: &mut Pipes,
        option: c_int,
        _value: &[u8],
    ) -> Option<Result<()>> {
        if option == ZMQ_ROUTING_ID {
            // Setting it replaces the generated id read back (the socket stores it).
            self.last_generated = None;
        }
        None
    }

    fn get_option(&self, option: c_int, out: &mut [u8]) -> Option<Result<usize>> {
        match (option, &self.last_generated) {
            (ZMQ_ROUTING_ID, Some(id)) => Some(if out.len() < id.len() {
                Err(Errno::EINVAL)
            } else {
                let (head, tail) = out.split_at_mut(id.len());
                head.copy_from_slice(id);
                tail.fill(0);
                Ok(id.len())
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::router::tests::{cfg, connect, frame, read_all};
    use super::*;
    use crate::pipe::{self, Read};

    fn recv_pair(s: &mut Stream, pipes: &mut Pipes) -> (Vec<u8>, Vec<u8>) {
        let id = s.recv(pipes).unwrap();
        assert!(id.more());
        let data = s.recv(pipes).unwrap();
        assert!(!data.more());
        (id.data().to_vec(), data.data().to_vec())
    }

    fn send_pair(s: &mut Stream, pipes: &mut Pipes, id: &[u8], data: &[u8]) -> Result<()> {
        s.send(pipes, &mut frame(id, true))?;
        s.send(pipes, &mut frame(data, false))
    }

    #[test]
    fn routes_by_generated_ids_both_ways() {
        let mut s = Stream {
            next_id: 7,
            ..Default::default()
        };
        let mut pipes = Pipes::default();
        let (mut a, aid) = connect(&mut s, &mut pipes, b"ignored", 10);
        let (mut b, bid) = connect(&mut s, &mut pipes, b"", 10);
        assert!(!s.has_in(&mut pipes));
        a.write(frame(b"hello", false));
        s.read_activated(&mut pipes, aid);
        assert!(s.has_in(&mut pipes));
        assert_eq!(
            recv_pair(&mut s, &mut pipes),
            (vec![0, 0, 0, 0, 7], b"hello".to_vec())
        );
        // A MORE flag from a pipe is not passed on: each frame is a message.
        b.write(frame(b"x", true));
        b.write(frame(b"y", false));
        s.read_activated(&mut pipes, bid);
        assert_eq!(
            recv_pair(&mut s, &mut pipes),
            (vec![0, 0, 0, 0, 8], b"x".to_vec())
        );
        assert_eq!(
            recv_pair(&mut s, &mut pipes),
            (vec![0, 0, 0, 0, 8], b"y".to_vec())
        );
        assert_eq!(s.recv(&mut pipes).map(drop), Err(Errno::EAGAIN));

        // The last generated id reads back as ZMQ_ROUTING_ID.
        let mut buf = [0xaau8; 8];
        assert_eq!(s.get_option(ZMQ_ROUTING_ID, &mut buf), Some(Ok(5)));
        assert_eq!(buf, [0, 0, 0, 0, 8, 0, 0, 0]);
        assert_eq!(
            s.get_option(ZMQ_ROUTING_ID, &mut [0; 4]),
            Some(Err(Errno::EINVAL))
        );

        send_pair(&mut s, &mut pipes, &[0, 0, 0, 0, 8], b"to b").unwrap();
        // MORE on the data frame is ignored; the next frame is a routing id again.
        s.send(&mut pipes, &mut frame(&[0, 0, 0, 0, 7], true))
            .unwrap();
        s.send(&mut pipes, &mut frame(b"to a", true)).unwrap();
        send_pair(&mut s, &mut pipes, &[0, 0, 0, 0, 7], b"again").unwrap();
        assert_eq!(read_all(&mut b), [b"to b".to_vec()]);
        let mut got = Vec::new();
        while let Read::Msg(m) = a.read() {
            assert!(!m.more());
            got.push(m.data().to_vec());
        }
        assert_eq!(got, [b"to a".to_vec(), b"again".to_vec()]);
    }

    #[test]
    fn unknown_id_is_unreachable_and_full_pipe_is_eagain() {
        let mut s = Stream::default();
        let mut pipes = Pipes::default();
        assert!(s.has_out(&mut pipes));
        let mut id = frame(b"nobody", true);
        assert_eq!(s.send(&mut pipes, &mut id), Err(Errno::EHOSTUNREACH));
        assert_eq!(id.data(), b"nobody");
        let (mut mine, peer) = pipe::pair(cfg(1), Some(cfg(1)));
        mine.routing_id = b"conn".to_vec();
        let pid = mine.id();
        pipes.insert(mine);
        s.attach(&mut pipes, pid);
        assert_eq!(s.routing_id_of(pid), Some(&b"conn"[..]));
        // A connect routing id is not "generated": ZMQ_ROUTING_ID is left to the socket.
        assert_eq!(s.get_option(ZMQ_ROUTING_ID, &mut [0; 8]), None);
        send_pair(&mut s, &mut pipes, b"conn", b"1").unwrap();
        send_pair(&mut s, &mut pipes, b"conn", b"2").unwrap();
        let mut id = frame(b"conn", true);
        assert_eq!(s.send(&mut pipes, &mut id), Err(Errno::EAGAIN));
        assert_eq!(id.data(), b"conn");
        // Still expecting a routing id: a retry after the peer read works.
        drop(peer);
    }

    #[test]
    fn lone_id_swallows_the_next_frame() {
        let mut s = Stream::default();
        let mut pipes = Pipes::default();
        let (mut a, _) = connect(&mut s, &mut pipes, b"", 10);
        let rid = s.last_generated.clone().unwrap();
        s.send(&mut pipes, &mut frame(&rid, false)).unwrap();
        s.send(&mut pipes, &mut frame(b"lost", false)).unwrap();
        send_pair(&mut s, &mut pipes, &rid, b"kept").unwrap();
        assert_eq!(read_all(&mut a), [b"kept".to_vec()]);
    }

    #[test]
    fn empty_frame_closes_after_what_was_sent() {
        let mut s = Stream::default();
        let mut pipes = Pipes::default();
        let (mut a, aid) = connect(&mut s, &mut pipes, b"", 10);
        let rid = s.routing_id_of(aid).unwrap().to_vec();
        send_pair(&mut s, &mut pipes, &rid, b"bye").unwrap();
        send_pair(&mut s, &mut pipes, &rid, b"").unwrap();
        assert_eq!(pipes.take_finished(), [aid]);
        pipes.remove(aid).unwrap().close();
        s.terminated(&mut pipes, aid);
        assert!(matches!(a.read(), Read::Msg(m) if m.data() == b"bye"));
        assert!(matches!(a.read(), Read::Finished));
        assert_eq!(
            send_pair(&mut s, &mut pipes, &rid, b"late"),
            Err(Errno::EHOSTUNREACH)
        );
    }

    #[test]
    fn connect_routing_id_and_duplicates() {
        let mut s = Stream::default();
        let mut pipes = Pipes::default();
        fn attach(s: &mut Stream, pipes: &mut Pipes, rid: &[u8]) -> (pipe::PipeEnd, PipeId) {
            let (mut mine, peer) = pipe::pair(cfg(10), Some(cfg(10)));
            mine.routing_id = rid.to_vec();
            let id = mine.id();
            pipes.insert(mine);
            s.attach(pipes, id);
            (peer, id)
        }
        let (_p1, one) = attach(&mut s, &mut pipes, b"named");
        let (_p2, two) = attach(&mut s, &mut pipes, b"named");
        assert_eq!(s.routing_id_of(one), Some(&b"named"[..]));
        let generated = s.routing_id_of(two).unwrap().to_vec();
        assert_eq!((generated.len(), generated[0]), (5, 0));
        assert_eq!(pipes.get(two).unwrap().routing_id, generated);
        // Setting ZMQ_ROUTING_ID hides the generated id; the socket stores it.
        assert!(s.get_option(ZMQ_ROUTING_ID, &mut [0; 8]).is_some());
        assert!(s.set_option(&mut pipes, ZMQ_ROUTING_ID, b"me").is_none());
        assert!(s.get_option(ZMQ_ROUTING_ID, &mut [0; 8]).is_none());
    }

    #[test]
    fn metadata_rides_on_the_routing_id_frame() {
        let mut s = Stream::default();
        let mut pipes = Pipes::default();
        let (mut a, _) = connect(&mut s, &mut pipes, b"", 10);
        let mut md = crate::metadata::Metadata::new();
        md.insert("Peer-Address", b"127.0.0.1");
        let mut m = Msg::new();
        m.set_metadata(Some(std::sync::Arc::new(md)));
        a.write(m);
        let id = s.recv(&mut pipes).unwrap();
        assert_eq!(
            id.property("Peer-Address").unwrap().to_bytes(),
            b"127.0.0.1"
        );
        assert_eq!(s.recv(&mut pipes).unwrap().size(), 0);
    }
}
