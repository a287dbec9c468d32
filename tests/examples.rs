//! Every program in `examples/` is built as a libzmq user builds it (`cc file.c -lzmq-rs`,
//! warnings as errors) and run as its comment says, servers and clients in separate
//! processes over tcp on loopback: request/reply, publish/subscribe, the pipeline with
//! its poll loop, CURVE with a ZAP handler that refuses a stranger, and pyzmq's client
//! (`hello_client.py`) on our library through LD_PRELOAD.

mod common;

use common::running::{spawn, Running};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// Each example's executable, compiled once per test process.
fn example(name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(exe) = built.get(name) {
        return exe.clone();
    }
    let dir = common::profile_dir().join("examples-c");
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join(name);
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let out = Command::new(&cc)
        .args(["-Wall", "-Wextra", "-Werror", "-I"])
        .arg(common::repo().join("include"))
        .arg(common::repo().join("examples").join(format!("{name}.c")))
        .arg("-o")
        .arg(&exe)
        .arg("-L")
        .arg(common::soname_dir())
        .arg("-lzmq-rs")
        .output()
        .expect("run the C compiler");
    assert!(
        out.status.success(),
        "examples/{name}.c does not build:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    built.insert(name.to_owned(), exe.clone());
    exe
}

fn start(name: &str, args: &[&str]) -> Running {
    let mut cmd = Command::new(example(name));
    cmd.args(args).env("LD_LIBRARY_PATH", common::soname_dir());
    spawn(name, cmd)
}

const ANY_PORT: &str = "tcp://127.0.0.1:*";

#[test]
fn version_reports_the_library_it_runs_on() {
    let out = start("version", &[]).succeeds();
    assert!(
        out.contains("Current ZeroMQ version is 4.3.5 (zmq.h 4.3.5)"),
        "{out}"
    );
}

#[test]
fn demo_checks_messages_z85_curve_keys_and_timers() {
    let out = start("demo", &[]).succeeds();
    assert!(out.contains("demo: OK"), "{out}");
}

#[test]
fn hello_request_reply() {
    let server = start("hello_server", &[ANY_PORT, "5"]);
    let endpoint = server.bound_endpoint();
    let client = start("hello_client", &[&endpoint, "5"]).succeeds();
    let served = server.succeeds();
    assert_eq!(client.matches("Received World").count(), 5, "{client}");
    assert!(client.contains("Received World 4"), "{client}");
    assert_eq!(served.matches("Received Hello").count(), 5, "{served}");
}

#[test]
fn weather_publish_subscribe_filters_by_zip_code() {
    let server = start("weather_server", &[ANY_PORT]);
    let endpoint = server.bound_endpoint();
    // The client fails on any update outside its zip code.
    let near = start("weather_client", &[&endpoint, "10001", "50"]);
    let far = start("weather_client", &[&endpoint, "10099", "50"]);
    for (client, zip) in [(near, "10001"), (far, "10099")] {
        let out = client.succeeds();
        assert!(
            out.contains(&format!("Average temperature for zipcode '{zip}' was"))
                && out.contains("over 50 updates"),
            "{out}"
        );
    }
    server.signal("TERM");
    let out = server.succeeds();
    assert!(out.contains("weather_server: interrupted after"), "{out}");
}

#[test]
fn pipeline_with_a_poll_loop_worker() {
    let sink = start("task_sink", &[ANY_PORT, ANY_PORT]);
    let results = sink.bound_endpoint();
    let control = sink.bound_endpoint();
    let ventilator = start("task_ventilator", &[ANY_PORT, &results, "40"]);
    let tasks = ventilator.bound_endpoint();
    let workers: Vec<_> = (0..2)
        .map(|_| start("task_worker", &[&tasks, &results, &control]))
        .collect();
    let sent = ventilator.succeeds();
    assert!(sent.contains("sent 40 tasks"), "{sent}");
    let collected = sink.succeeds();
    assert!(collected.contains("task_sink: 40 results"), "{collected}");
    // Every worker leaves its poll loop on the sink's KILL; together they did it all.
    let mut done = 0;
    for worker in workers {
        let out = worker.succeeds();
        let count = out
            .split("KILL received after ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or_else(|| panic!("a worker missed the KILL:\n{out}"));
        done += count;
    }
    assert_eq!(done, 40);
}

fn public_key(keyfile: &Path) -> String {
    let text = std::fs::read_to_string(keyfile).unwrap();
    let key = text
        .lines()
        .find_map(|l| l.strip_prefix("public-key = "))
        .unwrap_or_else(|| panic!("no public key in {text:?}"));
    assert_eq!(key.len(), 40, "{text}");
    key.to_owned()
}

#[test]
fn curve_server_lets_in_the_known_client_and_refuses_a_stranger() {
    let dir = common::profile_dir().join("examples-c/curve-keys");
    std::fs::create_dir_all(&dir).unwrap();
    let keyfile = |name: &str| {
        let path = dir.join(format!("{name}-{}.key", std::process::id()));
        let out = start("curve_keygen", &[]).succeeds();
        std::fs::write(&path, out).unwrap();
        path
    };
    let (server_keys, client_keys, stranger_keys) =
        (keyfile("server"), keyfile("client"), keyfile("stranger"));
    let client_key = public_key(&client_keys);
    let stranger_key = public_key(&stranger_keys);

    let server = start(
        "curve_server",
        &[server_keys.to_str().unwrap(), ANY_PORT, "3", &client_key],
    );
    let endpoint = server.bound_endpoint();
    let announced = server.line();
    let server_key = announced
        .strip_prefix("curve_server: public key ")
        .unwrap_or_else(|| panic!("expected the server's key, got {announced:?}"));
    assert_eq!(server_key, public_key(&server_keys));

    let stranger = start(
        "curve_client",
        &[&endpoint, server_key, stranger_keys.to_str().unwrap(), "1"],
    );
    let (status, out) = stranger.finish();
    assert!(!status.success(), "a stranger got a reply:\n{out}");
    assert!(out.contains("no reply within 2 s"), "{out}");

    let client = start(
        "curve_client",
        &[&endpoint, server_key, client_keys.to_str().unwrap(), "3"],
    )
    .succeeds();
    assert_eq!(client.matches("Received World").count(), 3, "{client}");
    let served = server.succeeds();
    for path in [server_keys, client_keys, stranger_keys] {
        std::fs::remove_file(path).unwrap();
    }
    assert!(
        served.contains(&format!("ZAP: refused client {stranger_key}")),
        "{served}"
    );
    assert!(
        served.contains(&format!("ZAP: allowed client {client_key}")),
        "{served}"
    );
    let user = format!("Received Hello from client-{}", &client_key[..8]);
    assert_eq!(served.matches(&user).count(), 3, "{served}");
}

#[test]
fn python_client_on_libzmq_rs_through_ld_preload() {
    let python = "/usr/bin/python3";
    let has_pyzmq = Command::new(python)
        .args(["-c", "import zmq"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        has_pyzmq,
        "pyzmq is not installed: `apt-get install python3-zmq` (.ci/run installs it)"
    );
    let server = start("hello_server", &[ANY_PORT, "3"]);
    let endpoint = server.bound_endpoint();
    let mut cmd = Command::new(python);
    cmd.arg(common::repo().join("examples/hello_client.py"))
        .args([endpoint.as_str(), "3"])
        .env("LD_PRELOAD", common::cdylib())
        .env("LD_LIBRARY_PATH", common::soname_dir());
    let out = spawn("hello_client.py", cmd).succeeds();
    // Debian's pyzmq is linked with libzmq 4.3.4: 4.3.5 is ours.
    assert!(out.contains("on libzmq 4.3.5"), "{out}");
    assert_eq!(out.matches("Received World").count(), 3, "{out}");
    let served = server.succeeds();
    assert_eq!(served.matches("Received Hello").count(), 3, "{served}");
}
