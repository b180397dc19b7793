//! The signer: seed → keys (in [`keys`] only), ECDSA (RFC6979, low-R) and BIP340 signing for every
//! supported input type, and verify-after-sign with `k256`, independent of libsecp256k1.
pub mod keys;
pub mod sign;
pub mod verify;

pub use keys::{audit_mac_key, seed_file_mac_key, KeyChain};
pub use sign::{SignOptions, SignReport};

/// Signing errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// BIP32 derivation failed.
    #[error("key derivation failed")]
    Derivation(#[from] bitcoin::bip32::Error),
    /// An account number outside BIP32's non-hardened range.
    #[error("account {0} is not below 2^31")]
    AccountOutOfRange(u32),
    /// The sighash could not be computed (missing previous outputs, bad index).
    #[error("cannot compute the signature hash for input {input}: {reason}")]
    Sighash {
        /// Input index.
        input: usize,
        /// Why.
        reason: String,
    },
    /// Verify-after-sign failed: a signature we made does not verify independently.
    #[error("verify-after-sign failed on input {input}: {reason}; nothing was written")]
    VerifyFailed {
        /// Input index.
        input: usize,
        /// What failed.
        reason: String,
    },
    /// Building an export from our keys failed.
    #[error(transparent)]
    Wallet(#[from] crate::wallet::WalletError),
    /// A message signature could not be made.
    #[error("cannot sign the message: {0}")]
    Message(String),
    /// The PSBT handed to the signer is not the one that was reviewed and shown.
    #[error("the PSBT to sign is not the PSBT that was reviewed; nothing was signed")]
    ReviewMismatch,
    /// The seed owns no input of this PSBT.
    #[error("nothing to sign: no input belongs to seed {fingerprint}")]
    NothingToSign {
        /// Our fingerprint.
        fingerprint: String,
    },
}

impl SignError {
    /// What to do next.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            SignError::NothingToSign { .. } => Some("check that this PSBT was made for this seed (compare fingerprints with `airsign seed info`) and that the right BIP39 passphrase was given"),
            SignError::ReviewMismatch => Some("this is a bug in the caller: sign only what was reviewed"),
            SignError::VerifyFailed { .. } => Some("do not use this machine for signing until the cause is found: a fault or a tampered binary can leak keys"),
            _ => None,
        }
    }
}
