//! Frame encoding and decoding (zmtp.md §2).
//!
//! * v1 (ZMTP 1.0): `length(1 | FF + u64) flags(1) body`, the length counting the flags
//!   byte; the only flag is MORE.
//! * v2 (ZMTP 2.0, 3.0, 3.1): `flags(1) size(1 | 8) body`; flags MORE `01`, LONG `02`,
//!   COMMAND `04`; LONG exactly when the size is over 255.
//!
//! The decoder hands out each frame body as a slice: straight out of the caller's input
//! when the frame is complete there (the common case: no copy until the caller makes a
//! `Msg`), otherwise out of one buffer allocated at the declared size and filled as
//! the bytes arrive (linear, never quadratic; beyond `msg::FILL_AHEAD` the buffer grows
//! with what arrived instead of trusting the declared size). `ZMQ_MAXMSGSIZE` is
//! checked per frame as soon as the header is complete, before anything is allocated.

use super::Error;
use crate::msg::{Filling, Msg};

pub(crate) const FLAG_MORE: u8 = 0x01;
pub(crate) const FLAG_LONG: u8 = 0x02;
pub(crate) const FLAG_COMMAND: u8 = 0x04;

/// The longest frame header (v1 long form: FF, u64, flags).
pub(crate) const MAX_HEADER: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// ZMTP 1.0.
    V1,
    /// ZMTP 2.0 and 3.x.
    V2,
}

/// Writes a frame header for a body of `size` bytes into `buf`; returns its length.
/// v1 has no COMMAND flag (libzmq's v1 encoder keeps only MORE).
pub fn encode_header(
    buf: &mut [u8; MAX_HEADER],
    framing: Framing,
    more: bool,
    command: bool,
    size: usize,
) -> usize {
    let size = size as u64;
    match framing {
        Framing::V1 => {
            let total = size.saturating_add(1);
            let flags = u8::from(more);
            if total < 255 {
                buf[0] = total as u8;
                buf[1] = flags;
                2
            } else {
                buf[0] = 0xff;
                buf[1..9].copy_from_slice(&total.to_be_bytes());
                buf[9] = flags;
                10
            }
        }
        Framing::V2 => {
            let mut flags = 0;
            if more {
                flags |= FLAG_MORE;
            }
            if command {
                flags |= FLAG_COMMAND;
            }
            if size > 255 {
                buf[0] = flags | FLAG_LONG;
                buf[1..9].copy_from_slice(&size.to_be_bytes());
                9
            } else {
                buf[0] = flags;
                buf[1] = size as u8;
                2
            }
        }
    }
}

/// A whole frame: a header then `body`, appended to `out`.
#[cfg(test)]
pub fn encode_frame(out: &mut Vec<u8>, framing: Framing, more: bool, command: bool, body: &[u8]) {
    let mut h = [0u8; MAX_HEADER];
    let n = encode_header(&mut h, framing, more, command, body.len());
    out.extend_from_slice(&h[..n]);
    out.extend_from_slice(body);
}

/// A decoded frame.
#[derive(Debug)]
pub struct Frame<'a> {
    pub more: bool,
    pub command: bool,
    pub body: Body<'a>,
    /// A WebSocket control frame (ZWS only), whose payload is `body`.
    pub control: Option<Control>,
}

/// WebSocket control frames: ZWS carries heartbeats and the close handshake in them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Ping,
    Pong,
    Close,
}

/// A frame's body: straight from the input when it arrived whole, otherwise the message
/// the decoder filled as it came (so it is not copied again).
#[derive(Debug)]
pub enum Body<'a> {
    Borrowed(&'a [u8]),
    Owned(Msg),
}

impl Body<'_> {
    pub fn bytes(&self) -> &[u8] {
        match self {
            Body::Borrowed(b) => b,
            Body::Owned(m) => m.data(),
        }
    }

    pub fn into_msg(self) -> Msg {
        match self {
            Body::Borrowed(b) => Msg::from_slice(b),
            Body::Owned(m) => m,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum State {
    /// Collecting a header (`hdr_len` bytes in `hdr`).
    Header,
    /// Collecting a body of `size` bytes into `partial`.
    Body {
        more: bool,
        command: bool,
        size: usize,
    },
}

#[derive(Debug)]
pub struct Decoder {
    framing: Framing,
    state: State,
    hdr: [u8; MAX_HEADER],
    hdr_len: usize,
    partial: Option<Filling>,
}

impl Decoder {
    pub fn new(framing: Framing) -> Self {
        Decoder {
            framing,
            state: State::Header,
            hdr: [0; MAX_HEADER],
            hdr_len: 0,
            partial: None,
        }
    }

    /// Bytes held for an incomplete frame (header and body).
    #[cfg(test)]
    pub fn buffered(&self) -> usize {
        self.hdr_len
            + self
                .partial
                .as_ref()
                .map_or(0, |f| f.size() - f.remaining())
    }

    /// Bytes allocated for the frame being collected.
    #[cfg(test)]
    pub fn storage(&self) -> usize {
        self.partial.as_ref().map_or(0, |f| f.storage())
    }

    /// The body being collected, if a frame's body is: the driver may read the rest
    /// into it directly (`Filling::fill_from`), then pass empty input for the frame
    /// to complete.
    pub fn body(&mut self) -> Option<&mut Filling> {
        match self.state {
            State::Body { .. } => self.partial.as_mut(),
            State::Header => None,
        }
    }

    /// Header length implied by its first byte; v1 length 0 is invalid.
    fn header_len(&self, first: u8) -> Result<usize, Error> {
        Ok(match self.framing {
            Framing::V2 if first & FLAG_LONG != 0 => 9,
            Framing::V2 => 2,
            Framing::V1 if first == 0xff => 10,
            Framing::V1 if first == 0 => return Err(Error::InvalidFrame),
            Framing::V1 => 2,
        })
    }

    /// (more, command, body size) from a complete header.
    fn parse_header(&self, h: &[u8], max: Option<u64>) -> Result<(bool, bool, usize), Error> {
        let (more, command, size) = match self.framing {
            Framing::V2 => {
                let flags = h.first().copied().unwrap_or(0);
                let size = if flags & FLAG_LONG != 0 {
                    read_u64(h.get(1..9))
                } else {
                    h.get(1).map_or(0, |&b| u64::from(b))
                };
                (flags & FLAG_MORE != 0, flags & FLAG_COMMAND != 0, size)
            }
            Framing::V1 => {
                let first = h.first().copied().unwrap_or(0);
                let (total, flags) = if first == 0xff {
                    (read_u64(h.get(1..9)), h.get(9).copied().unwrap_or(0))
                } else {
                    (u64::from(first), h.get(1).copied().unwrap_or(0))
                };
                // The length counts the flags byte: there has to be one.
                let Some(size) = total.checked_sub(1) else {
                    return Err(Error::InvalidFrame);
                };
                (flags & FLAG_MORE != 0, false, size)
            }
        };
        if max.is_some_and(|max| size > max) {
            return Err(Error::MessageTooLarge);
        }
        let size = usize::try_from(size).map_err(|_| Error::MessageTooLarge)?;
        Ok((more, command, size))
    }

    /// Decodes the next frame from the front of `input`, consuming what it uses.
    /// `Ok(None)`: `input` is used up and the frame is incomplete. `max`: the largest
    /// body accepted (`ZMQ_MAXMSGSIZE`, or the handshake bound).
    pub fn next_frame<'s, 'i: 's>(
        &'s mut self,
        input: &mut &'i [u8],
        max: Option<u64>,
    ) -> Result<Option<Frame<'s>>, Error> {
        let (more, command, size) = match self.state {
            State::Body {
                more,
                command,
                size,
            } => {
                return self.fill_body(input, more, command, size);
            }
            State::Header => {
                let data: &'i [u8] = input;
                let Some(&first) = data.first() else {
                    return Ok(None);
                };
                if self.hdr_len == 0 {
                    let need = self.header_len(first)?;
                    if let Some(h) = data.get(..need) {
                        // Fast path: the whole header is in the input.
                        let parsed = self.parse_header(h, max)?;
                        *input = data.get(need..).unwrap_or(&[]);
                        parsed
                    } else {
                        self.hdr_len = 0;
                        self.take_header_bytes(input, need);
                        return Ok(None);
                    }
                } else {
                    let need = self.header_len(self.hdr[0])?;
                    if !self.take_header_bytes(input, need) {
                        return Ok(None);
                    }
                    self.hdr_len = 0;
                    let hdr = self.hdr;
                    self.parse_header(hdr.get(..need).unwrap_or(&[]), max)?
                }
            }
        };
        // A complete header: the body comes straight from the input when it is all
        // there, otherwise it is collected.
        let data: &'i [u8] = input;
        if let Some(body) = data.get(..size) {
            *input = data.get(size..).unwrap_or(&[]);
            return Ok(Some(Frame {
                more,
                command,
                body: Body::Borrowed(body),
                control: None,
            }));
        }
        self.partial = Some(Filling::new(size).map_err(|_| Error::OutOfMemory)?);
        self.fill_body(input, more, command, size)
    }

    /// Appends header bytes from `input` up to `need`; true when complete.
    fn take_header_bytes(&mut self, input: &mut &[u8], need: usize) -> bool {
        let data: &[u8] = input;
        let want = need.saturating_sub(self.hdr_len).min(data.len());
        let (head, tail) = data.split_at(want);
        if let Some(dst) = self.hdr.get_mut(self.hdr_len..self.hdr_len + want) {
            dst.copy_from_slice(head);
        }
        self.hdr_len += want;
        *input = tail;
        self.hdr_len >= need
    }

    fn fill_body<'s>(
        &'s mut self,
        input: &mut &[u8],
        more: bool,
        command: bool,
        size: usize,
    ) -> Result<Option<Frame<'s>>, Error> {
        let Some(mut filling) = self.partial.take() else {
            return Ok(None);
        };
        let data: &[u8] = input;
        let n = filling.fill(data).map_err(|_| Error::OutOfMemory)?;
        *input = data.get(n..).unwrap_or(&[]);
        Ok(match filling.finish() {
            Ok(msg) => {
                self.state = State::Header;
                Some(Frame {
                    more,
                    command,
                    body: Body::Owned(msg),
                    control: None,
                })
            }
            Err(filling) => {
                self.partial = Some(filling);
                self.state = State::Body {
                    more,
                    command,
                    size,
                };
                None
            }
        })
    }
}

fn read_u64(b: Option<&[u8]>) -> u64 {
    let mut a = [0u8; 8];
    if let Some(b) = b {
        if b.len() == 8 {
            a.copy_from_slice(b);
        }
    }
    u64::from_be_bytes(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(framing: Framing, more: bool, command: bool, body: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        encode_frame(&mut v, framing, more, command, body);
        v
    }

    /// Decodes everything, feeding `chunk` bytes at a time.
    fn decode_all(
        framing: Framing,
        stream: &[u8],
        chunk: usize,
        max: Option<u64>,
    ) -> Result<Vec<(bool, bool, Vec<u8>)>, Error> {
        let mut d = Decoder::new(framing);
        let mut out = Vec::new();
        for piece in stream.chunks(chunk.max(1)) {
            let mut input = piece;
            while let Some(f) = d.next_frame(&mut input, max)? {
                out.push((f.more, f.command, f.body.bytes().to_vec()));
            }
            assert!(input.is_empty());
        }
        Ok(out)
    }

    #[test]
    fn encodes_the_captured_frames() {
        // vectors/frame_short_more_hello.bin
        assert_eq!(
            frame(Framing::V2, true, false, b"hello"),
            [0x01, 0x05, b'h', b'e', b'l', b'l', b'o']
        );
        // vectors/frame_short_last_reply.bin
        assert_eq!(
            frame(Framing::V2, false, false, b"reply"),
            [0x00, 0x05, b'r', b'e', b'p', b'l', b'y']
        );
        // vectors/frame_long_last_300_header.bin (header only)
        let f = frame(Framing::V2, false, false, &[0u8; 300]);
        assert_eq!(f[..9], [0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x2c]);
        assert_eq!(f.len(), 309);
        // 255 bytes stay short, 256 go long.
        assert_eq!(frame(Framing::V2, false, false, &[0u8; 255])[..2], [0, 255]);
        assert_eq!(frame(Framing::V2, false, true, &[0u8; 256])[0], 0x06);
        // v1: the length counts the flags byte; FF escapes from a total of 255.
        assert_eq!(frame(Framing::V1, true, false, b"m1"), [3, 1, b'm', b'1']);
        assert_eq!(frame(Framing::V1, false, false, &[0u8; 253])[..2], [254, 0]);
        let long = frame(Framing::V1, true, false, &[0u8; 254]);
        assert_eq!(long[..10], [0xff, 0, 0, 0, 0, 0, 0, 0, 255, 1]);
    }

    #[test]
    fn decodes_the_captured_request_frames() {
        // vectors/req_correlate_request.bin
        let stream = [
            0x01, 0x04, 0x6a, 0x98, 0x3c, 0xe4, 0x01, 0x00, 0x00, 0x05, b'p', b'i', b'n', b'g',
            b'?',
        ];
        for chunk in 1..=stream.len() {
            let frames = decode_all(Framing::V2, &stream, chunk, None).unwrap();
            assert_eq!(
                frames,
                vec![
                    (true, false, vec![0x6a, 0x98, 0x3c, 0xe4]),
                    (true, false, vec![]),
                    (false, false, b"ping?".to_vec()),
                ]
            );
        }
    }

    #[test]
    fn round_trips_every_size_class_at_every_split() {
        for framing in [Framing::V1, Framing::V2] {
            let bodies: Vec<Vec<u8>> = [0usize, 1, 253, 254, 255, 256, 300, 70_000]
                .iter()
                .map(|&n| (0..n).map(|i| i as u8).collect())
                .collect();
            let mut stream = Vec::new();
            let mut expect = Vec::new();
            for (i, b) in bodies.iter().enumerate() {
                let more = i % 2 == 0;
                let command = framing == Framing::V2 && i % 3 == 0;
                encode_frame(&mut stream, framing, more, command, b);
                expect.push((more, command, b.clone()));
            }
            for chunk in [1, 2, 3, 7, 9, 10, 11, 255, 4096, stream.len()] {
                assert_eq!(decode_all(framing, &stream, chunk, None).unwrap(), expect);
            }
        }
    }

    #[test]
    fn maxmsgsize_is_checked_on_the_header() {
        // A declared 2^63-byte frame with no body is refused before any allocation.
        let huge = [0x02, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(
            decode_all(Framing::V2, &huge, 1, Some(100)),
            Err(Error::MessageTooLarge)
        );
        // CVE-2019-6250: size near 2^64, no limit: an allocation failure, not a write.
        let cve = [0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00];
        assert_eq!(
            decode_all(Framing::V2, &cve, 9, None),
            Err(Error::OutOfMemory)
        );
        assert_eq!(
            decode_all(Framing::V2, &[0x00, 101], 2, Some(100)),
            Err(Error::MessageTooLarge)
        );
        assert!(decode_all(Framing::V2, &[0x00, 100], 2, Some(100))
            .unwrap()
            .is_empty());
        // v1 counts the flags byte out.
        assert_eq!(
            decode_all(Framing::V1, &[102, 0], 2, Some(100)),
            Err(Error::MessageTooLarge)
        );
        assert!(decode_all(Framing::V1, &[101, 0], 2, Some(100))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn v1_zero_length_is_a_protocol_error() {
        assert_eq!(
            decode_all(Framing::V1, &[0], 1, None),
            Err(Error::InvalidFrame)
        );
        let long_zero = [0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            decode_all(Framing::V1, &long_zero, 3, None),
            Err(Error::InvalidFrame)
        );
    }

    #[test]
    fn truncated_frames_wait() {
        let f = frame(Framing::V2, false, false, &[5u8; 1000]);
        let mut d = Decoder::new(Framing::V2);
        let mut input = &f[..f.len() - 1];
        assert!(d.next_frame(&mut input, None).unwrap().is_none());
        assert_eq!(d.buffered(), 999);
        let mut input = &f[f.len() - 1..];
        assert_eq!(
            d.next_frame(&mut input, None)
                .unwrap()
                .unwrap()
                .body
                .bytes()
                .len(),
            1000
        );
        let mut input: &[u8] = &[];
        assert!(d.next_frame(&mut input, None).unwrap().is_none());
        assert_eq!(d.buffered(), 0);
    }

    #[test]
    fn reserved_bits_and_long_small_sizes_are_accepted() {
        let stream = [0xf9, 0x01, b'x', 0x02, 0, 0, 0, 0, 0, 0, 0, 1, b'y'];
        let frames = decode_all(Framing::V2, &stream, 1, None).unwrap();
        assert_eq!(
            frames,
            vec![(true, false, b"x".to_vec()), (false, false, b"y".to_vec())]
        );
    }

    /// Found by the zmtp_decoder and zmtp_greeting fuzz targets: with no
    /// ZMQ_MAXMSGSIZE, a header declaring 2^62 bytes had us ask the allocator for all
    /// of it at once. Now the storage follows the bytes that arrive.
    #[test]
    fn a_huge_declared_size_allocates_what_arrives() {
        use crate::msg::FILL_AHEAD;
        for (framing, header) in [
            (
                Framing::V2,
                [&[0x02][..], &(1u64 << 62).to_be_bytes()].concat(),
            ),
            (
                Framing::V1,
                [&[0xff][..], &(1u64 << 62).to_be_bytes(), &[0]].concat(),
            ),
        ] {
            let mut d = Decoder::new(framing);
            let mut input = &header[..];
            assert!(d.next_frame(&mut input, None).unwrap().is_none());
            assert!(d.storage() <= FILL_AHEAD, "{}", d.storage());
            let chunk = vec![7u8; 256 * 1024];
            for _ in 0..12 {
                let mut input = &chunk[..];
                assert!(d.next_frame(&mut input, None).unwrap().is_none());
            }
            assert_eq!(d.buffered(), 12 * chunk.len());
            assert!(d.storage() <= 2 * d.buffered(), "{}", d.storage());
        }
    }

    /// A frame larger than the first allocation still arrives whole and intact.
    #[test]
    fn frames_beyond_the_first_allocation_grow_and_arrive_intact() {
        let body: Vec<u8> = (0..3 * crate::msg::FILL_AHEAD + 5)
            .map(|i| (i % 251) as u8)
            .collect();
        let f = frame(Framing::V2, true, false, &body);
        for chunk in [1000, 65_536, f.len() - 1] {
            let frames = decode_all(Framing::V2, &f, chunk, None).unwrap();
            assert_eq!(frames, vec![(true, false, body.clone())]);
        }
    }
}
