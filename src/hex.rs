//! Lower-case hex, shared by the PSBT, transaction and BBQr code (no crate needed for this).

/// Bytes to lower-case hex.
pub fn encode(b: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// Hex (either case) to bytes; `None` if not hex.
pub fn decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip_and_rejects() {
        assert_eq!(super::decode("00ff10").unwrap(), vec![0, 255, 16]);
        assert_eq!(super::decode("00FF10").unwrap(), vec![0, 255, 16]);
        assert_eq!(super::encode(&[0, 255, 16]), "00ff10");
        assert!(super::decode("0g").is_none());
        assert!(super::decode("abc").is_none());
    }
}
