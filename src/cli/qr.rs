//! `qr` subcommand types.
use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::transport::frames::{Ec, Format, RenderOptions, UrType};
use crate::transport::receive::DEFAULT_CAMERA_TIMEOUT;

/// QR commands: show any file as (animated) QR, or scan frames back into the file.
#[derive(Debug, Subcommand)]
#[command(after_help = "\
Examples:
  airsign qr show unsigned.psbt
  airsign qr scan --gif signed.gif -o signed.psbt")]
pub enum QrCmd {
    /// Show a file as QR: UR (default), BBQr or single-frame base64; animated when it does not fit
    /// one frame. Writes to the terminal, PNG frames, an animated GIF, an HTML page or text lines.
    #[command(after_help = "\
Examples:
  airsign qr show unsigned.psbt
  airsign qr show unsigned.psbt --gif unsigned.gif --fps 8
  airsign qr show unsigned.psbt --format bbqr --html unsigned.html
  airsign qr show descriptor.txt --fragment 150 --ec m --png-dir frames/")]
    Show(ShowArgs),
    /// Read QR frames (image files, a folder, an animated GIF, text lines) and reassemble the
    /// payload (UR or BBQr, auto-detected), with a progress bar.
    #[command(after_help = "\
Examples:
  airsign qr scan --gif signed.gif -o signed.psbt
  airsign qr scan --dir frames/ -o unsigned.psbt
  airsign qr scan photo1.jpg photo2.jpg -o payload.bin --json
  airsign qr scan --camera /dev/video0 --timeout 60 -o signed.psbt")]
    Scan(ScanArgs),
}

/// How to render the frames (shared by `qr show` and every `--qr` option).
#[derive(Debug, Clone, Args)]
pub struct RenderArgs {
    /// Payload format.
    #[arg(long, value_enum, default_value = "ur")]
    pub format: Format,
    /// UR type (default: crypto-psbt for PSBTs, bytes otherwise).
    #[arg(long, value_enum)]
    pub ur_type: Option<UrType>,
    /// Largest UR fragment in bytes (10–2000). 400 B (Sparrow's size) makes a version 16 code;
    /// with airsign's decoder that moves a 20 KB PSBT in ~40 % fewer frames than Sparrow. Use
    /// 100–200 for poor cameras (smaller codes, more frames).
    #[arg(long, default_value_t = crate::transport::frames::DEFAULT_FRAGMENT, value_parser = clap::value_parser!(u16).range(10..=2000))]
    pub fragment: u16,
    /// BBQr: the most parts to split into; the smallest QR version that fits that many is chosen.
    /// Default: as few parts as version 16 codes allow (one frame when the file fits one).
    #[arg(long)]
    pub max_parts: Option<usize>,
    /// Error-correction level.
    #[arg(long, value_enum, default_value = "l")]
    pub ec: Ec,
    /// Frames per second for animations.
    #[arg(long, default_value_t = crate::transport::frames::DEFAULT_FPS)]
    pub fps: f64,
    /// Pixels per module in PNG/GIF output (1–64).
    // Bounded here, so `sign --qr` refuses a bad value before it signs, not after.
    #[arg(long, default_value_t = crate::transport::frames::DEFAULT_MODULE_PX, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub module_px: u32,
    /// UR mixed parts to add after the pure fragments (default: as many as pure fragments, so a
    /// receiver that misses frames still completes from one loop of the animation; at most
    /// 100,000).
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub extra_parts: Option<u32>,
}

impl RenderArgs {
    /// The library's rendering options.
    pub fn options(&self) -> RenderOptions {
        RenderOptions {
            format: self.format,
            ur_type: self.ur_type,
            fragment: self.fragment,
            max_parts: self.max_parts,
            ec: self.ec,
            fps: self.fps,
            module_px: self.module_px,
            extra_parts: self.extra_parts,
            progress: true,
        }
    }
}

/// `qr show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// File to show (`-` for stdin). PSBTs in base64 or hex are sent as binary PSBT.
    pub file: PathBuf,
    /// Rendering options.
    #[command(flatten)]
    pub render: RenderArgs,
    /// Animate in this terminal (default when stdout is a terminal); q or Ctrl-C stops. The
    /// modules are drawn with explicit black and white even with NO_COLOR set: they are the
    /// picture a camera reads, not decoration (write --png-dir, --gif or --html instead).
    #[arg(long)]
    pub terminal: bool,
    /// Write one PNG per frame into this folder (frame-0001.png, …).
    #[arg(long, value_name = "DIR")]
    pub png_dir: Option<PathBuf>,
    /// Write an animated, looping GIF.
    #[arg(long, value_name = "FILE")]
    pub gif: Option<PathBuf>,
    /// Write a self-contained HTML page that plays the frames full screen.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Print the part strings, one per line (default when stdout is not a terminal).
    #[arg(long)]
    pub text: bool,
    /// Caption shown with the frames (terminal line, GIF comment, HTML title and caption).
    /// Default for a PSBT or transaction: `airsign bundle <bundle id>`.
    #[arg(long, value_name = "TEXT")]
    pub caption: Option<String>,
    /// Print a JSON summary (frames, QR version, format) on stdout.
    #[arg(long)]
    pub json: bool,
    /// Replace existing output files (never a FIFO, a device, a folder or the seed file).
    #[arg(long)]
    pub force: bool,
}

/// `qr scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Image files (PNG, JPEG, GIF), in any order.
    pub files: Vec<PathBuf>,
    /// Every image in this folder.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Every frame of an animated GIF.
    #[arg(long, value_name = "FILE")]
    pub gif: Option<PathBuf>,
    /// Part strings, one per line (as `qr show --text` prints).
    #[arg(long, value_name = "FILE")]
    pub text_file: Option<PathBuf>,
    /// Part strings on standard input.
    #[arg(long)]
    pub stdin: bool,
    /// Scan live from a V4L2 webcam (builds with `--features camera`), e.g. /dev/video0.
    #[arg(long, value_name = "DEVICE")]
    pub camera: Option<PathBuf>,
    /// With --camera: give up after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_CAMERA_TIMEOUT)]
    pub timeout: u64,
    /// Where to write the payload (`-` for stdout).
    #[arg(long, short, default_value = "-")]
    pub out: PathBuf,
    /// Print a JSON summary on stdout (then -o must be a file).
    #[arg(long)]
    pub json: bool,
    /// Replace existing output files (never a FIFO, a device, a folder or the seed file).
    #[arg(long)]
    pub force: bool,
}

/// `--qr` outputs for commands that produce something to carry across the gap.
#[derive(Debug, Clone, Args)]
pub struct QrOut {
    /// Also show the result as QR: `terminal`, `png:DIR`, `gif:FILE`, `html:FILE` or
    /// `text:FILE` (repeatable). Rendering options are those of `qr show`.
    #[arg(long = "qr", value_name = "WHERE")]
    pub qr: Vec<String>,
    /// Rendering options.
    #[command(flatten)]
    pub render: RenderArgs,
}

/// `--scan` input for commands that receive something across the gap.
#[derive(Debug, Clone, Args)]
pub struct ScanIn {
    /// Read the input from QR instead of a file: `dir:DIR` (image frames), `gif:FILE`,
    /// `text:FILE` (part strings), `camera:/dev/video0` (feature `camera`), `stdin`, or one image.
    #[arg(long, value_name = "FROM")]
    pub scan: Option<String>,
}
