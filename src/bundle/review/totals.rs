//! Amounts: every value checked against the 21 million BTC supply and summed with checked
//! arithmetic (a hostile output of 2^64 − 1000 sat must not wrap into a small fee), what leaves
//! the wallet, the fee, its rate, and whether the fee can be known at all.
use bitcoin::Psbt;

use super::{Findings, OutputKind, Review, SpendKind};
use crate::bundle::weight::{self, InputShape};

/// No amount or sum of amounts can exceed the 21 million BTC supply.
pub const MAX_MONEY: u64 = 21_000_000 * 100_000_000;

fn in_range(v: u64) -> bool {
    v <= MAX_MONEY
}

/// Sum `values`, or `None` if any value or the sum exceeds `MAX_MONEY`.
fn checked_sum(values: impl IntoIterator<Item = u64>) -> Option<u64> {
    values
        .into_iter()
        .try_fold(0u64, |acc, v| acc.checked_add(v).filter(|s| in_range(*s)))
}

/// Largest transaction Bitcoin Core relays (standardness), in weight units.
pub const MAX_STANDARD_WEIGHT: u64 = 400_000;
/// Largest transaction a block can hold (consensus).
pub const MAX_BLOCK_WEIGHT: u64 = 4_000_000;
/// Bitcoin Core 30's minimum relay fee rate, sat/vB.
const MIN_RELAY_FEE_RATE: f64 = 0.1;

/// The signed transaction's estimated weight, and the size limits: a transaction no node relays
/// or no block holds is refused before any signing (legacy sighashes are quadratic in the size).
fn weight(r: &mut Review, psbt: &Psbt, found: &mut Findings) {
    let shapes: Option<Vec<InputShape>> = psbt
        .inputs
        .iter()
        .zip(&r.inputs)
        .map(|(inp, rev)| {
            if let Some(s) = &rev.shape {
                return Some(s.clone());
            }
            InputShape::for_script(
                &rev.prevout.as_ref()?.script_pubkey,
                inp.redeem_script.as_deref(),
                inp.witness_script.as_deref(),
            )
        })
        .collect();
    if let Some(shapes) = shapes {
        let w = weight::tx_weight(&shapes, &psbt.unsigned_tx.output);
        r.weight = Some(w);
        r.vsize = Some(weight::vsize(w));
    }
    // Without an estimate, the unsigned transaction is a lower bound.
    let w = r
        .weight
        .unwrap_or_else(|| psbt.unsigned_tx.weight().to_wu())
        .max(psbt.unsigned_tx.weight().to_wu());
    if w > MAX_BLOCK_WEIGHT {
        found.integrity(
            "tx-too-large",
            format!("the signed transaction would weigh {w} WU, more than a block holds ({MAX_BLOCK_WEIGHT} WU)"),
        );
    } else if w > MAX_STANDARD_WEIGHT {
        found.fact(
            "tx-nonstandard-weight",
            format!("the signed transaction would weigh {w} WU, more than nodes relay ({MAX_STANDARD_WEIGHT} WU)"),
        );
    }
}

pub(super) fn fill(r: &mut Review, psbt: &Psbt, found: &mut Findings) {
    weight(r, psbt, found);
    for i in &r.inputs {
        if let Some(a) = i.amount.filter(|a| !in_range(*a)) {
            found.integrity(
                "amount-out-of-range",
                format!(
                    "input {}: claims {a} sat, more than 21 million BTC",
                    i.index
                ),
            );
        }
    }
    for o in &r.outputs {
        if !in_range(o.amount) {
            found.integrity(
                "amount-out-of-range",
                format!(
                    "output {}: pays {} sat, more than 21 million BTC",
                    o.index, o.amount
                ),
            );
        }
        if matches!(o.kind, OutputKind::OpReturn) {
            if o.amount > 0 {
                found.fact(
                    "op-return-value",
                    format!(
                        "output {}: burns {} sat in a data (OP_RETURN) output",
                        o.index, o.amount
                    ),
                );
            } else {
                found.fact(
                    "op-return",
                    format!("output {}: carries data (OP_RETURN)", o.index),
                );
            }
        }
    }
    let sum_of = |pred: &dyn Fn(&OutputKind) -> bool| {
        checked_sum(r.outputs.iter().filter(|o| pred(&o.kind)).map(|o| o.amount))
    };
    r.total_out = sum_of(&|_| true);
    if r.total_out.is_none() && r.outputs.iter().all(|o| in_range(o.amount)) {
        found.integrity(
            "amount-out-of-range",
            "the outputs add up to more than 21 million BTC",
        );
    }
    let (Some(total_out), Some(change), Some(own)) = (
        r.total_out,
        sum_of(&|k| matches!(k, OutputKind::Change { .. })),
        sum_of(&|k| matches!(k, OutputKind::OwnReceive { .. })),
    ) else {
        return;
    };
    r.change = change;
    r.to_own_addresses = own;
    r.sent = total_out - change;
    r.leaving = r.sent - own;

    let amounts: Option<Vec<u64>> = r.inputs.iter().map(|i| i.amount).collect();
    let Some(amounts) = amounts else {
        return;
    };
    match checked_sum(amounts) {
        Some(total_in) => r.total_in = Some(total_in),
        None => {
            if r.inputs.iter().all(|i| i.amount.is_some_and(in_range)) {
                found.integrity(
                    "amount-out-of-range",
                    "the inputs add up to more than 21 million BTC",
                );
            }
            return;
        }
    }
    let total_in = r.total_in.unwrap_or_default();
    if total_in < total_out {
        found.integrity(
            "negative-fee",
            format!("outputs ({total_out} sat) exceed inputs ({total_in} sat)"),
        );
        return;
    }
    fee(r, total_in - total_out, found);
}

/// Whether the fee can be known, and how sure it is; then its rate on the estimated size.
fn fee(r: &mut Review, fee: u64, found: &mut Findings) {
    // A taproot signature commits to every input's amount, so claimed amounts cannot lie about
    // the fee when every input we sign is taproot. An ECDSA signature commits only to its own
    // input's amount.
    let signing = r.ours().next().is_some();
    let all_tr = signing
        && r.ours().all(|i| {
            i.spends
                .iter()
                .all(|s| matches!(s.kind, SpendKind::TrKey(_) | SpendKind::TrScript { .. }))
        });
    let unproven = |foreign: bool| {
        r.inputs
            .iter()
            .filter(|i| !i.amount_proven && i.spends.is_empty() == foreign)
            .count()
    };
    let (foreign_unproven, ours_unproven) = (unproven(true), unproven(false));
    if signing && !all_tr && foreign_unproven > 0 {
        found.fact(
            "fee-unknown",
            format!("{foreign_unproven} input(s) not ours have amounts only the online machine vouches for (no full previous transaction), and our signatures do not commit to them: the fee cannot be known"),
        );
        return;
    }
    r.fee = Some(fee);
    r.fee_proven = all_tr || (foreign_unproven == 0 && ours_unproven == 0);
    if !r.fee_proven && signing {
        found.fact(
            "unproven-amounts",
            format!("{ours_unproven} input(s) have amounts not proved by a full previous transaction: the fee shown relies on the online machine's word for them"),
        );
    }
    if let Some(vsize) = r.vsize {
        let rate = fee as f64 / vsize.max(1) as f64;
        r.fee_rate = Some(rate);
        if rate < MIN_RELAY_FEE_RATE {
            found.fact(
                "fee-rate-below-relay",
                format!("the fee rate {rate:.3} sat/vB is below the {MIN_RELAY_FEE_RATE} sat/vB nodes relay: the transaction may never confirm"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_refuse_to_wrap_or_pass_the_supply() {
        assert_eq!(checked_sum([1, 2, 3]), Some(6));
        assert_eq!(checked_sum([u64::MAX - 1000, 4000]), None);
        assert_eq!(checked_sum([MAX_MONEY, 1]), None);
        assert_eq!(checked_sum([MAX_MONEY]), Some(MAX_MONEY));
        assert_eq!(checked_sum([]), Some(0));
    }
}
