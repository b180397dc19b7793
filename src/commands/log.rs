//! `airsign log verify|show|tail`: read and check the audit log. MACs are not checked here yet
//! (the key is derived from the seed in `signer/`): these commands check the chain only.
use std::collections::BTreeSet;

use serde::Serialize;

use super::{print_json, println_out};
use crate::audit::{self, AuditError, Entry, Summary};
use crate::cli::log::LogFileArgs;
use crate::cli::LogCmd;
use crate::sanitize::escape;
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
        LogCmd::Tail(a) => verify(a, true, None),
        LogCmd::Show(a) => show(a),
        LogCmd::Pending(a) => pending(a),
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
