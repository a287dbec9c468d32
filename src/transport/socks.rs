//! A sans-IO SOCKS5 client (RFC 1928, CONNECT only) with RFC 1929 username/password
//! authentication, for `tcp://` connects through ZMQ_SOCKS_PROXY.
//!
//! It follows libzmq's client: one method offered (username/password when a username
//! is set, else none), each message sent only after the proxy answered the previous
//! one, and IP literals sent as addresses while anything else goes to the proxy as a
//! name, unresolved.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::error::{Errno, Result};

const VERSION: u8 = 0x05;
const AUTH_VERSION: u8 = 0x01;
const METHOD_NONE: u8 = 0x00;
const METHOD_USER_PASS: u8 = 0x02;
const CMD_CONNECT: u8 = 0x01;
const ATYP_IPV4: u8 = 0x01;
const ATYP_DOMAIN: u8 = 0x03;
const ATYP_IPV6: u8 = 0x04;
/// The largest reply code RFC 1928 defines.
const MAX_REPLY_CODE: u8 = 0x08;

/// Why the exchange failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// A reply that is not SOCKS5 (or, for authentication, not RFC 1929 version 1).
    BadVersion,
    /// The proxy accepts none of the methods offered (0xFF) or picked an unknown one.
    NoAcceptableMethod(u8),
    /// The proxy refused the username and password (its status byte).
    AuthRejected(u8),
    /// The CONNECT reply is malformed (reserved byte, address type, reply code).
    BadReply,
    /// The proxy could not connect to the destination (its reply code).
    ConnectRejected(u8),
}

/// Where the exchange stands after input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    NeedMore,
    Done,
    Failed(Failure),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Choice,
    AuthReply,
    ConnectReply,
    Done,
    Failed(Failure),
}

#[derive(Debug)]
pub struct Socks5Client {
    state: State,
    out: Vec<u8>,
    out_pos: usize,
    /// The reply being read; never more than the current reply's length.
    input: Vec<u8>,
    /// The RFC 1929 request, sent if the proxy picks that method.
    auth: Vec<u8>,
    request: Vec<u8>,
}

impl Socks5Client {
    /// `host` is an IP literal (IPv6 without brackets) or a name for the proxy to
    /// resolve. A name, username or password longer than 255 bytes cannot be encoded.
    pub fn new(host: &str, port: u16, credentials: Option<(&[u8], &[u8])>) -> Result<Self> {
        let mut request = vec![VERSION, CMD_CONNECT, 0x00];
        // A zone (`fe80::1%eth0`) has no place on the wire: the address alone goes.
        let literal_v6 = host
            .split('%')
            .next()
            .and_then(|h| h.parse::<Ipv6Addr>().ok());
        if let Ok(v4) = host.parse::<Ipv4Addr>() {
            request.push(ATYP_IPV4);
            request.extend_from_slice(&v4.octets());
        } else if let Some(v6) = literal_v6 {
            request.push(ATYP_IPV6);
            request.extend_from_slice(&v6.octets());
        } else {
            let len = u8::try_from(host.len()).map_err(|_| Errno::EINVAL)?;
            request.extend_from_slice(&[ATYP_DOMAIN, len]);
            request.extend_from_slice(host.as_bytes());
        }
        request.extend_from_slice(&port.to_be_bytes());

        let (method, auth) = match credentials {
            Some((user, pass)) => {
                let ulen = u8::try_from(user.len()).map_err(|_| Errno::EINVAL)?;
                let plen = u8::try_from(pass.len()).map_err(|_| Errno::EINVAL)?;
                let mut a = vec![AUTH_VERSION, ulen];
                a.extend_from_slice(user);
                a.push(plen);
                a.extend_from_slice(pass);
                (METHOD_USER_PASS, a)
            }
            // libzmq answers a proxy that insists on username/password anyway with
            // empty credentials.
            None => (METHOD_NONE, vec![AUTH_VERSION, 0, 0]),
        };
        Ok(Socks5Client {
            state: State::Choice,
            out: vec![VERSION, 1, method],
            out_pos: 0,
            input: Vec::with_capacity(4 + 1 + 255 + 2),
            auth,
            request,
        })
    }

    /// Bytes to write to the proxy now.
    pub fn pending_output(&self) -> &[u8] {
        &self.out[self.out_pos..]
    }

    pub fn consume_output(&mut self, n: usize) {
        self.out_pos = (self.out_pos + n).min(self.out.len());
    }

    /// How many bytes to read next: exactly what completes (or advances) the current
    /// reply, so that nothing the destination sends after it is taken from the
    /// stream. Zero while a message is still being written, or when finished.
    pub fn input_wanted(&self) -> usize {
        if !self.pending_output().is_empty() {
            return 0;
        }
        let total = match self.state {
            State::Choice | State::AuthReply => 2,
            State::ConnectReply => match self.input.get(3) {
                // Up to the domain name's length byte, or into an address.
                None => 5,
                Some(&ATYP_IPV4) => 4 + 4 + 2,
                Some(&ATYP_IPV6) => 4 + 16 + 2,
                Some(_) => match self.input.get(4) {
                    Some(&len) => 4 + 1 + len as usize + 2,
                    None => 5,
                },
            },
            State::Done | State::Failed(_) => return 0,
        };
        total.saturating_sub(self.input.len())
    }

    /// Feeds bytes read from the proxy; at most [`input_wanted`](Self::input_wanted)
    /// of them are taken, and the count taken is returned with the progress.
    pub fn handle_input(&mut self, data: &[u8]) -> (usize, Progress) {
        let n = data.len().min(self.input_wanted());
        if n == 0 {
            // Nothing wanted (still writing, or finished): nothing to act on.
            return (0, self.progress());
        }
        self.input.extend_from_slice(&data[..n]);
        if let Err(f) = self.check_partial() {
            self.state = State::Failed(f);
        } else if self.input_wanted() == 0 && !matches!(self.state, State::Done) {
            self.reply_complete();
        }
        (n, self.progress())
    }

    pub fn progress(&self) -> Progress {
        match self.state {
            State::Done => Progress::Done,
            State::Failed(f) => Progress::Failed(f),
            _ => Progress::NeedMore,
        }
    }

    /// Rejects a reply as soon as a byte of it is wrong, as libzmq does.
    fn check_partial(&self) -> std::result::Result<(), Failure> {
        let b = &self.input;
        match self.state {
            State::Choice if b.first().is_some_and(|&v| v != VERSION) => Err(Failure::BadVersion),
            State::AuthReply if b.first().is_some_and(|&v| v != AUTH_VERSION) => {
                Err(Failure::BadVersion)
            }
            State::ConnectReply => {
                if b.first().is_some_and(|&v| v != VERSION) {
                    return Err(Failure::BadVersion);
                }
                if b.get(1).is_some_and(|&r| r > MAX_REPLY_CODE)
                    || b.get(2).is_some_and(|&r| r != 0)
                    || b.get(3)
                        .is_some_and(|&a| !matches!(a, ATYP_IPV4 | ATYP_DOMAIN | ATYP_IPV6))
                {
                    return Err(Failure::BadReply);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// A whole reply is in: act on it and queue the next message.
    fn reply_complete(&mut self) {
        // The version bytes were checked as they came: the second byte decides.
        let second = self.input[1];
        self.input.clear();
        self.state = match self.state {
            State::Choice => match second {
                METHOD_NONE => self.send(State::ConnectReply),
                METHOD_USER_PASS => self.send(State::AuthReply),
                m => State::Failed(Failure::NoAcceptableMethod(m)),
            },
            State::AuthReply if second == 0 => self.send(State::ConnectReply),
            State::AuthReply => State::Failed(Failure::AuthRejected(second)),
            State::ConnectReply if second == 0 => State::Done,
            State::ConnectReply => State::Failed(Failure::ConnectRejected(second)),
            s => s,
        };
    }

    /// Queues the message that leads to `next`.
    fn send(&mut self, next: State) -> State {
        self.out = match next {
            State::AuthReply => std::mem::take(&mut self.auth),
            _ => std::mem::take(&mut self.request),
        };
        self.out_pos = 0;
        next
    }
}

/// A connect address as libzmq's socks connecter takes it apart: `host:port` split at
/// the last colon, brackets around the host dropped, a non-zero numeric port. Nothing
/// is resolved: the proxy does that.
pub fn parse_destination(addr: &str) -> Result<(String, u16)> {
    // libzmq's syntax check of tcp:// connect addresses.
    let ok_char = |c: char| c.is_ascii_alphanumeric() || ".-:%;[]_*".contains(c);
    if !addr.chars().all(ok_char) {
        return Err(Errno::EINVAL);
    }
    let (host, port) = addr.rsplit_once(':').ok_or(Errno::EINVAL)?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    // atoi: leading digits, the rest ignored.
    let digits = port.len() - port.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let port = match port[..digits].parse::<u32>() {
        Ok(p) if p > 0 && p <= u16::MAX as u32 => p as u16,
        _ => return Err(Errno::EINVAL),
    };
    if host.is_empty() || host.len() > 255 {
        return Err(Errno::EINVAL);
    }
    Ok((host.to_owned(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes everything pending and returns it.
    fn drain(c: &mut Socks5Client) -> Vec<u8> {
        let v = c.pending_output().to_vec();
        c.consume_output(v.len());
        v
    }

    fn feed(c: &mut Socks5Client, data: &[u8]) -> Progress {
        let (n, p) = c.handle_input(data);
        assert_eq!(n, data.len(), "took fewer bytes than fed");
        p
    }

    const REPLY_V4: [u8; 10] = [5, 0, 0, 1, 127, 0, 0, 1, 0x1f, 0x90];

    #[test]
    fn no_auth_ipv4() {
        let mut c = Socks5Client::new("127.0.0.1", 5555, None).unwrap();
        assert_eq!(c.input_wanted(), 0);
        assert_eq!(drain(&mut c), [5, 1, 0]);
        assert_eq!(c.input_wanted(), 2);
        assert_eq!(feed(&mut c, &[5, 0]), Progress::NeedMore);
        assert_eq!(c.input_wanted(), 0);
        assert_eq!(drain(&mut c), [5, 1, 0, 1, 127, 0, 0, 1, 0x15, 0xb3]);
        assert_eq!(c.input_wanted(), 5);
        assert_eq!(feed(&mut c, &REPLY_V4[..5]), Progress::NeedMore);
        assert_eq!(c.input_wanted(), 5);
        assert_eq!(feed(&mut c, &REPLY_V4[5..]), Progress::Done);
        assert_eq!(c.input_wanted(), 0);
        assert!(c.pending_output().is_empty());
    }

    /// Found by the socks_client fuzz target: input offered after a failure (or while
    /// a request was still being written) completed an empty "reply" and indexed it.
    #[test]
    fn input_when_none_is_wanted_is_refused() {
        let mut c = Socks5Client::new("127.0.0.1", 5555, None).unwrap();
        assert_eq!(c.handle_input(&[5, 0]), (0, Progress::NeedMore));
        drain(&mut c);
        let failed = Progress::Failed(Failure::NoAcceptableMethod(0xff));
        assert_eq!(c.handle_input(&[5, 0xff]), (2, failed));
        assert_eq!(c.handle_input(&[5, 0]), (0, failed));
        assert_eq!(c.handle_input(&[]), (0, failed));
    }

    #[test]
    fn ipv6_and_domain_destinations() {
        let mut c = Socks5Client::new("::1", 1, None).unwrap();
        drain(&mut c);
        feed(&mut c, &[5, 0]);
        let mut want = vec![5, 1, 0, 4];
        want.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        want.extend_from_slice(&[0, 1]);
        assert_eq!(drain(&mut c), want);

        let mut c = Socks5Client::new("fe80::1%eth0", 1, None).unwrap();
        drain(&mut c);
        feed(&mut c, &[5, 0]);
        assert_eq!(drain(&mut c)[3], ATYP_IPV6);

        let mut c = Socks5Client::new("example.org", 80, None).unwrap();
        drain(&mut c);
        feed(&mut c, &[5, 0]);
        let mut want = vec![5, 1, 0, 3, 11];
        want.extend_from_slice(b"example.org");
        want.extend_from_slice(&[0, 80]);
        assert_eq!(drain(&mut c), want);

        assert!(Socks5Client::new(&"a".repeat(256), 1, None).is_err());
        assert!(Socks5Client::new(&"a".repeat(255), 1, None).is_ok());
    }

    #[test]
    fn replies_with_each_address_type_byte_by_byte() {
        let mut v6 = vec![5, 0, 0, 4];
        v6.extend_from_slice(&[0; 16]);
        v6.extend_from_slice(&[0, 1]);
        let mut name = vec![5, 0, 0, 3, 9];
        name.extend_from_slice(b"localhost");
        name.extend_from_slice(&[0, 1]);
        let empty_name = vec![5, 0, 0, 3, 0, 0, 1];
        for reply in [REPLY_V4.to_vec(), v6, name, empty_name] {
            let mut c = Socks5Client::new("h", 1, None).unwrap();
            drain(&mut c);
            feed(&mut c, &[5, 0]);
            drain(&mut c);
            for (i, b) in reply.iter().enumerate() {
                assert!(c.input_wanted() >= 1);
                let p = feed(&mut c, &[*b]);
                let last = i == reply.len() - 1;
                assert_eq!(
                    p,
                    if last {
                        Progress::Done
                    } else {
                        Progress::NeedMore
                    }
                );
            }
        }
    }

    #[test]
    fn never_takes_bytes_past_the_reply() {
        let mut c = Socks5Client::new("h", 1, None).unwrap();
        drain(&mut c);
        // The choice and what follows it arrive together: only the choice is taken.
        assert_eq!(c.handle_input(&[5, 0, 9, 9]), (2, Progress::NeedMore));
        drain(&mut c);
        let mut data = REPLY_V4.to_vec();
        data.extend_from_slice(&[0xff, 0, 0, 0]); // a ZMTP greeting starts
        assert_eq!(c.handle_input(&data), (5, Progress::NeedMore));
        assert_eq!(c.handle_input(&data[5..]), (5, Progress::Done));
        assert_eq!(c.handle_input(&data[10..]), (0, Progress::Done));
    }

    #[test]
    fn username_password() {
        let mut c = Socks5Client::new("127.0.0.1", 1, Some((b"someuser", b"somepass"))).unwrap();
        assert_eq!(drain(&mut c), [5, 1, 2]);
        assert_eq!(feed(&mut c, &[5, 2]), Progress::NeedMore);
        let mut want = vec![1, 8];
        want.extend_from_slice(b"someuser");
        want.push(8);
        want.extend_from_slice(b"somepass");
        // Written in two parts: no input is wanted until all of it went.
        let out = c.pending_output().to_vec();
        assert_eq!(out, want);
        c.consume_output(3);
        assert_eq!(c.input_wanted(), 0);
        c.consume_output(out.len() - 3);
        assert_eq!(c.input_wanted(), 2);
        assert_eq!(feed(&mut c, &[1]), Progress::NeedMore);
        assert_eq!(feed(&mut c, &[0]), Progress::NeedMore);
        assert_eq!(drain(&mut c)[..4], [5, 1, 0, 1]);
        assert_eq!(feed(&mut c, &REPLY_V4[..5]), Progress::NeedMore);
        assert_eq!(feed(&mut c, &REPLY_V4[5..]), Progress::Done);

        // An empty password is sent as such.
        let mut c = Socks5Client::new("h", 1, Some((b"u", b""))).unwrap();
        drain(&mut c);
        feed(&mut c, &[5, 2]);
        assert_eq!(drain(&mut c), [1, 1, b'u', 0]);
        // The proxy may also waive authentication.
        let mut c = Socks5Client::new("h", 1, Some((b"u", b""))).unwrap();
        drain(&mut c);
        feed(&mut c, &[5, 0]);
        assert_eq!(drain(&mut c)[..3], [5, 1, 0]);

        assert!(Socks5Client::new("h", 1, Some((&[b'u'; 256], b""))).is_err());
        assert!(Socks5Client::new("h", 1, Some((b"u", &[b'p'; 256]))).is_err());
    }

    fn after_choice(user: bool) -> Socks5Client {
        let creds = user.then_some((&b"u"[..], &b"p"[..]));
        let mut c = Socks5Client::new("h", 1, creds).unwrap();
        drain(&mut c);
        feed(&mut c, &[5, if user { 2 } else { 0 }]);
        drain(&mut c);
        c
    }

    #[test]
    fn failures() {
        let fresh = || {
            let mut c = Socks5Client::new("h", 1, None).unwrap();
            drain(&mut c);
            c
        };
        // Wrong version in the method choice, noticed on its first byte.
        assert_eq!(
            fresh().handle_input(&[4]).1,
            Progress::Failed(Failure::BadVersion)
        );
        // No acceptable method.
        assert_eq!(
            fresh().handle_input(&[5, 0xff]).1,
            Progress::Failed(Failure::NoAcceptableMethod(0xff))
        );
        assert_eq!(
            fresh().handle_input(&[5, 1]).1,
            Progress::Failed(Failure::NoAcceptableMethod(1))
        );
        // Authentication: wrong sub-negotiation version, then refusal.
        assert_eq!(
            after_choice(true).handle_input(&[5, 0]).1,
            Progress::Failed(Failure::BadVersion)
        );
        assert_eq!(
            after_choice(true).handle_input(&[1, 1]).1,
            Progress::Failed(Failure::AuthRejected(1))
        );
        // CONNECT reply: version, reply code out of range, reserved byte, address type.
        for (bad, why) in [
            (&[4u8][..], Failure::BadVersion),
            (&[5, 9], Failure::BadReply),
            (&[5, 0, 1], Failure::BadReply),
            (&[5, 0, 0, 2], Failure::BadReply),
        ] {
            assert_eq!(
                after_choice(false).handle_input(bad).1,
                Progress::Failed(why)
            );
        }
        // The proxy could not reach the destination.
        let mut refused = REPLY_V4;
        refused[1] = 5;
        let mut c = after_choice(false);
        assert_eq!(
            c.handle_input(&refused),
            (5, Progress::NeedMore),
            "the code is acted on once the reply is whole"
        );
        assert_eq!(
            c.handle_input(&refused[5..]).1,
            Progress::Failed(Failure::ConnectRejected(5))
        );
        // Failed is final.
        assert_eq!(c.input_wanted(), 0);
        assert!(c.pending_output().is_empty());
    }

    #[test]
    fn destinations() {
        let d = |s: &str| parse_destination(s);
        assert_eq!(d("127.0.0.1:5555"), Ok(("127.0.0.1".into(), 5555)));
        assert_eq!(d("::1:5555"), Ok(("::1".into(), 5555)));
        assert_eq!(d("[::1]:5555"), Ok(("::1".into(), 5555)));
        assert_eq!(
            d("somedomainname.org:80"),
            Ok(("somedomainname.org".into(), 80))
        );
        assert_eq!(d("host:80x"), Ok(("host".into(), 80)));
        assert_eq!(d("host"), Err(Errno::EINVAL));
        assert_eq!(d("host:0"), Err(Errno::EINVAL));
        assert_eq!(d("host:*"), Err(Errno::EINVAL));
        assert_eq!(d("host:70000"), Err(Errno::EINVAL));
        assert_eq!(d(":80"), Err(Errno::EINVAL));
        assert_eq!(d("in valid:80"), Err(Errno::EINVAL));
    }
}
