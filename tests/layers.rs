//! The import graph of the library's top-level modules runs one way: each module uses
//! only modules below it in the layer list of docs/ARCHITECTURE.md ("Module layers"),
//! so the list is the import graph. A new upward import, or a module missing from the
//! list, fails here with the file and line that made it.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Upward imports not yet removed, each with the reason it is still there. Keep empty.
const KNOWN: &[(&str, &str, &str)] = &[
    (
        "pattern",
        "socket",
        "socket::options is to become a leaf module (issue 15, item 3)",
    ),
    (
        "io",
        "socket",
        "the tcp accept filter is to move to transport (issue 15, item 1)",
    ),
];

/// The layers, top first, as docs/ARCHITECTURE.md lists them between the markers.
fn layers() -> Vec<Vec<String>> {
    let doc = std::fs::read_to_string(common::repo().join("docs/ARCHITECTURE.md")).unwrap();
    let start = doc
        .find("<!-- layers -->")
        .expect("docs/ARCHITECTURE.md has a <!-- layers --> list");
    let end = doc[start..].find("<!-- /layers -->").expect("end marker") + start;
    doc[start..end]
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- "))
        .map(|l| {
            // "- `a`, `b`: what they are" -> [a, b]
            let names = l.split(':').next().unwrap_or("");
            names
                .split(',')
                .map(|n| n.trim().trim_matches('`').to_owned())
                .filter(|n| !n.is_empty())
                .collect()
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file that is not a test: `#[cfg(test)] mod tests { ... }` blocks and
/// files named tests.rs are left out, and so are comments.
fn production_lines(path: &Path) -> Vec<(usize, String)> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    if name.is_some_and(|n| n == "tests.rs" || n.ends_with("_tests.rs")) {
        return Vec::new();
    }
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    let mut skip_depth: Option<i32> = None;
    let mut cfg_test = false;
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        if let Some(depth) = &mut skip_depth {
            *depth += code.matches('{').count() as i32 - code.matches('}').count() as i32;
            if *depth <= 0 {
                skip_depth = None;
            }
            continue;
        }
        let t = code.trim();
        if t == "#[cfg(test)]" {
            cfg_test = true;
            continue;
        }
        if cfg_test && t.starts_with("mod ") && t.ends_with('{') {
            skip_depth = Some(1);
            cfg_test = false;
            continue;
        }
        cfg_test = false;
        out.push((i + 1, code.to_owned()));
    }
    out
}

fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

#[test]
fn imports_only_point_down_the_layers() {
    let src = common::repo().join("src");
    let layers = layers();
    let mut rank = BTreeMap::new();
    for (i, layer) in layers.iter().enumerate() {
        for m in layer {
            assert!(rank.insert(m.clone(), i).is_none(), "{m} is listed twice");
        }
    }
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files
        .iter()
        .map(|f| module_of(&src, f))
        .filter(|m| m != "lib")
        .collect();
    for m in &modules {
        assert!(
            rank.contains_key(m),
            "module {m} is not in docs/ARCHITECTURE.md's layer list"
        );
    }
    let mut violations = Vec::new();
    let mut known_seen = BTreeSet::new();
    for f in &files {
        let from = module_of(&src, f);
        if from == "lib" {
            continue;
        }
        for (line, code) in production_lines(f) {
            for (pos, _) in code.match_indices("crate::") {
                let to: String = code[pos + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if to == from || !modules.contains(&to) {
                    continue;
                }
                if rank[&to] > rank[&from] {
                    continue;
                }
                if let Some(k) = KNOWN.iter().find(|k| k.0 == from && k.1 == to) {
                    known_seen.insert((k.0, k.1));
                    continue;
                }
                violations.push(format!(
                    "{}:{line}: {from} uses {to}, which is not below it",
                    f.strip_prefix(common::repo()).unwrap().display()
                ));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "upward imports:\n{}",
        violations.join("\n")
    );
    for k in KNOWN {
        assert!(
            known_seen.contains(&(k.0, k.1)),
            "{} -> {} is gone: remove it from KNOWN",
            k.0,
            k.1
        );
    }
}
