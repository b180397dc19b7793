//! Wallet files and set-up formats: the watch-only wallet file, every import format (BSMS,
//! Coldcard, descriptors, BIP388, Caravan, crypto-output), and descriptors read directly.
#![no_main]
#[path = "../src/bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::wallet_parse(data));
