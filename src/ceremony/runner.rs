//! Run a checklist, step by step, writing the transcript as it goes. The runner decides what
//! passed; the [`Host`] does the talking and the running (the command layer: the operator's
//! terminal or answer file, and airsign's own commands in this process).
use std::collections::BTreeMap;
use std::path::Path;

use bitcoin::hashes::{sha256, Hash, HashEngine};
use serde_json::Value;

use super::airgap;
use super::checklist::{substitute, Checklist, Kind, Step};
use super::transcript::{FileHash, Record, TranscriptError, Writer};

/// What running one airsign command gave.
#[derive(Debug, Clone, Default)]
pub struct Ran {
    /// Its exit code.
    pub exit: u8,
    /// What it printed on stdout.
    pub stdout: Vec<u8>,
    /// Its error message, when it failed.
    pub error: Option<String>,
}

/// What the runner needs from its caller.
pub trait Host {
    /// Show `text` for step `title`; true when the operator answered yes.
    fn confirm(&mut self, title: &str, text: &str) -> bool;
    /// Run airsign with `argv` (without the program name) in this process.
    fn airsign(&mut self, argv: &[String]) -> Ran;
    /// Check the air gap.
    fn airgap(&mut self, expect_sha256: Option<&str>) -> airgap::Report;
    /// Tell the operator what is happening (a step starts, passes or fails).
    fn say(&mut self, text: &str);
}

/// How the ceremony ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Steps that passed.
    pub passed: u64,
    /// The step it stopped at and why, if it stopped.
    pub stopped: Option<(String, String)>,
    /// Lines in the transcript.
    pub lines: u64,
    /// Hash of the transcript's last line: write it down.
    pub tail_hash: String,
}

/// What the start line says besides the checklist.
#[derive(Debug, Clone)]
pub struct StartInfo {
    /// Hex SHA-256 of the checklist file.
    pub checklist_sha256: String,
    /// Hex SHA-256 of the running binary.
    pub binary_sha256: String,
    /// Where the air-gap state is read from.
    pub airgap_root: String,
    /// `terminal` or `fd`: where the operator's answers come from.
    pub answers: String,
    /// `terminal` or `fd`: where the seed passphrase comes from.
    pub passphrase: String,
}

/// The outcome of one step before it is written down.
struct StepResult {
    action: Vec<String>,
    inputs: Vec<FileHash>,
    outputs: Vec<FileHash>,
    exit: u8,
    stdout_sha256: String,
    expected: BTreeMap<String, String>,
    observed: BTreeMap<String, String>,
    problem: Option<String>,
}

impl StepResult {
    fn new(action: Vec<String>) -> Self {
        StepResult {
            action,
            inputs: Vec::new(),
            outputs: Vec::new(),
            exit: 0,
            stdout_sha256: String::new(),
            expected: BTreeMap::new(),
            observed: BTreeMap::new(),
            problem: None,
        }
    }

    fn fail(mut self, problem: impl Into<String>) -> Self {
        self.problem.get_or_insert(problem.into());
        self
    }
}

/// Run every step in order; stop at the first that fails. The transcript gets a start line,
/// one line per step run, and an end line.
pub fn run(
    checklist: &Checklist,
    info: StartInfo,
    host: &mut dyn Host,
    transcript: &mut Writer,
) -> Result<Summary, TranscriptError> {
    transcript.append(Record::Start {
        format: super::transcript::FORMAT.into(),
        checklist: checklist.name.clone(),
        checklist_sha256: info.checklist_sha256,
        steps: checklist.steps.len() as u64,
        airsign: env!("CARGO_PKG_VERSION").into(),
        binary_sha256: info.binary_sha256,
        airgap_root: info.airgap_root,
        answers: info.answers,
        passphrase: info.passphrase,
    })?;
    let mut vars = BTreeMap::new();
    let mut passed = 0u64;
    let total = checklist.steps.len();
    for (i, step) in checklist.steps.iter().enumerate() {
        host.say(&format!(
            "step {}/{total} [{}] {}",
            i + 1,
            step.id,
            step.title()
        ));
        let started = crate::time::now_rfc3339();
        let r = run_step(step, &mut vars, host);
        let problem = r.problem.clone();
        transcript.append(Record::Step {
            id: step.id.clone(),
            kind: step.kind().as_str().into(),
            started,
            action: r.action,
            inputs: r.inputs,
            outputs: r.outputs,
            exit: r.exit,
            stdout_sha256: r.stdout_sha256,
            expected: r.expected,
            observed: r.observed,
            result: if problem.is_some() {
                "failed"
            } else {
                "passed"
            }
            .into(),
            problem: problem.clone().unwrap_or_default(),
        })?;
        if let Some(problem) = problem {
            host.say(&format!("FAILED [{}]: {problem}", step.id));
            transcript.append(Record::End {
                outcome: "stopped".into(),
                passed,
                stopped_at: step.id.clone(),
            })?;
            return Ok(Summary {
                passed,
                stopped: Some((step.id.clone(), problem)),
                lines: transcript.lines(),
                tail_hash: transcript.tail_hash().to_owned(),
            });
        }
        passed += 1;
        host.say(&format!("passed [{}]", step.id));
    }
    transcript.append(Record::End {
        outcome: "completed".into(),
        passed,
        stopped_at: String::new(),
    })?;
    Ok(Summary {
        passed,
        stopped: None,
        lines: transcript.lines(),
        tail_hash: transcript.tail_hash().to_owned(),
    })
}

fn run_step(step: &Step, vars: &mut BTreeMap<String, String>, host: &mut dyn Host) -> StepResult {
    match step.kind() {
        Kind::Confirm => {
            let text = step.confirm.as_deref().unwrap_or_default();
            let text = match substitute(text, vars) {
                Ok(t) => t,
                Err(e) => return StepResult::new(vec![text.to_owned()]).fail(e),
            };
            let yes = host.confirm(step.title(), &text);
            let mut r = StepResult::new(vec![text]);
            r.observed
                .insert("answer".into(), if yes { "yes" } else { "no" }.into());
            if yes {
                r
            } else {
                r.exit = crate::Error::from(crate::session::declined()).exit_code();
                r.fail("the operator did not confirm")
            }
        }
        Kind::Airgap => {
            let expect = step.airgap.as_ref().and_then(|a| a.expect_sha256.clone());
            let mut action = vec!["airgap".to_owned(), "check".to_owned()];
            let expect = match expect.map(|e| substitute(&e, vars)).transpose() {
                Ok(e) => e,
                Err(e) => return StepResult::new(action).fail(e),
            };
            if let Some(e) = &expect {
                action.extend(["--expect-sha256".to_owned(), e.clone()]);
            }
            let report = host.airgap(expect.as_deref());
            let mut r = StepResult::new(action);
            for c in &report.checks {
                r.observed.insert(
                    c.name.to_owned(),
                    serde_json::to_value(c.status)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                );
            }
            if report.passed() {
                r
            } else {
                let failed: Vec<String> = report.failed().iter().map(|f| f.to_string()).collect();
                r.exit = crate::Error::from(super::CeremonyError::NotAirgapped(failed.clone()))
                    .exit_code();
                r.fail(format!("not air-gapped: {} failed", failed.join(", ")))
            }
        }
        Kind::Run | Kind::Show | Kind::Scan => command_step(step, vars, host),
    }
}

/// The command line of a run, show or scan step, before substitution.
pub(crate) fn argv_of(step: &Step) -> Result<Vec<String>, String> {
    if let Some(argv) = &step.run {
        return Ok(argv.clone());
    }
    let s = |x: &str| x.to_owned();
    if let Some(show) = &step.show {
        let mut argv = vec![s("qr"), s("show"), show.file.clone()];
        match show.surface.as_deref().unwrap_or("terminal") {
            "terminal" => argv.push(s("--terminal")),
            other => {
                let (flag, path) = match other.split_once(':') {
                    Some(("gif", p)) => ("--gif", p),
                    Some(("html", p)) => ("--html", p),
                    Some(("png", p)) => ("--png-dir", p),
                    _ => {
                        return Err(format!(
                            "show surface {other:?}: terminal, gif:FILE, html:FILE or png:DIR"
                        ))
                    }
                };
                argv.extend([s(flag), s(path)]);
            }
        }
        if let Some(f) = &show.format {
            argv.extend([s("--format"), f.clone()]);
        }
        // The terminal player draws on stdout, where --json would go.
        if argv.get(3).map(String::as_str) != Some("--terminal") {
            argv.push(s("--json"));
        }
        return Ok(argv);
    }
    let scan = step.scan.as_ref().ok_or("a step without an action")?;
    let mut argv = vec![s("qr"), s("scan")];
    match scan.from.split_once(':') {
        Some(("camera", p)) => argv.extend([s("--camera"), s(p)]),
        Some(("dir", p)) => argv.extend([s("--dir"), s(p)]),
        Some(("gif", p)) => argv.extend([s("--gif"), s(p)]),
        Some(("text", p)) => argv.extend([s("--text-file"), s(p)]),
        _ => argv.push(scan.from.clone()),
    }
    argv.extend([s("-o"), scan.out.clone(), s("--json")]);
    Ok(argv)
}

fn command_step(
    step: &Step,
    vars: &mut BTreeMap<String, String>,
    host: &mut dyn Host,
) -> StepResult {
    let template = match argv_of(step) {
        Ok(t) => t,
        Err(e) => return StepResult::new(Vec::new()).fail(e),
    };
    let argv = match template
        .iter()
        .map(|x| substitute(x, vars))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(a) => a,
        Err(e) => return StepResult::new(Vec::new()).fail(e),
    };
    let mut action = vec!["airsign".to_owned()];
    action.extend(argv.iter().cloned());
    let mut r = StepResult::new(action);
    // A checklist may come from a compromised machine: nothing runs outside its confines.
    if let Err(e) = super::confine::check_run(&template, &argv) {
        r.exit = crate::Error::from(super::CeremonyError::Stopped {
            step: step.id.clone(),
            problem: e.clone(),
        })
        .exit_code();
        return r.fail(e);
    }
    let named = named_files(&argv);
    let before: BTreeMap<String, String> = named
        .iter()
        .filter_map(|p| file_sha256(Path::new(p)).map(|h| (p.clone(), h)))
        .collect();
    r.inputs = before
        .iter()
        .map(|(path, sha256)| FileHash {
            path: path.clone(),
            sha256: sha256.clone(),
        })
        .collect();
    let ran = host.airsign(&argv);
    r.outputs = named
        .iter()
        .filter_map(|p| {
            let now = file_sha256(Path::new(p))?;
            (before.get(p) != Some(&now)).then(|| FileHash {
                path: p.clone(),
                sha256: now,
            })
        })
        .collect();
    r.exit = ran.exit;
    if !ran.stdout.is_empty() {
        r.stdout_sha256 = sha256::Hash::hash(&ran.stdout).to_string();
    }
    let want_exit = step.expect.exit.unwrap_or(0);
    r.expected.insert("exit".into(), want_exit.to_string());
    r.observed.insert("exit".into(), ran.exit.to_string());
    if ran.exit != want_exit {
        let why = ran
            .error
            .as_deref()
            .map(|e| format!(": {e}"))
            .unwrap_or_default();
        r = r.fail(format!(
            "exit code {} where {want_exit} was expected{why}",
            ran.exit
        ));
    }
    let doc: Option<Value> = serde_json::from_slice(&ran.stdout).ok();
    for (name, want) in step.expect.named() {
        let want = match substitute(want, vars) {
            Ok(w) => w,
            Err(e) => return r.fail(e),
        };
        r.expected.insert(name.into(), want.clone());
        let Some(doc) = &doc else {
            r = r.fail(format!(
                "{name}: the command printed no JSON to compare (add --json)"
            ));
            continue;
        };
        let seen = find_field(doc, name);
        let full = if name == "digest" {
            find_field(doc, "sha256")
        } else {
            None
        };
        match &seen {
            Some(v) => {
                r.observed.insert(name.into(), v.clone());
            }
            None => {
                r = r.fail(format!("{name}: not in the command's output"));
                continue;
            }
        }
        let ok = seen.as_deref().is_some_and(|v| id_matches(v, &want))
            || full
                .as_deref()
                .is_some_and(|v| v.eq_ignore_ascii_case(want.trim()));
        if !ok {
            r = r.fail(format!(
                "{name} is {:?}, the checklist expects {want:?}",
                seen.unwrap_or_default()
            ));
        }
    }
    for (pointer, want) in &step.expect.json {
        let want = match substitute_value(want, vars) {
            Ok(w) => w,
            Err(e) => return r.fail(e),
        };
        r.expected.insert(pointer.clone(), want.to_string());
        let seen = doc.as_ref().and_then(|d| d.pointer(pointer)).cloned();
        r.observed.insert(
            pointer.clone(),
            seen.as_ref().map(Value::to_string).unwrap_or_default(),
        );
        if seen.as_ref() != Some(&want) {
            r = r.fail(format!(
                "{pointer} is {}, the checklist expects {want}",
                seen.map(|v| v.to_string())
                    .unwrap_or_else(|| "missing".into())
            ));
        }
    }
    if r.problem.is_none() {
        for (var, field) in &step.capture {
            let value = doc.as_ref().and_then(|d| {
                if field.starts_with('/') {
                    d.pointer(field).map(text_of)
                } else {
                    find_field(d, field)
                }
            });
            match value {
                Some(v) => {
                    r.observed.insert(format!("${{{var}}}"), v.clone());
                    vars.insert(var.clone(), v);
                }
                None => return r.fail(format!("capture {var}: {field} is not in the output")),
            }
        }
    }
    r
}

fn substitute_value(v: &Value, vars: &BTreeMap<String, String>) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => Value::String(substitute(s, vars)?),
        other => other.clone(),
    })
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The first field called `name`, breadth first (the top level wins over nested documents).
fn find_field(doc: &Value, name: &str) -> Option<String> {
    let mut queue = std::collections::VecDeque::from([doc]);
    while let Some(v) = queue.pop_front() {
        match v {
            Value::Object(m) => {
                if let Some(found) = m.get(name).filter(|f| !f.is_object() && !f.is_array()) {
                    return Some(text_of(found));
                }
                queue.extend(m.values());
            }
            Value::Array(a) => queue.extend(a.iter()),
            _ => {}
        }
    }
    None
}

/// Ids print as `WORDS (hex)`: the checklist may name the whole, the words or the hex.
fn id_matches(seen: &str, want: &str) -> bool {
    let want = want.trim();
    if seen.eq_ignore_ascii_case(want) {
        return true;
    }
    match seen.rsplit_once(" (") {
        Some((words, hex)) => {
            let hex = hex.trim_end_matches(')');
            !want.is_empty() && (words.eq_ignore_ascii_case(want) || hex.eq_ignore_ascii_case(want))
        }
        None => false,
    }
}

/// Paths a command line names: each argument, and the part after `text:`, `gif:`, `html:`,
/// `png:`, `dir:` (the `--qr`/`--scan` surfaces); for `--seed F`, also the files airsign keeps
/// beside the seed (its audit log and wallet registrations), so the transcript shows what a
/// signing or a registration appended.
fn named_files(argv: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |p: String| {
        if !out.contains(&p) {
            out.push(p);
        }
    };
    let mut after_seed = false;
    for a in argv {
        if a == "-" || a.starts_with('-') {
            after_seed = a == "--seed";
            continue;
        }
        let path = match a.split_once(':') {
            Some(("text" | "gif" | "html" | "png" | "dir", p)) => p,
            _ => a.as_str(),
        };
        add(path.to_owned());
        if std::mem::take(&mut after_seed) {
            let seed = Path::new(path);
            add(crate::audit::default_path(seed).display().to_string());
            add(crate::wallet::registry::path_for(seed)
                .display()
                .to_string());
        }
    }
    out
}

/// Hex SHA-256 of a regular file (None for anything else, or unreadable).
pub fn file_sha256(path: &Path) -> Option<String> {
    use std::io::Read;
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    let mut f = std::fs::File::open(path).ok()?;
    let mut engine = sha256::Hash::engine();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        engine.input(&buf[..n]);
    }
    Some(sha256::Hash::from_engine(engine).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_match_by_words_hex_or_whole() {
        let id = "LAVA GYRO TUNA ZERO (3f9a01cc)";
        assert!(id_matches(id, "lava gyro tuna zero"));
        assert!(id_matches(id, "3F9A01CC"));
        assert!(id_matches(id, id));
        assert!(!id_matches(id, "3f9a01cd"));
        assert!(!id_matches(id, ""));
        assert!(id_matches("73c5da0a", "73c5da0a"));
    }

    #[test]
    fn fields_are_found_breadth_first() {
        let v: Value =
            serde_json::json!({"review": {"fingerprint": "inner"}, "fingerprint": "top"});
        assert_eq!(find_field(&v, "fingerprint").unwrap(), "top");
        let v: Value = serde_json::json!({"a": [{"bundle_id": "X (01)"}]});
        assert_eq!(find_field(&v, "bundle_id").unwrap(), "X (01)");
    }

    #[test]
    fn surfaces_name_their_files() {
        let argv: Vec<String> = ["sign", "--scan", "text:in.frames", "-o", "out.psbt"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(named_files(&argv), vec!["sign", "in.frames", "out.psbt"]);
    }
}
