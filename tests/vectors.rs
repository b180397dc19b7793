//! Public vectors (fixtures/vectors/, copied from ../shared/vectors with their sources):
//! BIP39, BIP32 (including the invalid keys of vector 5), BIP49/84/86 and BIP380 checksums.
mod common;

use std::str::FromStr;

use airsign::bundle::KeySource;
use airsign::secrets::Mnemonic;
use airsign::signer::KeyChain;
use airsign::wallet::{account, ScriptType};
use bitcoin::bip32::{DerivationPath, Xpriv, Xpub};
use bitcoin::secp256k1::Secp256k1;
use bitcoin::{Address, CompressedPublicKey, Network};

use common::vectors as load;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn bip39_all_vectors() {
    let vs = load("bip39");
    assert_eq!(vs.len(), 24);
    for v in vs {
        let m = Mnemonic::parse(v["mnemonic"].as_str().unwrap()).unwrap();
        let seed = m.to_seed(v["passphrase"].as_str().unwrap(), Network::Bitcoin);
        assert_eq!(hex(seed.expose_secret()), v["seed"].as_str().unwrap());
        let xprv = Xpriv::new_master(Network::Bitcoin, seed.expose_secret()).unwrap();
        assert_eq!(xprv.to_string(), v["bip32_xprv"].as_str().unwrap());
        let entropy: Vec<u8> = (0..v["entropy"].as_str().unwrap().len() / 2)
            .map(|i| {
                u8::from_str_radix(&v["entropy"].as_str().unwrap()[2 * i..2 * i + 2], 16).unwrap()
            })
            .collect();
        let again = Mnemonic::from_entropy(&entropy).unwrap();
        let words: Vec<&str> = (0..again.word_count())
            .map(|i| again.word(i).unwrap())
            .collect();
        assert_eq!(words.join(" "), v["mnemonic"].as_str().unwrap());
    }
}

#[test]
fn bip32_chains_and_invalid_keys() {
    let secp = Secp256k1::new();
    let mut chains = 0;
    let mut invalid = 0;
    for v in load("bip32") {
        if let Some(keys) = v["invalid_keys"].as_array() {
            for k in keys {
                let s = k["key"].as_str().unwrap();
                // rust-bitcoin's parsers accept some of these (a zero-depth key with a parent
                // fingerprint, a public key in an xprv), so airsign checks them itself.
                // Through airsign's own parser: a clean error, not a panic.
                let e = airsign::wallet::descriptor::parse_public(&format!("wpkh({s}/0/*)"));
                assert!(
                    e.is_err(),
                    "descriptor with invalid key accepted: {}",
                    k["reason"]
                );
                invalid += 1;
            }
            continue;
        }
        let seed_hex = v["seed_hex"].as_str().unwrap();
        let seed: Vec<u8> = (0..seed_hex.len() / 2)
            .map(|i| u8::from_str_radix(&seed_hex[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        let master = Xpriv::new_master(Network::Bitcoin, &seed).unwrap();
        for c in v["chains"].as_array().unwrap() {
            let path = DerivationPath::from_str(c["path"].as_str().unwrap()).unwrap();
            let xprv = master.derive_priv(&secp, &path).unwrap();
            assert_eq!(xprv.to_string(), c["ext_prv"].as_str().unwrap());
            assert_eq!(
                Xpub::from_priv(&secp, &xprv).to_string(),
                c["ext_pub"].as_str().unwrap()
            );
            // KeyChain (the signer's only key holder) derives the same public key.
            let kc = KeyChain::from_master(master, Network::Bitcoin);
            assert_eq!(
                kc.public_key(&path).unwrap(),
                Xpub::from_priv(&secp, &xprv).public_key
            );
            chains += 1;
        }
    }
    assert!(invalid >= 16, "{invalid}");
    assert!(chains >= 17, "{chains}");
}

fn abandon_keys(network: Network) -> KeyChain {
    let m = Mnemonic::parse(airsign::wallet::fixture::TEST_MNEMONIC).unwrap();
    KeyChain::from_seed(&m.to_seed("", network)).unwrap()
}

#[test]
fn bip84_and_bip86_addresses_and_account_keys() {
    let keys = abandon_keys(Network::Bitcoin);
    let secp = Secp256k1::new();
    let mut checked = 0;
    for (file, script) in [("bip84", ScriptType::Wpkh), ("bip86", ScriptType::Tr)] {
        for v in load(file) {
            let (Some(path), Some(addr)) = (v["path"].as_str(), v["address"].as_str()) else {
                continue;
            };
            let path = DerivationPath::from_str(path).unwrap();
            let pk = keys.public_key(&path).unwrap();
            let got = match script {
                ScriptType::Wpkh => Address::p2wpkh(&CompressedPublicKey(pk), Network::Bitcoin),
                _ => Address::p2tr(&secp, pk.x_only_public_key().0, None, Network::Bitcoin),
            };
            assert_eq!(got.to_string(), addr);
            checked += 1;
        }
    }
    assert_eq!(checked, 6);
    // BIP86 gives the account xpub directly; the export's first address must match both BIPs.
    let tr = account::export(
        keys.fingerprint(),
        &ScriptType::Tr.account_path(Network::Bitcoin, 0),
        &keys
            .xpub_at(&ScriptType::Tr.account_path(Network::Bitcoin, 0))
            .unwrap(),
        ScriptType::Tr,
        0,
        Network::Bitcoin,
    )
    .unwrap();
    assert_eq!(tr.xpub, "xpub6BgBgsespWvERF3LHQu6CnqdvfEvtMcQjYrcRzx53QJjSxarj2afYWcLteoGVky7D3UKDP9QyrLprQ3VCECoY49yfdDEHGCtMMj92pReUsQ");
    assert_eq!(
        tr.first_address.as_deref(),
        Some("bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr")
    );
    let p = ScriptType::Wpkh.account_path(Network::Bitcoin, 0);
    let w = account::export(
        keys.fingerprint(),
        &p,
        &keys.xpub_at(&p).unwrap(),
        ScriptType::Wpkh,
        0,
        Network::Bitcoin,
    )
    .unwrap();
    assert_eq!(
        w.first_address.as_deref(),
        Some("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu")
    );
    assert_eq!(w.fingerprint, "73c5da0a");
}

#[test]
fn bip49_testnet_nested_segwit() {
    let keys = abandon_keys(Network::Testnet);
    let v = load("bip49");
    let pubkey = v
        .iter()
        .find_map(|x| x["account0recvPublicKeyHex"].as_str())
        .unwrap()
        .trim_start_matches("0x")
        .to_string();
    let addr_bytes = v
        .iter()
        .find_map(|x| x["addressBytes"].as_str())
        .unwrap()
        .trim_start_matches("0x")
        .to_string();
    let pk = keys
        .public_key(&DerivationPath::from_str("m/49'/1'/0'/0/0").unwrap())
        .unwrap();
    assert_eq!(hex(&pk.serialize()), pubkey);
    let redeem = bitcoin::ScriptBuf::new_p2wpkh(&CompressedPublicKey(pk).wpubkey_hash());
    assert_eq!(hex(redeem.script_hash().as_ref()), addr_bytes);
}

#[test]
fn bip380_checksums() {
    let mut n = 0;
    for v in load("bip380-386").iter().filter(|v| v["bip"] == 380) {
        let Some(d) = v["descriptor"].as_str() else {
            continue;
        };
        let ok = miniscript::descriptor::checksum::verify_checksum(d).is_ok();
        if v["expected"] == "valid" {
            assert!(ok, "{d}");
        } else if d.contains('#') {
            // Invalid cases with a checksum part: either the checksum or the text is wrong.
            let parsed = airsign::wallet::descriptor::parse_public(d);
            assert!(!ok || parsed.is_err(), "{d}");
        }
        n += 1;
    }
    assert!(n >= 8, "{n}");
}

#[test]
fn bip381_to_386_public_descriptors_produce_their_scripts() {
    // Every valid descriptor miniscript parses as public must produce the listed first script.
    let mut n = 0;
    for v in load("bip380-386")
        .iter()
        .filter(|v| v["bip"] != 380 && v["expected"] == "valid")
    {
        let d = v["descriptor"].as_str().unwrap();
        let Ok(desc) = airsign::wallet::descriptor::parse_public(d) else {
            continue;
        };
        let Some(first) = v["scripts"]
            .as_array()
            .and_then(|s| s.first())
            .and_then(|s| s.as_str())
        else {
            continue;
        };
        let Ok(definite) = desc.at_derivation_index(0) else {
            continue;
        };
        if desc.is_multipath() {
            continue;
        }
        assert_eq!(hex(definite.script_pubkey().as_bytes()), first, "{d}");
        n += 1;
    }
    assert!(n >= 15, "only {n} descriptors checked");
}
