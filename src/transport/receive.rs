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
use crate::fsutil::{read_limited, FsError};

/// Most text (part strings) read from a file or stdin.
const MAX_TEXT: u64 = 256 * 1024 * 1024;
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
            "{spinner} [{bar:30}] {pos}/{len} fragments  {msg}",
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
    'outer: for src in sources {
        let mut texts: Vec<String> = Vec::new();
        let mut files: Vec<PathBuf> = Vec::new();
        match src {
            ScanSource::TextFile(p) => texts.extend(
                String::from_utf8_lossy(&read_limited(p, MAX_TEXT)?)
                    .lines()
                    .map(str::to_owned),
            ),
            ScanSource::Stdin => {
                let mut s = String::new();
                std::io::stdin()
                    .take(MAX_TEXT)
                    .read_to_string(&mut s)
                    .map_err(|source| FsError::Io {
                        action: "read",
                        path: "stdin".into(),
                        source,
                    })?;
                texts.extend(s.lines().map(str::to_owned));
            }
            ScanSource::Image(p) | ScanSource::Gif(p) => files.push(p.clone()),
            ScanSource::Dir(d) => files.extend(image_files(d)?),
            ScanSource::Camera { device, timeout } => {
                camera_loop(device, *timeout, &mut scanner, &mut |t| feed(t, &mut asm))?;
                break 'outer;
            }
        }
        for t in texts.iter().filter(|t| !t.trim().is_empty()) {
            if feed(t, &mut asm) {
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
            for frame in scan::load_frames(&f)? {
                for text in scanner.decode(&frame) {
                    if feed(&text, &mut asm) {
                        break 'outer;
                    }
                }
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

/// Live scanning: frames from the webcam through the same scanner and assembler.
#[cfg(feature = "camera")]
fn camera_loop(
    dev: &Path,
    timeout: u64,
    scanner: &mut scan::Scanner,
    feed: &mut dyn FnMut(&str) -> bool,
) -> Result<(), TransportError> {
    let mut cam = super::camera::Camera::open(dev)?;
    let deadline = std::time::Instant::now() + Duration::from_secs(timeout);
    while std::time::Instant::now() < deadline {
        let frame = cam.frame()?;
        for text in scanner.decode(&frame) {
            if feed(&text) {
                return Ok(());
            }
        }
    }
    Err(TransportError::Incomplete(format!(
        "no complete payload within {timeout} s"
    )))
}

#[cfg(not(feature = "camera"))]
fn camera_loop(
    _: &Path,
    _: u64,
    _: &mut scan::Scanner,
    _: &mut dyn FnMut(&str) -> bool,
) -> Result<(), TransportError> {
    Err(TransportError::BadOption("this airsign was built without camera support: rebuild with `cargo build --release --features camera`".into()))
}
