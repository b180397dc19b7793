//! The review and refusal as a person meets them on the command line (issue 7 §3): the network
//! said even when nobody gave it, `--json` never mixed with binary output, and a refusal's hint
//! that tells a limit from an attack.
mod common;

use std::path::Path;

use airsign::bundle::{self, Encoding, Version};
use common::{bin, demo_dir, q, sh};

fn sign(dir: &Path, pass: &Path, input: &Path, extra: &str) -> std::process::Output {
    sh(&format!(
        "{} sign --seed {} --passphrase-fd 4 --yes {extra} {} 4<{}",
        q(&bin()),
        q(&dir.join("demo-seed.age")),
        q(input),
        q(pass)
    ))
}

#[test]
fn inspect_without_network_infers_it_from_the_psbt_and_says_so() {
    let (dir, _) = demo_dir();
    let o = sh(&format!(
        "{} bundle inspect {}",
        q(&bin()),
        q(&dir.path().join("wpkh-unsigned.psbt"))
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("network testnet: inferred from the PSBT (coin type 1')"),
        "{out}"
    );
    // Given explicitly, it says so; and JSON carries how it was decided.
    let o = sh(&format!(
        "{} bundle inspect --network regtest --json {}",
        q(&bin()),
        q(&dir.path().join("wpkh-unsigned.psbt"))
    ));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["network_source"], "given with --network");
    assert_eq!(v["review"]["network"], "regtest");
}

#[test]
fn inspect_of_a_psbt_with_no_hints_says_the_network_is_unknown() {
    let tx = bitcoin::Transaction {
        version: bitcoin::transaction::Version::TWO,
        lock_time: bitcoin::absolute::LockTime::ZERO,
        input: vec![bitcoin::TxIn::default()],
        output: vec![],
    };
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bare.psbt");
    std::fs::write(&f, bitcoin::Psbt::from_unsigned_tx(tx).unwrap().serialize()).unwrap();
    let o = sh(&format!("{} bundle inspect {}", q(&bin()), q(&f)));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("network bitcoin: unknown"), "{out}");
    assert!(out.contains("give --network"), "{out}");
}

#[test]
fn json_never_shares_stdout_with_a_psbt() {
    let (dir, pass) = demo_dir();
    let unsigned = dir.path().join("wpkh-unsigned.psbt");
    let o = sign(dir.path(), &pass, &unsigned, "--json -o -");
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.stdout.is_empty(), "nothing on stdout for a usage error");
    assert!(String::from_utf8_lossy(&o.stderr).contains("-o FILE"));
    let o = sh(&format!(
        "{} bundle finalize --json -o - {}",
        q(&bin()),
        q(&dir.path().join("wpkh-signed.psbt"))
    ));
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // With a file, stdout is exactly one JSON document.
    let out = dir.path().join("signed-again.psbt");
    let o = sign(
        dir.path(),
        &pass,
        &unsigned,
        &format!("--json -o {}", q(&out)),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["decision"], "signed");
}

#[test]
fn qr_show_text_json_is_one_json_document_with_the_parts() {
    let (dir, _) = demo_dir();
    let o = sh(&format!(
        "{} qr show --text --json --fragment 100 {}",
        q(&bin()),
        q(&dir.path().join("wpkh-unsigned.psbt"))
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)));
    let parts = v["parts"].as_array().unwrap();
    assert_eq!(parts.len() as u64, v["frames"].as_u64().unwrap());
    assert!(parts[0].as_str().unwrap().starts_with("UR:CRYPTO-PSBT/"));
    assert!(v["caption"]
        .as_str()
        .unwrap()
        .starts_with("airsign bundle "));
}

#[test]
fn a_limit_refusal_names_the_limit_and_is_not_called_an_attack() {
    let (dir, pass) = demo_dir();
    let unsigned = dir.path().join("wpkh-unsigned.psbt");
    let out = dir.path().join("never.psbt");
    let o = sign(
        dir.path(),
        &pass,
        &unsigned,
        &format!("--max-fee 100 -o {}", q(&out)),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("[fee-absolute]"), "{err}");
    assert!(err.contains("--max-fee SATS"), "{err}");
    assert!(!err.contains("compromised"), "{err}");
    assert!(!out.exists());
}

#[test]
fn an_integrity_refusal_still_says_to_distrust_the_online_machine() {
    let (dir, pass) = demo_dir();
    let (mut psbt, _, _) =
        bundle::decode(&std::fs::read(dir.path().join("wpkh-unsigned.psbt")).unwrap()).unwrap();
    // The segwit fee attack: witness_utxo under-states what the full previous tx says.
    let w = psbt.inputs[0].witness_utxo.as_mut().unwrap();
    w.value = bitcoin::Amount::from_sat(w.value.to_sat() - 1000);
    let f = dir.path().join("attack.psbt");
    std::fs::write(
        &f,
        bundle::encode(&psbt, Version::V0, Encoding::Base64).unwrap(),
    )
    .unwrap();
    let out = dir.path().join("never.psbt");
    let o = sign(dir.path(), &pass, &f, &format!("-o {}", q(&out)));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("[witness-utxo-mismatch]"), "{err}");
    assert!(err.contains("compromised"), "{err}");
    assert!(!out.exists());
}
