//! A throwaway MIT Kerberos realm for the GSSAPI tests (tests/gssapi.rs and libzmq's
//! test_security_gssapi in tests/conformance.rs): its own config files, database,
//! keytab and credential cache in a temporary directory, and Debian's `krb5kdc` (package
//! krb5-kdc; `kadmin.local` from krb5-admin-server) on a free loopback port. Dropping
//! the [`Kdc`] kills the KDC and removes the directory, also when a test panics.
//!
//! The realm holds the service `zmqtest2/<this host>` (libzmq's test names the
//! host-based service "zmqtest2", which the library completes with the host name) and
//! the user `alice`; the keytab has both, and serves as the acceptor's and as the
//! initiator's (KRB5_KTNAME, KRB5_CLIENT_KTNAME), so every party gets its tickets from
//! it without a password.

use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const REALM: &str = "ZMQRS.TEST";

pub struct Kdc {
    dir: PathBuf,
    kdc: Child,
    /// This host's name as Kerberos writes it in host-based names (lower case).
    pub host: String,
}

/// The lower-case host name: what GSSAPI puts in a host-based name with no host, given
/// `dns_canonicalize_hostname = false` and `qualify_shortname = ""` (else a short name
/// would get the first DNS search domain appended, which differs between machines).
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .expect("read the host name")
        .trim()
        .to_lowercase()
}

/// A port free for both UDP and TCP on 127.0.0.1 (the KDC takes it a moment later).
fn free_port() -> u16 {
    loop {
        let tcp = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = tcp.local_addr().unwrap().port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

fn tool(name: &str) -> PathBuf {
    for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin"] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!(
        "{name} is not installed: the GSSAPI tests need MIT Kerberos's KDC \
         (Debian: apt-get install krb5-kdc krb5-admin-server)"
    );
}

impl Kdc {
    /// Creates the realm and starts its KDC; panics (the test fails) when the Kerberos
    /// tools are missing or the KDC does not come up.
    pub fn start() -> Kdc {
        let (krb5kdc, kdb5_util, kadmin) =
            (tool("krb5kdc"), tool("kdb5_util"), tool("kadmin.local"));
        let dir = std::env::temp_dir().join(format!(
            "zmqrs-kdc-{}-{}-{}",
            std::process::id(),
            serial(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        ));
        std::fs::create_dir_all(&dir).expect("create the realm's directory");
        let host = host_name();
        let port = free_port();
        let d = dir.display();
        std::fs::write(
            dir.join("krb5.conf"),
            format!(
                "[libdefaults]\n\
                 \tdefault_realm = {REALM}\n\
                 \tdns_lookup_kdc = false\n\
                 \tdns_lookup_realm = false\n\
                 \tdns_canonicalize_hostname = false\n\
                 \tqualify_shortname = \"\"\n\
                 \trdns = false\n\
                 \tudp_preference_limit = 1\n\
                 [realms]\n\
                 \t{REALM} = {{\n\t\tkdc = 127.0.0.1:{port}\n\t}}\n\
                 [domain_realm]\n\
                 \t{host} = {REALM}\n"
            ),
        )
        .unwrap();
        std::fs::write(
            dir.join("kdc.conf"),
            format!(
                "[kdcdefaults]\n\
                 \tkdc_listen = 127.0.0.1:{port}\n\
                 \tkdc_tcp_listen = 127.0.0.1:{port}\n\
                 [realms]\n\
                 \t{REALM} = {{\n\
                 \t\tdatabase_name = {d}/principal\n\
                 \t\tkey_stash_file = {d}/stash\n\
                 \t\tacl_file = {d}/kadm5.acl\n\
                 \t\tkdc_listen = 127.0.0.1:{port}\n\
                 \t\tkdc_tcp_listen = 127.0.0.1:{port}\n\
                 \t}}\n\
                 [logging]\n\
                 \tkdc = FILE:{d}/kdc.log\n\
                 \tdefault = FILE:{d}/kdc.log\n"
            ),
        )
        .unwrap();
        std::fs::write(dir.join("kadm5.acl"), "").unwrap();
        std::fs::create_dir(dir.join("ccache")).unwrap();
        // From here on, a failure removes what was made.
        let mut guard = DirGuard(Some(dir.clone()));
        let env = env_of(&dir);
        let run = |cmd: &Path, args: &[&str]| {
            let out = Command::new(cmd)
                .args(args)
                .envs(env.iter().cloned())
                .stdin(Stdio::null())
                .output()
                .unwrap_or_else(|e| panic!("run {}: {e}", cmd.display()));
            assert!(
                out.status.success(),
                "{} {args:?} failed:\n{}{}",
                cmd.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        };
        run(
            &kdb5_util,
            &["create", "-s", "-r", REALM, "-P", "zmqrs-master"],
        );
        let service = format!("zmqtest2/{host}");
        for p in [service.as_str(), "alice"] {
            run(
                &kadmin,
                &["-r", REALM, "-q", &format!("addprinc -randkey {p}")],
            );
        }
        let keytab = format!("{d}/keytab");
        run(
            &kadmin,
            &[
                "-r",
                REALM,
                "-q",
                &format!("ktadd -k {keytab} {service} alice"),
            ],
        );
        let kdc = Command::new(&krb5kdc)
            .args(["-n", "-r", REALM, "-P"])
            .arg(dir.join("kdc.pid"))
            .envs(env.iter().cloned())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start krb5kdc");
        let kdc = Kdc {
            dir: guard.0.take().unwrap(),
            kdc,
            host,
        };
        kdc.wait_listening(port);
        kdc
    }

    fn wait_listening(&self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "krb5kdc did not listen on 127.0.0.1:{port}:\n{}",
                std::fs::read_to_string(self.dir.join("kdc.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The variables that point the Kerberos library at this realm.
    pub fn env(&self) -> Vec<(String, String)> {
        env_of(&self.dir)
    }

    /// Gives `cmd` this realm's environment.
    pub fn apply<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        cmd.envs(self.env())
    }

    /// The service's full principal name.
    pub fn service_principal(&self) -> String {
        format!("zmqtest2/{}@{REALM}", self.host)
    }

    /// What the KDC logged (for a failure's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("kdc.log")).unwrap_or_default()
    }
}

fn env_of(dir: &Path) -> Vec<(String, String)> {
    let d = dir.display();
    vec![
        ("KRB5_CONFIG".into(), format!("{d}/krb5.conf")),
        ("KRB5_KDC_PROFILE".into(), format!("{d}/kdc.conf")),
        ("KRB5_KTNAME".into(), format!("FILE:{d}/keytab")),
        ("KRB5_CLIENT_KTNAME".into(), format!("FILE:{d}/keytab")),
        // A collection: the client's and the server's principals each get their own
        // cache in it, and parallel processes lock what they share.
        ("KRB5CCNAME".into(), format!("DIR:{d}/ccache")),
        // Where kadmin.local and the KDC would otherwise look.
        ("KRB5RCACHEDIR".into(), format!("{d}")),
    ]
}

/// Tells apart the realms one process makes.
fn serial() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// Removes the directory unless disarmed (`.0.take()`).
struct DirGuard(Option<PathBuf>);

impl Drop for DirGuard {
    fn drop(&mut self) {
        if let Some(dir) = self.0.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Drop for Kdc {
    fn drop(&mut self) {
        let _ = self.kdc.kill();
        let _ = self.kdc.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
