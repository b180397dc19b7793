//! Ceremony checklists and transcripts: parse a checklist, verify a transcript.
#![no_main]
use std::io::Write;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = airsign::ceremony::Checklist::parse(data);
    let Ok(mut f) = tempfile::NamedTempFile::new() else {
        return;
    };
    if f.write_all(data).is_ok() {
        let _ = airsign::ceremony::transcript::verify(f.path(), None);
    }
});
