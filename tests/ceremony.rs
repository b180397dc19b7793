//! Scripted key ceremonies (issue 10): every checklist in fixtures/ceremonies/ runs end to end
//! through the real binary (scripts/ceremony-rehearsal.sh: answers and passphrase on
//! descriptors, the air gap read from a recorded offline layout), every transcript verifies, a
//! swapped policy file stops the spend at its named step with a valid transcript up to there, and
//! every kind of transcript tampering is caught. `airgap check` runs on recorded layouts.
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{bin, q, sh};

use common::python;

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `ceremony verify --rehearsal` (the rehearsals read a recorded air-gap layout).
fn verify(transcript: &Path, checklist: Option<&str>) -> Output {
    let with = checklist
        .map(|c| {
            format!(
                "--checklist {}",
                q(&repo(&format!("fixtures/ceremonies/{c}.json")))
            )
        })
        .unwrap_or_default();
    sh(&format!(
        "{} ceremony verify --rehearsal {} {with} --json",
        q(&bin()),
        q(transcript)
    ))
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", String::from_utf8_lossy(&o.stdout), err(o)))
}

/// The checklists shipped in fixtures/ceremonies/ (every `.json` but the policy).
fn shipped() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(repo("fixtures/ceremonies"))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".json")
                .filter(|n| *n != "policy")
                .map(str::to_owned)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn every_shipped_checklist_runs_end_to_end_and_a_swapped_policy_stops_at_its_step() {
    let Some(python) = python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new("bash")
        .arg(repo("scripts/ceremony-rehearsal.sh"))
        .arg(dir.path())
        .env("AIRSIGN", bin())
        .env("AIRSIGN_PYTHON", &python)
        .output()
        .unwrap();
    assert!(o.status.success(), "rehearsal failed:\n{}", err(&o));

    let mut rehearsed = Vec::new();
    for (folder, name) in [
        ("cold", "cold-signing"),
        ("treasury", "treasury-setup"),
        ("treasury", "treasury-spend"),
        ("treasury", "key-health-check"),
    ] {
        let d = dir.path().join(folder);
        let outcome: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join(format!("{name}.outcome.json"))).unwrap())
                .unwrap();
        assert_eq!(outcome["outcome"], "completed", "{name}: {outcome}");
        let t = d.join(format!("{name}.transcript.jsonl"));
        let v = verify(&t, Some(name));
        assert!(v.status.success(), "{name}: {}", err(&v));
        let v = json(&v);
        assert_eq!(v["outcome"], "completed");
        assert_eq!(v["tail_hash"], outcome["tail_hash"], "{name}");
        assert!(
            v["airgap_root"]
                .as_str()
                .unwrap()
                .ends_with("fixtures/airgap/offline-laptop"),
            "a rehearsal says where its air gap came from: {v}"
        );
        rehearsed.push(name.to_owned());
    }
    rehearsed.sort();
    assert_eq!(
        rehearsed,
        shipped(),
        "every checklist in fixtures/ceremonies/ must be rehearsed by scripts/ceremony-rehearsal.sh"
    );

    // The spend signed: alice's signatures are in the PSBT the ceremony wrote, and the sign step
    // recorded the audit log it appended to as an output.
    let tre = dir.path().join("treasury");
    let signed =
        bitcoin::Psbt::deserialize(&std::fs::read(tre.join("signed.psbt")).unwrap()).unwrap();
    assert!(signed.inputs.iter().all(|i| i.partial_sigs.len() == 1));
    let transcript = std::fs::read_to_string(tre.join("treasury-spend.transcript.jsonl")).unwrap();
    let sign_line: serde_json::Value = transcript
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|l| l["id"] == "sign")
        .unwrap();
    let mut outputs: Vec<&str> = sign_line["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    outputs.sort();
    assert_eq!(
        outputs,
        ["alice.age.audit.jsonl", "signed.psbt"],
        "{sign_line}"
    );
    assert!(
        !transcript.contains("passphrase (public test seeds)"),
        "never a secret"
    );

    // The key health check round-trips for the 2-of-3: alice (in the ceremony) and bob proved
    // possession, carol never answered.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tre.join("keycheck-verify.json")).unwrap()).unwrap();
    let text = report.to_string();
    assert!(
        text.contains("b8688df1") && text.contains("28645006"),
        "{report}"
    );
    assert_eq!(proved(&report), ["28645006", "b8688df1"], "{report}");
    let carol = report["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["fingerprint"] == "73c5da0a")
        .unwrap();
    assert!(
        carol["last_proved"].is_null() && carol["overdue"] == true,
        "{report}"
    );

    // A policy file swapped on disk: the ceremony stops at the policy step, names it, and leaves a
    // transcript that verifies up to there (exit 3: a valid record of a ceremony that stopped).
    let policy = std::fs::read_to_string(tre.join("policy.json")).unwrap();
    std::fs::write(
        tre.join("policy.json"),
        policy.replace("\"max_fee_rate\": 50.0", "\"max_fee_rate\": 500.0"),
    )
    .unwrap();
    std::fs::write(tre.join("answers"), "yes\n").unwrap();
    let stopped = tre.join("stopped.transcript.jsonl");
    let o = sh(&format!(
        "cd {} && {} ceremony run {} --transcript {} --airgap-root {} --answers-fd 3 --passphrase-fd 4 3<answers 4<{}",
        q(&tre),
        q(&bin()),
        q(&repo("fixtures/ceremonies/treasury-spend.json")),
        q(&stopped),
        q(&repo("fixtures/airgap/offline-laptop")),
        q(&dir.path().join("pass"))
    ));
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(
        err(&o).contains("stopped at step \"policy-hash\""),
        "{}",
        err(&o)
    );
    let v = verify(&stopped, Some("treasury-spend"));
    assert_eq!(v.status.code(), Some(3), "{}", err(&v));
    let v = json(&v);
    assert_eq!(v["outcome"], "stopped");
    assert_eq!(v["stopped_at"], "policy-hash");
    let steps: Vec<String> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("{} {}", s[0].as_str().unwrap(), s[1].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            "room passed",
            "airgap passed",
            "seed passed",
            "policy-hash failed"
        ]
    );

    tampering_is_caught(&tre.join("treasury-spend.transcript.jsonl"));

    // Adversarial pass 6, F8: without --rehearsal, a rehearsal is not accepted as a ceremony,
    // and the transcript says a script answered.
    let t = tre.join("treasury-spend.transcript.jsonl");
    let o = sh(&format!("{} ceremony verify {} --json", q(&bin()), q(&t)));
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(err(&o).contains("rehearsal"), "{}", err(&o));
    let v = json(&verify(&t, None));
    assert_eq!(
        (v["answers"].as_str(), v["passphrase"].as_str()),
        (Some("fd"), Some("fd"))
    );

    a_hostile_wallet_stops_the_set_up_before_it_is_registered(dir.path(), &python);
}

/// Adversarial pass 6, F5: expectations are checked after a step acts, so the set-up checks the
/// wallet id in a read-only step before `wallet register`: a coordinator's 1-of-2 named
/// "treasury" stops the ceremony at `wallet-id`, and nothing is registered.
fn a_hostile_wallet_stops_the_set_up_before_it_is_registered(out: &Path, python: &str) {
    let d = out.join("hostile-setup");
    std::fs::create_dir_all(&d).unwrap();
    let pass = out.join("pass");
    let o = sh(&format!(
        "{} seed import --network regtest --mnemonic-fd 3 --passphrase-fd 4 -o {} 3<{} 4<{}",
        q(&bin()),
        q(&d.join("alice.age")),
        q(&out.join("alice.words")),
        q(&pass)
    ));
    assert!(o.status.success(), "{}", err(&o));
    let key = |words: &str| {
        let o = Command::new(python)
            .arg(repo("scripts/treasury_peer.py"))
            .args(["key", &out.join(words).display().to_string(), "2"])
            .output()
            .unwrap();
        String::from_utf8(o.stdout).unwrap().trim().to_owned()
    };
    let desc = format!(
        "wsh(sortedmulti(1,{}/<0;1>/*,{}/<0;1>/*))",
        key("bob.words"),
        key("carol.words")
    );
    let o = sh(&format!(
        "cd {} && {} wallet create --name treasury --network regtest --descriptor {} -o evil.json && {} qr show evil.json --text > wallet.frames",
        q(&d),
        q(&bin()),
        common::shq(&desc),
        q(&bin())
    ));
    assert!(o.status.success(), "{}", err(&o));
    std::fs::write(d.join("answers"), "yes\nyes\nyes\nyes\n").unwrap();
    let o = sh(&format!(
        "cd {} && {} ceremony run {} --transcript t.jsonl --airgap-root {} --answers-fd 3 --passphrase-fd 4 3<answers 4<{}",
        q(&d),
        q(&bin()),
        q(&repo("fixtures/ceremonies/treasury-setup.json")),
        q(&repo("fixtures/airgap/offline-laptop")),
        q(&pass)
    ));
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(
        err(&o).contains("stopped at step \"wallet-id\""),
        "{}",
        err(&o)
    );
    assert!(
        !d.join("alice.age.wallets.json").exists(),
        "nothing registered"
    );
}

/// The fingerprints the keycheck report says proved possession now.
fn proved(report: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = report["keys"]
        .as_array()
        .unwrap_or_else(|| panic!("no keys in {report}"))
        .iter()
        .filter(|c| c["proved_now"] == true)
        .map(|c| c["fingerprint"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

/// Like the audit log: an edit, a removed, moved or added line, a cut tail, and the transcript
/// of another checklist are all caught (exit 4).
fn tampering_is_caught(transcript: &Path) {
    let text = std::fs::read_to_string(transcript).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let d = tempfile::tempdir().unwrap();
    let try_ = |name: &str, body: String, checklist: Option<&str>| {
        let p = d.path().join(name);
        std::fs::write(&p, body).unwrap();
        let o = verify(&p, checklist);
        assert_eq!(o.status.code(), Some(4), "{name} not caught: {}", err(&o));
    };
    let join = |ls: Vec<&str>| ls.join("\n") + "\n";
    // An observed value changed.
    try_(
        "edited",
        text.replacen("\"result\":\"passed\"", "\"result\":\"failed\"", 1),
        None,
    );
    let mut removed = lines.clone();
    removed.remove(3);
    try_("removed", join(removed), None);
    let mut moved = lines.clone();
    moved.swap(2, 3);
    try_("moved", join(moved), None);
    try_("cut", join(lines[..lines.len() - 1].to_vec()), None);
    try_("torn", text[..text.len() - 5].to_owned(), None);
    let mut extra = lines.clone();
    extra.push(lines[1]);
    try_("appended", join(extra), None);
    try_("other checklist", text.clone(), Some("cold-signing"));
    // Whitespace or field order changed: not the form airsign writes.
    try_(
        "respaced",
        text.replacen("\"seq\":1,", "\"seq\": 1,", 1),
        None,
    );
}

#[test]
fn airgap_check_reads_recorded_layouts() {
    let check = |layout: &str| {
        sh(&format!(
            "{} airgap check --root {} --json",
            q(&bin()),
            q(&repo(&format!("fixtures/airgap/{layout}")))
        ))
    };
    for (layout, code, failed) in [
        ("offline-laptop", 0, vec![]),
        ("encrypted-swap", 0, vec![]),
        (
            "connected-laptop",
            3,
            vec![
                "network-interfaces",
                "default-route",
                "radios-blocked",
                "swap",
                "core-dumps",
            ],
        ),
        (
            "ci-container",
            3,
            vec!["network-interfaces", "default-route"],
        ),
    ] {
        let o = check(layout);
        assert_eq!(o.status.code(), Some(code), "{layout}: {}", err(&o));
        let v = json(&o);
        let fails: Vec<&str> = v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == "fail")
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(fails, failed, "{layout}");
        assert_eq!(v["passed"], code == 0);
    }
    // The binary check: the running binary's own hash passes, another fails.
    let own = json(&check("offline-laptop"))["checks"][5]["detail"]
        .as_str()
        .unwrap()[..64]
        .to_owned();
    let o = sh(&format!(
        "{} airgap check --root {} --expect-sha256 {own}",
        q(&bin()),
        q(&repo("fixtures/airgap/offline-laptop"))
    ));
    assert!(o.status.success(), "{}", err(&o));
    let o = sh(&format!(
        "{} airgap check --root {} --expect-sha256 {}",
        q(&bin()),
        q(&repo("fixtures/airgap/offline-laptop")),
        "00".repeat(32)
    ));
    assert_eq!(o.status.code(), Some(3));
    assert!(
        err(&o).contains("not the binary you meant to run"),
        "{}",
        err(&o)
    );
}

/// `--require-airgap` agrees with `airgap check` on this machine: where the check fails (a CI
/// machine is online), signing is refused before the seed is opened and nothing is written.
#[test]
fn require_airgap_refuses_exactly_when_the_check_fails() {
    let (dir, pass) = common::demo_dir();
    let d = dir.path();
    let here = sh(&format!("{} airgap check --json", q(&bin())));
    let log_before = std::fs::read(d.join("demo-seed.age.audit.jsonl")).ok();
    let online = here.status.code() == Some(3);
    let o = sh(&format!(
        "{} sign --require-airgap --yes --seed {} --passphrase-fd 4 {} -o {} 4<{}",
        q(&bin()),
        q(&d.join("demo-seed.age")),
        q(&d.join("wpkh-unsigned.psbt")),
        q(&d.join("out.psbt")),
        q(&pass)
    ));
    if online {
        assert_eq!(o.status.code(), Some(3), "{}", err(&o));
        assert!(err(&o).contains("not air-gapped"), "{}", err(&o));
        assert!(!d.join("out.psbt").exists());
        assert_eq!(
            std::fs::read(d.join("demo-seed.age.audit.jsonl")).ok(),
            log_before,
            "refused before the seed was opened: nothing logged"
        );
    } else {
        assert!(o.status.success(), "{}", err(&o));
    }
    let o = sh(&format!(
        "{} seed new --require-airgap --words 12 -o {}",
        q(&bin()),
        q(&d.join("new.age"))
    ));
    if online {
        assert_eq!(o.status.code(), Some(3), "{}", err(&o));
        assert!(!d.join("new.age").exists());
    }
}

#[test]
fn digest_agrees_across_encodings_of_one_psbt_and_differs_for_another() {
    let (dir, _) = common::demo_dir();
    let d = dir.path();
    let signed = d.join("wpkh-signed.psbt");
    let b64 = d.join("signed.b64");
    std::fs::write(
        &b64,
        bitcoin::base64::Engine::encode(
            &bitcoin::base64::engine::general_purpose::STANDARD,
            std::fs::read(&signed).unwrap(),
        ),
    )
    .unwrap();
    let digest = |p: &Path| {
        let o = sh(&format!("{} digest {} --json", q(&bin()), q(p)));
        assert!(o.status.success(), "{}", err(&o));
        json(&o)
    };
    let (a, b) = (digest(&signed), digest(&b64));
    assert_eq!(a["kind"], "psbt");
    assert_eq!(a["digest"], b["digest"]);
    assert_eq!(a["words"].as_str().unwrap().split(' ').count(), 8);
    assert_ne!(digest(&d.join("wpkh-unsigned.psbt"))["digest"], a["digest"]);
    let other = digest(&d.join("wpkh-utxos.json"));
    assert_eq!(other["kind"], "file");
}

#[test]
fn a_bad_checklist_is_refused_before_anything_runs_and_a_no_stops_the_ceremony() {
    let d = tempfile::tempdir().unwrap();
    let run = |checklist: &str, answers: &str| {
        std::fs::write(d.path().join("c.json"), checklist).unwrap();
        std::fs::write(d.path().join("answers"), answers).unwrap();
        let _ = std::fs::remove_file(d.path().join("t.jsonl"));
        sh(&format!(
            "cd {} && {} ceremony run c.json --transcript t.jsonl --answers-fd 3 3<answers",
            q(d.path()),
            q(&bin())
        ))
    };
    let o = run(
        r#"{"format":"airsign-ceremony/1","name":"x","steps":[{"id":"a","confirm":"x","run":["digest","c.json"]}]}"#,
        "",
    );
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("step \"a\""), "{}", err(&o));
    assert!(
        !d.path().join("t.jsonl").exists(),
        "no transcript for a checklist that cannot run"
    );

    let list = r#"{"format":"airsign-ceremony/1","name":"x","steps":[
        {"id":"hello","confirm":"Say yes \u001b[31m"},
        {"id":"d","run":["digest","c.json","--json"],"expect":{"digest":"ABLE ABLE"}}]}"#;
    let o = run(list, "no\n");
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(err(&o).contains("stopped at step \"hello\""), "{}", err(&o));
    assert!(
        !err(&o).contains('\u{1b}'),
        "terminal escapes in a checklist are shown escaped"
    );
    // A wrong digest stops at the digest step and says both values.
    let o = run(list, "yes\n");
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(
        err(&o).contains("stopped at step \"d\": digest is"),
        "{}",
        err(&o)
    );
    let v = sh(&format!(
        "{} ceremony verify {} --json",
        q(&bin()),
        q(&d.path().join("t.jsonl"))
    ));
    assert_eq!(v.status.code(), Some(3));
    assert_eq!(json(&v)["stopped_at"], "d");
    // An existing transcript is never appended to or replaced.
    let o = sh(&format!(
        "cd {} && touch t2.jsonl && {} ceremony run c.json --transcript t2.jsonl --answers-fd 3 3<answers",
        q(d.path()),
        q(&bin())
    ));
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("exists already"), "{}", err(&o));
}
