//! Z85, the ZeroMQ base-85 text encoding of binary data (ZeroMQ RFC 32).
//!
//! Every 4 bytes (a big-endian 32-bit value) become 5 characters, most significant digit
//! first. Input to `encode` must be a multiple of 4 bytes; input to `decode` a multiple of
//! 5 characters, and — as in libzmq 4.3.5 — not empty. `decode` rejects characters outside
//! the alphabet and 5-character groups whose value does not fit in 32 bits (for example
//! `"#####"`); libzmq accepts neither.

use crate::error::{Errno, Result};

/// The 85 digits, in value order.
const ALPHABET: &[u8; 85] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// Marks a byte that is not a Z85 digit in `DIGIT_VALUE`.
const INVALID: u8 = 0xFF;

/// Byte -> digit value, `INVALID` for bytes outside the alphabet.
const DIGIT_VALUE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Length of the Z85 text for `len` bytes (without a terminating NUL).
pub fn encoded_len(len: usize) -> usize {
    len / 4 * 5
}

/// Length of the binary data that `len` characters of Z85 text decode to.
pub fn decoded_len(len: usize) -> usize {
    len / 5 * 4
}

/// Encodes `data` into `out`, which must hold exactly `encoded_len(data.len())` bytes.
/// Fails with `EINVAL` if `data.len()` is not a multiple of 4 or `out` has the wrong size.
pub fn encode_into(data: &[u8], out: &mut [u8]) -> Result<()> {
    if !data.len().is_multiple_of(4) || out.len() != encoded_len(data.len()) {
        return Err(Errno::EINVAL);
    }
    for (group, text) in data.chunks_exact(4).zip(out.chunks_exact_mut(5)) {
        let mut value = u32::from_be_bytes([group[0], group[1], group[2], group[3]]);
        for slot in text.iter_mut().rev() {
            *slot = ALPHABET[(value % 85) as usize];
            value /= 85;
        }
    }
    Ok(())
}

/// Encodes `data` (a multiple of 4 bytes long) as Z85 text.
pub fn encode(data: &[u8]) -> Result<String> {
    let mut out = vec![0u8; encoded_len(data.len())];
    encode_into(data, &mut out)?;
    // Every byte written comes from ALPHABET, which is ASCII.
    String::from_utf8(out).map_err(|_| Errno::EINVAL)
}

/// Decodes Z85 `text` into `out`, which must hold exactly `decoded_len(text.len())` bytes.
/// Fails with `EINVAL` for empty text, a length that is not a multiple of 5, a byte outside
/// the alphabet, or a group whose value exceeds `0xFFFF_FFFF`. On failure `out` may hold
/// the groups decoded before the bad one.
pub fn decode_into(text: &[u8], out: &mut [u8]) -> Result<()> {
    if text.is_empty() || !text.len().is_multiple_of(5) || out.len() != decoded_len(text.len()) {
        return Err(Errno::EINVAL);
    }
    for (group, bytes) in text.chunks_exact(5).zip(out.chunks_exact_mut(4)) {
        let mut value: u32 = 0;
        for &c in group {
            let digit = DIGIT_VALUE[c as usize];
            if digit == INVALID {
                return Err(Errno::EINVAL);
            }
            value = value
                .checked_mul(85)
                .and_then(|v| v.checked_add(u32::from(digit)))
                .ok_or(Errno::EINVAL)?;
        }
        bytes.copy_from_slice(&value.to_be_bytes());
    }
    Ok(())
}

/// Decodes Z85 `text` (a non-zero multiple of 5 characters long).
pub fn decode(text: &str) -> Result<Vec<u8>> {
    let mut out = vec![0u8; decoded_len(text.len())];
    decode_into(text.as_bytes(), &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC_BYTES: [u8; 8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];

    #[test]
    fn spec_vector() {
        assert_eq!(encode(&SPEC_BYTES).unwrap(), "HelloWorld");
        assert_eq!(decode("HelloWorld").unwrap(), SPEC_BYTES);
    }

    #[test]
    fn extremes() {
        assert_eq!(encode(&[0, 0, 0, 0]).unwrap(), "00000");
        assert_eq!(encode(&[0xFF; 4]).unwrap(), "%nSc0");
        assert_eq!(decode("00000").unwrap(), [0, 0, 0, 0]);
        assert_eq!(decode("%nSc0").unwrap(), [0xFF; 4]);
    }

    #[test]
    fn overflow_is_rejected() {
        assert_eq!(decode("%nSc1"), Err(Errno::EINVAL));
        assert_eq!(decode("#####"), Err(Errno::EINVAL));
        assert_eq!(decode("%nSd0"), Err(Errno::EINVAL));
        assert_eq!(decode("HelloWorld#####"), Err(Errno::EINVAL));
    }

    #[test]
    fn bad_lengths() {
        assert_eq!(encode(&[1]), Err(Errno::EINVAL));
        assert_eq!(encode(&[0; 42]), Err(Errno::EINVAL));
        assert_eq!(encode(&[]).unwrap(), "");
        assert_eq!(decode(""), Err(Errno::EINVAL));
        assert_eq!(decode("0"), Err(Errno::EINVAL));
        assert_eq!(decode("01234567"), Err(Errno::EINVAL));
        let mut small = [0u8; 3];
        assert_eq!(decode_into(b"00000", &mut small), Err(Errno::EINVAL));
        let mut small = [0u8; 4];
        assert_eq!(encode_into(&[0; 4], &mut small), Err(Errno::EINVAL));
    }

    #[test]
    fn bad_characters() {
        for bad in [
            b' ', b'"', b'\'', b',', b';', b'\\', b'_', b'`', b'|', b'~', 0x7F, 0x80, 0xFF, 0, 0x1F,
        ] {
            let mut text = *b"0000000000";
            text[7] = bad;
            let mut out = [0u8; 8];
            assert_eq!(
                decode_into(&text, &mut out),
                Err(Errno::EINVAL),
                "byte {bad:#x}"
            );
        }
    }

    #[test]
    fn alphabet_is_the_inverse_of_the_decoder() {
        let mut valid = 0;
        for b in 0..=255u8 {
            let v = DIGIT_VALUE[b as usize];
            if v != INVALID {
                valid += 1;
                assert_eq!(ALPHABET[v as usize], b);
            }
        }
        assert_eq!(valid, 85);
    }

    #[test]
    fn round_trips() {
        let data: Vec<u8> = (0..=255u8).chain(0..=255).collect();
        let text = encode(&data).unwrap();
        assert_eq!(text.len(), 640);
        assert_eq!(decode(&text).unwrap(), data);
        let regular = "r^/rM9M=rMToK)63O8dCvd9D<PY<7iGlC+{BiSnG";
        assert_eq!(encode(&decode(regular).unwrap()).unwrap(), regular);
    }
}
