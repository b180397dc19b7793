//! Networks: whether a path's BIP44-style coin type fits the keys' network, and which network a
//! PSBT is for when nobody said (global xpubs, coin types in derivation paths).
use bitcoin::bip32::{ChildNumber, DerivationPath};
use bitcoin::{Network, NetworkKind, Psbt};
use serde::Serialize;

use crate::wallet::script_type::coin_type;

/// Purposes whose second step is a coin type.
const PURPOSES_WITH_COIN_TYPE: [u32; 6] = [44, 45, 48, 49, 84, 86];

fn coin_of(path: &DerivationPath) -> Option<ChildNumber> {
    let mut steps = path.into_iter();
    match (steps.next(), steps.next()) {
        (Some(ChildNumber::Hardened { index }), Some(coin))
            if PURPOSES_WITH_COIN_TYPE.contains(index) =>
        {
            Some(*coin)
        }
        _ => None,
    }
}

/// A message if `path` is a BIP44/48/49/84/86 path for another network than `network`.
pub(super) fn coin_type_problem(path: &DerivationPath, network: Network) -> Option<String> {
    let coin = coin_of(path)?;
    let want = coin_type(network);
    match coin {
        ChildNumber::Hardened { index } if index == want => None,
        other => Some(format!(
            "path m/{path} uses coin type {other}, but this seed is for {network} (coin type {want}')"
        )),
    }
}

/// Which network a PSBT says it is for, and how we know.
#[derive(Debug, Clone, Serialize)]
pub struct InferredNetwork {
    /// The network, when the PSBT says (test networks share coin type 1' and tpub keys: testnet
    /// stands for all of them).
    pub network: Option<Network>,
    /// How it was inferred, in plain words.
    pub why: String,
}

/// Infer the network from the global xpubs and the coin types of every derivation path.
/// Contradicting evidence gives no answer rather than a guess.
pub fn infer_network(psbt: &Psbt) -> InferredNetwork {
    let mut main = Vec::new();
    let mut test = Vec::new();
    for x in psbt.xpub.keys() {
        match x.network {
            NetworkKind::Main => main.push("an xpub"),
            NetworkKind::Test => test.push("a tpub"),
        }
    }
    let paths = psbt
        .inputs
        .iter()
        .flat_map(|i| {
            i.bip32_derivation
                .values()
                .map(|(_, p)| p)
                .chain(i.tap_key_origins.values().map(|(_, (_, p))| p))
        })
        .chain(psbt.outputs.iter().flat_map(|o| {
            o.bip32_derivation
                .values()
                .map(|(_, p)| p)
                .chain(o.tap_key_origins.values().map(|(_, (_, p))| p))
        }));
    for p in paths {
        match coin_of(p) {
            Some(ChildNumber::Hardened { index: 0 }) => main.push("coin type 0'"),
            Some(ChildNumber::Hardened { index: 1 }) => test.push("coin type 1'"),
            _ => {}
        }
    }
    let first = |v: &[&str]| v.first().copied().unwrap_or_default().to_string();
    match (main.is_empty(), test.is_empty()) {
        (false, true) => InferredNetwork {
            network: Some(Network::Bitcoin),
            why: format!("inferred from the PSBT ({})", first(&main)),
        },
        (true, false) => InferredNetwork {
            network: Some(Network::Testnet),
            why: format!(
                "inferred from the PSBT ({}): a test network — testnet, signet and regtest look alike; give --network for regtest addresses",
                first(&test)
            ),
        },
        (false, false) => InferredNetwork {
            network: None,
            why: format!(
                "unknown: the PSBT mixes mainnet ({}) and test-network ({}) evidence",
                first(&main),
                first(&test)
            ),
        },
        (true, true) => InferredNetwork {
            network: None,
            why: "unknown: the PSBT has no extended keys or BIP44-style derivation paths".into(),
        },
    }
}

/// The network to review on: as given, else the wallet's, else what the PSBT itself says — with
/// how it was decided, in plain words for the user.
pub fn network_for(
    given: Option<Network>,
    wallet: Option<&crate::wallet::WatchOnly>,
    psbt: &Psbt,
) -> (Network, String) {
    match (given, wallet) {
        (Some(n), _) => (n, "given with --network".to_string()),
        (None, Some(w)) => (w.network, "the wallet's".to_string()),
        (None, None) => {
            let inferred = infer_network(psbt);
            match inferred.network {
                Some(n) => (n, inferred.why),
                None => (
                    Network::Bitcoin,
                    format!(
                        "{}; addresses shown as mainnet — give --network",
                        inferred.why
                    ),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::bip32::{DerivationPath, Fingerprint};

    fn psbt_with_path(path: &str) -> Psbt {
        let tx = bitcoin::Transaction {
            version: bitcoin::transaction::Version::TWO,
            lock_time: bitcoin::absolute::LockTime::ZERO,
            input: vec![bitcoin::TxIn::default()],
            output: vec![],
        };
        let mut p = Psbt::from_unsigned_tx(tx).unwrap();
        if !path.is_empty() {
            let pk: bitcoin::secp256k1::PublicKey =
                "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
                    .parse()
                    .unwrap();
            let path: DerivationPath = path.parse().unwrap();
            p.inputs[0]
                .bip32_derivation
                .insert(pk, (Fingerprint::default(), path));
        }
        p
    }

    #[test]
    fn coin_type_says_the_network() {
        let main = infer_network(&psbt_with_path("m/84'/0'/0'/0/1"));
        assert_eq!(main.network, Some(Network::Bitcoin));
        assert!(main.why.contains("coin type 0'"));
        let test = infer_network(&psbt_with_path("m/86'/1'/0'/1/0"));
        assert_eq!(test.network, Some(Network::Testnet));
        assert!(test.why.contains("--network"));
        let none = infer_network(&psbt_with_path(""));
        assert_eq!(none.network, None);
        assert!(none.why.starts_with("unknown"));
    }

    #[test]
    fn given_beats_wallet_beats_psbt() {
        let p = psbt_with_path("m/84'/1'/0'/0/1");
        assert_eq!(
            network_for(Some(Network::Regtest), None, &p).0,
            Network::Regtest
        );
        assert_eq!(network_for(None, None, &p).0, Network::Testnet);
        let (n, why) = network_for(None, None, &psbt_with_path(""));
        assert_eq!(n, Network::Bitcoin);
        assert!(why.contains("give --network"), "{why}");
    }
}
