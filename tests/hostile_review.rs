//! Regression tests for the adversarial review of issue 7 §4: each is named after an attack a
//! hostile online machine can try, and each shows the attack refused (or shown for what it is).
mod common;

use std::time::{Duration, Instant};

use airsign::bundle::review::{OutputKind, Review, MAX_MONEY};
use airsign::bundle::{self, KeySource, ReviewOptions};
use airsign::policy::{self, Policy};
use airsign::signer::KeyChain;
use airsign::wallet::{ScriptType, WatchOnly};
use bitcoin::bip32::DerivationPath;
use bitcoin::{Amount, OutPoint, Psbt, ScriptBuf, TxOut};

fn keys() -> KeyChain {
    common::test_keys()
}

fn wallet(k: &KeyChain) -> WatchOnly {
    common::wallet_of(k, ScriptType::Wpkh)
}

/// An honest P2WPKH bundle: `funds` to our receive addresses, `pay` to a stranger at `rate`.
fn bundle_with(funds: &[u64], pay: u64, rate: f64) -> (Psbt, KeyChain) {
    let k = keys();
    (common::bundle_from(&wallet(&k), funds, pay, rate, 9), k)
}

fn honest() -> (Psbt, KeyChain) {
    bundle_with(&[200_000, 300_000], 400_000, 2.0)
}

fn review(p: &Psbt, k: &KeyChain) -> Review {
    bundle::review(p, k, &ReviewOptions::default())
}

fn refusals(p: &Psbt, k: &KeyChain, policy: &Policy) -> Vec<&'static str> {
    let r = bundle::review(p, k, &policy.review_options());
    policy::evaluate(&r, policy)
        .refuse
        .iter()
        .map(|r| r.code)
        .collect()
}

fn warnings(p: &Psbt, k: &KeyChain) -> Vec<&'static str> {
    policy::evaluate(&review(p, k), &Policy::default())
        .warnings
        .iter()
        .map(|r| r.code)
        .collect()
}

fn change_index(p: &Psbt) -> usize {
    p.outputs
        .iter()
        .position(|o| !o.bip32_derivation.is_empty())
        .expect("a change output")
}

/// Move the change output to our own key at `path` (script re-derived, so it really is ours).
fn move_change(p: &mut Psbt, k: &KeyChain, path: &str) -> usize {
    let c = change_index(p);
    let path: DerivationPath = path.parse().unwrap();
    let pk = k.public_key(&path).unwrap();
    let cpk = bitcoin::CompressedPublicKey(pk);
    p.unsigned_tx.output[c].script_pubkey = ScriptBuf::new_p2wpkh(&cpk.wpubkey_hash());
    p.outputs[c].bip32_derivation = [(pk, (k.fingerprint(), path))].into();
    c
}

/// Make the stranger's output pay our own P2WPKH key at `path` instead; returns its index.
fn pay_own_key(p: &mut Psbt, k: &KeyChain, path: &str) -> usize {
    let payee = p
        .unsigned_tx
        .output
        .iter()
        .position(|o| o.script_pubkey == common::payee().script_pubkey())
        .unwrap();
    let path: DerivationPath = path.parse().unwrap();
    let pk = k.public_key(&path).unwrap();
    p.unsigned_tx.output[payee].script_pubkey =
        ScriptBuf::new_p2wpkh(&bitcoin::CompressedPublicKey(pk).wpubkey_hash());
    p.outputs[payee].bip32_derivation = [(pk, (k.fingerprint(), path))].into();
    payee
}

#[test]
fn honest_bundle_has_no_refusal_and_its_change_is_change() {
    let (p, k) = honest();
    assert!(refusals(&p, &k, &Policy::default()).is_empty());
    let r = review(&p, &k);
    assert!(matches!(
        r.outputs[change_index(&p)].kind,
        OutputKind::Change { .. }
    ));
    assert_eq!(r.leaving, 400_000);
}

#[test]
fn change_under_a_nonstandard_account_path_is_not_change() {
    // Coldcard's "troublesome change": a path under our account that no wallet scans.
    let (mut p, k) = honest();
    let c = move_change(&mut p, &k, "m/84'/1'/0'/7/7/1/0");
    let r = review(&p, &k);
    assert!(matches!(
        r.outputs[c].kind,
        OutputKind::OwnKeyOffBranch { .. }
    ));
    assert_eq!(r.change, 0, "it must count as leaving the wallet");
    assert!(refusals(&p, &k, &Policy::default()).contains(&"own-key-off-branch"));
}

#[test]
fn change_at_index_9999_is_not_change() {
    let (mut p, k) = honest();
    let c = move_change(&mut p, &k, "m/84'/1'/0'/1/9999");
    let r = review(&p, &k);
    assert!(matches!(
        r.outputs[c].kind,
        OutputKind::OwnKeyOffBranch { .. }
    ));
    assert!(r.outputs[c].note.as_deref().unwrap().contains("9999"));
    assert!(refusals(&p, &k, &Policy::default()).contains(&"own-key-off-branch"));
    // A policy that believes a larger bound accepts it as change.
    let mut generous = Policy::default();
    generous.limits.max_change_index = 10_000;
    assert!(refusals(&p, &k, &generous).is_empty());
}

#[test]
fn change_at_index_150_is_change_with_a_warning() {
    let (mut p, k) = honest();
    let c = move_change(&mut p, &k, "m/84'/1'/0'/1/150");
    assert!(matches!(
        review(&p, &k).outputs[c].kind,
        OutputKind::Change { .. }
    ));
    assert!(refusals(&p, &k, &Policy::default()).is_empty());
    assert!(warnings(&p, &k).contains(&"change-index-high"));
}

#[test]
fn change_to_another_accounts_change_branch_is_not_change() {
    let (mut p, k) = honest();
    let c = move_change(&mut p, &k, "m/84'/1'/5'/1/0");
    assert!(matches!(
        review(&p, &k).outputs[c].kind,
        OutputKind::OwnKeyOffBranch { .. }
    ));
    assert!(refusals(&p, &k, &Policy::default()).contains(&"own-key-off-branch"));
}

#[test]
fn change_on_a_third_branch_is_not_change() {
    let (mut p, k) = honest();
    move_change(&mut p, &k, "m/84'/1'/0'/2/0");
    assert!(refusals(&p, &k, &Policy::default()).contains(&"own-key-off-branch"));
}

#[test]
fn fee_of_900k_sat_at_6383_sat_per_vb_is_refused_though_under_one_percent() {
    // 100 BTC in, 90 BTC out: the fee is under 1 % of the amount sent and under the absolute cap.
    let (p, k) = bundle_with(&[10_000_000_000], 9_000_000_000, 6383.0);
    let r = review(&p, &k);
    let fee = r.fee.unwrap();
    assert!((800_000..1_000_000).contains(&fee), "fee {fee}");
    assert!(r.fee_rate.unwrap() > 6000.0);
    let codes = refusals(&p, &k, &Policy::default());
    assert_eq!(codes, vec!["fee-rate"], "only the rate limit refuses");
    // The hint names the limit and how to change it, not a compromise.
    let v = policy::evaluate(&r, &Policy::default());
    let hint = policy::Refusal { reasons: v.refuse }.hint();
    assert!(hint.contains("--max-fee-rate"), "{hint}");
    assert!(!hint.contains("compromised"), "{hint}");
}

#[test]
fn fee_rate_above_100_sat_per_vb_warns() {
    let (p, k) = bundle_with(&[10_000_000_000], 9_000_000_000, 150.0);
    assert!(refusals(&p, &k, &Policy::default()).is_empty());
    assert!(warnings(&p, &k).contains(&"fee-rate"));
}

#[test]
fn self_transfer_is_measured_and_named() {
    // Pay one of our own receive addresses: nothing leaves the wallet.
    let (mut p, k) = honest();
    let w = wallet(&k);
    let payee = p
        .unsigned_tx
        .output
        .iter()
        .position(|o| o.script_pubkey == common::payee().script_pubkey())
        .unwrap();
    let path: DerivationPath = "m/84'/1'/0'/0/7".parse().unwrap();
    p.unsigned_tx.output[payee].script_pubkey = w.address(false, 7).unwrap().script_pubkey();
    p.outputs[payee].bip32_derivation =
        [(k.public_key(&path).unwrap(), (k.fingerprint(), path))].into();
    let r = review(&p, &k);
    assert!(matches!(
        r.outputs[payee].kind,
        OutputKind::OwnReceive { .. }
    ));
    assert_eq!(r.leaving, 0);
    assert_eq!(r.to_own_addresses, 400_000);
    assert_eq!(r.sent, 400_000);
}

#[test]
fn output_above_21_million_btc_is_refused() {
    let (mut p, k) = honest();
    p.unsigned_tx.output[0].value = Amount::from_sat(MAX_MONEY + 1);
    let codes = refusals(&p, &k, &Policy::default());
    assert!(codes.contains(&"amount-out-of-range"), "{codes:?}");
}

#[test]
fn output_of_2_pow_64_minus_1000_does_not_wrap_into_a_small_fee() {
    let (mut p, k) = honest();
    p.unsigned_tx.output[0].value = Amount::from_sat(u64::MAX - 1000);
    let r = review(&p, &k);
    assert_eq!(r.fee, None, "no fee may be shown");
    assert_eq!(r.total_out, None);
    assert!(refusals(&p, &k, &Policy::default()).contains(&"amount-out-of-range"));
}

#[test]
fn outputs_summing_past_21_million_btc_are_refused() {
    let (mut p, k) = honest();
    let half = MAX_MONEY / 2 + 1;
    for o in &mut p.unsigned_tx.output {
        o.value = Amount::from_sat(half);
    }
    assert!(refusals(&p, &k, &Policy::default()).contains(&"amount-out-of-range"));
}

#[test]
fn op_return_carrying_value_is_refused() {
    let (mut p, k) = honest();
    let data = ScriptBuf::new_op_return([0x61u8; 8]);
    p.unsigned_tx.output.push(TxOut {
        value: Amount::from_sat(1_000),
        script_pubkey: data,
    });
    p.outputs.push(Default::default());
    assert!(refusals(&p, &k, &Policy::default()).contains(&"op-return-value"));
}

#[test]
fn op_return_without_value_is_only_a_warning() {
    let (mut p, k) = honest();
    p.unsigned_tx.output.push(TxOut {
        value: Amount::ZERO,
        script_pubkey: ScriptBuf::new_op_return([0x61u8; 8]),
    });
    p.outputs.push(Default::default());
    assert!(refusals(&p, &k, &Policy::default()).is_empty());
    assert!(warnings(&p, &k).contains(&"op-return"));
}

#[test]
fn underclaimed_foreign_input_makes_the_fee_unknown_even_with_foreign_inputs_allowed() {
    let (mut p, k) = honest();
    // A foreign segwit input that claims 1 sat: our ECDSA signatures would not commit to it.
    p.unsigned_tx.input.push(bitcoin::TxIn {
        previous_output: OutPoint {
            txid: bitcoin::Txid::from_raw_hash(bitcoin::hashes::Hash::all_zeros()),
            vout: 3,
        },
        ..Default::default()
    });
    p.inputs.push(bitcoin::psbt::Input {
        witness_utxo: Some(TxOut {
            value: Amount::from_sat(1),
            script_pubkey: common::payee().script_pubkey(),
        }),
        ..Default::default()
    });
    let r = review(&p, &k);
    assert_eq!(r.fee, None);
    let policy = Policy {
        allow_foreign_inputs: true,
        ..Policy::default()
    };
    let codes = refusals(&p, &k, &policy);
    assert_eq!(codes, vec!["fee-unknown"], "{codes:?}");
}

/// A raw PSBT map entry.
fn entry(out: &mut Vec<u8>, key: &[u8], value: &[u8]) {
    use bitcoin::consensus::Encodable;
    bitcoin::VarInt(key.len() as u64)
        .consensus_encode(out)
        .unwrap();
    out.extend_from_slice(key);
    bitcoin::VarInt(value.len() as u64)
        .consensus_encode(out)
        .unwrap();
    out.extend_from_slice(value);
}

#[test]
fn a_600_kb_psbt_with_100000_unknown_global_keys_is_rejected_quickly() {
    let (p, _) = honest();
    let honest_bytes = p.serialize();
    // Rebuild: the global map with 100,000 extra unknown keys, then the rest unchanged.
    let tx = bitcoin::consensus::encode::serialize(&p.unsigned_tx);
    let mut b = b"psbt\xff".to_vec();
    entry(&mut b, &[0x00], &tx);
    for i in 0u32..100_000 {
        let mut key = vec![0xf0];
        key.extend_from_slice(&i.to_le_bytes());
        entry(&mut b, &key, &[]);
    }
    b.push(0);
    // Inputs and outputs maps of the honest PSBT follow its global map.
    let global_len = {
        let mut g = b"psbt\xff".to_vec();
        entry(&mut g, &[0x00], &tx);
        g.push(0);
        g.len()
    };
    b.extend_from_slice(&honest_bytes[global_len..]);
    assert!(b.len() > 600_000);
    let t = Instant::now();
    let r = bundle::decode(&b);
    let took = t.elapsed();
    assert!(r.is_err(), "a map of 100,000 entries is refused");
    // Was minutes with a linear scan per key; generous for a loaded debug build.
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[test]
fn a_map_just_under_the_entry_limit_parses_in_linear_time() {
    let (p, _) = honest();
    let honest_bytes = p.serialize();
    let tx = bitcoin::consensus::encode::serialize(&p.unsigned_tx);
    let mut g = b"psbt\xff".to_vec();
    entry(&mut g, &[0x00], &tx);
    g.push(0);
    let mut b = b"psbt\xff".to_vec();
    entry(&mut b, &[0x00], &tx);
    for i in 0u32..9_000 {
        let mut key = vec![0xf0];
        key.extend_from_slice(&i.to_le_bytes());
        entry(&mut b, &key, &[]);
    }
    b.push(0);
    b.extend_from_slice(&honest_bytes[g.len()..]);
    let t = Instant::now();
    let (parsed, _, _) = bundle::decode(&b).expect("under the limit parses");
    assert_eq!(parsed.unknown.len(), 9_000);
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "took {:?}",
        t.elapsed()
    );
}

#[test]
fn claimed_paths_255_steps_deep_are_not_derived() {
    let (mut p, k) = honest();
    let deep: DerivationPath = (0..255)
        .map(|i| bitcoin::bip32::ChildNumber::Normal { index: i })
        .collect::<Vec<_>>()
        .into();
    let c = change_index(&p);
    // Many outputs' worth of deep claims on one output, each with our fingerprint.
    let pk = *p.outputs[c].bip32_derivation.keys().next().unwrap();
    p.outputs[c].bip32_derivation = [(pk, (k.fingerprint(), deep.clone()))].into();
    for (i, input) in p.inputs.iter_mut().enumerate() {
        let mut d = deep.clone();
        d = d.child(bitcoin::bip32::ChildNumber::Normal { index: i as u32 });
        let some_pk = *input.bip32_derivation.keys().next().unwrap();
        input.bip32_derivation.insert(some_pk, (k.fingerprint(), d));
    }
    let t = Instant::now();
    let r = review(&p, &k);
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "took {:?}",
        t.elapsed()
    );
    assert!(r.has_fact("path-too-deep"));
    assert!(matches!(r.outputs[c].kind, OutputKind::External));
}

// Found by the adversarial review of the built binary (issue 7, closing pass).

#[test]
fn a_transaction_heavier_than_nodes_relay_is_refused_before_signing() {
    // Legacy sighashes hash the whole transaction per input: thousands of P2PKH inputs made the
    // signer work for minutes on a transaction no node would relay. Any weight above the
    // standard limit is refused by the review, before the signer runs.
    let (mut p, k) = honest();
    for _ in 0..4_000 {
        p.unsigned_tx.output.push(TxOut {
            value: Amount::ZERO,
            script_pubkey: common::payee().script_pubkey(),
        });
        p.outputs.push(Default::default());
    }
    let r = review(&p, &k);
    assert!(r.weight.unwrap() > 400_000);
    assert!(refusals(&p, &k, &Policy::default()).contains(&"tx-nonstandard-weight"));
    for _ in 0..30_000 {
        p.unsigned_tx.output.push(TxOut {
            value: Amount::ZERO,
            script_pubkey: common::payee().script_pubkey(),
        });
        p.outputs.push(Default::default());
    }
    assert!(refusals(&p, &k, &Policy::default()).contains(&"tx-too-large"));
}

#[test]
fn a_relative_timelock_hidden_in_nsequence_is_shown() {
    let (mut p, k) = honest();
    p.unsigned_tx.input[0].sequence = bitcoin::Sequence(0x0000_ffff);
    assert!(warnings(&p, &k).contains(&"relative-timelock"));
    let (mut p, k) = honest();
    p.unsigned_tx.input[0].sequence = bitcoin::Sequence(0x0040_ffff);
    assert!(warnings(&p, &k).contains(&"relative-timelock"));
    // The ordinary RBF sequence is no timelock.
    let (p, k) = honest();
    assert!(!warnings(&p, &k).contains(&"relative-timelock"));
}

#[test]
fn a_self_transfer_to_an_account_not_spent_from_counts_as_leaving() {
    let (mut p, k) = honest();
    let payee = pay_own_key(&mut p, &k, "m/84'/1'/2147483647'/0/999");
    let r = review(&p, &k);
    assert_eq!(r.outputs[payee].kind, OutputKind::External);
    assert_eq!(r.leaving, 400_000);
    assert_eq!(r.to_own_addresses, 0);
    assert!(warnings(&p, &k).contains(&"own-key-other-account"));
}

#[test]
fn a_self_transfer_far_down_the_receive_chain_warns() {
    let (mut p, k) = honest();
    let payee = pay_own_key(&mut p, &k, "m/84'/1'/0'/0/1000");
    assert!(matches!(
        review(&p, &k).outputs[payee].kind,
        OutputKind::OwnReceive { .. }
    ));
    assert!(warnings(&p, &k).contains(&"receive-index-high"));
}

#[test]
fn a_witness_utxo_with_another_script_is_named_for_what_it_is() {
    let (mut p, k) = honest();
    let w = p.inputs[0].witness_utxo.as_mut().unwrap();
    w.script_pubkey = common::payee().script_pubkey();
    let r = review(&p, &k);
    let m = r
        .integrity
        .iter()
        .find(|f| f.code == "witness-utxo-mismatch")
        .unwrap();
    assert!(m.message.contains("another script"), "{}", m.message);
    assert!(!r.integrity.iter().any(|f| f.code == "missing-utxo"));
}

#[test]
fn a_nonstandard_transaction_version_is_shown() {
    let (mut p, k) = honest();
    p.unsigned_tx.version = bitcoin::transaction::Version(-1);
    assert!(warnings(&p, &k).contains(&"nonstandard-version"));
}

#[test]
fn a_dust_output_and_an_address_paid_twice_are_shown() {
    let (mut p, k) = honest();
    p.unsigned_tx.output.push(TxOut {
        value: Amount::from_sat(1),
        script_pubkey: common::payee().script_pubkey(),
    });
    p.outputs.push(Default::default());
    let w = warnings(&p, &k);
    assert!(w.contains(&"dust-output"), "{w:?}");
    assert!(w.contains(&"same-script-twice"), "{w:?}");
    let (p, k) = honest();
    let w = warnings(&p, &k);
    assert!(!w.contains(&"dust-output") && !w.contains(&"same-script-twice"));
}

/// Adversarial review (issue 12): 500 key-origin records per input claiming our fingerprint at
/// random 8-step paths made the review derive every one (8 s for 40 inputs, minutes within the
/// input size limit) and print 20,000 lines. Over 64 on one input or output, none is derived and
/// the bundle is refused as written by a compromised machine.
#[test]
fn attack_flood_of_key_origin_claims_is_refused_without_deriving_them() {
    let (mut p, k) = honest();
    let ours = k.fingerprint();
    let real = p.inputs[0].bip32_derivation.clone();
    let secp = bitcoin::secp256k1::Secp256k1::signing_only();
    let flood = |n: u32| {
        let secp = secp.clone();
        (0..n).map(move |j| {
            let path: DerivationPath = format!("m/84'/1'/0'/7/{j}/1/2/3").parse().unwrap();
            let sk = bitcoin::secp256k1::SecretKey::from_slice(&[(j % 200 + 1) as u8; 32]).unwrap();
            let pk = sk.public_key(&secp);
            (pk, (ours, path))
        })
    };
    // At the limit nothing changes but bad-derivation for the bogus records.
    p.inputs[0].bip32_derivation.extend(flood(63));
    let r = refusals(&p, &k, &Policy::default());
    assert!(!r.contains(&"too-many-claims"), "{r:?}");
    // Over it, on an input and on an output: refused, quickly.
    p.inputs[0].bip32_derivation = real;
    p.inputs[0].bip32_derivation.extend(flood(500));
    p.outputs[0].bip32_derivation.extend(flood(500));
    let t = Instant::now();
    let r = refusals(&p, &k, &Policy::default());
    assert!(r.contains(&"too-many-claims"), "{r:?}");
    assert!(!r.contains(&"bad-derivation"), "nothing was derived: {r:?}");
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    let text = review(&p, &k);
    assert!(text.integrity.len() <= 4, "{:?}", text.integrity);
}
