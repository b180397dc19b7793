//! Receiving across the gap: QR frames from image files, a folder, an animated GIF, text lines,
//! stdin or a webcam, fed through one scanner and one assembler (UR or BBQr, auto-detected)
//! until the payload completes.
use std::io::Read;
use std::path::{Path, PathBuf};
#[cfg(feature = "camera")]
use std::time::Duration;

use serde::Serialize;

use super::assemble::{Assembler, Counters, Payload, Source, Status};
use super::{scan, TransportError};
use crate::fsutil::FsError;

/// Most text (part strings) read from a file or stdin.
const MAX_TEXT: u64 = 256 * 1024 * 1024;
/// Longest text frame: what one QR code can hold (version 40, alphanumeric mode: 4,296
/// characters). A longer line was never a QR code.
pub const MAX_FRAME_CHARS: usize = 4296;

/// Feed the lines of `r` (part strings, one per line; blank lines skipped) to `feed` as they are
/// read, until it says the payload is complete (returns true then). A text frame is what a QR
/// code holds: a line that is not UTF-8, or longer than [`MAX_FRAME_CHARS`], is an error, never
/// "repaired" (a lossy conversion would change the payload without a word).
fn text_frames(
    r: impl Read,
    origin: &Path,
    feed: &mut dyn FnMut(&str) -> bool,
) -> Result<bool, TransportError> {
    use std::io::BufRead;
    let bad = |line: u64, problem: String| TransportError::BadText {
        path: origin.to_owned(),
        line,
        problem,
    };
    let mut r = std::io::BufReader::new(r.take(MAX_TEXT + 1));
    let (mut number, mut total) = (0u64, 0u64);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        // UTF-8 takes at most 4 bytes a character (+ "\r\n"): read no more than that per line.
        let limit = (MAX_FRAME_CHARS * 4 + 2) as u64;
        let n = (&mut r)
            .take(limit + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|source| FsError::Io {
                action: "read",
                path: origin.to_owned(),
                source,
            })?;
        if n == 0 {
            return Ok(false);
        }
        number += 1;
        total += n as u64;
        if total > MAX_TEXT {
            return Err(FsError::TooLarge {
                path: origin.to_owned(),
                limit: MAX_TEXT,
            }
            .into());
        }
        let line = std::str::from_utf8(&buf).map_err(|e| {
            bad(
                number,
                format!(
                    "is not UTF-8 text (byte {} of the line): a QR text frame is text, and airsign does not guess what binary bytes meant",
                    e.valid_up_to() + 1
                ),
            )
        })?;
        let line = line.strip_suffix('\n').unwrap_or(line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let chars = line.chars().count();
        if chars > MAX_FRAME_CHARS || (n as u64 > limit && !buf.ends_with(b"\n")) {
            return Err(bad(
                number,
                format!(
                    "is longer than the {MAX_FRAME_CHARS} characters one QR code can hold{}",
                    if chars > MAX_FRAME_CHARS {
                        format!(" ({chars})")
                    } else {
                        String::new()
                    }
                ),
            ));
        }
        if !line.trim().is_empty() && feed(line) {
            return Ok(true);
        }
    }
}
/// Default time a camera scan waits for a complete payload.
pub const DEFAULT_CAMERA_TIMEOUT: u64 = 300;

/// Where frames come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanSource {
    /// One image file (PNG, JPEG, GIF).
    Image(PathBuf),
    /// Every image in a folder, in name order.
    Dir(PathBuf),
    /// Every frame of an animated GIF.
    Gif(PathBuf),
    /// Part strings, one per line.
    TextFile(PathBuf),
    /// Part strings on standard input.
    Stdin,
    /// A V4L2 webcam, until a payload completes or `timeout` seconds pass.
    Camera {
        /// The device, e.g. /dev/video0.
        device: PathBuf,
        /// Seconds.
        timeout: u64,
    },
}

impl ScanSource {
    /// Parse a `--scan` value: `dir:DIR`, `gif:FILE`, `text:FILE`, `camera:DEVICE`, `stdin`, or
    /// an image path.
    pub fn parse(s: &str) -> Self {
        match s.split_once(':') {
            Some(("dir", p)) => ScanSource::Dir(p.into()),
            Some(("gif", p)) => ScanSource::Gif(p.into()),
            Some(("text", p)) => ScanSource::TextFile(p.into()),
            Some(("camera", p)) => ScanSource::Camera {
                device: p.into(),
                timeout: DEFAULT_CAMERA_TIMEOUT,
            },
            _ if s == "stdin" => ScanSource::Stdin,
            _ => ScanSource::Image(s.into()),
        }
    }
}

/// The outcome of a scan.
#[derive(Debug, Serialize)]
pub struct Received {
    /// How it came.
    #[serde(flatten)]
    pub source: Source,
    /// Payload length.
    pub bytes: usize,
    /// Frame counters.
    pub counters: Counters,
    /// The payload.
    #[serde(skip)]
    pub data: Vec<u8>,
}

fn image_files(dir: &Path) -> Result<Vec<PathBuf>, TransportError> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| FsError::Io {
            action: "read",
            path: dir.to_owned(),
            source,
        })?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                matches!(
                    e.to_ascii_lowercase().as_str(),
                    "png" | "jpg" | "jpeg" | "gif"
                )
            })
        })
        .collect();
    v.sort();
    Ok(v)
}

/// Scan every source in order until a payload completes, with a progress bar on stderr unless
/// `quiet` (rejected frames are reported there, escaped: they come from an untrusted screen).
pub fn receive(sources: &[ScanSource], quiet: bool) -> Result<Received, TransportError> {
    let mut asm = Assembler::new();
    let mut scanner = scan::Scanner::new();
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(0)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{bar:30}] {pos} of {len} fragments solved  {msg}  {prefix}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let feed = |text: &str, asm: &mut Assembler| -> bool {
        let status = asm.add(text);
        let c = asm.counters();
        bar.set_length(u64::from(c.total));
        bar.set_position(u64::from(c.solved));
        bar.set_message(format!(
            "frames {} rejected {} rank {}/{}",
            c.frames, c.rejected, c.rank, c.total
        ));
        match status {
            Ok(Status::Restarted(why)) => bar.println(format!("note: {why}")),
            Err(e) => bar.println(format!(
                "rejected a frame: {}",
                crate::sanitize::escape(&e.to_string())
            )),
            _ => {}
        }
        asm.payload().is_some()
    };
    // One budget for every GIF of the scan, not one per file (see `scan::GifBudget`).
    let mut gif_budget = scan::GifBudget::new();
    'outer: for src in sources {
        let mut files: Vec<PathBuf> = Vec::new();
        match src {
            ScanSource::TextFile(p) => {
                let f = std::fs::File::open(p).map_err(|source| FsError::Io {
                    action: "read",
                    path: p.clone(),
                    source,
                })?;
                if text_frames(f, p, &mut |t| feed(t, &mut asm))? {
                    break 'outer;
                }
            }
            ScanSource::Stdin => {
                let stdin = std::io::stdin().lock();
                if text_frames(stdin, Path::new("stdin"), &mut |t| feed(t, &mut asm))? {
                    break 'outer;
                }
            }
            ScanSource::Image(p) | ScanSource::Gif(p) => files.push(p.clone()),
            ScanSource::Dir(d) => files.extend(image_files(d)?),
            ScanSource::Camera { device, timeout } => {
                let mut shown = |s: &super::pipeline::Stats| {
                    bar.set_prefix(format!(
                        "camera: {} decoded, {} stale dropped, {} repeats skipped",
                        s.decoded, s.dropped_stale, s.skipped_identical
                    ));
                };
                camera_loop(device, *timeout, &mut |t| feed(t, &mut asm), &mut shown)?;
                break 'outer;
            }
        }
        for f in files {
            // A long GIF takes a while to decode before its first frame is read.
            bar.set_message(format!(
                "decoding {}",
                crate::sanitize::escape(&f.display().to_string())
            ));
            bar.tick();
            let mut complete = false;
            scan::for_each_frame(&f, &mut gif_budget, &mut |frame| {
                complete = scanner
                    .decode(&frame)
                    .iter()
                    .any(|text| feed(text, &mut asm));
                complete
            })?;
            if complete {
                break 'outer;
            }
        }
    }
    bar.finish_and_clear();
    let c = asm.counters();
    let Some(Payload { source, data }) = asm.payload().cloned() else {
        return Err(TransportError::Incomplete(format!(
            "the frames did not complete a payload: {} frame(s) read, {} rejected, {} of {} fragments solved (rank {})",
            c.frames, c.rejected, c.solved, c.total, c.rank
        )));
    };
    Ok(Received {
        source,
        bytes: data.len(),
        counters: c,
        data,
    })
}

/// Live scanning: frames from the webcam through the decoding pipeline (a worker thread that
/// always takes the newest frame) and the same assembler.
#[cfg(feature = "camera")]
fn camera_loop(
    dev: &Path,
    timeout: u64,
    feed: &mut dyn FnMut(&str) -> bool,
    progress: &mut dyn FnMut(&super::pipeline::Stats),
) -> Result<(), TransportError> {
    let mut cam = super::camera::Camera::open(dev)?;
    let deadline = std::time::Instant::now() + Duration::from_secs(timeout);
    let next = || (std::time::Instant::now() < deadline).then(|| cam.frame().map(|f| f.to_luma8()));
    let (_, done) = super::pipeline::run(next, super::pipeline::Mode::Live, feed, progress)?;
    if done {
        return Ok(());
    }
    Err(TransportError::Incomplete(format!(
        "no complete payload within {timeout} s"
    )))
}

#[cfg(not(feature = "camera"))]
fn camera_loop(
    _: &Path,
    _: u64,
    _: &mut dyn FnMut(&str) -> bool,
    _: &mut dyn FnMut(&super::pipeline::Stats),
) -> Result<(), TransportError> {
    Err(TransportError::BadOption("this airsign was built without camera support: rebuild with `cargo build --release --features camera`".into()))
}
