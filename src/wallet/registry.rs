//! Wallets registered on a signer (issue 9): the descriptors a seed has agreed to sign for,
//! checked once by the people at `wallet register` and MAC'd with a key from the seed, so an
//! online machine cannot add a cosigner key later (the xpub swap) and an edited registration is
//! caught (exit 4). The review trusts only these descriptors for multisig and script inputs and
//! for change: a PSBT's own scripts and global xpubs are checked against them, never trusted
//! instead of them.
//!
//! The file `SEED.wallets.json` holds every registration of every BIP39 passphrase used with the
//! seed file; each entry names the fingerprint it belongs to and is MAC'd by that key.
use std::path::{Path, PathBuf};

use bitcoin::bip32::{DerivationPath, Fingerprint};
use bitcoin::hashes::{sha256, Hash, HashEngine, Hmac, HmacEngine};
use bitcoin::Network;
use miniscript::descriptor::DescriptorPublicKey;
use miniscript::ForEachKey;
use serde::{Deserialize, Serialize};

use super::{WalletError, WatchOnly};

/// Format version written.
pub const VERSION: u32 = 1;
/// Largest registrations file read.
pub const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// The registrations file.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RegistryFile {
    /// Format version, 1.
    pub version: u32,
    /// Every registration, in the order made.
    pub wallets: Vec<Entry>,
}

/// One registration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The wallet's name (what policy rules call it).
    pub name: String,
    /// The wallet id people compared across laptops.
    pub wallet_id: String,
    /// Network.
    pub network: Network,
    /// Receive descriptor (with checksum).
    pub receive: String,
    /// Change descriptor (with checksum).
    pub change: String,
    /// Master fingerprint of the key that registered it (with its BIP39 passphrase).
    pub fingerprint: String,
    /// When it was registered (the signer's clock).
    pub registered: String,
    /// Hex HMAC-SHA256 of the fields above with that key's registration MAC key.
    pub mac: String,
}

/// A registered wallet as the review uses it.
#[derive(Debug, Clone)]
pub struct Registered {
    /// Name.
    pub name: String,
    /// Wallet id.
    pub wallet_id: String,
    /// The descriptors.
    pub wallet: WatchOnly,
}

/// Where a seed file's registrations live: beside it.
pub fn path_for(seed: &Path) -> PathBuf {
    let mut name = seed.as_os_str().to_owned();
    name.push(".wallets.json");
    PathBuf::from(name)
}

fn mac(key: &[u8; 32], e: &Entry) -> String {
    let mut m = HmacEngine::<sha256::Hash>::new(key);
    for part in [
        "airsign wallet registration v1",
        &e.name,
        &e.wallet_id,
        &e.network.to_string(),
        &e.receive,
        &e.change,
        &e.fingerprint,
        &e.registered,
    ] {
        m.input(part.as_bytes());
        m.input(&[0]);
    }
    Hmac::<sha256::Hash>::from_engine(m).to_string()
}

impl Entry {
    /// A registration of `file`'s wallet by the key with `fingerprint`, MAC'd with `key`.
    pub fn new(
        file: &super::WalletFile,
        fingerprint: Fingerprint,
        registered: String,
        key: &[u8; 32],
    ) -> Self {
        let mut e = Entry {
            name: file.name.clone(),
            wallet_id: file.wallet_id.clone(),
            network: file.network,
            receive: file.receive.clone(),
            change: file.change.clone(),
            fingerprint: fingerprint.to_string(),
            registered,
            mac: String::new(),
        };
        e.mac = mac(key, &e);
        e
    }
}

impl RegistryFile {
    /// Parse the file (no MAC check: see [`RegistryFile::for_key`]).
    pub fn parse(bytes: &[u8]) -> Result<Self, WalletError> {
        let f: RegistryFile = serde_json::from_slice(bytes)
            .map_err(|e| WalletError::BadRegistration(crate::sanitize::escape(&e.to_string())))?;
        if f.version != VERSION {
            return Err(WalletError::BadRegistration(format!(
                "version {} is not supported (this airsign reads version {VERSION})",
                f.version
            )));
        }
        Ok(f)
    }

    /// Read the registrations beside `seed` (none when the file does not exist).
    pub fn load(seed: &Path) -> Result<Self, crate::Error> {
        let p = path_for(seed);
        if !p.exists() {
            return Ok(RegistryFile {
                version: VERSION,
                wallets: Vec::new(),
            });
        }
        Ok(Self::parse(&crate::fsutil::read_limited(&p, MAX_BYTES)?)?)
    }

    /// The registrations of the key with `fingerprint`, each MAC-checked with `key`: one that
    /// does not verify was edited (or forged without the seed), and nothing is signed.
    pub fn for_key(
        &self,
        fingerprint: Fingerprint,
        key: &[u8; 32],
    ) -> Result<Vec<Registered>, WalletError> {
        let fp = fingerprint.to_string();
        let mut out = Vec::new();
        for e in self.wallets.iter().filter(|e| e.fingerprint == fp) {
            use subtle::ConstantTimeEq;
            if !bool::from(mac(key, e).as_bytes().ct_eq(e.mac.as_bytes())) {
                return Err(WalletError::RegistrationForged(crate::sanitize::escape(
                    &e.name,
                )));
            }
            let wallet = WatchOnly::from_descriptors(&e.receive, &e.change, e.network)?;
            let id = super::file::wallet_id(&wallet);
            if id != e.wallet_id {
                return Err(WalletError::RegistrationForged(crate::sanitize::escape(
                    &e.name,
                )));
            }
            // `wallet register` keeps one entry per name and wallet: two are a spliced file.
            if out
                .iter()
                .any(|r: &Registered| r.name == e.name || r.wallet_id == e.wallet_id)
            {
                return Err(WalletError::RegistrationForged(format!(
                    "{} (registered twice: the file was put together from other copies)",
                    crate::sanitize::escape(&e.name)
                )));
            }
            out.push(Registered {
                name: e.name.clone(),
                wallet_id: e.wallet_id.clone(),
                wallet,
            });
        }
        Ok(out)
    }

    /// Record `e` as [`plan`] decided: any registration of the same key under its name, or of
    /// its wallet under another name, goes (one name per wallet, one wallet per name).
    pub fn apply(&mut self, change: &Change, e: Entry) {
        if *change == Change::AlreadyRegistered {
            return;
        }
        self.wallets.retain(|w| {
            w.fingerprint != e.fingerprint || (w.name != e.name && w.wallet_id != e.wallet_id)
        });
        self.wallets.push(e);
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> Vec<u8> {
        // Strings and numbers: serialising cannot fail.
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }
}

/// What registering a wallet file would change, against the (verified) registrations of the
/// same key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A new name and a new wallet.
    New,
    /// The same wallet under the same name: nothing to do.
    AlreadyRegistered,
    /// Another wallet under this name (only with `replace`).
    Replaces {
        /// The id registered under the name until now.
        old_id: String,
    },
    /// This wallet under another name (only with `replace`).
    Renames {
        /// The name it was registered under.
        old_name: String,
    },
}

/// Decide what registering `file` does. Without `replace`, a name never comes to mean another
/// wallet and a wallet never gets a second name: policy rules name wallets, and a name quietly
/// pointing at other keys would move every rule with it.
pub fn plan(
    existing: &[Registered],
    file: &super::WalletFile,
    replace: bool,
) -> Result<Change, WalletError> {
    let name = crate::sanitize::escape(&file.name);
    let same_name = existing.iter().find(|r| r.name == file.name);
    let same_wallet = existing.iter().find(|r| r.wallet_id == file.wallet_id);
    match (same_name, same_wallet) {
        (Some(r), _) if r.wallet_id == file.wallet_id => Ok(Change::AlreadyRegistered),
        (Some(r), _) if !replace => Err(WalletError::RegistrationClash(format!(
            "a different wallet is already registered as '{name}' (id {}); this one is id {}: not replaced",
            r.wallet_id, file.wallet_id
        ))),
        (Some(r), _) => Ok(Change::Replaces {
            old_id: r.wallet_id.clone(),
        }),
        (None, Some(r)) if !replace => Err(WalletError::RegistrationClash(format!(
            "this wallet (id {}) is already registered as '{}': not registered again as '{name}'",
            file.wallet_id,
            crate::sanitize::escape(&r.name)
        ))),
        (None, Some(r)) => Ok(Change::Renames {
            old_name: r.name.clone(),
        }),
        (None, None) => Ok(Change::New),
    }
}

/// One key of a wallet descriptor: its origin (fingerprint and path) and the xpub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosigner {
    /// Master fingerprint from the key origin (the xpub's own when there is no origin).
    pub fingerprint: Fingerprint,
    /// Path from the master to the xpub.
    pub origin: DerivationPath,
    /// The extended public key.
    pub xpub: bitcoin::bip32::Xpub,
    /// Steps after the xpub up to the wildcard (`0` for `/0/*`).
    pub steps: DerivationPath,
}

/// The extended keys of `d`, in descriptor order (single keys are not cosigners).
pub fn cosigners(d: &miniscript::Descriptor<DescriptorPublicKey>) -> Vec<Cosigner> {
    let mut v = Vec::new();
    d.for_each_key(|k| {
        if let DescriptorPublicKey::XPub(x) = k {
            let (fingerprint, origin) = match &x.origin {
                Some((fp, path)) => (*fp, path.clone()),
                None => (x.xkey.fingerprint(), DerivationPath::master()),
            };
            v.push(Cosigner {
                fingerprint,
                origin,
                xpub: x.xkey,
                steps: x.derivation_path.clone(),
            });
        }
        true
    });
    v
}

impl Registered {
    /// Where `path` (a key of the seed with `fp`) sits in this wallet: `(change, index)` when it
    /// is `origin/steps/index` of one of its keys with that fingerprint, on either branch.
    pub fn locate(&self, fp: Fingerprint, path: &DerivationPath) -> Option<(bool, u32)> {
        use bitcoin::bip32::ChildNumber;
        for (change, d) in [
            (false, &self.wallet.external),
            (true, &self.wallet.internal),
        ] {
            for c in cosigners(d).iter().filter(|c| c.fingerprint == fp) {
                let prefix: Vec<ChildNumber> =
                    c.origin.into_iter().chain(&c.steps).copied().collect();
                let p: Vec<ChildNumber> = path.into_iter().copied().collect();
                if p.len() == prefix.len() + 1 && p[..prefix.len()] == prefix[..] {
                    if let ChildNumber::Normal { index } = p[prefix.len()] {
                        return Some((change, index));
                    }
                }
            }
        }
        None
    }

    /// Whether `path` lies under the origin of one of this wallet's keys with `fp`: a key that
    /// belongs to this wallet and to nothing else.
    pub fn owns_path(&self, fp: Fingerprint, path: &DerivationPath) -> bool {
        cosigners(&self.wallet.external).iter().any(|c| {
            c.fingerprint == fp && {
                let o: Vec<_> = c.origin.into_iter().collect();
                let p: Vec<_> = path.into_iter().collect();
                !o.is_empty() && p.len() > o.len() && p[..o.len()] == o[..]
            }
        })
    }
}

/// The BIP341 "nothing up my sleeve" point: a taproot internal key nobody can sign for.
pub const NUMS: &str = "50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0";

/// The wallet's spending conditions in words, from miniscript's semantic policy: "2 of
/// (a63dbf9c, 8359f053, 55670d62)", "2 of (…) or 55670d62 after 4320 blocks (~30 days)".
pub fn describe(w: &WatchOnly) -> String {
    use miniscript::policy::Liftable;
    let kind = match w.external.desc_type() {
        miniscript::descriptor::DescriptorType::Wsh
        | miniscript::descriptor::DescriptorType::WshSortedMulti => "wsh",
        miniscript::descriptor::DescriptorType::ShWsh
        | miniscript::descriptor::DescriptorType::ShWshSortedMulti => "sh-wsh",
        miniscript::descriptor::DescriptorType::Tr => "tr",
        _ => "other",
    };
    match w.external.lift() {
        Ok(p) => format!("{} ({kind})", words(&p.normalized())),
        Err(_) => format!("script wallet ({kind})"),
    }
}

/// Relative timelock in words: blocks with days, or time in days.
pub fn older_words(n: u32) -> String {
    let seq = bitcoin::Sequence(n);
    match seq.to_relative_lock_time() {
        Some(bitcoin::relative::LockTime::Blocks(h)) => {
            let b = h.value();
            format!("{b} blocks (~{})", days(f64::from(b) / 144.0))
        }
        Some(bitcoin::relative::LockTime::Time(t)) => days(f64::from(t.value()) * 512.0 / 86_400.0),
        None => format!("nSequence {n}"),
    }
}

/// "1 day", "0.1 days", "30 days".
fn days(d: f64) -> String {
    let d = (d * 10.0).round() / 10.0;
    if d == 1.0 {
        "1 day".into()
    } else {
        format!("{d} days")
    }
}

fn key_words(k: &DescriptorPublicKey) -> String {
    match k {
        DescriptorPublicKey::Single(_) if k.to_string().ends_with(NUMS) => {
            "nobody (NUMS key)".into()
        }
        k => k.master_fingerprint().to_string(),
    }
}

fn words(p: &miniscript::policy::semantic::Policy<DescriptorPublicKey>) -> String {
    use miniscript::policy::semantic::Policy as P;
    match p {
        P::Unsatisfiable => "never".into(),
        P::Trivial => "anyone".into(),
        P::Key(k) => key_words(k),
        P::Older(t) => format!("after {}", older_words(t.to_consensus_u32())),
        P::After(t) => format!("from locktime {}", t.to_consensus_u32()),
        P::Sha256(_) | P::Hash256(_) | P::Ripemd160(_) | P::Hash160(_) => "a hash preimage".into(),
        P::Thresh(t) => {
            let subs: Vec<String> = t.iter().map(|s| words(s)).collect();
            let all_keys = t.iter().all(|s| matches!(**s, P::Key(_)));
            if t.k() == 1 && !all_keys {
                subs.join("; or ")
            } else if t.k() == t.n() && !all_keys {
                subs.join(" ")
            } else {
                format!("{} of ({})", t.k(), subs.join(", "))
            }
        }
    }
}

/// Every threshold of the wallet's spending conditions names distinct signers: a master
/// fingerprint holding two keys of one "2 of 4" lets that person spend alone (a hostile
/// coordinator's repeated cosigner). A key may appear again on another path (Liana's recovery
/// key): only keys side by side in one threshold count.
pub fn check_distinct_signers(w: &WatchOnly) -> Result<(), WalletError> {
    use miniscript::iter::TreeLike;
    use miniscript::policy::semantic::Policy as P;
    use miniscript::policy::Liftable;
    let Ok(policy) = w.external.lift() else {
        return Ok(());
    };
    for node in (&policy).pre_order_iter() {
        let P::Thresh(t) = node else { continue };
        let mut seen = std::collections::BTreeMap::new();
        for sub in t.iter() {
            if let P::Key(k) = &**sub {
                *seen.entry(key_words(k)).or_insert(0u32) += 1;
            }
        }
        if let Some((who, n)) = seen.into_iter().find(|(_, n)| *n > 1) {
            return Err(WalletError::RepeatedSigner(format!(
                "{who} holds {n} of the keys in '{} of {}': that signer needs fewer others than the threshold says",
                t.k(),
                t.n()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, id: &str, fp: &str) -> Entry {
        Entry {
            name: name.into(),
            wallet_id: id.into(),
            network: Network::Regtest,
            receive: String::new(),
            change: String::new(),
            fingerprint: fp.into(),
            registered: String::new(),
            mac: String::new(),
        }
    }

    #[test]
    fn a_replacement_leaves_one_name_per_wallet_and_one_wallet_per_name() {
        let mut f = RegistryFile {
            version: VERSION,
            wallets: vec![
                entry("treasury", "id-1", "aa"),
                entry("payroll", "id-2", "aa"),
                entry("treasury", "id-1", "bb"),
            ],
        };
        // "treasury" becomes the wallet registered as "payroll": both old entries of key aa go.
        let change = Change::Replaces {
            old_id: "id-1".into(),
        };
        f.apply(&change, entry("treasury", "id-2", "aa"));
        let names: Vec<(&str, &str, &str)> = f
            .wallets
            .iter()
            .map(|e| {
                (
                    e.name.as_str(),
                    e.wallet_id.as_str(),
                    e.fingerprint.as_str(),
                )
            })
            .collect();
        assert_eq!(
            names,
            [("treasury", "id-1", "bb"), ("treasury", "id-2", "aa")]
        );
        f.apply(&Change::AlreadyRegistered, entry("x", "y", "aa"));
        assert_eq!(f.wallets.len(), 2);
    }
}
