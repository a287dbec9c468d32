//! Small parsers: the SOCKS5 client, the udp group datagram, Z85.

use std::ffi::CString;

use zmq_rs::msg::Msg;
use zmq_rs::transport::socks::{parse_destination, Progress, Socks5Client};
use zmq_rs::transport::udp;
use zmq_rs::z85;

use super::input::Input;

/// The SOCKS5 client against an arbitrary proxy that reads our messages in arbitrary
/// pieces. Properties: no panic; the client never takes more than it asked for (what
/// follows the CONNECT reply belongs to the destination); it finishes only after a
/// well-formed exchange (checked by a naive parser over exactly the bytes it took),
/// and what it wrote is the greeting, the credentials if asked, and the request.
pub fn socks_client(data: &[u8]) {
    let mut inp = Input::new(data);
    let dest = match inp.below(4) {
        0 => "127.0.0.1:5555".to_string(),
        1 => "[::1]:80".to_string(),
        2 => "example.com:9".to_string(),
        _ => String::from_utf8_lossy(inp.short_bytes()).into_owned(),
    };
    let Ok((host, port)) = parse_destination(&dest) else {
        return;
    };
    let creds = inp
        .bool()
        .then(|| (inp.short_bytes().to_vec(), inp.short_bytes().to_vec()));
    let Ok(mut client) =
        Socks5Client::new(&host, port, creds.as_ref().map(|(u, p)| (&u[..], &p[..])))
    else {
        return;
    };
    let mut written = Vec::new();
    let mut taken = Vec::new();
    let mut progress = Progress::NeedMore;
    for _ in 0..64 {
        let pending = client.pending_output().len();
        if pending > 0 {
            assert_eq!(client.input_wanted(), 0, "reading while still writing");
            let n = (usize::from(inp.u8()) % pending) + 1;
            written.extend_from_slice(&client.pending_output()[..n]);
            client.consume_output(n);
            continue;
        }
        let wanted = client.input_wanted();
        if inp.is_empty() || wanted == 0 {
            break;
        }
        let piece = inp.short_bytes();
        let (n, p) = client.handle_input(piece);
        assert!(
            n <= wanted && n <= piece.len(),
            "took {n} of {wanted} wanted"
        );
        assert!(n > 0 || piece.is_empty(), "took nothing it wanted");
        taken.extend_from_slice(&piece[..n]);
        progress = p;
        if p != Progress::NeedMore {
            break;
        }
    }
    if progress != Progress::NeedMore {
        assert_eq!(client.input_wanted(), 0);
        assert_eq!(client.handle_input(b"\x05\x00"), (0, progress));
    }
    if progress == Progress::Done {
        let method = naive_socks_exchange(&taken).expect("finished on a malformed exchange");
        let user_pass = creds.is_some();
        let mut expected = vec![5, 1, if user_pass { 2 } else { 0 }];
        if method == 2 {
            let (u, p) = creds.clone().unwrap_or_default();
            expected.extend_from_slice(&[1, u.len() as u8]);
            expected.extend_from_slice(&u);
            expected.push(p.len() as u8);
            expected.extend_from_slice(&p);
        }
        assert!(written.starts_with(&expected), "wrote {written:?}");
        let request = &written[expected.len()..];
        assert_eq!(&request[..3], &[5, 1, 0]);
        assert_eq!(&request[request.len() - 2..], &port.to_be_bytes());
    }
}

/// Parses the proxy's side of a successful exchange: method choice, the optional
/// authentication reply, the CONNECT reply; the method on success.
fn naive_socks_exchange(b: &[u8]) -> Option<u8> {
    let (&[5, method], mut rest) = b.split_first_chunk::<2>()? else {
        return None;
    };
    match method {
        0 => {}
        2 => {
            let (&[1, 0], r) = rest.split_first_chunk::<2>()? else {
                return None;
            };
            rest = r;
        }
        _ => return None,
    }
    let (&[5, 0, 0, atyp], r) = rest.split_first_chunk::<4>()? else {
        return None;
    };
    let addr_len = match atyp {
        1 => 4,
        4 => 16,
        3 => 1 + usize::from(*r.first()?),
        _ => return None,
    };
    (r.len() == addr_len + 2).then_some(method)
}

/// A udp datagram as a DISH decodes it. Properties: no panic; the group is exactly
/// the length the first byte says, the body the rest; encoding gives the datagram
/// back (when it fits libzmq's datagram size); the message carries the group.
pub fn udp_datagram(data: &[u8]) {
    match udp::decode(data) {
        None => assert!(data.is_empty() || usize::from(data[0]) > data.len() - 1),
        Some((group, body)) => {
            assert_eq!(group.len(), usize::from(data[0]));
            assert_eq!([group, body].concat(), &data[1..]);
            let mut out = Vec::new();
            let fits = udp::encode(group, body, &mut out);
            assert_eq!(fits, data.len() <= 8192);
            if fits {
                assert_eq!(out, data);
            }
            let mut m = Msg::from_slice(body);
            if m.set_group(group).is_ok() {
                assert_eq!(m.group().to_bytes(), group);
                assert_eq!(m.data(), body);
            } else {
                assert!(group.contains(&0), "a valid group refused");
            }
        }
    }
}

const ALPHABET: &[u8] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// Z85 by the letter of the spec (ZeroMQ RFC 32), the model the codec is held to.
fn naive_z85_decode(text: &[u8]) -> Option<Vec<u8>> {
    if text.is_empty() || !text.len().is_multiple_of(5) {
        return None;
    }
    let mut out = Vec::new();
    for group in text.chunks(5) {
        let mut value: u64 = 0;
        for &ch in group {
            let digit = ALPHABET.iter().position(|&a| a == ch)?;
            value = value * 85 + digit as u64;
        }
        out.extend_from_slice(&u32::try_from(value).ok()?.to_be_bytes());
    }
    Some(out)
}

/// Z85 decoding of arbitrary text, through the Rust API and `zmq_z85_decode`, and
/// encoding of arbitrary bytes. Properties: decoding agrees with the spec's model;
/// what decodes encodes back to the same text; encode then decode is the identity;
/// the C entry writes only the bytes it should (ASan in the fuzz build).
pub fn z85_decode(data: &[u8]) {
    let expected = naive_z85_decode(data);
    let mut out = vec![0u8; z85::decoded_len(data.len())];
    let got = z85::decode_into(data, &mut out).ok().map(|()| out.clone());
    assert_eq!(got, expected);
    if let Some(bytes) = &got {
        assert_eq!(z85::encode(bytes).unwrap().as_bytes(), data);
    }
    if let Ok(text) = CString::new(data) {
        let mut dest = vec![0u8; z85::decoded_len(data.len())];
        // SAFETY: a NUL-terminated string, and `dest` holds strlen * 4 / 5 bytes.
        let r = unsafe { zmq_rs::ffi::util::zmq_z85_decode(dest.as_mut_ptr(), text.as_ptr()) };
        assert_eq!(!r.is_null(), expected.is_some());
        if let Some(e) = &expected {
            assert_eq!(&dest, e);
        }
    }
    let whole = &data[..data.len() / 4 * 4];
    let text = z85::encode(whole).unwrap();
    if whole.is_empty() {
        assert!(text.is_empty());
    } else {
        assert_eq!(z85::decode(&text).unwrap(), whole);
    }
}
