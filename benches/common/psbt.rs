//! The large PSBTs the signing benchmarks sign, built from the public test seed: `n` inputs
//! sweeping `n` one-output funding transactions to our change (so each input carries a small
//! `non_witness_utxo`, as real wallets' UTXOs do). Shared by `benches/sign.rs` and
//! `examples/sign_bench.rs` (which writes them for `scripts/bench_sign.sh` and the peers).
use airsign::bundle::{self, Encoding, Version};
use airsign::secrets::Mnemonic;
use airsign::signer::KeyChain;
use airsign::wallet::fixture::{self, TEST_MNEMONIC};
use airsign::wallet::ScriptType;
use bitcoin::Network;

/// The test seed's keys (regtest).
pub fn keys() -> KeyChain {
    KeyChain::from_seed(
        &Mnemonic::parse(TEST_MNEMONIC)
            .unwrap()
            .to_seed("", Network::Regtest),
    )
    .unwrap()
}

/// A binary PSBT of `n_inputs` inputs of `script`, all ours (`wallet::fixture::sweep`).
pub fn big_psbt_n(script: ScriptType, n_inputs: usize) -> Vec<u8> {
    let psbt = fixture::sweep(&keys(), script, n_inputs).unwrap();
    bundle::encode(&psbt, Version::V0, Encoding::Binary).unwrap()
}
