//! Watch-only wallets: a receive and a change descriptor on one network, with address derivation
//! and script lookup. Public keys only.
use std::collections::HashMap;
use std::str::FromStr;

use bitcoin::{Network, NetworkKind, ScriptBuf};
use miniscript::descriptor::{
    DefiniteDescriptorKey, Descriptor, DescriptorPublicKey, DescriptorType, XKeyNetwork,
};
use miniscript::ForEachKey;

use super::{ScriptType, WalletError};

/// How far past the last used index we look for our scripts (BIP44's gap limit, doubled).
pub const DEFAULT_LOOKAHEAD: u32 = 1000;

/// A watch-only wallet: receive (`/0/*`) and change (`/1/*`) descriptors on one network.
#[derive(Debug, Clone)]
pub struct WatchOnly {
    /// Network the wallet is on.
    pub network: Network,
    /// Receive descriptor.
    pub external: Descriptor<DescriptorPublicKey>,
    /// Change descriptor.
    pub internal: Descriptor<DescriptorPublicKey>,
    /// Next unused receive index (from a wallet file; 0 otherwise).
    pub next_receive: u32,
    /// Next unused change index.
    pub next_change: u32,
}

/// Parse a public descriptor, refusing private keys and checking the checksum when present.
pub fn parse_public(text: &str) -> Result<Descriptor<DescriptorPublicKey>, WalletError> {
    let text = text.trim();
    if text.contains("prv") {
        // xprv/tprv in a descriptor on the online side is a leak waiting to happen.
        let secp = bitcoin::secp256k1::Secp256k1::signing_only();
        if Descriptor::parse_descriptor(&secp, text).is_ok_and(|(_, keys)| !keys.is_empty()) {
            return Err(WalletError::PrivateDescriptor);
        }
    }
    let d: Descriptor<DescriptorPublicKey> = Descriptor::from_str(text)
        .map_err(|e| WalletError::BadDescriptor(crate::sanitize::escape(&e.to_string())))?;
    // BIP32 vector 5: a master key (depth 0) has no parent and child number 0; rust-bitcoin
    // does not check this, so we do.
    let bad_master = !d.for_each_key(|k| match k {
        DescriptorPublicKey::XPub(x) => {
            x.xkey.depth != 0
                || (x.xkey.parent_fingerprint == Default::default()
                    && u32::from(x.xkey.child_number) == 0)
        }
        DescriptorPublicKey::MultiXPub(x) => {
            x.xkey.depth != 0
                || (x.xkey.parent_fingerprint == Default::default()
                    && u32::from(x.xkey.child_number) == 0)
        }
        _ => true,
    });
    if bad_master {
        return Err(WalletError::BadDescriptor(
            "an extended key of depth 0 must have a zero parent fingerprint and child number"
                .into(),
        ));
    }
    Ok(d)
}

fn check_network(d: &Descriptor<DescriptorPublicKey>, network: Network) -> Result<(), WalletError> {
    match d.xkey_network() {
        XKeyNetwork::Single(kind) if kind != NetworkKind::from(network) => {
            Err(WalletError::WrongNetwork(network))
        }
        XKeyNetwork::Mixed => Err(WalletError::WrongNetwork(network)),
        _ => Ok(()),
    }
}

/// Whether every extended key of `d` ends in `/branch/*` with an unhardened wildcard.
fn on_branch(d: &Descriptor<DescriptorPublicKey>, branch: u32) -> bool {
    use bitcoin::bip32::ChildNumber;
    use miniscript::descriptor::Wildcard;
    d.for_each_key(|k| match k {
        DescriptorPublicKey::XPub(x) => {
            x.wildcard == Wildcard::Unhardened
                && x.derivation_path.into_iter().last()
                    == Some(&ChildNumber::Normal { index: branch })
        }
        DescriptorPublicKey::MultiXPub(_) => false,
        DescriptorPublicKey::Single(_) => true,
    })
}

impl WatchOnly {
    /// From one descriptor: a BIP389 multipath `/<0;1>/*`, or a receive descriptor ending in
    /// `/0/*` (the change descriptor is the same with `/1/*`).
    pub fn from_descriptor(text: &str, network: Network) -> Result<Self, WalletError> {
        let d = parse_public(text)?;
        let (external, internal) = if d.is_multipath() {
            let mut v = d
                .into_single_descriptors()
                .map_err(|e| WalletError::BadDescriptor(e.to_string()))?;
            if v.len() != 2 {
                return Err(WalletError::BadDescriptor(
                    "a multipath descriptor must have exactly two paths <0;1>".into(),
                ));
            }
            let internal = v.pop().expect("two");
            (v.pop().expect("two"), internal)
        } else {
            let s = d.to_string();
            let body = s.split('#').next().unwrap_or(&s);
            if !body.contains("/0/*") {
                return Err(WalletError::BadDescriptor(
                    "give a multipath descriptor (/<0;1>/*) or a receive descriptor ending in /0/*, or a wallet file".into(),
                ));
            }
            let internal = parse_public(&body.replace("/0/*", "/1/*"))?;
            (d, internal)
        };
        Self::new(external, internal, network, 0)
    }

    /// From a receive and a change descriptor (as a wallet file stores them).
    pub fn from_descriptors(
        external: &str,
        internal: &str,
        network: Network,
    ) -> Result<Self, WalletError> {
        Self::new(parse_public(external)?, parse_public(internal)?, network, 0)
    }

    /// From the JSON wallet file (version 1 or 2; see [`super::file`]).
    pub fn from_wallet_file(bytes: &[u8]) -> Result<Self, WalletError> {
        super::file::WalletFile::parse(bytes)?.watch_only()
    }

    fn new(
        external: Descriptor<DescriptorPublicKey>,
        internal: Descriptor<DescriptorPublicKey>,
        network: Network,
        next_change: u32,
    ) -> Result<Self, WalletError> {
        check_network(&external, network)?;
        check_network(&internal, network)?;
        if !external.has_wildcard() || !internal.has_wildcard() {
            return Err(WalletError::BadDescriptor(
                "descriptors must end in a wildcard (/*)".into(),
            ));
        }
        // Receive on branch 0 and change on branch 1, unhardened, as every wallet scans them: a
        // `<0;0>` or `<1;0>` descriptor would put change on receive addresses (and hand them out
        // again), and a hardened wildcard cannot be derived by a watch-only wallet at all.
        if !on_branch(&external, 0) || !on_branch(&internal, 1) {
            return Err(WalletError::BadDescriptor(
                "the receive descriptor must end in /0/* and the change descriptor in /1/* (unhardened), as in /<0;1>/*".into(),
            ));
        }
        Ok(WatchOnly {
            network,
            external,
            internal,
            next_receive: 0,
            next_change,
        })
    }

    /// The single-sig script type, if this is one of the four standard ones.
    pub fn script_type(&self) -> Option<ScriptType> {
        match self.external.desc_type() {
            DescriptorType::Pkh => Some(ScriptType::Pkh),
            DescriptorType::ShWpkh => Some(ScriptType::ShWpkh),
            DescriptorType::Wpkh => Some(ScriptType::Wpkh),
            DescriptorType::Tr => Some(ScriptType::Tr),
            _ => None,
        }
    }

    /// The descriptor at `index` on the receive (`change == false`) or change branch.
    pub fn derive(
        &self,
        change: bool,
        index: u32,
    ) -> Result<Descriptor<DefiniteDescriptorKey>, WalletError> {
        let d = if change {
            &self.internal
        } else {
            &self.external
        };
        d.at_derivation_index(index)
            .map_err(|e| WalletError::Derivation(e.to_string()))
    }

    /// The address at `index`.
    pub fn address(&self, change: bool, index: u32) -> Result<bitcoin::Address, WalletError> {
        self.derive(change, index)?
            .address(self.network)
            .map_err(|e| WalletError::Derivation(e.to_string()))
    }

    /// The full derivation path of each key at `index` (`m/84'/0'/0'/0/5`); with several keys,
    /// each is prefixed by its master fingerprint (`73c5da0a:m/48'/…`).
    pub fn paths(&self, change: bool, index: u32) -> Result<Vec<String>, WalletError> {
        let d = self.derive(change, index)?;
        let mut keys = Vec::new();
        d.for_each_key(|k| {
            keys.push(k.clone());
            true
        });
        let several = keys.len() > 1;
        Ok(keys
            .iter()
            .map(|k| {
                let path = k
                    .full_derivation_path()
                    .map_or_else(|| "?".to_string(), |p| format!("m/{p}"));
                if several {
                    format!("{}:{path}", k.master_fingerprint())
                } else {
                    path
                }
            })
            .collect())
    }

    /// A lookup from scriptPubKey to (is_change, index) for the first `lookahead` indexes.
    pub fn script_index(
        &self,
        lookahead: u32,
    ) -> Result<HashMap<ScriptBuf, (bool, u32)>, WalletError> {
        let mut map = HashMap::with_capacity(2 * lookahead as usize);
        for change in [false, true] {
            for i in 0..lookahead {
                map.insert(self.derive(change, i)?.script_pubkey(), (change, i));
            }
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TPUB: &str = "[73c5da0a/84'/1'/0']tpubDC8msFGeGuwnKG9Upg7DM2b4DaRqg3CUZa5g8v2SRQ6K4NSkxUgd7HsL2XVWbVm39yBA4LAxysQAm397zwQSQoQgewGiYZqrA9DsP4zbQ1M";

    #[test]
    fn branches_must_be_receive_0_and_change_1_unhardened() {
        let x = "[73c5da0a/84'/1'/0']tpubDC8msFGeGuwnKG9Upg7DM2b4DaRqg3CUZa5g8v2SRQ6K4NSkxUgd7HsL2XVWbVm39yBA4LAxysQAm397zwQSQoQgewGiYZqrA9DsP4zbQ1M";
        let net = Network::Regtest;
        assert!(WatchOnly::from_descriptor(&format!("wpkh({x}/<0;1>/*)"), net).is_ok());
        assert!(WatchOnly::from_descriptor(&format!("wpkh({x}/0/*)"), net).is_ok());
        for bad in ["<0;0>/*", "<1;0>/*", "<2147483647;0>/*", "0/*'", "<0;1>/*'"] {
            assert!(
                WatchOnly::from_descriptor(&format!("wpkh({x}/{bad})"), net).is_err(),
                "{bad} accepted"
            );
        }
    }

    #[test]
    fn multipath_and_receive_forms_agree() {
        let a =
            WatchOnly::from_descriptor(&format!("wpkh({TPUB}/<0;1>/*)"), Network::Regtest).unwrap();
        let b = WatchOnly::from_descriptor(&format!("wpkh({TPUB}/0/*)"), Network::Regtest).unwrap();
        assert_eq!(a.address(true, 5).unwrap(), b.address(true, 5).unwrap());
        assert_eq!(a.script_type(), Some(ScriptType::Wpkh));
    }

    #[test]
    fn network_mismatch_is_refused() {
        let e = WatchOnly::from_descriptor(&format!("wpkh({TPUB}/0/*)"), Network::Bitcoin);
        assert!(matches!(e, Err(WalletError::WrongNetwork(_))));
    }

    #[test]
    fn private_descriptors_are_refused() {
        let d = "wpkh(tprv8ZgxMBicQKsPd9TeAdPADNnSyH9SSUUbTVeFszDE23Ki6TBB5nCefAdHkK8Fm3qMQR6sHwA56zqRmKmxnHk37JkiFzvncDqoKmPWubu7hDF/0/*)";
        assert!(matches!(
            parse_public(d),
            Err(WalletError::PrivateDescriptor)
        ));
    }
}
