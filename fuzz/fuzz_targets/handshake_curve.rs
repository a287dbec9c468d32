#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| zmq_rs_fuzz::zmtp::handshake_curve(data));
