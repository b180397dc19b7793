//! BIP322 message signatures (`airsign::message`) against the public vectors.
//!
//! Vectors: `fixtures/vectors/bip322-basic.json` and `fixtures/vectors/bip322-generated.json`,
//! copied unchanged from `/work/shared/vectors/` (the team's collection; origin bitcoin/bips
//! `bip-0322/`, commit 7fe0b034, see that folder's README). Every vector is used: message hashes
//! and txids; every simple and full signature verifies (the two time-lock scripts, which are not
//! miniscript, through Bitcoin Core's interpreter); proof of funds fails as `Unsupported`; every
//! error vector fails with the vector's error text. Bitcoin Core's interpreter (bitcoinconsensus) cross-checks the signatures.
mod common;

use airsign::message::{
    decode_signature, message_hash, sign_simple, to_sign, to_spend, verify, verify_address,
    AddressKind, Encoding, MessageError, Proof,
};
use bitcoin::{Address, PrivateKey, ScriptBuf, Witness};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!(
        "{}/fixtures/vectors/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn spk(address: &str) -> ScriptBuf {
    address
        .parse::<Address<bitcoin::address::NetworkUnchecked>>()
        .unwrap()
        .assume_checked()
        .script_pubkey()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap()
}

/// The address kinds this module verifies, by the vectors' `type` names.
fn supported(ty: &str) -> Option<AddressKind> {
    match ty {
        "p2wpkh" => Some(AddressKind::P2wpkh),
        "p2tr" => Some(AddressKind::P2tr),
        "p2sh-p2wpkh" => Some(AddressKind::P2shP2wpkh),
        "p2pkh" => Some(AddressKind::P2pkh),
        // multisig scripts are miniscript; the time-lock scripts (`IF <A> ELSE <n> CSV DROP <B>
        // ENDIF CHECKSIG`) are not, and go to Bitcoin Core's interpreter
        t if t.ends_with("time-lock")
            || t.starts_with("p2wsh-multisig")
            || t.starts_with("p2sh-p2wsh-multisig")
            || t.starts_with("p2sh-multisig") =>
        {
            Some(AddressKind::Script)
        }
        _ => None,
    }
}

#[test]
fn message_hashes_and_txids() {
    let v = load("bip322-basic");
    let vs = v["tx_hashes"].as_array().unwrap();
    assert_eq!(vs.len(), 3);
    for t in vs {
        let msg = s(t, "message").as_bytes();
        assert_eq!(hex(&message_hash(msg)), s(t, "message_hash"));
        let spend = to_spend(&spk(s(t, "address")), msg);
        assert_eq!(spend.compute_txid().to_string(), s(t, "to_spend_tx_hash"));
        let sign = to_sign(spend.compute_txid(), Witness::new());
        assert_eq!(sign.compute_txid().to_string(), s(t, "to_sign_tx_hash"));
    }
}

/// Verify every signature of one category; returns (verified, unsupported).
fn check_category(file: &str, cat: &str, encoding: Encoding) -> (usize, usize) {
    let v = load(file);
    let (mut ok, mut unsupported) = (0, 0);
    for t in v[cat].as_array().unwrap() {
        let ty = s(t, "type");
        for sig in t["bip322_signatures"].as_array().unwrap() {
            let r = verify_address(
                s(t, "address"),
                s(t, "message").as_bytes(),
                sig.as_str().unwrap(),
            );
            match (supported(ty), r) {
                (Some(kind), Ok(got)) => {
                    assert_eq!(got.kind, kind, "{file} {cat} {ty}");
                    assert_eq!(got.encoding, encoding, "{file} {cat} {ty}");
                    ok += 1;
                }
                (None, Err(MessageError::Unsupported(_))) => unsupported += 1,
                (_, r) => panic!("{file} {cat} {ty}: {r:?}"),
            }
        }
    }
    eprintln!("{file} {cat}: {ok} verified, {unsupported} unsupported");
    (ok, unsupported)
}

#[test]
fn simple_signatures_verify() {
    // basic: p2wpkh ×2 messages × 2 signatures, p2wsh 3-of-3, p2tr without prefix.
    assert_eq!(
        check_category("bip322-basic", "simple", Encoding::Simple),
        (6, 0)
    );
    // generated: p2wpkh, p2tr, p2wsh 2-of-2 and 3-of-3.
    assert_eq!(
        check_category("bip322-generated", "simple", Encoding::Simple),
        (4, 0)
    );
}

#[test]
fn full_signatures_verify() {
    // p2pkh, p2wpkh, p2tr, p2sh-p2wpkh, p2wsh 2-of-2 and 3-of-3, p2sh-p2wsh 2-of-2, p2sh 2-of-2,
    // and p2tr-time-lock (script path) and p2wsh-time-lock, which are not miniscript, through
    // Bitcoin Core's interpreter.
    assert_eq!(
        check_category("bip322-generated", "full", Encoding::Full),
        (10, 0)
    );
}

/// Proof of funds: every vector verifies (each input a valid spend for Bitcoin Core's
/// interpreter; whether the coins exist is not checked), and with another message it does not.
#[test]
fn proof_of_funds_vectors_verify() {
    let v = load("bip322-generated");
    let vs = v["proof_of_funds"].as_array().unwrap();
    assert_eq!(vs.len(), 3);
    for t in vs {
        for sig in t["bip322_signatures"].as_array().unwrap() {
            let sig = sig.as_str().unwrap();
            let got = verify_address(s(t, "address"), s(t, "message").as_bytes(), sig)
                .unwrap_or_else(|e| panic!("{}: {e}", s(t, "type")));
            assert_eq!(got.encoding, Encoding::ProofOfFunds);
            let r = verify_address(s(t, "address"), b"another message", sig);
            assert!(matches!(r, Err(MessageError::Invalid(_))), "{r:?}");
        }
    }
}

#[test]
fn error_vectors_fail() {
    let mut with_text = 0;
    let mut unsupported = 0;
    for file in ["bip322-basic", "bip322-generated"] {
        let v = load(file);
        for t in v["error"].as_array().unwrap() {
            let r = verify_address(
                s(t, "address"),
                s(t, "message").as_bytes(),
                s(t, "signature"),
            );
            match r {
                Ok(_) => panic!("{file}: {} verified", s(t, "description")),
                Err(MessageError::Unsupported(_)) => unsupported += 1,
                Err(e) => {
                    assert!(
                        e.to_string().contains(s(t, "error_substr")),
                        "{file}: {}: {e}",
                        s(t, "description")
                    );
                    with_text += 1;
                }
            }
        }
    }
    eprintln!("error vectors: {with_text} with the expected text, {unsupported} unsupported type");
    assert_eq!((with_text, unsupported), (36, 0));
}

fn key(wif: &str) -> bitcoin::secp256k1::SecretKey {
    PrivateKey::from_wif(wif).unwrap().inner
}

/// A simple P2WPKH witness whose ECDSA `r` fits 32 bytes (what low-R grinding makes).
fn low_r(b64: &str) -> bool {
    use bitcoin::base64::Engine as _;
    let w = bitcoin::base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    // count, item length, 0x30, DER length, 0x02, r length
    w[5] <= 0x20
}

/// Every single-key P2WPKH / P2TR vector (simple and full): sign with its key, our signature
/// verifies; for P2WPKH (RFC6979, low-R) it is byte-for-byte the vector's signature when the vector\n/// has a low-R one (bip322-basic; bip322-generated's are high-R, made without grinding).
#[test]
fn own_signatures_verify_and_match() {
    let (mut signed, mut identical) = (0, 0);
    for (file, cat) in [
        ("bip322-basic", "simple"),
        ("bip322-generated", "simple"),
        ("bip322-generated", "full"),
    ] {
        let v = load(file);
        for t in v[cat].as_array().unwrap() {
            let ty = s(t, "type");
            if ty != "p2wpkh" && ty != "p2tr" {
                continue;
            }
            let (addr, msg) = (s(t, "address"), s(t, "message").as_bytes());
            let sig = sign_simple(
                &spk(addr),
                &key(t["private_keys"][0].as_str().unwrap()),
                msg,
            );
            let sig = sig.unwrap();
            let got = verify_address(addr, msg, &sig).unwrap();
            assert_eq!(got.encoding, Encoding::Simple);
            signed += 1;
            if ty == "p2wpkh" && cat == "simple" {
                let theirs: Vec<&str> = t["bip322_signatures"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().trim_start_matches("smp"))
                    .filter(|x| low_r(x))
                    .collect();
                if theirs.is_empty() {
                    continue; // the vector's only signature is high-R: made without grinding
                }
                assert!(
                    theirs.contains(&sig.as_str()),
                    "{file}: {sig} not in {theirs:?}"
                );
                identical += 1;
            }
        }
    }
    eprintln!("signed {signed}, {identical} byte-identical to the vector");
    assert_eq!((signed, identical), (7, 2));
}

/// The P2WPKH and P2TR keys of bip322-generated's simple vectors.
fn wpkh_and_tr() -> [(String, bitcoin::secp256k1::SecretKey); 2] {
    let v = load("bip322-generated");
    let simple = v["simple"].as_array().unwrap();
    let pick = |ty: &str| {
        let t = simple.iter().find(|t| s(t, "type") == ty).unwrap();
        (
            s(t, "address").to_string(),
            key(t["private_keys"][0].as_str().unwrap()),
        )
    };
    [pick("p2wpkh"), pick("p2tr")]
}

#[test]
fn tampered_message_and_wrong_address_fail() {
    let [(wpkh, wk), (tr, tk)] = wpkh_and_tr();
    for (addr, k, other) in [(&wpkh, wk, &tr), (&tr, tk, &wpkh)] {
        let sig = sign_simple(&spk(addr), &k, b"approve bundle 1234").unwrap();
        assert!(verify_address(addr, b"approve bundle 1234", &sig).is_ok());
        for msg in [&b"approve bundle 1235"[..], b"", b"approve bundle 1234 "] {
            let e = verify_address(addr, msg, &sig).unwrap_err();
            assert!(matches!(e, MessageError::Invalid(_)), "{e}");
        }
        // the other key type's address, and another address of the same type
        assert!(matches!(
            verify_address(other, b"approve bundle 1234", &sig),
            Err(MessageError::Invalid(_))
        ));
        let elsewhere = if addr == &wpkh {
            "bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l"
        } else {
            "bc1pss0zhytly75awhm6x2hhvd5lnzv3vssgrf9axfheq8ldyzn88ges79fler"
        };
        assert!(matches!(
            verify_address(elsewhere, b"approve bundle 1234", &sig),
            Err(MessageError::Invalid(_))
        ));
        // the wrong key for the address
        let other_key = if k == wk { tk } else { wk };
        assert_eq!(
            sign_simple(&spk(addr), &other_key, b"x"),
            Err(MessageError::KeyMismatch)
        );
    }
    // an address type we cannot sign for
    let p2pkh = spk("13vU5PUSuArDXJdCWZvUFEbgJ2wcmtSJWn");
    assert!(matches!(
        sign_simple(&p2pkh, &wk, b"x"),
        Err(MessageError::Unsupported(_))
    ));
}

#[test]
fn garbage_fails_cleanly() {
    let [(wpkh, wk), (tr, _)] = wpkh_and_tr();
    let good = sign_simple(&spk(&wpkh), &wk, b"m").unwrap();
    let mut cases: Vec<String> = [
        "",
        " ",
        "smp",
        "ful",
        "pof",
        "pofAA==",
        "====",
        "smp====",
        "ful!!!",
        "\u{1b}[2J",
        "AA",
        "AAA=",
        "/////w==",
        "fulAAAAAA==",
        "smp\u{0}",
        "A",
        "smpA",
    ]
    .iter()
    .map(|x| x.to_string())
    .collect();
    // every truncation of a good signature, and each single-character substitution
    for i in 0..good.len() {
        cases.push(good[..i].to_string());
        let mut b = good.clone().into_bytes();
        b[i] = if b[i] == b'A' { b'B' } else { b'A' };
        cases.push(String::from_utf8(b).unwrap());
    }
    // pseudo-random base64 blobs, raw and prefixed
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for n in 0..400 {
        let bytes: Vec<u8> = (0..(n % 120))
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        use bitcoin::base64::Engine as _;
        let b = bitcoin::base64::engine::general_purpose::STANDARD.encode(&bytes);
        cases.push(format!("{}{b}", ["", "smp", "ful"][n % 3]));
    }
    for c in &cases {
        for addr in [
            wpkh.as_str(),
            tr.as_str(),
            "32Utb7Seg6EXq7UesMNJXhQ1gdohYNyzQ9",
            "bc1qp0ahvfh83088w49k405szqgg4f3pptr7p2g06tdxfjcd40z4lh4q95lsz9",
            "3Nye4j1GUFqCEBR3do2KEFZAs9oLe8NZ6X",
            "bc1p6vffkx7vcyezrjq7pg9qqdjv7vmtanfhk8ukwsn4syejwmarmhxqp0rw5x",
        ] {
            if c == &good && addr == wpkh {
                continue;
            }
            assert!(verify_address(addr, b"m", c).is_err(), "{addr} {c:?}");
        }
    }
    for addr in [
        "",
        "bc1",
        "not an address",
        "bc1qqqqqqqqqqqqqqqqqqqqqqq",
        "1111",
    ] {
        assert!(matches!(
            verify_address(addr, b"m", &good),
            Err(MessageError::Address(_))
        ));
    }
    // bare script types this module does not handle
    let op_return = ScriptBuf::new_op_return([1u8, 2, 3]);
    assert!(matches!(
        verify(&op_return, b"m", &good),
        Err(MessageError::Unsupported(_))
    ));
    assert_eq!(
        verify_address(&wpkh, b"m", "").unwrap_err().to_string(),
        "signature too short: it is empty"
    );
}

/// Bitcoin Core's interpreter (bitcoinconsensus) agrees: every vector signature, of every type,
/// and our own signatures are valid spends of `to_spend` — an independent check of the sighash
/// and witness rules this module implements.
#[test]
fn bitcoin_core_accepts_vector_and_own_signatures() {
    let core = |addr: &str, msg: &[u8], sig: &str| {
        let spend = to_spend(&spk(addr), msg);
        let tx = match decode_signature(sig).unwrap() {
            Proof::Simple(w) => to_sign(spend.compute_txid(), w),
            Proof::Full(tx) => tx,
            Proof::Funds(..) => panic!("no proof of funds in these categories"),
        };
        common::consensus_check(&tx, &spend.output);
    };
    let mut n = 0;
    for (file, cat) in [
        ("bip322-basic", "simple"),
        ("bip322-generated", "simple"),
        ("bip322-generated", "full"),
    ] {
        let v = load(file);
        for t in v[cat].as_array().unwrap() {
            for sig in t["bip322_signatures"].as_array().unwrap() {
                core(
                    s(t, "address"),
                    s(t, "message").as_bytes(),
                    sig.as_str().unwrap(),
                );
                n += 1;
            }
        }
    }
    for (addr, k) in wpkh_and_tr() {
        core(&addr, b"m", &sign_simple(&spk(&addr), &k, b"m").unwrap());
        n += 1;
    }
    eprintln!("{n} signatures valid for Bitcoin Core's interpreter");
    assert_eq!(n, 6 + 4 + 10 + 2);
}

/// A multisig signature with one signature missing, swapped or corrupted is invalid, not
/// unsupported (miniscript's interpreter path).
#[test]
fn damaged_multisig_fails() {
    use bitcoin::base64::Engine as _;
    let v = load("bip322-basic");
    let t = v["simple"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| s(t, "type") == "p2wsh-multisig-3of3")
        .unwrap();
    let (addr, msg) = (s(t, "address"), s(t, "message").as_bytes());
    let Proof::Simple(w) = decode_signature(t["bip322_signatures"][0].as_str().unwrap()).unwrap()
    else {
        panic!("simple")
    };
    let items = w.to_vec(); // [dummy, sig1, sig2, sig3, script]
    assert_eq!(items.len(), 5);
    let encode = |items: &[Vec<u8>]| {
        bitcoin::base64::engine::general_purpose::STANDARD.encode(
            bitcoin::consensus::encode::serialize(&Witness::from_slice(items)),
        )
    };
    assert!(verify_address(addr, msg, &encode(&items)).is_ok());
    let mut damaged = Vec::new();
    let mut x = items.clone();
    x[2] = Vec::new(); // a missing signature
    damaged.push(x);
    let mut x = items.clone();
    x.swap(1, 2); // signatures out of order
    damaged.push(x);
    let mut x = items.clone();
    x[3][10] ^= 1; // a corrupted signature
    damaged.push(x);
    let mut x = items.clone();
    x.remove(0); // no dummy element
    damaged.push(x);
    for d in damaged {
        let e = verify_address(addr, msg, &encode(&d)).unwrap_err();
        assert!(matches!(e, MessageError::Invalid(_)), "{e}");
    }
}

#[test]
fn wrapped_signature_text_still_verifies() {
    let [(wpkh, wk), _] = wpkh_and_tr();
    let sig = sign_simple(&spk(&wpkh), &wk, b"m").unwrap();
    let wrapped = format!(" smp{}\r\n{} \n", &sig[..40], &sig[40..]);
    assert!(verify_address(&wpkh, b"m", &wrapped).is_ok());
    let huge = "A".repeat(airsign::message::MAX_SIGNATURE_CHARS + 4);
    assert!(matches!(
        verify_address(&wpkh, b"m", &huge),
        Err(MessageError::TooLong(_))
    ));
}
