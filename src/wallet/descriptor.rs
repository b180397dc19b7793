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
    /// BIP387 `sortedmulti_a`: miniscript 13.2 does not parse it, so the descriptors hold
    /// `multi_a` and [`WatchOnly::derive`] sorts the keys per index (see [`sorted_a`]).
    sorted_a: bool,
}

/// Descriptor text without `sortedmulti_a`: the checksum (if any) checked against the text as
/// given, then `sortedmulti_a(` read as `multi_a(` — and whether it was there. Only one
/// `sortedmulti_a` fragment, in a `tr()`, is supported.
fn unsort(text: &str) -> Result<(String, bool), WalletError> {
    let text = text.trim();
    if !text.contains("sortedmulti_a(") {
        return Ok((text.to_owned(), false));
    }
    let body = miniscript::descriptor::checksum::verify_checksum(text)
        .map_err(|e| WalletError::BadDescriptor(crate::sanitize::escape(&e.to_string())))?;
    if !body.starts_with("tr(") || body.matches("sortedmulti_a(").count() != 1 {
        return Err(WalletError::BadDescriptor(
            "sortedmulti_a is supported once, inside tr(KEY,sortedmulti_a(…))".into(),
        ));
    }
    Ok((body.replace("sortedmulti_a(", "multi_a("), true))
}

/// `d` (a `tr(…multi_a(k,KEY…))` read from `sortedmulti_a`) at `index`, with the keys of its
/// `multi_a` in BIP387's order: sorted by their x-only encoding at that index.
fn sorted_a_at(
    d: &Descriptor<DescriptorPublicKey>,
    index: u32,
) -> Result<Descriptor<DefiniteDescriptorKey>, WalletError> {
    let bad = |e: String| WalletError::Derivation(crate::sanitize::escape(&e));
    let text = d.to_string();
    let body = text.split('#').next().unwrap_or(&text);
    let start = body
        .find("multi_a(")
        .ok_or_else(|| bad("no multi_a".into()))?
        + "multi_a(".len();
    let len = body[start..]
        .find(')')
        .ok_or_else(|| bad("unclosed multi_a".into()))?;
    let args: Vec<&str> = body[start..start + len].split(',').collect();
    let secp = bitcoin::secp256k1::Secp256k1::verification_only();
    let mut keys = Vec::with_capacity(args.len().saturating_sub(1));
    for k in args.iter().skip(1) {
        let key = DescriptorPublicKey::from_str(k).map_err(|e| bad(e.to_string()))?;
        let at = key
            .at_derivation_index(index)
            .map_err(|e| bad(e.to_string()))?
            .derive_public_key(&secp);
        keys.push((at.inner.x_only_public_key().0.serialize(), *k));
    }
    keys.sort();
    let sorted: Vec<&str> = keys.iter().map(|(_, k)| *k).collect();
    let rebuilt = format!(
        "{}{},{}{}",
        &body[..start],
        args[0],
        sorted.join(","),
        &body[start + len..]
    );
    Descriptor::<DescriptorPublicKey>::from_str(&rebuilt)
        .map_err(|e| bad(e.to_string()))?
        .at_derivation_index(index)
        .map_err(|e| bad(e.to_string()))
}

/// Parse a public descriptor that may use `sortedmulti_a` (read as `multi_a`: key order aside,
/// the same keys, script types and network; derive addresses through [`WatchOnly`]).
pub fn parse_any(text: &str) -> Result<Descriptor<DescriptorPublicKey>, WalletError> {
    let (text, _) = unsort(text)?;
    parse_public(&text)
}

/// The descriptor as written: `sortedmulti_a` put back where it was read, with a fresh checksum.
fn text_of(d: &Descriptor<DescriptorPublicKey>, sorted_a: bool) -> String {
    if !sorted_a {
        return d.to_string();
    }
    let s = d.to_string();
    let body = s
        .split('#')
        .next()
        .unwrap_or(&s)
        .replace("multi_a(", "sortedmulti_a(");
    let mut e = miniscript::descriptor::checksum::Engine::new();
    match e.input(&body) {
        Ok(()) => format!("{body}#{}", e.checksum()),
        Err(_) => body,
    }
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

/// The branch each extended key of `d` derives from (`…/branch/*`, unhardened wildcard), in
/// key order; `None` if a key is not of that form.
fn branches(d: &Descriptor<DescriptorPublicKey>) -> Option<Vec<u32>> {
    use bitcoin::bip32::ChildNumber;
    use miniscript::descriptor::Wildcard;
    let mut v = Vec::new();
    let ok = d.for_each_key(|k| match k {
        DescriptorPublicKey::XPub(x) => match x.derivation_path.into_iter().last() {
            Some(ChildNumber::Normal { index }) if x.wildcard == Wildcard::Unhardened => {
                v.push(*index);
                true
            }
            _ => false,
        },
        DescriptorPublicKey::MultiXPub(_) => false,
        DescriptorPublicKey::Single(_) => true,
    });
    ok.then_some(v)
}

/// Receive and change branches as wallets scan them: each key's receive branch even and its
/// change branch the next one (`<0;1>`, and Liana's `<2;3>` for a recovery key that is also a
/// primary key), with at least one key on `<0;1>`.
fn branches_pair(
    external: &Descriptor<DescriptorPublicKey>,
    internal: &Descriptor<DescriptorPublicKey>,
) -> bool {
    match (branches(external), branches(internal)) {
        (Some(e), Some(i)) => {
            e.len() == i.len()
                && e.iter().zip(&i).all(|(r, c)| r % 2 == 0 && *c == r + 1)
                && e.contains(&0)
        }
        _ => false,
    }
}

impl WatchOnly {
    /// From one descriptor: a BIP389 multipath `/<0;1>/*`, or a receive descriptor ending in
    /// `/0/*` (the change descriptor is the same with `/1/*`).
    pub fn from_descriptor(text: &str, network: Network) -> Result<Self, WalletError> {
        let (text, sorted_a) = unsort(text)?;
        let text = text.as_str();
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
        let mut w = Self::new(external, internal, network, 0)?;
        w.sorted_a = sorted_a;
        Ok(w)
    }

    /// From a receive and a change descriptor (as a wallet file stores them).
    pub fn from_descriptors(
        external: &str,
        internal: &str,
        network: Network,
    ) -> Result<Self, WalletError> {
        let (external, sorted_ext) = unsort(external)?;
        let (internal, sorted_int) = unsort(internal)?;
        if sorted_ext != sorted_int {
            return Err(WalletError::BadDescriptor(
                "the receive and change descriptors must both use sortedmulti_a, or neither".into(),
            ));
        }
        let mut w = Self::new(
            parse_public(&external)?,
            parse_public(&internal)?,
            network,
            0,
        )?;
        w.sorted_a = sorted_ext;
        Ok(w)
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
        // Liana's extra pairs (`<2;3>`) for a key used again on a recovery path are accepted.
        if !branches_pair(&external, &internal) {
            return Err(WalletError::BadDescriptor(
                "the receive descriptor must end in /0/* and the change descriptor in /1/* (unhardened), as in /<0;1>/* (a key used twice may take the next pair, /<2;3>/*)".into(),
            ));
        }
        Ok(WatchOnly {
            network,
            external,
            internal,
            next_receive: 0,
            next_change,
            sorted_a: false,
        })
    }

    /// The receive descriptor as written (with checksum), for files and people.
    pub fn external_text(&self) -> String {
        text_of(&self.external, self.sorted_a)
    }

    /// The change descriptor as written (with checksum).
    pub fn internal_text(&self) -> String {
        text_of(&self.internal, self.sorted_a)
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
        if self.sorted_a {
            return sorted_a_at(d, index);
        }
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

    /// Every BIP387 vector (fixtures/vectors/bip387.json): multi_a through miniscript,
    /// sortedmulti_a through [`unsort`] and [`sorted_a_at`]; invalid ones do not parse.
    #[test]
    fn bip387_vectors() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/vectors/bip387.json"
        ))
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let secp = bitcoin::secp256k1::Secp256k1::new();
        let mut sorted = 0;
        for x in v["vectors"].as_array().unwrap() {
            let desc = x["descriptor"].as_str().unwrap();
            let parsed = unsort(desc).and_then(|(body, s)| {
                Descriptor::parse_descriptor(&secp, &body)
                    .map(|(d, _)| (d, s))
                    .map_err(|e| WalletError::BadDescriptor(e.to_string()))
            });
            if x["expected"] == "invalid" {
                assert!(parsed.is_err(), "accepted {desc}");
                continue;
            }
            let (d, is_sorted) = parsed.unwrap_or_else(|e| panic!("{desc}: {e}"));
            sorted += usize::from(is_sorted);
            for (i, want) in x["scripts"].as_array().unwrap().iter().enumerate() {
                let at = if is_sorted {
                    sorted_a_at(&d, i as u32).unwrap()
                } else {
                    match d.at_derivation_index(i as u32) {
                        Ok(at) => at,
                        // One multi_a vector derives hardened steps below an xprv, which a
                        // public descriptor cannot; its scripts need the private keys.
                        Err(miniscript::descriptor::NonDefiniteKeyError::HardenedStep) => continue,
                        Err(e) => panic!("{desc}: {e}"),
                    }
                };
                let got = crate::bundle::parse::hex_encode(at.script_pubkey().as_bytes());
                assert_eq!(got, want.as_str().unwrap(), "{desc} at {i}");
            }
        }
        assert_eq!(sorted, 2, "both sortedmulti_a vectors ran");
    }

    #[test]
    fn a_sortedmulti_a_wallet_keeps_its_name_and_checksum() {
        let key = |passphrase: &str| {
            let m = crate::secrets::Mnemonic::parse(crate::wallet::fixture::TEST_MNEMONIC).unwrap();
            let k = crate::signer::KeyChain::from_seed(&m.to_seed(passphrase, Network::Regtest))
                .unwrap();
            let e = k.account_export(ScriptType::WshMulti, 0).unwrap();
            format!("{}/<0;1>/*", e.key_origin)
        };
        let d = format!(
            "tr(50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0,sortedmulti_a(1,{},{}))",
            key(""),
            key("x")
        );
        let w = WatchOnly::from_descriptor(&d, Network::Regtest).unwrap();
        assert!(w.external_text().contains("sortedmulti_a(1,"));
        // The text written reads back as the same wallet.
        let again =
            WatchOnly::from_descriptors(&w.external_text(), &w.internal_text(), Network::Regtest)
                .unwrap();
        for i in 0..5 {
            assert_eq!(
                w.address(false, i).unwrap(),
                again.address(false, i).unwrap()
            );
            assert_eq!(w.address(true, i).unwrap(), again.address(true, i).unwrap());
        }
        // A changed checksum is refused.
        let bad = format!("{}#aaaaaaaa", w.external_text().split('#').next().unwrap());
        assert!(WatchOnly::from_descriptors(&bad, &w.internal_text(), Network::Regtest).is_err());
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
