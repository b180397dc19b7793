//! Seed file open: the age header and payload, then the seed-file JSON inside. Unlocked with a
//! fixed age identity (no scrypt: a fuzzer cannot afford a work factor per input).
#![no_main]
#[path = "../src/bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::seed_file_open(data));
