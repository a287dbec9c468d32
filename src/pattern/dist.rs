//! Distribution: each outgoing message goes whole to a set of pipes (all of them, or the
//! ones marked as matching). A pipe at its high-water mark misses the message and stays
//! out until it has room again.
//!
//! The pipes are kept in one vector in four regions, libzmq's layout:
//! `[0, matching)` receive the current message, `[matching, active)` could,
//! `[active, eligible)` got room back in the middle of a multipart message and join at
//! the next one, `[eligible, len)` are full.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::{IdHasher, Pipes};
use crate::msg::Msg;
use crate::pipe::PipeId;

#[derive(Debug, Default)]
pub struct Dist {
    pipes: Vec<PipeId>,
    /// Where each pipe is in `pipes`.
    index: HashMap<PipeId, usize, BuildHasherDefault<IdHasher>>,
    matching: usize,
    active: usize,
    eligible: usize,
    /// In the middle of a multipart message.
    more: bool,
}

impl Dist {
    fn swap(&mut self, a: usize, b: usize) {
        if a != b {
            self.pipes.swap(a, b);
            self.index.insert(self.pipes[a], a);
            self.index.insert(self.pipes[b], b);
        }
    }

    fn push(&mut self, id: PipeId) -> usize {
        self.pipes.push(id);
        let at = self.pipes.len() - 1;
        self.index.insert(id, at);
        at
    }

    pub fn attach(&mut self, id: PipeId) {
        if self.index.contains_key(&id) {
            return;
        }
        let at = self.push(id);
        if self.more {
            // Mid-message: it joins with the next message.
            self.swap(self.eligible, at);
            self.eligible += 1;
        } else {
            self.swap(self.active, at);
            self.active += 1;
            self.eligible += 1;
        }
    }

    pub fn has_pipe(&self, id: PipeId) -> bool {
        self.index.contains_key(&id)
    }

    /// Marks a pipe to receive the current message (repeats are harmless).
    pub fn mark(&mut self, id: PipeId) {
        let Some(&i) = self.index.get(&id) else {
            return;
        };
        if i < self.matching || i >= self.eligible {
            return;
        }
        self.swap(i, self.matching);
        self.matching += 1;
    }

    /// Swaps the marked and unmarked eligible pipes (ZMQ_INVERT_MATCHING).
    pub fn reverse_match(&mut self) {
        let prev = self.matching;
        self.matching = 0;
        for i in prev..self.eligible {
            self.swap(i, self.matching);
            self.matching += 1;
        }
    }

    pub fn unmatch(&mut self) {
        self.matching = 0;
    }

    pub fn terminated(&mut self, id: PipeId) {
        let Some(&i) = self.index.get(&id) else {
            return;
        };
        let mut i = i;
        if i < self.matching {
            self.matching -= 1;
            self.swap(i, self.matching);
            i = self.matching;
        }
        if i < self.active {
            self.active -= 1;
            self.swap(i, self.active);
            i = self.active;
        }
        if i < self.eligible {
            self.eligible -= 1;
            self.swap(i, self.eligible);
            i = self.eligible;
        }
        let last = self.pipes.len() - 1;
        self.swap(i, last);
        self.pipes.pop();
        self.index.remove(&id);
    }

    /// A full pipe has room again.
    pub fn activated(&mut self, id: PipeId) {
        let Some(&i) = self.index.get(&id) else {
            return;
        };
        if i >= self.eligible {
            self.swap(i, self.eligible);
            self.eligible += 1;
        }
        if !self.more {
            let i = self.index[&id];
            if i >= self.active {
                self.swap(i, self.active);
                self.active += 1;
            }
        }
    }

    /// Whether every marked pipe has room for a message (ZMQ_XPUB_NODROP). A full one
    /// will wake the socket once it drains.
    pub fn check_hwm(&mut self, pipes: &mut Pipes) -> bool {
        self.pipes[..self.matching]
            .iter()
            .all(|&id| pipes.check_write(id))
    }

    /// Sends a frame to every active pipe.
    pub fn send_to_all(&mut self, pipes: &mut Pipes, msg: &mut Msg) {
        self.matching = self.active;
        self.send_to_matching(pipes, msg);
    }

    /// Sends a frame to the marked pipes; it is taken out of `msg` (dropped if no pipe
    /// can have it).
    pub fn send_to_matching(&mut self, pipes: &mut Pipes, msg: &mut Msg) {
        let more = msg.more();
        self.distribute(pipes, msg);
        if !more {
            self.active = self.eligible;
        }
        self.more = more;
    }

    fn distribute(&mut self, pipes: &mut Pipes, msg: &mut Msg) {
        let mut i = 0;
        while i < self.matching {
            let id = self.pipes[i];
            if !pipes.check_write(id) {
                crate::diag::event!("{}", HwmDrop(pipes.get(id)));
                // Full (or gone): out of the matching, active and eligible regions.
                self.matching -= 1;
                self.swap(i, self.matching);
                self.active -= 1;
                self.swap(self.matching, self.active);
                self.eligible -= 1;
                self.swap(self.active, self.eligible);
                continue;
            }
            let frame = if i + 1 == self.matching {
                std::mem::take(msg)
            } else {
                msg.clone()
            };
            pipes.write(id, frame);
            i += 1;
        }
        // Nobody (left) to take it.
        *msg = Msg::new();
    }

    /// A distributor can always send: full pipes just miss messages.
    pub fn has_out(&self) -> bool {
        true
    }
}

/// ZMQRS_DEBUG: a pipe that just filled up misses every message until it drains (one
/// line per such episode).
struct HwmDrop<'a>(Option<&'a crate::pipe::PipeEnd>);

impl std::fmt::Display for HwmDrop<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(p) if !p.peer_closed() => write!(
                f,
                "message dropped: {} is at its high-water mark ({} queued); it misses messages until it drains (ZMQ_SNDHWM/ZMQ_RCVHWM)",
                crate::diag::peer(self.0),
                p.outbound_depth()
            ),
            _ => write!(f, "message dropped: {} is gone", crate::diag::peer(self.0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipe::{self, PipeConfig, PipeEnd, Read};

    fn cfg(hwm: u64) -> PipeConfig {
        PipeConfig {
            sndhwm: hwm,
            rcvhwm: 0,
            conflate: false,
        }
    }

    fn setup(n: usize, hwm: u64) -> (Pipes, Dist, Vec<PipeEnd>, Vec<PipeId>) {
        let mut pipes = Pipes::default();
        let mut dist = Dist::default();
        let mut peers = Vec::new();
        let mut ids = Vec::new();
        for _ in 0..n {
            let (a, b) = pipe::pair(cfg(hwm), None);
            ids.push(a.id());
            dist.attach(a.id());
            pipes.insert(a);
            peers.push(b);
        }
        (pipes, dist, peers, ids)
    }

    fn frame(data: &[u8], more: bool) -> Msg {
        let mut m = Msg::from_slice(data);
        m.set_more(more);
        m
    }

    fn drain(p: &mut PipeEnd) -> Vec<Vec<u8>> {
        let mut v = Vec::new();
        while let Read::Msg(m) = p.read() {
            v.push(m.data().to_vec());
        }
        v
    }

    fn check(d: &Dist) {
        assert!(d.matching <= d.active && d.active <= d.eligible && d.eligible <= d.pipes.len());
        for (i, p) in d.pipes.iter().enumerate() {
            assert_eq!(d.index[p], i);
        }
    }

    #[test]
    fn matching_pipes_get_the_whole_message() {
        let (mut pipes, mut d, mut peers, ids) = setup(3, 0);
        d.mark(ids[0]);
        d.mark(ids[2]);
        d.mark(ids[2]);
        d.send_to_matching(&mut pipes, &mut frame(b"a", true));
        d.send_to_matching(&mut pipes, &mut frame(b"b", false));
        d.unmatch();
        check(&d);
        assert_eq!(drain(&mut peers[0]), vec![b"a".to_vec(), b"b".to_vec()]);
        assert!(drain(&mut peers[1]).is_empty());
        assert_eq!(drain(&mut peers[2]).len(), 2);
        d.mark(ids[1]);
        d.reverse_match();
        d.send_to_matching(&mut pipes, &mut frame(b"c", false));
        d.unmatch();
        assert_eq!(drain(&mut peers[0]), vec![b"c".to_vec()]);
        assert!(drain(&mut peers[1]).is_empty());
        assert_eq!(drain(&mut peers[2]), vec![b"c".to_vec()]);
    }

    #[test]
    fn full_pipes_miss_messages_until_activated() {
        let (mut pipes, mut d, mut peers, ids) = setup(2, 2);
        for i in 0..3u8 {
            d.send_to_all(&mut pipes, &mut frame(&[i], false));
            check(&d);
        }
        assert_eq!(drain(&mut peers[0]).len(), 2);
        assert_eq!(d.eligible, 0);
        d.activated(ids[0]);
        check(&d);
        d.send_to_all(&mut pipes, &mut frame(b"x", false));
        assert_eq!(drain(&mut peers[0]), vec![b"x".to_vec()]);
        assert!(drain(&mut peers[1]).len() == 2);
        // Activation is idempotent.
        d.activated(ids[0]);
        d.activated(ids[0]);
        check(&d);
        assert_eq!(d.eligible, 1);
    }

    #[test]
    fn pipes_joining_mid_message_wait_for_the_next() {
        let (mut pipes, mut d, mut peers, _) = setup(1, 0);
        d.send_to_all(&mut pipes, &mut frame(b"1", true));
        let (a, mut late) = pipe::pair(cfg(0), None);
        let late_id = a.id();
        pipes.insert(a);
        d.attach(late_id);
        d.send_to_all(&mut pipes, &mut frame(b"2", false));
        check(&d);
        assert!(drain(&mut late).is_empty());
        d.send_to_all(&mut pipes, &mut frame(b"3", false));
        assert_eq!(drain(&mut late), vec![b"3".to_vec()]);
        assert_eq!(drain(&mut peers[0]).len(), 3);
        d.terminated(late_id);
        d.terminated(late_id);
        check(&d);
        assert_eq!(d.pipes.len(), 1);
    }

    #[test]
    fn nodrop_check() {
        let (mut pipes, mut d, mut peers, ids) = setup(2, 1);
        d.mark(ids[0]);
        assert!(d.check_hwm(&mut pipes));
        d.send_to_matching(&mut pipes, &mut frame(b"1", false));
        d.unmatch();
        d.mark(ids[0]);
        d.mark(ids[1]);
        assert!(!d.check_hwm(&mut pipes));
        drain(&mut peers[0]);
        assert!(d.check_hwm(&mut pipes));
    }
}
