//! fixtures/vectors/bbqr.json (copied from ../shared/vectors; coinkite/BBQr and krux sources):
//! headers, base-36, Base32, capacity, splitting, the 10 test files in all three encodings, and
//! invalid headers.
use airsign::transport::bbqr::{self, Encoding, Joiner, SplitOptions};
use qrcode::EcLevel;
use serde_json::Value;

fn of(cat: &str) -> Vec<Value> {
    let raw = std::fs::read_to_string(format!(
        "{}/fixtures/vectors/bbqr.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    serde_json::from_str::<Value>(&raw).unwrap()["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["category"] == cat)
        .cloned()
        .collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn join(parts: &[String]) -> Vec<u8> {
    let mut j = Joiner::default();
    for p in parts.iter().rev() {
        j.add(p).unwrap();
    }
    j.finish().unwrap().expect("complete")
}

#[test]
fn headers_base36_base32_capacity() {
    for v in of("header_example") {
        if let Some(parsed) = v["expected_parsed"].as_array() {
            for p in parsed {
                let (h, _) =
                    bbqr::parse_part(&format!("{}00", p["header"].as_str().unwrap())).unwrap();
                assert_eq!(h.total as u64, p["total"].as_u64().unwrap());
                assert_eq!(h.index as u64, p["index"].as_u64().unwrap());
                assert_eq!(h.file_type.to_string(), p["file_type"].as_str().unwrap());
            }
        }
    }
    for c in of("base36")[0]["cases"].as_array().unwrap() {
        assert_eq!(
            bbqr::base36(c["value"].as_u64().unwrap() as usize).unwrap(),
            c["expected"].as_str().unwrap()
        );
    }
    assert!(bbqr::base36(1296).is_none());
    for c in of("base32")[0]["cases"].as_array().unwrap() {
        let data = unhex(c["input_hex"].as_str().unwrap());
        assert_eq!(
            bbqr::base32_encode(&data),
            c["expected_unpadded"].as_str().unwrap()
        );
        assert_eq!(
            bbqr::base32_decode(c["expected_padded"].as_str().unwrap()).unwrap(),
            data
        );
    }
    // Hex capacity at EC level L is the alphanumeric capacity of the QR version.
    for r in of("capacity_table")[0]["rows"].as_array().unwrap() {
        let v = r["version"].as_i64().unwrap() as i16;
        assert_eq!(
            bbqr::alnum_capacity(v, EcLevel::L) as u64,
            r["chars"].as_u64().unwrap(),
            "version {v}"
        );
    }
}

#[test]
fn splits_from_krux() {
    for v in of("split") {
        let data = match v["input_utf8"].as_str() {
            Some(s) => s.as_bytes().to_vec(),
            None => "Large content".repeat(500).into_bytes(),
        };
        let s = bbqr::encode(&data, 'U', None, &SplitOptions::default()).unwrap();
        let want = match v["expected_encoding"].as_str().unwrap() {
            "2" => Encoding::Base32,
            _ => Encoding::Zlib,
        };
        assert_eq!(s.encoding, want);
        if let Some(parts) = v["expected_parts"].as_array() {
            assert_eq!(
                s.parts,
                parts
                    .iter()
                    .map(|p| p.as_str().unwrap().to_string())
                    .collect::<Vec<_>>()
            );
        }
        assert_eq!(join(&s.parts), data);
    }
}

#[test]
fn the_ten_test_files_in_every_encoding() {
    let files = of("compression")[0]["files"].as_array().unwrap().clone();
    assert_eq!(files.len(), 10);
    for f in files {
        let data = unhex(f["file_hex"].as_str().unwrap());
        assert_eq!(data.len() as u64, f["size_bytes"].as_u64().unwrap());
        let ft = if f["file"].as_str().unwrap().ends_with(".psbt") {
            'P'
        } else {
            'T'
        };
        for enc in [Encoding::Hex, Encoding::Base32, Encoding::Zlib] {
            let opts = SplitOptions {
                min_version: 10,
                max_version: 25,
                ..SplitOptions::default()
            };
            let s = bbqr::encode(&data, ft, Some(enc), &opts).unwrap();
            // Equal lengths but the last, each a whole number of bytes.
            let body_len = s.parts[0].len() - 8;
            assert!(s.parts.iter().all(|p| p.len() - 8 <= body_len));
            assert_eq!(body_len % if enc == Encoding::Hex { 2 } else { 8 }, 0);
            assert_eq!(join(&s.parts), data, "{} {enc:?}", f["file"]);
            if enc == Encoding::Zlib {
                let z = bbqr::base32_decode(&s.parts.iter().map(|p| &p[8..]).collect::<String>())
                    .unwrap();
                assert!(
                    z.len() < data.len(),
                    "compression did not help for {}",
                    f["file"]
                );
                // A decoder with a 1 KiB window (as on a hardware signer) must inflate it.
                let mut d = flate2::Decompress::new_with_window_bits(false, 10);
                let mut out = Vec::with_capacity(data.len() + 16);
                d.decompress_vec(&z, &mut out, flate2::FlushDecompress::Finish)
                    .unwrap();
                assert_eq!(out, data);
            }
        }
    }
}

#[test]
fn invalid_headers_and_mixed_series() {
    for c in of("parse_invalid")[0]["cases"].as_array().unwrap() {
        assert!(
            bbqr::parse_part(c["input"].as_str().unwrap()).is_err(),
            "{}",
            c["input"]
        );
    }
    let a = hex_parts(&[1u8; 3000], 'B');
    let b = hex_parts(&[2u8; 3000], 'P');
    let mut j = Joiner::default();
    j.add(&a.parts[0]).unwrap();
    assert!(
        j.add(&b.parts[1]).unwrap(),
        "a part of another series restarts"
    );
    // The same part twice is harmless; the same index with other content (a second file of
    // the same shape on the screen) is refused and the file starts again.
    let c = hex_parts(&[3u8; 3000], 'B');
    assert_eq!(c.parts.len(), a.parts.len());
    let mut j = Joiner::default();
    j.add(&a.parts[0]).unwrap();
    j.add(&a.parts[1]).unwrap();
    assert!(!j.add(&a.parts[1]).unwrap());
    assert_eq!(j.progress().0, 2);
    let e = j.add(&c.parts[1]).unwrap_err();
    assert!(e.to_string().contains("different content"), "{e}");
    assert_eq!(j.progress().0, 0, "the file starts again");
    for p in &a.parts {
        j.add(p).unwrap();
    }
    assert_eq!(j.finish().unwrap().unwrap(), vec![1u8; 3000]);
    // Unequal middle parts are refused.
    let mut j = Joiner::default();
    j.add("B$HB0200AABB").unwrap();
    j.add("B$HB0201AABBCC").unwrap();
    assert!(j.finish().is_err());
}

/// `data` as hex BBQr parts of `file_type` in QR codes up to version 10 (3,000 bytes make several).
fn hex_parts(data: &[u8], file_type: char) -> bbqr::Split {
    let opts = SplitOptions {
        max_version: 10,
        ..Default::default()
    };
    bbqr::encode(data, file_type, Some(Encoding::Hex), &opts).unwrap()
}
