//! `airsign log verify|show|tail|pending|reconcile`: read and check the audit log. Only
//! `verify --seed` checks MACs (the key comes from the seed); the others check the chain only.
use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};

use serde::Serialize;

use super::carry::announce;
use super::{print_json, println_out};
use crate::audit::{self, reconcile, AuditError, Entry, Summary};
use crate::cli::log::{LogFileArgs, LogReconcileArgs, LogTailArgs};
use crate::cli::LogCmd;
use crate::sanitize::escape;
use crate::transport::frames::{frames, Frames, Kind};
use crate::transport::show::{emit, parse_output, still, Output};
use crate::wallet::file::WalletFile;
use crate::Error;

pub fn run(cmd: LogCmd) -> Result<(), Error> {
    match cmd {
        LogCmd::Verify(a) => {
            let key = match &a.seed {
                Some(seed) => Some(mac_key(seed, &a)?),
                None => None,
            };
            verify(a.log, false, key.as_deref())
        }
        LogCmd::Tail(a) => tail(a),
        LogCmd::Show(a) => show(a),
        LogCmd::Pending(a) => pending(a),
        LogCmd::Reconcile(a) => reconcile(a),
    }
}

#[derive(Serialize)]
struct VerifyOut<'a> {
    ok: bool,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    summary: Option<&'a Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
}

impl<'a> VerifyOut<'a> {
    fn of(r: &'a Result<Summary, AuditError>) -> Self {
        match r {
            Ok(s) => VerifyOut {
                ok: true,
                summary: Some(s),
                line: None,
                problem: None,
            },
            Err(e) => VerifyOut {
                ok: false,
                summary: None,
                line: e.line(),
                problem: Some(e.to_string()),
            },
        }
    }
}

/// The audit MAC key of the seed file (opened like `sign` opens it).
fn mac_key(
    seed: &std::path::Path,
    a: &crate::cli::log::LogVerifyArgs,
) -> Result<zeroize::Zeroizing<[u8; 32]>, Error> {
    use crate::secrets::{seedfile, unlock};
    let bytes = crate::fsutil::read_limited(seed, seedfile::MAX_SEED_FILE_BYTES)?;
    let options = unlock::UnlockOptions {
        passphrase_fd: a.passphrase_fd,
        ..Default::default()
    };
    let unlocked = unlock::open(&bytes, &options)?;
    Ok(crate::signer::audit_mac_key(&unlocked)?)
}

fn verify(a: LogFileArgs, tail: bool, key: Option<&[u8; 32]>) -> Result<(), Error> {
    let r = audit::verify(&a.file, key);
    if a.json {
        print_json(&VerifyOut::of(&r))?;
    }
    let s = r?;
    if !a.json {
        let prefix = if tail { "" } else { "ok: " };
        println_out(&format!(
            "{prefix}{} entries, tail hash {} ({})",
            s.entries,
            s.tail_hash,
            if key.is_some() {
                "chain and every MAC checked"
            } else {
                "chain checked; MACs not checked"
            }
        ))?;
    }
    Ok(())
}

/// The record `log tail` prints and shows as QR, to compare with a later log.
pub(crate) fn tail_record(s: &Summary) -> String {
    format!("{} entries, tail hash {}", s.entries, s.tail_hash)
}

#[derive(Serialize)]
struct TailOut<'a> {
    #[serde(flatten)]
    verify: VerifyOut<'a>,
    record: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    qr: Option<&'a Frames>,
}

fn tail(a: LogTailArgs) -> Result<(), Error> {
    let output = a.qr.as_deref().map(parse_output).transpose()?;
    let to_stdout = match &output {
        Some(Output::Terminal) => true,
        Some(Output::Text(p)) => p.as_os_str() == "-",
        _ => false,
    };
    if a.log.json && to_stdout {
        return Err(Error::Usage(
            "--qr draws on stdout, which --json needs for its document: with --json give --qr=png:DIR, gif:FILE, html:FILE or text:FILE".into(),
        ));
    }
    if output.is_none() && !a.log.json {
        return verify(a.log, true, None);
    }
    let r = audit::verify(&a.log.file, None);
    if a.log.json && r.is_err() {
        print_json(&VerifyOut::of(&r))?;
    }
    let s = r?;
    let record = tail_record(&s);
    let Some(output) = output else {
        return print_json(&TailOut {
            verify: VerifyOut::of(&Ok(s.clone())),
            record,
            qr: None,
        });
    };
    let mut opts = a.render.options();
    opts.progress = !super::quiet();
    let f = frames(
        record.as_bytes(),
        Kind::Text,
        Some("airsign log tail".into()),
        &opts,
    )?;
    match output {
        Output::Terminal => match still(&f) {
            Some(drawing) => {
                let mut out = std::io::stdout().lock();
                out.write_all(drawing.as_bytes())
                    .and_then(|_| out.flush())
                    .map_err(Error::Output)?;
            }
            None => {
                announce(&f);
                if !std::io::stdout().is_terminal() {
                    return Err(Error::Usage(format!(
                        "the record takes {} QR frames with these options: animate them in a terminal, write them with --qr=png:DIR, or give a larger --fragment",
                        f.parts.len()
                    )));
                }
                emit(&f, &Output::Terminal, &opts, a.force)?;
            }
        },
        other => {
            announce(&f);
            emit(&f, &other, &opts, a.force)?;
        }
    }
    if a.log.json {
        return print_json(&TailOut {
            verify: VerifyOut::of(&Ok(s.clone())),
            record,
            qr: Some(&f),
        });
    }
    println_out(&format!("{record} (chain checked; MACs not checked)"))
}

#[derive(Serialize)]
struct ShowLine<'a> {
    line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    entry: Option<&'a Entry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<&'a str>,
}

#[derive(Serialize)]
struct ShowOut<'a> {
    lines: Vec<ShowLine<'a>>,
    verify: VerifyOut<'a>,
}

fn show(a: LogFileArgs) -> Result<(), Error> {
    let lines = audit::read_lines(&a.file)?;
    let r = audit::verify(&a.file, None);
    if a.json {
        print_json(&ShowOut {
            lines: lines
                .iter()
                .map(|l| ShowLine {
                    line: l.line,
                    entry: l.entry.as_ref().ok(),
                    problem: l.entry.as_ref().err().map(String::as_str),
                })
                .collect(),
            verify: VerifyOut::of(&r),
        })?;
    } else {
        let mut out = format!(
            "{:>5}  {:<20}  {:<8}  {:<24}  {:>10}  {:<10}  reasons",
            "seq", "time", "event", "bundle id", "fee", "decision"
        );
        for l in &lines {
            out.push('\n');
            match &l.entry {
                Ok(e) => out.push_str(&row(e)),
                Err(p) => out.push_str(&format!("line {}: {}", l.line, escape(p))),
            }
        }
        println_out(&out)?;
        if let Ok(s) = &r {
            println_out(&format!(
                "{} entries, tail hash {} (chain checked; MACs not checked)",
                s.entries, s.tail_hash
            ))?;
        }
    }
    r?;
    Ok(())
}

/// One table row, then one indented line per reason (code: message); every field from the log
/// is escaped.
fn row(e: &Entry) -> String {
    let fee = e.fee.map_or_else(|| "?".to_owned(), |f| f.to_string());
    let reasons: Vec<String> = e.reasons.iter().map(|r| escape(&r.code)).collect();
    let mut row = format!(
        "{:>5}  {:<20}  {:<8}  {:<24}  {:>10}  {:<10}  {}",
        e.seq,
        escape(&e.time),
        e.event.as_str(),
        escape(&e.bundle_id),
        fee,
        escape(&e.decision),
        reasons.join(",")
    )
    .trim_end()
    .to_owned();
    for r in &e.reasons {
        row.push_str(&format!(
            "\n{:>7}{}: {}",
            "",
            escape(&r.code),
            escape(&r.message)
        ));
    }
    for p in &e.payments {
        row.push_str(&format!(
            "\n{:>7}pays {} sat to {} ({})",
            "",
            p.amount,
            escape(&p.to),
            p.script_type.as_str()
        ));
    }
    row
}

/// One bundle waiting out a delay.
#[derive(Serialize)]
struct Waiting<'a> {
    bundle_id: &'a str,
    txid: &'a str,
    since: &'a str,
    rule: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    locktime: Option<u32>,
    /// A delay in blocks: signable in a transaction for the same payment with at least this
    /// locktime.
    #[serde(skip_serializing_if = "Option::is_none")]
    until_height: Option<u32>,
    reason: String,
}

fn pending(a: LogFileArgs) -> Result<(), Error> {
    audit::verify(&a.file, None)?;
    let entries: Vec<Entry> = audit::read_lines(&a.file)?
        .into_iter()
        .filter_map(|l| l.entry.ok())
        .collect();
    // A payment is done when it was signed: the same transaction, or (for a delay in blocks)
    // a rebuild of the same payment with a later locktime.
    let signed = entries.iter().filter(|e| e.event == audit::Event::Signed);
    let signed_txids: BTreeSet<&str> = signed.clone().map(|e| e.txid.as_str()).collect();
    let signed_payments: BTreeSet<&str> = signed.filter_map(|e| e.payment_key.as_deref()).collect();
    let mut seen = BTreeSet::new();
    let waiting: Vec<Waiting> = entries
        .iter()
        .filter(|e| e.event == audit::Event::Pending)
        .filter(|e| {
            !signed_txids.contains(e.txid.as_str())
                && !e
                    .payment_key
                    .as_deref()
                    .is_some_and(|k| signed_payments.contains(k))
        })
        .filter(|e| seen.insert(e.payment_key.as_deref().unwrap_or(e.txid.as_str())))
        .map(|e| Waiting {
            bundle_id: &e.bundle_id,
            txid: &e.txid,
            since: &e.time,
            rule: e.rule.as_deref(),
            payment_key: e.payment_key.as_deref(),
            locktime: e.locktime,
            until_height: e.until_height,
            reason: e
                .reasons
                .first()
                .map(|r| escape(&r.message))
                .unwrap_or_default(),
        })
        .collect();
    if a.json {
        return print_json(&waiting);
    }
    if waiting.is_empty() {
        return println_out("nothing is waiting");
    }
    for w in &waiting {
        let blocks = w
            .until_height
            .map(|h| format!("  until block {h}"))
            .unwrap_or_default();
        println_out(&format!(
            "{}  since {}{blocks}  {}",
            escape(w.bundle_id),
            escape(w.since),
            w.reason
        ))?;
    }
    Ok(())
}

#[derive(Serialize)]
struct ReconcileOut<'a> {
    ok: bool,
    log: &'a Summary,
    input: &'static str,
    #[serde(flatten)]
    report: &'a reconcile::Report,
}

fn reconcile(a: LogReconcileArgs) -> Result<(), Error> {
    let r = audit::verify(&a.log.file, None);
    if a.log.json && r.is_err() {
        print_json(&VerifyOut::of(&r))?;
    }
    let summary = r?;
    let scripts = match &a.wallet {
        Some(w) => Some(reconcile::wallet_scripts(&WalletFile::load(w)?)?),
        None => None,
    };
    let bytes = crate::fsutil::read_limited(&a.txs, reconcile::MAX_TXS_BYTES)?;
    let chain = reconcile::parse(&bytes, scripts.as_ref())?;
    if a.wallet.is_some() && chain.format != reconcile::InputFormat::Esplora {
        eprintln!(
            "note: --wallet is not used with {}",
            chain.format.describe()
        );
    }
    let entries: Vec<Entry> = audit::read_lines(&a.log.file)?
        .into_iter()
        .filter_map(|l| l.entry.ok())
        .collect();
    let report = reconcile::reconcile(&entries, &chain);
    if a.log.json {
        print_json(&ReconcileOut {
            ok: report.unlogged.is_empty(),
            log: &summary,
            input: chain.format.describe(),
            report: &report,
        })?;
    } else {
        println_out(&reconcile_text(&summary, &report))?;
    }
    if !report.unlogged.is_empty() {
        return Err(reconcile::ReconcileError::UnloggedSpends {
            count: report.unlogged.len(),
        }
        .into());
    }
    Ok(())
}

fn reconcile_text(s: &Summary, r: &reconcile::Report) -> String {
    use reconcile::{InputFormat, Status};
    let status = |st: Status, confirmations: Option<i64>| match (st, confirmations) {
        (Status::Confirmed, Some(c)) => format!("confirmed ({c} confirmations)"),
        (Status::Confirmed, None) => "confirmed".to_owned(),
        (Status::Unconfirmed, _) => "unconfirmed (in the mempool)".to_owned(),
        (Status::Conflicted, _) => "conflicted (replaced or double-spent)".to_owned(),
    };
    let mut out = format!(
        "log: {} entries, tail hash {} (chain checked; MACs not checked); {} transaction(s) signed\n\
         input: {}: {} transaction(s), {} wallet spend(s)",
        s.entries,
        s.tail_hash,
        r.signed,
        r.format.describe(),
        r.transactions,
        r.wallet_spends
    );
    if r.matched_by_payment_key > 0 {
        out.push_str(&format!(
            "\n{} wallet spend(s) matched a signed entry by payment key (the txid changed when signing)",
            r.matched_by_payment_key
        ));
    }
    if r.unlogged.is_empty() {
        out.push_str("\nok: every wallet spend in the input was signed by this log's signer");
    } else {
        out.push_str(&format!(
            "\nALARM: {} wallet spend(s) this log never signed:",
            r.unlogged.len()
        ));
        for u in &r.unlogged {
            out.push_str(&format!(
                "\n  {}  {}",
                u.txid,
                status(u.status, u.confirmations)
            ));
        }
        if r.format != InputFormat::Esplora {
            out.push_str("\n  (matched by txid only: the log records the unsigned txid, which signing changes for legacy and P2SH-wrapped inputs; for such a wallet, Esplora JSON with --wallet matches by payment key)");
        }
    }
    let (unconfirmed, unseen): (Vec<_>, Vec<_>) = r
        .signed_not_confirmed
        .iter()
        .partition(|x| x.code == "signed-unconfirmed");
    for (list, title) in [
        (&unconfirmed, "signed here, unconfirmed in the input:"),
        (&unseen, "signed here, not seen in the input (not broadcast yet, replaced, or outside the range the input covers):"),
    ] {
        if list.is_empty() {
            continue;
        }
        out.push('\n');
        out.push_str(title);
        for x in list.iter() {
            out.push_str(&format!(
                "\n  seq {}  {}  {}  txid {}",
                x.seq, x.time, x.bundle_id, x.txid
            ));
        }
    }
    out
}
