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

/// One signature to make: the spend the review found, and its sighash when the transaction's
/// midstates give it (segwit v0 and taproot, computed once per transaction before any thread
/// starts). Legacy sighashes (`None`) hash the whole transaction per input — quadratic by the
/// algorithm, nothing to share — so the worker that signs computes them.
struct Job<'a> {
    input: usize,
    spend: &'a crate::bundle::review::Spend,
    prev: &'a TxOut,
    sighash: Option<[u8; 32]>,
}

/// A signature made by a worker, not yet in the PSBT.
enum Made {
    Ecdsa(ecdsa::Signature),
    TapKey(taproot::Signature),
    TapScript(taproot::Signature),
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
    sign_psbt_on(psbt, reviewed, keys, opts, None)
}

/// [`sign_psbt`] on at most `threads` threads (every core when `None`; small PSBTs use one).
/// The signatures are made in parallel and put into the PSBT in input order afterwards, so the
/// bytes out do not depend on the thread count; an error on any input fails the whole sign and
/// the first one in input order is reported.
pub(crate) fn sign_psbt_on(
    psbt: &mut Psbt,
    reviewed: &Reviewed,
    keys: &KeyChain,
    opts: SignOptions,
    threads: Option<usize>,
) -> Result<SignReport, SignError> {
    if !reviewed.describes(psbt) {
        return Err(SignError::ReviewMismatch);
    }
    let review = reviewed.review();
    let tx = &psbt.unsigned_tx;
    let mut cache = SighashCache::new(tx);
    let prevouts: Option<Vec<TxOut>> = review.inputs.iter().map(|i| i.prevout.clone()).collect();

    let mut jobs = Vec::new();
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
            let all = || {
                prevouts.as_ref().ok_or_else(|| {
                    err("taproot signing needs every input's previous output".into())
                })
            };
            let sighash = match &spend.kind {
                SpendKind::TrScript { leaf, .. } => Some(
                    cache
                        .taproot_script_spend_signature_hash(
                            i,
                            &Prevouts::All(all()?),
                            *leaf,
                            tap_type(psbt, i),
                        )
                        .map_err(|e| err(e.to_string()))?
                        .to_byte_array(),
                ),
                SpendKind::TrKey(_) => Some(
                    cache
                        .taproot_key_spend_signature_hash(
                            i,
                            &Prevouts::All(all()?),
                            tap_type(psbt, i),
                        )
                        .map_err(|e| err(e.to_string()))?
                        .to_byte_array(),
                ),
                SpendKind::Pkh | SpendKind::Sh(_) => None,
                kind => Some(
                    ecdsa_sighash(
                        &mut cache,
                        i,
                        kind,
                        &spend.pubkey,
                        prev,
                        ecdsa_type(psbt, i),
                    )
                    .map_err(err)?,
                ),
            };
            jobs.push(Job {
                input: i,
                spend,
                prev,
                sighash,
            });
        }
    }

    let threads = crate::parallel::threads_for(jobs.len(), threads);
    let results = crate::parallel::map(&jobs, threads, |job| sign_one(psbt, job, keys, opts));

    let mut signed = psbt.clone();
    let mut made = Vec::with_capacity(jobs.len());
    for (job, result) in jobs.iter().zip(results) {
        let (sig, sighash) = result?;
        let i = job.input;
        match sig {
            Made::Ecdsa(sig) => {
                signed.inputs[i]
                    .partial_sigs
                    .insert(bitcoin::PublicKey::new(job.spend.pubkey), sig);
            }
            Made::TapKey(sig) => signed.inputs[i].tap_key_sig = Some(sig),
            Made::TapScript(sig) => {
                if let SpendKind::TrScript { leaf, .. } = &job.spend.kind {
                    signed.inputs[i]
                        .tap_script_sigs
                        .insert((job.spend.pubkey.x_only_public_key().0, *leaf), sig);
                }
            }
        }
        made.push(MadeSignature {
            input: i,
            kind: job.spend.kind.clone(),
            pubkey: job.spend.pubkey,
            sighash,
        });
    }
    verify::verify_signatures_on(&signed, &made, Some(threads))?;
    *psbt = signed;
    Ok(SignReport { signatures: made })
}

/// Make one signature (on any thread): the key is derived here and erased when this returns.
fn sign_one(
    psbt: &Psbt,
    job: &Job,
    keys: &KeyChain,
    opts: SignOptions,
) -> Result<(Made, [u8; 32]), SignError> {
    let i = job.input;
    let secp = keys.secp();
    let key = keys.signing_key(&job.spend.path)?;
    let schnorr = |msg: &Message, keypair: &Keypair| {
        if opts.deterministic {
            secp.sign_schnorr_no_aux_rand(msg, keypair)
        } else {
            secp.sign_schnorr(msg, keypair)
        }
    };
    match (&job.spend.kind, job.sighash) {
        (SpendKind::TrScript { .. }, Some(sighash)) => {
            // Script path: the untweaked key (the tweak is the output key's, not ours).
            let keypair = Keypair::from_secret_key(secp, key.secret());
            let signature = schnorr(&Message::from_digest(sighash), &keypair);
            let sig = taproot::Signature {
                signature,
                sighash_type: tap_type(psbt, i),
            };
            Ok((Made::TapScript(sig), sighash))
        }
        (SpendKind::TrKey(root), Some(sighash)) => {
            let keypair = Keypair::from_secret_key(secp, key.secret())
                .tap_tweak(secp, *root)
                .to_keypair();
            let signature = schnorr(&Message::from_digest(sighash), &keypair);
            let sig = taproot::Signature {
                signature,
                sighash_type: tap_type(psbt, i),
            };
            Ok((Made::TapKey(sig), sighash))
        }
        (kind, sighash) => {
            let ty = ecdsa_type(psbt, i);
            let sighash = match sighash {
                Some(h) => h,
                None => ecdsa_sighash(
                    &mut SighashCache::new(&psbt.unsigned_tx),
                    i,
                    kind,
                    &job.spend.pubkey,
                    job.prev,
                    ty,
                )
                .map_err(|reason| SignError::Sighash { input: i, reason })?,
            };
            let signature = secp.sign_ecdsa_low_r(&Message::from_digest(sighash), key.secret());
            let sig = ecdsa::Signature {
                signature,
                sighash_type: ty,
            };
            Ok((Made::Ecdsa(sig), sighash))
        }
    }
}
