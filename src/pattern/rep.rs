//! ZMQ_REP: a ROUTER that serves one request at a time.
//!
//! Receiving a request strips its envelope (the routing id and every frame up to and
//! including the empty delimiter) and keeps it; the reply is sent behind that envelope,
//! so it goes back to the requester. A request without a delimiter is discarded.
//! Receiving while a reply is due, or replying with no request, is `EFSM`.

use std::ffi::c_int;

use super::{router::Router, Pattern, Pipes};
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::pipe::PipeId;

#[derive(Debug, Default)]
pub struct Rep {
    router: Router,
    /// A request was received; its reply is due.
    sending_reply: bool,
    /// The envelope of the request being received, then of the reply to send.
    envelope: Vec<Msg>,
    /// The envelope is complete: the frames received now are the request's body.
    in_body: bool,
    /// The envelope went out ahead of the reply's first frame.
    reply_started: bool,
    /// The requester is unreachable: the rest of the reply is dropped.
    dropping: bool,
}

impl Pattern for Rep {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.router.attach(pipes, id);
    }
    fn terminated(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.router.terminated(pipes, id);
    }
    fn read_activated(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.router.read_activated(pipes, id);
    }
    fn write_activated(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.router.write_activated(pipes, id);
    }

    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        if !self.sending_reply {
            return Err(Errno::EFSM);
        }
        if !self.reply_started {
            let mut envelope = std::mem::take(&mut self.envelope);
            let mut frames = envelope.iter_mut();
            if let Some(first) = frames.next() {
                match self.router.send(pipes, first) {
                    Ok(()) => {
                        for frame in frames {
                            // Frames after the routing id are always taken.
                            let _ = self.router.send(pipes, frame);
                        }
                    }
                    Err(e) if e == Errno::EAGAIN => {
                        self.envelope = envelope;
                        return Err(e);
                    }
                    // EHOSTUNREACH (ZMQ_ROUTER_MANDATORY): the requester is gone.
                    Err(_) => self.dropping = true,
                }
            }
            self.reply_started = true;
        }
        let more = msg.more();
        if self.dropping {
            drop(std::mem::take(msg));
        } else {
            self.router.send(pipes, msg)?;
        }
        if !more {
            self.sending_reply = false;
            self.reply_started = false;
            self.dropping = false;
        }
        Ok(())
    }

    fn recv(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        if self.sending_reply {
            return Err(Errno::EFSM);
        }
        loop {
            if self.router.at_message_start() {
                // A new message (also when the last one was cut short).
                self.envelope.clear();
                self.in_body = false;
            }
            let msg = self.router.recv(pipes)?;
            if self.in_body {
                if !msg.more() {
                    self.sending_reply = true;
                    self.in_body = false;
                }
                return Ok(msg);
            }
            if !msg.more() {
                // No delimiter: a malformed request, discarded.
                self.envelope.clear();
                continue;
            }
            let bottom = msg.size() == 0 && !self.envelope.is_empty();
            self.envelope.push(msg);
            if bottom {
                self.in_body = true;
            }
        }
    }

    fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        !self.sending_reply && self.router.has_in(pipes)
    }

    fn options_changed(&mut self, options: &crate::socket::options::Options) {
        self.router.options_changed(options);
    }

    /// libzmq's REP is a ROUTER underneath: it knows its peers by routing id too.
    fn peer_state(&mut self, pipes: &mut Pipes, routing_id: &[u8]) -> Option<Result<c_int>> {
        Some(self.router.peer_state(pipes, routing_id))
    }

    fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        self.sending_reply && self.router.has_out(pipes)
    }

    fn set_option(&mut self, pipes: &mut Pipes, option: c_int, value: &[u8]) -> Option<Result<()>> {
        self.router.set_option(pipes, option, value)
    }

    fn get_option(&self, option: c_int, out: &mut [u8]) -> Option<Result<usize>> {
        self.router.get_option(option, out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::router::tests::{connect, frame, read_all};
    use super::*;
    use crate::pipe::PipeEnd;

    fn request(peer: &mut PipeEnd, parts: &[&[u8]]) {
        for (i, part) in parts.iter().enumerate() {
            peer.write(frame(part, i + 1 < parts.len()));
        }
    }

    fn send_msg(r: &mut Rep, pipes: &mut Pipes, parts: &[&[u8]]) -> Result<()> {
        for (i, part) in parts.iter().enumerate() {
            r.send(pipes, &mut frame(part, i + 1 < parts.len()))?;
        }
        Ok(())
    }

    fn recv_msg(r: &mut Rep, pipes: &mut Pipes) -> Vec<Vec<u8>> {
        let mut v = Vec::new();
        loop {
            let m = r.recv(pipes).unwrap();
            v.push(m.data().to_vec());
            if !m.more() {
                return v;
            }
        }
    }

    #[test]
    fn envelope_is_kept_and_restored() {
        let mut r = Rep::default();
        let mut pipes = Pipes::default();
        assert_eq!(send_msg(&mut r, &mut pipes, &[b"x"]), Err(Errno::EFSM));
        let (mut a, _) = connect(&mut r, &mut pipes, b"A", 10);
        request(&mut a, &[b"no delimiter"]);
        request(&mut a, &[b"X", b"Y", b"", b"body1", b"body2"]);
        assert!(r.has_in(&mut pipes));
        assert!(!r.has_out(&mut pipes));
        assert_eq!(
            recv_msg(&mut r, &mut pipes),
            [b"body1".to_vec(), b"body2".to_vec()]
        );
        assert_eq!(r.recv(&mut pipes).map(drop), Err(Errno::EFSM));
        assert!(!r.has_in(&mut pipes));
        assert!(r.has_out(&mut pipes));
        send_msg(&mut r, &mut pipes, &[b"re1", b"re2"]).unwrap();
        assert_eq!(
            read_all(&mut a),
            [
                b"X".to_vec(),
                b"Y".to_vec(),
                b"".to_vec(),
                b"re1".to_vec(),
                b"re2".to_vec()
            ]
        );
        assert_eq!(send_msg(&mut r, &mut pipes, &[b"x"]), Err(Errno::EFSM));
        // Minimal envelope; an empty first body frame stays in the body.
        request(&mut a, &[b"", b"", b"z"]);
        assert_eq!(recv_msg(&mut r, &mut pipes), [b"".to_vec(), b"z".to_vec()]);
        send_msg(&mut r, &mut pipes, &[b"ok"]).unwrap();
        assert_eq!(read_all(&mut a), [b"".to_vec(), b"ok".to_vec()]);
    }

    #[test]
    fn replies_go_to_the_requester() {
        let mut r = Rep::default();
        let mut pipes = Pipes::default();
        let (mut a, _) = connect(&mut r, &mut pipes, b"", 10);
        let (mut b, _) = connect(&mut r, &mut pipes, b"", 10);
        request(&mut a, &[b"", b"from a"]);
        request(&mut b, &[b"", b"from b"]);
        for _ in 0..2 {
            let body = recv_msg(&mut r, &mut pipes);
            send_msg(&mut r, &mut pipes, &[b"re: ", &body[0]]).unwrap();
        }
        assert_eq!(
            read_all(&mut a),
            [b"".to_vec(), b"re: ".to_vec(), b"from a".to_vec()]
        );
        assert_eq!(
            read_all(&mut b),
            [b"".to_vec(), b"re: ".to_vec(), b"from b".to_vec()]
        );
    }

    #[test]
    fn reply_to_a_vanished_requester_is_dropped() {
        let mut r = Rep::default();
        let mut pipes = Pipes::default();
        let one = 1i32.to_ne_bytes();
        r.set_option(&mut pipes, crate::constants::ZMQ_ROUTER_MANDATORY, &one)
            .unwrap()
            .unwrap();
        let (mut a, id) = connect(&mut r, &mut pipes, b"", 10);
        request(&mut a, &[b"", b"q"]);
        recv_msg(&mut r, &mut pipes);
        pipes.remove(id);
        r.terminated(&mut pipes, id);
        send_msg(&mut r, &mut pipes, &[b"lost", b"too"]).unwrap();
        assert!(!r.has_out(&mut pipes));
    }
}
