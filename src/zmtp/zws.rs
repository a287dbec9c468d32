//! ZWS 2.0 framing (rfc.zeromq.org spec 45, as libzmq 4.3.5 speaks it): one ZMTP frame
//! per WebSocket binary message, whose payload is a flags byte (MORE `01`, COMMAND
//! `02`) and the frame's body. There is no greeting; the mechanism comes from the
//! subprotocol. PING/PONG/CLOSE are WebSocket control frames, not ZMTP commands.
//!
//! The decoder also takes what libzmq refuses but RFC 6455 allows a client or proxy to
//! send: fragmented messages (a binary frame without FIN, then continuations) with
//! control frames between the fragments. Text frames are refused (ZWS is binary).
//! A client masks what it sends and a server requires masks, and the reverse.

use super::codec::{Body, Control, Frame};
use super::output::OutQueue;
use super::Error;
use crate::msg::{Filling, Msg};
use crate::transport::ws::frame::{self, Header, MaskKeys};

pub(crate) const FLAG_MORE: u8 = 0x01;
pub(crate) const FLAG_COMMAND: u8 = 0x02;

#[derive(Debug, Clone, Copy)]
enum State {
    /// Collecting a WebSocket header (`hdr_len` bytes so far).
    Header,
    /// A binary frame's first payload byte: the ZMTP flags.
    Flags(Header),
    /// The body of an unfragmented binary frame, filling `partial`.
    Body {
        more: bool,
        command: bool,
        mask: Option<[u8; 4]>,
    },
    /// Payload of a fragmented message's frame, appended to `fragments`.
    Fragment {
        remaining: u64,
        fin: bool,
        mask: Option<[u8; 4]>,
        offset: usize,
    },
    /// A control frame's payload, collected in `control`.
    Control {
        kind: Control,
        remaining: usize,
        mask: Option<[u8; 4]>,
    },
}

/// A fragmented message being put together.
#[derive(Debug)]
struct Fragments {
    more: bool,
    command: bool,
    body: Vec<u8>,
}

#[derive(Debug)]
pub struct Decoder {
    /// The peer is a client: its frames must be masked.
    masked: bool,
    state: State,
    hdr: [u8; frame::MAX_HEADER],
    hdr_len: usize,
    partial: Option<Filling>,
    fragments: Option<Fragments>,
    control: Vec<u8>,
}

fn violation(code: u16) -> Error {
    Error::WsFrame(code)
}

impl Decoder {
    /// `masked`: we are the server, so the peer's frames carry masks.
    pub fn new(masked: bool) -> Self {
        Decoder {
            masked,
            state: State::Header,
            hdr: [0; frame::MAX_HEADER],
            hdr_len: 0,
            partial: None,
            fragments: None,
            control: Vec::new(),
        }
    }

    /// Decodes the next frame from the front of `input`, consuming what it uses, as
    /// `codec::Decoder::next_frame`. `max`: the largest ZMTP body accepted.
    pub fn next_frame<'s, 'i: 's>(
        &'s mut self,
        input: &mut &'i [u8],
        max: Option<u64>,
    ) -> Result<Option<Frame<'s>>, Error> {
        loop {
            match self.state {
                State::Header => {
                    if !self.take_header(input) {
                        return Ok(None);
                    }
                    let h = frame::parse(&self.hdr[..self.hdr_len], self.masked)
                        .map_err(|_| violation(frame::CLOSE_PROTOCOL_ERROR))?;
                    self.hdr_len = 0;
                    if let Some(f) = self.start_frame(h, max)? {
                        return Ok(Some(f));
                    }
                }
                State::Flags(h) => {
                    let data: &'i [u8] = input;
                    let Some((&b, rest)) = data.split_first() else {
                        return Ok(None);
                    };
                    *input = rest;
                    let flags = b ^ h.mask.map_or(0, |m| m[0]);
                    let (more, command) = (flags & FLAG_MORE != 0, flags & FLAG_COMMAND != 0);
                    let size = h.len - 1;
                    if !h.fin {
                        self.fragments = Some(Fragments {
                            more,
                            command,
                            body: Vec::new(),
                        });
                        self.state = State::Fragment {
                            remaining: size,
                            fin: false,
                            mask: h.mask,
                            offset: 1,
                        };
                        continue;
                    }
                    self.state = State::Header;
                    let size = usize::try_from(size).map_err(|_| Error::MessageTooLarge)?;
                    if h.mask.is_none() {
                        // The common case for a client: the body is in the input.
                        if let Some(body) = input.get(..size) {
                            *input = &input[size..];
                            return Ok(Some(Frame {
                                more,
                                command,
                                body: Body::Borrowed(body),
                                control: None,
                            }));
                        }
                    }
                    self.partial = Some(Filling::new(size).map_err(|_| Error::OutOfMemory)?);
                    self.state = State::Body {
                        more,
                        command,
                        mask: h.mask,
                    };
                }
                State::Body {
                    more,
                    command,
                    mask,
                } => {
                    let Some(mut filling) = self.partial.take() else {
                        self.state = State::Header;
                        continue;
                    };
                    let data: &[u8] = input;
                    let n = filling
                        .fill_then(data, |bytes, at| {
                            if let Some(m) = mask {
                                // The flags byte was payload byte 0.
                                frame::apply_mask(bytes, m, at + 1);
                            }
                        })
                        .map_err(|_| Error::OutOfMemory)?;
                    *input = &data[n..];
                    match filling.finish() {
                        Ok(msg) => {
                            self.state = State::Header;
                            return Ok(Some(Frame {
                                more,
                                command,
                                body: Body::Owned(msg),
                                control: None,
                            }));
                        }
                        Err(f) => {
                            self.partial = Some(f);
                            return Ok(None);
                        }
                    }
                }
                State::Fragment {
                    remaining,
                    fin,
                    mask,
                    offset,
                } => {
                    let data: &[u8] = input;
                    let n = data
                        .len()
                        .min(usize::try_from(remaining).unwrap_or(usize::MAX));
                    let Some(frag) = self.fragments.as_mut() else {
                        return Err(violation(frame::CLOSE_PROTOCOL_ERROR));
                    };
                    let start = frag.body.len();
                    frag.body.extend_from_slice(&data[..n]);
                    if let Some(m) = mask {
                        frame::apply_mask(&mut frag.body[start..], m, offset);
                    }
                    *input = &data[n..];
                    let remaining = remaining - n as u64;
                    if remaining > 0 {
                        self.state = State::Fragment {
                            remaining,
                            fin,
                            mask,
                            offset: offset + n,
                        };
                        return Ok(None);
                    }
                    self.state = State::Header;
                    if fin {
                        if let Some(f) = self.fragments.take() {
                            return Ok(Some(Frame {
                                more: f.more,
                                command: f.command,
                                body: Body::Owned(Msg::from_slice(&f.body)),
                                control: None,
                            }));
                        }
                    }
                }
                State::Control {
                    kind,
                    remaining,
                    mask,
                } => {
                    let data: &[u8] = input;
                    let n = data.len().min(remaining);
                    let start = self.control.len();
                    self.control.extend_from_slice(&data[..n]);
                    if let Some(m) = mask {
                        frame::apply_mask(&mut self.control[start..], m, start);
                    }
                    *input = &data[n..];
                    if remaining > n {
                        self.state = State::Control {
                            kind,
                            remaining: remaining - n,
                            mask,
                        };
                        return Ok(None);
                    }
                    self.state = State::Header;
                    return Ok(Some(Frame {
                        more: false,
                        command: false,
                        body: Body::Owned(Msg::from_slice(&self.control)),
                        control: Some(kind),
                    }));
                }
            }
        }
    }

    /// Gathers the header's bytes; true once it is complete.
    fn take_header(&mut self, input: &mut &[u8]) -> bool {
        loop {
            let need = if self.hdr_len < 2 {
                2
            } else {
                frame::header_len(self.hdr[1])
            };
            if self.hdr_len >= need {
                return true;
            }
            let data: &[u8] = input;
            if data.is_empty() {
                return false;
            }
            let n = (need - self.hdr_len).min(data.len());
            self.hdr[self.hdr_len..self.hdr_len + n].copy_from_slice(&data[..n]);
            self.hdr_len += n;
            *input = &data[n..];
        }
    }

    /// A header is in: what comes next, or a frame that has no payload.
    fn start_frame(
        &mut self,
        h: Header,
        max: Option<u64>,
    ) -> Result<Option<Frame<'static>>, Error> {
        let too_big = |size: u64| max.is_some_and(|m| size > m);
        match h.opcode {
            frame::OP_BINARY => {
                // A new message inside a fragmented one, or without its flags byte.
                if self.fragments.is_some() || h.len == 0 {
                    return Err(violation(frame::CLOSE_PROTOCOL_ERROR));
                }
                if too_big(h.len - 1) {
                    return Err(Error::MessageTooLarge);
                }
                self.state = State::Flags(h);
            }
            frame::OP_CONTINUATION => {
                let Some(f) = &self.fragments else {
                    return Err(violation(frame::CLOSE_PROTOCOL_ERROR));
                };
                if too_big((f.body.len() as u64).saturating_add(h.len)) {
                    return Err(Error::MessageTooLarge);
                }
                self.state = State::Fragment {
                    remaining: h.len,
                    fin: h.fin,
                    mask: h.mask,
                    offset: 0,
                };
                if h.len == 0 {
                    // An empty last fragment: the message is complete now.
                    self.state = State::Header;
                    if h.fin {
                        if let Some(f) = self.fragments.take() {
                            return Ok(Some(Frame {
                                more: f.more,
                                command: f.command,
                                body: Body::Owned(Msg::from_slice(&f.body)),
                                control: None,
                            }));
                        }
                    }
                }
            }
            frame::OP_TEXT => return Err(violation(frame::CLOSE_UNSUPPORTED_DATA)),
            op => {
                let kind = match op {
                    frame::OP_PING => Control::Ping,
                    frame::OP_PONG => Control::Pong,
                    _ => Control::Close,
                };
                self.control.clear();
                // The header check bounds control payloads to 125 bytes.
                let remaining = h.len as usize;
                if remaining == 0 {
                    return Ok(Some(Frame {
                        more: false,
                        command: false,
                        body: Body::Borrowed(&[]),
                        control: Some(kind),
                    }));
                }
                self.state = State::Control {
                    kind,
                    remaining,
                    mask: h.mask,
                };
            }
        }
        Ok(None)
    }
}

/// Frames out: a client masks each with a fresh key.
#[derive(Debug)]
pub struct Encoder {
    masks: Option<MaskKeys>,
}

impl Encoder {
    /// `mask`: we are the client.
    pub fn new(mask: bool) -> Self {
        Encoder {
            masks: mask.then(MaskKeys::new),
        }
    }

    fn header(
        &mut self,
        opcode: u8,
        len: usize,
    ) -> ([u8; frame::MAX_HEADER], usize, Option<[u8; 4]>) {
        let mut h = [0u8; frame::MAX_HEADER];
        let key = self.masks.as_mut().map(MaskKeys::next_key);
        let n = frame::encode(&mut h, true, opcode, len as u64, key);
        (h, n, key)
    }

    /// One ZMTP frame whose body is the concatenation of `parts`.
    pub fn push(&mut self, out: &mut OutQueue, more: bool, command: bool, parts: &[&[u8]]) {
        let flags = [flags_byte(more, command)];
        let body: usize = parts.iter().map(|p| p.len()).sum();
        let (h, n, key) = self.header(frame::OP_BINARY, 1 + body);
        let mut all: [&[u8]; 6] = [&[]; 6];
        all[0] = &h[..n];
        all[1] = &flags;
        let count = 2 + parts.len().min(4);
        all[2..count].copy_from_slice(&parts[..count - 2]);
        match key {
            Some(k) => out.push_parts_then(&all[..count], |b| frame::apply_mask(&mut b[n..], k, 0)),
            None => out.push_parts(&all[..count]),
        }
    }

    /// One ZMTP frame carrying `msg`'s body; a large one is queued without a copy
    /// unless it has to be masked.
    pub fn push_msg(&mut self, out: &mut OutQueue, more: bool, command: bool, msg: Msg) {
        let flags = flags_byte(more, command);
        let (h, n, key) = self.header(frame::OP_BINARY, 1 + msg.size());
        match key {
            Some(k) => out.push_parts_then(&[&h[..n], &[flags], msg.data()], |b| {
                frame::apply_mask(&mut b[n..], k, 0)
            }),
            None => {
                let mut head = [0u8; frame::MAX_HEADER + 1];
                head[..n].copy_from_slice(&h[..n]);
                head[n] = flags;
                out.push_body_after(&head[..=n], msg);
            }
        }
    }

    /// A control frame (ping, pong, close): at most 125 bytes of payload.
    pub fn push_control(&mut self, out: &mut OutQueue, kind: Control, payload: &[u8]) {
        let payload = &payload[..payload.len().min(frame::MAX_CONTROL_PAYLOAD)];
        let opcode = match kind {
            Control::Ping => frame::OP_PING,
            Control::Pong => frame::OP_PONG,
            Control::Close => frame::OP_CLOSE,
        };
        let (h, n, key) = self.header(opcode, payload.len());
        // `push_parts` skips nothing for an empty payload: the header still goes.
        match key {
            Some(k) => out.push_parts_then(&[&h[..n], payload], |b| {
                frame::apply_mask(&mut b[n..], k, 0)
            }),
            None => out.push_parts(&[&h[..n], payload]),
        }
    }
}

fn flags_byte(more: bool, command: bool) -> u8 {
    let mut f = 0;
    if more {
        f |= FLAG_MORE;
    }
    if command {
        f |= FLAG_COMMAND;
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    type Decoded = (bool, bool, Option<Control>, Vec<u8>);

    fn decode_all(
        masked: bool,
        stream: &[u8],
        chunk: usize,
        max: Option<u64>,
    ) -> Result<Vec<Decoded>, Error> {
        let mut d = Decoder::new(masked);
        let mut out = Vec::new();
        for piece in stream.chunks(chunk.max(1)) {
            let mut input = piece;
            while let Some(f) = d.next_frame(&mut input, max)? {
                out.push((f.more, f.command, f.control, f.body.bytes().to_vec()));
            }
            assert!(input.is_empty());
        }
        Ok(out)
    }

    fn encoded(mask: bool, frames: &[(bool, bool, &[u8])]) -> Vec<u8> {
        let mut e = Encoder::new(mask);
        let mut q = OutQueue::new();
        for (more, command, body) in frames {
            e.push_msg(&mut q, *more, *command, Msg::from_slice(body));
        }
        q.collect()
    }

    #[test]
    fn libzmq_transcripts() {
        // What libzmq's ws_encoder writes as a server: READY for a REP, then "ab" with
        // MORE (no mask).
        let ready = b"\x05READY\x0bSocket-Type\x00\x00\x00\x03REP";
        let mut q = OutQueue::new();
        let mut e = Encoder::new(false);
        e.push(&mut q, false, true, &[ready]);
        e.push_msg(&mut q, true, false, Msg::from_slice(b"ab"));
        let mut want = vec![0x82, 1 + ready.len() as u8, 0x02];
        want.extend_from_slice(ready);
        want.extend_from_slice(&[0x82, 0x03, 0x01, b'a', b'b']);
        assert_eq!(q.collect(), want);
        assert_eq!(
            decode_all(false, &want, 1, None).unwrap(),
            vec![
                (false, true, None, ready.to_vec()),
                (true, false, None, b"ab".to_vec())
            ]
        );
        // A client's masked frame: key 01 02 03 04 over flags 00 and "hi".
        let masked = [0x82, 0x83, 1, 2, 3, 4, 0x01, b'h' ^ 2, b'i' ^ 3];
        assert_eq!(
            decode_all(true, &masked, 1, None).unwrap(),
            vec![(false, false, None, b"hi".to_vec())]
        );
    }

    #[test]
    fn round_trips_every_size_both_ways_at_every_split() {
        let bodies: Vec<Vec<u8>> = [0usize, 1, 124, 125, 126, 65534, 65535, 65536, 70_000]
            .iter()
            .map(|&n| (0..n).map(|i| (i * 7) as u8).collect())
            .collect();
        let frames: Vec<(bool, bool, &[u8])> = bodies
            .iter()
            .enumerate()
            .map(|(i, b)| (i % 2 == 0, i % 3 == 0, &b[..]))
            .collect();
        for mask in [false, true] {
            let stream = encoded(mask, &frames);
            let want: Vec<Decoded> = frames
                .iter()
                .map(|(m, c, b)| (*m, *c, None, b.to_vec()))
                .collect();
            for chunk in [1, 2, 3, 7, 14, 15, 4096, stream.len()] {
                assert_eq!(decode_all(mask, &stream, chunk, None).unwrap(), want);
            }
        }
    }

    #[test]
    fn control_frames_and_fragments_interleave() {
        let k = [9, 8, 7, 6];
        let mut s = Vec::new();
        let mut add = |b0: u8, payload: &[u8]| {
            let mut h = [0u8; frame::MAX_HEADER];
            let n = frame::encode(
                &mut h,
                b0 & 0x80 != 0,
                b0 & 0x0f,
                payload.len() as u64,
                Some(k),
            );
            s.extend_from_slice(&h[..n]);
            let mut p = payload.to_vec();
            frame::apply_mask(&mut p, k, 0);
            s.extend_from_slice(&p);
        };
        // "hello world" with MORE in three fragments, a ping and a pong between them.
        add(0x02, b"\x01hel");
        add(0x89, b"are you there");
        add(0x00, b"lo wo");
        add(0x8a, b"");
        add(0x80, b"rld");
        add(0x88, &frame::close_payload(1000, "bye"));
        for chunk in [1, 5, s.len()] {
            let got = decode_all(true, &s, chunk, None).unwrap();
            assert_eq!(
                got,
                vec![
                    (false, false, Some(Control::Ping), b"are you there".to_vec()),
                    (false, false, Some(Control::Pong), vec![]),
                    (true, false, None, b"hello world".to_vec()),
                    (
                        false,
                        false,
                        Some(Control::Close),
                        vec![0x03, 0xe8, b'b', b'y', b'e']
                    ),
                ]
            );
        }
    }

    #[test]
    fn bad_frames_are_refused() {
        let err = |masked: bool, s: &[u8]| decode_all(masked, s, 1, None).unwrap_err();
        // An unmasked frame from a client, a masked one from a server.
        assert_eq!(err(true, &[0x82, 0x01, 0x00]), Error::WsFrame(1002));
        assert_eq!(
            err(false, &[0x82, 0x81, 0, 0, 0, 0, 0]),
            Error::WsFrame(1002)
        );
        // Text is not ZWS.
        assert_eq!(err(false, &[0x81, 0x01, b'a']), Error::WsFrame(1003));
        // A binary frame without its flags byte; a continuation with nothing to continue;
        // a new message inside a fragmented one.
        assert_eq!(err(false, &[0x82, 0x00]), Error::WsFrame(1002));
        assert_eq!(err(false, &[0x80, 0x01, 0x00]), Error::WsFrame(1002));
        assert_eq!(
            err(false, &[0x02, 0x01, 0x00, 0x82, 0x01, 0x00]),
            Error::WsFrame(1002)
        );
        // Reserved bits, a reserved opcode, a long or fragmented control frame.
        assert_eq!(err(false, &[0xc2, 0x01, 0x00]), Error::WsFrame(1002));
        assert_eq!(err(false, &[0x85, 0x00]), Error::WsFrame(1002));
        assert_eq!(err(false, &[0x89, 0x7e, 0x00, 0x7e]), Error::WsFrame(1002));
        assert_eq!(err(false, &[0x09, 0x00]), Error::WsFrame(1002));
    }

    #[test]
    fn maxmsgsize_is_checked_on_the_header() {
        // 101 bytes of body (102 with the flags byte), declared, nothing sent.
        assert_eq!(
            decode_all(false, &[0x82, 102], 2, Some(100)),
            Err(Error::MessageTooLarge)
        );
        assert!(decode_all(false, &[0x82, 101], 2, Some(100))
            .unwrap()
            .is_empty());
        // 2^63 declared.
        let huge = [0x82, 0x7f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(
            decode_all(false, &huge, 3, Some(1 << 20)),
            Err(Error::MessageTooLarge)
        );
        // Near 2^64 with no limit: an allocation failure, not a write.
        let cve = [
            0x82, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00,
        ];
        assert_eq!(decode_all(false, &cve, 11, None), Err(Error::OutOfMemory));
        // Fragments count together.
        let frags = [0x02, 0x33, 0x00]
            .iter()
            .copied()
            .chain([0u8; 50])
            .chain([0x80, 0x33])
            .collect::<Vec<u8>>();
        assert_eq!(
            decode_all(false, &frags, 60, Some(100)),
            Err(Error::MessageTooLarge)
        );
    }

    #[test]
    fn client_frames_are_masked_with_fresh_keys() {
        let s = encoded(true, &[(false, false, b"same"), (false, false, b"same")]);
        assert_eq!(s.len(), 2 * (2 + 4 + 5));
        assert_eq!(s[1], 0x85);
        assert_ne!(s[2..6], s[13..17], "a fresh key per frame");
        assert_ne!(&s[7..11], b"same");
        let mut q = OutQueue::new();
        Encoder::new(true).push_control(&mut q, Control::Ping, b"");
        assert_eq!(q.collect()[..2], [0x89, 0x80]);
        let mut q = OutQueue::new();
        Encoder::new(false).push_control(&mut q, Control::Close, &[0x03, 0xe8]);
        assert_eq!(q.collect(), [0x88, 0x02, 0x03, 0xe8]);
    }
}
