//! A short, comparable digest of any artefact, for two machines (or two people) to compare.
//!
//! A PSBT is digested in its canonical binary form, so the base64 copy on one laptop and the
//! binary copy on the other agree when (and only when) they hold the same PSBT; signing is
//! deterministic (RFC6979, and BIP340 with `--deterministic`), so two signers of one bundle with
//! one seed produce the same digest. Any other file is digested byte for byte.
use bitcoin::hashes::{sha256, Hash};
use serde::Serialize;

use crate::transport::bytewords;

/// How many leading bytes of the SHA-256 the short form shows: 8 bytes (64 bits) is past what an
/// attacker can grind for a second file with the same short digest; 4 (a bundle id) is not.
pub const SHORT_BYTES: usize = 8;

/// A digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Digest {
    /// `psbt` (canonical binary form) or `file` (the bytes as they are).
    pub kind: &'static str,
    /// The short form: 8 bytewords and the same bytes as hex, `ABLE … (0011…)`.
    pub digest: String,
    /// The 8 bytewords, upper case.
    pub words: String,
    /// The first 8 bytes as hex.
    pub hex: String,
    /// The full SHA-256, hex.
    pub sha256: String,
}

/// Digest `bytes`: a PSBT in any encoding airsign reads is normalized first.
pub fn digest(bytes: &[u8]) -> Digest {
    let (kind, hash) = match crate::bundle::parse::decode(bytes).and_then(|(psbt, version, _)| {
        crate::bundle::parse::encode(&psbt, version, crate::bundle::Encoding::Binary)
    }) {
        Ok(canonical) => ("psbt", sha256::Hash::hash(&canonical)),
        Err(_) => ("file", sha256::Hash::hash(bytes)),
    };
    let short = &hash.as_byte_array()[..SHORT_BYTES];
    let words = short
        .iter()
        .map(|b| bytewords::WORDS[*b as usize].to_uppercase())
        .collect::<Vec<_>>()
        .join(" ");
    let hex = crate::hex::encode(short);
    Digest {
        kind,
        digest: format!("{words} ({hex})"),
        words,
        hex,
        sha256: hash.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_digest_is_its_sha256_with_words() {
        let d = digest(b"abc");
        assert_eq!(d.kind, "file");
        assert_eq!(
            d.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(d.hex, "ba7816bf8f01cfea");
        assert_eq!(d.words.split(' ').count(), 8);
        assert_ne!(digest(b"abd").words, d.words);
    }
}
