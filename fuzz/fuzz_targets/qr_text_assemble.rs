//! QR text → payload: the assembler that auto-detects UR, BBQr and base64 frames.
#![no_main]
#[path = "../src/bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::qr_text_assemble(data));
