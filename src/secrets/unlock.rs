//! Opening a seed file: the file passphrase from the terminal or a descriptor, or age identities;
//! then the BIP39 seed with the optional BIP39 passphrase. Callers read the files; nothing here
//! prints.
use secrecy::ExposeSecret;

use super::prompt::{self, Source};
use super::seedfile::{self, Unlock, Unlocked};
use super::{SecretError, Seed};

/// Where the BIP39 passphrase (the "25th word") comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Bip39Passphrase {
    /// None: the empty passphrase.
    #[default]
    None,
    /// Asked on the terminal, twice, without echo.
    Tty,
    /// Read from this file descriptor.
    Fd(i32),
}

/// How to unlock a seed file.
#[derive(Debug, Default)]
pub struct UnlockOptions {
    /// Read the file passphrase from this descriptor instead of the terminal.
    pub passphrase_fd: Option<i32>,
    /// The contents of an age identity file, for recipient-encrypted seed files.
    pub identities: Option<Vec<u8>>,
    /// The BIP39 passphrase.
    pub bip39: Bip39Passphrase,
}

/// Decrypt `seed_file` (its bytes): [`credentials`] then [`decrypt`].
pub fn open(seed_file: &[u8], o: &UnlockOptions) -> Result<Unlocked, SecretError> {
    decrypt(seed_file, &credentials(o)?)
}

/// What opens the file: the identities given, or the passphrase, asked now (terminal or
/// descriptor). Split from [`decrypt`] so a caller can show progress during the slow part
/// without drawing over the prompt.
pub fn credentials(o: &UnlockOptions) -> Result<Unlock, SecretError> {
    Ok(match &o.identities {
        Some(ids) => seedfile::parse_identities(ids)?,
        None => Unlock::Passphrase(prompt::passphrase(
            Source::from_fd(o.passphrase_fd),
            "seed file passphrase",
            false,
            false,
        )?),
    })
}

/// Decrypt `seed_file` with `unlock` (scrypt at age's work factor: about a second).
pub fn decrypt(seed_file: &[u8], unlock: &Unlock) -> Result<Unlocked, SecretError> {
    if seed_file.is_empty() {
        return Err(SecretError::Corrupt("the file is empty".into()));
    }
    seedfile::open(seed_file, unlock)
}

/// The BIP39 seed of an unlocked file, with the BIP39 passphrase if one was asked for. Whether
/// the seed could be locked in memory is for the caller to report (`Seed::is_locked`).
pub fn seed(unlocked: &Unlocked, o: &UnlockOptions) -> Result<Seed, SecretError> {
    let pass = match o.bip39 {
        Bip39Passphrase::Fd(fd) => Some(prompt::passphrase(
            Source::Fd(fd),
            "BIP39 passphrase",
            false,
            true,
        )?),
        Bip39Passphrase::Tty => Some(prompt::passphrase(
            Source::Tty,
            "BIP39 passphrase",
            true,
            true,
        )?),
        Bip39Passphrase::None => None,
    };
    let p = pass.as_ref().map(|p| p.expose_secret()).unwrap_or("");
    Ok(unlocked.mnemonic.to_seed(p, unlocked.info.network))
}
