//! Hostile bytes never panic: thousands of random mutations of valid PSBTs, UR parts and BBQr
//! parts go through the parsers (and, when they parse, through the review). A cheap, always-on
//! complement to coverage-guided fuzzing.
use airsign::bundle;
use airsign::signer::KeyChain;
use airsign::transport::assemble::Assembler;
use airsign::transport::xoshiro::Xoshiro256;
use airsign::transport::{bbqr, ur};
use bitcoin::Network;

fn mutate(base: &[u8], rng: &mut Xoshiro256) -> Vec<u8> {
    let mut v = base.to_vec();
    for _ in 0..=rng.next_int(0, 4) {
        if v.is_empty() {
            break;
        }
        let i = rng.next_int(0, v.len() as u64 - 1) as usize;
        match rng.next_int(0, 3) {
            0 => v[i] = rng.next_int(0, 255) as u8,
            1 => v.truncate(i),
            2 => v.insert(i, rng.next_int(0, 255) as u8),
            _ => {
                // Blow up a length-like byte.
                v[i] = 0xfd;
            }
        }
    }
    v
}

#[test]
fn mutated_psbts_are_errors_or_reviewable_never_panics() {
    let raw = std::fs::read_to_string(format!(
        "{}/fixtures/vectors/bip174.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&raw).unwrap();
    let seeds: Vec<Vec<u8>> = v["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["hex"].as_str())
        .filter_map(airsign::hex::decode)
        .collect();
    // The BIP174 workflow's own master key, so mutated PSBTs still have inputs we "own" and the
    // signer runs too.
    let master: bitcoin::bip32::Xpriv = v["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["type"] == "workflow")
        .unwrap()["master_xprv"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let keys = KeyChain::from_master(master, Network::Testnet);
    let mut signed_attempts = 0;
    let mut rng = Xoshiro256::from_bytes(b"psbt-mutations");
    let mut parsed = 0;
    for round in 0..20_000 {
        let base = &seeds[round % seeds.len()];
        let m = mutate(base, &mut rng);
        if let Ok((psbt, _, _)) = bundle::decode(&m) {
            parsed += 1;
            let policy = airsign::policy::PolicySet::default();
            let reviewed = bundle::Reviewed::new(psbt.clone(), &keys, &policy.review_options());
            if reviewed.review().ours().next().is_some() {
                signed_attempts += 1;
                let _ = airsign::session::decide(
                    &reviewed,
                    &policy,
                    &keys,
                    &mut |_, _| Ok(true),
                    Default::default(),
                );
            }
            let _ = bundle::finalize::finalize(&mut psbt.clone());
        }
    }
    assert!(
        parsed > 100,
        "mutations should sometimes still parse ({parsed})"
    );
    assert!(
        signed_attempts > 10,
        "the signer should have been reached ({signed_attempts})"
    );
}

#[test]
fn mutated_ur_and_bbqr_parts_never_panic() {
    let enc = ur::UrEncoder::new("crypto-psbt", ur::cbor_bytes(&[3u8; 2000]), 120).unwrap();
    let bb = bbqr::encode(
        &[5u8; 3000],
        'P',
        Some(bbqr::Encoding::Zlib),
        &bbqr::SplitOptions {
            max_version: 10,
            ..Default::default()
        },
    )
    .unwrap();
    let mut rng = Xoshiro256::from_bytes(b"ur-mutations");
    let mut a = Assembler::new();
    for round in 0..20_000u32 {
        let base = if round % 2 == 0 {
            enc.part(round % 40 + 1).into_bytes()
        } else {
            bb.parts[round as usize % bb.parts.len()]
                .clone()
                .into_bytes()
        };
        let m = mutate(&base, &mut rng);
        let s = String::from_utf8_lossy(&m);
        let _ = ur::parse(&s);
        let _ = bbqr::parse_part(&s);
        let _ = a.add(&s);
        if a.payload().is_some() {
            a = Assembler::new();
        }
    }
}
