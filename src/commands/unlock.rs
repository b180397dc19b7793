//! Opening the seed file: passphrase from the terminal or a descriptor, or an age identity file;
//! then the optional BIP39 passphrase.
use crate::cli::SeedUnlock;
use crate::fsutil::read_limited;
use crate::secrets::prompt::{self, Source};
use crate::secrets::seedfile::{self, Unlock, Unlocked, MAX_SEED_FILE_BYTES};
use crate::secrets::{SecretError, Seed};
use crate::Error;

/// Decrypt the seed file named in `u`.
pub fn open(u: &SeedUnlock) -> Result<Unlocked, Error> {
    // No output of this run may land on the seed or identity file, even with --force.
    crate::fsutil::protect(&u.seed, "the seed file");
    if let Some(path) = &u.identity {
        crate::fsutil::protect(path, "the age identity file");
    }
    let bytes = read_limited(&u.seed, MAX_SEED_FILE_BYTES)?;
    if bytes.is_empty() {
        return Err(SecretError::Corrupt("the file is empty".into()).into());
    }
    let unlock = match &u.identity {
        Some(path) => seedfile::parse_identities(&read_limited(path, MAX_SEED_FILE_BYTES)?)?,
        None => Unlock::Passphrase(prompt::passphrase(
            Source::from_fd(u.passphrase_fd),
            "seed file passphrase",
            false,
            false,
        )?),
    };
    Ok(seedfile::open(&bytes, &unlock)?)
}

/// The BIP39 seed, with the BIP39 passphrase if one was asked for.
pub fn seed(u: &SeedUnlock, unlocked: &Unlocked) -> Result<Seed, Error> {
    use secrecy::ExposeSecret;
    let pass = match (u.bip39_passphrase_fd, u.bip39_passphrase) {
        (Some(fd), _) => Some(prompt::passphrase(
            Source::Fd(fd),
            "BIP39 passphrase",
            false,
            true,
        )?),
        (None, true) => Some(prompt::passphrase(
            Source::Tty,
            "BIP39 passphrase",
            true,
            true,
        )?),
        (None, false) => None,
    };
    let p = pass.as_ref().map(|p| p.expose_secret()).unwrap_or("");
    let seed = unlocked.mnemonic.to_seed(p, unlocked.info.network);
    if !seed.is_locked() {
        eprintln!("airsign: warning: the seed could not be locked in memory (mlock refused; see `ulimit -l`); it may be swapped to disk");
    }
    Ok(seed)
}
