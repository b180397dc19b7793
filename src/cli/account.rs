//! `account` subcommand types.
use clap::{Args, Subcommand};

use super::qr::QrOut;
use super::SeedUnlock;
use crate::wallet::ScriptType;

/// Account commands.
#[derive(Debug, Subcommand)]
#[command(after_help = "\
Examples:
  airsign account export --seed seed.age --script wpkh")]
pub enum AccountCmd {
    /// Print the descriptors (receive /0/*, change /1/*, multipath /<0;1>/*) with key origin and
    /// checksum, the account xpub and the first address. These import unchanged into Bitcoin Core
    /// (importdescriptors) and Sparrow. For wsh-multi/sh-wsh-multi, prints the BIP48 cosigner key.
    #[command(after_help = "\
Examples:
  airsign account export --seed seed.age --script wpkh
  airsign account export --seed seed.age --script tr --json > account.json
  airsign account export --seed seed.age --script wsh-multi --bsms > alice.bsms
  airsign account export --seed seed.age --script wpkh --qr gif:account.gif")]
    Export(AccountExportArgs),
}

/// `account export`.
#[derive(Debug, Args)]
pub struct AccountExportArgs {
    /// Unlock options.
    #[command(flatten)]
    pub unlock: SeedUnlock,
    /// Script type.
    #[arg(long, value_enum)]
    pub script: ScriptType,
    /// Account number (hardened, below 2^31).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..(1 << 31)))]
    pub account: u32,
    /// QR output: by default `ur:crypto-account` (Sparrow, Keystone, SeedSigner, BlueWallet read
    /// it); `--ur-type crypto-output` for one descriptor; `--format bbqr` sends descriptor text.
    #[command(flatten)]
    pub qr: QrOut,
    /// Print a BSMS (BIP129) round 1 key record instead: `BSMS 1.0`, the token, the key with its
    /// origin, a description, and a legacy signature by the key itself. For the coordinator's
    /// `wallet create --multisig M --cosigner FILE`.
    #[arg(long)]
    pub bsms: bool,
    /// With --bsms: the session token the coordinator gave (hex or decimal) in a file; the
    /// record is then encrypted (hex, a .dat file). Without it the token is 00.
    #[arg(long, value_name = "FILE", requires = "bsms")]
    pub token_file: Option<std::path::PathBuf>,
    /// With --bsms: the description line (at most 80 characters; default names the
    /// fingerprint, script and account).
    #[arg(long, value_name = "TEXT", requires = "bsms")]
    pub description: Option<String>,
    /// Replace existing output files (never a FIFO, a device, a folder or the seed file).
    #[arg(long)]
    pub force: bool,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}
