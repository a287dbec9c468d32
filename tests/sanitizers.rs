//! The sanitizer runs of `.ci/sanitizers.sh`, in the normal suite:
//!
//! * `address_sanitizer`: the Rust unit tests, then the C API tests (`tests/capi.rs`,
//!   the C programs compiled with `-fsanitize=address`) against the library built with
//!   `-Zsanitizer=address`, under AddressSanitizer and LeakSanitizer;
//! * `thread_sanitizer`: the unit tests whose code crosses threads, and the C programs
//!   that race threads against each other and `zmq_ctx_term`, under ThreadSanitizer with
//!   std rebuilt instrumented.
//!
//! Each fails on any sanitizer report, on a failed build or test, and when nightly Rust
//! or its rust-src component is missing (`.ci/run` installs them): never a skip. The
//! nested nightly builds go to `target/asan` and `target/tsan`, not to the target dir of
//! the cargo running this test. The two run one after the other: each is a build that
//! takes both cores.

mod common;

use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One nested build at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// What a sanitizer prints when it finds something, whatever the exit status says.
const REPORTS: &[&str] = &[
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "WARNING: ThreadSanitizer",
    "ThreadSanitizer: reported",
    "SUMMARY: AddressSanitizer",
    "SUMMARY: ThreadSanitizer",
];

/// Runs `.ci/sanitizers.sh <which>` and returns what it printed, failing on a non-zero
/// exit, a timeout or a report.
fn run(which: &str) -> String {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let repo = common::repo();
    let limit = Duration::from_secs(45 * 60);
    let start = Instant::now();
    // `timeout` signals its whole process group, so the nested cargo and the programs
    // under test go too.
    let mut cmd = Command::new("timeout");
    cmd.arg("-k")
        .arg("20")
        .arg(limit.as_secs().to_string())
        .arg("bash")
        .arg(repo.join(".ci/sanitizers.sh"))
        .arg(which)
        .current_dir(&repo)
        // The outer cargo's settings are not the nested one's.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTC")
        .env_remove("CC");
    let out = common::run_with_timeout(&mut cmd, limit + Duration::from_secs(60));
    let Some((status, text)) = out else {
        panic!(".ci/sanitizers.sh {which} did not end");
    };
    eprintln!("{text}");
    eprintln!("sanitizers {which}: {:.0} s", start.elapsed().as_secs_f64());
    for report in REPORTS {
        assert!(
            !text.contains(report),
            ".ci/sanitizers.sh {which}: {report}"
        );
    }
    assert!(
        status.success(),
        ".ci/sanitizers.sh {which} failed ({status}); the nightly toolchain and, for tsan, \
         its rust-src component are needed (.ci/run installs them)"
    );
    text
}

/// The `test result:` lines of the libtest runs, each of which must have passed
/// something: a filter that matches no test would prove nothing.
fn results(text: &str) -> Vec<&str> {
    let results: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("test result: "))
        .collect();
    for r in &results {
        assert!(r.starts_with("test result: ok. "), "{r}");
        assert!(!r.starts_with("test result: ok. 0 passed"), "{r}");
    }
    results
}

#[test]
fn address_sanitizer() {
    let text = run("asan");
    // The unit tests, then the C API tests.
    assert_eq!(results(&text).len(), 2, "unit and C API tests ran:\n{text}");
    let summary = text
        .lines()
        .find(|l| l.starts_with("C API tests: "))
        .expect("the C API tests' summary");
    assert!(summary.contains(" 0 failed"), "{summary}");
}

#[test]
fn thread_sanitizer() {
    let text = run("tsan");
    assert_eq!(results(&text).len(), 1, "the unit tests ran:\n{text}");
    for program in [
        "term_race.c",
        "test_thread_safe_types.c",
        "test_ctx_threads.c",
        "test_core_inproc.c",
        "test_proxy.c",
    ] {
        assert!(
            text.contains(&format!("tsan {program}: clean")),
            "{program} did not run clean under TSan"
        );
    }
}
