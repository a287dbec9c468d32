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
