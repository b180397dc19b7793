//! The online side's review: with the wallet's account xpub when there is a wallet, else with no
//! keys.
use bitcoin::Network;

use super::{review, Review, ReviewOptions};
use crate::wallet::keys::{NoKeys, XpubSource};
use crate::wallet::WatchOnly;

/// The review the online side shows: with the wallet's keys when there is a wallet (change and
/// self-transfers recognised), else with no keys on `net`.
pub fn review_watch_only(psbt: &bitcoin::Psbt, w: Option<&WatchOnly>, net: Network) -> Review {
    match w.and_then(XpubSource::from_wallet) {
        Some(src) => review(psbt, &src, &ReviewOptions::default()),
        None => review(
            psbt,
            &NoKeys(w.map_or(net, |w| w.network)),
            &ReviewOptions::default(),
        ),
    }
}
