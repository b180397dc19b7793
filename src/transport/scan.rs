//! Reading QR codes from camera frames. A frame is binarised locally ([`super::binarize`]), its
//! finder patterns found and grouped and the grid fitted through the alignment pattern — or,
//! when that reads nothing, through every alignment pattern by least squares — ([`super::finder`]),
//! and the sampled modules handed to rqrr's decoder
//! ([`super::perspective`]). When that finds nothing the frame is tried at half size (noise and
//! blur halve), then with rqrr's own detector on the same bitmap, then with the older global
//! retries (contrast stretch, Otsu, upscaling) — each retry only costs time on frames that failed.
//!
//! In a sequence ([`Scanner`]) the code barely moves: the next frame is read by sampling the
//! modules where the last code was, with no detection at all.
use std::borrow::Cow;
use std::path::Path;

use image::{DynamicImage, GrayImage, Luma};

use super::binarize::{self, Bitmap};
use super::finder::{self, Grey};
use super::perspective::{self, Homography, Located};
use super::TransportError;

/// Frames wider than this are halved before anything else (a 4K frame has nothing a 2K one
/// lacks for codes a person aims a camera at).
const MAX_WIDTH: u32 = 2560;
/// Frames at least this wide are searched at half size first: their codes' modules are rarely
/// under 4 pixels, and a quarter of the pixels is a quarter of the time. (At 1280 wide, half
/// first cost 80 ms instead of 25 on benches/scan.rs's 720p frame, whose 5-pixel modules do not
/// survive halving under noise.)
const HALF_FIRST_WIDTH: usize = 1600;

/// A code read from a frame: its text and where its modules are.
#[derive(Debug, Clone)]
struct Read {
    text: String,
    loc: Located,
}

/// Most grids refitted through their alignment patterns per frame and scale: each refit
/// searches a dozen windows, and a frame of noise offers ten groups of four sizes.
const MAX_REFITS: usize = 16;

/// Codes found with our own finder detector on a binarised frame: every group, size and
/// location as the finders put it first (cheap, and enough for most frames), then the likeliest
/// ones refitted through their alignment patterns ([`finder::refit`]).
fn read_finders(g: Grey, bits: &Bitmap) -> (Vec<Read>, usize) {
    let (finders, seen) = finder::find_finders_counted(bits);
    let groups: Vec<_> = finder::groups(&finders)
        .iter()
        .map(|group| finder::refine(bits, group))
        .collect();
    let mut out: Vec<Read> = Vec::new();
    let mut used: Vec<(f64, f64)> = Vec::new();
    let mut refits = MAX_REFITS;
    for refitting in [false, true] {
        for group in &groups {
            if group.iter().any(|f| used.contains(&(f.x, f.y))) {
                continue;
            }
            'sizes: for size in finder::sizes(bits, group) {
                for loc in finder::locations(bits, group, size) {
                    let loc = if refitting {
                        if refits == 0 {
                            return (out, seen);
                        }
                        refits -= 1;
                        match finder::refit(&g, bits, group, &loc) {
                            Some(loc) => loc,
                            None => continue,
                        }
                    } else {
                        loc
                    };
                    let read = perspective::sample_and_decode(g.px, g.w, g.h, Some(bits), &loc);
                    if let Some(text) = read {
                        used.extend(group.iter().map(|f| (f.x, f.y)));
                        out.push(Read { text, loc });
                        break 'sizes;
                    }
                }
            }
        }
        if !out.is_empty() {
            break;
        }
    }
    (out, seen)
}

/// Codes found with rqrr's detector (quirc's) on our bitmap: it fails differently from ours.
fn read_rqrr(g: Grey, bits: &Bitmap) -> Vec<Read> {
    contained(|| read_rqrr_unguarded(g, bits))
}

fn read_rqrr_unguarded(g: Grey, bits: &Bitmap) -> Vec<Read> {
    let mut prepared = rqrr::PreparedImage::prepare_from_bitmap(bits.width, bits.height, |x, y| {
        bits.dark[y * bits.width + x]
    });
    let mut out = Vec::new();
    for grid in prepared.detect_grids() {
        use rqrr::BitGrid;
        let n = grid.grid.size();
        // rqrr's corners sit one module beyond the grid's far edges (measured: a 405-pixel,
        // 81-module code reports a 410-pixel span).
        let m = (n + 1) as f64;
        let to = grid.bounds.map(|p| (f64::from(p.x), f64::from(p.y)));
        let Some(map) = Homography::quad_to_quad(&[(0.0, 0.0), (m, 0.0), (m, m), (0.0, m)], &to)
        else {
            continue;
        };
        let loc = Located { map, size: n };
        let text = grid
            .decode()
            .ok()
            .map(|(_, s)| s)
            .or_else(|| perspective::sample_and_decode(g.px, g.w, g.h, Some(bits), &loc));
        if let Some(text) = text {
            out.push(Read { text, loc });
        }
    }
    out
}

/// Our detector on the frame at full size or halved (locations in full-size pixels), and how
/// many finder-like patterns it saw.
fn read_at(g: Grey, half: bool) -> (Vec<Read>, usize) {
    if half {
        if g.w < 84 || g.h < 84 {
            return (Vec::new(), 0);
        }
        let mut seen = 0;
        let found = halved(g, |small, bits| {
            let (found, n) = read_finders(small, bits);
            seen = n;
            found
        });
        (found, seen)
    } else {
        read_finders(g, &binarize::hybrid(g.px, g.w, g.h))
    }
}

/// `read` on the frame halved and binarized, with what it finds mapped back to full-size pixels.
fn halved(g: Grey, read: impl FnOnce(Grey, &Bitmap) -> Vec<Read>) -> Vec<Read> {
    let (px, w, h) = binarize::halve(g.px, g.w, g.h);
    let mut found = read(Grey { px: &px, w, h }, &binarize::hybrid(&px, w, h));
    for r in &mut found {
        r.loc.map = r.loc.map.scaled(2.0);
    }
    found
}

/// A frame whose grey levels (the extreme 2 % left out) span less than this is not tried
/// again: a code at a contrast of 20 levels is still read by the retries' stretch.
const FLAT_FRAME_BELOW: usize = 16;

/// A frame with more finder-like patterns than this is skipped by rqrr's detector and the
/// retries: rqrr copies the whole frame for every pair of candidate patterns it tests, so a
/// frame tiled with finder-like squares held one scan for over a minute (adversarial pass,
/// docs/hardening.md). Camera frames of one code that the finders could not read showed at
/// most 37 (bench camera set and fixtures/robustness, 2026-12-03); uniform noise 80-130.
const CROWDED: usize = 64;

/// Every code in a grey frame: our detector at the likelier scale first, then the other, then
/// rqrr's detector; and whether the frame is too crowded with finder-like patterns for more.
fn locate(g: Grey) -> (Vec<Read>, bool) {
    if g.w < 21 || g.h < 21 || g.px.len() != g.w * g.h {
        return (Vec::new(), false);
    }
    let half_first = g.w >= HALF_FIRST_WIDTH;
    let mut seen = 0;
    for half in [half_first, !half_first] {
        let (found, n) = read_at(g, half);
        if !found.is_empty() {
            return (found, false);
        }
        seen = seen.max(n);
    }
    if seen > CROWDED {
        return (Vec::new(), true);
    }
    if half_first {
        // rqrr's detector on a noisy 1080p bitmap took over a second (bench camera set); at half
        // size it takes a quarter of the pixels and its regions shrink with them.
        return (halved(g, read_rqrr), false);
    }
    (read_rqrr(g, &binarize::hybrid(g.px, g.w, g.h)), false)
}

/// rqrr's detector and decoder with their panics contained: a crafted frame makes its
/// perspective overflow (`assertion failed: x <= i32::MAX as f64` in rqrr 0.11's geometry.rs,
/// found by the adversarial pass), and one hostile frame must cost a frame, not the scan. The
/// panic hook stays quiet for panics raised inside rqrr; every other panic reports as before.
fn contained<T: Default>(f: impl FnOnce() -> T) -> T {
    static QUIET_RQRR: std::sync::Once = std::sync::Once::new();
    QUIET_RQRR.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.location().is_some_and(|l| l.file().contains("/rqrr-")) {
                previous(info);
            }
        }));
    });
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_default()
}

/// The frame in grey, at most [`MAX_WIDTH`] wide. A grey frame is borrowed, not copied: the copy
/// of a 1280×720 frame (fresh pages, each faulted in) was a fifth of a clean frame's decode
/// (perf, 2026-12-04).
fn grey_of(img: &DynamicImage) -> Cow<'_, GrayImage> {
    let mut gray = match img {
        DynamicImage::ImageLuma8(g) => Cow::Borrowed(g),
        DynamicImage::ImageRgb8(c) => Cow::Owned(luma(c.as_raw(), 3, c.width(), c.height())),
        DynamicImage::ImageRgba8(c) => Cow::Owned(luma(c.as_raw(), 4, c.width(), c.height())),
        other => Cow::Owned(other.to_luma8()),
    };
    // Halved by 2 × 2 averages, not `imageops::resize`: its float Triangle filter was 56 % of
    // the time of a hostile GIF of blank 8192-wide frames (perf, 2026-12-04), and for an exact
    // halving the two differ by a slight blur.
    while gray.width() > MAX_WIDTH {
        let (px, w, h) =
            binarize::halve(gray.as_raw(), gray.width() as usize, gray.height() as usize);
        gray = Cow::Owned(GrayImage::from_raw(w as u32, h as u32, px).unwrap_or_default());
    }
    gray
}

/// Grey levels of 8-bit RGB or RGBA pixels (`channels` bytes each; alpha is ignored), with
/// BT.601's weights, as zxing-cpp, OpenCV and PIL make them. The `image` crate's `to_luma8` uses
/// BT.709's: a colour "polyglot" of two codes, one module colour for each of the four
/// dark/light pairs, read as one text in zxing-cpp and as the other in airsign (fifth
/// adversarial pass). No choice of weights stops polyglots against every reader; this one
/// makes airsign read what the common readers read. `to_luma8` was also the slow path: half the
/// time of a hostile GIF of blank 8192-wide frames (perf, 2026-12-04).
fn luma(px: &[u8], channels: usize, w: u32, h: u32) -> GrayImage {
    let grey = px
        .chunks_exact(channels)
        .map(|p| {
            // zxing-cpp's integer form of 0.299 R + 0.587 G + 0.114 B.
            let l = 306 * u32::from(p[0]) + 601 * u32::from(p[1]) + 117 * u32::from(p[2]);
            ((l + 0x200) >> 10) as u8
        })
        .collect();
    GrayImage::from_raw(w, h, grey).unwrap_or_default()
}

fn as_grey(img: &GrayImage) -> Grey<'_> {
    Grey {
        px: img.as_raw(),
        w: img.width() as usize,
        h: img.height() as usize,
    }
}

/// The darkest and lightest grey levels of `img` with the extreme 2 % at each end left out
/// (specks and glare).
fn levels(img: &GrayImage) -> (usize, usize) {
    let mut hist = [0u32; 256];
    for p in img.pixels() {
        hist[p.0[0] as usize] += 1;
    }
    let n = img.pixels().len() as u32;
    let cut = n / 50;
    let (mut lo, mut acc) = (0usize, 0u32);
    while lo < 255 && acc + hist[lo] <= cut {
        acc += hist[lo];
        lo += 1;
    }
    let (mut hi, mut acc2) = (255usize, 0u32);
    while hi > lo && acc2 + hist[hi] <= cut {
        acc2 += hist[hi];
        hi -= 1;
    }
    (lo, hi)
}

fn stretch(img: &GrayImage) -> GrayImage {
    let (lo, hi) = levels(img);
    let span = (hi - lo).max(1) as f32;
    GrayImage::from_fn(img.width(), img.height(), |x, y| {
        let v = img.get_pixel(x, y).0[0] as f32;
        Luma([((v - lo as f32) * 255.0 / span).clamp(0.0, 255.0) as u8])
    })
}

fn otsu(img: &GrayImage) -> GrayImage {
    let t = binarize::otsu_threshold(img.as_raw());
    GrayImage::from_fn(img.width(), img.height(), |x, y| {
        Luma([if img.get_pixel(x, y).0[0] > t { 255 } else { 0 }])
    })
}

/// rqrr's own pipeline (its row-average binarisation and detector), the reader airsign used
/// before its own: kept as the last retries.
fn detect_rqrr(img: &GrayImage) -> Vec<String> {
    if img.width() < 21 || img.height() < 21 {
        return Vec::new();
    }
    let (w, h) = (img.width() as usize, img.height() as usize);
    let px = img.as_raw();
    contained(|| {
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| px[y * w + x]);
        prepared
            .detect_grids()
            .iter()
            .filter_map(|g| g.decode().ok().map(|(_, s)| s))
            .collect()
    })
}

/// Every QR payload found in a frame, trying harder only when the first pass finds none.
pub fn decode_frame(img: &DynamicImage) -> Vec<String> {
    let gray = grey_of(img);
    let (found, crowded) = locate(as_grey(&gray));
    if !found.is_empty() || crowded {
        return found.into_iter().map(|r| r.text).collect();
    }
    retries(&gray)
}

/// The older global retries, for frames the local pipeline could not read.
fn retries(gray: &GrayImage) -> Vec<String> {
    if gray.width() < 21 || gray.height() < 21 {
        return Vec::new();
    }
    // A frame whose levels all lie within a few grey levels holds no module edge to find;
    // stretched, its noise became full-contrast noise that held rqrr's detector for 16 s at
    // 1280×720 and 215 s at 2560×1440 (third adversarial pass, docs/hardening.md).
    let (lo, hi) = levels(gray);
    if hi - lo < FLAT_FRAME_BELOW {
        return Vec::new();
    }
    let stretched = stretch(gray);
    let (w, h) = stretched.dimensions();
    // Cheapest first; each later one only runs when everything before it failed. Upscaling helps
    // fractional module sizes and perspective (rqrr samples module centres more accurately);
    // sharpening after upscaling recovers blur (measured on fixtures/robustness).
    let candidates: [&dyn Fn() -> GrayImage; 5] = [
        &|| stretched.clone(),
        &|| otsu(&stretched),
        &|| otsu(&image::imageops::blur(&stretched, 1.2)),
        &|| {
            image::imageops::resize(
                &stretched,
                w * 3 / 2,
                h * 3 / 2,
                image::imageops::FilterType::CatmullRom,
            )
        },
        &|| {
            image::imageops::unsharpen(
                &image::imageops::resize(
                    gray,
                    w * 2,
                    h * 2,
                    image::imageops::FilterType::CatmullRom,
                ),
                2.0,
                10,
            )
        },
    ];
    // Upscaled copies only of frames up to 720p (1.5×) and 960×720 (2×): their modules are
    // the ones small enough to need it, and rqrr's detector on a 1080p frame upscaled once took
    // 0.2-31 s (scripts/bench_decode.sh, camera set) where every other retry takes 20-60 ms.
    let upscales = match w * h {
        px if px <= 960 * 720 => 2,
        px if px <= 1280 * 720 => 1,
        _ => 0,
    };
    for make in &candidates[..3 + upscales] {
        let found = detect_rqrr(&make());
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

/// Every frame of an image file, collected (tests and small files; scanning uses
/// [`for_each_frame`], which holds one frame at a time).
pub fn load_frames(path: &Path) -> Result<Vec<DynamicImage>, TransportError> {
    let mut out = Vec::new();
    for_each_frame(path, &mut GifBudget::new(), &mut |img| {
        out.push(img);
        false
    })?;
    Ok(out)
}

/// Hand every frame of an image file (one for a still, each for an animated GIF) to `f`, one at a
/// time, until `f` returns true: a long GIF is never held in memory whole (a 4.6 KB GIF of 200
/// tiny frames on a 2000 × 2000 screen decoded to 1 GB when frames were collected first).
pub fn for_each_frame(
    path: &Path,
    budget: &mut GifBudget,
    f: &mut dyn FnMut(DynamicImage) -> bool,
) -> Result<(), TransportError> {
    let err = |e: &dyn std::fmt::Display| TransportError::Image(format!("{}: {e}", path.display()));
    // Looked at before anything is opened: opening a FIFO named `*.png` in a scanned folder
    // blocked for ever, and a still image is read whole (a 78 KB JPEG followed by 3 GB of zeros
    // took 54 s and 3 GB; fourth adversarial pass, docs/hardening.md).
    let meta = std::fs::metadata(path).map_err(|e| err(&e))?;
    if !meta.is_file() {
        return Err(err(
            &"not a regular file (a folder, device or FIFO is not read as an image)",
        ));
    }
    let is_gif = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gif"));
    if is_gif {
        return gif_frames(path, budget, f);
    }
    if meta.len() > MAX_IMAGE_BYTES {
        return Err(err(&format!(
            "{} bytes is more than airsign reads as one image ({} MB)",
            meta.len(),
            MAX_IMAGE_BYTES >> 20
        )));
    }
    let reader = image::ImageReader::open(path)
        .map_err(|e| err(&e))?
        .with_guessed_format()
        .map_err(|e| err(&e))?;
    // Sizes come from the header: refuse before decoding (an 84 KB PNG can claim 8192 × 8192).
    let (w, h) = image::ImageReader::open(path)
        .map_err(|e| err(&e))?
        .with_guessed_format()
        .map_err(|e| err(&e))?
        .into_dimensions()
        .map_err(|e| err(&e))?;
    check_size(w, h).map_err(|m| err(&m))?;
    let mut reader = reader;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_IMAGE_BYTES);
    reader.limits(limits);
    f(reader.decode().map_err(|e| err(&e))?);
    Ok(())
}

/// Most memory an image decoder may take, and the largest still image file read (stills,
/// unlike GIFs, are read whole): a 24-megapixel photo is far smaller even uncompressed.
const MAX_IMAGE_BYTES: u64 = 256 * 1024 * 1024;
/// Largest image side read (a 4K camera frame is 3840 wide; our own GIFs are a few hundred).
const MAX_SIDE: u32 = 8192;
/// Most pixels in one image: a 24-megapixel photo (6000 × 4000). An 8192 × 8192 image would take
/// 750 MB to decode and seconds to search, from a file of a few KB.
const MAX_PIXELS: u64 = 24_000_000;
/// Most pixels decoded from animated GIFs in one scan, all frames of all files together (every
/// frame is composited on its GIF's whole logical screen): bounds the time tiny hostile GIFs
/// cost; memory is one frame at a time. airsign's own default GIFs are about 0.1 G pixels.
const MAX_GIF_PIXELS: u64 = 1 << 30;

/// What animated GIFs may still decode in one scan, in pixels. One budget serves every file of
/// a scan: a budget per file let a folder of 1 KB GIFs cost 40 s each (fourth adversarial pass,
/// docs/hardening.md). Still images are not counted: each is refused over [`MAX_PIXELS`], and
/// a folder of them costs time with the number of files the user points at (a known weakness,
/// docs/hardening.md, fifth pass).
#[derive(Debug)]
pub struct GifBudget {
    left: u64,
}

impl Default for GifBudget {
    fn default() -> Self {
        Self {
            left: MAX_GIF_PIXELS,
        }
    }
}

impl GifBudget {
    /// A whole scan's budget.
    pub fn new() -> Self {
        Self::default()
    }

    /// Take one frame of `w` × `h` pixels, or say why not.
    fn take(&mut self, w: u32, h: u32) -> Result<(), String> {
        let px = u64::from(w) * u64::from(h);
        if px > self.left {
            return Err(format!(
                "the GIFs of this scan hold more than {} million pixels in all (frames × \
                 screen size), more than airsign decodes in one scan: scan the frames in parts",
                MAX_GIF_PIXELS / 1_000_000
            ));
        }
        self.left -= px;
        Ok(())
    }
}

/// An image size airsign reads: neither side empty, neither over [`MAX_SIDE`], at most
/// [`MAX_PIXELS`] in all.
fn check_size(w: u32, h: u32) -> Result<(), String> {
    if w == 0 || h == 0 {
        return Err(format!("a {w} × {h} image has no pixels"));
    }
    if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(format!(
            "a {w} × {h} image is larger than airsign reads (sides up to {MAX_SIDE}, \
             {} megapixels in all)",
            MAX_PIXELS / 1_000_000
        ));
    }
    Ok(())
}

/// The frames of an animated GIF, one at a time, refusing a logical screen or a frame count
/// that would make decoding take gigabytes or minutes: a 43-byte GIF can claim a 65535 × 65535
/// screen, and a 0 × 0 screen made `image` panic.
fn gif_frames(
    path: &Path,
    budget: &mut GifBudget,
    f: &mut dyn FnMut(DynamicImage) -> bool,
) -> Result<(), TransportError> {
    use image::{AnimationDecoder, ImageDecoder};
    let err = |e: &dyn std::fmt::Display| TransportError::Image(format!("{}: {e}", path.display()));
    let mut header = [0u8; 10];
    {
        use std::io::Read;
        let mut file = std::fs::File::open(path).map_err(|e| err(&e))?;
        file.read_exact(&mut header).map_err(|e| err(&e))?;
    }
    let (w, h) = (
        u32::from(u16::from_le_bytes([header[6], header[7]])),
        u32::from(u16::from_le_bytes([header[8], header[9]])),
    );
    check_size(w, h).map_err(|m| err(&m))?;
    let file = std::io::BufReader::new(std::fs::File::open(path).map_err(|e| err(&e))?);
    let mut dec = image::codecs::gif::GifDecoder::new(file).map_err(|e| err(&e))?;
    let (dw, dh) = dec.dimensions();
    check_size(dw, dh).map_err(|m| err(&m))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_IMAGE_BYTES);
    dec.set_limits(limits).map_err(|e| err(&e))?;
    for frame in dec.into_frames() {
        // Taken once the frame is decoded (only decoding tells whether there is one): the scan
        // overruns its budget by at most one frame of at most MAX_PIXELS.
        let rgba = frame.map_err(|e| err(&e))?.into_buffer();
        budget.take(w, h).map_err(|m| err(&m))?;
        if f(DynamicImage::ImageLuma8(luma(
            rgba.as_raw(),
            4,
            rgba.width(),
            rgba.height(),
        ))) {
            break;
        }
    }
    Ok(())
}

/// A scanner for animated sequences: the code barely moves between frames, so each frame is first
/// read by sampling the modules where the last code was, then searched only around it (a
/// fraction of the pixels), and the whole frame (with the retries of [`decode_frame`]) only
/// when both fail.
#[derive(Debug, Default, Clone)]
pub struct Scanner {
    /// Where the last code was: the next frame is first read by sampling its modules there.
    last: Option<Located>,
    /// Frames read by sampling alone.
    pub sampled_hits: u64,
    /// Frames answered from the region of interest alone.
    pub roi_hits: u64,
}

impl Scanner {
    /// A scanner with no history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Pixels per module of the last code read (0 before the first): a caller may halve frames
    /// whose modules are large before handing them over.
    pub fn module_px(&self) -> f64 {
        self.last.map_or(0.0, |l| l.module_px())
    }

    /// Decode one frame of a sequence.
    pub fn decode(&mut self, img: &DynamicImage) -> Vec<String> {
        self.decode_grey(&grey_of(img))
    }

    /// Decode one grey frame of a sequence (frames wider than 2560 are not halved here).
    pub fn decode_grey(&mut self, gray: &GrayImage) -> Vec<String> {
        let g = as_grey(gray);
        if let Some(loc) = self.last {
            if let Some(text) = perspective::sample_and_decode(g.px, g.w, g.h, None, &loc) {
                self.sampled_hits += 1;
                return vec![text];
            }
            if let Some(found) = self.search_around(g, &loc) {
                self.roi_hits += 1;
                return found;
            }
        }
        let (found, crowded) = locate(g);
        self.last = found.first().map(|r| r.loc);
        if !found.is_empty() || crowded {
            return found.into_iter().map(|r| r.text).collect();
        }
        retries(gray)
    }

    /// The next frames come scaled by `s` (a caller that halves frames whose modules are large):
    /// move the last code's place with them.
    pub fn rescale(&mut self, s: f64) {
        if let Some(l) = &mut self.last {
            l.map = l.map.scaled(s);
        }
    }

    /// Search the last code's box grown by a quarter of its size on each side.
    fn search_around(&mut self, g: Grey, loc: &Located) -> Option<Vec<String>> {
        let [x0, y0, x1, y1] = loc.bounds();
        let (bw, bh) = (
            x1.saturating_sub(x0) as usize,
            y1.saturating_sub(y0) as usize,
        );
        let (mx, my) = (bw / 4 + 8, bh / 4 + 8);
        let cx0 = (x0 as usize).saturating_sub(mx).min(g.w);
        let cy0 = (y0 as usize).saturating_sub(my).min(g.h);
        let cx1 = (x1 as usize).saturating_add(mx).min(g.w);
        let cy1 = (y1 as usize).saturating_add(my).min(g.h);
        if cx1 < cx0 + 21 || cy1 < cy0 + 21 {
            return None;
        }
        let (cw, ch) = (cx1 - cx0, cy1 - cy0);
        let mut crop = Vec::with_capacity(cw * ch);
        for y in cy0..cy1 {
            crop.extend_from_slice(&g.px[y * g.w + cx0..y * g.w + cx1]);
        }
        let c = Grey {
            px: &crop,
            w: cw,
            h: ch,
        };
        // Large modules carry no extra information: halve the pixels to search.
        let (found, _) = read_at(c, loc.module_px() > 5.0);
        let first = found.first()?;
        self.last = Some(Located {
            map: first.loc.map.shifted(cx0 as f64, cy0 as f64),
            size: first.loc.size,
        });
        Some(found.into_iter().map(|r| r.text).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 43-byte GIF that claims a 65535 × 65535 logical screen around one 1 × 1 frame: decoding
    /// it took minutes and 17 GB before the size check.
    fn tiny_gif_with_a_huge_screen() -> Vec<u8> {
        gif_with_screen(65535, 65535, 1)
    }

    /// A GIF with a `w` × `h` logical screen and `frames` 1 × 1 frames.
    fn gif_with_screen(w: u16, h: u16, frames: usize) -> Vec<u8> {
        let mut g = b"GIF89a".to_vec();
        g.extend_from_slice(&w.to_le_bytes());
        g.extend_from_slice(&h.to_le_bytes());
        g.extend_from_slice(b"\x80\x00\x00\x00\x00\x00\xff\xff\xff");
        for _ in 0..frames {
            g.extend_from_slice(
                b"\x21\xf9\x04\x00\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00",
            );
            g.extend_from_slice(b"\x02\x02\x4c\x01\x00");
        }
        g.push(0x3b);
        g
    }

    /// Adversarial review (issue 12): a 108-byte GIF whose screen is 0 × 0 (or 0 × 5) made the
    /// `image` crate panic inside `qr scan` and `sign --scan gif:`, before any review.
    fn finder_tiling() -> GrayImage {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/hostile-frames/finder-tiling-rqrr-overflow.png"
        );
        image::open(path).unwrap().to_luma8()
    }

    #[test]
    fn attack_finder_tiling_that_panics_rqrr_costs_a_frame_not_the_scan() {
        let gray = finder_tiling();
        // The attack is real: rqrr's own pipeline panics on this frame as the blur retry sees
        // it (stretched, blurred, Otsu)...
        let blurred = otsu(&image::imageops::blur(&stretch(&gray), 1.2));
        let raw = std::panic::catch_unwind(|| {
            let (w, h) = (blurred.width() as usize, blurred.height() as usize);
            let px = blurred.as_raw();
            let mut p = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| px[y * w + x]);
            p.detect_grids().len()
        });
        assert!(
            raw.is_err(),
            "rqrr no longer panics here: keep the guard, update the note"
        );
        assert!(detect_rqrr(&blurred).is_empty());
        // ...and every path through ours reads nothing without unwinding.
        assert!(detect_rqrr(&gray).is_empty());
        assert!(retries(&gray).is_empty());
        assert!(decode_frame(&DynamicImage::ImageLuma8(gray.clone())).is_empty());
        assert!(Scanner::new().decode_grey(&gray).is_empty());
    }

    #[test]
    fn attack_finder_tiling_is_crowded_and_skips_the_detectors_that_grow_with_it() {
        let gray = finder_tiling();
        let (found, crowded) = locate(as_grey(&gray));
        assert!(found.is_empty() && crowded);
        // A real code among a few decoys is not crowded.
        let m = super::super::qr::Matrix::encode("UR:BYTES/HELLO", qrcode::EcLevel::L).unwrap();
        let (found, crowded) = locate(as_grey(&m.image(4)));
        assert_eq!((found.len(), crowded), (1, false));
    }

    /// Third adversarial pass (issue 12): seeded noise of grey levels 127 and 128. The local
    /// binariser sees flat blocks, so the first pass is not crowded; the contrast stretch of the
    /// retries turned it into full-contrast noise, on which rqrr's detector ran for 16 s at
    /// 1280×720 and 215 s at 2560×1440.
    fn low_contrast_noise(w: u32, h: u32) -> GrayImage {
        let mut rng = crate::transport::xoshiro::Xoshiro256::from_bytes(b"low-contrast noise");
        GrayImage::from_fn(w, h, |_, _| Luma([127 + u8::from(rng.next_double() < 0.5)]))
    }

    #[test]
    fn attack_low_contrast_noise_is_flat_and_skips_the_retries() {
        let gray = low_contrast_noise(640, 360);
        let (found, crowded) = locate(as_grey(&gray));
        assert!(found.is_empty() && !crowded);
        let (lo, hi) = levels(&gray);
        assert!(hi - lo < FLAT_FRAME_BELOW, "{lo}..{hi}");
        assert!(retries(&gray).is_empty());
        // Stretched, it is the full-contrast noise the retries used to hand to rqrr.
        let (lo, hi) = levels(&stretch(&gray));
        assert!(hi - lo > 200, "{lo}..{hi}");
        // A real code at a contrast of 20 levels is not flat, and is still read.
        let m = super::super::qr::Matrix::encode("UR:BYTES/HELLO", qrcode::EcLevel::L).unwrap();
        let code = m.image(4);
        let faint = GrayImage::from_fn(code.width(), code.height(), |x, y| {
            Luma([if code.get_pixel(x, y).0[0] == 0 {
                110
            } else {
                130
            }])
        });
        assert_eq!(
            decode_frame(&DynamicImage::ImageLuma8(faint)),
            vec!["UR:BYTES/HELLO".to_string()]
        );
    }

    /// `load_frames` on `p` in a thread: a reader that blocks on it fails the test rather than
    /// hanging the suite.
    fn load_within_seconds(p: &Path) -> Result<Vec<DynamicImage>, TransportError> {
        let (tx, rx) = std::sync::mpsc::channel();
        let p = p.to_owned();
        std::thread::spawn(move || tx.send(load_frames(&p)));
        rx.recv_timeout(std::time::Duration::from_secs(10))
            .expect("the reader blocked on a non-regular file")
    }

    #[cfg(unix)]
    #[test]
    fn attack_fifo_named_as_an_image_is_an_error_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["0.png", "1.gif"] {
            let p = dir.path().join(name);
            let made = std::process::Command::new("mkfifo").arg(&p).status();
            assert!(made.unwrap().success(), "mkfifo");
            let e = load_within_seconds(&p).unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{e}");
        }
        // A folder named like an image is refused the same way.
        let p = dir.path().join("2.jpg");
        std::fs::create_dir(&p).unwrap();
        let e = load_within_seconds(&p).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }

    #[test]
    fn attack_still_image_padded_past_the_cap_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("padded.png");
        let m = super::super::qr::Matrix::encode("UR:BYTES/HELLO", qrcode::EcLevel::L).unwrap();
        m.image(4).save(&p).unwrap_or_else(|e| panic!("{e}"));
        // A valid image followed by zeros (sparse: no disk is used). Under the cap it is read.
        let file = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
        file.set_len(1 << 20).unwrap();
        let frames = load_within_seconds(&p).unwrap();
        assert_eq!(decode_frame(&frames[0]), vec!["UR:BYTES/HELLO".to_string()]);
        // One byte past the cap it is refused from the metadata, before a byte is read.
        file.set_len(MAX_IMAGE_BYTES + 1).unwrap();
        let t = std::time::Instant::now();
        let e = load_within_seconds(&p).unwrap_err();
        assert!(e.to_string().contains("more than airsign reads"), "{e}");
        assert!(
            t.elapsed().as_secs() < 5,
            "refused from the metadata, not after reading"
        );
    }

    #[test]
    fn attack_zero_size_gif_screen_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        for (w, h) in [(0, 0), (0, 5), (5, 0)] {
            let p = dir.path().join(format!("zero-{w}x{h}.gif"));
            std::fs::write(&p, gif_with_screen(w, h, 1)).unwrap();
            let e = load_frames(&p).unwrap_err();
            assert!(e.to_string().contains("no pixels"), "{e}");
        }
    }

    /// Adversarial review (issue 12): a 4.6 KB GIF of 200 one-pixel frames on a 2000 × 2000
    /// screen took 1 GB when every frame was decoded before the first was read. Frames now come
    /// one at a time: reading stops at the first and nothing else is decoded.
    #[test]
    fn attack_gif_of_many_tiny_frames_on_a_big_screen_is_read_one_frame_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("many.gif");
        std::fs::write(&p, gif_with_screen(2000, 2000, 200)).unwrap();
        let mut seen = 0;
        for_each_frame(&p, &mut GifBudget::new(), &mut |img| {
            assert_eq!((img.width(), img.height()), (2000, 2000));
            seen += 1;
            seen == 3
        })
        .unwrap();
        assert_eq!(seen, 3, "stopped when asked");
    }

    /// Fourth adversarial pass (issue 12): the GIF budget was per file, so a folder of 1 KB GIFs
    /// of one-pixel frames on a huge screen cost 40 s each. One budget now spans the scan: two
    /// GIFs that each fit it alone are refused together, once the second has used up the rest.
    #[test]
    fn attack_gifs_that_each_fit_the_budget_are_refused_together() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.gif"), dir.path().join("b.gif"));
        std::fs::write(&a, gif_with_screen(100, 100, 6)).unwrap();
        std::fs::write(&b, gif_with_screen(100, 100, 6)).unwrap();
        let ten_frames = || GifBudget {
            left: 10 * 100 * 100,
        };
        let mut seen = 0;
        let mut count = |_: DynamicImage| {
            seen += 1;
            false
        };
        // Each alone fits.
        for_each_frame(&a, &mut ten_frames(), &mut count).unwrap();
        for_each_frame(&b, &mut ten_frames(), &mut count).unwrap();
        assert_eq!(seen, 12);
        // Together, on one budget, the second stops after its fourth frame.
        seen = 0;
        let mut budget = ten_frames();
        let mut count = |_: DynamicImage| {
            seen += 1;
            false
        };
        for_each_frame(&a, &mut budget, &mut count).unwrap();
        let e = for_each_frame(&b, &mut budget, &mut count).unwrap_err();
        assert!(e.to_string().contains("in all"), "{e}");
        assert_eq!(seen, 10, "frames handed over before the refusal");
    }

    /// A 4K colour frame is wider than [`MAX_WIDTH`]: it goes grey through [`luma`] and is
    /// halved by 2 × 2 averages before the search, and its code still reads, with its modules at
    /// 9 px, 4.5 px after halving, and its text intact.
    #[test]
    fn a_4k_colour_frame_is_halved_and_read() {
        let text = "UR:BYTES/HELLO-FROM-A-4K-CAMERA";
        let code = super::super::qr::Matrix::encode(text, qrcode::EcLevel::M)
            .unwrap()
            .image(9);
        let frame = image::RgbImage::from_fn(3840, 2160, |x, y| {
            let (cx, cy) = (x.wrapping_sub(1500), y.wrapping_sub(700));
            let v = if cx < code.width() && cy < code.height() {
                code.get_pixel(cx, cy).0[0]
            } else {
                235
            };
            // A warm tint: a colour frame, not grey stored as RGB.
            image::Rgb([v, v.saturating_sub(20), v / 2])
        });
        let frame = DynamicImage::ImageRgb8(frame);
        let gray = grey_of(&frame);
        assert_eq!((gray.width(), gray.height()), (1920, 1080));
        assert_eq!(decode_frame(&frame), vec![text]);
    }

    /// Fifth adversarial pass: a colour polyglot of two codes, one colour per dark/light pair
    /// (neither dark: grey 130; only B: magenta; only A: green; both: dark grey). BT.709 weights
    /// (the `image` crate's `to_luma8`) read B, where zxing-cpp and PIL read A; airsign now reads
    /// A with them.
    #[test]
    fn attack_colour_polyglot_reads_as_zxing_cpp_reads_it() {
        let m = |t| super::super::qr::Matrix::encode(t, qrcode::EcLevel::L).unwrap();
        let (a, b) = (
            m("HELLO-THE-PAYMENT-YOU-MEANT"),
            m("EVIL-THE-OTHER-ONES-PAYMENT"),
        );
        let (a, b) = (a.image(6), b.image(6));
        assert_eq!(a.dimensions(), b.dimensions());
        let frame = image::RgbImage::from_fn(a.width(), a.height(), |x, y| {
            match (a.get_pixel(x, y).0[0] == 0, b.get_pixel(x, y).0[0] == 0) {
                (false, false) => image::Rgb([130, 130, 130]),
                (false, true) => image::Rgb([255, 0, 255]),
                (true, false) => image::Rgb([0, 130, 0]),
                (true, true) => image::Rgb([40, 40, 40]),
            }
        });
        let frame = DynamicImage::ImageRgb8(frame);
        assert_eq!(decode_frame(&frame), vec!["HELLO-THE-PAYMENT-YOU-MEANT"]);
        assert_eq!(
            decode_frame(&DynamicImage::ImageLuma8(frame.to_luma8())),
            vec!["EVIL-THE-OTHER-ONES-PAYMENT"],
            "BT.709 grey reads the other code (the attack is real)"
        );
        // Pure red, green and blue give BT.601's weights.
        let rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255];
        assert_eq!(luma(&rgb, 3, 3, 1).as_raw(), &vec![76, 150, 29]);
        assert_eq!(luma(&[255, 255, 255, 9], 4, 1, 1).as_raw(), &vec![255]);
    }

    /// Adversarial review (issue 12): an 84 KB PNG claiming 8192 × 8192 cost 750 MB and seconds
    /// to decode and search; it is refused from its header.
    #[test]
    fn attack_png_decompression_bomb_is_refused_from_its_header() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bomb.png");
        image::GrayImage::from_pixel(8192, 8192, Luma([255]))
            .save(&p)
            .unwrap();
        assert!(std::fs::metadata(&p).unwrap().len() < 1_000_000);
        let t = std::time::Instant::now();
        let e = load_frames(&p).unwrap_err();
        assert!(e.to_string().contains("larger than airsign reads"), "{e}");
        assert!(t.elapsed() < std::time::Duration::from_secs(2));
    }

    /// Frames come from a camera pointed at a screen nobody vouches for: any size reads as
    /// nothing rather than panicking, through both the one-frame and the sequence paths.
    #[test]
    fn frames_of_any_shape_read_as_nothing_without_panicking() {
        let mut s = 7u32;
        let mut scanner = Scanner::new();
        for (w, h) in [
            (0, 0),
            (1, 1),
            (1, 3000),
            (3000, 1),
            (20, 20),
            (21, 21),
            (64, 48),
            (2600, 30),
        ] {
            let img = GrayImage::from_fn(w, h, |_, _| {
                s = s.wrapping_mul(1_103_515_245).wrapping_add(12345);
                Luma([(s >> 24) as u8])
            });
            let d = DynamicImage::ImageLuma8(img);
            assert!(decode_frame(&d).is_empty(), "{w}x{h}");
            assert!(scanner.decode(&d).is_empty(), "{w}x{h}");
        }
    }

    #[test]
    fn a_gif_claiming_a_huge_screen_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bomb.gif");
        std::fs::write(&p, tiny_gif_with_a_huge_screen()).unwrap();
        let t = std::time::Instant::now();
        let e = load_frames(&p).unwrap_err();
        assert!(e.to_string().contains("65535"), "{e}");
        assert!(t.elapsed() < std::time::Duration::from_secs(5));
        // Named .png, the same bytes go through the image reader's limits.
        let q = dir.path().join("bomb.png");
        std::fs::write(&q, tiny_gif_with_a_huge_screen()).unwrap();
        assert!(load_frames(&q).is_err());
    }
}
