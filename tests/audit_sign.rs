//! `sign` records every decision in the audit log beside the seed (issue 8, item 7): signed and
//! refused alike, MAC'd with a key from the seed, and a log someone edited stops signing.
mod common;

use common::{bin, demo_dir, q, sh};

fn sign(
    d: &std::path::Path,
    pass: &std::path::Path,
    input: &str,
    extra: &str,
) -> std::process::Output {
    sh(&format!(
        "{} sign --seed {} --passphrase-fd 4 --yes {extra} {} 4<{}",
        q(&bin()),
        q(&d.join("demo-seed.age")),
        q(&d.join(input)),
        q(pass)
    ))
}

#[test]
fn signed_and_refused_decisions_are_logged_and_an_edited_log_stops_signing() {
    let (dir, pass) = demo_dir();
    let d = dir.path();
    let log = d.join("demo-seed.age.audit.jsonl");
    let o = sign(
        d,
        &pass,
        "wpkh-unsigned.psbt",
        &format!("-o {}", q(&d.join("a.psbt"))),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A refusal is recorded too, and nothing is written.
    let o = sign(
        d,
        &pass,
        "tr-unsigned.psbt",
        &format!("--max-fee 10 -o {}", q(&d.join("b.psbt"))),
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(!d.join("b.psbt").exists());
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["event"], "signed");
    assert_eq!(lines[1]["event"], "refused");
    assert_eq!(lines[1]["reasons"][0]["code"], "fee-absolute");
    assert!(lines[1]["mac"].as_str().unwrap().len() == 64);
    let o = sh(&format!("{} log verify {}", q(&bin()), q(&log)));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // With the seed, every line's MAC is checked too.
    let o = sh(&format!(
        "{} log verify --seed {} --passphrase-fd 4 {} 4<{}",
        q(&bin()),
        q(&d.join("demo-seed.age")),
        q(&log),
        q(&pass)
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("every MAC checked"));
    // The log is never an output.
    let o = sign(
        d,
        &pass,
        "wpkh-unsigned.psbt",
        &format!("-o {} --force", q(&log)),
    );
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Edit the recorded fee of the refusal: the next signing stops with exit 4.
    let text = std::fs::read_to_string(&log).unwrap();
    let fee = lines[1]["fee"].as_u64().unwrap();
    let edited = text.replacen(&format!("\"fee\":{fee}"), "\"fee\":1", 1);
    assert_ne!(edited, text);
    std::fs::write(&log, edited).unwrap();
    let o = sign(
        d,
        &pass,
        "wpkh-unsigned.psbt",
        &format!("-o {}", q(&d.join("c.psbt"))),
    );
    assert_eq!(
        o.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!d.join("c.psbt").exists());
}

#[test]
fn velocity_counts_what_the_log_says_was_signed_in_the_window() {
    let (dir, pass) = demo_dir();
    let d = dir.path();
    let policy = d.join("policy.json");
    // Each demo bundle sends 150,000 sat: one fits under 200,000 in 24 h, two do not.
    std::fs::write(
        &policy,
        r#"{"version":1,"network":"regtest","rules":[{"name":"daily","velocity":{"max":200000,"window_hours":24},"warnings_ok":true}]}"#,
    )
    .unwrap();
    let p = format!("--policy {}", q(&policy));
    let o = sign(
        d,
        &pass,
        "wpkh-unsigned.psbt",
        &format!("{p} -o {}", q(&d.join("a.psbt"))),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = sign(
        d,
        &pass,
        "tr-unsigned.psbt",
        &format!("{p} -o {}", q(&d.join("b.psbt"))),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("[velocity-exceeded]"), "{err}");
    assert!(
        err.contains("after 0.00150000 BTC in the last 24 h"),
        "{err}"
    );
    assert!(!d.join("b.psbt").exists());
    // The dry run online counts the same log.
    let o = sh(&format!(
        "{} policy check --policy {} --descriptor \"{}\" --network regtest --log {} {}",
        q(&bin()),
        q(&policy),
        demo_descriptor(),
        q(&d.join("demo-seed.age.audit.jsonl")),
        q(&d.join("tr-unsigned.psbt"))
    ));
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The demo's taproot wallet, as the online side knows it.
fn demo_descriptor() -> String {
    common::wallet_of(&common::test_keys(), airsign::wallet::ScriptType::Tr)
        .external
        .to_string()
}

#[test]
fn a_delay_window_records_pending_first_and_signs_only_after_it() {
    use airsign::audit::{EntryDraft, Event, Log};
    use airsign::bundle::{self, ReviewOptions, Reviewed};
    let (dir, pass) = demo_dir();
    let d = dir.path();
    let policy = d.join("policy.json");
    std::fs::write(
        &policy,
        r#"{"version":1,"network":"regtest","rules":[{"name":"slow","delay":{"hours":24},"warnings_ok":true}]}"#,
    )
    .unwrap();
    let p = format!("--policy {}", q(&policy));
    let log = d.join("demo-seed.age.audit.jsonl");
    let o = sign(
        d,
        &pass,
        "wpkh-unsigned.psbt",
        &format!("{p} -o {}", q(&d.join("a.psbt"))),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("[delay-started]"), "{err}");
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["event"], "pending");
    // Presented again at once: still waiting.
    let o = sign(
        d,
        &pass,
        "wpkh-unsigned.psbt",
        &format!("{p} -o {}", q(&d.join("a.psbt"))),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("[delay-not-elapsed]"), "{err}");
    assert!(!d.join("a.psbt").exists());
    // What waits, and until when.
    let o = sh(&format!("{} log pending {}", q(&bin()), q(&log)));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("signable from"), "{out}");
    assert_eq!(out.lines().count(), 1, "one bundle waits: {out}");

    // A fresh log whose pending entry is two days old (written by the seed's holder, with its
    // MAC key): the window has passed and the same PSBT signs.
    std::fs::remove_file(&log).unwrap();
    let keys = airsign::signer::KeyChain::from_seed(
        &airsign::secrets::Mnemonic::parse(airsign::wallet::fixture::TEST_MNEMONIC)
            .unwrap()
            .to_seed("", bitcoin::Network::Regtest),
    )
    .unwrap();
    let (psbt, _, _) =
        bundle::decode(&std::fs::read(d.join("wpkh-unsigned.psbt")).unwrap()).unwrap();
    let reviewed = Reviewed::new(psbt, &keys, &ReviewOptions::default());
    let draft = EntryDraft::from_review(
        reviewed.review(),
        reviewed.psbt_sha256(),
        Event::Pending,
        "pending",
        vec![],
        "",
        Some("slow"),
    );
    let two_days_ago = airsign::time::rfc3339(
        airsign::time::parse_rfc3339(&airsign::time::now_rfc3339()).unwrap() - 48 * 3600,
    );
    let mut l = Log::open(&log).unwrap();
    l.append_at(draft, Some(&keys.mac_key("audit-log")), two_days_ago)
        .unwrap();
    drop(l);
    let o = sign(
        d,
        &pass,
        "wpkh-unsigned.psbt",
        &format!("{p} -o {}", q(&d.join("a.psbt"))),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(d.join("a.psbt").exists());
}

#[test]
fn a_pinned_policy_binds_its_log_so_a_fresh_or_cut_log_cannot_reset_velocity() {
    let (dir, pass) = demo_dir();
    let d = dir.path();
    let policy = d.join("policy.json");
    std::fs::write(
        &policy,
        r#"{"version":1,"network":"regtest","rules":[{"name":"daily","velocity":{"max":200000,"window_hours":24},"warnings_ok":true}]}"#,
    )
    .unwrap();
    let o = sh(&format!(
        "{} policy pin --policy {} --seed {} --passphrase-fd 4 4<{}",
        q(&bin()),
        q(&policy),
        q(&d.join("demo-seed.age")),
        q(&pass)
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = format!("--policy {}", q(&policy));
    let o = sign(
        d,
        &pass,
        "wpkh-unsigned.psbt",
        &format!("{p} -o {}", q(&d.join("a.psbt"))),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A fresh log would forget the 150,000 sat just signed: refused as an integrity failure.
    let fresh = d.join("fresh.jsonl");
    let o = sign(
        d,
        &pass,
        "tr-unsigned.psbt",
        &format!("{p} --log {} -o {}", q(&fresh), q(&d.join("b.psbt"))),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(err.contains("does not continue the one pinned"), "{err}");
    assert!(!d.join("b.psbt").exists() && !fresh.exists());
    // The pinned log counts it.
    let o = sign(
        d,
        &pass,
        "tr-unsigned.psbt",
        &format!("{p} -o {}", q(&d.join("b.psbt"))),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("[velocity-exceeded]"), "{err}");
    // Cutting the log's tail (the signed entry and the refusal) is caught the same way.
    let log = d.join("demo-seed.age.audit.jsonl");
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 2);
    std::fs::write(&log, "").unwrap();
    let o = sign(
        d,
        &pass,
        "tr-unsigned.psbt",
        &format!("{p} -o {}", q(&d.join("b.psbt"))),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(err.contains("this log has 0 entries"), "{err}");
    // Put back, signing goes on from where it was (refused by velocity, not by the pin).
    std::fs::write(&log, &text).unwrap();
    let o = sign(
        d,
        &pass,
        "tr-unsigned.psbt",
        &format!("{p} -o {}", q(&d.join("b.psbt"))),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("[velocity-exceeded]"), "{err}");
}

/// Adversarial pass 4, F1: `policy pin --force --log fresh.jsonl` reset the mark to a fresh log.
#[test]
fn repinning_onto_a_fresh_log_is_refused() {
    let (dir, pass) = demo_dir();
    let d = dir.path();
    let policy = d.join("policy.json");
    std::fs::write(
        &policy,
        r#"{"version":1,"network":"regtest","rules":[{"name":"daily","velocity":{"max":200000,"window_hours":24},"warnings_ok":true}]}"#,
    )
    .unwrap();
    let pin = |extra: &str| {
        sh(&format!(
            "{} policy pin --policy {} --seed {} --passphrase-fd 4 {extra} 4<{}",
            q(&bin()),
            q(&policy),
            q(&d.join("demo-seed.age")),
            q(&pass)
        ))
    };
    assert!(pin("").status.success());
    let o = sign(
        d,
        &pass,
        "wpkh-unsigned.psbt",
        &format!("--policy {} -o {}", q(&policy), q(&d.join("a.psbt"))),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = pin(&format!("--force --log {}", q(&d.join("fresh.jsonl"))));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(err.contains("does not continue the one pinned"), "{err}");
    // Re-pinning onto the same log (it continues the mark) is fine.
    let o = pin("--force");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Adversarial pass 4, F3: `approve` appended to a pinned log without moving the mark, so its
/// record could be cut unnoticed.
#[test]
fn cutting_an_approval_from_a_pinned_log_is_caught() {
    let (dir, pass) = demo_dir();
    let d = dir.path();
    let policy = d.join("policy.json");
    std::fs::write(
        &policy,
        r#"{"version":1,"network":"regtest","rules":[{"name":"any","warnings_ok":true}]}"#,
    )
    .unwrap();
    let o = sh(&format!(
        "{} policy pin --policy {} --seed {} --passphrase-fd 4 4<{}",
        q(&bin()),
        q(&policy),
        q(&d.join("demo-seed.age")),
        q(&pass)
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = sh(&format!(
        "{} approve --seed {} --passphrase-fd 4 --yes --policy {} {} -o {} 4<{}",
        q(&bin()),
        q(&d.join("demo-seed.age")),
        q(&policy),
        q(&d.join("tr-unsigned.psbt")),
        q(&d.join("b.approval")),
        q(&pass)
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let log = d.join("demo-seed.age.audit.jsonl");
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 1);
    std::fs::write(&log, "").unwrap();
    let o = sign(
        d,
        &pass,
        "tr-unsigned.psbt",
        &format!("--policy {} -o {}", q(&policy), q(&d.join("y.psbt"))),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(!d.join("y.psbt").exists());
}

/// Adversarial pass 4, F8: `sign -o nodir/x.psbt` logged `signed`, then could not write the file.
#[test]
fn an_output_into_a_missing_folder_is_refused_before_anything_is_logged() {
    let (dir, pass) = demo_dir();
    let d = dir.path();
    let o = sign(
        d,
        &pass,
        "wpkh-unsigned.psbt",
        &format!("-o {}", q(&d.join("nodir").join("x.psbt"))),
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!d.join("demo-seed.age.audit.jsonl").exists());
}
