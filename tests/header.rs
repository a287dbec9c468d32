//! The checked-in headers are what the build generates from the Rust sources.

#[test]
fn checked_in_headers_match_generated() {
    let generated = std::path::Path::new(env!("OUT_DIR"));
    let checked_in = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("include");
    for name in ["zmq.h", "zmq_utils.h"] {
        let want = std::fs::read_to_string(generated.join(name)).unwrap();
        let have = std::fs::read_to_string(checked_in.join(name)).unwrap();
        assert!(
            want == have,
            "include/{name} differs from the generated one: run `ZMQRS_UPDATE_HEADER=1 cargo build`"
        );
    }
}

/// zmq.h compiles, warning-free, wherever libzmq's does: strict C89 and C++98 for the
/// stable API; the draft API (which declares zmq_ppoll with POSIX's sigset_t, as libzmq
/// does) with POSIX declarations visible.
#[test]
fn header_compiles_as_c89_and_cpp98() {
    // Under target/, so a failed run leaves nothing in /tmp.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("header-c89");
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("use_header.c");
    std::fs::write(
        &src,
        "#include <zmq.h>\n#include <zmq_utils.h>\n\
         int main (void)\n{\n    zmq_msg_t msg;\n    zmq_pollitem_t item;\n    int rc;\n\
         \x20   item.socket = NULL;\n    item.fd = 0;\n    item.events = ZMQ_POLLIN;\n\
         \x20   item.revents = 0;\n    rc = zmq_msg_init (&msg);\n    (void) item;\n\
         \x20   return rc == 0 && ZMQ_VERSION == ZMQ_MAKE_VERSION (4, 3, 5) ? 0 : 1;\n}\n",
    )
    .unwrap();
    let include = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("include");
    let cases: [(&str, &[&str]); 5] = [
        ("gcc", &["-x", "c", "-std=c89", "-pedantic"]),
        ("gcc", &["-x", "c", "-std=c99", "-pedantic"]),
        ("g++", &["-x", "c++", "-std=c++98", "-pedantic"]),
        (
            "gcc",
            &[
                "-x",
                "c",
                "-std=gnu89",
                "-pedantic",
                "-DZMQ_BUILD_DRAFT_API",
            ],
        ),
        (
            "g++",
            &[
                "-x",
                "c++",
                "-std=c++98",
                "-pedantic",
                "-DZMQ_BUILD_DRAFT_API",
            ],
        ),
    ];
    let mut failures = Vec::new();
    for (compiler, flags) in cases {
        let out = std::process::Command::new(compiler)
            .args(flags)
            .args(["-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-I"])
            .arg(&include)
            .arg(&src)
            .output()
            .unwrap_or_else(|e| panic!("{compiler} cannot run ({e}): .ci/run installs g++"));
        if !out.status.success() {
            failures.push(format!(
                "{compiler} {}:\n{}",
                flags.join(" "),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
