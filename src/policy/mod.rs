//! Whether to sign. A policy is a list of rules (a written policy file, or the built-in strict
//! default); each rule sees the review's integrity failures (always refused: no setting can relax
//! one), its facts (each refused, warned about or accepted by code) and its numbers (fee limits,
//! spend cap, destinations) and, with the audit log's history, how it compares with what was
//! signed before ([`anomaly`]). The first rule with no reason to refuse decides.
pub mod anomaly;
pub mod approval;
pub mod file;
pub mod limits;
pub mod pin;
pub mod pinned;
pub mod rules;
mod set;

use serde::Serialize;

use crate::bundle::review::{Problem, Review, ReviewOptions};

pub use file::{PolicyError, PolicyFile};
pub use limits::Limits;
pub use set::PolicySet;

/// Signed spends so far (from the audit log, oldest first), and the time now.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Each signed spend.
    pub spends: Vec<crate::audit::SignedSpend>,
    /// Now, in unix seconds.
    pub now: u64,
}

/// What the signer knows besides the transaction: its history and the approvals it was given.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Signed spends from the audit log (velocity, anomalies).
    pub history: Option<History>,
    /// Addresses whose approval of exactly this transaction verified.
    pub approvers: std::collections::BTreeSet<String>,
    /// When this transaction, or another one for the same payment (the same payment key), was
    /// first presented and recorded as pending (unix seconds).
    pub pending_since: Option<u64>,
    /// The locktime of the first pending entry that started a delay in blocks for this payment:
    /// the height a delay in blocks counts from.
    pub pending_height: Option<u32>,
    /// The highest block-height locktime in a signed or pending entry of the log: a lower bound
    /// on the chain tip as the online machine reported it before.
    pub height_floor: Option<u32>,
}

/// What the policy does with a fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Refuse to sign.
    Refuse,
    /// Sign, but show it.
    Warn,
    /// Sign without comment.
    Accept,
}

/// Why a reason was given: it decides what the user is told to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// The PSBT contradicts itself or cannot be checked: suspect the online machine.
    Integrity,
    /// A fact about the transaction the policy does not accept.
    Fact,
    /// A limit (fee) the transaction exceeds: change the limit if it is meant.
    Limit,
    /// The person at the keyboard said no.
    Declined,
}

/// One reason to refuse, or one warning.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Reason {
    /// Stable machine-readable code (`docs/review-codes.md`).
    pub code: &'static str,
    /// Plain words.
    pub message: String,
    /// Kind of reason.
    pub class: Class,
    /// What to do about it, when there is something to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Reason {
    fn from_problem(p: &Problem, class: Class) -> Self {
        Reason {
            code: p.code,
            message: p.message.clone(),
            class,
            hint: None,
        }
    }
}

/// One rule: the built-in strict default, or a rule of a policy file.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The rule's name (`default` for the built-in one).
    pub name: String,
    /// Fee and index limits.
    pub limits: Limits,
    /// Sign even when some inputs are not ours (coinjoins, payjoins).
    pub allow_foreign_inputs: bool,
    /// Per-fact overrides of the strict default (facts only: integrity failures are refused
    /// whatever this says).
    pub actions: std::collections::BTreeMap<String, Action>,
    /// Whether a warning refuses unless its code is accepted in `actions` (policy files default
    /// to false; the built-in policy only shows warnings).
    pub warnings_ok: bool,
    /// Most sats leaving the wallet per transaction.
    pub max_spend: Option<u64>,
    /// Most sats leaving over a window: (max, hours), counted from the audit log.
    pub velocity: Option<(u64, u32)>,
    /// Hours between a bundle's first presentation (recorded as pending) and its signing.
    pub delay_hours: Option<u32>,
    /// Blocks between the locktime of a payment's first presentation and the locktime of the
    /// transaction that may be signed for it.
    pub delay_blocks: Option<u32>,
    /// Approvals needed: (min, the approvers' addresses).
    pub approvals: Option<(usize, std::collections::BTreeSet<String>)>,
    /// Allowed destinations.
    pub destinations: Option<file::Destinations>,
    /// Most outputs.
    pub max_outputs: Option<usize>,
    /// The transaction must signal RBF.
    pub require_rbf: bool,
    /// Highest block-height locktime.
    pub max_locktime_blocks: Option<u32>,
    /// Registered wallets (by name) whose inputs this rule lets us sign.
    pub wallets: Option<std::collections::BTreeSet<String>>,
    /// A person must confirm at the terminal.
    pub require_confirmation: bool,
    /// What to do with anomalies against the audit log's history (none: not checked).
    pub anomaly: Option<anomaly::AnomalyRule>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            name: "default".into(),
            limits: Limits::default(),
            allow_foreign_inputs: false,
            actions: Default::default(),
            warnings_ok: true,
            max_spend: None,
            velocity: None,
            approvals: None,
            delay_hours: None,
            delay_blocks: None,
            destinations: None,
            max_outputs: None,
            require_rbf: false,
            max_locktime_blocks: None,
            wallets: None,
            require_confirmation: false,
            // The built-in policy shows every anomaly and never refuses on one.
            anomaly: Some(anomaly::AnomalyRule::warn_all()),
        }
    }
}

impl Policy {
    /// What the review must know from the policy.
    pub fn review_options(&self) -> ReviewOptions {
        ReviewOptions {
            max_change_index: self.limits.max_change_index,
            warn_change_index: self.limits.warn_change_index,
        }
    }

    /// The strict default's answer to each fact code. Unknown codes refuse.
    pub fn action(&self, code: &str) -> Action {
        if let Some(a) = self.actions.get(code) {
            return *a;
        }
        match code {
            "foreign-inputs" if self.allow_foreign_inputs => Action::Warn,
            "op-return"
            | "change-index-high"
            | "receive-index-high"
            | "locktime-far"
            | "relative-timelock"
            | "nonstandard-version"
            | "fee-rate-below-relay"
            | "unproven-amounts"
            | "key-not-committed"
            | "path-too-deep"
            | "output-claim-false"
            | "own-key-other-account"
            | "dust-output"
            | "same-script-twice"
            | "unread-fields"
            | "wallet-receive-output" => Action::Warn,
            _ => Action::Refuse,
        }
    }
}

/// The decision with its reasons.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// Reasons to refuse; empty means sign.
    pub refuse: Vec<Reason>,
    /// Shown to the user, do not block.
    pub warnings: Vec<Reason>,
    /// The rule that decided (the matching rule, when approved).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// SHA-256 of the policy file, when a file was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_hash: Option<String>,
    /// The matching rule requires a person to confirm at the terminal.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub require_confirmation: bool,
    /// A delay in blocks is running: the lowest locktime a transaction for this payment must
    /// carry to be signed (recorded in the pending entry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until_height: Option<u32>,
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
    pub reasons: Vec<Reason>,
}

impl Refusal {
    /// What to do next: the limits to change, and only for integrity failures or suspicious
    /// facts the advice to distrust the online machine.
    pub fn hint(&self) -> String {
        let mut hints: Vec<String> = Vec::new();
        for r in &self.reasons {
            if let Some(h) = &r.hint {
                if !hints.contains(h) {
                    hints.push(h.clone());
                }
            }
        }
        let suspicious = self
            .reasons
            .iter()
            .any(|r| matches!(r.class, Class::Integrity | Class::Fact) && r.hint.is_none());
        let declined = self.reasons.iter().all(|r| r.class == Class::Declined);
        let mut s = String::from("nothing was signed or written.");
        if declined {
            s.push_str(" You declined at the prompt; run the command again to sign.");
        }
        for h in hints {
            s.push(' ');
            s.push_str(&h);
        }
        if suspicious {
            s.push_str(" If the online machine built this PSBT, treat it as compromised until you know why.");
        }
        s
    }
}

/// Evaluate the policy on a review.
pub fn evaluate(review: &Review, policy: &Policy) -> Verdict {
    evaluate_with(review, policy, None)
}

/// Evaluate with the evidence: the signer's history of signed spends (from the audit log),
/// which velocity limits and anomaly checks need, and the approvals given.
pub fn evaluate_with(review: &Review, policy: &Policy, evidence: Option<&Evidence>) -> Verdict {
    let mut v = Verdict {
        refuse: review
            .integrity
            .iter()
            .map(|p| Reason::from_problem(p, Class::Integrity))
            .collect(),
        warnings: Vec::new(),
        rule: Some(policy.name.clone()),
        policy_hash: None,
        require_confirmation: policy.require_confirmation,
        until_height: None,
    };
    let ours = review.ours().count();
    let foreign = review.foreign_count();
    let mut facts = review.facts.clone();
    if ours > 0 && foreign > 0 {
        facts.push(Problem::new(
            "foreign-inputs",
            format!("{foreign} input(s) are not ours (a coinjoin or payjoin mixes wallets)"),
        ));
    }
    for f in &facts {
        let mut r = Reason::from_problem(f, Class::Fact);
        if f.code == "foreign-inputs" {
            r.hint = Some("Give --allow-foreign-inputs if you mean to sign a transaction with inputs from other wallets.".into());
        }
        match policy.action(f.code) {
            Action::Refuse => v.refuse.push(r),
            Action::Warn => v.warnings.push(r),
            Action::Accept => {}
        }
    }
    if ours > 0 && review.fee.is_none() && !review.has_fact("fee-unknown") {
        v.refuse.push(Reason::from_problem(
            &Problem::new(
                "fee-unknown",
                "the fee cannot be computed: some input amounts are unknown",
            ),
            Class::Fact,
        ));
    }
    policy.limits.check(review, &mut v);
    rules::check(policy, review, evidence, &mut v);
    if !policy.warnings_ok {
        // A written rule refuses every warning it does not accept by code.
        for w in std::mem::take(&mut v.warnings) {
            let mut r = w;
            r.hint = Some(format!(
                "If this is meant, add \"{}\" to the rule's \"allow\" list (or set \"warnings_ok\": true).",
                r.code
            ));
            v.refuse.push(r);
        }
    }
    // After the step above: an anomaly the rule says to "warn" about is an accepted warning.
    if let Some(a) = &policy.anomaly {
        a.apply(&policy.name, review, evidence, &mut v);
    }
    v
}
