//! `seed` subcommand types.
use std::path::PathBuf;

use clap::{Args, Subcommand};

/// Seed file commands.
#[derive(Debug, Subcommand)]
#[command(after_help = "\
Examples:
  airsign seed new --out seed.age
  airsign seed info --seed seed.age
  airsign seed verify-backup --seed seed.age --positions random:5")]
pub enum SeedCmd {
    /// Make a new BIP39 mnemonic from the OS RNG (optionally mixed with die rolls), show it once
    /// on the terminal, check the backup, and write the encrypted seed file.
    #[command(after_help = "\
Examples:
  airsign seed new --out seed.age
  airsign seed new --words 12 --network testnet --out test-seed.age
  airsign seed new --dice --out seed.age          # mix 99 die rolls into the OS entropy
  # encrypted to an age key instead of a passphrase
  airsign seed new --recipient age1… --out seed.age")]
    New(SeedNewArgs),
    /// Import an existing mnemonic typed without echo (or from --mnemonic-fd) into a seed file.
    #[command(after_help = "\
Examples:
  airsign seed import --out seed.age
  airsign seed import --network signet --mnemonic-fd 3 --passphrase-fd 4 --out seed.age \\
      3<words 4<pass")]
    Import(SeedImportArgs),
    /// Show the fingerprint, network, word count and creation time of a seed file.
    #[command(after_help = "\
Examples:
  airsign seed info --seed seed.age
  airsign seed info --seed seed.age --bip39-passphrase --json")]
    Info(SeedInfoArgs),
    /// Check a paper backup against the seed file: type the words back (all, or some positions)
    /// and learn which positions are wrong, never which word is right.
    #[command(after_long_help = VERIFY_BACKUP_HELP)]
    VerifyBackup(SeedVerifyBackupArgs),
}

const VERIFY_BACKUP_HELP: &str = "\
Each word is typed without echo. A word may be typed whole or by its first four
letters (or more): the first four letters of every word in the BIP39 English
list are unique, which is why steel backups often keep only four. Case and
spaces are ignored.

The answer names only the positions that did not match: neither the seed's word
nor what was typed is ever printed. Exit 0: every word asked matched; exit 3:
some did not (the positions are listed); exit 5: the seed file did not open.

With --words-fd, the descriptor holds the words, one per line or all on one
line: either one per position asked, in order, or the whole mnemonic (then only
the positions asked are compared). With random:N the positions are printed on
stderr (and in --json) before the descriptor is read.

Examples:
  # the whole backup, typed on the terminal
  airsign seed verify-backup --seed seed.age

  # five random words, e.g. once a year
  airsign seed verify-backup --seed seed.age --positions random:5

  # a script answering positions 3, 7 and 12 from descriptor 4
  airsign seed verify-backup --seed seed.age --passphrase-fd 3 --positions 3,7,12 \\
      --words-fd 4 --json 3<passfile 4<words";

/// How the new file is protected.
#[derive(Debug, Args)]
pub struct SeedWrite {
    /// Where to write the age-encrypted seed file (must not exist unless --force).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Network the seed is for; recorded in the file.
    #[arg(long, value_parser = super::network_parser(), default_value = "bitcoin")]
    pub network: bitcoin::Network,
    /// Encrypt to this age recipient (age1…) instead of a passphrase; repeatable.
    #[arg(long = "recipient", value_name = "AGE1…")]
    pub recipients: Vec<String>,
    /// Encrypt to the recipients listed in this file (one per line).
    #[arg(long, value_name = "FILE")]
    pub recipients_file: Option<PathBuf>,
    /// Read the file passphrase from this descriptor instead of the terminal.
    #[arg(long, value_name = "N")]
    pub passphrase_fd: Option<i32>,
    /// scrypt work factor (log2 N) for tests and fixtures only; the default is age's own.
    #[arg(long, value_name = "LOG_N", hide = true, value_parser = clap::value_parser!(u8).range(1..=30))]
    pub kdf_work_factor: Option<u8>,
    /// Overwrite an existing file — never an age-encrypted one: an old seed file is only ever
    /// removed by you, deliberately.
    #[arg(long)]
    pub force: bool,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `seed new`.
#[derive(Debug, Args)]
pub struct SeedNewArgs {
    /// Refuse unless this machine passes `airsign airgap check`.
    #[command(flatten)]
    pub airgap: crate::cli::ceremony::RequireAirgap,
    /// Number of words.
    #[arg(long, default_value = "24", value_parser = ["12", "24"])]
    pub words: String,
    /// Mix die rolls (typed without echo) into the OS entropy. The rolls are checked for
    /// obvious bias (chi-square test of the faces, long runs of one face, at p < 0.01) and a
    /// warning names the statistic; rolls never replace the OS entropy, so a biased die cannot
    /// weaken the seed.
    #[arg(long)]
    pub dice: bool,
    /// Read the die rolls from this descriptor.
    #[arg(long, value_name = "N", requires = "dice")]
    pub dice_fd: Option<i32>,
    /// Read the backup-check answers from this descriptor (scripted ceremonies).
    #[arg(long, value_name = "N", hide = true)]
    pub backup_check_fd: Option<i32>,
    /// Output options.
    #[command(flatten)]
    pub write: SeedWrite,
}

/// `seed import`.
#[derive(Debug, Args)]
pub struct SeedImportArgs {
    /// Read the mnemonic words from this descriptor instead of the terminal.
    #[arg(long, value_name = "N")]
    pub mnemonic_fd: Option<i32>,
    /// Output options.
    #[command(flatten)]
    pub write: SeedWrite,
}

/// How to open an existing seed file.
#[derive(Debug, Args)]
pub struct SeedUnlock {
    /// The age-encrypted seed file.
    #[arg(long)]
    pub seed: PathBuf,
    /// Read the file passphrase from this descriptor instead of the terminal.
    #[arg(long, value_name = "N")]
    pub passphrase_fd: Option<i32>,
    /// Open a recipient-encrypted seed file with this age identity file.
    #[arg(long, value_name = "FILE")]
    pub identity: Option<PathBuf>,
    /// Ask for the BIP39 passphrase (the "25th word") on the terminal.
    #[arg(long)]
    pub bip39_passphrase: bool,
    /// Read the BIP39 passphrase from this descriptor.
    #[arg(long, value_name = "N")]
    pub bip39_passphrase_fd: Option<i32>,
}

/// `seed verify-backup`.
#[derive(Debug, Args)]
pub struct SeedVerifyBackupArgs {
    /// Unlock options.
    #[command(flatten)]
    pub unlock: SeedUnlock,
    /// Which words to ask: all, random:N (N positions from the OS random number generator) or a
    /// list such as 3,7,12.
    #[arg(long, default_value = "all", value_name = "all|random:N|LIST")]
    pub positions: crate::secrets::backup::Positions,
    /// Read the words from this descriptor instead of the terminal.
    #[arg(long, value_name = "N")]
    pub words_fd: Option<i32>,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `seed info`.
#[derive(Debug, Args)]
pub struct SeedInfoArgs {
    /// Unlock options.
    #[command(flatten)]
    pub unlock: SeedUnlock,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}
