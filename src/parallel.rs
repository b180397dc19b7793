//! Work spread over the machine's cores with scoped threads (`std::thread::scope`), for the two
//! costly per-input loops: the review's key derivations and signing with verify-after-sign.
//!
//! Small work spawns nothing: below [`MIN_ITEMS_PER_THREAD`] items per thread the loop runs on
//! the calling thread, and the core count is not even asked for, so `--version`, `bundle
//! inspect` and a one-input sign start up as before. Results come back in item order whatever
//! the thread count or scheduling, so the output never depends on how many cores ran.
//!
//! Worker threads may hold keys on their stacks (libsecp256k1 and rust-bitcoin copy them into
//! their frames). glibc keeps an exited thread's stack mapped for the next thread, unzeroed, so
//! every worker zeroes the stack below its outermost frame ([`scrub_stack`]) before it exits.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// Fewer items than this per thread run on fewer threads: spawning a thread costs tens of
/// microseconds, one derivation about 15 µs and one signature with its check about 100 µs.
pub const MIN_ITEMS_PER_THREAD: usize = 16;

/// Items a worker takes at a time. Blocks are handed out as workers free up (not split evenly up
/// front), so a core taken by another process does not leave the others waiting for it.
const BLOCK: usize = 8;

/// How much stack [`scrub_stack`] overwrites: the deepest signing call chain measured by
/// tests/secret_memory.rs left key copies about 20 KiB below the command's frame.
pub(crate) const SCRUB_STACK_BYTES: usize = 128 * 1024;

/// The cores this process may run on (affinity and cgroup quota respected), asked once.
pub fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// How many threads to use for `items` items: `limit` (every core when `None`), but at most one
/// per [`MIN_ITEMS_PER_THREAD`] items. 1 means the caller's thread alone.
pub fn threads_for(items: usize, limit: Option<usize>) -> usize {
    let by_work = items / MIN_ITEMS_PER_THREAD;
    if by_work <= 1 {
        return 1;
    }
    limit.unwrap_or_else(cores).clamp(1, by_work)
}

/// `f` of every item, in item order, on `threads` threads (the caller's among them). A panic in
/// a worker is raised again here. Each spawned worker scrubs its stack before it exits.
pub fn map<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if threads <= 1 || items.len() <= BLOCK {
        return items.iter().map(&f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let start = next.fetch_add(BLOCK, Ordering::Relaxed);
            if start >= items.len() {
                return done;
            }
            let end = (start + BLOCK).min(items.len());
            done.push((start, items[start..end].iter().map(&f).collect::<Vec<R>>()));
        }
    };
    let mut blocks = std::thread::scope(|s| {
        let workers: Vec<_> = (1..threads)
            .map(|_| {
                s.spawn(|| {
                    let done = work();
                    // `work` and everything it called ran in frames below this one.
                    scrub_stack();
                    done
                })
            })
            .collect();
        let mut blocks = work();
        for w in workers {
            match w.join() {
                Ok(done) => blocks.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        blocks
    });
    blocks.sort_unstable_by_key(|b| b.0);
    blocks.into_iter().flat_map(|b| b.1).collect()
}

/// Overwrite the stack below the caller with zeros. Key derivation and signing in rust-bitcoin
/// and libsecp256k1 copy keys into their own stack frames (an `Xpriv` is `Copy`), which nothing
/// erases: tests/secret_memory.rs found the signing key and its parent there after signing.
/// Called where those frames have returned (the key chain's drop, a worker's outermost frame),
/// zeroing below the caller covers them. Volatile writes (`zeroize`) are not optimised away.
#[inline(never)]
pub(crate) fn scrub_stack() {
    let mut area = [0u8; SCRUB_STACK_BYTES];
    zeroize::Zeroize::zeroize(&mut area[..]);
    std::hint::black_box(&area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_item_order_on_any_thread_count() {
        let items: Vec<u64> = (0..1000).collect();
        let one = map(&items, 1, |x| x * x);
        for threads in [2, 3, 8] {
            assert_eq!(map(&items, threads, |x| x * x), one);
        }
    }

    #[test]
    fn small_work_stays_on_the_calling_thread() {
        assert_eq!(threads_for(0, None), 1);
        assert_eq!(threads_for(2 * MIN_ITEMS_PER_THREAD - 1, Some(8)), 1);
        assert_eq!(threads_for(1000, Some(1)), 1);
        assert_eq!(threads_for(1000, Some(4)), 4);
        assert_eq!(threads_for(3 * MIN_ITEMS_PER_THREAD, Some(8)), 3);
        let me = std::thread::current().id();
        let ids = map(&[(); 40], 1, |_| std::thread::current().id());
        assert!(ids.iter().all(|id| *id == me));
    }
}
