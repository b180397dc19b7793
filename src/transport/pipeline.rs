//! A camera pipeline that never waits: frames are captured on the caller's thread and decoded on
//! a worker, through a one-frame mailbox that always holds the newest frame (a frame the worker
//! had no time for is dropped, never queued behind: the screen has moved on). The worker skips a
//! frame identical to the last one it saw (a camera repeats its buffer when nothing changed),
//! halves frames whose modules are large (a quarter of the pixels, same information), and hands
//! every text it reads back to the caller, who feeds the assembler and shows progress.
//!
//! Nothing here knows about cameras: [`run`] takes any source of grey frames, so tests drive it
//! from image files.
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;

use image::GrayImage;

use super::binarize;
use super::scan::Scanner;
use super::TransportError;

/// Modules this many pixels wide or more: frames are halved before decoding.
const HALVE_AT_MODULE_PX: f64 = 9.0;
/// Back to full size when halved modules shrink below this.
const FULL_BELOW_MODULE_PX: f64 = 3.0;

/// What the pipeline did with the frames it was given.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Frames captured.
    pub captured: u64,
    /// Frames replaced in the mailbox by a newer one before the worker took them.
    pub dropped_stale: u64,
    /// Frames skipped because they were byte-identical to the previous one decoded.
    pub skipped_identical: u64,
    /// Frames the worker decoded.
    pub decoded: u64,
    /// Of those, frames halved first because their modules were large.
    pub halved: u64,
    /// Frames that gave at least one text.
    pub read: u64,
}

/// How frames enter the mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A camera: the newest frame replaces one the worker has not taken.
    Live,
    /// Files: capture waits until the worker took the last frame (every frame is decoded).
    EveryFrame,
}

/// A one-slot mailbox: `put` replaces what is there (or waits, in [`Mode::EveryFrame`]), `take`
/// waits for a frame or the end.
struct Mailbox {
    slot: Mutex<Slot>,
    changed: Condvar,
}

#[derive(Default)]
struct Slot {
    frame: Option<GrayImage>,
    closed: bool,
    dropped: u64,
}

impl Mailbox {
    fn new() -> Self {
        Mailbox {
            slot: Mutex::new(Slot::default()),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slot> {
        // A worker that panicked leaves the slot as it was: still consistent.
        self.slot.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn put(&self, frame: GrayImage, mode: Mode) {
        let mut s = self.lock();
        if mode == Mode::EveryFrame {
            while s.frame.is_some() && !s.closed {
                s = self.changed.wait(s).unwrap_or_else(|e| e.into_inner());
            }
        }
        if s.frame.replace(frame).is_some() {
            s.dropped += 1;
        }
        self.changed.notify_all();
    }

    fn take(&self) -> Option<GrayImage> {
        let mut s = self.lock();
        loop {
            if let Some(f) = s.frame.take() {
                self.changed.notify_all();
                return Some(f);
            }
            if s.closed {
                return None;
            }
            s = self.changed.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_all();
    }
}

/// The worker's loop: decode each frame it takes, skipping repeats, halving large modules.
fn work(mail: &Mailbox, texts: &mpsc::SyncSender<Vec<String>>, shared: &Mutex<Stats>) -> Stats {
    let mut scanner = Scanner::new();
    let mut stats = Stats::default();
    let mut last: Option<GrayImage> = None;
    let mut halved = false;
    while let Some(frame) = mail.take() {
        if last
            .as_ref()
            .is_some_and(|l| l.dimensions() == frame.dimensions() && l.as_raw() == frame.as_raw())
        {
            stats.skipped_identical += 1;
            continue;
        }
        let px = scanner.module_px();
        if !halved && px >= HALVE_AT_MODULE_PX {
            halved = true;
            scanner.rescale(0.5);
        } else if halved && px > 0.0 && px < FULL_BELOW_MODULE_PX {
            halved = false;
            scanner.rescale(2.0);
        }
        let found = if halved && frame.width() >= 42 && frame.height() >= 42 {
            stats.halved += 1;
            let (w, h) = (frame.width() as usize, frame.height() as usize);
            let (px, hw, hh) = binarize::halve(frame.as_raw(), w, h);
            match GrayImage::from_raw(hw as u32, hh as u32, px) {
                Some(small) => scanner.decode_grey(&small),
                None => Vec::new(),
            }
        } else {
            scanner.decode_grey(&frame)
        };
        stats.decoded += 1;
        stats.read += u64::from(!found.is_empty());
        *shared.lock().unwrap_or_else(|e| e.into_inner()) = stats;
        if scanner.module_px() == 0.0 && halved {
            // Lost the code: look at full size again.
            halved = false;
        }
        last = Some(frame);
        if !found.is_empty() && texts.send(found).is_err() {
            break;
        }
    }
    // Unblocks a capture waiting to hand over a frame nobody will take.
    mail.close();
    stats
}

/// Run frames from `next_frame` (None: no more frames) through a decoding worker until `feed`
/// says the payload is complete (returns true) or the frames end. `feed` gets every text read,
/// on this thread; `progress` gets the counters after each frame captured. Returns the counters
/// and whether `feed` completed.
pub fn run(
    mut next_frame: impl FnMut() -> Option<Result<GrayImage, TransportError>>,
    mode: Mode,
    feed: &mut dyn FnMut(&str) -> bool,
    progress: &mut dyn FnMut(&Stats),
) -> Result<(Stats, bool), TransportError> {
    let mail = Arc::new(Mailbox::new());
    // Texts are small; a bound keeps a stalled caller from growing memory without limit.
    let (tx, rx) = mpsc::sync_channel::<Vec<String>>(64);
    let shared = Arc::new(Mutex::new(Stats::default()));
    let worker = {
        let (mail, shared) = (Arc::clone(&mail), Arc::clone(&shared));
        thread::Builder::new()
            .name("qr-decode".into())
            .spawn(move || work(&mail, &tx, &shared))
            .map_err(|e| TransportError::Image(format!("cannot start the decoding thread: {e}")))?
    };
    let mut captured = 0u64;
    let mut done = false;
    let mut failure = None;
    let mut drain = |rx: &mpsc::Receiver<Vec<String>>, done: &mut bool| {
        while let Ok(texts) = rx.try_recv() {
            for t in texts {
                if !*done && feed(&t) {
                    *done = true;
                }
            }
        }
    };
    while !done {
        match next_frame() {
            Some(Ok(frame)) => {
                captured += 1;
                mail.put(frame, mode);
            }
            Some(Err(e)) => {
                failure = Some(e);
                break;
            }
            None => break,
        }
        drain(&rx, &mut done);
        let mut s = *shared.lock().unwrap_or_else(|e| e.into_inner());
        s.captured = captured;
        s.dropped_stale = mail.lock().dropped;
        progress(&s);
    }
    mail.close();
    // The worker finishes the frame it holds (and, when the frames ended, the last one queued).
    let mut stats = loop {
        drain(&rx, &mut done);
        if worker.is_finished() {
            drain(&rx, &mut done);
            break worker.join().unwrap_or_default();
        }
        thread::sleep(std::time::Duration::from_millis(2));
    };
    drain(&rx, &mut done);
    stats.captured = captured;
    stats.dropped_stale = mail.lock().dropped;
    progress(&stats);
    match failure {
        Some(e) if !done => Err(e),
        _ => Ok((stats, done)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_frame_mode_keeps_order_and_skips_repeats() {
        let frames: Vec<GrayImage> = [1u8, 1, 2, 2, 2, 3]
            .iter()
            .map(|&v| GrayImage::from_pixel(30, 30, image::Luma([v])))
            .collect();
        let mut it = frames.into_iter();
        let (stats, done) = run(
            || it.next().map(Ok),
            Mode::EveryFrame,
            &mut |_| false,
            &mut |_| {},
        )
        .unwrap();
        assert!(!done);
        assert_eq!(stats.captured, 6);
        assert_eq!(stats.dropped_stale, 0);
        assert_eq!(stats.skipped_identical, 3);
        assert_eq!(stats.decoded, 3);
        assert_eq!(stats.read, 0);
    }

    #[test]
    fn a_source_error_is_returned() {
        let mut n = 0;
        let r = run(
            || {
                n += 1;
                (n < 3).then(|| {
                    if n == 2 {
                        Err(TransportError::Image("unplugged".into()))
                    } else {
                        Ok(GrayImage::new(0, 0))
                    }
                })
            },
            Mode::Live,
            &mut |_| false,
            &mut |_| {},
        );
        assert!(matches!(r, Err(TransportError::Image(m)) if m == "unplugged"));
    }
}
