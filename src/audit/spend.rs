//! What a signed entry says about money leaving: its payments (script type, destination,
//! amount) and its fee rate. Velocity limits and anomaly warnings read the log through these.
use bitcoin::Script;
use serde::{Deserialize, Serialize};

use crate::bundle::review::OutputKind;
use crate::bundle::Review;

/// The kind of an output script, as anomaly warnings compare them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScriptKind {
    /// Pay to public key hash (legacy).
    P2pkh,
    /// Pay to script hash (legacy, or wrapped segwit).
    P2sh,
    /// Segwit v0 key hash.
    P2wpkh,
    /// Segwit v0 script hash.
    P2wsh,
    /// Taproot (segwit v1).
    P2tr,
    /// A data carrier.
    OpReturn,
    /// Anything else (bare scripts, future witness versions, anchors).
    Other,
}

impl ScriptKind {
    /// The kind of `spk`.
    pub fn of(spk: &Script) -> Self {
        if spk.is_p2pkh() {
            ScriptKind::P2pkh
        } else if spk.is_p2sh() {
            ScriptKind::P2sh
        } else if spk.is_p2wpkh() {
            ScriptKind::P2wpkh
        } else if spk.is_p2wsh() {
            ScriptKind::P2wsh
        } else if spk.is_p2tr() {
            ScriptKind::P2tr
        } else if spk.is_op_return() {
            ScriptKind::OpReturn
        } else {
            ScriptKind::Other
        }
    }

    /// The name written in the log and in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            ScriptKind::P2pkh => "p2pkh",
            ScriptKind::P2sh => "p2sh",
            ScriptKind::P2wpkh => "p2wpkh",
            ScriptKind::P2wsh => "p2wsh",
            ScriptKind::P2tr => "p2tr",
            ScriptKind::OpReturn => "op_return",
            ScriptKind::Other => "other",
        }
    }
}

/// One output that leaves the wallet: an external payment, our own key on a path no wallet
/// scans, or a data output. Change and self-transfers are not payments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payment {
    /// The output script's kind.
    pub script_type: ScriptKind,
    /// The address, or `script HEX` / `OP_RETURN HEX` when the script has none (as the review
    /// shows it).
    pub to: String,
    /// Sats.
    pub amount: u64,
}

/// The payments of a review, in output order.
pub fn payments_of(review: &Review) -> Vec<Payment> {
    review
        .outputs
        .iter()
        .filter(|o| {
            matches!(
                o.kind,
                OutputKind::External | OutputKind::OwnKeyOffBranch { .. } | OutputKind::OpReturn
            )
        })
        .map(|o| Payment {
            script_type: ScriptKind::of(&o.script_pubkey),
            to: o.address.clone(),
            amount: o.amount,
        })
        .collect()
}

/// One signed transaction as the log records it, or a transaction about to be signed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SignedSpend {
    /// Unix seconds (the offline machine's clock).
    pub time: u64,
    /// Sats leaving the wallet.
    pub leaving: u64,
    /// Fee in sats, when known.
    pub fee: Option<u64>,
    /// Estimated virtual size of the signed transaction, when known (absent in older logs).
    pub vsize: Option<u64>,
    /// Payments (absent in older logs).
    pub payments: Vec<Payment>,
}

impl SignedSpend {
    /// The review's spend, as if signed at `time`.
    pub fn from_review(review: &Review, time: u64) -> Self {
        SignedSpend {
            time,
            leaving: review.leaving,
            fee: review.fee,
            vsize: review.vsize,
            payments: payments_of(review),
        }
    }

    /// Fee rate in sat/vB, when both the fee and the size are known.
    pub fn fee_rate(&self) -> Option<f64> {
        match (self.fee, self.vsize) {
            (Some(f), Some(v)) if v > 0 => Some(f as f64 / v as f64),
            _ => None,
        }
    }
}
