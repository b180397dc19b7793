//! Time airsign's frame decoder on a set of images: the frames listed in `DIR/manifest.json`
//! (written by scripts/make_robustness_set.py), each decoded `--repeat` times in this process, so
//! no process start-up is timed. Used by scripts/bench_decode.sh.
//!
//! usage: cargo run --release --example qr_decode -- DIR [--repeat N]
//! prints one JSON object per frame: {"file", "ms" (median), "read" (the expected text found)}
use std::time::Instant;

use airsign::transport::scan::decode_frame;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: qr_decode DIR [--repeat N]");
        std::process::exit(2);
    };
    let repeat: usize = match args.iter().position(|a| a == "--repeat") {
        Some(i) => args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or(3),
        None => 3,
    };
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{dir}/manifest.json")).expect("read manifest.json"),
    )
    .expect("manifest.json is JSON");
    let frames = manifest["frames"].as_array().expect("a frames list");
    let (mut read, mut total) = (0, 0);
    for f in frames {
        let file = f["file"].as_str().expect("file");
        let want = f["text"].as_str().expect("text");
        let img = image::open(format!("{dir}/{file}")).expect("an image");
        let mut times = Vec::with_capacity(repeat);
        let mut ok = false;
        for _ in 0..repeat.max(1) {
            let t = Instant::now();
            let texts = decode_frame(&img);
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            ok = texts.iter().any(|t| t == want);
        }
        times.sort_by(f64::total_cmp);
        let ms = times[times.len() / 2];
        read += usize::from(ok);
        total += 1;
        println!(
            "{}",
            serde_json::json!({"file": file, "ms": (ms * 1000.0).round() / 1000.0, "read": ok})
        );
    }
    eprintln!("read {read}/{total}");
}
