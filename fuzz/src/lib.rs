//! The bodies of libzmq-rs's fuzz targets, one function per target, each taking the
//! fuzzer's bytes. `fuzz_targets/*.rs` hand them to libFuzzer (nightly, `fuzz/run.sh`);
//! `tests/fuzz.rs` includes this file on stable and replays every checked-in corpus
//! and regression input through the same functions, so a crash once found stays fixed.
//!
//! Each body checks properties, not just the absence of panics: split invariance of
//! the ZMTP decoder, delivery between honest peers, round trips of the codecs, the
//! subscription trie against a naive model, socket options against libzmq's rules.

pub mod endpoint;
pub mod input;
pub mod options;
pub mod small;
pub mod trie;
pub mod zmtp;

/// Every target: its name (the file in `fuzz_targets/` and the corpus directory) and
/// its body.
pub type Target = fn(&[u8]);

pub const TARGETS: &[(&str, Target)] = &[
    ("zmtp_greeting", zmtp::greeting),
    ("zmtp_decoder", zmtp::decoder),
    ("handshake_null", zmtp::handshake_null),
    ("handshake_plain", zmtp::handshake_plain),
    ("handshake_curve", zmtp::handshake_curve),
    ("socks_client", small::socks_client),
    ("udp_datagram", small::udp_datagram),
    ("z85_decode", small::z85_decode),
    ("sub_trie", trie::sub_trie),
    ("socket_options", options::socket_options),
    ("endpoint", endpoint::endpoint),
];
