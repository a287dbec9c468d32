//! `ZMQRS_DEBUG` (src/diag.rs): `capi-tests/diag/events.c` makes a CURVE client be
//! refused by the server's ZAP handler, a PUB drop messages at its high-water mark and
//! a connect be refused; with the variable on, stderr says so, one line per event,
//! after a first line naming the library and the file it was loaded from; off (unset,
//! or `0`), the library prints nothing at all.

mod common;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Runs the program with `ZMQRS_DEBUG` as given (`None`: unset), stdout and stderr
/// apart.
fn run(debug: Option<&str>) -> (String, String) {
    let out_dir = common::profile_dir().join("diag-tests");
    std::fs::create_dir_all(&out_dir).unwrap();
    let exe = out_dir.join("events");
    static BUILT: std::sync::Once = std::sync::Once::new();
    BUILT.call_once(|| {
        if let Err(err) = common::build_c(&common::repo().join("capi-tests/diag/events.c"), &exe) {
            panic!("capi-tests/diag/events.c does not build:\n{err}");
        }
    });
    let mut cmd = Command::new(&exe);
    cmd.env("LD_LIBRARY_PATH", common::soname_dir())
        .env_remove("ZMQRS_DEBUG");
    if let Some(v) = debug {
        cmd.env("ZMQRS_DEBUG", v);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = output_within(&mut cmd, Duration::from_secs(60));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    );
    assert!(
        status.success(),
        "events failed ({status}):\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("diag events: ok"), "{stdout}");
    (stdout, stderr)
}

fn output_within(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn events");
    let deadline = Instant::now() + limit;
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().expect("collect");
            panic!(
                "events did not finish within {limit:?}:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("collect")
}

#[test]
fn on_it_says_what_was_loaded_who_was_refused_and_what_was_dropped() {
    let (stdout, stderr) = run(Some("1"));
    let lines: Vec<&str> = stderr.lines().collect();
    // Every line is ours, stamped with the process id.
    assert!(
        lines.iter().all(|l| l.starts_with("libzmq-rs[")),
        "{stderr}"
    );

    // The first line: identity and place.
    let banner = lines.first().copied().unwrap_or_default();
    let soname = common::soname_dir().join("libzmq-rs.so.5");
    let drafts = if cfg!(feature = "draft") {
        "draft API"
    } else {
        "stable API only"
    };
    assert!(
        banner.ends_with(&format!(
            "]: libzmq-rs {} (libzmq 4.3.5 ABI, {drafts}) loaded from {}; ZMQRS_DEBUG is on",
            env!("CARGO_PKG_VERSION"),
            soname.display()
        )),
        "{banner}"
    );

    let one = |what: &str, pred: &dyn Fn(&str) -> bool| {
        let found: Vec<_> = lines.iter().filter(|l| pred(l)).collect();
        assert_eq!(found.len(), 1, "{what}: expected one line in\n{stderr}");
    };
    // The server refused the client (its ZAP handler said 400), and the client knows
    // why and that it will not try again, as libzmq.
    one("server refusal", &|l| {
        l.contains("]: REP tcp://127.0.0.1:")
            && l.ends_with(": handshake failed: ZAP handler refused the peer (400)")
    });
    one("client refused", &|l| {
        l.contains("]: REQ tcp://127.0.0.1:")
            && l.ends_with(
                ": handshake failed: the peer refused us: its ZAP handler answered 400; \
                 not reconnecting (libzmq gives up after a protocol error)",
            )
    });
    // The PUB: the subscriber's connection filled up, once per episode.
    let drops: Vec<_> = lines
        .iter()
        .filter(|l| l.contains("]: message dropped: tcp://127.0.0.1:"))
        .collect();
    assert!(!drops.is_empty(), "no drop line in\n{stderr}");
    for l in &drops {
        assert!(
            l.contains(" (on tcp://127.0.0.1:")
                && l.contains(" is at its high-water mark (")
                && l.ends_with(
                    " queued); it misses messages until it drains (ZMQ_SNDHWM/ZMQ_RCVHWM)"
                ),
            "{l}"
        );
    }
    // The refused connect names the endpoint the program printed.
    let refused = stdout
        .lines()
        .find_map(|l| l.strip_prefix("refused endpoint "))
        .expect("the program names the refused endpoint");
    assert!(
        lines.iter().any(|l| l.contains(&format!(
            "]: DEALER {refused}: connect failed: connection refused"
        ))),
        "no refused-connect line for {refused} in\n{stderr}"
    );
}

#[test]
fn off_it_prints_nothing() {
    for setting in [None, Some("0"), Some("")] {
        let (_, stderr) = run(setting);
        assert_eq!(stderr, "", "ZMQRS_DEBUG={setting:?}");
    }
}
