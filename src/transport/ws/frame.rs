//! RFC 6455 frame headers and masking, sans I/O: what every WebSocket endpoint does
//! whatever it carries. ZWS 2.0's use of them (one binary frame per ZMTP frame, a flags
//! byte first) is `zmtp::zws`.
//!
//! Written by hand: a header is at most 14 bytes of bit fields, and the crates that
//! parse them come with their own connection and I/O models (tungstenite, soketto),
//! which the sans-IO session cannot drive byte by byte.

pub(crate) const OP_CONTINUATION: u8 = 0x0;
pub(crate) const OP_TEXT: u8 = 0x1;
pub(crate) const OP_BINARY: u8 = 0x2;
pub(crate) const OP_CLOSE: u8 = 0x8;
pub(crate) const OP_PING: u8 = 0x9;
pub(crate) const OP_PONG: u8 = 0xA;

const FIN: u8 = 0x80;
const RSV: u8 = 0x70;
const MASKED: u8 = 0x80;

/// The longest header: 2 bytes, a 64-bit length, a mask key.
pub(crate) const MAX_HEADER: usize = 14;
/// Control frames (close, ping, pong) carry at most this much.
pub(crate) const MAX_CONTROL_PAYLOAD: usize = 125;

/// Close status codes we send (RFC 6455 §7.4.1).
pub(crate) const CLOSE_PROTOCOL_ERROR: u16 = 1002;
pub(crate) const CLOSE_UNSUPPORTED_DATA: u16 = 1003;
pub(crate) const CLOSE_TOO_BIG: u16 = 1009;

/// A parsed frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub fin: bool,
    pub opcode: u8,
    pub mask: Option<[u8; 4]>,
    pub len: u64,
}

impl Header {
    pub fn is_control(&self) -> bool {
        self.opcode & 0x8 != 0
    }
}

/// Why a header is refused: each one is a protocol error (close code 1002).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderError {
    /// RSV1-3 set: no extension was negotiated.
    ReservedBits,
    /// An opcode RFC 6455 leaves reserved.
    UnknownOpcode(u8),
    /// A close, ping or pong that is fragmented or longer than 125 bytes.
    BadControlFrame,
    /// A client frame without a mask, or a server frame with one.
    Masking,
}

/// The header's length, known from its second byte.
pub fn header_len(second: u8) -> usize {
    let ext = match second & 0x7f {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let mask = if second & MASKED != 0 { 4 } else { 0 };
    2 + ext + mask
}

/// Parses a complete header (`h.len() == header_len(h[1])`). `masked`: whether the
/// peer must mask (it is a client) or must not (it is a server).
pub fn parse(h: &[u8], masked: bool) -> Result<Header, HeaderError> {
    let (b0, b1) = match h {
        [a, b, ..] => (*a, *b),
        _ => return Err(HeaderError::BadControlFrame),
    };
    if b0 & RSV != 0 {
        return Err(HeaderError::ReservedBits);
    }
    let opcode = b0 & 0x0f;
    if !matches!(
        opcode,
        OP_CONTINUATION | OP_TEXT | OP_BINARY | OP_CLOSE | OP_PING | OP_PONG
    ) {
        return Err(HeaderError::UnknownOpcode(opcode));
    }
    if (b1 & MASKED != 0) != masked {
        return Err(HeaderError::Masking);
    }
    let (len, rest) = match b1 & 0x7f {
        126 => {
            let b = h.get(2..4).ok_or(HeaderError::BadControlFrame)?;
            (u64::from(u16::from_be_bytes([b[0], b[1]])), &h[4..])
        }
        127 => {
            let b = h.get(2..10).ok_or(HeaderError::BadControlFrame)?;
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            (u64::from_be_bytes(a), &h[10..])
        }
        n => (u64::from(n), &h[2..]),
    };
    let mask = if masked {
        let b = rest.get(..4).ok_or(HeaderError::Masking)?;
        Some([b[0], b[1], b[2], b[3]])
    } else {
        None
    };
    let header = Header {
        fin: b0 & FIN != 0,
        opcode,
        mask,
        len,
    };
    if header.is_control() && (!header.fin || len > MAX_CONTROL_PAYLOAD as u64) {
        return Err(HeaderError::BadControlFrame);
    }
    Ok(header)
}

/// Writes a header into `buf`; returns its length. Lengths use the shortest form.
pub fn encode(
    buf: &mut [u8; MAX_HEADER],
    fin: bool,
    opcode: u8,
    len: u64,
    mask: Option<[u8; 4]>,
) -> usize {
    buf[0] = if fin { FIN } else { 0 } | (opcode & 0x0f);
    let m = if mask.is_some() { MASKED } else { 0 };
    let mut n = if len < 126 {
        buf[1] = m | len as u8;
        2
    } else if len <= u64::from(u16::MAX) {
        buf[1] = m | 126;
        buf[2..4].copy_from_slice(&(len as u16).to_be_bytes());
        4
    } else {
        buf[1] = m | 127;
        buf[2..10].copy_from_slice(&len.to_be_bytes());
        10
    };
    if let Some(k) = mask {
        buf[n..n + 4].copy_from_slice(&k);
        n += 4;
    }
    n
}

/// XORs `data` with the mask, `offset` bytes into the payload (the mask repeats every
/// four bytes). Masking and unmasking are the same operation.
pub fn apply_mask(data: &mut [u8], mask: [u8; 4], offset: usize) {
    let r = offset % 4;
    let key = [
        mask[r],
        mask[(r + 1) % 4],
        mask[(r + 2) % 4],
        mask[(r + 3) % 4],
    ];
    // Eight bytes at a time: masking is on the path of every byte a client sends.
    let wide = u64::from_ne_bytes([
        key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3],
    ]);
    let mut chunks = data.chunks_exact_mut(8);
    for c in &mut chunks {
        let mut a = [0u8; 8];
        a.copy_from_slice(c);
        c.copy_from_slice(&(u64::from_ne_bytes(a) ^ wide).to_ne_bytes());
    }
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= key[i % 4];
    }
}

/// A close frame's payload: the status code, then a reason.
pub fn close_payload(code: u16, reason: &str) -> Vec<u8> {
    let mut p = code.to_be_bytes().to_vec();
    let reason = reason.as_bytes();
    p.extend_from_slice(&reason[..reason.len().min(MAX_CONTROL_PAYLOAD - 2)]);
    p
}

/// A small, fast generator for mask keys. RFC 6455 wants keys an attacker cannot
/// predict, to keep scripted content from steering a proxy's cache; a xorshift seeded
/// from the OS per connection serves that, without a syscall per frame.
#[derive(Debug, Clone)]
pub struct MaskKeys(u64);

impl MaskKeys {
    pub fn new() -> MaskKeys {
        let mut seed = [0u8; 8];
        // Without the OS generator a mask is still a mask: fall back to the clock.
        if getrandom_fill(&mut seed).is_err() {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            seed = t.to_ne_bytes();
        }
        MaskKeys(u64::from_ne_bytes(seed) | 1)
    }

    pub fn next_key(&mut self) -> [u8; 4] {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        let k = (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32;
        k.to_ne_bytes()
    }
}

impl Default for MaskKeys {
    fn default() -> Self {
        MaskKeys::new()
    }
}

fn getrandom_fill(buf: &mut [u8]) -> Result<(), ()> {
    use crypto_box::aead::rand_core::RngCore;
    crypto_box::aead::OsRng.try_fill_bytes(buf).map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(h: &[u8], masked: bool) -> Result<Header, HeaderError> {
        assert_eq!(header_len(h[1]), h.len());
        parse(h, masked)
    }

    #[test]
    fn rfc_6455_examples() {
        // §5.7: a single-frame unmasked text message "Hello".
        let unmasked = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
        let h = parse_all(&unmasked[..2], false).unwrap();
        assert_eq!(
            h,
            Header {
                fin: true,
                opcode: OP_TEXT,
                mask: None,
                len: 5
            }
        );
        // The same, masked, as a client sends it.
        let masked = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        let h = parse_all(&masked[..6], true).unwrap();
        assert_eq!(h.mask, Some([0x37, 0xfa, 0x21, 0x3d]));
        let mut body = masked[6..].to_vec();
        apply_mask(&mut body, h.mask.unwrap(), 0);
        assert_eq!(body, b"Hello");
        // A fragmented text message: "Hel" then "lo".
        let first = parse_all(&[0x01, 0x03], false).unwrap();
        assert!(!first.fin && first.opcode == OP_TEXT);
        let last = parse_all(&[0x80, 0x02], false).unwrap();
        assert!(last.fin && last.opcode == OP_CONTINUATION);
        // An unmasked ping "Hello", and the masked pong answering it.
        assert_eq!(parse_all(&[0x89, 0x05], false).unwrap().opcode, OP_PING);
        let pong = parse_all(&[0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d], true).unwrap();
        assert_eq!(pong.opcode, OP_PONG);
        // 256 bytes and 64 KiB in one unmasked binary frame.
        assert_eq!(
            parse_all(&[0x82, 0x7e, 0x01, 0x00], false).unwrap().len,
            256
        );
        let big = [0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0];
        assert_eq!(parse_all(&big, false).unwrap().len, 65536);
    }

    #[test]
    fn encodes_the_shortest_length_form() {
        let mut b = [0u8; MAX_HEADER];
        assert_eq!(encode(&mut b, true, OP_BINARY, 125, None), 2);
        assert_eq!(b[..2], [0x82, 125]);
        assert_eq!(encode(&mut b, true, OP_BINARY, 126, None), 4);
        assert_eq!(b[..4], [0x82, 126, 0, 126]);
        assert_eq!(encode(&mut b, true, OP_BINARY, 65535, None), 4);
        assert_eq!(encode(&mut b, true, OP_BINARY, 65536, None), 10);
        assert_eq!(b[..10], [0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
        let n = encode(&mut b, false, OP_CONTINUATION, 3, Some([1, 2, 3, 4]));
        assert_eq!(b[..n], [0x00, 0x83, 1, 2, 3, 4]);
        for len in [0u64, 1, 125, 126, 65535, 65536, 1 << 40] {
            for mask in [None, Some([9, 8, 7, 6])] {
                let n = encode(&mut b, true, OP_BINARY, len, mask);
                assert_eq!(header_len(b[1]), n);
                let h = parse(&b[..n], mask.is_some()).unwrap();
                assert_eq!((h.len, h.mask, h.fin), (len, mask, true));
            }
        }
    }

    #[test]
    fn refuses_what_rfc_6455_forbids() {
        assert_eq!(parse(&[0xc2, 0x00], false), Err(HeaderError::ReservedBits));
        assert_eq!(
            parse(&[0x83, 0x00], false),
            Err(HeaderError::UnknownOpcode(3))
        );
        assert_eq!(
            parse(&[0x8b, 0x00], false),
            Err(HeaderError::UnknownOpcode(11))
        );
        // Unmasked from a client, masked from a server.
        assert_eq!(parse(&[0x82, 0x01], true), Err(HeaderError::Masking));
        assert_eq!(
            parse(&[0x82, 0x81, 0, 0, 0, 0], false),
            Err(HeaderError::Masking)
        );
        // Control frames: never fragmented, at most 125 bytes.
        assert_eq!(
            parse(&[0x09, 0x00], false),
            Err(HeaderError::BadControlFrame)
        );
        assert_eq!(
            parse(&[0x88, 0x7e, 0x00, 0x7e], false),
            Err(HeaderError::BadControlFrame)
        );
        assert!(parse(&[0x88, 0x7d], false).is_ok());
    }

    #[test]
    fn masking_at_any_offset_matches_the_byte_loop() {
        let mask = [0xde, 0xad, 0xbe, 0xef];
        let data: Vec<u8> = (0..100u8).collect();
        for offset in 0..8 {
            for len in [0, 1, 3, 7, 8, 9, 17, 100] {
                let mut fast = data[..len].to_vec();
                apply_mask(&mut fast, mask, offset);
                let slow: Vec<u8> = data[..len]
                    .iter()
                    .enumerate()
                    .map(|(i, b)| b ^ mask[(offset + i) % 4])
                    .collect();
                assert_eq!(fast, slow, "offset {offset} len {len}");
            }
        }
        // Split anywhere, the pieces mask as the whole does.
        let mut whole = data.clone();
        apply_mask(&mut whole, mask, 0);
        let mut pieces = data.clone();
        let (a, b) = pieces.split_at_mut(13);
        apply_mask(a, mask, 0);
        apply_mask(b, mask, 13);
        assert_eq!(pieces, whole);
    }

    #[test]
    fn mask_keys_vary() {
        let mut k = MaskKeys::new();
        let a = k.next_key();
        let b = k.next_key();
        let c = k.next_key();
        assert!(a != b || b != c);
    }

    #[test]
    fn close_payloads() {
        assert_eq!(close_payload(1000, ""), [0x03, 0xe8]);
        assert_eq!(
            close_payload(CLOSE_TOO_BIG, "big")[..],
            [0x03, 0xf1, b'b', b'i', b'g']
        );
        assert_eq!(
            close_payload(1002, &"x".repeat(300)).len(),
            MAX_CONTROL_PAYLOAD
        );
    }
}
