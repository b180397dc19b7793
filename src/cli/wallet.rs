//! `wallet` subcommand types (online side, watch-only).
use std::path::PathBuf;

use clap::{ArgGroup, Args, Subcommand};

/// Watch-only wallet commands.
#[derive(Debug, Subcommand)]
pub enum WalletCmd {
    /// Write a watch-only wallet file from a public descriptor or an account export
    ///
    /// The file (JSON, docs/formats.md) records the receive and change descriptors with key
    /// origins and checksums, the next unused receive and change index, the gap limit, and a
    /// short wallet id (bytewords of a hash of the descriptor). Compare the id on every machine
    /// that holds the wallet: the same id means the same descriptor.
    ///
    ///   airsign account export --script wpkh --seed seed.age --json > account.json   (offline)
    ///   airsign wallet create --from account.json -o savings.json                    (online)
    #[command(verbatim_doc_comment)]
    Create(WalletCreateArgs),
    /// List addresses with their index and full derivation path (nothing is recorded).
    Addresses(WalletAddressesArgs),
    /// Hand out the next unused receive address and record it in the file, so no later run
    /// gives it out again.
    Receive(WalletReceiveArgs),
    /// Fetch the wallet's coins and history from an Esplora server (online side)
    ///
    /// Scans both branches from index 0 until gap-limit addresses in a row have no history (and
    /// never before the file's next index), fetches every unspent output and its previous
    /// transaction, and checks each: it must hash to its txid and pay the listed amount to the
    /// address it was listed under. A server caught lying is refused (exit 4) and nothing is
    /// written. Then writes, into --out-dir:
    ///
    ///   utxos.json     unspent outputs, Esplora's shape    (bundle create --utxos)
    ///   prev-txs.hex   their previous transactions          (bundle create --prev-txs)
    ///   history.json   the wallet's transactions           (log reconcile --txs)
    ///
    /// and moves the wallet file's next receive/change index past the last used address (never
    /// back). The server learns every address of the wallet: use your own electrs if that matters.
    ///
    ///   airsign wallet sync savings.json --esplora https://mempool.space/api
    ///   airsign bundle create --wallet savings.json --utxos utxos.json \
    ///       --prev-txs prev-txs.hex --to ADDR:AMOUNT --fee-rate 5 -o unsigned.psbt
    ///
    /// Machines that never go online keep using snapshot files (bundle create --utxos).
    #[command(verbatim_doc_comment)]
    Sync(WalletSyncArgs),
    /// Register a multisig or script wallet on this signer (offline)
    ///
    /// Checks that this seed holds exactly the key(s) the wallet names (same fingerprint, and the
    /// xpub the seed derives at that path), shows every cosigner and the first receive address
    /// with the wallet id for the people to compare across laptops, and after `yes` stores the
    /// registration beside the seed (SEED.wallets.json), MAC'd with a key from the seed. `sign`
    /// then signs multisig and script inputs only when they re-derive from a registered wallet,
    /// and counts change only when it re-derives there; an edited registration stops it (exit 4).
    ///
    ///   airsign wallet register --seed alice.age treasury.json
    #[command(verbatim_doc_comment)]
    Register(WalletRegisterArgs),
}

/// `wallet register`.
#[derive(Debug, Args)]
pub struct WalletRegisterArgs {
    /// Unlock options for the seed the wallet is registered on.
    #[command(flatten)]
    pub unlock: super::SeedUnlock,
    /// The wallet file (`airsign wallet create`).
    pub wallet: PathBuf,
    /// Do not ask for confirmation (the cosigners are still printed).
    #[arg(long)]
    pub yes: bool,
    /// Replace a registered wallet of the same name (or the same wallet under another name).
    /// Without it, a different wallet under a registered name is refused: policy rules name
    /// wallets, and a name quietly pointing at other keys would move every rule with it.
    #[arg(long)]
    pub replace: bool,
    /// Print the registration as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `wallet create`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["descriptor", "from"])))]
pub struct WalletCreateArgs {
    /// Public descriptor: multipath /<0;1>/* or a receive descriptor ending in /0/*.
    #[arg(long)]
    pub descriptor: Option<String>,
    /// Account export JSON (`airsign account export --json`).
    #[arg(long, value_name = "ACCOUNT.JSON")]
    pub from: Option<PathBuf>,
    /// Network (default: the account file's, else bitcoin).
    #[arg(long, value_parser = super::network_parser())]
    pub network: Option<bitcoin::Network>,
    /// A label for people (default: the output file's name without extension).
    #[arg(long)]
    pub name: Option<String>,
    /// Unused addresses past the last used one that a restoring wallet scans.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub gap_limit: u32,
    /// The wallet file to write.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Replace an existing wallet file (its indexes are lost: addresses may be handed out twice).
    #[arg(long)]
    pub force: bool,
    /// Print the wallet file's summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `wallet addresses`.
#[derive(Debug, Args)]
pub struct WalletAddressesArgs {
    /// The wallet file.
    pub wallet: PathBuf,
    /// List change addresses (/1/*) instead of receive addresses (/0/*).
    #[arg(long)]
    pub change: bool,
    /// First index.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..(1 << 31)))]
    pub from: u32,
    /// How many (default: the wallet's gap limit).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub count: Option<u32>,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `wallet sync`.
#[derive(Debug, Args)]
pub struct WalletSyncArgs {
    /// The wallet file (its next indexes are moved forward, atomically, under its lock).
    pub wallet: PathBuf,
    /// Esplora API base URL, with or without /api: https://mempool.space/api,
    /// https://blockstream.info/api, https://mempool.space/testnet4/api, or your own electrs
    /// (plain http:// only to 127.0.0.1, ::1 or localhost).
    #[arg(long, value_name = "URL")]
    pub esplora: String,
    /// Folder for utxos.json, prev-txs.hex and history.json (replaced if they exist).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
    /// Print the summary, every unspent output and the files written as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `wallet receive`.
#[derive(Debug, Args)]
pub struct WalletReceiveArgs {
    /// The wallet file (updated in place, atomically).
    pub wallet: PathBuf,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}
