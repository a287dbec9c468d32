//! The ABI, checked against libzmq 4.3.5's own `zmq.h` (from the crates.io package
//! zeromq-src 0.3.6+4.3.5, located by `capi-tests/conformance/fetch-libzmq.sh`):
//! everything is read off that header by the C compiler, nothing is copied into the
//! repository.
//!
//! * macros: every `#define` of libzmq's header (and every `ZMQ_*` one of ours) has the
//!   same value and C type, in three builds of one printing program: without
//!   `ZMQ_BUILD_DRAFT_API` (the draft ones must then be absent), with it, and with the
//!   POSIX errno names removed so that the header's `#ifndef` fallbacks show;
//! * prototypes: each function libzmq declares is assigned to a pointer of libzmq's
//!   exact type in a translation unit that includes our header, as C with `-Werror` and
//!   as C++, and the C++ program links against our library (C linkage); the sets of
//!   declared functions are equal, with and without the draft API;
//! * types: each typedef of libzmq's header, renamed, sits beside ours: function types
//!   are compatible, and structs have the same tag, size, alignment, and members with
//!   the same offsets and compatible types (`zmq_msg_t`, `zmq_pollitem_t`,
//!   `zmq_poller_event_t`, `zmq_fd_t`, the callback types);
//! * the system headers a program gets through `zmq.h` are libzmq's;
//! * the library: its `zmq_*` function exports are exactly the functions libzmq's header
//!   declares (the draft ones only with the `draft` feature), and its soname is
//!   `libzmq-rs.so.5`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn libzmq_include() -> PathBuf {
    common::libzmq_sources().join("include")
}

fn our_include() -> PathBuf {
    common::repo().join("include")
}

/// A scratch directory under target/, removed when the test ends.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs a compiler; its stderr on failure.
fn compile(tool: &str, args: &[&str], files: &[&Path]) -> Result<String, String> {
    let out = Command::new(tool)
        .args(args)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("{tool} cannot run ({e}): .ci/run installs gcc and g++"));
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn draft_flag(draft: bool) -> &'static str {
    if draft {
        "-DZMQ_BUILD_DRAFT_API"
    } else {
        "-UZMQ_BUILD_DRAFT_API"
    }
}

// ------------------------------------------------------------ reading a header --

/// What a C compiler sees of one `zmq.h`.
struct Header {
    /// The text that came from zmq.h itself, preprocessed.
    text: String,
    /// Every other file the translation unit read (the system headers it pulls in).
    files: BTreeSet<String>,
    /// `#define`s after the include: name -> (parameters, body).
    macros: BTreeMap<String, (Option<String>, String)>,
}

impl Header {
    fn read(scratch: &Scratch, include: &Path, draft: bool) -> Header {
        let src = scratch.file("read.c", "#include <zmq.h>\n");
        let inc = format!("-I{}", include.display());
        let args = ["-E", "-std=gnu11", draft_flag(draft), &inc];
        let pp = compile("gcc", &args, &[&src]).expect("preprocess zmq.h");
        let header = std::fs::canonicalize(include.join("zmq.h")).unwrap();
        let mut text = String::new();
        let mut files = BTreeSet::new();
        let mut inside = false;
        for line in pp.lines() {
            if let Some(marker) = line.strip_prefix("# ") {
                let file = marker.split('"').nth(1).unwrap_or_default();
                inside = Path::new(file).canonicalize().is_ok_and(|p| p == header);
                if !inside && !file.starts_with('<') && !file.ends_with("read.c") {
                    files.insert(file.to_owned());
                }
                continue;
            }
            if inside {
                text.push_str(line);
                text.push('\n');
            }
        }
        let dm = compile(
            "gcc",
            &["-E", "-dM", "-std=gnu11", draft_flag(draft), &inc],
            &[&src],
        )
        .expect("list macros");
        let mut macros = BTreeMap::new();
        for line in dm.lines() {
            let Some(def) = line.strip_prefix("#define ") else {
                continue;
            };
            let name_end = def
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(def.len());
            let (name, rest) = def.split_at(name_end);
            let (params, body) = match rest.strip_prefix('(') {
                Some(r) => {
                    let (p, b) = r.split_once(')').unwrap();
                    (Some(p.to_owned()), b.trim().to_owned())
                }
                None => (None, rest.trim().to_owned()),
            };
            macros.insert(name.to_owned(), (params, body));
        }
        Header {
            text,
            files,
            macros,
        }
    }

    /// Top-level declarations (split at `;` outside braces and parentheses).
    fn statements(&self) -> Vec<String> {
        let mut out = Vec::new();
        let (mut depth, mut cur) = (0i32, String::new());
        for c in self.text.chars() {
            match c {
                '{' | '(' => depth += 1,
                '}' | ')' => depth -= 1,
                _ => {}
            }
            if c == ';' && depth == 0 {
                let s = normalise(&cur);
                if !s.is_empty() {
                    out.push(s);
                }
                cur.clear();
            } else {
                cur.push(c);
            }
        }
        out
    }

    /// Function name -> (return type, parameter list), as declared.
    fn functions(&self) -> BTreeMap<String, (String, String)> {
        let mut out = BTreeMap::new();
        for s in self.statements() {
            let s = strip_attributes(&s);
            if s.starts_with("typedef") {
                continue;
            }
            let Some(open) = s.find('(') else { continue };
            let head = s[..open].trim_end();
            let name_at = head
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(0, |i| i + 1);
            let name = &head[name_at..];
            if !name.starts_with("zmq_") {
                continue;
            }
            let params = s[open + 1..s.rfind(')').unwrap()].trim().to_owned();
            out.insert(name.to_owned(), (head[..name_at].trim().to_owned(), params));
        }
        out
    }

    /// Typedef name -> its declaration.
    fn typedefs(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for s in self.statements() {
            if !s.starts_with("typedef") {
                continue;
            }
            // `typedef struct T {...} T`, `typedef int T`, `typedef void(T) (...)`.
            let name = if s.contains('{') {
                identifiers(&s[s.rfind('}').unwrap()..]).last().cloned()
            } else {
                identifiers(&s).into_iter().find(|i| i.starts_with("zmq_"))
            };
            out.insert(name.expect("a typedef names something"), s);
        }
        out
    }
}

fn normalise(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn identifiers(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'))
        .map(str::to_owned)
        .collect()
}

/// Drops `__attribute__ ((...))` groups.
fn strip_attributes(s: &str) -> String {
    let mut out = s.to_owned();
    while let Some(at) = out.find("__attribute__") {
        let rest = &out[at..];
        let open = rest.find('(').unwrap();
        let mut depth = 0;
        let mut end = open;
        for (i, c) in rest[open..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.replace_range(at..at + end, "");
    }
    normalise(&out)
}

fn replace_word(s: &str, word: &str, with: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(word) {
        let before = rest[..i].chars().last();
        let after = rest[i + word.len()..].chars().next();
        let is_word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        out.push_str(&rest[..i]);
        out.push_str(if is_word(before) || is_word(after) {
            word
        } else {
            with
        });
        rest = &rest[i + word.len()..];
    }
    out.push_str(rest);
    out
}

// ----------------------------------------------------------------- macros --

/// The errno names libzmq's header defines only when `<errno.h>` does not.
fn errno_fallbacks(zmq_h: &str) -> Vec<String> {
    let lines: Vec<&str> = zmq_h.lines().map(str::trim).collect();
    lines
        .windows(2)
        .filter_map(|w| {
            let name = w[0].strip_prefix("#ifndef ")?.trim();
            (w[1].starts_with(&format!("#define {name} ")) && name.starts_with('E'))
                .then(|| name.to_owned())
        })
        .collect()
}

/// A program that prints, for every name, how it is defined after `#include <zmq.h>`.
fn macro_printer(
    names: &BTreeSet<String>,
    defined: &Header,
    fallbacks: Option<&[String]>,
) -> String {
    let mut p = String::from("#include <errno.h>\n");
    for name in fallbacks.unwrap_or_default() {
        p += &format!("#undef {name}\n");
    }
    p += r#"#include <zmq.h>
#include <stdio.h>
#define ZMQRS_STR2(x) #x
#define ZMQRS_STR(x) ZMQRS_STR2 (x)
static void show_int (const char *n, int v) { printf ("%s int %d\n", n, v); }
static void show_uint (const char *n, unsigned v) { printf ("%s unsigned %u\n", n, v); }
static void show_long (const char *n, long v) { printf ("%s long %ld\n", n, v); }
static void show_ulong (const char *n, unsigned long v) { printf ("%s unsigned-long %lu\n", n, v); }
static void show_str (const char *n, const char *v) { printf ("%s string \"%s\"\n", n, v); }
static void show_other (const char *n, ...) { printf ("%s other-type\n", n); }
#define SHOW(n, x) _Generic ((x), int: show_int, unsigned: show_uint, long: show_long, \
    unsigned long: show_ulong, char *: show_str, const char *: show_str, \
    default: show_other) (n, (x))
int main (void)
{
"#;
    for name in names {
        p += &format!("#ifdef {name}\n");
        p += &match defined.macros.get(name) {
            Some((Some(params), _)) => {
                let args: Vec<String> = (1..=params.split(',').count())
                    .map(|i| i.to_string())
                    .collect();
                format!(
                    "    printf (\"%s function-like, ({}) gives %ld\\n\", \"{name}\", (long) {name} ({}));\n",
                    args.join(","),
                    args.join(", ")
                )
            }
            Some((None, body)) if body.is_empty() || body.contains("__") => {
                format!("    printf (\"%s defined as [%s]\\n\", \"{name}\", ZMQRS_STR ({name}));\n")
            }
            _ => format!("    SHOW (\"{name}\", {name});\n"),
        };
        p += &format!("#else\n    puts (\"{name} undefined\");\n#endif\n");
    }
    p + "    return 0;\n}\n"
}

fn run_printer(
    scratch: &Scratch,
    tag: &str,
    program: &str,
    include: &Path,
    draft: bool,
) -> Vec<String> {
    let src = scratch.file(&format!("{tag}.c"), program);
    let exe = scratch.0.join(tag);
    let inc = format!("-I{}", include.display());
    let exe_arg = exe.display().to_string();
    if let Err(e) = compile(
        "gcc",
        &["-std=gnu11", draft_flag(draft), &inc, "-o", &exe_arg],
        &[&src],
    ) {
        panic!("the macro printer ({tag}) does not compile:\n{e}");
    }
    let out = Command::new(&exe).output().expect("run the macro printer");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn macros_have_libzmqs_values_and_types() {
    let scratch = Scratch::new("abi-macros");
    let (theirs_dir, ours_dir) = (libzmq_include(), our_include());
    let text = std::fs::read_to_string(theirs_dir.join("zmq.h")).unwrap();
    let fallbacks = errno_fallbacks(&text);
    assert!(fallbacks.len() >= 18, "{fallbacks:?}");
    let mut failures = Vec::new();
    let mut compared = 0;
    for (mode, draft, fb) in [
        ("stable", false, None),
        ("draft", true, None),
        ("errno-fallbacks", true, Some(fallbacks.as_slice())),
    ] {
        let theirs = Header::read(&scratch, &theirs_dir, draft);
        let ours = Header::read(&scratch, &ours_dir, draft);
        // Every name libzmq's header defines anywhere, and every ZMQ_ name of ours.
        let mut names: BTreeSet<String> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("#define "))
            .filter_map(|d| identifiers(d).into_iter().next())
            .collect();
        names.extend(
            ours.macros
                .keys()
                .filter(|n| n.starts_with("ZMQ_") || n.starts_with("zmq_"))
                .cloned(),
        );
        let want = run_printer(
            &scratch,
            &format!("theirs-{mode}"),
            &macro_printer(&names, &theirs, fb),
            &theirs_dir,
            draft,
        );
        let have = run_printer(
            &scratch,
            &format!("ours-{mode}"),
            &macro_printer(&names, &ours, fb),
            &ours_dir,
            draft,
        );
        assert_eq!(want.len(), names.len());
        for (w, h) in want.iter().zip(&have) {
            compared += 1;
            if w != h {
                failures.push(format!("{mode}: libzmq: {w:<50} ours: {h}"));
            }
        }
    }
    eprintln!(
        "abi: {compared} macro definitions compared, {} differ",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "macros differ:\n{}",
        failures.join("\n")
    );
}

// ------------------------------------------------------- prototypes and types --

fn exported_functions(lib: &Path) -> BTreeSet<String> {
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(lib)
        .output()
        .expect("nm (binutils) runs");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let (kind, name) = (f.get(f.len().wrapping_sub(2))?, f.last()?);
            let name = name.split('@').next()?;
            (matches!(*kind, "T" | "W" | "i") && name.starts_with("zmq_")).then(|| name.to_owned())
        })
        .collect()
}

#[test]
fn exports_are_the_functions_libzmq_declares() {
    let scratch = Scratch::new("abi-exports");
    let stable = Header::read(&scratch, &libzmq_include(), false).functions();
    let all = Header::read(&scratch, &libzmq_include(), true).functions();
    assert!(
        stable.len() >= 70 && all.len() > stable.len(),
        "{} {}",
        stable.len(),
        all.len()
    );
    let want: BTreeSet<String> = if cfg!(feature = "draft") {
        &all
    } else {
        &stable
    }
    .keys()
    .cloned()
    .collect();
    let have = exported_functions(&common::cdylib());
    let missing: Vec<_> = want.difference(&have).collect();
    let extra: Vec<_> = have.difference(&want).collect();
    eprintln!(
        "abi: {} functions exported ({} stable, {} draft declared by libzmq's zmq.h)",
        have.len(),
        stable.len(),
        all.len() - stable.len()
    );
    assert!(missing.is_empty(), "not exported: {missing:?}");
    assert!(
        extra.is_empty(),
        "exported, but not in libzmq's zmq.h: {extra:?}"
    );

    let dynamic = Command::new("readelf")
        .arg("-d")
        .arg(common::cdylib())
        .output()
        .expect("readelf runs");
    let dynamic = String::from_utf8_lossy(&dynamic.stdout);
    assert!(
        dynamic.contains("Library soname: [libzmq-rs.so.5]"),
        "{dynamic}"
    );
}

#[test]
fn prototypes_and_types_are_libzmqs() {
    let scratch = Scratch::new("abi-prototypes");
    let (theirs_dir, ours_dir) = (libzmq_include(), our_include());
    let mut failures = Vec::new();
    let mut checks = 0;
    for draft in [false, true] {
        let mode = if draft { "draft" } else { "stable" };
        let theirs = Header::read(&scratch, &theirs_dir, draft);
        let ours = Header::read(&scratch, &ours_dir, draft);

        // The same functions, the same typedef names, the same system headers.
        let (tf, of) = (theirs.functions(), ours.functions());
        let (tt, ot) = (theirs.typedefs(), ours.typedefs());
        for (what, a, b) in [
            (
                "functions",
                tf.keys().collect::<BTreeSet<_>>(),
                of.keys().collect(),
            ),
            ("typedefs", tt.keys().collect(), ot.keys().collect()),
        ] {
            checks += 1;
            if a != b {
                failures.push(format!(
                    "{mode}: {what} only in libzmq's zmq.h: {:?}; only in ours: {:?}",
                    a.difference(&b).collect::<Vec<_>>(),
                    b.difference(&a).collect::<Vec<_>>()
                ));
            }
        }
        checks += 1;
        if theirs.files != ours.files {
            failures.push(format!(
                "{mode}: system headers zmq.h pulls in differ: libzmq only {:?}, ours only {:?}",
                theirs.files.difference(&ours.files).collect::<Vec<_>>(),
                ours.files.difference(&theirs.files).collect::<Vec<_>>()
            ));
        }

        // libzmq's declarations against ours, in one translation unit of our header.
        let mut c = String::from("#include <stddef.h>\n#include <zmq.h>\n");
        for (name, decl) in &tt {
            let renamed = replace_word(decl, name, &format!("ref_{name}"));
            c += &format!("{renamed};\n");
            let r = format!("ref_{name}");
            let mut asserts = Vec::new();
            if let Some(open) = decl.find('{') {
                let tag = identifiers(&decl[..open]).last().cloned().unwrap();
                asserts.push((
                    format!("__builtin_types_compatible_p (struct {tag}, {name})"),
                    format!("{name} is struct {tag}"),
                ));
                asserts.push((
                    format!("sizeof ({r}) == sizeof ({name})"),
                    format!("sizeof ({name})"),
                ));
                asserts.push((
                    format!("_Alignof ({r}) == _Alignof ({name})"),
                    format!("_Alignof ({name})"),
                ));
                let body = &decl[open + 1..decl.rfind('}').unwrap()];
                for member in body
                    .split(';')
                    .map(strip_attributes)
                    .filter(|m| !m.is_empty())
                {
                    let m = identifiers(member.split('[').next().unwrap())
                        .last()
                        .cloned()
                        .unwrap();
                    asserts.push((
                        format!("offsetof ({r}, {m}) == offsetof ({name}, {m})"),
                        format!("offsetof ({name}, {m})"),
                    ));
                    asserts.push((
                        format!("__builtin_types_compatible_p (__typeof__ ((({r} *) 0)->{m}), __typeof__ ((({name} *) 0)->{m}))"),
                        format!("type of {name}.{m}"),
                    ));
                }
            } else {
                asserts.push((
                    format!("__builtin_types_compatible_p ({r}, {name})"),
                    format!("{name} is libzmq's type"),
                ));
            }
            for (expr, label) in asserts {
                checks += 1;
                c += &format!("_Static_assert ({expr}, \"{mode}: {label}\");\n");
            }
        }
        let mut cxx = String::from("#include <zmq.h>\n");
        for (name, (ret, params)) in &tf {
            checks += 1;
            let ptr = format!("{ret} (*zmqrs_abi_{name}) ({params})");
            c += &format!("static {ret} (*const zmqrs_abi_{name}) ({params}) __attribute__ ((unused)) = &{name};\n");
            // Linked below: only what the library is built to export.
            if draft == cfg!(feature = "draft") {
                cxx += &format!("extern {ptr};\n{ptr} = &{name};\n");
            }
        }
        cxx += "int main () { return 0; }\n";
        let inc = format!("-I{}", ours_dir.display());
        let c_src = scratch.file(&format!("proto-{mode}.c"), &c);
        if let Err(e) = compile(
            "gcc",
            &[
                "-std=gnu11",
                "-Wall",
                "-Wextra",
                "-Werror",
                draft_flag(draft),
                &inc,
                "-c",
                "-o",
                "/dev/null",
            ],
            &[&c_src],
        ) {
            failures.push(format!(
                "{mode}: libzmq's prototypes or types against ours (C):\n{e}"
            ));
        }
        if draft == cfg!(feature = "draft") {
            let cxx_src = scratch.file(&format!("proto-{mode}.cc"), &cxx);
            let exe = scratch.0.join(format!("proto-{mode}"));
            let exe = exe.display().to_string();
            let lib = common::cdylib().display().to_string();
            let src = cxx_src.display().to_string();
            if let Err(e) = compile(
                "g++",
                &["-Werror", draft_flag(draft), &inc, "-o", &exe, &src, &lib],
                &[],
            ) {
                failures.push(format!(
                    "{mode}: libzmq's prototypes as C++, linked with our library:\n{e}"
                ));
            }
        }
    }
    eprintln!(
        "abi: {checks} prototype, type and header checks, {} failed",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
