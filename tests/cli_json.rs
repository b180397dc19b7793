//! Every `--json` object document starts with `"json_version": 1` (docs/json.md), added in one
//! place for every command; the one bare array (`log pending`) stays an array.
mod common;

use std::path::Path;

use common::{bin, q, sh};

fn first_key(stdout: &[u8]) -> (String, serde_json::Value) {
    let text = String::from_utf8_lossy(stdout).into_owned();
    let v: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    // The text, not the parsed map (whose order serde_json does not keep): the field comes first.
    let first = text.lines().nth(1).unwrap_or_default().trim().to_owned();
    (first, v)
}

#[test]
fn object_documents_carry_json_version_first() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/hostile/20-op-return.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    let psbt = d.join("in.psbt");
    std::fs::write(&psbt, v["psbt"].as_str().unwrap()).unwrap();
    for cmd in [
        format!("bundle inspect --json {}", q(&psbt)),
        format!("qr show --json {}", q(&psbt)),
        format!(
            "qr show --text {} > {} && {} qr scan --json --text-file {} -o {}",
            q(&psbt),
            q(&d.join("parts")),
            q(&bin()),
            q(&d.join("parts")),
            q(&d.join("back.psbt"))
        ),
    ] {
        let o = sh(&format!("{} {cmd}", q(&bin())));
        assert!(
            o.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let (first, v) = first_key(&o.stdout);
        assert_eq!(first, "\"json_version\": 1,", "{cmd}");
        assert_eq!(v["json_version"], airsign::commands::JSON_VERSION, "{cmd}");
    }
    // A document that exits non-zero carries it too (a log that does not verify: exit 4).
    std::fs::write(d.join("bad.jsonl"), "not json\n").unwrap();
    let o = sh(&format!(
        "{} log verify --json {}",
        q(&bin()),
        q(&d.join("bad.jsonl"))
    ));
    assert_eq!(o.status.code(), Some(4));
    assert_eq!(first_key(&o.stdout).0, "\"json_version\": 1,");
}

#[test]
fn log_pending_stays_a_bare_array() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("empty.jsonl");
    std::fs::write(&log, "").unwrap();
    let o = sh(&format!("{} log pending --json {}", q(&bin()), q(&log)));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.is_array(), "{v}");
}
