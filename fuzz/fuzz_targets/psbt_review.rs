//! PSBT parse (v0 and v2, binary, base64, hex) → review → the signing session → finalize, with
//! the public test seed's keys so that inputs "ours" reach the signer.
#![no_main]
use std::sync::OnceLock;

use airsign::bundle;
use airsign::signer::KeyChain;
use libfuzzer_sys::fuzz_target;

fn keys() -> &'static KeyChain {
    static K: OnceLock<KeyChain> = OnceLock::new();
    K.get_or_init(|| {
        let m = airsign::secrets::Mnemonic::parse(airsign::wallet::fixture::TEST_MNEMONIC).unwrap();
        KeyChain::from_seed(&m.to_seed("", bitcoin::Network::Regtest)).unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok((psbt, version, _)) = bundle::decode(data) else {
        return;
    };
    let _ = bundle::encode(&psbt, version, bundle::Encoding::Binary);
    let policy = airsign::policy::PolicySet::default();
    let reviewed = bundle::Reviewed::new(psbt.clone(), keys(), &policy.review_options());
    let _ = airsign::screen::review_text(reviewed.review(), None);
    if reviewed.review().ours().next().is_some() {
        let _ = airsign::session::decide(
            &reviewed,
            &policy,
            keys(),
            &mut |_, _| Ok(true),
            Default::default(),
        );
    }
    let _ = bundle::finalize::finalize(&mut psbt.clone());
});
