//! ws:// and wss:// against the reference libzmq 4.3.5 built with WebSocket and GnuTLS
//! (capi-tests/conformance/build-reference.sh, run here when its cache is missing):
//! capi-tests/interop/node.c built against both libraries, REQ/REP, DEALER/ROUTER and
//! PUB/SUB, NULL and CURVE, each side binding; and a real browser (Debian's headless
//! Chromium) talking ZWS 2.0 to one of our sockets from examples/ws-browser/.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The reference build's lib and include directories, building it if needed. It must
/// have wss (GnuTLS, Debian's libgnutls28-dev: .ci/run installs it).
fn reference_with_wss() -> (PathBuf, PathBuf) {
    let repo = common::repo();
    let cache = std::env::var_os("ZMQRS_CONFORMANCE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME"))
                .join(".cache/libzmq-rs-conformance")
        });
    let install = cache.join("reference/install");
    let lib = install.join("lib");
    let gnutls = |lib: &Path| {
        Command::new("readelf")
            .arg("-d")
            .arg(lib.join("libzmq.so"))
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).contains("libgnutls"))
            .unwrap_or(false)
    };
    if !gnutls(&lib) {
        // Incremental: reconfigures an existing build (GnuTLS may be new since).
        let _ = std::fs::remove_file(cache.join("reference/build/CMakeCache.txt"));
        let out = Command::new("bash")
            .arg(repo.join("capi-tests/conformance/build-reference.sh"))
            .output()
            .expect("run build-reference.sh");
        assert!(
            out.status.success(),
            "build-reference.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(
        gnutls(&lib),
        "the reference libzmq has no wss: install libgnutls28-dev (.ci/run does)"
    );
    (lib, install.join("include"))
}

fn build_node(exe: &Path, args: &[std::ffi::OsString]) {
    let repo = common::repo();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let res = Command::new(cc)
        .args(["-std=gnu11", "-Wall", "-Werror", "-DZMQ_BUILD_DRAFT_API"])
        .arg(repo.join("capi-tests/interop/node.c"))
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
}

/// Runs `server` binding `endpoint` and `client` connecting to what it reports.
fn exchange(server: &Path, client: &Path, roles: (&str, &str), endpoint: &str) -> Result<(), String> {
    let certs = common::repo().join("tests/data/tls");
    let libdir = common::soname_dir();
    let mut srv = Command::new(server)
        .args([roles.0, endpoint, "bind"])
        .env("LD_LIBRARY_PATH", &libdir)
        .env("WSS_CERTS", &certs)
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
        .env("LD_LIBRARY_PATH", &libdir)
        .env("WSS_CERTS", &certs);
    let client_result = common::run_with_timeout(&mut cmd, Duration::from_secs(30));
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    let srv_status = loop {
        if let Some(st) = srv.try_wait().map_err(|e| e.to_string())? {
            break Some(st);
        }
        if Instant::now() > deadline {
            let _ = srv.kill();
            let _ = srv.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
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
fn ws_and_wss_with_reference_libzmq() {
    let (ref_lib, ref_include) = reference_with_wss();
    let repo = common::repo();
    let out = common::profile_dir().join("ws");
    std::fs::create_dir_all(&out).unwrap();
    let ours = out.join("node-ours");
    let theirs = out.join("node-reference");
    build_node(
        &ours,
        &["-I".into(), repo.join("include").into(), common::cdylib().into()],
    );
    // DT_RPATH (not RUNPATH), so LD_LIBRARY_PATH cannot swap the library.
    let mut rpath = std::ffi::OsString::from("-Wl,--disable-new-dtags,-rpath,");
    rpath.push(&ref_lib);
    build_node(
        &theirs,
        &[
            "-I".into(),
            ref_include.into(),
            "-L".into(),
            ref_lib.into(),
            rpath,
            "-lzmq".into(),
        ],
    );
    let pairs = [
        ("rep", "req"),
        ("router", "dealer"),
        ("curve-rep", "curve-req"),
        ("curve-router", "curve-dealer"),
        ("pub", "sub"),
        ("pub", "xsub"),
    ];
    let mut failures = Vec::new();
    let mut passed = 0;
    for endpoint in ["ws://127.0.0.1:*/interop", "wss://127.0.0.1:*/interop"] {
        for (srv, cli) in pairs {
            for (server, client, who) in [
                (&ours, &theirs, "libzmq-rs binds, libzmq connects"),
                (&theirs, &ours, "libzmq binds, libzmq-rs connects"),
            ] {
                match exchange(server, client, (srv, cli), endpoint) {
                    Ok(()) => passed += 1,
                    Err(e) => failures.push(format!("{srv}/{cli} over {endpoint} ({who}): {e}")),
                }
            }
        }
    }
    eprintln!("ws interop: {passed} passed, {} failed", failures.len());
    assert!(failures.is_empty(), "ws interop failures:\n{}", failures.join("\n"));
}
