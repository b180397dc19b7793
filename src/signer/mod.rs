//! The signer: seed → keys (in [`keys`] only), ECDSA (RFC6979, low-R) and BIP340 signing for every
//! supported input type, and verify-after-sign with `k256`, independent of libsecp256k1.
pub mod keys;
pub mod sign;
pub mod verify;

pub use keys::KeyChain;
pub use sign::{sign_psbt, SignOptions, SignReport};

use crate::error::{EXIT_INTEGRITY, EXIT_REFUSED, EXIT_RUNTIME};

/// Signing errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// BIP32 derivation failed.
    #[error("key derivation failed: {0}")]
    Derivation(String),
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
    /// The seed owns no input of this PSBT.
    #[error("nothing to sign: no input belongs to seed {fingerprint}")]
    NothingToSign {
        /// Our fingerprint.
        fingerprint: String,
    },
}

impl SignError {
    /// Exit code: integrity failures are 4, "nothing to sign" is a refusal (3).
    pub fn exit_code(&self) -> u8 {
        match self {
            SignError::VerifyFailed { .. } => EXIT_INTEGRITY,
            SignError::NothingToSign { .. } => EXIT_REFUSED,
            _ => EXIT_RUNTIME,
        }
    }

    /// What to do next.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            SignError::NothingToSign { .. } => Some("check that this PSBT was made for this seed (compare fingerprints with `airsign seed info`) and that the right BIP39 passphrase was given"),
            SignError::VerifyFailed { .. } => Some("do not use this machine for signing until the cause is found: a fault or a tampered binary can leak keys"),
            _ => None,
        }
    }
}
