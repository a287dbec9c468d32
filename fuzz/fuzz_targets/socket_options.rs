#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| zmq_rs_fuzz::options::socket_options(data));
