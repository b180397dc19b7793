//! Message signatures: BIP322 generic signed messages (simple and full encodings).
//!
//! Used by approvals and key checks: a key holder proves control of an address by signing a text.
//! This module builds and checks the BIP322 virtual transactions (`to_spend`, `to_sign`) and signs
//! with a key handed in by the caller; it never reads seeds or files.
//!
//! Supported: verify P2WPKH and P2TR key path (simple and full), P2SH-P2WPKH (full, and simple with
//! the redeem script rebuilt from the witness key), P2PKH (full), and script spends (P2WSH,
//! P2SH-P2WSH, P2SH, taproot script path) whose script is miniscript, through miniscript's
//! interpreter; sign (simple) P2WPKH and P2TR key path. Everything else (scripts that are not
//! miniscript, proof of funds) is a clear error. Legacy (BIP137) signatures by a known key, as BSMS
//! key records carry them, are in [`legacy`].

mod bip322;
pub mod legacy;

pub use bip322::{
    decode_signature, message_hash, sign_simple, to_sign, to_spend, verify, verify_address,
    AddressKind, Encoding, Proof, Verified, MAX_SIGNATURE_CHARS, MESSAGE_TAG,
};

/// Why a message signature could not be made or does not verify. Never a panic, whatever the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// Nothing to decode.
    #[error("signature too short: it is empty")]
    TooShort,
    /// Longer than any signature this module reads.
    #[error("signature too long: more than {0} characters")]
    TooLong(usize),
    /// Not base64 (after an optional `smp`/`ful` prefix).
    #[error("error decoding signature as base64: {0}")]
    Base64(String),
    /// Base64, but not a consensus-encoded witness stack.
    #[error("error parsing signature as simple variant: {0}")]
    SimpleParse(String),
    /// Base64, but not a consensus-encoded `to_sign` transaction.
    #[error("error parsing signature as full variant: {0}")]
    FullParse(String),
    /// Well-formed, but it does not prove this message for this address.
    #[error("invalid signature: {0}")]
    Invalid(&'static str),
    /// The address text does not parse.
    #[error("invalid address: {0}")]
    Address(String),
    /// A valid BIP322 form this module does not handle.
    #[error("unsupported BIP322 signature: {0}")]
    Unsupported(&'static str),
    /// Signing with a key that is not the address's key.
    #[error("the key does not belong to this address")]
    KeyMismatch,
}
