//! The ceremony transcript: hash-chained JSON lines in the audit log's chain format (`seq` from
//! 0, `prev` = SHA-256 of the previous line's exact bytes, the first `prev` all zeros, every line
//! exactly as airsign serializes it). A `start` line names the checklist by its SHA-256, one
//! `step` line per step run, and an `end` line says whether the ceremony completed or where it
//! stopped. A missing `end` is a transcript cut short (or a ceremony interrupted).
//!
//! Never a secret: commands' output is recorded as its SHA-256 and the values the checklist
//! compared; files as their SHA-256. Nothing signs the transcript: anyone can rebuild a
//! consistent chain, so the tail hash printed at the end is written down off the machine and
//! compared by the auditor.
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::audit::{line_hash, ZERO_HASH};

/// The `format` of a transcript's start line.
pub const FORMAT: &str = "airsign-transcript/1";

/// The longest line read.
pub const MAX_LINE: usize = 1 << 20;

/// A file a step read or wrote, by content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileHash {
    /// The path as the checklist named it.
    pub path: String,
    /// Hex SHA-256 of its bytes.
    pub sha256: String,
}

/// What one line records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Record {
    /// The ceremony began.
    Start {
        /// [`FORMAT`].
        format: String,
        /// The checklist's name.
        checklist: String,
        /// Hex SHA-256 of the checklist file.
        checklist_sha256: String,
        /// Number of steps in the checklist.
        steps: u64,
        /// airsign's version.
        airsign: String,
        /// Hex SHA-256 of the running binary ("" if unreadable).
        binary_sha256: String,
        /// Where the air-gap state was read from: `/`, or a recorded layout (a rehearsal).
        airgap_root: String,
        /// Where the operator's answers came from: `terminal`, or `fd` (a script answered).
        answers: String,
        /// Where the seed passphrase came from: `terminal`, or `fd`.
        passphrase: String,
    },
    /// One step, after it ran.
    Step {
        /// The step's id.
        id: String,
        /// `confirm`, `airgap`, `run`, `show` or `scan`.
        kind: String,
        /// When it started (RFC 3339 UTC, the machine's clock).
        started: String,
        /// The text shown (confirm) or the command line run (`airsign …`), after substitution.
        action: Vec<String>,
        /// Files named by the step that existed before it ran.
        inputs: Vec<FileHash>,
        /// Files named by the step that it created or changed.
        outputs: Vec<FileHash>,
        /// Exit code of a command (0 for a confirm answered yes).
        exit: u8,
        /// Hex SHA-256 of what the command printed on stdout ("" for none).
        stdout_sha256: String,
        /// What the checklist expected, by name.
        expected: BTreeMap<String, String>,
        /// What was observed, by the same names (and captured values).
        observed: BTreeMap<String, String>,
        /// `passed` or `failed`.
        result: String,
        /// Why it failed ("" when it passed).
        problem: String,
    },
    /// The ceremony ended.
    End {
        /// `completed` or `stopped`.
        outcome: String,
        /// Steps that passed.
        passed: u64,
        /// The step it stopped at ("" when completed).
        stopped_at: String,
    },
}

/// One transcript line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// Position, from 0.
    pub seq: u64,
    /// When it was written (RFC 3339 UTC).
    pub time: String,
    /// SHA-256 of the previous line's bytes.
    pub prev: String,
    /// What it records.
    #[serde(flatten)]
    pub record: Record,
}

impl Line {
    /// The exact line airsign writes (no newline).
    pub fn to_line(&self) -> String {
        // Serializing plain strings, numbers and maps cannot fail.
        serde_json::to_string(self).expect("a transcript line serializes")
    }
}

/// Why a transcript cannot be written or does not verify.
#[derive(Debug, thiserror::Error)]
pub enum TranscriptError {
    /// Reading or writing failed.
    #[error("cannot {action} transcript {}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The transcript.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The transcript exists already (a ceremony writes a new one).
    #[error("transcript {} exists already: a ceremony starts a new transcript", .0.display())]
    Exists(PathBuf),
    /// A line is not one airsign wrote, or the chain is broken there.
    #[error("transcript line {line}: {problem}")]
    Broken {
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        problem: String,
    },
}

impl TranscriptError {
    /// Whether this is tampering (or damage) rather than an I/O failure.
    pub fn is_integrity(&self) -> bool {
        matches!(self, TranscriptError::Broken { .. })
    }
}

/// A transcript being written: each line is one `O_APPEND` write, synced before the next step.
#[derive(Debug)]
pub struct Writer {
    path: PathBuf,
    file: File,
    seq: u64,
    tail: String,
}

impl Writer {
    /// Create a new transcript; an existing file is never appended to or replaced.
    pub fn create(path: &Path) -> Result<Writer, TranscriptError> {
        use std::os::unix::fs::OpenOptionsExt;
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => TranscriptError::Exists(path.to_owned()),
                _ => TranscriptError::Io {
                    action: "create",
                    path: path.to_owned(),
                    source: e,
                },
            })?;
        // The folder entry too, so a crash right after leaves the file behind.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(Writer {
            path: path.to_owned(),
            file,
            seq: 0,
            tail: ZERO_HASH.to_owned(),
        })
    }

    /// Append one record; returns the line written.
    pub fn append(&mut self, record: Record) -> Result<Line, TranscriptError> {
        let line = Line {
            seq: self.seq,
            time: crate::time::now_rfc3339(),
            prev: self.tail.clone(),
            record,
        };
        let text = line.to_line();
        let mut bytes = text.clone().into_bytes();
        bytes.push(b'\n');
        let io = |action, source| TranscriptError::Io {
            action,
            path: self.path.clone(),
            source,
        };
        self.file.write_all(&bytes).map_err(|e| io("write", e))?;
        self.file.sync_data().map_err(|e| io("sync", e))?;
        self.seq += 1;
        self.tail = line_hash(text.as_bytes());
        Ok(line)
    }

    /// Hash of the last line written.
    pub fn tail_hash(&self) -> &str {
        &self.tail
    }

    /// Lines written.
    pub fn lines(&self) -> u64 {
        self.seq
    }
}

/// What a transcript that verifies says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verified {
    /// The checklist's name.
    pub checklist: String,
    /// Hex SHA-256 of the checklist file.
    pub checklist_sha256: String,
    /// Where the air-gap state was read from (`/` unless rehearsed on a recorded layout).
    pub airgap_root: String,
    /// Where the answers came from (`terminal` or `fd`: a script answered for the operator).
    pub answers: String,
    /// Where the seed passphrase came from (`terminal` or `fd`).
    pub passphrase: String,
    /// Each step as recorded: (id, kind, result, expected exit, observed exit).
    #[serde(skip)]
    pub records: Vec<StepSummary>,
    /// `completed`, `stopped`, or `incomplete` (no end line: interrupted, or the tail was cut).
    pub outcome: String,
    /// The step it stopped at, if it stopped.
    pub stopped_at: Option<String>,
    /// Steps recorded, in order: (id, result).
    pub steps: Vec<(String, String)>,
    /// Number of lines.
    pub lines: u64,
    /// SHA-256 of the last line: compare with the one written down at the ceremony.
    pub tail_hash: String,
    /// When the ceremony started and when its last line was written.
    pub started: String,
    /// Time of the last line.
    pub finished: String,
}

/// What [`verify`] keeps of each step line, to compare with the checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepSummary {
    /// The step's id.
    pub id: String,
    /// Its kind as recorded.
    pub kind: String,
}

/// Read and check a whole transcript: every line canonical, `seq` and `prev` chained, a start
/// line first, step lines, at most one end line and nothing after it, the end line's counts
/// matching the steps. With `checklist_sha256`, the transcript must be of that checklist.
pub fn verify(path: &Path, checklist_sha256: Option<&str>) -> Result<Verified, TranscriptError> {
    let io = |action, source| TranscriptError::Io {
        action,
        path: path.to_owned(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(|e| io("read", e))?;
    if !meta.is_file() {
        return Err(io(
            "read",
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"),
        ));
    }
    let mut r = BufReader::new(File::open(path).map_err(|e| io("open", e))?);
    let broken = |line: u64, problem: String| TranscriptError::Broken { line, problem };
    let mut tail = ZERO_HASH.to_owned();
    let mut number = 0u64;
    let mut v: Option<Verified> = None;
    let mut ended = false;
    let mut passed = 0u64;
    loop {
        let mut buf = Vec::new();
        let n = (&mut r)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| io("read", e))?;
        if n == 0 {
            break;
        }
        number += 1;
        if buf.pop() != Some(b'\n') {
            return Err(broken(
                number,
                "incomplete line (an interrupted write, or a cut)".into(),
            ));
        }
        let line: Line = serde_json::from_slice(&buf)
            .map_err(|e| broken(number, format!("not a transcript line: {e}")))?;
        if line.to_line().as_bytes() != buf.as_slice() {
            return Err(broken(
                number,
                "not in the exact form airsign writes (edited)".into(),
            ));
        }
        if line.seq != number - 1 {
            return Err(broken(
                number,
                format!(
                    "seq {} where {} was expected: a line was removed, inserted or moved",
                    line.seq,
                    number - 1
                ),
            ));
        }
        if line.prev != tail {
            return Err(broken(
                number,
                "prev is not the hash of the line before: the transcript was edited".into(),
            ));
        }
        if ended {
            return Err(broken(number, "a line after the end line".into()));
        }
        match (&line.record, &mut v) {
            (
                Record::Start {
                    format,
                    checklist,
                    checklist_sha256: sha,
                    airgap_root,
                    answers,
                    passphrase,
                    ..
                },
                None,
            ) => {
                if format != FORMAT {
                    return Err(broken(
                        number,
                        format!("format {format:?} is not {FORMAT:?}"),
                    ));
                }
                if let Some(want) = checklist_sha256 {
                    if !want.eq_ignore_ascii_case(sha) {
                        return Err(broken(
                            number,
                            format!("the transcript is of checklist {sha}, not of {want}"),
                        ));
                    }
                }
                v = Some(Verified {
                    checklist: checklist.clone(),
                    checklist_sha256: sha.clone(),
                    airgap_root: airgap_root.clone(),
                    answers: answers.clone(),
                    passphrase: passphrase.clone(),
                    records: Vec::new(),
                    outcome: "incomplete".into(),
                    stopped_at: None,
                    steps: Vec::new(),
                    lines: 0,
                    tail_hash: String::new(),
                    started: line.time.clone(),
                    finished: String::new(),
                });
            }
            (Record::Start { .. }, Some(_)) => {
                return Err(broken(number, "a second start line".into()))
            }
            (_, None) => return Err(broken(number, "the first line is not a start line".into())),
            (
                Record::Step {
                    id,
                    kind,
                    result,
                    expected,
                    observed,
                    started,
                    ..
                },
                Some(v),
            ) => {
                if v.steps.iter().any(|(s, r)| r == "failed" || s == id) {
                    return Err(broken(
                        number,
                        "a step after a failed step, or a step recorded twice".into(),
                    ));
                }
                // A passed step whose recorded exit code is not the one expected, or a clock
                // that runs backwards, is a line someone wrote, not one the runner did.
                if result == "passed" && expected.get("exit") != observed.get("exit") {
                    return Err(broken(
                        number,
                        "a passed step whose exit code is not the expected one".into(),
                    ));
                }
                if started.as_str() < v.finished.as_str() || line.time.as_str() < started.as_str() {
                    return Err(broken(number, "its times run backwards".into()));
                }
                v.records.push(StepSummary {
                    id: id.clone(),
                    kind: kind.clone(),
                });
                if result == "passed" {
                    passed += 1;
                } else if result != "failed" {
                    return Err(broken(number, format!("result {result:?}")));
                }
                v.steps.push((id.clone(), result.clone()));
            }
            (
                Record::End {
                    outcome,
                    passed: p,
                    stopped_at,
                },
                Some(v),
            ) => {
                let last_failed = v.steps.last().filter(|(_, r)| r == "failed");
                let consistent = *p == passed
                    && match outcome.as_str() {
                        "completed" => stopped_at.is_empty() && last_failed.is_none(),
                        "stopped" => last_failed.is_some_and(|(id, _)| id == stopped_at),
                        _ => false,
                    };
                if !consistent {
                    return Err(broken(
                        number,
                        "the end line does not match the steps before it".into(),
                    ));
                }
                v.outcome = outcome.clone();
                v.stopped_at = (!stopped_at.is_empty()).then(|| stopped_at.clone());
                ended = true;
            }
        }
        tail = line_hash(&buf);
        if let Some(v) = &mut v {
            v.finished = line.time.clone();
        }
    }
    let mut v = v.ok_or_else(|| broken(1, "empty: no start line".into()))?;
    v.lines = number;
    v.tail_hash = tail;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> Record {
        Record::Start {
            format: FORMAT.into(),
            checklist: "t".into(),
            checklist_sha256: "ab".into(),
            steps: 1,
            airsign: "0".into(),
            binary_sha256: String::new(),
            airgap_root: "/".into(),
            answers: "terminal".into(),
            passphrase: "terminal".into(),
        }
    }

    fn step(result: &str) -> Record {
        Record::Step {
            id: "a".into(),
            kind: "confirm".into(),
            started: crate::time::now_rfc3339(),
            action: vec!["hello".into()],
            inputs: vec![],
            outputs: vec![],
            exit: 0,
            stdout_sha256: String::new(),
            expected: BTreeMap::new(),
            observed: BTreeMap::new(),
            result: result.into(),
            problem: String::new(),
        }
    }

    fn written(records: Vec<Record>) -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("t.jsonl");
        let mut w = Writer::create(&p).unwrap();
        for r in records {
            w.append(r).unwrap();
        }
        (d, p)
    }

    #[test]
    fn a_completed_transcript_verifies_and_an_edit_is_caught() {
        let end = Record::End {
            outcome: "completed".into(),
            passed: 1,
            stopped_at: String::new(),
        };
        let (_d, p) = written(vec![start(), step("passed"), end]);
        let v = verify(&p, Some("AB")).unwrap();
        assert_eq!((v.outcome.as_str(), v.lines), ("completed", 3));
        assert!(verify(&p, Some("cd")).is_err());
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, text.replace("hello", "hellp")).unwrap();
        let e = verify(&p, None).unwrap_err();
        assert!(e.is_integrity(), "{e}");
        assert!(e.to_string().contains("line 3"), "{e}");
    }

    #[test]
    fn an_end_line_that_hides_a_failure_is_caught_and_a_missing_end_is_incomplete() {
        let lying = Record::End {
            outcome: "completed".into(),
            passed: 0,
            stopped_at: String::new(),
        };
        let (_d, p) = written(vec![start(), step("failed"), lying]);
        assert!(verify(&p, None).unwrap_err().is_integrity());
        let (_d, p) = written(vec![start(), step("passed")]);
        assert_eq!(verify(&p, None).unwrap().outcome, "incomplete");
    }
}
