//! The seed's policy pin as every caller that appends to the seed's audit log sees it (`sign`,
//! `approve`, `policy pin`): its MAC checked, the log it is given checked to continue the pin's mark, and the
//! mark moved to each new entry, so no record can be cut from a pinned log unnoticed.
use std::path::{Path, PathBuf};

use crate::fsutil::read_limited;
use crate::policy::pin::{pin_path, to_file, LogMark, Pin};
use crate::secrets::seedfile::Unlocked;
use crate::Error;

/// A verified pin beside the seed.
pub struct Pinned {
    /// The pin as read.
    pub pin: Pin,
    key: zeroize::Zeroizing<[u8; 32]>,
    path: PathBuf,
}

impl Pinned {
    /// The pin beside `seed`, if any, with its MAC checked (a forged pin is exit 4).
    pub fn open(seed: &Path, u: &Unlocked) -> Result<Option<Self>, Error> {
        let path = pin_path(seed);
        if !path.exists() {
            return Ok(None);
        }
        let pin = Pin::parse(&read_limited(&path, 64 * 1024)?)?;
        let key = crate::signer::seed_file_mac_key(u, "policy-pin")?;
        pin.check(&key, Some(&pin.policy_hash))?;
        Ok(Some(Pinned { pin, key, path }))
    }

    /// The pinned policy must be `given` (`None`: the built-in policy).
    pub fn check_policy(&self, given: Option<&str>) -> Result<(), Error> {
        Ok(self.pin.check(&self.key, given)?)
    }

    /// The log at `log` must continue the pin's mark.
    pub fn check_log(&self, log: &Path) -> Result<(), Error> {
        Ok(self.pin.check_log(log)?)
    }

    /// Move the mark to the end of `log` (after an entry was appended). A crash before this
    /// leaves the log ahead of the mark, which still continues it.
    pub fn advance(&self, log: &crate::audit::Log) -> Result<(), Error> {
        let mark = LogMark {
            entries: log.entries(),
            tail: log.tail_hash().to_owned(),
        };
        let moved = Pin::new(&self.pin.policy_hash, Some(mark), &self.key);
        Ok(crate::fsutil::write_atomic(&self.path, &to_file(&moved))?)
    }
}
