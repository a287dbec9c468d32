//! C's text-to-number conversions, as libzmq applies them to option values and
//! addresses (`atoi`, `strtol`): leading white space and a sign are taken, parsing stops
//! at the first non-digit, and text without digits is 0.

use std::ffi::c_int;

/// `strtol(s, NULL, 10)` on glibc: leading white space, an optional sign, decimal
/// digits up to the first non-digit; saturates at the `long` range; 0 without digits.
pub(crate) fn strtol(s: &[u8]) -> i64 {
    let mut rest = s;
    while let [b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r', tail @ ..] = rest {
        rest = tail;
    }
    let negative = match rest {
        [b'-', tail @ ..] => {
            rest = tail;
            true
        }
        [b'+', tail @ ..] => {
            rest = tail;
            false
        }
        _ => false,
    };
    let limit = i128::from(i64::MAX) + 1;
    let mut magnitude: i128 = 0;
    for &c in rest.iter().take_while(|c| c.is_ascii_digit()) {
        magnitude = (magnitude * 10 + i128::from(c - b'0')).min(limit);
    }
    let value = if negative { -magnitude } else { magnitude };
    value.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// `atoi` on glibc: `(int) strtol (s, NULL, 10)`.
pub(crate) fn atoi(s: &[u8]) -> c_int {
    strtol(s) as c_int
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtol_like_c() {
        assert_eq!(strtol(b" 24abc"), 24);
        assert_eq!(strtol(b"-1"), -1);
        assert_eq!(strtol(b"+7"), 7);
        assert_eq!(strtol(b"foo"), 0);
        assert_eq!(strtol(b"99999999999999999999"), i64::MAX);
        assert_eq!(strtol(b"-99999999999999999999"), i64::MIN);
    }

    #[test]
    fn atoi_truncates_to_int() {
        assert_eq!(atoi(b"1234567890abcde"), 1_234_567_890);
        assert_eq!(atoi(b"4294967297"), 1);
        assert_eq!(atoi(b"65536x"), 65536);
        assert_eq!(atoi(b""), 0);
    }
}
