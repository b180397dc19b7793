//! Helpers shared by the integration tests (each test file uses a subset).
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The built `airsign` binary.
pub fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("airsign")
}

/// Run a shell command line detached from any terminal (so prompts fail instead of waiting), with
/// secrets passed on descriptors by redirections in `cmd`.
pub fn sh(cmd: &str) -> Output {
    Command::new("setsid")
        .args(["-w", "bash", "-c", cmd])
        .output()
        .unwrap()
}

/// The `vectors` array of fixtures/vectors/NAME.json.
pub fn vectors(name: &str) -> Vec<serde_json::Value> {
    let path = format!(
        "{}/fixtures/vectors/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["vectors"].as_array().unwrap().clone()
}

/// Bitcoin Core's script interpreter (bitcoinconsensus) on every input, with every spent output
/// (taproot needs them all).
pub fn consensus_check(tx: &bitcoin::Transaction, prevouts: &[bitcoin::TxOut]) {
    let bytes = bitcoin::consensus::encode::serialize(tx);
    let utxos: Vec<bitcoinconsensus::Utxo> = prevouts
        .iter()
        .map(|o| bitcoinconsensus::Utxo {
            script_pubkey: o.script_pubkey.as_bytes().as_ptr(),
            script_pubkey_len: o.script_pubkey.len() as u32,
            value: o.value.to_sat() as i64,
        })
        .collect();
    for (i, o) in prevouts.iter().enumerate() {
        bitcoinconsensus::verify(
            o.script_pubkey.as_bytes(),
            o.value.to_sat(),
            &bytes,
            Some(&utxos),
            i,
        )
        .unwrap_or_else(|e| panic!("input {i} fails Bitcoin Core's interpreter: {e:?}"));
    }
}

/// A payee that is nobody's wallet: P2WPKH of the secp256k1 generator point, on regtest.
pub fn payee() -> bitcoin::Address {
    let g: bitcoin::CompressedPublicKey =
        "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
            .parse()
            .unwrap();
    bitcoin::Address::p2wpkh(&g, bitcoin::Network::Regtest)
}

/// Not a secret: what `airsign demo` protects its public test seed with.
pub const DEMO_PASSPHRASE: &str = "demo passphrase (public test seed)";

/// A path quoted for the shell.
pub fn q(p: &std::path::Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

/// `airsign demo --no-qr` in a fresh folder: its seed file (`demo-seed.age`), unsigned and signed
/// bundles, and a file holding the seed file's passphrase.
pub fn demo_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let o = sh(&format!(
        "{} demo --no-qr --json --dir {}",
        q(&bin()),
        q(dir.path())
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pass = dir.path().join("pass");
    std::fs::write(&pass, format!("{DEMO_PASSPHRASE}\n")).unwrap();
    (dir, pass)
}

/// The public test seed `abandon … about` on regtest, without a BIP39 passphrase.
pub fn test_keys() -> airsign::signer::KeyChain {
    airsign::signer::KeyChain::from_seed(
        &airsign::secrets::Mnemonic::parse(airsign::wallet::fixture::TEST_MNEMONIC)
            .unwrap()
            .to_seed("", bitcoin::Network::Regtest),
    )
    .unwrap()
}

/// The watch-only wallet of account 0 of `k` for `script` (its multipath descriptor).
pub fn wallet_of(
    k: &airsign::signer::KeyChain,
    script: airsign::wallet::ScriptType,
) -> airsign::wallet::WatchOnly {
    let e = k.account_export(script, 0).unwrap();
    airsign::wallet::WatchOnly::from_descriptor(
        e.multipath.as_deref().unwrap(),
        bitcoin::Network::Regtest,
    )
    .unwrap()
}

/// A string quoted for the shell (key origins hold `'`).
pub fn shq(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// An honest bundle from `w`: `funds` sats to its receive addresses 0, 1, … (in one funding
/// transaction salted by `salt`, so bundles differ), `pay` sats to [`payee`] at `rate` sat/vB.
pub fn bundle_from(
    w: &airsign::wallet::WatchOnly,
    funds: &[u64],
    pay: u64,
    rate: f64,
    salt: u32,
) -> bitcoin::Psbt {
    created_from(
        w,
        funds,
        &[(payee(), bitcoin::Amount::from_sat(pay))],
        rate,
        salt,
        [0, 1],
    )
    .psbt
}

/// [`bundle_from`] with any recipients and the coin selection's `entropy`.
pub fn created_from(
    w: &airsign::wallet::WatchOnly,
    funds: &[u64],
    recipients: &[(bitcoin::Address, bitcoin::Amount)],
    rate: f64,
    salt: u32,
    entropy: [u8; 2],
) -> airsign::bundle::create::Created {
    use airsign::bundle::{create, utxo::Utxo};
    let outs: Vec<(bitcoin::ScriptBuf, u64)> = funds
        .iter()
        .enumerate()
        .map(|(i, v)| (w.address(false, i as u32).unwrap().script_pubkey(), *v))
        .collect();
    let fund = airsign::wallet::fixture::funding_tx(&outs, salt);
    let utxos: Vec<Utxo> = (0..funds.len() as u32)
        .map(|vout| Utxo {
            outpoint: bitcoin::OutPoint {
                txid: fund.compute_txid(),
                vout,
            },
            claimed_sats: None,
        })
        .collect();
    let prev: std::collections::HashMap<_, _> = [(fund.compute_txid(), fund)].into();
    create::create(&create::Request {
        wallet: w,
        utxos: &utxos,
        prev_txs: &prev,
        recipients,
        send_all: None,
        fee_rate: rate,
        change_index: None,
        height: None,
        locktime: None,
        sequence: None,
        entropy,
    })
    .unwrap()
}

/// The Python with embit that scripts/test.sh installs (`AIRSIGN_PYTHON`). Under CI=true a
/// missing peer fails the test; elsewhere the test is skipped with a note.
pub fn python() -> Option<String> {
    match std::env::var("AIRSIGN_PYTHON") {
        Ok(v) => Some(v),
        Err(_) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!(
                "AIRSIGN_PYTHON is not set: embit is required in CI (scripts/test.sh installs it)"
            )
        }
        Err(_) => {
            eprintln!("AIRSIGN_PYTHON not set; run scripts/test.sh to install embit (skipping outside CI)");
            None
        }
    }
}
