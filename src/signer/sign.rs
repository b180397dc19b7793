//! Signing every input the review proved ours: ECDSA per RFC6979 with low-R grinding (byte-for-
//! byte what Bitcoin Core and Electrum produce) and BIP340 Schnorr for taproot key paths. Works on
//! a copy: the caller gets a signed PSBT only after every signature verified independently.
use bitcoin::ecdsa;
use bitcoin::hashes::Hash;
use bitcoin::key::{Keypair, TapTweak};
use bitcoin::secp256k1::Message;
use bitcoin::sighash::{EcdsaSighashType, Prevouts, SighashCache, TapSighashType};
use bitcoin::{taproot, CompressedPublicKey, Psbt, ScriptBuf, TxOut};

use super::{verify, KeyChain, SignError};
use crate::bundle::review::{Reviewed, SpendKind};

/// Signing options.
#[derive(Debug, Clone, Copy, Default)]
pub struct SignOptions<'a> {
    /// BIP340 without auxiliary randomness, for reproducible tests. ECDSA is always
    /// deterministic (RFC6979).
    pub deterministic: bool,
    /// Sign only with our keys at these paths (a signer holding several keys of one wallet
    /// that must sign as one of them); `None` signs with every key of ours the review found.
    pub only_paths: Option<&'a [bitcoin::bip32::DerivationPath]>,
}

/// One signature made, kept for verify-after-sign.
#[derive(Debug, Clone)]
pub struct MadeSignature {
    /// Input index.
    pub input: usize,
    /// Kind of spend.
    pub kind: SpendKind,
    /// Public key (ECDSA) or internal key (taproot).
    pub pubkey: bitcoin::secp256k1::PublicKey,
    /// The 32-byte sighash that was signed.
    pub sighash: [u8; 32],
}

/// What was signed.
#[derive(Debug, Clone)]
pub struct SignReport {
    /// Each signature made.
    pub signatures: Vec<MadeSignature>,
}

impl SignReport {
    /// Number of distinct inputs signed.
    pub fn inputs_signed(&self) -> usize {
        let mut v: Vec<usize> = self.signatures.iter().map(|s| s.input).collect();
        v.dedup();
        v.len()
    }
}

/// The BIP143 or legacy sighash an ECDSA signature of `kind` commits to. Shared by signing and
/// by verify-after-sign (which calls it on a fresh cache over the signed PSBT's own fields).
pub(crate) fn ecdsa_sighash(
    cache: &mut SighashCache<&bitcoin::Transaction>,
    i: usize,
    kind: &SpendKind,
    pubkey: &bitcoin::secp256k1::PublicKey,
    prev: &TxOut,
    ty: EcdsaSighashType,
) -> Result<[u8; 32], String> {
    let e = |e: &dyn std::fmt::Display| e.to_string();
    match kind {
        SpendKind::Pkh => cache
            .legacy_signature_hash(i, &prev.script_pubkey, ty.to_u32())
            .map(|h| h.to_byte_array())
            .map_err(|x| e(&x)),
        SpendKind::Sh(rs) => cache
            .legacy_signature_hash(i, rs, ty.to_u32())
            .map(|h| h.to_byte_array())
            .map_err(|x| e(&x)),
        SpendKind::Wpkh | SpendKind::ShWpkh => {
            let wpkh = ScriptBuf::new_p2wpkh(&CompressedPublicKey(*pubkey).wpubkey_hash());
            cache
                .p2wpkh_signature_hash(i, &wpkh, prev.value, ty)
                .map(|h| h.to_byte_array())
                .map_err(|x| e(&x))
        }
        SpendKind::Wsh(ws) | SpendKind::ShWsh(ws) => cache
            .p2wsh_signature_hash(i, ws, prev.value, ty)
            .map(|h| h.to_byte_array())
            .map_err(|x| e(&x)),
        SpendKind::TrKey(_) | SpendKind::TrScript { .. } => {
            Err("a taproot spend is not signed with ECDSA".into())
        }
    }
}

fn ecdsa_type(psbt: &Psbt, i: usize) -> EcdsaSighashType {
    psbt.inputs[i]
        .sighash_type
        .and_then(|t| t.ecdsa_hash_ty().ok())
        .unwrap_or(EcdsaSighashType::All)
}

fn tap_type(psbt: &Psbt, i: usize) -> TapSighashType {
    psbt.inputs[i]
        .sighash_type
        .and_then(|t| t.taproot_hash_ty().ok())
        .unwrap_or(TapSighashType::Default)
}

/// Sign every input of `psbt` that the review proved ours, then verify every signature with
/// `k256`. `psbt` must be the reviewed PSBT byte for byte (anything else is an integrity
/// failure). On any error `psbt` is left unchanged. Only the session calls this.
pub(crate) fn sign_psbt(
    psbt: &mut Psbt,
    reviewed: &Reviewed,
    keys: &KeyChain,
    opts: SignOptions,
) -> Result<SignReport, SignError> {
    if !reviewed.describes(psbt) {
        return Err(SignError::ReviewMismatch);
    }
    let review = reviewed.review();
    let secp = keys.secp();
    let mut signed = psbt.clone();
    let tx = signed.unsigned_tx.clone();
    let mut cache = SighashCache::new(&tx);
    let prevouts: Option<Vec<TxOut>> = review.inputs.iter().map(|i| i.prevout.clone()).collect();
    let mut made = Vec::new();

    for inp in review.ours() {
        let i = inp.index;
        let err = |reason: String| SignError::Sighash { input: i, reason };
        let prev = inp
            .prevout
            .as_ref()
            .ok_or_else(|| err("previous output unknown".into()))?;
        for spend in &inp.spends {
            if opts.only_paths.is_some_and(|p| !p.contains(&spend.path)) {
                continue;
            }
            let key = keys.signing_key(&spend.path)?;
            let sighash = if let SpendKind::TrScript { leaf, .. } = &spend.kind {
                let all = prevouts.as_ref().ok_or_else(|| {
                    err("taproot signing needs every input's previous output".into())
                })?;
                let ty = tap_type(&signed, i);
                let sighash = cache
                    .taproot_script_spend_signature_hash(i, &Prevouts::All(all), *leaf, ty)
                    .map_err(|e| err(e.to_string()))?
                    .to_byte_array();
                let msg = Message::from_digest(sighash);
                // Script path: the untweaked key (the tweak is the output key's, not ours).
                let keypair = Keypair::from_secret_key(secp, key.secret());
                let sig = if opts.deterministic {
                    secp.sign_schnorr_no_aux_rand(&msg, &keypair)
                } else {
                    secp.sign_schnorr(&msg, &keypair)
                };
                signed.inputs[i].tap_script_sigs.insert(
                    (spend.pubkey.x_only_public_key().0, *leaf),
                    taproot::Signature {
                        signature: sig,
                        sighash_type: ty,
                    },
                );
                sighash
            } else if let SpendKind::TrKey(root) = &spend.kind {
                let all = prevouts.as_ref().ok_or_else(|| {
                    err("taproot signing needs every input's previous output".into())
                })?;
                let ty = tap_type(&signed, i);
                let sighash = cache
                    .taproot_key_spend_signature_hash(i, &Prevouts::All(all), ty)
                    .map_err(|e| err(e.to_string()))?
                    .to_byte_array();
                let msg = Message::from_digest(sighash);
                let keypair = Keypair::from_secret_key(secp, key.secret())
                    .tap_tweak(secp, *root)
                    .to_keypair();
                let sig = if opts.deterministic {
                    secp.sign_schnorr_no_aux_rand(&msg, &keypair)
                } else {
                    secp.sign_schnorr(&msg, &keypair)
                };
                signed.inputs[i].tap_key_sig = Some(taproot::Signature {
                    signature: sig,
                    sighash_type: ty,
                });
                sighash
            } else {
                let ty = ecdsa_type(&signed, i);
                let sighash = ecdsa_sighash(&mut cache, i, &spend.kind, &spend.pubkey, prev, ty)
                    .map_err(err)?;
                let sig = secp.sign_ecdsa_low_r(&Message::from_digest(sighash), key.secret());
                signed.inputs[i].partial_sigs.insert(
                    bitcoin::PublicKey::new(spend.pubkey),
                    ecdsa::Signature {
                        signature: sig,
                        sighash_type: ty,
                    },
                );
                sighash
            };
            made.push(MadeSignature {
                input: i,
                kind: spend.kind.clone(),
                pubkey: spend.pubkey,
                sighash,
            });
        }
    }
    verify::verify_signatures(&signed, &made)?;
    *psbt = signed;
    Ok(SignReport { signatures: made })
}
