//! Differential test of the C API: `capi-tests/differential/probes.c`, compiled once,
//! runs against our library and against the reference libzmq 4.3.5 (draft-enabled, built
//! by `capi-tests/conformance/build-reference.sh`), and every probe's canonical result
//! line must be the same in both, unless `capi-tests/differential/allow.txt` allows the
//! difference with a reason. An allow-list entry that no longer matches a difference fails
//! the test too, so the list only shrinks.
//!
//! `ZMQRS_DIFF_FILTER=substring` runs only the probes whose name contains it (the
//! allow-list's staleness check is then skipped). The full comparison is written to
//! `target/<profile>/differential/differences.txt`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Compiles the probes once, against our zmq.h, linked to `libzmq.so.5` by soname, so
/// `LD_LIBRARY_PATH` alone picks the library a run uses.
fn build_probes(out_dir: &Path, ref_lib: &Path) -> PathBuf {
    let repo = common::repo();
    let exe = out_dir.join("probes");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let build = Command::new(&cc)
        .args([
            "-std=gnu11",
            "-O1",
            "-g",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-Wno-missing-field-initializers",
            "-DZMQ_BUILD_DRAFT_API",
        ])
        .arg("-I")
        .arg(repo.join("include"))
        .arg(repo.join("capi-tests/differential/probes.c"))
        .arg("-o")
        .arg(&exe)
        .arg("-L")
        .arg(ref_lib)
        .args(["-lzmq", "-ldl"])
        .output()
        .expect("run the C compiler");
    assert!(
        build.status.success(),
        "probes.c does not build:\n{}",
        String::from_utf8_lossy(&build.stderr)
    );
    exe
}

/// One run of the probes in a fresh work directory (its cwd and TMPDIR); the output.
fn run_probes(
    exe: &Path,
    lib_dir: &Path,
    work: &Path,
    filter: Option<&str>,
) -> std::thread::JoinHandle<(String, String)> {
    let _ = std::fs::remove_dir_all(work);
    std::fs::create_dir_all(work).unwrap();
    let mut cmd = match isolation() {
        Some(prefix) => {
            // Loopback only, in a namespace of its own: the fixed ports some probes bind
            // cannot collide with the other run or anything else on the machine.
            let mut c = Command::new(prefix[0]);
            c.args(&prefix[1..])
                .args(["sh", "-c", "ip link set lo up && exec \"$0\" \"$@\""])
                .arg(exe);
            c
        }
        None => Command::new(exe),
    };
    cmd.current_dir(work)
        .env("LD_LIBRARY_PATH", lib_dir)
        .env("TMPDIR", work)
        .env("DIFF_WORKDIR", work)
        .env_remove("TEMPDIR")
        .env_remove("TMP")
        .env_remove("LD_PRELOAD")
        // The reference is built with drafts: ours reports them too for the comparison.
        .env("ZMQRS_HAS_DRAFT", "1")
        .args(["--timeout", "5"]);
    if let Some(f) = filter {
        cmd.args(["--filter", f]);
    }
    let work = work.to_path_buf();
    std::thread::spawn(move || {
        let child = cmd
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn probes");
        let out = child.wait_with_output().expect("wait for probes");
        let _ = std::fs::remove_dir_all(&work);
        assert!(
            out.status.success(),
            "probes exited with {} in {}:\n{}",
            out.status,
            work.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
}

/// The `unshare` invocation that gives a run its own network and pid namespaces, if this
/// machine allows one (CI runs as root).
fn isolation() -> Option<&'static [&'static str]> {
    static PREFIX: std::sync::OnceLock<Option<&'static [&'static str]>> =
        std::sync::OnceLock::new();
    *PREFIX.get_or_init(|| {
        const CANDIDATES: &[&[&str]] = &[
            &["unshare", "--net", "--pid", "--fork", "--kill-child"],
            &[
                "unshare",
                "--user",
                "--map-root-user",
                "--net",
                "--pid",
                "--fork",
                "--kill-child",
            ],
        ];
        CANDIDATES.iter().copied().find(|prefix| {
            Command::new(prefix[0])
                .args(&prefix[1..])
                .args(["sh", "-c", "ip link set lo up"])
                .output()
                .is_ok_and(|o| o.status.success())
        })
    })
}

struct Output {
    lib: String,
    count: usize,
    results: BTreeMap<String, String>,
}

fn parse(text: &str) -> Output {
    let mut lib = String::new();
    let mut count = None;
    let mut results = BTreeMap::new();
    for line in text.lines() {
        if let Some(l) = line.strip_prefix("#lib ") {
            lib = l.to_owned();
        } else if let Some(n) = line.strip_prefix("#probes ") {
            count = n.parse().ok();
        } else if let Some((name, result)) = line.split_once('\t') {
            results.insert(name.to_owned(), result.to_owned());
        }
    }
    Output {
        lib,
        count: count.expect("the probes' output ends with `#probes N` (cut short?)"),
        results,
    }
}

/// `*` matches any run of characters, everything else itself.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

/// One reviewed difference: probes whose name matches `name` and whose reference result
/// matches `reference` may answer differently on our library, for `reason`.
struct Allowed {
    line: usize,
    name: String,
    reference: String,
    reason: String,
    used: usize,
}

fn allow_list() -> Vec<Allowed> {
    let path = common::repo().join("capi-tests/differential/allow.txt");
    let text = std::fs::read_to_string(&path).expect("read allow.txt");
    let mut list = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.splitn(3, " | ").map(str::trim).collect();
        assert!(
            fields.len() == 3 && fields.iter().all(|f| !f.is_empty()),
            "allow.txt:{}: want `probe-glob | reference-result-glob | reason`, got {line:?}",
            i + 1
        );
        list.push(Allowed {
            line: i + 1,
            name: fields[0].to_owned(),
            reference: fields[1].to_owned(),
            reason: fields[2].to_owned(),
            used: 0,
        });
    }
    list
}

#[test]
fn c_api_answers_like_libzmq() {
    let filter = std::env::var("ZMQRS_DIFF_FILTER").ok();
    let out_dir = common::profile_dir().join("differential");
    std::fs::create_dir_all(&out_dir).unwrap();
    let (ref_lib, _) = common::reference_libzmq();
    let exe = build_probes(&out_dir, &ref_lib);

    // Our library answers to the name the probes were linked with.
    let ours_dir = out_dir.join("ours-lib");
    std::fs::create_dir_all(&ours_dir).unwrap();
    let link = ours_dir.join("libzmq.so.5");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(common::cdylib(), &link).unwrap();

    let started = std::time::Instant::now();
    let reference = run_probes(&exe, &ref_lib, &out_dir.join("work-ref"), filter.as_deref());
    let reference = if isolation().is_some() {
        Ok(reference)
    } else {
        // Without namespaces the two runs would bind the same fixed ports: one at a time.
        eprintln!("no network namespace available: the two runs go one after the other");
        Err(reference.join().expect("reference run"))
    };
    let ours = run_probes(
        &exe,
        &ours_dir,
        &out_dir.join("work-ours"),
        filter.as_deref(),
    );
    let (ref_text, _) = match reference {
        Ok(handle) => handle.join().expect("reference run"),
        Err(done) => done,
    };
    let (our_text, _) = ours.join().expect("our run");
    let elapsed = started.elapsed();
    let (reference, ours) = (parse(&ref_text), parse(&our_text));
    assert!(
        reference.lib.starts_with(&*ref_lib.to_string_lossy()),
        "the reference run loaded {} instead of the reference libzmq",
        reference.lib
    );
    assert!(
        ours.lib.starts_with(&*ours_dir.to_string_lossy()),
        "our run loaded {} instead of libzmq-rs",
        ours.lib
    );
    assert_eq!(reference.count, ours.count, "both runs ran the same probes");
    assert!(
        filter.is_some() || reference.count > 10_000,
        "only {} probes ran",
        reference.count
    );

    let mut allowed = allow_list();
    let mut report = String::new();
    let mut unexplained = Vec::new();
    let mut differences = 0;
    let names: std::collections::BTreeSet<&String> = reference
        .results
        .keys()
        .chain(ours.results.keys())
        .collect();
    let missing = "(no result)".to_string();
    for name in names {
        let r = reference.results.get(name).unwrap_or(&missing);
        let o = ours.results.get(name).unwrap_or(&missing);
        if r == o {
            continue;
        }
        differences += 1;
        let entry = allowed
            .iter_mut()
            .find(|a| glob(&a.name, name) && glob(&a.reference, r));
        let verdict = match entry {
            Some(a) => {
                a.used += 1;
                format!("allowed (allow.txt:{})", a.line)
            }
            None => {
                unexplained.push(format!("{name}\n    libzmq: {r}\n    ours:   {o}"));
                "UNEXPLAINED".to_owned()
            }
        };
        report.push_str(&format!(
            "{name}  [{verdict}]\n    libzmq: {r}\n    ours:   {o}\n"
        ));
    }
    let stale: Vec<String> = allowed
        .iter()
        .filter(|a| a.used == 0)
        .map(|a| {
            format!(
                "allow.txt:{}: {} | {} ({})",
                a.line, a.name, a.reference, a.reason
            )
        })
        .collect();
    let summary = format!(
        "{} probes in {:.0?}; {} differ from libzmq 4.3.5: {} allowed by {} allow-list \
         entries, {} unexplained",
        ours.count,
        elapsed,
        differences,
        differences - unexplained.len(),
        allowed.len(),
        unexplained.len()
    );
    std::fs::write(
        out_dir.join("differences.txt"),
        format!("{summary}\n\n{report}"),
    )
    .unwrap();
    eprintln!("{summary}");
    let shown: Vec<&String> = unexplained.iter().take(60).collect();
    assert!(
        unexplained.is_empty(),
        "{summary}\n(all in {}):\n{}",
        out_dir.join("differences.txt").display(),
        shown
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    if filter.is_none() {
        assert!(
            stale.is_empty(),
            "allow-list entries that match no difference any more (remove them):\n{}",
            stale.join("\n")
        );
    }
}

#[test]
fn glob_matches_like_a_shell() {
    assert!(glob("a*c", "abbc"));
    assert!(glob("*", ""));
    assert!(glob(
        "sockopt/*/set:null:4",
        "sockopt/PAIR/LINGER/set:null:4"
    ));
    assert!(!glob(
        "sockopt/*/set:null:4",
        "sockopt/PAIR/LINGER/set:null:0"
    ));
    assert!(glob("CRASH*", "CRASH(Segmentation fault)"));
    assert!(!glob("a*b*c", "acb"));
    assert!(glob("exact", "exact"));
    assert!(!glob("exact", "exactly"));
}
