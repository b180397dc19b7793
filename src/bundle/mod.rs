//! Bundles: PSBT v0/v2 parsing and serialising (with size limits), building from UTXOs, the review
//! summary both sides print, finalizing and extracting, and the bundle id. No signing here.
pub mod classify;
pub mod create;
pub mod finalize;
pub mod id;
pub mod minimal;
pub mod parse;
pub mod review;
mod select;
pub mod utxo;
pub mod v2;
pub mod weight;

pub use id::BundleId;
pub use parse::{decode, encode, Encoding, Version};
pub use review::{review, InputOwner, OutputKind, Review, ReviewOptions, Reviewed};

use bitcoin::bip32::{DerivationPath, Fingerprint};
use bitcoin::secp256k1::PublicKey;
use bitcoin::Network;

/// What a review needs to know about "our" keys: the signer's seed, or a watch-only xpub.
/// Only public keys come out of it. `Sync`: the review derives keys on several threads.
pub trait KeySource: Sync {
    /// Master fingerprint.
    fn fingerprint(&self) -> Fingerprint;
    /// Network the keys are for.
    fn network(&self) -> Network;
    /// The public key at `path` from the master, or `None` if this source cannot derive it.
    fn public_key(&self, path: &DerivationPath) -> Option<PublicKey>;
    /// The wallets registered for these keys (multisig and script inputs, their change).
    fn registered(&self) -> &[crate::wallet::registry::Registered] {
        &[]
    }
}

/// Errors about PSBTs: parsing, building, finalizing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// Not a PSBT in binary, base64 or hex.
    #[error("not a PSBT (binary, base64 or hex): {0}")]
    NotPsbt(String),
    /// rust-bitcoin rejected the PSBT's structure.
    #[error("invalid PSBT")]
    Psbt(#[source] bitcoin::psbt::Error),
    /// A previous-transactions file or folder could not be read.
    #[error("cannot read the previous transactions")]
    PrevTxFile(#[source] crate::fsutil::FsError),
    /// The PSBT is structurally invalid.
    #[error("invalid PSBT: {0}")]
    Invalid(String),
    /// Larger than the size limit.
    #[error("the PSBT is {size} bytes, above the {limit}-byte limit")]
    TooLarge {
        /// Size given.
        size: usize,
        /// Limit.
        limit: usize,
    },
    /// UTXO snapshot problems.
    #[error("UTXO snapshot: {0}")]
    Utxo(String),
    /// A previous transaction is missing or malformed.
    #[error("previous transaction: {0}")]
    PrevTx(String),
    /// Not enough funds for the outputs and fee.
    #[error("insufficient funds: need {needed} sat, have {available} sat in the given UTXOs")]
    InsufficientFunds {
        /// Sats needed including fee.
        needed: u64,
        /// Sats available.
        available: u64,
    },
    /// An output or option is wrong.
    #[error("{0}")]
    BadRequest(String),
    /// Finalizing failed.
    #[error("cannot finalize input {input}: {reason}")]
    Finalize {
        /// Input index.
        input: usize,
        /// Why.
        reason: String,
    },
    /// A multisig input has fewer signatures than its threshold.
    #[error("input {input}: {have} of {n} signatures present{}; need {} more (the threshold is {m})", if signers.is_empty() { String::new() } else { format!(" ({signers})") }, m - have)]
    Threshold {
        /// Input index.
        input: usize,
        /// Signatures present.
        have: u32,
        /// Threshold.
        m: u32,
        /// Keys.
        n: u32,
        /// Who signed (fingerprints).
        signers: String,
    },
    /// PSBTs to combine disagree on what the signatures sign over.
    #[error("PSBT {index} gives input {input} another {field} than the first: not combined")]
    CombineConflict {
        /// 1-based position of the odd one.
        index: usize,
        /// Input index.
        input: usize,
        /// The field.
        field: &'static str,
    },
    /// PSBTs to combine are of different transactions.
    #[error(
        "PSBT {index} is of another transaction ({other}) than the first ({first}): not combined"
    )]
    DifferentTransactions {
        /// 1-based position of the odd one.
        index: usize,
        /// Txid of the first.
        first: String,
        /// Txid of the odd one.
        other: String,
    },
    /// A file given to broadcast holds inputs without their final scriptSig or witness.
    #[error("the {what} is not ready to broadcast: input(s) {inputs} have no final scriptSig or witness")]
    NotFinalized {
        /// "PSBT" or "transaction".
        what: &'static str,
        /// The open inputs, comma separated.
        inputs: String,
    },
    /// A file given to broadcast is neither a transaction nor a PSBT.
    #[error("neither a raw transaction (hex or binary) nor a PSBT")]
    NotTransaction,
    /// The finalized transaction failed the script interpreter.
    #[error("the finalized transaction fails script checks: {0}")]
    Interpreter(String),
    /// The review found a problem that makes the PSBT unusable.
    #[error(transparent)]
    Wallet(#[from] crate::wallet::WalletError),
}

impl BundleError {
    /// What to do next.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            BundleError::Finalize { .. } => Some("every input needs its signatures first: sign on the offline side, then finalize"),
            BundleError::Threshold { .. } => Some("carry the PSBT to another cosigner's offline airsign (sign), then combine the signed PSBTs (bundle combine) and finalize"),
            BundleError::CombineConflict { .. } => Some("combine only copies signed from the same unsigned bundle; treat the odd one as tampered with"),
            BundleError::DifferentTransactions { .. } => Some("combine only PSBTs signed from the same unsigned bundle (compare bundle ids)"),
            BundleError::PrevTx(_) | BundleError::PrevTxFile(_) => Some("give the full previous transactions with --prev-txs (raw hex, e.g. from `bitcoin-cli getrawtransaction TXID` or an Esplora server's /tx/TXID/hex)"),
            BundleError::NotPsbt(_) => Some("export the PSBT from your wallet as a file (binary or base64)"),
            BundleError::NotFinalized { .. } => Some("finalize the signed PSBT first (airsign bundle finalize signed.psbt --extract -o tx.hex), then broadcast tx.hex"),
            BundleError::NotTransaction => Some("give the file `airsign bundle finalize FILE --extract -o tx.hex` wrote, or a finalized PSBT"),
            _ => None,
        }
    }
}
