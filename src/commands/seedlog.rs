//! The seed's own audit log, opened for a command that records what the seed signed outside of a
//! transaction (`message sign`, `keycheck answer`), as `approve` does: verified with the seed's
//! MAC key first, continued from the policy pin's mark when there is one, and moved on after each
//! entry. Not a handler.
use std::path::{Path, PathBuf};

use crate::audit::{Entry, EntryDraft, Log};
use crate::policy::pinned::Pinned;
use crate::secrets::seedfile::Unlocked;
use crate::Error;

/// An open, verified log of one seed file.
pub struct SeedLog {
    log: Log,
    path: PathBuf,
    mac_key: zeroize::Zeroizing<[u8; 32]>,
    pinned: Option<Pinned>,
}

impl SeedLog {
    /// Open `log` (default: beside `seed`) for the unlocked seed file `u`.
    pub fn open(seed: &Path, log: Option<&Path>, u: &Unlocked) -> Result<SeedLog, Error> {
        let mac_key = crate::signer::audit_mac_key(u)?;
        let path = log
            .map(Path::to_owned)
            .unwrap_or_else(|| crate::audit::default_path(seed));
        if path.exists() {
            crate::audit::verify(&path, Some(&mac_key))?;
        }
        let pinned = Pinned::open(seed, u)?;
        if let Some(p) = &pinned {
            p.check_log(&path)?;
        }
        let log = Log::open(&path)?;
        crate::fsutil::protect(&path, "the audit log this command appends to");
        Ok(SeedLog {
            log,
            path,
            mac_key,
            pinned,
        })
    }

    /// Append one entry (with the MAC) and move the pin's mark.
    pub fn record(&mut self, draft: EntryDraft) -> Result<Entry, Error> {
        let entry = self.log.append(draft, Some(&self.mac_key))?;
        if let Some(p) = &self.pinned {
            p.advance(&self.log)?;
        }
        Ok(entry)
    }

    /// Where the log is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
