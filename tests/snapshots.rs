//! Snapshot tests: the help text and the human review output, compared byte for byte with the
//! files in `tests/snapshots/`. A change to what a person reads shows up as a diff in review.
//!
//! After a deliberate change, regenerate and read the diff before committing:
//!
//!     UPDATE_SNAPSHOTS=1 cargo test --locked --test snapshots
//!
//! Anything that depends on the machine (temporary paths) is replaced by a placeholder first.
mod common;

use std::path::Path;
use std::process::Output;

use common::{bin, q, sh};

/// Compare `actual` with `tests/snapshots/NAME`, or write it there with `UPDATE_SNAPSHOTS=1`.
fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| !v.is_empty()) {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; create it with UPDATE_SNAPSHOTS=1 cargo test --test snapshots",
            path.display()
        )
    });
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from the snapshot at line {}:\n  snapshot: {:?}\n  now:      {:?}\n\
             --- now, in full ---\n{actual}\n\
             If the change is deliberate: UPDATE_SNAPSHOTS=1 cargo test --test snapshots, and review the diff.",
            first + 1,
            expected.lines().nth(first).unwrap_or("<end>"),
            actual.lines().nth(first).unwrap_or("<end>")
        );
    }
}

/// Run the binary with a fixed terminal width and no colour decisions left to the environment.
fn run(cmd: &str) -> Output {
    sh(&format!("export COLUMNS=100; unset NO_COLOR; {cmd}"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).expect("UTF-8 output")
}

/// The PSBT of a fixture in `fixtures/hostile/`, as a base64 file in `dir`.
fn fixture_psbt(dir: &Path, case: &str) -> std::path::PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/hostile/{case}.json"));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    let out = dir.join(format!("{case}.psbt"));
    std::fs::write(&out, v["psbt"].as_str().unwrap()).unwrap();
    out
}

#[test]
fn help_text() {
    for (name, args) in [
        ("help-airsign.txt", "--help"),
        ("help-sign.txt", "sign --help"),
        ("help-seed-verify-backup.txt", "seed verify-backup --help"),
    ] {
        let o = run(&format!("{} {args}", q(&bin())));
        assert!(o.status.success(), "{args}");
        snapshot(name, &text(&o.stdout));
    }
}

#[test]
fn review_of_bundle_inspect() {
    let dir = tempfile::tempdir().unwrap();
    for case in [
        "01-fee-absolute-builtin",
        "47-proprietary-fields-with-terminal-escapes",
    ] {
        let psbt = fixture_psbt(dir.path(), case);
        let o = run(&format!("{} bundle inspect {}", q(&bin()), q(&psbt)));
        assert!(o.status.success(), "{}", text(&o.stderr));
        let out = text(&o.stdout).replace(&dir.path().display().to_string(), "<TMP>");
        assert!(!out.contains('\x1b'), "escape codes in piped output");
        snapshot(&format!("inspect-{case}.txt"), &out);
    }
}

#[test]
fn review_of_sign_refusing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("words"), airsign::wallet::fixture::TEST_MNEMONIC).unwrap();
    std::fs::write(d.join("pass"), "snapshot passphrase\n").unwrap();
    let seed = d.join("seed.age");
    let o = sh(&format!(
        "{} seed import --network regtest --kdf-work-factor 10 --mnemonic-fd 3 --passphrase-fd 4 --out {} 3<{} 4<{}",
        q(&bin()),
        q(&seed),
        q(&d.join("words")),
        q(&d.join("pass"))
    ));
    assert!(o.status.success(), "{}", text(&o.stderr));
    let psbt = fixture_psbt(d, "01-fee-absolute-builtin");
    let o = run(&format!(
        "{} sign --seed {} --passphrase-fd 4 --yes {} -o {} 4<{}",
        q(&bin()),
        q(&seed),
        q(&psbt),
        q(&d.join("signed.psbt")),
        q(&d.join("pass"))
    ));
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert!(!d.join("signed.psbt").exists());
    let err = text(&o.stderr).replace(&d.display().to_string(), "<TMP>");
    assert!(!err.contains('\x1b'), "escape codes in piped output");
    snapshot("sign-refuses-01-fee-absolute-builtin.txt", &err);
}
