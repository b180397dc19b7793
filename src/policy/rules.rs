//! The checks a written rule adds to the strict default: a spend cap, a destination allowlist,
//! output count, RBF and locktime. Each refusal names the rule, the field and the numbers.
use super::{Class, Evidence, Policy, Reason, Verdict};
use crate::bundle::review::{OutputKind, Review};

/// The refusal that starts a delay window: the session records it as pending, not refused.
pub const DELAY_STARTED: &str = "delay-started";

/// Every code a delay refuses with. A rule whose only reasons are these matches the transaction
/// (its delay, not its limits, stands in the way), so it decides for the whole policy.
pub const DELAY_CODES: &[&str] = &[
    DELAY_STARTED,
    "delay-not-elapsed",
    "delay-needs-height",
    "locktime-stale",
];

/// nLockTime values below this are block heights; from it on, unix times.
const LOCKTIME_THRESHOLD: u32 = 500_000_000;

fn btc(sats: u64) -> String {
    format!("{}.{:08} BTC", sats / 100_000_000, sats % 100_000_000)
}

fn refuse(v: &mut Verdict, code: &'static str, message: String, hint: String) {
    v.refuse.push(Reason {
        code,
        message,
        class: Class::Limit,
        hint: Some(hint),
    });
}

pub(super) fn check(p: &Policy, r: &Review, evidence: Option<&Evidence>, v: &mut Verdict) {
    let rule = &p.name;
    let history = evidence.and_then(|e| e.history.as_ref());
    delay(p, r, evidence, v);
    if let Some((min, keys)) = &p.approvals {
        let have = evidence
            .map(|e| e.approvers.intersection(keys).count())
            .unwrap_or(0);
        if have < *min {
            refuse(
                v,
                "approvals-missing",
                format!("rule '{rule}' needs {min} approvals from its listed keys; {have} verified for this exact transaction"),
                "Each approver runs `airsign approve` on this same PSBT (and policy); pass their files with sign --approval.".into(),
            );
        }
    }
    if let Some((max, hours)) = p.velocity {
        match history {
            None => refuse(
                v,
                "velocity-unknown",
                format!("rule '{rule}' limits spending over {hours} h, and no audit log was given to count it"),
                "Sign with the seed's audit log (the default), or give policy check --log FILE.".into(),
            ),
            Some(h) => {
                let since = h.now.saturating_sub(u64::from(hours) * 3600);
                let spent: u64 = h
                    .spends
                    .iter()
                    .filter(|s| s.time >= since)
                    .map(|s| s.leaving)
                    .fold(0u64, |a, s| a.saturating_add(s));
                let total = spent.saturating_add(r.leaving);
                if total > max {
                    refuse(
                        v,
                        "velocity-exceeded",
                        format!(
                            "this spend of {} after {} in the last {hours} h exceeds velocity max {} in rule '{rule}'",
                            btc(r.leaving),
                            btc(spent),
                            btc(max)
                        ),
                        format!("Wait until earlier spends leave the {hours}-hour window, or raise velocity.max in rule '{rule}'."),
                    );
                }
            }
        }
    }
    if let Some(max) = p.max_spend {
        if r.leaving > max {
            refuse(
                v,
                "max-spend-per-tx",
                format!(
                    "spend {} exceeds max_spend_per_tx {} in rule '{rule}'",
                    btc(r.leaving),
                    btc(max)
                ),
                format!("If this spend is meant, raise max_spend_per_tx in rule '{rule}' or add a rule for it."),
            );
        }
    }
    if let Some(d) = &p.destinations {
        for o in &r.outputs {
            // Change and self-transfers stay in the wallet; data outputs are `allow_op_return`'s.
            let leaves = matches!(
                o.kind,
                OutputKind::External | OutputKind::OwnKeyOffBranch { .. }
            );
            let script = &o.script_pubkey;
            if leaves && !d.scripts.contains(script) {
                refuse(
                    v,
                    "destination-not-allowed",
                    format!(
                        "output {} pays {}, which is not in rule '{rule}''s destinations",
                        o.index, o.address
                    ),
                    format!("Add the address (or its wallet's descriptor) to the destinations of rule '{rule}' if it is meant."),
                );
            }
        }
    }
    if let Some(max) = p.max_outputs {
        if r.outputs.len() > max {
            refuse(
                v,
                "max-outputs",
                format!(
                    "{} outputs exceed max_outputs {max} in rule '{rule}'",
                    r.outputs.len()
                ),
                format!("Raise max_outputs in rule '{rule}' if this is meant."),
            );
        }
    }
    if p.require_rbf && !r.rbf {
        refuse(
            v,
            "rbf-required",
            format!("rule '{rule}' requires replace-by-fee, and no input signals it"),
            "Build the bundle with RBF (airsign bundle create always signals it).".into(),
        );
    }
    if let Some(allowed) = &p.wallets {
        // Every input this seed signs must come from a listed registered wallet; a single-key
        // account is no registered wallet.
        for i in r.ours() {
            let from = i.spends.iter().find_map(|s| s.wallet.as_deref());
            if !from.is_some_and(|w| allowed.contains(w)) {
                let what = match from {
                    Some(w) => format!("registered wallet '{}'", crate::sanitize::escape(w)),
                    None => "a single-key account (no registered wallet)".into(),
                };
                let list: Vec<String> = allowed
                    .iter()
                    .map(|w| format!("'{}'", crate::sanitize::escape(w)))
                    .collect();
                refuse(
                    v,
                    "wallet-not-allowed",
                    format!(
                        "input {} spends from {what}, not one of rule '{rule}' wallets [{}]",
                        i.index,
                        list.join(", ")
                    ),
                    format!("Spend only from the wallets rule '{rule}' names, or add the wallet to its \"wallets\" list."),
                );
            }
        }
    }
    if let Some(max) = p.max_locktime_blocks {
        // nLockTime below 500,000,000 is a block height; above, a unix time.
        let is_height = r.locktime < 500_000_000;
        if !is_height || r.locktime > max {
            refuse(
                v,
                "max-locktime",
                format!(
                    "locktime {} exceeds max_locktime_blocks {max} in rule '{rule}'",
                    r.locktime
                ),
                format!("Raise max_locktime_blocks in rule '{rule}' if this is meant."),
            );
        }
    }
}

/// Delay windows. In hours: counted by the signer's clock from the first pending entry. In
/// blocks: counted by the network itself, from the locktime of the first presentation (H0) to
/// the locktime of the transaction signed (at least H0 + B), which no miner can include before
/// block H0 + B. Both must hold when a rule sets both.
fn delay(p: &Policy, r: &Review, evidence: Option<&Evidence>, v: &mut Verdict) {
    let rule = &p.name;
    let history = evidence.and_then(|e| e.history.as_ref());
    if let Some(hours) = p.delay_hours {
        let now = history.map(|h| h.now).unwrap_or(0);
        let window = u64::from(hours) * 3600;
        match evidence.and_then(|e| e.pending_since) {
            None => refuse(
                v,
                DELAY_STARTED,
                format!("rule '{rule}' delays signing by {hours} h: recorded as pending; signable from {}", crate::time::rfc3339(now + window)),
                format!("Present the same PSBT again after {}.", crate::time::rfc3339(now + window)),
            ),
            Some(t) if now < t + window => refuse(
                v,
                "delay-not-elapsed",
                format!("rule '{rule}' delays signing by {hours} h: pending since {}, signable from {}", crate::time::rfc3339(t), crate::time::rfc3339(t + window)),
                format!("Present the same PSBT again after {}.", crate::time::rfc3339(t + window)),
            ),
            Some(_) => {}
        }
    }
    let Some(blocks) = p.delay_blocks else {
        return;
    };
    let lt = r.locktime;
    if lt == 0 || lt >= LOCKTIME_THRESHOLD || !r.locktime_enabled {
        let what = if lt == 0 {
            "this transaction has no locktime (0)".to_owned()
        } else if lt >= LOCKTIME_THRESHOLD {
            format!("this transaction's locktime {lt} is a unix time, not a block height")
        } else {
            format!("this transaction's locktime {lt} is not enforced: every input's nSequence is final (0xffffffff)")
        };
        refuse(
            v,
            "delay-needs-height",
            format!("rule '{rule}' delays signing by {blocks} blocks, which needs a block-height locktime the network enforces; {what}"),
            "Build the bundle with the current block height as its locktime (bundle create --locktime HEIGHT) and inputs that signal RBF (bundle create always does).".into(),
        );
        return;
    }
    match evidence.and_then(|e| e.pending_height) {
        None => {
            if let Some(floor) = evidence.and_then(|e| e.height_floor).filter(|f| lt < *f) {
                refuse(
                    v,
                    "locktime-stale",
                    format!("rule '{rule}' counts its {blocks}-block delay from this transaction's locktime {lt}, but this signer's log already recorded locktime {floor}: the chain was at least that high, and a lower start would shorten the delay"),
                    format!("Rebuild the bundle with the current block height as its locktime (at least {floor}), and check the online machine's view of the chain."),
                );
                return;
            }
            let until = u64::from(lt) + u64::from(blocks);
            if until >= u64::from(LOCKTIME_THRESHOLD) {
                refuse(
                    v,
                    "delay-needs-height",
                    format!("rule '{rule}' delays signing by {blocks} blocks from locktime {lt}: block {until} cannot be written as a locktime (heights end at {})", LOCKTIME_THRESHOLD - 1),
                    format!("Lower delay.blocks in rule '{rule}'."),
                );
                return;
            }
            v.until_height = Some(until as u32);
            refuse(
                v,
                DELAY_STARTED,
                format!("rule '{rule}' delays signing by {blocks} blocks: recorded as pending at locktime {lt}; signable in a transaction for the same payment whose locktime is at least {until} (the network will not confirm it before block {until})"),
                format!("Rebuild the same payment with locktime {until} or later (bundle create --locktime {until}) and present that; this PSBT's locktime cannot change, so presenting it again is refused."),
            );
        }
        Some(h0) => {
            let until = u64::from(h0) + u64::from(blocks);
            if u64::from(lt) < until {
                v.until_height = u32::try_from(until).ok();
                refuse(
                    v,
                    "delay-not-elapsed",
                    format!("rule '{rule}' delays signing by {blocks} blocks: this payment is pending since locktime {h0}, so it is signable only in a transaction whose locktime is at least {until}; this one's locktime is {lt}"),
                    format!("Rebuild the same payment with locktime {until} or later (bundle create --locktime {until}) and present that."),
                );
            }
        }
    }
}
