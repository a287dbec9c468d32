//! ZMQ_REQ: a DEALER that alternates strictly between sending a request and receiving
//! its reply.
//!
//! A request goes out behind an empty delimiter frame (and, with `ZMQ_REQ_CORRELATE`,
//! a 4-byte request id before it). A reply is accepted only from the pipe the request
//! went to, only with the expected id and delimiter; anything else is discarded.
//! Sending twice or receiving without a request is `EFSM`, unless `ZMQ_REQ_RELAXED`
//! lets a new request abandon the pending one.

use std::ffi::c_int;

use super::{dealer::Dealer, router::random_u32, Pattern, Pipes};
use crate::constants::{ZMQ_REQ_CORRELATE, ZMQ_REQ_RELAXED};
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::pipe::PipeId;

#[derive(Debug)]
pub struct Req {
    dealer: Dealer,
    /// A request was sent; its reply is awaited.
    receiving_reply: bool,
    /// The next frame sent or received starts a message.
    message_begins: bool,
    /// The pipe the last request went to; replies from others are dropped.
    reply_pipe: Option<PipeId>,
    /// ZMQ_REQ_CORRELATE.
    correlate: bool,
    request_id: u32,
    /// Not ZMQ_REQ_RELAXED.
    strict: bool,
}

impl Default for Req {
    fn default() -> Self {
        Req {
            dealer: Dealer::default(),
            receiving_reply: false,
            message_begins: true,
            reply_pipe: None,
            correlate: false,
            request_id: random_u32(),
            strict: true,
        }
    }
}

fn label(data: &[u8]) -> Msg {
    let mut m = Msg::from_slice(data);
    m.set_more(true);
    m
}

impl Req {
    /// The next frame from the pipe the request went to (from any pipe if that one is
    /// gone); frames from other pipes are discarded.
    fn recv_reply_frame(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        loop {
            let (msg, pipe) = self.dealer.recv_pipe(pipes)?;
            if self.reply_pipe.is_none_or(|p| p == pipe) {
                return Ok(msg);
            }
        }
    }

    /// Discards the rest of a message whose last frame read was `msg`.
    fn skip_rest(&mut self, pipes: &mut Pipes, mut msg: Msg) -> Result<()> {
        while msg.more() {
            msg = self.recv_reply_frame(pipes)?;
        }
        Ok(())
    }

    /// Sends the frames that open a request; on EAGAIN nothing was sent.
    fn begin_request(&mut self, pipes: &mut Pipes) -> Result<()> {
        self.reply_pipe = None;
        let id = self.request_id.wrapping_add(1);
        if self.correlate {
            self.reply_pipe = self
                .dealer
                .send_pipe(pipes, &mut label(&id.to_ne_bytes()))?;
        }
        let pipe = self.dealer.send_pipe(pipes, &mut label(&[]))?;
        if pipe.is_some() {
            self.reply_pipe = pipe;
        }
        if self.correlate {
            self.request_id = id;
        }
        // Stale replies (to earlier requests, from other peers) must not be taken for
        // the reply to this one.
        while self.dealer.recv_pipe(pipes).is_ok() {}
        Ok(())
    }
}

impl Pattern for Req {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.dealer.attach(pipes, id);
    }
    fn terminated(&mut self, pipes: &mut Pipes, id: PipeId) {
        if self.reply_pipe == Some(id) {
            self.reply_pipe = None;
        }
        self.dealer.terminated(pipes, id);
    }
    fn read_activated(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.dealer.read_activated(pipes, id);
    }
    fn write_activated(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.dealer.write_activated(pipes, id);
    }

    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        if self.receiving_reply {
            if self.strict {
                return Err(Errno::EFSM);
            }
            self.receiving_reply = false;
            self.message_begins = true;
        }
        if self.message_begins {
            self.begin_request(pipes)?;
            self.message_begins = false;
        }
        let more = msg.more();
        self.dealer.send(pipes, msg)?;
        if !more {
            self.receiving_reply = true;
            self.message_begins = true;
        }
        Ok(())
    }

    fn recv(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        if !self.receiving_reply {
            return Err(Errno::EFSM);
        }
        while self.message_begins {
            if self.correlate {
                let msg = self.recv_reply_frame(pipes)?;
                if !msg.more() || msg.data() != self.request_id.to_ne_bytes() {
                    self.skip_rest(pipes, msg)?;
                    continue;
                }
            }
            let msg = self.recv_reply_frame(pipes)?;
            if !msg.more() || msg.size() != 0 {
                self.skip_rest(pipes, msg)?;
                continue;
            }
            self.message_begins = false;
        }
        let msg = self.recv_reply_frame(pipes)?;
        if !msg.more() {
            self.receiving_reply = false;
            self.message_begins = true;
        }
        Ok(msg)
    }

    fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.receiving_reply && self.dealer.has_in(pipes)
    }

    fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        if self.receiving_reply && self.strict {
            return false;
        }
        self.dealer.has_out(pipes)
    }

    fn set_option(&mut self, pipes: &mut Pipes, option: c_int, value: &[u8]) -> Option<Result<()>> {
        match option {
            ZMQ_REQ_CORRELATE => Some(super::bool_option(value).map(|v| self.correlate = v)),
            ZMQ_REQ_RELAXED => Some(super::bool_option(value).map(|v| self.strict = !v)),
            _ => self.dealer.set_option(pipes, option, value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::router::tests::{connect, frame, read_all};
    use super::*;
    use crate::constants::ZMQ_PROBE_ROUTER;
    use crate::pipe::PipeEnd;

    fn send_msg(r: &mut Req, pipes: &mut Pipes, parts: &[&[u8]]) -> Result<()> {
        for (i, part) in parts.iter().enumerate() {
            r.send(pipes, &mut frame(part, i + 1 < parts.len()))?;
        }
        Ok(())
    }

    fn reply(peer: &mut PipeEnd, parts: &[&[u8]]) {
        for (i, part) in parts.iter().enumerate() {
            peer.write(frame(part, i + 1 < parts.len()));
        }
    }

    fn activate_all(r: &mut Req, pipes: &mut Pipes) {
        for id in pipes.ids() {
            r.read_activated(pipes, id);
        }
    }

    #[test]
    fn strict_alternation_and_envelope() {
        let mut r = Req::default();
        let mut pipes = Pipes::default();
        assert_eq!(r.recv(&mut pipes).map(drop), Err(Errno::EFSM));
        assert_eq!(send_msg(&mut r, &mut pipes, &[b"x"]), Err(Errno::EAGAIN));
        let (mut a, _) = connect(&mut r, &mut pipes, b"", 10);
        let (mut b, _) = connect(&mut r, &mut pipes, b"", 10);
        send_msg(&mut r, &mut pipes, &[b"q1", b"q2"]).unwrap();
        assert_eq!(
            read_all(&mut a),
            [b"".to_vec(), b"q1".to_vec(), b"q2".to_vec()]
        );
        assert!(!r.has_out(&mut pipes));
        assert_eq!(send_msg(&mut r, &mut pipes, &[b"again"]), Err(Errno::EFSM));
        // A reply from the other peer, and a malformed one, are dropped.
        reply(&mut b, &[b"", b"wrong peer"]);
        reply(&mut a, &[b"no delimiter"]);
        reply(&mut a, &[b"", b"r1", b"r2"]);
        activate_all(&mut r, &mut pipes);
        assert!(r.has_in(&mut pipes));
        assert_eq!(r.recv(&mut pipes).unwrap().data(), b"r1");
        let last = r.recv(&mut pipes).unwrap();
        assert_eq!((last.data(), last.more()), (&b"r2"[..], false));
        assert!(!r.has_in(&mut pipes));
        assert_eq!(r.recv(&mut pipes).map(drop), Err(Errno::EFSM));
        // Round robin: the next request goes to b; its stale reply is discarded first.
        reply(&mut b, &[b"", b"stale"]);
        activate_all(&mut r, &mut pipes);
        send_msg(&mut r, &mut pipes, &[b"q3"]).unwrap();
        assert_eq!(read_all(&mut b), [b"".to_vec(), b"q3".to_vec()]);
        assert_eq!(r.recv(&mut pipes).map(drop), Err(Errno::EAGAIN));
    }

    #[test]
    fn correlate_and_relaxed() {
        let mut r = Req::default();
        let mut pipes = Pipes::default();
        let one = 1i32.to_ne_bytes();
        r.set_option(&mut pipes, ZMQ_REQ_CORRELATE, &one)
            .unwrap()
            .unwrap();
        r.set_option(&mut pipes, ZMQ_REQ_RELAXED, &one)
            .unwrap()
            .unwrap();
        assert_eq!(
            r.set_option(&mut pipes, ZMQ_REQ_RELAXED, &[1]),
            Some(Err(Errno::EINVAL))
        );
        assert_eq!(
            r.set_option(&mut pipes, ZMQ_PROBE_ROUTER, &one),
            Some(Ok(()))
        );
        let (mut a, _) = connect(&mut r, &mut pipes, b"", 10);
        assert_eq!(read_all(&mut a), [Vec::<u8>::new()]); // the probe
        send_msg(&mut r, &mut pipes, &[b"first"]).unwrap();
        send_msg(&mut r, &mut pipes, &[b"second"]).unwrap();
        let got = read_all(&mut a);
        assert_eq!(got.len(), 6);
        let (id1, id2) = (got[0].clone(), got[3].clone());
        assert_eq!(id1.len(), 4);
        assert_ne!(id1, id2);
        reply(&mut a, &[&id1, b"", b"old"]);
        reply(&mut a, &[&id2, b"", b"new"]);
        activate_all(&mut r, &mut pipes);
        assert_eq!(r.recv(&mut pipes).unwrap().data(), b"new");
    }
}
