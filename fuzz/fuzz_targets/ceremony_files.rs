//! Ceremony checklists and transcripts: parse a checklist, verify a transcript.
#![no_main]
#[path = "../src/bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::ceremony_files(data));
