//! Reading QR codes from images with `rqrr`. Photos of screens need help: frames are converted to
//! grey, large frames are downscaled, and when a first pass finds nothing the frame is retried
//! with contrast stretching, a global (Otsu) binarisation, blur then Otsu, upscaling, and
//! upscaling with sharpening — each retry only costs time on frames that failed.
use std::path::Path;

use image::{DynamicImage, GrayImage, Luma};

use super::TransportError;

/// Frames wider than this are halved before detection (detection cost grows with pixels).
const MAX_WIDTH: u32 = 1600;

/// Decoded codes with their bounding boxes (x0, y0, x1, y1) in `img` coordinates and their size
/// in modules.
fn detect_boxes(img: &GrayImage) -> Vec<(String, [u32; 4], usize)> {
    detect_quads(img)
        .into_iter()
        .map(|(s, b, n, _)| (s, b, n))
        .collect()
}

/// As [`detect_boxes`], with the four corners (TL, TR, BR, BL) of each code.
fn detect_quads(img: &GrayImage) -> Vec<(String, [u32; 4], usize, Quad)> {
    use rqrr::BitGrid;
    let mut prepared = rqrr::PreparedImage::prepare(img.clone());
    prepared
        .detect_grids()
        .iter()
        .filter_map(|g| {
            let (_, s) = g.decode().ok()?;
            let xs = g.bounds.iter().map(|p| p.x.max(0) as u32);
            let ys = g.bounds.iter().map(|p| p.y.max(0) as u32);
            let b = [xs.clone().min()?, ys.clone().min()?, xs.max()?, ys.max()?];
            let q = g.bounds.map(|p| (f64::from(p.x), f64::from(p.y)));
            Some((s, b, g.grid.size(), q))
        })
        .collect()
}

fn detect(img: &GrayImage) -> Vec<String> {
    detect_boxes(img).into_iter().map(|(s, _, _)| s).collect()
}

fn stretch(img: &GrayImage) -> GrayImage {
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
    let span = (hi - lo).max(1) as f32;
    GrayImage::from_fn(img.width(), img.height(), |x, y| {
        let v = img.get_pixel(x, y).0[0] as f32;
        Luma([((v - lo as f32) * 255.0 / span).clamp(0.0, 255.0) as u8])
    })
}

fn otsu(img: &GrayImage) -> GrayImage {
    let mut hist = [0f64; 256];
    for p in img.pixels() {
        hist[p.0[0] as usize] += 1.0;
    }
    let total: f64 = hist.iter().sum();
    let sum: f64 = hist.iter().enumerate().map(|(i, h)| i as f64 * h).sum();
    let (mut wb, mut sb, mut best, mut t) = (0.0, 0.0, 0.0, 128u8);
    for (i, h) in hist.iter().enumerate() {
        wb += h;
        if wb == 0.0 || wb == total {
            continue;
        }
        sb += i as f64 * h;
        let (mb, mf) = (sb / wb, (sum - sb) / (total - wb));
        let between = wb * (total - wb) * (mb - mf) * (mb - mf);
        if between > best {
            best = between;
            t = i as u8;
        }
    }
    GrayImage::from_fn(img.width(), img.height(), |x, y| {
        Luma([if img.get_pixel(x, y).0[0] > t { 255 } else { 0 }])
    })
}

/// Every QR payload found in a frame, trying harder only when the first pass finds none.
pub fn decode_frame(img: &DynamicImage) -> Vec<String> {
    let mut gray = img.to_luma8();
    while gray.width() > MAX_WIDTH {
        gray = image::imageops::resize(
            &gray,
            gray.width() / 2,
            gray.height() / 2,
            image::imageops::FilterType::Triangle,
        );
    }
    let found = detect(&gray);
    if !found.is_empty() {
        return found;
    }
    let stretched = stretch(&gray);
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
                    &gray,
                    w * 2,
                    h * 2,
                    image::imageops::FilterType::CatmullRom,
                ),
                2.0,
                10,
            )
        },
    ];
    for make in candidates {
        let found = detect(&make());
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

/// Load an image file (PNG, JPEG) or every frame of a GIF.
pub fn load_frames(path: &Path) -> Result<Vec<DynamicImage>, TransportError> {
    let err = |e: &dyn std::fmt::Display| TransportError::Image(format!("{}: {e}", path.display()));
    let is_gif = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gif"));
    if is_gif {
        return load_gif(path);
    }
    let reader = image::ImageReader::open(path)
        .map_err(|e| err(&e))?
        .with_guessed_format()
        .map_err(|e| err(&e))?;
    let mut reader = reader;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    Ok(vec![reader.decode().map_err(|e| err(&e))?])
}

/// Largest image side read (a 4K camera frame is 3840 wide; our own GIFs are a few hundred).
const MAX_SIDE: u32 = 8192;
/// Most pixels decoded from one animated GIF, all frames together (every frame is composited on
/// the GIF's whole logical screen): about 1 GiB of RGBA.
const MAX_GIF_PIXELS: u64 = 256 * 1024 * 1024;

/// The frames of an animated GIF, refusing a logical screen or a frame count that would make
/// decoding take gigabytes: a 43-byte GIF can claim a 65535 × 65535 screen.
fn load_gif(path: &Path) -> Result<Vec<DynamicImage>, TransportError> {
    use image::{AnimationDecoder, ImageDecoder};
    let err = |e: &dyn std::fmt::Display| TransportError::Image(format!("{}: {e}", path.display()));
    let mut header = [0u8; 10];
    {
        use std::io::Read;
        let mut f = std::fs::File::open(path).map_err(|e| err(&e))?;
        f.read_exact(&mut header).map_err(|e| err(&e))?;
    }
    let (w, h) = (
        u32::from(u16::from_le_bytes([header[6], header[7]])),
        u32::from(u16::from_le_bytes([header[8], header[9]])),
    );
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(err(&format!(
            "a {w} × {h} GIF is larger than the {MAX_SIDE} × {MAX_SIDE} airsign reads"
        )));
    }
    let f = std::io::BufReader::new(std::fs::File::open(path).map_err(|e| err(&e))?);
    let mut dec = image::codecs::gif::GifDecoder::new(f).map_err(|e| err(&e))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    dec.set_limits(limits).map_err(|e| err(&e))?;
    let per_frame = u64::from(w.max(1)) * u64::from(h.max(1));
    let max_frames = (MAX_GIF_PIXELS / per_frame).max(1) as usize;
    let mut out = Vec::new();
    for frame in dec.into_frames() {
        if out.len() >= max_frames {
            return Err(err(&format!(
                "more than {max_frames} frames of {w} × {h}: too much to decode"
            )));
        }
        out.push(DynamicImage::ImageRgba8(
            frame.map_err(|e| err(&e))?.into_buffer(),
        ));
    }
    Ok(out)
}

/// A scanner for animated sequences: the code barely moves between frames, so each frame is first
/// searched only around where the last code was (a fraction of the pixels), and the whole frame
/// (with the retries of [`decode_frame`]) only when that fails.
#[derive(Debug, Default, Clone)]
pub struct Scanner {
    /// Corners and size of the last code: the next frame is first read by sampling the modules
    /// where they were, with no detection at all.
    last: Option<(Quad, usize)>,
    /// Frames read by sampling alone.
    pub sampled_hits: u64,
    roi: Option<[u32; 4]>,
    /// Pixels per module of the last code: above 5 the region is searched at half resolution.
    module_px: u32,
    /// Frames answered from the region of interest alone.
    pub roi_hits: u64,
}

impl Scanner {
    /// A scanner with no history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decode one frame of a sequence.
    pub fn decode(&mut self, img: &DynamicImage) -> Vec<String> {
        let gray = img.to_luma8();
        if let Some((quad, n)) = self.last {
            if let Some(text) = sample_and_decode(&gray, &quad, n) {
                self.sampled_hits += 1;
                return vec![text];
            }
        }
        if let Some([x0, y0, x1, y1]) = self.roi {
            // Grow the last box by a quarter of its size on each side.
            let (w, h) = (x1 - x0, y1 - y0);
            let (mx, my) = (w / 4 + 8, h / 4 + 8);
            let cx0 = x0.saturating_sub(mx);
            let cy0 = y0.saturating_sub(my);
            let cx1 = (x1 + mx).min(gray.width());
            let cy1 = (y1 + my).min(gray.height());
            if cx1 > cx0 + 16 && cy1 > cy0 + 16 {
                let mut crop =
                    image::imageops::crop_imm(&gray, cx0, cy0, cx1 - cx0, cy1 - cy0).to_image();
                // Large modules carry no extra information: halve the pixels to search.
                let scale = if self.module_px > 5 { 2 } else { 1 };
                if scale > 1 {
                    crop = image::imageops::resize(
                        &crop,
                        crop.width() / scale,
                        crop.height() / scale,
                        image::imageops::FilterType::Triangle,
                    );
                }
                let found = detect_quads(&crop);
                if let Some((_, b, n, q)) = found.first() {
                    let b = b.map(|v| v * scale);
                    let (sx, ox, oy) = (f64::from(scale), f64::from(cx0), f64::from(cy0));
                    self.last = Some((q.map(|(x, y)| (x * sx + ox, y * sx + oy)), *n));
                    self.roi = Some([b[0] + cx0, b[1] + cy0, b[2] + cx0, b[3] + cy0]);
                    self.module_px = (b[2] - b[0]) / (*n as u32).max(1);
                    self.roi_hits += 1;
                    return found.into_iter().map(|(s, _, _, _)| s).collect();
                }
            }
        }
        let found = detect_quads(&gray);
        if let Some((_, b, n, q)) = found.first() {
            self.last = Some((*q, *n));
            self.roi = Some(*b);
            self.module_px = (b[2] - b[0]) / (*n as u32).max(1);
            return found.into_iter().map(|(s, _, _, _)| s).collect();
        }
        self.roi = None;
        self.last = None;
        decode_frame(img)
    }
}

/// Four corners (TL, TR, BR, BL) of a code's module grid, in pixels.
type Quad = [(f64, f64); 4];

/// Heckbert's unit-square → quadrilateral projective map, as (a, b, c, d, e, f, g, h):
/// x = (a u + b v + c) / (g u + h v + 1), y = (d u + e v + f) / (g u + h v + 1).
fn square_to_quad(q: &Quad) -> [f64; 8] {
    let [(x0, y0), (x1, y1), (x2, y2), (x3, y3)] = *q;
    let (dx3, dy3) = (x0 - x1 + x2 - x3, y0 - y1 + y2 - y3);
    if dx3.abs() < 1e-9 && dy3.abs() < 1e-9 {
        return [x1 - x0, x2 - x1, x0, y1 - y0, y2 - y1, y0, 0.0, 0.0];
    }
    let (dx1, dx2, dy1, dy2) = (x1 - x2, x3 - x2, y1 - y2, y3 - y2);
    let det = dx1 * dy2 - dx2 * dy1;
    let g = (dx3 * dy2 - dx2 * dy3) / det;
    let h = (dx1 * dy3 - dx3 * dy1) / det;
    [
        x1 - x0 + g * x1,
        x3 - x0 + h * x3,
        x0,
        y1 - y0 + g * y1,
        y3 - y0 + h * y3,
        y0,
        g,
        h,
    ]
}

/// Read an `n`×`n` code by sampling module centres inside `quad` and hand the grid to rqrr's
/// decoder (Reed–Solomon and format checks included, so a wrong guess fails cleanly).
fn sample_and_decode(img: &GrayImage, quad: &Quad, n: usize) -> Option<String> {
    // rqrr's corners sit one module beyond the grid's far edges (measured: a 405-pixel, 81-module
    // code reports a 410-pixel span), so module centres are at (i + 0.5) / (n + 1).
    sample_with(img, quad, n, n as f64 + 1.0).or_else(|| sample_with(img, quad, n, n as f64))
}

fn sample_with(img: &GrayImage, quad: &Quad, n: usize, span: f64) -> Option<String> {
    let [a, b, c, d, e, f, g, h] = square_to_quad(quad);
    let (w, hgt) = (img.width() as f64, img.height() as f64);
    let mut samples = Vec::with_capacity(n * n);
    for y in 0..n {
        for x in 0..n {
            let (u, v) = ((x as f64 + 0.5) / span, (y as f64 + 0.5) / span);
            let den = g * u + h * v + 1.0;
            let (px, py) = ((a * u + b * v + c) / den, (d * u + e * v + f) / den);
            if !(0.0..w - 1.0).contains(&px) || !(0.0..hgt - 1.0).contains(&py) {
                return None;
            }
            samples.push(img.get_pixel(px as u32, py as u32).0[0]);
        }
    }
    let (lo, hi) = samples
        .iter()
        .fold((255u8, 0u8), |(l, m), &v| (l.min(v), m.max(v)));
    if hi.saturating_sub(lo) < 40 {
        return None;
    }
    let mid = ((u16::from(lo) + u16::from(hi)) / 2) as u8;
    let grid = rqrr::SimpleGrid::from_func(n, |x, y| samples[y * n + x] < mid);
    rqrr::Grid::new(grid).decode().ok().map(|(_, s)| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 43-byte GIF that claims a 65535 × 65535 logical screen around one 1 × 1 frame: decoding
    /// it took minutes and 17 GB before the size check.
    fn tiny_gif_with_a_huge_screen() -> Vec<u8> {
        let mut g = b"GIF89a".to_vec();
        g.extend_from_slice(&65535u16.to_le_bytes());
        g.extend_from_slice(&65535u16.to_le_bytes());
        g.extend_from_slice(b"\x80\x00\x00\x00\x00\x00\xff\xff\xff");
        g.extend_from_slice(
            b"\x21\xf9\x04\x00\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00",
        );
        g.extend_from_slice(b"\x02\x02\x4c\x01\x00\x3b");
        g
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
