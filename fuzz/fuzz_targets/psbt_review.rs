//! PSBT parse (v0 and v2, binary, base64, hex) → review → the signing session → finalize, with
//! the public test seed's keys so that inputs "ours" reach the signer.
#![no_main]
#[path = "../src/bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::psbt_review(data));
