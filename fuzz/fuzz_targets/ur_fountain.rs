//! UR part parser + fountain decoder: each input line is one scanned QR text.
#![no_main]
use airsign::transport::decoder::Decoder;
use airsign::transport::ur::{self, Parsed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut decoder = Decoder::new();
    for line in text.lines().take(512) {
        if let Ok(Parsed::Multi { part, .. }) = ur::parse(line) {
            let _ = decoder.receive(&part);
            let _ = decoder.progress();
            if let Some(m) = decoder.message() {
                let _ = ur::uncbor_bytes(m);
            }
        } else if let Ok(Parsed::Single { cbor, .. }) = ur::parse(line) {
            let _ = ur::uncbor_bytes(&cbor);
        }
    }
});
