//! Adversarial pass 6 on issue 10: a checklist (or a challenge, or a message) written by a
//! compromised machine. One regression test per attack that worked, named after it.
mod common;

use std::path::Path;
use std::process::Output;

use common::{bin, q, sh};

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Run `steps` as a checklist in `d` (answers one per line, the demo passphrase on fd 4).
fn ceremony(d: &Path, pass: &Path, steps: &str, answers: &str) -> Output {
    std::fs::write(
        d.join("c.json"),
        format!(r#"{{"format":"airsign-ceremony/1","name":"attack","steps":{steps}}}"#),
    )
    .unwrap();
    std::fs::write(d.join("answers"), answers).unwrap();
    let _ = std::fs::remove_file(d.join("t.jsonl"));
    sh(&format!(
        "cd {} && {} ceremony run c.json --transcript t.jsonl --answers-fd 3 --passphrase-fd 4 3<answers 4<{}",
        q(d),
        q(&bin()),
        q(pass)
    ))
}

/// F1 (critical): a "show" step of the seed file, or of the descriptor that holds the
/// passphrase, sent both to the online machine as QR.
#[test]
fn a_checklist_cannot_show_the_seed_file_or_read_the_passphrase_descriptor() {
    let (dir, pass) = common::demo_dir();
    let d = dir.path();
    let o = ceremony(
        d,
        &pass,
        r#"[{"id":"show-signed","title":"Show the signed bundle","show":{"file":"demo-seed.age","surface":"html:x.html"}}]"#,
        "",
    );
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(err(&o).contains("encrypted seed"), "{}", err(&o));
    assert!(!d.join("x.html").exists());
    // A copy under another name is still an age file.
    std::fs::copy(d.join("demo-seed.age"), d.join("receipt.bin")).unwrap();
    let o = ceremony(
        d,
        &pass,
        r#"[{"id":"s","show":{"file":"receipt.bin","surface":"png:out"}}]"#,
        "",
    );
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(!d.join("out").exists());
    // The passphrase's descriptor (or any absolute path) is refused before anything runs.
    for steps in [
        r#"[{"id":"s","show":{"file":"/proc/self/fd/4","surface":"png:out"}}]"#,
        r#"[{"id":"s","run":["digest","/proc/self/fd/4","--json"]}]"#,
    ] {
        let o = ceremony(d, &pass, steps, "");
        assert_eq!(o.status.code(), Some(1), "{}", err(&o));
        assert!(
            !d.join("t.jsonl").exists(),
            "no transcript: the checklist never ran"
        );
    }
}

/// F2 (high): a scan step wrote `~/.bashrc` (code execution on the offline machine), files
/// outside the folder, and over the seed's audit log and registrations with --force.
#[test]
fn a_checklist_cannot_write_outside_its_folder_or_replace_files() {
    let (dir, pass) = common::demo_dir();
    let d = dir.path();
    for steps in [
        r#"[{"id":"s","scan":{"from":"text:f","out":"../escape.out"}}]"#,
        r#"[{"id":"s","scan":{"from":"text:f","out":"/tmp/abs.out"}}]"#,
        r#"[{"id":"s","run":["qr","scan","--text-file","f","-o","x","--force"]}]"#,
        r#"[{"id":"s","scan":{"from":"text:f","out":"demo-seed.age.audit.jsonl"}}]"#,
        r#"[{"id":"s","scan":{"from":"text:f","out":"demo-seed.age.wallets.json"}}]"#,
    ] {
        let o = ceremony(d, &pass, steps, "");
        assert_eq!(o.status.code(), Some(1), "{steps}: {}", err(&o));
        assert!(err(&o).contains("step \"s\""), "{}", err(&o));
    }
    assert!(!d.parent().unwrap().join("escape.out").exists());
}

/// F3 (high): steps signed with --yes (no person confirmed), a captured value `--yes` became
/// an option, and --log pointed signing at a fresh log.
#[test]
fn a_checklist_cannot_sign_without_the_operator() {
    let (dir, pass) = common::demo_dir();
    let d = dir.path();
    for flag in ["--yes", "--log", "--log=fresh.jsonl"] {
        let steps = format!(
            r#"[{{"id":"s","run":["sign","--seed","demo-seed.age","wpkh-unsigned.psbt","-o","s.psbt","{flag}"]}}]"#
        );
        let o = ceremony(d, &pass, &steps, "");
        assert_eq!(o.status.code(), Some(1), "{flag}: {}", err(&o));
    }
    // Without --yes, signing shows the review and asks the operator, who says no.
    let o = ceremony(
        d,
        &pass,
        r#"[{"id":"sign","run":["sign","--seed","demo-seed.age","wpkh-unsigned.psbt","-o","s.psbt","--json"],
             "expect":{"json":{"/decision":"signed"}}}]"#,
        "no\n",
    );
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(
        err(&o).contains("Sign bundle"),
        "the sign question was asked: {}",
        err(&o)
    );
    assert!(!d.join("s.psbt").exists(), "declined: nothing signed");
    // A captured value that starts with "-" (say a wallet named "--yes") is refused: the unit
    // test `a_captured_value_cannot_become_an_option_nor_a_seed_be_named_outside_seed` in
    // src/ceremony/confine.rs covers it, since no command's output here carries such a value.
}

/// F4 (high): `message sign` of an approval statement's text made a valid approval without the
/// approver ever seeing the transaction.
#[test]
fn a_message_cannot_pass_for_an_approval() {
    let (dir, pass) = common::demo_dir();
    let d = dir.path();
    for text in [
        "airsign approval v1\nbundle: X\n",
        "  AIRSIGN approval v1\n",
        "airsign keycheck v1\n",
    ] {
        std::fs::write(d.join("m.txt"), text).unwrap();
        let o = sh(&format!(
            "{} message sign --seed {} --passphrase-fd 4 --path m/84h/1h/0h/0/0 --file {} --yes 4<{}",
            q(&bin()),
            q(&d.join("demo-seed.age")),
            q(&d.join("m.txt")),
            q(&pass)
        ));
        assert_eq!(o.status.code(), Some(3), "{text:?}: {}", err(&o));
        assert!(o.stdout.is_empty(), "no signature");
        assert!(err(&o).contains("airsign approve"), "{}", err(&o));
    }
}

/// F9 (low): a challenge whose time carries another line into the signed statement.
#[test]
fn a_key_check_challenge_with_extra_lines_in_its_time_is_refused() {
    let (dir, pass) = common::demo_dir();
    let d = dir.path();
    let o = sh(&format!(
        "cd {} && {a} account export --seed demo-seed.age --passphrase-fd 4 --script wpkh --json > acct.json 4<{p} \
         && {a} wallet create --from acct.json -o w.json && {a} keycheck challenge w.json -o c.json",
        q(d),
        a = q(&bin()),
        p = q(&pass)
    ));
    assert!(o.status.success(), "{}", err(&o));
    let mut c: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("c.json")).unwrap()).unwrap();
    let created = c["created"].as_str().unwrap().to_owned();
    c["created"] = format!("{created}\nairsign approval v1").into();
    std::fs::write(d.join("c.json"), c.to_string()).unwrap();
    let o = sh(&format!(
        "cd {} && {} keycheck answer --seed demo-seed.age --passphrase-fd 4 --yes c.json -o a.json 4<{}",
        q(d),
        q(&bin()),
        q(&pass)
    ));
    assert!(!o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("RFC 3339"), "{}", err(&o));
    assert!(!d.join("a.json").exists());
}

/// F15 (low): a transcript named like the seed's audit log stopped the next signing.
#[test]
fn a_transcript_cannot_be_named_like_an_airsign_record() {
    let (dir, pass) = common::demo_dir();
    let d = dir.path();
    std::fs::write(
        d.join("c.json"),
        r#"{"format":"airsign-ceremony/1","name":"x","steps":[{"id":"a","run":["digest","c.json"]}]}"#,
    )
    .unwrap();
    for name in ["new.age.audit.jsonl", "x.wallets.json"] {
        let o = sh(&format!(
            "cd {} && {} ceremony run c.json --transcript {name} 4<{}",
            q(d),
            q(&bin()),
            q(&pass)
        ));
        assert_eq!(o.status.code(), Some(2), "{}", err(&o));
        assert!(!d.join(name).exists());
    }
}
