//! ZMQ_RADIO: sends each message to the DISH peers that joined its group (exact match),
//! and to every udp:// destination, which filters nothing itself (libzmq's
//! `subscribe_to_all` pipes). Joins and leaves arrive from the peers as command frames
//! (`\x04JOINgroup` / `\x05LEAVEgroup`, as libzmq's dish session writes them); RADIO
//! receives nothing else. Single frames only.

use std::collections::{HashMap, HashSet};
use std::ffi::c_int;

use super::dist::Dist;
use super::{Pattern, Pipes};
use crate::constants::ZMQ_XPUB_NODROP;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::pipe::PipeId;
use crate::zmtp::parse_membership;

#[derive(Debug)]
pub struct Radio {
    dist: Dist,
    /// Pipes by the groups they joined. A pipe is listed once however often it joins:
    /// a DISH repeats its joins after a reconnect, and a join it queued while
    /// disconnected then arrives twice; libzmq's multimap would keep the pipe in the
    /// group after the one leave that follows.
    groups: HashMap<Vec<u8>, Vec<PipeId>>,
    /// Pipes to udp:// destinations: they get every message.
    udp: HashSet<PipeId>,
    lossy: bool,
}

impl Default for Radio {
    fn default() -> Self {
        Radio {
            dist: Dist::default(),
            groups: HashMap::new(),
            udp: HashSet::new(),
            lossy: true,
        }
    }
}

impl Radio {
    fn apply(&mut self, id: PipeId, msg: &Msg) {
        let Some((join, group)) = parse_membership(msg) else {
            return;
        };
        if join {
            let v = self.groups.entry(group.to_vec()).or_default();
            if !v.contains(&id) {
                v.push(id);
            }
        } else if let Some(v) = self.groups.get_mut(group) {
            if let Some(i) = v.iter().position(|&p| p == id) {
                v.swap_remove(i);
            }
            if v.is_empty() {
                self.groups.remove(group);
            }
        }
    }
}

impl Pattern for Radio {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.dist.attach(id);
        let udp = pipes
            .get(id)
            .and_then(|p| p.endpoint.as_deref())
            .is_some_and(|e| e.starts_with("udp://"));
        if udp {
            self.udp.insert(id);
        } else {
            self.read_activated(pipes, id);
        }
    }
    fn terminated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.groups.retain(|_, v| {
            v.retain(|&p| p != id);
            !v.is_empty()
        });
        self.udp.remove(&id);
        self.dist.terminated(id);
    }
    fn read_activated(&mut self, pipes: &mut Pipes, id: PipeId) {
        while let Some(msg) = pipes.read(id) {
            self.apply(id, &msg);
        }
    }
    fn write_activated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.dist.activated(id);
    }
    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        if msg.more() {
            return Err(Errno::EINVAL);
        }
        self.dist.unmatch();
        if let Some(v) = self.groups.get(msg.group().to_bytes()) {
            for &p in v {
                self.dist.mark(p);
            }
        }
        for &p in &self.udp {
            self.dist.mark(p);
        }
        if !self.lossy && !self.dist.check_hwm(pipes) {
            return Err(Errno::EAGAIN);
        }
        self.dist.send_to_matching(pipes, msg);
        self.dist.unmatch();
        Ok(())
    }
    fn recv(&mut self, _pipes: &mut Pipes) -> Result<Msg> {
        Err(Errno::ENOTSUP)
    }
    fn has_in(&mut self, _pipes: &mut Pipes) -> bool {
        false
    }
    fn has_out(&mut self, _pipes: &mut Pipes) -> bool {
        self.dist.has_out()
    }
    /// ZMQ_XPUB_NODROP, RADIO's only option: set, a peer at its HWM makes the send
    /// fail with EAGAIN instead of missing the message.
    fn set_option(
        &mut self,
        _pipes: &mut Pipes,
        option: c_int,
        value: &[u8],
    ) -> Option<Result<()>> {
        if option != ZMQ_XPUB_NODROP {
            return None;
        }
        Some(super::bool_option(value).map(|nodrop| self.lossy = !nodrop))
    }
}

#[cfg(test)]
mod tests {
    use super::super::xpub::tests::{connect, drain};
    use super::*;
    use crate::zmtp::membership;

    fn group_msg(group: &[u8], body: &[u8]) -> Msg {
        let mut m = Msg::from_slice(body);
        m.set_group(group).unwrap();
        m
    }

    #[test]
    fn sends_to_exact_group_members_only() {
        let mut radio = Radio::default();
        let mut pipes = Pipes::default();
        let (a, mut pa) = connect(&mut radio, &mut pipes, 0);
        let (b, mut pb) = connect(&mut radio, &mut pipes, 0);
        pa.write(membership(true, b"TV"));
        pb.write(membership(true, b"Movies"));
        radio.read_activated(&mut pipes, a);
        radio.read_activated(&mut pipes, b);
        for g in [&b"TV"[..], b"T", b"TVs", b"Movies"] {
            radio.send(&mut pipes, &mut group_msg(g, g)).unwrap();
        }
        assert_eq!(drain(&mut pa), [b"TV".to_vec()]);
        assert_eq!(drain(&mut pb), [b"Movies".to_vec()]);
        // A repeated join (after a reconnect) is undone by one leave.
        pa.write(membership(true, b"TV"));
        pa.write(membership(false, b"TV"));
        radio.read_activated(&mut pipes, a);
        radio.send(&mut pipes, &mut group_msg(b"TV", b"x")).unwrap();
        assert!(drain(&mut pa).is_empty());
        let mut more = group_msg(b"TV", b"x");
        more.set_more(true);
        assert_eq!(radio.send(&mut pipes, &mut more), Err(Errno::EINVAL));
        assert_eq!(radio.recv(&mut pipes).err(), Some(Errno::ENOTSUP));
    }
}
