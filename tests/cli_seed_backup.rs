//! CLI: `seed verify-backup` against a real seed file, with the words on a descriptor as a script
//! gives them. The answer names wrong positions only: never the seed's word, never the typed one.
use std::path::{Path, PathBuf};
use std::process::Output;

const ABANDON: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const PASS: &str = "correct horse battery staple";

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("airsign")
}

/// Run airsign through bash, detached from any TTY, with descriptor 3 = the file passphrase and
/// descriptor 4 = `words` (when given).
fn run(dir: &Path, args: &str, words: Option<&str>) -> Output {
    std::fs::write(dir.join("pass"), format!("{PASS}\n")).unwrap();
    let mut redirs = format!(" 3<'{}'", dir.join("pass").display());
    if let Some(w) = words {
        std::fs::write(dir.join("words"), w).unwrap();
        redirs.push_str(&format!(" 4<'{}'", dir.join("words").display()));
    }
    let cmd = format!("'{}' {args}{redirs}", bin().display());
    std::process::Command::new("setsid")
        .args(["-w", "bash", "-c", &cmd])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn seed(dir: &Path) -> PathBuf {
    let out = dir.join("seed.age");
    std::fs::write(dir.join("mnemonic"), ABANDON).unwrap();
    let o = run(
        dir,
        &format!(
            "seed import --out '{}' --network regtest --mnemonic-fd 5 --passphrase-fd 3 --kdf-work-factor 10 5<'{}'",
            out.display(),
            dir.join("mnemonic").display()
        ),
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

fn verify(dir: &Path, seed: &Path, extra: &str, words: Option<&str>) -> Output {
    run(
        dir,
        &format!(
            "seed verify-backup --seed '{}' --passphrase-fd 3 {extra}",
            seed.display()
        ),
        words,
    )
}

/// Neither the seed's words nor anything typed appears in the output.
fn assert_silent_about(o: &Output, typed: &[&str]) {
    for s in [
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    ] {
        for w in ["abandon", "about", "aban", "abou"].iter().chain(typed) {
            assert!(!s.contains(w), "{w:?} printed: {s}");
        }
        assert!(!s.contains(PASS));
    }
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

#[test]
fn the_right_words_pass_whole_or_by_four_letters() {
    let dir = tempfile::tempdir().unwrap();
    let seed = seed(dir.path());
    // One per line, as a script writes them.
    let o = verify(
        dir.path(),
        &seed,
        "--words-fd 4",
        Some(&ABANDON.replace(' ', "\n")),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("all 12 word(s) asked match"), "{err}");
    assert_silent_about(&o, &[]);
    // The first four letters are enough, in any case.
    let short = "ABAN aban aban aban aban aban aban aban aban aban aban abou";
    let o = verify(dir.path(), &seed, "--words-fd 4 --json", Some(short));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    assert_eq!(v["ok"], true);
    assert_eq!(v["wrong"], serde_json::json!([]));
    assert_eq!(v["asked"].as_array().unwrap().len(), 12);
    assert_eq!(v["fingerprint"], "73c5da0a");
    assert_silent_about(&o, &["ABAN"]);
}

#[test]
fn a_wrong_word_names_its_position_only() {
    let dir = tempfile::tempdir().unwrap();
    let seed = seed(dir.path());
    // Word 3 is `zebra` on this paper, word 12 a misspelling.
    let paper = "abandon abandon zebra abandon abandon abandon abandon abandon abandon abandon abandon abuot";
    let o = verify(dir.path(), &seed, "--words-fd 4", Some(paper));
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("does not match the seed file at words 3 and 12"),
        "{err}"
    );
    assert_silent_about(&o, &["zebra", "abuot"]);

    let o = verify(dir.path(), &seed, "--words-fd 4 --json", Some(paper));
    assert_eq!(o.status.code(), Some(3));
    let v = json(&o);
    assert_eq!(v["ok"], false);
    assert_eq!(v["wrong"], serde_json::json!([3, 12]));
    assert_silent_about(&o, &["zebra", "abuot"]);

    // Three letters do not identify a word.
    let o = verify(dir.path(), &seed, "--positions 1 --words-fd 4", Some("aba"));
    assert_eq!(o.status.code(), Some(3));
}

#[test]
fn some_positions_answered_in_order_or_from_the_whole_paper() {
    let dir = tempfile::tempdir().unwrap();
    let seed = seed(dir.path());
    let o = verify(
        dir.path(),
        &seed,
        "--positions 12,2 --words-fd 4 --json",
        Some("abandon\nabout\n"),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(json(&o)["asked"], serde_json::json!([2, 12]));
    assert!(String::from_utf8_lossy(&o.stderr).contains("asking for 2 of 12 words: 2, 12"));
    // Swapped answers: both wrong.
    let o = verify(
        dir.path(),
        &seed,
        "--positions 2,12 --words-fd 4 --json",
        Some("about abandon"),
    );
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(json(&o)["wrong"], serde_json::json!([2, 12]));
    // random:N with the whole paper on the descriptor: only the drawn positions are compared.
    let paper = ABANDON.replacen("abandon", "zebra", 1);
    let o = verify(
        dir.path(),
        &seed,
        "--positions random:4 --words-fd 4 --json",
        Some(&paper),
    );
    let v = json(&o);
    let asked: Vec<u64> = v["asked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect();
    assert_eq!(asked.len(), 4);
    if asked.contains(&1) {
        assert_eq!(o.status.code(), Some(3));
        assert_eq!(v["wrong"], serde_json::json!([1]));
    } else {
        assert_eq!(o.status.code(), Some(0));
    }
    assert_silent_about(&o, &["zebra"]);
}

#[test]
fn mistakes_in_the_request_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let seed = seed(dir.path());
    // A position the seed does not have: usage (2).
    let o = verify(
        dir.path(),
        &seed,
        "--positions 13 --words-fd 4",
        Some("abandon"),
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = verify(
        dir.path(),
        &seed,
        "--positions random:0 --words-fd 4",
        Some("x"),
    );
    assert_eq!(o.status.code(), Some(2));
    // Words that fit neither the positions nor the mnemonic: runtime (1), counts only.
    let o = verify(
        dir.path(),
        &seed,
        "--positions 1,2,3 --words-fd 4",
        Some("abandon zebra"),
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("2 word(s) given; expected 3"), "{err}");
    assert_silent_about(&o, &["zebra"]);
    // No terminal and no descriptor for the words: secret unavailable (5).
    let o = verify(dir.path(), &seed, "", None);
    assert_eq!(
        o.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Wrong file passphrase: 5, and no word is asked.
    std::fs::write(dir.path().join("bad"), "nope\n").unwrap();
    let o = run(
        dir.path(),
        &format!(
            "seed verify-backup --seed '{}' --passphrase-fd 6 --words-fd 4 6<'{}'",
            seed.display(),
            dir.path().join("bad").display()
        ),
        Some(ABANDON),
    );
    assert_eq!(o.status.code(), Some(5));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("asking for"));
}
