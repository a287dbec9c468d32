//! Connection tests: handshakes between two connections at every split of the stream,
//! byte-exact captured vectors (file names from `shared/specs/vectors/` noted; bytes
//! embedded), legacy peers, heartbeats, limits, malformed input and a fuzz loop.

use super::*;
use crate::zmtp::greeting::encode_greeting;

const T: Duration = Duration::from_millis(1);

fn cfg(socket_type: i32) -> Config {
    Config {
        socket_type,
        ..Config::default()
    }
}

fn drain(c: &mut Connection) -> Vec<u8> {
    let mut all = Vec::new();
    loop {
        let n = {
            let p = c.pending_output();
            all.extend_from_slice(p);
            p.len()
        };
        if n == 0 {
            return all;
        }
        c.consume_output(n);
    }
}

fn events(c: &mut Connection) -> Vec<Event> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

fn messages(c: &mut Connection) -> Vec<(Vec<u8>, bool)> {
    events(c)
        .into_iter()
        .filter_map(|e| match e {
            Event::Message(m) => Some((m.data().to_vec(), m.more())),
            Event::HandshakeSucceeded | Event::ZapRequest(_) => None,
        })
        .collect()
}

/// Moves bytes both ways, `chunk` at a time, until both sides are quiet.
fn pump(a: &mut Connection, b: &mut Connection, chunk: usize, now: Instant) {
    loop {
        let ab = drain(a);
        let ba = drain(b);
        if ab.is_empty() && ba.is_empty() {
            return;
        }
        for piece in ab.chunks(chunk) {
            b.handle_input(piece, now).unwrap();
        }
        for piece in ba.chunks(chunk) {
            a.handle_input(piece, now).unwrap();
        }
    }
}

fn connected(ca: Config, cb: Config, now: Instant) -> (Connection, Connection) {
    let mut a = Connection::new(ca, now);
    let mut b = Connection::new(cb, now);
    pump(&mut a, &mut b, usize::MAX, now);
    assert!(matches!(events(&mut a)[..], [Event::HandshakeSucceeded]));
    assert!(matches!(events(&mut b)[..], [Event::HandshakeSucceeded]));
    (a, b)
}

/// Our side after receiving `peer` (the peer's whole stream), returning what we sent.
fn scripted(c: Config, peer: &[u8], now: Instant) -> (Connection, Vec<u8>, Result<(), Error>) {
    let mut conn = Connection::new(c, now);
    let r = conn.handle_input(peer, now);
    let out = drain(&mut conn);
    (conn, out, r)
}

fn v3_greeting(mechanism: &str, minor: u8) -> Vec<u8> {
    let mut g = encode_greeting(0, mechanism).to_vec();
    g[11] = minor;
    g
}

fn cmd(body: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    codec::encode_frame(&mut v, Framing::V2, false, true, body);
    v
}

fn data(more: bool, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    codec::encode_frame(&mut v, Framing::V2, more, false, body);
    v
}

fn ready(socket_type: i32, id: &[u8]) -> Vec<u8> {
    cmd(&null::ready_body(socket_type, id, &[]))
}

/// A peer (ZMTP 3.`minor`, NULL, `peer_type`) that has completed its half.
fn peer_stream(peer_type: i32, minor: u8) -> Vec<u8> {
    let mut s = v3_greeting("NULL", minor);
    s.extend(ready(peer_type, b""));
    s
}

/// vectors/greeting_null_id_abc.bin
fn greeting_null_id_abc() -> Vec<u8> {
    let mut g = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 0x04, 0x7f, 0x03, 0x01];
    g.extend_from_slice(b"NULL");
    g.resize(64, 0);
    g
}

#[test]
fn handshake_at_every_split() {
    let now = Instant::now();
    let mut dealer_cfg = cfg(socket_type::DEALER);
    dealer_cfg.routing_id = b"abc".to_vec();
    dealer_cfg.app_metadata = vec![("X-Hello".into(), b"World".to_vec())];
    let mut router_cfg = cfg(socket_type::ROUTER);
    router_cfg.peer_address = "127.0.0.1".into();
    router_cfg.source_fd = 42;
    for chunk in [1, 2, 3, 5, 7, 10, 11, 12, 13, 63, 64, 65, 100, usize::MAX] {
        let mut d = Connection::new(dealer_cfg.clone(), now);
        let mut r = Connection::new(router_cfg.clone(), now);
        pump(&mut d, &mut r, chunk, now);
        assert!(
            matches!(events(&mut d)[..], [Event::HandshakeSucceeded]),
            "{chunk}"
        );
        assert!(
            matches!(events(&mut r)[..], [Event::HandshakeSucceeded]),
            "{chunk}"
        );
        assert_eq!(r.peer_routing_id(), Some(&b"abc"[..]));
        assert_eq!(
            d.peer_routing_id(),
            Some(&b""[..]),
            "a ROUTER sends an empty Identity"
        );
        assert_eq!(r.peer_socket_type(), Some(socket_type::DEALER));
        assert_eq!(d.peer_socket_type(), Some(socket_type::ROUTER));
        assert_eq!(r.peer_version(), (3, 1));
        assert_eq!(r.poll_timeout(), None, "the handshake timer is cancelled");

        let mut m1 = Msg::from_slice(b"part1");
        m1.set_more(true);
        d.send(m1).unwrap();
        d.send(Msg::from_slice(&[9u8; 300])).unwrap();
        pump(&mut d, &mut r, chunk, now);
        let ev = events(&mut r);
        assert_eq!(ev.len(), 2);
        let Event::Message(m) = &ev[0] else { panic!() };
        assert_eq!(m.data(), b"part1");
        assert!(m.more());
        assert_eq!(m.property("Socket-Type").unwrap().to_bytes(), b"DEALER");
        assert_eq!(m.property("Identity").unwrap().to_bytes(), b"abc");
        assert_eq!(m.property("X-Hello").unwrap().to_bytes(), b"World");
        assert_eq!(m.property("Peer-Address").unwrap().to_bytes(), b"127.0.0.1");
        // ZMQ_SRCFD reads the descriptor from this private property.
        assert_eq!(m.property("__fd").unwrap().to_bytes(), b"42");
        let Event::Message(m) = &ev[1] else { panic!() };
        assert_eq!(m.data(), &[9u8; 300][..]);
        assert!(!m.more());
    }
}

#[test]
fn sends_greeting_and_ready_exactly_like_libzmq() {
    let now = Instant::now();
    let mut c = cfg(socket_type::DEALER);
    c.routing_id = b"abc".to_vec();
    let mut conn = Connection::new(c, now);
    // Only the signature at first.
    assert_eq!(drain(&mut conn), greeting_null_id_abc()[..10]);
    let peer = peer_stream(socket_type::ROUTER, 1);
    conn.handle_input(&peer[..10], now).unwrap();
    assert_eq!(drain(&mut conn), [0x03]);
    conn.handle_input(&peer[10..64], now).unwrap();
    let mut expect = greeting_null_id_abc()[11..].to_vec();
    // vectors/ready_dealer_id_abc.bin
    expect.extend_from_slice(
        b"\x04\x2c\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER\x08Identity\x00\x00\x00\x03abc",
    );
    assert_eq!(drain(&mut conn), expect);
    assert!(!conn.is_ready());
    conn.handle_input(&peer[64..], now).unwrap();
    assert!(conn.is_ready());
}

#[test]
fn router_and_sub_ready_vectors() {
    let now = Instant::now();
    let peer = peer_stream(socket_type::DEALER, 1);
    let (_, out, r) = scripted(cfg(socket_type::ROUTER), &peer, now);
    r.unwrap();
    // vectors/ready_router_noid.bin
    assert_eq!(
        &out[64..],
        b"\x04\x29\x05READY\x0bSocket-Type\x00\x00\x00\x06ROUTER\x08Identity\x00\x00\x00\x00"
    );
    let peer = peer_stream(socket_type::PUB, 1);
    let (_, out, r) = scripted(cfg(socket_type::SUB), &peer, now);
    r.unwrap();
    // vectors/ready_sub.bin
    assert_eq!(
        &out[64..],
        b"\x04\x19\x05READY\x0bSocket-Type\x00\x00\x00\x03SUB"
    );
}

#[test]
fn sub_to_zmtp31_pub_uses_commands() {
    let now = Instant::now();
    let (mut sub, mut publ) = connected(cfg(socket_type::SUB), cfg(socket_type::XPUB), now);
    sub.send(Msg::from_slice(b"\x01topic")).unwrap();
    // vectors/cmd_subscribe_topic.bin
    let wire = drain(&mut sub);
    assert_eq!(wire, b"\x04\x0f\x09SUBSCRIBEtopic");
    publ.handle_input(&wire, now).unwrap();
    sub.send(Msg::from_slice(b"\x01")).unwrap();
    // vectors/cmd_subscribe_all.bin
    let wire = drain(&mut sub);
    assert_eq!(wire, b"\x04\x0a\x09SUBSCRIBE");
    publ.handle_input(&wire, now).unwrap();
    sub.send(Msg::from_slice(b"\x00topic")).unwrap();
    // vectors/cmd_cancel_topic.bin
    let wire = drain(&mut sub);
    assert_eq!(wire, b"\x04\x0c\x06CANCELtopic");
    publ.handle_input(&wire, now).unwrap();
    let ev = events(&mut publ);
    let got: Vec<Vec<u8>> = ev
        .iter()
        .map(|e| match e {
            Event::Message(m) => {
                assert_eq!(m.property("Socket-Type").unwrap().to_bytes(), b"SUB");
                m.data().to_vec()
            }
            _ => panic!(),
        })
        .collect();
    assert_eq!(
        got,
        [
            b"\x01topic".to_vec(),
            b"\x01".to_vec(),
            b"\x00topic".to_vec()
        ]
    );

    // A 246-byte topic makes the command long: the LONG flag is set (4.3.5 fix).
    sub.send(Msg::from_slice(&[1u8; 247])).unwrap();
    let wire = drain(&mut sub);
    assert_eq!(wire[..9], [0x06, 0, 0, 0, 0, 0, 0, 1, 0]);
    publ.handle_input(&wire, now).unwrap();
    assert_eq!(messages(&mut publ), [(vec![1u8; 247], false)]);

    // Inside a multipart message the bytes go as data.
    let mut m = Msg::from_slice(b"\x01x");
    m.set_more(true);
    sub.send(m).unwrap();
    sub.send(Msg::from_slice(b"\x01y")).unwrap();
    assert_eq!(drain(&mut sub), b"\x01\x02\x01x\x00\x02\x01y");
}

#[test]
fn sub_to_zmtp30_pub_uses_data_frames() {
    let now = Instant::now();
    let (mut sub, out, r) = scripted(
        cfg(socket_type::SUB),
        &peer_stream(socket_type::PUB, 0),
        now,
    );
    r.unwrap();
    assert_eq!(
        &out[..12],
        &encode_greeting(0, "NULL")[..12],
        "we still send 3.1"
    );
    assert_eq!(sub.peer_version(), (3, 0));
    sub.send(Msg::from_slice(b"\x01topic")).unwrap();
    // vectors/zmtp30_subscribe_topic.bin
    assert_eq!(drain(&mut sub), b"\x00\x06\x01topic");
    sub.send(Msg::from_slice(b"\x00topic")).unwrap();
    // vectors/zmtp30_unsubscribe_topic.bin
    assert_eq!(drain(&mut sub), b"\x00\x06\x00topic");
}

#[test]
fn pub_takes_subscriptions_in_data_form_too_and_ignores_them_for_others() {
    let now = Instant::now();
    let mut s = peer_stream(socket_type::SUB, 0);
    s.extend(data(false, b"\x01topic"));
    let (mut publ, _, r) = scripted(cfg(socket_type::PUB), &s, now);
    r.unwrap();
    assert_eq!(messages(&mut publ), [(b"\x01topic".to_vec(), false)]);
    // A SUBSCRIBE command to a non-publisher is dropped.
    let mut s = peer_stream(socket_type::PAIR, 1);
    s.extend(cmd(b"\x09SUBSCRIBEx"));
    s.extend(cmd(b"\x05HELLO"));
    s.extend(cmd(b"\x05READY"));
    let (mut pair, _, r) = scripted(cfg(socket_type::PAIR), &s, now);
    r.unwrap();
    assert!(messages(&mut pair).is_empty());
}

#[test]
fn ping_gets_pong_and_ttl_arms_a_deadline() {
    let now = Instant::now();
    let (mut c, _, r) = scripted(
        cfg(socket_type::DEALER),
        &peer_stream(socket_type::ROUTER, 1),
        now,
    );
    r.unwrap();
    assert_eq!(c.poll_timeout(), None);
    // A 20-byte context is echoed cut to 16 bytes: vectors/cmd_pong_ctx16.bin.
    let mut ping = command::ping_body(15).to_vec();
    ping.extend(0u8..20);
    c.handle_input(&cmd(&ping), now).unwrap();
    let mut pong = vec![0x04, 0x15, 0x04, b'P', b'O', b'N', b'G'];
    pong.extend(0u8..16);
    assert_eq!(drain(&mut c), pong);
    // vectors/cmd_ping_ttl15.bin gets vectors/cmd_pong_empty.bin.
    c.handle_input(b"\x04\x07\x04PING\x00\x0f", now).unwrap();
    assert_eq!(drain(&mut c), b"\x04\x05\x04PONG");
    assert_eq!(c.poll_timeout(), Some(now + Duration::from_millis(1500)));
    // Any frame cancels the TTL.
    c.handle_input(&data(false, b"x"), now + T).unwrap();
    assert_eq!(c.poll_timeout(), None);
    // Expiry kills the connection.
    c.handle_input(b"\x04\x07\x04PING\x00\x0f", now).unwrap();
    c.handle_timeout(now + Duration::from_millis(1499)).unwrap();
    assert_eq!(
        c.handle_timeout(now + Duration::from_millis(1500)),
        Err(Error::HeartbeatTimeout)
    );
    assert!(Error::HeartbeatTimeout.is_timeout());
    // A PING flood while we cannot write does not grow the output without bound.
    let (mut c, _, _) = scripted(
        cfg(socket_type::DEALER),
        &peer_stream(socket_type::ROUTER, 1),
        now,
    );
    let flood: Vec<u8> = std::iter::repeat_n(cmd(&command::ping_body(0)), 100_000)
        .flatten()
        .collect();
    c.handle_input(&flood, now).unwrap();
    assert!(c.pending_output_len() <= Config::default().out_batch_size + 16);
    // A PING too short for its TTL is dropped, not answered with stale bytes.
    let (mut c, _, _) = scripted(
        cfg(socket_type::DEALER),
        &peer_stream(socket_type::ROUTER, 1),
        now,
    );
    events(&mut c);
    c.handle_input(b"\x04\x05\x04PING", now).unwrap();
    assert!(drain(&mut c).is_empty());
    assert!(c.poll_event().is_none());
}

#[test]
fn heartbeats_ping_and_time_out() {
    let now = Instant::now();
    let mut hb = cfg(socket_type::DEALER);
    hb.heartbeat_ivl = Some(Duration::from_secs(1));
    hb.heartbeat_ttl = Some(Duration::from_millis(1500));
    hb.heartbeat_timeout = Some(Duration::from_millis(500));
    let (mut a, mut b) = connected(hb.clone(), cfg(socket_type::DEALER), now);
    let t1 = now + Duration::from_secs(1);
    assert_eq!(a.poll_timeout(), Some(t1));
    a.handle_timeout(t1).unwrap();
    // vectors/cmd_ping_ttl15.bin
    let ping = drain(&mut a);
    assert_eq!(ping, b"\x04\x07\x04PING\x00\x0f");
    assert_eq!(a.poll_timeout(), Some(t1 + Duration::from_millis(500)));
    // The peer answers: the timeout is cancelled, the next PING is due at 2 s.
    b.handle_input(&ping, t1).unwrap();
    assert_eq!(b.poll_timeout(), Some(t1 + Duration::from_millis(1500)));
    a.handle_input(&drain(&mut b), t1 + T).unwrap();
    assert_eq!(a.poll_timeout(), Some(t1 + Duration::from_secs(1)));
    // Now silence: the PING at 2 s is followed by a timeout at 2.5 s.
    let t2 = t1 + Duration::from_secs(1);
    a.handle_timeout(t2).unwrap();
    assert_eq!(drain(&mut a), ping);
    assert_eq!(
        a.handle_timeout(t2 + Duration::from_millis(500)),
        Err(Error::HeartbeatTimeout)
    );
    assert_eq!(a.poll_timeout(), None);
    assert!(!a.wants_input());
    assert_eq!(a.handle_input(b"x", t2), Err(Error::HeartbeatTimeout));

    // Without an explicit timeout it equals the interval.
    hb.heartbeat_timeout = None;
    let (mut a, _) = connected(hb, cfg(socket_type::DEALER), now);
    a.handle_timeout(t1).unwrap();
    assert_eq!(a.poll_timeout(), Some(t1 + Duration::from_secs(1)));
}

#[test]
fn handshake_times_out() {
    let now = Instant::now();
    let mut c = cfg(socket_type::DEALER);
    c.handshake_ivl = Some(Duration::from_millis(100));
    let mut conn = Connection::new(c.clone(), now);
    assert_eq!(conn.poll_timeout(), Some(now + Duration::from_millis(100)));
    conn.handle_input(&v3_greeting("NULL", 1), now).unwrap();
    conn.handle_timeout(now + Duration::from_millis(99))
        .unwrap();
    let e = conn
        .handle_timeout(now + Duration::from_millis(100))
        .unwrap_err();
    assert_eq!(e, Error::HandshakeTimeout);
    assert!(e.is_timeout());
    assert_eq!(e.protocol_error_code(), None);
    // Disabled with zero.
    c.handshake_ivl = Some(Duration::ZERO);
    assert_eq!(Connection::new(c, now).poll_timeout(), None);
}

#[test]
fn legacy_peers_are_out_of_the_handshake_timer_after_their_greeting() {
    let now = Instant::now();
    let mut c = cfg(socket_type::ROUTER);
    c.handshake_ivl = Some(Duration::from_millis(100));
    let mut v2 = greeting::signature(0).to_vec();
    v2.extend([1, socket_type::DEALER as u8]);
    let late = now + Duration::from_secs(10);
    // Half a greeting is still timed; any first byte but FF is a whole one (1.0).
    for (peer, half) in [(&v2[..], 5), (&b"GET / HTTP/1.1\r\n"[..], 0)] {
        let mut conn = Connection::new(c.clone(), now);
        conn.handle_input(&peer[..half], now).unwrap();
        assert_eq!(conn.poll_timeout(), Some(now + Duration::from_millis(100)));
        conn.handle_input(&peer[half..], now).unwrap();
        assert!(!conn.is_ready(), "no identity frame yet");
        assert_eq!(conn.poll_timeout(), None);
        conn.handle_timeout(late).unwrap();
    }
}

#[test]
fn maxmsgsize_fails_before_allocating() {
    let now = Instant::now();
    let mut c = cfg(socket_type::PULL);
    c.maxmsgsize = 1000;
    let (mut conn, _, r) = scripted(c.clone(), &peer_stream(socket_type::PUSH, 1), now);
    r.unwrap();
    conn.handle_input(&data(false, &[0u8; 1000]), now).unwrap();
    assert_eq!(messages(&mut conn).len(), 1);
    // The header of a 1 GiB frame alone is enough to fail.
    let header = [0x02, 0, 0, 0, 0, 0x40, 0, 0, 0];
    let e = conn.handle_input(&header, now).unwrap_err();
    assert_eq!(e, Error::MessageTooLarge);
    assert_eq!(e.errno(), crate::error::Errno(libc::EMSGSIZE));
    // Before the handshake frames are bounded whatever the option says.
    let mut s = v3_greeting("NULL", 1);
    s.extend([0x06, 0, 0, 0, 0, 0, 0x01, 0, 1]);
    let (_, _, r) = scripted(cfg(socket_type::PULL), &s, now);
    assert_eq!(r, Err(Error::MessageTooLarge));
    // CVE-2019-6250: a size near 2^64 after the handshake, no limit set.
    let (mut conn, _, _) = scripted(
        cfg(socket_type::PULL),
        &peer_stream(socket_type::PUSH, 1),
        now,
    );
    let e = conn.handle_input(&[0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00], now);
    assert_eq!(e, Err(Error::OutOfMemory));
}

#[test]
fn malformed_peers_get_the_right_error() {
    let now = Instant::now();
    let strict = Config {
        allow_legacy: false,
        ..cfg(socket_type::DEALER)
    };
    // Bad signature.
    let (_, _, r) = scripted(strict.clone(), b"GET / HTTP/1.1\r\n\r\n", now);
    assert_eq!(r, Err(Error::BadSignature));
    // Unsupported version (ZMTP 2.0 while the fallback is off).
    let mut g = greeting::signature(0).to_vec();
    g.extend([1, 5]);
    let (_, out, r) = scripted(strict, &g, now);
    assert_eq!(r, Err(Error::UnsupportedVersion(1)));
    assert_eq!(out.len(), 11, "no socket-type byte was sent");
    // Unknown / other mechanism.
    for mech in ["FOO", "CURVE", "NUL", "NULL\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0X"] {
        let (_, out, r) = scripted(cfg(socket_type::DEALER), &v3_greeting(mech, 1), now);
        let e = r.unwrap_err();
        assert_eq!(e, Error::MechanismMismatch, "{mech}");
        assert_eq!(
            e.protocol_error_code(),
            Some(crate::constants::ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
        );
        assert_eq!(out.len(), 64, "no READY after a mismatch");
    }
    // Malformed READY properties: truncated, then one stray byte.
    let mut s = v3_greeting("NULL", 1);
    s.extend(cmd(b"\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALE"));
    let (_, _, r) = scripted(cfg(socket_type::DEALER), &s, now);
    assert_eq!(r, Err(Error::InvalidMetadata));
    let mut s = v3_greeting("NULL", 1);
    s.extend(cmd(b"\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER\x00"));
    let (_, _, r) = scripted(cfg(socket_type::DEALER), &s, now);
    assert_eq!(r, Err(Error::InvalidMetadata));
    // Incompatible socket type.
    let (_, _, r) = scripted(
        cfg(socket_type::DEALER),
        &peer_stream(socket_type::PUB, 1),
        now,
    );
    let e = r.unwrap_err();
    assert_eq!(e, Error::IncompatibleSocketType(b"PUB".to_vec()));
    assert_eq!(e.protocol_error_code(), None);
    // A command before the handshake is done.
    let mut s = v3_greeting("NULL", 1);
    s.extend(cmd(&command::ping_body(0)));
    let (_, _, r) = scripted(cfg(socket_type::DEALER), &s, now);
    let e = r.unwrap_err();
    assert_eq!(e, Error::UnexpectedCommand);
    assert_eq!(
        e.protocol_error_code(),
        Some(crate::constants::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND)
    );
    // Data before READY is parsed as a command too.
    let mut s = v3_greeting("NULL", 1);
    s.extend(data(false, b"hello"));
    let (_, _, r) = scripted(cfg(socket_type::DEALER), &s, now);
    assert_eq!(r, Err(Error::UnexpectedCommand));
    // ...and so a READY in a data frame is accepted, as libzmq does.
    let mut s = v3_greeting("NULL", 1);
    s.extend(data(
        false,
        &null::ready_body(socket_type::ROUTER, b"", &[]),
    ));
    let (c, _, r) = scripted(cfg(socket_type::DEALER), &s, now);
    r.unwrap();
    assert!(c.is_ready());
    // ERROR from the peer: vectors/null_error_400.bin.
    let mut s = v3_greeting("NULL", 1);
    s.extend(b"\x04\x0a\x05ERROR\x03400");
    let (c, _, r) = scripted(cfg(socket_type::DEALER), &s, now);
    let e = r.unwrap_err();
    assert_eq!(e, Error::PeerError(b"400".to_vec()));
    assert_eq!(e.auth_failure_status(), Some(400));
    assert!(!e.is_timeout());
    assert_eq!(c.error(), Some(&e));
    assert_eq!(
        Error::PeerError(b"401".to_vec()).auth_failure_status(),
        None
    );
    // Malformed ERROR.
    let mut s = v3_greeting("NULL", 1);
    s.extend(cmd(b"\x05ERROR\x09400"));
    let (_, _, r) = scripted(cfg(socket_type::DEALER), &s, now);
    assert_eq!(r, Err(Error::MalformedError));
}

#[test]
fn errors_are_sticky_and_earlier_messages_survive() {
    let now = Instant::now();
    let mut s = peer_stream(socket_type::PUSH, 1);
    s.extend(data(false, b"kept"));
    s.extend([0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    let mut c = cfg(socket_type::PULL);
    c.maxmsgsize = 100;
    let (mut conn, _, r) = scripted(c, &s, now);
    assert_eq!(r, Err(Error::MessageTooLarge));
    assert_eq!(messages(&mut conn), [(b"kept".to_vec(), false)]);
    assert_eq!(conn.handle_input(b"", now), Err(Error::MessageTooLarge));
    assert_eq!(conn.handle_timeout(now), Err(Error::MessageTooLarge));
    assert!(conn.send(Msg::from_slice(b"x")).is_err());
}

#[test]
fn truncated_frames_just_wait() {
    let now = Instant::now();
    let (mut conn, _, r) = scripted(
        cfg(socket_type::PULL),
        &peer_stream(socket_type::PUSH, 1),
        now,
    );
    r.unwrap();
    events(&mut conn);
    let f = data(false, &[3u8; 500]);
    for cut in [1, 2, 5, 9, 100, f.len() - 1] {
        conn.handle_input(&f[..cut], now).unwrap();
        assert!(conn.poll_event().is_none());
        conn.handle_input(&f[cut..], now).unwrap();
        assert_eq!(messages(&mut conn), [(vec![3u8; 500], false)]);
    }
    // A greeting cut short waits too.
    let (mut c, _, r) = scripted(cfg(socket_type::PULL), &v3_greeting("NULL", 1)[..63], now);
    r.unwrap();
    assert!(c.poll_event().is_none());
    assert!(!c.is_ready());
}

#[test]
fn one_mebibyte_message_in_one_byte_reads() {
    let now = Instant::now();
    let (mut a, mut b) = connected(cfg(socket_type::PUSH), cfg(socket_type::PULL), now);
    let body: Vec<u8> = (0..1usize << 20).map(|i| (i * 7 % 251) as u8).collect();
    a.send(Msg::from_slice(&body)).unwrap();
    // Large bodies are written from the message itself.
    let mut slices = [IoSlice::new(&[]); 4];
    assert_eq!(a.pending_output_vectored(&mut slices), 2);
    assert_eq!(slices[0].len(), 9);
    let wire = drain(&mut a);
    assert_eq!(wire.len(), 9 + body.len());
    for byte in wire.chunks(1) {
        b.handle_input(byte, now).unwrap();
    }
    let ev = events(&mut b);
    assert_eq!(ev.len(), 1);
    let Event::Message(m) = &ev[0] else { panic!() };
    assert!(m.data() == &body[..]);
}

#[test]
fn back_pressure_both_ways() {
    let now = Instant::now();
    let mut c = cfg(socket_type::PUSH);
    c.out_batch_size = 100;
    let mut conn = Connection::new(c, now);
    assert!(
        conn.send(Msg::from_slice(b"early")).is_err(),
        "refused before the handshake"
    );
    conn.handle_input(&peer_stream(socket_type::PULL, 1), now)
        .unwrap();
    assert!(!conn.wants_input(), "HandshakeSucceeded waits");
    assert!(matches!(conn.poll_event(), Some(Event::HandshakeSucceeded)));
    assert!(conn.wants_input());
    drain(&mut conn);
    let mut sent = 0;
    while conn.send(Msg::from_slice(&[0u8; 30])).is_ok() {
        sent += 1;
    }
    assert_eq!(sent, 4);
    let refused = conn.send(Msg::from_slice(b"back")).unwrap_err();
    assert_eq!(refused.data(), b"back");
    conn.consume_output(64);
    assert!(conn.can_send());
}

#[test]
fn zmtp20_peer() {
    let now = Instant::now();
    let mut c = cfg(socket_type::DEALER);
    c.routing_id = b"abc".to_vec();
    // An emulated 2.0 ROUTER: signature, revision 01, socket type 6, identity, a message.
    let mut peer = greeting::signature(0).to_vec();
    peer.extend([0x01, 0x06]);
    peer.extend(data(false, b"xyz"));
    peer.extend(data(true, b"hi"));
    peer.extend(cmd(b"\x04PING\x00\x01"));
    peer.extend(data(false, b"there"));
    for chunk in [1, 5, 11, 12, 13, peer.len()] {
        let mut conn = Connection::new(c.clone(), now);
        for piece in peer.chunks(chunk) {
            conn.handle_input(piece, now).unwrap();
        }
        // vectors/zmtp20_greeting_dealer_abc.bin
        let out = drain(&mut conn);
        assert_eq!(
            out,
            b"\xff\x00\x00\x00\x00\x00\x00\x00\x04\x7f\x03\x05\x00\x03abc"
        );
        assert_eq!(conn.peer_version(), (2, 0));
        assert_eq!(conn.peer_routing_id(), Some(&b"xyz"[..]));
        assert_eq!(conn.peer_socket_type(), Some(socket_type::ROUTER));
        let ev = events(&mut conn);
        assert!(matches!(ev[0], Event::HandshakeSucceeded));
        let msgs: Vec<_> = ev[1..]
            .iter()
            .map(|e| match e {
                Event::Message(m) => {
                    assert!(
                        m.metadata().is_none(),
                        "libzmq has no metadata for 2.0 peers"
                    );
                    (m.data().to_vec(), m.more())
                }
                _ => panic!(),
            })
            .collect();
        assert_eq!(msgs, [(b"hi".to_vec(), true), (b"there".to_vec(), false)]);
        assert_eq!(conn.poll_timeout(), None);
    }
}

#[test]
fn zmtp10_peer() {
    let now = Instant::now();
    let mut c = cfg(socket_type::DEALER);
    c.routing_id = b"abc".to_vec();
    // An emulated 1.0 peer: identity "xyz" as a v1 frame, then "hi".
    let peer = b"\x04\x00xyz\x03\x00hi";
    for chunk in 1..=peer.len() {
        let mut conn = Connection::new(c.clone(), now);
        for piece in peer.chunks(chunk) {
            conn.handle_input(piece, now).unwrap();
        }
        assert_eq!(conn.peer_version(), (1, 0));
        assert_eq!(conn.peer_routing_id(), Some(&b"xyz"[..]));
        assert_eq!(messages(&mut conn), [(b"hi".to_vec(), false)]);
        let mut m1 = Msg::from_slice(b"m1");
        m1.set_more(true);
        conn.send(m1).unwrap();
        conn.send(Msg::from_slice(b"m2")).unwrap();
        // vectors/zmtp10_dealer_abc_prefix_and_msg.bin
        assert_eq!(
            drain(&mut conn),
            b"\xff\x00\x00\x00\x00\x00\x00\x00\x04\x7f\x61\x62\x63\x03\x01m1\x03\x00m2"
        );
    }
    // A 1.0 peer using the long identity header (flags byte with bit 0 clear).
    let mut peer = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 4, 0x00];
    peer.extend(b"xyz\x03\x01hi");
    let (mut conn, _, r) = scripted(cfg(socket_type::PUB), &peer, now);
    r.unwrap();
    assert_eq!(conn.peer_routing_id(), Some(&b"xyz"[..]));
    // PUB injects a subscribe-all for 2.x subscribers.
    assert_eq!(
        messages(&mut conn),
        [(vec![1u8], false), (b"hi".to_vec(), true)]
    );
    // A zero length is a protocol error.
    let (_, _, r) = scripted(cfg(socket_type::PULL), b"\x01\x00\x00", now);
    assert_eq!(r, Err(Error::InvalidFrame));
}

#[test]
fn zmtp10_with_signature_revision_0() {
    let now = Instant::now();
    let mut c = cfg(socket_type::PUSH);
    c.routing_id = b"id".to_vec();
    let mut peer = greeting::signature(0).to_vec();
    peer.extend([0x00, 0x07]);
    peer.extend(b"\x01\x00\x03\x00hi");
    let (mut conn, out, r) = scripted(c, &peer, now);
    r.unwrap();
    assert_eq!(&out[10..], b"\x03\x08\x03\x00id");
    assert_eq!(conn.peer_version(), (1, 0));
    assert_eq!(conn.peer_routing_id(), Some(&b""[..]));
    assert_eq!(messages(&mut conn), [(b"hi".to_vec(), false)]);
}

#[test]
fn revisions_2_and_4_are_handled_as_31() {
    let now = Instant::now();
    for rev in [2u8, 4, 0xff] {
        let mut s = peer_stream(socket_type::PUB, 1);
        s[10] = rev;
        let (mut conn, _, r) = scripted(cfg(socket_type::SUB), &s, now);
        r.unwrap();
        assert_eq!(conn.peer_version(), (3, 1));
        conn.send(Msg::from_slice(b"\x01a")).unwrap();
        assert_eq!(drain(&mut conn), b"\x04\x0b\x09SUBSCRIBEa");
    }
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn fuzz_random_and_mutated_streams_never_panic() {
    let now = Instant::now();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut valid = peer_stream(socket_type::DEALER, 1);
    valid.extend(data(true, b"frame"));
    valid.extend(cmd(b"\x04PING\x00\x05ctx"));
    valid.extend(cmd(b"\x09SUBSCRIBEt"));
    valid.extend(data(false, &[1u8; 300]));
    let types = [
        socket_type::DEALER,
        socket_type::ROUTER,
        socket_type::PUB,
        socket_type::XSUB,
        socket_type::PAIR,
    ];
    for round in 0..3000 {
        let stream: Vec<u8> = match round % 4 {
            // Pure noise, with a signature-like prefix half the time.
            0 => {
                let mut s = if rng.below(2) == 0 {
                    greeting::signature(rng.below(4)).to_vec()
                } else {
                    Vec::new()
                };
                s.extend((0..rng.below(400)).map(|_| rng.next() as u8));
                s
            }
            // A valid stream with a few bytes flipped.
            1 | 2 => {
                let mut s = valid.clone();
                for _ in 0..1 + rng.below(4) {
                    let i = rng.below(s.len());
                    s[i] = rng.next() as u8;
                }
                s
            }
            // A valid prefix followed by noise.
            _ => {
                let mut s = valid[..rng.below(valid.len())].to_vec();
                s.extend((0..rng.below(200)).map(|_| rng.next() as u8));
                s
            }
        };
        let mut c = cfg(types[rng.below(types.len())]);
        c.allow_legacy = rng.below(3) != 0;
        c.heartbeat_ivl = Some(Duration::from_millis(10));
        c.maxmsgsize = if rng.below(2) == 0 { -1 } else { 256 };
        let mut conn = Connection::new(c, now);
        let mut rest = &stream[..];
        let mut t = now;
        while !rest.is_empty() {
            let n = 1 + rng.below(70).min(rest.len() - 1);
            let (piece, tail) = rest.split_at(n);
            rest = tail;
            let _ = conn.handle_input(piece, t);
            while conn.poll_event().is_some() {}
            if rng.below(8) == 0 {
                let _ = conn.send(Msg::from_slice(b"\x01out"));
            }
            if rng.below(8) == 0 {
                t += Duration::from_millis(rng.below(20) as u64);
                let _ = conn.handle_timeout(t);
            }
            let out = conn.pending_output().len();
            conn.consume_output(rng.below(out + 2));
        }
    }
}

/// Throughput sanity check: `cargo test --release --lib zmtp -- --ignored --nocapture`.
#[test]
#[ignore]
fn throughput() {
    let now = Instant::now();
    let (mut a, mut b) = connected(cfg(socket_type::PUSH), cfg(socket_type::PULL), now);
    for size in [10usize, 1000, 65536] {
        let count = (200_000_000 / (size + 100)).min(2_000_000);
        let body = vec![5u8; size];
        let start = Instant::now();
        let mut wire = Vec::new();
        let mut received = 0;
        let mut sent = 0;
        while received < count {
            while sent < count && a.send(Msg::from_slice(&body)).is_ok() {
                sent += 1;
            }
            wire.clear();
            loop {
                let n = {
                    let p = a.pending_output();
                    wire.extend_from_slice(p);
                    p.len()
                };
                if n == 0 {
                    break;
                }
                a.consume_output(n);
            }
            for piece in wire.chunks(65536) {
                b.handle_input(piece, now).unwrap();
                while let Some(e) = b.poll_event() {
                    if let Event::Message(_) = e {
                        received += 1;
                    }
                }
            }
        }
        let el = start.elapsed();
        println!(
            "{size:>6} B: {:>6.0} kmsg/s, {:>7.0} MB/s",
            count as f64 / el.as_secs_f64() / 1e3,
            (count * size) as f64 / el.as_secs_f64() / 1e6
        );
    }
}

fn zap_reply(status: &[u8], user: &[u8], metadata: &[u8]) -> Vec<Msg> {
    let parts: [&[u8]; 7] = [b"", b"1.0", b"1", status, b"", user, metadata];
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut m = Msg::from_slice(p);
            m.set_more(i < 6);
            m
        })
        .collect()
}

/// A server with a ZAP domain holds its READY until the handler answers; on 200 the
/// handler's User-Id and properties join the connection's metadata.
#[test]
fn zap_holds_ready_until_the_handler_approves() {
    let now = Instant::now();
    let mut server_cfg = cfg(socket_type::DEALER);
    server_cfg.zap_domain = b"dom".to_vec();
    server_cfg.peer_address = "127.0.0.1".into();
    let mut s = Connection::new(server_cfg, now);
    let mut c = Connection::new(cfg(socket_type::DEALER), now);
    pump(&mut s, &mut c, 4096, now);
    let ev = events(&mut s);
    let [Event::ZapRequest(req)] = &ev[..] else {
        panic!("{ev:?}")
    };
    assert_eq!(req[2], b"dom");
    assert_eq!(req[3], b"127.0.0.1");
    assert_eq!(req[5], b"NULL");
    assert!(
        !s.is_ready() && !c.is_ready(),
        "no READY from the server yet"
    );

    s.zap_reply(
        &zap_reply(b"200", b"alice", b"\x05Hello\x00\x00\x00\x05World"),
        now,
    )
    .unwrap();
    pump(&mut s, &mut c, 4096, now);
    assert!(s.is_ready() && c.is_ready());
    let md = s.metadata().unwrap();
    assert_eq!(md.get("User-Id").unwrap().to_bytes(), b"alice");
    assert_eq!(md.get("Hello").unwrap().to_bytes(), b"World");
}

/// 400 refuses the peer with an ERROR command carrying the status; 300 says nothing.
#[test]
fn zap_refusal_ends_the_handshake() {
    for (status, tells_peer) in [(&b"400"[..], true), (&b"300"[..], false)] {
        let now = Instant::now();
        let mut server_cfg = cfg(socket_type::DEALER);
        server_cfg.zap_domain = b"dom".to_vec();
        let mut s = Connection::new(server_cfg, now);
        let mut c = Connection::new(cfg(socket_type::DEALER), now);
        pump(&mut s, &mut c, 4096, now);
        let _ = events(&mut s);
        let err = s.zap_reply(&zap_reply(status, b"", b""), now).unwrap_err();
        assert_eq!(
            err.auth_failure_status(),
            Some(i32::from(status[0] - b'0') * 100)
        );
        let out = s.pending_output().to_vec();
        assert_eq!(out.windows(6).any(|w| w == b"\x05ERROR"), tells_peer);
        if tells_peer {
            assert!(c.handle_input(&out, now).is_err());
            assert_eq!(c.error().unwrap().auth_failure_status(), Some(400));
        }
    }
}

fn plain(server: bool) -> Config {
    let mut c = cfg(socket_type::DEALER);
    c.mechanism = crate::zmtp::Mechanism::Plain {
        server,
        username: b"admin".to_vec(),
        password: b"secret".to_vec(),
    };
    c
}

/// PLAIN: HELLO carries the credentials to the server's ZAP request; WELCOME,
/// INITIATE and READY follow the handler's 200; the User-Id it gave is metadata.
#[test]
fn plain_handshake_asks_zap_with_the_credentials() {
    let now = Instant::now();
    let mut s = Connection::new(plain(true), now);
    let mut c = Connection::new(plain(false), now);
    pump(&mut s, &mut c, 4096, now);
    let ev = events(&mut s);
    let [Event::ZapRequest(req)] = &ev[..] else {
        panic!("{ev:?}")
    };
    assert_eq!(req[5], b"PLAIN");
    assert_eq!((&req[6][..], &req[7][..]), (&b"admin"[..], &b"secret"[..]));
    assert!(!c.is_ready());
    s.zap_reply(&zap_reply(b"200", b"admin", b""), now).unwrap();
    pump(&mut s, &mut c, 4096, now);
    assert!(s.is_ready() && c.is_ready());
    assert_eq!(
        s.metadata().unwrap().get("User-Id").unwrap().to_bytes(),
        b"admin"
    );
    assert_eq!(
        c.metadata().unwrap().get("Socket-Type").unwrap().to_bytes(),
        b"DEALER"
    );
}

/// Without a ZAP handler a PLAIN server cannot decide: the connection fails, as in
/// libzmq (HANDSHAKE_FAILED_NO_DETAIL, EFAULT).
#[test]
fn plain_server_without_zap_handler_fails() {
    let now = Instant::now();
    let mut s = Connection::new(plain(true), now);
    let mut c = Connection::new(plain(false), now);
    pump(&mut s, &mut c, 4096, now);
    let _ = events(&mut s);
    assert_eq!(s.zap_unavailable(now), Err(Error::NoZapHandler));
    assert_eq!(s.error(), Some(&Error::NoZapHandler));
}

fn curve(server: bool, own: ([u8; 32], [u8; 32]), server_key: [u8; 32]) -> Config {
    let mut c = cfg(socket_type::DEALER);
    c.mechanism = crate::zmtp::Mechanism::Curve {
        server,
        public: own.0,
        secret: own.1,
        server_key,
    };
    c
}

/// CURVE end to end: the server asks ZAP with the client's public key, then frames
/// travel sealed (no plaintext on the wire) and arrive with their MORE flags.
#[test]
fn curve_handshake_then_sealed_messages() {
    let now = Instant::now();
    let server_keys = crate::curve_keys::keypair().unwrap();
    let client_keys = crate::curve_keys::keypair().unwrap();
    let mut s = Connection::new(curve(true, server_keys, [0; 32]), now);
    let mut c = Connection::new(curve(false, client_keys, server_keys.0), now);
    pump(&mut s, &mut c, 4096, now);
    let ev = events(&mut s);
    let [Event::ZapRequest(req)] = &ev[..] else {
        panic!("{ev:?}")
    };
    assert_eq!(req[5], b"CURVE");
    assert_eq!(req[6], client_keys.0);
    s.zap_reply(&zap_reply(b"200", b"carol", b""), now).unwrap();
    pump(&mut s, &mut c, 4096, now);
    assert!(s.is_ready() && c.is_ready());
    assert!(matches!(events(&mut c)[..], [Event::HandshakeSucceeded]));
    assert!(matches!(events(&mut s)[..], [Event::HandshakeSucceeded]));
    assert_eq!(
        s.metadata().unwrap().get("User-Id").unwrap().to_bytes(),
        b"carol"
    );

    let mut first = Msg::from_slice(b"secret part");
    first.set_more(true);
    c.send(first).unwrap();
    c.send(Msg::from_slice(&[7u8; 5000])).unwrap();
    let wire = drain(&mut c);
    assert!(
        !wire.windows(11).any(|w| w == b"secret part"),
        "sent in clear"
    );
    s.handle_input(&wire, now).unwrap();
    assert_eq!(
        messages(&mut s),
        vec![(b"secret part".to_vec(), true), (vec![7u8; 5000], false)]
    );
}

/// A CURVE client with the wrong server key cannot get through the handshake.
#[test]
fn curve_with_the_wrong_server_key_fails() {
    let now = Instant::now();
    let server_keys = crate::curve_keys::keypair().unwrap();
    let other = crate::curve_keys::keypair().unwrap();
    let client_keys = crate::curve_keys::keypair().unwrap();
    let mut s = Connection::new(curve(true, server_keys, [0; 32]), now);
    let mut c = Connection::new(curve(false, client_keys, other.0), now);
    let mut failed = false;
    for _ in 0..10 {
        let a = drain(&mut c);
        let b = drain(&mut s);
        failed |= s.handle_input(&a, now).is_err() | c.handle_input(&b, now).is_err();
    }
    assert!(failed);
    assert!(!s.is_ready() && !c.is_ready());
}

/// What a well-behaved peer of `cfg` sends: a real transcript to mutate.
fn transcript(ours: Config, theirs: Config) -> Vec<u8> {
    let now = Instant::now();
    let mut a = Connection::new(ours, now);
    let mut b = Connection::new(theirs, now);
    let mut sent = Vec::new();
    for _ in 0..8 {
        let ab = drain(&mut a);
        let ba = drain(&mut b);
        sent.extend_from_slice(&ba);
        let _ = b.handle_input(&ab, now);
        let _ = a.handle_input(&ba, now);
        while let Some(ev) = b.poll_event() {
            if let Event::ZapRequest(_) = ev {
                let _ = b.zap_unavailable(now);
            }
        }
        let _ = events(&mut a);
    }
    let mut m = Msg::from_slice(b"payload");
    m.set_more(true);
    let _ = b.send(m);
    let _ = b.send(Msg::from_slice(&[3u8; 300]));
    sent.extend_from_slice(&drain(&mut b));
    sent
}

/// Feeds `input` in random chunks, answering ZAP and draining output as a session
/// would. Whatever the bytes, this must neither panic nor loop.
fn feed_hostile(cfg: Config, input: &[u8], rng: &mut Rng) {
    let now = Instant::now();
    let mut c = Connection::new(cfg, now);
    let mut rest = input;
    while !rest.is_empty() {
        let n = 1 + rng.below(rest.len().min(300));
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        let failed = c.handle_input(chunk, now).is_err();
        while let Some(ev) = c.poll_event() {
            match ev {
                Event::ZapRequest(_) if rng.below(2) == 0 => {
                    let _ = c.zap_reply(&zap_reply(b"200", b"u", b"\x01X\x00\x00\x00\x01y"), now);
                }
                Event::ZapRequest(_) => {
                    let _ = c.zap_unavailable(now);
                }
                _ => {}
            }
        }
        let _ = drain(&mut c);
        let _ = c.send(Msg::from_slice(b"reply"));
        let _ = c.handle_timeout(now + Duration::from_secs(60));
        if failed {
            return;
        }
    }
}

/// Hostile input for every mechanism (the NULL-only fuzz test above, extended to
/// PLAIN and CURVE with their ZAP paths): real transcripts with random bytes flipped,
/// cut, duplicated or inserted, and pure noise behind a valid greeting. The
/// connection must fail cleanly (an `Err`), never panic.
#[test]
fn hostile_bytes_never_panic() {
    let server_keys = crate::curve_keys::keypair().unwrap();
    let client_keys = crate::curve_keys::keypair().unwrap();
    let pairs: Vec<(Config, Config)> = vec![
        (cfg(socket_type::ROUTER), cfg(socket_type::DEALER)),
        (cfg(socket_type::PUB), cfg(socket_type::SUB)),
        (plain(true), plain(false)),
        (plain(false), plain(true)),
        (
            curve(true, server_keys, [0; 32]),
            curve(false, client_keys, server_keys.0),
        ),
        (
            curve(false, client_keys, server_keys.0),
            curve(true, server_keys, [0; 32]),
        ),
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for (ours, theirs) in pairs {
        let good = transcript(ours.clone(), theirs);
        for _ in 0..300 {
            let mut bad = good.clone();
            for _ in 0..1 + rng.below(8) {
                if bad.is_empty() {
                    break;
                }
                let at = rng.below(bad.len());
                match rng.below(4) {
                    0 => bad[at] ^= 1 << rng.below(8),
                    1 => bad[at] = rng.next() as u8,
                    2 => bad.truncate(at),
                    _ => {
                        let junk: Vec<u8> = (0..rng.below(40)).map(|_| rng.next() as u8).collect();
                        bad.splice(at..at, junk);
                    }
                }
            }
            feed_hostile(ours.clone(), &bad, &mut rng);
        }
        // Noise after a valid greeting.
        for _ in 0..100 {
            let mut bad = good[..good.len().min(64)].to_vec();
            bad.extend((0..rng.below(2000)).map(|_| rng.next() as u8));
            feed_hostile(ours.clone(), &bad, &mut rng);
        }
    }
}

#[cfg(feature = "draft")] // RADIO and DISH are draft socket types
#[test]
fn dish_joins_as_commands_and_radio_sends_group_frames() {
    let now = Instant::now();
    let (mut dish, mut radio) = connected(cfg(socket_type::DISH), cfg(socket_type::RADIO), now);
    dish.send(crate::zmtp::membership(true, b"TV")).unwrap();
    dish.send(crate::zmtp::membership(false, b"TV")).unwrap();
    // As libzmq 4.3.5's dish session writes them.
    let wire = drain(&mut dish);
    assert_eq!(wire, b"\x04\x07\x04JOINTV\x04\x08\x05LEAVETV");
    radio.handle_input(&wire, now).unwrap();
    let got: Vec<_> = events(&mut radio)
        .into_iter()
        .filter_map(|e| match e {
            Event::Message(m) => {
                Some(crate::zmtp::parse_membership(&m).map(|(j, g)| (j, g.to_vec())))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        got,
        [Some((true, b"TV".to_vec())), Some((false, b"TV".to_vec()))]
    );

    let mut m = Msg::from_slice(b"Friends");
    m.set_group(b"TV").unwrap();
    radio.send(m).unwrap();
    let wire = drain(&mut radio);
    assert_eq!(wire, b"\x01\x02TV\x00\x07Friends");
    dish.handle_input(&wire, now).unwrap();
    let got: Vec<_> = events(&mut dish)
        .into_iter()
        .filter_map(|e| match e {
            Event::Message(m) => Some((m.group().to_bytes().to_vec(), m.data().to_vec(), m.more())),
            _ => None,
        })
        .collect();
    assert_eq!(got, [(b"TV".to_vec(), b"Friends".to_vec(), false)]);
}

#[test]
fn dish_refuses_a_body_without_its_group_frame() {
    let now = Instant::now();
    let mut s = peer_stream(socket_type::RADIO, 1);
    s.extend(data(false, b"lonely body"));
    let (_, _, r) = scripted(cfg(socket_type::DISH), &s, now);
    assert!(r.is_err());
    let mut s = peer_stream(socket_type::RADIO, 1);
    s.extend(data(true, &[b'g'; 256]));
    s.extend(data(false, b"body"));
    let (_, _, r) = scripted(cfg(socket_type::DISH), &s, now);
    assert!(r.is_err());
}
