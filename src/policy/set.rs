//! A whole policy: its rules in order, the network it is for, and its hash. The first rule with
//! no reason to refuse decides; when none does, every rule's reasons are given, each named.
use bitcoin::Network;

use super::rules::DELAY_CODES;
use super::{evaluate_with, Class, Evidence, Policy, Reason, Verdict};
use crate::bundle::review::{Review, ReviewOptions};

/// Rules in order, as the session evaluates them.
#[derive(Debug, Clone)]
pub struct PolicySet {
    /// The rules.
    pub rules: Vec<Policy>,
    /// The network the policy is written for, if it says.
    pub network: Option<Network>,
    /// SHA-256 of the policy file (none for the built-in policy).
    pub hash: Option<String>,
    /// The signer's history and the approvals it was given.
    pub evidence: Evidence,
}

impl From<Policy> for PolicySet {
    fn from(p: Policy) -> Self {
        PolicySet {
            rules: vec![p],
            network: None,
            hash: None,
            evidence: Evidence::default(),
        }
    }
}

impl Default for PolicySet {
    fn default() -> Self {
        Policy::default().into()
    }
}

impl PolicySet {
    /// What the review must know: the most generous change bound of any rule (a rule with a
    /// smaller one still refuses through its own checks).
    pub fn review_options(&self) -> ReviewOptions {
        let mut o = ReviewOptions::default();
        if let Some(max) = self.rules.iter().map(|r| r.limits.max_change_index).max() {
            o.max_change_index = max;
        }
        if let Some(warn) = self.rules.iter().map(|r| r.limits.warn_change_index).min() {
            o.warn_change_index = warn;
        }
        o
    }

    /// First matching rule, or every rule's reasons.
    pub fn evaluate(&self, review: &Review) -> Verdict {
        let mut all = Vec::new();
        let mut warnings = Vec::new();
        if let Some(n) = self.network.filter(|n| *n != review.network) {
            all.push(Reason {
                code: "policy-network",
                message: format!(
                    "the policy is for {n}, but this seed is for {}",
                    review.network
                ),
                class: Class::Integrity,
                hint: None,
            });
        }
        // A policy for another network allows nothing.
        let wrong_network = !all.is_empty();
        for rule in &self.rules {
            let mut v = evaluate_with(review, rule, Some(&self.evidence));
            v.policy_hash = self.hash.clone();
            if v.refuse.is_empty() && !wrong_network {
                return v;
            }
            // A rule that allows this transaction but for its delay matches: it decides, so the
            // bundle is recorded as pending under it (and a later rule cannot sign around the
            // wait). Listed with every other rule's reasons, a delay would never start.
            if !wrong_network && v.refuse.iter().all(|r| DELAY_CODES.contains(&r.code)) {
                return v;
            }
            if self.rules.len() > 1 {
                for r in &mut v.refuse {
                    if r.class != Class::Integrity
                        && !r.message.contains(&format!("'{}'", rule.name))
                    {
                        r.message = format!("rule '{}': {}", rule.name, r.message);
                    }
                }
            }
            warnings = v.warnings;
            for r in v.refuse {
                // Integrity failures are the same for every rule: say them once.
                if !(r.class == Class::Integrity && all.contains(&r)) {
                    all.push(r);
                }
            }
        }
        if self.rules.len() > 1 {
            all.push(Reason {
                code: "no-rule-matches",
                message: format!("none of the policy's {} rules allows this transaction", self.rules.len()),
                class: Class::Limit,
                hint: Some("Each rule's reasons are listed above; change the rule meant for this transaction.".into()),
            });
        }
        Verdict {
            refuse: all,
            warnings,
            rule: None,
            policy_hash: self.hash.clone(),
            require_confirmation: false,
            until_height: None,
        }
    }
}
