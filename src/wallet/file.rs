//! The watch-only wallet file (DESIGN.md §3, `docs/formats.md`): the descriptors, the next unused
//! receive and change index, the gap limit and a short wallet id people compare across laptops.
//!
//! Version 2 is written; version 1 (`external`/`internal`, no name or id) is still read. The online
//! side hands out addresses through [`reserve_receive`] and [`record_change`], which re-read the
//! file, move the index forward only, and replace the file atomically.
use std::path::Path;

use bitcoin::hashes::{sha256, Hash};
use bitcoin::Network;
use serde::{Deserialize, Serialize};

use super::{WalletError, WatchOnly};
use crate::fsutil::{read_limited, write_atomic, write_output, FsError};
use crate::Error;

/// The version this code writes.
pub const VERSION: u64 = 2;
/// Gap limit recorded when none is given (BIP44's).
pub const DEFAULT_GAP_LIMIT: u32 = 20;
/// Largest wallet file read.
pub const MAX_WALLET_FILE_BYTES: u64 = 1024 * 1024;
/// Longest wallet name accepted.
pub const MAX_NAME_CHARS: usize = 64;

/// The wallet file, version 2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalletFile {
    /// Format version, 2.
    pub version: u64,
    /// A label for people; never used to find keys. Untrusted when printed.
    pub name: String,
    /// Network.
    pub network: Network,
    /// Short id: the first 4 bytes of SHA-256 of [`WalletFile::canonical`], as bytewords.
    pub wallet_id: String,
    /// BIP389 multipath descriptor `/<0;1>/*` with checksum, when receive and change are the
    /// `/0/*` and `/1/*` branches of one descriptor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub descriptor: Option<String>,
    /// Receive descriptor with key origins and checksum.
    pub receive: String,
    /// Change descriptor with key origins and checksum.
    pub change: String,
    /// Next unused indexes.
    pub next_index: NextIndex,
    /// How many unused addresses past the last used one a restoring wallet scans.
    pub gap_limit: u32,
}

/// Version 1 as it was written before names and ids.
#[derive(Deserialize)]
struct WalletFileV1 {
    network: Network,
    external: String,
    internal: String,
    #[serde(default)]
    next_index: NextIndex,
}

/// Next unused derivation indexes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextIndex {
    /// Receive branch.
    #[serde(default)]
    pub receive: u32,
    /// Change branch.
    #[serde(default)]
    pub change: u32,
}

/// The text the wallet id hashes: the multipath descriptor when there is one, else the receive
/// and change descriptors on two lines.
fn canonical(w: &WatchOnly) -> String {
    multipath(w).unwrap_or_else(|| format!("{}\n{}", w.external_text(), w.internal_text()))
}

/// `…/<0;1>/*` with checksum, if receive and change are the `/0/*` and `/1/*` of one descriptor.
fn multipath(w: &WatchOnly) -> Option<String> {
    let ext = w.external_text();
    let int = w.internal_text();
    let ext = ext.split('#').next()?;
    let int = int.split('#').next()?;
    let a = ext.replace("/0/*", "/<0;1>/*");
    let b = int.replace("/1/*", "/<0;1>/*");
    if a != b || a == ext {
        return None;
    }
    if a.contains("sortedmulti_a(") {
        // miniscript does not parse sortedmulti_a: check it reads back as this wallet, and
        // checksum the text itself.
        WatchOnly::from_descriptor(&a, w.network).ok()?;
        let mut e = miniscript::descriptor::checksum::Engine::new();
        e.input(&a).ok()?;
        return Some(format!("{a}#{}", e.checksum()));
    }
    super::descriptor::parse_public(&a)
        .ok()
        .map(|d| d.to_string())
}

/// The short wallet id of a watch-only wallet: bytewords of SHA-256(canonical descriptor)[..4].
pub fn wallet_id(w: &WatchOnly) -> String {
    let h = sha256::Hash::hash(canonical(w).as_bytes());
    crate::transport::bytewords::encode_words(&h.to_byte_array()[..4])
}

/// Check a name: printable, short, not empty.
pub fn check_name(name: &str) -> Result<(), WalletError> {
    let ok = !name.trim().is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && crate::sanitize::escape(name) == name;
    if ok {
        Ok(())
    } else {
        Err(WalletError::BadName(crate::sanitize::escape(name)))
    }
}

/// Largest gap limit accepted: a hostile file's 4,000,000,000 made `wallet addresses` run forever.
pub const MAX_GAP_LIMIT: u32 = 100_000;

fn check_gap_limit(gap_limit: u32) -> Result<(), WalletError> {
    if gap_limit == 0 || gap_limit > MAX_GAP_LIMIT {
        return Err(WalletError::BadWalletFile(format!(
            "the gap limit must be 1 to {MAX_GAP_LIMIT}, not {gap_limit}"
        )));
    }
    Ok(())
}

impl WalletFile {
    /// A new file for `w` with both indexes at `w`'s.
    pub fn new(w: &WatchOnly, name: &str, gap_limit: u32) -> Result<Self, WalletError> {
        check_name(name)?;
        check_gap_limit(gap_limit)?;
        Ok(WalletFile {
            version: VERSION,
            name: name.to_owned(),
            network: w.network,
            wallet_id: wallet_id(w),
            descriptor: multipath(w),
            receive: w.external_text(),
            change: w.internal_text(),
            next_index: NextIndex {
                receive: w.next_receive,
                change: w.next_change,
            },
            gap_limit,
        })
    }

    /// Parse a version 2 or version 1 file. The descriptors are checked (public keys only, the
    /// file's network) and a version 2 file's wallet id must match them.
    pub fn parse(bytes: &[u8]) -> Result<Self, WalletError> {
        let bad = |e: serde_json::Error| WalletError::BadWalletFile(e.to_string());
        let v: serde_json::Value = serde_json::from_slice(bytes).map_err(bad)?;
        match v.get("version").and_then(serde_json::Value::as_u64) {
            Some(VERSION) => {
                let f: WalletFile = serde_json::from_value(v).map_err(bad)?;
                check_name(&f.name)?;
                check_gap_limit(f.gap_limit)?;
                let w = f.watch_only()?;
                let id = wallet_id(&w);
                if id != f.wallet_id {
                    return Err(WalletError::WalletIdMismatch {
                        recorded: crate::sanitize::escape(&f.wallet_id),
                        computed: id,
                    });
                }
                Ok(f)
            }
            Some(1) => {
                let old: WalletFileV1 = serde_json::from_value(v).map_err(bad)?;
                let mut w = WatchOnly::from_descriptors(&old.external, &old.internal, old.network)?;
                w.next_receive = old.next_index.receive;
                w.next_change = old.next_index.change;
                WalletFile::new(&w, "wallet", DEFAULT_GAP_LIMIT)
            }
            Some(n) => Err(WalletError::BadWalletFile(format!(
                "version {n} is not supported (this airsign reads versions 1 and 2)"
            ))),
            None => Err(WalletError::BadWalletFile("no \"version\" field".into())),
        }
    }

    /// The watch-only wallet this file describes, with its next indexes.
    pub fn watch_only(&self) -> Result<WatchOnly, WalletError> {
        let mut w = WatchOnly::from_descriptors(&self.receive, &self.change, self.network)?;
        w.next_receive = self.next_index.receive;
        w.next_change = self.next_index.change;
        Ok(w)
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> Vec<u8> {
        // Strings and numbers into a Vec: serde_json cannot fail on these (no maps with
        // non-string keys, no I/O).
        let mut v = serde_json::to_vec_pretty(self).expect("plain data serializes");
        v.push(b'\n');
        v
    }

    /// Read and parse the file at `path`.
    pub fn load(path: &Path) -> Result<Self, Error> {
        Ok(Self::parse(&read_limited(path, MAX_WALLET_FILE_BYTES)?)?)
    }

    /// Write a new file; refuses to replace an existing one unless `force`.
    pub fn write_new(&self, path: &Path, force: bool) -> Result<(), Error> {
        write_output(path, &self.to_json(), force).map_err(|e| match e {
            FsError::Exists { .. } => {
                WalletError::FileExists(crate::sanitize::escape(&path.display().to_string())).into()
            }
            e => e.into(),
        })
    }
}

/// Re-read the file, apply `f`, and replace the file atomically (written as version 2).
pub fn update<T>(
    path: &Path,
    f: impl FnOnce(&mut WalletFile) -> Result<T, Error>,
) -> Result<T, Error> {
    let lock = lock(path)?;
    update_locked(&lock, f)
}

/// Like [`update`], under a lock the caller already holds (e.g. for all of `bundle create`, from
/// reading the next change index to recording it).
pub fn update_locked<T>(
    lock: &Lock,
    f: impl FnOnce(&mut WalletFile) -> Result<T, Error>,
) -> Result<T, Error> {
    let mut file = WalletFile::load(&lock.wallet)?;
    let out = f(&mut file)?;
    write_atomic(&lock.wallet, &file.to_json())?;
    Ok(out)
}

/// How long to wait for another airsign's lock on a wallet file.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Exclusive use of a wallet file between reading an index and recording it, so two runs at the
/// same moment never hand out the same address: an advisory lock (`flock`) on a lock file beside
/// the wallet. The kernel releases it when the holder exits, however it exits, so a run killed
/// while holding it (SIGKILL, power loss) never blocks the next one; the file is removed when the
/// lock is dropped, and its existence alone means nothing.
#[derive(Debug)]
pub struct Lock {
    wallet: std::path::PathBuf,
    file: std::path::PathBuf,
    /// The open lock file holding the lock; closing it releases the lock.
    _held: std::fs::File,
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still held (the field closes after this): a waiter that opened the old
        // file sees it is gone and opens the new one (see `lock`).
        let _ = std::fs::remove_file(&self.file);
    }
}

/// Take the lock of the wallet file at `path`, waiting up to 10 s for another airsign.
pub fn lock(path: &Path) -> Result<Lock, Error> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    // A symlinked wallet file is updated where it really lives: replacing the link with a copy
    // would split the wallet in two and hand out its addresses again.
    let path = &std::fs::canonicalize(path).map_err(|e| Error::io("open", path, e))?;
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let file = std::path::PathBuf::from(name);
    let deadline = std::time::Instant::now() + LOCK_WAIT;
    loop {
        let held = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&file)
            .map_err(|e| Error::io("create the lock file", &file, e))?;
        match held.try_lock() {
            Ok(()) => {
                // The holder we waited for removes the file as it lets go: a lock on a file no
                // longer at the path locks nothing, so check we hold the one that is there.
                let same = match (held.metadata(), std::fs::metadata(&file)) {
                    (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
                    _ => false,
                };
                if same {
                    return Ok(Lock {
                        wallet: path.to_owned(),
                        file,
                        _held: held,
                    });
                }
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                if std::time::Instant::now() >= deadline {
                    return Err(WalletError::Locked(crate::sanitize::escape(
                        &path.display().to_string(),
                    ))
                    .into());
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Error::io("lock", &file, e));
            }
        }
    }
}

/// A receive address handed out.
#[derive(Debug, Clone, Serialize)]
pub struct Handed {
    /// The address.
    pub address: String,
    /// Its index on the receive branch.
    pub index: u32,
    /// Full derivation path of each key (`m/84'/0'/0'/0/5`), prefixed with the fingerprint
    /// when the descriptor has several keys.
    pub paths: Vec<String>,
}

/// Hand out the next unused receive address and record it: the file's next receive index moves
/// past it before the address is returned, so no run hands it out again.
pub fn reserve_receive(path: &Path) -> Result<(WalletFile, Handed), Error> {
    update(path, |file| {
        let w = file.watch_only()?;
        let index = file.next_index.receive;
        let next = index
            .checked_add(1)
            .filter(|n| *n < 1 << 31)
            .ok_or(WalletError::IndexExhausted { branch: "receive" })?;
        let handed = Handed {
            address: w.address(false, index)?.to_string(),
            index,
            paths: w.paths(false, index)?,
        };
        file.next_index.receive = next;
        Ok((file.clone(), handed))
    })
}

/// Record that change index `used` is taken: the next change index becomes at least `used + 1`
/// (never moves back). Returns the new next change index.
pub fn record_change(lock: &Lock, used: u32) -> Result<u32, Error> {
    update_locked(lock, |file| {
        let next = used.saturating_add(1);
        file.next_index.change = file.next_index.change.max(next);
        Ok(file.next_index.change)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TPUB: &str = "[73c5da0a/84'/1'/0']tpubDC8msFGeGuwnKG9Upg7DM2b4DaRqg3CUZa5g8v2SRQ6K4NSkxUgd7HsL2XVWbVm39yBA4LAxysQAm397zwQSQoQgewGiYZqrA9DsP4zbQ1M";

    fn wallet() -> WatchOnly {
        WatchOnly::from_descriptor(&format!("wpkh({TPUB}/<0;1>/*)"), Network::Regtest).unwrap()
    }

    #[test]
    fn id_is_the_same_for_multipath_and_receive_forms() {
        let a = wallet();
        let b = WatchOnly::from_descriptor(&format!("wpkh({TPUB}/0/*)"), Network::Regtest).unwrap();
        // `h` and `'` spell the same hardened step: the canonical text is the same.
        let c = WatchOnly::from_descriptor(
            &format!("wpkh({})", TPUB.replace('\'', "h") + "/0/*"),
            Network::Regtest,
        )
        .unwrap();
        assert_eq!(wallet_id(&a), wallet_id(&b));
        assert_eq!(wallet_id(&b), wallet_id(&c));
        assert_eq!(wallet_id(&a).split(' ').count(), 4);
        // The id is SHA-256 of the multipath descriptor text, as `account export` prints it.
        let text = multipath(&a).unwrap();
        assert!(text.contains("/<0;1>/*)#"), "{text}");
        let h = sha256::Hash::hash(text.as_bytes());
        assert_eq!(
            wallet_id(&a),
            crate::transport::bytewords::encode_words(&h.to_byte_array()[..4])
        );
        let other = WatchOnly::from_descriptor(&format!("tr({TPUB}/<0;1>/*)"), Network::Regtest);
        assert_ne!(wallet_id(&a), wallet_id(&other.unwrap()));
    }

    #[test]
    fn round_trip_and_tamper_detection() {
        let f = WalletFile::new(&wallet(), "savings", 20).unwrap();
        let back = WalletFile::parse(&f.to_json()).unwrap();
        assert_eq!(back, f);
        let mut edited = f.clone();
        edited.change = edited.receive.clone();
        // Change on the receive branch: refused (as a bad branch or as a changed wallet).
        assert!(matches!(
            WalletFile::parse(&edited.to_json()),
            Err(WalletError::WalletIdMismatch { .. } | WalletError::BadDescriptor(_))
        ));
    }

    #[test]
    fn version_1_files_are_still_read() {
        let w = wallet();
        let v1 = format!(
            r#"{{"version":1,"network":"regtest","external":"{}","internal":"{}","next_index":{{"receive":3,"change":7}}}}"#,
            w.external, w.internal
        );
        let f = WalletFile::parse(v1.as_bytes()).unwrap();
        assert_eq!(f.version, VERSION);
        assert_eq!(
            f.next_index,
            NextIndex {
                receive: 3,
                change: 7
            }
        );
        assert_eq!(f.wallet_id, wallet_id(&w));
        assert_eq!(f.watch_only().unwrap().next_change, 7);
        assert!(WalletFile::parse(br#"{"version":9}"#).is_err());
    }

    fn write_test_wallet(p: &Path) {
        WalletFile::new(&wallet(), "w", 20)
            .unwrap()
            .write_new(p, false)
            .unwrap();
    }

    #[test]
    fn receives_at_the_same_moment_never_share_an_address() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("w.json");
        write_test_wallet(&p);
        let handed: Vec<u32> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        (0..5)
                            .map(|_| reserve_receive(&p).unwrap().1.index)
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap())
                .collect()
        });
        let mut sorted = handed.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            sorted.len(),
            40,
            "an index was handed out twice: {handed:?}"
        );
        assert_eq!(WalletFile::load(&p).unwrap().next_index.receive, 40);
        assert!(!dir.path().join("w.json.lock").exists(), "lock left behind");
    }

    #[test]
    fn a_symlinked_wallet_file_is_updated_where_it_lives() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        write_test_wallet(&real);
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let (_, a) = reserve_receive(&link).unwrap();
        let (_, b) = reserve_receive(&real).unwrap();
        assert_eq!((a.index, b.index), (0, 1), "the wallet split in two");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
    }

    #[test]
    fn a_hostile_gap_limit_is_refused() {
        let f = WalletFile::new(&wallet(), "w", 20).unwrap();
        let text = String::from_utf8(f.to_json())
            .unwrap()
            .replace("\"gap_limit\": 20", "\"gap_limit\": 4000000000");
        assert!(text.contains("4000000000"));
        assert!(WalletFile::parse(text.as_bytes()).is_err());
    }

    #[test]
    fn indexes_only_move_forward_and_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("w.json");
        write_test_wallet(&p);
        assert!(WalletFile::new(&wallet(), "w", 20)
            .unwrap()
            .write_new(&p, false)
            .is_err());
        let (_, a) = reserve_receive(&p).unwrap();
        let (_, b) = reserve_receive(&p).unwrap();
        assert_eq!((a.index, b.index), (0, 1));
        assert_ne!(a.address, b.address);
        assert_eq!(a.paths, vec!["m/84'/1'/0'/0/0".to_string()]);
        {
            let l = lock(&p).unwrap();
            assert_eq!(record_change(&l, 4).unwrap(), 5);
            assert_eq!(record_change(&l, 2).unwrap(), 5);
        }
        let f = WalletFile::load(&p).unwrap();
        assert_eq!(
            f.next_index,
            NextIndex {
                receive: 2,
                change: 5
            }
        );
    }

    #[test]
    fn names_with_terminal_controls_are_refused() {
        assert!(check_name("savings").is_ok());
        assert!(check_name("a\x1b[2Jb").is_err());
        assert!(check_name("").is_err());
    }
}
