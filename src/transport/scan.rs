//! Reading QR codes from images with `rqrr`. Photos of screens need help: frames are converted to
//! grey, large frames are downscaled, and when a first pass finds nothing the frame is retried
//! with contrast stretching, then a global (Otsu) binarisation, then a light blur before it —
//! each retry only costs time on frames that failed.
use std::path::Path;

use image::{DynamicImage, GrayImage, Luma};

use super::TransportError;

/// Frames wider than this are halved before detection (detection cost grows with pixels).
const MAX_WIDTH: u32 = 1600;

fn detect(img: &GrayImage) -> Vec<String> {
    let mut prepared = rqrr::PreparedImage::prepare(img.clone());
    prepared
        .detect_grids()
        .iter()
        .filter_map(|g| g.decode().ok().map(|(_, s)| s))
        .collect()
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
    for candidate in [
        stretched.clone(),
        otsu(&stretched),
        otsu(&image::imageops::blur(&stretched, 1.2)),
    ] {
        let found = detect(&candidate);
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
        use image::AnimationDecoder;
        let f = std::io::BufReader::new(std::fs::File::open(path).map_err(|e| err(&e))?);
        let dec = image::codecs::gif::GifDecoder::new(f).map_err(|e| err(&e))?;
        let frames = dec.into_frames().collect_frames().map_err(|e| err(&e))?;
        return Ok(frames
            .into_iter()
            .map(|f| DynamicImage::ImageRgba8(f.into_buffer()))
            .collect());
    }
    let reader = image::ImageReader::open(path)
        .map_err(|e| err(&e))?
        .with_guessed_format()
        .map_err(|e| err(&e))?;
    let mut reader = reader;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(8192);
    limits.max_image_height = Some(8192);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    Ok(vec![reader.decode().map_err(|e| err(&e))?])
}
