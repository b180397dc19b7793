//! The camera pipeline without a camera: an animated UR transfer saved as image files (each frame
//! shown twice, as a screen slower than the camera is), read back in order through
//! `transport::pipeline` — the worker thread, the identical-frame skip, the halving of large
//! modules — into the assembler, with progress in fragments solved of N.
use airsign::transport::assemble::Assembler;
use airsign::transport::pipeline::{self, Mode, Stats};
use airsign::transport::qr::Matrix;
use airsign::transport::scan;
use airsign::transport::ur::{cbor_bytes, UrEncoder};
use airsign::transport::xoshiro::Xoshiro256;
use image::{GrayImage, Luma};
use qrcode::EcLevel;

/// The code at `px` pixels per module on a grey 'screen' of `w` × `h`, screen contrast.
fn on_screen(m: &Matrix, px: u32, w: u32, h: u32) -> GrayImage {
    let code = m.image(px);
    let (ox, oy) = ((w - code.width()) / 2, (h - code.height()) / 2);
    GrayImage::from_fn(w, h, |x, y| {
        let inside = x >= ox && y >= oy && x - ox < code.width() && y - oy < code.height();
        Luma([match inside {
            true if code.get_pixel(x - ox, y - oy).0[0] == 0 => 40,
            true => 200,
            false => 110,
        }])
    })
}

#[test]
fn frames_from_files_complete_a_transfer_through_the_worker() {
    let payload = Xoshiro256::from_bytes(b"pipeline").next_data(600);
    let enc = UrEncoder::new("bytes", cbor_bytes(&payload), 100).unwrap();
    let n = enc.seq_len();
    assert!(n >= 6, "{n} fragments");
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for part in 1..=n + 4 {
        let m = Matrix::encode(&enc.part(part).to_uppercase(), EcLevel::L).unwrap();
        // Large modules (10 px): after the first read the worker halves the frames.
        let img = on_screen(&m, 10, 800, 700);
        for shown in 0..2 {
            let p = dir.path().join(format!("frame-{part:03}-{shown}.png"));
            img.save(&p).unwrap();
            files.push(p);
        }
    }
    let mut asm = Assembler::new();
    let mut solved_seen = Vec::new();
    let mut next = files.iter();
    let mut seen: Vec<Stats> = Vec::new();
    let (stats, done) = pipeline::run(
        || {
            next.next()
                .map(|p| scan::load_frames(p).map(|mut v| v.remove(0).to_luma8()))
        },
        Mode::EveryFrame,
        &mut |text| {
            let _ = asm.add(text);
            let c = asm.counters();
            solved_seen.push((c.solved, c.total));
            asm.payload().is_some()
        },
        &mut |s| seen.push(*s),
    )
    .unwrap();
    assert!(done, "payload incomplete: {stats:?}");
    assert_eq!(asm.payload().unwrap().data, payload);
    // Progress: fragments solved of N, never going back, ending at N of N.
    assert!(solved_seen.windows(2).all(|w| w[0].0 <= w[1].0));
    assert_eq!(solved_seen.last(), Some(&(n, n)));
    // Each frame was shown twice: the second copy is skipped, not decoded.
    assert_eq!(stats.dropped_stale, 0, "every-frame mode drops nothing");
    assert!(stats.skipped_identical >= 1, "{stats:?}");
    assert_eq!(
        stats.decoded + stats.skipped_identical,
        stats.captured,
        "{stats:?}"
    );
    assert!(stats.halved >= 1, "large modules were halved: {stats:?}");
    assert!(seen.iter().any(|s| s.captured > 0));
}

#[test]
fn a_live_source_faster_than_the_decoder_drops_stale_frames_and_still_completes() {
    let payload = Xoshiro256::from_bytes(b"live").next_data(500);
    let enc = UrEncoder::new("bytes", cbor_bytes(&payload), 100).unwrap();
    let frames: Vec<GrayImage> = (1..=enc.seq_len() * 3)
        .map(|p| {
            let m = Matrix::encode(&enc.part(p).to_uppercase(), EcLevel::L).unwrap();
            on_screen(&m, 4, 640, 480)
        })
        .collect();
    let mut asm = Assembler::new();
    // A camera that never stops: the parts cycle until the payload completes (a minute at most).
    let start = std::time::Instant::now();
    let mut i = 0usize;
    let (stats, done) = pipeline::run(
        || {
            i += 1;
            (start.elapsed().as_secs() < 60).then(|| Ok(frames[i % frames.len()].clone()))
        },
        Mode::Live,
        &mut |text| {
            let _ = asm.add(text);
            asm.payload().is_some()
        },
        &mut |_| {},
    )
    .unwrap();
    assert!(done, "{stats:?}");
    assert_eq!(asm.payload().unwrap().data, payload);
    assert!(stats.dropped_stale > 0, "{stats:?}");
    assert!(stats.decoded < stats.captured, "{stats:?}");
}
