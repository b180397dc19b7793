//! `airsign log reconcile` (issue 8, item 9): the audit log against what the chain shows. A
//! wallet spend no `signed` entry accounts for is the alarm (exit 3); signed transactions the
//! chain does not show are listed (exit 0). Fixtures in `fixtures/reconcile/` (shapes and sources
//! in its README).
mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use airsign::audit::{EntryDraft, Event, InputsSummary, Log, OutputsSummary};
use airsign::wallet::ScriptType;
use common::{bin, q, sh};

const C2: &str = "c200000000000000000000000000000000000000000000000000000000000002";
const C3: &str = "c300000000000000000000000000000000000000000000000000000000000003";
const C4: &str = "c400000000000000000000000000000000000000000000000000000000000004";
const E1: &str = "e100000000000000000000000000000000000000000000000000000000000001";
const E2: &str = "e200000000000000000000000000000000000000000000000000000000000002";
const E3: &str = "e300000000000000000000000000000000000000000000000000000000000003";
/// A transaction this signer signed that the chain never showed.
const D9: &str = "d900000000000000000000000000000000000000000000000000000000000009";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/reconcile")
        .join(name)
}

fn signed(txid: &str, payment_key: Option<String>) -> EntryDraft {
    EntryDraft {
        event: Event::Signed,
        bundle_id: "ABLE ACID ALSO APEX (00010203)".into(),
        psbt_sha256: "ab".repeat(32),
        txid: txid.into(),
        inputs: InputsSummary {
            count: 1,
            total: Some(100_000),
        },
        outputs: OutputsSummary {
            count: 2,
            total: Some(99_800),
            leaving: 50_000,
            change: 49_800,
        },
        fee: Some(200),
        policy_hash: String::new(),
        rule: None,
        decision: "signed".into(),
        reasons: vec![],
        fingerprint: "73c5da0a".into(),
        payments: vec![],
        vsize: None,
        payment_key,
        locktime: Some(0),
        until_height: None,
        message: None,
        keycheck: None,
    }
}

/// A log in a fresh folder holding `entries`.
fn log_of(entries: Vec<EntryDraft>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("audit.jsonl");
    let mut log = Log::open(&p).unwrap();
    for e in entries {
        log.append(e, Some(&[7u8; 32])).unwrap();
    }
    (dir, p)
}

fn reconcile(log: &Path, txs: &Path, extra: &str) -> Output {
    sh(&format!(
        "{} log reconcile {} --txs {} {extra}",
        q(&bin()),
        q(log),
        q(txs)
    ))
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn an_unlogged_confirmed_spend_in_core_json_is_the_alarm() {
    let (_d, log) = log_of(vec![signed(C2, None), signed(C4, None)]);
    let o = reconcile(&log, &fixture("core-listtransactions.json"), "");
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    let text = out(&o);
    assert!(
        text.contains("input: Bitcoin Core listtransactions/listsinceblock JSON: 4 transaction(s), 3 wallet spend(s)"),
        "{text}"
    );
    assert!(
        text.contains("ALARM: 1 wallet spend(s) this log never signed:"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{C3}  confirmed (2 confirmations)")),
        "{text}"
    );
    assert!(!text.contains(&format!("{C2}  confirmed")), "{text}");
    let e = err(&o);
    assert!(e.contains("a key may be compromised"), "{e}");
    assert!(e.contains("cosigners"), "{e}");

    let o = reconcile(&log, &fixture("core-listtransactions.json"), "--json");
    assert_eq!(o.status.code(), Some(3));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["format"], "bitcoin-core");
    assert_eq!(v["unlogged"].as_array().unwrap().len(), 1);
    assert_eq!(v["unlogged"][0]["code"], "unlogged-spend");
    assert_eq!(v["unlogged"][0]["txid"], C3);
    assert_eq!(v["unlogged"][0]["status"], "confirmed");
    assert_eq!(v["unlogged"][0]["confirmations"], 2);
}

#[test]
fn a_fully_reconciled_log_exits_0_and_lists_what_was_signed_but_not_seen() {
    let (_d, log) = log_of(vec![
        signed(C2, None),
        signed(C3, None),
        signed(C4, None),
        signed(D9, None),
    ]);
    let o = reconcile(&log, &fixture("core-listtransactions.json"), "");
    assert!(o.status.success(), "{}", err(&o));
    let text = out(&o);
    assert!(
        text.contains("ok: every wallet spend in the input was signed by this log's signer"),
        "{text}"
    );
    assert!(
        text.contains("signed here, not seen in the input"),
        "{text}"
    );
    let d9 = text.lines().find(|l| l.ends_with(&format!("txid {D9}")));
    assert!(d9.is_some_and(|l| l.starts_with("  seq 3  ")), "{text}");
    assert!(
        text.contains("signed here, unconfirmed in the input:"),
        "{text}"
    );
    assert!(text.contains(&format!("txid {C4}")), "{text}");
    let o = reconcile(&log, &fixture("core-listtransactions.json"), "--json");
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["signed"], 4);
    assert_eq!(v["signed_confirmed"], 2);
    let listed: Vec<(String, String)> = v["signed_not_confirmed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["code"].as_str().unwrap().to_owned(),
                x["txid"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            ("signed-unconfirmed".to_owned(), C4.to_owned()),
            ("signed-unseen".to_owned(), D9.to_owned())
        ]
    );
}

/// The payment key of `e1…01` as the log would record it: its coin and its two outputs, derived
/// here from the wallet (not read from the fixture).
fn e1_payment_key() -> String {
    let w = common::wallet_of(&common::test_keys(), ScriptType::Wpkh);
    let payee = common::payee().script_pubkey();
    let change = w.address(true, 3).unwrap().script_pubkey();
    airsign::bundle::review::payment::payment_key(
        [bitcoin::OutPoint::new(E3.parse().unwrap(), 0)],
        [(50_000, payee.as_script()), (49_800, change.as_script())],
    )
    .to_string()
}

fn wallet_file(dir: &Path) -> PathBuf {
    let w = common::wallet_of(&common::test_keys(), ScriptType::Wpkh);
    let p = dir.join("treasury.json");
    std::fs::write(
        &p,
        airsign::wallet::file::WalletFile::new(&w, "treasury", 20)
            .unwrap()
            .to_json(),
    )
    .unwrap();
    p
}

#[test]
fn esplora_json_needs_the_wallet_and_matches_a_changed_txid_by_payment_key() {
    // Signed as another txid (as signing a P2SH-wrapped input would change it), same payment.
    let logged_as = "0e10000000000000000000000000000000000000000000000000000000000001";
    let (d, log) = log_of(vec![signed(logged_as, Some(e1_payment_key()))]);
    let txs = fixture("esplora-address-txs.json");
    let o = reconcile(&log, &txs, "");
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("give --wallet W.json"), "{}", err(&o));

    let wallet = wallet_file(d.path());
    let o = reconcile(&log, &txs, &format!("--wallet {} --json", q(&wallet)));
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["format"], "esplora");
    // e3 funds the wallet (not a spend) and appears twice in the joined file: counted once.
    assert_eq!(v["transactions"], 3);
    assert_eq!(v["wallet_spends"], 2);
    assert_eq!(v["matched_by_payment_key"], 1);
    let unlogged: Vec<&str> = v["unlogged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["txid"].as_str().unwrap())
        .collect();
    assert_eq!(unlogged, vec![E2]);
    // The signed entry is seen on chain through its payment key.
    assert_eq!(v["signed_confirmed"], 1);

    // With e2 signed too, everything is accounted for.
    let (_d2, log2) = log_of(vec![
        signed(logged_as, Some(e1_payment_key())),
        signed(E2, None),
    ]);
    let o = reconcile(&log2, &txs, &format!("--wallet {}", q(&wallet)));
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert!(
        out(&o).contains("1 wallet spend(s) matched a signed entry by payment key"),
        "{}",
        out(&o)
    );
    assert!(!out(&o).contains(E1), "matched: not listed\n{}", out(&o));
}

#[test]
fn a_txid_list_is_taken_as_confirmed_wallet_spends() {
    let (_d, log) = log_of(vec![signed(C2, None)]);
    let o = reconcile(&log, &fixture("txids.txt"), "");
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    let text = out(&o);
    assert!(text.contains("a list of txids"), "{text}");
    assert!(text.contains(&format!("{C3}  confirmed")), "{text}");
    assert!(text.contains("matched by txid only"), "{text}");
}

#[test]
fn a_tampered_log_is_exit_4_before_anything_is_compared() {
    let (_d, log) = log_of(vec![signed(C2, None), signed(C3, None)]);
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::write(&log, text.replacen("\"fee\":200", "\"fee\":201", 1)).unwrap();
    let o = reconcile(&log, &fixture("core-listtransactions.json"), "");
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    assert!(out(&o).is_empty(), "{}", out(&o));
}

#[test]
fn garbage_is_exit_1_with_what_was_expected() {
    let (d, log) = log_of(vec![signed(C2, None)]);
    for (name, bytes) in [
        ("text", &b"hello, world\n"[..]),
        ("object", b"{\"balance\": 5}"),
        ("numbers", b"[1, 2, 3]"),
        ("bad-txid", b"[\"c2\x1b[2J\"]"),
        ("binary", b"\x00\x01\xff\xfe"),
        ("truncated", b"[{\"txid\": \"c2"),
        (
            "core-without-confirmations",
            format!(r#"[{{"txid":"{C2}","category":"send"}}]"#).as_bytes(),
        ),
    ] {
        let p = d.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let o = reconcile(&log, &p, "");
        let e = err(&o);
        assert_eq!(o.status.code(), Some(1), "{name}: {e}");
        assert!(e.contains("is not Bitcoin Core"), "{name}: {e}");
        assert!(!e.contains('\x1b'), "{name}: {e}");
    }
}

/// End to end: a spend this signer signed (and logged) and one signed elsewhere (the demo signs
/// without a log, as a stolen key would), both seen on chain: only the second is the alarm. The
/// P2WPKH spend's final txid is the unsigned txid the log recorded.
#[test]
fn a_spend_signed_without_the_log_is_flagged_and_the_logged_one_is_not() {
    let (dir, pass) = common::demo_dir();
    let d = dir.path();
    let o = sh(&format!(
        "{} sign --seed {} --passphrase-fd 4 --yes -o {} {} 4<{}",
        q(&bin()),
        q(&d.join("demo-seed.age")),
        q(&d.join("mine.psbt")),
        q(&d.join("wpkh-unsigned.psbt")),
        q(&pass)
    ));
    assert!(o.status.success(), "{}", err(&o));
    let finalize = |f: &str| -> String {
        let o = sh(&format!(
            "{} bundle finalize --json {}",
            q(&bin()),
            q(&d.join(f))
        ));
        assert!(o.status.success(), "{}", err(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["txid"].as_str().unwrap().to_owned()
    };
    let mine = finalize("mine.psbt");
    let elsewhere = finalize("tr-signed.psbt");
    let log = d.join("demo-seed.age.audit.jsonl");
    let logged: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        logged["txid"],
        mine.as_str(),
        "native segwit: the txid does not change"
    );
    let txs = d.join("seen.txt");
    std::fs::write(&txs, format!("{mine}\n{elsewhere}\n")).unwrap();
    let o = reconcile(&log, &txs, "--json");
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["unlogged"].as_array().unwrap().len(), 1);
    assert_eq!(v["unlogged"][0]["txid"], elsewhere.as_str());
    assert_eq!(v["signed_confirmed"], 1);
}
