//! Our public keys at every path a PSBT claims for our fingerprint, derived up front on every
//! core ([`crate::parallel`]), so the review — which stays one sequential pass, in input order —
//! reads them instead of deriving one at a time (one BIP32 step, a scalar multiplication, per
//! input: most of the review's time on a large PSBT).
//!
//! Nothing here decides anything: a path is looked up by value, the key at a path is the key our
//! seed derives there whichever thread derived it, and a path not derived here is derived on
//! demand. The paths are the ones the review itself would derive (our fingerprint, at most
//! [`MAX_PATH_DEPTH`] steps), so a hostile PSBT gets no more derivations out of us than before.
use std::collections::{HashMap, HashSet};

use bitcoin::bip32::{DerivationPath, Fingerprint};
use bitcoin::secp256k1::PublicKey;
use bitcoin::{Network, Psbt};

use super::MAX_PATH_DEPTH;
use crate::bundle::KeySource;

/// A key source with some public keys already derived.
pub(super) struct Prederived<'a> {
    keys: &'a dyn KeySource,
    derived: HashMap<DerivationPath, Option<PublicKey>>,
}

impl<'a> Prederived<'a> {
    /// Derive the keys of every claimed path of ours on up to `threads` threads (every core when
    /// `None`). With too few paths to be worth a thread, nothing is derived ahead.
    pub(super) fn new<'p>(psbt: &'p Psbt, keys: &'a dyn KeySource, threads: Option<usize>) -> Self {
        let ours = keys.fingerprint();
        let mut seen = HashSet::new();
        let mut paths: Vec<&'p DerivationPath> = Vec::new();
        let mut claim = |fp: &Fingerprint, path: &'p DerivationPath| {
            if *fp == ours && path.len() <= MAX_PATH_DEPTH && seen.insert(path) {
                paths.push(path);
            }
        };
        // Outputs first would not change a thing; inputs are where the many paths are.
        // Inputs and outputs over the claim limit are refused unread (`too-many-claims`).
        let few = |n: usize| n <= super::MAX_OUR_CLAIMS;
        for input in psbt
            .inputs
            .iter()
            .filter(|i| few(super::inputs::our_claims(i, ours)))
        {
            input
                .bip32_derivation
                .values()
                .for_each(|(f, p)| claim(f, p));
            input
                .tap_key_origins
                .values()
                .for_each(|(_, (f, p))| claim(f, p));
        }
        for output in psbt.outputs.iter().filter(|o| {
            few(o
                .bip32_derivation
                .values()
                .filter(|(f, _)| *f == ours)
                .count()
                + o.tap_key_origins
                    .values()
                    .filter(|(_, (f, _))| *f == ours)
                    .count())
        }) {
            output
                .bip32_derivation
                .values()
                .for_each(|(f, p)| claim(f, p));
            output
                .tap_key_origins
                .values()
                .for_each(|(_, (f, p))| claim(f, p));
        }
        let threads = crate::parallel::threads_for(paths.len(), threads);
        if threads <= 1 {
            return Prederived {
                keys,
                derived: HashMap::new(),
            };
        }
        let derived = crate::parallel::map(&paths, threads, |p| keys.public_key(p));
        Prederived {
            keys,
            derived: paths.into_iter().cloned().zip(derived).collect(),
        }
    }
}

impl KeySource for Prederived<'_> {
    fn fingerprint(&self) -> Fingerprint {
        self.keys.fingerprint()
    }

    fn network(&self) -> Network {
        self.keys.network()
    }

    fn public_key(&self, path: &DerivationPath) -> Option<PublicKey> {
        match self.derived.get(path) {
            Some(pk) => *pk,
            None => self.keys.public_key(path),
        }
    }

    fn registered(&self) -> &[crate::wallet::registry::Registered] {
        self.keys.registered()
    }
}
