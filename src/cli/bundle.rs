//! `bundle` subcommand types.
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::qr::{QrOut, ScanIn};
use super::PsbtVersionArg;
use crate::bundle::Encoding;

/// Bundle (PSBT) commands, online side.
#[derive(Debug, Subcommand)]
#[command(after_help = "\
Examples:
  airsign bundle create --wallet savings.json --utxos utxos.json --prev-txs prev-txs.hex \\
      --to ADDR:AMOUNT --fee-rate 5 -o unsigned.psbt
  airsign bundle inspect unsigned.psbt
  airsign bundle finalize signed.psbt")]
pub enum BundleCmd {
    /// Build an unsigned PSBT from a descriptor (or wallet file), UTXOs and previous transactions.
    #[command(after_help = "\
Examples:
  airsign bundle create --wallet savings.json --utxos utxos.json --prev-txs prev-txs.hex \\
      --to bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu:50000 --fee-rate 5 -o unsigned.psbt
  airsign bundle create --wallet savings.json --utxos utxos.json --prev-txs prev-txs.hex \\
      --send-all bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu --fee-rate 2.5 --qr gif:unsigned.gif
  airsign bundle create --descriptor 'wpkh([73c5da0a/84h/0h/0h]xpub…/<0;1>/*)' \\
      --utxos utxos.json --prev-txs prev-txs.hex --to ADDR:0.001btc --fee-rate 5 \\
      --policy policy.json -o unsigned.psbt")]
    Create(CreateArgs),
    /// The on-ramp for PSBTs from Sparrow, Bitcoin Core, Electrum and other wallets: read one
    /// (binary, base64 or hex; v0 or v2; file, stdin or --scan), check it and print the review,
    /// then write it normalised (-o, PSBT v0 binary by default) and/or show it as QR (--qr) for
    /// the offline signer. Nothing is written when the review finds a problem.
    #[command(after_help = "\
Examples:
  airsign bundle import sparrow.psbt --wallet savings.json -o unsigned.psbt
  airsign bundle import --scan gif:sparrow.gif --wallet savings.json --qr terminal")]
    Import(ImportArgs),
    /// Review a PSBT: inputs, outputs (change or not, and why), fee, signatures, bundle id.
    #[command(after_help = "\
Examples:
  airsign bundle inspect unsigned.psbt
  airsign bundle inspect --wallet savings.json --json signed.psbt
  airsign bundle inspect --scan dir:frames/")]
    Inspect(InspectArgs),
    /// Finalize a signed PSBT, check every input's script, print the bundle id and txid, print the
    /// raw transaction hex on stdout (or write it with --extract -o FILE) and how to broadcast it.
    #[command(after_help = "\
Examples:
  airsign bundle finalize signed.psbt
  airsign bundle finalize signed.psbt --extract -o tx.hex
  airsign bundle finalize --scan gif:signed.gif --json")]
    Finalize(FinalizeArgs),
    /// Merge the signatures of PSBTs signed in parallel from the same unsigned bundle (each
    /// cosigner signed its own copy). PSBTs of different transactions are refused (exit 3).
    ///
    #[command(
        verbatim_doc_comment,
        after_help = "\
Examples:
  airsign bundle combine alice-signed.psbt carol-signed.psbt -o signed.psbt
  airsign bundle combine a.psbt b.psbt c.psbt --encoding base64 -o -"
    )]
    Combine(CombineArgs),
    /// Send a final transaction to the network through an Esplora server (online side)
    ///
    /// FILE is the raw transaction hex that `bundle finalize --extract -o` writes, or a finalized
    /// PSBT (its inputs are checked by the script interpreter first). A PSBT or transaction with
    /// an input still unsigned is refused (exit 2) before anything is sent. The hex is POSTed to
    /// the server's /tx; the txid it answers must be the transaction's own (else exit 4).
    #[command(
        verbatim_doc_comment,
        after_help = "\
Examples:
  airsign bundle finalize signed.psbt --extract -o tx.hex
  airsign bundle broadcast tx.hex --esplora https://mempool.space/api
  airsign bundle broadcast final.psbt --esplora http://127.0.0.1:3002 --json"
    )]
    Broadcast(BroadcastArgs),
}

/// `bundle broadcast`.
#[derive(Debug, Args)]
pub struct BroadcastArgs {
    /// Raw transaction (hex or binary) or finalized PSBT; `-` for stdin.
    pub file: PathBuf,
    /// Esplora API base URL, with or without /api (https://mempool.space/api; plain http://
    /// only to 127.0.0.1, ::1 or localhost).
    #[arg(long, value_name = "URL")]
    pub esplora: String,
    /// Print the txid and server as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `bundle combine`.
#[derive(Debug, Args)]
pub struct CombineArgs {
    /// Two or more signed PSBT files (binary, base64 or hex).
    #[arg(required = true, num_args = 2..)]
    pub files: Vec<PathBuf>,
    /// The combined PSBT (`-` for stdout).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Encoding of the output.
    #[arg(long, value_enum, default_value = "binary")]
    pub encoding: crate::bundle::Encoding,
    /// Replace the output file if it already exists.
    #[arg(long)]
    pub force: bool,
    /// Print a summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// The watch-only wallet, for create and for reviews that recognise change.
#[derive(Debug, Args)]
pub struct WalletArgs {
    /// Public output descriptor: multipath /<0;1>/* or a receive descriptor ending in /0/*.
    /// Nothing records which change index `bundle create` used with it: prefer --wallet.
    /// SLIP-132 keys (zpub, vpub, …) are read as the xpub/tpub they encode.
    #[arg(long, conflicts_with = "wallet")]
    pub descriptor: Option<String>,
    /// Watch-only wallet file (`airsign wallet create`); `bundle create` takes its next change
    /// index and records the one used.
    #[arg(long)]
    pub wallet: Option<PathBuf>,
    /// Network: for --descriptor (default bitcoin; tpub/vpub keys need testnet, testnet4,
    /// signet or regtest; a wallet file records its own). `bundle inspect` without it infers
    /// the network from the PSBT (xpubs, coin types) and says so.
    #[arg(long, value_parser = super::network_parser())]
    pub network: Option<bitcoin::Network>,
}

/// `bundle create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Wallet.
    #[command(flatten)]
    pub wallet: WalletArgs,
    /// UTXO snapshot, auto-detected: Bitcoin Core `listunspent` (plain or the JSON-RPC reply
    /// `{"result": […]}`), Esplora `/address/ADDR/utxo`, or Electrum `listunspent` JSON.
    #[arg(long)]
    pub utxos: PathBuf,
    /// Previous transactions as raw hex: a file with one per line, or a folder of files (from
    /// `bitcoin-cli getrawtransaction TXID` or an Esplora server's `/tx/TXID/hex`).
    #[arg(long)]
    pub prev_txs: PathBuf,
    /// Pay ADDR:AMOUNT (sats, or with a btc suffix: bc1q…:0.001btc); repeatable.
    #[arg(long = "to", value_name = "ADDR:AMOUNT")]
    pub to: Vec<String>,
    /// Send everything to ADDR (no change).
    #[arg(long, value_name = "ADDR", conflicts_with = "to")]
    pub send_all: Option<String>,
    /// Fee rate in sat/vB, fractions allowed (0.1 to 10000; 0.1 is Bitcoin Core 30's minimum
    /// relay fee). The fee is rounded up, so the real rate is never below this.
    #[arg(long, value_parser = fee_rate, value_name = "SAT/VB")]
    pub fee_rate: f64,
    /// Change address index (default: the wallet file's next change index, or past any change
    /// being spent). With --wallet, the file's next index moves past it. At most 1,000: the
    /// signer does not believe change beyond that (no wallet scans so far).
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=1000))]
    pub change_index: Option<u32>,
    /// Current block height, for anti-fee-sniping locktime (as Bitcoin Core: this height, now
    /// and then up to 99 blocks back).
    #[arg(long, value_name = "HEIGHT")]
    pub height: Option<u32>,
    /// Exact nLockTime, a block height (no jitter): the network will not confirm the transaction
    /// before this block. A policy delay in blocks names the locktime it needs: rebuild the
    /// pending payment with the same --utxos, --to, --fee-rate and --change-index and this
    /// locktime. Inputs always signal RBF, so the locktime is enforced.
    #[arg(long, value_name = "HEIGHT", conflicts_with = "height", value_parser = clap::value_parser!(u32).range(0..500_000_000))]
    pub locktime: Option<u32>,
    /// Spending path of a wallet with a timelocked recovery branch (`older(N)`): `recovery`
    /// sets every input's nSequence to the wallet's longest relative timelock, so the recovery
    /// keys can sign once the coins are that old; `primary` (default) leaves it unlocked.
    #[arg(long, value_enum, default_value = "primary")]
    pub path: SpendPath,
    /// Output PSBT file (`-` for stdout); optional with --qr.
    #[arg(long, short, required_unless_present = "qr")]
    pub out: Option<PathBuf>,
    /// Replace the output file if it already exists (never a FIFO, device or the seed file).
    #[arg(long)]
    pub force: bool,
    /// QR output of the unsigned PSBT.
    #[command(flatten)]
    pub qr: QrOut,
    /// Output encoding.
    #[arg(long, value_enum, default_value = "binary")]
    pub encoding: Encoding,
    /// Check the bundle against the signer's policy file before it is shown: a bundle the
    /// signer would refuse is reported here (the signer still decides).
    #[arg(long, value_name = "POLICY.json")]
    pub policy: Option<PathBuf>,
    /// Print the review as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `bundle inspect`.
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

/// `bundle import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The PSBT from the other wallet (`-` for stdin); or use --scan.
    #[arg(required_unless_present = "scan")]
    pub file: Option<PathBuf>,
    /// QR input.
    #[command(flatten)]
    pub scan: ScanIn,
    /// Wallet whose inputs and change to recognise (optional; without it outputs are shown as
    /// external).
    #[command(flatten)]
    pub wallet: WalletArgs,
    /// Where to write the normalised PSBT (`-` for stdout); optional with --qr.
    #[arg(long, short, required_unless_present = "qr")]
    pub out: Option<PathBuf>,
    /// Output encoding.
    #[arg(long, value_enum, default_value = "binary")]
    pub encoding: Encoding,
    /// PSBT version on output (v0 is what every signer reads).
    #[arg(long, value_enum, default_value = "v0")]
    pub psbt_version: PsbtVersionArg,
    /// Replace the output file if it already exists.
    #[arg(long)]
    pub force: bool,
    /// QR output of the normalised PSBT.
    #[command(flatten)]
    pub qr: QrOut,
    /// Print the result and review as JSON.
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
    /// With -o: write the raw transaction hex to that file instead of the finalized PSBT (then
    /// stdout stays empty). Without -o the hex is printed on stdout either way.
    #[arg(long)]
    pub extract: bool,
    /// Write the finalized PSBT here (with --extract: the raw transaction hex); the hex is still
    /// printed on stdout unless it went to this file or this is `-`.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// PSBT version on output.
    #[arg(long, value_enum, default_value = "same")]
    pub psbt_version: PsbtVersionArg,
    /// Replace the output file if it already exists (never a FIFO, device or the seed file).
    #[arg(long)]
    pub force: bool,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `--fee-rate`: a number of sat/vB from 0.1 to 10000.
fn fee_rate(s: &str) -> Result<f64, String> {
    let r: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("not a number of sat/vB: {s:?}"))?;
    if !(r.is_finite() && (0.1..=10_000.0).contains(&r)) {
        return Err(format!(
            "{r} sat/vB is outside 0.1..=10000 (0.1 sat/vB is the lowest rate Bitcoin Core 30 relays)"
        ));
    }
    Ok(r)
}

/// `bundle create --path`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SpendPath {
    /// The wallet's primary keys, no relative timelock.
    Primary,
    /// The timelocked recovery branch.
    Recovery,
}
