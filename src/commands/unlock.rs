//! From the unlock flags to the library's unlock options (shared by every command that opens the
//! seed; not a handler).
use crate::cli::SeedUnlock;
use crate::fsutil::read_limited;
use crate::secrets::seedfile::{Unlocked, MAX_SEED_FILE_BYTES};
use crate::secrets::unlock::{self, Bip39Passphrase, UnlockOptions};
use crate::secrets::Seed;
use crate::Error;

thread_local! {
    /// `ceremony run --passphrase-fd N`: the descriptor every unlock in the ceremony reads when
    /// its step names none (a file reopened at each read, so each step gets the whole file).
    static CEREMONY_PASSPHRASE_FD: std::cell::Cell<Option<i32>> =
        const { std::cell::Cell::new(None) };
}

/// Run `f` with `fd` as the passphrase descriptor of every unlock inside it that names none
/// (`ceremony run --passphrase-fd`); the default is cleared again however `f` ends.
pub(crate) fn with_passphrase_fd<T>(fd: Option<i32>, f: impl FnOnce() -> T) -> T {
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            CEREMONY_PASSPHRASE_FD.with(|c| c.set(None));
        }
    }
    CEREMONY_PASSPHRASE_FD.with(|c| c.set(fd));
    let _clear = Clear;
    f()
}

fn options(u: &SeedUnlock) -> Result<UnlockOptions, Error> {
    Ok(UnlockOptions {
        passphrase_fd: u
            .passphrase_fd
            .or_else(|| CEREMONY_PASSPHRASE_FD.with(|c| c.get())),
        identities: match &u.identity {
            Some(p) => Some(read_limited(p, MAX_SEED_FILE_BYTES)?),
            None => None,
        },
        bip39: match (u.bip39_passphrase_fd, u.bip39_passphrase) {
            (Some(fd), _) => Bip39Passphrase::Fd(fd),
            (None, true) => Bip39Passphrase::Tty,
            (None, false) => Bip39Passphrase::None,
        },
    })
}

/// Decrypt the seed file named in `u`.
pub fn open(u: &SeedUnlock) -> Result<Unlocked, Error> {
    // No output of this run may land on the seed or identity file, even with --force.
    crate::fsutil::protect(&u.seed, "the seed file this command reads");
    if let Some(path) = &u.identity {
        crate::fsutil::protect(path, "the age identity file this command reads");
    }
    let bytes = read_limited(&u.seed, MAX_SEED_FILE_BYTES)?;
    // Every prompt first; then the spinner, which can no longer draw over one.
    let credentials = unlock::credentials(&options(u)?)?;
    let spinner = spinner("decrypting the seed file");
    let opened = unlock::decrypt(&bytes, &credentials);
    spinner.finish_and_clear();
    Ok(opened?)
}

/// A spinner on stderr for a step of about a second with no progress to count (scrypt): only
/// on a terminal and without --quiet. Start it only once no prompt can follow.
pub(crate) fn spinner(what: &'static str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if super::quiet() || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner().with_message(what);
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    bar
}

/// The BIP39 seed, with the BIP39 passphrase if one was asked for.
pub fn seed(u: &SeedUnlock, unlocked: &Unlocked) -> Result<Seed, Error> {
    let seed = unlock::seed(unlocked, &options(u)?)?;
    if !seed.is_locked() {
        eprintln!("airsign: warning: the seed could not be locked in memory (mlock refused; see `ulimit -l`); it may be swapped to disk");
    }
    Ok(seed)
}
