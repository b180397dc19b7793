//! The round trip as a user types it: bundle create → bundle inspect → sign → bundle finalize,
//! through files, with the regtest fixture wallet.
mod common;

use std::process::Output;

use common::{bin, sh};

use airsign::wallet::fixture::{funding_tx, TEST_MNEMONIC};
use airsign::wallet::WatchOnly;
use bitcoin::Network;

fn ok(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn create_inspect_sign_finalize_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let b = bin().display().to_string();
    std::fs::write(d.join("words"), TEST_MNEMONIC).unwrap();
    std::fs::write(d.join("pass"), "pw\n").unwrap();
    let seed = d.join("seed.age");
    ok(&sh(&format!("'{b}' seed import --json --network regtest --out '{}' --mnemonic-fd 3 --passphrase-fd 4 --kdf-work-factor 10 3<'{}' 4<'{}'", seed.display(), d.join("words").display(), d.join("pass").display())));
    for script in ["wpkh", "tr", "sh-wpkh", "pkh"] {
        let e = ok(&sh(&format!(
            "'{b}' account export --json --seed '{}' --passphrase-fd 4 --script {script} 4<'{}'",
            seed.display(),
            d.join("pass").display()
        )));
        let desc = e["multipath"].as_str().unwrap().to_string();
        // Online: fixture UTXOs in Bitcoin Core's listunspent form and Esplora's form.
        let w = WatchOnly::from_descriptor(&desc, Network::Regtest).unwrap();
        let fund = funding_tx(
            &[
                (w.address(false, 0).unwrap().script_pubkey(), 80_000),
                (w.address(false, 3).unwrap().script_pubkey(), 250_000),
            ],
            77,
        );
        let txid = fund.compute_txid();
        std::fs::write(d.join("utxos.json"), format!(r#"[{{"txid":"{txid}","vout":0,"amount":0.0008}},{{"txid":"{txid}","vout":1,"value":250000,"status":{{"confirmed":true}}}}]"#)).unwrap();
        std::fs::create_dir_all(d.join("prev")).unwrap();
        std::fs::write(
            d.join("prev").join(txid.to_string()),
            bitcoin::consensus::encode::serialize_hex(&fund),
        )
        .unwrap();
        let to = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";
        let unsigned = d.join(format!("{script}.psbt"));
        let c = ok(&sh(&format!(
            "'{b}' bundle create --json --descriptor \"{desc}\" --network regtest --utxos '{}' --prev-txs '{}' --to {to}:0.0015btc --fee-rate 4 --height 500 --encoding base64 -o '{}'",
            d.join("utxos.json").display(),
            d.join("prev").display(),
            unsigned.display()
        )));
        let id = c["review"]["bundle_id"].as_str().unwrap().to_string();
        // Inspect from another wallet's point of view (no wallet given) and with the wallet.
        let i = ok(&sh(&format!(
            "'{b}' bundle inspect --json '{}' --descriptor \"{desc}\" --network regtest",
            unsigned.display()
        )));
        assert_eq!(i["review"]["bundle_id"], id.as_str());
        assert!(i["review"]["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["kind"] == "change"));
        let imported = d.join(format!("{script}-imported.psbt"));
        let i = ok(&sh(&format!(
            "'{b}' bundle import --json - --network regtest -o '{}' < '{}'",
            imported.display(),
            unsigned.display()
        )));
        assert_eq!(i["review"]["bundle_id"], id.as_str());
        // Offline.
        let signed = d.join(format!("{script}-signed.psbt"));
        let s = ok(&sh(&format!(
            "'{b}' sign --json --yes --seed '{}' --passphrase-fd 4 '{}' -o '{}' 4<'{}'",
            seed.display(),
            unsigned.display(),
            signed.display(),
            d.join("pass").display()
        )));
        assert_eq!(s["decision"], "signed");
        assert_eq!(
            s["review"]["bundle_id"],
            id.as_str(),
            "both sides must show the same bundle id"
        );
        // Online again.
        let f = ok(&sh(&format!(
            "'{b}' bundle finalize --json '{}'",
            signed.display()
        )));
        let tx: bitcoin::Transaction =
            bitcoin::consensus::encode::deserialize_hex(f["hex"].as_str().unwrap()).unwrap();
        assert!(tx.lock_time.to_consensus_u32() <= 500);
        let hex_out = d.join(format!("{script}.hex"));
        let o = sh(&format!(
            "'{b}' bundle finalize --extract '{}' -o '{}'",
            signed.display(),
            hex_out.display()
        ));
        assert!(o.status.success());
        assert_eq!(
            std::fs::read_to_string(&hex_out).unwrap().trim(),
            f["hex"].as_str().unwrap()
        );
    }
}

#[test]
fn finalize_of_an_unsigned_psbt_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = sh(&format!(
        "'{}' demo --dir '{}'",
        bin().display(),
        dir.path().display()
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = sh(&format!(
        "'{}' bundle finalize '{}'",
        bin().display(),
        dir.path().join("wpkh-unsigned.psbt").display()
    ));
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cannot finalize input") && err.contains("hint:"),
        "{err}"
    );
}

#[test]
fn wrong_network_address_and_bad_amount_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let desc = "wpkh([73c5da0a/84'/1'/0']tpubDC8msFGeGuwnKG9Upg7DM2b4DaRqg3CUZa5g8v2SRQ6K4NSkxUgd7HsL2XVWbVm39yBA4LAxysQAm397zwQSQoQgewGiYZqrA9DsP4zbQ1M/<0;1>/*)";
    std::fs::write(dir.path().join("u.json"), "[]").unwrap();
    std::fs::write(dir.path().join("p.hex"), "").unwrap();
    for (to, code) in [
        ("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu:1000", 1),
        ("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080:12.5", 2),
    ] {
        let o = sh(&format!(
            "'{}' bundle create --descriptor \"{desc}\" --network regtest --utxos '{}' --prev-txs '{}' --to {to} --fee-rate 2 -o '{}'",
            bin().display(),
            dir.path().join("u.json").display(),
            dir.path().join("p.hex").display(),
            dir.path().join("x.psbt").display()
        ));
        assert_eq!(
            o.status.code(),
            Some(code),
            "{to}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!dir.path().join("x.psbt").exists());
    }
}

#[test]
fn demo_prints_transactions_bitcoin_core_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let o = sh(&format!(
        "'{}' demo --json --dir '{}'",
        bin().display(),
        dir.path().display()
    ));
    let v = ok(&o);
    for trip in v["round_trips"].as_array().unwrap() {
        let tx: bitcoin::Transaction =
            bitcoin::consensus::encode::deserialize_hex(trip["tx_hex"].as_str().unwrap()).unwrap();
        let script = trip["script"].as_str().unwrap();
        let prev_hex =
            std::fs::read_to_string(dir.path().join(format!("{script}-prev-txs.hex"))).unwrap();
        let prev: bitcoin::Transaction =
            bitcoin::consensus::encode::deserialize_hex(prev_hex.trim()).unwrap();
        let prevouts: Vec<bitcoin::TxOut> = tx
            .input
            .iter()
            .map(|i| prev.output[i.previous_output.vout as usize].clone())
            .collect();
        common::consensus_check(&tx, &prevouts);
    }
}
