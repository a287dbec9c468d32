//! The GSSAPI mechanism under a throwaway Kerberos realm (common::kdc): REQ/REP between
//! our library and Debian's libzmq (built with GSSAPI) in both directions, wrapped and
//! plaintext, and ours with ours; the ZAP handler hearing the client's principal and the
//! receiver seeing it as User-Id; a client naming the wrong service failing its
//! handshake with a monitor event; and forged GSSAPI commands from a raw TCP client,
//! which must cost only their own connection.
//!
//! Peers are capi-tests/interop/gssapi_node.c, built against each library and run as
//! separate processes. Without krb5-kdc, krb5-admin-server or libzmq3-dev these tests
//! fail (CI installs them).

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::kdc::{Kdc, REALM};
use common::running::{self, Running};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lib {
    Ours,
    Libzmq,
}

/// gssapi_node.c built against us and against Debian's libzmq, once per test run.
fn node(lib: Lib) -> &'static Path {
    static NODES: std::sync::OnceLock<(PathBuf, PathBuf)> = std::sync::OnceLock::new();
    let (ours, theirs) = NODES.get_or_init(|| {
        let out = common::profile_dir().join("gssapi");
        std::fs::create_dir_all(&out).unwrap();
        (build(&out, Lib::Ours), build(&out, Lib::Libzmq))
    });
    match lib {
        Lib::Ours => ours,
        Lib::Libzmq => theirs,
    }
}

fn build(out: &Path, lib: Lib) -> PathBuf {
    let exe = out.join(match lib {
        Lib::Ours => "gssapi-node-ours",
        Lib::Libzmq => "gssapi-node-libzmq",
    });
    let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()));
    cc.args(["-std=gnu11", "-Wall", "-Werror", "-pthread"])
        .arg(common::repo().join("capi-tests/interop/gssapi_node.c"))
        .arg("-o")
        .arg(&exe);
    match lib {
        Lib::Ours => cc
            .arg("-I")
            .arg(common::repo().join("include"))
            .arg(common::cdylib()),
        Lib::Libzmq => cc.arg("-lzmq"),
    };
    let res = cc.output().expect("run cc");
    assert!(
        res.status.success(),
        "building gssapi_node.c against {lib:?} failed (libzmq3-dev installed?): {}",
        String::from_utf8_lossy(&res.stderr)
    );
    exe
}

fn spawn(kdc: &Kdc, lib: Lib, args: &[&str]) -> Running {
    let mut cmd = Command::new(node(lib));
    cmd.args(args);
    if lib == Lib::Ours {
        cmd.env("LD_LIBRARY_PATH", common::soname_dir());
    }
    kdc.apply(&mut cmd);
    running::spawn(&format!("{} ({lib:?})", args[0]), cmd)
}

/// A server of `server` bound to a fresh port and a client of `client`: one multipart
/// request and its multipart reply, contents checked on both sides. The server's
/// transcript.
fn exchange(kdc: &Kdc, server: Lib, client: Lib, plaintext: bool, zap: bool) -> String {
    exchange_over("tcp", kdc, server, client, plaintext, zap)
}

fn exchange_over(
    transport: &str,
    kdc: &Kdc,
    server: Lib,
    client: Lib,
    plaintext: bool,
    zap: bool,
) -> String {
    let plaintext = if plaintext { "1" } else { "0" };
    let srv = spawn(
        kdc,
        server,
        &[
            "server",
            &format!("{transport}://127.0.0.1:*"),
            plaintext,
            if zap { "1" } else { "0" },
        ],
    );
    let endpoint = srv.bound_endpoint();
    let cli = spawn(kdc, client, &["client", &endpoint, plaintext, "alice"]);
    let cli_out = cli.finish();
    let (status, text) = srv.finish();
    assert!(
        cli_out.0.success() && status.success(),
        "{server:?} server / {client:?} client, plaintext {plaintext}:\n\
         client: {}\nserver: {text}\nKDC log:\n{}",
        cli_out.1,
        kdc.log()
    );
    text
}

#[test]
fn our_server_and_libzmqs_client_wrapped_and_plaintext() {
    let kdc = Kdc::start();
    for plaintext in [false, true] {
        let out = exchange(&kdc, Lib::Ours, Lib::Libzmq, plaintext, false);
        assert!(out.contains("User-Id: none"), "{out}");
    }
}

#[test]
fn libzmqs_server_and_our_client_wrapped_and_plaintext() {
    let kdc = Kdc::start();
    for plaintext in [false, true] {
        exchange(&kdc, Lib::Libzmq, Lib::Ours, plaintext, false);
    }
}

#[test]
fn ours_with_ours_wrapped_and_plaintext() {
    let kdc = Kdc::start();
    for plaintext in [false, true] {
        exchange(&kdc, Lib::Ours, Lib::Ours, plaintext, false);
    }
}

/// Over ws (ZWS 2.0) the mechanism is offered as `ZWS2.0/GSSAPI`: libzmq's ws engine
/// has no GSSAPI (its client asserts), so only libzmq-rs peers talk it.
#[cfg(feature = "draft")]
#[test]
fn ours_with_ours_over_websocket() {
    let kdc = Kdc::start();
    for plaintext in [false, true] {
        exchange_over("ws", &kdc, Lib::Ours, Lib::Ours, plaintext, true);
    }
}

/// The server asks its ZAP handler with mechanism "GSSAPI" and the client's principal as
/// the one credential, as libzmq does; the handler's User-Id reaches the messages.
#[test]
fn zap_hears_the_principal_and_it_becomes_the_user_id() {
    let kdc = Kdc::start();
    let alice = format!("alice@{REALM}");
    for (server, client) in [
        (Lib::Ours, Lib::Libzmq),
        (Lib::Ours, Lib::Ours),
        (Lib::Libzmq, Lib::Ours),
    ] {
        let out = exchange(&kdc, server, client, false, true);
        assert!(
            out.contains(&format!("zap: GSSAPI {alice}\n")),
            "{server:?} server, {client:?} client:\n{out}"
        );
        assert!(
            out.contains(&format!("User-Id: {alice}\n")),
            "{server:?} server, {client:?} client:\n{out}"
        );
    }
}

/// A client naming a service the realm does not know cannot get a ticket: its handshake
/// fails with a monitor event (libzmq's only after ZMQ_HANDSHAKE_IVL, which the node
/// sets short) and nothing is delivered.
#[test]
fn a_wrong_service_principal_fails_the_handshake() {
    let kdc = Kdc::start();
    let wrong = format!("nosuch/{}@{REALM}", kdc.host);
    for (server, client) in [
        (Lib::Ours, Lib::Ours),
        (Lib::Libzmq, Lib::Ours),
        (Lib::Ours, Lib::Libzmq),
    ] {
        let srv = spawn(&kdc, server, &["server", "tcp://127.0.0.1:*", "0", "0"]);
        let endpoint = srv.bound_endpoint();
        let mut cmd = Command::new(node(client));
        cmd.args(["badservice", &endpoint, &wrong])
            .env("LD_LIBRARY_PATH", common::soname_dir())
            .env("ZMQRS_DEBUG", "1");
        kdc.apply(&mut cmd);
        let out = running::spawn("badservice", cmd).succeeds();
        assert!(out.contains("event: handshake failed"), "{out}");
        if client == Lib::Ours {
            // ZMQRS_DEBUG says why, in Kerberos's words.
            assert!(
                out.contains(&format!("Server {wrong} not found in Kerberos database")),
                "{out}"
            );
        }
        // The server delivered nothing: it still waits (and is killed on drop).
        drop(srv);
    }
}

/// A ZMTP 3.0 greeting announcing GSSAPI, as a client.
fn greeting() -> Vec<u8> {
    let mut g = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 0];
    let mut mech = [0u8; 20];
    mech[..6].copy_from_slice(b"GSSAPI");
    g.extend_from_slice(&mech);
    g.push(0);
    g.extend_from_slice(&[0; 31]);
    g
}

fn command(body: &[u8]) -> Vec<u8> {
    let mut f = vec![0x04, body.len() as u8];
    f.extend_from_slice(body);
    f
}

fn initiate(token: &[u8], declared: u32) -> Vec<u8> {
    let mut body = b"\x08INITIATE".to_vec();
    body.extend_from_slice(&declared.to_be_bytes());
    body.extend_from_slice(token);
    command(&body)
}

/// Sends `bytes` after the greeting and expects the server to close the connection
/// (EOF or reset); `answers` commands may come back before it does.
fn expect_dropped(endpoint: &str, bytes: &[u8], answers: usize, what: &str) {
    let addr = endpoint.trim_start_matches("tcp://");
    let mut s = TcpStream::connect(addr).expect("connect to the server");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(&greeting()).unwrap();
    s.write_all(bytes).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("{what}: the server kept the connection ({e}); read {got:?}"),
        }
    }
    // The server's greeting, then only the commands expected (no READY).
    assert!(got.len() >= 64, "{what}: {got:?}");
    let mut rest = &got[64..];
    let mut commands = 0;
    while let [flags, len, tail @ ..] = rest {
        assert_eq!(*flags, 0x04, "{what}: {got:?}");
        assert!(
            tail[..usize::from(*len)].starts_with(b"\x08INITIATE"),
            "{what}: {got:?}"
        );
        rest = &tail[usize::from(*len)..];
        commands += 1;
    }
    assert_eq!(commands, answers, "{what}: {got:?}");
}

/// Forged INITIATEs (garbage tokens, lying lengths), a READY out of turn and a bare
/// MESSAGE: each connection is dropped, and the server goes on to serve a real client.
#[test]
fn forged_gssapi_commands_drop_only_their_connection() {
    let kdc = Kdc::start();
    let srv = spawn(&kdc, Lib::Ours, &["server", "tcp://127.0.0.1:*", "0", "0"]);
    let endpoint = srv.bound_endpoint();
    // A Kerberos AP-REQ framed as GSSAPI expects (RFC 2743's token tag), then garbage.
    let mut fake_ap_req = vec![0x60, 0x20, 0x06, 0x09];
    fake_ap_req.extend_from_slice(b"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x01\x00");
    fake_ap_req.extend_from_slice(&[0x6e; 20]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "garbage token",
            initiate(&[0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3], 8),
        ),
        (
            "forged AP-REQ",
            initiate(&fake_ap_req, fake_ap_req.len() as u32),
        ),
        // An empty token asks the acceptor to start (SPNEGO answers with its offer, as
        // under libzmq); garbage then ends it.
        (
            "empty token, then garbage",
            [initiate(b"", 0), initiate(b"\x60\x01", 2)].concat(),
        ),
        ("length beyond the body", initiate(b"abc", 1_000_000)),
        ("length short of the body", initiate(b"abcdef", 2)),
        ("READY first", command(b"\x05READY")),
        ("MESSAGE first", command(b"\x07MESSAGE\x00\x00\x00\x01x")),
        ("an empty command", command(b"")),
    ];
    for (what, bytes) in &cases {
        let answers = usize::from(what.starts_with("empty token"));
        expect_dropped(&endpoint, bytes, answers, what);
    }
    let cli = spawn(&kdc, Lib::Ours, &["client", &endpoint, "0", "alice"]);
    cli.succeeds();
    srv.succeeds();
}

/// `src/sys/gssapi.rs` mirrors the GSSAPI's C bindings: capi-tests/interop/gssapi_layout.c
/// compiles only where the prototypes have the shape the Rust side declares, and prints
/// the layouts, constants and name-type OIDs the Rust side uses.
#[test]
fn gssapi_declarations_match_the_header() {
    let out = common::profile_dir().join("gssapi");
    std::fs::create_dir_all(&out).unwrap();
    let exe = out.join("gssapi-layout");
    let res = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .args(["-std=gnu11", "-Wall", "-Werror"])
        .arg(common::repo().join("capi-tests/interop/gssapi_layout.c"))
        .arg("-o")
        .arg(&exe)
        .arg("-lgssapi_krb5")
        .output()
        .expect("cc");
    assert!(
        res.status.success(),
        "compiling against <gssapi/gssapi.h> (libkrb5-dev, a dependency of libzmq3-dev): {}",
        String::from_utf8_lossy(&res.stderr)
    );
    let got = Command::new(&exe).output().unwrap();
    // gss_buffer_desc and gss_OID_desc: 16 bytes, the pointer at 8; GSS_S_COMPLETE,
    // GSS_S_CONTINUE_NEEDED, GSS_C_MUTUAL_FLAG, GSS_C_REPLAY_FLAG, GSS_C_BOTH, the
    // GSS_ERROR mask, GSS_C_GSS_CODE, GSS_C_MECH_CODE; GSS_C_NT_HOSTBASED_SERVICE,
    // GSS_C_NT_USER_NAME, GSS_KRB5_NT_PRINCIPAL_NAME.
    assert_eq!(
        String::from_utf8_lossy(&got.stdout),
        "16 8 16 8\n0 1 2 4 0 4294901760 1 2\n\
         2a864886f71201020104\n2a864886f71201020101\n2a864886f71201020201\n"
    );
}
