//! The large PSBTs the signing benchmarks sign, built from the public test seed: `n` inputs
//! sweeping `n` one-output funding transactions to our change (so each input carries a small
//! `non_witness_utxo`, as real wallets' UTXOs do). Shared by `benches/sign.rs` and
//! `examples/sign_bench.rs` (which writes them for `scripts/bench_sign.sh` and the peers).
use std::collections::HashMap;

use airsign::bundle::{self, create, utxo::Utxo, Encoding, KeySource, Version};
use airsign::secrets::Mnemonic;
use airsign::signer::KeyChain;
use airsign::wallet::fixture::{funding_tx, TEST_MNEMONIC};
use airsign::wallet::{account, ScriptType, WatchOnly};
use bitcoin::{Network, OutPoint};

/// The test seed's keys (regtest).
pub fn keys() -> KeyChain {
    KeyChain::from_seed(
        &Mnemonic::parse(TEST_MNEMONIC)
            .unwrap()
            .to_seed("", Network::Regtest),
    )
    .unwrap()
}

/// A binary PSBT of `n_inputs` inputs of `script`, all ours.
pub fn big_psbt_n(script: ScriptType, n_inputs: usize) -> Vec<u8> {
    let k = keys();
    let path = script.account_path(Network::Regtest, 0);
    let e = account::export(
        k.fingerprint(),
        &path,
        &k.xpub_at(&path).unwrap(),
        script,
        0,
        Network::Regtest,
    )
    .unwrap();
    let w = WatchOnly::from_descriptor(e.multipath.as_deref().unwrap(), Network::Regtest).unwrap();
    let mut prev = HashMap::new();
    let mut utxos = Vec::new();
    for i in 0..n_inputs {
        // Past 1,000 inputs addresses repeat (wallets scan the first 1,000), transactions don't.
        let tx = funding_tx(
            &[(
                w.address(false, (i % 1000) as u32).unwrap().script_pubkey(),
                10_000 + i as u64,
            )],
            i as u32,
        );
        utxos.push(Utxo {
            outpoint: OutPoint {
                txid: tx.compute_txid(),
                vout: 0,
            },
            claimed_sats: None,
        });
        prev.insert(tx.compute_txid(), tx);
    }
    let to = w.address(true, 5).unwrap();
    let c = create::create(&create::Request {
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
    })
    .unwrap();
    bundle::encode(&c.psbt, Version::V0, Encoding::Binary).unwrap()
}
