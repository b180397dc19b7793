//! Anomaly warnings from the signer's own history (issue 8, item 6), end to end: a rule that
//! refuses first payments refuses a never-paid address and signs once the log shows a signed
//! payment to it; `sign --json` and `policy check --log` report the same codes; a policy file
//! naming an unknown anomaly code does not load. The scoring itself, on a generated history, is
//! tested in `src/policy/anomaly/generated.rs`.
mod common;

use std::path::Path;

use airsign::audit::SignedSpend;
use airsign::bundle::{self, ReviewOptions};
use airsign::policy::{History, PolicyFile, PolicySet};
use airsign::wallet::ScriptType;
use bitcoin::Network;
use common::{bin, demo_dir, q, sh};

/// A regtest address nobody has paid: P2WPKH of 2G.
fn stranger() -> bitcoin::Address {
    let k: bitcoin::CompressedPublicKey =
        "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"
            .parse()
            .unwrap();
    bitcoin::Address::p2wpkh(&k, Network::Regtest)
}

fn descriptor(script: ScriptType) -> String {
    common::wallet_of(&common::test_keys(), script)
        .external
        .to_string()
}

fn sign(d: &Path, pass: &Path, input: &str, extra: &str) -> std::process::Output {
    sh(&format!(
        "{} sign --seed {} --passphrase-fd 4 --yes {extra} {} 4<{}",
        q(&bin()),
        q(&d.join("demo-seed.age")),
        q(&d.join(input)),
        q(pass)
    ))
}

fn check(d: &Path, policy: &Path, script: ScriptType, psbt: &str) -> std::process::Output {
    sh(&format!(
        "{} policy check --policy {} --descriptor \"{}\" --network regtest --log {} {}",
        q(&bin()),
        q(policy),
        descriptor(script),
        q(&d.join("demo-seed.age.audit.jsonl")),
        q(&d.join(psbt))
    ))
}

#[test]
fn new_destination_refuse_refuses_a_never_paid_address_and_signs_one_paid_before() {
    let (dir, pass) = demo_dir();
    let d = dir.path();
    // A bundle from the demo's P2WPKH coins to an address nobody has paid.
    let o = sh(&format!(
        "{} bundle create --descriptor \"{}\" --network regtest --utxos {} --prev-txs {} --to {}:50000 --fee-rate 2 -o {}",
        q(&bin()),
        descriptor(ScriptType::Wpkh),
        q(&d.join("wpkh-utxos.json")),
        q(&d.join("wpkh-prev-txs.hex")),
        stranger(),
        q(&d.join("stranger.psbt"))
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let policy = d.join("policy.json");
    std::fs::write(
        &policy,
        r#"{"version":1,"network":"regtest","rules":[{"name":"known-payees","anomaly":{"new-destination":"refuse"},"warnings_ok":true}]}"#,
    )
    .unwrap();
    let p = format!("--policy {}", q(&policy));

    let o = sign(
        d,
        &pass,
        "stranger.psbt",
        &format!("{p} -o {}", q(&d.join("s.psbt"))),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("[anomaly-new-destination]"), "{err}");
    assert!(
        err.contains(&format!("first payment to {}", stranger())),
        "{err}"
    );
    assert!(
        err.contains("rule 'known-payees' refuses anomaly-new-destination"),
        "{err}"
    );
    assert!(!d.join("s.psbt").exists());

    // The demo bundles pay common::payee(). Refused while the log has no signed payment to it
    // (a refusal is logged, but is not a payment)...
    let o = sign(
        d,
        &pass,
        "tr-unsigned.psbt",
        &format!("{p} -o {}", q(&d.join("t.psbt"))),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("[anomaly-new-destination]"), "{err}");
    // ...signed under the built-in policy, which shows the anomaly as a warning in --json...
    let o = sign(
        d,
        &pass,
        "wpkh-unsigned.psbt",
        &format!("--json -o {}", q(&d.join("w.psbt"))),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["decision"], "signed");
    let warnings = v["verdict"]["warnings"].as_array().unwrap();
    let w = warnings
        .iter()
        .find(|w| w["code"] == "anomaly-new-destination")
        .unwrap_or_else(|| panic!("{warnings:?}"));
    assert!(w["message"]
        .as_str()
        .unwrap()
        .contains(&common::payee().to_string()));
    // ...and logged with its payment.
    let log = std::fs::read_to_string(d.join("demo-seed.age.audit.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(last["event"], "signed");
    assert_eq!(last["payments"][0]["to"], common::payee().to_string());
    assert_eq!(last["payments"][0]["script_type"], "p2wpkh");
    assert_eq!(last["payments"][0]["amount"], 150_000);
    assert!(last["vsize"].as_u64().unwrap() > 0);
    assert!(last["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["code"] == "anomaly-new-destination"));

    // Now a second payment to the same address signs under the rule, and the dry run online
    // agrees, reading the same log; the stranger is still refused by both.
    let o = check(d, &policy, ScriptType::Tr, "tr-unsigned.psbt");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = check(d, &policy, ScriptType::Wpkh, "stranger.psbt");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("[anomaly-new-destination]"), "{err}");
    let o = sign(
        d,
        &pass,
        "tr-unsigned.psbt",
        &format!("{p} -o {}", q(&d.join("t.psbt"))),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains("anomaly-new-destination"), "{err}");
    assert!(d.join("t.psbt").exists());
    let o = sign(
        d,
        &pass,
        "stranger.psbt",
        &format!("{p} -o {}", q(&d.join("s.psbt"))),
    );
    assert_eq!(o.status.code(), Some(3));
    // The log still verifies with every MAC.
    let o = sh(&format!(
        "{} log verify --seed {} --passphrase-fd 4 {} 4<{}",
        q(&bin()),
        q(&d.join("demo-seed.age")),
        q(&d.join("demo-seed.age.audit.jsonl")),
        q(&pass)
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_policy_with_an_unknown_anomaly_code_does_not_load() {
    let (dir, pass) = demo_dir();
    let d = dir.path();
    let policy = d.join("policy.json");
    std::fs::write(
        &policy,
        r#"{"version":1,"rules":[{"name":"r","anomaly":{"new-destination":"warn","new-payee":"refuse"}}]}"#,
    )
    .unwrap();
    let o = sh(&format!("{} policy hash {}", q(&bin()), q(&policy)));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("unknown field `new-payee`"), "{err}");
    // sign reports it before asking for anything, and signs nothing.
    let o = sign(
        d,
        &pass,
        "wpkh-unsigned.psbt",
        &format!("--policy {} -o {}", q(&policy), q(&d.join("x.psbt"))),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("unknown field `new-payee`"), "{err}");
    assert!(!d.join("x.psbt").exists());
    assert!(!d.join("demo-seed.age.audit.jsonl").exists());
    // A value that parses but is wrong names the field too.
    std::fs::write(
        &policy,
        r#"{"version":1,"rules":[{"name":"r","anomaly":{"amount":"approvals"}}]}"#,
    )
    .unwrap();
    let o = sign(
        d,
        &pass,
        "wpkh-unsigned.psbt",
        &format!("--policy {} -o {}", q(&policy), q(&d.join("x.psbt"))),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("field `anomaly.approvals`"), "{err}");
}

/// The demo's P2WPKH bundle as the signer reviews it.
fn wpkh_review(d: &Path) -> bundle::Review {
    let (psbt, _, _) =
        bundle::decode(&std::fs::read(d.join("wpkh-unsigned.psbt")).unwrap()).unwrap();
    bundle::review(&psbt, &common::test_keys(), &ReviewOptions::default())
}

fn set(json: &str) -> PolicySet {
    PolicyFile::parse(json.as_bytes())
        .unwrap()
        .compile(Network::Regtest)
        .unwrap()
}

fn refused(s: &PolicySet, r: &bundle::Review) -> Vec<&'static str> {
    s.evaluate(r).refuse.iter().map(|r| r.code).collect()
}

#[test]
fn a_destination_added_to_the_history_is_no_longer_new() {
    let (dir, _) = demo_dir();
    let review = wpkh_review(dir.path());
    let mut s = set(
        r#"{"version":1,"rules":[{"name":"r","anomaly":{"new-destination":"refuse"},"warnings_ok":true}]}"#,
    );
    let now = 1_800_000_000;
    s.evidence.history = Some(History {
        spends: vec![],
        now,
    });
    assert_eq!(refused(&s, &review), vec!["anomaly-new-destination"]);
    // Sign it (add the spend to the history): the same destination is not new any more.
    s.evidence
        .history
        .as_mut()
        .unwrap()
        .spends
        .push(SignedSpend::from_review(&review, now - 86_400));
    assert!(
        refused(&s, &review).is_empty(),
        "{:?}",
        refused(&s, &review)
    );
    // Without a log the rule cannot tell, and says so instead of signing.
    s.evidence.history = None;
    assert_eq!(refused(&s, &review), vec!["anomaly-unknown"]);
}

#[test]
fn warn_is_an_accepted_warning_and_approvals_need_the_listed_approvers() {
    let (dir, _) = demo_dir();
    let review = wpkh_review(dir.path());
    let now = 1_800_000_000;
    // Ten earlier spends of 0.0001 BTC to the same payee: 0.0015 BTC is 15 × their median.
    let mut small = SignedSpend::from_review(&review, 0);
    small.leaving = 10_000;
    small.payments[0].amount = 10_000;
    let history = History {
        spends: (0..10)
            .map(|i| SignedSpend {
                time: now - (10 - i) * 86_400,
                ..small.clone()
            })
            .collect(),
        now,
    };
    // "warn" in a rule without warnings_ok: shown, and signs.
    let mut s = set(r#"{"version":1,"rules":[{"name":"r","anomaly":{"amount":"warn"}}]}"#);
    s.evidence.history = Some(history.clone());
    let v = s.evaluate(&review);
    assert!(v.approved(), "{:?}", v.refuse);
    assert_eq!(v.warnings.len(), 1, "{:?}", v.warnings);
    assert_eq!(v.warnings[0].code, "anomaly-amount");
    assert_eq!(
        v.warnings[0].message,
        "amount 0.00150000 BTC leaving is 15.0 × the median 0.00010000 BTC of the last 10 signed spends (limit 3 ×)"
    );
    // "refuse": the refusal names the rule, the numbers and what to change.
    let mut s = set(
        r#"{"version":1,"rules":[{"name":"r","anomaly":{"amount":{"action":"refuse","k":20}}}]}"#,
    );
    s.evidence.history = Some(history.clone());
    assert!(s.evaluate(&review).approved(), "k 20 allows 15 ×");
    let mut s = set(
        r#"{"version":1,"rules":[{"name":"r","anomaly":{"amount":{"action":"refuse","k":10}}}]}"#,
    );
    s.evidence.history = Some(history.clone());
    let v = s.evaluate(&review);
    assert_eq!(v.refuse.len(), 1, "{:?}", v.refuse);
    assert!(v.refuse[0]
        .message
        .ends_with("(limit 10 ×): rule 'r' refuses anomaly-amount"));
    assert!(v.refuse[0]
        .hint
        .as_deref()
        .unwrap()
        .contains("anomaly.amount.k"));
    // "approvals": refused until a listed approver approved this transaction.
    let approver = common::payee().to_string();
    let mut s = set(&format!(
        r#"{{"version":1,"rules":[{{"name":"r","anomaly":{{"amount":"approvals","approvals":{{"min":1,"keys":["{approver}"]}}}}}}]}}"#
    ));
    s.evidence.history = Some(history);
    let v = s.evaluate(&review);
    assert_eq!(v.refuse.len(), 1);
    assert_eq!(v.refuse[0].code, "anomaly-amount");
    assert!(v.refuse[0]
        .message
        .contains("only with 1 approvals from anomaly.approvals; 0 verified"));
    s.evidence.approvers.insert(stranger().to_string());
    assert!(
        !s.evaluate(&review).approved(),
        "an unlisted approver does not count"
    );
    s.evidence.approvers.insert(approver);
    let v = s.evaluate(&review);
    assert!(v.approved(), "{:?}", v.refuse);
    assert!(v.warnings[0]
        .message
        .contains("(accepted: 1 of rule 'r''s anomaly approvers"));
}
