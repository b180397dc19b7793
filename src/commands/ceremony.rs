//! `airsign ceremony run|verify`, `airsign airgap check`, `airsign digest`: read inputs, hand
//! the checklist to the library runner with a host that talks to the operator and runs airsign's
//! own commands in this process, render.
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use clap::Parser;
use serde::Serialize;

use super::{print_json, println_out, ANSWERS, CAPTURE};
use crate::ceremony::airgap::{self, BinaryCheck, Report, Status};
use crate::ceremony::runner::{self, Host, Ran, StartInfo};
use crate::ceremony::transcript::{self, Writer};
use crate::ceremony::{checklist, CeremonyError, Checklist};
use crate::cli::ceremony::{
    AirgapCheckArgs, AirgapCmd, CeremonyCmd, CeremonyRunArgs, CeremonyVerifyArgs, DigestArgs,
};
use crate::cli::{Cli, Command};
use crate::fsutil::read_limited;
use crate::sanitize::escape;
use crate::Error;

pub fn run(cmd: CeremonyCmd) -> Result<(), Error> {
    match cmd {
        CeremonyCmd::Run(a) => ceremony_run(a),
        CeremonyCmd::Verify(a) => verify(a),
    }
}

/// The air-gap state of this machine (or of a recorded layout).
fn airgap_report(root: Option<&Path>, expect: Option<&str>) -> Report {
    airgap::check(
        root.unwrap_or(Path::new("/")),
        &BinaryCheck {
            actual: airgap::own_sha256(),
            expected: expect.map(str::to_owned),
        },
    )
}

/// `--require-airgap`: refuse (exit 3) before anything secret is touched.
pub(crate) fn require_airgap(required: bool) -> Result<(), Error> {
    if !required {
        return Ok(());
    }
    let report = airgap_report(None, None);
    if report.passed() {
        eprintln!("air gap: every required check passed");
        return Ok(());
    }
    eprint!("{}", render_report(&report));
    Err(CeremonyError::NotAirgapped(report.failed().iter().map(|s| s.to_string()).collect()).into())
}

fn render_report(r: &Report) -> String {
    let mut out = String::new();
    if r.root != "/" {
        out.push_str(&format!(
            "(read from the recorded layout {}, not this machine)\n",
            escape(&r.root)
        ));
    }
    for c in &r.checks {
        let mark = match (c.status, c.required) {
            (Status::Pass, _) => "PASS",
            (Status::Fail, true) => "FAIL",
            (Status::Fail, false) | (Status::Warn, _) => "warn",
        };
        out.push_str(&format!("{mark}  {:<19} {}\n", c.name, escape(&c.detail)));
    }
    out
}

pub fn airgap(cmd: AirgapCmd) -> Result<(), Error> {
    let AirgapCmd::Check(a) = cmd;
    check(a)
}

fn check(a: AirgapCheckArgs) -> Result<(), Error> {
    let report = airgap_report(a.root.as_deref(), a.expect_sha256.as_deref());
    if a.json {
        #[derive(Serialize)]
        struct Out<'a> {
            passed: bool,
            #[serde(flatten)]
            report: &'a Report,
        }
        print_json(&Out {
            passed: report.passed(),
            report: &report,
        })?;
    } else {
        eprint!("{}", render_report(&report));
    }
    if report.passed() {
        if !a.json {
            eprintln!("air-gapped: every required check passed");
        }
        Ok(())
    } else {
        Err(
            CeremonyError::NotAirgapped(report.failed().iter().map(|s| s.to_string()).collect())
                .into(),
        )
    }
}

pub fn digest(a: DigestArgs) -> Result<(), Error> {
    let bytes = read_limited(&a.file, (crate::bundle::parse::MAX_PSBT_BYTES * 4) as u64)?;
    let d = crate::ceremony::digest::digest(&bytes);
    if a.json {
        return print_json(&d);
    }
    println_out(&d.digest)?;
    eprintln!(
        "{} {}: sha256 {}",
        d.kind,
        escape(&a.file.display().to_string()),
        d.sha256
    );
    Ok(())
}

/// The command layer's side of a ceremony: the operator at the terminal (or an answers file),
/// airsign's commands run in this process with their stdout captured.
struct CommandHost {
    airgap_root: Option<PathBuf>,
}

impl Host for CommandHost {
    fn confirm(&mut self, title: &str, text: &str) -> bool {
        eprintln!("\n{}\n{}\n", escape(title), escape_lines(text));
        super::confirm_yes("Type yes to confirm: ").unwrap_or(false)
    }

    fn airsign(&mut self, argv: &[String]) -> Ran {
        let cli = match Cli::try_parse_from(
            std::iter::once("airsign".to_owned()).chain(argv.iter().cloned()),
        ) {
            Ok(cli) => cli,
            Err(e) => {
                let text = e.render().to_string();
                let exit = if e.use_stderr() {
                    crate::error::EXIT_USAGE
                } else {
                    0
                };
                eprint!("{}", escape_lines(&text));
                return Ran {
                    exit,
                    stdout: Vec::new(),
                    error: Some(text.lines().next().unwrap_or_default().to_owned()),
                };
            }
        };
        if matches!(cli.command, Command::Ceremony(_)) {
            return Ran {
                exit: crate::error::EXIT_USAGE,
                stdout: Vec::new(),
                error: Some("a ceremony cannot run another ceremony".into()),
            };
        }
        CAPTURE.with(|c| *c.borrow_mut() = Some(Vec::new()));
        // A panic in a command is recorded as the step's failure, not lost with the process.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| super::run(cli)));
        let stdout = CAPTURE.with(|c| c.borrow_mut().take()).unwrap_or_default();
        match result {
            Ok(Ok(())) => Ran {
                exit: 0,
                stdout,
                error: None,
            },
            Ok(Err(e)) => {
                super::report(&e);
                Ran {
                    exit: e.exit_code(),
                    stdout,
                    error: Some(escape(&e.to_string())),
                }
            }
            Err(_) => Ran {
                exit: 101,
                stdout,
                error: Some("the command panicked".into()),
            },
        }
    }

    fn airgap(&mut self, expect_sha256: Option<&str>) -> Report {
        let r = airgap_report(self.airgap_root.as_deref(), expect_sha256);
        eprint!("{}", render_report(&r));
        r
    }

    fn say(&mut self, text: &str) {
        eprintln!("== {}", escape(text));
    }
}

/// Escape each line of a multi-line text (the line breaks stay).
fn escape_lines(text: &str) -> String {
    text.lines().map(escape).collect::<Vec<_>>().join("\n")
}

fn ceremony_run(a: CeremonyRunArgs) -> Result<(), Error> {
    let bytes = read_limited(&a.checklist, checklist::MAX_BYTES)?;
    let list = Checklist::parse(&bytes).map_err(CeremonyError::from)?;
    let checklist_sha256 = crate::ceremony::runner::file_sha256(&a.checklist).unwrap_or_default();
    // Paths given on the command line are the caller's; the transcript is created before the
    // steps move to their folder.
    let transcript_path = a.transcript.clone().unwrap_or_else(|| {
        let stem = a
            .checklist
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "ceremony".into());
        let time = crate::time::now_rfc3339().replace(':', "");
        PathBuf::from(format!("{stem}-{time}.transcript.jsonl"))
    });
    // The transcript is never one of airsign's own records (a transcript named like the seed's
    // audit log would stop the next signing).
    let name = transcript_path.display().to_string();
    if [
        ".audit.jsonl",
        ".wallets.json",
        ".policy-pin",
        ".keychecks.json",
        ".age",
    ]
    .iter()
    .any(|s| name.ends_with(s))
    {
        return Err(Error::Usage(format!(
            "{}: choose a transcript name that is not one of airsign's own records",
            escape(&name)
        )));
    }
    let airgap_root = a
        .airgap_root
        .as_ref()
        .map(|r| std::fs::canonicalize(r).map_err(|e| Error::io("open", r, e)))
        .transpose()?;
    if let Some(fd) = a.answers_fd {
        let f = std::fs::File::open(format!("/dev/fd/{fd}"))
            .map_err(|e| Error::io("read", format!("/dev/fd/{fd}"), e))?;
        ANSWERS.with(|x| *x.borrow_mut() = Some(Box::new(BufReader::new(f)) as Box<dyn BufRead>));
    }
    let mut writer = Writer::create(&transcript_path).map_err(CeremonyError::from)?;
    crate::fsutil::protect(&transcript_path, "the ceremony transcript");
    if let Some(dir) = &a.dir {
        std::env::set_current_dir(dir).map_err(|e| Error::io("enter", dir, e))?;
    }
    eprintln!(
        "ceremony \"{}\": {} steps; transcript {}",
        escape(&list.name),
        list.steps.len(),
        escape(&transcript_path.display().to_string())
    );
    if let Some(d) = &list.description {
        eprintln!("{}", escape_lines(d));
    }
    let info = StartInfo {
        checklist_sha256,
        binary_sha256: airgap::own_sha256().unwrap_or_default(),
        airgap_root: airgap_root
            .as_ref()
            .map(|r| r.display().to_string())
            .unwrap_or_else(|| "/".into()),
        answers: if a.answers_fd.is_some() {
            "fd"
        } else {
            "terminal"
        }
        .into(),
        passphrase: if a.passphrase_fd.is_some() {
            "fd"
        } else {
            "terminal"
        }
        .into(),
    };
    let mut host = CommandHost { airgap_root };
    let summary = super::unlock::with_passphrase_fd(a.passphrase_fd, || {
        runner::run(&list, info, &mut host, &mut writer)
    })
    .map_err(CeremonyError::from);
    ANSWERS.with(|x| *x.borrow_mut() = None);
    let summary = summary?;
    if a.json {
        #[derive(Serialize)]
        struct Out<'a> {
            outcome: &'static str,
            passed: u64,
            steps: usize,
            stopped_at: Option<&'a str>,
            problem: Option<&'a str>,
            transcript: String,
            lines: u64,
            tail_hash: &'a str,
        }
        print_json(&Out {
            outcome: if summary.stopped.is_some() {
                "stopped"
            } else {
                "completed"
            },
            passed: summary.passed,
            steps: list.steps.len(),
            stopped_at: summary.stopped.as_ref().map(|s| s.0.as_str()),
            problem: summary.stopped.as_ref().map(|s| s.1.as_str()),
            transcript: transcript_path.display().to_string(),
            lines: summary.lines,
            tail_hash: &summary.tail_hash,
        })?;
    }
    eprintln!(
        "\ntranscript {} ({} lines). Write down its tail hash and keep it off this machine:\n  {}",
        escape(&transcript_path.display().to_string()),
        summary.lines,
        summary.tail_hash
    );
    match summary.stopped {
        Some((step, problem)) => Err(CeremonyError::Stopped { step, problem }.into()),
        None => {
            eprintln!(
                "ceremony completed: {} of {} steps passed",
                summary.passed,
                list.steps.len()
            );
            Ok(())
        }
    }
}

fn verify(a: CeremonyVerifyArgs) -> Result<(), Error> {
    let want =
        match &a.checklist {
            Some(c) => Some(crate::ceremony::runner::file_sha256(c).ok_or_else(|| {
                Error::io("read", c, std::io::Error::other("not a readable file"))
            })?),
            None => None,
        };
    // The checklist's steps, when given, must be what the transcript ran, in order, each of its
    // kind.
    let steps = match &a.checklist {
        Some(c) => Some(
            Checklist::parse(&read_limited(c, checklist::MAX_BYTES)?)
                .map_err(CeremonyError::from)?
                .steps
                .into_iter()
                .map(|s| (s.id.clone(), s.kind().as_str().to_owned()))
                .collect::<Vec<_>>(),
        ),
        None => None,
    };
    let v = transcript::verify(&a.transcript, want.as_deref()).map_err(CeremonyError::from)?;
    if let Some(ids) = &steps {
        let ran: Vec<(&str, &str)> = v
            .records
            .iter()
            .map(|r| (r.id.as_str(), r.kind.as_str()))
            .collect();
        let expected: Vec<(&str, &str)> = ids
            .iter()
            .take(ran.len())
            .map(|(i, k)| (i.as_str(), k.as_str()))
            .collect();
        if ran != expected || (v.outcome == "completed" && ran.len() != ids.len()) {
            return Err(
                CeremonyError::Transcript(crate::ceremony::TranscriptError::Broken {
                    line: 0,
                    problem: "its steps are not the checklist's steps in order".into(),
                })
                .into(),
            );
        }
    }
    if a.json {
        print_json(&v)?;
    } else {
        eprintln!(
            "transcript of \"{}\" (checklist sha256 {})\n{} lines, {} steps recorded, started {}, last line {}",
            escape(&v.checklist),
            v.checklist_sha256,
            v.lines,
            v.steps.len(),
            escape(&v.started),
            escape(&v.finished)
        );
        if v.airgap_root != "/" {
            eprintln!(
                "REHEARSAL: the air gap was read from the recorded layout {}, not the machine",
                escape(&v.airgap_root)
            );
        }
        eprintln!(
            "answers from the {}, seed passphrase from the {}",
            if v.answers == "fd" {
                "script (--answers-fd): no person typed them"
            } else {
                "terminal"
            },
            if v.passphrase == "fd" {
                "script (--passphrase-fd)"
            } else {
                "terminal"
            }
        );
        for (id, result) in &v.steps {
            eprintln!("  {result:<6} {}", escape(id));
        }
        eprintln!(
            "tail hash {} — compare it with the one written down at the ceremony",
            v.tail_hash
        );
    }
    // A rehearsal on a recorded air-gap layout is not a ceremony on an air-gapped machine:
    // only an auditor who knows it was a rehearsal accepts it (--rehearsal).
    if v.airgap_root != "/" && !a.rehearsal && v.outcome == "completed" {
        return Err(CeremonyError::Rehearsal(v.airgap_root.clone()).into());
    }
    match v.outcome.as_str() {
        "completed" => {
            if !a.json {
                eprintln!("verified: the ceremony completed");
            }
            Ok(())
        }
        "stopped" => Err(CeremonyError::TranscriptStopped(v.stopped_at.unwrap_or_default()).into()),
        _ => Err(CeremonyError::Incomplete.into()),
    }
}
