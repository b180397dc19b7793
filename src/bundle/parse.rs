//! Reading and writing PSBTs: binary, base64 or hex, version 0 or 2, auto-detected, with a size
//! limit. Everything downstream sees one `bitcoin::Psbt` (v0 in memory).
use base64::Engine as _;
use bitcoin::base64;
use bitcoin::Psbt;

use super::{v2, BundleError};

/// Largest PSBT accepted (a 1,000-input P2WPKH PSBT with full previous transactions is ~330 KB).
pub const MAX_PSBT_BYTES: usize = 16 * 1024 * 1024;

/// The PSBT version a bundle came in, so it can go back out the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Version {
    /// BIP174.
    V0,
    /// BIP370.
    V2,
}

/// How a PSBT file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
pub enum Encoding {
    /// Raw bytes (`.psbt`).
    Binary,
    /// Base64 text (what Bitcoin Core and Sparrow paste).
    Base64,
    /// Hex text.
    Hex,
}

/// Decode a PSBT from any of the accepted forms.
pub fn decode(input: &[u8]) -> Result<(Psbt, Version, Encoding), BundleError> {
    if input.len() > MAX_PSBT_BYTES * 2 {
        return Err(BundleError::TooLarge {
            size: input.len(),
            limit: MAX_PSBT_BYTES,
        });
    }
    let (bytes, encoding) = if input.starts_with(b"psbt\xff") {
        (input.to_vec(), Encoding::Binary)
    } else {
        let text = std::str::from_utf8(input)
            .map_err(|_| BundleError::NotPsbt("neither PSBT bytes nor text".into()))?;
        let text: String = text.split_whitespace().collect();
        if text.starts_with("70736274ff") || text.starts_with("70736274FF") {
            let b = hex_decode(&text).ok_or_else(|| BundleError::NotPsbt("bad hex".into()))?;
            (b, Encoding::Hex)
        } else if text.starts_with("cHNidP") {
            let b = base64::engine::general_purpose::STANDARD
                .decode(text.as_bytes())
                .map_err(|e| BundleError::NotPsbt(format!("bad base64: {e}")))?;
            (b, Encoding::Base64)
        } else {
            return Err(BundleError::NotPsbt(
                "does not start with the PSBT magic (psbt\\xff, cHNidP or 70736274ff)".into(),
            ));
        }
    };
    if bytes.len() > MAX_PSBT_BYTES {
        return Err(BundleError::TooLarge {
            size: bytes.len(),
            limit: MAX_PSBT_BYTES,
        });
    }
    let version = v2::version_of(&bytes)?;
    let (v0, version) = match version {
        0 => {
            v2::check_v0_has_no_v2_fields(&bytes)?;
            (bytes, Version::V0)
        }
        2 => (v2::v2_to_v0(&bytes)?, Version::V2),
        v => {
            return Err(BundleError::Invalid(format!(
                "PSBT version {v} is not supported (0 and 2 are)"
            )))
        }
    };
    let psbt = Psbt::deserialize(&v0).map_err(BundleError::Psbt)?;
    Ok((psbt, version, encoding))
}

/// Serialise a PSBT in the given version and encoding.
pub fn encode(psbt: &Psbt, version: Version, encoding: Encoding) -> Result<Vec<u8>, BundleError> {
    let v0 = psbt.serialize();
    let bytes = match version {
        Version::V0 => v0,
        Version::V2 => v2::v0_to_v2(&v0, &psbt.unsigned_tx)?,
    };
    Ok(match encoding {
        Encoding::Binary => bytes,
        Encoding::Base64 => {
            let mut s = base64::engine::general_purpose::STANDARD
                .encode(bytes)
                .into_bytes();
            s.push(b'\n');
            s
        }
        Encoding::Hex => {
            let mut s = hex_encode(&bytes).into_bytes();
            s.push(b'\n');
            s
        }
    })
}

pub use crate::hex::{decode as hex_decode, encode as hex_encode};

/// A finalized PSBT as a script interpreter needs it: the transaction with each input's final
/// scriptSig and witness, and each input's spent output (`witness_utxo`, else the
/// `non_witness_utxo`'s output, whose txid must be the outpoint's), `None` where the PSBT has
/// neither. For BIP322 proof of funds; nothing here says the outputs exist on chain.
pub fn finalized_spend(
    bytes: &[u8],
) -> Result<(bitcoin::Transaction, Vec<Option<bitcoin::TxOut>>), BundleError> {
    let (psbt, _, _) = decode(bytes)?;
    // A previous transaction given on one input serves every input spending from it (wallets
    // write it once).
    let mut prev_txs = std::collections::HashMap::new();
    for (txin, input) in psbt.unsigned_tx.input.iter().zip(&psbt.inputs) {
        if let Some(prev) = &input.non_witness_utxo {
            if prev.compute_txid() != txin.previous_output.txid {
                return Err(BundleError::Invalid(
                    "a previous transaction is not the one the input spends".into(),
                ));
            }
            prev_txs.insert(txin.previous_output.txid, prev);
        }
    }
    let mut spent = Vec::with_capacity(psbt.inputs.len());
    for (txin, input) in psbt.unsigned_tx.input.iter().zip(&psbt.inputs) {
        let out = match &input.witness_utxo {
            Some(o) => Some(o.clone()),
            None => prev_txs
                .get(&txin.previous_output.txid)
                .and_then(|prev| prev.output.get(txin.previous_output.vout as usize).cloned()),
        };
        spent.push(out);
    }
    Ok((psbt.extract_tx_unchecked_fee_rate(), spent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_a_clean_error() {
        for bad in [
            &b""[..],
            b"hello",
            b"psbt\xff",
            b"psbt\xff\x01\x00",
            b"cHNidP8",
            b"\xff\xfe",
        ] {
            assert!(decode(bad).is_err());
        }
    }
}
