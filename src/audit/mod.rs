//! The audit log: append-only, hash-chained JSON lines (format in `docs/formats.md`, "Audit log").
//!
//! Every line is one [`Entry`]; its `prev` is the SHA-256 of the previous line's exact bytes, so
//! editing, removing, inserting or moving any line breaks the chain at the next line. With a key
//! (derived from the seed by the caller and passed in as a value: this module holds no secrets
//! and never imports `secrets`), each line also carries an HMAC, so a line rebuilt with a correct
//! chain but without the key is caught too. What the file alone cannot show is a cut at the tail:
//! [`verify`] returns the number of entries and the hash of the last line, to be compared with a
//! record kept off the machine.
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

mod entry;
pub mod reconcile;
mod spend;

pub use entry::{
    line_hash, Entry, EntryDraft, Event, InputsSummary, KeycheckRecord, MessageRecord,
    OutputsSummary, Reason, ZERO_HASH,
};
pub use spend::{payments_of, Payment, ScriptKind, SignedSpend};

/// The longest line accepted (bytes, without the newline). Entries are small; a longer line is
/// not one airsign wrote.
pub const MAX_LINE: usize = 1 << 20;

/// Errors of reading, appending to and verifying the audit log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The log could not be opened, read, written or synced.
    #[error("cannot {action} audit log {}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The log.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A line is not an audit entry: not JSON, an unknown or missing field, a wrong type.
    #[error("{}: line {line} is not an audit entry (not JSON, or an unknown, missing or mistyped field)", path.display())]
    Malformed {
        /// The log.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What the parser said.
        #[source]
        source: serde_json::Error,
    },
    /// A line parses but is not byte for byte what airsign writes for that entry (edited by hand).
    #[error("{}: line {line} is not in the exact form airsign writes (edited: spacing, field order, escapes or a null mac)", path.display())]
    NotCanonical {
        /// The log.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
    },
    /// A line is longer than [`MAX_LINE`].
    #[error("{}: line {line} is longer than {MAX_LINE} bytes", path.display())]
    TooLong {
        /// The log.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
    },
    /// `seq` is not the line's position: a line was removed, inserted or moved.
    #[error("{}: line {line} has seq {found}, expected {expected}: a line was removed, inserted or moved before it", path.display())]
    Seq {
        /// The log.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The position.
        expected: u64,
        /// What the line says.
        found: u64,
    },
    /// `prev` is not the hash of the line before.
    #[error("{}: line {line}'s prev hash does not match line {}: that line was edited, or lines were removed, inserted or moved", path.display(), line - 1)]
    Prev {
        /// The log.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
    },
    /// The MAC does not match under the given key.
    #[error("{}: line {line}'s MAC does not match the key: the line was edited or written without the key", path.display())]
    Mac {
        /// The log.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
    },
    /// A key was given but the line has no MAC.
    #[error("{}: line {line} has no MAC, but the log is checked with a key", path.display())]
    MacMissing {
        /// The log.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
    },
    /// The last line has no newline: a write was interrupted (or the file was cut mid-line).
    #[error("{}: line {line} is incomplete (no newline at the end): a write was interrupted; the {entries} entries before it verify, up to tail hash {tail_hash}", path.display())]
    TornTail {
        /// The log.
        path: PathBuf,
        /// 1-based number of the partial line.
        line: u64,
        /// Complete entries before it.
        entries: u64,
        /// Hash of the last complete line.
        tail_hash: String,
        /// Byte length of the complete part (truncate to this to drop the partial line).
        complete_len: u64,
    },
    /// The file changed between opening it and appending (another writer).
    #[error("audit log {} changed since it was opened (another airsign writing?); not appending", path.display())]
    Changed {
        /// The log.
        path: PathBuf,
    },
}

impl AuditError {
    /// Whether this is a failure of the log's integrity (exit 4), as opposed to I/O (exit 1).
    pub fn is_integrity(&self) -> bool {
        !matches!(self, AuditError::Io { .. } | AuditError::Changed { .. })
    }

    /// The 1-based line the problem is on, when it is on one.
    pub fn line(&self) -> Option<u64> {
        match self {
            AuditError::Malformed { line, .. }
            | AuditError::NotCanonical { line, .. }
            | AuditError::TooLong { line, .. }
            | AuditError::Seq { line, .. }
            | AuditError::Prev { line, .. }
            | AuditError::Mac { line, .. }
            | AuditError::MacMissing { line, .. }
            | AuditError::TornTail { line, .. } => Some(*line),
            AuditError::Io { .. } | AuditError::Changed { .. } => None,
        }
    }

    /// What the user can do next.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            AuditError::TornTail { .. } => Some(
                "keep a copy of the log, then remove the partial last line (truncate the file to the complete part) before appending again",
            ),
            AuditError::Io { .. } | AuditError::Changed { .. } => None,
            _ => Some(
                "the log was changed after it was written: keep the file as evidence and compare it with your off-machine records",
            ),
        }
    }
}

/// What a successful [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Number of entries.
    pub entries: u64,
    /// Hex SHA-256 of the last line ([`ZERO_HASH`] for an empty log): compare it with a record
    /// kept off the machine to detect a cut at the tail.
    pub tail_hash: String,
    /// Whether MACs were checked (a key was given).
    pub mac_checked: bool,
}

/// One line as read: its number, its bytes (without the newline), and whether a newline ended it.
struct RawLine {
    number: u64,
    bytes: Vec<u8>,
    complete: bool,
}

/// Read the log line by line, calling `f` on each; lines over [`MAX_LINE`] are an error.
fn scan(
    path: &Path,
    mut f: impl FnMut(RawLine) -> Result<(), AuditError>,
) -> Result<(), AuditError> {
    let io = |action, source| AuditError::Io {
        action,
        path: path.to_owned(),
        source,
    };
    check_regular(path)?;
    let file = File::open(path).map_err(|e| io("open", e))?;
    let mut r = BufReader::new(file);
    let mut number = 0u64;
    loop {
        let mut buf = Vec::new();
        let n = (&mut r)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| io("read", e))?;
        if n == 0 {
            return Ok(());
        }
        number += 1;
        let complete = buf.last() == Some(&b'\n');
        if complete {
            buf.pop();
        }
        if buf.len() > MAX_LINE {
            return Err(AuditError::TooLong {
                path: path.to_owned(),
                line: number,
            });
        }
        f(RawLine {
            number,
            bytes: buf,
            complete,
        })?;
    }
}

/// A FIFO or device would block or never end: only regular files (or a missing file, for
/// [`Log::open`] to create) are logs.
fn check_regular(path: &Path) -> Result<(), AuditError> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => Err(AuditError::Io {
            action: "open",
            path: path.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"),
        }),
        _ => Ok(()),
    }
}

/// Parse one complete line and check that it is in the exact form airsign writes.
fn parse_line(path: &Path, number: u64, bytes: &[u8]) -> Result<Entry, AuditError> {
    let entry: Entry = serde_json::from_slice(bytes).map_err(|source| AuditError::Malformed {
        path: path.to_owned(),
        line: number,
        source,
    })?;
    if entry.to_line().as_bytes() != bytes {
        return Err(AuditError::NotCanonical {
            path: path.to_owned(),
            line: number,
        });
    }
    Ok(entry)
}

/// Verify the whole log: every line an entry in canonical form, `seq` counting from 0, each
/// `prev` the hash of the line before, and (with `mac_key`) every MAC. Without a key only the
/// chain is checked: anyone can rebuild a consistent chain after an edit.
///
/// A missing file is an I/O error; an empty file is a valid log of 0 entries.
pub fn verify(path: &Path, mac_key: Option<&[u8; 32]>) -> Result<Summary, AuditError> {
    let mut entries = 0u64;
    let mut tail = ZERO_HASH.to_owned();
    let mut complete_len = 0u64;
    scan(path, |raw| {
        if !raw.complete {
            return Err(AuditError::TornTail {
                path: path.to_owned(),
                line: raw.number,
                entries,
                tail_hash: tail.clone(),
                complete_len,
            });
        }
        let entry = parse_line(path, raw.number, &raw.bytes)?;
        if entry.seq != entries {
            return Err(AuditError::Seq {
                path: path.to_owned(),
                line: raw.number,
                expected: entries,
                found: entry.seq,
            });
        }
        if entry.prev != tail {
            return Err(AuditError::Prev {
                path: path.to_owned(),
                line: raw.number,
            });
        }
        if let Some(key) = mac_key {
            if entry.mac.is_none() {
                return Err(AuditError::MacMissing {
                    path: path.to_owned(),
                    line: raw.number,
                });
            }
            if !entry.mac_matches(key) {
                return Err(AuditError::Mac {
                    path: path.to_owned(),
                    line: raw.number,
                });
            }
        }
        entries += 1;
        tail = line_hash(&raw.bytes);
        complete_len += raw.bytes.len() as u64 + 1;
        Ok(())
    })?;
    Ok(Summary {
        entries,
        tail_hash: tail,
        mac_checked: mac_key.is_some(),
    })
}

/// One line as `log show` sees it: the entry, or why the line is not one.
#[derive(Debug)]
pub struct ShownLine {
    /// 1-based line number.
    pub line: u64,
    /// The entry, or the problem with the line (as text).
    pub entry: Result<Entry, String>,
}

/// Every line of the log, parsed without checking the chain (for display; a log can be
/// inspected even when it does not verify: call [`verify`] to know whether to trust it).
pub fn read_lines(path: &Path) -> Result<Vec<ShownLine>, AuditError> {
    let mut out = Vec::new();
    scan(path, |raw| {
        let entry = if raw.complete {
            parse_line(path, raw.number, &raw.bytes).map_err(|e| match e {
                AuditError::Malformed { source, .. } => format!("not an audit entry: {source}"),
                AuditError::NotCanonical { .. } => "not in the form airsign writes".into(),
                e => e.to_string(),
            })
        } else {
            Err("incomplete line (interrupted write)".into())
        };
        out.push(ShownLine {
            line: raw.number,
            entry,
        });
        Ok(())
    })?;
    Ok(out)
}

/// An open log to append to. Holds no key: the MAC key is passed to each [`Log::append`].
#[derive(Debug)]
pub struct Log {
    path: PathBuf,
    file: File,
    entries: u64,
    tail_hash: String,
    len: u64,
}

impl Log {
    /// Open the log at `path`, creating it (empty) if missing. The existing chain is verified
    /// first (without a key): appending to a broken or torn log would bury the evidence.
    pub fn open(path: &Path) -> Result<Log, AuditError> {
        let io = |action, source| AuditError::Io {
            action,
            path: path.to_owned(),
            source,
        };
        use std::os::unix::fs::OpenOptionsExt;
        check_regular(path)?;
        // Not secret, but amounts and addresses are private: owner-only when created.
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| io("open", e))?;
        let s = verify(path, None)?;
        let len = file.metadata().map_err(|e| io("inspect", e))?.len();
        Ok(Log {
            path: path.to_owned(),
            file,
            entries: s.entries,
            tail_hash: s.tail_hash,
            len,
        })
    }

    /// Number of entries.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// Hash of the last line ([`ZERO_HASH`] when empty).
    pub fn tail_hash(&self) -> &str {
        &self.tail_hash
    }

    /// Append one entry: fills `seq`, `time` (now), `prev` and (with a key) `mac`, writes the
    /// line in one `O_APPEND` write and syncs it to disk before returning.
    pub fn append(
        &mut self,
        draft: EntryDraft,
        mac_key: Option<&[u8; 32]>,
    ) -> Result<Entry, AuditError> {
        self.append_at(draft, mac_key, crate::time::now_rfc3339())
    }

    /// [`Log::append`] with a given time (tests, and callers that already took the time).
    pub fn append_at(
        &mut self,
        draft: EntryDraft,
        mac_key: Option<&[u8; 32]>,
        time: String,
    ) -> Result<Entry, AuditError> {
        let io = |action, source| AuditError::Io {
            action,
            path: self.path.clone(),
            source,
        };
        let now_len = self.file.metadata().map_err(|e| io("inspect", e))?.len();
        if now_len != self.len {
            return Err(AuditError::Changed {
                path: self.path.clone(),
            });
        }
        let mut entry = Entry::from_draft(draft, self.entries, time, self.tail_hash.clone());
        entry.mac = mac_key.map(|k| entry.compute_mac(k));
        let line = entry.to_line();
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        self.file.write_all(&bytes).map_err(|e| io("write", e))?;
        self.file.sync_data().map_err(|e| io("sync", e))?;
        self.entries += 1;
        self.tail_hash = line_hash(line.as_bytes());
        self.len += bytes.len() as u64;
        Ok(entry)
    }
}

/// Signed spends in a verified log, oldest first: time, sats leaving, fee, size and payments
/// (the last two only in entries written since airsign records them). Velocity limits and
/// anomaly warnings read them; entries whose time does not parse count as now.
pub fn signed_spends(
    path: &Path,
    mac_key: Option<&[u8; 32]>,
) -> Result<Vec<SignedSpend>, AuditError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    verify(path, mac_key)?;
    let now = crate::time::parse_rfc3339(&crate::time::now_rfc3339()).unwrap_or(u64::MAX);
    Ok(read_lines(path)?
        .into_iter()
        .filter_map(|l| l.entry.ok())
        .filter(|e| e.event == Event::Signed)
        .map(|e| SignedSpend {
            time: crate::time::parse_rfc3339(&e.time).unwrap_or(now),
            leaving: e.outputs.leaving,
            fee: e.fee,
            vsize: e.vsize,
            payments: e.payments,
        })
        .collect())
}

/// What a verified log says about the delay windows of one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DelayFacts {
    /// When this transaction (by txid) or this payment (by payment key) was first recorded as
    /// pending, in unix seconds: where a delay in hours counts from.
    pub pending_since: Option<u64>,
    /// The locktime of the first pending entry for this payment that started a delay in blocks
    /// (it has `until_height`): where a delay in blocks counts from.
    pub pending_height: Option<u32>,
    /// The highest block-height locktime of any signed or pending entry: the online machine
    /// reported a chain at least this high before, so a delay may not start below it.
    pub height_floor: Option<u32>,
}

fn height(locktime: Option<u32>) -> Option<u32> {
    locktime.filter(|l| *l > 0 && *l < 500_000_000)
}

/// The delay facts for the transaction `txid` with payment key `payment_key`, from the log at
/// `path` (verified first, with `mac_key` when given). A missing log says nothing.
pub fn delay_facts(
    path: &Path,
    txid: &str,
    payment_key: &str,
    mac_key: Option<&[u8; 32]>,
) -> Result<DelayFacts, AuditError> {
    let mut facts = DelayFacts::default();
    if !path.exists() {
        return Ok(facts);
    }
    verify(path, mac_key)?;
    for e in read_lines(path)?.into_iter().filter_map(|l| l.entry.ok()) {
        if !matches!(e.event, Event::Signed | Event::Pending) {
            continue;
        }
        if let Some(h) = height(e.locktime) {
            facts.height_floor = Some(facts.height_floor.map_or(h, |f| f.max(h)));
        }
        if e.event != Event::Pending {
            continue;
        }
        let same_payment = e.payment_key.as_deref() == Some(payment_key);
        if e.txid == txid || same_payment {
            if let Some(t) = crate::time::parse_rfc3339(&e.time) {
                facts.pending_since = Some(facts.pending_since.map_or(t, |s| s.min(t)));
            }
        }
        // Only a pending entry that started a delay in blocks (it names the height it waits
        // for) sets the start: an older entry of an hours-only rule may carry a locktime long
        // past, which would end a newer blocks delay at once.
        if same_payment && facts.pending_height.is_none() && e.until_height.is_some() {
            facts.pending_height = height(e.locktime);
        }
    }
    Ok(facts)
}

/// Where a seed file's audit log lives by default: beside it, `SEED.audit.jsonl`.
pub fn default_path(seed: &Path) -> PathBuf {
    let mut name = seed.as_os_str().to_owned();
    name.push(".audit.jsonl");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(i: u64) -> EntryDraft {
        EntryDraft {
            event: Event::Signed,
            bundle_id: format!("bundle-{i}"),
            psbt_sha256: "ab".repeat(32),
            txid: "cd".repeat(32),
            inputs: InputsSummary {
                count: 1,
                total: Some(10_000),
            },
            outputs: OutputsSummary {
                count: 2,
                total: Some(9_000),
                leaving: 5_000,
                change: 4_000,
            },
            fee: Some(1_000),
            policy_hash: String::new(),
            rule: None,
            decision: "signed".into(),
            reasons: vec![],
            fingerprint: "73c5da0a".into(),
            payments: vec![],
            vsize: None,
            payment_key: None,
            locktime: None,
            until_height: None,
            message: None,
            keycheck: None,
        }
    }

    #[test]
    fn audit_append_then_verify_and_reopen_continues_the_chain() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("audit.jsonl");
        let key = [7u8; 32];
        let mut log = Log::open(&p).unwrap();
        assert_eq!(log.tail_hash(), ZERO_HASH);
        let e0 = log.append(draft(0), Some(&key)).unwrap();
        assert_eq!(e0.seq, 0);
        assert_eq!(e0.prev, ZERO_HASH);
        assert!(e0.mac_matches(&key));
        assert!(!e0.mac_matches(&[8u8; 32]));
        drop(log);
        let mut log = Log::open(&p).unwrap();
        let e1 = log.append(draft(1), Some(&key)).unwrap();
        assert_eq!(e1.seq, 1);
        assert_eq!(e1.prev, line_hash(e0.to_line().as_bytes()));
        let s = verify(&p, Some(&key)).unwrap();
        assert_eq!(s.entries, 2);
        assert_eq!(s.tail_hash, log.tail_hash());
        assert!(matches!(
            verify(&p, Some(&[8u8; 32])),
            Err(AuditError::Mac { line: 1, .. })
        ));
    }

    #[test]
    fn audit_unknown_field_and_null_mac_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("audit.jsonl");
        let mut log = Log::open(&p).unwrap();
        let e = log.append(draft(0), None).unwrap();
        let line = e.to_line();
        let extra = line.replacen("{", "{\"x\":1,", 1);
        std::fs::write(&p, format!("{extra}\n")).unwrap();
        assert!(matches!(
            verify(&p, None),
            Err(AuditError::Malformed { line: 1, .. })
        ));
        let null_mac = format!("{},\"mac\":null}}", &line[..line.len() - 1]);
        std::fs::write(&p, format!("{null_mac}\n")).unwrap();
        assert!(matches!(
            verify(&p, None),
            Err(AuditError::NotCanonical { line: 1, .. })
        ));
    }

    #[test]
    fn audit_open_refuses_a_torn_log_and_a_concurrent_writer_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("audit.jsonl");
        let mut log = Log::open(&p).unwrap();
        log.append(draft(0), None).unwrap();
        let mut other = Log::open(&p).unwrap();
        other.append(draft(1), None).unwrap();
        assert!(matches!(
            log.append(draft(2), None),
            Err(AuditError::Changed { .. })
        ));
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"{\"seq\":2,").unwrap();
        let e = Log::open(&p).unwrap_err();
        assert!(matches!(
            e,
            AuditError::TornTail {
                line: 3,
                entries: 2,
                ..
            }
        ));
        assert!(e.is_integrity());
    }

    #[test]
    fn audit_draft_from_review_takes_the_summary() {
        use bitcoin::hashes::Hash;
        use bitcoin::{
            absolute, transaction, Amount, OutPoint, ScriptBuf, Transaction, TxIn, TxOut,
        };
        let out = |v| TxOut {
            value: Amount::from_sat(v),
            script_pubkey: ScriptBuf::new_p2wpkh(&bitcoin::WPubkeyHash::all_zeros()),
        };
        let tx = Transaction {
            version: transaction::Version::TWO,
            lock_time: absolute::LockTime::ZERO,
            input: vec![TxIn {
                previous_output: OutPoint::new(bitcoin::Txid::all_zeros(), 0),
                ..TxIn::default()
            }],
            output: vec![out(6_000), out(3_000)],
        };
        let mut psbt = bitcoin::Psbt::from_unsigned_tx(tx).unwrap();
        psbt.inputs[0].witness_utxo = Some(out(10_000));
        let review = crate::bundle::review(
            &psbt,
            &crate::wallet::keys::NoKeys(bitcoin::Network::Regtest),
            &crate::bundle::ReviewOptions::default(),
        );
        let d = EntryDraft::from_review(
            &review,
            bitcoin::hashes::sha256::Hash::hash(b"psbt"),
            Event::Refused,
            "refused",
            vec![],
            "",
            Some("default"),
        );
        assert_eq!(d.inputs.count, 1);
        assert_eq!(d.inputs.total, Some(10_000));
        assert_eq!(d.outputs.count, 2);
        assert_eq!(d.outputs.total, Some(9_000));
        assert_eq!(d.txid, review.txid.to_string());
        assert_eq!(d.bundle_id, review.bundle_id.to_string());
        assert_eq!(d.fee, review.fee);
        assert_eq!(d.rule.as_deref(), Some("default"));
    }

    #[test]
    fn audit_delay_facts_take_the_blocks_start_and_the_height_floor_from_accepted_entries() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("audit.jsonl");
        let key = "ee".repeat(32);
        let entry = |event, txid: &str, pk: Option<&str>, lt: u32, until: Option<u32>| {
            let mut d = draft(0);
            d.event = event;
            d.txid = txid.repeat(32);
            d.payment_key = pk.map(str::to_owned);
            d.locktime = Some(lt);
            d.until_height = until;
            d
        };
        let mut log = Log::open(&p).unwrap();
        for (i, d) in [
            // An hours-only pending entry of the payment, with an old locktime: not the start.
            entry(Event::Pending, "a1", Some(&key), 100, None),
            entry(Event::Signed, "b2", None, 900, None),
            // The blocks delay of the payment starts here, under another txid.
            entry(Event::Pending, "c3", Some(&key), 1000, Some(1144)),
            // Refused entries say nothing about the chain: their locktime is not a floor.
            entry(Event::Refused, "d4", None, 5000, None),
            // Neither is a unix-time locktime.
            entry(Event::Signed, "e5", None, 1_700_000_000, None),
        ]
        .into_iter()
        .enumerate()
        {
            log.append_at(d, None, format!("2026-11-24T10:0{i}:00Z"))
                .unwrap();
        }
        let f = delay_facts(&p, &"ff".repeat(32), &key, None).unwrap();
        assert_eq!(f.pending_height, Some(1000));
        assert_eq!(f.height_floor, Some(1000));
        assert_eq!(
            f.pending_since,
            crate::time::parse_rfc3339("2026-11-24T10:00:00Z")
        );
        // Another payment: no pending, same floor; by txid alone the hours start is found.
        let f = delay_facts(&p, &"c3".repeat(32), &"00".repeat(32), None).unwrap();
        assert_eq!(f.pending_height, None);
        assert_eq!(f.height_floor, Some(1000));
        assert_eq!(
            f.pending_since,
            crate::time::parse_rfc3339("2026-11-24T10:02:00Z")
        );
        assert_eq!(
            delay_facts(&dir.path().join("none"), "", "", None).unwrap(),
            DelayFacts::default()
        );
    }

    #[test]
    fn audit_a_directory_is_not_a_log() {
        let dir = tempfile::tempdir().unwrap();
        let e = Log::open(dir.path()).unwrap_err();
        assert!(matches!(e, AuditError::Io { .. }));
        assert!(!e.is_integrity());
        assert!(verify(dir.path(), None).is_err());
    }
}
