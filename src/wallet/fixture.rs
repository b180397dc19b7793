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

/// The fixture wallet's watch-only view of account 0 for `script` on regtest, from `keys` (the
/// test seed's keys).
pub fn watch_only(
    keys: &crate::signer::KeyChain,
    script: super::ScriptType,
) -> Result<super::WatchOnly, crate::Error> {
    use crate::bundle::KeySource;
    let net = bitcoin::Network::Regtest;
    let path = script.account_path(net, 0);
    let e = super::account::export(
        keys.fingerprint(),
        &path,
        &keys.xpub_at(&path)?,
        script,
        0,
        net,
    )?;
    let text = e.multipath.as_deref().ok_or_else(|| {
        super::WalletError::BadDescriptor("the account export has no multipath descriptor".into())
    })?;
    Ok(super::WatchOnly::from_descriptor(text, net)?)
}

/// A PSBT of `n` inputs of `script`, each spending its own one-output funding transaction (so
/// each input carries a small `non_witness_utxo`, as real wallets' UTXOs do), swept to change
/// address 5: the large PSBTs the signing benchmarks and the thread-count tests sign. Past 1,000
/// inputs the receive addresses repeat (wallets scan the first 1,000); the transactions do not.
pub fn sweep(
    keys: &crate::signer::KeyChain,
    script: super::ScriptType,
    n: usize,
) -> Result<bitcoin::Psbt, crate::Error> {
    use crate::bundle::{create, utxo::Utxo};
    let w = watch_only(keys, script)?;
    let mut prev = std::collections::HashMap::new();
    let mut utxos = Vec::with_capacity(n);
    for i in 0..n {
        let spk = w.address(false, (i % 1000) as u32)?.script_pubkey();
        let tx = funding_tx(&[(spk, 10_000 + i as u64)], i as u32);
        utxos.push(Utxo {
            outpoint: OutPoint {
                txid: tx.compute_txid(),
                vout: 0,
            },
            claimed_sats: None,
        });
        prev.insert(tx.compute_txid(), tx);
    }
    let to = w.address(true, 5)?;
    let created = create::create(&create::Request {
        wallet: &w,
        utxos: &utxos,
        prev_txs: &prev,
        recipients: &[],
        send_all: Some(&to),
        fee_rate: 1.0,
        change_index: None,
        height: None,
        locktime: None,
        sequence: None,
        entropy: [0, 0],
    })?;
    Ok(created.psbt)
}
