//! BSMS, Bitcoin Secure Multisig Setup (BIP129): round 1 key records (`BSMS 1.0` / TOKEN /
//! `[origin]KEY` / description / legacy signature by KEY), round 2 descriptor records (`BSMS 1.0`
//! / descriptor or `/**` template / path restrictions / first address), and their encryption:
//! ENCRYPTION_KEY = PBKDF2-HMAC-SHA512("No SPOF", salt = TOKEN, 2048 rounds, 32 bytes), MAC =
//! HMAC-SHA256(SHA256(ENCRYPTION_KEY), hex(TOKEN) ‖ record), IV = MAC[..16], AES-256-CTR, file =
//! hex(MAC ‖ ciphertext).
//!
//! Records are lines joined by `\n` with no trailing newline, as in the BIP's vectors; a trailing
//! newline or `\r\n` is accepted when reading. No private key is here: key records are signed by
//! the caller (`signer`) over [`KeyRecord::message`].
use std::str::FromStr;

use aes::cipher::{KeyIvInit, StreamCipher};
use bitcoin::address::NetworkUnchecked;
use bitcoin::bip32::{DerivationPath, Fingerprint, Xpub};
use bitcoin::{Address, Network};
use hmac::{Hmac, Mac};
use miniscript::descriptor::{Descriptor, DescriptorPublicKey};
use sha2::{Digest, Sha256, Sha512};
use zeroize::Zeroizing;

use crate::sanitize::escape;
use crate::wallet::{WalletError, WatchOnly};

/// The only version this code reads and writes.
pub const HEADER: &str = "BSMS 1.0";
/// Path restrictions for receive and change, as BIP129 writes them.
pub const RECEIVE_CHANGE: &str = "/0/*,/1/*";
/// The line that stands for "no path restrictions".
pub const NO_RESTRICTIONS: &str = "No path restrictions";
/// Longest key description (line 4 of a key record).
pub const MAX_DESCRIPTION: usize = 80;
/// Largest record accepted (a 20-key descriptor record is ~2.5 KB; encrypted, twice that).
pub const MAX_RECORD_BYTES: usize = 64 * 1024;

type HmacSha256 = Hmac<Sha256>;
type Aes256Ctr = ctr::Ctr128BE<aes::Aes256>;

/// Why a BSMS record was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BsmsError {
    /// The text is not a BSMS record of the expected shape.
    #[error("not a BSMS record: {0}")]
    Malformed(String),
    /// Another BSMS version.
    #[error("BSMS version \"{0}\" is not supported (this airsign reads and writes BSMS 1.0)")]
    Version(String),
    /// The key record's signature is not its key's.
    #[error("the key record's signature does not verify with its own key {key}: {reason}")]
    BadSignature {
        /// The key line (escaped).
        key: String,
        /// What failed.
        reason: String,
    },
    /// The MAC of an encrypted record does not match: wrong token, or altered data.
    #[error("the encrypted record does not authenticate with this token: a wrong token, or the file was altered")]
    MacMismatch,
    /// The descriptor record's first address is not what its descriptor derives.
    #[error("the record's first address {given} is not its descriptor's first address {derived}")]
    AddressMismatch {
        /// Address in the record (escaped).
        given: String,
        /// Address the descriptor derives.
        derived: String,
    },
    /// The descriptor's checksum does not match.
    #[error("the descriptor's checksum does not match: {0}")]
    Checksum(String),
    /// An encrypted record and no token.
    #[error("the record is encrypted (BSMS STANDARD or EXTENDED mode) and no token was given")]
    NeedsToken,
    /// A token that is not 00, 8 or 16 bytes.
    #[error("not a BSMS token: {0}")]
    BadToken(String),
}

impl From<BsmsError> for WalletError {
    fn from(e: BsmsError) -> Self {
        WalletError::Setup(super::SetupError::Bsms(e))
    }
}

/// A BSMS session token: `00` (no encryption), 8 bytes (STANDARD) or 16 bytes (EXTENDED).
/// Not a key to any coins, but it authenticates the set-up: not printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(Vec<u8>);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Token({} bytes)", self.0.len())
    }
}

impl Token {
    /// The "no encryption" token, `00`.
    pub fn none() -> Self {
        Token(vec![0])
    }

    /// From bytes: 1 zero byte, 8 or 16 bytes.
    pub fn from_bytes(b: &[u8]) -> Result<Self, BsmsError> {
        match b.len() {
            1 if b[0] == 0 => Ok(Token::none()),
            8 | 16 => Ok(Token(b.to_vec())),
            n => Err(BsmsError::BadToken(format!(
                "{n} bytes; a token is 00, 8 bytes (STANDARD) or 16 bytes (EXTENDED)"
            ))),
        }
    }

    /// Parse a token as people carry it: hex (`00`, 16 or 32 digits, optionally `0x…`) or the
    /// BIP's recommended decimal form (up to 2^64−1 is STANDARD, up to 2^128−1 EXTENDED). Like
    /// Sparrow, 16 or 32 hex digits are read as hex even when they are all decimal digits.
    pub fn parse(s: &str) -> Result<Self, BsmsError> {
        let s = s.trim();
        let bad =
            || BsmsError::BadToken("give 00, 16 or 32 hex digits, or the decimal form".into());
        if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
            return Self::from_bytes(&crate::hex::decode(h).ok_or_else(bad)?);
        }
        if s == "00" || s == "0" {
            return Ok(Token::none());
        }
        if matches!(s.len(), 16 | 32) && s.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Self::from_bytes(&crate::hex::decode(s).ok_or_else(bad)?);
        }
        if !s.is_empty() && s.len() <= 39 && s.bytes().all(|c| c.is_ascii_digit()) {
            let n: u128 = s.parse().map_err(|_| bad())?;
            return Ok(match u64::try_from(n) {
                Ok(v) => Token(v.to_be_bytes().to_vec()),
                Err(_) => Token(n.to_be_bytes().to_vec()),
            });
        }
        Err(bad())
    }

    /// Whether this is `00`: records are not encrypted.
    pub fn is_none(&self) -> bool {
        self.0 == [0]
    }

    /// Lower-case hex, as line 2 of a key record and the MAC input carry it.
    pub fn hex(&self) -> String {
        crate::hex::encode(&self.0)
    }

    /// The 32-byte ENCRYPTION_KEY.
    pub fn encryption_key(&self) -> Zeroizing<[u8; 32]> {
        let mut key = Zeroizing::new([0u8; 32]);
        pbkdf2::pbkdf2_hmac::<Sha512>(b"No SPOF", &self.0, 2048, &mut key[..]);
        key
    }

    fn mac(&self, key: &[u8; 32], plaintext: &[u8]) -> HmacSha256 {
        let hmac_key = Zeroizing::new(Sha256::digest(key));
        let mut mac = HmacSha256::new_from_slice(&hmac_key).expect("HMAC takes any key length");
        mac.update(self.hex().as_bytes());
        mac.update(plaintext);
        mac
    }
}

/// Encrypt a record: hex(MAC ‖ AES-256-CTR(record)). Deterministic (the IV is the MAC's head).
pub fn encrypt(token: &Token, record: &str) -> Result<String, BsmsError> {
    if token.is_none() {
        return Err(BsmsError::BadToken(
            "token 00 means no encryption; give an 8- or 16-byte token".into(),
        ));
    }
    let key = token.encryption_key();
    let mac = token.mac(&key, record.as_bytes()).finalize().into_bytes();
    let mut data = record.as_bytes().to_vec();
    Aes256Ctr::new(key[..].into(), mac[..16].into()).apply_keystream(&mut data);
    let mut out = mac.to_vec();
    out.extend_from_slice(&data);
    Ok(crate::hex::encode(&out))
}

/// Whether `text` looks like an encrypted record (hex of at least a MAC and one byte).
pub fn looks_encrypted(text: &str) -> bool {
    let t = text.trim();
    t.len() > 64 && t.len().is_multiple_of(2) && t.bytes().all(|c| c.is_ascii_hexdigit())
}

/// Decrypt and authenticate a record with `token` (the MAC is compared in constant time).
pub fn decrypt(token: &Token, hex: &str) -> Result<String, BsmsError> {
    let t = hex.trim();
    if t.len() > 2 * MAX_RECORD_BYTES {
        return Err(BsmsError::Malformed("larger than any BSMS record".into()));
    }
    let raw = crate::hex::decode(t)
        .filter(|r| r.len() > 32)
        .ok_or_else(|| {
            BsmsError::Malformed("an encrypted record is hex of a MAC and data".into())
        })?;
    if token.is_none() {
        return Err(BsmsError::NeedsToken);
    }
    let (mac, ct) = raw.split_at(32);
    let key = token.encryption_key();
    let mut data = ct.to_vec();
    Aes256Ctr::new(key[..].into(), mac[..16].into()).apply_keystream(&mut data);
    token
        .mac(&key, &data)
        .verify_slice(mac)
        .map_err(|_| BsmsError::MacMismatch)?;
    String::from_utf8(data).map_err(|_| BsmsError::Malformed("the plaintext is not text".into()))
}

/// The lines of a record: `\r\n` or `\n`, trailing empty lines dropped.
fn lines(text: &str) -> Result<Vec<&str>, BsmsError> {
    if text.len() > MAX_RECORD_BYTES {
        return Err(BsmsError::Malformed("larger than any BSMS record".into()));
    }
    let mut v: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    while v.last().is_some_and(|l| l.trim().is_empty()) {
        v.pop();
    }
    match v.first() {
        Some(&HEADER) => Ok(v),
        Some(h) if h.starts_with("BSMS ") => Err(BsmsError::Version(escape(&h[5..]))),
        _ => Err(BsmsError::Malformed(format!(
            "the first line must be \"{HEADER}\""
        ))),
    }
}

/// Whether `text` starts like a BSMS record (of any version).
pub fn is_record(text: &str) -> bool {
    text.trim_start().starts_with("BSMS ")
}

/// A round 1 key record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// The session token (line 2).
    pub token: Token,
    /// `[fingerprint/path]KEY` (line 3), KEY an xpub or a public key.
    pub key: String,
    /// A description of the key, at most 80 characters (line 4).
    pub description: String,
    /// The signature over lines 1–4 (line 5); Sparrow writes none by default.
    pub signature: Option<String>,
}

/// What a key record's signature check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signed {
    /// Signed by the record's own key.
    Verified,
    /// No signature line.
    Unsigned,
}

impl KeyRecord {
    /// An unsigned record; sign [`KeyRecord::message`] and set `signature`.
    pub fn new(token: Token, key: String, description: &str) -> Result<Self, BsmsError> {
        check_description(description)?;
        Ok(KeyRecord {
            token,
            key,
            description: description.to_owned(),
            signature: None,
        })
    }

    /// Parse a plaintext key record (4 or 5 lines).
    pub fn parse(text: &str) -> Result<Self, BsmsError> {
        let l = lines(text)?;
        if !(4..=5).contains(&l.len()) {
            return Err(BsmsError::Malformed(format!(
                "a key record has 5 lines (4 unsigned), not {}",
                l.len()
            )));
        }
        let token = Token::from_bytes(
            &crate::hex::decode(l[1].trim())
                .ok_or_else(|| BsmsError::Malformed("line 2 must be the token in hex".into()))?,
        )?;
        check_description(l[3])?;
        Ok(KeyRecord {
            token,
            key: l[2].trim().to_owned(),
            description: l[3].to_owned(),
            signature: l.get(4).map(|s| s.trim().to_owned()),
        })
    }

    /// Parse a key record that may be encrypted; an encrypted one is decrypted with one of
    /// `tokens` (the MAC tells which) and must name that token on its line 2.
    pub fn parse_any(text: &str, tokens: &[Token]) -> Result<Self, BsmsError> {
        match decrypt_with_any(text, tokens)? {
            None => Self::parse(text),
            Some((plain, token)) => {
                let r = Self::parse(&plain)?;
                if r.token != *token {
                    return Err(BsmsError::Malformed(
                        "the decrypted record names another token on its line 2".into(),
                    ));
                }
                Ok(r)
            }
        }
    }

    /// The signed text: lines 1–4 joined by `\n`.
    pub fn message(&self) -> String {
        format!(
            "{HEADER}\n{}\n{}\n{}",
            self.token.hex(),
            self.key,
            self.description
        )
    }

    /// The record as written: 5 lines (4 if unsigned), no trailing newline.
    pub fn render(&self) -> String {
        match &self.signature {
            Some(s) => format!("{}\n{s}", self.message()),
            None => self.message(),
        }
    }

    /// The key's origin and extended key; `None` origin for a key without `[…]`.
    pub fn descriptor_key(&self) -> Result<DescriptorPublicKey, BsmsError> {
        DescriptorPublicKey::from_str(&self.key).map_err(|e| {
            BsmsError::Malformed(format!("line 3 is not a key: {}", escape(&e.to_string())))
        })
    }

    /// The origin and xpub, for a cosigner: the key must be an xpub with its origin and no
    /// derivation after it.
    pub fn cosigner(&self) -> Result<(Fingerprint, DerivationPath, Xpub), BsmsError> {
        match self.descriptor_key()? {
            DescriptorPublicKey::XPub(x)
                if x.derivation_path.is_empty()
                    && x.wildcard == miniscript::descriptor::Wildcard::None =>
            {
                let (fp, path) = x.origin.ok_or_else(|| {
                    BsmsError::Malformed("the key has no origin [fingerprint/path]".into())
                })?;
                Ok((fp, path, x.xkey))
            }
            DescriptorPublicKey::Single(_) => Err(BsmsError::Malformed(
                "the record holds a single public key, not an xpub: it cannot derive receive and change addresses".into(),
            )),
            _ => Err(BsmsError::Malformed(
                "the key must be [fingerprint/path]xpub with nothing after it".into(),
            )),
        }
    }

    /// Check the signature with the record's own key (legacy format; BIP322 is not checked:
    /// BIP129 does not say which address a key record's BIP322 signature would be for).
    pub fn verify(&self) -> Result<Signed, BsmsError> {
        let Some(sig) = &self.signature else {
            return Ok(Signed::Unsigned);
        };
        let pk = match self.descriptor_key()? {
            DescriptorPublicKey::XPub(x) if x.derivation_path.is_empty() => x.xkey.public_key,
            DescriptorPublicKey::Single(s) => match s.key {
                miniscript::descriptor::SinglePubKey::FullKey(k) if k.compressed => k.inner,
                _ => {
                    return Err(BsmsError::Malformed(
                        "the key must be a compressed public key or an xpub".into(),
                    ))
                }
            },
            _ => {
                return Err(BsmsError::Malformed(
                    "the key must be [fingerprint/path]xpub with nothing after it".into(),
                ))
            }
        };
        crate::message::legacy::verify(&pk, &self.message(), sig)
            .map(|()| Signed::Verified)
            .map_err(|e| BsmsError::BadSignature {
                key: escape(&self.key),
                reason: e.to_string(),
            })
    }
}

fn check_description(d: &str) -> Result<(), BsmsError> {
    if d.chars().count() > MAX_DESCRIPTION {
        return Err(BsmsError::Malformed(format!(
            "the description (line 4) is longer than {MAX_DESCRIPTION} characters"
        )));
    }
    Ok(())
}

/// If `text` is encrypted, its plaintext and the token (of `tokens`) that authenticates it.
fn decrypt_with_any<'a>(
    text: &str,
    tokens: &'a [Token],
) -> Result<Option<(String, &'a Token)>, BsmsError> {
    if !looks_encrypted(text) {
        return Ok(None);
    }
    let mut last = BsmsError::NeedsToken;
    for t in tokens.iter().filter(|t| !t.is_none()) {
        match decrypt(t, text) {
            Ok(p) => return Ok(Some((p, t))),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// A round 2 descriptor record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescriptorRecord {
    /// The descriptor or `/**` template, as written (line 2).
    pub descriptor: String,
    /// Path restrictions (line 3); `None` for "No path restrictions".
    pub paths: Option<Vec<String>>,
    /// The wallet's first address (line 4).
    pub first_address: String,
}

impl DescriptorRecord {
    /// Parse a plaintext descriptor record (4 lines).
    pub fn parse(text: &str) -> Result<Self, BsmsError> {
        let l = lines(text)?;
        if l.len() != 4 {
            return Err(BsmsError::Malformed(format!(
                "a descriptor record has 4 lines, not {}",
                l.len()
            )));
        }
        let paths = match l[2].trim() {
            NO_RESTRICTIONS => None,
            p => {
                let v: Vec<String> = p.split(',').map(|s| s.trim().to_owned()).collect();
                if v.iter()
                    .any(|s| !s.starts_with('/') || s.contains(['\'', 'h']))
                {
                    return Err(BsmsError::Malformed(
                        "path restrictions are unhardened paths starting with /, separated by commas".into(),
                    ));
                }
                Some(v)
            }
        };
        Ok(DescriptorRecord {
            descriptor: l[1].trim().to_owned(),
            paths,
            first_address: l[3].trim().to_owned(),
        })
    }

    /// Parse a descriptor record that may be encrypted with one of `tokens`.
    pub fn parse_any(text: &str, tokens: &[Token]) -> Result<Self, BsmsError> {
        match decrypt_with_any(text, tokens)? {
            Some((plain, _)) => Self::parse(&plain),
            None => Self::parse(text),
        }
    }

    /// The record for a wallet: its multipath descriptor as a `/**` template (no checksum, as
    /// BIP129's vectors), restrictions `/0/*,/1/*`, and the first receive address.
    pub fn for_wallet(multipath: &str, w: &WatchOnly) -> Result<Self, WalletError> {
        let body = multipath.split('#').next().unwrap_or(multipath);
        if !body.contains("/<0;1>/*") || body.contains("/**") {
            return Err(WalletError::BadDescriptor(
                "a BSMS record needs every key to end in /<0;1>/*".into(),
            ));
        }
        let r = DescriptorRecord {
            descriptor: body.replace("/<0;1>/*", "/**"),
            paths: Some(vec!["/0/*".into(), "/1/*".into()]),
            first_address: w.address(false, 0)?.to_string(),
        };
        debug_assert_eq!(r.expand().ok().as_deref(), Some(body));
        Ok(r)
    }

    /// The record as written: 4 lines, no trailing newline.
    pub fn render(&self) -> String {
        let paths = match &self.paths {
            Some(p) => p.join(","),
            None => NO_RESTRICTIONS.to_owned(),
        };
        format!(
            "{HEADER}\n{}\n{paths}\n{}",
            self.descriptor, self.first_address
        )
    }

    /// The descriptor without its `/**` template: `/<0;1>/*` for restrictions `/0/*,/1/*`, else
    /// the descriptor as written (a Sparrow record carries the multipath descriptor itself). A
    /// checksum on line 2 is verified and dropped.
    pub fn expand(&self) -> Result<String, BsmsError> {
        let body = miniscript::descriptor::checksum::verify_checksum(&self.descriptor)
            .map_err(|e| BsmsError::Checksum(escape(&e.to_string())))?;
        if !body.contains("/**") {
            return Ok(body.to_owned());
        }
        match self.paths.as_deref() {
            Some([a, b]) if a == "/0/*" && b == "/1/*" => Ok(body.replace("/**", "/<0;1>/*")),
            Some(_) => Err(BsmsError::Malformed(format!(
                "only the path restrictions {RECEIVE_CHANGE} are supported for a /** template"
            ))),
            None => Err(BsmsError::Malformed(
                "a /** template needs path restrictions".into(),
            )),
        }
    }

    /// The descriptor whose index 0 is the first address: the first path restriction for a
    /// template, the receive path of a multipath descriptor, else the descriptor itself.
    fn first_descriptor(&self) -> Result<Descriptor<DescriptorPublicKey>, BsmsError> {
        let body = miniscript::descriptor::checksum::verify_checksum(&self.descriptor)
            .map_err(|e| BsmsError::Checksum(escape(&e.to_string())))?;
        let text = match (body.contains("/**"), self.paths.as_deref()) {
            (true, Some([first, ..])) => body.replace("/**", first),
            _ => self.expand()?,
        };
        let bad = |e: miniscript::Error| {
            BsmsError::Malformed(format!(
                "line 2 is not a descriptor: {}",
                escape(&e.to_string())
            ))
        };
        let d = Descriptor::<DescriptorPublicKey>::from_str(&text).map_err(bad)?;
        if d.is_multipath() {
            return d
                .into_single_descriptors()
                .map_err(bad)?
                .into_iter()
                .next()
                .ok_or_else(|| BsmsError::Malformed("an empty multipath descriptor".into()));
        }
        Ok(d)
    }

    /// Check the first address against the descriptor; returns the networks on which the
    /// record's address is the descriptor's (`tb1…` fits testnet, testnet4 and signet alike).
    pub fn check_first_address(&self) -> Result<Vec<Network>, BsmsError> {
        let d = self.first_descriptor()?;
        let d = d.at_derivation_index(0).map_err(|e| {
            BsmsError::Malformed(format!("cannot derive index 0: {}", escape(&e.to_string())))
        })?;
        let given = Address::<NetworkUnchecked>::from_str(&self.first_address).map_err(|_| {
            BsmsError::Malformed(format!(
                "line 4 is not an address: {}",
                escape(&self.first_address)
            ))
        })?;
        let mut fits = Vec::new();
        for n in [
            Network::Bitcoin,
            Network::Testnet,
            Network::Testnet4,
            Network::Signet,
            Network::Regtest,
        ] {
            if !given.is_valid_for_network(n) {
                continue;
            }
            if let Ok(a) = d.address(n) {
                if a.to_string().eq_ignore_ascii_case(&self.first_address) {
                    fits.push(n);
                }
            }
        }
        if fits.is_empty() {
            let derived = d
                .address(Network::Bitcoin)
                .map(|a| a.to_string())
                .unwrap_or_else(|_| "(no address)".into());
            return Err(BsmsError::AddressMismatch {
                given: escape(&self.first_address),
                derived,
            });
        }
        Ok(fits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_in_hex_and_decimal() {
        // BIP129: TOKEN (hex) a54044308ceac9b7 = decimal 11907592390080907703.
        let a = Token::parse("11907592390080907703").unwrap();
        assert_eq!(a.hex(), "a54044308ceac9b7");
        assert_eq!(Token::parse("a54044308ceac9b7").unwrap(), a);
        let b = Token::parse("21984902443033505423410071144203475550").unwrap();
        assert_eq!(b.hex(), "108a2360adb302774eb521daebbeda5e");
        assert!(Token::parse("00").unwrap().is_none());
        assert!(Token::parse("12ab").is_err());
        assert!(Token::parse("not a token").is_err());
        assert_eq!(format!("{a:?}"), "Token(8 bytes)");
    }

    #[test]
    fn an_altered_ciphertext_or_a_wrong_token_does_not_authenticate() {
        let t = Token::parse("a54044308ceac9b7").unwrap();
        let enc = encrypt(&t, "BSMS 1.0\nhello").unwrap();
        assert_eq!(decrypt(&t, &enc).unwrap(), "BSMS 1.0\nhello");
        let mut raw = crate::hex::decode(&enc).unwrap();
        *raw.last_mut().unwrap() ^= 1;
        assert_eq!(
            decrypt(&t, &crate::hex::encode(&raw)),
            Err(BsmsError::MacMismatch)
        );
        let other = Token::parse("a54044308ceac9b8").unwrap();
        assert_eq!(decrypt(&other, &enc), Err(BsmsError::MacMismatch));
        assert_eq!(decrypt(&Token::none(), &enc), Err(BsmsError::NeedsToken));
        assert!(encrypt(&Token::none(), "x").is_err());
    }

    #[test]
    fn records_of_other_versions_and_shapes_are_refused() {
        assert!(matches!(
            DescriptorRecord::parse("BSMS 2.0\na\nb\nc"),
            Err(BsmsError::Version(_))
        ));
        assert!(DescriptorRecord::parse("BSMS 1.0\na\nb").is_err());
        assert!(KeyRecord::parse("BSMS 1.0\n00\nkey").is_err());
        let long = "x".repeat(81);
        assert!(KeyRecord::parse(&format!("BSMS 1.0\n00\nkey\n{long}")).is_err());
    }
}
