//! Setting up a shared wallet with other people's tools, and reading theirs back: the formats
//! multisig coordinators and signers exchange (`docs/formats.md` shows each).
//!
//! - [`cosigner`]: each cosigner's key (account export, key origin, `ur:crypto-account`, BSMS
//!   key record) and the checks before they become one `sortedmulti` descriptor;
//! - [`export`]: a wallet file as a descriptor with checksum, a BIP388 wallet policy, a BSMS
//!   descriptor record (plain and encrypted), a Coldcard multisig file and `ur:crypto-output`;
//! - [`import`]: the same formats back (plus Sparrow's descriptor file, Caravan's JSON and this
//!   tool's wallet file) into a wallet file;
//! - [`bsms`], [`bip388`], [`coldcard`], [`crypto_output`]: one format each.
//!
//! Public keys only. Key records are signed by `signer` (the only holder of private keys) over
//! the text [`bsms::KeyRecord::message`] returns.
pub mod bip388;
pub mod bsms;
pub mod coldcard;
pub mod cosigner;
pub mod crypto_output;
pub mod export;
pub mod import;

use bitcoin::Network;

pub use bsms::BsmsError;

/// Why a wallet could not be set up from, or written to, a set-up format.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// M and N outside 1 ≤ M ≤ N ≤ the most cosigners.
    #[error("a multisig needs 1 ≤ M ≤ N ≤ {max} (M signatures of N cosigners), not {m} of {n}")]
    Threshold {
        /// Signatures required.
        m: usize,
        /// Cosigners given.
        n: usize,
        /// The most cosigners.
        max: usize,
    },
    /// The same key, or two keys of the same seed, given twice.
    #[error("cosigner {second} is the same {what} as cosigner {first} ({fingerprint}): one person would hold two of the keys")]
    DuplicateCosigner {
        /// First occurrence (1-based).
        first: usize,
        /// Repeat (1-based).
        second: usize,
        /// "key" or "seed (master fingerprint)".
        what: &'static str,
        /// Master fingerprint.
        fingerprint: String,
    },
    /// A cosigner key of another script type than the wallet's.
    #[error("cosigner {index} ({fingerprint}) at m/{path} is {found}, not a BIP48 {wanted} key")]
    ScriptMismatch {
        /// Cosigner (1-based).
        index: usize,
        /// Master fingerprint.
        fingerprint: String,
        /// Its derivation path.
        path: String,
        /// What the path is.
        found: String,
        /// The wallet's script (`wsh`, `sh-wsh`).
        wanted: &'static str,
    },
    /// A cosigner key of another network than the wallet's.
    #[error("cosigner {index} ({fingerprint}) is {found}, but the wallet is on {wanted}")]
    NetworkMismatch {
        /// Cosigner (1-based).
        index: usize,
        /// Master fingerprint.
        fingerprint: String,
        /// What the key is.
        found: String,
        /// The wallet's network.
        wanted: Network,
    },
    /// Test-network keys that do not say which test network.
    #[error("the keys are test-network keys (tpub) and nothing says which test network")]
    NetworkUnknown,
    /// Something airsign cannot build or read yet.
    #[error("{0}")]
    Unsupported(String),
    /// A `--cosigner` that is not a key airsign reads.
    #[error("not a cosigner key: {0}")]
    BadCosigner(String),
    /// An import file of no format airsign reads.
    #[error("not a wallet set-up file airsign reads: {0}")]
    UnknownFormat(String),
    /// A Coldcard multisig file airsign cannot read or write.
    #[error("Coldcard multisig file: {0}")]
    Coldcard(String),
    /// A `crypto-output` airsign cannot read or write.
    #[error("crypto-output: {0}")]
    CryptoOutput(String),
    /// Not a valid BIP388 wallet policy.
    #[error("not a valid BIP388 wallet policy: {0}")]
    WalletPolicy(String),
    /// A BSMS record problem.
    #[error(transparent)]
    Bsms(#[from] BsmsError),
}

impl SetupError {
    /// What to do next.
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self {
            SetupError::Threshold { .. } => "give --multisig M with 1 ≤ M ≤ the number of --cosigner keys (at most 15)",
            SetupError::DuplicateCosigner { .. } => "each cosigner brings a key from their own seed; ask for the missing cosigner's export",
            SetupError::ScriptMismatch { .. } => "ask the cosigner for `airsign account export --script wsh-multi` (…/2', for --script wsh) or `--script sh-wsh-multi` (…/1', for --script sh-wsh)",
            SetupError::NetworkMismatch { .. } => "every cosigner exports from a seed of the wallet's network; check --network and each seed (`airsign seed info`)",
            SetupError::NetworkUnknown => "give --network testnet, testnet4, signet or regtest",
            SetupError::Bsms(BsmsError::NeedsToken) => "give the session token with --token-file FILE (hex or decimal, as the coordinator gave it)",
            SetupError::Bsms(BsmsError::MacMismatch) => "check the token with the coordinator; if it is right, the record was altered on the way: get it again",
            SetupError::Bsms(BsmsError::BadSignature { .. }) => "do not use this key: ask its holder to export the key record again and compare fingerprints in person",
            SetupError::Bsms(BsmsError::AddressMismatch { .. }) => "do not use this wallet: the descriptor was altered or the record was made wrong; compare with the coordinator",
            SetupError::UnknownFormat(_) => "airsign reads descriptors, BIP388 policy JSON, BSMS records, Coldcard multisig files, ur:crypto-output, ur:bytes, Caravan JSON and its own wallet files",
            _ => return None,
        })
    }
}
