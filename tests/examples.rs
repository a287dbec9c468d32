//! Every program in `examples/` is built as a libzmq user builds it (`cc file.c -lzmq-rs`,
//! warnings as errors) and run as its comment says, servers and clients in separate
//! processes over tcp on loopback: request/reply, publish/subscribe, the pipeline with
//! its poll loop, CURVE with a ZAP handler that refuses a stranger, and pyzmq's client
//! (`hello_client.py`) on our library through LD_PRELOAD.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

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

/// A running example: its stdout line by line as it comes, and everything it printed.
struct Running {
    name: String,
    child: Child,
    lines: Receiver<String>,
    transcript: Arc<Mutex<String>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

const LIMIT: Duration = Duration::from_secs(30);

fn start(name: &str, args: &[&str]) -> Running {
    let mut cmd = Command::new(example(name));
    cmd.args(args);
    spawn(name, cmd)
}

fn spawn(name: &str, mut cmd: Command) -> Running {
    let mut child = cmd
        .env("LD_LIBRARY_PATH", common::soname_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
    let transcript = Arc::new(Mutex::new(String::new()));
    let (tx, lines) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let log = transcript.clone();
    let out_reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            log.lock().unwrap().push_str(&format!("{line}\n"));
            let _ = tx.send(line);
        }
    });
    let mut stderr = child.stderr.take().unwrap();
    let log = transcript.clone();
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        log.lock().unwrap().push_str(&text);
    });
    Running {
        name: name.to_owned(),
        child,
        lines,
        transcript,
        readers: vec![out_reader, err_reader],
    }
}

impl Running {
    /// The next line the program prints.
    fn line(&self) -> String {
        self.lines.recv_timeout(LIMIT).unwrap_or_else(|_| {
            panic!(
                "{} printed no line within {LIMIT:?}:\n{}",
                self.name,
                self.transcript.lock().unwrap()
            )
        })
    }

    /// The endpoint from the next "<name>: bound to <endpoint>" line.
    fn bound_endpoint(&self) -> String {
        let line = self.line();
        line.split_once(": bound to ")
            .map(|(_, endpoint)| endpoint.to_owned())
            .unwrap_or_else(|| panic!("{}: expected its endpoint, got {line:?}", self.name))
    }

    /// Waits for the program to exit by itself; its status and everything it printed.
    fn finish(mut self) -> (ExitStatus, String) {
        let deadline = Instant::now() + LIMIT;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not exit within {LIMIT:?}:\n{}",
                self.name,
                self.transcript.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        for reader in self.readers.drain(..) {
            reader.join().unwrap();
        }
        let text = self.transcript.lock().unwrap().clone();
        (status, text)
    }

    /// Exits 0 by itself, or the test fails with what it printed.
    fn succeeds(self) -> String {
        let name = self.name.clone();
        let (status, text) = self.finish();
        assert!(status.success(), "{name} failed ({status}):\n{text}");
        text
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} {}", self.name);
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // A failed test leaves no process behind.
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
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
        .env("LD_PRELOAD", common::cdylib());
    let out = spawn("hello_client.py", cmd).succeeds();
    // Debian's pyzmq is linked with libzmq 4.3.4: 4.3.5 is ours.
    assert!(out.contains("on libzmq 4.3.5"), "{out}");
    assert_eq!(out.matches("Received World").count(), 3, "{out}");
    let served = server.succeeds();
    assert_eq!(served.matches("Received Hello").count(), 3, "{served}");
}
