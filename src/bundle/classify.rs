//! What a file or a scanned payload is: a PSBT (any encoding, normalised to binary), a raw
//! transaction, a descriptor, an account export, text or bytes — so the QR layer can pick the UR
//! or BBQr type, and `qr scan` can say what arrived.
use super::{decode, encode, BundleId, Encoding};
use crate::transport::assemble::Source;
use crate::transport::frames::Kind;

/// Normalise a file for showing: PSBTs in base64/hex become binary; hex transactions become raw.
pub fn classify(bytes: Vec<u8>) -> (Vec<u8>, Kind) {
    if bytes.starts_with(b"psbt\xff") {
        return (bytes, Kind::Psbt);
    }
    if let Ok((psbt, version, _)) = decode(&bytes) {
        if let Ok(b) = encode(&psbt, version, Encoding::Binary) {
            return (b, Kind::Psbt);
        }
    }
    if let Ok(text) = std::str::from_utf8(&bytes) {
        let t = text.trim();
        if let Some(raw) = crate::hex::decode(t) {
            if bitcoin::consensus::encode::deserialize::<bitcoin::Transaction>(&raw).is_ok() {
                return (raw, Kind::Transaction);
            }
        }
        return (t.as_bytes().to_vec(), Kind::Text);
    }
    if bitcoin::consensus::encode::deserialize::<bitcoin::Transaction>(&bytes).is_ok() {
        return (bytes, Kind::Transaction);
    }
    (bytes, Kind::Binary)
}

/// What a received payload is, in one word for people and scripts.
pub fn describe(source: &Source, data: &[u8]) -> &'static str {
    if let Source::Ur { ur_type } = source {
        match ur_type.as_str() {
            "crypto-account" | "account-descriptor" => return "account",
            "crypto-output" | "output-descriptor" => return "output-descriptor",
            _ => {}
        }
    }
    match classify(data.to_vec()).1 {
        Kind::Psbt => "psbt",
        Kind::Transaction => "transaction",
        Kind::Text
            if crate::wallet::descriptor::parse_public(&String::from_utf8_lossy(data)).is_ok() =>
        {
            "descriptor"
        }
        Kind::Text => "text",
        Kind::Cbor => "cbor",
        Kind::Binary => "binary",
    }
}

/// `airsign bundle <id>` for a PSBT or a transaction, so both sides can compare what a QR
/// carries.
pub fn caption(payload: &[u8], kind: Kind) -> Option<String> {
    let id = match kind {
        Kind::Psbt => decode(payload)
            .ok()
            .map(|(psbt, _, _)| BundleId::of(&psbt.unsigned_tx.compute_txid())),
        Kind::Transaction => {
            bitcoin::consensus::encode::deserialize::<bitcoin::Transaction>(payload)
                .ok()
                .map(|tx| BundleId::of_transaction(&tx))
        }
        _ => None,
    }?;
    Some(format!("airsign bundle {id}"))
}
