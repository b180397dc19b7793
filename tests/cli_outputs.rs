//! Output surfaces a hostile online machine tried to abuse (adversarial review of issue 7):
//! binary or control bytes written to a terminal, and `--qr`/`qr` outputs that replaced existing
//! files without `--force`.
mod common;

use common::{bin, demo_dir, q, sh};

/// Run `cmd` with stdout and stderr on a pseudo-terminal (`script`), returning the exit code and
/// everything the terminal received.
fn on_a_terminal(cmd: &str) -> (Option<i32>, Vec<u8>) {
    let log = tempfile::NamedTempFile::new().unwrap();
    let o = std::process::Command::new("script")
        .args(["-qec", cmd])
        .arg(log.path())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script(1) from util-linux");
    let mut seen = o.stdout.clone();
    seen.extend_from_slice(&o.stderr);
    (o.status.code(), seen)
}

#[test]
fn a_signed_psbt_is_never_written_raw_to_a_terminal() {
    let (dir, pass) = demo_dir();
    let (code, seen) = on_a_terminal(&format!(
        "{} sign --seed {} --passphrase-fd 4 --yes -o - {} 4<{}",
        q(&bin()),
        q(&dir.path().join("demo-seed.age")),
        q(&dir.path().join("wpkh-unsigned.psbt")),
        q(&pass)
    ));
    let text = String::from_utf8_lossy(&seen);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("to a terminal"), "{text}");
    assert!(
        !seen.windows(5).any(|w| w == b"psbt\xff"),
        "raw PSBT reached the terminal"
    );
    // Base64 is plain text: that may go to a terminal.
    let (code, seen) = on_a_terminal(&format!(
        "{} sign --seed {} --passphrase-fd 4 --yes --encoding base64 -o - {} 4<{}",
        q(&bin()),
        q(&dir.path().join("demo-seed.age")),
        q(&dir.path().join("wpkh-unsigned.psbt")),
        q(&pass)
    ));
    assert_eq!(code, Some(0), "{}", String::from_utf8_lossy(&seen));
    assert!(String::from_utf8_lossy(&seen).contains("cHNidP8"));
}

#[test]
fn a_scanned_frame_of_escape_bytes_is_never_written_to_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let frames = dir.path().join("frames.txt");
    // A plain text code: OSC 52 (clipboard), OSC 0 (title), ESC c (reset).
    std::fs::write(&frames, "\x1b]52;c;ZXZpbA==\x07\x1b]0;owned\x07\x1bc\n").unwrap();
    let (code, seen) = on_a_terminal(&format!("{} qr scan --text-file {}", q(&bin()), q(&frames)));
    assert_eq!(code, Some(2), "{}", String::from_utf8_lossy(&seen));
    assert!(String::from_utf8_lossy(&seen).contains("to a terminal"));
    assert!(
        !seen.windows(2).any(|w| w == b"\x1bc" || w == b"\x1b]"),
        "escape sequences reached the terminal: {:?}",
        String::from_utf8_lossy(&seen)
    );
}

#[test]
fn qr_outputs_never_replace_files_without_force() {
    let (dir, pass) = demo_dir();
    let d = dir.path();
    let keep = |name: &str| {
        let p = d.join(name);
        std::fs::write(&p, b"keep me").unwrap();
        p
    };
    let unsigned = d.join("wpkh-unsigned.psbt");
    let sign = |extra: String| {
        sh(&format!(
            "{} sign --seed {} --passphrase-fd 4 --yes {extra} {} 4<{}",
            q(&bin()),
            q(&d.join("demo-seed.age")),
            q(&unsigned),
            q(&pass)
        ))
    };
    for surface in ["text", "html", "gif"] {
        let f = keep(&format!("existing.{surface}"));
        let o = sign(format!("--qr {surface}:{}", q(&f)));
        assert_eq!(
            o.status.code(),
            Some(2),
            "{surface}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(std::fs::read(&f).unwrap(), b"keep me", "{surface} replaced");
        let o = sign(format!("--qr {surface}:{} --force", q(&f)));
        assert!(
            o.status.success(),
            "{surface}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_ne!(std::fs::read(&f).unwrap(), b"keep me");
    }
    // A PNG folder with one frame already there: nothing is written at all.
    let png = d.join("frames");
    std::fs::create_dir(&png).unwrap();
    std::fs::write(png.join("frame-0001.png"), b"keep me").unwrap();
    let o = sign(format!("--qr png:{}", q(&png)));
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(std::fs::read_dir(&png).unwrap().count(), 1);

    // qr show and qr scan too.
    let html = keep("show.html");
    let o = sh(&format!(
        "{} qr show {} --html {}",
        q(&bin()),
        q(&unsigned),
        q(&html)
    ));
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(std::fs::read(&html).unwrap(), b"keep me");
    let text = d.join("parts.txt");
    let o = sh(&format!(
        "{} qr show {} --text > {}",
        q(&bin()),
        q(&unsigned),
        q(&text)
    ));
    assert!(o.status.success());
    let copy = keep("seed-copy.age");
    let o = sh(&format!(
        "{} qr scan --text-file {} -o {}",
        q(&bin()),
        q(&text),
        q(&copy)
    ));
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(std::fs::read(&copy).unwrap(), b"keep me");
    let o = sh(&format!(
        "{} qr scan --text-file {} -o {} --force",
        q(&bin()),
        q(&text),
        q(&copy)
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read(&copy).unwrap(),
        std::fs::read(&unsigned).unwrap()
    );
}
