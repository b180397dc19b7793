//! `log` subcommand types: check and read the audit log.
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::qr::RenderArgs;

/// Audit log commands.
#[derive(Debug, Subcommand)]
#[command(after_help = "\
Examples:
  airsign log verify --seed seed.age seed.age.audit.jsonl
  airsign log tail seed.age.audit.jsonl --qr")]
pub enum LogCmd {
    /// Check the audit log's hash chain: nothing edited, removed, inserted or moved.
    ///
    /// Every line's `prev` must be the SHA-256 of the line before it and its `seq` its position.
    /// Without --seed this checks the chain only, so someone who rewrites a line and every line
    /// after it passes; with --seed (offline, the seed that signed) every line's MAC is checked
    /// too, which nobody without the seed can forge. A cut at the end
    /// of the log cannot be seen in the file alone: compare the printed tail hash with the one
    /// you recorded off the machine (`airsign log tail`).
    ///
    ///   airsign log verify audit.jsonl
    ///   ok: 12 entries, tail hash 3f9a… (chain checked; MACs not checked)
    ///   airsign log verify --seed seed.age seed.age.audit.jsonl
    ///
    /// Exit codes: 0 the chain verifies; 4 it does not (the line number and what is wrong, or
    /// an interrupted last write); 1 the file cannot be read.
    #[command(
        verbatim_doc_comment,
        after_help = "\
Examples:
  airsign log verify audit.jsonl
  airsign log verify --seed seed.age seed.age.audit.jsonl --json"
    )]
    Verify(LogVerifyArgs),
    /// Show the audit log as a table: seq, time, event, bundle id, fee, decision, reason codes.
    ///
    /// Lines that are not entries are listed as such. The chain is verified after the table;
    /// if it does not verify, the table is not to be trusted and the exit code is 4. Text from
    /// the log is escaped (it records untrusted text from PSBTs).
    ///
    ///   airsign log show audit.jsonl
    #[command(
        verbatim_doc_comment,
        after_help = "\
Examples:
  airsign log show seed.age.audit.jsonl
  airsign log show seed.age.audit.jsonl --json"
    )]
    Show(LogFileArgs),
    /// Print the number of entries and the hash of the last line, to record off the machine.
    ///
    /// A later `log verify` printing the same count and hash (or a longer log whose chain
    /// passes through it) shows that nothing recorded since was cut from the end. The chain is
    /// verified first.
    ///
    /// With --qr the record "N entries, tail hash H" is also shown as a QR code, so it can
    /// leave an air-gapped machine without a cable: photograph it, or scan it on the online
    /// machine with `airsign qr scan --camera /dev/video0 -o tail.txt` (or from the saved
    /// image). --qr alone draws it once on the terminal (it stays on screen); --qr=png:DIR,
    /// --qr=gif:FILE, --qr=html:FILE and --qr=text:FILE write it instead. The rendering options
    /// are those of `qr show` (default: one `ur:bytes` frame).
    ///
    ///   airsign log tail audit.jsonl
    ///   12 entries, tail hash 3f9a… (chain checked; MACs not checked)
    ///   airsign log tail audit.jsonl --qr
    ///   airsign log tail audit.jsonl --qr=png:tail-qr --format bbqr
    #[command(
        verbatim_doc_comment,
        after_help = "\
Examples:
  airsign log tail seed.age.audit.jsonl
  airsign log tail seed.age.audit.jsonl --qr=png:tail-qr --format bbqr"
    )]
    Tail(LogTailArgs),
    /// List the payments waiting out a policy delay: recorded as pending and not signed since
    /// (neither that transaction nor a rebuild of the same payment), with when each becomes
    /// signable: a time for a delay in hours, "until block N" for a delay in blocks (sign a
    /// rebuild of the same payment with locktime N or later). The chain is verified first.
    ///
    ///   airsign log pending seed.age.audit.jsonl
    ///   LAVA GYRO TUNA ZERO (3f9a01cc)  since 2026-11-24T10:00:00Z  until block 871144  rule 'large' …
    #[command(
        verbatim_doc_comment,
        after_help = "\
Examples:
  airsign log pending seed.age.audit.jsonl"
    )]
    Pending(LogFileArgs),
    /// Online side: compare the log with the chain. Alarms on wallet spends that no signed
    /// entry accounts for; lists signed transactions the chain does not show.
    ///
    /// The log's chain is verified first (no seed online: MACs are not checked; exit 4 if it
    /// does not verify). The transactions file is detected from its content, and the report
    /// says which form it was:
    ///   - Bitcoin Core JSON: `bitcoin-cli listtransactions "*" 1000` or `listsinceblock`
    ///     (plain, or the JSON-RPC reply). A txid with a `send` entry is a wallet spend;
    ///     confirmed from 1 confirmation.
    ///   - Esplora JSON (mempool.space, blockstream.info): /api/address/ADDR/txs, several
    ///     addresses joined into one array (`jq -s add`). A transaction with an input paying the
    ///     wallet is a wallet spend: needs --wallet W.json (its receive and change addresses up
    ///     to its next index plus its gap limit).
    ///   - A list of txids, one per line (# comments allowed) or a JSON array of strings: each
    ///     taken as a confirmed wallet spend.
    ///
    /// A spend counts as signed when a `signed` entry has its txid or, with Esplora JSON, the
    /// same payment key (the log records the unsigned txid, which signing changes for legacy
    /// and P2SH-wrapped inputs; Core JSON and txid lists can only match by txid). In a multisig
    /// wallet the other cosigners can spend without this signer: such a spend is reported too.
    ///
    ///   airsign log reconcile seed.age.audit.jsonl --txs listtransactions.json
    ///   airsign log reconcile seed.age.audit.jsonl --txs txs.json --wallet treasury.json --json
    ///
    /// Exit codes: 0 every wallet spend was signed here (signed-but-unseen transactions are
    /// listed, not an error); 3 the alarm: a wallet spend (confirmed, unconfirmed or conflicted)
    /// that this log never signed; 4 the log does not verify; 2 Esplora JSON without --wallet;
    /// 1 the transactions file is unreadable or in none of the forms.
    #[command(
        verbatim_doc_comment,
        after_help = "\
Examples:
  airsign log reconcile seed.age.audit.jsonl --txs listtransactions.json
  airsign log reconcile seed.age.audit.jsonl --txs history.json --wallet treasury.json --json"
    )]
    Reconcile(LogReconcileArgs),
}

/// `log tail`.
#[derive(Debug, Args)]
pub struct LogTailArgs {
    /// The log and output format.
    #[command(flatten)]
    pub log: LogFileArgs,
    /// Also show the record as QR: alone, drawn on the terminal; or `--qr=png:DIR`,
    /// `--qr=gif:FILE`, `--qr=html:FILE`, `--qr=text:FILE` (the `=` is needed: without it the
    /// next word would be taken as the log file).
    #[arg(long, value_name = "WHERE", num_args = 0..=1, require_equals = true, default_missing_value = "terminal")]
    pub qr: Option<String>,
    /// Rendering options (those of `qr show`).
    #[command(flatten)]
    pub render: RenderArgs,
    /// Replace existing QR output files.
    #[arg(long)]
    pub force: bool,
}

/// `log reconcile`.
#[derive(Debug, Args)]
pub struct LogReconcileArgs {
    /// The log and output format.
    #[command(flatten)]
    pub log: LogFileArgs,
    /// What the chain shows: Bitcoin Core listtransactions/listsinceblock JSON, Esplora
    /// address-transactions JSON, or txids one per line (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub txs: PathBuf,
    /// The watch-only wallet file, to tell which Esplora inputs are the wallet's.
    #[arg(long, value_name = "W.json")]
    pub wallet: Option<PathBuf>,
}

/// `log verify`.
#[derive(Debug, Args)]
pub struct LogVerifyArgs {
    /// The log and output format.
    #[command(flatten)]
    pub log: LogFileArgs,
    /// Also check every line's MAC with the key derived from this seed file.
    #[arg(long, value_name = "SEED.age")]
    pub seed: Option<PathBuf>,
    /// Read the seed file's passphrase from this descriptor instead of the terminal.
    #[arg(long, value_name = "N", requires = "seed")]
    pub passphrase_fd: Option<i32>,
}

/// The log file and the output format.
#[derive(Debug, Args)]
pub struct LogFileArgs {
    /// The audit log (JSON lines).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Print the result as JSON on stdout (also when the log does not verify, before the error).
    #[arg(long)]
    pub json: bool,
}
