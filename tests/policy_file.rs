//! The written spend policy (issue 8, first part) as a treasurer uses it: a rule that allows what
//! the strict default refuses, first match, refusals that name the rule and field, allowlists,
//! warnings that refuse unless allowed, and the policy hash at every signing.
mod common;

use airsign::bundle::review::OutputKind;
use airsign::bundle::{self, ReviewOptions};
use airsign::policy::{PolicyFile, PolicySet};
use airsign::signer::KeyChain;
use airsign::wallet::{ScriptType, WatchOnly};
use bitcoin::{Network, Psbt};
use common::{bin, demo_dir, q, sh};

fn keys() -> KeyChain {
    common::test_keys()
}

fn wallet(k: &KeyChain) -> WatchOnly {
    common::wallet_of(k, ScriptType::Wpkh)
}

/// A P2WPKH bundle paying `pay` sats to a stranger from a 100,000-sat coin at `rate` sat/vB.
fn bundle(pay: u64, rate: f64) -> (Psbt, KeyChain) {
    let k = keys();
    (
        common::bundle_from(&wallet(&k), &[100_000], pay, rate, 5),
        k,
    )
}

fn set(json: &str) -> PolicySet {
    PolicyFile::parse(json.as_bytes())
        .unwrap()
        .compile(Network::Regtest)
        .unwrap()
}

fn codes(p: &Psbt, k: &KeyChain, s: &PolicySet) -> (Vec<&'static str>, Option<String>) {
    let r = bundle::review(p, k, &ReviewOptions::default());
    let v = s.evaluate(&r);
    (v.refuse.iter().map(|r| r.code).collect(), v.rule)
}

#[test]
fn a_20000_sat_payment_at_20_sat_per_vb_passes_with_max_fee_percent_20() {
    let (p, k) = bundle(20_000, 20.0);
    let (builtin, _) = codes(&p, &k, &PolicySet::default());
    assert_eq!(
        builtin,
        vec!["fee-percent"],
        "the strict default refuses it"
    );
    let (refused, rule) = codes(
        &p,
        &k,
        &set(r#"{"version":1,"rules":[{"name":"ops","max_fee_percent":20}]}"#),
    );
    assert!(refused.is_empty(), "{refused:?}");
    assert_eq!(rule.as_deref(), Some("ops"));
}

#[test]
fn the_first_matching_rule_decides_and_refusals_name_rule_and_field() {
    let (p, k) = bundle(60_000, 2.0);
    let s = set(r#"{"version":1,"rules":[
            {"name":"small","max_spend_per_tx":50000},
            {"name":"medium","max_spend_per_tx":70000},
            {"name":"large"}]}"#);
    let (refused, rule) = codes(&p, &k, &s);
    assert!(refused.is_empty(), "{refused:?}");
    assert_eq!(rule.as_deref(), Some("medium"));
    let s = set(r#"{"version":1,"rules":[{"name":"small","max_spend_per_tx":50000}]}"#);
    let r = bundle::review(&p, &k, &ReviewOptions::default());
    let v = s.evaluate(&r);
    let m = &v.refuse[0].message;
    assert!(
        m.contains("0.00060000 BTC exceeds max_spend_per_tx 0.00050000 BTC in rule 'small'"),
        "{m}"
    );
    assert!(v.refuse[0]
        .hint
        .as_deref()
        .unwrap()
        .contains("max_spend_per_tx"));
}

#[test]
fn destinations_allow_addresses_and_descriptors_and_nothing_else() {
    let (p, k) = bundle(20_000, 2.0);
    let payee = common::payee().to_string();
    let ok = set(&format!(
        r#"{{"version":1,"rules":[{{"name":"a","destinations":["{payee}"]}}]}}"#
    ));
    assert!(codes(&p, &k, &ok).0.is_empty());
    let other = set(
        r#"{"version":1,"rules":[{"name":"a","destinations":["bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk"]}]}"#,
    );
    assert_eq!(codes(&p, &k, &other).0, vec!["destination-not-allowed"]);
    // Our own wallet's descriptor as a destination allows paying its addresses; change is never
    // a destination question.
    let d = wallet(&k).external.to_string();
    let desc = set(&format!(
        r#"{{"version":1,"rules":[{{"name":"a","destinations":["{d}"]}}]}}"#
    ));
    let r = bundle::review(&p, &k, &ReviewOptions::default());
    assert!(r
        .outputs
        .iter()
        .any(|o| matches!(o.kind, OutputKind::Change { .. })));
    assert_eq!(codes(&p, &k, &desc).0, vec!["destination-not-allowed"]);
}

#[test]
fn a_written_rule_refuses_warnings_it_does_not_allow() {
    // 150 sat/vB warns under the built-in policy; a written rule refuses it unless allowed.
    let (p, k) = bundle(60_000, 150.0);
    let r = bundle::review(&p, &k, &ReviewOptions::default());
    let strict = set(r#"{"version":1,"rules":[{"name":"a","max_fee_percent":90}]}"#);
    let v = strict.evaluate(&r);
    assert!(
        v.refuse.iter().any(|r| r.code == "fee-rate"),
        "{:?}",
        v.refuse
    );
    let allowing =
        set(r#"{"version":1,"rules":[{"name":"a","max_fee_percent":90,"max_fee_rate":200}]}"#);
    assert!(allowing.evaluate(&r).approved());
}

#[test]
fn a_policy_for_another_network_allows_nothing() {
    let (p, k) = bundle(20_000, 2.0);
    let s = PolicyFile::parse(br#"{"version":1,"network":"bitcoin","rules":[{"name":"a"}]}"#)
        .unwrap()
        .compile(Network::Regtest)
        .unwrap();
    assert!(codes(&p, &k, &s).0.contains(&"policy-network"));
}

#[test]
fn sign_with_a_policy_prints_its_hash_and_uses_it() {
    let (dir, pass) = demo_dir();
    let d = dir.path();
    let policy = d.join("policy.json");
    std::fs::write(
        &policy,
        r#"{"version":1,"network":"regtest","rules":[{"name":"tiny","max_spend_per_tx":1000}]}"#,
    )
    .unwrap();
    let hash = sh(&format!("{} policy hash {}", q(&bin()), q(&policy)));
    let hash = String::from_utf8(hash.stdout).unwrap().trim().to_string();
    assert_eq!(hash.len(), 64);
    let out = d.join("never.psbt");
    let o = sh(&format!(
        "{} sign --seed {} --passphrase-fd 4 --yes --policy {} {} -o {} 4<{}",
        q(&bin()),
        q(&d.join("demo-seed.age")),
        q(&policy),
        q(&d.join("wpkh-unsigned.psbt")),
        q(&out),
        q(&pass)
    ));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains(&format!("policy {hash}")), "{err}");
    assert!(err.contains("in rule 'tiny'"), "{err}");
    assert!(!out.exists());
    // The flags of the built-in policy cannot be mixed with a file.
    let o = sh(&format!(
        "{} sign --seed {} --passphrase-fd 4 --yes --policy {} --max-fee 5 {} -o {} 4<{}",
        q(&bin()),
        q(&d.join("demo-seed.age")),
        q(&policy),
        q(&d.join("wpkh-unsigned.psbt")),
        q(&out),
        q(&pass)
    ));
    assert_eq!(o.status.code(), Some(2));
    // A policy that requires a person at the terminal is not satisfied by --yes.
    std::fs::write(
        &policy,
        r#"{"version":1,"rules":[{"name":"p","require_confirmation":true,"warnings_ok":true}]}"#,
    )
    .unwrap();
    let o = sh(&format!(
        "{} sign --seed {} --passphrase-fd 4 --yes --policy {} {} -o {} 4<{}",
        q(&bin()),
        q(&d.join("demo-seed.age")),
        q(&policy),
        q(&d.join("wpkh-unsigned.psbt")),
        q(&out),
        q(&pass)
    ));
    assert_eq!(
        o.status.code(),
        Some(5),
        "no terminal to confirm on: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!out.exists());
}

#[test]
fn policy_check_is_a_dry_run_with_exit_codes() {
    let (dir, _) = demo_dir();
    let d = dir.path();
    let policy = d.join("policy.json");
    std::fs::write(
        &policy,
        r#"{"version":1,"rules":[{"name":"small","max_spend_per_tx":1000},{"name":"ops","max_spend_per_tx":1000000}]}"#,
    )
    .unwrap();
    let k = keys();
    let desc = wallet(&k).external.to_string();
    let o = sh(&format!(
        "{} policy check --policy {} --descriptor \"{desc}\" --network regtest {} --json",
        q(&bin()),
        q(&policy),
        q(&d.join("wpkh-unsigned.psbt"))
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["decision"], "allowed");
    assert_eq!(v["verdict"]["rule"], "ops");
    std::fs::write(
        &policy,
        r#"{"version":1,"rules":[{"name":"small","max_spend_per_tx":1000}]}"#,
    )
    .unwrap();
    let o = sh(&format!(
        "{} policy check --policy {} --descriptor \"{desc}\" --network regtest {}",
        q(&bin()),
        q(&policy),
        q(&d.join("wpkh-unsigned.psbt"))
    ));
    assert_eq!(o.status.code(), Some(3));
    // A broken policy file: exit 1 with the field named.
    std::fs::write(
        &policy,
        r#"{"version":1,"rules":[{"name":"x","max_spend":1}]}"#,
    )
    .unwrap();
    let o = sh(&format!("{} policy hash {}", q(&bin()), q(&policy)));
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("max_spend"));
}

#[test]
fn bundle_create_with_the_signers_policy_warns_before_the_bundle_travels() {
    let (dir, _) = demo_dir();
    let d = dir.path();
    let policy = d.join("policy.json");
    std::fs::write(
        &policy,
        r#"{"version":1,"rules":[{"name":"tiny","max_spend_per_tx":1000}]}"#,
    )
    .unwrap();
    let desc = keys()
        .account_export(ScriptType::Wpkh, 0)
        .unwrap()
        .multipath
        .unwrap();
    let o = sh(&format!(
        "{} bundle create --descriptor \"{desc}\" --network regtest --utxos {} --prev-txs {} --to {}:20000 --fee-rate 2 --policy {} -o {} --json",
        q(&bin()),
        q(&d.join("wpkh-utxos.json")),
        q(&d.join("wpkh-prev-txs.hex")),
        common::payee(),
        q(&policy),
        q(&d.join("new.psbt"))
    ));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("the signer's policy would refuse this bundle"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["policy_verdict"]["refuse"][0]["code"], "max-spend-per-tx");
}

#[test]
fn a_policy_pinned_to_the_seed_catches_a_swapped_policy_file() {
    let (dir, pass) = demo_dir();
    let d = dir.path();
    let seed = d.join("demo-seed.age");
    let policy = d.join("policy.json");
    std::fs::write(
        &policy,
        r#"{"version":1,"rules":[{"name":"ops","max_spend_per_tx":1000000,"warnings_ok":true}]}"#,
    )
    .unwrap();
    let o = sh(&format!(
        "{} policy pin --policy {} --seed {} --passphrase-fd 4 4<{}",
        q(&bin()),
        q(&policy),
        q(&seed),
        q(&pass)
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let sign = |extra: &str, out: &str| {
        sh(&format!(
            "{} sign --seed {} --passphrase-fd 4 --yes {extra} {} -o {} 4<{}",
            q(&bin()),
            q(&seed),
            q(&d.join("wpkh-unsigned.psbt")),
            q(&d.join(out)),
            q(&pass)
        ))
    };
    let o = sign(&format!("--policy {}", q(&policy)), "a.psbt");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Someone loosens the policy on disk: exit 4, nothing signed.
    std::fs::write(
        &policy,
        r#"{"version":1,"rules":[{"name":"ops","max_spend_per_tx":9000000000,"warnings_ok":true}]}"#,
    )
    .unwrap();
    let o = sign(&format!("--policy {}", q(&policy)), "b.psbt");
    assert_eq!(
        o.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!d.join("b.psbt").exists());
    // Or drops --policy to fall back to the built-in one: also exit 4.
    let o = sign("", "c.psbt");
    assert_eq!(
        o.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // A pin rewritten without the seed is caught.
    let pin = d.join("demo-seed.age.policy-pin");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&pin).unwrap()).unwrap();
    v["policy_hash"] = serde_json::Value::String(
        PolicyFile::parse(&std::fs::read(&policy).unwrap())
            .unwrap()
            .hash(),
    );
    std::fs::write(&pin, serde_json::to_vec(&v).unwrap()).unwrap();
    let o = sign(&format!("--policy {}", q(&policy)), "d.psbt");
    assert_eq!(o.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not made with this seed"));
}
