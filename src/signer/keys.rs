//! The only place private keys exist: seed → BIP32 master → child keys, derived as late as
//! possible and erased on drop. `Xpriv` is `Copy` and not zeroizing, so it never leaves this file.
use bitcoin::bip32::{ChainCode, DerivationPath, Fingerprint, Xpriv, Xpub};
use bitcoin::secp256k1::{All, PublicKey, Secp256k1, SecretKey};
use bitcoin::Network;

use super::SignError;
use crate::bundle::KeySource;
use crate::secrets::Seed;

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
}

impl KeyChain {
    /// The key chain for a BIP39 seed.
    pub fn from_seed(seed: &Seed) -> Result<Self, SignError> {
        let master = Xpriv::new_master(seed.network(), &seed.expose_secret()[..])
            .map_err(|e| SignError::Derivation(e.to_string()))?;
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
        }
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
            .map_err(|e| SignError::Derivation(e.to_string()))?;
        Ok(Xpub::from_priv(&self.secp, &xprv))
    }

    /// The private key at `path`, erased when the returned value is dropped.
    pub(crate) fn signing_key(&self, path: &DerivationPath) -> Result<SigningKey, SignError> {
        let mut xprv = self
            .master
            .derive_priv(&self.secp, path)
            .map_err(|e| SignError::Derivation(e.to_string()))?;
        let key = SigningKey(xprv.private_key);
        xprv.private_key.non_secure_erase();
        Ok(key)
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
        let k = self.signing_key(path).ok()?;
        Some(PublicKey::from_secret_key(&self.secp, k.secret()))
    }
}

impl Drop for KeyChain {
    fn drop(&mut self) {
        self.master.private_key.non_secure_erase();
        self.master.chain_code = ChainCode::from([0u8; 32]);
    }
}
