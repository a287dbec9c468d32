//! The fuzz targets of `fuzz/` in the normal suite.
//!
//! * `corpora_replay_on_stable`: every checked-in seed (`fuzz/corpus/<target>/`) and
//!   every input that once crashed a target (`fuzz/regressions/<target>/`) runs
//!   through the target's body, compiled here on stable: a fixed crash stays fixed.
//! * `fuzz_targets_run_under_libfuzzer`: builds the targets with cargo-fuzz (nightly,
//!   ASan, coverage) and fuzzes each for `ZMQRS_FUZZ_SECONDS` (default 10) from its
//!   corpus; any crash fails the test and leaves its input in `fuzz/artifacts/`.
//!   Needs `cargo-fuzz` and the nightly toolchain (`.ci/run` installs cargo-fuzz);
//!   without them it fails. `fuzz/run.sh` runs the same for hours.

mod common;

#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod targets;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn corpora_replay_on_stable() {
    let fuzz = common::repo().join("fuzz");
    let mut total = 0;
    for (name, body) in targets::TARGETS {
        let seeds = inputs(&fuzz.join("corpus").join(name));
        assert!(!seeds.is_empty(), "{name} has no seed corpus");
        let regressions = inputs(&fuzz.join("regressions").join(name));
        for file in seeds.iter().chain(&regressions) {
            let data = std::fs::read(file).unwrap();
            let r = std::panic::catch_unwind(|| body(&data));
            assert!(r.is_ok(), "{name} fails on {}", file.display());
            total += 1;
        }
        eprintln!(
            "fuzz replay {name}: {} seeds, {} regressions",
            seeds.len(),
            regressions.len()
        );
    }
    eprintln!("fuzz replay: {total} inputs");
}

/// Every file in `fuzz_targets/` is listed in `TARGETS` (and so replayed above).
#[test]
fn every_fuzz_target_is_replayed() {
    let mut files: Vec<String> = inputs(&common::repo().join("fuzz/fuzz_targets"))
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut listed: Vec<String> = targets::TARGETS
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    listed.sort();
    assert_eq!(files, listed);
}

#[test]
fn fuzz_targets_run_under_libfuzzer() {
    let fuzz = common::repo().join("fuzz");
    let seconds: u64 = std::env::var("ZMQRS_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let script = fuzz.join("run.sh");
    let start = Instant::now();
    let out = common::run_with_timeout(
        Command::new("bash")
            .arg(&script)
            .arg(seconds.to_string())
            .current_dir(&fuzz),
        Duration::from_secs(900 + seconds * targets::TARGETS.len() as u64 * 2),
    );
    let Some((status, text)) = out else {
        panic!("fuzz/run.sh timed out");
    };
    eprintln!("{text}");
    eprintln!("fuzz run: {:.0} s", start.elapsed().as_secs_f64());
    assert!(status.success(), "fuzz/run.sh failed: {status}");
    for (name, _) in targets::TARGETS {
        assert!(
            text.contains(&format!("fuzz {name}: ")),
            "{name} did not run"
        );
    }
}
