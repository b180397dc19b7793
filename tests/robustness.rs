//! The robustness set (fixtures/robustness/, rendered by scripts/make_robustness_set.py): decode
//! rate per distortion with airsign's reader. The floors are the counts measured (2026-12-03; the
//! perspective row and the total rose by one with the grid refit through the alignment patterns),
//! so a regression in detection fails here; docs/benchmarks.md has zxing-cpp
//! beside (it reads 41 of the 48).
use std::collections::BTreeMap;

use airsign::transport::scan;

#[test]
fn decode_rate_per_distortion() {
    let dir = format!("{}/fixtures/robustness", env!("CARGO_MANIFEST_DIR"));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/manifest.json")).unwrap())
            .unwrap();
    let mut rates: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for f in manifest["frames"].as_array().unwrap() {
        let img = image::open(format!("{dir}/{}", f["file"].as_str().unwrap())).unwrap();
        let ok = scan::decode_frame(&img)
            .iter()
            .any(|t| t == f["text"].as_str().unwrap());
        let e = rates
            .entry(f["distortion"].as_str().unwrap().to_owned())
            .or_default();
        e.0 += u32::from(ok);
        e.1 += 1;
        eprintln!(
            "{:<20} {}",
            f["file"].as_str().unwrap(),
            if ok { "read" } else { "MISSED" }
        );
    }
    for (d, (ok, n)) in &rates {
        eprintln!("{d:<14} {ok}/{n}");
    }
    let floor: BTreeMap<&str, u32> = [
        ("clean", 1),
        ("rotated", 4),
        ("scaled", 4),
        ("blurred", 4),
        ("noised", 4),
        ("perspective", 4),
        ("low_contrast", 4),
        ("perspective_hard", 1),
        ("motion_blur", 2),
        ("jpeg30", 2),
        ("glare", 2),
        ("moire", 2),
        ("camera", 6),
    ]
    .into();
    for (d, min) in &floor {
        let (ok, _) = rates[*d];
        assert!(ok >= *min, "{d}: {ok} read, floor {min}");
    }
    assert_eq!(
        floor.len(),
        rates.len(),
        "every distortion in the manifest has a floor here"
    );
    let total: u32 = rates.values().map(|(ok, _)| ok).sum();
    assert!(
        total >= 40,
        "{total} of 48 read; 40 since the grid refit (39 when the set was made)"
    );
}
