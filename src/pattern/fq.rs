//! Fair queuing: incoming messages are taken from the active pipes in turn, a whole
//! message at a time.

use super::active::ActiveRing;
use super::Pipes;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::pipe::PipeId;

#[derive(Debug, Default)]
pub struct FairQueue {
    ring: ActiveRing,
    /// In the middle of a multipart message from the current pipe.
    more: bool,
}

impl FairQueue {
    pub fn attach(&mut self, id: PipeId) {
        self.ring.attach(id);
    }

    pub fn activated(&mut self, id: PipeId) {
        self.ring.activate(id);
    }

    pub fn terminated(&mut self, id: PipeId) {
        if self.ring.remove(id) {
            self.more = false;
        }
    }

    /// The next frame and the pipe it came from.
    pub fn recv(&mut self, pipes: &mut Pipes) -> Result<(Msg, PipeId)> {
        while let Some(id) = self.ring.current() {
            match pipes.read(id) {
                Some(msg) => {
                    self.more = msg.more();
                    if !self.more {
                        self.ring.advance();
                    }
                    return Ok((msg, id));
                }
                None => {
                    self.more = false;
                    self.ring.deactivate_current();
                }
            }
        }
        Err(Errno::EAGAIN)
    }

    /// As [`recv`](Self::recv), into the caller's message (untouched on failure).
    #[inline]
    pub fn recv_into(&mut self, pipes: &mut Pipes, out: &mut Msg) -> Result<PipeId> {
        while let Some(id) = self.ring.current() {
            if pipes.read_into(id, out) {
                self.more = out.more();
                if !self.more {
                    self.ring.advance();
                }
                return Ok(id);
            }
            self.more = false;
            self.ring.deactivate_current();
        }
        Err(Errno::EAGAIN)
    }

    pub fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        if self.more {
            return true;
        }
        while let Some(id) = self.ring.current() {
            if pipes.check_read(id) {
                return true;
            }
            self.ring.deactivate_current();
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipe::{self, PipeConfig, PipeEnd};

    fn cfg() -> PipeConfig {
        PipeConfig {
            sndhwm: 0,
            rcvhwm: 0,
            conflate: false,
        }
    }

    fn setup(n: usize) -> (FairQueue, Pipes, Vec<PipeEnd>) {
        let mut fq = FairQueue::default();
        let mut pipes = Pipes::default();
        let mut peers = Vec::new();
        for _ in 0..n {
            let (mine, theirs) = pipe::pair(cfg(), Some(cfg()));
            fq.attach(mine.id());
            pipes.insert(mine);
            peers.push(theirs);
        }
        (fq, pipes, peers)
    }

    fn send(p: &mut PipeEnd, data: &[u8], more: bool) {
        let mut m = Msg::from_slice(data);
        m.set_more(more);
        p.write(m);
    }

    fn recv_all(fq: &mut FairQueue, pipes: &mut Pipes) -> Vec<(Vec<u8>, bool)> {
        std::iter::from_fn(|| fq.recv(pipes).ok())
            .map(|(m, _)| (m.data().to_vec(), m.more()))
            .collect()
    }

    #[test]
    fn peers_take_turns_a_whole_message_at_a_time() {
        let (mut fq, mut pipes, mut peers) = setup(3);
        for (k, p) in peers.iter_mut().enumerate() {
            for i in 0..2u8 {
                send(p, &[k as u8, i], true);
                send(p, &[k as u8, i, 9], false);
            }
        }
        let got = recv_all(&mut fq, &mut pipes);
        assert_eq!(got.len(), 12);
        // Frames of one message are never interleaved with another's.
        for pair in got.chunks(2) {
            assert!(pair[0].1 && !pair[1].1);
            assert_eq!(pair[0].0[..2], pair[1].0[..2]);
        }
        // Each turn of three messages has one from each peer.
        for turn in got.chunks(6) {
            let mut from: Vec<u8> = turn.iter().step_by(2).map(|(d, _)| d[0]).collect();
            from.sort_unstable();
            assert_eq!(from, [0, 1, 2]);
        }
    }

    #[test]
    fn an_empty_pipe_is_parked_until_activated() {
        let (mut fq, mut pipes, mut peers) = setup(2);
        send(&mut peers[1], b"only", false);
        assert_eq!(recv_all(&mut fq, &mut pipes), [(b"only".to_vec(), false)]);
        assert!(!fq.has_in(&mut pipes));
        // Both were found empty: a message arriving needs the pipe's activation.
        send(&mut peers[0], b"late", false);
        let id0 = pipes
            .ids()
            .into_iter()
            .find(|&id| pipes.get(id).is_some_and(|p| p.peer_id() == peers[0].id()));
        fq.activated(id0.unwrap());
        assert!(fq.has_in(&mut pipes));
        assert_eq!(recv_all(&mut fq, &mut pipes), [(b"late".to_vec(), false)]);
    }

    #[test]
    fn a_pipe_that_goes_mid_message_ends_that_message() {
        let (mut fq, mut pipes, mut peers) = setup(2);
        send(&mut peers[0], b"a1", true);
        send(&mut peers[0], b"a2", false);
        let (m, id) = fq.recv(&mut pipes).unwrap();
        assert!(m.more());
        fq.terminated(id);
        pipes.remove(id);
        send(&mut peers[1], b"b", false);
        // A fresh message from the other pipe, not the tail of the dead one.
        assert_eq!(recv_all(&mut fq, &mut pipes), [(b"b".to_vec(), false)]);
    }
}
