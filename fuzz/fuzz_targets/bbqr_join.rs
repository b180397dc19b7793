//! BBQr joiner: each input line is one scanned part.
#![no_main]
#[path = "../src/bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::bbqr_join(data));
