//! Pinning a policy to a seed file: `SEED.policy-pin` holds the policy's hash and an HMAC of it
//! keyed from the seed, so a policy file swapped on disk (or a pin written without the seed) is
//! detected at `sign` (exit 4). The key comes in as a value; nothing here touches the seed.
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
    /// Hex HMAC-SHA256 of `policy_hash` with the seed's pin key.
    pub mac: String,
}

/// Where a seed file's policy pin lives: beside it.
pub fn pin_path(seed: &std::path::Path) -> std::path::PathBuf {
    let mut name = seed.as_os_str().to_owned();
    name.push(".policy-pin");
    std::path::PathBuf::from(name)
}

fn mac(key: &[u8; 32], policy_hash: &str) -> String {
    let mut e = HmacEngine::<sha256::Hash>::new(key);
    e.input(b"airsign policy pin v1\0");
    e.input(policy_hash.as_bytes());
    Hmac::<sha256::Hash>::from_engine(e).to_string()
}

impl Pin {
    /// Pin `policy_hash` with `key`.
    pub fn new(policy_hash: &str, key: &[u8; 32]) -> Self {
        Pin {
            version: 1,
            policy_hash: policy_hash.to_owned(),
            mac: mac(key, policy_hash),
        }
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
        if mac(key, &self.policy_hash) != self.mac {
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
        let pin = Pin::new("aa", &key);
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
}
