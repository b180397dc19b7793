//! Policy file parse → compile → evaluate against a fixed review (the hostile matrix's
//! fee-max-fee-sat case, a bundle of the public test seed).
#![no_main]
use std::sync::OnceLock;

use airsign::bundle::{self, Review};
use airsign::policy::PolicyFile;
use airsign::signer::KeyChain;
use libfuzzer_sys::fuzz_target;

fn review() -> &'static Review {
    static R: OnceLock<Review> = OnceLock::new();
    R.get_or_init(|| {
        let m = airsign::secrets::Mnemonic::parse(airsign::wallet::fixture::TEST_MNEMONIC).unwrap();
        let keys = KeyChain::from_seed(&m.to_seed("", bitcoin::Network::Regtest)).unwrap();
        let case: serde_json::Value = serde_json::from_slice(
            &std::fs::read(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../fixtures/hostile/04-fee-max-fee-sat.json"
            ))
            .expect("the fixture case"),
        )
        .expect("JSON");
        let psbt = bundle::decode(case["psbt"].as_str().expect("psbt").as_bytes())
            .expect("the fixture PSBT")
            .0;
        bundle::Reviewed::new(psbt, &keys, &Default::default())
            .review()
            .clone()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(file) = PolicyFile::parse(data) else {
        return;
    };
    let _ = file.hash();
    for network in [bitcoin::Network::Regtest, bitcoin::Network::Bitcoin] {
        if let Ok(set) = file.compile(network) {
            let _ = set.evaluate(review());
        }
    }
});
