//! The README's function table says, for every exported function, whether it works: a
//! function is "not yet" exactly when its body is still the ENOTSUP stub.

use std::collections::BTreeMap;

fn table() -> BTreeMap<String, bool> {
    let readme = include_str!("../README.md");
    readme
        .lines()
        .filter_map(|l| {
            let cells: Vec<_> = l.split('|').map(str::trim).collect();
            let name = cells.get(1)?.strip_prefix("`zmq_")?.strip_suffix('`')?;
            let state = cells.get(3)?;
            Some((format!("zmq_{name}"), !state.starts_with("not yet")))
        })
        .collect()
}

/// Names of functions whose whole body is a bare `ENOTSUP` failure.
fn stubs() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let mut current = None;
        for line in text.lines() {
            if let Some(rest) = line.split("extern \"C\" fn ").nth(1) {
                current = rest.split('(').next().map(str::to_owned);
            } else if line.trim().starts_with("fail(Errno::ENOTSUP")
                || line.trim().starts_with("not_yet(")
                || line.trim() == "set_errno(Errno::ENOTSUP)"
            {
                out.extend(current.take());
            } else if line.starts_with('}') {
                current = None;
            }
        }
    }
    out
}

#[test]
fn compatibility_table_is_true() {
    let table = table();
    assert_eq!(
        table.len(),
        96,
        "the table lists every libzmq 4.3.5 function once"
    );
    let stubs = stubs();
    for (name, implemented) in &table {
        let is_stub = stubs.contains(name);
        assert_eq!(
            *implemented,
            !is_stub,
            "README says {name} is {}, the code says otherwise",
            if *implemented {
                "implemented"
            } else {
                "not yet implemented"
            }
        );
    }
}

/// What the README says CI does is what `.ci/run` does: it installs the Debian packages
/// and the nightly component the README lists, and then runs the README's test command.
#[test]
fn ci_does_what_the_readme_says() {
    let readme = include_str!("../README.md");
    let ci = include_str!("../.ci/run");
    let command = "cargo build --release && cargo test --release";
    assert!(
        readme.contains(&format!("```sh\n{command}\n```\n")),
        "the README's test command"
    );
    let last = ci
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty() && !l.starts_with('#'));
    assert_eq!(
        last,
        Some(command),
        ".ci/run ends with the README's test command"
    );

    let joined = ci.replace("\\\n", " ");
    let apt = joined
        .lines()
        .find(|l| l.contains("apt-get install"))
        .expect(".ci/run's apt-get install");
    let installed: std::collections::BTreeSet<&str> = apt
        .split_whitespace()
        .skip_while(|w| *w != "install")
        .skip(1)
        .filter(|w| !w.starts_with('-') && !w.starts_with('>'))
        .collect();
    let listed: std::collections::BTreeSet<&str> = readme
        .split('`')
        .find(|s| s.starts_with("libzmq3-dev "))
        .expect("the README's package list")
        .split_whitespace()
        .collect();
    assert_eq!(installed, listed, ".ci/run's packages and the README's");
    let component = "rustup component add --toolchain nightly rust-src";
    assert!(ci.contains(component) && readme.contains(&format!("`{component}`")));
}
