//! pgm://, epgm:// and norm:// against Debian's libzmq, which is built with OpenPGM
//! and NORM: capi-tests/interop/multicast.c built against us and against libzmq, a
//! publisher in one network namespace and a subscriber in another, joined by a veth
//! pair with a multicast route on each end, both directions, PUB/SUB and XPUB/XSUB,
//! multipart messages of 1 B to 1 MiB (over norm: what libzmq's norm engine can send,
//! see `norm_both_directions_with_loss`). The subscriber's namespace drops one multicast
//! packet in 25 (nftables), so every run goes through PGM's and NORM's repairs. Also:
//! the declarations `src/sys/pgm.rs` and `src/sys/norm.rs` make, against libpgm-dev's
//! and libnorm-dev's headers; and forged PGM and NORM traffic.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::netns::{self, Netns};
use common::running;

/// multicast.c built against us and against libzmq (Debian's libzmq3-dev), once.
fn nodes() -> &'static (PathBuf, PathBuf) {
    static NODES: std::sync::OnceLock<(PathBuf, PathBuf)> = std::sync::OnceLock::new();
    NODES.get_or_init(|| {
        let out = common::profile_dir().join("multicast");
        std::fs::create_dir_all(&out).unwrap();
        let src = common::repo().join("capi-tests/interop/multicast.c");
        let build = |exe: &Path, ours: bool| {
            let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()));
            cc.args(["-std=gnu11", "-Wall", "-Werror"])
                .arg(&src)
                .arg("-o")
                .arg(exe);
            if ours {
                cc.arg("-I")
                    .arg(common::repo().join("include"))
                    .arg(common::cdylib());
            } else {
                cc.arg("-lzmq");
            }
            let res = cc.output().expect("run cc");
            assert!(
                res.status.success(),
                "building {} (is libzmq3-dev installed? .ci/run installs it): {}",
                exe.display(),
                String::from_utf8_lossy(&res.stderr)
            );
        };
        let (ours, theirs) = (out.join("multicast-ours"), out.join("multicast-libzmq"));
        build(&ours, true);
        build(&theirs, false);
        (ours, theirs)
    })
}

/// Drops one multicast packet in 25 arriving in `ns`, and counts them.
fn lossy(ns: &Netns) {
    ns.nft(
        "table inet loss {
           counter dropped {}
           chain input {
             type filter hook input priority 0; policy accept;
             ip daddr 224.0.0.0/4 numgen inc mod 25 == 7 counter name dropped drop
           }
         }",
    );
}

fn dropped(ns: &Netns) -> u64 {
    let out = ns.run(&["nft", "list", "counter", "inet", "loss", "dropped"]);
    out.split_whitespace()
        .skip_while(|w| *w != "packets")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// One exchange: the subscriber (role, program, endpoint) in `rx`, the publisher in
/// `tx`; the subscriber must get the whole sequence. `extra`: multicast.c's options.
fn exchange(
    (tx, rx): (&Netns, &Netns),
    publisher: (&str, &Path, &str),
    subscriber: (&str, &Path, &str),
    extra: &[&str],
) -> Result<(), String> {
    let libdir = common::soname_dir();
    let mut sub = rx.command(subscriber.1);
    sub.args([subscriber.0, subscriber.2])
        .args(extra)
        .env("LD_LIBRARY_PATH", &libdir);
    let sub = running::spawn("subscriber", sub);
    let ready = sub.line();
    if ready != "READY" {
        return Err(format!("subscriber: {ready}"));
    }
    // Its group joined before the first packet goes out.
    std::thread::sleep(Duration::from_millis(300));
    let mut publ = tx.command(publisher.1);
    publ.args([publisher.0, publisher.2])
        .args(extra)
        .env("LD_LIBRARY_PATH", &libdir);
    let publ = running::spawn("publisher", publ);
    let (status, said) = sub.finish();
    publ.signal("TERM");
    let (pub_status, pub_said) = publ.finish();
    if !status.success() || !said.contains("OK ") {
        return Err(format!(
            "subscriber {status}: {said}\npublisher: {pub_said}"
        ));
    }
    if !pub_status.success() {
        return Err(format!("publisher {pub_status}: {pub_said}"));
    }
    Ok(())
}

/// Every pairing over one transport, through lossy links. `net`: the second octet of
/// this test's addresses (tests run in parallel, each in its own namespaces);
/// `endpoint(net, host, device, port)`: the endpoint one side uses.
fn matrix(scheme: &str, net: u8, endpoint: impl Fn(u8, u8, &str, u16) -> String) {
    let (ours, theirs) = nodes();
    let mut failures = Vec::new();
    let mut passed = 0;
    // (publisher role, its program, subscriber role, its program, what, extra argument)
    let mut cases = vec![
        (
            "pub",
            ours,
            "sub",
            theirs,
            "libzmq-rs PUB -> libzmq SUB",
            None,
        ),
        (
            "pub",
            theirs,
            "sub",
            ours,
            "libzmq PUB -> libzmq-rs SUB",
            None,
        ),
        (
            "xpub",
            ours,
            "xsub",
            theirs,
            "libzmq-rs XPUB -> libzmq XSUB",
            None,
        ),
        (
            "xpub",
            theirs,
            "xsub",
            ours,
            "libzmq XPUB -> libzmq-rs XSUB",
            None,
        ),
        (
            "pub",
            ours,
            "sub",
            ours,
            "libzmq-rs PUB -> libzmq-rs SUB",
            None,
        ),
    ];
    if scheme == "norm" {
        cases.extend([
            (
                "pub",
                ours,
                "sub",
                theirs,
                "libzmq-rs PUB -> libzmq SUB, up to 256 KiB",
                Some("wide"),
            ),
            (
                "pub",
                ours,
                "sub",
                ours,
                "libzmq-rs PUB -> libzmq-rs SUB, up to 1 MiB",
                Some("large"),
            ),
        ]);
    }
    for (i, (prole, pexe, srole, sexe, what, extra)) in cases.into_iter().enumerate() {
        // Fresh namespaces per case: no source of an earlier case is still heard.
        let (tx, rx) = netns::linked_pair(net);
        lossy(&rx);
        let port = 5555 + i as u16;
        let (pep, sep) = (endpoint(net, 1, "va", port), endpoint(net, 2, "vb", port));
        let extra: &[&str] = extra.as_slice();
        match exchange((&tx, &rx), (prole, pexe, &pep), (srole, sexe, &sep), extra) {
            Ok(()) => {
                let lost = dropped(&rx);
                if lost == 0 {
                    failures.push(format!("{what}: no packet was dropped, no repair tested"));
                } else {
                    eprintln!("{scheme}: {what}: ok, {lost} packets dropped and repaired");
                    passed += 1;
                }
            }
            Err(e) => failures.push(format!("{what} over {scheme}: {e}")),
        }
    }
    eprintln!(
        "{scheme} interop: {passed} passed, {} failed",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn epgm_both_directions_with_loss() {
    matrix("epgm", 81, |net, host, _, port| {
        format!("epgm://10.{net}.0.{host};239.192.{net}.1:{port}")
    });
}

#[test]
fn pgm_both_directions_with_loss() {
    matrix("pgm", 82, |net, host, _, port| {
        format!("pgm://10.{net}.0.{host};239.192.{net}.1:{port}")
    });
}

/// NORM names its multicast interface. libzmq's norm engine cannot send a frame over
/// 2000 bytes (multicast.c's norm_sizes), and a NORM receiver needs a buffer larger
/// than its default (ZMQ_NORM_BUFFER_SIZE, draft, not in Debian's libzmq) for 1 MiB:
/// from us to libzmq frames go up to 256 KiB, 1 MiB between our own sockets.
#[test]
fn norm_both_directions_with_loss() {
    matrix("norm", 86, |net, _, dev, port| {
        format!("norm://{dev};239.192.{net}.1:{port}")
    });
}

/// Hostile senders (capi-tests/interop/pgm_forge.c on OpenPGM, norm_forge.cpp on
/// libnorm): plain garbage to the group, then protocol-valid data that no libzmq sender
/// makes, then a proper message. Our subscriber drops the bad ones, lives, and gets the
/// good one first.
#[test]
fn forged_traffic_is_dropped() {
    let (ours, _) = nodes();
    let out = common::profile_dir().join("multicast");
    let build = |src: &str, exe: &Path, cxx: bool, args: &[&str]| {
        let compiler = if cxx { "CXX" } else { "CC" };
        let default = if cxx { "c++" } else { "cc" };
        let res = Command::new(std::env::var(compiler).unwrap_or_else(|_| default.into()))
            .args(["-Wall", "-Werror"])
            .arg(common::repo().join("capi-tests/interop").join(src))
            .arg("-o")
            .arg(exe)
            .args(args)
            .output()
            .expect("compiler");
        assert!(
            res.status.success(),
            "building {src} (libpgm-dev, libnorm-dev; .ci/run installs them): {}",
            String::from_utf8_lossy(&res.stderr)
        );
    };
    let pgm_forge = out.join("pgm-forge");
    build(
        "pgm_forge.c",
        &pgm_forge,
        false,
        &["-I/usr/include/pgm-5.3", "-lpgm"],
    );
    let norm_forge = out.join("norm-forge");
    build("norm_forge.cpp", &norm_forge, true, &["-lnorm"]);
    for (i, scheme) in ["epgm", "pgm", "norm"].into_iter().enumerate() {
        let net = 83 + i as u8;
        let (tx, rx) = netns::linked_pair(net);
        let group = format!("239.192.{net}.1");
        let (endpoint, mut forge) = match scheme {
            "norm" => {
                let mut f = tx.command(&norm_forge);
                f.args(["va", &group, "5555"]);
                (format!("norm://vb;{group}:5555"), f)
            }
            _ => {
                let mut f = tx.command(&pgm_forge);
                let kind = if scheme == "epgm" { "udp" } else { "raw" };
                f.args([kind, &format!("10.{net}.0.1"), &group, "5555"]);
                (format!("{scheme}://10.{net}.0.2;{group}:5555"), f)
            }
        };
        let mut sub = rx.command(ours);
        sub.args(["first", &endpoint])
            .env("LD_LIBRARY_PATH", common::soname_dir());
        let sub = running::spawn(&format!("{scheme} subscriber"), sub);
        assert_eq!(sub.line(), "READY");
        std::thread::sleep(Duration::from_millis(300));
        forge.stdin(std::process::Stdio::null());
        let forger = running::spawn("forger", forge);
        let said = sub.succeeds();
        assert!(said.contains("GOT hello\n"), "{scheme}: {said}");
        forger.succeeds();
    }
}

/// `src/sys/pgm.rs` mirrors OpenPGM's structures: compiled against libpgm-dev's
/// header, the sizes and offsets are the ones it declares.
#[test]
fn pgm_layouts_match_the_header() {
    let out = common::profile_dir().join("multicast");
    std::fs::create_dir_all(&out).unwrap();
    let src = out.join("pgm-layout.c");
    std::fs::write(
        &src,
        r#"#include <pgm/pgm.h>
#include <stddef.h>
#include <stdio.h>
int main (void)
{
    printf ("%zu %zu %zu %zu %zu\n", sizeof (struct pgm_sk_buff_t),
            offsetof (struct pgm_sk_buff_t, tsi), offsetof (struct pgm_sk_buff_t, len),
            offsetof (struct pgm_sk_buff_t, data), offsetof (struct pgm_sk_buff_t, users));
    printf ("%zu %zu %zu %zu %zu %zu %zu %zu\n", sizeof (struct pgm_msgv_t),
            sizeof (struct pgm_addrinfo_t), offsetof (struct pgm_addrinfo_t, ai_send_addrs),
            sizeof (struct pgm_group_source_req),
            offsetof (struct pgm_group_source_req, gsr_group),
            sizeof (struct pgm_interface_req_t), sizeof (struct pgm_sockaddr_t),
            sizeof (pgm_error_t));
    printf ("%d %d %d %d %d %d %d %zu\n", IPPROTO_PGM, PGM_SEND_SOCK, PGM_MTU, PGM_NOBLOCK,
            PGM_JOIN_GROUP, PGM_UDP_ENCAP_UCAST_PORT, PGM_ODATA_MAX_RTE,
            sizeof (struct group_req));
    printf ("%d %d %d %d %d\n", PGM_IO_STATUS_NORMAL, PGM_IO_STATUS_RESET,
            PGM_IO_STATUS_WOULD_BLOCK, PGM_IO_STATUS_RATE_LIMITED, PGM_IO_STATUS_TIMER_PENDING);
    return 0;
}
"#,
    )
    .unwrap();
    let exe = out.join("pgm-layout");
    let res = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .arg("-I/usr/include/pgm-5.3")
        .output()
        .expect("cc");
    assert!(
        res.status.success(),
        "compiling against <pgm/pgm.h> (libpgm-dev; .ci/run installs it): {}",
        String::from_utf8_lossy(&res.stderr)
    );
    let got = Command::new(&exe).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&got.stdout),
        "184 40 104 152 180\n136 32 24 392 8 136 10 16\n113 8192 8200 8231 8233 8240 8244 136\n1 2 5 6 7\n"
    );
}

/// `src/sys/norm.rs` mirrors libnorm's API: capi-tests/interop/norm_layout.cpp
/// compiles only where its prototypes are the header's, and prints the event layout
/// and the constants the Rust side uses.
#[test]
fn norm_declarations_match_the_header() {
    let out = common::profile_dir().join("multicast");
    std::fs::create_dir_all(&out).unwrap();
    let exe = out.join("norm-layout");
    let res = Command::new(std::env::var("CXX").unwrap_or_else(|_| "c++".into()))
        .args(["-Wall", "-Werror"])
        .arg(common::repo().join("capi-tests/interop/norm_layout.cpp"))
        .arg("-o")
        .arg(&exe)
        .arg("-lnorm")
        .output()
        .expect("c++");
    assert!(
        res.status.success(),
        "compiling against <normApi.h> (libnorm-dev; .ci/run installs it): {}",
        String::from_utf8_lossy(&res.stderr)
    );
    let got = Command::new(&exe).output().unwrap();
    // NormEvent: 32 bytes, session/sender/object at 8/16/24; NORM_OBJECT_STREAM,
    // NORM_FLUSH_ACTIVE, NORM_SYNC_STREAM, the event types, NORM_NODE_ANY.
    assert_eq!(
        String::from_utf8_lossy(&got.stdout),
        "32 8 16 24\n3 2 1 1 2 14 17 19 20 21 4294967295\n"
    );
}
