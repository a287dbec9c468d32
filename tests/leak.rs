//! Runs `capi-tests/leak/*.c`, compiled against `include/zmq.h` and the freshly built
//! cdylib, under valgrind's leak checker: a program must exit 0 with no definite or
//! indirect leak and no memory error. "Possibly lost" and "still reachable" blocks are
//! allowed: Rust's std keeps some per-thread state (thread handles, thread-locals) that
//! valgrind cannot account for.

mod common;

use std::process::Command;
use std::time::Duration;

/// valgrind's exit status when it found errors (set with `--error-exitcode`).
const VALGRIND_ERRORS: i32 = 99;

fn valgrind_available() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn term_race_under_valgrind() {
    // Not a silent pass: a machine without valgrind cannot vouch for leaks.
    assert!(
        valgrind_available(),
        "valgrind is not installed: `apt-get install valgrind` (.ci/run installs it)"
    );
    let repo = common::repo();
    let libdir = common::soname_dir();
    let out_dir = common::profile_dir().join("leak-tests");
    std::fs::create_dir_all(&out_dir).unwrap();

    let src = repo.join("capi-tests/leak/term_race.c");
    let exe = out_dir.join("term_race");
    if let Err(err) = common::build_c(&src, &exe) {
        panic!("term_race.c does not build:\n{err}");
    }

    let mut cmd = Command::new("valgrind");
    cmd.args([
        "--leak-check=full",
        "--errors-for-leak-kinds=definite,indirect",
        &format!("--error-exitcode={VALGRIND_ERRORS}"),
        "--track-fds=no",
    ])
    .arg(&exe)
    .env("LD_LIBRARY_PATH", &libdir)
    .current_dir(&out_dir);
    let Some((status, out)) = common::run_with_timeout(&mut cmd, Duration::from_secs(300)) else {
        panic!("term_race under valgrind did not finish within 300 s (a termination hang?)");
    };
    assert_ne!(
        status.code(),
        Some(VALGRIND_ERRORS),
        "valgrind found leaks or memory errors:\n{out}"
    );
    assert!(status.success(), "term_race failed ({status}):\n{out}");
    assert!(
        out.contains("term_race: ok, 16 ETERM checks"),
        "term_race did not report its ETERM checks:\n{out}"
    );
    let clean = out.contains("All heap blocks were freed")
        || (out.contains("definitely lost: 0 bytes") && out.contains("indirectly lost: 0 bytes"));
    assert!(clean, "no clean leak summary from valgrind:\n{out}");
}
