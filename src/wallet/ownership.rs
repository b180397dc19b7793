//! "Is this address mine, and at which path?": search the standard single-sig accounts (BIP44,
//! BIP49, BIP84, BIP86) of a key source for an address, on the receive and change branches up to
//! a gap. Public keys only: the keys come from a [`KeySource`] (the signer's key chain offline).
use bitcoin::bip32::{ChildNumber, DerivationPath};
use bitcoin::secp256k1::{PublicKey, Secp256k1, VerifyOnly};
use bitcoin::{Address, AddressType, CompressedPublicKey, ScriptBuf, XOnlyPublicKey};
use serde::Serialize;

use super::{ScriptType, WalletError};
use crate::bundle::KeySource;

/// The single-sig script types searched, in the order tried.
pub const SINGLE_SIG: [ScriptType; 4] = [
    ScriptType::Wpkh,
    ScriptType::Tr,
    ScriptType::ShWpkh,
    ScriptType::Pkh,
];

/// Where an address was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Found {
    /// Script type.
    pub script: ScriptType,
    /// Full path from the master, `m/84'/0'/0'/0/0`.
    pub path: String,
    /// Whether it is on the change branch (`/1/…`).
    pub change: bool,
    /// Index on its branch.
    pub index: u32,
}

/// The script types that can produce `address` (by its kind), restricted to `only` if given.
pub fn candidates(address: &Address, only: Option<ScriptType>) -> Vec<ScriptType> {
    let by_kind = match address.address_type() {
        Some(AddressType::P2pkh) => Some(ScriptType::Pkh),
        Some(AddressType::P2sh) => Some(ScriptType::ShWpkh),
        Some(AddressType::P2wpkh) => Some(ScriptType::Wpkh),
        Some(AddressType::P2tr) => Some(ScriptType::Tr),
        _ => None,
    };
    SINGLE_SIG
        .into_iter()
        .filter(|t| Some(*t) == by_kind && only.is_none_or(|o| o == *t))
        .collect()
}

/// The scriptPubKey a single key has under a single-sig script type (BIP86: no script tree).
pub fn single_sig_script(
    secp: &Secp256k1<VerifyOnly>,
    script: ScriptType,
    pk: &PublicKey,
) -> Option<ScriptBuf> {
    let cpk = CompressedPublicKey(*pk);
    Some(match script {
        ScriptType::Pkh => ScriptBuf::new_p2pkh(&bitcoin::PublicKey::new(*pk).pubkey_hash()),
        ScriptType::Wpkh => ScriptBuf::new_p2wpkh(&cpk.wpubkey_hash()),
        ScriptType::ShWpkh => {
            ScriptBuf::new_p2sh(&ScriptBuf::new_p2wpkh(&cpk.wpubkey_hash()).script_hash())
        }
        ScriptType::Tr => ScriptBuf::new_p2tr(secp, XOnlyPublicKey::from(*pk), None),
        ScriptType::WshMulti | ScriptType::ShWshMulti => return None,
    })
}

/// A description of the searched range, e.g. `wpkh m/84'/0'/0'/{0,1}/0..999`.
pub fn describe(keys: &dyn KeySource, scripts: &[ScriptType], account: u32, gap: u32) -> String {
    if scripts.is_empty() {
        return "nothing: the address is not a single-sig pkh, sh-wpkh, wpkh or tr address".into();
    }
    scripts
        .iter()
        .map(|t| {
            format!(
                "{t} m/{}/{{0,1}}/0..{}",
                t.account_path(keys.network(), account),
                gap.saturating_sub(1)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Search `scripts` accounts number `account` of `keys` for `target`, indexes `0..gap` on the
/// receive and change branches, lowest index first. Each branch key (`m/84'/0'/0'/0`) is derived
/// once by the key source; children are one public step each.
///
/// `account` must be below 2^31 (callers check; clap does for the CLI).
pub fn find(
    keys: &dyn KeySource,
    target: &ScriptBuf,
    scripts: &[ScriptType],
    account: u32,
    gap: u32,
) -> Result<Option<Found>, WalletError> {
    let secp = super::keys::verification();
    let mut branches = Vec::with_capacity(scripts.len() * 2);
    for &t in scripts {
        if t.is_multisig() || account >= 1 << 31 {
            continue;
        }
        let acct = t.account_path(keys.network(), account);
        for change in [false, true] {
            let branch = acct.child(ChildNumber::Normal {
                index: u32::from(change),
            });
            branches.push((t, change, branch));
        }
    }
    for index in 0..gap.min(1 << 31) {
        for (t, change, branch) in &branches {
            let path: DerivationPath = branch.child(ChildNumber::Normal { index });
            let pk = keys.public_key(&path).ok_or_else(|| {
                WalletError::Derivation(format!("the key source cannot derive m/{path}"))
            })?;
            if single_sig_script(secp, *t, &pk).as_ref() == Some(target) {
                return Ok(Some(Found {
                    script: *t,
                    path: format!("m/{path}"),
                    change: *change,
                    index,
                }));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::bip32::{Fingerprint, Xpriv, Xpub};
    use bitcoin::hashes::Hash;
    use bitcoin::Network;
    use std::str::FromStr;

    /// A key source from a public test master key (BIP32 test vector 1's master, not a secret).
    struct TestKeys(Xpub);

    impl KeySource for TestKeys {
        fn fingerprint(&self) -> Fingerprint {
            self.0.fingerprint()
        }
        fn network(&self) -> Network {
            Network::Bitcoin
        }
        fn public_key(&self, path: &DerivationPath) -> Option<PublicKey> {
            // Hardened steps need the private key; the test derives them from the xprv below.
            let xprv = Xpriv::from_str("xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi").unwrap();
            let secp = Secp256k1::new();
            let k = xprv.derive_priv(&secp, path).ok()?;
            Some(Xpub::from_priv(&secp, &k).public_key)
        }
    }

    #[test]
    fn finds_change_and_receive_and_misses_beyond_the_gap() {
        let xprv = Xpriv::from_str("xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi").unwrap();
        let secp = Secp256k1::new();
        let keys = TestKeys(Xpub::from_priv(&secp, &xprv));
        let path = DerivationPath::from_str("m/86'/0'/0'/1/3").unwrap();
        let pk = keys.public_key(&path).unwrap();
        let spk = single_sig_script(&Secp256k1::verification_only(), ScriptType::Tr, &pk).unwrap();
        let f = find(&keys, &spk, &SINGLE_SIG, 0, 5).unwrap().unwrap();
        assert_eq!(f.path, "m/86'/0'/0'/1/3");
        assert_eq!((f.script, f.change, f.index), (ScriptType::Tr, true, 3));
        assert_eq!(find(&keys, &spk, &SINGLE_SIG, 0, 3).unwrap(), None);
        assert_eq!(find(&keys, &spk, &SINGLE_SIG, 1, 5).unwrap(), None);
        assert_eq!(find(&keys, &spk, &[ScriptType::Wpkh], 0, 5).unwrap(), None);
    }

    /// The worst case of `address verify` with every type allowed: 4 types × 2 branches × 1000
    /// through the signer's key chain (branch keys cached, one public step per address).
    #[test]
    fn eight_thousand_derivations_through_the_key_chain_are_fast() {
        let xprv = Xpriv::from_str("xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi").unwrap();
        let keys = crate::signer::KeyChain::from_master(xprv, Network::Bitcoin);
        let nobody = ScriptBuf::new_p2wpkh(&bitcoin::WPubkeyHash::from_byte_array([0; 20]));
        let started = std::time::Instant::now();
        assert_eq!(find(&keys, &nobody, &SINGLE_SIG, 0, 1000).unwrap(), None);
        let took = started.elapsed();
        eprintln!("8000 derivations: {took:?}");
        // Generous for a loaded debug build; a release build takes a small fraction of this.
        assert!(took.as_secs() < 10, "{took:?}");
        // And the key chain agrees with the test key source (m/44'/0'/0'/0/7).
        let path = DerivationPath::from_str("m/44'/0'/0'/0/7").unwrap();
        let expect = TestKeys(Xpub::from_priv(&Secp256k1::new(), &xprv)).public_key(&path);
        assert_eq!(keys.public_key(&path), expect);
    }

    #[test]
    fn candidates_follow_the_address_kind() {
        let a = Address::from_str("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu")
            .unwrap()
            .assume_checked();
        assert_eq!(candidates(&a, None), vec![ScriptType::Wpkh]);
        assert!(candidates(&a, Some(ScriptType::Tr)).is_empty());
    }
}
