//! `scripts/install.sh` puts the binary, completions and man pages where it is told, and checks
//! every option before it writes anything. Run with `--bin` (the binary cargo built for these
//! tests), so no second build happens here; the cargo path is the same script with `cargo install`.
mod common;

use common::{bin, q};

fn install(args: &str) -> std::process::Output {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install.sh");
    std::process::Command::new("bash")
        .args(["-c", &format!("{} --bin {} {args}", q(&script), q(&bin()))])
        .output()
        .unwrap()
}

#[test]
fn installs_binary_completions_and_man_pages_into_a_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let o = install(&format!("--prefix {}", q(p)));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("installed: "), "{out}");
    for f in [
        "bin/airsign",
        "share/bash-completion/completions/airsign",
        "share/zsh/site-functions/_airsign",
        "share/fish/vendor_completions.d/airsign.fish",
        "share/man/man1/airsign.1",
        "share/man/man1/airsign-seed-verify-backup.1",
        "share/man/man1/airsign-sign.1",
    ] {
        let path = p.join(f);
        assert!(
            std::fs::metadata(&path).is_ok_and(|m| m.len() > 0),
            "{f} missing or empty"
        );
    }
    let bash =
        std::fs::read_to_string(p.join("share/bash-completion/completions/airsign")).unwrap();
    assert!(
        bash.contains("verify-backup"),
        "completions lack the new command"
    );
    let o = std::process::Command::new(p.join("bin/airsign"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("airsign "));
}

#[test]
fn separate_folders_and_choices_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let o = install(&format!(
        "--prefix {} --bin-dir {} --completions-dir {} --shells zsh --no-man",
        q(p),
        q(&p.join("b/bin")),
        q(&p.join("c"))
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(p.join("b/bin/airsign").exists());
    assert!(p.join("c/zsh/site-functions/_airsign").exists());
    assert!(!p.join("c/bash-completion").exists());
    assert!(!p.join("bin").exists(), "--bin-dir ignored");
    assert!(
        !p.join("share").exists(),
        "man pages (or completions) under the prefix"
    );
}

#[test]
fn a_bad_option_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("prefix");
    for bad in ["--shells bash,tcsh", "--frobnicate"] {
        let o = install(&format!("--prefix {} {bad}", q(&p)));
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(!p.exists(), "{bad}: something was written");
    }
}
