//! Whether to sign. Until policy files land, a built-in strict default applies: every safety
//! problem found by the review refuses, foreign inputs refuse unless allowed, and fees above 10 %
//! of the amount spent or above an absolute cap refuse (above 5 % warn).
use serde::Serialize;

use crate::bundle::review::{Problem, Review};

/// The strict default's limits.
#[derive(Debug, Clone, Copy)]
pub struct Defaults {
    /// Refuse when the fee exceeds this percentage of the amount spent.
    pub max_fee_percent: f64,
    /// Warn above this percentage.
    pub warn_fee_percent: f64,
    /// Refuse when the fee exceeds this many sats.
    pub max_fee_sats: u64,
    /// Sign even when some inputs are not ours (coinjoins, payjoins).
    pub allow_foreign_inputs: bool,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            max_fee_percent: 10.0,
            warn_fee_percent: 5.0,
            max_fee_sats: 1_000_000,
            allow_foreign_inputs: false,
        }
    }
}

/// The decision with its reasons.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// Reasons to refuse; empty means sign.
    pub refuse: Vec<Problem>,
    /// Shown to the user, do not block.
    pub warnings: Vec<String>,
}

impl Verdict {
    /// Whether signing may go ahead.
    pub fn approved(&self) -> bool {
        self.refuse.is_empty()
    }
}

/// The signer refused; every reason is listed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("refused to sign: {}", reasons.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join("; "))]
pub struct Refusal {
    /// The reasons.
    pub reasons: Vec<Problem>,
}

impl Refusal {
    /// What to do next.
    pub fn hint(&self) -> String {
        "nothing was signed or written. If the online machine built this PSBT, treat it as compromised until you know why".into()
    }
}

/// Evaluate the strict default policy.
pub fn evaluate(review: &Review, d: &Defaults) -> Verdict {
    let mut refuse = review.problems.clone();
    let mut warnings = review.warnings.clone();
    let ours = review.ours().count();
    let foreign = review.foreign_count();
    if ours > 0 && foreign > 0 && !d.allow_foreign_inputs {
        refuse.push(Problem {
            code: "foreign_inputs",
            message: format!("{foreign} input(s) are not ours; mixing wallets is refused unless --allow-foreign-inputs is given"),
        });
    }
    match review.fee {
        Some(fee) => {
            let base = if review.spent > 0 {
                review.spent
            } else {
                review.total_in.unwrap_or(0)
            };
            let pct = if base > 0 {
                fee as f64 * 100.0 / base as f64
            } else {
                100.0
            };
            if fee > d.max_fee_sats {
                refuse.push(Problem {
                    code: "fee_too_high",
                    message: format!(
                        "the fee of {fee} sat is above the {} sat cap",
                        d.max_fee_sats
                    ),
                });
            }
            if pct > d.max_fee_percent {
                refuse.push(Problem {
                    code: "fee_too_high",
                    message: format!(
                        "the fee is {pct:.1} % of the amount spent (limit {} %)",
                        d.max_fee_percent
                    ),
                });
            } else if pct > d.warn_fee_percent {
                warnings.push(format!("the fee is {pct:.1} % of the amount spent"));
            }
        }
        None if ours > 0 => refuse.push(Problem {
            code: "fee_unknown",
            message: "the fee cannot be computed: some input amounts are unknown".into(),
        }),
        None => {}
    }
    Verdict { refuse, warnings }
}
