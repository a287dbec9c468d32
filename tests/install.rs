//! Installing libzmq-rs as a C user or a system administrator does, with CMake:
//! - into a prefix: pkg-config (dynamic and `--static`), find_package, `--strip`, and the
//!   uninstall target, for the default build (libzmq-rs.so.5);
//! - to /usr with ldconfig, and as the Debian package libzmq5-rs standing in for
//!   Debian's libzmq5, in a throwaway root (`tests/throwaway-root/`: a mount namespace
//!   whose /usr, /etc and /var are overlays on a tmpfs), for the compat build
//!   (soname libzmq.so.5).
//!
//! The CMake builds share one cargo target directory, so the dependencies build once.

mod common;

use common::running::{spawn, Running};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

fn run(cmd: &mut Command) -> String {
    let shown = format!("{cmd:?}");
    let (status, out) = common::run_with_timeout(cmd, Duration::from_secs(900))
        .unwrap_or_else(|| panic!("timed out: {shown}"));
    assert!(status.success(), "{shown} failed ({status}):\n{out}");
    out
}

fn work() -> PathBuf {
    common::profile_dir().join("install-test")
}

struct Builds {
    /// `cmake -B build`: libzmq-rs.so.5, installed with `--prefix`.
    default: PathBuf,
    /// Absolute CMAKE_INSTALL_LIBDIR and _INCLUDEDIR, outside the prefix.
    absolute: PathBuf,
    /// `-DCMAKE_INSTALL_PREFIX=/usr -DZMQRS_LIBZMQ_COMPAT=ON`: libzmq.so.5 and the package.
    compat: PathBuf,
    /// `-DZMQRS_LIBZMQ_COMPAT=ON` alone: libzmq.so.5 for /usr/local, as the README says.
    compat_local: PathBuf,
}

/// The CMake builds, made once, in this order: the compat ones last, so what cargo
/// holds is its library and `cpack`'s own build step finds nothing to do. Tests hold the
/// guard while they use a build directory (installs write their manifest there).
fn builds() -> (MutexGuard<'static, ()>, &'static Builds) {
    static LOCK: Mutex<()> = Mutex::new(());
    static BUILDS: OnceLock<Builds> = OnceLock::new();
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let builds = BUILDS.get_or_init(|| {
        for tool in ["cmake", "pkg-config", "cpack"] {
            assert!(
                Command::new(tool)
                    .arg("--version")
                    .output()
                    .is_ok_and(|o| o.status.success()),
                "{tool} is needed for the install tests (.ci/run installs it)"
            );
        }
        let cargo = work().join("cargo");
        let configure = |name: &str, options: &[&str]| {
            let dir = work().join(name);
            run(Command::new("cmake")
                .arg("-S")
                .arg(common::repo())
                .arg("-B")
                .arg(&dir)
                .arg(format!("-DZMQRS_CARGO_TARGET_DIR={}", cargo.display()))
                .args(options));
            run(Command::new("cmake").arg("--build").arg(&dir));
            dir
        };
        let absolute = work().join("absolute");
        Builds {
            default: configure("build-default", &[]),
            absolute: configure(
                "build-absolute",
                &[
                    &format!(
                        "-DCMAKE_INSTALL_PREFIX={}",
                        absolute.join("prefix").display()
                    ),
                    &format!(
                        "-DCMAKE_INSTALL_LIBDIR={}",
                        absolute.join("lib64").display()
                    ),
                    &format!(
                        "-DCMAKE_INSTALL_INCLUDEDIR={}",
                        absolute.join("inc").display()
                    ),
                ],
            ),
            compat: configure(
                "build-compat",
                &["-DCMAKE_INSTALL_PREFIX=/usr", "-DZMQRS_LIBZMQ_COMPAT=ON"],
            ),
            compat_local: configure("build-compat-local", &["-DZMQRS_LIBZMQ_COMPAT=ON"]),
        }
    });
    (guard, builds)
}

fn readelf(args: &[&str], file: &Path) -> String {
    run(Command::new("readelf").args(args).arg(file))
}

/// Compiles `examples/<name>.c` with `flags` (a shell word list) into `dir`.
fn compile(dir: &Path, name: &str, flags: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let exe = dir.join(name);
    let src = common::repo().join(format!("examples/{name}.c"));
    run(Command::new("sh").arg("-c").arg(format!(
        "cc -Wall -Wextra -Werror {} -o {} {flags}",
        src.display(),
        exe.display()
    )));
    exe
}

/// `hello_server` and `hello_client` from `dir` talk over tcp; `env` for both.
fn hello_pair(dir: &Path, env: &[(&str, &Path)]) {
    let start = |name: &str, args: &[&str]| -> Running {
        let mut cmd = Command::new(dir.join(name));
        cmd.args(args);
        for (key, value) in env {
            cmd.env(key, value);
        }
        spawn(name, cmd)
    };
    let server = start("hello_server", &["tcp://127.0.0.1:*", "3"]);
    let endpoint = server.bound_endpoint();
    let client = start("hello_client", &[&endpoint, "3"]).succeeds();
    assert_eq!(client.matches("Received World").count(), 3, "{client}");
    server.succeeds();
}

#[test]
fn prefix_install_pkg_config_static_find_package_strip_and_uninstall() {
    let (_guard, builds) = builds();
    let prefix = work().join("prefix");
    let _ = std::fs::remove_dir_all(&prefix);
    run(Command::new("cmake")
        .arg("--install")
        .arg(&builds.default)
        .arg("--prefix")
        .arg(&prefix)
        .arg("--strip"));

    let lib = prefix.join("lib");
    for f in [
        "libzmq-rs.so.5.2.5",
        "libzmq-rs.so.5",
        "libzmq-rs.so",
        "libzmq-rs.a",
    ] {
        assert!(lib.join(f).exists(), "{f} not installed");
    }
    for f in ["libzmq.so.5", "libzmq.so", "pkgconfig/libzmq.pc"] {
        assert!(
            !lib.join(f).exists(),
            "{f} installed without ZMQRS_LIBZMQ_COMPAT"
        );
    }
    let real = lib.join("libzmq-rs.so.5.2.5");
    assert!(readelf(&["-d"], &real).contains("Library soname: [libzmq-rs.so.5]"));
    // --strip reaches the library, which is not a CMake target.
    let staged = builds.default.join("stage/libzmq-rs.so.5.2.5");
    assert!(readelf(&["-S"], &staged).contains(".debug_info"));
    assert!(!readelf(&["-S"], &real).contains(".debug_info"));
    assert!(!readelf(&["-S"], &lib.join("libzmq-rs.a")).contains(".debug_info"));
    for f in ["include/zmq.h", "include/zmq_utils.h"] {
        assert!(prefix.join(f).exists(), "{f} not installed");
    }
    for f in ["LICENSE", "README.md", "CHANGELOG.md"] {
        assert!(prefix.join("share/doc/libzmq-rs").join(f).exists(), "{f}");
    }

    // The .pc file names the prefix given at install time, not the configured one.
    let pc_path = lib.join("pkgconfig");
    let pkg_config = |args: &[&str]| {
        run(Command::new("pkg-config")
            .env("PKG_CONFIG_PATH", &pc_path)
            .args(args))
        .trim()
        .to_owned()
    };
    assert_eq!(
        pkg_config(&["--variable=prefix", "libzmq-rs"]),
        prefix.to_str().unwrap()
    );
    assert_eq!(
        pkg_config(&["--variable=libdir", "libzmq-rs"]),
        lib.to_str().unwrap()
    );

    // As the README's Quick start builds it.
    let bin = work().join("prefix-bin");
    let flags = pkg_config(&["--cflags", "--libs", "libzmq-rs"]);
    for name in ["demo", "version", "hello_server", "hello_client"] {
        compile(&bin, name, &flags);
    }
    let out = run(Command::new(bin.join("demo")).env("LD_LIBRARY_PATH", &lib));
    assert!(out.contains("demo: OK"), "{out}");
    hello_pair(&bin, &[("LD_LIBRARY_PATH", &lib)]);

    // A static link through pkg-config --static: no -lgcc_s, which -static cannot have.
    let static_flags = pkg_config(&["--static", "--cflags", "--libs", "libzmq-rs"]);
    assert!(!static_flags.contains("gcc_s"), "{static_flags}");
    let static_bin = work().join("prefix-static");
    for name in ["version", "hello_server", "hello_client"] {
        let exe = compile(&static_bin, name, &format!("-static {static_flags}"));
        assert!(
            readelf(&["-d"], &exe).contains("There is no dynamic section"),
            "{name} is not static"
        );
    }
    let out = run(&mut Command::new(static_bin.join("version")));
    assert!(out.contains("Current ZeroMQ version is 4.3.5"), "{out}");
    hello_pair(&static_bin, &[]);

    // find_package(libzmq-rs), shared and static targets.
    let consumer = work().join("consumer");
    let _ = std::fs::remove_dir_all(&consumer);
    std::fs::create_dir_all(&consumer).unwrap();
    std::fs::write(
        consumer.join("CMakeLists.txt"),
        format!(
            "cmake_minimum_required(VERSION 3.16)\nproject(consumer C)\n\
             find_package(libzmq-rs 4.3 REQUIRED)\n\
             add_executable(demo {0})\n\
             target_link_libraries(demo libzmq-rs::libzmq-rs)\n\
             add_executable(demo-static {0})\n\
             target_link_libraries(demo-static libzmq-rs::libzmq-rs-static)\n",
            common::repo().join("examples/demo.c").display()
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
    assert!(!readelf(&["-d"], &cbuild.join("demo-static")).contains("libzmq-rs"));
    let out = run(&mut Command::new(cbuild.join("demo-static")));
    assert!(out.contains("demo: OK"), "{out}");

    // Uninstall leaves no file behind.
    run(Command::new("cmake")
        .arg("--build")
        .arg(&builds.default)
        .args(["--target", "uninstall"]));
    let mut left = Vec::new();
    let mut dirs = vec![prefix.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() && !path.is_symlink() {
                dirs.push(path);
            } else {
                left.push(path);
            }
        }
    }
    assert!(left.is_empty(), "left after uninstall: {left:?}");
    for dir in [prefix, bin, static_bin, consumer] {
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn absolute_libdir_and_includedir_are_used_as_given() {
    let (_guard, builds) = builds();
    let root = work().join("absolute");
    let _ = std::fs::remove_dir_all(&root);
    run(Command::new("cmake").arg("--install").arg(&builds.absolute));
    let (lib, inc) = (root.join("lib64"), root.join("inc"));
    assert!(lib.join("libzmq-rs.so.5.2.5").exists());
    assert!(inc.join("zmq.h").exists());
    let pkg_config = |variable: &str| {
        run(Command::new("pkg-config")
            .env("PKG_CONFIG_PATH", lib.join("pkgconfig"))
            .args([&format!("--variable={variable}"), "libzmq-rs"]))
        .trim()
        .to_owned()
    };
    assert_eq!(pkg_config("prefix"), root.join("prefix").to_str().unwrap());
    assert_eq!(pkg_config("libdir"), lib.to_str().unwrap());
    assert_eq!(pkg_config("includedir"), inc.to_str().unwrap());
    let flags = run(Command::new("pkg-config")
        .env("PKG_CONFIG_PATH", lib.join("pkgconfig"))
        .args(["--cflags", "--libs", "libzmq-rs"]));
    let exe = compile(&root.join("bin"), "version", flags.trim());
    let out = run(Command::new(exe).env("LD_LIBRARY_PATH", &lib));
    assert!(out.contains("is 4.3.5 (zmq.h 4.3.5)"), "{out}");

    let consumer = root.join("consumer");
    std::fs::create_dir_all(&consumer).unwrap();
    std::fs::write(
        consumer.join("CMakeLists.txt"),
        format!(
            "cmake_minimum_required(VERSION 3.16)\nproject(consumer C)\n\
             find_package(libzmq-rs 4.3 REQUIRED)\n\
             add_executable(version {})\n\
             target_link_libraries(version libzmq-rs::libzmq-rs)\n",
            common::repo().join("examples/version.c").display()
        ),
    )
    .unwrap();
    run(Command::new("cmake")
        .arg("-S")
        .arg(&consumer)
        .arg("-B")
        .arg(consumer.join("build"))
        .arg(format!(
            "-Dlibzmq-rs_DIR={}",
            lib.join("cmake/libzmq-rs").display()
        )));
    run(Command::new("cmake")
        .arg("--build")
        .arg(consumer.join("build")));
    let out = run(Command::new(consumer.join("build/version")).env("LD_LIBRARY_PATH", &lib));
    assert!(out.contains("is 4.3.5 (zmq.h 4.3.5)"), "{out}");
    std::fs::remove_dir_all(&root).unwrap();
}

/// Programs built against Debian's libzmq3-dev (`-lzmq`, its zmq.h), never rebuilt:
/// the unchanged programs the throwaway-root scenarios run.
fn system_programs() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let dir = work().join("system-programs");
            assert!(
                Path::new("/usr/include/zmq.h").exists(),
                "Debian's libzmq3-dev is needed (.ci/run installs it)"
            );
            for name in ["version", "hello_server", "hello_client"] {
                compile(&dir, name, "-lzmq");
            }
            dir
        })
        .clone()
}

/// Runs `tests/throwaway-root/<scenario>` with `args` in a throwaway root; its output.
fn in_throwaway_root(scenario: &str, args: &[&Path]) -> String {
    let here = common::repo().join("tests/throwaway-root");
    let host_ns = std::fs::read_link("/proc/self/ns/mnt").expect("read /proc/self/ns/mnt");
    // The tmpfs's mount point; empty again once the namespace is gone.
    let layers = work().join(format!("root-{scenario}"));
    let _ = std::fs::remove_dir(&layers);
    std::fs::create_dir_all(&layers).unwrap();
    let mut cmd = Command::new("unshare");
    // A pid namespace too: when the scenario ends, however it ends, the kernel ends
    // every process it started (a server it left running would hold our pipes open).
    cmd.args([
        "--mount",
        "--propagation",
        "private",
        "--pid",
        "--mount-proc",
        "--fork",
        "--kill-child",
        "bash",
    ])
    .arg(here.join("enter.sh"))
    .arg(&layers)
    .arg(here.join(scenario))
    .args(args)
    // What a shell on the machine has, not what the test harness was given.
    .env_clear()
    .env(
        "PATH",
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    )
    .env("HOME", "/root")
    .env("ZMQRS_HOST_MNT_NS", host_ns);
    let result = common::run_with_timeout(&mut cmd, Duration::from_secs(600));
    std::fs::remove_dir(&layers).expect("the throwaway root's mount point is empty again");
    let (status, out) = result.unwrap_or_else(|| panic!("{scenario} timed out"));
    // Shown with --nocapture: the scenario's account of itself.
    println!("{out}");
    assert!(
        status.success(),
        "{scenario} failed ({status}); unshare needs root (CI runs as root):\n{out}"
    );
    out
}

#[test]
fn usr_install_with_ldconfig_in_a_throwaway_root() {
    let system = system_programs();
    let (_guard, builds) = builds();
    let out = in_throwaway_root(
        "usr-install.sh",
        &[
            &builds.compat,
            &builds.compat_local,
            &common::repo(),
            &system,
        ],
    );
    assert!(out.contains("usr-install: OK"), "{out}");
}

#[test]
fn debian_package_stands_in_for_libzmq5_and_is_removed_again() {
    let system = system_programs();
    let (_guard, builds) = builds();
    run(Command::new("cpack").current_dir(&builds.compat));
    let version = std::fs::read_to_string(common::repo().join("Cargo.toml"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("Cargo.toml's version")
        .to_owned();
    // libzmq5-rs_<libzmq version>+rs<our version>-1_<architecture>.deb
    let name = format!("libzmq5-rs_4.3.5+rs{version}-1_");
    let deb = std::fs::read_dir(&builds.compat)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            let file = p.file_name().unwrap().to_string_lossy();
            file.starts_with(&name) && file.ends_with(".deb")
        })
        .unwrap_or_else(|| panic!("cpack made no {name}*.deb"));
    let fields = run(Command::new("dpkg-deb")
        .arg("--field")
        .arg(&deb)
        .args(["Provides", "Depends"]));
    assert!(fields.contains("Provides: libzmq5 (= 4.3.5)"), "{fields}");
    let contents = run(Command::new("dpkg-deb").arg("--contents").arg(&deb));
    assert!(contents.contains("libzmq.so.5.2.5"), "{contents}");
    // Debian's libzmq5 owns the soname link; the package leaves it to ldconfig.
    assert!(!contents.contains("libzmq.so.5 "), "{contents}");
    assert!(
        contents.contains("/usr/share/doc/libzmq5-rs/copyright"),
        "{contents}"
    );
    let smoke = common::repo().join("tests/bindings/pyzmq_smoke.py");
    let out = in_throwaway_root("debian-package.sh", &[&deb, &system, &smoke]);
    assert!(out.contains("debian-package: OK"), "{out}");
}
