//! `sign` and `demo` argument types.
use std::path::PathBuf;

use clap::Args;

use super::qr::{QrOut, ScanIn};
use super::SeedUnlock;
use crate::bundle::Encoding;

/// `sign`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  airsign sign --seed seed.age unsigned.psbt -o signed.psbt
  airsign sign --seed seed.age --policy policy.json --scan gif:unsigned.gif --qr terminal
  airsign sign --seed seed.age --policy policy.json --approval bob.approval \\
      unsigned.psbt -o signed.psbt
  airsign sign --seed seed.age --passphrase-fd 3 --yes --json unsigned.psbt \\
      -o signed.psbt 3<pass")]
pub struct SignArgs {
    /// Refuse unless this machine passes `airsign airgap check`.
    #[command(flatten)]
    pub airgap: crate::cli::ceremony::RequireAirgap,
    /// Unlock options.
    #[command(flatten)]
    pub unlock: SeedUnlock,
    /// The unsigned PSBT (`-` for stdin); or use --scan.
    #[arg(required_unless_present = "scan")]
    pub input: Option<PathBuf>,
    /// QR input.
    #[command(flatten)]
    pub scan: ScanIn,
    /// Where to write the signed PSBT (`-` for stdout); optional with --qr.
    #[arg(long, short, required_unless_present = "qr")]
    pub out: Option<PathBuf>,
    /// Replace the output file if it already exists (never a FIFO, device, nor the seed file itself).
    #[arg(long)]
    pub force: bool,
    /// QR output of the signed PSBT.
    #[command(flatten)]
    pub qr: QrOut,
    /// Return only what the coordinator needs to merge: drop full previous transactions of
    /// segwit inputs (the coordinator has them) and other bulky fields, so the trip back takes
    /// fewer frames.
    #[arg(long)]
    pub minimal: bool,
    /// Do not ask for confirmation (scripted ceremonies; the review is still printed).
    #[arg(long)]
    pub yes: bool,
    /// The spend policy file (`airsign policy show --default` prints the built-in one to start
    /// from). Without it the built-in strict policy applies, tuned by the flags below.
    #[arg(long, value_name = "POLICY.json")]
    pub policy: Option<PathBuf>,
    /// An approval from `airsign approve` (repeatable): a rule with `approvals` counts those
    /// that verify for exactly this transaction and policy.
    #[arg(long = "approval", value_name = "FILE")]
    pub approvals: Vec<PathBuf>,
    /// The audit log every decision is appended to (signed, refused, declined), hash-chained and
    /// MAC'd with a key from the seed. Default: the seed file's path + `.audit.jsonl`. Signing
    /// stops (exit 4) if the log does not verify.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Sign even if some inputs belong to someone else (coinjoin, payjoin).
    #[arg(long, conflicts_with = "policy")]
    pub allow_foreign_inputs: bool,
    /// Sign a spend through a wallet's timelocked recovery path (Liana's shape). Without it such a
    /// spend is refused (`recovery-path`): recovering is deliberate, never a side effect of a
    /// bundle. A written policy allows it with "allow": ["recovery-path"].
    #[arg(long, conflicts_with = "policy")]
    pub recovery: bool,
    /// Refuse if the fee is above this many sats.
    #[arg(long, default_value_t = crate::policy::limits::DEFAULT_MAX_FEE_SATS, conflicts_with = "policy")]
    pub max_fee: u64,
    /// Refuse if the fee rate is above this many sat/vB.
    #[arg(long, default_value_t = crate::policy::limits::DEFAULT_MAX_FEE_RATE, conflicts_with = "policy")]
    pub max_fee_rate: f64,
    /// Refuse if the fee is above this percentage of the amount sent.
    #[arg(long, default_value_t = crate::policy::limits::DEFAULT_MAX_FEE_PERCENT, conflicts_with = "policy")]
    pub max_fee_percent: f64,
    /// BIP340 signatures without auxiliary randomness (reproducible tests).
    #[arg(long)]
    pub deterministic: bool,
    /// Output encoding.
    #[arg(long, value_enum, default_value = "binary")]
    pub encoding: Encoding,
    /// Print the review and result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `demo`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  airsign demo
  airsign demo --no-qr --dir demo-files --json")]
pub struct DemoArgs {
    /// Folder for the demo's files (default: a fresh temporary folder).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Cross the gap with files instead of QR frames.
    #[arg(long)]
    pub no_qr: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}
