//! ws:// and wss:// against the reference libzmq 4.3.5 built with WebSocket and GnuTLS
//! (capi-tests/conformance/build-reference.sh, run here when its cache is missing):
//! capi-tests/interop/node.c built against both libraries, REQ/REP, DEALER/ROUTER and
//! PUB/SUB, NULL, PLAIN (with a ZAP handler) and CURVE, each side binding; and a real browser (Debian's headless
//! Chromium, driven through chromedriver) talking ZWS 2.0 to one of our sockets from
//! examples/ws-browser/.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The reference build's lib and include directories, building it if needed. It must
/// have wss (GnuTLS, Debian's libgnutls28-dev: .ci/run installs it).
fn reference_with_wss() -> (PathBuf, PathBuf) {
    let repo = common::repo();
    let cache = common::reference_cache();
    let install = cache.join("reference/install");
    let lib = install.join("lib");
    let gnutls = |lib: &Path| {
        Command::new("readelf")
            .arg("-d")
            .arg(lib.join("libzmq.so"))
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).contains("libgnutls"))
            .unwrap_or(false)
    };
    if !gnutls(&lib) {
        // Incremental: reconfigures an existing build (GnuTLS may be new since).
        let _ = std::fs::remove_file(cache.join("reference/build/CMakeCache.txt"));
        let out = Command::new("bash")
            .arg(repo.join("capi-tests/conformance/build-reference.sh"))
            .output()
            .expect("run build-reference.sh");
        assert!(
            out.status.success(),
            "build-reference.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(
        gnutls(&lib),
        "the reference libzmq has no wss: install libgnutls28-dev (.ci/run does)"
    );
    (lib, install.join("include"))
}

fn build_node(exe: &Path, args: &[std::ffi::OsString]) {
    let repo = common::repo();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let res = Command::new(cc)
        .args(["-std=gnu11", "-Wall", "-Werror", "-DZMQ_BUILD_DRAFT_API"])
        .arg(repo.join("capi-tests/interop/node.c"))
        .arg("-o")
        .arg(exe)
        .args(args)
        .output()
        .expect("run cc");
    assert!(
        res.status.success(),
        "building {}: {}",
        exe.display(),
        String::from_utf8_lossy(&res.stderr)
    );
}

/// Runs `server` binding `endpoint` and `client` connecting to what it reports.
fn exchange(
    server: &Path,
    client: &Path,
    roles: (&str, &str),
    endpoint: &str,
) -> Result<(), String> {
    let certs = common::repo().join("tests/data/tls");
    let libdir = common::soname_dir();
    let mut srv = Command::new(server)
        .args([roles.0, endpoint, "bind"])
        .env("LD_LIBRARY_PATH", &libdir)
        .env("WSS_CERTS", &certs)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut lines = BufReader::new(srv.stdout.take().unwrap()).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let Some(bound) = first.strip_prefix("ENDPOINT ") else {
        let _ = srv.kill();
        let _ = srv.wait();
        return Err(format!("server did not bind: {first}"));
    };
    let mut cmd = Command::new(client);
    cmd.args([roles.1, bound, "connect"])
        .env("LD_LIBRARY_PATH", &libdir)
        .env("WSS_CERTS", &certs);
    let client_result = common::run_with_timeout(&mut cmd, Duration::from_secs(30));
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    let srv_status = loop {
        if let Some(st) = srv.try_wait().map_err(|e| e.to_string())? {
            break Some(st);
        }
        if Instant::now() > deadline {
            let _ = srv.kill();
            let _ = srv.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    match (client_result, srv_status) {
        (Some((c, _)), Some(s)) if c.success() && s.success() => Ok(()),
        (c, s) => Err(format!(
            "client: {:?} server: {:?} {}",
            c.map(|(st, out)| format!("{st} {}", out.trim())),
            s,
            rest.join(" | ")
        )),
    }
}

#[test]
#[cfg_attr(
    not(feature = "draft"),
    ignore = "built without the draft API: ws and wss are draft transports"
)]
fn ws_and_wss_with_reference_libzmq() {
    let (ref_lib, ref_include) = reference_with_wss();
    let repo = common::repo();
    let out = common::profile_dir().join("ws");
    std::fs::create_dir_all(&out).unwrap();
    let ours = out.join("node-ours");
    let theirs = out.join("node-reference");
    build_node(
        &ours,
        &[
            "-I".into(),
            repo.join("include").into(),
            common::cdylib().into(),
        ],
    );
    // DT_RPATH (not RUNPATH), so LD_LIBRARY_PATH cannot swap the library.
    let mut rpath = std::ffi::OsString::from("-Wl,--disable-new-dtags,-rpath,");
    rpath.push(&ref_lib);
    build_node(
        &theirs,
        &[
            "-I".into(),
            ref_include.into(),
            "-L".into(),
            ref_lib.into(),
            rpath,
            "-lzmq".into(),
        ],
    );
    let pairs = [
        ("rep", "req"),
        ("router", "dealer"),
        ("curve-rep", "curve-req"),
        ("curve-router", "curve-dealer"),
        ("plain-rep", "plain-req"),
        ("pub", "sub"),
        ("pub", "xsub"),
    ];
    let mut failures = Vec::new();
    let mut passed = 0;
    for endpoint in ["ws://127.0.0.1:*/interop", "wss://127.0.0.1:*/interop"] {
        for (srv, cli) in pairs {
            for (server, client, who) in [
                (&ours, &theirs, "libzmq-rs binds, libzmq connects"),
                (&theirs, &ours, "libzmq binds, libzmq-rs connects"),
            ] {
                match exchange(server, client, (srv, cli), endpoint) {
                    Ok(()) => passed += 1,
                    Err(e) => failures.push(format!("{srv}/{cli} over {endpoint} ({who}): {e}")),
                }
            }
        }
    }
    eprintln!("ws interop: {passed} passed, {} failed", failures.len());
    assert!(
        failures.is_empty(),
        "ws interop failures:\n{}",
        failures.join("\n")
    );
}

/// A minimal WebDriver client: one HTTP/1.1 request per connection to chromedriver.
fn webdriver(port: u16, method: &str, path: &str, body: &str) -> Result<String, String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(60))).ok();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    // chromedriver keeps the connection open: the body is Content-Length bytes.
    let mut resp = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        let n = s.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed".into());
        }
        resp.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&resp);
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            continue;
        };
        let len = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse::<usize>().ok())?
            })
            .unwrap_or(0);
        if body.len() < len {
            continue;
        }
        if !head.starts_with("HTTP/1.1 200") {
            return Err(format!("{method} {path}: {head} {body}"));
        }
        return Ok(body.to_owned());
    }
}

/// The string after `"key":"` in a JSON text (no escapes expected in what we read).
fn json_str(json: &str, key: &str) -> Option<String> {
    let start = json.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let end = json[start..].find('"')?;
    Some(json[start..start + end].to_owned())
}

/// Kills a child process when dropped (the browser driver must not outlive the test).
struct Reaper(std::process::Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A real browser: headless Chromium (driven by chromedriver) opens
/// examples/ws-browser/index.html, whose JavaScript connects to our REP socket with the
/// browser's own WebSocket and subprotocol ZWS2.0 (browsers refuse `ZWS2.0/NULL`: a
/// '/' is not allowed in a subprotocol token), exchanges routing ids, sends a request
/// and shows the reply. The page's text is read back, and a screenshot is kept
/// (target/<profile>/ws/browser.png).
#[test]
#[cfg_attr(
    not(feature = "draft"),
    ignore = "built without the draft API: ws and wss are draft transports"
)]
fn a_browser_talks_to_a_ws_socket() {
    for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
        assert!(
            Path::new(tool).exists(),
            "{tool} is missing: apt-get install chromium chromium-driver (.ci/run does)"
        );
    }
    let repo = common::repo();
    let out = common::profile_dir().join("ws");
    std::fs::create_dir_all(&out).unwrap();
    let server = out.join("browser-server");
    common::build_c(&repo.join("examples/ws-browser/server.c"), &server).unwrap();
    let mut srv = Command::new(&server)
        .arg("ws://127.0.0.1:*/browser")
        .env("LD_LIBRARY_PATH", common::soname_dir())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(srv.stdout.take().unwrap()).lines();
    let srv = Reaper(srv);
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let endpoint = first
        .strip_prefix("ENDPOINT ")
        .expect("server bound")
        .to_owned();

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let profile = tempdir(&out, "chromium-profile");
    let driver = Reaper(
        Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while webdriver(port, "GET", "/status", "").is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=800,400",
    ]
    .iter()
    .map(|a| format!("\"{a}\""))
    .chain([format!("\"--user-data-dir={}\"", profile.display())])
    .collect::<Vec<_>>()
    .join(",");
    let caps = format!(
        "{{\"capabilities\":{{\"alwaysMatch\":{{\"browserName\":\"chrome\",\
         \"goog:chromeOptions\":{{\"binary\":\"/usr/bin/chromium\",\"args\":[{args}]}}}}}}}}"
    );
    let session = webdriver(port, "POST", "/session", &caps).expect("a browser session");
    let id = json_str(&session, "sessionId").expect("session id");
    let page = format!(
        "file://{}?url={endpoint}",
        repo.join("examples/ws-browser/index.html").display()
    );
    let result = (|| {
        webdriver(
            port,
            "POST",
            &format!("/session/{id}/url"),
            &format!("{{\"url\":\"{page}\"}}"),
        )?;
        let script = r#"{"script":"return document.getElementById('reply').textContent + '|' + document.getElementById('status').textContent","args":[]}"#;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let r = webdriver(port, "POST", &format!("/session/{id}/execute/sync"), script)?;
            let v = json_str(&r, "value").unwrap_or_default();
            if v.ends_with("|done") || Instant::now() > deadline {
                let shot = webdriver(port, "GET", &format!("/session/{id}/screenshot"), "")?;
                if let Some(png) = json_str(&shot, "value") {
                    use base64::Engine as _;
                    if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(png) {
                        let _ = std::fs::write(out.join("browser.png"), bytes);
                    }
                }
                return Ok::<String, String>(v);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    })();
    let _ = webdriver(port, "DELETE", &format!("/session/{id}"), "");
    drop(driver);
    let _ = std::fs::remove_dir_all(&profile);
    let shown = result.expect("driving the page");
    assert_eq!(
        shown, "echo: hello from the browser|done",
        "what the page shows"
    );
    // The server saw the request the browser sent.
    let got: Vec<String> = lines.map_while(Result::ok).collect();
    drop(srv);
    assert!(
        got.iter().any(|l| l == "REQUEST hello from the browser"),
        "server output: {got:?}"
    );
}

/// A fresh directory under `parent`, removed by the test when done.
fn tempdir(parent: &Path, name: &str) -> PathBuf {
    let d = parent.join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
