//! Message signatures: BIP322 generic signed messages (simple, full, proof of funds) and legacy
//! BIP137 ones.
//!
//! Used by approvals and key checks: a key holder proves control of an address by signing a text.
//! This module builds and checks the BIP322 virtual transactions (`to_spend`, `to_sign`) and signs
//! with a key handed in by the caller; it never reads seeds or files.
//!
//! Signing: [`sign_simple`] (P2WPKH, P2SH-P2WPKH, P2TR key path), [`sign_full`] (those and P2PKH)
//! and [`legacy::sign_as`] (BIP137 headers per address type). [`verify_message`] reads any of the
//! three (a legacy signature is told apart by its shape) and checks it against an address.
//! [`armor`] reads and writes the armored block Coldcard writes; [`request`] reads SeedSigner's
//! and Jade's `signmessage` QR request.
//!
//! Verified: P2WPKH and P2TR key path (simple and full), P2SH-P2WPKH (full, and simple with the
//! redeem script rebuilt from the witness key), P2PKH (full), script spends (P2WSH, P2SH-P2WSH,
//! P2SH, taproot script path) through miniscript's interpreter, or Bitcoin Core's when the script
//! is not miniscript, and proofs of funds (every input a valid spend; whether the coins exist is
//! the caller's to check). Legacy (BIP137) signatures by a known key, as BSMS key records carry
//! them, and by address, are in [`legacy`].

pub mod armor;
mod bip322;
pub mod legacy;
pub mod request;

pub use bip322::{
    decode_signature, message_hash, sign_full, sign_script, sign_simple, to_sign, to_spend, verify,
    verify_address, AddressKind, Encoding, Proof, Verified, MAX_SIGNATURE_CHARS, MESSAGE_TAG,
};

/// The three signature formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// BIP137 / Bitcoin Core `signmessage`: 65 bytes, recoverable ECDSA.
    Legacy,
    /// BIP322 simple: the witness stack.
    Simple,
    /// BIP322 full: the whole `to_sign` transaction.
    Full,
    /// BIP322 proof of funds: a finalized PSBT of `to_sign` with the coins as more inputs
    /// (verified only; whether the coins exist is not checked).
    #[serde(rename = "proof-of-funds")]
    ProofOfFunds,
}

impl Format {
    /// The name used on the command line, in JSON and in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Legacy => "legacy",
            Format::Simple => "simple",
            Format::Full => "full",
            Format::ProofOfFunds => "proof-of-funds",
        }
    }
}

/// Sign `message` for the single-key address `script_pubkey` with `key` in `format`. Taproot
/// has no legacy format; P2PKH has no simple one (both: [`MessageError::Unsupported`]).
pub fn sign(
    script_pubkey: &bitcoin::Script,
    key: &bitcoin::secp256k1::SecretKey,
    message: &[u8],
    format: Format,
) -> Result<String, MessageError> {
    match format {
        Format::Simple => sign_simple(script_pubkey, key, message),
        Format::Full => sign_full(script_pubkey, key, message),
        Format::ProofOfFunds => Err(MessageError::Unsupported(
            "airsign does not make proofs of funds",
        )),
        Format::Legacy => {
            let kind = legacy::LegacyKind::for_script(script_pubkey).ok_or(
                MessageError::Unsupported(
                    "only P2PKH, P2SH-P2WPKH and P2WPKH addresses have a legacy format (taproot signs with BIP322: --format simple)",
                ),
            )?;
            let secp = bitcoin::secp256k1::Secp256k1::new();
            let cpk = bitcoin::CompressedPublicKey(key.public_key(&secp));
            let ours = match kind {
                legacy::LegacyKind::P2pkh => bitcoin::ScriptBuf::new_p2pkh(&cpk.pubkey_hash()),
                legacy::LegacyKind::P2wpkh => bitcoin::ScriptBuf::new_p2wpkh(&cpk.wpubkey_hash()),
                legacy::LegacyKind::P2shP2wpkh => bitcoin::ScriptBuf::new_p2sh(
                    &bitcoin::ScriptBuf::new_p2wpkh(&cpk.wpubkey_hash()).script_hash(),
                ),
            };
            if ours != *script_pubkey {
                return Err(MessageError::KeyMismatch);
            }
            Ok(legacy::sign_as(key, message, kind))
        }
    }
}

/// The format BIP322 names for an address by default: legacy for P2PKH (it has no witness),
/// simple for everything else.
pub fn default_format(script_pubkey: &bitcoin::Script) -> Format {
    if script_pubkey.is_p2pkh() {
        Format::Legacy
    } else {
        Format::Simple
    }
}

/// What [`verify_message`] found valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    /// The signature's format.
    pub format: Format,
    /// For a legacy signature, its header byte.
    pub header: Option<u8>,
}

/// Verify a legacy (BIP137) or BIP322 (simple or full) signature of `message` by `address` (any
/// network: the proof is about the scriptPubKey). A base64 text of 65 bytes starting with 27–42
/// is legacy; anything else BIP322.
pub fn verify_message(
    address: &str,
    message: &[u8],
    signature: &str,
) -> Result<Checked, MessageError> {
    let parsed: bitcoin::Address<bitcoin::address::NetworkUnchecked> = address
        .trim()
        .parse()
        .map_err(|e: bitcoin::address::ParseError| MessageError::Address(e.to_string()))?;
    let spk = parsed.assume_checked().script_pubkey();
    if legacy::looks_legacy(signature) {
        let v = legacy::verify_script(&spk, message, signature)?;
        return Ok(Checked {
            format: Format::Legacy,
            header: Some(v.header),
        });
    }
    let v = verify(&spk, message, signature)?;
    Ok(Checked {
        format: match v.encoding {
            Encoding::Simple => Format::Simple,
            Encoding::Full => Format::Full,
            Encoding::ProofOfFunds => Format::ProofOfFunds,
        },
        header: None,
    })
}

/// The text airsign's own signed statements begin with (approvals: `airsign approval v1`, key
/// checks: `airsign keycheck v1`). `message sign` refuses any message that begins with it, so a
/// message signature can never stand in for an approval of a transaction the approver never
/// reviewed (adversarial pass 6, F4).
pub const RESERVED_PREFIX: &str = "airsign ";

/// Whether `message` begins (after leading whitespace, any case) with [`RESERVED_PREFIX`].
pub fn is_reserved(message: &[u8]) -> bool {
    let start = message
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(message.len());
    let rest = &message[start..];
    let rest = rest.strip_prefix("\u{feff}".as_bytes()).unwrap_or(rest);
    rest.len() >= RESERVED_PREFIX.len()
        && rest[..RESERVED_PREFIX.len()].eq_ignore_ascii_case(RESERVED_PREFIX.as_bytes())
}

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
    /// Base64 after `pof`, but not a finalized PSBT.
    #[error("error parsing signature as proof of funds: {0}")]
    FundsParse(String),
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
    /// An armored signed-message block that cannot be read.
    #[error("not a signed-message block: {0}")]
    Armor(&'static str),
    /// A `signmessage` QR request that cannot be read.
    #[error("not a signmessage request: {0}")]
    Request(&'static str),
    /// The message begins like one of airsign's own signed statements (an approval, a key check).
    #[error("refused: the message begins with \"airsign \", as airsign's approvals and key checks do; a message signature must never pass for one (use `airsign approve` to approve a transaction)")]
    Reserved,
    /// Signing with a key that is not the address's key.
    #[error("the key does not belong to this address")]
    KeyMismatch,
}
