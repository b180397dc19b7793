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

/// Finalize every input in place and return the extracted, interpreter-checked transaction.
pub fn finalize(psbt: &mut Psbt) -> Result<Transaction, BundleError> {
    check_prevouts(psbt)?;
    let secp = Secp256k1::verification_only();
    psbt.finalize_mut(&secp).map_err(|errors| {
        let first = errors.into_iter().next();
        match first {
            Some(miniscript::psbt::Error::InputError(e, input)) => BundleError::Finalize {
                input,
                reason: e.to_string(),
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
