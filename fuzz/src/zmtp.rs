//! ZMTP targets: the greeting, the frame decoder, and each mechanism's handshake as
//! server and client, with and without a ZAP handler.

use std::time::{Duration, Instant};

use zmq_rs::constants as c;
use zmq_rs::msg::Msg;
use zmq_rs::zmtp::{Config, Connection, Error, Event, Mechanism};

use super::input::Input;

/// What we keep of an event to compare runs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Handshake,
    Zap(Vec<Vec<u8>>),
    Message(Vec<u8>, bool),
}

fn seen(e: Event) -> Seen {
    match e {
        Event::HandshakeSucceeded => Seen::Handshake,
        Event::ZapRequest(f) => Seen::Zap(f),
        Event::Message(m) => Seen::Message(m.data().to_vec(), m.more()),
    }
}

fn drain_output(c: &mut Connection) -> Vec<u8> {
    let mut all = Vec::new();
    loop {
        let n = c.pending_output().len();
        if n == 0 {
            return all;
        }
        all.extend_from_slice(c.pending_output());
        c.consume_output(n);
    }
}

/// The bound on what a connection queues for the peer before its handshake is done:
/// its greeting and handshake commands (a CURVE INITIATE with metadata is the
/// largest), never anything proportional to what the peer sent.
const HANDSHAKE_OUTPUT_BOUND: usize = 4096;

const SOCKET_TYPES: &[i32] = &[
    c::ZMQ_PAIR,
    c::ZMQ_PUB,
    c::ZMQ_SUB,
    c::ZMQ_REQ,
    c::ZMQ_REP,
    c::ZMQ_DEALER,
    c::ZMQ_ROUTER,
    c::ZMQ_PULL,
    c::ZMQ_PUSH,
    c::ZMQ_XPUB,
    c::ZMQ_XSUB,
    c::ZMQ_STREAM,
    #[cfg(feature = "draft")]
    c::ZMQ_SERVER,
    #[cfg(feature = "draft")]
    c::ZMQ_CLIENT,
    #[cfg(feature = "draft")]
    c::ZMQ_RADIO,
    #[cfg(feature = "draft")]
    c::ZMQ_DISH,
    #[cfg(feature = "draft")]
    c::ZMQ_GATHER,
    #[cfg(feature = "draft")]
    c::ZMQ_SCATTER,
    #[cfg(feature = "draft")]
    c::ZMQ_DGRAM,
    #[cfg(feature = "draft")]
    c::ZMQ_PEER,
    #[cfg(feature = "draft")]
    c::ZMQ_CHANNEL,
];

/// Fixed CURVE keys (the fuzzer's runs stay comparable; the ephemeral keys are random).
type KeyPair = ([u8; 32], [u8; 32]);

fn curve_keys() -> (KeyPair, KeyPair) {
    let server_secret = [0x11u8; 32];
    let client_secret = [0x22u8; 32];
    (
        (
            zmq_rs::curve_keys::public_from_secret(&server_secret),
            server_secret,
        ),
        (
            zmq_rs::curve_keys::public_from_secret(&client_secret),
            client_secret,
        ),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mech {
    Null,
    Plain,
    Curve,
}

fn mechanism(m: Mech, server: bool) -> Mechanism {
    match m {
        Mech::Null => Mechanism::Null,
        Mech::Plain => Mechanism::Plain {
            server,
            username: b"admin".to_vec(),
            password: b"secret".to_vec(),
        },
        Mech::Curve => {
            let (s, cl) = curve_keys();
            let own = if server { s } else { cl };
            Mechanism::Curve {
                server,
                public: own.0,
                secret: own.1,
                server_key: s.0,
            }
        }
    }
}

/// Feeds `stream` into `conn` in pieces of the sizes `sizes` yields (0: the rest),
/// taking events and output after each piece, as a session does. Returns the events
/// and the first error.
fn feed(
    conn: &mut Connection,
    mut stream: &[u8],
    now: Instant,
    mut sizes: impl FnMut() -> usize,
) -> (Vec<Seen>, Option<Error>) {
    let mut events = Vec::new();
    let mut error = None;
    while !stream.is_empty() && error.is_none() {
        let n = match sizes() {
            0 => stream.len(),
            n => n.min(stream.len()),
        };
        let (piece, rest) = stream.split_at(n);
        stream = rest;
        error = conn.handle_input(piece, now).err();
        events.extend(std::iter::from_fn(|| conn.poll_event()).map(seen));
        if !conn.is_ready() {
            assert!(
                conn.pending_output_len() <= HANDSHAKE_OUTPUT_BOUND,
                "{} bytes queued before the handshake completed",
                conn.pending_output_len()
            );
        }
        drain_output(conn);
    }
    if let Some(e) = &error {
        // Errors are sticky: a dead connection takes no more input.
        assert_eq!(conn.handle_input(b"x", now).as_ref().err(), Some(e));
        assert_eq!(conn.error(), Some(e));
        assert!(!conn.wants_input() && !conn.can_send());
    }
    (events, error)
}

/// Chunk sizes 1..=64 from a seed, or everything at once for seed 0.
fn chunker(seed: u8) -> impl FnMut() -> usize {
    let mut state = u32::from(seed);
    move || {
        if seed == 0 {
            return 0;
        }
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        (state >> 16) as usize % 64 + 1
    }
}

/// The greeting (and whatever follows it) from an arbitrary peer, for any socket type
/// and mechanism, with or without ZMTP 1.0/2.0 fallback. Properties: no panic; the same
/// events and error whether the bytes arrive at once or in random pieces; errors are
/// sticky; what we queue before the handshake stays small.
pub fn greeting(data: &[u8]) {
    let mut inp = Input::new(data);
    let socket_type = inp.pick(SOCKET_TYPES);
    let flags = inp.u8();
    let mech = [Mech::Null, Mech::Plain, Mech::Curve][usize::from(flags & 3) % 3];
    let server = flags & 4 != 0;
    let cfg = Config {
        socket_type,
        routing_id: inp.short_bytes().to_vec(),
        allow_legacy: flags & 8 != 0,
        mechanism: mechanism(mech, server),
        zap_domain: if flags & 16 != 0 {
            b"domain".to_vec()
        } else {
            Vec::new()
        },
        ..Config::default()
    };
    let seed = inp.u8();
    let stream = inp.rest();
    let now = Instant::now();
    let mut whole = Connection::new(cfg.clone(), now);
    let mut pieces = Connection::new(cfg, now);
    let a = feed(&mut whole, stream, now, || 0);
    let b = feed(&mut pieces, stream, now, chunker(seed.max(1)));
    assert_eq!(a, b, "split changed the outcome");
}

/// libzmq's v3 greeting for a NULL peer, `minor` = 0 or 1.
fn v3_greeting(minor: u8) -> Vec<u8> {
    let mut g = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 3, minor];
    let mut mech = [0u8; 20];
    mech[..4].copy_from_slice(b"NULL");
    g.extend_from_slice(&mech);
    g.extend_from_slice(&[0u8; 32]);
    g
}

fn v2_frame(out: &mut Vec<u8>, flags: u8, body: &[u8]) {
    if body.len() > 255 {
        out.push(flags | 2);
        out.extend_from_slice(&(body.len() as u64).to_be_bytes());
    } else {
        out.extend_from_slice(&[flags, body.len() as u8]);
    }
    out.extend_from_slice(body);
}

fn ready_dealer() -> Vec<u8> {
    let mut body = b"\x05READY\x0bSocket-Type".to_vec();
    body.extend_from_slice(&6u32.to_be_bytes());
    body.extend_from_slice(b"DEALER");
    let mut out = Vec::new();
    v2_frame(&mut out, 4, &body);
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    V1,
    V2,
}

/// A DEALER peer speaking ZMTP 3.1, 3.0, 2.0 or 1.0, up to the end of its handshake.
fn peer_prefix(version: u8) -> (Vec<u8>, Framing) {
    match version % 4 {
        0 | 1 => {
            let mut s = v3_greeting(version % 4);
            s.extend(ready_dealer());
            (s, Framing::V2)
        }
        // ZMTP 2.0: revision 1, socket type, then an empty identity frame.
        2 => (
            vec![0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 1, 5, 0, 0],
            Framing::V2,
        ),
        // ZMTP 1.0: no signature, just an empty identity frame (length 1: the flags).
        _ => (vec![1, 0], Framing::V1),
    }
}

/// The data frames a naive decoder finds in `traffic`, up to the first frame it cannot
/// finish or that is over `max` (commands are skipped: they are not messages).
fn naive_messages(traffic: &[u8], framing: Framing, max: Option<u64>) -> Vec<Seen> {
    let mut out = Vec::new();
    let mut rest = traffic;
    loop {
        let (size, flags, hdr) = match framing {
            Framing::V2 => {
                let Some(&flags) = rest.first() else { break };
                if flags & 2 != 0 {
                    let Some(b) = rest.get(1..9) else { break };
                    (u64::from_be_bytes(b.try_into().unwrap()), flags, 9)
                } else {
                    let Some(&b) = rest.get(1) else { break };
                    (u64::from(b), flags, 2)
                }
            }
            Framing::V1 => {
                let Some(&len) = rest.first() else { break };
                let (total, hdr) = if len == 0xff {
                    let Some(b) = rest.get(1..9) else { break };
                    (u64::from_be_bytes(b.try_into().unwrap()), 10)
                } else {
                    (u64::from(len), 2)
                };
                let Some(&flags) = rest.get(hdr - 1) else {
                    break;
                };
                let Some(size) = total.checked_sub(1) else {
                    break;
                };
                (size, flags & 1, hdr)
            }
        };
        if max.is_some_and(|m| size > m) {
            break;
        }
        let Some(body) = usize::try_from(size)
            .ok()
            .and_then(|s| rest.get(hdr..hdr.checked_add(s)?))
        else {
            break;
        };
        if flags & 4 == 0 {
            out.push(Seen::Message(body.to_vec(), flags & 1 != 0));
        }
        rest = &rest[hdr + body.len()..];
    }
    out
}

/// The frame decoder after a completed handshake with a DEALER peer of any ZMTP
/// version, under various `ZMQ_MAXMSGSIZE` values. Properties: what arrives is, in
/// order and intact, a prefix of the data frames a naive decoder finds (all of them
/// unless the connection failed); the same at any split of the stream; a frame header
/// declaring a huge size fails the connection or waits for its bytes without
/// allocating what it declares (libFuzzer's malloc limit catches that).
pub fn decoder(data: &[u8]) {
    let mut inp = Input::new(data);
    let version = inp.u8();
    let maxmsgsize = inp.pick(&[-1i64, 0, 1, 255, 256, 4096, 65_536, 1 << 20]);
    let seed = inp.u8();
    let traffic = inp.rest();
    let (prefix, framing) = peer_prefix(version);
    let cfg = Config {
        socket_type: c::ZMQ_DEALER,
        maxmsgsize,
        ..Config::default()
    };
    let now = Instant::now();
    let mut stream = prefix;
    stream.extend_from_slice(traffic);

    let mut whole = Connection::new(cfg.clone(), now);
    let mut pieces = Connection::new(cfg, now);
    let (events, error) = feed(&mut whole, &stream, now, || 0);
    let b = feed(&mut pieces, &stream, now, chunker(seed.max(1)));
    assert_eq!((&events, &error), (&b.0, &b.1), "split changed the outcome");

    let mut messages = events.into_iter().filter(|e| *e != Seen::Handshake);
    let expected = naive_messages(traffic, framing, u64::try_from(maxmsgsize).ok());
    let got: Vec<Seen> = messages.by_ref().collect();
    assert!(
        got.len() <= expected.len() && got[..] == expected[..got.len()],
        "decoded {got:?}\nexpected a prefix of {expected:?}"
    );
    if error.is_none() {
        assert_eq!(got, expected, "a frame went missing without an error");
    }
}

/// How the fuzzer answers a connection's ZAP request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ZapAnswer {
    NoHandler,
    Status(&'static [u8]),
    Garbage,
}

fn zap_frames(parts: &[&[u8]]) -> Vec<Msg> {
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut m = Msg::from_slice(p);
            m.set_more(i + 1 < parts.len());
            m
        })
        .collect()
}

/// Answers `conn`'s ZAP request; the fuzzer picks how. Returns what it chose.
fn answer_zap(conn: &mut Connection, inp: &mut Input, now: Instant) -> ZapAnswer {
    let answer = match inp.below(6) {
        0 => ZapAnswer::NoHandler,
        1 | 2 => ZapAnswer::Status(b"200"),
        3 => ZapAnswer::Status(b"300"),
        4 => ZapAnswer::Status(if inp.bool() { b"400" } else { b"500" }),
        _ => ZapAnswer::Garbage,
    };
    let _ = match answer {
        ZapAnswer::NoHandler => conn.zap_unavailable(now),
        ZapAnswer::Status(status) => {
            // Well-formed metadata (malformed replies are the garbage case).
            let metadata: &[u8] = if inp.bool() {
                b"\x05Hello\x00\x00\x00\x05World"
            } else {
                b""
            };
            conn.zap_reply(
                &zap_frames(&[b"", b"1.0", b"1", status, b"OK", b"user", metadata]),
                now,
            )
        }
        ZapAnswer::Garbage => {
            let n = inp.below(9);
            let frames: Vec<&[u8]> = (0..n).map(|_| inp.short_bytes()).collect();
            let mut msgs = zap_frames(&frames);
            for m in &mut msgs {
                if inp.u8() == 0xff {
                    m.set_more(!m.more());
                }
            }
            conn.zap_reply(&msgs, now)
        }
    };
    answer
}

/// One side of the handshake under test.
struct Side {
    conn: Connection,
    ready: bool,
    zap: Option<ZapAnswer>,
    messages: Vec<Seen>,
    error: Option<Error>,
}

impl Side {
    fn new(cfg: Config, now: Instant) -> Self {
        Side {
            conn: Connection::new(cfg, now),
            ready: false,
            zap: None,
            messages: Vec::new(),
            error: None,
        }
    }

    fn input(&mut self, bytes: &[u8], now: Instant) {
        if self.error.is_none() && !bytes.is_empty() {
            self.error = self.conn.handle_input(bytes, now).err();
        }
    }

    /// Takes events; ZAP requests are answered by `zap` (None: an honest 200).
    fn events(&mut self, inp: Option<&mut Input>, now: Instant) {
        let mut inp = inp;
        while let Some(e) = self.conn.poll_event() {
            match e {
                Event::HandshakeSucceeded => {
                    assert!(!self.ready, "two handshakes");
                    self.ready = true;
                }
                Event::ZapRequest(_) => {
                    assert!(self.zap.is_none(), "two ZAP requests");
                    let answer = match inp.as_deref_mut() {
                        Some(i) => answer_zap(&mut self.conn, i, now),
                        None => {
                            let r = self.conn.zap_reply(
                                &zap_frames(&[b"", b"1.0", b"1", b"200", b"", b"", b""]),
                                now,
                            );
                            assert!(r.is_ok(), "{r:?}");
                            ZapAnswer::Status(b"200")
                        }
                    };
                    self.zap = Some(answer);
                    if let Some(e) = self.conn.error() {
                        self.error.get_or_insert(e.clone());
                    }
                }
                Event::Message(m) => {
                    assert!(self.ready, "a message before the handshake");
                    self.messages
                        .push(Seen::Message(m.data().to_vec(), m.more()));
                }
            }
        }
    }
}

/// A handshake between the connection under test (`ours`) and an honest peer, the
/// fuzzer tampering with what the peer sends (flipping, cutting, inserting bytes,
/// splitting) and answering our ZAP requests. Then a few messages both ways.
/// Properties: no panic; a message only after the handshake; when nothing was
/// tampered with and the ZAP answer admits the peer, both handshakes succeed and every
/// message arrives intact, in order.
fn handshake(data: &[u8], mech: Mech) {
    let mut inp = Input::new(data);
    let flags = inp.u8();
    let server = flags & 1 != 0;
    let zap_domain = flags & 2 != 0;
    let raw = flags & 4 != 0;
    let now = Instant::now();
    let make = |server: bool, zap: bool| Config {
        socket_type: c::ZMQ_DEALER,
        mechanism: mechanism(mech, server),
        zap_domain: if zap { b"global".to_vec() } else { Vec::new() },
        peer_address: "127.0.0.1".into(),
        heartbeat_ivl: Some(Duration::from_millis(100)),
        ..Config::default()
    };
    let mut ours = Side::new(make(server, zap_domain), now);

    if raw {
        // Not a peer at all: arbitrary bytes in arbitrary pieces.
        while !inp.is_empty() && ours.error.is_none() {
            let n = usize::from(inp.u8()) + 1;
            let piece = inp.bytes(n);
            ours.input(piece, now);
            ours.events(Some(&mut inp), now);
            drain_output(&mut ours.conn);
        }
        return;
    }

    let mut peer = Side::new(make(!server, false), now);
    let mut tampered = false;
    let mut time = now;
    let mut sent_ours = Vec::new();
    let mut sent_peer = Vec::new();
    for round in 0..24 {
        if round == 8 && ours.ready && peer.ready {
            // Traffic once both are through (CURVE seals it).
            for (i, side) in [&mut ours, &mut peer].into_iter().enumerate() {
                let sent = if i == 0 {
                    &mut sent_ours
                } else {
                    &mut sent_peer
                };
                for k in 0..2u8 {
                    let mut m = Msg::from_slice(&[k; 300][..usize::from(k) * 299 + 1]);
                    m.set_more(k == 0);
                    let copy = Seen::Message(m.data().to_vec(), m.more());
                    if side.conn.send(m).is_ok() {
                        sent.push(copy);
                    } else {
                        // Only a connection that failed since refuses.
                        assert!(side.conn.error().is_some());
                    }
                }
            }
        }
        if inp.u8() == 0xfe {
            // Time passes (handshake and heartbeat timers).
            time += Duration::from_millis(u64::from(inp.u16()));
            for side in [&mut ours, &mut peer] {
                if side.error.is_none() {
                    side.error = side.conn.handle_timeout(time).err();
                }
            }
            tampered = true;
        }
        let to_peer = drain_output(&mut ours.conn);
        peer.input(&to_peer, time);
        peer.events(None, time);
        let mut to_ours = drain_output(&mut peer.conn);
        if to_peer.is_empty() && to_ours.is_empty() && round > 8 {
            break;
        }
        let len = to_ours.len().max(1);
        match inp.below(8) {
            // Tampering.
            4 => {
                let pos = usize::from(inp.u16()) % len;
                let x = inp.u8().max(1);
                if let Some(b) = to_ours.get_mut(pos) {
                    *b ^= x;
                    tampered = true;
                }
            }
            5 => {
                let pos = usize::from(inp.u16()) % len;
                tampered |= pos < to_ours.len();
                to_ours.truncate(pos);
            }
            6 => {
                let pos = (usize::from(inp.u16()) % len).min(to_ours.len());
                let extra = inp.short_bytes();
                tampered |= !extra.is_empty();
                to_ours.splice(pos..pos, extra.iter().copied());
            }
            // Delivery in two pieces.
            7 => {
                let pos = (usize::from(inp.u16()) % len).min(to_ours.len());
                ours.input(&to_ours[..pos], time);
                ours.events(Some(&mut inp), time);
                to_ours.drain(..pos);
            }
            _ => {}
        }
        ours.input(&to_ours, time);
        ours.events(Some(&mut inp), time);
        if !ours.ready {
            assert!(ours.conn.pending_output_len() <= HANDSHAKE_OUTPUT_BOUND);
        }
    }

    let admitted = match ours.zap {
        None => !(mech == Mech::Plain && server),
        Some(ZapAnswer::Status(s)) => s == b"200",
        // Without a handler only PLAIN's server cannot decide (CURVE admits anyone,
        // NULL skips ZAP unless the domain is enforced).
        Some(ZapAnswer::NoHandler) => !(mech == Mech::Plain && server),
        Some(ZapAnswer::Garbage) => false,
    };
    if !tampered && admitted {
        assert!(
            ours.ready && peer.ready,
            "honest handshake failed: ours {:?} peer {:?} zap {:?}",
            ours.error,
            peer.error,
            ours.zap
        );
        if !sent_ours.is_empty() {
            assert_eq!(peer.messages, sent_ours);
            assert_eq!(ours.messages, sent_peer);
        }
    }
}

pub fn handshake_null(data: &[u8]) {
    handshake(data, Mech::Null)
}

pub fn handshake_plain(data: &[u8]) {
    handshake(data, Mech::Plain)
}

pub fn handshake_curve(data: &[u8]) {
    handshake(data, Mech::Curve)
}
