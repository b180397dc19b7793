//! The written spend policy (DESIGN.md §3, `docs/policy.md`): a versioned JSON file of rules,
//! checked in order, first match decides, none matches → refuse. Unknown fields are errors naming
//! the field. Each rule compiles into a [`Policy`]; the file into a [`PolicySet`] with its hash.
use std::collections::{BTreeMap, BTreeSet};

use bitcoin::hashes::{sha256, Hash};
use bitcoin::{Network, ScriptBuf};
use serde::{Deserialize, Serialize};

use super::anomaly::AnomalyFile;
use super::limits::Limits;
use super::{Action, Policy, PolicySet};
use crate::sanitize::escape;
use crate::wallet::payment::parse_address;

/// Largest policy file read.
pub const MAX_POLICY_BYTES: u64 = 1024 * 1024;

/// Format version this airsign reads and writes.
pub const VERSION: u32 = 1;
/// How far down each branch an allowlisted descriptor's addresses are derived.
pub const DESTINATION_GAP: u32 = 1_000;

/// Policy file errors: each names the rule and field.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// Not JSON, a wrong type, or an unknown field (serde names it).
    #[error("the policy file is not valid: {0}")]
    Parse(String),
    /// The version is missing or not one this airsign reads.
    #[error("the policy file must say \"version\": {VERSION} (found {0})")]
    Version(String),
    /// A field this airsign knows but cannot enforce yet: refusing beats ignoring it.
    #[error("rule '{rule}': field `{field}` is not supported by this airsign yet ({why}); remove it or use a newer airsign")]
    Unsupported {
        /// Rule name.
        rule: String,
        /// Field name.
        field: &'static str,
        /// What it needs.
        why: &'static str,
    },
    /// A field's value is wrong.
    #[error("rule '{rule}': field `{field}`: {message}")]
    Field {
        /// Rule name.
        rule: String,
        /// Field name.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The seed's policy pin was not made with this seed.
    #[error(
        "the policy pin beside the seed was not made with this seed (forged or from another seed)"
    )]
    PinForged,
    /// The policy given is not the one pinned to this seed.
    #[error("this seed is pinned to policy {pinned}, but {given} was given: the policy file may have been swapped")]
    PinMismatch {
        /// Pinned hash.
        pinned: String,
        /// Given hash (or "the built-in policy").
        given: String,
    },
    /// The audit log is not the one the pin was written with: fresh, cut short, or replaced.
    #[error("the audit log does not continue the one pinned with the policy: the pin records {pinned_entries} entries ending in {pinned_tail}, this log has {found} entries{which}")]
    PinLogMismatch {
        /// Entries when the pin was written.
        pinned_entries: u64,
        /// Hash of the last of them.
        pinned_tail: String,
        /// Entries in the log given.
        found: u64,
        /// What differs, when the count alone does not say.
        which: &'static str,
    },
    /// No rules: nothing could ever be signed.
    #[error("the policy has no rules: nothing would ever be signed")]
    NoRules,
}

/// The file as written.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    /// Format version, 1.
    pub version: u32,
    /// The network the policy is for; a signer on another network refuses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Network>,
    /// Rules, first match decides.
    pub rules: Vec<RuleFile>,
}

/// `{"max": sats, "window_hours": H}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Velocity {
    /// Most sats leaving in the window.
    pub max: u64,
    /// Window length.
    pub window_hours: u32,
}

/// One rule as written. Absent fields keep the strict default.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// Name used in refusals and the audit log.
    pub name: String,
    /// Registered wallets whose inputs may be spent (needs wallet registration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallets: Option<Vec<String>>,
    /// Most sats leaving the wallet per transaction (change and self-transfers excluded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_spend_per_tx: Option<u64>,
    /// Spend cap over a window (needs the audit log).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub velocity: Option<Velocity>,
    /// Allowed destinations: addresses and/or public descriptors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destinations: Option<Vec<String>>,
    /// Fee cap in sats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_fee_sat: Option<u64>,
    /// Fee-rate cap, sat/vB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_fee_rate: Option<f64>,
    /// Fee cap as a percentage of the amount sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_fee_percent: Option<f64>,
    /// Allowed sighash types besides ALL/DEFAULT, e.g. `["ALL", "SINGLE|ANYONECANPAY"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sighash: Option<Vec<String>>,
    /// Whether segwit v0 and legacy inputs need their full previous transaction (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_non_witness_utxo: Option<bool>,
    /// Most outputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_outputs: Option<usize>,
    /// Whether data (OP_RETURN) outputs without value are allowed (default false in a file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_op_return: Option<bool>,
    /// Highest block-height nLockTime allowed (time-based locktimes are refused when set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_locktime_blocks: Option<u32>,
    /// Whether the transaction must signal replace-by-fee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_rbf: Option<bool>,
    /// Whether warnings are acceptable (default false: a warning code not in `allow` refuses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warnings_ok: Option<bool>,
    /// Fact codes this rule accepts (warnings, and facts refused by default such as
    /// `foreign-inputs`); never an integrity failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow: Option<Vec<String>>,
    /// Approvals by other keys: `{"min": M, "keys": [ADDRESS, …]}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approvals: Option<ApprovalsRule>,
    /// Delay window: `{"hours": H}` and/or `{"blocks": B}`: refused and recorded as pending the
    /// first time, signed only when presented again after H hours (the same transaction or
    /// payment) and in a transaction for the same payment whose locktime is B blocks later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<DelayRule>,
    /// Anomaly handling against the audit log's history: per code `warn`, `refuse` or
    /// `approvals`, with parameters (see [`super::anomaly::rule`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anomaly: Option<AnomalyFile>,
    /// Whether a person must confirm at the terminal (`sign --yes` is refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_confirmation: Option<bool>,
}

/// `{"min": M, "keys": [ADDRESS, …]}`: M distinct listed addresses must approve.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ApprovalsRule {
    /// How many distinct listed approvers are needed.
    pub min: usize,
    /// The approvers' addresses (each signs with BIP322).
    pub keys: Vec<String>,
}

/// `{"hours": H}`, `{"blocks": B}` or both (both must then hold).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DelayRule {
    /// Hours between the first presentation and signing, by the signer's clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<u32>,
    /// Blocks between the first presentation's locktime (a block height) and the locktime of the
    /// transaction that may be signed for the same payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocks: Option<u32>,
}

/// Where a rule lets money go.
#[derive(Debug, Clone)]
pub struct Destinations {
    /// As written, for messages.
    pub written: Vec<String>,
    /// Every script they allow (addresses, and descriptors derived to [`DESTINATION_GAP`]).
    pub scripts: BTreeSet<ScriptBuf>,
}

/// Any JSON value, refusing a key that appears twice in one object: serde_json keeps the last,
/// so `"max_spend_per_tx": 1, "max_spend_per_tx": 100000000000` would enforce what a reader of
/// the first line does not see.
struct NoDuplicateKeys;

impl<'de> Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDuplicateKeysVisitor)
    }
}

struct NoDuplicateKeysVisitor;

impl<'de> serde::de::Visitor<'de> for NoDuplicateKeysVisitor {
    type Value = NoDuplicateKeys;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
        let mut seen = BTreeSet::new();
        while let Some(k) = m.next_key::<String>()? {
            if !seen.insert(k.clone()) {
                return Err(serde::de::Error::custom(format!("duplicate field `{k}`")));
            }
            m.next_value::<NoDuplicateKeys>()?;
        }
        Ok(NoDuplicateKeys)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
        while s.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(NoDuplicateKeys)
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
}

impl PolicyFile {
    /// Parse and check a policy file.
    pub fn parse(bytes: &[u8]) -> Result<Self, PolicyError> {
        serde_json::from_slice::<NoDuplicateKeys>(bytes)
            .map_err(|e| PolicyError::Parse(escape(&e.to_string())))?;
        let v: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| PolicyError::Parse(escape(&e.to_string())))?;
        match v.get("version") {
            Some(serde_json::Value::Number(n)) if n.as_u64() == Some(u64::from(VERSION)) => {}
            Some(other) => return Err(PolicyError::Version(escape(&other.to_string()))),
            None => return Err(PolicyError::Version("no \"version\" field".into())),
        }
        let f: PolicyFile =
            serde_json::from_value(v).map_err(|e| PolicyError::Parse(escape(&e.to_string())))?;
        if f.rules.is_empty() {
            return Err(PolicyError::NoRules);
        }
        // Refusals and the log name the rule: two rules of one name would make both ambiguous.
        let mut names = std::collections::BTreeSet::new();
        for r in &f.rules {
            if !names.insert(r.name.as_str()) {
                return Err(PolicyError::Parse(format!(
                    "two rules are named '{}': give each rule its own name",
                    escape(&r.name)
                )));
            }
        }
        Ok(f)
    }

    /// SHA-256 of the canonical form (fields in the order above, no whitespace): the same for
    /// every formatting of the same policy, shown at every `sign`.
    pub fn hash(&self) -> String {
        let canonical = serde_json::to_vec(self).unwrap_or_default();
        sha256::Hash::hash(&canonical).to_string()
    }

    /// The built-in strict policy written as a file (what `sign` uses without `--policy`).
    pub fn builtin() -> Self {
        let l = Limits::default();
        PolicyFile {
            version: VERSION,
            network: None,
            rules: vec![RuleFile {
                name: "default".into(),
                max_fee_sat: Some(l.max_fee_sats),
                max_fee_rate: Some(l.max_fee_rate),
                max_fee_percent: Some(l.max_fee_percent),
                require_non_witness_utxo: Some(true),
                allow_op_return: Some(true),
                warnings_ok: Some(true),
                anomaly: Some(AnomalyFile::warn_all()),
                ..RuleFile::default()
            }],
        }
    }

    /// Compile into the set the session evaluates, on `network`.
    pub fn compile(&self, network: Network) -> Result<PolicySet, PolicyError> {
        let rules = self
            .rules
            .iter()
            .map(|r| r.compile(network))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PolicySet {
            rules,
            network: self.network,
            hash: Some(self.hash()),
            evidence: Default::default(),
        })
    }
}

impl RuleFile {
    fn compile(&self, network: Network) -> Result<Policy, PolicyError> {
        let rule = escape(&self.name);
        let field = |field, message: String| PolicyError::Field {
            rule: rule.clone(),
            field,
            message,
        };
        let mut p = Policy {
            name: self.name.clone(),
            warnings_ok: self.warnings_ok.unwrap_or(false),
            // A written rule checks anomalies only when it says so.
            anomaly: None,
            ..Policy::default()
        };
        if let Some(v) = self.max_fee_sat {
            p.limits.max_fee_sats = v;
        }
        if let Some(v) = self.max_fee_rate {
            if !(v > 0.0 && v.is_finite()) {
                return Err(field("max_fee_rate", format!("{v} is not a positive rate")));
            }
            p.limits.max_fee_rate = v;
            // The rule's author chose the cap: no warning below it.
            p.limits.warn_fee_rate = v;
        }
        if let Some(v) = self.max_fee_percent {
            if !(v > 0.0 && v.is_finite()) {
                return Err(field(
                    "max_fee_percent",
                    format!("{v} is not a positive percentage"),
                ));
            }
            p.limits.max_fee_percent = v;
            p.limits.warn_fee_percent = v;
        }
        let mut actions: BTreeMap<String, Action> = BTreeMap::new();
        if self.require_non_witness_utxo == Some(false) {
            actions.insert("no-non-witness-utxo".into(), Action::Accept);
            actions.insert("unproven-amounts".into(), Action::Accept);
        }
        match self.allow_op_return {
            Some(true) => {
                actions.insert("op-return".into(), Action::Accept);
            }
            _ => {
                actions.insert("op-return".into(), Action::Refuse);
            }
        }
        if let Some(types) = &self.sighash {
            let mut others = false;
            for t in types {
                match t.to_ascii_uppercase().trim_start_matches("SIGHASH_") {
                    "ALL" | "DEFAULT" => {}
                    "NONE"
                    | "SINGLE"
                    | "ALL|ANYONECANPAY"
                    | "NONE|ANYONECANPAY"
                    | "SINGLE|ANYONECANPAY" => others = true,
                    _ => {
                        return Err(field(
                            "sighash",
                            format!("unknown sighash type {}", escape(t)),
                        ))
                    }
                }
            }
            if others {
                actions.insert("sighash-not-all".into(), Action::Accept);
            }
        }
        for code in self.allow.iter().flatten() {
            if !crate::bundle::review::FACT_CODES.contains(&code.as_str())
                && !super::limits::LIMIT_CODES.contains(&code.as_str())
            {
                return Err(field(
                    "allow",
                    format!("{} is not a fact or warning code (docs/review-codes.md); integrity failures can never be allowed", escape(code)),
                ));
            }
            actions.insert(code.clone(), Action::Accept);
        }
        p.actions = actions;
        p.max_spend = self.max_spend_per_tx;
        if let Some(d) = &self.delay {
            if d.hours.is_none() && d.blocks.is_none() {
                return Err(field("delay", "give \"hours\", \"blocks\" or both".into()));
            }
            if d.hours == Some(0) {
                return Err(field("delay", "hours must be at least 1".into()));
            }
            if d.blocks == Some(0) {
                return Err(field("delay", "blocks must be at least 1".into()));
            }
            p.delay_hours = d.hours;
            p.delay_blocks = d.blocks;
        }
        if let Some(ap) = &self.approvals {
            p.approvals = Some(approvers(ap, network).map_err(|m| field("approvals", m))?);
        }
        if let Some(a) = &self.anomaly {
            p.anomaly = Some(
                a.compile(|ap| approvers(ap, network))
                    .map_err(|(f, m)| field(f, m))?,
            );
        }
        if let Some(v) = &self.velocity {
            if v.window_hours == 0 {
                return Err(field("velocity", "window_hours must be at least 1".into()));
            }
            p.velocity = Some((v.max, v.window_hours));
        }
        p.max_outputs = self.max_outputs;
        p.require_rbf = self.require_rbf.unwrap_or(false);
        p.max_locktime_blocks = self.max_locktime_blocks;
        if let Some(w) = &self.wallets {
            if w.is_empty() {
                return Err(field(
                    "wallets",
                    "an empty list allows no wallet: leave the field out to allow any".into(),
                ));
            }
            p.wallets = Some(w.iter().cloned().collect());
        }
        p.require_confirmation = self.require_confirmation.unwrap_or(false);
        if let Some(list) = &self.destinations {
            let mut scripts = BTreeSet::new();
            for d in list {
                if d.contains('(') {
                    let w = crate::wallet::WatchOnly::from_descriptor(d, network)
                        .map_err(|e| field("destinations", escape(&e.to_string())))?;
                    for i in 0..DESTINATION_GAP {
                        for change in [false, true] {
                            let a = w
                                .address(change, i)
                                .map_err(|e| field("destinations", escape(&e.to_string())))?;
                            scripts.insert(a.script_pubkey());
                        }
                    }
                } else {
                    let a = parse_address(d, network)
                        .map_err(|e| field("destinations", escape(&e.to_string())))?;
                    scripts.insert(a.script_pubkey());
                }
            }
            p.destinations = Some(Destinations {
                written: list.iter().map(|d| escape(d)).collect(),
                scripts,
            });
        }
        Ok(p)
    }
}

/// The approvers of an `approvals` object: (min, distinct addresses on `network`).
fn approvers(ap: &ApprovalsRule, network: Network) -> Result<(usize, BTreeSet<String>), String> {
    let mut keys = BTreeSet::new();
    for k in &ap.keys {
        let a = parse_address(k, network).map_err(|e| escape(&e.to_string()))?;
        keys.insert(a.to_string());
    }
    if ap.min == 0 || ap.min > keys.len() {
        return Err(format!(
            "min {} must be 1 to the {} distinct keys listed",
            ap.min,
            keys.len()
        ));
    }
    Ok((ap.min, keys))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<PolicyFile, PolicyError> {
        PolicyFile::parse(s.as_bytes())
    }

    #[test]
    fn a_field_given_twice_is_an_error_not_the_last_value() {
        let e = parse(r#"{"version":1,"rules":[{"name":"x","max_spend_per_tx":1,"max_spend_per_tx":100000000000}]}"#).unwrap_err();
        assert!(
            e.to_string().contains("duplicate field `max_spend_per_tx`"),
            "{e}"
        );
        assert!(parse(r#"{"version":1,"rules":[{"name":"a"}],"rules":[{"name":"b"}]}"#).is_err());
    }

    #[test]
    fn allow_takes_only_known_fact_codes() {
        let f = parse(r#"{"version":1,"rules":[{"name":"x","allow":["witness-utxo-mismatch"]}]}"#)
            .unwrap();
        assert!(f.compile(Network::Regtest).is_err());
        let f = parse(r#"{"version":1,"rules":[{"name":"x","allow":["bogus-code"]}]}"#).unwrap();
        assert!(f.compile(Network::Regtest).is_err());
        let f = parse(r#"{"version":1,"rules":[{"name":"x","allow":["dust-output","fee-rate"]}]}"#)
            .unwrap();
        assert!(f.compile(Network::Regtest).is_ok());
    }

    #[test]
    fn errors_name_the_field() {
        let e = parse(r#"{"version":1,"rules":[{"name":"x","max_spend":5}]}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field `max_spend`"), "{e}");
        let e = parse(r#"{"version":1,"rules":[{"name":"x","max_fee_sat":"lots"}]}"#).unwrap_err();
        assert!(e.to_string().contains("invalid type"), "{e}");
        let e = parse(r#"{"rules":[]}"#).unwrap_err();
        assert!(matches!(e, PolicyError::Version(_)), "{e}");
        let e = parse(r#"{"version":2,"rules":[]}"#).unwrap_err();
        assert!(matches!(e, PolicyError::Version(_)), "{e}");
        assert!(matches!(
            parse(r#"{"version":1,"rules":[]}"#),
            Err(PolicyError::NoRules)
        ));
        assert!(parse(r#"{"version":1,"rules":[],"extra":1}"#).is_err());
    }

    /// Adversarial pass 4, F10: two rules of one name made refusals and the log ambiguous.
    #[test]
    fn two_rules_with_one_name_are_refused() {
        let e = parse(r#"{"version":1,"rules":[{"name":"a"},{"name":"a"}]}"#).unwrap_err();
        assert!(e.to_string().contains("two rules are named 'a'"), "{e}");
    }

    #[test]
    fn wallets_compiles_and_an_empty_list_is_an_error() {
        let f = parse(r#"{"version":1,"rules":[{"name":"r","wallets":["treasury"]}]}"#).unwrap();
        let p = f.compile(Network::Regtest).unwrap();
        assert!(p.rules[0].wallets.as_ref().unwrap().contains("treasury"));
        let f = parse(r#"{"version":1,"rules":[{"name":"r","wallets":[]}]}"#).unwrap();
        let e = f.compile(Network::Regtest).unwrap_err();
        assert!(
            matches!(
                e,
                PolicyError::Field {
                    field: "wallets",
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn anomaly_compiles_and_its_errors_name_the_field() {
        let rule = |a: &str| format!(r#"{{"version":1,"rules":[{{"name":"r","anomaly":{a}}}]}}"#);
        let f = parse(&rule(
            r#"{"new-destination":"refuse","amount":{"action":"warn","k":4}}"#,
        ))
        .unwrap();
        let set = f.compile(Network::Regtest).unwrap();
        let a = set.rules[0].anomaly.as_ref().unwrap();
        assert_eq!(a.params.amount_k, 4.0);
        assert_eq!(a.actions.len(), 2);
        let e = parse(&rule(r#"{"new-payee":"warn"}"#)).unwrap_err();
        assert!(e.to_string().contains("unknown field `new-payee`"), "{e}");
        let e = parse(&rule(r#"{"amount":"warn","amount":"refuse"}"#)).unwrap_err();
        assert!(e.to_string().contains("duplicate field `amount`"), "{e}");
        let e = parse(&rule(
            r#"{"amount":"approvals","approvals":{"min":1,"keys":["nope"]}}"#,
        ))
        .unwrap()
        .compile(Network::Regtest)
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("rule 'r': field `anomaly.approvals`"),
            "{e}"
        );
        // A rule without the field checks no anomalies; the built-in policy warns on all.
        let plain = parse(r#"{"version":1,"rules":[{"name":"r"}]}"#).unwrap();
        assert!(plain.compile(Network::Regtest).unwrap().rules[0]
            .anomaly
            .is_none());
        let builtin = PolicyFile::builtin().compile(Network::Regtest).unwrap();
        assert_eq!(
            builtin.rules[0].anomaly,
            Some(super::super::anomaly::AnomalyRule::warn_all())
        );
    }

    #[test]
    fn the_hash_ignores_formatting_but_not_content() {
        let a = parse(r#"{"version":1,"rules":[{"name":"x","max_fee_rate":20}]}"#).unwrap();
        let b = parse(
            "{ \"rules\" : [ { \"max_fee_rate\" : 20 , \"name\" : \"x\" } ] ,\n \"version\" : 1 }",
        )
        .unwrap();
        let c = parse(r#"{"version":1,"rules":[{"name":"x","max_fee_rate":21}]}"#).unwrap();
        assert_eq!(a.hash(), b.hash());
        assert_ne!(a.hash(), c.hash());
    }

    #[test]
    fn the_builtin_policy_round_trips_as_a_file() {
        let text = serde_json::to_string_pretty(&PolicyFile::builtin()).unwrap();
        let back = parse(&text).unwrap();
        assert_eq!(back, PolicyFile::builtin());
        assert!(back.compile(Network::Bitcoin).is_ok());
    }

    #[test]
    fn destinations_must_be_for_the_network() {
        let f = parse(r#"{"version":1,"rules":[{"name":"x","destinations":["bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"]}]}"#).unwrap();
        assert!(f.compile(Network::Bitcoin).is_ok());
        let e = f.compile(Network::Regtest).unwrap_err();
        assert!(e.to_string().contains("destinations"), "{e}");
    }
}
