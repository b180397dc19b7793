//! `crypto-account` byte for byte against BCR-2020-015's example (fixtures/vectors/ur.json): the
//! seed "shield group erode …", seven output descriptors.
use std::str::FromStr;

use airsign::bundle::KeySource;
use airsign::secrets::Mnemonic;
use airsign::signer::KeyChain;
use airsign::transport::ur;
use airsign::wallet::ur_account::{crypto_account, AccountKey, Form};
use bitcoin::bip32::DerivationPath;
use bitcoin::Network;

#[test]
fn bcr_2020_015_example() {
    let raw = std::fs::read_to_string(format!(
        "{}/fixtures/vectors/ur.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&raw).unwrap();
    let ex = v["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["ur_type"] == "crypto-account")
        .unwrap();
    let words = ex["other_blocks"][0]["content"].as_str().unwrap();
    let keys = KeyChain::from_seed(
        &Mnemonic::parse(words)
            .unwrap()
            .to_seed("", Network::Bitcoin),
    )
    .unwrap();
    let entries: Vec<AccountKey> = [
        (Form::Pkh, "m/44'/0'/0'"),
        (Form::ShWpkh, "m/49'/0'/0'"),
        (Form::Wpkh, "m/84'/0'/0'"),
        (Form::ShCosigner, "m/45'"),
        (Form::ShWshCosigner, "m/48'/0'/0'/1'"),
        (Form::WshCosigner, "m/48'/0'/0'/2'"),
        (Form::Tr, "m/86'/0'/0'"),
    ]
    .into_iter()
    .map(|(form, p)| {
        let path = DerivationPath::from_str(p).unwrap();
        AccountKey {
            form,
            xpub: keys.xpub_at(&path).unwrap(),
            path,
        }
    })
    .collect();
    let cbor = crypto_account(keys.fingerprint(), &entries);
    let hex: String = cbor.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, ex["cbor_hex"].as_str().unwrap().to_lowercase());
    assert_eq!(
        ur::single("crypto-account", &cbor),
        ex["ur"].as_str().unwrap()
    );
}
