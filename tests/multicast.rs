//! pgm://, epgm:// (and norm://) against Debian's libzmq, which is built with OpenPGM
//! and NORM: capi-tests/interop/multicast.c built against us and against libzmq, a
//! publisher in one network namespace and a subscriber in another, joined by a veth
//! pair with a multicast route on each end, both directions, PUB/SUB and XPUB/XSUB,
//! multipart messages of 1 B to 1 MiB. The subscriber's namespace drops one multicast
//! packet in 25 (nftables), so every run goes through PGM's repairs. Also: the layouts
//! `src/sys/pgm.rs` declares, against libpgm-dev's header; and forged PGM traffic.

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

/// One exchange: `sub` (role, program) in `rx`, `publisher` in `tx`, on `endpoint`
/// (`{}` stands for the side's own address); the subscriber must get everything.
fn exchange(
    (tx, rx): (&Netns, &Netns),
    net: u8,
    publisher: (&str, &Path),
    subscriber: (&str, &Path),
    endpoint: &str,
) -> Result<(), String> {
    let libdir = common::soname_dir();
    let at = |host: u8| endpoint.replace("{}", &format!("10.{net}.0.{host}"));
    let mut sub = rx.command(subscriber.1);
    sub.args([subscriber.0, &at(2)])
        .env("LD_LIBRARY_PATH", &libdir);
    let sub = running::spawn("subscriber", sub);
    let ready = sub.line();
    if ready != "READY" {
        return Err(format!("subscriber: {ready}"));
    }
    // Its group joined before the first packet goes out.
    std::thread::sleep(Duration::from_millis(300));
    let mut publ = tx.command(publisher.1);
    publ.args([publisher.0, &at(1)])
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
/// this test's addresses (tests run in parallel, each in its own namespaces).
fn matrix(scheme: &str, net: u8, group: &str) {
    let (ours, theirs) = nodes();
    let mut failures = Vec::new();
    let mut passed = 0;
    let cases: [(&str, &Path, &str, &Path, &str); 5] = [
        ("pub", ours, "sub", theirs, "libzmq-rs PUB -> libzmq SUB"),
        ("pub", theirs, "sub", ours, "libzmq PUB -> libzmq-rs SUB"),
        (
            "xpub",
            ours,
            "xsub",
            theirs,
            "libzmq-rs XPUB -> libzmq XSUB",
        ),
        (
            "xpub",
            theirs,
            "xsub",
            ours,
            "libzmq XPUB -> libzmq-rs XSUB",
        ),
        ("pub", ours, "sub", ours, "libzmq-rs PUB -> libzmq-rs SUB"),
    ];
    for (i, (prole, pexe, srole, sexe, what)) in cases.into_iter().enumerate() {
        // Fresh namespaces per case: no source of an earlier case is still heard.
        let (tx, rx) = netns::linked_pair(net);
        lossy(&rx);
        let endpoint = format!("{scheme}://{{}};{group}:{}", 5555 + i);
        match exchange((&tx, &rx), net, (prole, pexe), (srole, sexe), &endpoint) {
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
    matrix("epgm", 81, "239.192.81.1");
}

#[test]
fn pgm_both_directions_with_loss() {
    matrix("pgm", 82, "239.192.82.1");
}

/// A hostile source (capi-tests/interop/pgm_forge.c, on OpenPGM directly): plain
/// garbage to the group, then PGM-valid APDUs that no libzmq sender makes, then a
/// proper one. Our subscriber drops the bad ones, lives, and gets the good one first.
#[test]
fn forged_pgm_traffic_is_dropped() {
    let (ours, _) = nodes();
    let out = common::profile_dir().join("multicast");
    let forge = out.join("pgm-forge");
    let res = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .args(["-std=gnu11", "-Wall", "-Werror", "-I/usr/include/pgm-5.3"])
        .arg(common::repo().join("capi-tests/interop/pgm_forge.c"))
        .arg("-o")
        .arg(&forge)
        .arg("-lpgm")
        .output()
        .expect("cc");
    assert!(
        res.status.success(),
        "building pgm_forge.c (libpgm-dev; .ci/run installs it): {}",
        String::from_utf8_lossy(&res.stderr)
    );
    for (i, (scheme, kind)) in [("epgm", "udp"), ("pgm", "raw")].into_iter().enumerate() {
        let net = 83 + i as u8;
        let (tx, rx) = netns::linked_pair(net);
        let group = format!("239.192.{net}.1");
        let port = "5555";
        let mut sub = rx.command(ours);
        sub.args(["first", &format!("{scheme}://10.{net}.0.2;{group}:{port}")])
            .env("LD_LIBRARY_PATH", common::soname_dir());
        let sub = running::spawn("subscriber", sub);
        assert_eq!(sub.line(), "READY");
        std::thread::sleep(Duration::from_millis(300));
        let mut f = tx.command(&forge);
        f.args([kind, &format!("10.{net}.0.1"), &group, port]);
        let forger = running::spawn("pgm_forge", f);
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
