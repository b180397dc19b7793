//! Atomic file writes: temp file in the same folder, fsync, rename, fsync the folder.
//!
//! An interrupted run leaves either the old file or the new one, never half of one. Outputs are
//! written only onto regular files (never into a FIFO, a device or a directory), never onto a file
//! this process read a secret from (the seed file), and existing files are replaced only when the
//! caller says so (`--force`).
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Errors of reading and writing files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FsError {
    /// The output file exists and overwriting was not asked for.
    #[error("{} already exists; refusing to overwrite it", path.display())]
    Exists {
        /// The output.
        path: PathBuf,
    },
    /// The output is a FIFO, a device, a socket or a directory (or a symlink to one).
    #[error("{} is {kind}, not a regular file; refusing to write onto it", path.display())]
    NotRegular {
        /// The output.
        path: PathBuf,
        /// What it is instead ("a FIFO", "a directory", …).
        kind: &'static str,
    },
    /// The output is a file this run read a secret from (the seed file); `--force` does not help.
    #[error("{} is {what}; refusing to write output onto it", path.display())]
    Protected {
        /// The output.
        path: PathBuf,
        /// What the protected file is ("the seed file this command reads").
        what: &'static str,
    },
    /// The file is larger than the limit for its kind.
    #[error("{} is larger than the {limit}-byte limit", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// An OS error while reading or writing.
    #[error("cannot {action} {}", path.display())]
    Io {
        /// What was being done ("read", "write", …).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Binary or control bytes would go to a terminal, where they can rewrite the screen.
    #[error("refusing to write binary data or terminal control bytes to a terminal")]
    BinaryToTerminal,
    /// Writing to stdout failed.
    #[error("cannot write output")]
    Stdout(#[source] std::io::Error),
}

impl FsError {
    fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        FsError::Io {
            action,
            path: path.to_owned(),
            source,
        }
    }
}

/// Files (device, inode) this process must never write onto, with what they are.
static PROTECTED: Mutex<Vec<(u64, u64, &'static str)>> = Mutex::new(Vec::new());

/// Never write any output onto `path` in this process, even with `--force` (call it for the
/// seed file and identity files before they are read). A missing file is ignored.
pub fn protect(path: &Path, what: &'static str) {
    if let Ok(m) = std::fs::metadata(path) {
        if let Ok(mut list) = PROTECTED.lock() {
            list.push((m.dev(), m.ino(), what));
        }
    }
}

/// Bytes a terminal would act on: C0 controls other than newline and tab (a carriage return
/// can overwrite a line), DEL,
/// and anything that is not UTF-8 text.
fn has_controls(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_err()
        || bytes
            .iter()
            .any(|b| (*b < 0x20 && !matches!(b, b'\n' | b'\t')) || *b == 0x7f)
}

/// Whether `path` starts like an age file (binary or armored).
fn is_age_file(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 34];
    let n = std::fs::File::open(path)
        .and_then(|f| f.take(34).read(&mut head))
        .unwrap_or(0);
    let head = &head[..n];
    head.starts_with(b"age-encryption.org/") || head.starts_with(b"-----BEGIN AGE ENCRYPTED FILE")
}

fn is_stdout(path: &Path) -> bool {
    path == Path::new("-")
}

fn kind_of(ft: std::fs::FileType) -> &'static str {
    if ft.is_dir() {
        "a directory"
    } else if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_char_device() || ft.is_block_device() {
        "a device"
    } else if ft.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// The folder `path` would be written into exists (for commands that record a decision before
/// writing its file, such as `sign`: a record of a file that then cannot be written is a record
/// of nothing).
pub fn check_output_folder(path: &Path) -> Result<(), FsError> {
    if is_stdout(path) {
        return Ok(());
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match std::fs::metadata(parent) {
        Ok(p) if p.is_dir() => Ok(()),
        Ok(_) => Err(FsError::io(
            "check",
            parent,
            std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a folder"),
        )),
        Err(e) => Err(FsError::io("check", parent, e)),
    }
}

/// Check that `path` may receive output: `-` (stdout), a missing file, or (with `overwrite`) a
/// regular file that is not protected. Call it before prompting or signing, so a refusal comes
/// first; the write checks again.
pub fn check_output(path: &Path, overwrite: bool) -> Result<(), FsError> {
    if is_stdout(path) {
        return Ok(());
    }
    // `metadata` follows symlinks: a link to a FIFO or to the seed file is what it points at.
    let m = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(FsError::io("check", path, e)),
    };
    if let Ok(list) = PROTECTED.lock() {
        if let Some((_, _, what)) = list
            .iter()
            .find(|(dev, ino, _)| *dev == m.dev() && *ino == m.ino())
        {
            return Err(FsError::Protected {
                path: path.to_owned(),
                what,
            });
        }
    }
    if !m.file_type().is_file() {
        return Err(FsError::NotRegular {
            path: path.to_owned(),
            kind: kind_of(m.file_type()),
        });
    }
    if !overwrite {
        return Err(FsError::Exists {
            path: path.to_owned(),
        });
    }
    // Any age-encrypted file may be a seed (only `sign` knows which file it read the seed from):
    // no output replaces one, --force or not.
    if is_age_file(path) {
        return Err(FsError::Protected {
            path: path.to_owned(),
            what: "an age-encrypted file (perhaps a seed)",
        });
    }
    Ok(())
}

/// Write `bytes` to `path` atomically, replacing an existing regular file. `-` writes to stdout.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FsError> {
    write_output(path, bytes, true)
}

/// Write `bytes` to `path` atomically; an existing file is replaced only with `overwrite`
/// (`--force`), and never a FIFO, device, directory or protected file. `-` writes to stdout.
pub fn write_output(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), FsError> {
    if is_stdout(path) {
        use std::io::IsTerminal;
        let mut out = std::io::stdout().lock();
        // A hostile PSBT field or QR payload must not reach a terminal raw (ESC c, OSC 52…).
        if out.is_terminal() && has_controls(bytes) {
            return Err(FsError::BinaryToTerminal);
        }
        out.write_all(bytes).map_err(FsError::Stdout)?;
        return out.flush().map_err(FsError::Stdout);
    }
    check_output(path, overwrite)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".airsign-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| FsError::io("create a temporary file in", dir, e))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| FsError::io("write", path, e))?;
    if overwrite {
        tmp.persist(path)
            .map_err(|e| FsError::io("replace", path, e.error))?;
    } else {
        // A file that appeared since the check is not replaced either.
        tmp.persist_noclobber(path).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                FsError::Exists {
                    path: path.to_owned(),
                }
            } else {
                FsError::io("create", path, e.error)
            }
        })?;
    }
    // Make the rename itself durable.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Read a whole file (`-` reads stdin), with a size limit so hostile input cannot exhaust memory.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, FsError> {
    use std::io::Read;
    let mut buf = Vec::new();
    let n = if is_stdout(path) {
        std::io::stdin()
            .lock()
            .take(limit + 1)
            .read_to_end(&mut buf)
            .map_err(|e| FsError::io("read", Path::new("stdin"), e))?
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(limit + 1).read_to_end(&mut buf))
            .map_err(|e| FsError::io("read", path, e))?
    };
    if n as u64 > limit {
        return Err(FsError::TooLarge {
            path: path.to_owned(),
            limit,
        });
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.bin");
        write_atomic(&p, b"first").unwrap();
        write_atomic(&p, b"second").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "temp files left behind");
    }

    #[test]
    fn existing_file_is_kept_without_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.bin");
        write_output(&p, b"first", false).unwrap();
        let e = write_output(&p, b"second", false).unwrap_err();
        assert!(matches!(e, FsError::Exists { .. }), "{e}");
        assert_eq!(std::fs::read(&p).unwrap(), b"first");
        write_output(&p, b"second", true).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"second");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn output_onto_fifo_or_directory_is_refused_even_with_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let st = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(st.success());
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&fifo, &link).unwrap();
        for p in [&fifo, &link, &dir.path().to_owned()] {
            let e = write_output(p, b"x", true).unwrap_err();
            assert!(
                matches!(e, FsError::NotRegular { .. }),
                "{}: {e}",
                p.display()
            );
        }
        assert!(std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo());
    }

    #[test]
    fn protected_file_is_never_written() {
        // Kept on disk after the test: the protection is process-wide, and a deleted file's inode
        // could be reused by another test's output in this process.
        let dir = tempfile::tempdir().unwrap().keep();
        let seed = dir.join("seed.age");
        std::fs::write(&seed, b"secret").unwrap();
        protect(&seed, "the seed file this command reads");
        let link = dir.join("alias");
        std::os::unix::fs::symlink(&seed, &link).unwrap();
        for p in [&seed, &link] {
            let e = write_output(p, b"x", true).unwrap_err();
            assert!(matches!(e, FsError::Protected { .. }), "{e}");
        }
        assert_eq!(std::fs::read(&seed).unwrap(), b"secret");
    }

    #[test]
    fn only_plain_text_may_go_to_a_terminal() {
        assert!(!has_controls(b"cHNidP8BAH0CAAAA\n"));
        assert!(!has_controls("0200 café\tok\n".as_bytes()));
        assert!(has_controls(b"psbt\xff\x01\x00"));
        assert!(has_controls(b"text \x1bc reset"));
        assert!(has_controls(b"fake\rSIGNED OK"));
        assert!(has_controls(b"\x7f"));
    }

    #[test]
    fn an_age_file_is_never_replaced_even_with_force() {
        let dir = tempfile::tempdir().unwrap();
        for head in [
            &b"age-encryption.org/v1\n-> scrypt x 18\n"[..],
            b"-----BEGIN AGE ENCRYPTED FILE-----\n",
        ] {
            let p = dir.path().join("copy-of-seed.age");
            std::fs::write(&p, head).unwrap();
            let e = write_output(&p, b"psbt", true).unwrap_err();
            assert!(matches!(e, FsError::Protected { .. }), "{e}");
            assert_eq!(std::fs::read(&p).unwrap(), head);
        }
    }

    #[test]
    fn read_limit_is_enforced() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big");
        std::fs::write(&p, vec![0u8; 100]).unwrap();
        assert!(read_limited(&p, 99).is_err());
        assert_eq!(read_limited(&p, 100).unwrap().len(), 100);
    }
}
