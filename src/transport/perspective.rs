//! From a located code to its text: a projective map from module coordinates to pixels, sampling
//! each module centre against the local threshold, and rqrr's decoder (format, Reed–Solomon and
//! mode handling) on the sampled grid. A wrong map fails the Reed–Solomon check, never returns a
//! wrong text.
use super::binarize::Bitmap;

/// A point in module coordinates and where it is in pixels.
pub type Pair = ((f64, f64), (f64, f64));

/// A projective map (homography) `p ↦ (a p) / (c p)` as a 3×3 matrix, row-major.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Homography([f64; 9]);

impl Homography {
    /// The map taking the unit square's corners (0,0), (1,0), (1,1), (0,1) to `q` (Heckbert's
    /// closed form).
    pub fn square_to_quad(q: &[(f64, f64); 4]) -> Option<Self> {
        let [(x0, y0), (x1, y1), (x2, y2), (x3, y3)] = *q;
        let (dx3, dy3) = (x0 - x1 + x2 - x3, y0 - y1 + y2 - y3);
        let m = if dx3.abs() < 1e-9 && dy3.abs() < 1e-9 {
            [x1 - x0, x3 - x0, x0, y1 - y0, y3 - y0, y0, 0.0, 0.0, 1.0]
        } else {
            let (dx1, dx2, dy1, dy2) = (x1 - x2, x3 - x2, y1 - y2, y3 - y2);
            let det = dx1 * dy2 - dx2 * dy1;
            if det.abs() < 1e-12 {
                return None;
            }
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
                1.0,
            ]
        };
        let h = Homography(m);
        h.is_finite().then_some(h)
    }

    /// The map taking the corners of quadrilateral `from` to those of `to`, in order.
    pub fn quad_to_quad(from: &[(f64, f64); 4], to: &[(f64, f64); 4]) -> Option<Self> {
        let a = Self::square_to_quad(from)?.inverse()?;
        let b = Self::square_to_quad(to)?;
        Some(b.then_after(&a))
    }

    /// The least-squares map through `pairs` of (module coordinates, pixels), at least four
    /// and not all on a line: every alignment pattern found adds a pair, and their errors
    /// average out where four points would carry each one's whole error into the grid.
    pub fn fit(pairs: &[Pair]) -> Option<Self> {
        if pairs.len() < 4 {
            return None;
        }
        // Both point sets moved to their centroid and scaled to unit spread first: the normal
        // equations mix pixel coordinates with their squares and are badly conditioned raw.
        let norm = |pts: &mut dyn Iterator<Item = (f64, f64)>| {
            let v: Vec<(f64, f64)> = pts.collect();
            let n = v.len() as f64;
            let (cx, cy) = v
                .iter()
                .fold((0.0, 0.0), |a, p| (a.0 + p.0 / n, a.1 + p.1 / n));
            let spread = v.iter().map(|p| (p.0 - cx).hypot(p.1 - cy)).sum::<f64>() / n;
            (spread > 1e-9).then_some((cx, cy, 1.0 / spread))
        };
        let (ux, uy, us) = norm(&mut pairs.iter().map(|p| p.0))?;
        let (px, py, ps) = norm(&mut pairs.iter().map(|p| p.1))?;
        let mut ata = [[0.0f64; 9]; 8];
        for &((u, v), (x, y)) in pairs {
            let (u, v) = ((u - ux) * us, (v - uy) * us);
            let (x, y) = ((x - px) * ps, (y - py) * ps);
            // x (g u + h v + 1) = a u + b v + c, likewise for y: linear in a..h.
            let rows = [
                [u, v, 1.0, 0.0, 0.0, 0.0, -u * x, -v * x, x],
                [0.0, 0.0, 0.0, u, v, 1.0, -u * y, -v * y, y],
            ];
            for r in &rows {
                for i in 0..8 {
                    for j in 0..9 {
                        ata[i][j] += r[i] * r[j];
                    }
                }
            }
        }
        let h = solve8(ata)?;
        let n = Homography([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 1.0]);
        // Undo the normalisations: pixels = P⁻¹ · n · U.
        let u = Homography([us, 0.0, -ux * us, 0.0, us, -uy * us, 0.0, 0.0, 1.0]);
        let p_inv = Homography([1.0 / ps, 0.0, px, 0.0, 1.0 / ps, py, 0.0, 0.0, 1.0]);
        let m = p_inv.then_after(&n.then_after(&u));
        m.is_finite().then_some(m)
    }

    fn is_finite(&self) -> bool {
        self.0.iter().all(|v| v.is_finite())
    }

    /// `self ∘ other`: apply `other` first.
    fn then_after(&self, other: &Homography) -> Homography {
        let (a, b) = (&self.0, &other.0);
        let mut m = [0.0; 9];
        for r in 0..3 {
            for c in 0..3 {
                m[r * 3 + c] = (0..3).map(|k| a[r * 3 + k] * b[k * 3 + c]).sum();
            }
        }
        Homography(m)
    }

    fn inverse(&self) -> Option<Homography> {
        let m = &self.0;
        let cof = [
            m[4] * m[8] - m[5] * m[7],
            m[2] * m[7] - m[1] * m[8],
            m[1] * m[5] - m[2] * m[4],
            m[5] * m[6] - m[3] * m[8],
            m[0] * m[8] - m[2] * m[6],
            m[2] * m[3] - m[0] * m[5],
            m[3] * m[7] - m[4] * m[6],
            m[1] * m[6] - m[0] * m[7],
            m[0] * m[4] - m[1] * m[3],
        ];
        let det = m[0] * cof[0] + m[1] * cof[3] + m[2] * cof[6];
        if det.abs() < 1e-12 || !det.is_finite() {
            return None;
        }
        Some(Homography(cof.map(|v| v / det)))
    }

    /// Where (u, v) lands.
    pub fn map(&self, u: f64, v: f64) -> (f64, f64) {
        let m = &self.0;
        let w = m[6] * u + m[7] * v + m[8];
        (
            (m[0] * u + m[1] * v + m[2]) / w,
            (m[3] * u + m[4] * v + m[5]) / w,
        )
    }

    /// Pixels per module around module coordinates (u, v).
    pub fn module_px_at(&self, u: f64, v: f64) -> f64 {
        let p = self.map(u, v);
        let (r, d) = (self.map(u + 1.0, v), self.map(u, v + 1.0));
        ((r.0 - p.0).hypot(r.1 - p.1) + (d.0 - p.0).hypot(d.1 - p.1)) / 2.0
    }

    /// The same map for an image scaled by `s` (a located code in a halved frame, used on the
    /// full one).
    pub fn scaled(&self, s: f64) -> Homography {
        let mut m = self.0;
        for v in &mut m[..6] {
            *v *= s;
        }
        Homography(m)
    }

    /// The same map for an image shifted by (dx, dy) (a code found in a crop).
    pub fn shifted(&self, dx: f64, dy: f64) -> Homography {
        let mut m = self.0;
        for c in 0..3 {
            m[c] += dx * m[6 + c];
            m[3 + c] += dy * m[6 + c];
        }
        Homography(m)
    }
}

/// Gaussian elimination with partial pivoting on 8 equations (augmented column last).
fn solve8(mut m: [[f64; 9]; 8]) -> Option<[f64; 8]> {
    for col in 0..8 {
        let pivot = (col..8).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[pivot][col].abs() < 1e-12 {
            return None;
        }
        m.swap(col, pivot);
        let p = m[col];
        for (r, row) in m.iter_mut().enumerate() {
            if r != col {
                let f = row[col] / p[col];
                for (v, pv) in row[col..].iter_mut().zip(&p[col..]) {
                    *v -= f * pv;
                }
            }
        }
    }
    let mut out = [0.0; 8];
    for (i, o) in out.iter_mut().enumerate() {
        *o = m[i][8] / m[i][i];
    }
    out.iter().all(|v| v.is_finite()).then_some(out)
}

/// Where a code is: the map from module coordinates (module (x, y) spans [x, x+1) × [y, y+1))
/// to pixels, and its size in modules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Located {
    /// Module coordinates → pixels.
    pub map: Homography,
    /// Modules per side (21 to 177).
    pub size: usize,
}

impl Located {
    /// The four outer corners of the module grid, TL, TR, BR, BL, in pixels.
    pub fn corners(&self) -> [(f64, f64); 4] {
        let n = self.size as f64;
        [(0.0, 0.0), (n, 0.0), (n, n), (0.0, n)].map(|(u, v)| self.map.map(u, v))
    }

    /// Bounding box (x0, y0, x1, y1) of the code in pixels, clamped to non-negative.
    pub fn bounds(&self) -> [u32; 4] {
        let c = self.corners();
        let f = |v: f64| v.max(0.0).min(f64::from(u32::MAX)) as u32;
        let xs = c.map(|p| p.0);
        let ys = c.map(|p| p.1);
        [
            f(xs.iter().cloned().fold(f64::MAX, f64::min)),
            f(ys.iter().cloned().fold(f64::MAX, f64::min)),
            f(xs.iter().cloned().fold(f64::MIN, f64::max)),
            f(ys.iter().cloned().fold(f64::MIN, f64::max)),
        ]
    }

    /// Pixels per module along the top edge.
    pub fn module_px(&self) -> f64 {
        let c = self.corners();
        ((c[1].0 - c[0].0).hypot(c[1].1 - c[0].1)) / self.size as f64
    }
}

/// Sample every module centre of `loc` in a grey frame and decode. Each centre is the mean of
/// the pixel and its four neighbours, compared with the binariser's threshold there (or, without
/// one, the midpoint of the darkest and lightest samples).
pub fn sample_and_decode(
    grey: &[u8],
    width: usize,
    height: usize,
    bits: Option<&Bitmap>,
    loc: &Located,
) -> Option<String> {
    let n = loc.size;
    if !(21..=177).contains(&n) || width < 3 || height < 3 || grey.len() != width * height {
        return None;
    }
    let (wl, hl) = ((width - 2) as f64, (height - 2) as f64);
    // A module centre's grey (the pixel and its four neighbours) and the pixel it was read at.
    let sample = |x: usize, y: usize| {
        let (px, py) = loc.map.map(x as f64 + 0.5, y as f64 + 0.5);
        if !(px >= 1.0 && px < wl && py >= 1.0 && py < hl) {
            return None;
        }
        let (ix, iy) = (px as usize, py as usize);
        let at = |dx: usize, dy: usize| u16::from(grey[(iy + dy - 1) * width + ix + dx - 1]);
        let v = (at(1, 1) * 4 + at(0, 1) + at(2, 1) + at(1, 0) + at(1, 2)) / 8;
        Some((v as u8, ix, iy))
    };
    if let Some(b) = bits {
        let dark_at = |x: usize, y: usize| {
            sample(x, y).is_some_and(|(v, ix, iy)| v <= b.threshold_at(ix, iy))
        };
        if !version_info_agrees(n, dark_at) {
            return None;
        }
    }
    let mut samples = Vec::with_capacity(n * n);
    let mut thresholds = Vec::with_capacity(if bits.is_some() { n * n } else { 0 });
    for y in 0..n {
        for x in 0..n {
            let (v, ix, iy) = sample(x, y)?;
            samples.push(v);
            if let Some(b) = bits {
                thresholds.push(b.threshold_at(ix, iy));
            }
        }
    }
    let dark: Vec<bool> = if bits.is_some() {
        samples
            .iter()
            .zip(&thresholds)
            .map(|(&v, &t)| v <= t)
            .collect()
    } else {
        let (lo, hi) = samples
            .iter()
            .fold((255u8, 0u8), |(l, m), &v| (l.min(v), m.max(v)));
        if hi.saturating_sub(lo) < 24 {
            return None;
        }
        let mid = ((u16::from(lo) + u16::from(hi)) / 2) as u8;
        samples.iter().map(|&v| v < mid).collect()
    };
    decode_bits(n, &dark)
}

/// The 18-bit version information a code of `version` (7 to 40) carries twice: the version in
/// the top six bits and a BCH(18, 6) remainder under generator 0x1F25 (ISO/IEC 18004 annex D).
fn version_info(version: u32) -> u32 {
    let mut rem = version << 12;
    for bit in (12..18).rev() {
        if rem >> bit & 1 == 1 {
            rem ^= 0x1F25 << (bit - 12);
        }
    }
    version << 12 | rem
}

/// Whether a grid of `n` modules (read through `dark_at(x, y)`) could be the version its size
/// says: codes of version 7 and up carry their version in two 6 × 3 blocks beside the top-right
/// and bottom-left finders, and one of them must lie within the three bit errors BCH(18, 6)
/// corrects (as zxing reads them). A wrong size guess for a large code fails here on 36
/// samples instead of after sampling and decoding up to 31,329 modules: on a noisy 640×480
/// frame, three wrong guesses at versions 36–40 cost more than the right one (perf,
/// 2026-12-03). Smaller codes carry no version information and always pass.
fn version_info_agrees(n: usize, dark_at: impl Fn(usize, usize) -> bool) -> bool {
    if n < 45 {
        return true;
    }
    let want = version_info(((n - 17) / 4) as u32);
    let (mut bottom_left, mut top_right) = (0u32, 0u32);
    for i in 0..18 {
        let (across, along) = (i / 3, n - 11 + i % 3);
        bottom_left |= u32::from(dark_at(across, along)) << i;
        top_right |= u32::from(dark_at(along, across)) << i;
    }
    (bottom_left ^ want).count_ones() <= 3 || (top_right ^ want).count_ones() <= 3
}

/// rqrr's decoder on an `n` × `n` grid of module colours (row by row, true = dark).
pub fn decode_bits(n: usize, dark: &[bool]) -> Option<String> {
    if dark.len() != n * n {
        return None;
    }
    let grid = rqrr::SimpleGrid::from_func(n, |x, y| dark[y * n + x]);
    rqrr::Grid::new(grid).decode().ok().map(|(_, s)| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: (f64, f64), b: (f64, f64)) -> bool {
        (a.0 - b.0).abs() < 1e-6 && (a.1 - b.1).abs() < 1e-6
    }

    #[test]
    fn quad_to_quad_maps_corners_and_compositions_hold() {
        let from = [(3.5, 3.5), (30.5, 3.5), (27.5, 27.5), (3.5, 30.5)];
        let to = [(100.0, 90.0), (400.0, 120.0), (350.0, 380.0), (80.0, 420.0)];
        let h = Homography::quad_to_quad(&from, &to).unwrap();
        for (f, t) in from.iter().zip(&to) {
            assert!(
                close(h.map(f.0, f.1), *t),
                "{:?} -> {:?}",
                f,
                h.map(f.0, f.1)
            );
        }
        let s = h.scaled(2.0).shifted(5.0, -7.0);
        let (x, y) = h.map(10.0, 20.0);
        assert!(close(s.map(10.0, 20.0), (2.0 * x + 5.0, 2.0 * y - 7.0)));
    }

    #[test]
    fn a_least_squares_fit_through_exact_points_is_the_map_itself() {
        let from = [(3.5, 3.5), (45.5, 3.5), (42.5, 42.5), (3.5, 45.5)];
        let to = [(100.0, 90.0), (400.0, 120.0), (350.0, 380.0), (80.0, 420.0)];
        let h = Homography::quad_to_quad(&from, &to).unwrap();
        let pairs: Vec<_> = [
            (3.5, 3.5),
            (45.5, 3.5),
            (3.5, 45.5),
            (24.5, 24.5),
            (42.5, 24.5),
        ]
        .into_iter()
        .map(|p| (p, h.map(p.0, p.1)))
        .collect();
        let fit = Homography::fit(&pairs).unwrap();
        for (u, v) in [(0.0, 0.0), (49.0, 49.0), (10.0, 30.0)] {
            let (a, b) = (h.map(u, v), fit.map(u, v));
            assert!(
                (a.0 - b.0).abs() < 1e-6 && (a.1 - b.1).abs() < 1e-6,
                "{a:?} {b:?}"
            );
        }
        assert!(Homography::fit(&pairs[..3]).is_none());
        let line: Vec<_> = (0..6)
            .map(|i| ((i as f64, i as f64), (i as f64, 0.0)))
            .collect();
        assert!(Homography::fit(&line).is_none());
    }

    #[test]
    fn degenerate_quads_are_refused() {
        let line = [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (3.0, 3.0)];
        assert!(Homography::square_to_quad(&line).is_none());
        let nan = [(f64::NAN, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)];
        assert!(Homography::square_to_quad(&nan).is_none());
    }

    #[test]
    fn a_map_leaving_the_frame_reads_nothing() {
        let loc = Located {
            map: Homography::square_to_quad(&[
                (-50.0, 0.0),
                (50.0, 0.0),
                (50.0, 100.0),
                (-50.0, 100.0),
            ])
            .unwrap()
            .scaled(1.0),
            size: 21,
        };
        let grey = vec![200u8; 100 * 100];
        assert_eq!(sample_and_decode(&grey, 100, 100, None, &loc), None);
        assert_eq!(sample_and_decode(&[], 0, 0, None, &loc), None);
    }

    /// The grid decoder's Reed–Solomon is the vendored rqrr's, patched for speed
    /// (vendor/rqrr/AIRSIGN.md): damage within what the blocks correct still reads the same
    /// text, and damage far beyond it reads nothing rather than something else.
    #[test]
    fn reed_solomon_corrects_damage_it_can_and_refuses_damage_it_cannot() {
        use crate::transport::qr::Matrix;
        let text = "UR:BYTES/".to_string() + &"LPADBDCF".repeat(16);
        let m = Matrix::encode(&text, qrcode::EcLevel::H).unwrap();
        let n = m.size;
        let clean: Vec<bool> = (0..n * n)
            .map(|i| m.is_dark((i % n) as isize, (i / n) as isize))
            .collect();
        assert_eq!(decode_bits(n, &clean).as_deref(), Some(text.as_str()));

        // The bottom-right 4 × 4 modules (the first codewords placed; no function pattern
        // there) all inverted: a handful of codewords, spread over the interleaved blocks.
        let mut patched = clean.clone();
        for y in n - 4..n {
            for x in n - 4..n {
                patched[y * n + x] = !patched[y * n + x];
            }
        }
        assert_ne!(patched, clean);
        assert_eq!(decode_bits(n, &patched).as_deref(), Some(text.as_str()));

        // A third of the modules in the middle inverted: far beyond any block's capacity.
        let mut wrecked = clean.clone();
        for y in 9..n - 9 {
            for x in 9..n - 9 {
                if (x * 7 + y * 13) % 3 == 0 {
                    wrecked[y * n + x] = !wrecked[y * n + x];
                }
            }
        }
        assert_eq!(decode_bits(n, &wrecked), None);
    }

    #[test]
    fn version_information_is_read_where_the_encoder_puts_it() {
        use crate::transport::qr::Matrix;
        // Version 7's code from ISO/IEC 18004 annex D, table D.1.
        assert_eq!(version_info(7), 0x07C94);
        assert_eq!(version_info(40), 0x28C69);
        for chars in [200, 700, 1500, 3000] {
            let m = Matrix::encode(&"A".repeat(chars), qrcode::EcLevel::L).unwrap();
            let n = m.size;
            assert!(n >= 45, "{chars} characters made version {}", m.version);
            let dark = |x: usize, y: usize| m.is_dark(x as isize, y as isize);
            assert!(version_info_agrees(n, dark), "version {}", m.version);
            // The same modules read as a code four modules larger or smaller do not agree.
            assert!(
                !version_info_agrees(n + 4, dark),
                "version {} as +1",
                m.version
            );
            // (Version 6 and below carry none, so only from version 8 down.)
            assert!(
                n - 4 < 45 || !version_info_agrees(n - 4, dark),
                "version {} as -1",
                m.version
            );
            // Three wrong bits in one block are corrected; both blocks wrecked are not.
            let flipped = |x: usize, y: usize| dark(x, y) ^ (x < 3 && y == n - 11);
            assert!(version_info_agrees(n, flipped));
            let wrecked = |x: usize, y: usize| {
                dark(x, y)
                    ^ (x < 6 && y >= n - 11 && y < n - 8 || y < 6 && x >= n - 11 && x < n - 8)
            };
            assert!(!version_info_agrees(n, wrecked));
        }
    }
}
