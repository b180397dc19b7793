//! Fee limits: absolute, per virtual byte, and as a share of the amount sent. Exceeding one is
//! not an attack; the reason says which limit and how to change it.
use super::{Class, Reason, Verdict};
use crate::bundle::review::Review;

/// The limit codes (warnings above the warning level can be accepted by a rule's `allow`).
pub const LIMIT_CODES: &[&str] = &["fee-absolute", "fee-rate", "fee-percent"];

/// Default refusal above this many sats of fee.
pub const DEFAULT_MAX_FEE_SATS: u64 = 1_000_000;
/// Default refusal above this share of the amount sent, percent.
pub const DEFAULT_MAX_FEE_PERCENT: f64 = 10.0;
/// Default refusal above this fee rate (sat/vB): ten times a busy mempool's top.
pub const DEFAULT_MAX_FEE_RATE: f64 = 1_000.0;

/// The limits of the strict default policy.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Refuse when the fee exceeds this percentage of the amount sent.
    pub max_fee_percent: f64,
    /// Warn above this percentage.
    pub warn_fee_percent: f64,
    /// Refuse when the fee exceeds this many sats.
    pub max_fee_sats: u64,
    /// Refuse above this fee rate, sat/vB.
    pub max_fee_rate: f64,
    /// Warn above this fee rate.
    pub warn_fee_rate: f64,
    /// Change beyond this index is not change (see `ReviewOptions`).
    pub max_change_index: u32,
    /// Warn about change beyond this index.
    pub warn_change_index: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_fee_percent: DEFAULT_MAX_FEE_PERCENT,
            warn_fee_percent: 5.0,
            max_fee_sats: DEFAULT_MAX_FEE_SATS,
            max_fee_rate: DEFAULT_MAX_FEE_RATE,
            warn_fee_rate: 100.0,
            max_change_index: 1_000,
            warn_change_index: 100,
        }
    }
}

fn limit(code: &'static str, message: String, hint: &str) -> Reason {
    Reason {
        code,
        message,
        class: Class::Limit,
        hint: Some(hint.into()),
    }
}

fn warning(code: &'static str, message: String) -> Reason {
    Reason {
        code,
        message,
        class: Class::Limit,
        hint: None,
    }
}

impl Limits {
    pub(super) fn check(&self, r: &Review, v: &mut Verdict) {
        let Some(fee) = r.fee else {
            return;
        };
        if fee > self.max_fee_sats {
            v.refuse.push(limit(
                "fee-absolute",
                format!(
                    "the fee of {fee} sat is above the {} sat limit",
                    self.max_fee_sats
                ),
                "If this fee is meant, raise the limit with --max-fee SATS.",
            ));
        }
        if let Some(rate) = r.fee_rate {
            if rate > self.max_fee_rate {
                v.refuse.push(limit(
                    "fee-rate",
                    format!(
                        "the fee rate is {rate:.1} sat/vB, above the {} sat/vB limit",
                        self.max_fee_rate
                    ),
                    "If this fee rate is meant, raise the limit with --max-fee-rate SAT_PER_VB.",
                ));
            } else if rate > self.warn_fee_rate {
                v.warnings.push(warning(
                    "fee-rate",
                    format!("the fee rate is {rate:.1} sat/vB, far above normal"),
                ));
            }
        }
        // Percent of the amount sent (to others and to our own receive addresses); a
        // consolidation that sends nothing is measured against what it spends.
        let (base, what) = if r.sent > 0 {
            (r.sent, "the amount sent")
        } else {
            (r.total_in.unwrap_or(0), "the amount spent")
        };
        let pct = if base > 0 {
            fee as f64 * 100.0 / base as f64
        } else {
            100.0
        };
        if pct > self.max_fee_percent {
            v.refuse.push(limit(
                "fee-percent",
                format!(
                    "the fee is {pct:.1} % of {what} (limit {} %)",
                    self.max_fee_percent
                ),
                "If this fee is meant, raise the limit with --max-fee-percent PERCENT.",
            ));
        } else if pct > self.warn_fee_percent {
            v.warnings.push(warning(
                "fee-percent",
                format!("the fee is {pct:.1} % of {what}"),
            ));
        }
    }
}
