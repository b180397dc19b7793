//! CLI: seed import from a descriptor → info → account export for every script type, and every
//! way it must fail cleanly. Secrets are passed on file descriptors, as scripted ceremonies do.
use std::path::{Path, PathBuf};
use std::process::Output;
use std::str::FromStr;

use miniscript::descriptor::{Descriptor, DescriptorPublicKey};

const ABANDON: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const PASS: &str = "correct horse battery staple";
/// The BIP32 root key of the test mnemonic (from BIP86's vectors): must never be printed.
const ROOT_XPRV: &str = "xprv9s21ZrQH143K3GJpoapnV8SFfukcVBSfeCficPSGfubmSFDxo1kuHnLisriDvSnRRuL2Qrg5ggqHKNVpxR86QEC8w35uxmGoggxtQTPvfUu";

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("airsign")
}

/// Run airsign through bash so secrets arrive on descriptors 3 and 4, detached from any TTY.
fn run(dir: &Path, args: &str, fd3: Option<&str>, fd4: Option<&str>) -> Output {
    let mut redirs = String::new();
    for (n, content) in [(3, fd3), (4, fd4)] {
        if let Some(c) = content {
            let p = dir.join(format!("fd{n}"));
            std::fs::write(&p, c).unwrap();
            redirs.push_str(&format!(" {n}<'{}'", p.display()));
        }
    }
    let cmd = format!("'{}' {args}{redirs}", bin().display());
    std::process::Command::new("setsid")
        .args(["-w", "bash", "-c", &cmd])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn assert_no_secrets(o: &Output) {
    for s in [
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    ] {
        assert!(!s.contains("abandon"), "mnemonic words leaked: {s}");
        assert!(
            !s.contains(ROOT_XPRV) && !s.contains("xprv") && !s.contains("tprv"),
            "private key leaked: {s}"
        );
        assert!(!s.contains(PASS), "passphrase leaked");
    }
}

fn import(dir: &Path, name: &str, network: &str) -> (PathBuf, Output) {
    let out = dir.join(name);
    let o = run(
        dir,
        &format!("seed import --out '{}' --network {network} --mnemonic-fd 3 --passphrase-fd 4 --kdf-work-factor 10 --json", out.display()),
        Some(ABANDON),
        Some(&format!("{PASS}\n")),
    );
    (out, o)
}

#[test]
fn import_info_export_every_script_type() {
    let dir = tempfile::tempdir().unwrap();
    let (seed, o) = import(dir.path(), "seed.age", "bitcoin");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_no_secrets(&o);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["fingerprint"], "73c5da0a");

    // The file is age-encrypted: header present, no plaintext inside.
    let bytes = std::fs::read(&seed).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1\n-> scrypt "));
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("abandon") && !text.contains("73c5da0a") && !text.contains("mnemonic"));

    let o = run(
        dir.path(),
        &format!(
            "seed info --seed '{}' --passphrase-fd 3 --json",
            seed.display()
        ),
        Some(PASS),
        None,
    );
    assert!(o.status.success());
    assert_no_secrets(&o);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["fingerprint"], "73c5da0a");
    assert_eq!(v["network"], "bitcoin");
    assert_eq!(v["words"], 12);

    let expect_first = [
        (
            "pkh",
            "m/44'/0'/0'",
            Some("1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA"),
        ),
        (
            "sh-wpkh",
            "m/49'/0'/0'",
            Some("37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf"),
        ),
        (
            "wpkh",
            "m/84'/0'/0'",
            Some("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"),
        ),
        (
            "tr",
            "m/86'/0'/0'",
            Some("bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr"),
        ),
        ("wsh-multi", "m/48'/0'/0'/2'", None),
        ("sh-wsh-multi", "m/48'/0'/0'/1'", None),
    ];
    for (script, path, first) in expect_first {
        let o = run(
            dir.path(),
            &format!(
                "account export --seed '{}' --passphrase-fd 3 --script {script} --json",
                seed.display()
            ),
            Some(PASS),
            None,
        );
        assert!(
            o.status.success(),
            "{script}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_no_secrets(&o);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["path"], path);
        assert!(v["key_origin"]
            .as_str()
            .unwrap()
            .starts_with(&format!("[73c5da0a/{}]xpub", &path[2..])));
        if let Some(first) = first {
            assert_eq!(v["first_address"], first, "{script}");
            for k in ["receive", "change", "multipath"] {
                let d = v[k].as_str().unwrap();
                assert!(d.contains('#'), "{k} lacks a checksum");
                miniscript::descriptor::checksum::verify_checksum(d).unwrap();
                let parsed = Descriptor::<DescriptorPublicKey>::from_str(d).unwrap();
                assert_eq!(
                    parsed.to_string(),
                    d,
                    "checksum or form differs from miniscript's"
                );
            }
            let recv = Descriptor::<DescriptorPublicKey>::from_str(v["receive"].as_str().unwrap())
                .unwrap();
            let addr = recv
                .at_derivation_index(0)
                .unwrap()
                .address(bitcoin::Network::Bitcoin)
                .unwrap();
            assert_eq!(addr.to_string(), first);
        }
    }
    // Human output also works and says the fingerprint.
    let o = run(
        dir.path(),
        &format!(
            "account export --seed '{}' --passphrase-fd 3 --script wpkh",
            seed.display()
        ),
        Some(PASS),
        None,
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("wpkh([73c5da0a/84'/0'/0']xpub"));
    assert_no_secrets(&o);
}

#[test]
fn testnet_uses_coin_type_one_and_tpub() {
    let dir = tempfile::tempdir().unwrap();
    let (seed, o) = import(dir.path(), "seed.age", "regtest");
    assert!(o.status.success());
    let o = run(
        dir.path(),
        &format!(
            "account export --seed '{}' --passphrase-fd 3 --script wpkh --json",
            seed.display()
        ),
        Some(PASS),
        None,
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["path"], "m/84'/1'/0'");
    assert!(v["xpub"].as_str().unwrap().starts_with("tpub"));
    assert!(v["first_address"].as_str().unwrap().starts_with("bcrt1q"));
}

#[test]
fn wrong_passphrase_is_exit_5() {
    let dir = tempfile::tempdir().unwrap();
    let (seed, _) = import(dir.path(), "seed.age", "bitcoin");
    let o = run(
        dir.path(),
        &format!("seed info --seed '{}' --passphrase-fd 3", seed.display()),
        Some("not it"),
        None,
    );
    assert_eq!(o.status.code(), Some(5));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.starts_with("airsign: error: wrong passphrase"), "{err}");
    assert!(err.contains("hint:"));
}

#[test]
fn no_terminal_and_no_fd_is_exit_5() {
    let dir = tempfile::tempdir().unwrap();
    let (seed, _) = import(dir.path(), "seed.age", "bitcoin");
    let o = run(
        dir.path(),
        &format!("seed info --seed '{}'", seed.display()),
        None,
        None,
    );
    assert_eq!(
        o.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("no terminal"));
}

#[test]
fn bad_word_and_bad_checksum_name_the_position_not_the_word() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.age");
    let bad_word = ABANDON.replacen("abandon abandon abandon", "abandon abandon zzzzzz", 1);
    let o = run(
        dir.path(),
        &format!(
            "seed import --out '{}' --mnemonic-fd 3 --passphrase-fd 4",
            out.display()
        ),
        Some(&bad_word),
        Some(PASS),
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("word 3 is not in the BIP39"), "{err}");
    assert!(!err.contains("zzzzzz") && !err.contains("abandon"));
    let bad_sum = ABANDON.replace("about", "abandon");
    let o = run(
        dir.path(),
        &format!(
            "seed import --out '{}' --mnemonic-fd 3 --passphrase-fd 4",
            out.display()
        ),
        Some(&bad_sum),
        Some(PASS),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("checksum does not match"));
    assert!(!out.exists(), "a file was written despite the error");
}

#[test]
fn truncated_empty_or_garbage_seed_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (seed, _) = import(dir.path(), "seed.age", "bitcoin");
    let bytes = std::fs::read(&seed).unwrap();
    for (name, content) in [
        ("cut.age", bytes[..bytes.len() - 10].to_vec()),
        ("half.age", bytes[..40].to_vec()),
        ("empty.age", vec![]),
        ("junk.age", b"hello".to_vec()),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        let o = run(
            dir.path(),
            &format!("seed info --seed '{}' --passphrase-fd 3", p.display()),
            Some(PASS),
            None,
        );
        assert_eq!(o.status.code(), Some(1), "{name}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("not a readable airsign seed file"),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let o = run(
        dir.path(),
        "seed info --seed /nonexistent/seed.age --passphrase-fd 3",
        Some(PASS),
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read /nonexistent/seed.age"));
}

#[test]
fn existing_seed_file_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let (_, o) = import(dir.path(), "seed.age", "bitcoin");
    assert!(o.status.success());
    let (_, o) = import(dir.path(), "seed.age", "bitcoin");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn recipient_encrypted_seed_opens_with_identity() {
    let dir = tempfile::tempdir().unwrap();
    let id = age::x25519::Identity::generate();
    use secrecy::ExposeSecret;
    let id_file = dir.path().join("id.txt");
    std::fs::write(&id_file, format!("{}\n", id.to_string().expose_secret())).unwrap();
    let out = dir.path().join("seed.age");
    let o = run(
        dir.path(),
        &format!(
            "seed import --out '{}' --mnemonic-fd 3 --recipient {}",
            out.display(),
            id.to_public()
        ),
        Some(ABANDON),
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(
        dir.path(),
        &format!(
            "seed info --seed '{}' --identity '{}' --json",
            out.display(),
            id_file.display()
        ),
        None,
        None,
    );
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("73c5da0a"));
}

#[test]
fn bip39_passphrase_changes_the_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let (seed, _) = import(dir.path(), "seed.age", "bitcoin");
    let o = run(
        dir.path(),
        &format!(
            "seed info --seed '{}' --passphrase-fd 3 --bip39-passphrase-fd 4 --json",
            seed.display()
        ),
        Some(PASS),
        Some("TREZOR"),
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["fingerprint"], "73c5da0a");
    let fp = v["fingerprint_with_bip39_passphrase"].as_str().unwrap();
    assert_ne!(fp, "73c5da0a");
    assert!(!String::from_utf8_lossy(&o.stdout).contains("TREZOR"));
}

#[test]
fn help_man_and_completions() {
    for args in [
        "--help",
        "seed --help",
        "sign --help",
        "man",
        "completions bash",
    ] {
        let o = std::process::Command::new(bin())
            .args(args.split(' '))
            .output()
            .unwrap();
        assert!(o.status.success(), "{args}");
        assert!(!o.stdout.is_empty());
    }
    let o = std::process::Command::new(bin())
        .arg("--help")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("OFFLINE"));
    let o = std::process::Command::new(bin())
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}
