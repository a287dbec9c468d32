//! A program under test running as its own process: its stdout line by line as it
//! comes (to read the endpoint a server bound), everything it printed, and a deadline
//! on every wait. Dropping it kills a process still running, so a failed test leaves
//! none behind.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long any one wait may take.
pub const LIMIT: Duration = Duration::from_secs(30);

/// A running program: its stdout line by line as it comes, and everything it printed.
pub struct Running {
    name: String,
    child: Child,
    lines: Receiver<String>,
    transcript: Arc<Mutex<String>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

pub fn spawn(name: &str, mut cmd: Command) -> Running {
    let mut child = cmd
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
    pub fn line(&self) -> String {
        self.lines.recv_timeout(LIMIT).unwrap_or_else(|_| {
            panic!(
                "{} printed no line within {LIMIT:?}:\n{}",
                self.name,
                self.transcript.lock().unwrap()
            )
        })
    }

    /// The endpoint from the next "<name>: bound to <endpoint>" line.
    pub fn bound_endpoint(&self) -> String {
        let line = self.line();
        line.split_once(": bound to ")
            .map(|(_, endpoint)| endpoint.to_owned())
            .unwrap_or_else(|| panic!("{}: expected its endpoint, got {line:?}", self.name))
    }

    /// Waits for the program to exit by itself; its status and everything it printed.
    pub fn finish(mut self) -> (ExitStatus, String) {
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
    pub fn succeeds(self) -> String {
        let name = self.name.clone();
        let (status, text) = self.finish();
        assert!(status.success(), "{name} failed ({status}):\n{text}");
        text
    }

    pub fn signal(&self, signal: &str) {
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
