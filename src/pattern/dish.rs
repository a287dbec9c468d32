//! ZMQ_DISH: receives the messages of the groups it joined (`zmq_join`), fair-queued
//! from its RADIO peers. Joins and leaves go to every peer at once, and again to a
//! peer after it reconnects; messages of other groups that still arrive (udp, or sent
//! before a leave reached the peer) are dropped here.

use std::collections::HashSet;
use std::ffi::CStr;

use super::dist::Dist;
use super::fq::FairQueue;
use super::{Pattern, Pipes};
use crate::error::{Errno, Result};
use crate::msg::{Msg, GROUP_MAX_LENGTH};
use crate::pipe::PipeId;
use crate::zmtp::membership;

#[derive(Debug, Default)]
pub struct Dish {
    fq: FairQueue,
    dist: Dist,
    groups: HashSet<Vec<u8>>,
    /// Taken by `has_in` to see past messages of groups not joined.
    prefetched: Option<Msg>,
}

impl Dish {
    fn send_joins(&self, pipes: &mut Pipes, id: PipeId) {
        for g in &self.groups {
            pipes.write(id, membership(true, g));
        }
    }

    fn next(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        loop {
            let (msg, _) = self.fq.recv(pipes)?;
            if self.groups.contains(msg.group().to_bytes()) {
                return Ok(msg);
            }
        }
    }

    fn membership(&mut self, pipes: &mut Pipes, group: &CStr, join: bool) -> Result<()> {
        let g = group.to_bytes();
        if g.len() > GROUP_MAX_LENGTH {
            return Err(Errno::EINVAL);
        }
        let changed = if join {
            self.groups.insert(g.to_vec())
        } else {
            self.groups.remove(g)
        };
        if !changed {
            return Err(Errno::EINVAL);
        }
        self.dist.send_to_all(pipes, &mut membership(join, g));
        Ok(())
    }
}

impl Pattern for Dish {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.fq.attach(id);
        self.dist.attach(id);
        self.send_joins(pipes, id);
    }
    fn hiccuped(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.send_joins(pipes, id);
    }
    fn terminated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.fq.terminated(id);
        self.dist.terminated(id);
    }
    fn read_activated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.fq.activated(id);
    }
    fn write_activated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.dist.activated(id);
    }
    fn send(&mut self, _pipes: &mut Pipes, _msg: &mut Msg) -> Result<()> {
        Err(Errno::ENOTSUP)
    }
    fn recv(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        match self.prefetched.take() {
            Some(m) => Ok(m),
            None => self.next(pipes),
        }
    }
    fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        if self.prefetched.is_none() {
            self.prefetched = self.next(pipes).ok();
        }
        self.prefetched.is_some()
    }
    /// As libzmq: a DISH reports itself writable though it cannot send.
    fn has_out(&mut self, _pipes: &mut Pipes) -> bool {
        true
    }
    fn join(&mut self, pipes: &mut Pipes, group: Option<&CStr>) -> Result<()> {
        // libzmq reads the NULL group (and crashes); refused here.
        self.membership(pipes, group.ok_or(Errno::EFAULT)?, true)
    }
    fn leave(&mut self, pipes: &mut Pipes, group: Option<&CStr>) -> Result<()> {
        self.membership(pipes, group.ok_or(Errno::EFAULT)?, false)
    }
}

#[cfg(test)]
mod tests {
    use super::super::xpub::tests::{connect, drain};
    use super::*;
    use crate::zmtp::parse_membership;

    fn group_msg(group: &[u8], body: &[u8]) -> Msg {
        let mut m = Msg::from_slice(body);
        m.set_group(group).unwrap();
        m
    }

    #[test]
    fn joins_reach_peers_and_other_groups_are_dropped() {
        let mut d = Dish::default();
        let mut pipes = Pipes::default();
        d.join(&mut pipes, Some(c"TV")).unwrap();
        // A new peer learns the joins made before it came, a hiccup repeats them.
        let (id, mut peer) = connect(&mut d, &mut pipes, 0);
        d.join(&mut pipes, Some(c"Movies")).unwrap();
        d.hiccuped(&mut pipes, id);
        let mut sent = Vec::new();
        while let crate::pipe::Read::Msg(m) = peer.read() {
            let (join, g) = parse_membership(&m).unwrap();
            sent.push((join, g.to_vec()));
        }
        assert_eq!(
            sent[..2],
            [(true, b"TV".to_vec()), (true, b"Movies".to_vec())]
        );
        assert_eq!(sent.len(), 4);

        peer.write(group_msg(b"News", b"skipped"));
        peer.write(group_msg(b"TV", b"Friends"));
        d.read_activated(&mut pipes, id);
        assert!(d.has_in(&mut pipes));
        let m = d.recv(&mut pipes).unwrap();
        assert_eq!(
            (m.group().to_bytes(), m.data()),
            (&b"TV"[..], &b"Friends"[..])
        );
        assert!(!d.has_in(&mut pipes));
        assert_eq!(d.send(&mut pipes, &mut Msg::new()), Err(Errno::ENOTSUP));
        assert!(drain(&mut peer).is_empty());
    }

    #[test]
    fn join_and_leave_rules() {
        let mut d = Dish::default();
        let mut pipes = Pipes::default();
        assert_eq!(d.leave(&mut pipes, Some(c"Movies")), Err(Errno::EINVAL));
        assert_eq!(d.join(&mut pipes, Some(c"Movies")), Ok(()));
        assert_eq!(d.join(&mut pipes, Some(c"Movies")), Err(Errno::EINVAL));
        assert_eq!(d.leave(&mut pipes, Some(c"Movies")), Ok(()));
        let long = std::ffi::CString::new(vec![b'A'; GROUP_MAX_LENGTH + 1]).unwrap();
        assert_eq!(d.join(&mut pipes, Some(&long)), Err(Errno::EINVAL));
        let max = std::ffi::CString::new(vec![b'A'; GROUP_MAX_LENGTH]).unwrap();
        assert_eq!(d.join(&mut pipes, Some(&max)), Ok(()));
    }
}
