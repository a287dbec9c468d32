//! ZMQ_XPUB: distributes messages to the subscribers whose subscriptions match, and
//! passes the subscriptions (messages `1 topic` / `0 topic` from the subscribers) up to
//! the application. ZMQ_PUB is this with `recv` refused (`super::pub_`).
//!
//! Subscriptions are read as soon as a pipe has them (not when the application asks):
//! matching must see them before the next send. What the application should see is
//! queued in `pending`.

use std::collections::VecDeque;
use std::ffi::c_int;

use super::dist::Dist;
use super::mtrie::{MTrie, RmResult};
use super::{Pattern, Pipes};
use crate::constants::*;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::options::Options;
use crate::pipe::PipeId;

/// Options that `zmq.h` declares as draft but that libzmq's XPUB/XSUB handle in every
/// build (its `zmq_draft.h` defines them).
pub(super) mod always {
    use std::ffi::c_int;

    pub const ZMQ_XPUB_MANUAL_LAST_VALUE: c_int = 98;
    pub const ZMQ_ONLY_FIRST_SUBSCRIBE: c_int = 108;
    pub const ZMQ_TOPICS_COUNT: c_int = 116;
}
use always::{ZMQ_ONLY_FIRST_SUBSCRIBE, ZMQ_TOPICS_COUNT, ZMQ_XPUB_MANUAL_LAST_VALUE};

/// getsockopt of an int the way libzmq's socket types answer: a buffer of at least an
/// int's size, the rest of it zeroed.
pub(super) fn put_count(out: &mut [u8], n: usize) -> Result<usize> {
    let v = c_int::try_from(n).unwrap_or(c_int::MAX);
    let len = super::put_int(out, v)?;
    out[len..].fill(0);
    Ok(len)
}

/// Whether a message is a subscription (`Some(true)`) or an unsubscription.
pub(super) fn subscription_kind(data: &[u8]) -> Option<bool> {
    match data.first() {
        Some(1) => Some(true),
        Some(0) => Some(false),
        _ => None,
    }
}

#[derive(Debug)]
pub struct XPub {
    /// A PUB socket: subscriptions are applied but nothing is queued for `recv`.
    is_pub: bool,
    subscriptions: MTrie,
    /// ZMQ_XPUB_MANUAL: what the subscribers asked for, to unsubscribe on disconnect.
    manual_subscriptions: MTrie,
    dist: Dist,
    /// ZMQ_XPUB_VERBOSE(R): pass duplicate subscriptions / unsubscriptions up.
    verbose_subs: bool,
    verbose_unsubs: bool,
    /// In the middle of sending / of receiving (from the pipes) a multipart message.
    more_send: bool,
    more_recv: bool,
    /// Whether the remaining parts of the message being read may be subscriptions.
    process_subscribe: bool,
    /// ZMQ_ONLY_FIRST_SUBSCRIBE.
    only_first_subscribe: bool,
    /// Not ZMQ_XPUB_NODROP: full pipes miss messages instead of blocking the sender.
    lossy: bool,
    /// ZMQ_XPUB_MANUAL / ZMQ_XPUB_MANUAL_LAST_VALUE.
    manual: bool,
    /// ZMQ_XPUB_MANUAL_LAST_VALUE: the next message goes only to `last_pipe`.
    send_last_pipe: bool,
    /// Manual mode: the pipe whose subscription the application received last.
    last_pipe: Option<PipeId>,
    /// Manual mode: the pipe of each queued (un)subscription.
    pending_pipes: VecDeque<Option<PipeId>>,
    /// ZMQ_XPUB_WELCOME_MSG (empty: none).
    welcome_msg: Msg,
    /// What `recv` returns next: (un)subscriptions and upstream messages.
    pending: VecDeque<Msg>,
    /// ZMQ_INVERT_MATCHING (a generic option).
    invert_matching: bool,
}

impl Default for XPub {
    fn default() -> Self {
        XPub::new(false)
    }
}

impl XPub {
    pub fn new(is_pub: bool) -> Self {
        XPub {
            is_pub,
            subscriptions: MTrie::default(),
            manual_subscriptions: MTrie::default(),
            dist: Dist::default(),
            verbose_subs: false,
            verbose_unsubs: false,
            more_send: false,
            more_recv: false,
            process_subscribe: false,
            only_first_subscribe: false,
            lossy: true,
            manual: false,
            send_last_pipe: false,
            last_pipe: None,
            pending_pipes: VecDeque::new(),
            welcome_msg: Msg::new(),
            pending: VecDeque::new(),
            invert_matching: false,
        }
    }

    /// Applies one message read from a subscriber.
    fn process(&mut self, id: PipeId, mut msg: Msg) {
        let first_part = !self.more_recv;
        self.more_recv = msg.more();
        let kind = if first_part || self.process_subscribe {
            subscription_kind(msg.data())
        } else {
            None
        };
        if first_part {
            self.process_subscribe = !self.only_first_subscribe || kind.is_some();
        }
        let Some(subscribe) = kind else {
            // A message from upstream (an XSUB's user message): PUB never takes them.
            if !self.is_pub {
                self.pending.push_back(msg);
            }
            return;
        };
        let topic = &msg.data()[1..];
        let mut notify = false;
        if self.manual {
            if subscribe {
                self.manual_subscriptions.add(topic, id);
            } else {
                self.manual_subscriptions.rm(topic, id);
            }
            if !self.is_pub {
                self.pending_pipes.push_back(Some(id));
            }
        } else if subscribe {
            notify = self.subscriptions.add(topic, id) || self.verbose_subs;
        } else {
            // libzmq passes an unsubscription up unless others still hold the topic
            // (so also one for a topic the pipe never had).
            notify =
                self.subscriptions.rm(topic, id) != RmResult::ValuesRemain || self.verbose_unsubs;
        }
        if !self.is_pub && (self.manual || notify) {
            msg.set_more(false);
            self.pending.push_back(msg);
        }
    }

    /// Queues an unsubscription for the application (a subscriber went away).
    fn push_unsubscription(
        pending: &mut VecDeque<Msg>,
        pending_pipes: &mut VecDeque<Option<PipeId>>,
        last_pipe: &mut Option<PipeId>,
        manual: bool,
        topic: &[u8],
    ) {
        pending.push_back(super::xsub::subscription(false, topic));
        if manual {
            *last_pipe = None;
            pending_pipes.push_back(None);
        }
    }

    fn set_flag(&mut self, option: c_int, on: bool) {
        match option {
            ZMQ_XPUB_VERBOSE => {
                self.verbose_subs = on;
                self.verbose_unsubs = false;
            }
            ZMQ_XPUB_VERBOSER => {
                self.verbose_subs = on;
                self.verbose_unsubs = on;
            }
            ZMQ_XPUB_MANUAL_LAST_VALUE => {
                self.manual = on;
                self.send_last_pipe = on;
            }
            ZMQ_XPUB_NODROP => self.lossy = !on,
            ZMQ_XPUB_MANUAL => self.manual = on,
            ZMQ_ONLY_FIRST_SUBSCRIBE => self.only_first_subscribe = on,
            _ => {}
        }
    }
}

impl Pattern for XPub {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.dist.attach(id);
        let endpoint = pipes.get(id).and_then(|p| p.endpoint.as_deref());
        if endpoint.is_some_and(super::subscribes_to_all) {
            self.subscriptions.add(b"", id);
        }
        if self.welcome_msg.size() > 0 {
            // Past the high-water mark if need be, as libzmq does.
            if let Some(p) = pipes.get_mut(id) {
                p.write(self.welcome_msg.clone());
            }
        }
        // Subscriptions the subscriber sent before we saw the pipe.
        self.read_activated(pipes, id);
    }

    fn terminated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        let (is_pub, manual) = (self.is_pub, self.manual);
        let (pending, pending_pipes, last_pipe) = (
            &mut self.pending,
            &mut self.pending_pipes,
            &mut self.last_pipe,
        );
        let mut unsubscribe = |topic: &[u8]| {
            if !is_pub {
                Self::push_unsubscription(pending, pending_pipes, last_pipe, manual, topic);
            }
        };
        if manual {
            // Unsubscribe what the subscriber had asked for; what the application
            // subscribed it to goes silently.
            self.manual_subscriptions
                .rm_pipe(id, false, &mut unsubscribe);
            self.subscriptions.rm_pipe(id, false, |_| {});
            if self.last_pipe == Some(id) {
                self.last_pipe = None;
            }
        } else {
            let only_last = !self.verbose_unsubs;
            self.subscriptions.rm_pipe(id, only_last, &mut unsubscribe);
        }
        self.dist.terminated(id);
    }

    fn read_activated(&mut self, pipes: &mut Pipes, id: PipeId) {
        while let Some(msg) = pipes.read(id) {
            self.process(id, msg);
        }
    }

    fn write_activated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.dist.activated(id);
    }

    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        let more = msg.more();
        if !self.more_send {
            // Nothing from an earlier attempt that failed stays marked.
            self.dist.unmatch();
            let dist = &mut self.dist;
            match self.last_pipe {
                Some(last) if self.manual && self.send_last_pipe => {
                    self.subscriptions.match_pipes(msg.data(), |p| {
                        if p == last {
                            dist.mark(p);
                        }
                    });
                    self.last_pipe = None;
                }
                _ => self.subscriptions.match_pipes(msg.data(), |p| dist.mark(p)),
            }
            if self.invert_matching {
                self.dist.reverse_match();
            }
        }
        if !self.lossy && !self.dist.check_hwm(pipes) {
            return Err(Errno::EAGAIN);
        }
        self.dist.send_to_matching(pipes, msg);
        if !more {
            self.dist.unmatch();
        }
        self.more_send = more;
        Ok(())
    }

    fn recv(&mut self, _pipes: &mut Pipes) -> Result<Msg> {
        let msg = self.pending.pop_front().ok_or(Errno::EAGAIN)?;
        if self.manual {
            if let Some(p) = self.pending_pipes.pop_front() {
                // A pipe gone since cannot take manual subscriptions.
                self.last_pipe = p.filter(|&p| self.dist.has_pipe(p));
            }
        }
        Ok(msg)
    }

    fn has_in(&mut self, _pipes: &mut Pipes) -> bool {
        !self.pending.is_empty()
    }

    fn has_out(&mut self, _pipes: &mut Pipes) -> bool {
        self.dist.has_out()
    }

    fn set_option(
        &mut self,
        _pipes: &mut Pipes,
        option: c_int,
        value: &[u8],
    ) -> Option<Result<()>> {
        match option {
            ZMQ_XPUB_VERBOSE
            | ZMQ_XPUB_VERBOSER
            | ZMQ_XPUB_MANUAL_LAST_VALUE
            | ZMQ_XPUB_NODROP
            | ZMQ_XPUB_MANUAL
            | ZMQ_ONLY_FIRST_SUBSCRIBE => {
                Some(super::bool_option(value).map(|on| self.set_flag(option, on)))
            }
            ZMQ_SUBSCRIBE if self.manual => {
                if let Some(p) = self.last_pipe {
                    self.subscriptions.add(value, p);
                }
                Some(Ok(()))
            }
            ZMQ_UNSUBSCRIBE if self.manual => {
                if let Some(p) = self.last_pipe {
                    self.subscriptions.rm(value, p);
                }
                Some(Ok(()))
            }
            ZMQ_XPUB_WELCOME_MSG => {
                self.welcome_msg = Msg::from_slice(value);
                Some(Ok(()))
            }
            _ => None,
        }
    }

    fn get_option(&self, option: c_int, out: &mut [u8]) -> Option<Result<usize>> {
        (option == ZMQ_TOPICS_COUNT).then(|| put_count(out, self.subscriptions.num_prefixes()))
    }

    fn options_changed(&mut self, options: &Options) {
        self.invert_matching = options.invert_matching;
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::pipe::{self, PipeConfig, PipeEnd, Read};

    pub fn cfg(hwm: u64) -> PipeConfig {
        PipeConfig {
            sndhwm: hwm,
            rcvhwm: 0,
            conflate: false,
        }
    }

    pub fn frame(data: &[u8], more: bool) -> Msg {
        let mut m = Msg::from_slice(data);
        m.set_more(more);
        m
    }

    pub fn drain(p: &mut PipeEnd) -> Vec<Vec<u8>> {
        let mut v = Vec::new();
        while let Read::Msg(m) = p.read() {
            v.push(m.data().to_vec());
        }
        v
    }

    /// Attaches a new pipe to `pat`; returns the peer's end.
    pub fn connect(pat: &mut dyn Pattern, pipes: &mut Pipes, hwm: u64) -> (PipeId, PipeEnd) {
        let (a, b) = pipe::pair(cfg(hwm), None);
        let id = a.id();
        pipes.insert(a);
        pat.attach(pipes, id);
        (id, b)
    }

    fn recv_all(x: &mut XPub, pipes: &mut Pipes) -> Vec<Vec<u8>> {
        let mut v = Vec::new();
        while let Ok(m) = x.recv(pipes) {
            v.push(m.data().to_vec());
        }
        v
    }

    #[test]
    fn subscriptions_route_and_are_reported_once() {
        let mut pipes = Pipes::default();
        let mut x = XPub::default();
        let (a, mut pa) = connect(&mut x, &mut pipes, 0);
        let (b, mut pb) = connect(&mut x, &mut pipes, 0);
        pa.write(frame(b"\x01A", false));
        x.read_activated(&mut pipes, a);
        pb.write(frame(b"\x01A", false));
        pb.write(frame(b"\x01B", false));
        x.read_activated(&mut pipes, b);
        assert_eq!(
            recv_all(&mut x, &mut pipes),
            vec![b"\x01A".to_vec(), b"\x01B".to_vec()]
        );
        assert_eq!(x.subscriptions.num_prefixes(), 2);
        x.send(&mut pipes, &mut frame(b"A1", true)).unwrap();
        x.send(&mut pipes, &mut frame(b"rest", false)).unwrap();
        x.send(&mut pipes, &mut frame(b"B1", false)).unwrap();
        x.send(&mut pipes, &mut frame(b"C1", false)).unwrap();
        assert_eq!(drain(&mut pa), vec![b"A1".to_vec(), b"rest".to_vec()]);
        assert_eq!(
            drain(&mut pb),
            vec![b"A1".to_vec(), b"rest".to_vec(), b"B1".to_vec()]
        );
        // b leaves: B is nobody's now, A still a's.
        pipes.remove(b);
        x.terminated(&mut pipes, b);
        assert_eq!(recv_all(&mut x, &mut pipes), vec![b"\x00B".to_vec()]);
        assert_eq!(x.subscriptions.num_prefixes(), 1);
    }

    #[test]
    fn upstream_messages_keep_their_parts() {
        let mut pipes = Pipes::default();
        let mut x = XPub::default();
        let (a, mut pa) = connect(&mut x, &mut pipes, 0);
        pa.write(frame(b"\x02hello", true));
        pa.write(frame(b"\x01notasub", false));
        x.read_activated(&mut pipes, a);
        let m = x.recv(&mut pipes).unwrap();
        assert!(m.more());
        let m = x.recv(&mut pipes).unwrap();
        assert!(!m.more());
        // Without ONLY_FIRST_SUBSCRIBE, a later part starting with 1 is a subscription.
        assert_eq!(m.data(), b"\x01notasub");
        assert_eq!(x.subscriptions.num_prefixes(), 1);
    }

    #[test]
    fn nodrop_refuses_at_the_high_water_mark() {
        let mut pipes = Pipes::default();
        let mut x = XPub::default();
        x.set_option(&mut pipes, ZMQ_XPUB_NODROP, &1i32.to_ne_bytes())
            .unwrap()
            .unwrap();
        let (a, mut pa) = connect(&mut x, &mut pipes, 2);
        pa.write(frame(b"\x01", false));
        x.read_activated(&mut pipes, a);
        x.send(&mut pipes, &mut frame(b"1", false)).unwrap();
        x.send(&mut pipes, &mut frame(b"2", false)).unwrap();
        let mut m = frame(b"3", false);
        assert_eq!(x.send(&mut pipes, &mut m), Err(Errno::EAGAIN));
        assert_eq!(m.data(), b"3");
        assert_eq!(drain(&mut pa).len(), 2);
        x.send(&mut pipes, &mut m).unwrap();
    }

    #[test]
    fn option_values() {
        let mut pipes = Pipes::default();
        let mut x = XPub::default();
        let bad = x.set_option(&mut pipes, ZMQ_XPUB_VERBOSE, &(-1i32).to_ne_bytes());
        assert_eq!(bad, Some(Err(Errno::EINVAL)));
        let bad = x.set_option(&mut pipes, ZMQ_XPUB_VERBOSE, &[1, 0]);
        assert_eq!(bad, Some(Err(Errno::EINVAL)));
        assert_eq!(x.set_option(&mut pipes, ZMQ_SUBSCRIBE, b"a"), None);
        let ok = x.set_option(&mut pipes, ZMQ_XPUB_MANUAL, &2i32.to_ne_bytes());
        assert_eq!(ok, Some(Ok(())));
        assert_eq!(x.set_option(&mut pipes, ZMQ_SUBSCRIBE, b"a"), Some(Ok(())));
        let mut out = [0xFFu8; 8];
        assert_eq!(x.get_option(ZMQ_TOPICS_COUNT, &mut out), Some(Ok(4)));
        assert_eq!(out, [0; 8]);
        assert_eq!(
            x.get_option(ZMQ_TOPICS_COUNT, &mut [0; 3]),
            Some(Err(Errno::EINVAL))
        );
        assert_eq!(x.get_option(ZMQ_XPUB_VERBOSE, &mut out), None);
    }
}
