//! Every vector in fixtures/vectors/ur.json (copied from ../shared/vectors; sources per vector:
//! bc-ur test.cpp, ur-rs, BCR papers): CRC32, Bytewords, Xoshiro256**, sampler, shuffle, fragment
//! sizing and partition, degree and fragment choosers, part CBOR, encoder parts byte for byte,
//! single and multipart UR strings, parsing, and the registry examples.
use airsign::transport::bytewords::{self, Style};
use airsign::transport::fountain::{self, Encoder, Part};
use airsign::transport::xoshiro::{shuffle, Sampler, Xoshiro256};
use airsign::transport::{assemble::Assembler, decoder::Decoder, ur};
use serde_json::Value;

fn vectors() -> Vec<Value> {
    let raw = std::fs::read_to_string(format!(
        "{}/fixtures/vectors/ur.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    serde_json::from_str::<Value>(&raw).unwrap()["vectors"]
        .as_array()
        .unwrap()
        .clone()
}

fn of(cat: &str) -> Vec<Value> {
    vectors()
        .into_iter()
        .filter(|v| v["category"] == cat)
        .collect()
}

fn unhex(s: &str) -> Vec<u8> {
    let s = s.trim();
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn wolf(n: usize) -> Vec<u8> {
    Xoshiro256::from_bytes(b"Wolf").next_data(n)
}

fn u(v: &Value) -> u64 {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap()
}

#[test]
fn crc32() {
    for v in of("crc32") {
        let Some(input) = v["input_utf8"].as_str() else {
            continue;
        };
        let want = v["expected_crc32_hex"].as_str().unwrap();
        assert_eq!(format!("{:08x}", crc32fast::hash(input.as_bytes())), want);
    }
}

#[test]
fn bytewords_valid_and_invalid() {
    for v in of("bytewords") {
        let Some(arr) = v["input_bytes"].as_array() else {
            continue;
        };
        let data: Vec<u8> = arr.iter().map(|x| x.as_u64().unwrap() as u8).collect();
        for (key, style) in [
            ("expected_standard", Style::Standard),
            ("expected_uri", Style::Uri),
            ("expected_minimal", Style::Minimal),
        ] {
            if let Some(want) = v[key].as_str() {
                assert_eq!(bytewords::encode(&data, style), want.trim(), "{key}");
                assert_eq!(bytewords::decode(want, style).unwrap(), data);
                assert_eq!(
                    bytewords::decode(&want.to_uppercase(), style).unwrap(),
                    data
                );
            }
        }
        if data.is_empty() {
            assert_eq!(
                bytewords::decode(&bytewords::encode(&[], Style::Minimal), Style::Minimal).unwrap(),
                Vec::<u8>::new()
            );
        }
    }
    let mut n = 0;
    for v in of("bytewords_invalid") {
        let style = match v["style"].as_str().unwrap() {
            "standard" => Style::Standard,
            "uri" => Style::Uri,
            _ => Style::Minimal,
        };
        assert!(
            bytewords::decode(v["input"].as_str().unwrap(), style).is_err(),
            "{}",
            v["input"]
        );
        n += 1;
    }
    assert_eq!(n, 12);
}

#[test]
fn xoshiro_sampler_shuffle() {
    for v in of("xoshiro256") {
        let name = v["name"].as_str().unwrap();
        if let Some(d1) = v["data1_hex"].as_str() {
            let mut r = Xoshiro256::from_bytes(b"Wolf");
            assert_eq!(hex(&r.next_data(10)), d1);
            assert_eq!(hex(&r.next_data(10)), v["data2_hex"].as_str().unwrap());
            continue;
        }
        let want: Vec<u64> = v["expected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect();
        let got: Vec<u64> = match name {
            "test_rng_1" => {
                let mut r = Xoshiro256::from_bytes(b"Wolf");
                (0..100).map(|_| r.next_u64() % 100).collect()
            }
            "test_rng_2" => {
                let mut r = Xoshiro256::from_bytes(&crc32fast::hash(b"Wolf").to_be_bytes());
                (0..100).map(|_| r.next_u64() % 100).collect()
            }
            _ => {
                let mut r = Xoshiro256::from_bytes(b"Wolf");
                (0..100).map(|_| r.next_int(1, 10)).collect()
            }
        };
        assert_eq!(got, want, "{name}");
    }
    let wm = &of("wolf_message")[0];
    assert_eq!(
        hex(&wolf(u(&wm["message_len"]) as usize)),
        wm["message_hex"].as_str().unwrap()
    );

    let s = &of("random_sampler")[0];
    let weights: Vec<f64> = s["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    let sampler = Sampler::new(&weights);
    let mut r = Xoshiro256::from_bytes(b"Wolf");
    let got: Vec<u64> = (0..u(&s["count"]))
        .map(|_| sampler.next(&mut r) as u64)
        .collect();
    let want: Vec<u64> = s["expected_samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect();
    assert_eq!(got, want);

    for v in of("shuffle") {
        let values: Vec<u64> = v["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect();
        let fresh = v["name"].as_str().unwrap().contains("fresh")
            || v["rng_seed"].as_str().unwrap().contains("fresh");
        let mut r = Xoshiro256::from_bytes(b"Wolf");
        for want in v["expected"].as_array().unwrap() {
            let want: Vec<u64> = want
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap())
                .collect();
            if fresh {
                // A partial shuffle of `count` items is the prefix of a full one from a fresh RNG.
                let mut got = shuffle(&values, &mut Xoshiro256::from_bytes(b"Wolf"));
                got.truncate(want.len());
                assert_eq!(got, want);
            } else {
                assert_eq!(shuffle(&values, &mut r), want);
            }
        }
    }
}

#[test]
fn fragments_degrees_and_choosers() {
    for v in of("fragment_length") {
        for c in v["cases"].as_array().unwrap() {
            // ur-rs's variant has no minimum: 1.
            let min = c.get("min_fragment_len").map_or(1, u) as usize;
            assert_eq!(
                fountain::nominal_fragment_length(
                    u(&c["message_len"]) as usize,
                    min,
                    u(&c["max_fragment_len"]) as usize
                ) as u64,
                u(&c["expected"])
            );
        }
    }
    let p = &of("partition")[0];
    let msg = wolf(u(&p["message_len"]) as usize);
    let len = fountain::nominal_fragment_length(
        msg.len(),
        u(&p["min_fragment_len"]) as usize,
        u(&p["max_fragment_len"]) as usize,
    );
    let frags = fountain::partition(&msg, len);
    let want: Vec<&str> = p["expected_fragments_hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert_eq!(frags.iter().map(|f| hex(f)).collect::<Vec<_>>(), want);

    for v in of("degree_chooser") {
        let seq_len = u(&v["seq_len"]) as u32;
        let want: Vec<u64> = v["expected_degrees"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect();
        let got: Vec<u64> = if v["rng_seed"].as_str().unwrap().contains("one Xoshiro256") {
            let sampler = fountain::degree_sampler(seq_len);
            let mut r = Xoshiro256::from_bytes(b"Wolf");
            (0..want.len())
                .map(|_| sampler.next(&mut r) as u64 + 1)
                .collect()
        } else {
            (1..=want.len())
                .map(|nonce| {
                    u64::from(fountain::choose_degree(
                        seq_len,
                        &mut Xoshiro256::from_bytes(format!("Wolf-{nonce}").as_bytes()),
                    ))
                })
                .collect()
        };
        assert_eq!(got, want);
    }
    let f = &of("fragment_chooser")[0];
    let msg = wolf(u(&f["message_len"]) as usize);
    let checksum = crc32fast::hash(&msg);
    let seq_len = u(&f["seq_len"]) as u32;
    let sampler = fountain::degree_sampler(seq_len);
    for (i, want) in f["expected_fragment_indexes"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let want: Vec<u32> = want
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as u32)
            .collect();
        assert_eq!(
            fountain::choose_fragments(i as u32 + 1, seq_len, checksum, &sampler),
            want,
            "seq {}",
            i + 1
        );
    }
}

#[test]
fn part_cbor_and_encoder_parts() {
    let c = &of("fountain_part_cbor")[0];
    let part = Part {
        seq_num: u(&c["seq_num"]) as u32,
        seq_len: u(&c["seq_len"]) as u32,
        message_len: u(&c["message_len"]) as u32,
        checksum: u32::from_str_radix(c["checksum_hex"].as_str().unwrap(), 16).unwrap(),
        data: c["data_bytes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as u8)
            .collect(),
    };
    assert_eq!(
        hex(&part.to_cbor()),
        c["expected_cbor_hex"].as_str().unwrap()
    );
    // This synthetic part claims 8 fragments of 5 bytes for a 100-byte message: its CBOR is
    // well-formed, but no message can be built from it, so our decoder refuses it up front.
    assert!(Part::from_cbor(&part.to_cbor()).is_err());

    for v in of("fountain_encoder") {
        let msg = wolf(u(&v["message_len"]) as usize);
        let mut enc = Encoder::new(&msg, u(&v["max_fragment_len"]) as usize).unwrap();
        if let Some(parts) = v["expected_parts"].as_array() {
            for want in parts {
                let p = enc.next_part();
                assert_eq!(u64::from(p.seq_num), u(&want["seq_num"]));
                assert_eq!(hex(&p.data), want["data_hex"].as_str().unwrap());
                assert_eq!(hex(&p.to_cbor()), want["cbor_hex"].as_str().unwrap());
            }
        } else if let Some(n) = v.get("expected_seq_len") {
            assert_eq!(u64::from(enc.seq_len()), u(n));
        } else if let Some(d) = v["expected_first_part_data_hex"].as_str() {
            assert_eq!(hex(&enc.next_part().data), d);
        }
    }
}

#[test]
fn fountain_decoder_round_trip_from_seq_100() {
    let v = &of("fountain_decoder")[0];
    let msg = wolf(u(&v["message_len"]) as usize);
    let enc = Encoder::new(&msg, u(&v["max_fragment_len"]) as usize).unwrap();
    let mut dec = Decoder::new();
    let first = u(&v["first_seq_num"]) as u32;
    let mut n = first;
    while !dec.is_complete() {
        dec.receive(&enc.part(n)).unwrap();
        n += 1;
    }
    assert_eq!(dec.message().unwrap(), &msg[..]);
    // An elimination decoder needs barely more parts than fragments.
    assert!(
        n - first <= enc.seq_len() + 20,
        "{} parts for {} fragments",
        n - first,
        enc.seq_len()
    );
    // And every other part skipped, from 0 (ur-rs's variant).
    let mut dec = Decoder::new();
    let mut n = 1;
    while !dec.is_complete() {
        dec.receive(&enc.part(n)).unwrap();
        n += 2;
    }
    assert_eq!(dec.message().unwrap(), &msg[..]);
}

#[test]
fn ur_strings_single_and_multipart() {
    for v in of("ur_single_part") {
        if let Some(uuid) = v["uuid_hex"].as_str() {
            // ur-rs's crypto-request: map(2) {1: tag(37) uuid, 2: tag(500) map(1) {1: tag(600) digest}}
            use airsign::transport::cbor;
            let mut c = Vec::new();
            cbor::map(&mut c, 2);
            cbor::uint(&mut c, 1);
            cbor::tag(&mut c, 37);
            cbor::bytes(&mut c, &unhex(uuid));
            cbor::uint(&mut c, 2);
            cbor::tag(&mut c, 500);
            cbor::map(&mut c, 1);
            cbor::uint(&mut c, 1);
            cbor::tag(&mut c, 600);
            cbor::bytes(&mut c, &unhex(v["seed_digest_hex"].as_str().unwrap()));
            assert_eq!(
                ur::single("crypto-request", &c),
                v["expected_ur"].as_str().unwrap()
            );
            continue;
        }
        let msg = wolf(u(&v["message_len"]) as usize);
        let s = ur::single(v["ur_type"].as_str().unwrap(), &ur::cbor_bytes(&msg));
        assert_eq!(s, v["expected_ur"].as_str().unwrap());
        let mut a = Assembler::new();
        a.add(&s.to_uppercase()).unwrap();
        assert_eq!(a.payload().unwrap().data, msg);
    }
    for v in of("ur_multipart") {
        let ty = v["ur_type"].as_str().unwrap();
        let max = u(&v["max_fragment_len"]) as usize;
        if let Some(parts) = v["expected_parts"].as_array() {
            let msg = wolf(u(&v["message_len"]) as usize);
            let enc = ur::UrEncoder::new(ty, ur::cbor_bytes(&msg), max).unwrap();
            assert_eq!(u64::from(enc.seq_len()), u(&v["expected_fragment_count"]));
            for (i, want) in parts.iter().enumerate() {
                assert_eq!(enc.part(i as u32 + 1), want.as_str().unwrap());
            }
            let mut a = Assembler::new();
            for want in parts.iter().rev() {
                a.add(&want.as_str().unwrap().to_uppercase()).unwrap();
            }
            assert_eq!(a.payload().unwrap().data, msg);
        } else {
            let msg = v["message_utf8"].as_str().unwrap().as_bytes().to_vec();
            let enc = ur::UrEncoder::new(ty, msg, max).unwrap();
            assert_eq!(enc.part(1), v["expected_first_part"].as_str().unwrap());
        }
    }
}

#[test]
fn ur_parsing() {
    for v in of("ur_parse") {
        if let Some(cases) = v["cases"].as_array() {
            for c in cases {
                let r = ur::parse(c["input"].as_str().unwrap());
                assert_eq!(r.is_ok(), c["expected"] != "error", "{}", c["input"]);
            }
        } else if let Some(input) = v["input"].as_str() {
            assert!(
                matches!(ur::parse(input).unwrap(), ur::Parsed::Single { .. }),
                "a single-part UR is not a multipart part"
            );
        }
    }
}

#[test]
fn registry_examples() {
    let mut n = 0;
    for v in of("ur_registry_example") {
        let (Some(s), Some(cbor)) = (v["ur"].as_str(), v["cbor_hex"].as_str()) else {
            continue;
        };
        let ty = s[3..].split('/').next().unwrap();
        match ur::parse(s).unwrap() {
            ur::Parsed::Single { ur_type, cbor: got } => {
                assert_eq!(ur_type, ty);
                assert_eq!(hex(&got), cbor.to_lowercase(), "{}", v["name"]);
                assert_eq!(ur::single(ty, &got), s, "re-encoding {}", v["name"]);
            }
            ur::Parsed::Multi { .. } => panic!("registry examples are single-part"),
        }
        n += 1;
    }
    assert!(n >= 20, "{n}");
}
