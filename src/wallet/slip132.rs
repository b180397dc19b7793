//! SLIP-132 extended public keys (ypub/zpub/Ypub/Zpub on mainnet, upub/vpub/Upub/Vpub on test
//! networks), as Electrum and Sparrow export them, rewritten to the xpub/tpub that output
//! descriptors use. The script type comes from the descriptor, so only the network is kept.
use bitcoin::base58;

const XPUB: [u8; 4] = [0x04, 0x88, 0xb2, 0x1e];
const TPUB: [u8; 4] = [0x04, 0x35, 0x87, 0xcf];

/// Prefix, version bytes, and the standard version they map to.
const SLIP132: [(&str, [u8; 4], [u8; 4]); 8] = [
    ("ypub", [0x04, 0x9d, 0x7c, 0xb2], XPUB),
    ("Ypub", [0x02, 0x95, 0xb4, 0x3f], XPUB),
    ("zpub", [0x04, 0xb2, 0x47, 0x46], XPUB),
    ("Zpub", [0x02, 0xaa, 0x7e, 0xd3], XPUB),
    ("upub", [0x04, 0x4a, 0x52, 0x62], TPUB),
    ("Upub", [0x02, 0x42, 0x89, 0xef], TPUB),
    ("vpub", [0x04, 0x5f, 0x1c, 0xf6], TPUB),
    ("Vpub", [0x02, 0x57, 0x54, 0x83], TPUB),
];

fn is_base58(c: char) -> bool {
    c.is_ascii_alphanumeric() && !matches!(c, '0' | 'O' | 'I' | 'l')
}

/// Rewrite every SLIP-132 key in `text` to xpub/tpub. Returns the new text and the prefixes that
/// were rewritten (empty when nothing changed). Anything that does not decode is left as it is,
/// for the descriptor parser to report.
pub fn normalize(text: &str) -> (String, Vec<&'static str>) {
    let mut out = String::with_capacity(text.len());
    let mut seen = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let starts_word = !out.chars().next_back().is_some_and(is_base58);
        let end = rest.find(|c: char| !is_base58(c)).unwrap_or(rest.len());
        let token = &rest[..end];
        let hit = SLIP132
            .iter()
            .find(|(p, _, _)| starts_word && token.starts_with(p));
        if let Some((prefix, version, standard)) = hit {
            if let Ok(mut raw) = base58::decode_check(token) {
                if raw.len() == 78 && raw[..4] == version[..] {
                    raw[..4].copy_from_slice(standard);
                    out.push_str(&base58::encode_check(&raw));
                    seen.push(*prefix);
                    rest = &rest[end..];
                    continue;
                }
            }
        }
        if end > 0 {
            out.push_str(token);
            rest = &rest[end..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    (out, seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TPUB_KEY: &str = "tpubDC8msFGeGuwnKG9Upg7DM2b4DaRqg3CUZa5g8v2SRQ6K4NSkxUgd7HsL2XVWbVm39yBA4LAxysQAm397zwQSQoQgewGiYZqrA9DsP4zbQ1M";

    fn with_version(key: &str, v: [u8; 4]) -> String {
        let mut raw = base58::decode_check(key).unwrap();
        raw[..4].copy_from_slice(&v);
        base58::encode_check(&raw)
    }

    #[test]
    fn vpub_becomes_tpub_and_other_text_is_kept() {
        let vpub = with_version(TPUB_KEY, SLIP132[6].1);
        assert!(vpub.starts_with("vpub"));
        let (s, seen) = normalize(&format!("wpkh([73c5da0a/84'/1'/0']{vpub}/<0;1>/*)"));
        assert_eq!(s, format!("wpkh([73c5da0a/84'/1'/0']{TPUB_KEY}/<0;1>/*)"));
        assert_eq!(seen, ["vpub"]);
        let plain = format!("wpkh({TPUB_KEY}/0/*)");
        assert_eq!(normalize(&plain), (plain.clone(), vec![]));
        // A bad checksum is left for the descriptor parser to report.
        let broken = format!("wpkh({}x/0/*)", &vpub[..vpub.len() - 1]);
        assert_eq!(normalize(&broken).0, broken);
    }
}
