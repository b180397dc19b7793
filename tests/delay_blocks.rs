//! A delay in blocks (issue 8, item 5): `delay: {"blocks": B}` refuses a payment the first time
//! and records it as pending with its locktime H0; it signs only in a rebuilt transaction for the
//! same payment whose locktime is at least H0 + B, which the network will not confirm before that
//! block. The same PSBT again (same locktime), a start below a height the log already saw, and a
//! transaction without a height locktime are refused.
mod common;

use std::path::Path;
use std::process::Output;

use airsign::bundle::{self, ReviewOptions};
use airsign::policy::{Evidence, PolicyFile, PolicySet};
use airsign::wallet::ScriptType;
use common::{bin, demo_dir, q, sh};

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `bundle create` of the demo's P2WPKH coins paying `sats` to the payee, with `--locktime`.
fn create(d: &Path, sats: u64, locktime: u32, out: &str) {
    let descriptor = common::wallet_of(&common::test_keys(), ScriptType::Wpkh)
        .external
        .to_string();
    let o = sh(&format!(
        "{} bundle create --descriptor \"{descriptor}\" --network regtest --utxos {} --prev-txs {} --to {}:{sats} --fee-rate 5 --locktime {locktime} -o {}",
        q(&bin()),
        q(&d.join("wpkh-utxos.json")),
        q(&d.join("wpkh-prev-txs.hex")),
        common::payee(),
        q(&d.join(out))
    ));
    assert!(o.status.success(), "{}", err(&o));
}

fn sign(d: &Path, pass: &Path, input: &str, policy: &Path) -> Output {
    sh(&format!(
        "{} sign --seed {} --passphrase-fd 4 --yes --policy {} -o {} {} 4<{}",
        q(&bin()),
        q(&d.join("demo-seed.age")),
        q(policy),
        q(&d.join(format!("{input}.signed"))),
        q(&d.join(input)),
        q(pass)
    ))
}

fn last_entry(log: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(log).unwrap();
    serde_json::from_str(text.lines().last().unwrap()).unwrap()
}

#[test]
fn pending_at_h0_then_signed_only_in_a_rebuild_with_locktime_h0_plus_b() {
    let (dir, pass) = demo_dir();
    let d = dir.path();
    let policy = d.join("policy.json");
    std::fs::write(
        &policy,
        r#"{"version":1,"network":"regtest","rules":[{"name":"slow","delay":{"blocks":144},"warnings_ok":true}]}"#,
    )
    .unwrap();
    let log = d.join("demo-seed.age.audit.jsonl");

    // No height locktime: the delay cannot be enforced by the network.
    create(d, 150_000, 0, "zero.psbt");
    let o = sign(d, &pass, "zero.psbt", &policy);
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(err(&o).contains("[delay-needs-height]"), "{}", err(&o));
    assert_eq!(last_entry(&log)["event"], "refused");

    // First presentation at locktime 1000: pending, with what the rebuild needs.
    create(d, 150_000, 1000, "h0.psbt");
    let o = sign(d, &pass, "h0.psbt", &policy);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(3), "{e}");
    assert!(e.contains("[delay-started]"), "{e}");
    assert!(e.contains("locktime is at least 1144"), "{e}");
    assert!(e.contains("will not confirm it before block 1144"), "{e}");
    let pending = last_entry(&log);
    assert_eq!(pending["event"], "pending");
    assert_eq!(pending["locktime"], 1000);
    assert_eq!(pending["until_height"], 1144);
    assert_eq!(pending["payment_key"].as_str().unwrap().len(), 64);

    // The same PSBT again: its locktime cannot have moved.
    let o = sign(d, &pass, "h0.psbt", &policy);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(3), "{e}");
    assert!(e.contains("[delay-not-elapsed]"), "{e}");
    assert!(
        e.contains("pending since locktime 1000") && e.contains("this one's locktime is 1000"),
        "{e}"
    );
    assert!(!d.join("h0.psbt.signed").exists());

    // `log pending` says until which block.
    let o = sh(&format!("{} log pending {}", q(&bin()), q(&log)));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "{}", err(&o));
    assert!(out.contains("until block 1144"), "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");

    // One block short.
    create(d, 150_000, 1143, "short.psbt");
    let o = sign(d, &pass, "short.psbt", &policy);
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(err(&o).contains("[delay-not-elapsed]"), "{}", err(&o));

    // Rebuilt for the same payment with locktime H0 + B. The online dry run with a copy of the
    // log already says it will pass, and the old PSBT will not.
    create(d, 150_000, 1144, "ready.psbt");
    let check = |psbt: &str| {
        sh(&format!(
            "{} policy check --policy {} --descriptor \"{}\" --network regtest --log {} {}",
            q(&bin()),
            q(&policy),
            common::wallet_of(&common::test_keys(), ScriptType::Wpkh).external,
            q(&log),
            q(&d.join(psbt))
        ))
    };
    let o = check("ready.psbt");
    assert!(o.status.success(), "{}", err(&o));
    let o = check("h0.psbt");
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(err(&o).contains("[delay-not-elapsed]"), "{}", err(&o));
    let o = sign(d, &pass, "ready.psbt", &policy);
    assert!(o.status.success(), "{}", err(&o));
    assert!(d.join("ready.psbt.signed").exists());
    let signed = last_entry(&log);
    assert_eq!(signed["event"], "signed");
    assert_eq!(signed["payment_key"], pending["payment_key"]);
    assert_ne!(signed["txid"], pending["txid"]);
    let o = sh(&format!("{} log pending {}", q(&bin()), q(&log)));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "nothing is waiting"
    );

    // Another payment whose start is below a height the log already recorded (1144): refused,
    // and not recorded as pending, so it starts no window.
    create(d, 140_000, 1100, "stale.psbt");
    let o = sign(d, &pass, "stale.psbt", &policy);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(3), "{e}");
    assert!(e.contains("[locktime-stale]"), "{e}");
    assert!(e.contains("already recorded locktime 1144"), "{e}");
    assert_eq!(last_entry(&log)["event"], "refused");
    // At the recorded height or above it starts normally.
    create(d, 140_000, 1150, "fresh.psbt");
    let o = sign(d, &pass, "fresh.psbt", &policy);
    assert!(err(&o).contains("[delay-started]"), "{}", err(&o));
    assert_eq!(last_entry(&log)["until_height"], 1294);

    // The whole log still verifies with the seed's MAC key.
    let o = sh(&format!(
        "{} log verify --seed {} --passphrase-fd 4 {} 4<{}",
        q(&bin()),
        q(&d.join("demo-seed.age")),
        q(&log),
        q(&pass)
    ));
    assert!(o.status.success(), "{}", err(&o));
}

/// A P2WPKH bundle of the test seed with locktime `lt` (library side, no CLI).
fn psbt(lt: u32) -> bitcoin::Psbt {
    let k = common::test_keys();
    let w = common::wallet_of(&k, ScriptType::Wpkh);
    let fund = airsign::wallet::fixture::funding_tx(
        &[(w.address(false, 0).unwrap().script_pubkey(), 100_000)],
        5,
    );
    let utxos = vec![bundle::utxo::Utxo {
        outpoint: bitcoin::OutPoint {
            txid: fund.compute_txid(),
            vout: 0,
        },
        claimed_sats: None,
    }];
    let prev: std::collections::HashMap<_, _> = [(fund.compute_txid(), fund)].into();
    bundle::create::create(&bundle::create::Request {
        wallet: &w,
        utxos: &utxos,
        prev_txs: &prev,
        recipients: &[(common::payee(), bitcoin::Amount::from_sat(50_000))],
        send_all: None,
        fee_rate: 2.0,
        change_index: None,
        height: None,
        locktime: Some(lt),
        sequence: None,
        entropy: [0, 1],
    })
    .unwrap()
    .psbt
}

fn codes(set: &PolicySet, lt: u32) -> Vec<&'static str> {
    let r = bundle::review(&psbt(lt), &common::test_keys(), &ReviewOptions::default());
    set.evaluate(&r).refuse.iter().map(|r| r.code).collect()
}

fn policy(json: &str, evidence: Evidence) -> PolicySet {
    let mut s = PolicyFile::parse(json.as_bytes())
        .unwrap()
        .compile(bitcoin::Network::Regtest)
        .unwrap();
    s.evidence = evidence;
    s
}

#[test]
fn hours_and_blocks_together_must_both_hold() {
    let json = r#"{"version":1,"rules":[{"name":"both","delay":{"hours":24,"blocks":10},"warnings_ok":true}]}"#;
    let now = 1_800_000_000;
    let history = Some(airsign::policy::History {
        spends: vec![],
        now,
    });
    // First time: both windows start (both reasons are delay-started: recorded as pending).
    let s = policy(
        json,
        Evidence {
            history: history.clone(),
            ..Evidence::default()
        },
    );
    assert_eq!(codes(&s, 500), vec!["delay-started", "delay-started"]);
    // Enough blocks, not enough hours.
    let s = policy(
        json,
        Evidence {
            history: history.clone(),
            pending_since: Some(now - 3600),
            pending_height: Some(500),
            ..Evidence::default()
        },
    );
    assert_eq!(codes(&s, 510), vec!["delay-not-elapsed"]);
    // Enough hours, not enough blocks.
    let s = policy(
        json,
        Evidence {
            history: history.clone(),
            pending_since: Some(now - 25 * 3600),
            pending_height: Some(500),
            ..Evidence::default()
        },
    );
    assert_eq!(codes(&s, 509), vec!["delay-not-elapsed"]);
    assert!(codes(&s, 510).is_empty());
}

#[test]
fn a_rule_that_matches_but_for_its_delay_decides_and_its_delay_starts() {
    // The issue's treasury shape: small payments under one rule, large ones wait under another.
    // The 50,000-sat payment exceeds "small"; "large" allows it but for its delay. Listed with
    // "small"'s refusal, the delay would never start (recorded as refused, forever).
    let s = policy(
        r#"{"version":1,"rules":[{"name":"small","max_spend_per_tx":10000,"warnings_ok":true},{"name":"large","delay":{"blocks":6},"warnings_ok":true}]}"#,
        Evidence::default(),
    );
    let r = bundle::review(&psbt(700), &common::test_keys(), &ReviewOptions::default());
    let v = s.evaluate(&r);
    assert_eq!(
        v.refuse.iter().map(|r| r.code).collect::<Vec<_>>(),
        vec!["delay-started"]
    );
    assert_eq!(v.rule.as_deref(), Some("large"));
    assert_eq!(v.until_height, Some(706));
    // A limit of the delayed rule itself still refuses with every rule's reasons.
    let s = policy(
        r#"{"version":1,"rules":[{"name":"small","max_spend_per_tx":10000,"warnings_ok":true},{"name":"large","max_spend_per_tx":20000,"delay":{"blocks":6},"warnings_ok":true}]}"#,
        Evidence::default(),
    );
    let v = s.evaluate(&r);
    assert!(v.refuse.iter().any(|r| r.code == "no-rule-matches"));
}

#[test]
fn a_delay_needs_hours_or_blocks_each_at_least_one() {
    for bad in [r#"{}"#, r#"{"blocks":0}"#, r#"{"hours":0,"blocks":5}"#] {
        let f = PolicyFile::parse(
            format!(r#"{{"version":1,"rules":[{{"name":"r","delay":{bad}}}]}}"#).as_bytes(),
        )
        .unwrap();
        let e = f.compile(bitcoin::Network::Regtest).unwrap_err();
        assert!(e.to_string().contains("delay"), "{bad}: {e}");
    }
    // An hours-only policy keeps its hash: the new field is not written when absent.
    let f =
        PolicyFile::parse(br#"{"version":1,"rules":[{"name":"r","delay":{"hours":24}}]}"#).unwrap();
    assert!(serde_json::to_string(&f)
        .unwrap()
        .contains(r#""delay":{"hours":24}"#));
}
