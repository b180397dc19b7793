//! BSMS (BIP129) against every vector in the BIP, read from the BIP's own text
//! (fixtures/vectors/bip129-vectors.mediawiki, copied verbatim from bitcoin/bips
//! bip-0129.mediawiki, section "Test Vectors", commit 7fe0b034): tokens in hex and decimal,
//! encryption keys, HMAC keys, round 1 key records (parsed, signature verified, and re-signed
//! from the published private key byte for byte), round 2 descriptor records (first address
//! checked), and every encrypted `.dat` (decrypted to the plaintext record, and encrypted back
//! byte for byte).
use std::collections::BTreeMap;

use airsign::wallet::formats::bsms::{self, DescriptorRecord, KeyRecord, Signed, Token};
use bitcoin::hashes::{sha256, Hash};
use bitcoin::Network;

/// One `<tt>NAME</tt>` file of the vectors, with where it appears.
#[derive(Debug, Clone)]
struct FileVector {
    mode: String,
    /// Signer the file belongs to (or is sent to); 0 for the coordinator.
    signer: u32,
    name: String,
    text: String,
}

#[derive(Debug, Default)]
struct Mode {
    /// Token hex by signer (0 = the one shared token).
    tokens: BTreeMap<u32, String>,
    decimal: BTreeMap<u32, String>,
    encryption_key: BTreeMap<u32, String>,
    wif: BTreeMap<u32, String>,
    /// (signer, HMAC_KEY, MAC, IV, CIPHERTEXT) of each encryption block, in order.
    encryptions: Vec<(u32, String, String, String, String)>,
}

fn after(line: &str, marker: &str) -> Option<String> {
    line.find(marker)
        .map(|i| line[i + marker.len()..].trim().to_string())
}

fn signer_of(line: &str) -> Option<u32> {
    let i = line.find("Signer ")?;
    line[i + 7..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

fn parse() -> (BTreeMap<String, Mode>, Vec<FileVector>) {
    let text = std::fs::read_to_string(format!(
        "{}/fixtures/vectors/bip129-vectors.mediawiki",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut modes: BTreeMap<String, Mode> = BTreeMap::new();
    let mut files = Vec::new();
    let mut mode = String::new();
    let mut signer = 0u32;
    let mut last_token = 0u32;
    let mut enc: Option<(u32, [String; 4])> = None;
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let l = line.trim();
        if let Some(m) = after(l, "===Mode: ") {
            mode = m
                .trim_end_matches('=')
                .replace("<tt>", "")
                .replace("</tt>", "");
            modes.entry(mode.clone()).or_default();
            continue;
        }
        let Some(md) = modes.get_mut(&mode) else {
            continue;
        };
        if l.starts_with("* ") || l.starts_with("*C") {
            signer = if l.contains("Coordinator") {
                0
            } else {
                signer_of(l).unwrap_or(0)
            };
        }
        if let Some(t) = after(l, "(hex):").filter(|_| l.starts_with("** TOKEN")) {
            last_token = if l.contains("for Signer") {
                signer_of(l).unwrap()
            } else {
                0
            };
            md.tokens.insert(last_token, t);
        } else if let Some(t) = after(l, "** TOKEN:") {
            last_token = 0;
            md.tokens.insert(0, t.trim_start_matches("0x").to_string());
        } else if let Some(t) = after(l, "TOKEN (decimal):") {
            md.decimal.insert(last_token, t);
        } else if let Some(k) = after(l, "ENCRYPTION_KEY (hex):") {
            md.encryption_key.insert(last_token, k);
        } else if l.contains("PRIVATE_KEY") {
            md.wif
                .insert(signer, l.rsplit(' ').next().unwrap().to_string());
        }
        for (i, marker) in [
            "HMAC_KEY (hex):",
            "MAC (hex):",
            "IV (hex) :",
            "CIPHERTEXT (hex):",
        ]
        .iter()
        .enumerate()
        {
            if let Some(v) = after(l, marker).filter(|_| !(i == 1 && l.contains("HMAC"))) {
                let e = enc.get_or_insert((signer, Default::default()));
                e.1[i] = v;
                if i == 3 {
                    let (s, [h, m, iv, c]) = enc.take().unwrap();
                    md.encryptions.push((s, h, m, iv, c));
                }
            }
        }
        if let Some(rest) = after(l, "<tt>") {
            let name = rest.split("</tt>").next().unwrap().to_string();
            let body = if let Some(inline) = after(l, "<pre>") {
                inline.trim_end_matches("</pre>").to_string()
            } else {
                let mut v = Vec::new();
                let first = lines.next().unwrap();
                v.push(first.trim_start_matches("<pre>").to_string());
                for more in lines.by_ref() {
                    if let Some(end) = more.strip_suffix("</pre>") {
                        v.push(end.to_string());
                        break;
                    }
                    v.push(more.to_string());
                }
                v.join("\n")
            };
            let owner = if name.contains("for_signer_") {
                signer_of(&name.replace("for_signer_", "Signer ")).unwrap()
            } else {
                signer
            };
            files.push(FileVector {
                mode: mode.clone(),
                signer: owner,
                name,
                text: body,
            });
        }
    }
    (modes, files)
}

fn token_for(m: &Mode, signer: u32) -> Token {
    let hex = m
        .tokens
        .get(&signer)
        .or_else(|| m.tokens.get(&0))
        .unwrap_or_else(|| panic!("no token for signer {signer} in {m:?}"));
    Token::parse(hex).unwrap()
}

#[test]
fn tokens_and_keys() {
    let (modes, _) = parse();
    assert_eq!(
        modes.keys().collect::<Vec<_>>(),
        [
            "EXTENDED Encryption",
            "NO_ENCRYPTION",
            "NO_ENCRYPTION with Public Keys",
            "STANDARD Encryption"
        ]
    );
    let mut checked = 0;
    for (name, m) in &modes {
        for (who, hex) in &m.tokens {
            let t = Token::parse(hex).unwrap();
            assert_eq!(t.hex(), *hex, "{name} token {who}");
            if let Some(d) = m.decimal.get(who) {
                assert_eq!(Token::parse(d).unwrap(), t, "{name} decimal token {who}");
                checked += 1;
            }
            if let Some(k) = m.encryption_key.get(who) {
                assert_eq!(
                    airsign::hex::encode(&t.encryption_key()[..]),
                    *k,
                    "{name} ENCRYPTION_KEY {who}"
                );
                checked += 1;
            }
        }
        for (who, h, mac, iv, ct) in &m.encryptions {
            let key = token_for(m, *who).encryption_key();
            let hmac_key = sha256::Hash::hash(&key[..]);
            assert_eq!(
                airsign::hex::encode(hmac_key.as_byte_array()),
                *h,
                "{name} HMAC_KEY"
            );
            assert_eq!(&mac[..32], iv, "{name} IV is the MAC's first 16 bytes");
            assert!(!ct.is_empty());
            checked += 1;
        }
    }
    // 1 + 3 decimal tokens, 1 + 3 encryption keys, 2 + 1 + 3 + 3 encryption blocks.
    assert_eq!(checked, 17);
}

#[test]
fn round_1_key_records() {
    let (modes, files) = parse();
    let records: Vec<&FileVector> = files
        .iter()
        .filter(|f| f.name.ends_with("_key.bsms"))
        .collect();
    assert_eq!(records.len(), 9);
    for f in records {
        let r = KeyRecord::parse(&f.text).unwrap_or_else(|e| panic!("{f:?}: {e}"));
        assert_eq!(r.render(), f.text, "{} {}", f.mode, f.name);
        assert_eq!(
            r.verify().unwrap(),
            Signed::Verified,
            "{} {}",
            f.mode,
            f.name
        );
        assert_eq!(r.token, token_for(&modes[&f.mode], f.signer));
        // Re-signed with the published private key: the same signature, byte for byte.
        let wif = &modes[&f.mode].wif[&f.signer];
        let key = bitcoin::PrivateKey::from_wif(wif).unwrap();
        assert_eq!(
            Some(airsign::message::legacy::sign(&key.inner, &r.message())),
            r.signature,
            "{} {}",
            f.mode,
            f.name
        );
        // Any change to the signed lines breaks the signature.
        let mut forged = r.clone();
        forged.description.push('!');
        assert!(forged.verify().is_err());
    }
}

#[test]
fn round_2_descriptor_records() {
    let (_, files) = parse();
    let records: Vec<&FileVector> = files
        .iter()
        .filter(|f| f.name == "my_multisig_wallet.bsms")
        .collect();
    assert_eq!(records.len(), 4);
    for f in records {
        let r = DescriptorRecord::parse(&f.text).unwrap();
        assert_eq!(r.render(), f.text, "{}", f.mode);
        assert_eq!(
            r.check_first_address().unwrap(),
            [Network::Bitcoin],
            "{}",
            f.mode
        );
        let mut wrong = r.clone();
        wrong.first_address =
            "bc1qrgc6p3kylfztu06ysl752gwwuekhvtfh9vr7zg43jvu60mutamcsv948ej".into();
        if wrong.first_address != r.first_address {
            assert!(matches!(
                wrong.check_first_address(),
                Err(bsms::BsmsError::AddressMismatch { .. })
            ));
        }
    }
}

#[test]
fn every_encrypted_file_decrypts_to_its_record_and_encrypts_back() {
    let (modes, files) = parse();
    let dats: Vec<&FileVector> = files.iter().filter(|f| f.name.ends_with(".dat")).collect();
    assert_eq!(dats.len(), 9);
    for f in dats {
        let m = &modes[&f.mode];
        let token = token_for(m, f.signer);
        let plain_name = if f.name.starts_with("my_multisig_wallet") {
            "my_multisig_wallet.bsms".to_string()
        } else {
            f.name.replace(".dat", ".bsms")
        };
        let plain = files
            .iter()
            .find(|p| {
                p.mode == f.mode && p.name == plain_name && (p.signer == f.signer || p.signer == 0)
            })
            .unwrap_or_else(|| panic!("no plaintext for {} {}", f.mode, f.name));
        assert_eq!(
            bsms::decrypt(&token, &f.text).unwrap(),
            plain.text,
            "{} {}",
            f.mode,
            f.name
        );
        assert_eq!(
            bsms::encrypt(&token, &plain.text).unwrap(),
            f.text,
            "{} {}",
            f.mode,
            f.name
        );
        // Records read through the encrypted path too, with the right token among several.
        let all: Vec<Token> = m
            .tokens
            .values()
            .map(|t| Token::parse(t).unwrap())
            .collect();
        if plain_name.ends_with("_key.bsms") {
            assert_eq!(
                KeyRecord::parse_any(&f.text, &all).unwrap(),
                KeyRecord::parse(&plain.text).unwrap()
            );
        } else {
            assert_eq!(
                DescriptorRecord::parse_any(&f.text, &all).unwrap(),
                DescriptorRecord::parse(&plain.text).unwrap()
            );
        }
        // Without the token, or with another mode's, it does not open.
        assert!(DescriptorRecord::parse_any(&f.text, &[]).is_err());
        assert!(bsms::decrypt(&Token::parse("0000000000000001").unwrap(), &f.text).is_err());
    }
}
