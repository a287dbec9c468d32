//! How messages ride in PGM's APDUs (`pgm://`, `epgm://`), as libzmq's `pgm_sender_t`
//! and `pgm_receiver_t` lay them out; sans I/O (OpenPGM carries the APDUs:
//! `crate::sys::pgm`; `crate::io` moves them).
//!
//! An APDU is at most one packet's payload: a 2-byte big-endian offset of the first
//! message that starts in it (`0xffff`: none does), then ZMTP/1.0 frames
//! (`length flags body`) cut wherever the packet ends. A receiver that joins a source
//! mid-stream skips its APDUs until one in which a message starts, and starts there;
//! after data loss (an unrecoverable gap) it does the same again. Frames of a message
//! are handed on together once its last one arrived, so a gap or an interleaved second
//! source never delivers half a message.

use std::collections::HashMap;

use super::codec::{encode_header, Decoder, Framing, MAX_HEADER};
use crate::msg::Msg;

/// The offset of an APDU where no message starts.
const NO_START: u16 = 0xffff;

/// Packs a sender's frames into APDUs.
#[derive(Debug, Default)]
pub struct Encoder {
    /// The frame being written: its header and body, and how much of them went out.
    header: [u8; MAX_HEADER],
    header_len: usize,
    body: Option<Msg>,
    written: usize,
    /// The last frame taken had MORE: the next one continues its message.
    more: bool,
}

impl Encoder {
    /// Fills `apdu` (cleared first) with up to `max` bytes: the offset, then as many
    /// frames as fit, taken from `next` one at a time. Left empty when there was
    /// nothing to send. The offset marks where the first message that begins in this
    /// APDU begins, as libzmq's sender computes it.
    pub fn fill(&mut self, apdu: &mut Vec<u8>, max: usize, mut next: impl FnMut() -> Option<Msg>) {
        apdu.clear();
        if max <= 2 {
            return;
        }
        apdu.extend_from_slice(&NO_START.to_be_bytes());
        let mut offset = NO_START;
        self.drain(apdu, max);
        while apdu.len() < max {
            if !self.more && offset == NO_START {
                offset = (apdu.len() - 2) as u16;
            }
            let Some(msg) = next() else { break };
            self.more = msg.more();
            self.header_len =
                encode_header(&mut self.header, Framing::V1, msg.more(), false, msg.size());
            self.body = Some(msg);
            self.written = 0;
            self.drain(apdu, max);
        }
        if apdu.len() == 2 {
            apdu.clear();
            return;
        }
        apdu[..2].copy_from_slice(&offset.to_be_bytes());
    }

    /// Copies what is left of the current frame into `apdu`, up to `max` bytes in all.
    fn drain(&mut self, apdu: &mut Vec<u8>, max: usize) {
        let Some(body) = &self.body else { return };
        let total = self.header_len + body.size();
        while self.written < total && apdu.len() < max {
            let room = max - apdu.len();
            let part = if self.written < self.header_len {
                &self.header[self.written..self.header_len]
            } else {
                &body.data()[self.written - self.header_len..]
            };
            let n = part.len().min(room);
            apdu.extend_from_slice(&part[..n]);
            self.written += n;
        }
        if self.written >= total {
            self.body = None;
        }
    }

    /// A frame is partly written (the next APDU continues it).
    pub fn busy(&self) -> bool {
        self.body.is_some()
    }
}

/// What a receiver knows of one source.
#[derive(Debug)]
struct Source {
    /// In step with the source's message boundaries.
    joined: bool,
    decoder: Decoder,
    /// The frames of the message being received.
    frames: Vec<Msg>,
    /// When it last sent data (for evicting the longest silent of too many).
    seen: u64,
}

/// At most this many sources are followed; a new one beyond that replaces the one
/// silent longest (a flood of forged sources cannot grow the table without bound).
const MAX_SOURCES: usize = 1024;

/// The receiving side: each source's stream, decoded into whole messages.
#[derive(Debug)]
pub struct Receiver<K> {
    sources: HashMap<K, Source>,
    maxmsgsize: Option<u64>,
    clock: u64,
}

impl<K: std::hash::Hash + Eq + Copy> Receiver<K> {
    /// `maxmsgsize`: ZMQ_MAXMSGSIZE (a larger frame breaks the source's stream, which
    /// is then rejoined at its next message).
    pub fn new(maxmsgsize: Option<u64>) -> Self {
        Receiver {
            sources: HashMap::new(),
            maxmsgsize,
            clock: 0,
        }
    }

    /// Takes one APDU from `source`; each message it completes goes to `deliver`.
    pub fn apdu(&mut self, source: K, apdu: &[u8], mut deliver: impl FnMut(Vec<Msg>)) {
        self.clock += 1;
        if !self.sources.contains_key(&source) && self.sources.len() >= MAX_SOURCES {
            if let Some(oldest) = self
                .sources
                .iter()
                .min_by_key(|(_, s)| s.seen)
                .map(|(k, _)| *k)
            {
                self.sources.remove(&oldest);
            }
        }
        let s = self.sources.entry(source).or_insert_with(|| Source {
            joined: false,
            decoder: Decoder::new(Framing::V1),
            frames: Vec::new(),
            seen: 0,
        });
        s.seen = self.clock;
        // Shorter than its offset: not from a libzmq sender (libzmq would abort).
        let Some((head, mut input)) = apdu.split_first_chunk::<2>() else {
            s.lose();
            return;
        };
        if !s.joined {
            let offset = u16::from_be_bytes(*head);
            if offset == NO_START {
                return;
            }
            let Some(start) = input.get(usize::from(offset)..) else {
                return;
            };
            input = start;
            s.joined = true;
            s.decoder = Decoder::new(Framing::V1);
            s.frames.clear();
        }
        while !input.is_empty() {
            match s.decoder.next_frame(&mut input, self.maxmsgsize) {
                Ok(Some(frame)) => {
                    let more = frame.more;
                    let mut m = frame.body.into_msg();
                    m.set_more(more);
                    s.frames.push(m);
                    if !more {
                        deliver(std::mem::take(&mut s.frames));
                    }
                }
                Ok(None) => break,
                Err(_) => {
                    s.lose();
                    return;
                }
            }
        }
    }

    /// `source`'s stream has a gap: what it was in the middle of is dropped, and it
    /// is rejoined at its next message.
    pub fn lost(&mut self, source: K) {
        if let Some(s) = self.sources.get_mut(&source) {
            s.lose();
        }
    }

    #[cfg(test)]
    fn sources(&self) -> usize {
        self.sources.len()
    }
}

impl Source {
    fn lose(&mut self) {
        self.joined = false;
        self.frames.clear();
        self.decoder = Decoder::new(Framing::V1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(body: &[u8], more: bool) -> Msg {
        let mut m = Msg::from_slice(body);
        m.set_more(more);
        m
    }

    /// Encodes `msgs` into APDUs of at most `max` bytes.
    fn apdus(msgs: Vec<Msg>, max: usize) -> Vec<Vec<u8>> {
        let mut e = Encoder::default();
        let mut queue = msgs.into_iter();
        let mut out = Vec::new();
        loop {
            let mut a = Vec::new();
            e.fill(&mut a, max, || queue.next());
            if a.is_empty() {
                return out;
            }
            out.push(a);
        }
    }

    fn receive(apdus: &[Vec<u8>]) -> Vec<Vec<(Vec<u8>, bool)>> {
        let mut r = Receiver::new(None);
        let mut got = Vec::new();
        for a in apdus {
            r.apdu(1u8, a, |frames| {
                got.push(
                    frames
                        .iter()
                        .map(|f| (f.data().to_vec(), f.more()))
                        .collect(),
                )
            });
        }
        got
    }

    #[test]
    fn small_messages_share_an_apdu_as_libzmq_lays_them_out() {
        let a = apdus(
            vec![msg(b"ab", false), msg(b"c", true), msg(b"", false)],
            1500,
        );
        // Offset 0; ZMTP/1.0 frames: length (body + flags), flags, body.
        assert_eq!(a, vec![b"\x00\x00\x03\x00ab\x02\x01c\x01\x00".to_vec()]);
    }

    #[test]
    fn a_large_message_spans_apdus_and_the_offsets_say_where_messages_start() {
        let body: Vec<u8> = (0..3000u32).map(|i| i as u8).collect();
        let a = apdus(vec![msg(&body, false), msg(b"next", false)], 1000);
        assert_eq!(a.len(), 4);
        // The long header: 0xff, u64 length counting the flags byte, flags.
        assert_eq!(
            &a[0][..12],
            b"\x00\x00\xff\x00\x00\x00\x00\x00\x00\x0b\xb9\x00"
        );
        assert!(a.iter().all(|x| x.len() <= 1000));
        assert_eq!(&a[1][..2], b"\xff\xff");
        assert_eq!(&a[2][..2], b"\xff\xff");
        // 3010 bytes of the first message fill three APDUs of 998 and 16 more of this
        // one, where "next" starts.
        let off = u16::from_be_bytes([a[3][0], a[3][1]]) as usize;
        assert_eq!(off, 3010 - 3 * 998);
        assert_eq!(&a[3][2 + off..], b"\x05\x00next");
        assert_eq!(
            receive(&a),
            vec![vec![(body.clone(), false)], vec![(b"next".to_vec(), false)]]
        );
    }

    #[test]
    fn the_offset_points_at_a_whole_message_not_at_a_later_frame() {
        let body = vec![7u8; 1200];
        let a = apdus(
            vec![msg(&body, true), msg(b"tail", false), msg(b"new", false)],
            1000,
        );
        // The second APDU holds the end of frame one, frame two (same message), then
        // the next message: the offset is that of "new".
        let off = u16::from_be_bytes([a[1][0], a[1][1]]) as usize;
        assert_eq!(&a[1][2 + off..], b"\x04\x00new");
    }

    #[test]
    fn a_late_joiner_starts_at_the_next_message() {
        let body = vec![1u8; 2500];
        let a = apdus(
            vec![msg(&body, false), msg(b"x", true), msg(b"y", false)],
            1000,
        );
        // Joining at the second APDU: the rest of the long message is skipped.
        assert_eq!(
            receive(&a[1..]),
            vec![vec![(b"x".to_vec(), true), (b"y".to_vec(), false)]]
        );
    }

    #[test]
    fn loss_drops_the_message_in_progress_and_rejoins() {
        let body = vec![2u8; 2500];
        let a = apdus(
            vec![msg(b"one", false), msg(&body, false), msg(b"three", false)],
            1000,
        );
        let mut r = Receiver::new(None);
        let mut got = Vec::new();
        r.apdu(9u8, &a[0], |f| got.push(f[0].data().to_vec()));
        r.lost(9);
        for x in &a[1..] {
            r.apdu(9u8, x, |f| got.push(f[0].data().to_vec()));
        }
        assert_eq!(got, vec![b"one".to_vec(), b"three".to_vec()]);
    }

    #[test]
    fn sources_are_decoded_apart() {
        let a = apdus(vec![msg(b"a1", true), msg(b"a2", false)], 6);
        let b = apdus(vec![msg(b"b1", false)], 1500);
        let mut r = Receiver::new(None);
        let mut got = Vec::new();
        let mut push =
            |f: Vec<Msg>| got.push(f.iter().map(|m| m.data().to_vec()).collect::<Vec<_>>());
        r.apdu(1u8, &a[0], &mut push);
        r.apdu(2u8, &b[0], &mut push);
        r.apdu(1u8, &a[1], &mut push);
        assert_eq!(
            got,
            vec![vec![b"b1".to_vec()], vec![b"a1".to_vec(), b"a2".to_vec()]]
        );
    }

    #[test]
    fn garbage_breaks_only_its_source_and_never_panics() {
        let mut r = Receiver::new(Some(100));
        let mut got = 0;
        for bad in [
            &b""[..],
            b"\x00",
            b"\x00\x05ab",
            b"\x00\x00\x00",
            b"\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00",
            b"\x00\x00\x80\x00",
        ] {
            r.apdu(3u8, bad, |_| got += 1);
        }
        assert_eq!(got, 0);
        // Too large for ZMQ_MAXMSGSIZE: dropped, and the next message comes through.
        r.apdu(
            3u8,
            b"\x00\x00\xff\x00\x00\x00\x00\x00\x00\x01\x00\x00",
            |_| got += 1,
        );
        r.apdu(3u8, b"\x00\x00\x02\x00z", |_| got += 1);
        assert_eq!(got, 1);
    }

    #[test]
    fn the_source_table_is_bounded() {
        let mut r = Receiver::new(None);
        for k in 0..(MAX_SOURCES as u32 + 10) {
            r.apdu(k, b"\x00\x00\x02\x00z", |_| {});
        }
        assert_eq!(r.sources(), MAX_SOURCES);
    }
}
