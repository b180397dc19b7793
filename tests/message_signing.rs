//! Message signing (issue 10): `airsign message sign|verify` and the library under it.
//!
//! - Every BIP322 vector (`fixtures/vectors/bip322-basic.json`, `bip322-generated.json`, copied
//!   unchanged from the team's `shared/vectors/`, origin bitcoin/bips `bip-0322/`; see
//!   `fixtures/vectors/README.md`) verifies through [`verify_message`], the verifier the CLI uses;
//!   every single-key vector's key signs in every format its address has, and the result
//!   verifies (and passes Bitcoin Core's interpreter).
//! - Legacy (BIP137) signatures are checked by independent peers both ways: bitcoin-message-tool
//!   (pure Python, all three address types) and python-bitcoinlib (OpenSSL key recovery, P2PKH),
//!   from `scripts/peer_message.py` (installed by scripts/test.sh; under CI=true a missing peer
//!   fails).
//! - The CLI through the real binary: sign → verify per address type, by address, the armored
//!   block, the signmessage request from a file, from QR text and from a QR image, answers as a
//!   text QR, a wrong message exits 3, escapes in the review, the audit log entry.
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use airsign::message::{self, verify_message, Format, MessageError};
use bitcoin::{Address, PrivateKey, ScriptBuf};
use common::{bin, q, sh, shq};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!(
        "{}/fixtures/vectors/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap()
}

fn spk(address: &str) -> ScriptBuf {
    address
        .parse::<Address<bitcoin::address::NetworkUnchecked>>()
        .unwrap()
        .assume_checked()
        .script_pubkey()
}

/// Every simple and full signature of both files verifies through `verify_message`, with the
/// vector's encoding: the two time-lock scripts (not miniscript) by Bitcoin Core's interpreter,
/// and the three proofs of funds.
#[test]
fn every_bip322_vector_verifies_through_the_cli_verifier() {
    let (mut ok, mut unsupported) = (0, Vec::new());
    for (file, cat, want) in [
        ("bip322-basic", "simple", Format::Simple),
        ("bip322-generated", "simple", Format::Simple),
        ("bip322-generated", "full", Format::Full),
        ("bip322-generated", "proof_of_funds", Format::ProofOfFunds),
    ] {
        for t in load(file)[cat].as_array().unwrap() {
            for sig in t["bip322_signatures"].as_array().unwrap() {
                match verify_message(
                    s(t, "address"),
                    s(t, "message").as_bytes(),
                    sig.as_str().unwrap(),
                ) {
                    Ok(c) => {
                        assert_eq!(c.format, want, "{file} {cat} {}", s(t, "type"));
                        ok += 1;
                    }
                    Err(MessageError::Unsupported(_)) => unsupported.push(s(t, "type").to_owned()),
                    Err(e) => panic!("{file} {cat} {}: {e}", s(t, "type")),
                }
            }
        }
    }
    assert_eq!(ok, 6 + 4 + 10 + 3);
    assert!(unsupported.is_empty(), "{unsupported:?}");
    // Every error vector fails with its text, and a wrong message is "invalid" (exit 3 in the CLI).
    for file in ["bip322-basic", "bip322-generated"] {
        for t in load(file)["error"].as_array().unwrap() {
            let e = verify_message(
                s(t, "address"),
                s(t, "message").as_bytes(),
                s(t, "signature"),
            )
            .unwrap_err();
            assert!(
                e.to_string().contains(s(t, "error_substr")),
                "{}: {e}",
                s(t, "description")
            );
        }
    }
}

/// Each single-key vector's key signs its message for its address in every format the address
/// has (simple: not P2PKH; legacy: not taproot; full: all), and each signature verifies, is
/// refused for another message, and (full) is a valid spend for Bitcoin Core's interpreter.
#[test]
fn every_single_key_vector_is_signed_in_each_of_its_formats() {
    let mut signed = 0;
    for (file, cat) in [
        ("bip322-basic", "simple"),
        ("bip322-generated", "simple"),
        ("bip322-generated", "full"),
    ] {
        for t in load(file)[cat].as_array().unwrap() {
            let ty = s(t, "type");
            if !matches!(ty, "p2wpkh" | "p2tr" | "p2sh-p2wpkh" | "p2pkh") {
                continue;
            }
            let key = PrivateKey::from_wif(t["private_keys"][0].as_str().unwrap())
                .unwrap()
                .inner;
            let (addr, msg) = (s(t, "address"), s(t, "message").as_bytes());
            let formats: &[Format] = match ty {
                "p2pkh" => &[Format::Legacy, Format::Full],
                "p2tr" => &[Format::Simple, Format::Full],
                _ => &[Format::Legacy, Format::Simple, Format::Full],
            };
            for &f in formats {
                let sig = message::sign(&spk(addr), &key, msg, f).unwrap();
                let c =
                    verify_message(addr, msg, &sig).unwrap_or_else(|e| panic!("{ty} {f:?}: {e}"));
                assert_eq!(c.format, f);
                assert!(matches!(
                    verify_message(addr, b"another message", &sig),
                    Err(MessageError::Invalid(_))
                ));
                if f == Format::Full {
                    let spend = message::to_spend(&spk(addr), msg);
                    let message::Proof::Full(tx) = message::decode_signature(&sig).unwrap() else {
                        panic!("full")
                    };
                    common::consensus_check(&tx, &spend.output);
                }
                signed += 1;
            }
            // The formats an address does not have are refused, not faked.
            if ty == "p2tr" {
                assert!(message::sign(&spk(addr), &key, msg, Format::Legacy).is_err());
            }
            if ty == "p2pkh" {
                assert!(message::sign(&spk(addr), &key, msg, Format::Simple).is_err());
            }
        }
    }
    // basic: p2wpkh ×2 (3 formats), p2tr (2); generated simple: p2wpkh (3), p2tr (2);
    // generated full: p2pkh (2), p2wpkh (3), p2tr (2), p2sh-p2wpkh (3).
    assert_eq!(signed, 6 + 2 + 3 + 2 + 2 + 3 + 2 + 3);
}

fn peer_python() -> Option<String> {
    match std::env::var("AIRSIGN_PYTHON") {
        Ok(v) => Some(v),
        Err(_) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("AIRSIGN_PYTHON is not set: the message peers are required in CI (scripts/test.sh installs them)")
        }
        Err(_) => {
            eprintln!("AIRSIGN_PYTHON not set; run scripts/test.sh to install the peers (skipping outside CI)");
            None
        }
    }
}

fn peer(python: &str, args: &[&str]) -> Value {
    let out = Command::new(python)
        .arg(format!(
            "{}/scripts/peer_message.py",
            env!("CARGO_MANIFEST_DIR")
        ))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "peer: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The single-key vectors' keys (public test keys), as WIF.
const WIFS: [&str; 3] = [
    "L2yn1ozY4azVxNzF2TLzGhmWQXnR2hoCZG5hCppQ4oxLtnq2CpM7",
    "L1n3XXc2AAVq8puHyQNL9NmVNRDUox1ENeuk7muALGrEo85wGQag",
    "KySmn2yeCukjHXnSu3M6vX7tNok4weu1FKbNEuVvm2b3ZidKhB4L",
];

/// airsign's legacy signatures verify in both peers; the peers' signatures verify in airsign
/// (library and CLI), per address type, and a wrong message fails everywhere.
#[test]
fn legacy_signatures_interoperate_with_independent_peers() {
    let Some(python) = peer_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let msgs = ["hello world", "UTF-8: öäü 测试 😄", "two\nlines\n"];
    let secp = bitcoin::secp256k1::Secp256k1::new();
    let mut checked = 0;
    for (i, wif) in WIFS.iter().enumerate() {
        let key = PrivateKey::from_wif(wif).unwrap();
        let cpk = bitcoin::CompressedPublicKey(key.inner.public_key(&secp));
        for (kind, addr) in [
            ("p2pkh", Address::p2pkh(cpk, bitcoin::Network::Bitcoin)),
            (
                "p2wpkh-p2sh",
                Address::p2shwpkh(&cpk, bitcoin::Network::Bitcoin),
            ),
            ("p2wpkh", Address::p2wpkh(&cpk, bitcoin::Network::Bitcoin)),
        ] {
            for (j, m) in msgs.iter().enumerate() {
                let f = dir.path().join(format!("m{i}{j}"));
                std::fs::write(&f, m).unwrap();
                let fs = f.to_str().unwrap();
                let ours = message::sign(
                    &addr.script_pubkey(),
                    &key.inner,
                    m.as_bytes(),
                    Format::Legacy,
                )
                .unwrap();
                let v = peer(&python, &["verify", &addr.to_string(), fs, &ours]);
                assert_eq!(
                    v["bmt"], true,
                    "bitcoin-message-tool rejects our {kind} signature"
                );
                if kind == "p2pkh" {
                    assert_eq!(
                        v["bitcoinlib"], true,
                        "python-bitcoinlib rejects our signature"
                    );
                }
                let wrong = dir.path().join("wrong");
                std::fs::write(&wrong, format!("{m}!")).unwrap();
                let v = peer(
                    &python,
                    &["verify", &addr.to_string(), wrong.to_str().unwrap(), &ours],
                );
                assert_eq!(v["bmt"], false);

                let theirs = peer(&python, &["sign", wif, kind, fs]);
                assert_eq!(s(&theirs, "address"), addr.to_string());
                let their_sig = s(&theirs, "bmt");
                // Both sign deterministically (RFC6979) with the same header rule: same bytes.
                assert_eq!(their_sig, ours, "{kind} {m:?}");
                verify_message(&addr.to_string(), m.as_bytes(), their_sig).unwrap();
                let mut lib_sigs = vec![their_sig.to_owned()];
                if let Some(lib) = theirs["bitcoinlib"].as_str() {
                    verify_message(&addr.to_string(), m.as_bytes(), lib).unwrap();
                    lib_sigs.push(lib.to_owned());
                }
                for sig in lib_sigs {
                    let o = sh(&format!(
                        "{} message verify {} {} --file {}",
                        q(&bin()),
                        shq(&addr.to_string()),
                        shq(&sig),
                        q(&f)
                    ));
                    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
                    let o = sh(&format!(
                        "{} message verify {} {} --file {}",
                        q(&bin()),
                        shq(&addr.to_string()),
                        shq(&sig),
                        q(&wrong)
                    ));
                    assert_eq!(o.status.code(), Some(3));
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 3 * 3 * 3);
}

// ---- The CLI through the binary, with the public test seed `abandon … about` on mainnet. ----

const ABOUT: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

struct Seed {
    dir: tempfile::TempDir,
    seed: PathBuf,
    pass: PathBuf,
}

fn seed() -> Seed {
    let dir = tempfile::tempdir().unwrap();
    let words = dir.path().join("words");
    let pass = dir.path().join("pass");
    std::fs::write(&words, format!("{ABOUT}\n")).unwrap();
    std::fs::write(&pass, "test passphrase\n").unwrap();
    let seed = dir.path().join("seed.age");
    let o = sh(&format!(
        "{} seed import --network bitcoin --mnemonic-fd 3 --passphrase-fd 4 --kdf-work-factor 10 -o {} 3<{} 4<{}",
        q(&bin()),
        q(&seed),
        q(&words),
        q(&pass)
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    Seed { dir, seed, pass }
}

impl Seed {
    /// `airsign message sign --seed … ARGS` (ARGS already quoted).
    fn sign(&self, args: &str) -> std::process::Output {
        sh(&format!(
            "{} message sign --seed {} --passphrase-fd 4 {args} 4<{}",
            q(&bin()),
            q(&self.seed),
            q(&self.pass)
        ))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn verify(address: &str, signature: &str, message: &str) -> std::process::Output {
    sh(&format!(
        "{} message verify {} {} {}",
        q(&bin()),
        shq(address),
        shq(signature),
        shq(message)
    ))
}

fn json(o: &std::process::Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// BIP44/49/84/86 first addresses of `abandon … about` (BIP84's and BIP86's own test vectors).
const ADDRESSES: [(&str, &str, &str); 4] = [
    (
        "m/44h/0h/0h/0/0",
        "1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA",
        "legacy",
    ),
    (
        "m/49'/0'/0'/0/0",
        "37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf",
        "simple",
    ),
    (
        "m/84h/0h/0h/0/0",
        "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu",
        "simple",
    ),
    (
        "m/86h/0h/0h/0/0",
        "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr",
        "simple",
    ),
];

#[test]
fn cli_sign_then_verify_each_address_type_and_format() {
    let sd = seed();
    let msg = "I control this address";
    for (path, address, default) in ADDRESSES {
        let v = json(&sd.sign(&format!("--yes --json --path {} {}", shq(path), shq(msg))));
        assert_eq!(v["address"], address);
        assert_eq!(v["format"], default);
        let sig = s(&v, "signature");
        let o = verify(address, sig, msg);
        assert!(
            o.status.success(),
            "{path}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        // A wrong message is a "no" with the reason.
        let o = verify(address, sig, "I control this addresS");
        assert_eq!(o.status.code(), Some(3), "{path}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("invalid signature"));
        let formats: &[&str] = match default {
            "legacy" => &["full"],
            _ if address.starts_with("bc1p") => &["full"],
            _ => &["full", "legacy"],
        };
        for f in formats {
            let v = json(&sd.sign(&format!(
                "--yes --json --format {f} --path {} {}",
                shq(path),
                shq(msg)
            )));
            assert_eq!(v["format"], *f);
            let o = sh(&format!(
                "{} message verify --json {address} {} {}",
                q(&bin()),
                shq(s(&v, "signature")),
                shq(msg)
            ));
            let r = json(&o);
            assert_eq!(r["valid"], true);
            assert_eq!(r["format"], *f);
            if *f == "legacy" {
                let h = r["header"].as_u64().unwrap();
                let want = if address.starts_with('3') {
                    35..=38
                } else {
                    39..=42
                };
                assert!(want.contains(&h), "{address}: header {h}");
            }
        }
    }
    // Taproot has no legacy format; P2PKH no simple one: usage errors, nothing signed.
    let o = sd.sign("--yes --format legacy --path m/86h/0h/0h/0/0 x");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("taproot"));
    let o = sd.sign("--yes --format simple --path m/44h/0h/0h/0/0 x");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn cli_sign_by_address_finds_its_path() {
    let sd = seed();
    // The change address m/84'/0'/0'/1/0 (BIP84's vector).
    let v = json(&sd.sign("--yes --json --address bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el hi"));
    assert_eq!(v["path"], "m/84'/0'/0'/1/0");
    // Not the seed's: refused (3), and nothing is signed.
    let o = sd.sign("--yes --gap 3 --address bc1qqthe0hz8klx90e7stf6shclhsvqd5ly96pn53v hi");
    assert_eq!(o.status.code(), Some(3));
    assert!(o.stdout.is_empty());
}

#[test]
fn cli_armored_block_round_trip_and_tampering() {
    let sd = seed();
    let block = sd.path("signed.txt");
    let o = sd.sign(&format!(
        "--yes --armor -o {} --path m/84h/0h/0h/0/0 {}",
        q(&block),
        shq("hello world")
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&block).unwrap();
    assert!(text.starts_with("-----BEGIN BITCOIN SIGNED MESSAGE-----\nhello world\n-----BEGIN BITCOIN SIGNATURE-----\nbc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu\n"));
    assert!(text.ends_with("-----END BITCOIN SIGNATURE-----\n"));
    let armored = |f: &Path| sh(&format!("{} message verify --armored {}", q(&bin()), q(f)));
    assert!(armored(&block).status.success());
    // The output file is not replaced without --force.
    let o = sd.sign(&format!(
        "--yes --armor -o {} --path m/84h/0h/0h/0/0 x",
        q(&block)
    ));
    assert_eq!(o.status.code(), Some(2));
    // Another message in the block: 3. A block without its signature: 1.
    let tampered = sd.path("tampered.txt");
    std::fs::write(&tampered, text.replace("hello world", "hello wOrld")).unwrap();
    assert_eq!(armored(&tampered).status.code(), Some(3));
    std::fs::write(
        &tampered,
        text.lines().take(4).collect::<Vec<_>>().join("\n"),
    )
    .unwrap();
    assert_eq!(armored(&tampered).status.code(), Some(1));
    // A Coldcard-style legacy block with CRLF and a blank line before the signature.
    let v = json(&sd.sign("--yes --json --format legacy --path m/84h/0h/0h/0/0 'hello world'"));
    let cc = format!(
        "-----BEGIN BITCOIN SIGNED MESSAGE-----\r\nhello world\r\n-----BEGIN BITCOIN SIGNATURE-----\r\nbc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu\r\n\r\n{}\r\n-----END BITCOIN SIGNATURE-----\r\n",
        s(&v, "signature")
    );
    std::fs::write(&tampered, cc).unwrap();
    assert!(armored(&tampered).status.success());
}

#[test]
fn cli_signmessage_request_from_a_file_from_qr_text_and_image_answers_as_a_text_qr() {
    let sd = seed();
    let req = sd.path("request.txt");
    std::fs::write(&req, "signmessage m/84h/0h/0h/0/0 ascii:hello world\n").unwrap();
    let by_file = json(&sd.sign(&format!("--yes --json --request {}", q(&req))));
    assert_eq!(
        by_file["address"],
        "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"
    );
    assert_eq!(by_file["message"], "hello world");
    assert_eq!(by_file["path"], "m/84'/0'/0'/0/0");
    // The same request as a QR: text frames, and one PNG image of the code.
    let qr_text = sd.path("answer.qr.txt");
    let by_scan = json(&sd.sign(&format!(
        "--yes --json --scan text:{} --qr text:{}",
        q(&req),
        q(&qr_text)
    )));
    assert_eq!(by_scan["address"], by_file["address"]);
    // ECDSA in airsign is deterministic: the same signature.
    assert_eq!(by_scan["signature"], by_file["signature"]);
    // The answer QR is one plain-text frame holding the signature itself.
    assert_eq!(
        std::fs::read_to_string(&qr_text).unwrap().trim(),
        s(&by_scan, "signature")
    );
    let png = sd.path("request.png");
    let m = airsign::transport::qr::Matrix::encode(
        "signmessage m/49h/0h/0h/0/0 ascii:hello world",
        qrcode::EcLevel::L,
    )
    .unwrap();
    std::fs::write(&png, m.png(4).unwrap()).unwrap();
    let by_image = json(&sd.sign(&format!("--yes --json --scan {}", q(&png))));
    assert_eq!(by_image["address"], "37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf");
    assert!(verify(
        "37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf",
        s(&by_image, "signature"),
        "hello world"
    )
    .status
    .success());
    // A request with --path is a usage error; a malformed request a runtime error.
    let o = sd.sign(&format!(
        "--yes --request {} --path m/84h/0h/0h/0/0",
        q(&req)
    ));
    assert_eq!(o.status.code(), Some(2));
    std::fs::write(&req, "signmessage m/84h/0h/0h/0/0 hex:68656c6c6f\n").unwrap();
    let o = sd.sign(&format!("--yes --request {}", q(&req)));
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("ascii:"));
}

#[test]
fn cli_review_shows_the_whole_message_escaped() {
    let sd = seed();
    // ESC [2J (clear screen), a bidi override, and an OSC 52 clipboard write, over two lines.
    let evil = "pay me\u{1b}[2J\u{202e}lol\nline two\u{1b}]52;c;SGVsbG8=\u{7}";
    let f = sd.path("evil.txt");
    std::fs::write(&f, evil).unwrap();
    let o = sd.sign(&format!(
        "--yes --json --path m/84h/0h/0h/0/0 --file {}",
        q(&f)
    ));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    let v = json(&o);
    assert!(
        !err.contains('\u{1b}') && !err.contains('\u{202e}') && !err.contains('\u{7}'),
        "{err:?}"
    );
    assert!(err.contains("pay me\\u{1b}[2J\\u{202e}lol\\n"), "{err}");
    assert!(err.contains("line two\\u{1b}]52;c;SGVsbG8=\\u{7}"), "{err}");
    assert!(err.contains("address: bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"));
    assert!(err.contains("path:    m/84'/0'/0'/0/0"));
    assert!(err.contains("format:  simple"));
    // The JSON carries the escaped text; the signature is over the raw bytes.
    assert_eq!(
        v["message"],
        "pay me\\u{1b}[2J\\u{202e}lol\\u{a}line two\\u{1b}]52;c;SGVsbG8=\\u{7}"
    );
    let o = sh(&format!(
        "{} message verify {} {} --file {}",
        q(&bin()),
        "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu",
        shq(s(&v, "signature")),
        q(&f)
    ));
    assert!(o.status.success());
    // Without --yes and without a terminal: no signature, secret-unavailable exit (5).
    let o = sd.sign("--path m/84h/0h/0h/0/0 hi");
    assert_eq!(o.status.code(), Some(5));
    assert!(o.stdout.is_empty());
}

#[test]
fn cli_each_signed_message_is_in_the_audit_log_by_hash() {
    let sd = seed();
    let secret_text = "the quarterly numbers, not for the log";
    json(&sd.sign(&format!(
        "--yes --json --path m/84h/0h/0h/0/0 {}",
        shq(secret_text)
    )));
    json(&sd.sign("--yes --json --format legacy --path m/44h/0h/0h/0/0 second"));
    let log = sd.path("seed.age.audit.jsonl");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        !text.contains("quarterly"),
        "the log holds the message text"
    );
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["event"], "message");
    use bitcoin::hashes::{sha256, Hash};
    assert_eq!(
        lines[0]["message"]["sha256"],
        sha256::Hash::hash(secret_text.as_bytes()).to_string()
    );
    assert_eq!(
        lines[0]["message"]["address"],
        "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"
    );
    assert_eq!(lines[0]["message"]["format"], "simple");
    assert_eq!(lines[1]["message"]["format"], "legacy");
    assert_eq!(lines[1]["message"]["path"], "m/44'/0'/0'/0/0");
    let o = sh(&format!(
        "{} log verify --seed {} --passphrase-fd 4 {} 4<{}",
        q(&bin()),
        q(&sd.seed),
        q(&log),
        q(&sd.pass)
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("2 entries"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn cli_verify_malformed_input_is_not_invalid() {
    // Unreadable address or signature: 1; a valid signature of another address: 3.
    let o = verify("not-an-address", "AAAA", "m");
    assert_eq!(o.status.code(), Some(1));
    let o = verify("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu", "!!!", "m");
    assert_eq!(o.status.code(), Some(1));
    let v = load("bip322-basic");
    let t = &v["simple"][1];
    let sig = t["bip322_signatures"][0].as_str().unwrap();
    assert!(verify(s(t, "address"), sig, "Hello World").status.success());
    let o = verify(
        "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu",
        sig,
        "Hello World",
    );
    assert_eq!(o.status.code(), Some(3));
}

/// The multisig vectors (P2WSH, P2SH-P2WSH and bare P2SH, with all their keys): signed with
/// their keys in each encoding the address has, verified, refused for another message, and (full)
/// valid for Bitcoin Core's interpreter; too few keys is an error, never a signature.
#[test]
fn every_multisig_vector_is_signed_with_its_keys() {
    let hexd = |h: &str| -> Vec<u8> {
        (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
            .collect()
    };
    let mut signed = 0;
    for (file, cat) in [
        ("bip322-basic", "simple"),
        ("bip322-generated", "simple"),
        ("bip322-generated", "full"),
    ] {
        for t in load(file)[cat].as_array().unwrap() {
            let ty = s(t, "type");
            if !ty.contains("multisig") {
                continue;
            }
            let script = match s(t, "witness_script") {
                "" => hexd(s(t, "sig_script")), // bare P2SH: the redeem script
                w => hexd(w),
            };
            let script = ScriptBuf::from_bytes(script);
            let keys: Vec<_> = t["private_keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| PrivateKey::from_wif(k.as_str().unwrap()).unwrap().inner)
                .collect();
            let (addr, msg) = (s(t, "address"), s(t, "message").as_bytes());
            let encodings: &[message::Encoding] = if ty.starts_with("p2sh-multisig") {
                &[message::Encoding::Full]
            } else {
                &[message::Encoding::Simple, message::Encoding::Full]
            };
            for &e in encodings {
                let sig = message::sign_script(&spk(addr), &script, &keys, msg, e)
                    .unwrap_or_else(|err| panic!("{ty} {e:?}: {err}"));
                verify_message(addr, msg, &sig).unwrap();
                assert!(matches!(
                    verify_message(addr, b"another message", &sig),
                    Err(MessageError::Invalid(_))
                ));
                let spend = message::to_spend(&spk(addr), msg);
                let tx = match message::decode_signature(&sig).unwrap() {
                    message::Proof::Simple(w) => message::to_sign(spend.compute_txid(), w),
                    message::Proof::Full(tx) => tx,
                    message::Proof::Funds(..) => panic!("not a proof of funds"),
                };
                let mut tx = tx;
                if ty.starts_with("p2sh-p2wsh") && tx.input[0].script_sig.is_empty() {
                    // simple: the verifier rebuilds the redeem push; so does this check
                    let wsh = ScriptBuf::new_p2wsh(&script.wscript_hash());
                    tx.input[0].script_sig = bitcoin::script::Builder::new()
                        .push_slice(
                            <&bitcoin::script::PushBytes>::try_from(wsh.as_bytes()).unwrap(),
                        )
                        .into_script();
                }
                common::consensus_check(&tx, &spend.output);
                signed += 1;
            }
            // One key short of the threshold.
            let r = message::sign_script(
                &spk(addr),
                &script,
                &keys[1..],
                msg,
                message::Encoding::Full,
            );
            assert!(r.is_err(), "{ty}: signed with too few keys");
            // The script of another address.
            assert_eq!(
                message::sign_script(
                    &spk("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"),
                    &script,
                    &keys,
                    msg,
                    message::Encoding::Full
                ),
                Err(MessageError::KeyMismatch)
            );
        }
    }
    // basic: p2wsh 3-of-3 (2); generated simple: p2wsh 2-of-2, 3-of-3 (4); generated full:
    // p2wsh 2-of-2, 3-of-3, p2sh-p2wsh 2-of-2 (6), p2sh 2-of-2 (1).
    assert_eq!(signed, 2 + 4 + 6 + 1);
}
