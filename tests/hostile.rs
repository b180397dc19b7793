//! Hostile PSBTs are the normal case for a signer. Each attack is refused with a named reason
//! (exit 3 through the CLI), and nothing is written.
use std::collections::HashMap;

use airsign::bundle::review::OutputKind;
use airsign::bundle::ReviewOptions;
use airsign::bundle::{self, create, utxo::Utxo, Encoding, Version};
use airsign::policy::{self, Policy};
use airsign::secrets::Mnemonic;
use airsign::signer::KeyChain;
use airsign::wallet::fixture::{funding_tx, TEST_MNEMONIC};
use airsign::wallet::{account, ScriptType, WatchOnly};
use bitcoin::hashes::Hash;
use bitcoin::psbt::PsbtSighashType;
use bitcoin::sighash::EcdsaSighashType;
use bitcoin::{Amount, Network, OutPoint, Psbt};

fn keys(network: Network, pass: &str) -> KeyChain {
    KeyChain::from_seed(
        &Mnemonic::parse(TEST_MNEMONIC)
            .unwrap()
            .to_seed(pass, network),
    )
    .unwrap()
}

fn unsigned(script: ScriptType) -> (Psbt, KeyChain) {
    use airsign::bundle::KeySource;
    let k = keys(Network::Regtest, "");
    let path = script.account_path(Network::Regtest, 0);
    let e = account::export(
        k.fingerprint(),
        &path,
        &k.xpub_at(&path).unwrap(),
        script,
        0,
        Network::Regtest,
    )
    .unwrap();
    let w = WatchOnly::from_descriptor(e.multipath.as_deref().unwrap(), Network::Regtest).unwrap();
    let fund = funding_tx(
        &[
            (w.address(false, 0).unwrap().script_pubkey(), 200_000),
            (w.address(false, 1).unwrap().script_pubkey(), 300_000),
        ],
        42,
    );
    let utxos: Vec<Utxo> = (0..2)
        .map(|v| Utxo {
            outpoint: OutPoint {
                txid: fund.compute_txid(),
                vout: v,
            },
            claimed_sats: None,
        })
        .collect();
    let prev: HashMap<_, _> = [(fund.compute_txid(), fund)].into();
    let g: bitcoin::CompressedPublicKey =
        "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
            .parse()
            .unwrap();
    let to = bitcoin::Address::p2wpkh(&g, Network::Regtest);
    let c = create::create(&create::Request {
        wallet: &w,
        utxos: &utxos,
        prev_txs: &prev,
        recipients: &[(to, Amount::from_sat(400_000))],
        send_all: None,
        fee_rate: 2.0,
        change_index: None,
        height: None,
        locktime: None,
        sequence: None,
        entropy: [0, 1],
    })
    .unwrap();
    (c.psbt, k)
}

fn refusal_codes(psbt: &Psbt, k: &KeyChain) -> Vec<&'static str> {
    let r = bundle::review(psbt, k, &ReviewOptions::default());
    policy::evaluate(&r, &Policy::default())
        .refuse
        .iter()
        .map(|p| p.code)
        .collect()
}

#[test]
fn honest_bundle_is_approved() {
    let (p, k) = unsigned(ScriptType::Wpkh);
    assert!(refusal_codes(&p, &k).is_empty());
}

#[test]
fn fee_attack_lowered_witness_utxo_is_refused() {
    let (mut p, k) = unsigned(ScriptType::Wpkh);
    let w = p.inputs[0].witness_utxo.as_mut().unwrap();
    w.value = Amount::from_sat(w.value.to_sat() - 50_000);
    assert!(refusal_codes(&p, &k).contains(&"witness-utxo-mismatch"));
}

#[test]
fn missing_or_mismatched_non_witness_utxo_is_refused() {
    let (mut p, k) = unsigned(ScriptType::Wpkh);
    p.inputs[0].non_witness_utxo = None;
    assert!(refusal_codes(&p, &k).contains(&"no-non-witness-utxo"));
    let (mut p, k) = unsigned(ScriptType::ShWpkh);
    let mut other = p.inputs[0].non_witness_utxo.clone().unwrap();
    other.lock_time = bitcoin::absolute::LockTime::from_consensus(1);
    p.inputs[0].non_witness_utxo = Some(other);
    assert!(refusal_codes(&p, &k).contains(&"non-witness-utxo-mismatch"));
}

#[test]
fn sighash_none_single_anyonecanpay_are_refused() {
    for t in [
        EcdsaSighashType::None,
        EcdsaSighashType::Single,
        EcdsaSighashType::AllPlusAnyoneCanPay,
    ] {
        let (mut p, k) = unsigned(ScriptType::Wpkh);
        p.inputs[0].sighash_type = Some(PsbtSighashType::from(t));
        assert!(refusal_codes(&p, &k).contains(&"sighash-not-all"), "{t}");
    }
}

#[test]
fn wrong_network_is_refused() {
    // Same mnemonic, same fingerprint, but a mainnet seed must not sign coin-type-1 paths.
    let (p, _) = unsigned(ScriptType::Wpkh);
    let mainnet = keys(Network::Bitcoin, "");
    assert!(refusal_codes(&p, &mainnet).contains(&"wrong-network"));
}

#[test]
fn duplicate_input_is_refused() {
    let (mut p, k) = unsigned(ScriptType::Wpkh);
    let first = p.unsigned_tx.input[0].clone();
    p.unsigned_tx.input.push(first);
    p.inputs.push(p.inputs[0].clone());
    assert!(refusal_codes(&p, &k).contains(&"duplicate-input"));
}

#[test]
fn change_that_does_not_rederive_is_shown_as_external() {
    let (mut p, k) = unsigned(ScriptType::Wpkh);
    let change = p
        .outputs
        .iter()
        .position(|o| !o.bip32_derivation.is_empty())
        .expect("a change output");
    assert!(matches!(
        bundle::review(&p, &k, &ReviewOptions::default()).outputs[change].kind,
        OutputKind::Change { .. }
    ));
    // The attacker keeps our derivation info but pays their own script.
    p.unsigned_tx.output[change].script_pubkey =
        bitcoin::ScriptBuf::new_p2wpkh(&bitcoin::WPubkeyHash::from_byte_array([7; 20]));
    let r = bundle::review(&p, &k, &ReviewOptions::default());
    assert_eq!(r.outputs[change].kind, OutputKind::External);
    assert!(r.outputs[change]
        .note
        .as_deref()
        .unwrap()
        .contains("does not re-derive"));
    assert_eq!(r.change, 0);
}

#[test]
fn another_seed_has_nothing_to_sign() {
    let (p, _) = unsigned(ScriptType::Tr);
    let other = keys(Network::Regtest, "another passphrase");
    let r = bundle::review(&p, &other, &ReviewOptions::default());
    assert_eq!(r.ours().count(), 0);
}

#[test]
fn cli_refuses_with_exit_3_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.age");
    let pass = dir.path().join("pass");
    std::fs::write(&pass, "pw\n").unwrap();
    let words = dir.path().join("words");
    std::fs::write(&words, TEST_MNEMONIC).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("airsign");
    let sh = |cmd: String| {
        std::process::Command::new("setsid")
            .args(["-w", "bash", "-c", &cmd])
            .output()
            .unwrap()
    };
    let o = sh(format!("'{}' seed import --network regtest --out '{}' --mnemonic-fd 3 --passphrase-fd 4 --kdf-work-factor 10 3<'{}' 4<'{}'", bin.display(), seed.display(), words.display(), pass.display()));
    assert!(o.status.success());

    let (mut attack, _) = unsigned(ScriptType::Wpkh);
    let w = attack.inputs[0].witness_utxo.as_mut().unwrap();
    w.value = Amount::from_sat(1);
    let (foreign, _) = {
        let (p, _) = unsigned(ScriptType::Wpkh);
        (p, ())
    };
    for (name, psbt, pass_fd_extra, expect) in [
        ("attack", attack, "", "witness-utxo-mismatch"),
        (
            "other-seed",
            foreign,
            " --bip39-passphrase-fd 5 5<<<'x'",
            "nothing to sign",
        ),
    ] {
        let inp = dir.path().join(format!("{name}.psbt"));
        let out = dir.path().join(format!("{name}-signed.psbt"));
        std::fs::write(
            &inp,
            bundle::encode(&psbt, Version::V0, Encoding::Base64).unwrap(),
        )
        .unwrap();
        let o = sh(format!(
            "'{}' sign --json --seed '{}' --passphrase-fd 4 --yes '{}' -o '{}'{pass_fd_extra} 4<'{}'",
            bin.display(),
            seed.display(),
            inp.display(),
            out.display(),
            pass.display()
        ));
        assert_eq!(
            o.status.code(),
            Some(3),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(expect),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!out.exists(), "{name}: output written despite refusal");
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
            panic!(
                "{name}: no JSON ({e}): {}",
                String::from_utf8_lossy(&o.stderr)
            )
        });
        assert_eq!(v["decision"], "refused");
    }
    // And the honest one signs through the CLI.
    let (honest, _) = unsigned(ScriptType::Wpkh);
    let inp = dir.path().join("honest.psbt");
    let out = dir.path().join("honest-signed.psbt");
    std::fs::write(
        &inp,
        bundle::encode(&honest, Version::V0, Encoding::Binary).unwrap(),
    )
    .unwrap();
    let o = sh(format!(
        "'{}' sign --seed '{}' --passphrase-fd 4 --yes --json '{}' -o '{}' 4<'{}'",
        bin.display(),
        seed.display(),
        inp.display(),
        out.display(),
        pass.display()
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["signed_inputs"], 2);
    let o = std::process::Command::new(&bin)
        .args(["bundle", "finalize", "--json", &out.display().to_string()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
