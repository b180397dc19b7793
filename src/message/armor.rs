//! The armored form of a signed message, as Coldcard (and Electrum, Sparrow) write it:
//!
//! ```text
//! -----BEGIN BITCOIN SIGNED MESSAGE-----
//! hello world
//! -----BEGIN BITCOIN SIGNATURE-----
//! bc1q…
//! H…base64…=
//! -----END BITCOIN SIGNATURE-----
//! ```
//!
//! The message is every byte between the first marker's line and the newline before the second
//! marker. Blank lines between the address and the signature (some tools write one) are ignored.
use super::MessageError;

/// The first marker.
pub const BEGIN_MESSAGE: &str = "-----BEGIN BITCOIN SIGNED MESSAGE-----";
/// The second marker.
pub const BEGIN_SIGNATURE: &str = "-----BEGIN BITCOIN SIGNATURE-----";
/// The last marker.
pub const END_SIGNATURE: &str = "-----END BITCOIN SIGNATURE-----";
/// The longest armored block read.
pub const MAX_ARMOR_BYTES: usize = 256 * 1024;

/// A signed message with its address and signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Armored {
    /// The message bytes.
    pub message: Vec<u8>,
    /// The address (untrusted text).
    pub address: String,
    /// The signature text (base64, maybe with a BIP322 prefix).
    pub signature: String,
}

impl Armored {
    /// The armored text, ending in a newline.
    pub fn to_text(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.message.len() + 256);
        out.extend_from_slice(BEGIN_MESSAGE.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(&self.message);
        out.push(b'\n');
        for line in [
            BEGIN_SIGNATURE,
            &self.address,
            &self.signature,
            END_SIGNATURE,
        ] {
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
        out
    }

    /// Read an armored block (text before the first marker and after the last is ignored).
    pub fn parse(text: &[u8]) -> Result<Armored, MessageError> {
        let bad = MessageError::Armor;
        if text.len() > MAX_ARMOR_BYTES {
            return Err(bad("longer than 256 KiB"));
        }
        let begin = find(text, BEGIN_MESSAGE.as_bytes())
            .ok_or(bad("no -----BEGIN BITCOIN SIGNED MESSAGE----- line"))?;
        let after_begin = &text[begin + BEGIN_MESSAGE.len()..];
        let after_begin = strip_newline(after_begin).ok_or(bad(
            "the BEGIN BITCOIN SIGNED MESSAGE marker is not alone on its line",
        ))?;
        let sig_at = find(after_begin, BEGIN_SIGNATURE.as_bytes())
            .ok_or(bad("no -----BEGIN BITCOIN SIGNATURE----- line"))?;
        let mut message = &after_begin[..sig_at];
        // The newline that ends the message's last line is not part of the message.
        message = message
            .strip_suffix(b"\r\n")
            .or_else(|| message.strip_suffix(b"\n"))
            .ok_or(bad(
                "the BEGIN BITCOIN SIGNATURE marker does not start a line",
            ))?;
        let rest = &after_begin[sig_at + BEGIN_SIGNATURE.len()..];
        let end = find(rest, END_SIGNATURE.as_bytes())
            .ok_or(bad("no -----END BITCOIN SIGNATURE----- line"))?;
        let body = std::str::from_utf8(&rest[..end])
            .map_err(|_| bad("the address and signature are not text"))?;
        let mut lines = body
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("Version:"));
        let address = lines
            .next()
            .ok_or(bad("no address after BEGIN BITCOIN SIGNATURE"))?
            .to_owned();
        let signature: String = lines.collect::<Vec<_>>().join("");
        if signature.is_empty() {
            return Err(bad("no signature after the address"));
        }
        Ok(Armored {
            message: message.to_vec(),
            address,
            signature,
        })
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn strip_newline(b: &[u8]) -> Option<&[u8]> {
    b.strip_prefix(b"\r\n").or_else(|| b.strip_prefix(b"\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tolerated_variants() {
        let a = Armored {
            message: b"hello world".to_vec(),
            address: "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu".into(),
            signature: "J1ONhTVaAR3XVHy6l4m5TsmPTdmWAcv9n4o4J+3O7YSZNRcUjhi0H3uQZc5ARnW8xuoCyKT4c4MhJ+69ld+i/kQ=".into(),
        };
        let text = a.to_text();
        assert_eq!(Armored::parse(&text).unwrap(), a);
        // CRLF line ends, a blank line before the signature, text around the block.
        let crlf = String::from_utf8(text.clone())
            .unwrap()
            .replace('\n', "\r\n")
            .replace(&a.signature, &format!("\r\n{}", a.signature));
        let wrapped = format!("Saved by a wallet\r\n{crlf}trailer\r\n");
        assert_eq!(Armored::parse(wrapped.as_bytes()).unwrap(), a);
        // A message of several lines keeps its inner newlines.
        let multi = Armored {
            message: b"line 1\nline 2\n".to_vec(),
            ..a.clone()
        };
        assert_eq!(Armored::parse(&multi.to_text()).unwrap(), multi);
    }

    #[test]
    fn broken_blocks_are_errors() {
        for t in [
            "",
            "hello",
            "-----BEGIN BITCOIN SIGNED MESSAGE-----\nhi\n",
            "-----BEGIN BITCOIN SIGNED MESSAGE-----\nhi\n-----BEGIN BITCOIN SIGNATURE-----\nbc1q\n",
            "-----BEGIN BITCOIN SIGNED MESSAGE-----\nhi\n-----BEGIN BITCOIN SIGNATURE-----\nbc1q\n-----END BITCOIN SIGNATURE-----\n",
            "-----BEGIN BITCOIN SIGNED MESSAGE-----\nhi\n-----BEGIN BITCOIN SIGNATURE-----\n-----END BITCOIN SIGNATURE-----\n",
            "-----BEGIN BITCOIN SIGNED MESSAGE-----hi-----BEGIN BITCOIN SIGNATURE-----\n",
        ] {
            assert!(Armored::parse(t.as_bytes()).is_err(), "{t:?}");
        }
    }
}
