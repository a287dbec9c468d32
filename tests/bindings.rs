//! Existing bindings on libzmq-rs: Debian's pyzmq and czmq, built against the real
//! libzmq, run smoke programs (`tests/bindings/`) with our library in LD_PRELOAD, so
//! every `zmq_*` call resolves to ours. Each reports the version it ran on: 4.3.5 is
//! ours, the system libzmq is 4.3.4.

mod common;

use std::process::Command;
use std::time::Duration;

#[test]
fn pyzmq_runs_on_libzmq_rs_via_ld_preload() {
    let python = "/usr/bin/python3";
    let has_pyzmq = Command::new(python)
        .args(["-c", "import zmq"])
        .status()
        .is_ok_and(|s| s.success());
    // Not a silent pass: CI installs python3-zmq.
    assert!(
        has_pyzmq,
        "pyzmq is not installed: `apt-get install python3-zmq` (.ci/run installs it)"
    );
    let script = common::repo().join("tests/bindings/pyzmq_smoke.py");
    let mut cmd = Command::new(python);
    cmd.arg(&script).env("LD_PRELOAD", common::cdylib());
    let Some((status, out)) = common::run_with_timeout(&mut cmd, Duration::from_secs(120)) else {
        panic!("the pyzmq smoke test did not finish within 120 s");
    };
    assert!(
        status.success(),
        "pyzmq on libzmq-rs failed ({status}):\n{out}"
    );
    // The system libzmq is 4.3.4: 4.3.5 shows the calls reached our library.
    assert!(
        out.contains("zmq_version 4.3.5"),
        "pyzmq did not run on libzmq-rs:\n{out}"
    );
    assert!(out.contains("OK"), "{out}");
}

/// Debian's czmq (libczmq, linked against the real libzmq.so.5) with our library in
/// LD_PRELOAD: zsock, zmsg, zpoller, zactor (an inproc PAIR pipe with a thread) and
/// zcert/CURVE (`tests/bindings/czmq_smoke.c`).
#[test]
fn czmq_runs_on_libzmq_rs_via_ld_preload() {
    let out_dir = common::profile_dir().join("bindings");
    std::fs::create_dir_all(&out_dir).unwrap();
    let exe = out_dir.join("czmq_smoke");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let build = Command::new(&cc)
        .args(["-Wall", "-Werror"])
        .arg(common::repo().join("tests/bindings/czmq_smoke.c"))
        .arg("-o")
        .arg(&exe)
        .args(["-lczmq", "-lzmq"])
        .output()
        .expect("run the C compiler");
    // Not a silent pass: CI installs libczmq-dev.
    assert!(
        build.status.success(),
        "czmq_smoke.c does not build (is libczmq-dev installed? .ci/run installs it):\n{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let mut cmd = Command::new(&exe);
    cmd.env("LD_PRELOAD", common::cdylib());
    let Some((status, out)) = common::run_with_timeout(&mut cmd, Duration::from_secs(60)) else {
        panic!("the czmq smoke test did not finish within 60 s");
    };
    assert!(
        status.success(),
        "czmq on libzmq-rs failed ({status}):\n{out}"
    );
    assert!(
        out.contains("zmq_version 4.3.5"),
        "czmq did not run on libzmq-rs:\n{out}"
    );
    assert!(out.contains("OK"), "{out}");
}
