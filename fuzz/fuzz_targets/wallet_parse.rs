//! Wallet files and set-up formats: the watch-only wallet file, every import format (BSMS,
//! Coldcard, descriptors, BIP388, Caravan, crypto-output), and descriptors read directly.
#![no_main]
use airsign::wallet::file::WalletFile;
use airsign::wallet::formats::import;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(f) = WalletFile::parse(data) {
        let _ = f.watch_only();
    }
    if let Ok(imp) = import::read(data, &[]) {
        let _ = import::network(&imp, None);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        for network in [bitcoin::Network::Regtest, bitcoin::Network::Bitcoin] {
            if let Ok(w) = airsign::wallet::WatchOnly::from_descriptor(text.trim(), network) {
                let _ = w.address(false, 0);
                let _ = w.address(true, 1);
            }
        }
    }
});
