//! `seed` subcommand types.
use std::path::PathBuf;

use clap::{Args, Subcommand};

/// Seed file commands.
#[derive(Debug, Subcommand)]
pub enum SeedCmd {
    /// Make a new BIP39 mnemonic from the OS RNG (optionally mixed with die rolls), show it once
    /// on the terminal, check the backup, and write the encrypted seed file.
    New(SeedNewArgs),
    /// Import an existing mnemonic typed without echo (or from --mnemonic-fd) into a seed file.
    Import(SeedImportArgs),
    /// Show the fingerprint, network, word count and creation time of a seed file.
    Info(SeedInfoArgs),
}

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
    /// Mix die rolls (typed without echo) into the OS entropy.
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
