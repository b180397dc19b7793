//! The self-contained HTML player: no network, no external script, and a headless Chromium
//! screenshot of it holds a QR code that our scanner reads as one of the frames.
use std::process::Command;

use airsign::transport::qr::{html, Matrix};
use airsign::transport::scan;
use airsign::transport::ur::{cbor_bytes, UrEncoder};
use qrcode::EcLevel;

fn chromium() -> Option<String> {
    let found = ["chromium", "chromium-browser"].iter().find_map(|c| {
        let ok = Command::new("sh")
            .args(["-c", &format!("command -v {c}")])
            .output()
            .ok()?
            .status
            .success();
        ok.then(|| c.to_string())
    });
    match found {
        Some(c) => Some(c),
        None if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("chromium is required in CI (scripts/test.sh installs it)")
        }
        None => {
            eprintln!("chromium not installed; skipping outside CI");
            None
        }
    }
}

#[test]
fn html_page_is_self_contained_and_shows_a_readable_code() {
    let enc = UrEncoder::new("crypto-psbt", cbor_bytes(&[7u8; 1500]), 400).unwrap();
    let parts: Vec<String> = (1..=enc.seq_len() * 2)
        .map(|i| enc.part(i).to_uppercase())
        .collect();
    let frames: Vec<Matrix> = parts
        .iter()
        .map(|p| Matrix::encode(p, EcLevel::L).unwrap())
        .collect();
    let page = html(&frames, 5.0, "airsign test", &|| ()).unwrap();
    assert!(
        !page.contains("http://") && !page.contains("https://") && !page.contains("<script src"),
        "the page must not load anything"
    );
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("page.html");
    std::fs::write(&file, &page).unwrap();
    let shot = dir.path().join("shot.png");
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=900,900",
            &format!("--user-data-dir={}", dir.path().join("profile").display()),
            &format!("--screenshot={}", shot.display()),
            &format!("file://{}", file.display()),
        ])
        .output()
        .unwrap();
    assert!(
        shot.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let img = image::open(&shot).unwrap();
    let read = scan::decode_frame(&img);
    assert_eq!(
        read.len(),
        1,
        "the screenshot should hold one readable QR code"
    );
    assert!(
        parts.contains(&read[0]),
        "the screenshot shows something that is not one of our frames"
    );
}
