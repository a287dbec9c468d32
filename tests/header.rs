//! The checked-in headers are what the build generates from the Rust sources.

#[test]
fn checked_in_headers_match_generated() {
    let generated = std::path::Path::new(env!("OUT_DIR"));
    let checked_in = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("include");
    for name in ["zmq.h", "zmq_utils.h"] {
        let want = std::fs::read_to_string(generated.join(name)).unwrap();
        let have = std::fs::read_to_string(checked_in.join(name)).unwrap();
        assert!(
            want == have,
            "include/{name} differs from the generated one: run `ZMQRS_UPDATE_HEADER=1 cargo build`"
        );
    }
}
