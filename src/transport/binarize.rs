//! Black and white from grey, locally: a camera frame of a screen has a lighting gradient, glare
//! and low contrast, so one global threshold loses part of the code. This is the hybrid scheme
//! zxing uses: the frame is cut into 8×8 blocks, each block's threshold is the mean of the block
//! means in the 5×5 blocks around it, and a flat block (little contrast: inside a module, or
//! background) takes its neighbours' level so it is not split by noise.

/// Side of a block, in pixels.
const BLOCK: usize = 8;
/// A block whose darkest and lightest pixels differ by less than this is flat: zxing's
/// `MIN_DYNAMIC_RANGE` (flat at a range of 24 or less). It was 16 here until 2026-12-04: the
/// ±12 noise of a camera on a screen then split background blocks into specks that the finder
/// scan had to walk (half of a decode of benches/scan.rs's frames, perf). At zxing's value
/// those frames decode in half the time and the camera bench set reads 54 of 72, not 52. A
/// code fainter than this (contrast ×0.12 in fixtures/robustness) is read by the retries'
/// contrast stretch instead, in about 25 ms rather than 1.
const FLAT_BELOW: u8 = 25;

/// A binarised frame: `dark[y * width + x]` is true for dark pixels, with the threshold each
/// block used (the grid sampler compares grey module centres with it).
#[derive(Debug, Clone)]
pub struct Bitmap {
    /// Pixels per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// One flag per pixel, row by row.
    pub dark: Vec<bool>,
    blocks_x: usize,
    thresholds: Vec<u8>,
}

impl Bitmap {
    /// Whether pixel (x, y) is dark; outside the frame is light.
    pub fn is_dark(&self, x: i64, y: i64) -> bool {
        x >= 0
            && y >= 0
            && (x as usize) < self.width
            && (y as usize) < self.height
            && self.dark[y as usize * self.width + x as usize]
    }

    /// The threshold that applied at pixel (x, y) (clamped into the frame).
    pub fn threshold_at(&self, x: usize, y: usize) -> u8 {
        if self.thresholds.is_empty() {
            return 128;
        }
        let bx = (x / BLOCK).min(self.blocks_x - 1);
        let by = (y / BLOCK).min(self.thresholds.len() / self.blocks_x - 1);
        self.thresholds[by * self.blocks_x + bx]
    }
}

/// Binarise a grey frame of `width` × `height` pixels (`grey.len()` must be their product).
///
/// Written as whole-row passes (per-column lanes, then each block reduced from eight lanes) so
/// the compiler vectorises them: block by block it was 44 % of a clean frame's decode (perf,
/// 2026-12-03). `tests::the_row_passes_match_the_block_by_block_definition` holds it to the
/// plain version.
pub fn hybrid(grey: &[u8], width: usize, height: usize) -> Bitmap {
    assert_eq!(grey.len(), width * height, "grey buffer and size disagree");
    if width < BLOCK * 5 || height < BLOCK * 5 {
        return global(grey, width, height);
    }
    let (bw, bh) = (width.div_ceil(BLOCK), height.div_ceil(BLOCK));
    let means = block_means(grey, width, height, bw, bh);
    let mut thresholds = vec![0u8; bw * bh];
    let mut dark = vec![false; width * height];
    let mut row_threshold = vec![0u8; width];
    for by in 0..bh {
        let cy = by.clamp(2, bh - 3);
        for bx in 0..bw {
            let cx = bx.clamp(2, bw - 3);
            let mut sum = 0u32;
            for row in means[(cy - 2) * bw..(cy + 3) * bw].chunks_exact(bw) {
                sum += row[cx - 2..cx + 3]
                    .iter()
                    .map(|&v| u32::from(v))
                    .sum::<u32>();
            }
            let t = (sum / 25) as u8;
            thresholds[by * bw + bx] = t;
            let x0 = bx * BLOCK;
            row_threshold[x0..(x0 + BLOCK).min(width)].fill(t);
        }
        let y0 = by * BLOCK;
        for y in y0..(y0 + BLOCK).min(height) {
            let row = y * width..(y + 1) * width;
            for ((d, &g), &t) in dark[row.clone()]
                .iter_mut()
                .zip(&grey[row])
                .zip(&row_threshold)
            {
                *d = g <= t;
            }
        }
    }
    Bitmap {
        width,
        height,
        dark,
        blocks_x: bw,
        thresholds,
    }
}

/// Each block's level: its mean, or for a flat block a guess from its neighbours (a flat block
/// darker than its neighbours' level is dark, one at their level or lighter is light).
fn block_means(grey: &[u8], width: usize, height: usize, bw: usize, bh: usize) -> Vec<u8> {
    let mut means = vec![0u8; bw * bh];
    // Per column over a block row's eight pixel rows: sum, darkest, lightest.
    let (mut sums, mut los, mut his) = (vec![0u16; width], vec![0u8; width], vec![0u8; width]);
    for by in 0..bh {
        // The last row and column of blocks overlap the one before rather than leave the frame.
        let y0 = (by * BLOCK).min(height - BLOCK);
        sums.fill(0);
        los.fill(255);
        his.fill(0);
        for y in y0..y0 + BLOCK {
            let row = &grey[y * width..(y + 1) * width];
            for (((s, lo), hi), &v) in sums.iter_mut().zip(&mut los).zip(&mut his).zip(row) {
                *s += u16::from(v);
                *lo = (*lo).min(v);
                *hi = (*hi).max(v);
            }
        }
        for bx in 0..bw {
            let x0 = (bx * BLOCK).min(width - BLOCK);
            let cols = x0..x0 + BLOCK;
            let sum: u32 = sums[cols.clone()].iter().map(|&v| u32::from(v)).sum();
            let lo = los[cols.clone()].iter().copied().min().unwrap_or(0);
            let hi = his[cols].iter().copied().max().unwrap_or(0);
            let mut mean = (sum / (BLOCK * BLOCK) as u32) as u8;
            if hi - lo < FLAT_BELOW {
                mean = lo / 2;
                if bx > 0 && by > 0 {
                    let up = u32::from(means[(by - 1) * bw + bx]);
                    let left = u32::from(means[by * bw + bx - 1]);
                    let diag = u32::from(means[(by - 1) * bw + bx - 1]);
                    let around = ((up + 2 * left + diag) / 4) as u8;
                    if lo < around {
                        mean = around;
                    }
                }
            }
            means[by * bw + bx] = mean;
        }
    }
    means
}

/// Frames too small for blocks: one threshold (Otsu's) for all.
fn global(grey: &[u8], width: usize, height: usize) -> Bitmap {
    let t = otsu_threshold(grey);
    Bitmap {
        width,
        height,
        dark: grey.iter().map(|&v| v <= t).collect(),
        blocks_x: 1,
        thresholds: vec![t],
    }
}

/// Otsu's threshold: the grey level that best separates the histogram into two classes.
pub fn otsu_threshold(grey: &[u8]) -> u8 {
    let mut hist = [0f64; 256];
    for &v in grey {
        hist[v as usize] += 1.0;
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
    t
}

/// Halve a grey frame, each pixel the mean of a 2×2 block: noise drops by half and blur is
/// half as many pixels wide, at a quarter of the cost of every later step.
pub fn halve(grey: &[u8], width: usize, height: usize) -> (Vec<u8>, usize, usize) {
    let (w, h) = (width / 2, height / 2);
    let mut out = vec![0u8; w * h];
    if w == 0 {
        return (out, w, h);
    }
    // Each output row from two input rows sliced to length first, so the loop carries no bounds
    // checks and no capacity checks: pushing pixel by pixel, halving was half of a clean 1080p
    // frame's decode (perf, 2026-12-04), a quarter now.
    for (y, dst) in out.chunks_exact_mut(w).enumerate() {
        let r0 = &grey[2 * y * width..][..2 * w];
        let r1 = &grey[(2 * y + 1) * width..][..2 * w];
        for (x, d) in dst.iter_mut().enumerate() {
            let s = u16::from(r0[2 * x])
                + u16::from(r0[2 * x + 1])
                + u16::from(r1[2 * x])
                + u16::from(r1[2 * x + 1]);
            *d = (s / 4) as u8;
        }
    }
    (out, w, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A screen's light background under a camera's ±12 noise stays light: blocks whose range is
    /// within zxing's 24 levels are flat and take their neighbours' level, so the finder scan
    /// does not walk a field of specks. The dark square beside it is still dark.
    #[test]
    fn camera_noise_on_a_flat_background_binarises_as_background() {
        let (w, h) = (160usize, 80usize);
        let mut rng = crate::transport::xoshiro::Xoshiro256::from_bytes(b"screen noise");
        let grey: Vec<u8> = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                let level = if (100..140).contains(&x) && (20..60).contains(&y) {
                    40
                } else {
                    190
                };
                (level as f64 + (rng.next_double() * 24.0 - 12.0)).round() as u8
            })
            .collect();
        let b = hybrid(&grey, w, h);
        let specks = (0..h)
            .flat_map(|y| (0..80).map(move |x| (x, y)))
            .filter(|&(x, y)| b.is_dark(x as i64, y as i64))
            .count();
        assert_eq!(specks, 0, "dark specks in the noisy background");
        assert!(b.is_dark(120, 40), "the dark square");
    }

    /// A dark square on a light background that brightens fourfold from left to right: no single
    /// threshold separates the dark square on the right from the background on the left.
    #[test]
    fn a_lighting_gradient_does_not_hide_a_dark_square() {
        let (w, h) = (200usize, 100usize);
        let grey: Vec<u8> = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                let light = 50.0 + 200.0 * x as f64 / w as f64;
                let inside = (150..180).contains(&x) && (30..60).contains(&y);
                (light * if inside { 0.35 } else { 1.0 }) as u8
            })
            .collect();
        let b = hybrid(&grey, w, h);
        assert!(b.is_dark(165, 45), "the square on the bright side is dark");
        assert!(!b.is_dark(10, 10), "the dim background is light");
        assert!(!b.is_dark(120, 80), "the background beside it is light");
        // A global threshold gets one of them wrong.
        let t = otsu_threshold(&grey);
        assert!(grey[45 * w + 165] > t || grey[10 * w + 10] <= t);
    }

    #[test]
    fn flat_frames_and_tiny_frames_do_not_panic() {
        for (w, h) in [
            (0, 0),
            (1, 1),
            (1, 500),
            (500, 1),
            (39, 39),
            (41, 41),
            (8, 8),
        ] {
            let grey = vec![77u8; w * h];
            let b = hybrid(&grey, w, h);
            assert_eq!(b.dark.len(), w * h);
            let _ = b.threshold_at(w.saturating_sub(1), h.saturating_sub(1));
            assert!(!b.is_dark(-1, 0) && !b.is_dark(w as i64, 0));
        }
    }

    #[test]
    fn halving_averages_blocks() {
        let grey = [0u8, 100, 200, 255, 4, 100, 200, 255, 9, 9, 9, 9];
        let (out, w, h) = halve(&grey, 4, 3);
        assert_eq!((w, h), (2, 1));
        assert_eq!(out, vec![51, 227]);
        // An odd column is dropped like an odd row; a frame under two pixels is empty.
        let (out, w, h) = halve(&[8, 0, 99, 4, 4, 99], 3, 2);
        assert_eq!((out, w, h), (vec![4], 1, 1));
        assert_eq!(halve(&[1, 2], 1, 2), (vec![], 0, 1));
    }

    /// The binarizer as first written, block by block: the definition the vectorised row passes
    /// must reproduce bit for bit.
    fn hybrid_reference(grey: &[u8], width: usize, height: usize) -> Bitmap {
        assert_eq!(grey.len(), width * height, "grey buffer and size disagree");
        if width < BLOCK * 5 || height < BLOCK * 5 {
            return global(grey, width, height);
        }
        let (bw, bh) = (width.div_ceil(BLOCK), height.div_ceil(BLOCK));
        let means = block_means_reference(grey, width, height, bw, bh);
        let mut thresholds = vec![0u8; bw * bh];
        let mut dark = vec![false; width * height];
        for by in 0..bh {
            let cy = by.clamp(2, bh - 3);
            for bx in 0..bw {
                let cx = bx.clamp(2, bw - 3);
                let mut sum = 0u32;
                for row in means[(cy - 2) * bw..(cy + 3) * bw].chunks_exact(bw) {
                    sum += row[cx - 2..cx + 3]
                        .iter()
                        .map(|&v| u32::from(v))
                        .sum::<u32>();
                }
                let t = (sum / 25) as u8;
                thresholds[by * bw + bx] = t;
                let (x0, y0) = (bx * BLOCK, by * BLOCK);
                for y in y0..(y0 + BLOCK).min(height) {
                    let row = y * width;
                    for x in x0..(x0 + BLOCK).min(width) {
                        dark[row + x] = grey[row + x] <= t;
                    }
                }
            }
        }
        super::Bitmap {
            width,
            height,
            dark,
            blocks_x: bw,
            thresholds,
        }
    }

    /// Each block's level: its mean, or for a flat block a guess from its neighbours (a flat block
    /// darker than its neighbours' level is dark, one at their level or lighter is light).
    fn block_means_reference(
        grey: &[u8],
        width: usize,
        height: usize,
        bw: usize,
        bh: usize,
    ) -> Vec<u8> {
        let mut means = vec![0u8; bw * bh];
        for by in 0..bh {
            // The last row and column of blocks overlap the one before rather than leave the frame.
            let y0 = (by * BLOCK).min(height - BLOCK);
            for bx in 0..bw {
                let x0 = (bx * BLOCK).min(width - BLOCK);
                let (mut sum, mut lo, mut hi) = (0u32, 255u8, 0u8);
                for y in y0..y0 + BLOCK {
                    for &v in &grey[y * width + x0..y * width + x0 + BLOCK] {
                        sum += u32::from(v);
                        lo = lo.min(v);
                        hi = hi.max(v);
                    }
                }
                let mut mean = (sum / (BLOCK * BLOCK) as u32) as u8;
                if hi - lo < FLAT_BELOW {
                    mean = lo / 2;
                    if bx > 0 && by > 0 {
                        let up = u32::from(means[(by - 1) * bw + bx]);
                        let left = u32::from(means[by * bw + bx - 1]);
                        let diag = u32::from(means[(by - 1) * bw + bx - 1]);
                        let around = ((up + 2 * left + diag) / 4) as u8;
                        if lo < around {
                            mean = around;
                        }
                    }
                }
                means[by * bw + bx] = mean;
            }
        }
        means
    }

    #[test]
    fn the_row_passes_match_the_block_by_block_definition() {
        // Seeded noise over a gradient, with flat patches (the neighbour rule) and sizes that
        // leave partial blocks on both edges.
        let mut rng = crate::transport::xoshiro::Xoshiro256::from_bytes(b"binarize rows");
        for (w, h) in [(40, 40), (41, 57), (200, 100), (643, 481), (1280, 720)] {
            let grey: Vec<u8> = (0..w * h)
                .map(|i| {
                    let (x, y) = (i % w, i / w);
                    if (x / 24 + y / 24) % 3 == 0 {
                        (60 + (x / 24) % 5 * 30) as u8
                    } else {
                        ((x * 255 / w) as u64 / 2 + rng.next_u64() % 128) as u8
                    }
                })
                .collect();
            let (fast, plain) = (hybrid(&grey, w, h), hybrid_reference(&grey, w, h));
            assert_eq!(fast.dark, plain.dark, "{w}x{h}");
            assert_eq!(fast.thresholds, plain.thresholds, "{w}x{h}");
        }
    }
}
