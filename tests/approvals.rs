//! Dual approval (issue 8, item 4): approvers on their own airsign sign a BIP322 statement naming
//! one unsigned transaction and the policy; a rule needing 2 of 3 listed keys signs only with two
//! distinct valid approvals of exactly this transaction.
mod common;

use std::path::Path;

use common::{bin, demo_dir, q, sh};

/// An approver: the demo seed file with their own BIP39 passphrase (a different wallet).
fn approver_address(d: &Path, pass: &Path, who: &str) -> String {
    let f = d.join(who);
    std::fs::write(&f, format!("{who}\n")).unwrap();
    let o = sh(&format!(
        "{} account export --seed {} --passphrase-fd 4 --bip39-passphrase-fd 5 --script wpkh --json 4<{} 5<{}",
        q(&bin()),
        q(&d.join("demo-seed.age")),
        q(pass),
        q(&f)
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["first_address"].as_str().unwrap().to_string()
}

fn approve(
    d: &Path,
    pass: &Path,
    who: &str,
    psbt: &str,
    policy: Option<&Path>,
) -> std::path::PathBuf {
    let out = d.join(format!("{who}-{psbt}.approval"));
    let o = sh(&format!(
        "{} approve --seed {} --passphrase-fd 4 --bip39-passphrase-fd 5 --yes {} {} -o {} 4<{} 5<{}",
        q(&bin()),
        q(&d.join("demo-seed.age")),
        policy.map(|p| format!("--policy {}", q(p))).unwrap_or_default(),
        q(&d.join(psbt)),
        q(&out),
        q(pass),
        q(&d.join(who))
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

#[test]
fn two_of_three_approvals_of_exactly_this_transaction_are_needed() {
    let (dir, pass) = demo_dir();
    let d = dir.path();
    let keys: Vec<String> = ["alice", "bob", "carol"]
        .iter()
        .map(|w| approver_address(d, &pass, w))
        .collect();
    let policy = d.join("policy.json");
    std::fs::write(
        &policy,
        format!(
            r#"{{"version":1,"network":"regtest","rules":[{{"name":"large","approvals":{{"min":2,"keys":["{}","{}","{}"]}},"warnings_ok":true}}]}}"#,
            keys[0], keys[1], keys[2]
        ),
    )
    .unwrap();
    let sign = |approvals: &[&Path]| {
        let extra: String = approvals
            .iter()
            .map(|p| format!(" --approval {}", q(p)))
            .collect();
        sh(&format!(
            "{} sign --seed {} --passphrase-fd 4 --yes --policy {}{extra} {} -o {} --force 4<{}",
            q(&bin()),
            q(&d.join("demo-seed.age")),
            q(&policy),
            q(&d.join("wpkh-unsigned.psbt")),
            q(&d.join("signed.psbt")),
            q(&pass)
        ))
    };
    let refused = |o: &std::process::Output, why: &str| {
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(3), "{why}: {err}");
        assert!(err.contains("[approvals-missing]"), "{why}: {err}");
    };
    refused(&sign(&[]), "no approvals");
    let alice = approve(d, &pass, "alice", "wpkh-unsigned.psbt", Some(&policy));
    let bob = approve(d, &pass, "bob", "wpkh-unsigned.psbt", Some(&policy));
    refused(&sign(&[&alice]), "one short");
    refused(&sign(&[&alice, &alice]), "the same approver twice");
    // Approvals of another transaction, or under another policy, do not count.
    let other_tx = approve(d, &pass, "bob", "tr-unsigned.psbt", Some(&policy));
    refused(
        &sign(&[&alice, &other_tx]),
        "approval of another transaction",
    );
    let other_policy = approve(d, &pass, "carol", "wpkh-unsigned.psbt", None);
    refused(
        &sign(&[&alice, &other_policy]),
        "approval under another policy",
    );
    // Each approval is on record in the approver's log (here the same seed file's log).
    let log = std::fs::read_to_string(d.join("demo-seed.age.audit.jsonl")).unwrap();
    let approved: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("\"event\":\"approval\""))
        .collect();
    assert_eq!(approved.len(), 4, "{log}");
    assert!(approved[0].contains(&format!("approved as {}", keys[0])));
    // Two listed approvers of exactly this transaction: signed.
    let o = sign(&[&alice, &bob]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("approval verified: {}", keys[0])),
        "{err}"
    );
    // A tampered approval (statement edited) does not verify.
    let text = std::fs::read_to_string(&bob)
        .unwrap()
        .replace("policy: ", "policy: 00");
    let forged = d.join("forged.approval");
    std::fs::write(&forged, text).unwrap();
    refused(&sign(&[&alice, &forged]), "edited approval");
}
