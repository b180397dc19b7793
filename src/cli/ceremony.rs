//! `ceremony`, `airgap` and `digest` argument types.
use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `airsign ceremony …`.
#[derive(Debug, Subcommand)]
#[command(after_help = "Examples:\n  \
    airsign ceremony run treasury-spend.json --transcript spend.jsonl\n  \
    airsign ceremony verify spend.jsonl --checklist treasury-spend.json")]
pub enum CeremonyCmd {
    /// Run a checklist step by step, recording every step in a hash-chained transcript.
    ///
    /// Steps are confirmations the operator answers with `yes`, air-gap checks, airsign
    /// commands with expected outcomes (exit code, fingerprint, policy hash, wallet id, bundle
    /// id, digest), and QR show and scan steps. The first step that fails stops the ceremony
    /// (exit 3) and names itself; the transcript is valid up to there. Format: docs/ceremony.md.
    #[command(after_help = "Examples:\n  \
        airsign ceremony run fixtures/ceremonies/treasury-spend.json --transcript spend.jsonl\n  \
        airsign ceremony run spend.json --transcript t.jsonl --answers-fd 3 3<answers.txt   # scripted")]
    Run(CeremonyRunArgs),
    /// Check a transcript (the auditor's one command): every line in the chain, a start and an
    /// end line, of the checklist given. Exit 0 completed, 3 stopped at a step, 4 edited or cut.
    #[command(after_help = "Example:\n  \
        airsign ceremony verify spend.jsonl --checklist treasury-spend.json")]
    Verify(CeremonyVerifyArgs),
}

/// `ceremony run`.
#[derive(Debug, Args)]
pub struct CeremonyRunArgs {
    /// The checklist (JSON, "format": "airsign-ceremony/1").
    pub checklist: PathBuf,
    /// Where to write the transcript (a new file; default: CHECKLIST's name + the time +
    /// `.transcript.jsonl` in the current folder).
    #[arg(long, value_name = "FILE")]
    pub transcript: Option<PathBuf>,
    /// Run the steps in this folder (their paths are relative to it). Default: the current folder.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Read the operator's answers (confirmations, and the confirmations of commands the steps
    /// run) one per line from this file descriptor instead of the terminal: scripted ceremonies.
    #[arg(long, value_name = "N")]
    pub answers_fd: Option<i32>,
    /// Read the seed file passphrase for every step that opens a seed from this descriptor
    /// (`4<passfile`: a regular file is read afresh at each step) instead of the terminal.
    #[arg(long, value_name = "N")]
    pub passphrase_fd: Option<i32>,
    /// Read the air-gap state from a recorded layout instead of this machine (a rehearsal; the
    /// transcript says so).
    #[arg(long, value_name = "DIR", hide = true)]
    pub airgap_root: Option<PathBuf>,
    /// Print the outcome as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `ceremony verify`.
#[derive(Debug, Args)]
pub struct CeremonyVerifyArgs {
    /// The transcript.
    pub transcript: PathBuf,
    /// The checklist it must be a transcript of.
    #[arg(long, value_name = "FILE")]
    pub checklist: Option<PathBuf>,
    /// Accept a rehearsal: a ceremony whose air gap was read from a recorded layout (without
    /// this, such a transcript exits 3).
    #[arg(long)]
    pub rehearsal: bool,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `airsign airgap …`.
#[derive(Debug, Subcommand)]
#[command(after_help = "Examples:\n  \
    airsign airgap check")]
pub enum AirgapCmd {
    /// Check that this machine is air-gapped: no network interface up but loopback, no default
    /// route, radios blocked (rfkill), no unencrypted swap, no core dumps, and (with
    /// --expect-sha256) that this is the airsign binary you meant to run. Exit 3 when a required
    /// check fails.
    #[command(after_help = "Examples:\n  \
        airsign airgap check\n  \
        airsign airgap check --expect-sha256 \"$(cut -d' ' -f1 airsign.sha256)\" --json")]
    Check(AirgapCheckArgs),
}

/// `airgap check`.
#[derive(Debug, Args)]
pub struct AirgapCheckArgs {
    /// The SHA-256 (hex) the running airsign binary must have, from the release you verified.
    #[arg(long, value_name = "HEX")]
    pub expect_sha256: Option<String>,
    /// Read the state from a recorded layout (a folder with sys/ and proc/) instead of this
    /// machine: for tests and rehearsals.
    #[arg(long, value_name = "DIR", hide = true)]
    pub root: Option<PathBuf>,
    /// Print the checks as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `airsign digest`.
#[derive(Debug, Args)]
#[command(after_help = "Example (on both laptops, then compare the words):\n  \
    airsign digest signed.psbt")]
pub struct DigestArgs {
    /// The file: a PSBT (any encoding; digested in its canonical binary form), or any other file.
    pub file: PathBuf,
    /// Print the digest as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `--require-airgap`, shared by the commands that handle secrets.
#[derive(Debug, Args, Clone, Default)]
pub struct RequireAirgap {
    /// Refuse (exit 3) unless `airsign airgap check` passes on this machine.
    #[arg(long)]
    pub require_airgap: bool,
}
