//! `sign` and `demo` argument types.
use std::path::PathBuf;

use clap::Args;

use super::{PsbtEncodingArg, SeedUnlock};

/// `sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// Unlock options.
    #[command(flatten)]
    pub unlock: SeedUnlock,
    /// The unsigned PSBT (`-` for stdin).
    pub input: PathBuf,
    /// Where to write the signed PSBT (`-` for stdout).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Do not ask for confirmation (scripted ceremonies; the review is still printed).
    #[arg(long)]
    pub yes: bool,
    /// Sign even if some inputs belong to someone else (coinjoin, payjoin).
    #[arg(long)]
    pub allow_foreign_inputs: bool,
    /// Refuse if the fee is above this many sats.
    #[arg(long, default_value_t = 1_000_000)]
    pub max_fee: u64,
    /// BIP340 signatures without auxiliary randomness (reproducible tests).
    #[arg(long)]
    pub deterministic: bool,
    /// Output encoding.
    #[arg(long, value_enum, default_value = "binary")]
    pub encoding: PsbtEncodingArg,
    /// Print the review and result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo's files (default: a fresh temporary folder).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}
