//! Audit log verify and read, with and without the MAC key.
#![no_main]
#[path = "../src/bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::audit_verify(data));
