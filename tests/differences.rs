//! docs/differences.md stays true: its tables are read here and checked against the
//! library through the C ABI.
//!
//! * `zmq_has`: every row's libzmq-rs answer, and every capability libzmq 4.3.5's own
//!   `zmq_has` knows (read from its `src/zmq.cpp`) has a row;
//! * the transports not available fail to bind and connect with the errno given;
//! * the socket options not available fail with the errno given;
//! * the options accepted without effect are accepted (their draft ones with the draft
//!   API only, as every draft option).

mod common;

use std::collections::BTreeMap;
use std::ffi::{c_int, c_void, CString};

use zmq_rs::constants::{ZMQ_DEALER, ZMQ_PUB};
use zmq_rs::ffi::ctx::{zmq_ctx_new, zmq_ctx_term};
use zmq_rs::ffi::socket::{zmq_bind, zmq_close, zmq_connect, zmq_setsockopt, zmq_socket};
use zmq_rs::ffi::{zmq_errno, zmq_has};

fn doc() -> String {
    std::fs::read_to_string(common::repo().join("docs/differences.md")).unwrap()
}

/// The rows of the first table under `## heading`, cells trimmed.
fn table(doc: &str, heading: &str) -> Vec<Vec<String>> {
    let start = doc
        .find(&format!("\n## {heading}\n"))
        .unwrap_or_else(|| panic!("docs/differences.md has no section {heading:?}"));
    let section = &doc[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let rows: Vec<Vec<String>> = section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2) // header and rule
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect();
    assert!(!rows.is_empty(), "the table under {heading:?} is empty");
    rows
}

/// The names in backticks of a cell.
fn code_spans(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// `#define NAME value` of our zmq.h, and whether each is in its draft part.
fn header_constants() -> BTreeMap<String, (c_int, bool)> {
    let text = std::fs::read_to_string(common::repo().join("include/zmq.h")).unwrap();
    let mut out = BTreeMap::new();
    // The depth of #if nesting at which the draft part began, if inside it.
    let (mut depth, mut draft_at) = (0, None);
    for line in text.lines().map(str::trim) {
        if line.starts_with("#if") {
            depth += 1;
            if draft_at.is_none() && line.contains("ZMQ_BUILD_DRAFT_API") {
                draft_at = Some(depth);
            }
        } else if line.starts_with("#endif") {
            if draft_at == Some(depth) {
                draft_at = None;
            }
            depth -= 1;
        } else if let Some(def) = line.strip_prefix("#define ") {
            let mut words = def.split_whitespace();
            if let (Some(name), Some(value)) = (words.next(), words.next()) {
                if let Ok(v) = value.parse() {
                    out.insert(name.to_owned(), (v, draft_at.is_some()));
                }
            }
        }
    }
    out
}

fn errno_named(name: &str) -> c_int {
    match name {
        "EINVAL" => libc::EINVAL,
        "EPROTONOSUPPORT" => libc::EPROTONOSUPPORT,
        other => panic!("docs/differences.md names an errno this test does not know: {other}"),
    }
}

/// A context and a socket of `kind`, closed on drop.
struct Socket {
    ctx: *mut c_void,
    s: *mut c_void,
}

impl Socket {
    fn new(kind: c_int) -> Socket {
        let ctx = zmq_ctx_new();
        assert!(!ctx.is_null());
        let s = zmq_socket(ctx, kind);
        assert!(!s.is_null());
        Socket { ctx, s }
    }

    /// 0 or the errno of the failure.
    fn set(&self, option: c_int, value: &[u8]) -> c_int {
        // SAFETY: a live socket; `value` is valid for its length.
        let rc = unsafe { zmq_setsockopt(self.s, option, value.as_ptr().cast(), value.len()) };
        if rc == 0 {
            0
        } else {
            zmq_errno()
        }
    }

    fn endpoint(&self, bind: bool, endpoint: &str) -> c_int {
        let ep = CString::new(endpoint).unwrap();
        // SAFETY: a live socket and a NUL-terminated string.
        let rc = unsafe {
            if bind {
                zmq_bind(self.s, ep.as_ptr())
            } else {
                zmq_connect(self.s, ep.as_ptr())
            }
        };
        if rc == 0 {
            0
        } else {
            zmq_errno()
        }
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        let linger: c_int = 0;
        // SAFETY: live handles, closed once.
        unsafe {
            zmq_setsockopt(
                self.s,
                zmq_rs::constants::ZMQ_LINGER,
                (&linger as *const c_int).cast(),
                4,
            );
            zmq_close(self.s);
            zmq_ctx_term(self.ctx);
        }
    }
}

/// Whether the dynamic loader finds and loads `soname` here.
fn loads(soname: &str) -> bool {
    let name = CString::new(soname).unwrap();
    // SAFETY: a NUL-terminated name; a handle that loaded is closed again.
    unsafe {
        let h = libc::dlopen(name.as_ptr(), libc::RTLD_LAZY | libc::RTLD_LOCAL);
        if h.is_null() {
            return false;
        }
        libc::dlclose(h);
        true
    }
}

#[test]
fn zmq_has_answers_as_listed() {
    let rows = table(&doc(), "What `zmq_has` reports");
    let mut listed = Vec::new();
    let mut wrong = Vec::new();
    for row in &rows {
        let name = code_spans(&row[0])
            .pop()
            .expect("a capability in backticks");
        let want = match row.last().unwrap().as_str() {
            "1" => 1,
            "0" => 0,
            "1 with drafts" => cfg!(feature = "draft") as c_int,
            "1 where OpenPGM loads" => loads("libpgm-5.3.so.0") as c_int,
            "1 where libnorm loads" => loads("libnorm.so.1") as c_int,
            "1 where libgssapi_krb5 loads" => loads("libgssapi_krb5.so.2") as c_int,
            // The draft capability: see the text under the table.
            "0, unless asked" => {
                let asked = match std::env::var("ZMQRS_HAS_DRAFT").as_deref() {
                    Ok("1") => true,
                    Ok("0") => false,
                    _ => cfg!(feature = "draft-capability"),
                };
                (cfg!(feature = "draft") && asked) as c_int
            }
            other => panic!("{name}: unknown answer {other:?}"),
        };
        let c = CString::new(name.clone()).unwrap();
        // SAFETY: a NUL-terminated string.
        let have = unsafe { zmq_has(c.as_ptr()) };
        if have != want {
            wrong.push(format!(
                "zmq_has({name:?}) is {have}, the table says {want}"
            ));
        }
        listed.push(name);
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // Every capability libzmq's zmq_has knows is in the table.
    let src = std::fs::read_to_string(common::libzmq_sources().join("src/zmq.cpp")).unwrap();
    let body = &src[src.find("int zmq_has (const char *capability_)").unwrap()..];
    let body = &body[..body.find("\n}").unwrap()];
    let mut known = Vec::new();
    for cmp in body.split("strcmp (capability_, ").skip(1) {
        let arg = cmp.split(')').next().unwrap();
        known.push(if let Some(s) = arg.strip_prefix('"') {
            s.trim_end_matches('"').to_owned()
        } else {
            arg.rsplit("::").next().unwrap().to_owned()
        });
    }
    assert!(known.len() >= 10, "{known:?}");
    let missing: Vec<_> = known.iter().filter(|k| !listed.contains(k)).collect();
    assert!(
        missing.is_empty(),
        "capabilities of libzmq's zmq_has not in the table: {missing:?}"
    );
}

#[test]
fn transports_not_available_fail_as_listed() {
    let rows = table(&doc(), "Transports not available");
    let s = Socket::new(ZMQ_PUB);
    let mut checked = 0;
    for row in &rows {
        let errno = errno_named(&row[1]);
        for scheme in code_spans(&row[0]) {
            for bind in [true, false] {
                let ep = format!("{scheme}127.0.0.1:5555");
                assert_eq!(s.endpoint(bind, &ep), errno, "{ep} (bind: {bind})");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 2);
    // ws and wss come with the draft API, as in libzmq.
    for ep in ["ws://127.0.0.1:*", "wss://127.0.0.1:*"] {
        let want = if cfg!(feature = "draft") {
            // wss needs a certificate to bind: EINVAL says the transport is there.
            if ep.starts_with("wss") {
                libc::EINVAL
            } else {
                0
            }
        } else {
            libc::EPROTONOSUPPORT
        };
        assert_eq!(s.endpoint(true, ep), want, "{ep}");
    }
}

#[test]
fn options_not_available_fail_as_listed() {
    let rows = table(&doc(), "Socket options not available");
    let constants = header_constants();
    let one = 1 as c_int;
    let mut checked = 0;
    for row in &rows {
        let name = code_spans(&row[0]).pop().expect("an option in backticks");
        let (option, _) = constants[&name];
        let errno = errno_named(&row[1]);
        let s = Socket::new(ZMQ_DEALER);
        assert_eq!(s.set(option, &one.to_ne_bytes()), errno, "{name} = 1");
        checked += 1;
    }
    assert_eq!(checked, 4);
}

#[test]
fn options_without_effect_are_accepted() {
    let rows = table(&doc(), "Options accepted without effect");
    let constants = header_constants();
    let s = Socket::new(ZMQ_DEALER);
    for row in &rows {
        let name = code_spans(&row[0]).pop().expect("an option in backticks");
        let (option, draft) = constants[&name];
        let value: Vec<u8> = if name == "ZMQ_AFFINITY" {
            3u64.to_ne_bytes().to_vec()
        } else {
            (1 as c_int).to_ne_bytes().to_vec()
        };
        let want = if draft && !cfg!(feature = "draft") {
            libc::EINVAL
        } else {
            0
        };
        assert_eq!(s.set(option, &value), want, "{name}");
    }
}
