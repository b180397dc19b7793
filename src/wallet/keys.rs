//! Watch-only key sources for the review: a wallet's account xpub (public derivation under its
//! origin only), or no keys at all. Public keys only.
use bitcoin::bip32::{DerivationPath, Fingerprint, Xpub};
use bitcoin::secp256k1::{PublicKey, Secp256k1};
use bitcoin::Network;
use miniscript::descriptor::DescriptorPublicKey;
use miniscript::ForEachKey;

use super::WatchOnly;
use crate::bundle::KeySource;

/// One verification-only secp256k1 context for the whole process. Making one is not free: with
/// `rand-std`, libsecp256k1 blinds every new context (a scalar multiplication and an HMAC-SHA256
/// RNG), which the review once paid per input — about a fifth of signing a 1,000-input PSBT.
/// Verification and public derivation hold no secret, so sharing one context across threads
/// is sound (`Secp256k1` is `Sync`; its methods take `&self`).
pub fn verification() -> &'static Secp256k1<bitcoin::secp256k1::VerifyOnly> {
    static CTX: std::sync::OnceLock<Secp256k1<bitcoin::secp256k1::VerifyOnly>> =
        std::sync::OnceLock::new();
    CTX.get_or_init(Secp256k1::verification_only)
}

/// A watch-only key source: the descriptor's account xpub with its origin.
pub struct XpubSource {
    fingerprint: Fingerprint,
    origin: DerivationPath,
    xpub: Xpub,
    network: Network,
    /// A multisig or script wallet, as the online side knows it: the wallet file is its
    /// registration, so its inputs and change are recognised by re-derivation as on a signer.
    registered: Vec<super::registry::Registered>,
}

impl XpubSource {
    /// From the wallet's receive descriptor (single-key descriptors only).
    pub fn from_wallet(w: &WatchOnly) -> Option<Self> {
        let mut found = None;
        w.external.for_each_key(|k| {
            if let DescriptorPublicKey::XPub(x) = k {
                if let Some((fp, path)) = &x.origin {
                    found = Some(XpubSource {
                        fingerprint: *fp,
                        origin: path.clone(),
                        xpub: x.xkey,
                        network: w.network,
                        registered: Vec::new(),
                    });
                }
            }
            true
        });
        if w.script_type().is_none() {
            if let Some(src) = found.as_mut() {
                src.registered.push(super::registry::Registered {
                    name: "this wallet".into(),
                    wallet_id: super::file::wallet_id(w),
                    wallet: w.clone(),
                });
            }
        }
        found
    }
}

impl KeySource for XpubSource {
    fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }
    fn network(&self) -> Network {
        self.network
    }
    fn public_key(&self, path: &DerivationPath) -> Option<PublicKey> {
        let full: Vec<_> = path.into_iter().copied().collect();
        let origin: Vec<_> = self.origin.into_iter().copied().collect();
        if !full.starts_with(&origin) || full[origin.len()..].iter().any(|c| c.is_hardened()) {
            return None;
        }
        let rest = DerivationPath::from(&full[origin.len()..]);
        self.xpub
            .derive_pub(verification(), &rest)
            .ok()
            .map(|x| x.public_key)
    }
    fn registered(&self) -> &[super::registry::Registered] {
        &self.registered
    }
}

/// A key source that knows no keys: reviews without a wallet.
pub struct NoKeys(pub Network);

impl KeySource for NoKeys {
    fn fingerprint(&self) -> Fingerprint {
        Fingerprint::default()
    }
    fn network(&self) -> Network {
        self.0
    }
    fn public_key(&self, _: &DerivationPath) -> Option<PublicKey> {
        None
    }
}
