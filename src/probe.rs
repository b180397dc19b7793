//! Test-only hook for `tests/secret_memory.rs` (feature `memory-probe`, off by default and
//! refused in release builds): when `AIRSIGN_MEMORY_PROBE` is set, the binary stops after its
//! command has finished — every secret dropped, just before exit — prints a marker on stderr and
//! waits until stdin closes, so the test can read its memory through /proc.
#[cfg(not(debug_assertions))]
compile_error!("the memory-probe feature is a test hook: never build it into a release binary");

/// The line printed on stderr when the process is ready to be read.
pub const MARKER: &str = "airsign: memory-probe: ready";

/// If asked (`AIRSIGN_MEMORY_PROBE` set), print [`MARKER`] and block until stdin closes.
pub fn pause_if_asked() {
    use std::io::Read;
    if std::env::var_os("AIRSIGN_MEMORY_PROBE").is_none() {
        return;
    }
    eprintln!("{MARKER} {}", std::process::id());
    let mut b = [0u8; 1];
    let _ = std::io::stdin().read(&mut b);
}
