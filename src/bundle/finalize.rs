//! Finalize with miniscript (it builds each scriptSig/witness from the signatures and the scripts)
//! and extract with miniscript's interpreter check of every input.
use bitcoin::secp256k1::Secp256k1;
use bitcoin::{Psbt, Transaction};
use miniscript::psbt::PsbtExt;

use super::BundleError;

/// miniscript 13.2 indexes `non_witness_utxo.output[vout]` without a bounds check and panics on
/// a hostile PSBT (found by tests/hostile_inputs.rs): check the previous outputs first.
fn check_prevouts(psbt: &Psbt) -> Result<(), BundleError> {
    if psbt.inputs.len() != psbt.unsigned_tx.input.len() {
        return Err(BundleError::Invalid(
            "input maps and transaction inputs differ in number".into(),
        ));
    }
    for (input, (txin, inp)) in psbt.unsigned_tx.input.iter().zip(&psbt.inputs).enumerate() {
        if inp.witness_utxo.is_some() {
            continue;
        }
        let Some(prev) = &inp.non_witness_utxo else {
            return Err(BundleError::Finalize {
                input,
                reason: "no previous output (witness_utxo or non_witness_utxo)".into(),
            });
        };
        if prev.compute_txid() != txin.previous_output.txid
            || prev.output.len() <= txin.previous_output.vout as usize
        {
            return Err(BundleError::Finalize {
                input,
                reason: "the previous transaction does not contain the output spent".into(),
            });
        }
    }
    Ok(())
}

/// A multisig input short of its threshold, said in words: "2 of 3 signatures present
/// (a63dbf9c, 55670d62); need 1 more", never the finalizer's error.
fn check_thresholds(psbt: &Psbt) -> Result<(), BundleError> {
    for (input, inp) in psbt.inputs.iter().enumerate() {
        if inp.final_script_witness.is_some() || inp.final_script_sig.is_some() {
            continue;
        }
        if let Some(e) = tap_threshold(input, inp) {
            return Err(e);
        }
        let script = inp.witness_script.as_ref().or(inp.redeem_script.as_ref());
        let Some((m, n)) = script.and_then(|s| multisig_m_n(s)) else {
            continue;
        };
        let signers: Vec<String> = inp
            .partial_sigs
            .keys()
            .map(|pk| match inp.bip32_derivation.get(&pk.inner) {
                Some((fp, _)) => fp.to_string(),
                None => format!("key {}", &pk.to_string()[..16]),
            })
            .collect();
        let have = signers.len() as u32;
        if have < m {
            return Err(BundleError::Threshold {
                input,
                have,
                m,
                n,
                signers: signers.join(", "),
            });
        }
    }
    Ok(())
}

/// A taproot input whose only leaves are `multi_a` scripts, none with enough signatures: said
/// in words, as for CHECKMULTISIG (the leaf with the most signatures is named).
fn tap_threshold(input: usize, inp: &bitcoin::psbt::Input) -> Option<BundleError> {
    if inp.tap_scripts.is_empty() || inp.tap_key_sig.is_some() {
        return None;
    }
    let mut best: Option<(u32, u32, Vec<String>)> = None;
    for (script, ver) in inp.tap_scripts.values() {
        let (m, n) = multi_a_m_n(script)?;
        let leaf = bitcoin::TapLeafHash::from_script(script, *ver);
        let signers: Vec<String> = inp
            .tap_script_sigs
            .keys()
            .filter(|(_, l)| *l == leaf)
            .map(|(x, _)| match inp.tap_key_origins.get(x) {
                Some((_, (fp, _))) => fp.to_string(),
                None => format!("key {}", &x.to_string()[..16]),
            })
            .collect();
        if signers.len() as u32 >= m {
            return None;
        }
        if best.as_ref().is_none_or(|b| signers.len() > b.2.len()) {
            best = Some((m, n, signers));
        }
    }
    let (m, n, signers) = best?;
    Some(BundleError::Threshold {
        input,
        have: signers.len() as u32,
        m,
        n,
        signers: signers.join(", "),
    })
}

/// `m` and `n` of a tapscript `multi_a`: `<k1> CHECKSIG <k2> CHECKSIGADD … <m> NUMEQUAL`.
pub fn multi_a_m_n(script: &bitcoin::Script) -> Option<(u32, u32)> {
    use bitcoin::opcodes::all::{OP_CHECKSIG, OP_CHECKSIGADD, OP_NUMEQUAL};
    use bitcoin::script::Instruction;
    let ins: Vec<Instruction> = script.instructions().collect::<Result<_, _>>().ok()?;
    let (last, rest) = ins.split_last()?;
    if *last != Instruction::Op(OP_NUMEQUAL) {
        return None;
    }
    let (m_ins, keys) = rest.split_last()?;
    let m = match m_ins {
        Instruction::Op(op) if (0x51..=0x60).contains(&op.to_u8()) => u32::from(op.to_u8()) - 0x50,
        Instruction::PushBytes(b) if b.len() == 1 => u32::from(b.as_bytes()[0]),
        _ => return None,
    };
    let n = keys
        .iter()
        .filter(|i| matches!(i, Instruction::Op(op) if *op == OP_CHECKSIG || *op == OP_CHECKSIGADD))
        .count() as u32;
    (n > 0 && m <= n).then_some((m, n))
}

/// `m` and `n` of an `OP_m <keys> OP_n OP_CHECKMULTISIG` script.
pub fn multisig_m_n(script: &bitcoin::Script) -> Option<(u32, u32)> {
    match script.as_bytes() {
        [first, .., n_op, 0xae]
            if (0x51..=0x60).contains(first) && (0x51..=0x60).contains(n_op) =>
        {
            Some((u32::from(*first) - 0x50, u32::from(*n_op) - 0x50))
        }
        _ => None,
    }
}

/// Both copies give a value, and not the same one.
fn conflict<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> bool {
    matches!((a, b), (Some(x), Some(y)) if x != y)
}

/// Merge signatures from PSBTs of the same unsigned transaction (signers who signed in parallel).
/// PSBTs of different transactions are refused, naming which.
pub fn combine(mut psbts: Vec<Psbt>) -> Result<Psbt, BundleError> {
    if psbts.len() < 2 {
        return Err(BundleError::BadRequest(
            "give at least two PSBTs to combine".into(),
        ));
    }
    let mut first = psbts.remove(0);
    let txid = first.unsigned_tx.compute_txid();
    for (i, p) in psbts.into_iter().enumerate() {
        if p.unsigned_tx != first.unsigned_tx {
            return Err(BundleError::DifferentTransactions {
                index: i + 2,
                first: txid.to_string(),
                other: p.unsigned_tx.compute_txid().to_string(),
            });
        }
        // Signatures are merged; what they sign over must be the same in every copy, or one
        // copy's value would silently win.
        for (n, (a, b)) in first.inputs.iter().zip(&p.inputs).enumerate() {
            let field = [
                ("witness_utxo", conflict(&a.witness_utxo, &b.witness_utxo)),
                (
                    "non_witness_utxo",
                    conflict(&a.non_witness_utxo, &b.non_witness_utxo),
                ),
                (
                    "witness_script",
                    conflict(&a.witness_script, &b.witness_script),
                ),
                (
                    "redeem_script",
                    conflict(&a.redeem_script, &b.redeem_script),
                ),
                ("sighash_type", a.sighash_type != b.sighash_type),
                (
                    "tap_merkle_root",
                    conflict(&a.tap_merkle_root, &b.tap_merkle_root),
                ),
                (
                    "tap_internal_key",
                    conflict(&a.tap_internal_key, &b.tap_internal_key),
                ),
            ]
            .into_iter()
            .find_map(|(f, c)| c.then_some(f));
            if let Some(field) = field {
                return Err(BundleError::CombineConflict {
                    index: i + 2,
                    input: n,
                    field,
                });
            }
        }
        first
            .combine(p)
            .map_err(|e| BundleError::Invalid(format!("PSBT {}: {e}", i + 2)))?;
    }
    Ok(first)
}

/// Finalize every input in place and return the extracted, interpreter-checked transaction.
pub fn finalize(psbt: &mut Psbt) -> Result<Transaction, BundleError> {
    check_prevouts(psbt)?;
    check_thresholds(psbt)?;
    let secp = Secp256k1::verification_only();
    psbt.finalize_mut(&secp).map_err(|errors| {
        let first = errors.into_iter().next();
        match first {
            Some(miniscript::psbt::Error::InputError(e, input)) => BundleError::Finalize {
                input,
                reason: format!(
                    "its signatures do not satisfy its script (missing, invalid, or under another key than the one they claim); the finalizer said: {}",
                    crate::sanitize::escape(&e.to_string())
                ),
            },
            Some(other) => BundleError::Finalize {
                input: 0,
                reason: other.to_string(),
            },
            None => BundleError::Finalize {
                input: 0,
                reason: "unknown".into(),
            },
        }
    })?;
    extract(psbt)
}

/// Extract a finalized PSBT's transaction, checking every input with the interpreter.
pub fn extract(psbt: &Psbt) -> Result<Transaction, BundleError> {
    check_prevouts(psbt)?;
    let secp = Secp256k1::verification_only();
    psbt.extract(&secp)
        .map_err(|e| BundleError::Interpreter(e.to_string()))
}

/// The transaction in a file given to `bundle broadcast`: raw hex (what `bundle finalize --extract
/// -o` writes), raw binary, or a finalized PSBT in any encoding (then extracted with the
/// interpreter check of every input). Inputs without a final scriptSig or witness are refused.
pub fn final_transaction(bytes: Vec<u8>) -> Result<Transaction, BundleError> {
    let open = |inputs: Vec<usize>, what| {
        if inputs.is_empty() {
            return Ok(());
        }
        let inputs: Vec<String> = inputs.iter().map(usize::to_string).collect();
        Err(BundleError::NotFinalized {
            what,
            inputs: inputs.join(", "),
        })
    };
    match super::classify::classify(bytes) {
        (data, crate::transport::frames::Kind::Psbt) => {
            let (psbt, _, _) = super::decode(&data)?;
            open(
                (0..psbt.inputs.len())
                    .filter(|n| {
                        let i = &psbt.inputs[*n];
                        i.final_script_sig.is_none() && i.final_script_witness.is_none()
                    })
                    .collect(),
                "PSBT",
            )?;
            extract(&psbt)
        }
        (data, crate::transport::frames::Kind::Transaction) => {
            let tx: Transaction = bitcoin::consensus::encode::deserialize(&data)
                .map_err(|_| BundleError::NotTransaction)?;
            open(
                (0..tx.input.len())
                    .filter(|n| {
                        let i = &tx.input[*n];
                        i.script_sig.is_empty() && i.witness.is_empty()
                    })
                    .collect(),
                "transaction",
            )?;
            Ok(tx)
        }
        _ => Err(BundleError::NotTransaction),
    }
}

/// Inputs whose signatures let others change the transaction (SIGHASH NONE, SINGLE or
/// ANYONECANPAY): the interpreter accepts them, but whoever relays the transaction could re-route
/// its outputs. Said before broadcasting, never silently.
pub fn weak_sighashes(psbt: &bitcoin::Psbt) -> Vec<String> {
    use bitcoin::sighash::{EcdsaSighashType, TapSighashType};
    let mut out = Vec::new();
    for (i, input) in psbt.inputs.iter().enumerate() {
        let ecdsa = input
            .partial_sigs
            .values()
            .map(|s| s.sighash_type)
            .filter(|t| *t != EcdsaSighashType::All)
            .map(|t| t.to_string());
        let tap = input
            .tap_key_sig
            .iter()
            .chain(input.tap_script_sigs.values())
            .map(|s| s.sighash_type)
            .filter(|t| !matches!(t, TapSighashType::Default | TapSighashType::All))
            .map(|t| t.to_string());
        let weak: Vec<String> = ecdsa.chain(tap).collect();
        if !weak.is_empty() {
            out.push(format!(
                "input {i} is signed with {}: others can change the transaction's outputs before it confirms",
                weak.join(", ")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::secp256k1::{Message, Secp256k1, SecretKey};
    use bitcoin::sighash::EcdsaSighashType;

    #[test]
    fn signatures_others_can_reroute_are_named_before_broadcast() {
        let tx = bitcoin::Transaction {
            version: bitcoin::transaction::Version::TWO,
            lock_time: bitcoin::absolute::LockTime::ZERO,
            input: vec![bitcoin::TxIn::default(), bitcoin::TxIn::default()],
            output: vec![],
        };
        let mut psbt = bitcoin::Psbt::from_unsigned_tx(tx).unwrap();
        let secp = Secp256k1::new();
        let sk = SecretKey::from_slice(&[7u8; 32]).unwrap();
        let pk = bitcoin::PublicKey::new(sk.public_key(&secp));
        let sig = secp.sign_ecdsa(&Message::from_digest([1u8; 32]), &sk);
        for (i, ty) in [EcdsaSighashType::All, EcdsaSighashType::None]
            .into_iter()
            .enumerate()
        {
            psbt.inputs[i].partial_sigs.insert(
                pk,
                bitcoin::ecdsa::Signature {
                    signature: sig,
                    sighash_type: ty,
                },
            );
        }
        let w = weak_sighashes(&psbt);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with("input 1 is signed with SIGHASH_NONE"),
            "{w:?}"
        );
    }
}
