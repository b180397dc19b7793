//! The fuzz targets' bodies, one function per target, shared by the libFuzzer targets
//! (`fuzz_targets/*.rs`, built by `cargo +nightly fuzz`) and by `tests/fuzz_regressions.rs`, which
//! runs every saved input in `fuzz/regressions/TARGET/` on every `cargo test`, with or without a
//! nightly toolchain. Each body must never panic, whatever `data` is.
#![allow(dead_code)]
use airsign::bundle::{self, Review};
use airsign::policy::PolicyFile;
use airsign::secrets::seedfile::{self, Unlock};
use airsign::signer::KeyChain;
use airsign::transport::assemble::Assembler;
use airsign::transport::bbqr::Joiner;
use airsign::transport::decoder::Decoder;
use airsign::transport::ur::{self, Parsed};
use airsign::wallet::file::WalletFile;
use airsign::wallet::formats::import;
use std::io::Write;
use std::sync::OnceLock;

/// UR part parser + fountain decoder: each input line is one scanned QR text.
pub fn ur_fountain(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut decoder = Decoder::new();
    for line in text.lines().take(512) {
        if let Ok(Parsed::Multi { part, .. }) = ur::parse(line) {
            let _ = decoder.receive(&part);
            let _ = decoder.progress();
            if let Some(m) = decoder.message() {
                let _ = ur::uncbor_bytes(m);
            }
        } else if let Ok(Parsed::Single { cbor, .. }) = ur::parse(line) {
            let _ = ur::uncbor_bytes(&cbor);
        }
    }
}

/// BBQr joiner: each input line is one scanned part.
pub fn bbqr_join(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut j = Joiner::default();
    for line in text.lines().take(512) {
        let _ = j.add(line);
        let _ = j.progress();
    }
    let _ = j.finish();
}

/// QR text → payload: the assembler that auto-detects UR, BBQr and base64 frames.
pub fn qr_text_assemble(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut a = Assembler::new();
    for line in text.lines().take(512) {
        let _ = a.add(line);
        let _ = a.counters();
        if a.payload().is_some() {
            a = Assembler::new();
        }
    }
}

fn psbt_review_keys() -> &'static KeyChain {
    // A key chain caches derivations in a RefCell (not Sync): one per thread, kept for the run.
    thread_local! {
        static K: &'static KeyChain = Box::leak(Box::new({
            let m = airsign::secrets::Mnemonic::parse(airsign::wallet::fixture::TEST_MNEMONIC)
                .unwrap();
            KeyChain::from_seed(&m.to_seed("", bitcoin::Network::Regtest)).unwrap()
        }));
    }
    K.with(|k| *k)
}

/// PSBT parse (v0 and v2, binary, base64, hex) → review → the signing session → finalize, with
/// the public test seed's keys so that inputs "ours" reach the signer.
pub fn psbt_review(data: &[u8]) {
    let Ok((psbt, version, _)) = bundle::decode(data) else {
        return;
    };
    let _ = bundle::encode(&psbt, version, bundle::Encoding::Binary);
    let policy = airsign::policy::PolicySet::default();
    let reviewed =
        bundle::Reviewed::new(psbt.clone(), psbt_review_keys(), &policy.review_options());
    let _ = airsign::screen::review_text(reviewed.review(), None);
    if reviewed.review().ours().next().is_some() {
        let _ = airsign::session::decide(
            &reviewed,
            &policy,
            psbt_review_keys(),
            &mut |_, _| Ok(true),
            Default::default(),
        );
    }
    let _ = bundle::finalize::finalize(&mut psbt.clone());
}

fn policy_eval_review() -> &'static Review {
    static R: OnceLock<Review> = OnceLock::new();
    R.get_or_init(|| {
        let m = airsign::secrets::Mnemonic::parse(airsign::wallet::fixture::TEST_MNEMONIC).unwrap();
        let keys = KeyChain::from_seed(&m.to_seed("", bitcoin::Network::Regtest)).unwrap();
        let case: serde_json::Value = serde_json::from_slice(include_bytes!(
            "../../fixtures/hostile/04-fee-max-fee-sat.json"
        ))
        .expect("JSON");
        let psbt = bundle::decode(case["psbt"].as_str().expect("psbt").as_bytes())
            .expect("the fixture PSBT")
            .0;
        bundle::Reviewed::new(psbt, &keys, &Default::default())
            .review()
            .clone()
    })
}

/// Policy file parse → compile → evaluate against a fixed review (the hostile matrix's
/// fee-max-fee-sat case, a bundle of the public test seed).
pub fn policy_eval(data: &[u8]) {
    let Ok(file) = PolicyFile::parse(data) else {
        return;
    };
    let _ = file.hash();
    for network in [bitcoin::Network::Regtest, bitcoin::Network::Bitcoin] {
        if let Ok(set) = file.compile(network) {
            let _ = set.evaluate(policy_eval_review());
        }
    }
}

/// A public, throwaway age identity (recipient age1c92jfxxal996l6sq3z2j635wyruc40gl8agce3wcehd74dxdkytslwydfa):
/// scripts/fuzz.sh seeds the corpus with seed files encrypted to it. Never a real key.
const FUZZ_IDENTITY: &str =
    "AGE-SECRET-KEY-10SJK7R4V5C935A6S8SZZKWAPKNUD2GPEUEWSECWJQVCL34TPJTHSEHQPAX";

/// Seed file open: the age header and payload, then the seed-file JSON inside. Unlocked with a
/// fixed age identity (no scrypt: a fuzzer cannot afford a work factor per input).
pub fn seed_file_open(data: &[u8]) {
    let Ok(unlock) = seedfile::parse_identities(FUZZ_IDENTITY.as_bytes()) else {
        return;
    };
    let _ = seedfile::open(data, &unlock);
    // The scrypt path up to the work-factor check (a huge factor in a hostile file is refused
    // before any work).
    let _ = seedfile::open(data, &Unlock::Passphrase("fuzz".to_owned().into()));
}

/// Audit log verify and read, with and without the MAC key.
pub fn audit_verify(data: &[u8]) {
    let Ok(mut f) = tempfile::NamedTempFile::new() else {
        return;
    };
    if f.write_all(data).is_err() {
        return;
    }
    let _ = airsign::audit::verify(f.path(), None);
    let _ = airsign::audit::verify(f.path(), Some(&[7u8; 32]));
    let _ = airsign::audit::read_lines(f.path());
    let _ = airsign::audit::signed_spends(f.path(), None);
}

/// Wallet files and set-up formats: the watch-only wallet file, every import format (BSMS,
/// Coldcard, descriptors, BIP388, Caravan, crypto-output), and descriptors read directly.
pub fn wallet_parse(data: &[u8]) {
    if let Ok(f) = WalletFile::parse(data) {
        let _ = f.watch_only();
    }
    if let Ok(imp) = import::read(data, &[]) {
        let _ = import::network(&imp, None);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        for network in [bitcoin::Network::Regtest, bitcoin::Network::Bitcoin] {
            if let Ok(w) = airsign::wallet::WatchOnly::from_descriptor(text.trim(), network) {
                let _ = w.address(false, 0);
                let _ = w.address(true, 1);
            }
        }
    }
}

/// Ceremony checklists and transcripts: parse a checklist, verify a transcript.
pub fn ceremony_files(data: &[u8]) {
    let _ = airsign::ceremony::Checklist::parse(data);
    let Ok(mut f) = tempfile::NamedTempFile::new() else {
        return;
    };
    if f.write_all(data).is_ok() {
        let _ = airsign::ceremony::transcript::verify(f.path(), None);
    }
}
