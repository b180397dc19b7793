//! The one audited `unsafe` module: process hardening and memory locking through libc.
//!
//! Each call is a plain syscall wrapper with no pointer ownership transferred; the safety argument
//! is written beside each block.
#![allow(unsafe_code)]

/// Turn off core dumps and make the process non-dumpable (no ptrace attach by same-uid processes,
/// no /proc/PID/mem reads). Returns a warning text if any step failed; never fails hard.
pub fn harden_process() -> Result<(), String> {
    let mut failed = Vec::new();
    let zero = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: setrlimit reads a valid, fully initialised rlimit struct we own for the duration.
    if unsafe { libc::setrlimit(libc::RLIMIT_CORE, &zero) } != 0 {
        failed.push("core dumps could not be disabled");
    }
    #[cfg(target_os = "linux")]
    {
        // SAFETY: prctl(PR_SET_DUMPABLE, 0) takes integer arguments only.
        if unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) } != 0 {
            failed.push("the process could not be made non-dumpable");
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("; "))
    }
}

/// Lock `len` bytes at `ptr` into RAM so they are never swapped. Returns false when the OS refuses
/// (e.g. RLIMIT_MEMLOCK); callers treat that as a warning.
pub(crate) fn lock(ptr: *const u8, len: usize) -> bool {
    if len == 0 {
        return true;
    }
    // SAFETY: mlock only changes page residency of a range we own; it does not read or write it.
    unsafe { libc::mlock(ptr.cast(), len) == 0 }
}

/// Undo [`lock`]. Call after the bytes are zeroed.
pub(crate) fn unlock(ptr: *const u8, len: usize) {
    if len == 0 {
        return;
    }
    // SAFETY: as for mlock; unlocking a range that was never locked is harmless.
    unsafe {
        libc::munlock(ptr.cast(), len);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hardening_turns_off_core_dumps() {
        let _ = super::harden_process();
        let mut lim = libc::rlimit {
            rlim_cur: 1,
            rlim_max: 1,
        };
        #[allow(unsafe_code)]
        // SAFETY: getrlimit writes into a struct we own.
        let rc = unsafe { libc::getrlimit(libc::RLIMIT_CORE, &mut lim) };
        assert_eq!(rc, 0);
        assert_eq!(lim.rlim_cur, 0);
    }
}
