//! `airsign log tail --qr` (issue 8, item 8): the record "N entries, tail hash H" leaves the
//! air-gapped machine as a QR code. Each surface is read back by a scanner: the drawing on the
//! terminal (half blocks turned back into pixels, then rqrr), PNG frames (`qr scan`), and the
//! record that arrives is the one `log verify` prints.
mod common;

use std::path::{Path, PathBuf};

use airsign::audit::{EntryDraft, Event, InputsSummary, Log, OutputsSummary};
use airsign::transport::assemble::{Assembler, Status};
use common::{bin, q, sh};
use image::{DynamicImage, GrayImage, Luma};

fn log3() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("audit.jsonl");
    let mut log = Log::open(&p).unwrap();
    for i in 0..3u64 {
        log.append(
            EntryDraft {
                event: Event::Refused,
                bundle_id: format!("bundle {i}"),
                psbt_sha256: "ab".repeat(32),
                txid: "cd".repeat(32),
                inputs: InputsSummary::default(),
                outputs: OutputsSummary::default(),
                fee: None,
                policy_hash: String::new(),
                rule: None,
                decision: "refused".into(),
                reasons: vec![],
                fingerprint: "73c5da0a".into(),
                payments: vec![],
                vsize: None,
                payment_key: None,
                locktime: None,
                until_height: None,
                message: None,
                keycheck: None,
            },
            None,
        )
        .unwrap();
    }
    (dir, p)
}

/// What `log verify --json` says: (entries, tail hash).
fn verified(log: &Path) -> (u64, String) {
    let o = sh(&format!("{} log verify --json {}", q(&bin()), q(log)));
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    (
        v["entries"].as_u64().unwrap(),
        v["tail_hash"].as_str().unwrap().to_owned(),
    )
}

/// The half-block drawing back into modules: each `ESC[{fg};{bg}m▀` is one column of two
/// modules, the upper dark when fg is 30, the lower dark when bg is 40. Rendered 4 px a module.
fn drawing_to_image(text: &str) -> DynamicImage {
    let rows: Vec<Vec<(bool, bool)>> = text
        .lines()
        .filter(|l| l.contains('▀'))
        .map(|l| {
            l.split('▀')
                .filter_map(|cell| {
                    let codes = cell.rsplit("\x1b[").next()?.strip_suffix('m')?;
                    let (fg, bg) = codes.split_once(';')?;
                    Some((fg == "30", bg == "40"))
                })
                .collect()
        })
        .collect();
    let width = rows[0].len() as u32;
    assert!(
        rows.iter().all(|r| r.len() as u32 == width),
        "ragged drawing"
    );
    let height = rows.len() as u32 * 2;
    let px = 4;
    let img = GrayImage::from_fn(width * px, height * px, |x, y| {
        let (top, bottom) = rows[(y / px / 2) as usize][(x / px) as usize];
        let dark = if (y / px) % 2 == 0 { top } else { bottom };
        Luma([if dark { 0 } else { 255 }])
    });
    DynamicImage::ImageLuma8(img)
}

#[test]
fn the_terminal_drawing_scans_back_to_the_verified_record() {
    let (_d, log) = log3();
    let (entries, tail) = verified(&log);
    let expected = format!("{entries} entries, tail hash {tail}");
    let o = sh(&format!("{} log tail {} --qr", q(&bin()), q(&log)));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("airsign log tail · ur:bytes"), "{text}");
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with(&format!("{expected} (chain checked")),
        "{text}"
    );
    let found = airsign::transport::scan::decode_frame(&drawing_to_image(&text));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("UR:BYTES/"), "{}", found[0]);
    let mut a = Assembler::new();
    assert_eq!(a.add(&found[0]).unwrap(), Status::Complete);
    assert_eq!(a.payload().unwrap().data, expected.as_bytes());

    // BBQr renders and scans back the same way.
    let o = sh(&format!(
        "{} log tail {} --qr --format bbqr",
        q(&bin()),
        q(&log)
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let found = airsign::transport::scan::decode_frame(&drawing_to_image(
        &String::from_utf8_lossy(&o.stdout),
    ));
    let mut a = Assembler::new();
    assert_eq!(a.add(&found[0]).unwrap(), Status::Complete);
    assert_eq!(a.payload().unwrap().data, expected.as_bytes());
}

#[test]
fn png_frames_scan_back_with_qr_scan_and_json_describes_them() {
    let (d, log) = log3();
    let (entries, tail) = verified(&log);
    let dir = d.path().join("tail-qr");
    let o = sh(&format!(
        "{} log tail {} --json --qr=png:{}",
        q(&bin()),
        q(&log),
        q(&dir)
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let record = format!("{entries} entries, tail hash {tail}");
    assert_eq!(v["record"], record.as_str());
    assert_eq!(v["entries"], entries);
    assert_eq!(v["qr"]["format"], "ur:bytes");
    assert_eq!(v["qr"]["parts"].as_array().unwrap().len(), 1);
    let back = d.path().join("tail.txt");
    let o = sh(&format!(
        "{} qr scan --dir {} -o {}",
        q(&bin()),
        q(&dir),
        q(&back)
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(&back).unwrap(), record);
    // Without --force an existing frame is not replaced.
    let o = sh(&format!(
        "{} log tail {} --qr=png:{}",
        q(&bin()),
        q(&log),
        q(&dir)
    ));
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_drawing_and_json_cannot_share_stdout_and_a_broken_log_shows_no_qr() {
    let (d, log) = log3();
    for qr in ["--qr", "--qr=text:-"] {
        let o = sh(&format!("{} log tail {} --json {qr}", q(&bin()), q(&log)));
        assert_eq!(o.status.code(), Some(2), "{qr}");
        assert!(o.stdout.is_empty(), "{qr}");
    }
    // Too many frames to draw once: a usage error outside a terminal, not a hang.
    let o = sh(&format!(
        "{} log tail {} --qr --fragment 10",
        q(&bin()),
        q(&log)
    ));
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::write(&log, text.replacen("bundle 1", "bundle 9", 1)).unwrap();
    let o = sh(&format!("{} log tail {} --qr", q(&bin()), q(&log)));
    assert_eq!(o.status.code(), Some(4));
    assert!(!String::from_utf8_lossy(&o.stdout).contains('▀'));
    drop(d);
}
