//! `pgm://` and `epgm://` endpoints: `iface;group:port` as libzmq reads them. The
//! framing of messages in PGM's APDUs is `zmtp::pgm`; OpenPGM carries them
//! (`crate::sys::pgm`); `crate::io` moves them.

use crate::error::{Errno, Result};

/// `iface;group:port` as libzmq splits it: the network before the last `:` (under 255
/// bytes, for OpenPGM to resolve), the port after it read as C's `atoi` does and kept to
/// 16 bits. A port of 0 is refused (EINVAL).
pub fn parse(addr: &str) -> Result<(String, u16)> {
    let (network, port) = addr.rsplit_once(':').ok_or(Errno::EINVAL)?;
    if network.len() >= 255 {
        return Err(Errno::EINVAL);
    }
    let port = atoi(port) as u16;
    if port == 0 {
        return Err(Errno::EINVAL);
    }
    Ok((network.to_owned(), port))
}

/// C's `atoi` as glibc does it: blanks, a sign, digits; 0 for none; wrapping.
pub(crate) fn atoi(s: &str) -> i32 {
    let s = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let v = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i64, |acc, d| {
            acc.wrapping_mul(10).wrapping_add(i64::from(d - b'0'))
        });
    (if negative { v.wrapping_neg() } else { v }) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert_eq!(
            parse("eth0;239.192.1.1:5555").unwrap(),
            ("eth0;239.192.1.1".to_owned(), 5555)
        );
        assert_eq!(parse(";239.192.1.1:70000").unwrap().1, 70000u32 as u16);
        assert_eq!(parse("eth0;239.192.1.1:0"), Err(Errno::EINVAL));
        assert_eq!(parse("eth0;239.192.1.1:x"), Err(Errno::EINVAL));
        assert_eq!(parse("eth0;239.192.1.1"), Err(Errno::EINVAL));
        assert!(parse(&format!("{}:1", "x".repeat(255))).is_err());
        assert_eq!(atoi(" +12abc"), 12);
        assert_eq!(atoi("-1"), -1);
    }
}
