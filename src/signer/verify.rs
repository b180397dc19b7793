//! Verify-after-sign with `k256`, an implementation independent of the libsecp256k1 that signed.
//! The sighash is recomputed from the signed PSBT's own fields with a fresh cache, and taproot
//! signatures are checked against the output key in the scriptPubKey itself, so a wrong tweak,
//! a faulted signature or a wrong sighash all fail here before anything is written.
use bitcoin::hashes::Hash;
use bitcoin::sighash::{Prevouts, SighashCache};
use bitcoin::{Psbt, TxOut};
use k256::ecdsa::signature::hazmat::PrehashVerifier;

use super::sign::MadeSignature;
use super::SignError;
use crate::bundle::review::SpendKind;

fn fail(input: usize, reason: impl Into<String>) -> SignError {
    SignError::VerifyFailed {
        input,
        reason: reason.into(),
    }
}

/// The previous output of input `i`, read again from the PSBT.
fn prevout_of(psbt: &Psbt, i: usize) -> Option<TxOut> {
    let input = &psbt.inputs[i];
    let op = psbt.unsigned_tx.input[i].previous_output;
    match (&input.non_witness_utxo, &input.witness_utxo) {
        (Some(tx), _) => tx.output.get(op.vout as usize).cloned(),
        (None, Some(w)) => Some(w.clone()),
        _ => None,
    }
}

/// Check every signature in `made` against the signed PSBT.
pub fn verify_signatures(psbt: &Psbt, made: &[MadeSignature]) -> Result<(), SignError> {
    verify_signatures_on(psbt, made, None)
}

/// [`verify_signatures`] on at most `threads` threads. The sighashes that come from the
/// transaction's midstates (segwit v0, taproot) are recomputed first, with one fresh cache for
/// the whole transaction; the k256 checks (and legacy sighashes, which hash the whole
/// transaction each) run in parallel. The first failure in input order is reported.
pub(crate) fn verify_signatures_on(
    psbt: &Psbt,
    made: &[MadeSignature],
    threads: Option<usize>,
) -> Result<(), SignError> {
    let tx = &psbt.unsigned_tx;
    let mut cache = SighashCache::new(tx);
    let prevouts: Option<Vec<TxOut>> = (0..tx.input.len()).map(|i| prevout_of(psbt, i)).collect();
    let checks = made
        .iter()
        .map(|m| {
            let sighash = midstate_sighash(psbt, &mut cache, prevouts.as_deref(), m)?;
            Ok((m, sighash))
        })
        .collect::<Result<Vec<_>, SignError>>()?;
    let threads = crate::parallel::threads_for(checks.len(), threads);
    crate::parallel::map(&checks, threads, |(m, sighash)| {
        verify_one(psbt, m, *sighash)
    })
    .into_iter()
    .collect()
}

/// The sighash a signature commits to, recomputed from the signed PSBT's own fields, for the
/// kinds that share the transaction's midstates; `None` for legacy inputs.
fn midstate_sighash(
    psbt: &Psbt,
    cache: &mut SighashCache<&bitcoin::Transaction>,
    prevouts: Option<&[TxOut]>,
    m: &MadeSignature,
) -> Result<Option<[u8; 32]>, SignError> {
    let i = m.input;
    let input = &psbt.inputs[i];
    let all = || prevouts.ok_or_else(|| fail(i, "previous outputs missing"));
    let sighash = match &m.kind {
        SpendKind::TrScript { leaf, .. } => {
            let xonly = m.pubkey.x_only_public_key().0;
            let sig = input
                .tap_script_sigs
                .get(&(xonly, *leaf))
                .ok_or_else(|| fail(i, "taproot script signature missing"))?;
            cache
                .taproot_script_spend_signature_hash(
                    i,
                    &Prevouts::All(all()?),
                    *leaf,
                    sig.sighash_type,
                )
                .map_err(|e| fail(i, e.to_string()))?
        }
        SpendKind::TrKey(_) => {
            let sig = input
                .tap_key_sig
                .ok_or_else(|| fail(i, "taproot signature missing"))?;
            cache
                .taproot_key_spend_signature_hash(i, &Prevouts::All(all()?), sig.sighash_type)
                .map_err(|e| fail(i, e.to_string()))?
        }
        SpendKind::Pkh | SpendKind::Sh(_) => return Ok(None),
        kind => {
            let sig = input
                .partial_sigs
                .get(&bitcoin::PublicKey::new(m.pubkey))
                .ok_or_else(|| fail(i, "ECDSA signature missing"))?;
            let prev = prevout_of(psbt, i).ok_or_else(|| fail(i, "previous output missing"))?;
            let h = super::sign::ecdsa_sighash(cache, i, kind, &m.pubkey, &prev, sig.sighash_type)
                .map_err(|e| fail(i, e))?;
            return Ok(Some(h));
        }
    };
    Ok(Some(sighash.to_byte_array()))
}

/// Check one signature (on any thread) over `sighash`, or over the legacy sighash computed here.
fn verify_one(psbt: &Psbt, m: &MadeSignature, sighash: Option<[u8; 32]>) -> Result<(), SignError> {
    let i = m.input;
    let prev = prevout_of(psbt, i).ok_or_else(|| fail(i, "previous output missing"))?;
    let input = &psbt.inputs[i];
    if let SpendKind::TrScript { leaf, .. } = &m.kind {
        let xonly = m.pubkey.x_only_public_key().0;
        let sig = input
            .tap_script_sigs
            .get(&(xonly, *leaf))
            .ok_or_else(|| fail(i, "taproot script signature missing"))?;
        let sighash = sighash.ok_or_else(|| fail(i, "no sighash"))?;
        if sighash != m.sighash {
            return Err(fail(i, "recomputed sighash differs from the one signed"));
        }
        let vk = k256::schnorr::VerifyingKey::from_bytes(&xonly.serialize())
            .map_err(|_| fail(i, "our key is not a valid x-only key"))?;
        let ks = k256::schnorr::Signature::try_from(&sig.signature.serialize()[..])
            .map_err(|_| fail(i, "malformed Schnorr signature"))?;
        return vk
            .verify_raw(&sighash, &ks)
            .map_err(|_| fail(i, "BIP340 script-path signature does not verify"));
    }
    if let SpendKind::TrKey(_) = m.kind {
        let sig = input
            .tap_key_sig
            .ok_or_else(|| fail(i, "taproot signature missing"))?;
        let sighash = sighash.ok_or_else(|| fail(i, "no sighash"))?;
        if sighash != m.sighash {
            return Err(fail(i, "recomputed sighash differs from the one signed"));
        }
        let spk = prev.script_pubkey.as_bytes();
        if !prev.script_pubkey.is_p2tr() {
            return Err(fail(i, "not a taproot output"));
        }
        let vk = k256::schnorr::VerifyingKey::from_bytes(&spk[2..34])
            .map_err(|_| fail(i, "output key is not a valid x-only key"))?;
        let ks = k256::schnorr::Signature::try_from(&sig.signature.serialize()[..])
            .map_err(|_| fail(i, "malformed Schnorr signature"))?;
        return vk
            .verify_raw(&sighash, &ks)
            .map_err(|_| fail(i, "BIP340 signature does not verify against the output key"));
    }
    let pk = bitcoin::PublicKey::new(m.pubkey);
    let sig = input
        .partial_sigs
        .get(&pk)
        .ok_or_else(|| fail(i, "ECDSA signature missing"))?;
    let sighash = match sighash {
        Some(h) => h,
        None => super::sign::ecdsa_sighash(
            &mut SighashCache::new(&psbt.unsigned_tx),
            i,
            &m.kind,
            &m.pubkey,
            &prev,
            sig.sighash_type,
        )
        .map_err(|e| fail(i, e))?,
    };
    if sighash != m.sighash {
        return Err(fail(i, "recomputed sighash differs from the one signed"));
    }
    let compact = sig.signature.serialize_compact();
    if compact[0] >= 0x80 {
        return Err(fail(i, "signature R is not low (grinding failed)"));
    }
    // Uncompressed: k256 then checks the point is on the curve instead of taking a square root.
    let vk = k256::ecdsa::VerifyingKey::from_sec1_bytes(&m.pubkey.serialize_uncompressed())
        .map_err(|_| fail(i, "invalid public key"))?;
    let ks = k256::ecdsa::Signature::from_slice(&compact)
        .map_err(|_| fail(i, "malformed ECDSA signature"))?;
    vk.verify_prehash(&sighash, &ks)
        .map_err(|_| fail(i, "ECDSA signature does not verify"))
}
