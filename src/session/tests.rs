//! Session tests by transcript: the session talks to a real sans-IO ZMTP peer
//! ([`zmtp::Connection`]) through a simulated stream, on a simulated clock, with the
//! socket's end of the pipe in the test's hands.

use super::*;
use crate::constants::*;
use crate::zmtp::Connection;

const MS: Duration = Duration::from_millis(1);

fn opts(socket_type: c_int) -> Options {
    Options {
        zmtp: zmtp::Config {
            socket_type,
            ..zmtp::Config::default()
        },
        reconnect_ivl: 100,
        reconnect_ivl_max: 0,
        reconnect_stop: 0,
        connect_timeout: 0,
        recv_routing_id: false,
        router_notify: 0,
        hello_msg: Vec::new(),
        disconnect_msg: Vec::new(),
        hiccup_msg: Vec::new(),
        pipe_config: pipe_cfg(),
    }
}

fn pipe_cfg() -> PipeConfig {
    PipeConfig {
        sndhwm: 1000,
        rcvhwm: 1000,
        conflate: false,
    }
}

fn stream_info() -> StreamInfo {
    StreamInfo {
        peer_address: "127.0.0.1".into(),
        fd: 7,
        endpoints: Endpoints {
            local: "tcp://127.0.0.1:40000".into(),
            remote: "tcp://127.0.0.1:5555".into(),
            bound: false,
        },
    }
}

/// A connecter with a persistent pipe; returns it with the socket's end.
fn connecter(o: Options) -> (Session, PipeEnd) {
    let (sock, sess) = pipe::pair(o.pipe_config, Some(o.pipe_config));
    let s = Session::connecter(
        Arc::new(o),
        "tcp://127.0.0.1:5555".into(),
        "tcp://127.0.0.1:5555".into(),
        None,
        Some(sess),
        Vec::new(),
    );
    (s, sock)
}

fn actions(s: &mut Session) -> Vec<Action> {
    std::iter::from_fn(|| s.poll_action()).collect()
}

/// The monitor events among `actions`, as (event, value).
fn events(actions: &[Action]) -> Vec<(c_int, u64)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Event { event, value, .. } => Some((*event, *value)),
            _ => None,
        })
        .collect()
}

fn has(actions: &[Action], f: impl Fn(&Action) -> bool) -> bool {
    actions.iter().any(f)
}

fn is_connect(a: &Action) -> bool {
    matches!(a, Action::Connect)
}

fn is_close(a: &Action) -> bool {
    matches!(a, Action::CloseStream { .. })
}

fn msg(data: &[u8], more: bool) -> Msg {
    let mut m = Msg::from_slice(data);
    m.set_more(more);
    m
}

/// The session's pending output, all of it, as if the kernel took every byte.
fn written(s: &mut Session, now: Instant) -> Vec<u8> {
    let mut all = Vec::new();
    loop {
        let n = {
            let mut slices = [IoSlice::new(&[]); 16];
            let k = s.pending_output_vectored(&mut slices);
            let mut n = 0;
            for sl in &slices[..k] {
                all.extend_from_slice(sl);
                n += sl.len();
            }
            n
        };
        if n == 0 {
            return all;
        }
        s.consume_output(n, now);
    }
}

fn drain_peer(p: &mut Connection) -> Vec<u8> {
    let mut all = Vec::new();
    loop {
        let n = {
            let out = p.pending_output();
            all.extend_from_slice(out);
            out.len()
        };
        if n == 0 {
            return all;
        }
        p.consume_output(n);
    }
}

/// Moves bytes both ways until both sides are quiet (or the peer gave up on us).
fn exchange(s: &mut Session, peer: &mut Connection, now: Instant) {
    loop {
        let out = written(s, now);
        // The peer may refuse us (protocol errors are tested that way): what it sent
        // before still reaches us.
        let refused = !out.is_empty() && peer.handle_input(&out, now).is_err();
        let back = drain_peer(peer);
        if out.is_empty() && back.is_empty() {
            return;
        }
        if !back.is_empty() && s.input_wanted() > 0 {
            s.handle_input(&back, now);
        }
        if refused {
            return;
        }
    }
}

/// What the peer received, as (body, more).
fn received(peer: &mut Connection) -> Vec<(Vec<u8>, bool)> {
    std::iter::from_fn(|| peer.poll_event())
        .filter_map(|e| match e {
            zmtp::Event::Message(m) => Some((m.data().to_vec(), m.more())),
            _ => None,
        })
        .collect()
}

fn peer(socket_type: c_int, now: Instant) -> Connection {
    Connection::new(
        zmtp::Config {
            socket_type,
            ..zmtp::Config::default()
        },
        now,
    )
}

/// Takes the session from its first action to a completed handshake with `peer`.
fn connect(s: &mut Session, peer: &mut Connection, now: Instant) -> Vec<Action> {
    let mut all = actions(s);
    s.connect_started(now, true);
    s.connected(now, stream_info());
    exchange(s, peer, now);
    all.extend(actions(s));
    all
}

#[test]
fn connecter_events_and_queued_messages_reach_the_peer() {
    let now = Instant::now();
    let (mut s, mut sock) = connecter(opts(ZMQ_PUSH));
    // Queued before any connection exists.
    sock.write(msg(b"one", false));
    sock.write(msg(b"two", true));
    sock.write(msg(b"three", false));
    assert_eq!(s.state(), State::Connecting);
    let mut p = peer(ZMQ_PULL, now);
    let a = connect(&mut s, &mut p, now);
    assert!(is_connect(&a[0]));
    assert_eq!(
        events(&a),
        [
            (ZMQ_EVENT_CONNECT_DELAYED, libc::EINPROGRESS as u64),
            (ZMQ_EVENT_CONNECTED, 7),
            (ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0),
        ]
    );
    assert_eq!(s.state(), State::Up);
    assert_eq!(
        received(&mut p),
        [
            (b"one".to_vec(), false),
            (b"two".to_vec(), true),
            (b"three".to_vec(), false)
        ]
    );
    // And the other way.
    p.send(msg(b"back", false)).unwrap();
    exchange(&mut s, &mut p, now);
    s.flush_pipe();
    let PipeRead::Msg(m) = sock.read() else {
        panic!("nothing delivered")
    };
    assert_eq!(m.data(), b"back");
}

#[test]
fn refused_connects_back_off_up_to_the_maximum() {
    let t0 = Instant::now();
    let mut o = opts(ZMQ_PUSH);
    o.reconnect_ivl = 100;
    o.reconnect_ivl_max = 350;
    let (mut s, _sock) = connecter(o);
    let _ = actions(&mut s);
    let mut now = t0;
    let mut delays = Vec::new();
    for _ in 0..4 {
        s.connect_started(now, true);
        s.connect_failed(now, true);
        let a = actions(&mut s);
        let ev = events(&a);
        assert_eq!(ev[1].0, ZMQ_EVENT_CLOSED, "{ev:?}");
        assert_eq!(ev[2].0, ZMQ_EVENT_CONNECT_RETRIED);
        delays.push(ev[2].1);
        assert_eq!(s.state(), State::Backoff);
        let due = s.poll_timeout().unwrap();
        assert_eq!(due - now, Duration::from_millis(ev[2].1));
        // Nothing happens before the deadline.
        s.handle_timeout(due - MS);
        assert!(actions(&mut s).is_empty());
        s.handle_timeout(due);
        assert!(is_connect(&actions(&mut s)[0]));
        now = due;
    }
    assert_eq!(delays, [100, 200, 350, 350]);
}

#[test]
fn a_successful_connection_resets_the_backoff() {
    let now = Instant::now();
    let mut o = opts(ZMQ_DEALER);
    o.reconnect_ivl_max = 1000;
    let (mut s, _sock) = connecter(o);
    let _ = actions(&mut s);
    s.connect_started(now, true);
    s.connect_failed(now, false);
    s.handle_timeout(now + 100 * MS);
    let mut p = peer(ZMQ_DEALER, now);
    let _ = connect(&mut s, &mut p, now + 100 * MS);
    assert_eq!(s.state(), State::Up);
    s.stream_closed(now + 200 * MS);
    let ev = events(&actions(&mut s));
    assert_eq!(ev.last(), Some(&(ZMQ_EVENT_CONNECT_RETRIED, 100)), "{ev:?}");
}

#[test]
fn reconnect_stop_on_refusal_ends_the_session() {
    let now = Instant::now();
    let mut o = opts(ZMQ_DEALER);
    o.reconnect_stop = STOP_CONN_REFUSED;
    let (mut s, mut sock) = connecter(o);
    let _ = actions(&mut s);
    s.connect_started(now, true);
    // Timed out (not refused): it tries again.
    s.connect_failed(now, false);
    assert_eq!(s.state(), State::Backoff);
    s.handle_timeout(now + 100 * MS);
    s.connect_started(now, true);
    s.connect_failed(now, true);
    assert!(s.is_done());
    assert!(matches!(sock.read(), PipeRead::Finished));
}

#[test]
fn connect_timeout_gives_up_the_attempt() {
    let now = Instant::now();
    let mut o = opts(ZMQ_DEALER);
    o.connect_timeout = 250;
    let (mut s, _sock) = connecter(o);
    let _ = actions(&mut s);
    s.connect_started(now, true);
    let _ = actions(&mut s);
    assert_eq!(s.poll_timeout(), Some(now + 250 * MS));
    s.handle_timeout(now + 250 * MS);
    let a = actions(&mut s);
    assert!(has(&a, is_close));
    assert_eq!(events(&a)[0].0, ZMQ_EVENT_CLOSED);
    assert_eq!(s.poll_timeout(), Some(now + 350 * MS));
}

#[test]
fn a_reconnected_pipe_hiccups_and_drops_a_half_sent_message() {
    let now = Instant::now();
    let (mut s, mut sock) = connecter(opts(ZMQ_DEALER));
    let mut p = peer(ZMQ_DEALER, now);
    let _ = connect(&mut s, &mut p, now);
    // The first frame of a two-part message goes out, then the connection dies.
    sock.write(msg(b"head", true));
    sock.write(msg(b"tail", false));
    s.process(now);
    let partial = {
        let mut slices = [IoSlice::new(&[]); 4];
        let k = s.pending_output_vectored(&mut slices);
        slices[..k].iter().map(|x| x.len()).sum::<usize>()
    };
    assert!(partial > 0);
    s.stream_closed(now);
    let a = actions(&mut s);
    assert!(has(&a, is_close));
    assert_eq!(
        events(&a),
        [
            (ZMQ_EVENT_DISCONNECTED, 7),
            (ZMQ_EVENT_CONNECT_RETRIED, 100)
        ]
    );
    // What the socket sends meanwhile waits for the next connection.
    sock.write(msg(b"later", false));
    s.handle_timeout(now + 100 * MS);
    let mut p2 = peer(ZMQ_DEALER, now);
    let a = connect(&mut s, &mut p2, now + 100 * MS);
    assert!(has(
        &a,
        |a| matches!(a, Action::Hiccup(id) if *id == sock.id())
    ));
    // The message was already taken from the pipe and is gone with the connection.
    assert_eq!(received(&mut p2), [(b"later".to_vec(), false)]);
}

#[test]
fn linger_delivers_to_a_peer_that_appears_within_it() {
    let now = Instant::now();
    let (mut s, mut sock) = connecter(opts(ZMQ_PUSH));
    let _ = actions(&mut s);
    s.connect_started(now, true);
    s.connect_failed(now, true);
    let _ = actions(&mut s);
    sock.write(msg(b"last words", false));
    sock.close();
    s.socket_closed(now, 500);
    assert_eq!(s.state(), State::Lingering);
    // The reconnect comes before the linger deadline.
    assert_eq!(s.poll_timeout(), Some(now + 100 * MS));
    s.handle_timeout(now + 100 * MS);
    assert!(is_connect(&actions(&mut s)[0]));
    s.connect_started(now + 100 * MS, true);
    s.connect_failed(now + 100 * MS, true);
    s.handle_timeout(now + 200 * MS);
    let mut p = peer(ZMQ_PULL, now);
    let a = connect(&mut s, &mut p, now + 200 * MS);
    assert_eq!(received(&mut p), [(b"last words".to_vec(), false)]);
    // Written in full: the session ends and closes the stream.
    assert!(s.is_done());
    assert!(has(&a, is_close));
}

#[test]
fn linger_expires_when_no_peer_appears() {
    let now = Instant::now();
    let (mut s, mut sock) = connecter(opts(ZMQ_PUSH));
    let _ = actions(&mut s);
    s.connect_started(now, true);
    s.connect_failed(now, true);
    sock.write(msg(b"undeliverable", false));
    sock.close();
    s.socket_closed(now + 50 * MS, 300);
    let mut t = now;
    while !s.is_done() {
        t = s.poll_timeout().expect("a deadline while lingering");
        s.handle_timeout(t);
        if actions(&mut s).iter().any(is_connect) {
            s.connect_started(t, true);
            s.connect_failed(t, true);
        }
    }
    assert_eq!(t, now + 350 * MS);
}

#[test]
fn linger_zero_drops_at_once_and_minus_one_waits_forever() {
    let now = Instant::now();
    let (mut s, mut sock) = connecter(opts(ZMQ_PUSH));
    let _ = actions(&mut s);
    sock.write(msg(b"x", false));
    sock.close();
    s.socket_closed(now, 0);
    assert!(s.is_done());
    // The stream being connected is closed.
    assert!(has(&actions(&mut s), is_close));

    let (mut s, mut sock) = connecter(opts(ZMQ_PUSH));
    let _ = actions(&mut s);
    s.connect_started(now, true);
    s.connect_failed(now, true);
    sock.write(msg(b"x", false));
    sock.close();
    s.socket_closed(now, -1);
    for i in 1..100 {
        let t = s.poll_timeout().unwrap();
        assert_eq!(t, now + i * 100 * MS, "only reconnects are due");
        s.handle_timeout(t);
        s.connect_started(t, true);
        s.connect_failed(t, true);
        assert!(!s.is_done());
    }
}

#[test]
fn lingering_waits_for_the_last_byte_to_be_written() {
    let now = Instant::now();
    let (mut s, mut sock) = connecter(opts(ZMQ_PUSH));
    let mut p = peer(ZMQ_PULL, now);
    let _ = connect(&mut s, &mut p, now);
    let big = vec![7u8; 1 << 20];
    sock.write(Msg::from_slice(&big));
    sock.close();
    s.socket_closed(now, -1);
    s.process(now);
    // The kernel takes it in pieces; the session lives until the last one.
    let mut total = 0;
    while s.pending_output_len() > 0 {
        assert!(!s.is_done());
        let n = s.pending_output_len().min(100_000);
        total += n;
        s.consume_output(n, now);
    }
    assert!(total > big.len());
    assert!(s.is_done());
    assert!(has(&actions(&mut s), is_close));
}

#[test]
fn a_lingering_session_keeps_reading_and_drops_what_arrives() {
    let now = Instant::now();
    let (mut s, mut sock) = connecter(opts(ZMQ_DEALER));
    let mut p = peer(ZMQ_DEALER, now);
    let _ = connect(&mut s, &mut p, now);
    sock.write(Msg::from_slice(&vec![1u8; 1 << 20]));
    sock.close();
    s.socket_closed(now, -1);
    s.process(now);
    // The peer talks while we flush: its messages are read and dropped, never left
    // unread in the kernel (a close with unread input resets the connection).
    for _ in 0..3000 {
        p.send(msg(b"chatter", false)).unwrap();
    }
    let back = drain_peer(&mut p);
    assert!(s.input_wanted() > 0);
    s.handle_input(&back, now);
    assert!(s.input_wanted() > 0);
    assert!(!s.is_done());
    let _ = written(&mut s, now);
    assert!(s.is_done());
}

#[test]
fn unbind_hangs_up_on_the_socket_and_flushes_its_backlog() {
    let now = Instant::now();
    let o = opts(ZMQ_PUSH);
    let mut s = Session::accepted(
        Arc::new(o),
        "tcp://127.0.0.1:5555".into(),
        stream_info(),
        now,
    );
    let mut p = Connection::new(
        zmtp::Config {
            socket_type: ZMQ_PULL,
            ..zmtp::Config::default()
        },
        now,
    );
    exchange(&mut s, &mut p, now);
    let a = actions(&mut s);
    assert_eq!(
        events(&a),
        [(ZMQ_EVENT_ACCEPTED, 7), (ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0)]
    );
    let Some(Action::Attach(mut sock)) = a.into_iter().find(|a| matches!(a, Action::Attach(_)))
    else {
        panic!("no pipe for the socket")
    };
    assert_eq!(sock.endpoint.as_deref(), Some("tcp://127.0.0.1:5555"));
    sock.write(msg(b"queued", false));
    s.terminate(now, -1);
    // The socket learns the pipe is going and stops sending on it ...
    assert!(sock.peer_closed());
    assert!(!sock.check_write());
    assert!(!s.is_done(), "waits for the socket to close its end");
    sock.close();
    s.process(now);
    exchange(&mut s, &mut p, now);
    // ... and what it queued before still goes out.
    assert_eq!(received(&mut p), [(b"queued".to_vec(), false)]);
    assert!(s.is_done());
}

#[test]
fn an_accepted_session_ends_with_its_connection() {
    let now = Instant::now();
    let mut s = Session::accepted(
        Arc::new(opts(ZMQ_PULL)),
        "tcp://127.0.0.1:5555".into(),
        stream_info(),
        now,
    );
    // A peer asking for another mechanism.
    let mut p = Connection::new(
        zmtp::Config {
            socket_type: ZMQ_PUSH,
            mechanism: zmtp::Mechanism::Plain {
                server: false,
                username: b"u".to_vec(),
                password: b"p".to_vec(),
            },
            ..zmtp::Config::default()
        },
        now,
    );
    exchange(&mut s, &mut p, now);
    assert!(s.is_done());
    let a = actions(&mut s);
    assert!(has(&a, is_close));
    let ev = events(&a);
    assert_eq!(ev.first(), Some(&(ZMQ_EVENT_ACCEPTED, 7)));
    assert_eq!(ev.last(), Some(&(ZMQ_EVENT_DISCONNECTED, 7)));
}

#[test]
fn a_silent_peer_times_the_handshake_out_and_is_tried_again() {
    let now = Instant::now();
    let mut o = opts(ZMQ_DEALER);
    o.zmtp.handshake_ivl = Some(200 * MS);
    let (mut s, _sock) = connecter(o);
    let _ = actions(&mut s);
    s.connect_started(now, true);
    s.connected(now, stream_info());
    let _ = written(&mut s, now);
    assert_eq!(s.state(), State::Handshaking);
    assert_eq!(s.poll_timeout(), Some(now + 200 * MS));
    s.handle_timeout(now + 200 * MS);
    let a = actions(&mut s);
    assert!(has(&a, is_close));
    assert_eq!(
        events(&a),
        [
            (ZMQ_EVENT_CONNECT_DELAYED, libc::EINPROGRESS as u64),
            (ZMQ_EVENT_CONNECTED, 7),
            (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, libc::ETIMEDOUT as u64),
            (ZMQ_EVENT_DISCONNECTED, 7),
            (ZMQ_EVENT_CONNECT_RETRIED, 100),
        ]
    );
    assert_eq!(s.state(), State::Backoff);
}

#[test]
fn reconnect_stop_after_a_failed_handshake() {
    let now = Instant::now();
    let mut o = opts(ZMQ_DEALER);
    o.reconnect_stop = STOP_HANDSHAKE_FAILED;
    let (mut s, _sock) = connecter(o);
    let _ = actions(&mut s);
    s.connect_started(now, true);
    s.connected(now, stream_info());
    s.stream_closed(now);
    assert!(s.is_done());
}

#[test]
fn a_protocol_error_ends_a_connecter_for_good() {
    let now = Instant::now();
    let (mut s, mut sock) = connecter(opts(ZMQ_DEALER));
    let _ = actions(&mut s);
    s.connect_started(now, true);
    s.connected(now, stream_info());
    // A greeting from a peer whose socket type cannot talk to a DEALER.
    let mut bad = peer(ZMQ_PUB, now);
    exchange(&mut s, &mut bad, now);
    assert!(s.is_done());
    let ev = events(&actions(&mut s));
    assert!(ev.contains(&(ZMQ_EVENT_DISCONNECTED, 7)), "{ev:?}");
    assert!(!ev.iter().any(|e| e.0 == ZMQ_EVENT_CONNECT_RETRIED));
    assert!(matches!(sock.read(), PipeRead::Finished));
}

#[test]
fn zap_request_and_reply_through_the_driver() {
    let now = Instant::now();
    let mut o = opts(ZMQ_DEALER);
    o.zmtp.zap_domain = b"global".to_vec();
    let mut s = Session::accepted(Arc::new(o), "tcp://x:1".into(), stream_info(), now);
    let mut p = peer(ZMQ_DEALER, now);
    exchange(&mut s, &mut p, now);
    let a = actions(&mut s);
    let Some(Action::ZapRequest(req)) = a.iter().find(|a| matches!(a, Action::ZapRequest(_)))
    else {
        panic!("{a:?}")
    };
    assert_eq!(req[2], b"global");
    assert_eq!(s.state(), State::Handshaking);
    let reply: Vec<Msg> = [&b"1.0"[..], b"1", b"200", b"OK", b"user", b""]
        .iter()
        .enumerate()
        .map(|(i, f)| msg(f, i < 5))
        .collect();
    let mut full = vec![msg(b"", true)];
    full.extend(reply);
    s.zap_reply(&full, now);
    exchange(&mut s, &mut p, now);
    assert_eq!(s.state(), State::Up);
    assert!(p.is_ready());

    // A refusal ends the connection; no handler at all lets NULL through.
    let mut o = opts(ZMQ_DEALER);
    o.zmtp.zap_domain = b"global".to_vec();
    let o = Arc::new(o);
    let mut s = Session::accepted(o.clone(), "tcp://x:1".into(), stream_info(), now);
    let mut p = peer(ZMQ_DEALER, now);
    exchange(&mut s, &mut p, now);
    let _ = actions(&mut s);
    s.zap_unavailable(now);
    exchange(&mut s, &mut p, now);
    assert_eq!(s.state(), State::Up);
}

#[test]
fn shutdown_ends_sessions_whose_pipe_never_reached_the_socket() {
    let now = Instant::now();
    let mut s = Session::accepted(
        Arc::new(opts(ZMQ_PULL)),
        "tcp://127.0.0.1:5555".into(),
        stream_info(),
        now,
    );
    let mut p = peer(ZMQ_PUSH, now);
    exchange(&mut s, &mut p, now);
    // The Attach went to a socket that had closed already: nobody will close it.
    let _late = actions(&mut s);
    s.shutdown(now, -1);
    assert!(s.is_done());

    // A handshake in progress holds nothing to deliver either.
    let mut s = Session::accepted(
        Arc::new(opts(ZMQ_PULL)),
        "tcp://127.0.0.1:5555".into(),
        stream_info(),
        now,
    );
    s.shutdown(now, -1);
    assert!(s.is_done());
}

#[test]
fn an_earlier_linger_deadline_wins() {
    let now = Instant::now();
    let (mut s, mut sock) = connecter(opts(ZMQ_PUSH));
    let _ = actions(&mut s);
    s.connect_started(now, true);
    s.connect_failed(now, true);
    sock.write(msg(b"x", false));
    // Dropped by the socket type: no deadline; then the socket closes with 200 ms.
    sock.close();
    s.socket_closed(now, -1);
    s.terminate(now + 10 * MS, 200);
    s.terminate(now + 20 * MS, 1000);
    let mut t = now;
    while !s.is_done() {
        t = s.poll_timeout().unwrap();
        s.handle_timeout(t);
        if actions(&mut s).iter().any(is_connect) {
            s.connect_started(t, true);
            s.connect_failed(t, true);
        }
    }
    assert_eq!(t, now + 210 * MS);
}

#[test]
fn router_notifications_and_routing_ids_on_a_persistent_pipe() {
    let now = Instant::now();
    let mut o = opts(ZMQ_ROUTER);
    o.recv_routing_id = true;
    o.router_notify = NOTIFY_CONNECT | NOTIFY_DISCONNECT;
    let (mut s, mut sock) = connecter(o);
    let mut p = Connection::new(
        zmtp::Config {
            socket_type: ZMQ_DEALER,
            routing_id: b"peer-1".to_vec(),
            ..zmtp::Config::default()
        },
        now,
    );
    let _ = connect(&mut s, &mut p, now);
    s.flush_pipe();
    let mut got = Vec::new();
    while let PipeRead::Msg(m) = sock.read() {
        got.push(m.data().to_vec());
    }
    assert_eq!(got, [b"peer-1".to_vec(), Vec::new()]);
    s.stream_closed(now);
    s.flush_pipe();
    let PipeRead::Msg(m) = sock.read() else {
        panic!("no disconnect notification")
    };
    assert!(m.data().is_empty());
}
