//! UR part parser + fountain decoder: each input line is one scanned QR text.
#![no_main]
#[path = "../src/bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::ur_fountain(data));
