//! The bundle id: a short fingerprint of the unsigned transaction that both sides print, so a
//! person can check the same transaction crossed the gap. The first 4 bytes of SHA-256 over the
//! unsigned txid, as 4 bytewords (Blockchain Commons list) and as hex.
use bitcoin::hashes::{sha256, Hash};
use bitcoin::Txid;

use crate::transport::bytewords;

/// A bundle id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundleId([u8; 4]);

impl BundleId {
    /// The id of the transaction with this unsigned txid.
    pub fn of(txid: &Txid) -> Self {
        let h = sha256::Hash::hash(txid.as_byte_array());
        let mut b = [0u8; 4];
        b.copy_from_slice(&h.as_byte_array()[..4]);
        BundleId(b)
    }

    /// The id of a transaction before or after signing: scriptSigs and witnesses are emptied
    /// first, which gives back the PSBT's unsigned transaction and so the same id.
    pub fn of_transaction(tx: &bitcoin::Transaction) -> Self {
        let mut unsigned = tx.clone();
        for input in &mut unsigned.input {
            input.script_sig = bitcoin::ScriptBuf::new();
            input.witness = bitcoin::Witness::new();
        }
        Self::of(&unsigned.compute_txid())
    }

    /// `LAVA GYRO TUNA ZERO`
    pub fn words(&self) -> String {
        self.0
            .iter()
            .map(|b| bytewords::WORDS[*b as usize].to_uppercase())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `3f9a01cc`
    pub fn hex(&self) -> String {
        super::parse::hex_encode(&self.0)
    }
}

impl std::fmt::Display for BundleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.words(), self.hex())
    }
}

impl serde::Serialize for BundleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}
