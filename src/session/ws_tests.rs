//! The session core with a ws:// connection: a WebSocket close is a disconnect after
//! which a connecter tries again, with the close echoed as its last words; a frame
//! that breaks RFC 6455 is a protocol error that ends the connecting, with a 1002.

use std::sync::Arc;
use std::time::Instant;

use super::{Action, Options, Session, State, StreamInfo};
use crate::constants as c;
use crate::pipe::PipeConfig;
use crate::zmtp::{self, WsEngine, WsSide};

fn options(socket_type: i32) -> Arc<Options> {
    Arc::new(Options {
        zmtp: zmtp::Config {
            socket_type,
            ws: Some(WsSide::Client {
                host: "127.0.0.1:5555".into(),
                path: "/t".into(),
            }),
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
        pipe_config: PipeConfig {
            sndhwm: 1000,
            rcvhwm: 1000,
            conflate: false,
        },
    })
}

/// A connecter up over ws with a ws server engine as its peer.
fn up(now: Instant) -> (Session, WsEngine) {
    let mut s = Session::connecter(
        options(c::ZMQ_DEALER),
        "ws://127.0.0.1:5555/t".into(),
        "ws://127.0.0.1:5555/t".into(),
        None,
        None,
        Vec::new(),
    );
    assert!(matches!(s.poll_action(), Some(Action::Connect)));
    s.connect_started(now, true);
    s.connected(now, StreamInfo::default());
    let mut peer = WsEngine::new(
        zmtp::Config {
            socket_type: c::ZMQ_DEALER,
            ws: Some(WsSide::Server),
            ..zmtp::Config::default()
        },
        now,
    );
    for _ in 0..10 {
        let mut slices = [std::io::IoSlice::new(&[]); 8];
        let n = s.pending_output_vectored(&mut slices);
        let out: Vec<u8> = slices[..n].iter().flat_map(|b| b.iter().copied()).collect();
        s.consume_output(out.len(), now);
        if !out.is_empty() {
            peer.handle_input(&out, now).unwrap();
        }
        let back = peer.pending_output().to_vec();
        peer.consume_output(back.len());
        if !back.is_empty() {
            s.handle_input(&back, now);
        }
    }
    while peer.poll_event().is_some() {}
    assert_eq!(s.state(), State::Up);
    (s, peer)
}

fn last_words(s: &mut Session) -> Option<Vec<u8>> {
    let mut words = None;
    while let Some(a) = s.poll_action() {
        if let Action::CloseStream { last_words } = a {
            words = Some(last_words);
        }
    }
    words
}

#[test]
fn a_close_frame_reconnects_and_is_echoed() {
    let now = Instant::now();
    let (mut s, _peer) = up(now);
    while s.poll_action().is_some() {}
    // The server closes (1001, going away): unmasked, as a server sends it.
    s.handle_input(&[0x88, 0x02, 0x03, 0xe9], now);
    let words = last_words(&mut s).expect("the stream closes");
    // The echo, masked (we are the client): FIN|close, MASK|2, key, code.
    assert_eq!(words[..2], [0x88, 0x82]);
    assert_eq!(words.len(), 2 + 4 + 2);
    assert_eq!(
        s.state(),
        State::Backoff,
        "a disconnect, not a protocol error"
    );
}

#[test]
fn a_masked_server_frame_is_a_protocol_error() {
    let now = Instant::now();
    let (mut s, _peer) = up(now);
    while s.poll_action().is_some() {}
    s.handle_input(&[0x82, 0x81, 0, 0, 0, 0, 0], now);
    let words = last_words(&mut s).expect("the stream closes");
    // A close with 1002, masked.
    assert_eq!(words[..2], [0x88, 0x82]);
    let code = [words[6] ^ words[2], words[7] ^ words[3]];
    assert_eq!(u16::from_be_bytes(code), 1002);
    assert_eq!(
        s.state(),
        State::Done,
        "libzmq gives up after a protocol error"
    );
}
