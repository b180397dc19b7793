//! Audit log verify and read, with and without the MAC key.
#![no_main]
use std::io::Write;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut f) = tempfile::NamedTempFile::new() else {
        return;
    };
    if f.write_all(data).is_err() {
        return;
    }
    let _ = airsign::audit::verify(f.path(), None);
    let _ = airsign::audit::verify(f.path(), Some(&[7u8; 32]));
    let _ = airsign::audit::read_lines(f.path());
    let _ = airsign::audit::signed_spends(f.path(), None);
});
