//! `address` subcommand types (offline side).
use clap::{Args, Subcommand};

use super::SeedUnlock;

/// Address commands.
#[derive(Debug, Subcommand)]
#[command(after_help = "\
Examples:
  airsign address verify --seed seed.age bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu")]
pub enum AddressCmd {
    /// Check that an address belongs to the seed, and print its path and script type.
    ///
    /// Searches the standard single-sig accounts (BIP44 pkh, BIP49 sh-wpkh, BIP84 wpkh, BIP86
    /// tr) on the seed's network, receive (/0/i) and change (/1/i) branches, i below --gap.
    /// Use it to confirm, on the offline machine, a receive address the online side showed.
    ///
    ///   airsign address verify --seed seed.age bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu
    ///   found: bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu is m/84'/0'/0'/0/0 (wpkh, receive, index 0) of seed 73c5da0a
    ///
    /// Exit codes: 0 found; 3 not found (the address is not this seed's within the search;
    /// the message says what was searched); 1 unreadable or wrong-network address or seed
    /// file; 5 seed passphrase wrong or unavailable.
    #[command(
        verbatim_doc_comment,
        after_help = "\
Examples:
  airsign address verify --seed seed.age bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu
  airsign address verify --seed seed.age --script wpkh --gap 5000 --json \\
      bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"
    )]
    Verify(AddressVerifyArgs),
}

/// Single-sig script types searched by `address verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SingleSigArg {
    /// P2PKH, BIP44.
    Pkh,
    /// P2SH-P2WPKH, BIP49.
    ShWpkh,
    /// P2WPKH, BIP84.
    Wpkh,
    /// P2TR key path, BIP86.
    Tr,
}

/// `address verify`.
#[derive(Debug, Args)]
pub struct AddressVerifyArgs {
    /// Unlock options.
    #[command(flatten)]
    pub unlock: SeedUnlock,
    /// The address to check.
    pub address: String,
    /// Search only this script type (default: whichever the address's kind allows).
    #[arg(long, value_enum)]
    pub script: Option<SingleSigArg>,
    /// Account number (hardened, below 2^31).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..(1 << 31)))]
    pub account: u32,
    /// Addresses searched per branch (indexes 0..N-1 on receive and on change).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub gap: u32,
    /// Print the result as JSON on stdout (also when not found, before the error).
    #[arg(long)]
    pub json: bool,
}
