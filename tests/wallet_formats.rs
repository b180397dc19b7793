//! The UR forms of a wallet against Blockchain Commons' own examples (fixtures/vectors/ur.json,
//! from BlockchainCommons/Research at the commits named there): every BCR-2020-010
//! `crypto-output` example decodes to the scripts its descriptor text derives, the key-only ones
//! encode back byte for byte, the BCR-2020-015 `crypto-account` example yields the seed's BIP48
//! cosigner keys; and airsign's own wallets survive encode → decode for each script shape.
use std::str::FromStr;

use airsign::bundle::KeySource;
use airsign::secrets::Mnemonic;
use airsign::signer::KeyChain;
use airsign::wallet::formats::cosigner::{self, MultisigScript};
use airsign::wallet::formats::crypto_output::{decode, decode_account, encode, to_descriptor};
use bitcoin::bip32::DerivationPath;
use bitcoin::Network;
use miniscript::descriptor::{Descriptor, DescriptorPublicKey};

fn examples(ur_type: &str) -> Vec<serde_json::Value> {
    let raw = std::fs::read_to_string(format!(
        "{}/fixtures/vectors/ur.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&raw).unwrap();
    v["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["ur_type"] == ur_type)
        .cloned()
        .collect()
}

fn hex(s: &str) -> Vec<u8> {
    airsign::hex::decode(&s.to_lowercase()).unwrap()
}

/// The script at index 0 (the script itself for a descriptor without a wildcard).
fn script_at_0(d: &Descriptor<DescriptorPublicKey>) -> bitcoin::ScriptBuf {
    d.at_derivation_index(0).unwrap().script_pubkey()
}

#[test]
fn bcr_2020_010_examples_decode_to_their_descriptors() {
    let ex = examples("crypto-output");
    assert_eq!(ex.len(), 5);
    for (i, e) in ex.iter().enumerate() {
        let cbor = hex(e["cbor_hex"].as_str().unwrap());
        let text = e["other_blocks"][0]["content"].as_str().unwrap();
        let want = Descriptor::<DescriptorPublicKey>::from_str(text).unwrap();
        let got = decode(&cbor).unwrap_or_else(|err| panic!("example {}: {err}", i + 1));
        let got = Descriptor::<DescriptorPublicKey>::from_str(&got.descriptor().unwrap()).unwrap();
        assert_eq!(script_at_0(&got), script_at_0(&want), "example {}", i + 1);
        // Key-only examples (crypto-eckey) encode back to the same bytes.
        if !text.contains("pub") {
            assert_eq!(encode(&want).unwrap(), cbor, "example {}", i + 1);
        }
    }
}

#[test]
fn bcr_2020_015_account_yields_the_seeds_cosigner_keys() {
    let e = &examples("crypto-account")[0];
    let words = e["other_blocks"][0]["content"].as_str().unwrap();
    let keys = KeyChain::from_seed(
        &Mnemonic::parse(words)
            .unwrap()
            .to_seed("", Network::Bitcoin),
    )
    .unwrap();
    let (master, outputs) = decode_account(&hex(e["cbor_hex"].as_str().unwrap())).unwrap();
    assert_eq!(master, keys.fingerprint());
    assert_eq!(outputs.len(), 7);
    let ur = e["ur"].as_str().unwrap();
    for (script, path) in [
        (MultisigScript::Wsh, "48'/0'/0'/2'"),
        (MultisigScript::ShWsh, "48'/0'/0'/1'"),
    ] {
        let c = cosigner::parse(ur, &[], script).unwrap();
        let p = DerivationPath::from_str(path).unwrap();
        assert_eq!(c.path, p);
        assert_eq!(c.xpub, keys.xpub_at(&p).unwrap());
        assert_eq!(c.fingerprint, keys.fingerprint());
    }
}

#[test]
fn airsign_wallets_survive_crypto_output() {
    let keys = KeyChain::from_seed(
        &Mnemonic::parse(airsign::wallet::fixture::TEST_MNEMONIC)
            .unwrap()
            .to_seed("", Network::Regtest),
    )
    .unwrap();
    let k = |p: &str| {
        let path = DerivationPath::from_str(p).unwrap();
        format!(
            "[{}/{p}]{}",
            keys.fingerprint(),
            keys.xpub_at(&path).unwrap()
        )
    };
    for text in [
        format!("wsh(sortedmulti(1,{}/<0;1>/*))", k("48'/1'/0'/2'")),
        format!("sh(wsh(sortedmulti(1,{}/<0;1>/*)))", k("48'/1'/0'/1'")),
        format!("wsh(multi(1,{}/<0;1>/*))", k("48'/1'/0'/2'")),
        format!("wpkh({}/<0;1>/*)", k("84'/1'/0'")),
        format!("sh(wpkh({}/<0;1>/*))", k("49'/1'/0'")),
        format!("pkh({}/<0;1>/*)", k("44'/1'/0'")),
        format!("tr({}/<0;1>/*)", k("86'/1'/0'")),
        // Children other than <0;1>/* are written, as a child pair where they fork.
        format!("wsh(sortedmulti(1,{}/<2;3>/*))", k("48'/1'/0'/2'")),
        format!("wpkh({}/0/*)", k("84'/1'/0'")),
    ] {
        let d = Descriptor::<DescriptorPublicKey>::from_str(&text).unwrap();
        let back = to_descriptor(&decode(&encode(&d).unwrap()).unwrap()).unwrap();
        assert_eq!(back, d, "{text}");
    }
    // What has no crypto-output form says so.
    let tree = format!("tr({},pk({}/<0;1>/*))", k("86'/1'/0'"), k("86'/1'/1'"));
    assert!(encode(&Descriptor::from_str(&tree).unwrap()).is_err());
}
