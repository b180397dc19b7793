//! Atomic file writes: temp file in the same folder, fsync, rename, fsync the folder.
//!
//! An interrupted run leaves either the old file or the new one, never half of one.
use std::io::Write;
use std::path::Path;

use crate::Error;

/// Write `bytes` to `path` atomically. `-` writes to stdout.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    if path == Path::new("-") {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes).map_err(Error::Output)?;
        return out.flush().map_err(Error::Output);
    }
    write_file(path, bytes, true)
}

/// Write `bytes` to a new file at `path` atomically; if `path` exists (even if it appears
/// meanwhile), nothing is replaced and the error's OS error kind is `AlreadyExists`.
pub fn write_atomic_new(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_file(path, bytes, false)
}

fn write_file(path: &Path, bytes: &[u8], replace: bool) -> Result<(), Error> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".airsign-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io("create a temporary file in", dir, e))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| Error::io("write", path, e))?;
    if replace {
        tmp.persist(path)
            .map_err(|e| Error::io("replace", path, e.error))?;
    } else {
        tmp.persist_noclobber(path)
            .map_err(|e| Error::io("create", path, e.error))?;
    }
    // Make the rename itself durable.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Read a whole file (`-` reads stdin), with a size limit so hostile input cannot exhaust memory.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let mut buf = Vec::new();
    let n = if path == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(limit + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Error::io("read", "stdin", e))?
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(limit + 1).read_to_end(&mut buf))
            .map_err(|e| Error::io("read", path, e))?
    };
    if n as u64 > limit {
        return Err(Error::io(
            "read",
            path,
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("file is larger than the {limit}-byte limit"),
            ),
        ));
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
    fn atomic_new_never_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.bin");
        write_atomic_new(&p, b"first").unwrap();
        let e = write_atomic_new(&p, b"second").unwrap_err();
        assert!(
            matches!(&e, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::AlreadyExists)
        );
        assert_eq!(std::fs::read(&p).unwrap(), b"first");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
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
