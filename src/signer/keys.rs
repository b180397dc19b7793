//! The only place private keys exist: seed → BIP32 master → child keys, derived as late as
//! possible and erased on drop. `Xpriv` is `Copy` and not zeroizing, so it never leaves this file.
use bitcoin::bip32::{ChainCode, ChildNumber, DerivationPath, Fingerprint, Xpriv, Xpub};
use bitcoin::secp256k1::{All, PublicKey, Secp256k1, SecretKey};
use bitcoin::Network;
use std::collections::HashMap;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::SignError;
use crate::bundle::KeySource;
use crate::secrets::Seed;

/// A cached extended private key with its public half.
type KeyPair = (Xpriv, Xpub);

/// A secret key that is erased when dropped.
pub(crate) struct SigningKey(SecretKey);

impl SigningKey {
    pub(crate) fn secret(&self) -> &SecretKey {
        &self.0
    }
}

impl Drop for SigningKey {
    fn drop(&mut self) {
        self.0.non_secure_erase();
    }
}

/// The master key of one seed. Not `Clone`, not `Debug`; erased on drop.
pub struct KeyChain {
    master: Box<Xpriv>,
    fingerprint: Fingerprint,
    network: Network,
    secp: Secp256k1<All>,
    /// Parent keys of recently used paths (e.g. `m/84'/0'/0'/0`), so a 1,000-input PSBT costs one
    /// child step per input instead of five. Erased on drop like the master. A lock rather than a
    /// `RefCell`: review and signing derive on every core, readers in parallel.
    parents: RwLock<HashMap<DerivationPath, KeyPair>>,
    /// Wallets registered for this seed (`wallet register`), MAC-checked when loaded.
    registered: Vec<crate::wallet::registry::Registered>,
}

impl KeyChain {
    /// The key chain for a BIP39 seed.
    pub fn from_seed(seed: &Seed) -> Result<Self, SignError> {
        let master = Xpriv::new_master(seed.network(), &seed.expose_secret()[..])
            .map_err(SignError::Derivation)?;
        Ok(Self::from_master(master, seed.network()))
    }

    /// The key chain for a master extended private key. For public test vectors that publish
    /// an xprv; real seeds go through [`KeyChain::from_seed`].
    pub fn from_master(master: Xpriv, network: Network) -> Self {
        let secp = Secp256k1::new();
        let fingerprint = master.fingerprint(&secp);
        KeyChain {
            master: Box::new(master),
            fingerprint,
            network,
            secp,
            parents: RwLock::new(HashMap::new()),
            registered: Vec::new(),
        }
    }

    /// Call `f` with the parent of `path` (all but the last step, from the cache) and the last
    /// step. The parent is lent, never returned: `Xpriv` is `Copy`, and a copy handed back by
    /// value stays on the stack after signing (tests/secret_memory.rs found the receive-branch
    /// key `m/84'/1'/0'/0` there twice when this returned the pair).
    fn with_parent<T>(
        &self,
        path: &DerivationPath,
        f: impl FnOnce(&KeyPair, ChildNumber) -> T,
    ) -> Result<Option<T>, SignError> {
        let steps: &[ChildNumber] = path.as_ref();
        let Some((last, head)) = steps.split_last() else {
            return Ok(None);
        };
        let head = DerivationPath::from(head);
        {
            let cache = self.read_parents();
            if let Some(p) = cache.get(&head) {
                return Ok(Some(f(p, *last)));
            }
        }
        let mut xprv = self
            .master
            .derive_priv(&self.secp, &head)
            .map_err(SignError::Derivation)?;
        let xpub = Xpub::from_priv(&self.secp, &xprv);
        let mut cache = self.write_parents();
        if cache.len() >= 64 && !cache.contains_key(&head) {
            erase_all(&mut cache);
        }
        // Another thread may have cached the same parent meanwhile: the first entry stays.
        let entry = cache.entry(head).or_insert((xprv, xpub));
        erase(&mut xprv);
        Ok(Some(f(entry, *last)))
    }

    /// The parent cache for reading. A panic elsewhere while it was held cannot leave it half
    /// written (entries are inserted whole), so a poisoned lock is still read.
    fn read_parents(&self) -> RwLockReadGuard<'_, HashMap<DerivationPath, KeyPair>> {
        self.parents.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write_parents(&self) -> RwLockWriteGuard<'_, HashMap<DerivationPath, KeyPair>> {
        self.parents.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The secp256k1 context (shared so signing does not rebuild tables).
    pub(crate) fn secp(&self) -> &Secp256k1<All> {
        &self.secp
    }

    /// Extended public key at `path` (e.g. an account path).
    pub fn xpub_at(&self, path: &DerivationPath) -> Result<Xpub, SignError> {
        let xprv = self
            .master
            .derive_priv(&self.secp, path)
            .map_err(SignError::Derivation)?;
        Ok(Xpub::from_priv(&self.secp, &xprv))
    }

    /// The private key at `path`, erased when the returned value is dropped.
    pub(crate) fn signing_key(&self, path: &DerivationPath) -> Result<SigningKey, SignError> {
        match self.with_parent(path, |parent, last| self.child_key(parent, last))? {
            Some(key) => key,
            None => Ok(SigningKey(self.master.private_key)),
        }
    }

    /// BIP32 CKDpriv for the last step from a cached parent, without `Xpriv::derive_priv`'s two
    /// scalar multiplications (it recomputes the parent's public key for the HMAC and again for
    /// the child's parent fingerprint, which a signing key does not need): the parent's public
    /// key is cached beside it. What signs is checked anyway: verify-after-sign checks every
    /// signature against the public key the review derived on its own (`Xpub::ckd_pub`).
    fn child_key(
        &self,
        (parent, xpub): &KeyPair,
        last: ChildNumber,
    ) -> Result<SigningKey, SignError> {
        use bitcoin::hashes::{sha512, Hash, HashEngine, Hmac, HmacEngine};
        if last.is_hardened() {
            let mut x = parent
                .derive_priv(&self.secp, &[last])
                .map_err(SignError::Derivation)?;
            let key = SigningKey(x.private_key);
            erase(&mut x);
            return Ok(key);
        }
        let mut engine = HmacEngine::<sha512::Hash>::new(&parent.chain_code[..]);
        engine.input(&xpub.public_key.serialize());
        engine.input(&u32::from(last).to_be_bytes());
        let mut i =
            zeroize::Zeroizing::new(Hmac::<sha512::Hash>::from_engine(engine).to_byte_array());
        let tweak = SecretKey::from_slice(&i[..32])
            .and_then(|t| t.add_tweak(&parent.private_key.into()))
            .map_err(|e| SignError::Derivation(bitcoin::bip32::Error::Secp256k1(e)));
        zeroize::Zeroize::zeroize(&mut *i);
        tweak.map(SigningKey)
    }
}

impl KeySource for KeyChain {
    fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    fn network(&self) -> Network {
        self.network
    }

    fn public_key(&self, path: &DerivationPath) -> Option<PublicKey> {
        let public = self
            .with_parent(path, |(_, xpub), last| {
                last.is_normal()
                    .then(|| xpub.ckd_pub(&self.secp, last).ok().map(|x| x.public_key))
            })
            .ok()?;
        match public {
            Some(Some(pk)) => pk,
            _ => {
                let k = self.signing_key(path).ok()?;
                Some(PublicKey::from_secret_key(&self.secp, k.secret()))
            }
        }
    }

    fn registered(&self) -> &[crate::wallet::registry::Registered] {
        &self.registered
    }
}

impl KeyChain {
    /// These keys with the wallets registered for them (already MAC-checked).
    pub fn with_registered(mut self, wallets: Vec<crate::wallet::registry::Registered>) -> Self {
        self.registered = wallets;
        self
    }

    /// Check that `wallet` names this seed exactly: at least one key with our fingerprint, and
    /// every such key the xpub this seed derives at its origin path (the xpub-swap check).
    pub fn check_cosigner(
        &self,
        name: &str,
        wallet: &crate::wallet::WatchOnly,
    ) -> Result<(), crate::wallet::WalletError> {
        use crate::wallet::registry::cosigners;
        use crate::wallet::WalletError;
        let mut ours = 0;
        for d in [&wallet.external, &wallet.internal] {
            for c in cosigners(d)
                .iter()
                .filter(|c| c.fingerprint == self.fingerprint)
            {
                let derived = self
                    .xpub_at(&c.origin)
                    .map_err(|e| WalletError::Derivation(e.to_string()))?;
                // Key and chain code decide every address; depth and parent fingerprint are
                // metadata some wallets write differently.
                if (derived.public_key, derived.chain_code)
                    != (c.xpub.public_key, c.xpub.chain_code)
                {
                    return Err(WalletError::XpubSwapped {
                        fingerprint: self.fingerprint.to_string(),
                        path: c.origin.to_string(),
                        given: c.xpub.to_string(),
                        derived: derived.to_string(),
                    });
                }
                ours += 1;
            }
        }
        if ours == 0 {
            return Err(WalletError::NotACosigner {
                name: crate::sanitize::escape(name),
                fingerprint: self.fingerprint.to_string(),
            });
        }
        Ok(())
    }
}

impl Drop for KeyChain {
    fn drop(&mut self) {
        erase(&mut self.master);
        erase_all(self.parents.get_mut().unwrap_or_else(|e| e.into_inner()));
        // The key chain is dropped in a frame no deeper than the one that signed with it.
        crate::parallel::scrub_stack();
    }
}

/// Erase one extended private key in place.
fn erase(x: &mut Xpriv) {
    x.private_key.non_secure_erase();
    x.chain_code = ChainCode::from([0u8; 32]);
}

/// Erase cached keys in place (`Xpriv` is `Copy`: erasing a moved-out copy would leave the
/// original bytes in the map's memory), then empty the map.
fn erase_all(cache: &mut HashMap<DerivationPath, KeyPair>) {
    for (k, _) in cache.values_mut() {
        erase(k);
    }
    cache.clear();
}

impl KeyChain {
    /// The account export (xpub with origin, descriptors, first address) for one script type.
    pub fn account_export(
        &self,
        script: crate::wallet::ScriptType,
        account_n: u32,
    ) -> Result<crate::wallet::account::AccountExport, SignError> {
        use crate::bundle::KeySource;
        if account_n >= 1 << 31 {
            return Err(SignError::AccountOutOfRange(account_n));
        }
        let net = self.network();
        let path = script.account_path(net, account_n);
        let xpub = self.xpub_at(&path)?;
        Ok(crate::wallet::account::export(
            self.fingerprint(),
            &path,
            &xpub,
            script,
            account_n,
            net,
        )?)
    }
}

impl KeyChain {
    /// A 32-byte key for MACs the seed's owner makes and checks (the audit log), derived from the
    /// master private key with a purpose tag, so the MAC proves the line was written by this
    /// seed's holder and reveals nothing about the key. Erased when dropped.
    pub fn mac_key(&self, purpose: &str) -> zeroize::Zeroizing<[u8; 32]> {
        use bitcoin::hashes::{sha256, Hash, HashEngine, Hmac, HmacEngine};
        let mut secret = zeroize::Zeroizing::new(self.master.private_key.secret_bytes());
        let mut engine = HmacEngine::<sha256::Hash>::new(&secret[..]);
        engine.input(b"airsign mac key v1\0");
        engine.input(purpose.as_bytes());
        let mac = Hmac::<sha256::Hash>::from_engine(engine);
        zeroize::Zeroize::zeroize(&mut *secret);
        zeroize::Zeroizing::new(mac.to_byte_array())
    }
}

/// The audit log's MAC key for an unlocked seed file: from the mnemonic without any BIP39
/// passphrase, so one seed file has one log whichever passphrase signs.
pub fn audit_mac_key(
    unlocked: &crate::secrets::seedfile::Unlocked,
) -> Result<zeroize::Zeroizing<[u8; 32]>, SignError> {
    seed_file_mac_key(unlocked, "audit-log")
}

/// A MAC key of the seed file itself (the mnemonic without a BIP39 passphrase) for `purpose`:
/// records that belong to the seed file (its audit log, its policy pin) whichever passphrase
/// signs.
pub fn seed_file_mac_key(
    unlocked: &crate::secrets::seedfile::Unlocked,
    purpose: &str,
) -> Result<zeroize::Zeroizing<[u8; 32]>, SignError> {
    let seed = unlocked.mnemonic.to_seed("", unlocked.info.network);
    Ok(KeyChain::from_seed(&seed)?.mac_key(purpose))
}

impl KeyChain {
    /// A BIP322 (simple) signature of `message` by our single-sig address at `path` (P2WPKH or
    /// P2TR by `script`). Returns the address and the signature. For approvals and key checks.
    pub fn sign_message(
        &self,
        path: &DerivationPath,
        script: crate::wallet::ScriptType,
        message: &[u8],
    ) -> Result<(bitcoin::Address, String), SignError> {
        self.sign_message_as(path, script, crate::message::Format::Simple, message)
    }
}

impl KeyChain {
    /// A signature of `message` in `format` (legacy BIP137, BIP322 simple or full) by our
    /// single-sig address at `path` of type `script` (pkh, sh-wpkh, wpkh or tr). Returns the
    /// address and the signature text. The signature is checked before it is returned.
    pub fn sign_message_as(
        &self,
        path: &DerivationPath,
        script: crate::wallet::ScriptType,
        format: crate::message::Format,
        message: &[u8],
    ) -> Result<(bitcoin::Address, String), SignError> {
        use crate::bundle::KeySource;
        let key = self.signing_key(path)?;
        let pk = key.0.public_key(&self.secp);
        let spk = crate::wallet::ownership::single_sig_script(
            &Secp256k1::verification_only(),
            script,
            &pk,
        )
        .ok_or(SignError::Message(
            "only single-sig addresses sign messages".into(),
        ))?;
        let address = bitcoin::Address::from_script(&spk, self.network())
            .map_err(|e| SignError::Message(e.to_string()))?;
        let sig = crate::message::sign(&spk, &key.0, message, format)
            .map_err(|e| SignError::Message(e.to_string()))?;
        drop(key);
        // Verify-after-sign: what leaves is checked by the verifier any recipient runs.
        crate::message::verify_message(&address.to_string(), message, &sig).map_err(|e| {
            SignError::VerifyFailed {
                input: 0,
                reason: format!("the message signature does not verify: {e}"),
            }
        })?;
        Ok((address, sig))
    }
}

impl KeyChain {
    /// A legacy (Bitcoin Core `signmessage`) signature of `message` by the key at `path` itself —
    /// the BSMS (BIP129) key record signature, made by the account key the record names.
    pub fn sign_legacy_message(
        &self,
        path: &DerivationPath,
        message: &str,
    ) -> Result<String, SignError> {
        let key = self.signing_key(path)?;
        Ok(crate::message::legacy::sign(key.secret(), message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn signing_keys_are_bip32s_whatever_the_last_step() {
        let m = crate::secrets::Mnemonic::parse(crate::wallet::fixture::TEST_MNEMONIC).unwrap();
        let seed = m.to_seed("", Network::Regtest);
        let k = KeyChain::from_seed(&seed).unwrap();
        let master = Xpriv::new_master(Network::Regtest, &seed.expose_secret()[..]).unwrap();
        for p in [
            "m/84'/1'/0'/0/0",
            "m/84'/1'/0'/1/999",
            "m/86'/1'/0'/0/7",
            "m/0'/1'",
            "m/5",
            "m",
        ] {
            let path = DerivationPath::from_str(p).unwrap();
            let want = master.derive_priv(&k.secp, &path).unwrap().private_key;
            assert_eq!(k.signing_key(&path).unwrap().secret(), &want, "{p}");
            // Twice: the second comes from the cached parent.
            assert_eq!(k.signing_key(&path).unwrap().secret(), &want, "{p}");
            let public = PublicKey::from_secret_key(&k.secp, &want);
            assert_eq!(k.public_key(&path), Some(public), "{p}");
        }
    }
}
