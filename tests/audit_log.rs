//! The audit log: a log of 10 entries written through the library with a MAC key, then every
//! way of tampering with it that `verify` must catch (edit, delete, swap, insert, a line rebuilt
//! without the key), the two it cannot catch from the file alone (a cut at the tail, shown by a
//! different tail hash; a rebuilt chain without the key), a torn last write, and the `log`
//! commands' exit codes and escaping.
mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use airsign::audit::{
    self, line_hash, AuditError, Entry, EntryDraft, Event, InputsSummary, Log, OutputsSummary,
    Payment, Reason, ScriptKind, ZERO_HASH,
};

const KEY: [u8; 32] = [0x42; 32];
const HOSTILE: &str = "fee \u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\u{202e}too high";

fn draft(i: u64) -> EntryDraft {
    let refused = i % 3 == 2;
    EntryDraft {
        event: if refused {
            Event::Refused
        } else {
            Event::Signed
        },
        bundle_id: format!("able-acid-also-apex {i:08x}"),
        psbt_sha256: line_hash(format!("psbt {i}").as_bytes()),
        txid: line_hash(format!("tx {i}").as_bytes()),
        inputs: InputsSummary {
            count: 2,
            total: Some(100_000 + i),
        },
        outputs: OutputsSummary {
            count: 2,
            total: Some(99_000 + i),
            leaving: 50_000,
            change: 49_000 + i,
        },
        fee: Some(1_000),
        policy_hash: String::new(),
        rule: refused.then(|| "default".to_owned()),
        decision: if refused { "refused" } else { "signed" }.into(),
        reasons: if refused {
            vec![Reason {
                code: "fee-percent".into(),
                message: HOSTILE.into(),
            }]
        } else {
            vec![]
        },
        fingerprint: "73c5da0a".into(),
        // Entries with the optional fields and without them, interleaved.
        payments: if i.is_multiple_of(2) {
            vec![Payment {
                script_type: ScriptKind::P2wpkh,
                to: "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080".into(),
                amount: 50_000,
            }]
        } else {
            vec![]
        },
        vsize: i.is_multiple_of(2).then_some(141),
        payment_key: None,
        locktime: None,
        until_height: None,
        message: None,
        keycheck: None,
    }
}

/// A 10-entry log with MACs under [`KEY`], and its tail hash.
fn log10() -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("audit.jsonl");
    let mut log = Log::open(&p).unwrap();
    for i in 0..10 {
        log.append_at(draft(i), Some(&KEY), format!("2026-11-24T10:{i:02}:00Z"))
            .unwrap();
    }
    let tail = log.tail_hash().to_owned();
    (dir, p, tail)
}

fn lines(p: &Path) -> Vec<String> {
    let s = std::fs::read_to_string(p).unwrap();
    assert!(s.ends_with('\n'));
    s.lines().map(str::to_owned).collect()
}

fn write_lines(p: &Path, l: &[String]) {
    std::fs::write(p, l.join("\n") + "\n").unwrap();
}

fn airsign(args: &[&str]) -> Output {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("airsign"))
        .args(args)
        .output()
        .unwrap()
}

fn cli_verify(p: &Path) -> Output {
    airsign(&["log", "verify", p.to_str().unwrap()])
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn an_untouched_log_verifies_with_and_without_the_key() {
    let (_d, p, tail) = log10();
    for key in [None, Some(&KEY)] {
        let s = audit::verify(&p, key).unwrap();
        assert_eq!(s.entries, 10);
        assert_eq!(s.tail_hash, tail);
        assert_eq!(s.mac_checked, key.is_some());
    }
    let l = lines(&p);
    assert_eq!(l.len(), 10);
    let first: Entry = serde_json::from_str(&l[0]).unwrap();
    assert_eq!(first.prev, ZERO_HASH);
    assert_eq!(tail, line_hash(l[9].as_bytes()));
    let o = cli_verify(&p);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        out.contains(&format!("10 entries, tail hash {tail}")),
        "{out}"
    );
    let o = airsign(&["log", "tail", p.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["entries"], 10);
    assert_eq!(v["tail_hash"], tail.as_str());
}

#[test]
fn an_edited_middle_line_breaks_the_chain_at_the_next_line_and_its_own_mac() {
    let (_d, p, _) = log10();
    let mut l = lines(&p);
    assert!(l[4].contains("\"fee\":1000"));
    l[4] = l[4].replace("\"fee\":1000", "\"fee\":100");
    write_lines(&p, &l);
    assert!(matches!(
        audit::verify(&p, None),
        Err(AuditError::Prev { line: 6, .. })
    ));
    assert!(matches!(
        audit::verify(&p, Some(&KEY)),
        Err(AuditError::Mac { line: 5, .. })
    ));
    let o = cli_verify(&p);
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("line 6"), "{}", stderr(&o));
}

#[test]
fn a_deleted_middle_line_is_a_seq_gap() {
    let (_d, p, _) = log10();
    let mut l = lines(&p);
    l.remove(4);
    write_lines(&p, &l);
    assert!(matches!(
        audit::verify(&p, None),
        Err(AuditError::Seq {
            line: 5,
            expected: 4,
            found: 5,
            ..
        })
    ));
    let o = cli_verify(&p);
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("line 5 has seq 5, expected 4"));
}

#[test]
fn swapped_lines_are_caught() {
    let (_d, p, _) = log10();
    let mut l = lines(&p);
    l.swap(3, 4);
    write_lines(&p, &l);
    assert!(matches!(
        audit::verify(&p, None),
        Err(AuditError::Seq { line: 4, .. })
    ));
    assert_eq!(cli_verify(&p).status.code(), Some(4));
}

#[test]
fn an_inserted_duplicate_line_is_caught() {
    let (_d, p, _) = log10();
    let mut l = lines(&p);
    let dup = l[6].clone();
    l.insert(7, dup);
    write_lines(&p, &l);
    assert!(matches!(
        audit::verify(&p, None),
        Err(AuditError::Seq { line: 8, .. })
    ));
    assert_eq!(cli_verify(&p).status.code(), Some(4));
}

/// Rebuild the chain after editing line 5, as someone without the key can: the chain alone
/// then verifies (documented), the MACs do not.
#[test]
fn a_line_forged_with_a_recomputed_chain_is_caught_only_with_the_key() {
    let (_d, p, _) = log10();
    let mut entries: Vec<Entry> = lines(&p)
        .iter()
        .map(|s| serde_json::from_str(s).unwrap())
        .collect();
    entries[4].fee = Some(1);
    entries[4].outputs.leaving = 1;
    let mut prev = entries[3].prev.clone();
    let mut out = Vec::new();
    for (i, e) in entries.iter_mut().enumerate() {
        if i >= 4 {
            e.prev = prev.clone();
        }
        if i == 4 {
            // A MAC under a guessed key.
            e.mac = Some(e.compute_mac(&[0u8; 32]));
        }
        let line = e.to_line();
        prev = line_hash(line.as_bytes());
        out.push(line);
    }
    write_lines(&p, &out);
    let chain_only = audit::verify(&p, None).unwrap();
    assert_eq!(chain_only.entries, 10);
    assert!(matches!(
        audit::verify(&p, Some(&KEY)),
        Err(AuditError::Mac { line: 5, .. })
    ));
    // Without any MAC on the forged line: missing, not mismatching.
    entries[4].mac = None;
    let mut out = Vec::new();
    let mut prev = ZERO_HASH.to_owned();
    for e in entries.iter_mut() {
        e.prev = prev.clone();
        let line = e.to_line();
        prev = line_hash(line.as_bytes());
        out.push(line);
    }
    write_lines(&p, &out);
    assert!(matches!(
        audit::verify(&p, Some(&KEY)),
        Err(AuditError::MacMissing { line: 5, .. })
    ));
    // The other lines kept their MACs: lines 6.. fail too once line 5 passes (their prev changed
    // but the MAC covers prev).
    entries[4].mac = Some(entries[4].compute_mac(&KEY));
    let mut out = Vec::new();
    let mut prev = ZERO_HASH.to_owned();
    for e in entries.iter_mut() {
        e.prev = prev.clone();
        let line = e.to_line();
        prev = line_hash(line.as_bytes());
        out.push(line);
    }
    write_lines(&p, &out);
    assert!(matches!(
        audit::verify(&p, Some(&KEY)),
        Err(AuditError::Mac { line: 6, .. })
    ));
}

/// A cut at the tail leaves a valid shorter log: only the count and tail hash, compared with an
/// off-machine record, show it.
#[test]
fn a_cut_tail_verifies_with_fewer_entries_and_another_tail_hash() {
    let (_d, p, tail) = log10();
    let mut l = lines(&p);
    l.truncate(8);
    write_lines(&p, &l);
    let s = audit::verify(&p, Some(&KEY)).unwrap();
    assert_eq!(s.entries, 8);
    assert_ne!(s.tail_hash, tail);
    let o = cli_verify(&p);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8(o.stdout)
        .unwrap()
        .contains(&format!("8 entries, tail hash {}", s.tail_hash)));
}

#[test]
fn a_torn_last_write_is_reported_with_the_intact_part() {
    let (_d, p, tail) = log10();
    let full = std::fs::read(&p).unwrap();
    // A partial 11th line.
    let mut torn = full.clone();
    torn.extend_from_slice(b"{\"seq\":10,\"time\":\"2026-11-24T");
    std::fs::write(&p, &torn).unwrap();
    match audit::verify(&p, Some(&KEY)) {
        Err(AuditError::TornTail {
            line: 11,
            entries: 10,
            tail_hash,
            complete_len,
            ..
        }) => {
            assert_eq!(tail_hash, tail);
            assert_eq!(complete_len, full.len() as u64);
        }
        other => panic!("{other:?}"),
    }
    let o = cli_verify(&p);
    assert_eq!(o.status.code(), Some(4));
    let e = stderr(&o);
    assert!(
        e.contains("line 11 is incomplete") && e.contains("10 entries before it verify"),
        "{e}"
    );
    // Appending after a torn line is refused.
    assert!(matches!(Log::open(&p), Err(AuditError::TornTail { .. })));
    // The last entry cut mid-line (its newline lost).
    std::fs::write(&p, &full[..full.len() - 5]).unwrap();
    assert!(matches!(
        audit::verify(&p, None),
        Err(AuditError::TornTail {
            line: 10,
            entries: 9,
            ..
        })
    ));
}

#[test]
fn lines_that_are_not_entries_are_refused() {
    let (_d, p, _) = log10();
    let mut l = lines(&p);
    l[2] = "not json".into();
    write_lines(&p, &l);
    assert!(matches!(
        audit::verify(&p, None),
        Err(AuditError::Malformed { line: 3, .. })
    ));
    let (_d, p, _) = log10();
    let mut l = lines(&p);
    l[2] = l[2].replacen("{", "{\"extra\":true,", 1);
    write_lines(&p, &l);
    assert!(matches!(
        audit::verify(&p, None),
        Err(AuditError::Malformed { line: 3, .. })
    ));
    let o = airsign(&["log", "verify", "--json", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["line"], 3);
    // An empty line.
    let (_d, p, _) = log10();
    let mut l = lines(&p);
    l.insert(3, String::new());
    write_lines(&p, &l);
    assert!(matches!(
        audit::verify(&p, None),
        Err(AuditError::Malformed { line: 4, .. })
    ));
}

#[test]
fn log_verify_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.jsonl");
    assert_eq!(cli_verify(&missing).status.code(), Some(1));
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let o = cli_verify(&empty);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8(o.stdout)
        .unwrap()
        .contains(&format!("0 entries, tail hash {ZERO_HASH}")));
    assert_eq!(
        airsign(&["log", "verify"]).status.code(),
        Some(2),
        "missing FILE is a usage error"
    );
}

#[test]
fn log_show_escapes_what_the_log_recorded() {
    let (_d, p, _) = log10();
    let o = airsign(&["log", "show", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\u{202e}'));
    assert!(out.contains("fee-percent: fee \\u{1b}]52;c;ZXZpbA==\\u{7}\\u{1b}[2J\\u{202e}too high"));
    assert!(out.contains("able-acid-also-apex 00000002"));
    assert!(out.contains("10 entries, tail hash"));
    // JSON keeps the text, escaped the JSON way.
    let o = airsign(&["log", "show", "--json", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!o.stdout.contains(&0x1b));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["lines"][2]["entry"]["reasons"][0]["message"], HOSTILE);
    assert_eq!(v["verify"]["ok"], true);
}

#[test]
fn log_show_of_a_tampered_log_shows_it_then_exits_4() {
    let (_d, p, _) = log10();
    let mut l = lines(&p);
    l[1] = "\u{1b}[2J garbage".into();
    l[4] = l[4].replace("\"fee\":1000", "\"fee\":1");
    write_lines(&p, &l);
    let o = airsign(&["log", "show", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4));
    let out = String::from_utf8(o.stdout.clone()).unwrap();
    assert!(out.contains("line 2: not an audit entry"), "{out}");
    assert!(!out.contains('\u{1b}'));
    assert!(stderr(&o).contains("line 2"));
}

#[test]
fn a_log_written_before_payments_were_recorded_still_verifies_and_takes_new_entries() {
    // Written by airsign before entries had `payments` and `vsize` (fixtures/audit/README.md).
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/audit/before-payments.jsonl");
    let text = std::fs::read_to_string(&fixture).unwrap();
    assert!(!text.contains("payments") && !text.contains("vsize"));
    let key = common::test_keys().mac_key("audit-log");
    let s = audit::verify(&fixture, Some(&key)).unwrap();
    assert_eq!(s.entries, 2);
    assert!(s.mac_checked);
    for (l, raw) in audit::read_lines(&fixture)
        .unwrap()
        .iter()
        .zip(text.lines())
    {
        let e = l.entry.as_ref().unwrap();
        assert!(e.payments.is_empty() && e.vsize.is_none());
        assert_eq!(e.to_line(), raw, "re-serializes byte for byte");
        assert!(e.mac_matches(&key));
    }
    let spends = audit::signed_spends(&fixture, Some(&key)).unwrap();
    assert_eq!(spends.len(), 1, "the refusal is not a spend");
    assert_eq!(spends[0].leaving, 150_000);
    assert_eq!(spends[0].fee, Some(705));
    assert_eq!(spends[0].vsize, None);
    assert!(spends[0].payments.is_empty());

    // This airsign appends an entry with the new fields; old and new verify together.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("audit.jsonl");
    std::fs::copy(&fixture, &p).unwrap();
    let mut log = Log::open(&p).unwrap();
    let e = log.append(draft(0), Some(&key)).unwrap();
    let line = e.to_line();
    assert!(
        line.contains(r#""fingerprint":"73c5da0a","payments":[{"script_type":"p2wpkh","to":"bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080","amount":50000}],"vsize":141,"mac":""#),
        "{line}"
    );
    assert_eq!(audit::verify(&p, Some(&key)).unwrap().entries, 3);
    let spends = audit::signed_spends(&p, Some(&key)).unwrap();
    assert_eq!(spends.len(), 2);
    assert_eq!(spends[1].vsize, Some(141));
    assert_eq!(spends[1].payments[0].amount, 50_000);
    // The new fields are covered by the MAC like every other.
    let edited = std::fs::read_to_string(&p)
        .unwrap()
        .replace(r#""amount":50000"#, r#""amount":5000"#);
    std::fs::write(&p, edited).unwrap();
    assert!(matches!(
        audit::verify(&p, Some(&key)),
        Err(AuditError::Mac { line: 3, .. })
    ));
}
