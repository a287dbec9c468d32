//! Existing bindings on libzmq-rs: Debian's pyzmq (python3-zmq, built against the real
//! libzmq) runs `tests/bindings/pyzmq_smoke.py` with our library in LD_PRELOAD, so
//! every `zmq_*` call resolves to ours. The script reports the version it ran on.

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
