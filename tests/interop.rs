//! Interoperability with the real libzmq (Debian's libzmq3-dev): the same C program
//! (capi-tests/interop/node.c) is built against libzmq-rs and against libzmq, and every
//! pattern runs in both directions — ours binding and libzmq connecting, and the
//! reverse — over tcp and ipc, with empty, 1, 255/256-byte, 70 KB, 1 MiB and multipart
//! messages, ZMQ_METADATA, routing ids and subscription forwarding (to SUB and to XSUB);
//! and heartbeats keeping an idle connection up and detecting a frozen peer. RADIO/DISH
//! (capi-tests/interop/radio_dish.c) run against the draft-enabled libzmq 4.3.5 the
//! conformance suite builds (built here when its cache has none).

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Server role, client role.
const PAIRS: &[(&str, &str)] = &[
    ("rep", "req"),
    ("router", "dealer"),
    ("rep", "dealer"),
    ("router", "req"),
    ("pub", "sub"),
    ("pub", "xsub"),
    ("pull", "push"),
    ("pair", "pair"),
    ("plain-rep", "plain-req"),
    ("curve-rep", "curve-req"),
];

/// node.c built against us and (when installed) against libzmq, once per test run:
/// the tests run in parallel and must not rewrite a binary another one is running.
fn nodes() -> &'static (PathBuf, Option<PathBuf>) {
    static NODES: std::sync::OnceLock<(PathBuf, Option<PathBuf>)> = std::sync::OnceLock::new();
    NODES.get_or_init(|| {
        let out = common::profile_dir().join("interop");
        std::fs::create_dir_all(&out).unwrap();
        (build(&out, true).unwrap(), build(&out, false))
    })
}

fn build(out: &Path, ours: bool) -> Option<PathBuf> {
    let repo = common::repo();
    let exe = out.join(if ours { "node-ours" } else { "node-libzmq" });
    let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()));
    cc.args(["-std=gnu11", "-Wall", "-Werror", "-DZMQ_BUILD_DRAFT_API"])
        .arg(repo.join("capi-tests/interop/node.c"))
        .arg("-o")
        .arg(&exe);
    if ours {
        cc.arg("-I").arg(repo.join("include")).arg(common::cdylib());
    } else {
        cc.arg("-lzmq");
    }
    let res = cc.output().expect("run cc");
    if !res.status.success() {
        assert!(
            ours,
            "building against our library failed: {}",
            String::from_utf8_lossy(&res.stderr)
        );
        return None;
    }
    Some(exe)
}

/// Runs `server` binding `endpoint` and `client` connecting to what it reports.
fn exchange(
    server: &Path,
    client: &Path,
    roles: (&str, &str),
    endpoint: &str,
    libdir: &Path,
) -> Result<(), String> {
    let mut srv = Command::new(server)
        .args([roles.0, endpoint, "bind"])
        .env("LD_LIBRARY_PATH", libdir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut lines = BufReader::new(srv.stdout.take().unwrap()).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let Some(bound) = first.strip_prefix("ENDPOINT ") else {
        let _ = srv.kill();
        let _ = srv.wait();
        return Err(format!("server did not bind: {first}"));
    };
    let mut cmd = Command::new(client);
    cmd.args([roles.1, bound, "connect"])
        .env("LD_LIBRARY_PATH", libdir);
    let client_result = common::run_with_timeout(&mut cmd, Duration::from_secs(30));
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    // The server's own timeouts end it; never wait forever for it.
    let srv_status = {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(st) = srv.try_wait().map_err(|e| e.to_string())? {
                break Some(st);
            }
            if std::time::Instant::now() > deadline {
                let _ = srv.kill();
                let _ = srv.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    match (client_result, srv_status) {
        (Some((c, _)), Some(s)) if c.success() && s.success() => Ok(()),
        (c, s) => Err(format!(
            "client: {:?} server: {:?} {}",
            c.map(|(st, out)| format!("{st} {}", out.trim())),
            s,
            rest.join(" | ")
        )),
    }
}

#[test]
fn both_directions_over_tcp_and_ipc() {
    let (ours, theirs) = nodes();
    // Not a silent pass: CI installs libzmq3-dev.
    let theirs = theirs.as_ref().expect(
        "node.c does not build against libzmq: is libzmq3-dev installed? .ci/run installs it",
    );
    let libdir = common::soname_dir();
    let mut failures = Vec::new();
    let mut passed = 0;
    for endpoint in ["tcp://127.0.0.1:*", "ipc://*"] {
        for &(srv, cli) in PAIRS {
            for (server, client, who) in [
                (&ours, &theirs, "libzmq-rs binds, libzmq connects"),
                (&theirs, &ours, "libzmq binds, libzmq-rs connects"),
            ] {
                match exchange(server, client, (srv, cli), endpoint, &libdir) {
                    Ok(()) => passed += 1,
                    Err(e) => failures.push(format!("{srv}/{cli} over {endpoint} ({who}): {e}")),
                }
            }
        }
    }
    eprintln!("interop: {passed} passed, {} failed", failures.len());
    assert!(
        failures.is_empty(),
        "interop failures:\n{}",
        failures.join("\n")
    );
}

/// Heartbeats across the wire, both directions, tcp and ipc: an idle connection with
/// ZMQ_HEARTBEAT_IVL/TIMEOUT stays up for many intervals, and once the server process
/// is frozen (SIGSTOP: its kernel still ACKs, but no PONG comes) the client's heartbeat
/// timeout drops the connection (ZMQ_EVENT_DISCONNECTED). node.c's hb-* roles.
#[test]
fn heartbeats_keep_idle_connections_and_detect_dead_peers() {
    let (ours, theirs) = nodes();
    // Not a silent pass: CI installs libzmq3-dev.
    let theirs = theirs.as_ref().expect(
        "node.c does not build against libzmq: is libzmq3-dev installed? .ci/run installs it",
    );
    let libdir = common::soname_dir();
    let mut failures = Vec::new();
    for endpoint in ["tcp://127.0.0.1:*", "ipc://*"] {
        for (server, client, who) in [
            (&ours, &theirs, "libzmq-rs server, libzmq client"),
            (&theirs, &ours, "libzmq server, libzmq-rs client"),
        ] {
            if let Err(e) = heartbeat_exchange(server, client, endpoint, &libdir) {
                failures.push(format!("heartbeats over {endpoint} ({who}): {e}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn heartbeat_exchange(
    server: &Path,
    client: &Path,
    endpoint: &str,
    libdir: &Path,
) -> Result<(), String> {
    // The server dies of SIGKILL, so it cannot remove the directory an `ipc://*` bind
    // made (libzmq makes it in its working directory, we in /tmp): the test does.
    let cwd = common::profile_dir().join("interop-heartbeats");
    std::fs::create_dir_all(&cwd).map_err(|e| e.to_string())?;
    let mut ipc_dir = None;
    let mut srv = Command::new(server)
        .args(["hb-router", endpoint, "bind"])
        .env("LD_LIBRARY_PATH", libdir)
        .current_dir(&cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let result = (|| {
        let mut lines = BufReader::new(srv.stdout.take().unwrap()).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let bound = first
            .strip_prefix("ENDPOINT ")
            .ok_or(format!("server did not bind: {first}"))?;
        if let Some(path) = bound.strip_prefix("ipc://") {
            ipc_dir = Path::new(path).parent().map(|dir| cwd.join(dir));
        }
        let mut cli = Command::new(client)
            .args(["hb-dealer", bound, "connect"])
            .env("LD_LIBRARY_PATH", libdir)
            // libzmq's ipc endpoint is relative to the server's directory.
            .current_dir(&cwd)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        let (tx, rx) = std::sync::mpsc::channel();
        let cli_out = cli.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(cli_out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut said = Vec::new();
        let froze = loop {
            match rx.recv_timeout(Duration::from_secs(15)) {
                Ok(l) if l == "FREEZE" => break true,
                Ok(l) => said.push(l),
                Err(_) => break false,
            }
        };
        if froze {
            signal(&srv, "STOP");
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        let status = loop {
            if let Some(st) = cli.try_wait().map_err(|e| e.to_string())? {
                break Some(st);
            }
            if std::time::Instant::now() > deadline {
                let _ = cli.kill();
                let _ = cli.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        said.extend(rx.try_iter());
        match status {
            Some(st) if froze && st.success() => Ok(()),
            st => Err(format!(
                "client {st:?}, froze: {froze}: {}",
                said.join(" | ")
            )),
        }
    })();
    // A stopped process is resumed first, so that it dies of SIGKILL at once.
    signal(&srv, "CONT");
    let _ = srv.kill();
    let _ = srv.wait();
    if let Some(dir) = ipc_dir {
        std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    result
}

fn signal(child: &std::process::Child, sig: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(child.id().to_string())
        .status();
}

/// RADIO/DISH with libzmq 4.3.5 over tcp (either side binding) and udp: JOIN commands
/// and group frames on the wire, and the udp datagram layout.
#[test]
#[cfg_attr(
    not(feature = "draft"),
    ignore = "built without the draft API: RADIO and DISH are draft socket types"
)]
fn radio_dish_with_reference_libzmq() {
    let (ref_lib, ref_include) = common::reference_libzmq();
    let repo = common::repo();
    let out = common::profile_dir().join("interop");
    std::fs::create_dir_all(&out).unwrap();
    let src = repo.join("capi-tests/interop/radio_dish.c");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let ours = out.join("radio-dish-ours");
    let theirs = out.join("radio-dish-libzmq");
    let build = |exe: &Path, args: Vec<std::ffi::OsString>| {
        let res = Command::new(&cc)
            .args(["-std=gnu11", "-Wall", "-Werror", "-DZMQ_BUILD_DRAFT_API"])
            .arg(&src)
            .arg("-o")
            .arg(exe)
            .args(args)
            .output()
            .expect("run cc");
        assert!(
            res.status.success(),
            "building {}: {}",
            exe.display(),
            String::from_utf8_lossy(&res.stderr)
        );
    };
    build(
        &ours,
        vec![
            "-I".into(),
            repo.join("include").into(),
            common::cdylib().into(),
        ],
    );
    // DT_RPATH (not RUNPATH), so LD_LIBRARY_PATH cannot swap the library.
    let mut rpath = std::ffi::OsString::from("-Wl,--disable-new-dtags,-rpath,");
    rpath.push(&ref_lib);
    build(
        &theirs,
        vec![
            "-I".into(),
            ref_include.into(),
            "-L".into(),
            ref_lib.into(),
            rpath,
            "-lzmq".into(),
        ],
    );
    let libdir = common::soname_dir();
    // Unlike tcp, a udp endpoint is not picked by the system: one per run.
    let udp = format!("udp://127.0.0.1:{}", 30000 + std::process::id() % 20000);
    let mut failures = Vec::new();
    for (roles, endpoint) in [
        (("radio", "dish"), "tcp://127.0.0.1:*"),
        (("dish", "radio"), "tcp://127.0.0.1:*"),
        (("dish", "radio"), udp.as_str()),
    ] {
        for (server, client, who) in [
            (&ours, &theirs, "libzmq-rs binds, libzmq connects"),
            (&theirs, &ours, "libzmq binds, libzmq-rs connects"),
        ] {
            if let Err(e) = exchange(server, client, roles, endpoint, &libdir) {
                failures.push(format!(
                    "{}/{} over {endpoint} ({who}): {e}",
                    roles.0, roles.1
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "RADIO/DISH interop failures:\n{}",
        failures.join("\n")
    );
}
