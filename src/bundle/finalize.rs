//! Finalize with miniscript (it builds each scriptSig/witness from the signatures and the scripts)
//! and extract with miniscript's interpreter check of every input.
use bitcoin::secp256k1::Secp256k1;
use bitcoin::{Psbt, Transaction};
use miniscript::psbt::PsbtExt;

use super::BundleError;

/// Finalize every input in place and return the extracted, interpreter-checked transaction.
pub fn finalize(psbt: &mut Psbt) -> Result<Transaction, BundleError> {
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
    let secp = Secp256k1::verification_only();
    psbt.extract(&secp)
        .map_err(|e| BundleError::Interpreter(e.to_string()))
}
