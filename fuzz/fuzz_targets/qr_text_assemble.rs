//! QR text → payload: the assembler that auto-detects UR, BBQr and base64 frames.
#![no_main]
use airsign::transport::assemble::Assembler;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut a = Assembler::new();
    for line in text.lines().take(512) {
        let _ = a.add(line);
        let _ = a.counters();
        if a.payload().is_some() {
            a = Assembler::new();
        }
    }
});
