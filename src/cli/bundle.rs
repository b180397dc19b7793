//! `bundle` subcommand types.
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::qr::{QrOut, ScanIn};
use super::{NetworkArg, PsbtEncodingArg, PsbtVersionArg};

/// Bundle (PSBT) commands, online side.
#[derive(Debug, Subcommand)]
pub enum BundleCmd {
    /// Build an unsigned PSBT from a descriptor (or wallet file), UTXOs and previous transactions.
    Create(CreateArgs),
    /// Take a PSBT made by another wallet (binary, base64 or hex; v0 or v2), validate and review it.
    Import(InspectArgs),
    /// Review a PSBT: inputs, outputs (change or not, and why), fee, signatures, bundle id.
    Inspect(InspectArgs),
    /// Finalize a signed PSBT, check every input's script, and print the raw transaction hex.
    Finalize(FinalizeArgs),
}

/// The watch-only wallet, for create and for reviews that recognise change.
#[derive(Debug, Args)]
pub struct WalletArgs {
    /// Public output descriptor: multipath /<0;1>/* or a receive descriptor ending in /0/*.
    /// Nothing records which change index `bundle create` used with it: prefer --wallet.
    #[arg(long, conflicts_with = "wallet")]
    pub descriptor: Option<String>,
    /// Watch-only wallet file (`airsign wallet create`); `bundle create` takes its next change
    /// index and records the one used.
    #[arg(long)]
    pub wallet: Option<PathBuf>,
    /// Network: for --descriptor (default bitcoin; a wallet file records its own). `bundle
    /// inspect` without it infers the network from the PSBT (xpubs, coin types) and says so.
    #[arg(long, value_enum)]
    pub network: Option<NetworkArg>,
}

/// `bundle create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Wallet.
    #[command(flatten)]
    pub wallet: WalletArgs,
    /// UTXO snapshot: Bitcoin Core `listunspent` JSON or Esplora `/utxo` JSON.
    #[arg(long)]
    pub utxos: PathBuf,
    /// Previous transactions as raw hex: a file with one per line, or a folder of files.
    #[arg(long)]
    pub prev_txs: PathBuf,
    /// Pay ADDR:AMOUNT (sats, or with a btc suffix: bc1q…:0.001btc); repeatable.
    #[arg(long = "to", value_name = "ADDR:AMOUNT")]
    pub to: Vec<String>,
    /// Send everything to ADDR (no change).
    #[arg(long, value_name = "ADDR", conflicts_with = "to")]
    pub send_all: Option<String>,
    /// Fee rate in sat/vB.
    #[arg(long)]
    pub fee_rate: f64,
    /// Change address index (default: the wallet file's next change index, or past any change
    /// being spent). With --wallet, the file's next index moves past it.
    #[arg(long)]
    pub change_index: Option<u32>,
    /// Current block height, for anti-fee-sniping locktime.
    #[arg(long)]
    pub height: Option<u32>,
    /// Output PSBT file (`-` for stdout); optional with --qr.
    #[arg(long, short, required_unless_present = "qr")]
    pub out: Option<PathBuf>,
    /// QR output of the unsigned PSBT.
    #[command(flatten)]
    pub qr: QrOut,
    /// Output encoding.
    #[arg(long, value_enum, default_value = "binary")]
    pub encoding: PsbtEncodingArg,
    /// Print the review as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `bundle inspect` / `bundle import`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// PSBT file, or `-` for stdin; or use --scan.
    #[arg(required_unless_present = "scan")]
    pub file: Option<PathBuf>,
    /// QR input.
    #[command(flatten)]
    pub scan: ScanIn,
    /// Wallet whose inputs and change to recognise (optional).
    #[command(flatten)]
    pub wallet: WalletArgs,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `bundle finalize`.
#[derive(Debug, Args)]
pub struct FinalizeArgs {
    /// Signed PSBT file, or `-`; or use --scan.
    #[arg(required_unless_present = "scan")]
    pub file: Option<PathBuf>,
    /// QR input.
    #[command(flatten)]
    pub scan: ScanIn,
    /// QR output of the final transaction (BBQr `T` or UR `bytes`).
    #[command(flatten)]
    pub qr: QrOut,
    /// Print (or write with -o) the raw transaction hex.
    #[arg(long)]
    pub extract: bool,
    /// Write the finalized PSBT (or with --extract, the transaction hex) here.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// PSBT version on output.
    #[arg(long, value_enum, default_value = "same")]
    pub psbt_version: PsbtVersionArg,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}
