//! The checklist file: a named list of steps, run in order (format in `docs/ceremony.md`).
//!
//! A step does exactly one thing: asks the operator to confirm a text, checks the air gap, runs
//! an airsign command (in this process, through the same code as the command line) and compares
//! what it printed with what the checklist expects, shows a file as QR, or scans one. Values the
//! checklist names as `${name}` come from an earlier step's `capture`.
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// The `format` every checklist names.
pub const FORMAT: &str = "airsign-ceremony/1";

/// The most steps a checklist may have (a ceremony is read by people).
pub const MAX_STEPS: usize = 500;

/// The largest checklist file read.
pub const MAX_BYTES: u64 = 1 << 20;

/// A parsed checklist.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    /// Always [`FORMAT`].
    pub format: String,
    /// What the ceremony is ("Treasury spend, signer 1").
    pub name: String,
    /// Free text for the people running it.
    #[serde(default)]
    pub description: Option<String>,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// One step. Exactly one of `confirm`, `airgap`, `run`, `show`, `scan` is set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Unique, stable name (a failure names it).
    pub id: String,
    /// A line for the operator; the id when absent.
    #[serde(default)]
    pub title: Option<String>,
    /// Show this text; the operator types `yes` to go on.
    #[serde(default)]
    pub confirm: Option<String>,
    /// Check the air gap; every required check must pass.
    #[serde(default)]
    pub airgap: Option<AirgapStep>,
    /// An airsign command line, without the leading `airsign`.
    #[serde(default)]
    pub run: Option<Vec<String>>,
    /// Show a file as QR (`qr show`).
    #[serde(default)]
    pub show: Option<ShowStep>,
    /// Scan QR frames into a file (`qr scan`).
    #[serde(default)]
    pub scan: Option<ScanStep>,
    /// What a `run`, `show` or `scan` step must give.
    #[serde(default)]
    pub expect: Expect,
    /// Remember values of this step's JSON output for later steps: `{"bundle": "bundle_id"}`
    /// (a field name, found anywhere in the document) or a JSON pointer (`/review/fee`).
    #[serde(default)]
    pub capture: BTreeMap<String, String>,
}

/// An air-gap step.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AirgapStep {
    /// The SHA-256 the running airsign binary must have.
    #[serde(default)]
    pub expect_sha256: Option<String>,
}

/// A show step: `file` as QR on `surface` (`terminal`, `gif:FILE`, `html:FILE`, `png:DIR`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShowStep {
    /// The file to show.
    pub file: String,
    /// Where: `terminal` (default), `gif:FILE`, `html:FILE`, `png:DIR`.
    #[serde(default)]
    pub surface: Option<String>,
    /// `ur` (default) or `bbqr`.
    #[serde(default)]
    pub format: Option<String>,
}

/// A scan step: QR frames from `from` into `out`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanStep {
    /// `camera:/dev/video0`, `dir:DIR`, `gif:FILE`, `text:FILE` or an image file.
    pub from: String,
    /// The file to write.
    pub out: String,
}

/// Expected outcome of a command step. Every value may name `${captured}` values.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Exit code (default 0).
    #[serde(default)]
    pub exit: Option<u8>,
    /// Seed fingerprint (`73c5da0a`).
    #[serde(default)]
    pub fingerprint: Option<String>,
    /// Policy hash.
    #[serde(default)]
    pub policy_hash: Option<String>,
    /// Wallet id (`roof jazz wasp noon`).
    #[serde(default)]
    pub wallet_id: Option<String>,
    /// Bundle id: the words, the hex, or both as printed.
    #[serde(default)]
    pub bundle_id: Option<String>,
    /// Transaction id.
    #[serde(default)]
    pub txid: Option<String>,
    /// `airsign digest` of a file: the words, the hex or the full SHA-256.
    #[serde(default)]
    pub digest: Option<String>,
    /// Any other value of the JSON output, by JSON pointer: `{"/decision": "signed"}`.
    #[serde(default)]
    pub json: BTreeMap<String, Value>,
}

impl Expect {
    /// The named expectations that are set, as (field name, expected text).
    pub fn named(&self) -> Vec<(&'static str, &str)> {
        [
            ("fingerprint", &self.fingerprint),
            ("policy_hash", &self.policy_hash),
            ("wallet_id", &self.wallet_id),
            ("bundle_id", &self.bundle_id),
            ("txid", &self.txid),
            ("digest", &self.digest),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .collect()
    }

    fn is_default(&self) -> bool {
        *self == Expect::default()
    }
}

/// What a step does, once checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Operator confirmation.
    Confirm,
    /// Air-gap check.
    Airgap,
    /// An airsign command.
    Run,
    /// Show as QR.
    Show,
    /// Scan QR.
    Scan,
}

impl Kind {
    /// The name written in the transcript.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Confirm => "confirm",
            Kind::Airgap => "airgap",
            Kind::Run => "run",
            Kind::Show => "show",
            Kind::Scan => "scan",
        }
    }
}

/// Why a checklist is not one to run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChecklistError {
    /// Not JSON, or a field is unknown, missing or mistyped.
    #[error("not a ceremony checklist: {0}")]
    Parse(String),
    /// Another format.
    #[error("checklist format is {0:?}, expected {FORMAT:?}")]
    Format(String),
    /// No steps, or too many.
    #[error("a checklist has 1 to {MAX_STEPS} steps, this one has {0}")]
    Steps(usize),
    /// A step is wrong; the message names it.
    #[error("step {id:?}: {problem}")]
    Step {
        /// The step's id.
        id: String,
        /// What is wrong.
        problem: String,
    },
}

impl Step {
    /// The step's kind (checked at parse: exactly one action).
    pub fn kind(&self) -> Kind {
        if self.confirm.is_some() {
            Kind::Confirm
        } else if self.airgap.is_some() {
            Kind::Airgap
        } else if self.run.is_some() {
            Kind::Run
        } else if self.show.is_some() {
            Kind::Show
        } else {
            Kind::Scan
        }
    }

    /// The line shown to the operator.
    pub fn title(&self) -> &str {
        self.title.as_deref().unwrap_or(&self.id)
    }
}

impl Checklist {
    /// Parse and check a checklist: the format, unique ids, one action per step, expectations
    /// only where there is output, no ceremony inside a ceremony.
    pub fn parse(bytes: &[u8]) -> Result<Checklist, ChecklistError> {
        let c: Checklist =
            serde_json::from_slice(bytes).map_err(|e| ChecklistError::Parse(e.to_string()))?;
        if c.format != FORMAT {
            return Err(ChecklistError::Format(c.format));
        }
        if c.steps.is_empty() || c.steps.len() > MAX_STEPS {
            return Err(ChecklistError::Steps(c.steps.len()));
        }
        let mut seen = std::collections::BTreeSet::new();
        for s in &c.steps {
            let bad = |problem: String| ChecklistError::Step {
                id: s.id.clone(),
                problem,
            };
            if s.id.is_empty() || s.id.len() > 64 || s.id.chars().any(|c| c.is_control()) {
                return Err(bad(
                    "an id is 1 to 64 characters, no control characters".into()
                ));
            }
            if !seen.insert(s.id.as_str()) {
                return Err(bad("two steps have this id".into()));
            }
            let actions = [
                s.confirm.is_some(),
                s.airgap.is_some(),
                s.run.is_some(),
                s.show.is_some(),
                s.scan.is_some(),
            ]
            .iter()
            .filter(|x| **x)
            .count();
            if actions != 1 {
                return Err(bad(format!(
                    "a step has exactly one of confirm, airgap, run, show, scan ({actions} given)"
                )));
            }
            if matches!(s.kind(), Kind::Confirm | Kind::Airgap)
                && (!s.expect.is_default() || !s.capture.is_empty())
            {
                return Err(bad(
                    "expect and capture belong to run, show and scan steps".into()
                ));
            }
            if let Some(argv) = &s.run {
                match argv.first().map(String::as_str) {
                    None => return Err(bad("run needs a command".into())),
                    // A checklist that runs checklists has no single transcript.
                    Some("ceremony") => {
                        return Err(bad("a ceremony cannot run another ceremony".into()))
                    }
                    _ => {}
                }
            }
            if matches!(s.kind(), Kind::Run | Kind::Show | Kind::Scan) {
                let argv = super::runner::argv_of(s).map_err(bad)?;
                super::confine::check_template(&argv).map_err(bad)?;
            }
            for name in s.capture.keys() {
                if !valid_var(name) {
                    return Err(bad(format!(
                        "capture name {name:?}: letters, digits and _ only"
                    )));
                }
            }
        }
        Ok(c)
    }
}

fn valid_var(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Replace every `${name}` in `text` with its captured value; a name never captured is an error.
pub fn substitute(text: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else {
            return Err(format!("unclosed ${{ in {text:?}"));
        };
        let name = &after[..end];
        match vars.get(name) {
            Some(v) => out.push_str(v),
            None => return Err(format!("${{{name}}} was not captured by an earlier step")),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(steps: &str) -> Result<Checklist, ChecklistError> {
        Checklist::parse(
            format!(r#"{{"format":"{FORMAT}","name":"t","steps":{steps}}}"#).as_bytes(),
        )
    }

    #[test]
    fn a_step_with_two_actions_or_an_unknown_field_is_refused() {
        assert!(parse(r#"[{"id":"a","confirm":"x","run":["seed","info"]}]"#).is_err());
        assert!(parse(r#"[{"id":"a","confirm":"x","typo":1}]"#).is_err());
        assert!(parse(r#"[{"id":"a","confirm":"x"},{"id":"a","confirm":"y"}]"#).is_err());
        assert!(parse(r#"[{"id":"a","run":["ceremony","run","x.json"]}]"#).is_err());
        assert!(parse(r#"[{"id":"a","confirm":"x","expect":{"exit":0}}]"#).is_err());
        assert!(parse("[]").is_err());
        let c = parse(r#"[{"id":"a","run":["seed","info"],"expect":{"fingerprint":"73c5da0a"}}]"#)
            .unwrap();
        assert_eq!(c.steps[0].kind(), Kind::Run);
        assert_eq!(c.steps[0].expect.named(), vec![("fingerprint", "73c5da0a")]);
    }

    #[test]
    fn substitution_uses_captured_values_and_names_a_missing_one() {
        let vars = BTreeMap::from([("b".to_owned(), "LAVA (3f)".to_owned())]);
        assert_eq!(substitute("id ${b}!", &vars).unwrap(), "id LAVA (3f)!");
        assert!(substitute("${nope}", &vars).unwrap_err().contains("nope"));
        assert!(substitute("${b", &vars).is_err());
    }
}
