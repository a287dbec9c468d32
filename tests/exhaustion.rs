//! Resource exhaustion: a process limited to 128 descriptors (`capi-tests/exhaustion/
//! fd_limit.c`) with a bound ROUTER that hundreds of raw ZMTP clients connect to.
//! It must not crash or spin while accept fails with EMFILE (the CPU it burns at the
//! limit is measured), must accept the queued clients once descriptors free up, and
//! report EMFILE from zmq_socket as libzmq does. The same program runs on the real
//! libzmq for comparison; its figures are printed, and the errno it reports is the
//! one we must match.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

const CLIENTS: usize = 300;

fn build(ours: bool) -> Option<PathBuf> {
    let repo = common::repo();
    let out = common::profile_dir().join("exhaustion");
    std::fs::create_dir_all(&out).unwrap();
    let exe = out.join(if ours {
        "fd_limit-ours"
    } else {
        "fd_limit-libzmq"
    });
    let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()));
    cc.args(["-std=gnu11", "-Wall", "-Werror", "-O1"])
        .arg(repo.join("capi-tests/exhaustion/fd_limit.c"))
        .arg("-o")
        .arg(&exe);
    if ours {
        cc.arg("-I").arg(repo.join("include")).arg(common::cdylib());
    } else {
        cc.arg("-lzmq");
    }
    let res = cc.output().expect("run cc");
    if !res.status.success() {
        assert!(!ours, "{}", String::from_utf8_lossy(&res.stderr));
        return None;
    }
    Some(exe)
}

/// A ZMTP 3.0 NULL DEALER's half of the handshake: greeting and READY.
fn handshake() -> Vec<u8> {
    let mut b = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 0];
    let mut mech = [0u8; 20];
    mech[..4].copy_from_slice(b"NULL");
    b.extend_from_slice(&mech);
    b.extend_from_slice(&[0u8; 32]);
    let mut ready = b"\x05READY\x0bSocket-Type".to_vec();
    ready.extend_from_slice(&6u32.to_be_bytes());
    ready.extend_from_slice(b"DEALER");
    b.extend_from_slice(&[0x04, ready.len() as u8]);
    b.extend_from_slice(&ready);
    b
}

/// A raw client: it sends its message once the server's greeting and READY are in
/// (libzmq fails a peer whose data arrives before its own READY went out).
struct Client {
    stream: TcpStream,
    got: Vec<u8>,
    sent: bool,
    body: Vec<u8>,
}

impl Client {
    fn pump(&mut self) {
        if self.sent {
            return;
        }
        let mut buf = [0u8; 256];
        while let Ok(n @ 1..) = self.stream.read(&mut buf) {
            self.got.extend_from_slice(&buf[..n]);
        }
        // 64 greeting bytes, then the READY command (short frame: flags, size).
        if self.got.len() >= 66 && self.got.len() >= 66 + usize::from(self.got[65]) {
            let mut frame = vec![0x00, self.body.len() as u8];
            frame.extend_from_slice(&self.body);
            self.sent = self.stream.write_all(&frame).is_ok();
        }
    }
}

struct Child_ {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Child_ {
    fn start(exe: &Path) -> Child_ {
        let mut child = Command::new(exe)
            .env("LD_LIBRARY_PATH", common::soname_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn fd_limit");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Child_ {
            child,
            stdin,
            stdout,
        }
    }

    fn line(&mut self) -> String {
        let mut l = String::new();
        self.stdout.read_line(&mut l).expect("read from fd_limit");
        assert!(!l.is_empty(), "fd_limit died: {:?}", self.child.try_wait());
        l.trim().to_string()
    }

    fn ask(&mut self, cmd: &str, lines: usize) -> Vec<String> {
        writeln!(self.stdin, "{cmd}").unwrap();
        self.stdin.flush().unwrap();
        (0..lines).map(|_| self.line()).collect()
    }
}

impl Drop for Child_ {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `key value` pairs of a reply line.
fn field(line: &str, key: &str) -> i64 {
    let mut it = line.split_whitespace();
    while let Some(k) = it.next() {
        if k == key {
            return it.next().and_then(|v| v.parse().ok()).unwrap_or(-1);
        }
    }
    panic!("no {key} in {line:?}")
}

#[derive(Debug)]
struct Figures {
    connected: usize,
    at_limit: (i64, i64, i64, i64),
    probe: Vec<String>,
    after_free: (i64, i64, i64),
    exited: Option<std::process::ExitStatus>,
}

/// Runs the scenario against one build; what it measured.
fn scenario(exe: &Path) -> Figures {
    let mut c = Child_::start(exe);
    let ep = c.line();
    let addr: SocketAddr = ep
        .strip_prefix("endpoint tcp://")
        .expect("endpoint line")
        .parse()
        .unwrap();
    let mut clients = Vec::new();
    for i in 0..CLIENTS {
        // Beyond the listen backlog the kernel drops SYNs: those clients time out.
        if let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            if s.write_all(&handshake()).is_ok() && s.set_nonblocking(true).is_ok() {
                clients.push(Client {
                    stream: s,
                    got: Vec::new(),
                    sent: false,
                    body: format!("hello {i}").into_bytes(),
                });
            }
        }
    }
    let connected = clients.len();
    let clients = Mutex::new(clients);
    let stop = AtomicBool::new(false);
    let (at_limit, probe, after_free) = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                clients.lock().unwrap().iter_mut().for_each(Client::pump);
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        let m = c.ask("measure 3", 1).remove(0);
        let at_limit = (
            field(&m, "received"),
            field(&m, "cpu_ms"),
            field(&m, "wall_ms"),
            field(&m, "at_limit"),
        );
        let probe = c.ask("probe", 3);
        // Half the clients leave: their sessions close and free descriptors.
        clients.lock().unwrap().drain(..connected / 2);
        let m = c.ask("measure 3", 1).remove(0);
        let after_free = (
            field(&m, "received"),
            field(&m, "cpu_ms"),
            field(&m, "at_limit"),
        );
        stop.store(true, Ordering::Relaxed);
        (at_limit, probe, after_free)
    });
    drop(clients);
    writeln!(c.stdin, "quit").unwrap();
    let _ = c.stdin.flush();
    let mut rest = String::new();
    let _ = c.stdout.read_to_string(&mut rest);
    let exited = wait(&mut c.child, Duration::from_secs(20));
    Figures {
        connected,
        at_limit,
        probe,
        after_free,
        exited,
    }
}

fn wait(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        if let Ok(Some(st)) = child.try_wait() {
            return Some(st);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

#[test]
fn router_at_the_descriptor_limit() {
    let ours = scenario(&build(true).unwrap());
    eprintln!("libzmq-rs: {ours:#?}");
    // The real libzmq (Debian's libzmq3-dev, installed by .ci/run) is the yardstick.
    let reference = scenario(&build(false).expect("libzmq3-dev is needed (.ci/run installs it)"));
    eprintln!("libzmq:    {reference:#?}");

    let (received, cpu_ms, wall_ms, limited) = ours.at_limit;
    assert!(
        ours.connected > 128,
        "only {} clients got in",
        ours.connected
    );
    assert_eq!(limited, 1, "never reached the descriptor limit");
    assert!(
        received > 0 && (received as usize) < ours.connected,
        "received {received} of {}",
        ours.connected
    );
    // A busy loop on the failing accept would burn the whole window (~100%).
    assert!(
        cpu_ms * 4 < wall_ms,
        "{cpu_ms} ms of CPU in {wall_ms} ms at the limit"
    );
    // Accepting again once descriptors are free: the clients queued in the backlog
    // get in and their messages arrive.
    let (received_after, _, _) = ours.after_free;
    assert!(
        received_after > received,
        "nothing accepted after descriptors were freed ({received} -> {received_after})"
    );
    // zmq_socket at the limit: NULL with EMFILE, as libzmq.
    assert_eq!(ours.probe[0], "socket null errno 24 at_limit 1");
    assert_eq!(
        ours.probe, reference.probe,
        "zmq_socket/zmq_connect at the limit"
    );
    assert!(
        ours.exited.is_some_and(|s| s.success()),
        "exit: {:?}",
        ours.exited
    );
}
