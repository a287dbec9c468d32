//! Compiles every `capi-tests/test_*.c` against `include/zmq.h`, links it with the
//! freshly built cdylib, and runs it. A failing C assertion fails this test.

mod common;

use std::process::Command;
use std::time::Duration;

const SKIPPED: i32 = 77;

#[test]
fn c_api_tests() {
    let repo = common::repo();
    let lib = common::cdylib();
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

    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let mut failures = Vec::new();
    let (mut passed, mut skipped) = (0, 0);
    for src in &sources {
        let name = src.file_stem().unwrap().to_string_lossy().into_owned();
        let exe = out_dir.join(&name);
        let build = Command::new(&cc)
            .args([
                "-std=gnu11",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-g",
                "-DZMQ_BUILD_DRAFT_API",
            ])
            .arg("-I")
            .arg(repo.join("include"))
            .arg("-I")
            .arg(repo.join("capi-tests"))
            .arg(src)
            .arg("-o")
            .arg(&exe)
            .arg(&lib)
            .args(["-lpthread", "-ldl"])
            .output()
            .expect("run the C compiler");
        if !build.status.success() {
            failures.push(format!(
                "{name}: BUILD-FAIL\n{}",
                String::from_utf8_lossy(&build.stderr)
            ));
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
            Some((st, _)) if st.code() == Some(SKIPPED) => {
                skipped += 1;
                eprintln!("capi {name}: SKIP");
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
