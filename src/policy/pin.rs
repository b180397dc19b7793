//! Pinning a policy to a seed file: `SEED.policy-pin` holds the policy's hash and an HMAC of it
//! keyed from the seed, so a policy file swapped on disk (or a pin written without the seed) is
//! detected at `sign` (exit 4). The key comes in as a value; nothing here touches the seed.
//!
//! The pin also marks the audit log: how many entries it had and the hash of the last, rewritten
//! after every `sign`. A log that does not continue the marked one — a fresh file given with
//! `--log`, a log cut at its tail, another log of the same seed — is refused, so the velocity
//! limit and delays counted from the log cannot be reset by starting over. Restoring an old copy
//! of the pin *and* the log together is not detected here: compare `log tail` with a record kept
//! off the machine.
use bitcoin::hashes::{sha256, Hash, HashEngine, Hmac, HmacEngine};
use serde::{Deserialize, Serialize};

use super::PolicyError;

/// The pin file, version 1.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    /// Format version, 1.
    pub version: u32,
    /// SHA-256 of the pinned policy's canonical form.
    pub policy_hash: String,
    /// The audit log's state when the pin was last written (pins written before the log was
    /// marked have none: the first `sign` adds it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<LogMark>,
    /// Hex HMAC-SHA256 of `policy_hash` (and the log mark) with the seed's pin key.
    pub mac: String,
}

/// Where the audit log stood: every later log must continue from here.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LogMark {
    /// Entries in the log.
    pub entries: u64,
    /// Hex SHA-256 of the last line (`audit::ZERO_HASH` when empty).
    pub tail: String,
}

/// Where a seed file's policy pin lives: beside it.
pub fn pin_path(seed: &std::path::Path) -> std::path::PathBuf {
    let mut name = seed.as_os_str().to_owned();
    name.push(".policy-pin");
    std::path::PathBuf::from(name)
}

/// The pin file's bytes.
pub fn to_file(pin: &Pin) -> Vec<u8> {
    // A struct of strings and integers always serialises.
    let mut v = serde_json::to_vec_pretty(pin).unwrap_or_default();
    v.push(b'\n');
    v
}

fn mac(key: &[u8; 32], policy_hash: &str, log: Option<&LogMark>) -> String {
    let mut e = HmacEngine::<sha256::Hash>::new(key);
    e.input(b"airsign policy pin v1\0");
    e.input(policy_hash.as_bytes());
    if let Some(m) = log {
        e.input(format!("\0log\0{}\0{}", m.entries, m.tail).as_bytes());
    }
    Hmac::<sha256::Hash>::from_engine(e).to_string()
}

impl Pin {
    /// Pin `policy_hash`, and mark the log at `log`, with `key`.
    pub fn new(policy_hash: &str, log: Option<LogMark>, key: &[u8; 32]) -> Self {
        Pin {
            version: 1,
            policy_hash: policy_hash.to_owned(),
            mac: mac(key, policy_hash, log.as_ref()),
            log,
        }
    }

    /// Check that the (verified) audit log at `path` continues the marked one: at least as many
    /// entries, and the marked last entry still where it was. A pin without a mark accepts any.
    pub fn check_log(&self, path: &std::path::Path) -> Result<(), PolicyError> {
        let Some(m) = &self.log else { return Ok(()) };
        let mismatch = |found, which| PolicyError::PinLogMismatch {
            pinned_entries: m.entries,
            pinned_tail: m.tail.clone(),
            found,
            which,
        };
        if m.entries == 0 {
            return Ok(());
        }
        let entries = if path.exists() {
            crate::audit::read_lines(path).map_err(|_| mismatch(0, " (it cannot be read)"))?
        } else {
            Vec::new()
        };
        let found = entries.len() as u64;
        if found < m.entries {
            return Err(mismatch(found, ""));
        }
        let marked = entries[(m.entries - 1) as usize]
            .entry
            .as_ref()
            .map(|e| crate::audit::line_hash(e.to_line().as_bytes()));
        if marked.as_deref() != Ok(m.tail.as_str()) {
            return Err(mismatch(
                found,
                ", and its entry at the mark is another one (a different log)",
            ));
        }
        Ok(())
    }

    /// Parse a pin file.
    pub fn parse(bytes: &[u8]) -> Result<Self, PolicyError> {
        let p: Pin = serde_json::from_slice(bytes)
            .map_err(|e| PolicyError::Parse(crate::sanitize::escape(&e.to_string())))?;
        if p.version != 1 {
            return Err(PolicyError::Version(p.version.to_string()));
        }
        Ok(p)
    }

    /// Check the pin was made with `key` and pins `policy_hash` (`None`: no policy file given,
    /// the built-in policy would be used).
    pub fn check(&self, key: &[u8; 32], policy_hash: Option<&str>) -> Result<(), PolicyError> {
        if mac(key, &self.policy_hash, self.log.as_ref()) != self.mac {
            return Err(PolicyError::PinForged);
        }
        match policy_hash {
            Some(h) if h == self.policy_hash => Ok(()),
            other => Err(PolicyError::PinMismatch {
                pinned: self.policy_hash.clone(),
                given: other.unwrap_or("the built-in policy").to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swapped_policy_or_a_forged_pin_is_detected() {
        let key = [7u8; 32];
        let pin = Pin::new("aa", None, &key);
        assert!(pin.check(&key, Some("aa")).is_ok());
        assert!(matches!(
            pin.check(&key, Some("bb")),
            Err(PolicyError::PinMismatch { .. })
        ));
        assert!(matches!(
            pin.check(&key, None),
            Err(PolicyError::PinMismatch { .. })
        ));
        assert!(matches!(
            pin.check(&[8u8; 32], Some("aa")),
            Err(PolicyError::PinForged)
        ));
        let mut forged = pin.clone();
        forged.policy_hash = "bb".into();
        assert!(matches!(
            forged.check(&key, Some("bb")),
            Err(PolicyError::PinForged)
        ));
        let text = serde_json::to_vec(&pin).unwrap();
        assert_eq!(Pin::parse(&text).unwrap(), pin);
    }

    #[test]
    fn the_log_mark_is_under_the_mac() {
        let key = [7u8; 32];
        let mark = LogMark {
            entries: 3,
            tail: "ab".into(),
        };
        let pin = Pin::new("aa", Some(mark), &key);
        assert!(pin.check(&key, Some("aa")).is_ok());
        let mut moved = pin.clone();
        moved.log.as_mut().unwrap().entries = 0;
        assert!(matches!(
            moved.check(&key, Some("aa")),
            Err(PolicyError::PinForged)
        ));
        let mut dropped = pin;
        dropped.log = None;
        assert!(matches!(
            dropped.check(&key, Some("aa")),
            Err(PolicyError::PinForged)
        ));
    }
}
