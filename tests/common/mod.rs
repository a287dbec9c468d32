//! Shared by the integration tests that drive the C ABI: where the freshly built library
//! is, and how to run a child process with a deadline.

#![allow(dead_code)]

pub mod kdc;
pub mod netns;
pub mod running;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `target/<profile>`: the directory holding this test binary's `deps/`.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>")
        .to_path_buf()
}

/// The cdylib cargo built alongside this test. `cargo test` alone does not rebuild it,
/// so one older than the sources it comes from fails here instead of being tested.
pub fn cdylib() -> PathBuf {
    static CHECKED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    CHECKED
        .get_or_init(|| {
            let lib = profile_dir().join("libzmq_rs.so");
            let built = std::fs::metadata(&lib).and_then(|m| m.modified());
            let Ok(built) = built else {
                panic!(
                    "{} was not built: run `cargo build` with the same profile first (the README's test command does)",
                    lib.display()
                );
            };
            let repo = repo();
            let mut newest = None;
            let mut pending = vec![repo.join("src")];
            let mut files = ["build.rs", "cbindgen.toml", "Cargo.toml"].map(|f| repo.join(f)).to_vec();
            while let Some(dir) = pending.pop() {
                for entry in std::fs::read_dir(&dir).expect("read src/").flatten() {
                    let path = entry.path();
                    if path.is_dir() {
                        pending.push(path);
                    } else {
                        files.push(path);
                    }
                }
            }
            for file in files {
                if let Ok(modified) = std::fs::metadata(&file).and_then(|m| m.modified()) {
                    if newest.as_ref().is_none_or(|(t, _)| modified > *t) {
                        newest = Some((modified, file));
                    }
                }
            }
            if let Some((modified, file)) = newest {
                assert!(
                    modified <= built,
                    "{} is older than {}: run `cargo build` with the same profile first (the README's test command does)",
                    lib.display(),
                    file.display()
                );
            }
            lib
        })
        .clone()
}

/// libzmq 4.3.5's source tree (`vendor/` of the zeromq-src crate), through
/// `capi-tests/conformance/fetch-libzmq.sh`; once per test process.
pub fn libzmq_sources() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let script = repo().join("capi-tests/conformance/fetch-libzmq.sh");
        let out = Command::new("bash")
            .arg(&script)
            .output()
            .expect("run fetch-libzmq.sh");
        assert!(
            out.status.success(),
            "fetch-libzmq.sh could not find libzmq 4.3.5's sources (zeromq-src):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let vendor = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
        assert!(
            vendor.join("include/zmq.h").is_file(),
            "{}",
            vendor.display()
        );
        vendor
    })
    .clone()
}

/// A directory where the library answers to its soname, for `LD_LIBRARY_PATH`.
pub fn soname_dir() -> PathBuf {
    // Once per test process: tests run in parallel, and replacing the links while
    // another test runs a program through them would break it.
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = profile_dir().join("soname");
        std::fs::create_dir_all(&dir).expect("create soname dir");
        for name in ["libzmq-rs.so.5", "libzmq-rs.so"] {
            let link = dir.join(name);
            if std::fs::read_link(&link).ok().as_deref() != Some(cdylib().as_path()) {
                let _ = std::fs::remove_file(&link);
                std::os::unix::fs::symlink(cdylib(), &link).expect("symlink soname");
            }
        }
        dir
    })
    .clone()
}

/// Runs `cmd` to completion, killing it after `limit`. `None` means it timed out.
pub fn run_with_timeout(cmd: &mut Command, limit: Duration) -> Option<(ExitStatus, String)> {
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_with_timeout(child, limit)
}

fn wait_with_timeout(mut child: Child, limit: Duration) -> Option<(ExitStatus, String)> {
    let deadline = Instant::now() + limit;
    let out = std::thread::scope(|s| {
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let read = |r: Option<Box<dyn std::io::Read + Send>>| {
            s.spawn(move || {
                let mut buf = String::new();
                if let Some(mut r) = r {
                    let mut bytes = Vec::new();
                    let _ = r.read_to_end(&mut bytes);
                    buf = String::from_utf8_lossy(&bytes).into_owned();
                }
                buf
            })
        };
        let o = read(stdout.map(|r| Box::new(r) as _));
        let e = read(stderr.map(|r| Box::new(r) as _));
        let status = loop {
            if let Some(st) = child.try_wait().expect("wait") {
                break Some(st);
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let text = o.join().unwrap_or_default() + &e.join().unwrap_or_default();
        status.map(|st| (st, text))
    });
    out
}

/// Compiles a C test program in `capi-tests/` against `include/zmq.h` and the cdylib,
/// with the flags every C test gets. The compiler's output on failure.
pub fn build_c(src: &Path, exe: &Path) -> Result<(), String> {
    build_c_against(src, exe, &repo().join("include"), &cdylib())
}

/// As [`build_c`], against another libzmq: its `zmq.h` directory and its library.
pub fn build_c_against(src: &Path, exe: &Path, include: &Path, lib: &Path) -> Result<(), String> {
    let repo = repo();
    // ZMQRS_TEST_CC compiles the C tests alone (.ci/sanitizers.sh: with ASan); CC
    // would also change, and so rebuild, the crates whose build scripts compile C.
    let cc = std::env::var("ZMQRS_TEST_CC")
        .or_else(|_| std::env::var("CC"))
        .unwrap_or_else(|_| "cc".into());
    let build = Command::new(&cc)
        .args([
            "-std=gnu11",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-g",
            // The draft API exactly when the library has it.
            if cfg!(feature = "draft") {
                "-DZMQ_BUILD_DRAFT_API"
            } else {
                "-UZMQ_BUILD_DRAFT_API"
            },
        ])
        .arg("-I")
        .arg(include)
        .arg("-I")
        .arg(repo.join("capi-tests"))
        .arg(src)
        .arg("-o")
        .arg(exe)
        .arg(lib)
        .args(["-lpthread", "-ldl"])
        .output()
        .expect("run the C compiler");
    if build.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&build.stderr).into_owned())
    }
}

/// Where the reference libzmq 4.3.5 is built and cached (`build-reference.sh`'s).
pub fn reference_cache() -> PathBuf {
    std::env::var_os("ZMQRS_CONFORMANCE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME or ZMQRS_CONFORMANCE_CACHE"))
                .join(".cache/libzmq-rs-conformance")
        })
}

/// The draft-enabled libzmq 4.3.5 that capi-tests/conformance/build-reference.sh
/// builds: its lib and include directories, built here when the cache does not have it
/// (not a silent pass: the build needs cmake, g++, pkg-config and libsodium-dev, which
/// .ci/run installs).
pub fn reference_libzmq() -> (PathBuf, PathBuf) {
    let install = reference_cache().join("reference/install");
    let lib = install.join("lib");
    let built = || lib.join("libzmq.so.5").exists() && install.join("include/zmq.h").exists();
    if !built() {
        let out = Command::new("bash")
            .arg(repo().join("capi-tests/conformance/build-reference.sh"))
            .output()
            .expect("run build-reference.sh");
        assert!(
            out.status.success() && built(),
            "building the reference libzmq failed (build-reference.sh needs cmake, g++, \
             pkg-config, libsodium-dev; .ci/run installs them):\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    (lib, install.join("include"))
}
