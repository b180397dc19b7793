//! One audit entry: what the caller fills ([`EntryDraft`]) and what the log adds ([`Entry`]).
use bitcoin::hashes::{sha256, Hash, HashEngine, Hmac, HmacEngine};
use serde::{Deserialize, Serialize};

use super::spend::{payments_of, Payment};
use crate::bundle::Review;

/// What happened to a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Event {
    /// Signed and verified.
    Signed,
    /// Refused by the review, the policy or a safety check.
    Refused,
    /// The user said no at the confirmation.
    Declined,
    /// Waiting for a delay to pass.
    Pending,
    /// An approval was recorded.
    Approval,
    /// A message was signed (`message sign`): the entry's `message` field says which.
    Message,
    /// A key health check was answered (`keycheck answer`): the entry's `keycheck` field says
    /// which challenge.
    Keycheck,
}

impl Event {
    /// The name written in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Signed => "signed",
            Event::Refused => "refused",
            Event::Declined => "declined",
            Event::Pending => "pending",
            Event::Approval => "approval",
            Event::Message => "message",
            Event::Keycheck => "keycheck",
        }
    }
}

/// One reason behind a decision: a stable code and a message (untrusted text: escape it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    /// Stable code (`fee-percent`, `new-destination`, …).
    pub code: String,
    /// Human message.
    pub message: String,
}

/// Inputs of the transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputsSummary {
    /// Number of inputs.
    pub count: u64,
    /// Sum of the input amounts in sats, when every amount is known.
    pub total: Option<u64>,
}

/// Outputs of the transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputsSummary {
    /// Number of outputs.
    pub count: u64,
    /// Sum of the output amounts in sats, when every amount is in range.
    pub total: Option<u64>,
    /// Sats leaving the wallet.
    pub leaving: u64,
    /// Sats to change outputs.
    pub change: u64,
}

/// A signed message, as the log records it: its hash, never its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageRecord {
    /// Hex SHA-256 of the message bytes.
    pub sha256: String,
    /// The signing address.
    pub address: String,
    /// Its path from the master, `m/84'/0'/0'/0/0`.
    pub path: String,
    /// `legacy`, `simple` or `full`.
    pub format: String,
}

/// An answered key health check, as the log records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeycheckRecord {
    /// The wallet id the challenge names.
    pub wallet_id: String,
    /// The challenge's nonce (hex).
    pub nonce: String,
    /// The challenge's date.
    pub date: String,
    /// The keys that answered, `[fingerprint/path]`.
    pub keys: Vec<String>,
}

/// An entry before the log fills `seq`, `time`, `prev` and `mac`. The caller fills everything here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryDraft {
    /// What happened.
    pub event: Event,
    /// Bundle id (words and hex, as shown).
    pub bundle_id: String,
    /// Hex SHA-256 of the PSBT as reviewed.
    pub psbt_sha256: String,
    /// Unsigned txid.
    pub txid: String,
    /// Inputs summary.
    pub inputs: InputsSummary,
    /// Outputs summary.
    pub outputs: OutputsSummary,
    /// Fee in sats, when known.
    pub fee: Option<u64>,
    /// Hash of the policy that decided (empty: the built-in default).
    pub policy_hash: String,
    /// The policy rule that matched, if any.
    pub rule: Option<String>,
    /// The decision in words (`signed`, `refused`, `declined`, …).
    pub decision: String,
    /// Reasons behind the decision.
    pub reasons: Vec<Reason>,
    /// Fingerprint of the signing keys.
    pub fingerprint: String,
    /// Payments leaving the wallet (anomaly warnings compare destinations and script types).
    pub payments: Vec<Payment>,
    /// Estimated virtual size of the signed transaction (with `fee`, the fee rate).
    pub vsize: Option<u64>,
    /// Hex payment key of the transaction (spent coins and outputs, without locktime or order).
    pub payment_key: Option<String>,
    /// nLockTime of the transaction.
    pub locktime: Option<u32>,
    /// For a pending entry of a delay in blocks: the lowest locktime a transaction for the same
    /// payment must carry to be signed.
    pub until_height: Option<u32>,
    /// For a `message` entry: what was signed.
    pub message: Option<MessageRecord>,
    /// For a `keycheck` entry: which challenge was answered.
    pub keycheck: Option<KeycheckRecord>,
}

impl EntryDraft {
    /// The summary fields from a review; the rest from the caller.
    #[allow(clippy::too_many_arguments)]
    pub fn from_review(
        review: &Review,
        psbt_sha256: sha256::Hash,
        event: Event,
        decision: &str,
        reasons: Vec<Reason>,
        policy_hash: &str,
        rule: Option<&str>,
    ) -> Self {
        EntryDraft {
            event,
            bundle_id: review.bundle_id.to_string(),
            psbt_sha256: psbt_sha256.to_string(),
            txid: review.txid.to_string(),
            inputs: InputsSummary {
                count: review.inputs.len() as u64,
                total: review.total_in,
            },
            outputs: OutputsSummary {
                count: review.outputs.len() as u64,
                total: review.total_out,
                leaving: review.leaving,
                change: review.change,
            },
            fee: review.fee,
            policy_hash: policy_hash.to_owned(),
            rule: rule.map(str::to_owned),
            decision: decision.to_owned(),
            reasons,
            fingerprint: review.fingerprint.clone(),
            payments: payments_of(review),
            vsize: review.vsize,
            payment_key: Some(review.payment_key.clone()),
            locktime: Some(review.locktime),
            until_height: None,
            message: None,
            keycheck: None,
        }
    }

    /// An entry that is not about a transaction (a signed message, a key check): the
    /// transaction fields empty, `event`, `decision`, `reasons` and `fingerprint` given.
    pub fn not_a_transaction(
        event: Event,
        decision: &str,
        reasons: Vec<Reason>,
        fingerprint: &str,
    ) -> Self {
        EntryDraft {
            event,
            bundle_id: String::new(),
            psbt_sha256: String::new(),
            txid: String::new(),
            inputs: InputsSummary::default(),
            outputs: OutputsSummary::default(),
            fee: None,
            policy_hash: String::new(),
            rule: None,
            decision: decision.to_owned(),
            reasons,
            fingerprint: fingerprint.to_owned(),
            payments: Vec::new(),
            vsize: None,
            payment_key: None,
            locktime: None,
            until_height: None,
            message: None,
            keycheck: None,
        }
    }
}

/// One line of the log. Field order is the serialization order, which is part of the format:
/// a line must be exactly what serializing its parsed entry gives back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Position in the log, from 0.
    pub seq: u64,
    /// When it was written, RFC 3339 UTC (the offline machine's clock: not proof of time).
    pub time: String,
    /// Hex SHA-256 of the previous line's bytes (without its newline); 64 zeros for the first.
    pub prev: String,
    /// What happened.
    pub event: Event,
    /// Bundle id.
    pub bundle_id: String,
    /// Hex SHA-256 of the PSBT as reviewed.
    pub psbt_sha256: String,
    /// Unsigned txid.
    pub txid: String,
    /// Inputs summary.
    pub inputs: InputsSummary,
    /// Outputs summary.
    pub outputs: OutputsSummary,
    /// Fee in sats, when known.
    pub fee: Option<u64>,
    /// Policy hash (empty: the built-in default).
    pub policy_hash: String,
    /// The policy rule that matched.
    pub rule: Option<String>,
    /// Decision.
    pub decision: String,
    /// Reasons.
    pub reasons: Vec<Reason>,
    /// Signer fingerprint.
    pub fingerprint: String,
    /// Payments leaving the wallet. Optional so that lines written before it existed still
    /// parse and re-serialize byte for byte (and their MACs still match).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payments: Vec<Payment>,
    /// Estimated virtual size of the signed transaction; optional for the same reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vsize: Option<u64>,
    // The optional fields below were added after the first format: absent in older lines, so
    // those lines still serialize back byte for byte (and their chain and MACs still verify).
    /// Hex payment key: SHA-256 of the spent outpoints and the outputs, without locktime,
    /// sequences or order (the same for every rebuild of one payment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_key: Option<String>,
    /// nLockTime of the transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locktime: Option<u32>,
    /// Pending on a delay in blocks: the lowest locktime a transaction for the same payment must
    /// carry to be signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_height: Option<u32>,
    /// A `message` entry: the message's SHA-256 (never its text), address, path and format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<MessageRecord>,
    /// A `keycheck` entry: the challenge answered (wallet id, nonce, date) and the keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keycheck: Option<KeycheckRecord>,
    /// Hex HMAC-SHA256 over the line without this field, when the log is kept with a key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
}

/// The `prev` of the first entry, and the tail hash of an empty log.
pub const ZERO_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl Entry {
    pub(crate) fn from_draft(d: EntryDraft, seq: u64, time: String, prev: String) -> Self {
        Entry {
            seq,
            time,
            prev,
            event: d.event,
            bundle_id: d.bundle_id,
            psbt_sha256: d.psbt_sha256,
            txid: d.txid,
            inputs: d.inputs,
            outputs: d.outputs,
            fee: d.fee,
            policy_hash: d.policy_hash,
            rule: d.rule,
            decision: d.decision,
            reasons: d.reasons,
            fingerprint: d.fingerprint,
            payments: d.payments,
            vsize: d.vsize,
            payment_key: d.payment_key,
            locktime: d.locktime,
            until_height: d.until_height,
            message: d.message,
            keycheck: d.keycheck,
            mac: None,
        }
    }

    /// The line as written (without the newline).
    pub fn to_line(&self) -> String {
        // Serializing a struct of strings, integers and vectors cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The MAC of this entry under `key`: HMAC-SHA256 over the line without the `mac` field.
    pub fn compute_mac(&self, key: &[u8; 32]) -> String {
        let unmaced = Entry {
            mac: None,
            ..self.clone()
        };
        let mut e = HmacEngine::<sha256::Hash>::new(key);
        e.input(unmaced.to_line().as_bytes());
        Hmac::<sha256::Hash>::from_engine(e).to_string()
    }

    /// Whether `mac` is the MAC of this entry under `key` (compared in constant time).
    pub fn mac_matches(&self, key: &[u8; 32]) -> bool {
        use subtle::ConstantTimeEq;
        match &self.mac {
            Some(m) => bool::from(m.as_bytes().ct_eq(self.compute_mac(key).as_bytes())),
            None => false,
        }
    }
}

/// Hex SHA-256 of one line's bytes (without the newline).
pub fn line_hash(line: &[u8]) -> String {
    sha256::Hash::hash(line).to_string()
}
