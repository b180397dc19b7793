//! Every fuzz target's body (fuzz/src/bodies.rs) on its saved regression inputs
//! (fuzz/regressions/TARGET/) and on the fixtures that seed its corpus, on every `cargo test`:
//! a crash the fuzzer once found stays fixed even where no nightly toolchain is installed.
#[path = "../fuzz/src/bodies.rs"]
mod bodies;

use std::path::Path;

type Body = fn(&[u8]);

const TARGETS: &[(&str, Body)] = &[
    ("ur_fountain", bodies::ur_fountain),
    ("bbqr_join", bodies::bbqr_join),
    ("qr_text_assemble", bodies::qr_text_assemble),
    ("psbt_review", bodies::psbt_review),
    ("policy_eval", bodies::policy_eval),
    ("seed_file_open", bodies::seed_file_open),
    ("audit_verify", bodies::audit_verify),
    ("wallet_parse", bodies::wallet_parse),
    ("ceremony_files", bodies::ceremony_files),
];

fn files(dir: &Path) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<_> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

#[test]
fn every_fuzz_target_survives_its_regressions_and_seed_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixtures: Vec<Vec<u8>> = ["fixtures/ceremonies", "fixtures/audit", "fixtures/hostile"]
        .iter()
        .flat_map(|d| files(&root.join(d)))
        .collect();
    let mut runs = 0;
    for (name, body) in TARGETS {
        for input in files(&root.join("fuzz/regressions").join(name))
            .iter()
            .chain(&fixtures)
        {
            body(input);
            // Truncations too: a crash is often one byte from a valid input.
            body(&input[..input.len() / 2]);
            runs += 2;
        }
        body(b"");
    }
    assert!(runs > 100, "the seed inputs were found ({runs} runs)");
}

/// Found by the wallet_parse target in its first 10 seconds: a set-up file or `--cosigner`
/// text starting "ur" and a two-byte character panicked (a string sliced at byte 3) in every
/// reader that looked for a `ur:` prefix. A hostile set-up file crashed `wallet import` and
/// `wallet register` on the signer.
#[test]
fn a_ur_prefix_split_inside_a_character_is_an_error_not_a_panic() {
    let text = "ur\u{19d}rypto-output/x";
    assert!(airsign::wallet::formats::import::read(text.as_bytes(), &[]).is_err());
    for script in [
        airsign::wallet::formats::cosigner::MultisigScript::Wsh,
        airsign::wallet::formats::cosigner::MultisigScript::ShWsh,
    ] {
        assert!(airsign::wallet::formats::cosigner::parse(text, &[], script).is_err());
    }
}
