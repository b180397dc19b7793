//! The one-frame message-signing request SeedSigner and Jade read from a QR code:
//! `signmessage m/84h/0h/0h/0/0 ascii:hello world` (`h` or `'` for hardened steps). The message
//! is everything after `ascii:`, spaces included; one trailing newline (from a text file) is
//! dropped.
use bitcoin::bip32::DerivationPath;

use super::MessageError;

/// The longest request read (SeedSigner's own limit is far below this).
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// A parsed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignRequest {
    /// The key's path from the master.
    pub path: DerivationPath,
    /// The message bytes (ASCII).
    pub message: Vec<u8>,
}

/// Whether `payload` starts like a signing request.
pub fn is_request(payload: &[u8]) -> bool {
    payload.starts_with(b"signmessage ")
}

/// Parse `signmessage PATH ascii:MESSAGE`.
pub fn parse(payload: &[u8]) -> Result<SignRequest, MessageError> {
    let bad = MessageError::Request;
    if payload.len() > MAX_REQUEST_BYTES {
        return Err(bad("longer than 64 KiB"));
    }
    let text = std::str::from_utf8(payload).map_err(|_| bad("not text"))?;
    let text = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text);
    let rest = text
        .strip_prefix("signmessage ")
        .ok_or(bad("it does not start with `signmessage `"))?;
    let (path, message) = rest
        .split_once(' ')
        .ok_or(bad("expected `signmessage PATH ascii:MESSAGE`"))?;
    let message = message
        .strip_prefix("ascii:")
        .ok_or(bad("only `ascii:` messages are supported"))?;
    if !message.is_ascii() {
        return Err(bad("an `ascii:` message has a non-ASCII character"));
    }
    let path: DerivationPath = path
        .parse()
        .map_err(|_| bad("the path is not a derivation path like m/84h/0h/0h/0/0"))?;
    Ok(SignRequest {
        path,
        message: message.as_bytes().to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seedsigner_request_parses() {
        let r = parse(b"signmessage m/84h/0h/0h/0/0 ascii:hello world\n").unwrap();
        assert_eq!(r.path.to_string(), "84'/0'/0'/0/0");
        assert_eq!(r.message, b"hello world");
        let r = parse(b"signmessage m/44'/1'/0'/1/7 ascii:").unwrap();
        assert_eq!(r.path.to_string(), "44'/1'/0'/1/7");
        assert!(r.message.is_empty());
        assert!(is_request(b"signmessage x"));
    }

    #[test]
    fn malformed_requests_are_errors() {
        for t in [
            &b""[..],
            b"signmessage",
            b"signmessage m/84h/0h/0h/0/0",
            b"signmessage m/84h/0h/0h/0/0 hello",
            b"signmessage m/84x/0 ascii:hi",
            b"signmessage m/84h/0h/0h/0/0 ascii:h\xc3\xa9",
            b"signmessage m/84h/0h/0h/0/0 ascii:\xff",
            b"sign m/84h ascii:x",
        ] {
            assert!(parse(t).is_err(), "{t:?}");
        }
    }
}
