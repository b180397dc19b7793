//! Script types and their BIP44/48/49/84/86 derivation paths.
use std::fmt;

use bitcoin::bip32::{ChildNumber, DerivationPath};
use bitcoin::Network;

/// The script types airsign exports and signs for, with their standard derivation paths.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum ScriptType {
    /// Legacy P2PKH, BIP44 (`m/44'/coin'/account'`).
    Pkh,
    /// Nested segwit P2SH-P2WPKH, BIP49.
    ShWpkh,
    /// Native segwit P2WPKH, BIP84.
    Wpkh,
    /// Taproot key path P2TR, BIP86.
    Tr,
    /// Multisig P2WSH key, BIP48 script type 2'.
    WshMulti,
    /// Multisig P2SH-P2WSH key, BIP48 script type 1'.
    ShWshMulti,
}

impl ScriptType {
    /// Every type, in the order shown in help.
    pub const ALL: [ScriptType; 6] = [
        ScriptType::Pkh,
        ScriptType::ShWpkh,
        ScriptType::Wpkh,
        ScriptType::Tr,
        ScriptType::WshMulti,
        ScriptType::ShWshMulti,
    ];

    /// The BIP43 purpose.
    pub fn purpose(self) -> u32 {
        match self {
            ScriptType::Pkh => 44,
            ScriptType::ShWpkh => 49,
            ScriptType::Wpkh => 84,
            ScriptType::Tr => 86,
            ScriptType::WshMulti | ScriptType::ShWshMulti => 48,
        }
    }

    /// Single-sig type for a purpose number (44/49/84/86).
    pub fn single_sig_for_purpose(purpose: u32) -> Option<ScriptType> {
        match purpose {
            44 => Some(ScriptType::Pkh),
            49 => Some(ScriptType::ShWpkh),
            84 => Some(ScriptType::Wpkh),
            86 => Some(ScriptType::Tr),
            _ => None,
        }
    }

    /// Whether this is a multisig key type (BIP48).
    pub fn is_multisig(self) -> bool {
        matches!(self, ScriptType::WshMulti | ScriptType::ShWshMulti)
    }

    /// The account path: `m/purpose'/coin'/account'` (plus `/script'` for BIP48).
    ///
    /// # Panics
    /// If `account` is 2^31 or more (not a hardened index). `commands::account` rejects such
    /// values before calling; library callers must too.
    pub fn account_path(self, network: Network, account: u32) -> DerivationPath {
        let h = |i: u32| ChildNumber::from_hardened_idx(i).expect("index below 2^31");
        let mut path = vec![h(self.purpose()), h(coin_type(network)), h(account)];
        match self {
            ScriptType::WshMulti => path.push(h(2)),
            ScriptType::ShWshMulti => path.push(h(1)),
            _ => {}
        }
        DerivationPath::from(path)
    }
}

/// SLIP44 coin type: 0 on mainnet, 1 on every test network.
pub fn coin_type(network: Network) -> u32 {
    if network == Network::Bitcoin {
        0
    } else {
        1
    }
}

impl fmt::Display for ScriptType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ScriptType::Pkh => "pkh",
            ScriptType::ShWpkh => "sh-wpkh",
            ScriptType::Wpkh => "wpkh",
            ScriptType::Tr => "tr",
            ScriptType::WshMulti => "wsh-multi",
            ScriptType::ShWshMulti => "sh-wsh-multi",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_paths() {
        assert_eq!(
            ScriptType::Wpkh
                .account_path(Network::Bitcoin, 0)
                .to_string(),
            "84'/0'/0'"
        );
        assert_eq!(
            ScriptType::Tr.account_path(Network::Regtest, 3).to_string(),
            "86'/1'/3'"
        );
        assert_eq!(
            ScriptType::WshMulti
                .account_path(Network::Testnet, 0)
                .to_string(),
            "48'/1'/0'/2'"
        );
        assert_eq!(
            ScriptType::ShWshMulti
                .account_path(Network::Bitcoin, 1)
                .to_string(),
            "48'/0'/1'/1'"
        );
    }
}
