//! Load balancing: each outgoing message goes whole to the next pipe that has room.

use super::active::ActiveRing;
use super::Pipes;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::pipe::PipeId;

#[derive(Debug, Default)]
pub struct LoadBalancer {
    ring: ActiveRing,
    /// In the middle of a multipart message to the current pipe.
    more: bool,
    /// The pipe died mid-message: drop the rest of that message.
    dropping: bool,
}

impl LoadBalancer {
    pub fn attach(&mut self, id: PipeId) {
        self.ring.attach(id);
    }

    pub fn activated(&mut self, id: PipeId) {
        self.ring.activate(id);
    }

    pub fn terminated(&mut self, id: PipeId) {
        if self.ring.remove(id) && self.more {
            self.dropping = true;
        }
    }

    /// Sends a frame; returns the pipe it went to (`None` if it was dropped).
    pub fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<Option<PipeId>> {
        if self.dropping {
            self.more = msg.more();
            self.dropping = self.more;
            drop(std::mem::take(msg));
            return Ok(None);
        }
        loop {
            let Some(id) = self.ring.current() else {
                return Err(Errno::EAGAIN);
            };
            // One lookup per message: the pipe found is checked and written.
            if let Some(pipe) = pipes.get_mut(id) {
                if pipe.check_write() {
                    self.more = msg.more();
                    pipe.write(std::mem::take(msg));
                    if !self.more {
                        self.ring.advance();
                    }
                    return Ok(Some(id));
                }
            }
            self.ring.deactivate_current();
            if self.more {
                // The peer went away mid-message: the rest of it has nowhere to go.
                self.more = msg.more();
                self.dropping = self.more;
                drop(std::mem::take(msg));
                return Ok(None);
            }
        }
    }

    pub fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        if self.more {
            return true;
        }
        while let Some(id) = self.ring.current() {
            if pipes.check_write(id) {
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
    use crate::pipe::{self, PipeConfig, PipeEnd, Read};

    fn cfg(hwm: u64) -> PipeConfig {
        PipeConfig {
            sndhwm: hwm,
            rcvhwm: hwm,
            conflate: false,
        }
    }

    /// `n` pipes with a send mark of `hwm`: the balancer's pipes and the peers' ends.
    fn setup(n: usize, hwm: u64) -> (LoadBalancer, Pipes, Vec<PipeEnd>) {
        let mut lb = LoadBalancer::default();
        let mut pipes = Pipes::default();
        let mut peers = Vec::new();
        for _ in 0..n {
            let (mine, theirs) = pipe::pair(cfg(hwm), Some(cfg(hwm)));
            lb.attach(mine.id());
            pipes.insert(mine);
            peers.push(theirs);
        }
        (lb, pipes, peers)
    }

    fn frame(data: &[u8], more: bool) -> Msg {
        let mut m = Msg::from_slice(data);
        m.set_more(more);
        m
    }

    fn drain(p: &mut PipeEnd) -> Vec<(Vec<u8>, bool)> {
        let mut got = Vec::new();
        while let Read::Msg(m) = p.read() {
            got.push((m.data().to_vec(), m.more()));
        }
        got
    }

    #[test]
    fn whole_messages_go_round_robin() {
        let (mut lb, mut pipes, mut peers) = setup(3, 0);
        for i in 0..6u8 {
            lb.send(&mut pipes, &mut frame(&[i], true)).unwrap();
            lb.send(&mut pipes, &mut frame(&[i + 100], false)).unwrap();
        }
        let got: Vec<_> = peers.iter_mut().map(drain).collect();
        for (k, g) in got.iter().enumerate() {
            let k = k as u8;
            assert_eq!(
                g,
                &[
                    (vec![k], true),
                    (vec![k + 100], false),
                    (vec![k + 3], true),
                    (vec![k + 103], false)
                ]
            );
        }
    }

    #[test]
    fn a_full_pipe_is_skipped_until_it_has_room() {
        // Each pipe holds two messages (the sender's mark plus the receiver's).
        let (mut lb, mut pipes, mut peers) = setup(2, 1);
        for d in [b"a", b"b", b"a", b"b"] {
            lb.send(&mut pipes, &mut frame(d, false)).unwrap();
        }
        assert!(!lb.has_out(&mut pipes));
        let mut m = frame(b"c", false);
        assert_eq!(lb.send(&mut pipes, &mut m), Err(Errno::EAGAIN));
        assert_eq!(m.data(), b"c", "a refused message is left to the caller");
        // The peer of pipe 1 reads: that pipe comes back.
        assert_eq!(drain(&mut peers[1]), vec![(b"b".to_vec(), false); 2]);
        let ids = pipes.ids();
        for id in ids {
            lb.activated(id);
        }
        assert!(lb.has_out(&mut pipes));
        lb.send(&mut pipes, &mut m).unwrap();
        assert_eq!(drain(&mut peers[1]), [(b"c".to_vec(), false)]);
        assert_eq!(drain(&mut peers[0]), vec![(b"a".to_vec(), false); 2]);
    }

    #[test]
    fn a_pipe_that_dies_mid_message_takes_the_rest_with_it() {
        let (mut lb, mut pipes, mut peers) = setup(2, 0);
        let first = lb
            .send(&mut pipes, &mut frame(b"head", true))
            .unwrap()
            .unwrap();
        lb.terminated(first);
        pipes.remove(first);
        // The rest of that message is dropped, not sent elsewhere ...
        assert_eq!(lb.send(&mut pipes, &mut frame(b"mid", true)), Ok(None));
        assert_eq!(lb.send(&mut pipes, &mut frame(b"tail", false)), Ok(None));
        // ... and the next message goes whole to the pipe left.
        lb.send(&mut pipes, &mut frame(b"next", false)).unwrap();
        let other = peers.iter_mut().map(drain).find(|g| !g.is_empty()).unwrap();
        assert_eq!(other, [(b"next".to_vec(), false)]);
    }

    #[test]
    fn no_pipe_means_eagain() {
        let (mut lb, mut pipes, _) = setup(0, 0);
        assert!(!lb.has_out(&mut pipes));
        assert_eq!(
            lb.send(&mut pipes, &mut frame(b"x", false)),
            Err(Errno::EAGAIN)
        );
    }
}
