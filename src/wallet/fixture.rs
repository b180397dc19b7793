//! The regtest fixture wallet used by `airsign demo` and the tests: the PUBLIC BIP39 test mnemonic
//! (`abandon … about`) — known to everyone, never usable for real funds — and made-up funding
//! transactions paying its addresses. Only valid on regtest.
use bitcoin::absolute::LockTime;
use bitcoin::hashes::{sha256d, Hash};
use bitcoin::transaction::Version;
use bitcoin::{Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid, Witness};

/// The public BIP39 test mnemonic. Anyone can spend coins sent to it.
pub const TEST_MNEMONIC: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

/// Its master fingerprint.
pub const TEST_FINGERPRINT: &str = "73c5da0a";

/// A made-up transaction paying `outputs`; its input spends a fake outpoint derived from `salt`.
pub fn funding_tx(outputs: &[(ScriptBuf, u64)], salt: u32) -> Transaction {
    let fake = Txid::from_raw_hash(sha256d::Hash::hash(&salt.to_le_bytes()));
    Transaction {
        version: Version::TWO,
        lock_time: LockTime::ZERO,
        input: vec![TxIn {
            previous_output: OutPoint {
                txid: fake,
                vout: 0,
            },
            script_sig: ScriptBuf::from_bytes(vec![0x51]),
            sequence: Sequence::MAX,
            witness: Witness::new(),
        }],
        output: outputs
            .iter()
            .map(|(s, v)| TxOut {
                value: Amount::from_sat(*v),
                script_pubkey: s.clone(),
            })
            .collect(),
    }
}
