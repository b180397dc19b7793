//! Secret types: the mnemonic and the 64-byte BIP39 seed. Neither is `Debug`, `Clone`, `Display`
//! or `Serialize`; both are zeroed on drop, and the seed is locked in RAM where the OS allows.
use bitcoin::bip32::{Fingerprint, Xpriv};
use bitcoin::secp256k1::Secp256k1;
use bitcoin::Network;
use zeroize::{Zeroize, Zeroizing};

use super::{harden, SecretError};

/// A checked BIP39 English mnemonic. The words live only here, zeroed on drop.
pub struct Mnemonic {
    inner: bip39::Mnemonic,
}

impl Mnemonic {
    /// Parse words typed or read by a script. Case and spacing are forgiven; errors name the
    /// 1-based position of a bad word but never the word.
    pub fn parse(words: &str) -> Result<Self, SecretError> {
        let mut normalized = Zeroizing::new(String::with_capacity(words.len()));
        for (i, w) in words.split_whitespace().enumerate() {
            if i > 0 {
                normalized.push(' ');
            }
            for c in w.chars() {
                normalized.extend(c.to_lowercase());
            }
        }
        let count = normalized.split(' ').filter(|w| !w.is_empty()).count();
        if ![12, 15, 18, 21, 24].contains(&count) {
            return Err(SecretError::BadWordCount(count));
        }
        bip39::Mnemonic::parse_in_normalized(bip39::Language::English, &normalized)
            .map(|inner| Mnemonic { inner })
            .map_err(|e| match e {
                bip39::Error::UnknownWord(i) => SecretError::UnknownWord { position: i + 1 },
                bip39::Error::BadWordCount(n) => SecretError::BadWordCount(n),
                _ => SecretError::BadChecksum { last: count },
            })
    }

    /// A mnemonic from raw entropy (16 or 32 bytes).
    pub fn from_entropy(entropy: &[u8]) -> Result<Self, SecretError> {
        bip39::Mnemonic::from_entropy_in(bip39::Language::English, entropy)
            .map(|inner| Mnemonic { inner })
            .map_err(|_| SecretError::BadWordCount(entropy.len() * 3 / 4))
    }

    /// Number of words.
    pub fn word_count(&self) -> usize {
        self.inner.word_count()
    }

    /// The word at 0-based `index`, for showing the backup and checking it. Never log this.
    pub fn word(&self, index: usize) -> Option<&'static str> {
        self.inner.words().nth(index)
    }

    /// The words joined by single spaces, in a buffer that is zeroed on drop.
    pub(crate) fn phrase(&self) -> Zeroizing<String> {
        let mut s = Zeroizing::new(String::with_capacity(24 * 9));
        for (i, w) in self.inner.words().enumerate() {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(w);
        }
        s
    }

    /// The BIP39 seed for this mnemonic and the (possibly empty) BIP39 passphrase.
    pub fn to_seed(&self, bip39_passphrase: &str, network: Network) -> Seed {
        let mut bytes = Box::new([0u8; 64]);
        let locked = harden::lock(bytes.as_ptr(), bytes.len());
        let mut tmp = self.inner.to_seed(bip39_passphrase);
        bytes.copy_from_slice(&tmp);
        tmp.zeroize();
        Seed {
            bytes,
            network,
            locked,
        }
    }
}

/// The 64-byte BIP39 seed and the network it is used on. Zeroed and unlocked on drop.
pub struct Seed {
    bytes: Box<[u8; 64]>,
    network: Network,
    locked: bool,
}

impl Seed {
    /// The seed bytes. Only `signer::keys` should call this.
    pub fn expose_secret(&self) -> &[u8; 64] {
        &self.bytes
    }

    /// The network recorded in the seed file.
    pub fn network(&self) -> Network {
        self.network
    }

    /// Whether the OS agreed to keep the seed out of swap.
    pub fn is_locked(&self) -> bool {
        self.locked
    }

    /// The BIP32 master key fingerprint (public information).
    pub fn fingerprint(&self) -> Fingerprint {
        let secp = Secp256k1::signing_only();
        // A 64-byte seed is always a valid BIP32 seed length; the only failure is a
        // 2^-127-probability invalid master key, reported as the zero fingerprint.
        Xpriv::new_master(self.network, &self.bytes[..])
            .map(|m| m.fingerprint(&secp))
            .unwrap_or_default()
    }
}

impl Drop for Seed {
    fn drop(&mut self) {
        self.bytes.zeroize();
        if self.locked {
            harden::unlock(self.bytes.as_ptr(), self.bytes.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ABANDON: &str = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

    #[test]
    fn parse_forgives_case_and_spaces() {
        let m = Mnemonic::parse(&format!(
            "  {}  ",
            ABANDON.to_uppercase().replace(' ', "\t ")
        ))
        .unwrap();
        assert_eq!(m.word_count(), 12);
        assert_eq!(&*m.phrase(), ABANDON);
    }

    #[test]
    fn errors_name_positions_not_words() {
        let bad = ABANDON.replacen("abandon", "abandom", 1);
        match Mnemonic::parse(&bad) {
            Err(SecretError::UnknownWord { position }) => assert_eq!(position, 1),
            other => panic!("unexpected {:?}", other.err()),
        }
        let swapped = ABANDON.replace("about", "abandon");
        assert!(matches!(
            Mnemonic::parse(&swapped),
            Err(SecretError::BadChecksum { last: 12 })
        ));
        assert!(matches!(
            Mnemonic::parse("abandon about"),
            Err(SecretError::BadWordCount(2))
        ));
        let msg = SecretError::UnknownWord { position: 3 }.to_string();
        assert!(!msg.contains("abandon"));
    }

    #[test]
    fn fingerprint_of_test_mnemonic() {
        let seed = Mnemonic::parse(ABANDON)
            .unwrap()
            .to_seed("", Network::Bitcoin);
        assert_eq!(seed.fingerprint().to_string(), "73c5da0a");
    }
}
