//! The single-frame draft types that route like a classic one: CLIENT (as DEALER),
//! SCATTER (as PUSH), GATHER (as PULL) and CHANNEL (as PAIR). They refuse to send a
//! multipart message (EINVAL) and drop any that a peer sends them, as libzmq does.

use super::{Pattern, Pipes};
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::pipe::PipeId;

pub struct SingleFrame<P> {
    inner: P,
    /// GATHER cannot send at all: ENOTSUP comes before the single-frame rule.
    sends: bool,
}

impl<P: Pattern> SingleFrame<P> {
    pub fn new(inner: P, sends: bool) -> Self {
        SingleFrame { inner, sends }
    }
}

/// The next single-frame message `next` yields, skipping multipart ones whole.
pub fn recv_single<T>(mut next: impl FnMut() -> Result<(Msg, T)>) -> Result<(Msg, T)> {
    loop {
        let (msg, from) = next()?;
        if !msg.more() {
            return Ok((msg, from));
        }
        // A pipe holds only whole messages, so the rest is there to be dropped.
        while next()?.0.more() {}
    }
}

impl<P: Pattern> Pattern for SingleFrame<P> {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.inner.attach(pipes, id);
    }
    fn terminated(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.inner.terminated(pipes, id);
    }
    fn read_activated(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.inner.read_activated(pipes, id);
    }
    fn write_activated(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.inner.write_activated(pipes, id);
    }
    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        if !self.sends {
            return Err(Errno::ENOTSUP);
        }
        if msg.more() {
            return Err(Errno::EINVAL);
        }
        self.inner.send(pipes, msg)
    }
    fn recv(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        let inner = &mut self.inner;
        recv_single(|| inner.recv(pipes).map(|m| (m, ()))).map(|(m, ())| m)
    }
    fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.inner.has_in(pipes)
    }
    fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        self.inner.has_out(pipes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Errno;

    fn frames(list: &[(&[u8], bool)]) -> impl FnMut() -> Result<(Msg, ())> {
        let mut v: Vec<Msg> = list
            .iter()
            .map(|(d, more)| {
                let mut m = Msg::from_slice(d);
                m.set_more(*more);
                m
            })
            .collect();
        v.reverse();
        move || v.pop().map(|m| (m, ())).ok_or(Errno::EAGAIN)
    }

    #[test]
    fn multipart_messages_are_dropped_whole() {
        let mut next = frames(&[(b"a", true), (b"b", true), (b"c", false), (b"d", false)]);
        let (m, ()) = recv_single(&mut next).unwrap();
        assert_eq!(m.data(), b"d");
        assert_eq!(recv_single(&mut next).unwrap_err(), Errno::EAGAIN);
    }
}
