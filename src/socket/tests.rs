//! The socket core without the C skin: endpoints, send and receive with their flags,
//! high-water marks, ZMQ_EVENTS, termination. Over inproc, so no I/O thread is needed.

use super::*;

fn sock(ctx: &Arc<Ctx>, t: c_int) -> Socket {
    Socket::new(ctx.clone(), t).unwrap()
}

fn set_int(s: &mut Socket, option: c_int, v: c_int) {
    s.set_option(option, Some(&v.to_ne_bytes()), 4).unwrap();
}

fn get_int(s: &mut Socket, option: c_int) -> c_int {
    let mut out = [0u8; 4];
    assert_eq!(s.get_option(option, &mut out).unwrap(), 4);
    c_int::from_ne_bytes(out)
}

fn frame(data: &[u8]) -> Msg {
    Msg::from_slice(data)
}

fn recv_now(s: &mut Socket) -> Result<Msg> {
    s.recv(ZMQ_DONTWAIT)
}

fn pair(ctx: &Arc<Ctx>, a: c_int, b: c_int, name: &str) -> (Socket, Socket) {
    let mut x = sock(ctx, a);
    let mut y = sock(ctx, b);
    x.bind(name).unwrap();
    y.connect(name).unwrap();
    (x, y)
}

#[test]
fn multipart_messages_arrive_whole_and_in_order() {
    let ctx = Ctx::new();
    let (mut pull, mut push) = pair(&ctx, ZMQ_PULL, ZMQ_PUSH, "inproc://mp");
    push.send(&mut frame(b"a"), ZMQ_SNDMORE).unwrap();
    // Nothing is visible before the last frame.
    assert_eq!(recv_now(&mut pull).unwrap_err(), Errno::EAGAIN);
    push.send(&mut frame(b"b"), 0).unwrap();
    push.send(&mut frame(b"c"), 0).unwrap();
    let m = recv_now(&mut pull).unwrap();
    assert_eq!((m.data(), get_int(&mut pull, ZMQ_RCVMORE)), (&b"a"[..], 1));
    let m = recv_now(&mut pull).unwrap();
    assert_eq!((m.data(), get_int(&mut pull, ZMQ_RCVMORE)), (&b"b"[..], 0));
    assert_eq!(recv_now(&mut pull).unwrap().data(), b"c");
    assert_eq!(recv_now(&mut pull).unwrap_err(), Errno::EAGAIN);
    pull.close();
    push.close();
    ctx.terminate();
}

#[test]
fn events_follow_readiness() {
    let ctx = Ctx::new();
    let (mut pull, mut push) = pair(&ctx, ZMQ_PULL, ZMQ_PUSH, "inproc://ev");
    assert_eq!(pull.events().unwrap(), 0);
    assert_eq!(push.events().unwrap(), ZMQ_POLLOUT as i16);
    push.send(&mut frame(b"x"), 0).unwrap();
    assert_eq!(pull.events().unwrap(), ZMQ_POLLIN as i16);
    recv_now(&mut pull).unwrap();
    assert_eq!(pull.events().unwrap(), 0);
    pull.close();
    push.close();
    ctx.terminate();
}

#[test]
fn the_high_water_mark_blocks_and_reopens() {
    let ctx = Ctx::new();
    let mut pull = sock(&ctx, ZMQ_PULL);
    let mut push = sock(&ctx, ZMQ_PUSH);
    set_int(&mut pull, ZMQ_RCVHWM, 2);
    set_int(&mut push, ZMQ_SNDHWM, 3);
    pull.bind("inproc://hwm").unwrap();
    push.connect("inproc://hwm").unwrap();
    // inproc: the sender's mark plus the receiver's.
    for i in 0..5u8 {
        push.send(&mut frame(&[i]), ZMQ_DONTWAIT).unwrap();
    }
    let mut refused = frame(b"over");
    assert_eq!(push.send(&mut refused, ZMQ_DONTWAIT), Err(Errno::EAGAIN));
    assert_eq!(
        refused.data(),
        b"over",
        "a refused message stays the caller's"
    );
    assert_eq!(push.events().unwrap(), 0);
    for i in 0..5u8 {
        assert_eq!(recv_now(&mut pull).unwrap().data(), [i]);
    }
    assert_eq!(push.events().unwrap(), ZMQ_POLLOUT as i16);
    push.send(&mut refused, ZMQ_DONTWAIT).unwrap();
    pull.close();
    push.close();
    ctx.terminate();
}

#[test]
fn a_blocking_receive_times_out_with_eagain() {
    let ctx = Ctx::new();
    let (mut pull, push) = pair(&ctx, ZMQ_PULL, ZMQ_PUSH, "inproc://timeout");
    set_int(&mut pull, ZMQ_RCVTIMEO, 30);
    let t = Instant::now();
    assert_eq!(pull.recv(0).unwrap_err(), Errno::EAGAIN);
    assert!(t.elapsed() >= Duration::from_millis(30));
    pull.close();
    push.close();
    ctx.terminate();
}

#[test]
fn endpoint_errors_are_libzmqs() {
    let ctx = Ctx::new();
    let mut a = sock(&ctx, ZMQ_PAIR);
    let mut b = sock(&ctx, ZMQ_PAIR);
    a.bind("inproc://taken").unwrap();
    assert_eq!(b.bind("inproc://taken"), Err(Errno::EADDRINUSE));
    assert_eq!(b.bind("nonsense"), Err(Errno::EINVAL));
    assert_eq!(b.connect("bogus://x"), Err(Errno::EPROTONOSUPPORT));
    assert_eq!(b.unbind("inproc://never"), Err(Errno::ENOENT));
    let mut ep = [0u8; 64];
    let n = a.get_option(ZMQ_LAST_ENDPOINT, &mut ep).unwrap();
    assert_eq!(&ep[..n], b"inproc://taken\0");
    a.unbind("inproc://taken").unwrap();
    b.bind("inproc://taken").unwrap();
    a.close();
    b.close();
    ctx.terminate();
}

#[test]
fn req_enforces_its_alternation() {
    let ctx = Ctx::new();
    let (mut rep, mut req) = pair(&ctx, ZMQ_REP, ZMQ_REQ, "inproc://fsm");
    assert_eq!(recv_now(&mut req).unwrap_err(), Errno::EFSM);
    req.send(&mut frame(b"q"), 0).unwrap();
    assert_eq!(req.send(&mut frame(b"q2"), 0), Err(Errno::EFSM));
    assert_eq!(rep.send(&mut frame(b"early"), 0), Err(Errno::EFSM));
    assert_eq!(recv_now(&mut rep).unwrap().data(), b"q");
    rep.send(&mut frame(b"a"), 0).unwrap();
    assert_eq!(recv_now(&mut req).unwrap().data(), b"a");
    rep.close();
    req.close();
    ctx.terminate();
}

#[test]
fn after_shutdown_everything_but_close_is_eterm() {
    let ctx = Ctx::new();
    let (mut pull, mut push) = pair(&ctx, ZMQ_PULL, ZMQ_PUSH, "inproc://term");
    push.send(&mut frame(b"before"), 0).unwrap();
    ctx.shutdown();
    assert_eq!(pull.recv(0).unwrap_err(), Errno::ETERM);
    assert_eq!(push.send(&mut frame(b"x"), 0), Err(Errno::ETERM));
    assert_eq!(pull.events(), Err(Errno::ETERM));
    assert_eq!(push.connect("inproc://other"), Err(Errno::ETERM));
    assert_eq!(Socket::new(ctx.clone(), ZMQ_PUB).err(), Some(Errno::ETERM));
    pull.close();
    push.close();
    ctx.terminate();
}

#[test]
fn connect_before_bind_queues_for_the_binder() {
    let ctx = Ctx::new();
    let mut push = sock(&ctx, ZMQ_PUSH);
    push.connect("inproc://later").unwrap();
    push.send(&mut frame(b"early"), ZMQ_DONTWAIT).unwrap();
    let mut pull = sock(&ctx, ZMQ_PULL);
    pull.bind("inproc://later").unwrap();
    assert_eq!(recv_now(&mut pull).unwrap().data(), b"early");
    pull.close();
    push.close();
    ctx.terminate();
}

#[test]
fn invalid_option_values_and_sizes_are_einval() {
    let ctx = Ctx::new();
    let mut s = sock(&ctx, ZMQ_DEALER);
    assert_eq!(
        s.set_option(ZMQ_SNDHWM, Some(&[1, 0]), 2),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        s.set_option(ZMQ_SNDHWM, Some(&(-1i32).to_ne_bytes()), 4),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        s.set_option(123_456, Some(&0i32.to_ne_bytes()), 4),
        Err(Errno::EINVAL)
    );
    set_int(&mut s, ZMQ_LINGER, 250);
    assert_eq!(get_int(&mut s, ZMQ_LINGER), 250);
    assert_eq!(get_int(&mut s, ZMQ_TYPE), ZMQ_DEALER);
    s.close();
    ctx.terminate();
}
