//! `approve` argument types.
use std::path::PathBuf;

use clap::Args;

use super::qr::{QrOut, ScanIn};
use super::SeedUnlock;

/// `approve`: a second person's approval of one unsigned transaction.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  airsign approve --seed bob.age --policy policy.json unsigned.psbt -o bob.approval
  airsign approve --seed bob.age --policy policy.json --scan gif:unsigned.gif --qr terminal")]
pub struct ApproveArgs {
    /// Unlock options for the approver's own seed.
    #[command(flatten)]
    pub unlock: SeedUnlock,
    /// The unsigned PSBT the signer will sign (`-` for stdin); or use --scan.
    #[arg(required_unless_present = "scan")]
    pub input: Option<PathBuf>,
    /// QR input.
    #[command(flatten)]
    pub scan: ScanIn,
    /// The policy the signer uses (its hash is part of what is approved); without it the
    /// approval is for the built-in policy.
    #[arg(long, value_name = "POLICY.json")]
    pub policy: Option<PathBuf>,
    /// The approving key: a BIP84 path (default m/84'/COIN'/0'/0/0, the seed's first receive
    /// address) whose address is listed in the policy's `approvals.keys`.
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,
    /// The audit log the approval is recorded in (default: SEED.audit.jsonl beside the seed).
    #[arg(long, value_name = "LOG.jsonl")]
    pub log: Option<PathBuf>,
    /// Where to write the approval (text); optional with --qr.
    #[arg(long, short, required_unless_present = "qr")]
    pub out: Option<PathBuf>,
    /// QR output of the approval.
    #[command(flatten)]
    pub qr: QrOut,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
    /// Do not ask for confirmation (the review is still printed).
    #[arg(long)]
    pub yes: bool,
    /// Print the approval as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}
