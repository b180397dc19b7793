//! `message` subcommand types: sign and verify messages (BIP322 and legacy BIP137).
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::qr::ScanIn;
use super::SeedUnlock;

/// Message commands.
#[derive(Debug, Subcommand)]
#[command(after_help = "Examples:\n  \
    airsign message sign --seed seed.age --path m/84h/1h/0h/0/0 'I control this address'\n  \
    airsign message verify ADDRESS SIGNATURE 'I control this address'")]
pub enum MessageCmd {
    /// Sign a message with a key of the seed (offline side): review the address, path, format
    /// and the whole message, confirm, sign, verify, record in the audit log.
    ///
    /// The key is named by --path (m/84h/0h/0h/0/0; 44/49/84/86 give P2PKH, P2SH-P2WPKH, P2WPKH,
    /// P2TR) or by --address (the seed's accounts are searched, as `address verify` does). The
    /// message is the argument, a file (--file), or a SeedSigner/Jade `signmessage PATH
    /// ascii:TEXT` request (--scan from QR, or --request FILE). Default format: legacy for
    /// P2PKH, BIP322 simple otherwise. The signature is printed on stdout (base64), or the
    /// Coldcard armored block with --armor.
    #[command(
        after_help = "Examples:\n  airsign message sign --seed seed.age --path m/84h/0h/0h/0/0 'I own this address'"
    )]
    Sign(MessageSignArgs),
    /// Verify a message signature (legacy BIP137 with any header 27–42, BIP322 simple or full)
    /// against an address. Exit 0 valid, 3 invalid (with why), 1 unreadable input.
    #[command(
        after_help = "Examples:\n  airsign message verify bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu 'J1ON…=' 'I own this address'"
    )]
    Verify(MessageVerifyArgs),
}

/// Signature formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// BIP137 / Bitcoin Core `signmessage` (header per address type; not for taproot).
    Legacy,
    /// BIP322 simple (the witness; not for P2PKH).
    Simple,
    /// BIP322 full (the whole virtual transaction, `ful` prefix).
    Full,
}

/// `message sign`.
#[derive(Debug, Args)]
pub struct MessageSignArgs {
    /// Unlock options.
    #[command(flatten)]
    pub unlock: SeedUnlock,
    /// The key's path from the master, e.g. m/84h/0h/0h/0/0 (`h` or `'` for hardened).
    #[arg(long, value_name = "PATH", conflicts_with = "address")]
    pub path: Option<String>,
    /// The address to sign with: found among the seed's single-sig accounts (account 0, receive
    /// and change, indexes below --gap).
    #[arg(long, value_name = "ADDRESS")]
    pub address: Option<String>,
    /// Addresses searched per branch with --address.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub gap: u32,
    /// The message text (or --file, --scan, --request).
    #[arg(conflicts_with_all = ["file", "scan", "request"], required_unless_present_any = ["file", "scan", "request"])]
    pub message: Option<String>,
    /// Sign the bytes of this file (`-` for stdin).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["scan", "request"])]
    pub file: Option<PathBuf>,
    /// A `signmessage PATH ascii:TEXT` request (SeedSigner, Jade) in a text file.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["scan", "path", "address"])]
    pub request: Option<PathBuf>,
    /// QR input: a `signmessage` request (or plain text, with --path or --address).
    #[command(flatten)]
    pub scan: ScanIn,
    /// Signature format (default: legacy for P2PKH, simple otherwise).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Output the armored block (message, address, signature) Coldcard writes.
    #[arg(long)]
    pub armor: bool,
    /// Also write the signature (or the armored block) to this file.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
    /// Also show the signature (or armored block) as one plain-text QR code, as SeedSigner and
    /// Jade show it: `terminal`, `png:DIR`, `gif:FILE`, `html:FILE` or `text:FILE` (repeatable).
    #[arg(long = "qr", value_name = "WHERE")]
    pub qr: Vec<String>,
    /// The audit log the signature is recorded in (default: SEED.audit.jsonl beside the seed).
    #[arg(long, value_name = "LOG.jsonl")]
    pub log: Option<PathBuf>,
    /// Do not ask for confirmation (the review is still printed).
    #[arg(long)]
    pub yes: bool,
    /// Print address, path, format, message (escaped) and signature as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `message verify`.
#[derive(Debug, Args)]
pub struct MessageVerifyArgs {
    /// The address that signed.
    #[arg(required_unless_present = "armored", conflicts_with = "armored")]
    pub address: Option<String>,
    /// The signature (base64; BIP322 may carry an `smp`/`ful` prefix).
    #[arg(required_unless_present = "armored", conflicts_with = "armored")]
    pub signature: Option<String>,
    /// The message text (or --file).
    #[arg(conflicts_with_all = ["file", "armored"], required_unless_present_any = ["file", "armored"])]
    pub message: Option<String>,
    /// The message is the bytes of this file (`-` for stdin).
    #[arg(long, value_name = "FILE", conflicts_with = "armored")]
    pub file: Option<PathBuf>,
    /// An armored block (`-----BEGIN BITCOIN SIGNED MESSAGE-----` …) holding message, address
    /// and signature, as Coldcard, Electrum and `message sign --armor` write it.
    #[arg(long, value_name = "FILE")]
    pub armored: Option<PathBuf>,
    /// Print the result as JSON on stdout (also when invalid, before the exit code 3).
    #[arg(long)]
    pub json: bool,
}
