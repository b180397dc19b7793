//! A rule's `anomaly` field: per anomaly code an action — `"warn"` (shown, signs), `"refuse"`,
//! or `"approvals"` (signs only when enough listed approvers approved exactly this transaction)
//! — with optional parameters, written either as the action alone or as an object:
//!
//! ```json
//! "anomaly": {"new-destination": "warn", "amount": {"action": "refuse", "k": 4},
//!             "fee-rate": {"action": "warn", "k": 5, "window": 20},
//!             "burst": {"action": "approvals", "per_hour": 3},
//!             "approvals": {"min": 1, "keys": ["bc1q…"]}}
//! ```
//!
//! Codes not named are not checked. Unknown keys are errors naming the key.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{check, Kind, Params};

/// A compile error: the field (`anomaly.…`) and what is wrong with it.
type FieldError = (&'static str, String);
use crate::audit::SignedSpend;
use crate::bundle::review::Review;
use crate::policy::file::ApprovalsRule;
use crate::policy::{Class, Evidence, Reason, Verdict};

/// What a rule does with one anomaly code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnomalyAction {
    /// Show it and sign: an accepted warning, even in a rule with `warnings_ok: false`.
    Warn,
    /// Refuse to sign.
    Refuse,
    /// Sign only with `anomaly.approvals` of exactly this transaction; refuse without.
    Approvals,
}

/// A code's setting as written: the action alone, or an object with the action and parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Setting<T> {
    /// `"warn"`, `"refuse"` or `"approvals"`.
    Action(AnomalyAction),
    /// `{"action": …, parameters…}`.
    Detailed(T),
}

impl<T: Serialize> Serialize for Setting<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Setting::Action(a) => a.serialize(s),
            Setting::Detailed(t) => t.serialize(s),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Setting<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // By hand rather than `untagged`, so a wrong key inside the object is reported by name.
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Setting<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"warn\", \"refuse\", \"approvals\" or an object with an \"action\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                AnomalyAction::deserialize(de::value::StrDeserializer::<E>::new(v))
                    .map(Setting::Action)
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(m)).map(Setting::Detailed)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// `{"action": …}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionOnly {
    /// The action.
    pub action: AnomalyAction,
}

/// `{"action": …, "k": K, "window": N}`: anomalous above K × the median of the last N signed
/// spends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithK {
    /// The action.
    pub action: AnomalyAction,
    /// The multiple of the median (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<f64>,
    /// How many recent signed spends the median is taken over (default 50 for amounts, 10
    /// for fee rates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<u32>,
}

/// `{"action": …, "per_hour": N}`: anomalous above N signings within an hour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BurstSetting {
    /// The action.
    pub action: AnomalyAction,
    /// Most signings in one hour (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_hour: Option<u32>,
}

/// A detailed setting's action.
pub trait HasAction {
    /// The action.
    fn action(&self) -> AnomalyAction;
}
impl HasAction for ActionOnly {
    fn action(&self) -> AnomalyAction {
        self.action
    }
}
impl HasAction for WithK {
    fn action(&self) -> AnomalyAction {
        self.action
    }
}
impl HasAction for BurstSetting {
    fn action(&self) -> AnomalyAction {
        self.action
    }
}

impl<T: HasAction> Setting<T> {
    /// The action, whichever form it was written in.
    pub fn action(&self) -> AnomalyAction {
        match self {
            Setting::Action(a) => *a,
            Setting::Detailed(t) => t.action(),
        }
    }
}

/// The `anomaly` field as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnomalyFile {
    /// A destination no signed entry has paid.
    #[serde(
        rename = "new-destination",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub new_destination: Option<Setting<ActionOnly>>,
    /// Sats leaving above k × the median of recent signed spends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Setting<WithK>>,
    /// Fee rate above k × the median of recent signed spends.
    #[serde(rename = "fee-rate", default, skip_serializing_if = "Option::is_none")]
    pub fee_rate: Option<Setting<WithK>>,
    /// A kind of output script no signed entry has paid.
    #[serde(
        rename = "script-type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub script_type: Option<Setting<ActionOnly>>,
    /// More than `per_hour` signings within an hour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst: Option<Setting<BurstSetting>>,
    /// Signed spends needed before the median and script-type checks fire (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_history: Option<u32>,
    /// Who can accept an anomaly whose action is `"approvals"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approvals: Option<ApprovalsRule>,
}

impl AnomalyFile {
    /// Every code shown as a warning: the built-in policy's setting.
    pub fn warn_all() -> Self {
        let w = AnomalyAction::Warn;
        AnomalyFile {
            new_destination: Some(Setting::Action(w)),
            amount: Some(Setting::Action(w)),
            fee_rate: Some(Setting::Action(w)),
            script_type: Some(Setting::Action(w)),
            burst: Some(Setting::Action(w)),
            ..AnomalyFile::default()
        }
    }

    /// Check the values and compile. `approvers` turns the written approver addresses into the
    /// set the evidence is compared with (the caller knows the network). Errors are
    /// `(field, message)`, the field named as `anomaly.…`.
    pub fn compile(
        &self,
        approvers: impl Fn(&ApprovalsRule) -> Result<(usize, BTreeSet<String>), String>,
    ) -> Result<AnomalyRule, FieldError> {
        let mut params = Params::default();
        let mut actions = BTreeMap::new();
        // (k, window) of a median check, when written.
        let median = |field: &'static str,
                      s: &Setting<WithK>|
         -> Result<(Option<f64>, Option<usize>), FieldError> {
            let Setting::Detailed(WithK { k, window, .. }) = s else {
                return Ok((None, None));
            };
            if let Some(k) = k {
                if !(k.is_finite() && *k >= 1.0) {
                    return Err((field, format!("k {k} must be a number of at least 1")));
                }
            }
            if *window == Some(0) {
                return Err((field, "window must be at least 1".into()));
            }
            Ok((*k, window.map(|w| w as usize)))
        };
        if let Some(s) = &self.new_destination {
            actions.insert(Kind::NewDestination, s.action());
        }
        if let Some(s) = &self.amount {
            actions.insert(Kind::Amount, s.action());
            let (k, w) = median("anomaly.amount", s)?;
            params.amount_k = k.unwrap_or(params.amount_k);
            params.amount_window = w.unwrap_or(params.amount_window);
        }
        if let Some(s) = &self.fee_rate {
            actions.insert(Kind::FeeRate, s.action());
            let (k, w) = median("anomaly.fee-rate", s)?;
            params.fee_rate_k = k.unwrap_or(params.fee_rate_k);
            params.fee_rate_window = w.unwrap_or(params.fee_rate_window);
        }
        if let Some(s) = &self.script_type {
            actions.insert(Kind::ScriptType, s.action());
        }
        if let Some(s) = &self.burst {
            actions.insert(Kind::Burst, s.action());
            if let Setting::Detailed(BurstSetting {
                per_hour: Some(n), ..
            }) = s
            {
                if *n == 0 {
                    return Err(("anomaly.burst", "per_hour must be at least 1".into()));
                }
                params.burst_per_hour = *n as usize;
            }
        }
        if actions.is_empty() {
            return Err((
                "anomaly",
                "names no anomaly code (new-destination, amount, fee-rate, script-type, burst)"
                    .into(),
            ));
        }
        if let Some(m) = self.min_history {
            if m == 0 {
                return Err(("anomaly.min_history", "must be at least 1".into()));
            }
            params.min_history = m as usize;
        }
        let wants = actions.values().any(|a| *a == AnomalyAction::Approvals);
        let approvals = match (&self.approvals, wants) {
            (Some(a), true) => Some(approvers(a).map_err(|e| ("anomaly.approvals", e))?),
            (None, true) => {
                return Err((
                    "anomaly.approvals",
                    "a code's action is \"approvals\", so anomaly.approvals {\"min\": M, \"keys\": […]} must say whose".into(),
                ))
            }
            (Some(_), false) => {
                return Err((
                    "anomaly.approvals",
                    "no code's action is \"approvals\", so these approvers would never be asked"
                        .into(),
                ))
            }
            (None, false) => None,
        };
        Ok(AnomalyRule {
            actions,
            params,
            approvals,
        })
    }
}

/// A rule's compiled anomaly setting.
#[derive(Debug, Clone, PartialEq)]
pub struct AnomalyRule {
    /// What to do with each code checked (codes not here are not checked).
    pub actions: BTreeMap<Kind, AnomalyAction>,
    /// The checks' numbers.
    pub params: Params,
    /// (min, approver addresses) for codes whose action is `approvals`.
    pub approvals: Option<(usize, BTreeSet<String>)>,
}

impl AnomalyRule {
    /// Every code shown as a warning with the default numbers (the built-in policy).
    pub fn warn_all() -> Self {
        AnomalyRule {
            actions: Kind::ALL
                .iter()
                .map(|k| (*k, AnomalyAction::Warn))
                .collect(),
            params: Params::default(),
            approvals: None,
        }
    }

    fn hint(&self, kind: Kind, rule: &str) -> String {
        let p = &self.params;
        let f = kind.field();
        match kind {
            Kind::NewDestination => format!("If this payee is meant, set anomaly.{f} in rule '{rule}' to \"warn\" or \"approvals\" (or add a rule for it)."),
            Kind::Amount => format!("If this amount is meant, raise anomaly.{f}.k in rule '{rule}' (now {}), or set it to \"approvals\".", p.amount_k),
            Kind::FeeRate => format!("If this fee rate is meant, raise anomaly.{f}.k in rule '{rule}' (now {}), or set it to \"approvals\"; otherwise have the online side rebuild the bundle with a usual fee.", p.fee_rate_k),
            Kind::ScriptType => format!("If paying this kind of script is meant, set anomaly.{f} in rule '{rule}' to \"warn\" or \"approvals\"."),
            Kind::Burst => format!("Wait until earlier signings are an hour old, or raise anomaly.{f}.per_hour in rule '{rule}' (now {}).", p.burst_per_hour),
        }
    }

    /// Check `review` against the evidence's history and add each anomaly to the verdict as
    /// this rule's setting says. Without a history nothing can be checked: a rule that only
    /// warns says nothing, a rule that could refuse refuses (`anomaly-unknown`).
    pub fn apply(&self, rule: &str, review: &Review, evidence: Option<&Evidence>, v: &mut Verdict) {
        let Some(h) = evidence.and_then(|e| e.history.as_ref()) else {
            if self.actions.values().any(|a| *a != AnomalyAction::Warn) {
                v.refuse.push(Reason {
                    code: "anomaly-unknown",
                    message: format!("rule '{rule}' checks anomalies against the audit log, and no log was given"),
                    class: Class::Limit,
                    hint: Some("Sign with the seed's audit log (the default), or give policy check --log FILE.".into()),
                });
            }
            return;
        };
        let spend = SignedSpend::from_review(review, h.now);
        for a in check(&h.spends, h.now, &spend, &self.params) {
            let Some(action) = self.actions.get(&a.kind) else {
                continue;
            };
            let class = match a.kind {
                Kind::NewDestination | Kind::ScriptType => Class::Fact,
                Kind::Amount | Kind::FeeRate | Kind::Burst => Class::Limit,
            };
            let code = a.kind.code();
            match action {
                AnomalyAction::Warn => v.warnings.push(Reason {
                    code,
                    message: a.message,
                    class,
                    hint: None,
                }),
                AnomalyAction::Refuse => v.refuse.push(Reason {
                    code,
                    message: format!("{}: rule '{rule}' refuses {code}", a.message),
                    class,
                    hint: Some(self.hint(a.kind, rule)),
                }),
                AnomalyAction::Approvals => {
                    let (min, keys) = match &self.approvals {
                        Some((m, k)) => (*m, Some(k)),
                        None => (1, None),
                    };
                    let have = match (evidence, keys) {
                        (Some(e), Some(k)) => e.approvers.intersection(k).count(),
                        _ => 0,
                    };
                    if have >= min {
                        v.warnings.push(Reason {
                            code,
                            message: format!("{} (accepted: {have} of rule '{rule}''s anomaly approvers approved this transaction)", a.message),
                            class,
                            hint: None,
                        });
                    } else {
                        v.refuse.push(Reason {
                            code,
                            message: format!("{}: rule '{rule}' accepts {code} only with {min} approvals from anomaly.approvals; {have} verified for this exact transaction", a.message),
                            class,
                            hint: Some("Each approver runs `airsign approve` on this same PSBT (and policy); pass their files with sign --approval.".into()),
                        });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<AnomalyFile, serde_json::Error> {
        serde_json::from_str(s)
    }

    fn no_approvers(_: &ApprovalsRule) -> Result<(usize, BTreeSet<String>), String> {
        Ok((1, BTreeSet::from(["x".to_string()])))
    }

    #[test]
    fn both_forms_parse_and_round_trip() {
        let text = r#"{"new-destination":"warn","amount":{"action":"refuse","k":4.0},"burst":{"action":"approvals","per_hour":3},"approvals":{"min":1,"keys":["x"]}}"#;
        let f = parse(text).unwrap();
        assert_eq!(serde_json::to_string(&f).unwrap(), text);
        let r = f.compile(no_approvers).unwrap();
        assert_eq!(r.params.amount_k, 4.0);
        assert_eq!(r.params.burst_per_hour, 3);
        assert_eq!(r.params.fee_rate_k, 3.0);
        assert_eq!(r.params.amount_window, 50);
        assert_eq!(r.actions[&Kind::Burst], AnomalyAction::Approvals);
        assert!(!r.actions.contains_key(&Kind::FeeRate));
    }

    #[test]
    fn unknown_codes_fields_and_actions_are_named() {
        for (text, named) in [
            (r#"{"new-payee":"warn"}"#, "unknown field `new-payee`"),
            (
                r#"{"amount":{"action":"warn","kk":3}}"#,
                "unknown field `kk`",
            ),
            (r#"{"burst":{"action":"warn","k":3}}"#, "unknown field `k`"),
            (r#"{"amount":"ignore"}"#, "unknown variant `ignore`"),
            (r#"{"amount":{"k":3}}"#, "missing field `action`"),
        ] {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.contains(named), "{text}: {e}");
        }
    }

    #[test]
    fn values_are_checked_when_compiled() {
        for (text, field) in [
            (r#"{}"#, "anomaly"),
            (r#"{"amount":{"action":"warn","k":0.5}}"#, "anomaly.amount"),
            (
                r#"{"burst":{"action":"warn","per_hour":0}}"#,
                "anomaly.burst",
            ),
            (r#"{"amount":"approvals"}"#, "anomaly.approvals"),
            (
                r#"{"amount":"warn","approvals":{"min":1,"keys":["x"]}}"#,
                "anomaly.approvals",
            ),
            (
                r#"{"fee-rate":{"action":"warn","window":0}}"#,
                "anomaly.fee-rate",
            ),
        ] {
            let e = parse(text).unwrap().compile(no_approvers).unwrap_err();
            assert_eq!(e.0, field, "{text}: {}", e.1);
        }
    }
}
