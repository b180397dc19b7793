//! `qr show` / `qr scan` and the `--qr` / `--scan` options as a user types them.
mod common;

use std::process::Output;

use common::{bin, sh};

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

/// A temp folder holding `airsign demo --no-qr` output (PSBTs, the demo seed file) and the demo
/// seed file's (public) passphrase in `pw`; returns it, its path and the binary's path.
fn demo_dir() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let b = bin().display().to_string();
    ok(sh(&format!(
        "'{b}' demo --no-qr --dir '{d}/demo' >/dev/null 2>&1"
    )));
    std::fs::write(format!("{d}/pw"), "demo passphrase (public test seed)\n").unwrap();
    (dir, d, b)
}

#[test]
fn show_every_output_then_scan_each_back() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let b = bin().display().to_string();
    ok(sh(&format!(
        "'{b}' demo --no-qr --dir '{d}/demo' >/dev/null 2>&1"
    )));
    let psbt = format!("{d}/demo/tr-unsigned.psbt");
    for format in ["ur", "bbqr"] {
        let o = ok(sh(&format!("'{b}' qr show '{psbt}' --format {format} --fragment 100 --gif '{d}/{format}.gif' --png-dir '{d}/{format}-png' --html '{d}/{format}.html' --text > '{d}/{format}.txt'")));
        assert!(String::from_utf8_lossy(&o.stderr).contains("frame(s)"));
        let text = std::fs::read_to_string(format!("{d}/{format}.txt")).unwrap();
        let first = text.lines().next().unwrap();
        assert!(
            first.starts_with(if format == "ur" {
                "UR:CRYPTO-PSBT/"
            } else {
                "B$ZP"
            }) || first.starts_with("B$2P"),
            "{first}"
        );
        for src in [
            format!("--gif '{d}/{format}.gif'"),
            format!("--dir '{d}/{format}-png'"),
            format!("--text-file '{d}/{format}.txt'"),
        ] {
            let out = format!("{d}/back-{format}.psbt");
            // The same file again: replacing it is asked for (qr scan never replaces without --force).
            let o = ok(sh(&format!(
                "'{b}' qr scan {src} -o '{out}' --json --force"
            )));
            let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            assert_eq!(v["kind"], "psbt", "{src}");
            assert_eq!(
                std::fs::read(&out).unwrap(),
                std::fs::read(&psbt).unwrap(),
                "{src}"
            );
        }
    }
    // A single base64 frame for small PSBTs.
    let o = ok(sh(&format!(
        "'{b}' qr show '{psbt}' --format base64 --json"
    )));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["frames"], 1);
}

#[test]
fn sign_and_finalize_across_png_frames() {
    let (_dir, d, b) = demo_dir();
    // Online → offline: the unsigned PSBT as PNG frames.
    ok(sh(&format!(
        "'{b}' qr show '{d}/demo/wpkh-unsigned.psbt' --png-dir '{d}/out'"
    )));
    // Offline: scan, sign, and send back minimal as PNG frames (no file written).
    let o = ok(sh(&format!(
        "'{b}' sign --json --yes --seed '{d}/demo/demo-seed.age' --passphrase-fd 3 --scan 'dir:{d}/out' --minimal --qr 'png:{d}/back' 3<'{d}/pw'"
    )));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["decision"], "signed");
    // Online: scan the signatures back and finalize.
    let o = ok(sh(&format!(
        "'{b}' bundle finalize --json --scan 'dir:{d}/back'"
    )));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["hex"].as_str().unwrap().starts_with("02000000"));
}

#[test]
fn account_export_as_crypto_account_ur() {
    let (_dir, d, b) = demo_dir();
    ok(sh(&format!("'{b}' account export --seed '{d}/demo/demo-seed.age' --passphrase-fd 3 --script wpkh --qr 'text:{d}/acct.txt' 3<'{d}/pw' >/dev/null")));
    let t = std::fs::read_to_string(format!("{d}/acct.txt")).unwrap();
    assert!(t.starts_with("UR:CRYPTO-ACCOUNT/"), "{t}");
    let o = ok(sh(&format!(
        "'{b}' qr scan --text-file '{d}/acct.txt' -o '{d}/acct.cbor' --json"
    )));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["kind"], "account");
}

#[test]
fn scanning_garbage_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    // One real part of a 3-part message, a damaged part, and a stray text code: incomplete.
    let enc = airsign::transport::ur::UrEncoder::new(
        "bytes",
        airsign::transport::ur::cbor_bytes(&[9u8; 300]),
        120,
    )
    .unwrap();
    let good = enc.part(1).to_uppercase();
    let damaged = enc.part(2).to_uppercase().replacen("LP", "LL", 1);
    std::fs::write(
        format!("{d}/parts.txt"),
        format!("{good}\n{damaged}\nnot a part\n"),
    )
    .unwrap();
    let o = sh(&format!(
        "'{}' qr scan --text-file '{d}/parts.txt' -o '{d}/x'",
        bin().display()
    ));
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("did not complete") && err.contains("2 rejected"),
        "{err}"
    );
    assert!(!std::path::Path::new(&format!("{d}/x")).exists());
    let o = sh(&format!(
        "'{}' qr show /nonexistent --text",
        bin().display()
    ));
    assert_eq!(o.status.code(), Some(1));
}

/// Adversarial review (issue 12): `sign --qr` with a surface it could not write (here an existing
/// GIF without --force; before, also `--module-px 1000` or `--extra-parts 4000000000`, which
/// aborted) signed, wrote and logged the PSBT first and failed after. It now refuses first.
#[test]
fn attack_sign_with_an_unwritable_qr_surface_refuses_before_signing() {
    let (_dir, d, b) = demo_dir();
    std::fs::write(format!("{d}/taken.gif"), b"not ours").unwrap();
    let sign = |extra: &str| {
        sh(&format!(
            "'{b}' sign --yes --seed '{d}/demo/demo-seed.age' --passphrase-fd 3 '{d}/demo/wpkh-unsigned.psbt' -o '{d}/signed.psbt' {extra} 3<'{d}/pw'"
        ))
    };
    for extra in [
        format!("--qr 'gif:{d}/taken.gif'"),
        format!("--qr 'gif:{d}/new.gif' --module-px 1000"),
        format!("--qr 'gif:{d}/new.gif' --extra-parts 4000000000"),
    ] {
        let o = sign(&extra);
        assert!(!o.status.success(), "{extra}");
        assert_ne!(o.status.code(), Some(101), "{extra}: a panic");
        assert!(
            !std::path::Path::new(&format!("{d}/signed.psbt")).exists(),
            "{extra}: signed before refusing"
        );
    }
    assert_eq!(
        std::fs::read(format!("{d}/taken.gif")).unwrap(),
        b"not ours"
    );
}

/// Adversarial review (issue 12): `qr show --png-dir DIR --force` of a shorter sequence left the
/// longer one's last frames in DIR, and those still decoded to the old payload on their own.
#[test]
fn attack_png_dir_keeps_no_stale_frames_of_an_earlier_sequence() {
    let (_dir, d, b) = demo_dir();
    let long = format!("{d}/long.bin");
    std::fs::write(&long, vec![7u8; 3000]).unwrap();
    ok(sh(&format!(
        "'{b}' qr show '{long}' --fragment 100 --png-dir '{d}/frames'"
    )));
    let count = || std::fs::read_dir(format!("{d}/frames")).unwrap().count();
    let before = count();
    assert!(before > 10);
    let short = format!("{d}/demo/wpkh-unsigned.psbt");
    // Without --force the leftover frames are a refusal, and nothing is written.
    let o = sh(&format!("'{b}' qr show '{short}' --png-dir '{d}/frames'"));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
    assert_eq!(count(), before);
    // With --force the folder holds the new sequence only, and scans back to it.
    ok(sh(&format!(
        "'{b}' qr show '{short}' --png-dir '{d}/frames' --force"
    )));
    assert!(count() < before);
    ok(sh(&format!(
        "'{b}' qr scan --dir '{d}/frames' -o '{d}/back.psbt'"
    )));
    assert_eq!(
        std::fs::read(format!("{d}/back.psbt")).unwrap(),
        std::fs::read(&short).unwrap()
    );
}
