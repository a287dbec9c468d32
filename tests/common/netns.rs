//! Network namespaces a test makes for itself (root, util-linux's `unshare`/`nsenter`,
//! iproute2's `ip`): each is held by a `sleep` process and ends when it is killed, on
//! drop, so nothing outlives the test (and the holder's own deadline bounds a test
//! killed outright). Programs run inside through `nsenter`, which execs them: their
//! pid is the program's.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Netns {
    holder: Child,
}

/// Fails the test, rather than skip it, when a tool is missing: CI installs them.
pub fn require(tools: &[&str]) {
    for tool in tools {
        let found = std::env::var_os("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()))
            || ["/usr/sbin", "/sbin"]
                .iter()
                .any(|d| PathBuf::from(d).join(tool).is_file());
        assert!(
            found,
            "{tool} is not installed: .ci/run installs it (util-linux, iproute2, nftables, krb5-kdc, ...)"
        );
    }
}

fn net_ns(pid: &str) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/ns/net")).ok()
}

impl Netns {
    /// A fresh namespace with its loopback up.
    pub fn new() -> Netns {
        require(&["unshare", "nsenter", "ip"]);
        let holder = Command::new("unshare")
            .args(["--net", "sleep", "600"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("unshare --net (tests run as root)");
        let ns = Netns { holder };
        // The holder is in its namespace once it differs from ours.
        let ours = net_ns("self");
        let deadline = Instant::now() + Duration::from_secs(10);
        while net_ns(&ns.pid().to_string()) == ours {
            assert!(
                Instant::now() < deadline,
                "unshare --net did not take effect"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        ns.run(&["ip", "link", "set", "lo", "up"]);
        ns
    }

    pub fn pid(&self) -> u32 {
        self.holder.id()
    }

    /// `program` to run inside the namespace.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("nsenter");
        c.arg(format!("--net=/proc/{}/ns/net", self.pid()))
            .arg("--")
            .arg(program);
        c
    }

    /// Runs a command inside; the test fails if it does.
    pub fn run(&self, args: &[&str]) -> String {
        let out = self
            .command(args[0])
            .args(&args[1..])
            .output()
            .unwrap_or_else(|e| panic!("{args:?}: {e}"));
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs an nft script inside (nftables).
    pub fn nft(&self, script: &str) {
        require(&["nft"]);
        use std::io::Write;
        let mut child = self
            .command("nft")
            .args(["-f", "-"])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("nft");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "nft: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

/// Two namespaces joined by a veth pair: `10.<net>.0.1` in the first, `.2` in the
/// second, each with a multicast route on its end (so neither hears itself, as two
/// hosts on one link).
pub fn linked_pair(net: u8) -> (Netns, Netns) {
    let a = Netns::new();
    let b = Netns::new();
    a.run(&[
        "ip",
        "link",
        "add",
        "va",
        "type",
        "veth",
        "peer",
        "name",
        "vb",
        "netns",
        &b.pid().to_string(),
    ]);
    for (ns, dev, host) in [(&a, "va", 1), (&b, "vb", 2)] {
        ns.run(&[
            "ip",
            "addr",
            "add",
            &format!("10.{net}.0.{host}/24"),
            "dev",
            dev,
        ]);
        ns.run(&["ip", "link", "set", dev, "up"]);
        ns.run(&["ip", "route", "add", "224.0.0.0/4", "dev", dev]);
    }
    (a, b)
}
