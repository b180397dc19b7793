//! `policy` subcommand types.
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::bundle::WalletArgs;
use super::qr::ScanIn;

/// Spend policy commands.
#[derive(Debug, Subcommand)]
#[command(after_help = "\
Examples:
  airsign policy show --default > policy.json
  airsign policy check --policy policy.json --wallet savings.json unsigned.psbt")]
pub enum PolicyCmd {
    /// Print a policy file, or with --default the built-in strict policy as a file to copy and
    /// edit (rules in order, first match decides, none matches → refuse; see docs/policy.md).
    #[command(after_help = "\
Examples:
  airsign policy show --default > policy.json
  airsign policy show policy.json")]
    Show(PolicyShowArgs),
    /// Print the SHA-256 of the policy's canonical form: `sign --policy` prints it at every use,
    /// so people can compare it with the policy they agreed on.
    #[command(after_help = "\
Examples:
  airsign policy hash policy.json
  airsign policy hash policy.json --json")]
    Hash(PolicyHashArgs),
    /// Pin a policy to a seed file (offline): `sign` then refuses (exit 4) any other policy for
    /// this seed, so a policy file swapped on disk is caught. Writes SEED.policy-pin, an HMAC of
    /// the policy's hash keyed from the seed.
    #[command(after_help = "\
Examples:
  airsign policy pin --policy policy.json --seed seed.age
  airsign policy pin --policy new-policy.json --seed seed.age --force")]
    Pin(PolicyPinArgs),
    /// Dry run: which rule would allow this PSBT, or every reason it would be refused (exit 3).
    /// Runs on the online side with the watch-only wallet; the signer checks again.
    #[command(after_help = "\
Examples:
  airsign policy check --policy policy.json --wallet savings.json unsigned.psbt
  airsign policy check --policy policy.json --wallet savings.json --log audit-copy.jsonl \\
      --json unsigned.psbt")]
    Check(PolicyCheckArgs),
}

/// `policy hash`.
#[derive(Debug, Args)]
pub struct PolicyHashArgs {
    /// The policy file (JSON, "version": 1).
    pub policy: PathBuf,
    /// Print {"policy_hash": …} as JSON (what a ceremony checklist compares).
    #[arg(long)]
    pub json: bool,
}

/// `policy show`.
#[derive(Debug, Args)]
pub struct PolicyShowArgs {
    /// The policy file to show (canonical form).
    #[arg(required_unless_present = "default", conflicts_with = "default")]
    pub policy: Option<PathBuf>,
    /// Show the built-in strict policy that `sign` uses without --policy.
    #[arg(long)]
    pub default: bool,
}

/// `policy pin`.
#[derive(Debug, Args)]
pub struct PolicyPinArgs {
    /// The policy file to pin.
    #[arg(long, value_name = "POLICY.json")]
    pub policy: PathBuf,
    /// Unlock options for the seed file the policy is pinned to.
    #[command(flatten)]
    pub unlock: super::SeedUnlock,
    /// The audit log `sign` will use (default: SEED.audit.jsonl beside the seed). Its current
    /// end is marked in the pin: `sign` then refuses a log that does not continue it.
    #[arg(long, value_name = "LOG.jsonl")]
    pub log: Option<PathBuf>,
    /// Replace an existing pin.
    #[arg(long)]
    pub force: bool,
}

/// `policy check`.
#[derive(Debug, Args)]
pub struct PolicyCheckArgs {
    /// The policy file.
    #[arg(long, value_name = "POLICY.json")]
    pub policy: PathBuf,
    /// The PSBT (`-` for stdin); or use --scan.
    #[arg(required_unless_present = "scan")]
    pub file: Option<PathBuf>,
    /// QR input.
    #[command(flatten)]
    pub scan: ScanIn,
    /// The watch-only wallet whose inputs and change to recognise.
    #[command(flatten)]
    pub wallet: WalletArgs,
    /// An audit log (a copy of the signer's) to count velocity limits from and to find
    /// pending delays in: whether this payment waits, since when, and from which locktime a
    /// delay in blocks counts (its chain is checked; its MACs need the seed, so the signer's
    /// own check is the one that counts).
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Print the review and verdict as JSON.
    #[arg(long)]
    pub json: bool,
}
