//! How messages ride in a NORM stream (`norm://`), as libzmq's norm engine writes them;
//! sans I/O (NORM carries the stream: `crate::sys::norm`; `crate::io` moves it).
//!
//! Every ZMTP frame is one NORM message (the sender marks the message's end after each
//! frame): a marker byte, 0x00 when the frame starts a ZMQ message and 0xff when it
//! continues one, then the frame in ZMTP/2.0 framing (flags, 1- or 8-byte size, body).
//! A receiver that joins mid-stream, or whose stream broke (data lost for good), seeks
//! NORM's next message start and reads on from the first with a 0x00 marker. Frames of
//! a message are handed on together once its last one arrived.

use super::codec::{encode_header, Framing, FLAG_COMMAND, FLAG_LONG, FLAG_MORE, MAX_HEADER};
use crate::msg::{Filling, Msg};

/// The marker of a frame that starts a message, and of one that continues it.
pub(crate) const FIRST: u8 = 0x00;
pub(crate) const CONTINUED: u8 = 0xff;

/// The bytes that precede each frame's body on a sender's stream.
#[derive(Debug, Default)]
pub struct Encoder {
    /// The previous frame had MORE.
    more: bool,
}

impl Encoder {
    /// The marker and the ZMTP/2.0 header of `frame`, into `out`; their length.
    pub fn prefix(&mut self, frame: &Msg, out: &mut [u8; 1 + MAX_HEADER]) -> usize {
        out[0] = if self.more { CONTINUED } else { FIRST };
        self.more = frame.more();
        let mut header = [0u8; MAX_HEADER];
        let n = encode_header(&mut header, Framing::V2, frame.more(), false, frame.size());
        out[1..=n].copy_from_slice(&header[..n]);
        1 + n
    }
}

/// Where a stream's reader is within a frame.
#[derive(Debug)]
enum State {
    Marker,
    Flags,
    Size {
        flags: u8,
        bytes: [u8; 8],
        have: usize,
    },
    Body {
        flags: u8,
        body: Filling,
    },
}

/// One remote sender's stream, from a message start on (its 0x00 marker read). It
/// asks for exactly the bytes of the element it is at ([`wanted`](Self::wanted)), so
/// that a reader never takes bytes past a bad frame: NORM's seek to the next message
/// start then skips just that frame.
#[derive(Debug)]
pub struct StreamDecoder {
    state: State,
    frames: Vec<Msg>,
    maxmsgsize: Option<u64>,
}

/// The stream is out of step with its frames: seek the next message start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfStep;

impl StreamDecoder {
    /// `maxmsgsize`: ZMQ_MAXMSGSIZE (a larger frame puts the stream out of step).
    pub fn new(maxmsgsize: Option<u64>) -> Self {
        StreamDecoder {
            state: State::Flags,
            frames: Vec::new(),
            maxmsgsize,
        }
    }

    /// How many bytes the element being read still needs (never 0).
    pub fn wanted(&self) -> usize {
        match &self.state {
            State::Marker | State::Flags => 1,
            State::Size { flags, have, .. } => size_len(*flags) - have,
            State::Body { body, .. } => body.remaining().max(1),
        }
    }

    /// Takes the stream's next bytes (at most [`wanted`](Self::wanted) are read from
    /// the stream, but more are handled); each message they complete goes to `deliver`.
    pub fn input(
        &mut self,
        mut input: &[u8],
        mut deliver: impl FnMut(Vec<Msg>),
    ) -> Result<(), OutOfStep> {
        while let Some((&first, rest)) = input.split_first() {
            match &mut self.state {
                State::Marker => {
                    match first {
                        // A new message (one left unfinished is dropped, never half-delivered).
                        FIRST => self.frames.clear(),
                        CONTINUED if !self.frames.is_empty() => {}
                        _ => return Err(OutOfStep),
                    }
                    self.state = State::Flags;
                    input = rest;
                }
                State::Flags => {
                    self.state = State::Size {
                        flags: first,
                        bytes: [0; 8],
                        have: 0,
                    };
                    input = rest;
                }
                State::Size { flags, bytes, have } => {
                    let len = size_len(*flags);
                    let n = (len - *have).min(input.len());
                    bytes[*have..*have + n].copy_from_slice(&input[..n]);
                    *have += n;
                    input = &input[n..];
                    if *have < len {
                        continue;
                    }
                    let size = if len == 8 {
                        u64::from_be_bytes(*bytes)
                    } else {
                        u64::from(bytes[0])
                    };
                    if self.maxmsgsize.is_some_and(|max| size > max) {
                        return Err(OutOfStep);
                    }
                    let size = usize::try_from(size).map_err(|_| OutOfStep)?;
                    let flags = *flags;
                    self.state = State::Body {
                        flags,
                        body: Filling::new(size).map_err(|_| OutOfStep)?,
                    };
                    self.body_done(&mut deliver);
                }
                State::Body { body, .. } => {
                    let n = body.fill(input).map_err(|_| OutOfStep)?;
                    input = &input[n..];
                    self.body_done(&mut deliver);
                }
            }
        }
        Ok(())
    }

    /// A body that is complete goes on (or, a command, is dropped: not the socket's
    /// business, as libzmq's session drops them).
    fn body_done(&mut self, deliver: &mut impl FnMut(Vec<Msg>)) {
        let State::Body { body, .. } = &self.state else {
            return;
        };
        if body.remaining() > 0 {
            return;
        }
        let State::Body { flags, body } = std::mem::replace(&mut self.state, State::Marker) else {
            return;
        };
        let Ok(mut m) = body.finish() else { return };
        if flags & FLAG_COMMAND != 0 {
            return;
        }
        let more = flags & FLAG_MORE != 0;
        m.set_more(more);
        self.frames.push(m);
        if !more {
            deliver(std::mem::take(&mut self.frames));
        }
    }
}

/// Bytes of a ZMTP/2.0 size field after these flags.
fn size_len(flags: u8) -> usize {
    if flags & FLAG_LONG != 0 {
        8
    } else {
        1
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

    fn stream(frames: &[Msg]) -> Vec<u8> {
        let mut e = Encoder::default();
        let mut out = Vec::new();
        for f in frames {
            let mut p = [0u8; 1 + MAX_HEADER];
            let n = e.prefix(f, &mut p);
            out.extend_from_slice(&p[..n]);
            out.extend_from_slice(f.data());
        }
        out
    }

    fn decode(bytes: &[u8], chunk: usize) -> Result<Vec<Vec<Vec<u8>>>, OutOfStep> {
        let mut d = StreamDecoder::new(None);
        let mut got = Vec::new();
        // As a receiver starts: the first marker was read when it synchronised.
        for c in bytes[1..].chunks(chunk) {
            d.input(c, |m| {
                got.push(m.iter().map(|f| f.data().to_vec()).collect())
            })?;
        }
        Ok(got)
    }

    #[test]
    fn markers_and_zmtp2_frames_as_libzmq_writes_them() {
        let long = vec![9u8; 300];
        let s = stream(&[msg(b"a", true), msg(&long, false), msg(b"", false)]);
        assert_eq!(&s[..5], b"\x00\x01\x01a\xff");
        assert_eq!(&s[5..14], b"\x02\x00\x00\x00\x00\x00\x00\x01\x2c");
        assert_eq!(&s[14 + 300..], b"\x00\x00\x00");
        for chunk in [1, 3, 1000] {
            assert_eq!(
                decode(&s, chunk).unwrap(),
                vec![vec![b"a".to_vec(), long.clone()], vec![b"".to_vec()]]
            );
        }
    }

    #[test]
    fn out_of_step_streams_are_reported() {
        // A continuation marker with no message to continue.
        assert_eq!(decode(b"\x00\x00\x01x\xff\x00\x01y", 100), Err(OutOfStep));
        // Not a marker.
        assert_eq!(decode(b"\x00\x00\x01x\x07", 100), Err(OutOfStep));
        // A frame over ZMQ_MAXMSGSIZE.
        let mut d = StreamDecoder::new(Some(2));
        assert_eq!(d.input(b"\x00\x05hello", |_| {}), Err(OutOfStep));
    }

    #[test]
    fn a_message_cut_short_is_dropped_not_half_delivered() {
        // "a" (MORE), then a new message starts before the message ended.
        let got = decode(b"\x00\x01\x01a\x00\x00\x01b", 100).unwrap();
        assert_eq!(got, vec![vec![b"b".to_vec()]]);
    }

    #[test]
    fn it_asks_for_exactly_the_bytes_of_each_element() {
        let mut d = StreamDecoder::new(None);
        let mut got = Vec::new();
        let s = b"\x02\x00\x00\x00\x00\x00\x00\x00\x03abc\x00\x00\x01z";
        let mut wants = Vec::new();
        let mut at = 0;
        while at < s.len() {
            let n = d.wanted();
            wants.push(n);
            d.input(&s[at..at + n], |m| got.push(m[0].data().to_vec()))
                .unwrap();
            at += n;
        }
        // flags, 8-byte size, body; marker, flags, size, body.
        assert_eq!(wants, vec![1, 8, 3, 1, 1, 1, 1]);
        assert_eq!(got, vec![b"abc".to_vec(), b"z".to_vec()]);
        // A frame too large for memory puts it out of step at its header.
        let mut d = StreamDecoder::new(None);
        assert_eq!(
            d.input(b"\x02\xff\xff\xff\xff\xff\xff\xff\xff", |_| {}),
            Err(OutOfStep)
        );
    }

    #[test]
    fn commands_are_skipped() {
        let got = decode(b"\x00\x04\x01c\x00\x00\x01d", 100).unwrap();
        assert_eq!(got, vec![vec![b"d".to_vec()]]);
    }
}
