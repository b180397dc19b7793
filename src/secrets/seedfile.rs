//! The seed file: an age file (scrypt passphrase by default, X25519 recipients for backups) whose
//! plaintext is the versioned JSON of DESIGN.md §3. The BIP39 passphrase is never stored.
use std::io::{Read, Write};
use std::str::FromStr;

use bitcoin::Network;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use super::{Mnemonic, SecretError};

/// Seed files larger than this are not seed files.
pub const MAX_SEED_FILE_BYTES: u64 = 64 * 1024;

/// The public facts about a seed file, safe to print.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SeedInfo {
    /// Plaintext format version.
    pub version: u64,
    /// BIP32 master fingerprint without a BIP39 passphrase (8 hex).
    pub fingerprint: String,
    /// Network the seed is meant for.
    pub network: Network,
    /// Number of words.
    pub words: usize,
    /// Wordlist language.
    pub language: String,
    /// When the file was created (UTC, RFC 3339).
    pub created: String,
}

/// A decrypted seed file: the mnemonic (secret) and its public facts.
pub struct Unlocked {
    /// The words.
    pub mnemonic: Mnemonic,
    /// Public facts.
    pub info: SeedInfo,
}

/// How a new seed file is protected.
pub enum Protection {
    /// age scrypt recipient. `work_factor` (log2 N) is for tests and fixtures only; `None` keeps
    /// age's own calibrated default.
    Passphrase {
        /// The file passphrase.
        passphrase: SecretString,
        /// scrypt log2(N), tests only.
        work_factor: Option<u8>,
    },
    /// age X25519 recipients (`age1…`), e.g. backup keys.
    Recipients(Vec<age::x25519::Recipient>),
}

/// How an existing seed file is opened.
pub enum Unlock {
    /// The scrypt passphrase.
    Passphrase(SecretString),
    /// Identities from an age identity file.
    Identities(Vec<Box<dyn age::Identity + Send + Sync>>),
}

/// Parse `age1…` recipients, one per line; `#` comments and blank lines are skipped.
pub fn parse_recipients(text: &str) -> Result<Vec<age::x25519::Recipient>, SecretError> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            age::x25519::Recipient::from_str(l)
                .map_err(|_| SecretError::BadRecipient(crate::sanitize::escape(l)))
        })
        .collect()
}

/// Load identities from an age identity file's contents.
pub fn parse_identities(bytes: &[u8]) -> Result<Unlock, SecretError> {
    let file = age::IdentityFile::from_buffer(bytes)
        .map_err(|e| SecretError::Corrupt(format!("identity file: {e}")))?;
    let ids = file
        .into_identities()
        .map_err(|e| SecretError::Corrupt(format!("identity file: {e}")))?;
    Ok(Unlock::Identities(ids))
}

#[derive(Serialize)]
struct PlainOut<'a> {
    version: u64,
    mnemonic: &'a str,
    language: &'a str,
    network: Network,
    fingerprint: &'a str,
    created: &'a str,
}

#[derive(Deserialize)]
struct PlainIn {
    version: u64,
    mnemonic: String,
    #[serde(default = "english")]
    language: String,
    network: Network,
    fingerprint: String,
    created: String,
}

fn english() -> String {
    "english".into()
}

impl Drop for PlainIn {
    fn drop(&mut self) {
        self.mnemonic.zeroize();
    }
}

/// Encrypt a mnemonic into seed-file bytes. Returns the bytes and the public facts.
pub fn seal(
    mnemonic: &Mnemonic,
    network: Network,
    created: &str,
    protection: &Protection,
) -> Result<(Vec<u8>, SeedInfo), SecretError> {
    let fingerprint = mnemonic.to_seed("", network).fingerprint().to_string();
    let phrase = mnemonic.phrase();
    // Pre-size the buffer so serde never reallocates and leaves copies of the words behind.
    let mut plain = Zeroizing::new(Vec::with_capacity(1024));
    serde_json::to_writer(
        &mut *plain,
        &PlainOut {
            version: 1,
            mnemonic: &phrase,
            language: "english",
            network,
            fingerprint: &fingerprint,
            created,
        },
    )
    .map_err(|e| SecretError::Encrypt(e.into()))?;

    let encryptor = match protection {
        Protection::Passphrase {
            passphrase,
            work_factor,
        } => {
            let mut r = age::scrypt::Recipient::new(passphrase.clone());
            if let Some(n) = work_factor {
                r.set_work_factor(*n);
            }
            age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))
        }
        Protection::Recipients(rs) => {
            if rs.is_empty() {
                return Err(SecretError::NoRecipients);
            }
            age::Encryptor::with_recipients(rs.iter().map(|r| r as &dyn age::Recipient))
        }
    }
    .map_err(|e| SecretError::Encrypt(e.into()))?;

    let mut out = Vec::with_capacity(plain.len() + 512);
    let mut w = encryptor
        .wrap_output(&mut out)
        .map_err(|e| SecretError::Encrypt(e.into()))?;
    w.write_all(&plain)
        .and_then(|_| w.finish().map(|_| ()))
        .map_err(|e| SecretError::Encrypt(e.into()))?;
    let info = SeedInfo {
        version: 1,
        fingerprint,
        network,
        words: mnemonic.word_count(),
        language: "english".into(),
        created: created.into(),
    };
    Ok((out, info))
}

/// Decrypt seed-file bytes.
pub fn open(bytes: &[u8], unlock: &Unlock) -> Result<Unlocked, SecretError> {
    let corrupt = |what: &str| SecretError::Corrupt(what.to_owned());
    let decryptor = age::Decryptor::new_buffered(bytes).map_err(|e| match e {
        age::DecryptError::UnknownFormat => corrupt("unknown age format version"),
        _ => corrupt("not an age-encrypted file, or its header is damaged"),
    })?;
    let is_scrypt = decryptor.is_scrypt();
    let reader = match unlock {
        Unlock::Passphrase(p) => {
            if !is_scrypt {
                return Err(SecretError::NoMatchingIdentity);
            }
            let id = age::scrypt::Identity::new(p.clone());
            decryptor.decrypt(std::iter::once(&id as &dyn age::Identity))
        }
        Unlock::Identities(ids) => {
            decryptor.decrypt(ids.iter().map(|i| i.as_ref() as &dyn age::Identity))
        }
    };
    let mut reader = reader.map_err(|e| match e {
        age::DecryptError::DecryptionFailed | age::DecryptError::KeyDecryptionFailed
            if is_scrypt =>
        {
            SecretError::WrongPassphrase
        }
        age::DecryptError::NoMatchingKeys => SecretError::NoMatchingIdentity,
        age::DecryptError::ExcessiveWork { .. } => {
            corrupt("the file's scrypt work factor is far above this machine's; refusing to spend minutes on it")
        }
        _ => corrupt("the header does not decrypt; the file is damaged"),
    })?;
    let mut plain = Zeroizing::new(Vec::with_capacity(2048));
    (&mut reader)
        .take(MAX_SEED_FILE_BYTES)
        .read_to_end(&mut plain)
        .map_err(|_| corrupt("the encrypted payload is truncated or damaged"))?;
    let parsed: PlainIn = serde_json::from_slice(&plain)
        .map_err(|_| corrupt("the decrypted contents are not seed-file JSON"))?;
    if parsed.version != 1 {
        return Err(SecretError::UnsupportedVersion(parsed.version));
    }
    if parsed.language != "english" {
        return Err(corrupt("only English mnemonics are supported"));
    }
    let mnemonic = Mnemonic::parse(&parsed.mnemonic)
        .map_err(|_| corrupt("the stored mnemonic is not valid BIP39"))?;
    let fingerprint = mnemonic
        .to_seed("", parsed.network)
        .fingerprint()
        .to_string();
    if fingerprint != parsed.fingerprint {
        return Err(corrupt(
            "the stored fingerprint does not match the stored mnemonic",
        ));
    }
    let info = SeedInfo {
        version: parsed.version,
        fingerprint,
        network: parsed.network,
        words: mnemonic.word_count(),
        language: crate::sanitize::escape(&parsed.language.chars().take(16).collect::<String>()),
        // Free text from the file: whoever can write the file chose it, so it is kept only as
        // printable text of a sane length.
        created: crate::sanitize::escape(&parsed.created.chars().take(64).collect::<String>()),
    };
    Ok(Unlocked { mnemonic, info })
}

// The formatter moved to `crate::time` (the audit log needs it and must not import `secrets`).
pub use crate::time::{now_rfc3339, rfc3339};

#[cfg(test)]
mod tests {
    use super::*;

    const ABANDON: &str = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

    fn pass(s: &str) -> SecretString {
        SecretString::from(s)
    }

    #[test]
    fn free_text_from_a_seed_file_comes_out_escaped() {
        // Whoever can write the seed file (or holds a backup recipient) chose these fields.
        let m = Mnemonic::parse(ABANDON).unwrap();
        let prot = Protection::Passphrase {
            passphrase: pass("pw"),
            work_factor: Some(2),
        };
        let (bytes, _) = seal(&m, Network::Regtest, "\x1b]0;PWNED\x07\x1bc2026", &prot).unwrap();
        let u = open(&bytes, &Unlock::Passphrase(pass("pw"))).unwrap();
        assert!(!u.info.created.contains('\x1b'), "{}", u.info.created);
        assert!(u.info.created.contains("\\u{1b}"));
    }

    #[test]
    fn seal_then_open_round_trips_and_is_encrypted() {
        let m = Mnemonic::parse(ABANDON).unwrap();
        let prot = Protection::Passphrase {
            passphrase: pass("correct horse"),
            work_factor: Some(2),
        };
        let (bytes, info) = seal(&m, Network::Regtest, "2026-01-01T00:00:00Z", &prot).unwrap();
        assert!(bytes.starts_with(b"age-encryption.org/v1"));
        let hay = String::from_utf8_lossy(&bytes);
        assert!(!hay.contains("abandon") && !hay.contains("73c5da0a"));
        let u = open(&bytes, &Unlock::Passphrase(pass("correct horse"))).unwrap();
        assert_eq!(u.info, info);
        assert_eq!(u.info.fingerprint, "73c5da0a");
        assert_eq!(&*u.mnemonic.phrase(), ABANDON);
    }

    #[test]
    fn wrong_passphrase_and_truncation_are_distinct() {
        let m = Mnemonic::parse(ABANDON).unwrap();
        let prot = Protection::Passphrase {
            passphrase: pass("a"),
            work_factor: Some(2),
        };
        let (bytes, _) = seal(&m, Network::Regtest, "x", &prot).unwrap();
        assert!(matches!(
            open(&bytes, &Unlock::Passphrase(pass("b"))),
            Err(SecretError::WrongPassphrase)
        ));
        for cut in [10, bytes.len() / 2, bytes.len() - 1] {
            assert!(matches!(
                open(&bytes[..cut], &Unlock::Passphrase(pass("a"))),
                Err(SecretError::Corrupt(_))
            ));
        }
    }

    #[test]
    fn recipients_and_identities() {
        let id = age::x25519::Identity::generate();
        let m = Mnemonic::parse(ABANDON).unwrap();
        let prot = Protection::Recipients(vec![id.to_public()]);
        let (bytes, _) = seal(&m, Network::Bitcoin, "x", &prot).unwrap();
        let u = open(&bytes, &Unlock::Identities(vec![Box::new(id)])).unwrap();
        assert_eq!(u.info.fingerprint, "73c5da0a");
        assert!(matches!(
            open(&bytes, &Unlock::Passphrase(pass("a"))),
            Err(SecretError::NoMatchingIdentity)
        ));
    }

    #[test]
    fn rfc3339_known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_709_251_199), "2024-02-29T23:59:59Z");
    }
}
