//! The library without the draft API (`--no-default-features`, what Debian's `libzmq5`
//! is), in the normal suite: built in its own target dir (`target/nodraft`), then its
//! unit tests, the C API tests (`tests/capi.rs`: compiled without `ZMQ_BUILD_DRAFT_API`,
//! only the four tests whose subject is draft API may skip) and the ABI test
//! (`tests/abi.rs`: exactly the 70 stable functions exported, the draft macros and
//! prototypes absent from the header) run on that build.
//!
//! libzmq's own suite without drafts (`tests/conformance.rs`, 92 tests) is left to the
//! README's manual command: it adds minutes to every run for the same C entry points
//! that `capi` already checks in this build, and the draft build runs it in full.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

mod common;

/// `target/nodraft`, beside the profile dir of this test: the cargo running this test
/// owns (and locks) its own.
fn target_dir() -> PathBuf {
    common::profile_dir()
        .parent()
        .expect("target/<profile>")
        .join("nodraft")
}

/// Runs the cargo that runs this test with `args`, without the draft feature, in
/// `target/nodraft`; what it printed, or a failure saying what failed.
fn cargo(args: &[&str]) -> String {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let start = Instant::now();
    let limit = Duration::from_secs(30 * 60);
    // `timeout` signals its whole process group: cargo and the tests it runs.
    let mut cmd = Command::new("timeout");
    cmd.args(["-k", "20", &limit.as_secs().to_string()])
        .arg(&cargo)
        .args(args)
        .args(["--release", "--no-default-features", "--target-dir"])
        .arg(target_dir())
        .current_dir(common::repo())
        .env("CARGO_BUILD_JOBS", "2")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR");
    let Some((status, text)) = common::run_with_timeout(&mut cmd, limit + Duration::from_secs(60))
    else {
        panic!("cargo {} --no-default-features did not end", args.join(" "));
    };
    eprintln!(
        "nodraft: cargo {}: {:.0} s",
        args.join(" "),
        start.elapsed().as_secs_f64()
    );
    assert!(
        status.success(),
        "cargo {} --release --no-default-features failed ({status}):\n{text}",
        args.join(" ")
    );
    text
}

#[test]
fn unit_capi_and_abi_tests_pass_without_the_draft_api() {
    // The C tests link the cdylib, which only `cargo build` puts in place.
    cargo(&["build"]);
    let text = cargo(&["test", "--lib", "--test", "capi", "--test", "abi"]);
    eprintln!("{text}");
    let results: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("test result: "))
        .collect();
    assert_eq!(results.len(), 3, "lib, capi and abi each ran:\n{text}");
    for r in &results {
        assert!(r.starts_with("test result: ok. "), "{r}");
        assert!(!r.starts_with("test result: ok. 0 passed"), "{r}");
    }
}
