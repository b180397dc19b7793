//! Payloads through real images: bytes → UR or BBQr frames → PNG → rqrr → bytes, in shuffled order
//! with 30 % of the frames dropped; and the assembler's handling of duplicate, corrupted,
//! mixed-message and mixed-type parts.
use airsign::transport::assemble::{Assembler, Status};
use airsign::transport::bbqr::{self, SplitOptions};
use airsign::transport::qr::Matrix;
use airsign::transport::scan;
use airsign::transport::ur::{cbor_bytes, UrEncoder};
use airsign::transport::xoshiro::Xoshiro256;
use qrcode::EcLevel;

fn payload(n: usize) -> Vec<u8> {
    Xoshiro256::from_bytes(format!("payload-{n}").as_bytes()).next_data(n)
}

/// Render, PNG-encode, PNG-decode and scan one frame.
fn through_png(text: &str) -> Vec<String> {
    let png = Matrix::encode(text, EcLevel::L).unwrap().png(3).unwrap();
    let img = image::load_from_memory(&png).unwrap();
    scan::decode_frame(&img)
}

/// Keep 70 % of `frames` in a shuffled order (deterministic).
fn shuffle_and_drop(frames: Vec<String>, seed: &str) -> Vec<String> {
    let mut rng = Xoshiro256::from_bytes(seed.as_bytes());
    let order =
        airsign::transport::xoshiro::shuffle(&(0..frames.len()).collect::<Vec<_>>(), &mut rng);
    let keep = frames.len() * 7 / 10;
    order
        .into_iter()
        .take(keep)
        .map(|i| frames[i].clone())
        .collect()
}

fn ur_round_trip(n: usize) {
    let data = payload(n);
    let enc = UrEncoder::new("bytes", cbor_bytes(&data), 250).unwrap();
    let seq = enc.seq_len();
    // What `qr show` displays: the pure fragments, then as many mixed parts.
    let frames: Vec<String> = (1..=seq * 2).map(|i| enc.part(i).to_uppercase()).collect();
    let mut a = Assembler::new();
    let mut images = 0;
    for f in shuffle_and_drop(frames, &format!("drop-{n}")) {
        images += 1;
        let texts = through_png(&f);
        assert_eq!(texts, vec![f.clone()], "rqrr misread a frame");
        a.add(&texts[0]).unwrap();
        if a.payload().is_some() {
            break;
        }
    }
    assert_eq!(a.payload().expect("complete").data, data, "{n} bytes");
    eprintln!("{n} bytes: {seq} fragments, completed after {images} images");
}

#[test]
fn ur_1kb_through_png_shuffled_30_percent_dropped() {
    ur_round_trip(1024);
}

#[test]
fn ur_10kb_through_png_shuffled_30_percent_dropped() {
    ur_round_trip(10 * 1024);
}

#[test]
fn ur_100kb_through_png_shuffled_30_percent_dropped() {
    ur_round_trip(100 * 1024);
}

#[test]
fn bbqr_10kb_through_png() {
    let data = payload(10 * 1024);
    let s = bbqr::encode(
        &data,
        'B',
        None,
        &SplitOptions {
            max_version: 15,
            ..Default::default()
        },
    )
    .unwrap();
    let mut a = Assembler::new();
    for p in s.parts.iter().rev() {
        let texts = through_png(p);
        a.add(&texts[0]).unwrap();
    }
    assert_eq!(a.payload().unwrap().data, data);
}

#[test]
fn duplicates_corruption_and_mixed_messages() {
    let one = UrEncoder::new("bytes", cbor_bytes(&payload(3000)), 200).unwrap();
    let two = UrEncoder::new("bytes", cbor_bytes(&payload(3001)), 200).unwrap();
    let other_type = UrEncoder::new("crypto-psbt", cbor_bytes(&payload(3000)), 200).unwrap();
    let mut a = Assembler::new();
    assert_eq!(a.add(&one.part(1)).unwrap(), Status::Progress);
    assert_eq!(a.add(&one.part(1)).unwrap(), Status::Duplicate);
    // One letter changed: the bytewords CRC rejects it, the assembler goes on.
    let mut bad = one.part(2).into_bytes();
    bad[30] = if bad[30] == b'a' { b'e' } else { b'a' };
    assert!(a.add(std::str::from_utf8(&bad).unwrap()).is_err());
    assert_eq!(a.counters().rejected, 1);
    // A part of another message restarts, with a message.
    assert!(matches!(a.add(&two.part(1)).unwrap(), Status::Restarted(_)));
    assert!(matches!(
        a.add(&other_type.part(3)).unwrap(),
        Status::Restarted(_)
    ));
    // Garbage never panics.
    for junk in [
        "ur:bytes/1-3/",
        "ur:bytes/99999999999-1/aeae",
        "UR:BYTES/1-2/LPADAOCFADAXCYWENBPLJKHDCAHKADAEMEJTSW",
        "B$ZP0101",
        "B$HP0100ZZ",
    ] {
        let _ = a.add(junk);
    }
    // And the first message still completes from its own parts afterwards (restart again).
    let mut b = Assembler::new();
    for i in (1..=one.seq_len() * 2).rev() {
        b.add(&one.part(i)).unwrap();
        if b.payload().is_some() {
            break;
        }
    }
    assert_eq!(b.payload().unwrap().data, payload(3000));
}

#[test]
fn sequence_scanner_samples_in_place_and_falls_back_when_the_code_moves() {
    let enc = UrEncoder::new("bytes", cbor_bytes(&payload(4000)), 300).unwrap();
    let place = |text: &str, dx: u32| {
        let code = Matrix::encode(text, EcLevel::L).unwrap().image(4);
        let mut canvas = image::GrayImage::from_pixel(900, 600, image::Luma([128]));
        image::imageops::overlay(&mut canvas, &code, i64::from(40 + dx), 40);
        image::DynamicImage::ImageLuma8(canvas)
    };
    let mut s = scan::Scanner::new();
    for i in 1..=6u32 {
        let text = enc.part(i).to_uppercase();
        // Frames 1–4 in place; 5–6 after the camera moved.
        let img = place(&text, if i > 4 { 250 } else { 0 });
        assert_eq!(s.decode(&img), vec![text], "frame {i}");
    }
    assert!(s.sampled_hits >= 3, "sampled {} frames", s.sampled_hits);
}
