//! `wallet` subcommand types (online side, watch-only).
use std::path::PathBuf;

use clap::{ArgGroup, Args, Subcommand};

use super::qr::{QrOut, ScanIn};
use crate::wallet::formats::cosigner::MultisigScript;

/// Watch-only wallet commands.
#[derive(Debug, Subcommand)]
#[command(after_help = "\
Examples:
  airsign wallet create --from account.json -o savings.json
  airsign wallet receive savings.json
  airsign wallet sync savings.json --esplora https://mempool.space/api")]
pub enum WalletCmd {
    /// Write a watch-only wallet file: from a descriptor, an account export, or M-of-N cosigners
    ///
    /// The file (JSON, docs/formats.md) records the receive and change descriptors with key
    /// origins and checksums, the next unused receive and change index, the gap limit, and a
    /// short wallet id (bytewords of a hash of the descriptor). Compare the id on every machine
    /// that holds the wallet: the same id means the same descriptor.
    ///
    /// Single-sig:
    ///   airsign account export --script wpkh --seed seed.age --json > account.json   (offline)
    ///   airsign wallet create --from account.json -o savings.json                    (online)
    ///
    /// A 2-of-3 treasury (each cosigner on their own air-gapped laptop, then one coordinator):
    ///
    /// (1) each cosigner, offline, exports a BIP48 key:
    ///       airsign account export --script wsh-multi --seed alice.age --json > alice.json
    ///     (--bsms for a signed BSMS key record, --qr for ur:crypto-account; a hardware
    ///     signer's [fp/48'/0'/0'/2']xpub… works as well)
    /// (2) the coordinator, online, with the three exports:
    ///       airsign wallet create --name treasury --multisig 2 \
    ///         --cosigner alice.json --cosigner bob.bsms --cosigner carol.txt \
    ///         -o treasury.json --export setup/ --qr gif:setup/treasury.gif
    ///     This checks every key (BIP48 script type, one network, no key or seed twice,
    ///     1 ≤ M ≤ N ≤ 15), writes the wallet file, and prints (with --export: writes) the
    ///     descriptor with checksum, the BIP388 policy, a BSMS descriptor record, a Coldcard
    ///     multisig file and ur:crypto-output, for Sparrow, Coldcard, Jade, SeedSigner, Keystone.
    /// (3) each cosigner, offline, with the wallet file (or any of those exports through
    ///     `airsign wallet import`):
    ///       airsign wallet register --seed alice.age treasury.json
    ///     and everyone compares the wallet id and first address, read aloud.
    ///
    /// Errors: M/N out of range, or tpub keys without --network: exit 2; a key of the wrong
    /// script type or network, or the same key or seed twice: exit 3; a BSMS key record whose
    /// signature or MAC does not verify: exit 4.
    #[command(
        verbatim_doc_comment,
        after_help = "\
Examples:
  airsign wallet create --from account.json -o savings.json
  airsign wallet create --descriptor 'wpkh([73c5da0a/84h/1h/0h]tpub…/<0;1>/*)' \\
      --network testnet -o test.json
  airsign wallet create --name treasury --multisig 2 --cosigner alice.json \\
      --cosigner bob.bsms --cosigner carol.txt -o treasury.json --export setup/"
    )]
    Create(WalletCreateArgs),
    /// Read a wallet set up elsewhere into a wallet file
    ///
    /// Reads, detected from the content: descriptor text (Bitcoin Core, Sparrow's descriptor
    /// export), BIP388 policy JSON, a BSMS descriptor record (its first address is checked; an
    /// encrypted .dat needs --token-file), a Coldcard multisig file, ur:crypto-output, ur:bytes
    /// of any of these (one UR part per line, as `qr show --text` or `--qr text:FILE` write
    /// them), Caravan's wallet JSON, and airsign's own wallet file. Or scan it: --scan gif:FILE,
    /// dir:DIR, camera:/dev/video0. A wallet exported by `wallet create` imports back to the
    /// same file byte for byte, given the name and network its format does not carry.
    ///
    ///   airsign wallet import setup/wallet.bsms --name treasury -o treasury.json
    ///   airsign wallet import setup/coldcard.txt --network testnet -o treasury.json
    ///   airsign wallet import --scan gif:sparrow-export.gif --name vault -o vault.json
    #[command(
        verbatim_doc_comment,
        after_help = "\
Examples:
  airsign wallet import setup/wallet.bsms --name treasury -o treasury.json
  airsign wallet import --scan gif:sparrow-export.gif --name vault -o vault.json"
    )]
    Import(WalletImportArgs),
    /// List addresses with their index and full derivation path (nothing is recorded).
    #[command(after_help = "\
Examples:
  airsign wallet addresses savings.json
  airsign wallet addresses savings.json --change --from 20 --count 10 --json")]
    Addresses(WalletAddressesArgs),
    /// Hand out the next unused receive address and record it in the file, so no later run
    /// gives it out again.
    #[command(after_help = "\
Examples:
  airsign wallet receive savings.json
  airsign wallet receive savings.json --json")]
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
    #[command(
        verbatim_doc_comment,
        after_help = "\
Examples:
  airsign wallet sync savings.json --esplora https://mempool.space/api
  airsign wallet sync savings.json --esplora http://127.0.0.1:3002 --out-dir snapshot/ --json"
    )]
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
    #[command(
        verbatim_doc_comment,
        after_help = "\
Examples:
  airsign wallet register --seed alice.age treasury.json
  airsign wallet register --seed alice.age --scan gif:treasury.gif --name treasury"
    )]
    Register(WalletRegisterArgs),
}

/// `wallet register`.
#[derive(Debug, Args)]
pub struct WalletRegisterArgs {
    /// Refuse unless this machine passes `airsign airgap check`.
    #[command(flatten)]
    pub airgap: crate::cli::ceremony::RequireAirgap,
    /// Unlock options for the seed the wallet is registered on.
    #[command(flatten)]
    pub unlock: super::SeedUnlock,
    /// The wallet file (`airsign wallet create`), or any set-up file `wallet import` reads;
    /// or use --scan.
    #[arg(required_unless_present = "scan")]
    pub wallet: Option<PathBuf>,
    /// Read the wallet from QR instead (`ur:crypto-output`, `ur:bytes` of a set-up file, BBQr).
    #[command(flatten)]
    pub scan: ScanIn,
    /// The wallet's name, for set-up formats that carry none (descriptor, BSMS, crypto-output).
    #[arg(long)]
    pub name: Option<String>,
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
#[command(group(ArgGroup::new("source").required(true).args(["descriptor", "from", "multisig"])))]
pub struct WalletCreateArgs {
    /// Public descriptor: multipath /<0;1>/* or a receive descriptor ending in /0/*.
    #[arg(long)]
    pub descriptor: Option<String>,
    /// Account export JSON (`airsign account export --json`).
    #[arg(long, value_name = "ACCOUNT.JSON")]
    pub from: Option<PathBuf>,
    /// Build an M-of-N multisig (sortedmulti, /<0;1>/* on every key) from the --cosigner keys.
    #[arg(long, value_name = "M", requires = "cosigner")]
    pub multisig: Option<usize>,
    /// One cosigner's key, in order (repeat for each): a file with `airsign account export`
    /// JSON or text, a BSMS key record (.bsms, or an encrypted .dat with --token-file) or a
    /// ur:crypto-account; or the key itself, `[fp/48'/1'/0'/2']tpub…` or `ur:crypto-account/…`.
    #[arg(long, value_name = "KEY|FILE", requires = "multisig")]
    pub cosigner: Vec<String>,
    /// The multisig script: wsh (P2WSH, keys from BIP48 …/2'), sh-wsh (P2SH-P2WSH, …/1'); tr is
    /// refused until the miniscript crate parses sortedmulti_a.
    #[arg(long, value_enum, default_value = "wsh")]
    pub script: MultisigScript,
    /// A BSMS session token (hex or decimal) in a file, to read encrypted key records and to
    /// write the descriptor record encrypted (wallet-token1.dat, …). Repeat for one token per
    /// cosigner (BIP129's EXTENDED mode).
    #[arg(long, value_name = "FILE")]
    pub token_file: Vec<PathBuf>,
    /// Network (default: what the keys or account files say; xpub is bitcoin).
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
    /// Also write every set-up format into this folder (created if missing): descriptor.txt,
    /// policy.json (BIP388), wallet.bsms (+ wallet-tokenN.dat), coldcard.txt, crypto-output.txt.
    #[arg(long, value_name = "DIR")]
    pub export: Option<PathBuf>,
    /// QR of the wallet as ur:crypto-output (`--qr`; descriptor text with --format bbqr).
    #[command(flatten)]
    pub qr: QrOut,
    /// QR of the Coldcard multisig file as ur:bytes (SeedSigner, Jade; --format bbqr for
    /// Coldcard Q), on the same surfaces as --qr: terminal, png:DIR, gif:FILE, html:FILE,
    /// text:FILE.
    #[arg(long, value_name = "WHERE")]
    pub coldcard_qr: Vec<String>,
    /// Replace an existing wallet file (its indexes are lost: addresses may be handed out twice)
    /// and existing export files.
    #[arg(long)]
    pub force: bool,
    /// Print the wallet file's summary and every export as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `wallet import`.
#[derive(Debug, Args)]
pub struct WalletImportArgs {
    /// The set-up file (`-` for stdin).
    pub file: Option<PathBuf>,
    /// Or read it from QR.
    #[command(flatten)]
    pub scan: ScanIn,
    /// The wallet file to write.
    #[arg(long, short)]
    pub out: PathBuf,
    /// The wallet's name (default: the file's, else the output file's name).
    #[arg(long)]
    pub name: Option<String>,
    /// The network, when the file does not say which (tpub keys fit four test networks).
    #[arg(long, value_parser = super::network_parser())]
    pub network: Option<bitcoin::Network>,
    /// Gap limit (default: an airsign wallet file's own, else 20).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub gap_limit: Option<u32>,
    /// The BSMS session token of an encrypted descriptor record, in a file (hex or decimal).
    #[arg(long, value_name = "FILE")]
    pub token_file: Vec<PathBuf>,
    /// Replace an existing wallet file.
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
