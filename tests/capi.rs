//! Compiles every `capi-tests/test_*.c` against `include/zmq.h`, links it with the
//! freshly built cdylib, and runs it. A failing C assertion fails this test.
//!
//! The tests see the draft API (`ZMQ_BUILD_DRAFT_API`) exactly when the library is built
//! with it (the `draft` feature, on by default). Without it they leave out their draft
//! parts, and the tests whose very subject is draft API skip (exit 77) saying so: only
//! those, and only then.

mod common;

use std::process::Command;
use std::time::Duration;

const SKIPPED: i32 = 77;

/// Tests of draft API only: they skip in a build without it.
const DRAFT_SUBJECTS: &[&str] = &[
    "test_notice_msgs",
    "test_radio_dish",
    "test_thread_safe_types",
    "test_ws_bad_input",
];

#[test]
fn c_api_tests() {
    let repo = common::repo();
    let libdir = common::soname_dir();
    let out_dir = common::profile_dir().join("capi-tests");
    std::fs::create_dir_all(&out_dir).unwrap();

    let mut sources: Vec<_> = std::fs::read_dir(repo.join("capi-tests"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("test_") && name.ends_with(".c")
        })
        .collect();
    sources.sort();
    assert!(!sources.is_empty(), "no C tests found");

    let mut failures = Vec::new();
    let (mut passed, mut skipped) = (0, 0);
    for src in &sources {
        let name = src.file_stem().unwrap().to_string_lossy().into_owned();
        let exe = out_dir.join(&name);
        if let Err(err) = common::build_c(src, &exe) {
            failures.push(format!("{name}: BUILD-FAIL\n{err}"));
            continue;
        }
        let mut cmd = Command::new(&exe);
        cmd.env("LD_LIBRARY_PATH", &libdir).current_dir(&out_dir);
        match common::run_with_timeout(&mut cmd, Duration::from_secs(60)) {
            None => failures.push(format!("{name}: TIMEOUT")),
            Some((st, _)) if st.success() => {
                passed += 1;
                eprintln!("capi {name}: PASS");
            }
            Some((st, out))
                if st.code() == Some(SKIPPED)
                    && !cfg!(feature = "draft")
                    && DRAFT_SUBJECTS.contains(&name.as_str()) =>
            {
                skipped += 1;
                eprintln!("capi {name}: {}", out.trim());
            }
            Some((st, out))
                if st.code() == Some(SKIPPED) && DRAFT_SUBJECTS.contains(&name.as_str()) =>
            {
                failures.push(format!(
                    "{name}: skipped in a build with the draft API\n{out}"
                ));
            }
            Some((st, out)) if st.code() == Some(SKIPPED) => {
                skipped += 1;
                eprintln!("capi {name}: {}", out.trim());
            }
            Some((st, out)) => failures.push(format!("{name}: FAIL ({st})\n{out}")),
        }
    }
    eprintln!(
        "C API tests: {passed} passed, {} failed, {skipped} skipped",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "C API tests failed:\n{}",
        failures.join("\n")
    );
}

/// C tests of behaviour libzmq's own suite does not look at, written to pass on libzmq
/// 4.3.5 itself: run here against the reference build too, so what they assert is
/// libzmq's behaviour and not only ours.
const ALSO_ON_REFERENCE: &[&str] = &[
    "test_close_flush",
    "test_reconnect_stop_after_disconnect",
    "test_zero_copy_recv",
];

#[test]
fn the_same_tests_pass_on_the_reference_libzmq() {
    let (lib, include) = common::reference_libzmq();
    let out_dir = common::profile_dir().join("capi-tests-reference");
    std::fs::create_dir_all(&out_dir).unwrap();
    let mut failures = Vec::new();
    for name in ALSO_ON_REFERENCE {
        let src = common::repo().join("capi-tests").join(format!("{name}.c"));
        let exe = out_dir.join(name);
        if let Err(err) = common::build_c_against(&src, &exe, &include, &lib.join("libzmq.so")) {
            failures.push(format!("{name}: BUILD-FAIL\n{err}"));
            continue;
        }
        let mut cmd = Command::new(&exe);
        cmd.env("LD_LIBRARY_PATH", &lib).current_dir(&out_dir);
        match common::run_with_timeout(&mut cmd, Duration::from_secs(120)) {
            None => failures.push(format!("{name}: TIMEOUT on libzmq")),
            Some((st, _)) if st.success() => eprintln!("reference {name}: PASS"),
            Some((st, out)) => failures.push(format!("{name}: FAIL on libzmq ({st})\n{out}")),
        }
    }
    assert!(
        failures.is_empty(),
        "C tests that must hold on libzmq 4.3.5 failed there:\n{}",
        failures.join("\n")
    );
}
