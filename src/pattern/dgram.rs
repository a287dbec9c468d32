//! ZMQ_DGRAM: raw datagrams over a bound `udp://` endpoint. Every message is two frames,
//! the peer's `ip:port` (MORE) and the body, both ways; the address of a received one
//! ends with a NUL, as libzmq writes it. Only the first pipe is used (libzmq's rule).

use super::{Pattern, Pipes};
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::pipe::PipeId;

#[derive(Debug, Default)]
pub struct Dgram {
    pipe: Option<PipeId>,
    /// The address frame went out; the body must follow.
    more_out: bool,
}

impl Pattern for Dgram {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        if self.pipe.is_none() {
            self.pipe = Some(id);
        } else {
            pipes.retire(id);
        }
    }
    fn terminated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        if self.pipe == Some(id) {
            self.pipe = None;
            self.more_out = false;
        }
    }
    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        let id = self.pipe.ok_or(Errno::EAGAIN)?;
        // Address then body: MORE on the first frame only.
        if msg.more() == self.more_out {
            return Err(Errno::EINVAL);
        }
        if !pipes.check_write(id) {
            return Err(Errno::EAGAIN);
        }
        pipes.write(id, std::mem::take(msg));
        self.more_out = !self.more_out;
        Ok(())
    }
    fn recv(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        let id = self.pipe.ok_or(Errno::EAGAIN)?;
        pipes.read(id).ok_or(Errno::EAGAIN)
    }
    fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.pipe.is_some_and(|id| pipes.check_read(id))
    }
    fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        self.pipe.is_some_and(|id| pipes.check_write(id))
    }
}

#[cfg(test)]
mod tests {
    use super::super::xpub::tests::{connect, drain};
    use super::*;

    #[test]
    fn address_then_body() {
        let mut d = Dgram::default();
        let mut pipes = Pipes::default();
        let mut body = Msg::from_slice(b"body");
        assert_eq!(d.send(&mut pipes, &mut body), Err(Errno::EAGAIN));
        let (_, mut peer) = connect(&mut d, &mut pipes, 0);
        assert_eq!(d.send(&mut pipes, &mut body), Err(Errno::EINVAL));
        let mut addr = Msg::from_slice(b"127.0.0.1:5555");
        addr.set_more(true);
        d.send(&mut pipes, &mut addr).unwrap();
        let mut again = Msg::from_slice(b"x");
        again.set_more(true);
        assert_eq!(d.send(&mut pipes, &mut again), Err(Errno::EINVAL));
        d.send(&mut pipes, &mut body).unwrap();
        assert_eq!(
            drain(&mut peer),
            [b"127.0.0.1:5555".to_vec(), b"body".to_vec()]
        );
    }
}
