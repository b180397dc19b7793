//! BBQr joiner: each input line is one scanned part.
#![no_main]
use airsign::transport::bbqr::Joiner;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut j = Joiner::default();
    for line in text.lines().take(512) {
        let _ = j.add(line);
        let _ = j.progress();
    }
    let _ = j.finish();
});
