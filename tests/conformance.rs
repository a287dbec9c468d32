//! libzmq 4.3.5's own test suite run against our library (capi-tests/conformance/):
//! every test listed in expected-pass.txt must pass, so nothing that once passed can
//! silently break. The runner prints a per-test table and `N passed, M failed`.

mod common;

use std::process::Command;

#[test]
fn libzmq_test_suite() {
    if std::env::var_os("ZMQRS_SKIP_CONFORMANCE").is_some() {
        eprintln!("SKIP: ZMQRS_SKIP_CONFORMANCE is set");
        return;
    }
    let repo = common::repo();
    let dir = repo.join("capi-tests/conformance");
    let status = Command::new("bash")
        .arg(dir.join("run.sh"))
        .arg("--include")
        .arg(repo.join("include"))
        .arg("--lib")
        .arg(common::cdylib())
        .arg("--expected")
        .arg(dir.join("expected-pass.txt"))
        // Beyond platform.hpp's set: what this library adds of Debian's libzmq.
        .arg("--features")
        .arg("tipc,pgm")
        .arg("--workdir")
        .arg(common::profile_dir().join("conformance"))
        .status()
        .expect("run capi-tests/conformance/run.sh");
    assert!(
        status.success(),
        "a test listed in expected-pass.txt did not pass (table above)"
    );
}
