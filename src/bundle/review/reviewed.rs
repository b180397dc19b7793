//! A PSBT bound to its review. Only [`Reviewed::new`] builds one, so whatever signs a
//! `Reviewed` signs exactly the PSBT that was reviewed and shown.
use bitcoin::hashes::{sha256, Hash};
use bitcoin::Psbt;

use super::{review_on, Review, ReviewOptions};
use crate::bundle::KeySource;

/// A PSBT and the review of exactly that PSBT.
#[derive(Debug, Clone)]
pub struct Reviewed {
    psbt: Psbt,
    review: Review,
    psbt_sha256: sha256::Hash,
}

impl Reviewed {
    /// Review `psbt` with `keys`, keeping the PSBT.
    pub fn new(psbt: Psbt, keys: &dyn KeySource, opts: &ReviewOptions) -> Self {
        Self::new_on(psbt, keys, opts, None)
    }

    /// [`Reviewed::new`] deriving keys on at most `threads` threads (tests compare thread counts).
    pub(crate) fn new_on(
        psbt: Psbt,
        keys: &dyn KeySource,
        opts: &ReviewOptions,
        threads: Option<usize>,
    ) -> Self {
        let review = review_on(&psbt, keys, opts, threads);
        let psbt_sha256 = sha256::Hash::hash(&psbt.serialize());
        Reviewed {
            psbt,
            review,
            psbt_sha256,
        }
    }

    /// The review.
    pub fn review(&self) -> &Review {
        &self.review
    }

    /// The reviewed PSBT.
    pub fn psbt(&self) -> &Psbt {
        &self.psbt
    }

    /// SHA-256 of the reviewed PSBT's serialisation (for audit records and approvals).
    pub fn psbt_sha256(&self) -> sha256::Hash {
        self.psbt_sha256
    }

    /// Whether `psbt` is byte for byte the PSBT this review describes.
    pub fn describes(&self, psbt: &Psbt) -> bool {
        psbt.unsigned_tx == self.psbt.unsigned_tx
            && sha256::Hash::hash(&psbt.serialize()) == self.psbt_sha256
    }
}
