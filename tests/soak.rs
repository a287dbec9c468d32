//! Soak: a PULL (`capi-tests/soak/server.c`, with a monitor) bound to tcp and ipc while
//! 20 PUSH peer processes (`capi-tests/soak/peer.c`) connect, send and are replaced
//! every 200 ms, alternately killed (SIGKILL) and stopped (SIGTERM: the peer closes
//! with the default linger and exits). Over `ZMQRS_SOAK_SECONDS` (default 30):
//!
//! * every peer instance's messages arrive in order without gaps or duplicates;
//! * from a peer that exited normally, all of them (nothing may be lost);
//! * from a killed one, a prefix (only what was in flight dies with it);
//! * the server ends with the descriptors it started with; its RSS growth is printed.
//!
//! The same programs built against the real libzmq run the same scenario for
//! comparison (printed).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PEERS: usize = 20;

fn build(name: &str, ours: bool) -> PathBuf {
    let repo = common::repo();
    let out = common::profile_dir().join("soak");
    std::fs::create_dir_all(&out).unwrap();
    let exe = out.join(format!("{name}-{}", if ours { "ours" } else { "libzmq" }));
    let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()));
    cc.args(["-std=gnu11", "-Wall", "-Werror", "-O1"])
        .arg(repo.join(format!("capi-tests/soak/{name}.c")))
        .arg("-o")
        .arg(&exe);
    if ours {
        cc.arg("-I").arg(repo.join("include")).arg(common::cdylib());
    } else {
        cc.arg("-lzmq");
    }
    let res = cc.output().expect("run cc");
    assert!(
        res.status.success(),
        "{name} ({}): {}",
        if ours {
            "ours"
        } else {
            "libzmq, from libzmq3-dev"
        },
        String::from_utf8_lossy(&res.stderr)
    );
    exe
}

fn signal(child: &Child, sig: libc::c_int) {
    // SAFETY: a child of ours that has not been waited for.
    unsafe { libc::kill(child.id() as libc::pid_t, sig) };
}

struct Peer {
    child: Child,
    inst: usize,
}

fn spawn_peer(exe: &Path, endpoint: &str, id: usize, inst: usize) -> Peer {
    let child = Command::new(exe)
        .args([endpoint, &id.to_string(), &inst.to_string()])
        .env("LD_LIBRARY_PATH", common::soname_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn peer");
    Peer { child, inst }
}

/// Stops a peer; for a normal exit, the last sequence number it sent.
fn stop_peer(mut p: Peer, kill: bool) -> Option<i64> {
    signal(&p.child, if kill { libc::SIGKILL } else { libc::SIGTERM });
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(st) = p.child.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < deadline, "peer did not exit");
        std::thread::sleep(Duration::from_millis(2));
    };
    if kill {
        return None;
    }
    assert!(status.success(), "peer exit: {status}");
    let mut out = String::new();
    BufReader::new(p.child.stdout.take().unwrap())
        .read_line(&mut out)
        .unwrap();
    Some(out.trim().strip_prefix("last ").unwrap().parse().unwrap())
}

#[derive(Debug, Default)]
struct Figures {
    instances: usize,
    killed: usize,
    stopped: usize,
    messages: i64,
    lost_after_normal_exit: i64,
    out_of_order: i64,
    monitor: String,
    fds: (i64, i64),
    rss_kb: (i64, i64),
}

fn scenario(ours: bool, seconds: u64) -> Figures {
    let server = build("server", ours);
    let peer = build("peer", ours);
    let dir = std::env::temp_dir().join(format!(
        "zmqrs-soak-{}-{}",
        std::process::id(),
        if ours { "ours" } else { "libzmq" }
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let ipc = format!("ipc://{}/pull.ipc", dir.display());
    let mut srv = Command::new(&server)
        .args(["tcp://127.0.0.1:*", &ipc])
        .env("LD_LIBRARY_PATH", common::soname_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn server");
    let mut srv_in = srv.stdin.take().unwrap();
    let mut srv_out = BufReader::new(srv.stdout.take().unwrap());
    let mut line = String::new();
    srv_out.read_line(&mut line).unwrap();
    let tcp = line
        .trim()
        .strip_prefix("ready ")
        .expect("ready line")
        .to_string();
    writeln!(srv_in, "mark").unwrap();
    srv_in.flush().unwrap();
    std::thread::sleep(Duration::from_millis(200));

    let endpoint = |id: usize| {
        if id.is_multiple_of(2) {
            tcp.clone()
        } else {
            ipc.clone()
        }
    };
    let mut peers: Vec<Peer> = (0..PEERS)
        .map(|id| spawn_peer(&peer, &endpoint(id), id, 0))
        .collect();
    let mut normal_exits = Vec::new();
    let mut fig = Figures {
        instances: PEERS,
        ..Figures::default()
    };
    let start = Instant::now();
    let mut tick = 0usize;
    while start.elapsed() < Duration::from_secs(seconds) {
        std::thread::sleep(Duration::from_millis(200));
        let id = tick % PEERS;
        let kill = tick.is_multiple_of(2);
        let inst = peers[id].inst;
        let replacement = spawn_peer(&peer, &endpoint(id), id, inst + 1);
        let old = std::mem::replace(&mut peers[id], replacement);
        match stop_peer(old, kill) {
            Some(last) => {
                normal_exits.push((id, inst, last));
                fig.stopped += 1;
            }
            None => fig.killed += 1,
        }
        fig.instances += 1;
        tick += 1;
    }
    for (id, p) in peers.into_iter().enumerate() {
        let inst = p.inst;
        let last = stop_peer(p, false).unwrap();
        normal_exits.push((id, inst, last));
        fig.stopped += 1;
    }
    // Let the server take what is still on its way and see every disconnection.
    std::thread::sleep(Duration::from_millis(1500));
    writeln!(srv_in, "stop").unwrap();
    srv_in.flush().unwrap();
    let mut report = String::new();
    for l in srv_out.lines() {
        report.push_str(&l.unwrap());
        report.push('\n');
    }
    let _ = srv.wait();
    let _ = std::fs::remove_dir_all(&dir);

    let mut received = std::collections::HashMap::new();
    for l in report.lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        match f.first() {
            Some(&"peer") => {
                let n: Vec<i64> = f[1..].iter().map(|x| x.parse().unwrap()).collect();
                received.insert((n[0] as usize, n[1] as usize), (n[2], n[3]));
                fig.messages += n[2];
                fig.out_of_order += n[4];
            }
            Some(&"monitor") => fig.monitor = l.to_string(),
            Some(&"fds") => {
                fig.fds = (f[1].parse().unwrap(), f[3].parse().unwrap());
                fig.rss_kb = (f[5].parse().unwrap(), f[7].parse().unwrap());
            }
            _ => {}
        }
    }
    for (id, inst, last) in normal_exits {
        let (count, _) = received.get(&(id, inst)).copied().unwrap_or((0, -1));
        fig.lost_after_normal_exit += last + 1 - count;
    }
    fig
}

#[test]
fn peers_come_and_go() {
    let seconds = std::env::var("ZMQRS_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let ours = scenario(true, seconds);
    eprintln!("libzmq-rs: {ours:#?}");
    let reference = scenario(false, seconds);
    eprintln!("libzmq:    {reference:#?}");
    assert!(ours.messages > 0 && ours.instances > PEERS);
    assert_eq!(ours.out_of_order, 0, "gaps, duplicates or reordering");
    assert_eq!(
        ours.lost_after_normal_exit, 0,
        "messages of peers that exited normally were lost"
    );
    assert_eq!(ours.fds.0, ours.fds.1, "descriptors at start and end");
    assert!(
        ours.rss_kb.1 - ours.rss_kb.0 < 64 * 1024,
        "RSS grew from {} to {} kB",
        ours.rss_kb.0,
        ours.rss_kb.1
    );
}
