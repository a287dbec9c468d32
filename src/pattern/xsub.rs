//! ZMQ_XSUB: sends subscriptions (messages `1 topic` / `0 topic`) and other messages
//! upstream to every publisher, remembers the subscriptions to replay them to each new
//! publisher, and fair-queues what the publishers send. ZMQ_SUB (`super::sub`) is this
//! with subscriptions set by option and incoming messages filtered by them.

use std::ffi::c_int;

use super::dist::Dist;
use super::fq::FairQueue;
use super::trie::Trie;
use super::xpub::always::{ZMQ_ONLY_FIRST_SUBSCRIBE, ZMQ_TOPICS_COUNT};
use super::xpub::{put_count, subscription_kind};
use super::{Pattern, Pipes};
use crate::error::Result;
use crate::msg::Msg;
use crate::pipe::PipeId;
use crate::socket::options::Options;

/// The subscription message for `topic`: `1 topic`, or `0 topic` to unsubscribe.
pub fn subscription(subscribe: bool, topic: &[u8]) -> Msg {
    let mut data = Vec::with_capacity(topic.len() + 1);
    data.push(u8::from(subscribe));
    data.extend_from_slice(topic);
    Msg::from_slice(&data)
}

#[derive(Debug, Default)]
pub struct XSub {
    fq: FairQueue,
    dist: Dist,
    subscriptions: Trie,
    /// ZMQ_XSUB_VERBOSE_UNSUBSCRIBE: forward unsubscriptions even for topics we do not
    /// hold (or still hold).
    verbose_unsubs: bool,
    /// A matching message `has_in` took from the pipes, for the next `recv`.
    message: Option<Msg>,
    /// In the middle of sending / receiving a multipart message.
    more_send: bool,
    more_recv: bool,
    /// Whether the remaining parts of the message being sent may be subscriptions.
    process_subscribe: bool,
    /// ZMQ_ONLY_FIRST_SUBSCRIBE.
    only_first_subscribe: bool,
    /// Filter incoming messages by the subscriptions (SUB; `Options::filter`).
    filter: bool,
    /// ZMQ_INVERT_MATCHING: deliver the messages that match no subscription.
    invert_matching: bool,
}

impl XSub {
    fn matches(&self, msg: &Msg) -> bool {
        self.subscriptions.check(msg.data()) != self.invert_matching
    }

    /// Reads and drops the rest of a message whose first frame was `first`.
    fn skip_rest(&mut self, pipes: &mut Pipes, first: &Msg) {
        let mut more = first.more();
        while more {
            match self.fq.recv(pipes) {
                Ok((m, _)) => more = m.more(),
                Err(_) => break,
            }
        }
    }

    /// The next message that passes the filter.
    fn next_matching(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        loop {
            let (msg, _) = self.fq.recv(pipes)?;
            if !self.filter || self.matches(&msg) {
                return Ok(msg);
            }
            self.skip_rest(pipes, &msg);
        }
    }
}

impl Pattern for XSub {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.fq.attach(id);
        self.dist.attach(id);
        self.hiccuped(pipes, id);
    }

    /// Replays the subscriptions to a new or reconnected publisher; past its
    /// high-water mark they are dropped, as a subscription sent then would be.
    fn hiccuped(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.subscriptions.for_each(|topic| {
            if pipes.check_write(id) {
                pipes.write(id, subscription(true, topic));
            }
        });
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

    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        let first_part = !self.more_send;
        self.more_send = msg.more();
        if first_part {
            self.process_subscribe = !self.only_first_subscribe;
        } else if !self.process_subscribe {
            self.dist.send_to_all(pipes, msg);
            return Ok(());
        }
        match subscription_kind(msg.data()) {
            Some(true) => {
                // Duplicates go up too: the XPUB filters them (or, verbose, reports them).
                self.subscriptions.add(&msg.data()[1..]);
                self.process_subscribe = true;
                self.dist.send_to_all(pipes, msg);
            }
            Some(false) => {
                self.process_subscribe = true;
                let last = self.subscriptions.rm(&msg.data()[1..]);
                if last || self.verbose_unsubs {
                    self.dist.send_to_all(pipes, msg);
                } else {
                    *msg = Msg::new();
                }
            }
            None => self.dist.send_to_all(pipes, msg),
        }
        Ok(())
    }

    fn recv(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        if let Some(msg) = self.message.take() {
            self.more_recv = msg.more();
            return Ok(msg);
        }
        let msg = if self.more_recv {
            self.fq.recv(pipes)?.0
        } else {
            self.next_matching(pipes)?
        };
        self.more_recv = msg.more();
        Ok(msg)
    }

    fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        if self.more_recv || self.message.is_some() {
            return true;
        }
        match self.next_matching(pipes) {
            Ok(msg) => {
                self.message = Some(msg);
                true
            }
            Err(_) => false,
        }
    }

    fn has_out(&mut self, _pipes: &mut Pipes) -> bool {
        // Subscriptions can be sent at any time.
        true
    }

    fn set_option(
        &mut self,
        _pipes: &mut Pipes,
        option: c_int,
        value: &[u8],
    ) -> Option<Result<()>> {
        match option {
            ZMQ_ONLY_FIRST_SUBSCRIBE => {
                Some(super::bool_option(value).map(|on| self.only_first_subscribe = on))
            }
            #[cfg(feature = "draft")]
            crate::constants::ZMQ_XSUB_VERBOSE_UNSUBSCRIBE => {
                // libzmq reads an int whatever the length given (beyond a shorter value,
                // even): the bytes there are, zero-padded.
                let mut int = [0u8; 4];
                let n = value.len().min(4);
                int[..n].copy_from_slice(&value[..n]);
                self.verbose_unsubs = c_int::from_ne_bytes(int) != 0;
                Some(Ok(()))
            }
            _ => None,
        }
    }

    fn get_option(&self, option: c_int, out: &mut [u8]) -> Option<Result<usize>> {
        (option == ZMQ_TOPICS_COUNT).then(|| put_count(out, self.subscriptions.num_prefixes()))
    }

    fn options_changed(&mut self, options: &Options) {
        self.filter = options.filter;
        self.invert_matching = options.invert_matching;
    }
}

#[cfg(test)]
mod tests {
    use super::super::xpub::tests::{connect, drain, frame};
    use super::*;

    fn filtering() -> XSub {
        XSub {
            filter: true,
            ..XSub::default()
        }
    }

    #[test]
    fn subscriptions_go_up_and_are_replayed() {
        let mut pipes = Pipes::default();
        let mut x = XSub::default();
        let (_, mut early) = connect(&mut x, &mut pipes, 0);
        x.send(&mut pipes, &mut subscription(true, b"b")).unwrap();
        x.send(&mut pipes, &mut subscription(true, b"a")).unwrap();
        x.send(&mut pipes, &mut subscription(true, b"a")).unwrap();
        x.send(&mut pipes, &mut subscription(false, b"a")).unwrap();
        x.send(&mut pipes, &mut subscription(false, b"zz")).unwrap();
        x.send(&mut pipes, &mut frame(b"\x02user", false)).unwrap();
        assert_eq!(
            drain(&mut early),
            vec![
                b"\x01b".to_vec(),
                b"\x01a".to_vec(),
                b"\x01a".to_vec(),
                b"\x02user".to_vec()
            ]
        );
        let (_, mut late) = connect(&mut x, &mut pipes, 0);
        assert_eq!(drain(&mut late), vec![b"\x01a".to_vec(), b"\x01b".to_vec()]);
        x.send(&mut pipes, &mut subscription(false, b"a")).unwrap();
        assert_eq!(drain(&mut late), vec![b"\x00a".to_vec()]);
        assert_eq!(x.subscriptions.num_prefixes(), 1);
    }

    #[test]
    fn filtering_drops_whole_messages() {
        let mut pipes = Pipes::default();
        let mut x = filtering();
        let (id, mut p) = connect(&mut x, &mut pipes, 0);
        x.send(&mut pipes, &mut subscription(true, b"yes")).unwrap();
        p.write(frame(b"no", true));
        p.write(frame(b"yes-but-second-part", false));
        p.write(frame(b"yes!", true));
        p.write(frame(b"part", false));
        x.read_activated(&mut pipes, id);
        assert!(x.has_in(&mut pipes));
        let m = x.recv(&mut pipes).unwrap();
        assert_eq!((m.data(), m.more()), (&b"yes!"[..], true));
        let m = x.recv(&mut pipes).unwrap();
        assert_eq!((m.data(), m.more()), (&b"part"[..], false));
        assert!(!x.has_in(&mut pipes));
        x.invert_matching = true;
        p.write(frame(b"yes", false));
        p.write(frame(b"other", false));
        x.read_activated(&mut pipes, id);
        assert_eq!(x.recv(&mut pipes).unwrap().data(), b"other");
    }

    #[test]
    fn only_first_subscribe() {
        let mut pipes = Pipes::default();
        let mut x = XSub::default();
        let on = 1i32.to_ne_bytes();
        assert_eq!(
            x.set_option(&mut pipes, ZMQ_ONLY_FIRST_SUBSCRIBE, &on),
            Some(Ok(()))
        );
        let (_, mut p) = connect(&mut x, &mut pipes, 0);
        x.send(&mut pipes, &mut frame(b"user", true)).unwrap();
        x.send(&mut pipes, &mut frame(b"\x01data", false)).unwrap();
        assert_eq!(x.subscriptions.num_prefixes(), 0);
        x.send(&mut pipes, &mut frame(b"\x01t1", true)).unwrap();
        x.send(&mut pipes, &mut frame(b"\x01t2", false)).unwrap();
        assert_eq!(x.subscriptions.num_prefixes(), 2);
        assert_eq!(drain(&mut p).len(), 4);
    }
}
