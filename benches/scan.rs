//! QR decode time per camera-sized frame holding a version-16 code (a 400-byte UR fragment, as
//! Sparrow shows): full-frame detection, and the sequence scanner that searches around the last
//! code first. Run: `cargo bench --bench scan`. The frames are written to target/bench-frames/ so
//! scripts/peer_zxing.py can time zxing-cpp on the same pixels.
use std::hint::black_box;

use airsign::transport::qr::Matrix;
use airsign::transport::scan::{decode_frame, Scanner};
use airsign::transport::ur::{cbor_bytes, UrEncoder};
use airsign::transport::xoshiro::Xoshiro256;
use criterion::{criterion_group, criterion_main, Criterion};
use image::{DynamicImage, GrayImage, Luma};
use qrcode::EcLevel;

/// A camera-like frame: the code at 70 % of the height, off centre, on a lit gradient with noise.
fn frame(w: u32, h: u32, m: &Matrix) -> GrayImage {
    let side = (m.size + 8) as u32;
    let px = (h * 7 / 10) / side;
    let code = m.image(px);
    let (ox, oy) = (w / 2 - code.width() / 2 + w / 20, (h - code.height()) / 2);
    let mut rng = Xoshiro256::from_bytes(format!("{w}x{h}").as_bytes());
    GrayImage::from_fn(w, h, |x, y| {
        let base = if x >= ox && y >= oy && x - ox < code.width() && y - oy < code.height() {
            // Screen contrast is not paper contrast: dark modules ~40, light ~200.
            if code.get_pixel(x - ox, y - oy).0[0] == 0 {
                40.0
            } else {
                200.0
            }
        } else {
            120.0
        };
        let light = 0.85 + 0.15 * (x as f64 / w as f64);
        let noise = rng.next_double() * 24.0 - 12.0;
        Luma([(base * light + noise).clamp(0.0, 255.0) as u8])
    })
}

fn bench(c: &mut Criterion) {
    let enc = UrEncoder::new(
        "crypto-psbt",
        cbor_bytes(&Xoshiro256::from_bytes(b"scan").next_data(4000)),
        400,
    )
    .unwrap();
    let text = enc.part(1).to_uppercase();
    let m = Matrix::encode(&text, EcLevel::L).unwrap();
    // The next frame of the animation: another part, same version, same place on the screen.
    let text2 = enc.part(2).to_uppercase();
    let m2 = Matrix::encode(&text2, EcLevel::L).unwrap();
    assert_eq!(m.version, m2.version);
    eprintln!("QR version {} ({} characters)", m.version, text.len());
    let dir = format!("{}/target/bench-frames", env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut g = c.benchmark_group("decode_frame_v16");
    for (w, h) in [(640u32, 480u32), (1280, 720), (1920, 1080)] {
        let f = frame(w, h, &m);
        f.save(format!("{dir}/frame-{w}x{h}.png")).unwrap();
        let img = DynamicImage::ImageLuma8(f);
        assert_eq!(
            decode_frame(&img),
            vec![text.clone()],
            "{w}x{h} not decoded"
        );
        g.bench_function(format!("full_{w}x{h}"), |b| {
            b.iter(|| decode_frame(black_box(&img)))
        });
        let img2 = DynamicImage::ImageLuma8(frame(w, h, &m2));
        let mut s = Scanner::new();
        assert_eq!(s.decode(&img), vec![text.clone()]);
        assert_eq!(s.decode(&img2), vec![text2.clone()]);
        assert!(s.sampled_hits >= 1, "the tracked path was not used");
        // Alternate the two frames, as an animation does; time per frame.
        let mut flip = false;
        g.bench_function(format!("tracked_{w}x{h}"), |b| {
            b.iter(|| {
                flip = !flip;
                s.decode(black_box(if flip { &img2 } else { &img }))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
