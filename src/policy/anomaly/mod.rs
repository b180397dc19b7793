//! Anomaly warnings: how a transaction compares with what this signer signed before (its audit
//! log). [`check`] is a pure function from the history, the spend about to be signed and the
//! parameters to a list of anomalies, each with a stable code and a message that shows the
//! numbers it was decided on. What a rule does with each code (warn, refuse, or accept it only
//! with approvals) is [`rule`]'s business.
//!
//! Five checks (`docs/policy.md`, "Anomaly warnings"):
//! - `anomaly-new-destination`: an output pays an address no signed entry has paid. Needs no
//!   history: with an empty log every destination is new.
//! - `anomaly-amount`: the sats leaving are above `k` × the median of the last `window` (50)
//!   signed spends that sent something.
//! - `anomaly-fee-rate`: the fee rate is above `k` × the median fee rate of the last `window`
//!   (10) signed spends whose rate the log records.
//! - `anomaly-script-type`: an output pays a kind of script (p2wpkh, p2tr, p2sh, …) no signed
//!   entry has paid.
//! - `anomaly-burst`: this would be more than `per_hour` signings within one hour.
//!
//! The median and script-type checks compare with a pattern, so they stay silent until the log
//! holds `min_history` signed spends that record what they compare (older entries lack payments
//! and sizes). A log that is deleted or replaced therefore silences them; it makes every
//! destination new instead.
pub mod rule;

#[cfg(test)]
mod generated;

use std::collections::BTreeSet;

use serde::Serialize;

use crate::audit::{ScriptKind, SignedSpend};

pub use rule::{AnomalyAction, AnomalyFile, AnomalyRule};

/// Default `k` for amounts and fee rates.
pub const DEFAULT_K: f64 = 3.0;
/// Default number of recent signed spends the amount median is taken over.
pub const DEFAULT_AMOUNT_WINDOW: usize = 50;
/// Default number of recent signed spends the fee-rate median is taken over: fewer than for
/// amounts, because fee rates follow the mempool, which moves within days (measured in
/// `docs/policy.md`: with 50, a drifting mempool flags three times as many usual spends).
pub const DEFAULT_FEE_RATE_WINDOW: usize = 10;
/// Default number of signed spends needed before the median and script-type checks fire.
pub const DEFAULT_MIN_HISTORY: usize = 5;
/// Default most signings in one hour before `anomaly-burst`.
pub const DEFAULT_BURST_PER_HOUR: usize = 5;

/// One kind of anomaly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A destination never paid in a signed entry.
    NewDestination,
    /// An amount far above the usual.
    Amount,
    /// A fee rate far above the usual.
    FeeRate,
    /// A kind of output script never paid.
    ScriptType,
    /// Too many signings in one hour.
    Burst,
}

impl Kind {
    /// Every kind, in the order they are checked and reported.
    pub const ALL: [Kind; 5] = [
        Kind::NewDestination,
        Kind::Amount,
        Kind::FeeRate,
        Kind::ScriptType,
        Kind::Burst,
    ];

    /// The stable code in verdicts and the audit log (`docs/review-codes.md`).
    pub fn code(self) -> &'static str {
        match self {
            Kind::NewDestination => "anomaly-new-destination",
            Kind::Amount => "anomaly-amount",
            Kind::FeeRate => "anomaly-fee-rate",
            Kind::ScriptType => "anomaly-script-type",
            Kind::Burst => "anomaly-burst",
        }
    }

    /// The key in a rule's `anomaly` object.
    pub fn field(self) -> &'static str {
        match self {
            Kind::NewDestination => "new-destination",
            Kind::Amount => "amount",
            Kind::FeeRate => "fee-rate",
            Kind::ScriptType => "script-type",
            Kind::Burst => "burst",
        }
    }
}

/// The numbers the checks use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// An amount above `amount_k` × the median is an anomaly.
    pub amount_k: f64,
    /// A fee rate above `fee_rate_k` × the median is an anomaly.
    pub fee_rate_k: f64,
    /// How many recent signed spends the amount median is taken over.
    pub amount_window: usize,
    /// How many recent signed spends the fee-rate median is taken over.
    pub fee_rate_window: usize,
    /// Signed spends needed before the median and script-type checks fire.
    pub min_history: usize,
    /// More signings than this within one hour is a burst.
    pub burst_per_hour: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            amount_k: DEFAULT_K,
            fee_rate_k: DEFAULT_K,
            amount_window: DEFAULT_AMOUNT_WINDOW,
            fee_rate_window: DEFAULT_FEE_RATE_WINDOW,
            min_history: DEFAULT_MIN_HISTORY,
            burst_per_hour: DEFAULT_BURST_PER_HOUR,
        }
    }
}

/// One anomaly: its kind and the numbers behind it, in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Anomaly {
    /// What kind.
    pub kind: Kind,
    /// Plain words with the numbers.
    pub message: String,
}

fn btc(sats: u64) -> String {
    format!("{}.{:08} BTC", sats / 100_000_000, sats % 100_000_000)
}

/// The median of `v` (not empty).
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The last `window` values `f` gives for the spends of `history` (oldest first).
fn recent(
    history: &[SignedSpend],
    window: usize,
    f: impl Fn(&SignedSpend) -> Option<f64>,
) -> Vec<f64> {
    let mut v: Vec<f64> = history.iter().rev().filter_map(f).take(window).collect();
    v.reverse();
    v
}

/// "12.5 ×", or "∞ ×" over a zero median.
fn times(x: f64, median: f64) -> String {
    if median > 0.0 {
        format!("{:.1} ×", x / median)
    } else {
        "infinitely many times".into()
    }
}

/// Every anomaly of `spend` (about to be signed at `now`) against `history` (signed spends,
/// oldest first). Pure: the same inputs give the same list, in [`Kind::ALL`] order.
pub fn check(history: &[SignedSpend], now: u64, spend: &SignedSpend, p: &Params) -> Vec<Anomaly> {
    let mut out = Vec::new();
    let mut push = |kind, message| out.push(Anomaly { kind, message });

    // New destinations: every address any signed entry paid.
    let paid: BTreeSet<&str> = history
        .iter()
        .flat_map(|s| s.payments.iter().map(|x| x.to.as_str()))
        .collect();
    let unrecorded = history
        .iter()
        .filter(|s| s.leaving > 0 && s.payments.is_empty())
        .count();
    let mut named = BTreeSet::new();
    for pay in &spend.payments {
        if pay.script_type == ScriptKind::OpReturn
            || paid.contains(pay.to.as_str())
            || !named.insert(pay.to.as_str())
        {
            continue;
        }
        let older = if unrecorded > 0 {
            format!(" ({unrecorded} older signed entries do not record their destinations)")
        } else {
            String::new()
        };
        push(
            Kind::NewDestination,
            format!(
                "first payment to {}: {} to an address no signed entry in the log has paid ({} signed spends){older}",
                pay.to,
                btc(pay.amount),
                history.len()
            ),
        );
    }

    // Amount against the median of recent spends that sent something.
    if spend.leaving > 0 {
        let amounts = recent(history, p.amount_window, |s| {
            (s.leaving > 0).then_some(s.leaving as f64)
        });
        if amounts.len() >= p.min_history {
            let m = median(amounts.clone());
            if spend.leaving as f64 > p.amount_k * m {
                push(
                    Kind::Amount,
                    format!(
                        "amount {} leaving is {} the median {} of the last {} signed spends (limit {} ×)",
                        btc(spend.leaving),
                        times(spend.leaving as f64, m),
                        btc(m.round() as u64),
                        amounts.len(),
                        p.amount_k
                    ),
                );
            }
        }
    }

    // Fee rate against the median of recent recorded rates.
    if let Some(rate) = spend.fee_rate() {
        let rates = recent(history, p.fee_rate_window, SignedSpend::fee_rate);
        if rates.len() >= p.min_history {
            let m = median(rates.clone());
            if rate > p.fee_rate_k * m {
                push(
                    Kind::FeeRate,
                    format!(
                        "fee rate {rate:.1} sat/vB is {} the median {m:.1} sat/vB of the last {} signed spends (limit {} ×)",
                        times(rate, m),
                        rates.len(),
                        p.fee_rate_k
                    ),
                );
            }
        }
    }

    // Script types no signed entry has paid, once enough entries record their payments.
    let recorded = history.iter().filter(|s| !s.payments.is_empty()).count();
    if recorded >= p.min_history {
        let known: BTreeSet<ScriptKind> = history
            .iter()
            .flat_map(|s| s.payments.iter().map(|x| x.script_type))
            .collect();
        let mut named = BTreeSet::new();
        for pay in &spend.payments {
            if known.contains(&pay.script_type) || !named.insert(pay.script_type) {
                continue;
            }
            let seen: Vec<&str> = known.iter().map(|k| k.as_str()).collect();
            push(
                Kind::ScriptType,
                format!(
                    "pays a {} output ({}), a script type none of the {recorded} signed spends with recorded payments paid (they paid {})",
                    pay.script_type.as_str(),
                    pay.to,
                    seen.join(", ")
                ),
            );
        }
    }

    // Signings in the hour before now (entries dated after now count too: a clock set back).
    let in_hour: Vec<u64> = history
        .iter()
        .map(|s| s.time)
        .filter(|t| t.saturating_add(3600) > now)
        .collect();
    if in_hour.len() + 1 > p.burst_per_hour {
        let first = in_hour.iter().min().copied().unwrap_or(now);
        push(
            Kind::Burst,
            format!(
                "this would be signing {} within an hour ({} signed since {}), more than {} an hour",
                in_hour.len() + 1,
                in_hour.len(),
                crate::time::rfc3339(first),
                p.burst_per_hour
            ),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Payment;

    fn pay(to: &str, kind: ScriptKind, amount: u64) -> Payment {
        Payment {
            script_type: kind,
            to: to.into(),
            amount,
        }
    }

    fn spend(time: u64, to: &str, amount: u64, fee: u64) -> SignedSpend {
        SignedSpend {
            time,
            leaving: amount,
            fee: Some(fee),
            vsize: Some(100),
            payments: vec![pay(to, ScriptKind::P2wpkh, amount)],
        }
    }

    fn kinds(a: &[Anomaly]) -> Vec<Kind> {
        a.iter().map(|x| x.kind).collect()
    }

    /// Ten spends of 0.001 BTC at 10 sat/vB to `a`, one a day.
    fn ten_days() -> Vec<SignedSpend> {
        (0..10)
            .map(|i| spend(i * 86_400, "a", 100_000, 1_000))
            .collect()
    }

    #[test]
    fn a_usual_spend_has_no_anomaly() {
        let h = ten_days();
        let s = spend(10 * 86_400, "a", 150_000, 1_500);
        assert!(check(&h, s.time, &s, &Params::default()).is_empty());
    }

    #[test]
    fn the_messages_show_the_numbers() {
        let h = ten_days();
        let s = spend(10 * 86_400, "b", 1_250_000, 12_000);
        let a = check(&h, s.time, &s, &Params::default());
        assert_eq!(
            kinds(&a),
            vec![Kind::NewDestination, Kind::Amount, Kind::FeeRate]
        );
        assert_eq!(
            a[1].message,
            "amount 0.01250000 BTC leaving is 12.5 × the median 0.00100000 BTC of the last 10 signed spends (limit 3 ×)"
        );
        assert_eq!(
            a[2].message,
            "fee rate 120.0 sat/vB is 12.0 × the median 10.0 sat/vB of the last 10 signed spends (limit 3 ×)"
        );
        assert!(a[0]
            .message
            .starts_with("first payment to b: 0.01250000 BTC"));
    }

    #[test]
    fn adding_the_spend_to_history_clears_new_destination() {
        let mut h = ten_days();
        let s = spend(10 * 86_400, "b", 100_000, 1_000);
        assert_eq!(
            kinds(&check(&h, s.time, &s, &Params::default())),
            vec![Kind::NewDestination]
        );
        h.push(s.clone());
        let again = spend(11 * 86_400, "b", 100_000, 1_000);
        assert!(check(&h, again.time, &again, &Params::default()).is_empty());
    }

    #[test]
    fn median_and_type_checks_wait_for_min_history_but_new_destination_does_not() {
        let h: Vec<SignedSpend> = ten_days().into_iter().take(4).collect();
        let mut s = spend(5 * 86_400, "b", 100_000_000, 100_000);
        s.payments[0].script_type = ScriptKind::P2wsh;
        assert_eq!(
            kinds(&check(&h, s.time, &s, &Params::default())),
            vec![Kind::NewDestination]
        );
        let h = ten_days().into_iter().take(5).collect::<Vec<_>>();
        assert_eq!(
            kinds(&check(&h, s.time, &s, &Params::default())),
            vec![
                Kind::NewDestination,
                Kind::Amount,
                Kind::FeeRate,
                Kind::ScriptType
            ]
        );
        // Without a log every destination is new.
        assert_eq!(
            kinds(&check(&[], 0, &s, &Params::default())),
            vec![Kind::NewDestination]
        );
    }

    #[test]
    fn the_window_takes_only_recent_spends() {
        // 50 old spends of 1 BTC, then 5 of 0.001 BTC: a window of 5 sees only the small ones.
        let mut h: Vec<SignedSpend> = (0..50)
            .map(|i| spend(i * 86_400, "a", 100_000_000, 1_000))
            .collect();
        h.extend((50..55).map(|i| spend(i * 86_400, "a", 100_000, 1_000)));
        let s = spend(56 * 86_400, "a", 1_000_000, 1_000);
        let p = Params {
            amount_window: 5,
            ..Params::default()
        };
        assert_eq!(kinds(&check(&h, s.time, &s, &p)), vec![Kind::Amount]);
        assert!(check(&h, s.time, &s, &Params::default()).is_empty());
    }

    #[test]
    fn a_burst_is_more_than_per_hour_signings_within_an_hour() {
        let t = 1_000_000;
        // Four in the last hour, one just over an hour ago.
        let mut h = vec![spend(t - 3600, "a", 1, 1)];
        h.extend((0..4).map(|i| spend(t - 3000 + i * 60, "a", 1, 1)));
        let s = spend(t, "a", 1, 1);
        assert!(check(&h, t, &s, &Params::default()).is_empty());
        h.push(spend(t - 10, "a", 1, 1));
        let a = check(&h, t, &s, &Params::default());
        assert_eq!(kinds(&a), vec![Kind::Burst]);
        assert!(
            a[0].message
                .starts_with("this would be signing 6 within an hour (5 signed since"),
            "{}",
            a[0].message
        );
    }

    #[test]
    fn old_entries_without_payments_count_for_amounts_not_for_destinations() {
        let h: Vec<SignedSpend> = (0..10)
            .map(|i| SignedSpend {
                time: i,
                leaving: 100_000,
                fee: Some(1_000),
                vsize: None,
                payments: vec![],
            })
            .collect();
        let s = spend(100, "a", 1_000_000, 1_000_000);
        let a = check(&h, 100_000, &s, &Params::default());
        // No recorded rates or payments: no fee-rate or script-type check; amounts still count.
        assert_eq!(kinds(&a), vec![Kind::NewDestination, Kind::Amount]);
        assert!(
            a[0].message
                .contains("(10 older signed entries do not record their destinations)"),
            "{}",
            a[0].message
        );
    }

    #[test]
    fn one_anomaly_per_new_destination_and_per_new_type_and_data_is_no_destination() {
        let h = ten_days();
        let mut s = spend(20 * 86_400, "b", 100_000, 1_000);
        s.payments.push(pay("b", ScriptKind::P2wpkh, 1));
        s.payments.push(pay("c", ScriptKind::P2tr, 1));
        s.payments.push(pay("d", ScriptKind::P2tr, 1));
        s.payments
            .push(pay("OP_RETURN 00", ScriptKind::OpReturn, 0));
        let a = check(&h, s.time, &s, &Params::default());
        assert_eq!(
            kinds(&a),
            vec![
                Kind::NewDestination,
                Kind::NewDestination,
                Kind::NewDestination,
                Kind::ScriptType,
                Kind::ScriptType
            ]
        );
    }
}
