//! Signing large PSBTs end to end: parse → review → policy → sign → verify-after-sign (k256) →
//! serialise, for 1,000 P2WPKH and 1,000 P2TR inputs, beside libsecp256k1's raw per-signature
//! cost and libsecp256k1 signing + k256 verifying (the floor issue 12 compares against). Run:
//! `cargo bench --bench sign`. Figures go to docs/benchmarks.md.
use std::hint::black_box;

use airsign::bundle::{self, Reviewed};
use airsign::policy::PolicySet;
use airsign::session;
use airsign::signer::{KeyChain, SignOptions};
use airsign::wallet::ScriptType;
use bitcoin::secp256k1::{Keypair, Message, Secp256k1, SecretKey};
use criterion::{criterion_group, criterion_main, Criterion};

#[path = "common/psbt.rs"]
mod psbt;
use psbt::{big_psbt_n, keys};

const N: usize = 1000;

fn big_psbt(script: ScriptType) -> Vec<u8> {
    big_psbt_n(script, N)
}

fn sign_end_to_end(bytes: &[u8], keys: &KeyChain) -> Vec<u8> {
    let (psbt, version, enc) = bundle::decode(bytes).unwrap();
    let psbt = sign_approved(psbt, keys);
    bundle::encode(&psbt, version, enc).unwrap()
}

/// Review → strict policy → sign → verify, through the one session.
fn sign_approved(psbt: bitcoin::Psbt, keys: &KeyChain) -> bitcoin::Psbt {
    let policy = PolicySet::default();
    let reviewed = Reviewed::new(psbt, keys, &policy.review_options());
    let outcome = session::decide(
        &reviewed,
        &policy,
        keys,
        &mut |_, _| Ok(true),
        SignOptions::default(),
    )
    .unwrap();
    assert!(outcome.verdict.approved(), "{:?}", outcome.verdict.refuse);
    outcome.into_signed().unwrap().0
}

/// Bytes and UR fragments (400 B) of a bundle before signing, signed, and signed with --minimal.
fn print_minimal_savings() {
    let k = keys();
    eprintln!(
        "| inputs | unsigned | signed | signed --minimal | fragments (400 B): signed → minimal |"
    );
    for n in [1usize, 10, 100] {
        let bytes = big_psbt_n(ScriptType::Wpkh, n);
        let (psbt, _, _) = bundle::decode(&bytes).unwrap();
        let mut psbt = sign_approved(psbt, &k);
        let full = psbt.serialize().len();
        bundle::minimal::strip_for_return(&mut psbt);
        let min = psbt.serialize().len();
        let frags = |l: usize| {
            airsign::transport::fountain::Encoder::new(&vec![0u8; l + 3], 400)
                .unwrap()
                .seq_len()
        };
        eprintln!(
            "| {n} | {} B | {full} B | {min} B | {} → {} |",
            bytes.len(),
            frags(full),
            frags(min)
        );
    }
}

fn bench(c: &mut Criterion) {
    print_minimal_savings();
    let k = keys();
    let mut g = c.benchmark_group("sign_1000_inputs");
    g.sample_size(10);
    for script in [ScriptType::Wpkh, ScriptType::Tr] {
        let bytes = big_psbt(script);
        eprintln!("{script}: PSBT of {N} inputs is {} bytes", bytes.len());
        // Kept for the peer comparison (scripts/bench_peer_sign.py signs the same file).
        let _ = std::fs::write(
            format!(
                "{}/target/bench-{script}-{N}.psbt",
                env!("CARGO_MANIFEST_DIR")
            ),
            &bytes,
        );
        g.bench_function(script.to_string(), |b| {
            b.iter(|| sign_end_to_end(black_box(&bytes), &k))
        });
    }
    g.finish();

    // The floor: libsecp256k1 alone, per signature (sign + verify), on a fixed key and message.
    let secp = Secp256k1::new();
    let sk = SecretKey::from_slice(&[7u8; 32]).unwrap();
    let pk = sk.public_key(&secp);
    let kp = Keypair::from_secret_key(&secp, &sk);
    let msg = Message::from_digest([9u8; 32]);
    let mut g = c.benchmark_group("libsecp256k1_per_signature");
    g.bench_function("ecdsa_low_r_sign_verify", |b| {
        b.iter(|| {
            let s = secp.sign_ecdsa_low_r(black_box(&msg), &sk);
            secp.verify_ecdsa(&msg, &s, &pk).unwrap();
        })
    });
    // The floor issue 12 measures against: libsecp256k1 signs, k256 verifies (what airsign does
    // per input, without parsing, review, derivation, sighashes or serialising).
    let k256_pk = k256::ecdsa::VerifyingKey::from_sec1_bytes(&pk.serialize()).unwrap();
    g.bench_function("ecdsa_low_r_sign_k256_verify", |b| {
        b.iter(|| {
            use k256::ecdsa::signature::hazmat::PrehashVerifier;
            let s = secp.sign_ecdsa_low_r(black_box(&msg), &sk);
            let ks = k256::ecdsa::Signature::from_slice(&s.serialize_compact()).unwrap();
            k256_pk.verify_prehash(&[9u8; 32], &ks).unwrap();
        })
    });
    let k256_x =
        k256::schnorr::VerifyingKey::from_bytes(&kp.x_only_public_key().0.serialize()).unwrap();
    g.bench_function("schnorr_sign_k256_verify", |b| {
        b.iter(|| {
            let s = secp.sign_schnorr_no_aux_rand(black_box(&msg), &kp);
            let ks = k256::schnorr::Signature::try_from(&s.serialize()[..]).unwrap();
            k256_x.verify_raw(&[9u8; 32], &ks).unwrap();
        })
    });
    g.bench_function("schnorr_sign_verify", |b| {
        b.iter(|| {
            let s = secp.sign_schnorr_no_aux_rand(black_box(&msg), &kp);
            secp.verify_schnorr(&s, &msg, &kp.x_only_public_key().0)
                .unwrap();
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
