//! Property tests (issue 11): round trips that must be the identity for every input, signatures
//! that an independent interpreter accepts for random keys and sighash types, and the policy's
//! monotonicity. Case counts are modest so the file runs in seconds; `PROPTEST_CASES` raises
//! them for a longer run. See docs/hardening.md, "Property tests".
mod common;

use airsign::bundle::{self, create, Encoding, Version};
use airsign::policy::{file::Destinations, Action, Limits, Policy, PolicySet};
use airsign::signer::KeyChain;
use airsign::transport::assemble::Assembler;
use airsign::transport::fountain::{choose_fragments, degree_sampler};
use airsign::transport::{bbqr, ur};
use airsign::wallet::{ScriptType, WatchOnly};
use bitcoin::bip32::Xpriv;
use bitcoin::psbt::PsbtSighashType;
use bitcoin::sighash::{EcdsaSighashType, TapSighashType};
use bitcoin::{Address, Amount, Network, Psbt};
use proptest::prelude::*;
use proptest::sample::subsequence;

// ---- transport -----------------------------------------------------------------------------

/// Rank over GF(2) of the fragment sets of the parts received so far: an oracle written apart
/// from the decoder (plain bit-vector elimination), fed by the reference fragment chooser.
#[derive(Default)]
struct Rank {
    rows: Vec<Vec<u64>>,
}

impl Rank {
    /// Add a row; returns the new rank.
    fn add(&mut self, fragments: &[u32], n: u32) -> usize {
        let mut v = vec![0u64; (n as usize).div_ceil(64)];
        for f in fragments {
            v[*f as usize / 64] ^= 1 << (f % 64);
        }
        for r in &self.rows {
            let p = lowest_bit(r);
            if v[p / 64] >> (p % 64) & 1 == 1 {
                for (a, b) in v.iter_mut().zip(r) {
                    *a ^= b;
                }
            }
        }
        if v.iter().any(|w| *w != 0) {
            // Keep the basis reduced: clear the new pivot from every earlier row.
            let p = lowest_bit(&v);
            for r in &mut self.rows {
                if r[p / 64] >> (p % 64) & 1 == 1 {
                    for (a, b) in r.iter_mut().zip(&v) {
                        *a ^= b;
                    }
                }
            }
            self.rows.push(v);
        }
        self.rows.len()
    }
}

fn lowest_bit(v: &[u64]) -> usize {
    let (i, w) = v.iter().enumerate().find(|(_, w)| **w != 0).unwrap();
    i * 64 + w.trailing_zeros() as usize
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// UR: parts taken from the first 4·N of the fountain, in any order, any of them lost. The
    /// assembler completes exactly when the parts received span all N fragments (the oracle's
    /// rank reaches N: a GF(2) decoder needs nothing more) and then returns the message unchanged.
    #[test]
    fn ur_any_order_any_loss_decodes_to_the_message(
        payload in prop::collection::vec(any::<u8>(), 1..1200),
        fragment in 10usize..200,
        keep in prop::collection::vec(any::<bool>(), 1..800),
        order_seed in any::<u64>(),
        upper in any::<bool>(),
    ) {
        let enc = ur::UrEncoder::new("crypto-psbt", ur::cbor_bytes(&payload), fragment).unwrap();
        let n = enc.seq_len();
        let cbor = ur::cbor_bytes(&payload);
        let checksum = crc32fast::hash(&cbor);
        let sampler = degree_sampler(n);
        // Which of parts 1..=4N arrive, in a shuffled order.
        let mut nums: Vec<u32> = (1..=4 * n).filter(|i| keep[*i as usize % keep.len()]).collect();
        let mut rng = order_seed;
        for i in (1..nums.len()).rev() {
            rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            nums.swap(i, (rng >> 33) as usize % (i + 1));
        }
        let mut asm = Assembler::new();
        let mut rank = Rank::default();
        let mut full_at = None;
        for (k, num) in nums.iter().enumerate() {
            let text = enc.part(*num);
            let text = if upper { text.to_ascii_uppercase() } else { text };
            asm.add(&text).unwrap();
            let r = if n == 1 { 1 } else { rank.add(&choose_fragments(*num, n, checksum, &sampler), n) };
            if r == n as usize && full_at.is_none() {
                full_at = Some(k);
            }
            prop_assert_eq!(asm.payload().is_some(), full_at.is_some(),
                "after part {} of {:?} (N = {}), rank {}", k, nums, n, r);
            if full_at.is_some() {
                break;
            }
        }
        if let Some(p) = asm.payload() {
            prop_assert_eq!(&p.data, &payload);
        }
        // Every pure fragment, in any order, always completes.
        let mut pure: Vec<u32> = (1..=n).collect();
        pure.rotate_left((order_seed % u64::from(n)) as usize);
        pure.reverse();
        let mut asm = Assembler::new();
        for num in pure {
            asm.add(&enc.part(num)).unwrap();
        }
        prop_assert_eq!(&asm.payload().unwrap().data, &payload);
    }

    /// BBQr: split → join is the identity for every encoding and file type, with parts in any
    /// order (each part once; duplicates too).
    #[test]
    fn bbqr_split_join_is_identity_for_every_encoding(
        data in prop::collection::vec(any::<u8>(), 1..3000),
        encoding in prop::sample::select(vec![None, Some(bbqr::Encoding::Hex), Some(bbqr::Encoding::Base32), Some(bbqr::Encoding::Zlib)]),
        file_type in prop::sample::select(bbqr::FILE_TYPES.chars().collect::<Vec<_>>()),
        max_version in 5i16..=20,
        order in any::<prop::sample::Index>(),
        duplicate in any::<bool>(),
    ) {
        let opts = bbqr::SplitOptions { max_version, ..Default::default() };
        let split = bbqr::encode(&data, file_type, encoding, &opts).unwrap();
        if let Some(e) = encoding {
            prop_assert_eq!(split.encoding, e);
        }
        let mut parts = split.parts.clone();
        let k = order.index(parts.len());
        parts.rotate_left(k);
        if duplicate {
            let again = parts[0].clone();
            parts.insert(parts.len() / 2, again);
        }
        let mut j = bbqr::Joiner::default();
        let mut asm = Assembler::new();
        for p in &parts {
            j.add(p).unwrap();
            asm.add(p).unwrap();
        }
        prop_assert_eq!(j.finish().unwrap().unwrap(), data.clone());
        prop_assert_eq!(j.file_type(), Some(file_type));
        prop_assert_eq!(&asm.payload().unwrap().data, &data);
    }
}

// ---- PSBTs, signing and the policy ---------------------------------------------------------

fn keys_from(seed: &[u8; 32]) -> KeyChain {
    KeyChain::from_master(
        Xpriv::new_master(Network::Regtest, seed).unwrap(),
        Network::Regtest,
    )
}

/// A regtest P2WPKH address of nobody's wallet, from `n`.
fn stranger(n: u32) -> Address {
    let secp = bitcoin::secp256k1::Secp256k1::signing_only();
    let mut b = [7u8; 32];
    b[..4].copy_from_slice(&(n + 1).to_be_bytes());
    let sk = bitcoin::secp256k1::SecretKey::from_slice(&b).unwrap();
    let pk = bitcoin::CompressedPublicKey(sk.public_key(&secp));
    Address::p2wpkh(&pk, Network::Regtest)
}

/// An honest bundle of `w` paying each of `pays` to a distinct stranger, from `funds`.
fn bundle(w: &WatchOnly, funds: &[u64], pays: &[u64], rate: f64, salt: u32) -> create::Created {
    let recipients: Vec<(Address, Amount)> = pays
        .iter()
        .enumerate()
        .map(|(i, v)| (stranger(i as u32), Amount::from_sat(*v)))
        .collect();
    common::created_from(
        w,
        funds,
        &recipients,
        rate,
        salt,
        [salt as u8, (salt >> 8) as u8],
    )
}

fn script_type() -> impl Strategy<Value = ScriptType> {
    prop::sample::select(vec![
        ScriptType::Pkh,
        ScriptType::ShWpkh,
        ScriptType::Wpkh,
        ScriptType::Tr,
    ])
}

/// The previous output of every input, from its full previous transaction or witness UTXO.
fn prevouts(p: &Psbt) -> Vec<bitcoin::TxOut> {
    p.inputs
        .iter()
        .zip(&p.unsigned_tx.input)
        .map(|(i, t)| match (&i.non_witness_utxo, &i.witness_utxo) {
            (Some(tx), _) => tx.output[t.previous_output.vout as usize].clone(),
            (None, Some(w)) => w.clone(),
            _ => panic!("no previous output"),
        })
        .collect()
}

/// A policy that only checks what the test is about: fee limits out of the way.
fn bare(name: &str) -> Policy {
    Policy {
        name: name.into(),
        limits: Limits {
            max_fee_percent: 1e9,
            warn_fee_percent: 1e9,
            max_fee_sats: u64::MAX / 4,
            max_fee_rate: 1e9,
            warn_fee_rate: 1e9,
            // The review scans change indexes up to this bound for every output: the bundles
            // here use index 0, and a smaller scan keeps the cases fast.
            max_change_index: 20,
            warn_change_index: 20,
        },
        ..Policy::default()
    }
}

fn approved(p: &Psbt, keys: &KeyChain, policy: &PolicySet) -> (bool, Vec<&'static str>) {
    let r = bundle::Reviewed::new(p.clone(), keys, &policy.review_options());
    let v = policy.evaluate(r.review());
    (v.approved(), v.refuse.iter().map(|x| x.code).collect())
}

/// Move `sats` from output `from` to output `to` (the change), keeping the fee.
fn shift(p: &mut Psbt, from: usize, to: usize, sats: u64) {
    let o = &mut p.unsigned_tx.output;
    o[from].value -= Amount::from_sat(sats);
    o[to].value += Amount::from_sat(sats);
}

/// Remove output `j`, giving its value to the change output `change`; returns the new change
/// index.
fn remove_output(p: &mut Psbt, j: usize, change: usize) -> usize {
    let v = p.unsigned_tx.output[j].value.to_sat();
    shift(p, j, change, v);
    p.unsigned_tx.output.remove(j);
    p.outputs.remove(j);
    if j < change {
        change - 1
    } else {
        change
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// PSBT v0 and v2 (airsign's own BIP370 code): serialize → parse gives the same PSBT and
    /// version, and parse → serialize gives the same bytes, in every encoding.
    #[test]
    fn psbt_v0_and_v2_round_trip(
        seed in any::<[u8; 32]>(),
        script in script_type(),
        funds in prop::collection::vec(20_000u64..2_000_000, 1..4),
        pays in prop::collection::vec(1_000u64..10_000, 1..4),
        rate in 1.0f64..30.0,
        salt in any::<u32>(),
        signed in any::<bool>(),
    ) {
        let keys = keys_from(&seed);
        let w = common::wallet_of(&keys, script);
        let mut psbt = bundle(&w, &funds, &pays, rate, salt).psbt;
        if signed {
            let policy: PolicySet = bare("sign").into();
            let r = bundle::Reviewed::new(psbt.clone(), &keys, &policy.review_options());
            let o = airsign::session::decide(&r, &policy, &keys, &mut |_, _| Ok(true), Default::default()).unwrap();
            psbt = o.into_signed().unwrap().0;
        }
        for version in [Version::V0, Version::V2] {
            for encoding in [Encoding::Binary, Encoding::Base64, Encoding::Hex] {
                let bytes = bundle::encode(&psbt, version, encoding).unwrap();
                let (back, v, e) = bundle::decode(&bytes).unwrap();
                prop_assert_eq!(&back, &psbt);
                prop_assert_eq!(v, version);
                prop_assert_eq!(e, encoding);
                prop_assert_eq!(bundle::encode(&back, v, e).unwrap(), bytes);
            }
        }
        // v2 → v0 → v2 through the raw converters gives the same bytes.
        let v2 = bundle::encode(&psbt, Version::V2, Encoding::Binary).unwrap();
        let v0 = bundle::v2::v2_to_v0(&v2).unwrap();
        prop_assert_eq!(bundle::v2::v0_to_v2(&v0, &psbt.unsigned_tx).unwrap(), v2);
    }

    /// Sign → verify for random keys, script types and sighash types: every signature made is
    /// accepted by k256 (verify-after-sign) and by Bitcoin Core's script interpreter on the
    /// finalized transaction, and a one-bit change to any signature is caught by the verifier.
    #[test]
    fn sign_then_verify_for_random_keys_and_sighashes(
        seed in any::<[u8; 32]>(),
        script in script_type(),
        funds in prop::collection::vec(50_000u64..2_000_000, 1..3),
        pay in 1_000u64..20_000,
        rate in 1.0f64..20.0,
        salt in any::<u32>(),
        sighash in 0usize..6,
        flip in any::<prop::sample::Index>(),
    ) {
        let keys = keys_from(&seed);
        let w = common::wallet_of(&keys, script);
        let created = bundle(&w, &funds, &[pay], rate, salt);
        let mut psbt = created.psbt;
        let ecdsa = [
            EcdsaSighashType::All,
            EcdsaSighashType::None,
            EcdsaSighashType::Single,
            EcdsaSighashType::AllPlusAnyoneCanPay,
            EcdsaSighashType::NonePlusAnyoneCanPay,
            EcdsaSighashType::SinglePlusAnyoneCanPay,
        ][sighash];
        let tap = [
            TapSighashType::Default,
            TapSighashType::None,
            TapSighashType::Single,
            TapSighashType::AllPlusAnyoneCanPay,
            TapSighashType::NonePlusAnyoneCanPay,
            TapSighashType::SinglePlusAnyoneCanPay,
        ][sighash];
        // SIGHASH_SINGLE needs an output at each input's index.
        prop_assume!(!matches!(sighash, 2 | 5) || psbt.inputs.len() <= psbt.unsigned_tx.output.len());
        for i in &mut psbt.inputs {
            i.sighash_type = Some(if script == ScriptType::Tr {
                PsbtSighashType::from(tap)
            } else {
                PsbtSighashType::from(ecdsa)
            });
        }
        let mut rule = bare("sighash");
        rule.actions.insert("sighash-not-all".into(), Action::Accept);
        let policy: PolicySet = rule.into();
        let reviewed = bundle::Reviewed::new(psbt, &keys, &policy.review_options());
        let outcome = airsign::session::decide(
            &reviewed, &policy, &keys, &mut |_, _| Ok(true),
            airsign::signer::SignOptions { deterministic: salt % 2 == 0, only_paths: None },
        ).unwrap();
        let refused: Vec<_> = outcome.verdict.refuse.iter().map(|r| r.code).collect();
        let (signed, report) = outcome.into_signed().map_err(|e| TestCaseError::fail(format!("{e} {refused:?}")))?;
        prop_assert_eq!(report.inputs_signed(), signed.inputs.len());
        airsign::signer::verify::verify_signatures(&signed, &report.signatures).unwrap();

        // Bitcoin Core's interpreter on the finalized transaction.
        let prev = prevouts(&signed);
        let tx = bundle::finalize::finalize(&mut signed.clone()).unwrap();
        common::consensus_check(&tx, &prev);

        // One bit of one signature changed: k256 must say no.
        let mut bad = signed.clone();
        let i = flip.index(bad.inputs.len());
        if let Some(sig) = bad.inputs[i].tap_key_sig.as_mut() {
            let mut b = sig.signature.serialize();
            b[(salt % 64) as usize] ^= 1 << (salt % 8);
            match bitcoin::secp256k1::schnorr::Signature::from_slice(&b) {
                Ok(s) => sig.signature = s,
                Err(_) => return Ok(()),
            }
        } else {
            let (_, sig) = bad.inputs[i].partial_sigs.iter_mut().next().unwrap();
            let mut c = sig.signature.serialize_compact();
            c[(salt % 64) as usize] ^= 1 << (salt % 8);
            match bitcoin::secp256k1::ecdsa::Signature::from_compact(&c) {
                Ok(s) => sig.signature = s,
                Err(_) => return Ok(()),
            }
        }
        prop_assert!(airsign::signer::verify::verify_signatures(&bad, &report.signatures).is_err());
    }

}

proptest! {
    // Each case builds a bundle and reviews it three times (change re-derivation included).
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// A spend cap (max_spend_per_tx) is monotone: paying less — an output removed or an
    /// amount lowered, the difference going back to change so the fee stays — never turns an
    /// approval into a refusal.
    #[test]
    fn cap_rule_less_spending_never_refuses_what_was_approved(
        seed in any::<[u8; 32]>(),
        script in script_type(),
        pays in prop::collection::vec(1_000u64..200_000, 1..5),
        cap in 0u64..700_000,
        salt in any::<u32>(),
        pick in any::<prop::sample::Index>(),
        lower in 1u64..1_000,
    ) {
        let keys = keys_from(&seed);
        let w = common::wallet_of(&keys, script);
        let total: u64 = pays.iter().sum();
        let created = bundle(&w, &[total + 500_000], &pays, 2.0, salt);
        let Some((change, _)) = created.change else { return Ok(()) };
        let psbt = created.psbt;
        let mut rule = bare("cap");
        rule.max_spend = Some(cap);
        let policy: PolicySet = rule.into();
        let (before, why) = approved(&psbt, &keys, &policy);
        let payees: Vec<usize> = (0..psbt.unsigned_tx.output.len()).filter(|i| *i != change).collect();
        let j = payees[pick.index(payees.len())];

        let mut lowered = psbt.clone();
        let cut = lower.min(lowered.unsigned_tx.output[j].value.to_sat() - 546);
        shift(&mut lowered, j, change, cut);
        let (after_lower, why_lower) = approved(&lowered, &keys, &policy);

        let mut removed = psbt.clone();
        let (after_remove, why_remove) = if payees.len() > 1 {
            remove_output(&mut removed, j, change);
            approved(&removed, &keys, &policy)
        } else {
            (before, why.clone())
        };
        if before {
            prop_assert!(after_lower, "lowering output {} by {} refused: {:?}", j, cut, why_lower);
            prop_assert!(after_remove, "removing output {} refused: {:?}", j, why_remove);
        }
        // And the cap does decide: a cap under the spend refuses with its own code.
        if !before {
            prop_assert!(why.contains(&"max-spend-per-tx"), "{:?}", why);
        }
    }

    /// A destination allowlist: adding an output never turns a refusal into an approval (so
    /// removing one never turns an approval into a refusal), and amounts do not move its verdict.
    #[test]
    fn allowlist_rule_is_monotone_in_outputs_and_blind_to_amounts(
        seed in any::<[u8; 32]>(),
        script in script_type(),
        pays in prop::collection::vec(1_000u64..200_000, 2..6),
        allowed in subsequence((0u32..6).collect::<Vec<_>>(), 0..=6),
        salt in any::<u32>(),
        pick in any::<prop::sample::Index>(),
        lower in 1u64..1_000,
    ) {
        let keys = keys_from(&seed);
        let w = common::wallet_of(&keys, script);
        let total: u64 = pays.iter().sum();
        let created = bundle(&w, &[total + 500_000], &pays, 2.0, salt);
        let Some((change, _)) = created.change else { return Ok(()) };
        let full = created.psbt;
        let scripts = allowed.iter().map(|i| stranger(*i).script_pubkey()).collect();
        let mut rule = bare("allowlist");
        rule.destinations = Some(Destinations {
            written: allowed.iter().map(|i| stranger(*i).to_string()).collect(),
            scripts,
        });
        let policy: PolicySet = rule.into();
        let payees: Vec<usize> = (0..full.unsigned_tx.output.len()).filter(|i| *i != change).collect();
        let j = payees[pick.index(payees.len())];
        // `fewer` is `full` without output j (added back, it is `full`).
        let mut fewer = full.clone();
        remove_output(&mut fewer, j, change);
        let (with, why_with) = approved(&full, &keys, &policy);
        let (without, why_without) = approved(&fewer, &keys, &policy);
        prop_assert!(!with || without,
            "adding output {} turned a refusal {:?} into an approval", j, why_without);
        let _ = why_with;
        // The verdict is the same when an amount changes.
        let mut lowered = full.clone();
        let cut = lower.min(lowered.unsigned_tx.output[j].value.to_sat() - 546);
        shift(&mut lowered, j, change, cut);
        prop_assert_eq!(approved(&lowered, &keys, &policy).0, with);
        // And the list decides: approved exactly when every payee is on it.
        let all_listed = payees.iter().all(|i| allowed.iter().any(|a| stranger(*a).script_pubkey() == full.unsigned_tx.output[*i].script_pubkey));
        prop_assert_eq!(with, all_listed, "{:?}", why_with);
    }
}
