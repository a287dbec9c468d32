//! What a peer can make us hold, measured by a counting allocator around the whole
//! library (this test binary links it as a Rust crate; every socket, session and I/O
//! thread allocation goes through it). The bounds asserted here are the ones the
//! README documents:
//!
//! * before its handshake completes, a connection costs at most ~150 KiB, whatever the
//!   peer sends (64 KiB read buffer, a handshake frame of at most 64 KiB, the
//!   connection's state);
//! * a frame header declaring 2^62 bytes gets 1 MiB, then storage that grows with what
//!   actually arrives (at most twice that, plus 1 MiB); with ZMQ_MAXMSGSIZE it gets
//!   nothing and the connection is dropped;
//! * a million subscriptions cost memory in proportion to what was received: a tree
//!   node or two per topic (~230 bytes with 8-byte topics), nothing bounds their
//!   number (libzmq neither).

use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::{c_int, c_void, CString};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use zmq_rs::ffi::ctx::{zmq_ctx_new, zmq_ctx_term};
use zmq_rs::ffi::socket::{zmq_bind, zmq_close, zmq_getsockopt, zmq_setsockopt, zmq_socket};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let live = LIVE.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call goes to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout, passed on.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: allocated by `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's pointer and layout, passed on.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// Waits until live memory stops changing (the I/O thread has caught up).
fn settled() -> usize {
    let mut last = live();
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let now = live();
        if now.abs_diff(last) < 4 * KIB {
            return now;
        }
        last = now;
    }
}

fn greeting(mechanism: &[u8]) -> Vec<u8> {
    let mut g = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 1];
    let mut m = [0u8; 20];
    m[..mechanism.len()].copy_from_slice(mechanism);
    g.extend_from_slice(&m);
    g.extend_from_slice(&[0u8; 32]);
    g
}

fn ready(socket_type: &[u8]) -> Vec<u8> {
    let mut body = b"\x05READY\x0bSocket-Type".to_vec();
    body.extend_from_slice(&(socket_type.len() as u32).to_be_bytes());
    body.extend_from_slice(socket_type);
    let mut f = vec![0x04, body.len() as u8];
    f.extend_from_slice(&body);
    f
}

fn long_header(flags: u8, size: u64) -> Vec<u8> {
    let mut h = vec![flags | 0x02];
    h.extend_from_slice(&size.to_be_bytes());
    h
}

/// Whether the server hung up on `s` within `limit` (reading and dropping what it sends).
fn dropped(s: &mut TcpStream, limit: Duration) -> bool {
    s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let deadline = Instant::now() + limit;
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => {}
        }
    }
    false
}

struct Server {
    ctx: *mut c_void,
    sock: *mut c_void,
    port: u16,
}

impl Server {
    fn new(socket_type: c_int, maxmsgsize: Option<i64>) -> Server {
        let ctx = zmq_ctx_new();
        let sock = zmq_socket(ctx, socket_type);
        assert!(!sock.is_null());
        let zero: c_int = 0;
        // SAFETY: live socket, values of the option's size.
        unsafe {
            zmq_setsockopt(
                sock,
                zmq_rs::constants::ZMQ_LINGER,
                (&zero as *const c_int).cast(),
                4,
            );
            if let Some(m) = maxmsgsize {
                zmq_setsockopt(
                    sock,
                    zmq_rs::constants::ZMQ_MAXMSGSIZE,
                    (&m as *const i64).cast(),
                    8,
                );
            }
            let ep = CString::new("tcp://127.0.0.1:*").unwrap();
            assert_eq!(zmq_bind(sock, ep.as_ptr()), 0);
        }
        let mut buf = [0u8; 64];
        let mut len = buf.len();
        // SAFETY: live socket; the buffer covers len bytes.
        let rc = unsafe {
            zmq_getsockopt(
                sock,
                zmq_rs::constants::ZMQ_LAST_ENDPOINT,
                buf.as_mut_ptr().cast(),
                &mut len,
            )
        };
        assert_eq!(rc, 0);
        let ep = std::str::from_utf8(&buf[..len - 1]).unwrap();
        let port = ep.rsplit(':').next().unwrap().parse().unwrap();
        Server { ctx, sock, port }
    }

    fn connect(&self) -> TcpStream {
        TcpStream::connect(("127.0.0.1", self.port)).unwrap()
    }

    /// ZMQ_TOPICS_COUNT, after reading ZMQ_EVENTS (which, as in libzmq, has the
    /// socket process what its pipes brought).
    fn topics(&self) -> c_int {
        let mut n: c_int = 0;
        let mut len = 4;
        // SAFETY: live socket, an int buffer.
        unsafe {
            let events = zmq_rs::constants::ZMQ_EVENTS;
            zmq_getsockopt(self.sock, events, (&mut n as *mut c_int).cast(), &mut len);
            zmq_getsockopt(self.sock, 116, (&mut n as *mut c_int).cast(), &mut len);
        }
        n
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        zmq_close(self.sock);
        zmq_ctx_term(self.ctx);
    }
}

#[test]
fn what_a_peer_can_make_us_hold() {
    before_the_handshake();
    huge_frame_headers();
    a_million_subscriptions();
}

/// 50 peers that stall mid-handshake with the largest handshake frame allowed,
/// nearly complete.
fn before_the_handshake() {
    let server = Server::new(zmq_rs::constants::ZMQ_PUB, None);
    let base = settled();
    const PEERS: usize = 50;
    let mut peers = Vec::new();
    for _ in 0..PEERS {
        let mut s = server.connect();
        s.write_all(&greeting(b"NULL")).unwrap();
        s.write_all(&long_header(0x04, 64 * 1024)).unwrap();
        s.write_all(&vec![b'x'; 64 * 1024 - 1]).unwrap();
        peers.push(s);
    }
    let per_peer = settled().saturating_sub(base) / PEERS;
    eprintln!("memory: a connection stalled in its handshake holds {per_peer} bytes");
    assert!(per_peer <= 150 * KIB, "{per_peer} bytes per connection");

    // A handshake frame declaring more than 64 KiB (here 2^62 bytes) ends the
    // connection before anything is allocated for it.
    let mut s = server.connect();
    s.write_all(&greeting(b"NULL")).unwrap();
    s.write_all(&long_header(0x04, 1 << 62)).unwrap();
    assert!(dropped(&mut s, Duration::from_secs(5)));
    drop(peers);
}

/// After the handshake: a 2^62-byte frame header with and without ZMQ_MAXMSGSIZE.
fn huge_frame_headers() {
    for maxmsgsize in [None, Some(1000)] {
        let server = Server::new(zmq_rs::constants::ZMQ_PUB, maxmsgsize);
        let base = settled();
        PEAK.store(base, Ordering::Relaxed);
        let mut s = server.connect();
        s.write_all(&greeting(b"NULL")).unwrap();
        s.write_all(&ready(b"SUB")).unwrap();
        s.write_all(&long_header(0x00, 1 << 62)).unwrap();
        match maxmsgsize {
            Some(_) => {
                assert!(
                    dropped(&mut s, Duration::from_secs(5)),
                    "MAXMSGSIZE ignored"
                );
                let peak = PEAK.load(Ordering::Relaxed) - base;
                eprintln!("memory: 2^62-byte header with ZMQ_MAXMSGSIZE=1000: peak +{peak} bytes");
                assert!(peak < 256 * KIB, "{peak}");
            }
            None => {
                // 4 MiB of the body arrive: the storage follows them.
                let sent = 4 * MIB;
                s.write_all(&vec![7u8; sent]).unwrap();
                let held = settled() - base;
                let peak = PEAK.load(Ordering::Relaxed) - base;
                eprintln!(
                    "memory: 2^62-byte header, 4 MiB of it sent: holding {held}, peak {peak} bytes"
                );
                assert!(peak <= 2 * sent + 2 * MIB, "peak {peak} for {sent} sent");
                assert!(!dropped(&mut s, Duration::from_millis(200)));
            }
        }
    }
}

/// One peer subscribes a PUB to a million distinct 8-byte topics (ZMTP 3.1 SUBSCRIBE
/// commands, 20 bytes each on the wire).
fn a_million_subscriptions() {
    const N: usize = 1_000_000;
    let server = Server::new(zmq_rs::constants::ZMQ_PUB, None);
    let base = settled();
    let mut s = server.connect();
    s.write_all(&greeting(b"NULL")).unwrap();
    s.write_all(&ready(b"SUB")).unwrap();
    let mut wire = Vec::with_capacity(N * 20);
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..N {
        // xorshift: topics spread over the whole byte range, few shared prefixes.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        wire.extend_from_slice(&[0x04, 18]);
        wire.extend_from_slice(b"\x09SUBSCRIBE");
        wire.extend_from_slice(&x.to_be_bytes());
    }
    let start = Instant::now();
    // The PUB takes subscriptions in when its own thread touches it (here: reading
    // ZMQ_EVENTS), as libzmq's: the peer is held back by its pipe meanwhile.
    let writer = std::thread::spawn(move || {
        s.write_all(&wire).unwrap();
        (s, wire.len())
    });
    while (server.topics() as usize) < N {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "{} topics",
            server.topics()
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let (_s, wire_len) = writer.join().unwrap();
    let held = settled() - base;
    let topic_bytes = N * 8;
    eprintln!(
        "memory: {N} subscriptions ({topic_bytes} topic bytes, {} on the wire) hold {held} bytes ({} per subscription), taken in {:.1} s",
        wire_len,
        held / N,
        start.elapsed().as_secs_f64()
    );
    // Linear in what was received: a tree node or two per topic (README: ~230 bytes
    // per subscription besides its topic; libzmq's XPUB ~190 bytes of RSS).
    assert!(held / N <= 320 + 8, "{} bytes per subscription", held / N);
}
