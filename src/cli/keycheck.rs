//! `keycheck` subcommand types: periodic proof that each key holder still holds the key.
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::qr::{QrOut, ScanIn};
use super::SeedUnlock;

/// Key health check commands (docs/keycheck.md).
#[derive(Debug, Subcommand)]
#[command(after_help = "Examples:\n  \
    airsign keycheck challenge treasury.json -o challenge.json --qr terminal\n  \
    airsign keycheck answer --seed alice.age challenge.json -o alice.answer.json\n  \
    airsign keycheck verify treasury.json challenge.json alice.answer.json bob.answer.json")]
pub enum KeycheckCmd {
    /// Online: a new challenge for a wallet (a fresh 32-byte nonce, the time, the wallet id,
    /// descriptors and cosigner keys), to carry to each key holder.
    #[command(
        after_help = "Examples:\n  airsign keycheck challenge treasury.json -o keycheck-2026-12.json"
    )]
    Challenge(ChallengeArgs),
    /// Offline: prove that this seed holds its keys of the challenge's wallet (a BIP322
    /// signature by each key), after a review; recorded in the seed's audit log.
    #[command(
        after_help = "Examples:\n  airsign keycheck answer --seed alice.age keycheck-2026-12.json -o alice.answer.json"
    )]
    Answer(AnswerArgs),
    /// Online: check answers against the wallet and the challenge; report which cosigners proved
    /// possession now and when each last did (history in WALLET.keychecks.json). Exit 3 if an
    /// answer is refused (with why).
    #[command(
        after_help = "Examples:\n  airsign keycheck verify treasury.json keycheck-2026-12.json alice.answer.json bob.answer.json"
    )]
    Verify(KeycheckVerifyArgs),
}

/// `keycheck challenge`.
#[derive(Debug, Args)]
pub struct ChallengeArgs {
    /// The watch-only wallet file.
    pub wallet: PathBuf,
    /// Where to write the challenge (JSON; `-` for stdout).
    #[arg(long, short, required_unless_present = "qr")]
    pub out: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
    /// QR output of the challenge.
    #[command(flatten)]
    pub qr: QrOut,
    /// Print a JSON summary (wallet id, nonce, time, keys) on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `keycheck answer`.
#[derive(Debug, Args)]
pub struct AnswerArgs {
    /// Unlock options.
    #[command(flatten)]
    pub unlock: SeedUnlock,
    /// The challenge file (`-` for stdin); or use --scan.
    #[arg(required_unless_present = "scan")]
    pub challenge: Option<PathBuf>,
    /// QR input of the challenge.
    #[command(flatten)]
    pub scan: ScanIn,
    /// Where to write the answer (JSON); optional with --qr.
    #[arg(long, short, required_unless_present = "qr")]
    pub out: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
    /// QR output of the answer.
    #[command(flatten)]
    pub qr: QrOut,
    /// The audit log the answer is recorded in (default: SEED.audit.jsonl beside the seed).
    #[arg(long, value_name = "LOG.jsonl")]
    pub log: Option<PathBuf>,
    /// Do not ask for confirmation (the review is still printed).
    #[arg(long)]
    pub yes: bool,
    /// Print the answer summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `keycheck verify`.
#[derive(Debug, Args)]
pub struct KeycheckVerifyArgs {
    /// The watch-only wallet file (its history is WALLET.keychecks.json beside it).
    pub wallet: PathBuf,
    /// The challenge the answers answer.
    pub challenge: PathBuf,
    /// Answer files (none: only show the history).
    pub answers: Vec<PathBuf>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}
