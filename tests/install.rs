//! The C user's path: `cmake` builds and installs into a prefix, a program written for
//! libzmq compiles with `pkg-config --cflags --libs libzmq-rs` against that prefix and
//! runs, a CMake project finds it with `find_package(libzmq-rs)`, and the compatibility
//! names point at our library.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn run(cmd: &mut Command) -> String {
    let shown = format!("{cmd:?}");
    let (status, out) = common::run_with_timeout(cmd, Duration::from_secs(900))
        .unwrap_or_else(|| panic!("timed out: {shown}"));
    assert!(status.success(), "{shown} failed ({status}):\n{out}");
    out
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn cmake_install_then_pkg_config_and_find_package() {
    if !have("cmake") || !have("pkg-config") {
        // CI installs both (.ci/run); a developer machine without them skips loudly.
        eprintln!("SKIP: cmake and pkg-config are needed for the install test");
        return;
    }
    let repo = common::repo();
    let work = common::profile_dir().join("install-test");
    let _ = std::fs::remove_dir_all(work.join("prefix"));
    let build = work.join("build");
    let prefix = work.join("prefix");

    run(Command::new("cmake")
        .arg("-S")
        .arg(&repo)
        .arg("-B")
        .arg(&build)
        .arg("-DZMQRS_LIBZMQ_COMPAT=ON"));
    run(Command::new("cmake").arg("--build").arg(&build));
    run(Command::new("cmake")
        .arg("--install")
        .arg(&build)
        .arg("--prefix")
        .arg(&prefix));

    let lib = prefix.join("lib");
    for f in [
        "libzmq-rs.so",
        "libzmq-rs.so.5",
        "libzmq-rs.a",
        "libzmq.so.5",
        "libzmq.so",
    ] {
        assert!(lib.join(f).exists(), "{f} not installed");
    }
    assert_eq!(
        std::fs::read_link(lib.join("libzmq.so.5")).unwrap(),
        Path::new("libzmq-rs.so.5.2.5")
    );
    assert!(prefix.join("include/zmq.h").exists());

    // pkg-config, as the README's Quick start does it.
    let pc = lib.join("pkgconfig");
    let flags = run(Command::new("pkg-config")
        .env("PKG_CONFIG_PATH", &pc)
        .args(["--cflags", "--libs", "libzmq-rs"]));
    let demo = work.join("demo");
    run(Command::new("sh").arg("-c").arg(format!(
        "cc {} -o {} {}",
        repo.join("examples/demo.c").display(),
        demo.display(),
        flags.trim()
    )));
    let out = run(Command::new(&demo).env("LD_LIBRARY_PATH", &lib));
    assert!(out.contains("demo: OK"), "{out}");

    // Unchanged build files that ask pkg-config for libzmq get our library.
    let compat = run(Command::new("pkg-config")
        .env("PKG_CONFIG_PATH", &pc)
        .args(["--libs", "libzmq"]));
    assert!(compat.contains("-lzmq"), "{compat}");

    // find_package(libzmq-rs) from a CMake project.
    let consumer = work.join("consumer");
    std::fs::create_dir_all(&consumer).unwrap();
    std::fs::write(
        consumer.join("CMakeLists.txt"),
        format!(
            "cmake_minimum_required(VERSION 3.16)\nproject(consumer C)\n\
             find_package(libzmq-rs 4.3 REQUIRED)\n\
             add_executable(demo {})\n\
             target_link_libraries(demo libzmq-rs::libzmq-rs)\n",
            repo.join("examples/demo.c").display()
        ),
    )
    .unwrap();
    let cbuild = consumer.join("build");
    run(Command::new("cmake")
        .arg("-S")
        .arg(&consumer)
        .arg("-B")
        .arg(&cbuild)
        .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display())));
    run(Command::new("cmake").arg("--build").arg(&cbuild));
    let out = run(Command::new(cbuild.join("demo")).env("LD_LIBRARY_PATH", &lib));
    assert!(out.contains("demo: OK"), "{out}");
}
