//! Finding QR codes in a binarised frame, as zxing does: finder patterns (the three 7×7 squares,
//! 1:1:3:1:1 along any line through their centre) found row by row and confirmed across, grouped
//! in threes that make a right angle, the code's size from their distance, and its fourth corner
//! from the alignment pattern near where the other three put it. The alignment pattern is what
//! fits perspective: three points only fix an affine map.
//!
//! Tolerances are loose (a run may be half a module off) because blur, noise and a tilted
//! camera bend every ratio; a wrong guess costs one failed Reed–Solomon check, never a wrong text.
use super::binarize::Bitmap;
use super::perspective::{Homography, Located, Pair};

/// A finder pattern's centre, its module size in pixels and how many scan lines confirmed it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Finder {
    /// Centre, pixels.
    pub x: f64,
    /// Centre, pixels.
    pub y: f64,
    /// Pixels per module.
    pub module: f64,
    /// Scan lines that found it.
    pub count: u32,
}

/// Most finder candidates kept (the best confirmed); more is a screenful of noise.
const MAX_FINDERS: usize = 12;
/// Most groups of three tried per frame.
const MAX_GROUPS: usize = 10;

/// Whether five runs look like 1:1:3:1:1 with each run within `tol` of a module.
fn ratio_ok(c: &[usize; 5], tol: f64) -> bool {
    let total: usize = c.iter().sum();
    if total < 7 || c.contains(&0) {
        return false;
    }
    let m = total as f64 / 7.0;
    let v = m * tol;
    (m - c[0] as f64).abs() < v
        && (m - c[1] as f64).abs() < v
        && (3.0 * m - c[2] as f64).abs() < 3.0 * v
        && (m - c[3] as f64).abs() < v
        && (m - c[4] as f64).abs() < v
}

/// Runs along the line through (cx, cy) with step (dx, dy), both ways; the centre offset (in
/// steps from (cx, cy)) of the middle run and the total, if they look like a finder.
fn cross_check(
    b: &Bitmap,
    (cx, cy): (i64, i64),
    (dx, dy): (i64, i64),
    max_run: usize,
    tol: f64,
) -> Option<(f64, usize, f64)> {
    let mut c = [0usize; 5];
    let at = |i: i64| b.is_dark(cx + i * dx, cy + i * dy);
    let inside = |i: i64| {
        let (x, y) = (cx + i * dx, cy + i * dy);
        x >= 0 && y >= 0 && (x as usize) < b.width && (y as usize) < b.height
    };
    if !at(0) {
        return None;
    }
    // Backwards: centre, light ring, dark ring.
    let mut i = 0i64;
    while inside(i) && at(i) {
        c[2] += 1;
        i -= 1;
    }
    while inside(i) && !at(i) && c[1] <= max_run {
        c[1] += 1;
        i -= 1;
    }
    while inside(i) && at(i) && c[0] <= max_run {
        c[0] += 1;
        i -= 1;
    }
    // Forwards.
    let mut i = 1i64;
    while inside(i) && at(i) {
        c[2] += 1;
        i += 1;
    }
    while inside(i) && !at(i) && c[3] <= max_run {
        c[3] += 1;
        i += 1;
    }
    while inside(i) && at(i) && c[4] <= max_run {
        c[4] += 1;
        i += 1;
    }
    if !ratio_ok(&c, tol) {
        return None;
    }
    let end = i as f64;
    Some((
        end - c[4] as f64 - c[3] as f64 - c[2] as f64 / 2.0,
        c.iter().sum(),
        module_of(&c),
    ))
}

/// Pixels per module from five runs. Blur and the threshold widen dark runs by as much as they
/// narrow light ones, so each dark-then-light pair outside the centre is two modules exactly,
/// while the total (7 modules plus the widening) overestimates.
fn module_of(c: &[usize; 5]) -> f64 {
    (c[0] + c[1] + c[3] + c[4]) as f64 / 4.0
}

/// A candidate seen on a row at `x_end` (one past its last run): confirm it down its column and
/// again along its row, and return the refined centre and module size.
fn confirm(b: &Bitmap, c: &[usize; 5], y: usize, x_end: usize) -> Option<Finder> {
    let total: usize = c.iter().sum();
    let cx = x_end as f64 - c[4] as f64 - c[3] as f64 - c[2] as f64 / 2.0;
    let (ox, oy) = (cx as i64, y as i64);
    let (dy, vtotal, vm) = cross_check(b, (ox, oy), (0, 1), c[2] * 2, 0.6)?;
    // A tilted or rotated code is not square in pixels, but not by more than about half.
    if vtotal * 2 < total || vtotal > total * 2 {
        return None;
    }
    let y = oy as f64 + dy;
    let (dx, _, hm) = cross_check(b, (ox, y as i64), (1, 0), c[2] * 2, 0.6)?;
    let x = ox as f64 + dx;
    // And along a diagonal: rejects text and stripes that pass both straight checks.
    let (_, dtotal, _) = cross_check(b, (x as i64, y as i64), (1, 1), c[2] * 2, 0.75)?;
    if dtotal * 3 < total || dtotal > total * 2 {
        return None;
    }
    Some(Finder {
        x: x + 0.5,
        y: y + 0.5,
        module: (hm + vm) / 2.0,
        count: 1,
    })
}

/// Every finder pattern in `b`, best confirmed first (at most [`MAX_FINDERS`]).
pub fn find_finders(b: &Bitmap) -> Vec<Finder> {
    find_finders_counted(b).0
}

/// [`find_finders`], and how many distinct finder-like patterns the frame holds before the
/// best are kept: a frame of hundreds is a hostile or meaningless one, and the detectors whose
/// work grows with that number ([`crate::transport::scan`]'s retries through rqrr) skip it.
pub fn find_finders_counted(b: &Bitmap) -> (Vec<Finder>, usize) {
    let mut found: Vec<Finder> = Vec::new();
    let step = (b.height / 360).max(1);
    let mut y = 0;
    while y < b.height {
        scan_row(&b.dark[y * b.width..(y + 1) * b.width], |c, x| {
            if ratio_ok(c, 0.5) {
                if let Some(f) = confirm(b, c, y, x) {
                    merge(&mut found, f);
                }
            }
        });
        y += step;
    }
    let seen = found.len();
    found.sort_by_key(|f| std::cmp::Reverse(f.count));
    found.truncate(MAX_FINDERS);
    (found, seen)
}

/// Every dark-light-dark-light-dark run of a bitmap row, as the five run lengths and the
/// column just past the last, for the 1:1:3:1:1 test. A pixel the colour of the run being
/// counted only lengthens it, so sixteen of them at a time are skipped with one comparison:
/// most of a frame is long runs, and pixel by pixel this loop was 45 % of a clean 720p frame's
/// decode (perf, 2026-12-03).
fn scan_row(row: &[bool], mut candidate: impl FnMut(&[usize; 5], usize)) {
    const LIGHT: [bool; 16] = [false; 16];
    const DARK: [bool; 16] = [true; 16];
    let mut c = [0usize; 5];
    let mut state = 0usize;
    let mut x = 0;
    while x < row.len() {
        let same = if state & 1 == 0 { &DARK } else { &LIGHT };
        if row.get(x..x + 16) == Some(&same[..]) {
            c[state] += 16;
            x += 16;
            continue;
        }
        if row[x] {
            if state & 1 == 1 {
                state += 1;
            }
            c[state] += 1;
        } else if state & 1 == 1 {
            c[state] += 1;
        } else if state == 4 {
            candidate(&c, x);
            c = [c[2], c[3], c[4], 1, 0];
            state = 3;
        } else {
            state += 1;
            c[state] += 1;
        }
        x += 1;
    }
    if state == 4 {
        candidate(&c, row.len());
    }
}

/// Add `f` to `found`, averaging it into an earlier sighting of the same pattern.
fn merge(found: &mut Vec<Finder>, f: Finder) {
    for g in found.iter_mut() {
        let near = (g.x - f.x).abs() <= g.module.max(f.module)
            && (g.y - f.y).abs() <= g.module.max(f.module);
        if near && (g.module - f.module).abs() <= 1.0 + 0.4 * g.module {
            let n = f64::from(g.count);
            g.x = (g.x * n + f.x) / (n + 1.0);
            g.y = (g.y * n + f.y) / (n + 1.0);
            g.module = (g.module * n + f.module) / (n + 1.0);
            g.count += 1;
            return;
        }
    }
    if found.len() < 4096 {
        found.push(f);
    }
}

/// Groups of three finders that could be one code's (top-left, top-right, bottom-left), most
/// square first.
pub fn groups(finders: &[Finder]) -> Vec<[Finder; 3]> {
    let mut out: Vec<(f64, [Finder; 3])> = Vec::new();
    let n = finders.len();
    for i in 0..n {
        for j in i + 1..n {
            for k in j + 1..n {
                let t = [finders[i], finders[j], finders[k]];
                if let Some(g) = as_group(t) {
                    out.push(g);
                }
            }
        }
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out.into_iter().take(MAX_GROUPS).map(|(_, g)| g).collect()
}

/// The three as (top-left, top-right, bottom-left) with a badness score, if they make a
/// plausible right angle.
fn as_group(t: [Finder; 3]) -> Option<(f64, [Finder; 3])> {
    let (lo, hi) = t.iter().fold((f64::MAX, 0f64), |(l, h), f| {
        (l.min(f.module), h.max(f.module))
    });
    if hi > lo * 2.2 {
        return None;
    }
    let mut best: Option<(f64, [Finder; 3])> = None;
    for corner in 0..3 {
        let (b, a, c) = (t[corner], t[(corner + 1) % 3], t[(corner + 2) % 3]);
        let (ax, ay) = (a.x - b.x, a.y - b.y);
        let (cx, cy) = (c.x - b.x, c.y - b.y);
        let (la, lc) = (ax.hypot(ay), cx.hypot(cy));
        if la < 1.0 || lc < 1.0 {
            continue;
        }
        let cos = (ax * cx + ay * cy) / (la * lc);
        let ratio = la.max(lc) / la.min(lc);
        // Legs at least a version 1 code apart (14 modules between centres).
        if cos.abs() > 0.5 || ratio > 1.8 || la / ((a.module + b.module) / 2.0) < 10.0 {
            continue;
        }
        let score = cos.abs() + (ratio - 1.0) + (hi / lo - 1.0) * 0.5;
        // Clockwise: top-right, then bottom-left (y grows downwards).
        let g = if ax * cy - ay * cx > 0.0 {
            [b, a, c]
        } else {
            [b, c, a]
        };
        if best.as_ref().is_none_or(|(s, _)| score < *s) {
            best = Some((score, g));
        }
    }
    best
}

/// The group with each finder's module size measured along the code's own axes (towards the
/// other finders): runs along a row or column of a rotated code are 1/cos θ too long, which
/// would make the code look smaller than it is and put the timing line off its row.
pub fn refine(b: &Bitmap, g: &[Finder; 3]) -> [Finder; 3] {
    let [tl, tr, bl] = *g;
    let along = |f: &Finder, to: &Finder| module_along(b, f, (to.x - f.x, to.y - f.y));
    let mut out = *g;
    let tl_m: Vec<f64> = [along(&tl, &tr), along(&tl, &bl)]
        .into_iter()
        .flatten()
        .collect();
    if !tl_m.is_empty() {
        out[0].module = tl_m.iter().sum::<f64>() / tl_m.len() as f64;
    }
    if let Some(m) = along(&tr, &tl) {
        out[1].module = m;
    }
    if let Some(m) = along(&bl, &tl) {
        out[2].module = m;
    }
    out
}

/// A finder's module size along direction `d` through its centre, from its 1:1:3:1:1 runs
/// sampled every half pixel.
fn module_along(b: &Bitmap, f: &Finder, d: (f64, f64)) -> Option<f64> {
    let len = d.0.hypot(d.1);
    if !(len.is_finite() && len >= 1.0 && f.module.is_finite()) {
        return None;
    }
    let (ux, uy) = (d.0 / len * 0.5, d.1 / len * 0.5);
    let limit = (f.module * 2.0 * 8.0) as i64 + 4;
    // From the centre outwards: centre run, light ring, dark ring (half-pixel steps).
    let runs = |sign: f64| -> Option<[usize; 3]> {
        let mut r = [0usize; 3];
        let mut state = 0usize;
        for i in 0..limit {
            let (x, y) = (f.x + sign * ux * i as f64, f.y + sign * uy * i as f64);
            let dark = b.is_dark(x.floor() as i64, y.floor() as i64);
            let want_dark = state != 1;
            if dark != want_dark {
                state += 1;
                if state == 3 {
                    return Some(r);
                }
            }
            r[state] += 1;
        }
        None
    };
    let (fwd, back) = (runs(1.0)?, runs(-1.0)?);
    let c = [back[2], back[1], fwd[0] + back[0], fwd[1], fwd[2]];
    if !ratio_ok(&c, 0.75) {
        return None;
    }
    Some(module_of(&c) / 2.0)
}

/// Code sizes (modules per side) to try for a group, most likely first: from the timing
/// patterns (alternating modules between the finders, counted along row and column 6), then
/// from the finders' distance over their module size (blur fattens finders, so this one runs
/// a few percent small).
pub fn sizes(b: &Bitmap, g: &[Finder; 3]) -> Vec<usize> {
    let [tl, tr, bl] = g;
    let d1 = (tr.x - tl.x).hypot(tr.y - tl.y) / ((tl.module + tr.module) / 2.0);
    let d2 = (bl.x - tl.x).hypot(bl.y - tl.y) / ((tl.module + bl.module) / 2.0);
    let est = (d1 + d2) / 2.0 + 7.0;
    if !est.is_finite() || !(17.0..=190.0).contains(&est) {
        return Vec::new();
    }
    let nearest = |v: f64| {
        let mut all: Vec<usize> = (0..40usize).map(|k| 21 + 4 * k).collect();
        all.sort_by(|a, b| (*a as f64 - v).abs().total_cmp(&(*b as f64 - v).abs()));
        all
    };
    let mut out = Vec::new();
    // Row 6 runs from the top-left finder towards the top-right one, three modules below
    // their centres; column 6 likewise towards the bottom-left one.
    let h = timing_count(b, tl, tr, bl);
    let v = timing_count(b, tl, bl, tr);
    for t in [h, v].into_iter().flatten() {
        let n = nearest(t as f64 + 13.0)[0];
        if !out.contains(&n) && (n as f64 - est).abs() < est * 0.25 {
            out.push(n);
        }
    }
    for n in nearest(est).into_iter().take(3) {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out.truncate(4);
    out
}

/// The timing pattern's line from finder `a` towards finder `b`: row or column 6, on the side of
/// the line `a`–`b` where the third finder `c` lies, sampled every half pixel.
struct TimingLine {
    from: (f64, f64),
    to: (f64, f64),
    /// Unit vector across the line, towards `c`.
    across: (f64, f64),
    steps: usize,
    module: f64,
}

impl TimingLine {
    fn new(a: &Finder, b: &Finder, c: &Finder) -> Option<TimingLine> {
        let (dx, dy) = (c.x - a.x, c.y - a.y);
        let len = dx.hypot(dy);
        if len < 1.0 {
            return None;
        }
        let (nx, ny) = (dx / len, dy / len);
        let from = (a.x + nx * 3.0 * a.module, a.y + ny * 3.0 * a.module);
        let to = (b.x + nx * 3.0 * b.module, b.y + ny * 3.0 * b.module);
        let steps = ((to.0 - from.0).hypot(to.1 - from.1) * 2.0) as usize;
        if !(8..=20_000).contains(&steps) {
            return None;
        }
        Some(TimingLine {
            from,
            to,
            across: (nx, ny),
            steps,
            module: (a.module + b.module) / 2.0,
        })
    }

    /// The pixel `step` half-pixel steps along the line, shifted `offset` modules across it.
    fn at(&self, step: f64, offset: f64) -> (f64, f64) {
        let t = step / self.steps as f64;
        (
            self.from.0 + (self.to.0 - self.from.0) * t + self.across.0 * offset * self.module,
            self.from.1 + (self.to.1 - self.from.1) * t + self.across.1 * offset * self.module,
        )
    }

    /// Light and dark runs along the line as (dark, first step, steps), with runs shorter than
    /// about a third of a module folded into their neighbours: those are noise, not modules.
    fn runs(&self, bits: &Bitmap, offset: f64) -> Vec<(bool, usize, usize)> {
        let mut runs: Vec<(bool, usize, usize)> = Vec::new();
        for i in 0..=self.steps {
            let (x, y) = self.at(i as f64, offset);
            let d = bits.is_dark(x as i64, y as i64);
            match runs.last_mut() {
                Some((c, _, n)) if *c == d => *n += 1,
                _ => runs.push((d, i, 1)),
            }
        }
        let min_run = (self.module * 0.35 * 2.0).max(1.0) as usize;
        let mut clean: Vec<(bool, usize, usize)> = Vec::new();
        for (d, start, n) in runs {
            match clean.last_mut() {
                Some((c, _, m)) if *c == d => *m += n,
                Some((_, _, m)) if n < min_run => *m += n,
                _ => clean.push((d, start, n)),
            }
        }
        clean
    }
}

/// Transitions along the timing pattern from finder `a` towards finder `b` (the third finder,
/// `c`, says which side of the line the pattern lies on): a code of n modules has n − 13.
fn timing_count(bits: &Bitmap, a: &Finder, b: &Finder, c: &Finder) -> Option<usize> {
    let line = TimingLine::new(a, b, c)?;
    // Three parallel lines a quarter of a module apart; the median count wins.
    let mut counts: Vec<usize> = [-0.25, 0.0, 0.25]
        .iter()
        .map(|&off| line.runs(bits, off).len().saturating_sub(1))
        .collect();
    counts.sort_unstable();
    Some(counts[1])
}

/// Module centres along the timing pattern from finder `a` towards finder `b` (row or column 6;
/// `c` says which side of the line it lies on), as (index along, pixel), when the runs there
/// number exactly what a code of `size` modules has: the finders' outer rows at each end, one
/// module each in between. A projective map keeps the line straight and the runs in order, so
/// their centres show the foreshortening that three finder centres cannot.
fn timing_points(
    bits: &Bitmap,
    a: &Finder,
    b: &Finder,
    c: &Finder,
    size: usize,
) -> Vec<(f64, (f64, f64))> {
    let Some(line) = TimingLine::new(a, b, c).filter(|_| size >= 21) else {
        return Vec::new();
    };
    let runs = line.runs(bits, 0.0);
    // Columns 7 to size − 8 lie between the two dark ends.
    if runs.len() != size - 12 || !runs[0].0 || !runs[runs.len() - 1].0 {
        return Vec::new();
    }
    runs[1..runs.len() - 1]
        .iter()
        .enumerate()
        .map(|(k, &(_, start, n))| {
            (
                (7 + k) as f64 + 0.5,
                line.at(start as f64 + (n as f64 - 1.0) / 2.0, 0.0),
            )
        })
        .collect()
}

/// Ways to map a group onto a code of `size` modules: through the alignment pattern found near
/// where the three finders put it (versions 2 and up), and as a parallelogram.
pub fn locations(b: &Bitmap, g: &[Finder; 3], size: usize) -> Vec<Located> {
    let [tl, tr, bl] = g;
    let n = size as f64;
    let from3 = [(3.5, 3.5), (n - 3.5, 3.5), (3.5, n - 3.5)];
    let to3 = [(tl.x, tl.y), (tr.x, tr.y), (bl.x, bl.y)];
    let br = (tr.x - tl.x + bl.x, tr.y - tl.y + bl.y);
    let mut out = Vec::new();
    if size > 21 {
        // The bottom-right alignment pattern's centre is 3 modules in from the far finders'.
        let k = 1.0 - 3.0 / (n - 7.0);
        let est = (tl.x + k * (br.0 - tl.x), tl.y + k * (br.1 - tl.y));
        let module = (tl.module + tr.module + bl.module) / 3.0;
        if let Some(a) = find_alignment(b, est, module) {
            let from = [from3[0], from3[1], (n - 6.5, n - 6.5), from3[2]];
            let to = [to3[0], to3[1], a, to3[2]];
            if let Some(map) = Homography::quad_to_quad(&from, &to) {
                out.push(Located { map, size });
            }
        }
    }
    let from = [from3[0], from3[1], (n - 3.5, n - 3.5), from3[2]];
    let to = [to3[0], to3[1], br, to3[2]];
    if let Some(map) = Homography::quad_to_quad(&from, &to) {
        out.push(Located { map, size });
    }
    out
}

/// Rows and columns of a version's alignment pattern centres (ISO/IEC 18004, table E.1), from
/// the second; every version from 2 starts at 6.
const ALIGNMENT_FROM_SECOND: [&[u8]; 39] = [
    &[18],
    &[22],
    &[26],
    &[30],
    &[34],
    &[22, 38],
    &[24, 42],
    &[26, 46],
    &[28, 50],
    &[30, 54],
    &[32, 58],
    &[34, 62],
    &[26, 46, 66],
    &[26, 48, 70],
    &[26, 50, 74],
    &[30, 54, 78],
    &[30, 56, 82],
    &[30, 58, 86],
    &[34, 62, 90],
    &[28, 50, 72, 94],
    &[26, 50, 74, 98],
    &[30, 54, 78, 102],
    &[28, 54, 80, 106],
    &[32, 58, 84, 110],
    &[30, 58, 86, 114],
    &[34, 62, 90, 118],
    &[26, 50, 74, 98, 122],
    &[30, 54, 78, 102, 126],
    &[26, 52, 78, 104, 130],
    &[30, 56, 82, 108, 134],
    &[34, 60, 86, 112, 138],
    &[30, 58, 86, 114, 142],
    &[34, 62, 90, 118, 146],
    &[30, 54, 78, 102, 126, 150],
    &[24, 50, 76, 102, 128, 154],
    &[28, 54, 80, 106, 132, 158],
    &[32, 58, 84, 110, 136, 162],
    &[26, 54, 82, 110, 138, 166],
    &[30, 58, 86, 114, 142, 170],
];

/// Every alignment pattern centre (column, row) of a code of `size` modules.
fn alignment_centres(size: usize) -> Vec<(usize, usize)> {
    let version = size.saturating_sub(17) / 4;
    if !(2..=40).contains(&version) || size != 17 + 4 * version {
        return Vec::new();
    }
    let mut at = vec![6usize];
    at.extend(
        ALIGNMENT_FROM_SECOND[version - 2]
            .iter()
            .map(|&v| usize::from(v)),
    );
    let last = *at.last().unwrap_or(&6);
    let mut out = Vec::new();
    for &r in &at {
        for &c in &at {
            // The three corners with finder patterns carry none.
            let on_finder = (r == 6 && (c == 6 || c == last)) || (r == last && c == 6);
            if !on_finder {
                out.push((c, r));
            }
        }
    }
    out
}

/// How far from its predicted place an alignment pattern is looked for, in modules.
const REACH: f64 = 3.5;
/// A refit that finds none of the first this many alignment patterns, the ones nearest the
/// finders where the map is best, stops: the size or the place is wrong. On the camera bench
/// set (scripts/bench_decode.sh, 2026-12-04) wrong sizes of versions up to 40 were 92 % of the
/// refits and 95 % of their time, each searching up to 46 patterns; every refit that read a
/// code had found at least one of its first three (most all three), and this cut the refits'
/// time by about two thirds with the same frames read.
const GIVE_UP_AFTER: usize = 3;

/// The grid refitted through every alignment pattern found where `loc` predicts one: a map
/// from three finders and one alignment pattern carries each point's error (blur moves
/// centres, perspective shrinks far modules) across the whole grid, which large codes under a
/// tilted camera do not survive; least squares over a dozen points does. The search grows
/// outwards from the finders, each pattern found refining the prediction of the next.
pub fn refit(grey: &Grey, b: &Bitmap, g: &[Finder; 3], loc: &Located) -> Option<Located> {
    refit_counting(grey, b, g, loc, &mut 0)
}

/// [`refit`], counting into `searched` the alignment patterns it looked for.
fn refit_counting(
    grey: &Grey,
    b: &Bitmap,
    g: &[Finder; 3],
    loc: &Located,
    searched: &mut usize,
) -> Option<Located> {
    let n = loc.size as f64;
    let centres = alignment_centres(loc.size);
    // The fit needs two patterns besides the finders: versions 2-6 have one.
    if centres.len() < 2 {
        return None;
    }
    let finders = [
        ((3.5, 3.5), (g[0].x, g[0].y)),
        ((n - 3.5, 3.5), (g[1].x, g[1].y)),
        ((3.5, n - 3.5), (g[2].x, g[2].y)),
    ];
    let mut map = loc.map;
    let mut found: Vec<Pair> = Vec::new();
    // The timing patterns first: along row 6 and column 6 they pin every module's place.
    let row = timing_points(b, &g[0], &g[1], &g[2], loc.size);
    let col = timing_points(b, &g[0], &g[2], &g[1], loc.size);
    // They only guide the search: the line walked is three estimated modules from the finder
    // centres, so their places across it are as good as that estimate and no better.
    let timing: Vec<_> = (row.iter().map(|&(k, p)| ((k, 6.5), p)))
        .chain(col.iter().map(|&(k, p)| ((6.5, k), p)))
        .collect();
    if !timing.is_empty() {
        let pairs: Vec<_> = finders.iter().chain(&timing).copied().collect();
        map = Homography::fit(&pairs).unwrap_or(map);
    }
    let mut left: Vec<(f64, f64)> = centres
        .iter()
        .map(|&(c, r)| (c as f64 + 0.5, r as f64 + 0.5))
        .collect();
    // Nearest to what is already known first: the map is best there, and each pattern found
    // corrects the prediction for the next.
    while !left.is_empty() {
        if *searched == GIVE_UP_AFTER && found.is_empty() {
            return None;
        }
        *searched += 1;
        let dist = |uv: &(f64, f64)| {
            finders
                .iter()
                .chain(&found)
                .map(|k| (k.0 .0 - uv.0).hypot(k.0 .1 - uv.1))
                .fold(f64::MAX, f64::min)
        };
        let next = (0..left.len()).min_by(|&a, &b| dist(&left[a]).total_cmp(&dist(&left[b])))?;
        let uv = left.swap_remove(next);
        if let Some(p) = alignment_near(grey, &map, uv, REACH) {
            found.push((uv, p));
            if found.len() >= 2 {
                let pairs: Vec<_> = finders
                    .iter()
                    .chain(&found)
                    .chain(&timing)
                    .copied()
                    .collect();
                map = Homography::fit(&pairs)?;
            }
        }
    }
    // A pattern-like patch of data that the search took for a far pattern shows as a point
    // the fit misses by more than a module: drop those and fit again.
    let module = loc.map.module_px_at(n / 2.0, n / 2.0);
    found.retain(|&((u, v), p)| {
        let q = map.map(u, v);
        (q.0 - p.0).hypot(q.1 - p.1) <= module
    });
    if found.len() < 2 {
        return None;
    }
    let pairs: Vec<_> = finders.iter().chain(&found).copied().collect();
    Some(Located {
        map: Homography::fit(&pairs)?,
        size: loc.size,
    })
}

/// A grey frame borrowed as bytes.
#[derive(Clone, Copy)]
pub struct Grey<'a> {
    /// Pixels, row by row.
    pub px: &'a [u8],
    /// Pixels per row.
    pub w: usize,
    /// Rows.
    pub h: usize,
}

impl Grey<'_> {
    /// The pixel nearest (x, y), if inside.
    fn at(&self, x: f64, y: f64) -> Option<u8> {
        (x >= 0.0 && y >= 0.0 && (x as usize) < self.w && (y as usize) < self.h)
            .then(|| self.px[y as usize * self.w + x as usize])
    }
}

/// The alignment pattern for module centre `uv` within `reach` modules of where `map` puts it,
/// by matched filter on the grey frame: light ring one module out, dark centre and dark ring two
/// out, sampled along the map's own module axes (so rotation and tilt cost nothing). Blur and
/// noise that break the binarised rings' run lengths leave this sum nearly unchanged.
fn alignment_near(grey: &Grey, map: &Homography, uv: (f64, f64), reach: f64) -> Option<(f64, f64)> {
    let est = map.map(uv.0, uv.1);
    let r = map.map(uv.0 + 1.0, uv.1);
    let d = map.map(uv.0, uv.1 + 1.0);
    let (ax, ay) = (r.0 - est.0, r.1 - est.1);
    let (bx, by) = (d.0 - est.0, d.1 - est.1);
    let module = (ax.hypot(ay) + bx.hypot(by)) / 2.0;
    // A map this far from the frame's scale predicts nothing worth searching.
    let limit = (grey.w.max(grey.h) / 20) as f64;
    if !(module.is_finite()
        && est.0.is_finite()
        && est.1.is_finite()
        && (1.5..=limit).contains(&module))
    {
        return None;
    }
    let score_at = |x: f64, y: f64| -> Option<(i32, u8, u8)> {
        let (mut light, mut dark, mut lo, mut hi) = (0i32, 0i32, 255u8, 0u8);
        for j in -2i32..=2 {
            for i in -2i32..=2 {
                let ring = i.abs().max(j.abs());
                let (fi, fj) = (f64::from(i), f64::from(j));
                let v = grey.at(x + fi * ax + fj * bx, y + fi * ay + fj * by)?;
                lo = lo.min(v);
                hi = hi.max(v);
                if ring == 1 {
                    light += i32::from(v) * 2;
                } else {
                    dark += i32::from(v);
                }
            }
        }
        // 8 light samples weighed twice against 17 dark: both sums count 16 and 17 samples.
        Some((light - dark, lo, hi))
    };
    // Coarse steps of a third of a module over the whole reach, then every pixel around the
    // best: the filter's peak is a module wide, so the coarse grid cannot step over it.
    let step = (module / 3.0).max(1.0);
    let span = (reach * module / step).ceil() as i64;
    let mut best: Option<(i32, (f64, f64), u8, u8)> = None;
    let consider = |x: f64, y: f64, best: &mut Option<(i32, (f64, f64), u8, u8)>| {
        if let Some((s, lo, hi)) = score_at(x, y) {
            if best.is_none_or(|b| s > b.0) {
                *best = Some((s, (x, y), lo, hi));
            }
        }
    };
    for j in -span..=span {
        for i in -span..=span {
            consider(est.0 + i as f64 * step, est.1 + j as f64 * step, &mut best);
        }
    }
    let (_, (cx, cy), _, _) = best?;
    let fine = step.ceil() as i64;
    for j in -fine..=fine {
        for i in -fine..=fine {
            consider(cx + i as f64, cy + j as f64, &mut best);
        }
    }
    let (score, p, lo, hi) = best?;
    if (p.0 - est.0).hypot(p.1 - est.1) > reach * module * 1.5 {
        return None;
    }
    // The light ring must stand clear of the dark parts by half the local contrast on average
    // (score is 16 samples' worth of that difference). Measured on the camera-like bench set
    // (scripts/bench_decode.sh): a third let data patches pass as far patterns and read 36 of
    // 72 frames, a half 50, two thirds 33.
    let contrast = i32::from(hi) - i32::from(lo);
    (contrast >= 16 && score >= contrast * 8).then_some(p)
}

/// The alignment pattern (dark centre module, light ring, dark ring) nearest `est`, searching
/// out to 4, then 8, then 16 modules.
fn find_alignment(b: &Bitmap, est: (f64, f64), module: f64) -> Option<(f64, f64)> {
    if !(module.is_finite() && est.0.is_finite() && est.1.is_finite()) || module < 0.5 {
        return None;
    }
    for reach in [4.0, 8.0, 16.0] {
        let r = reach * module;
        let x0 = (est.0 - r).max(0.0) as usize;
        let x1 = ((est.0 + r) as usize).min(b.width);
        let y0 = (est.1 - r).max(0.0) as usize;
        let y1 = ((est.1 + r) as usize).min(b.height);
        let mut best: Option<(f64, (f64, f64))> = None;
        let max_run = (module * 2.0).ceil() as usize + 1;
        for y in y0..y1 {
            let row = &b.dark[y * b.width..(y + 1) * b.width];
            // Runs light, dark, light, each about a module.
            let mut x = x0;
            while x < x1 {
                if !row[x] {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < x1 && row[x] {
                    x += 1;
                }
                let len = x - start;
                if len as f64 > module * 1.6 || (len as f64) < module * 0.4 {
                    continue;
                }
                let cx = (start + x) as f64 / 2.0;
                if let Some(p) = alignment_at(b, (cx, y as f64), module, max_run) {
                    // Ring misses count as much as four modules of distance.
                    let d = (p.0 - est.0).hypot(p.1 - est.1) / module
                        + 4.0 * f64::from(ring_misses(b, p, module));
                    if best.is_none_or(|(bd, _)| d < bd) {
                        best = Some((d, p));
                    }
                }
            }
        }
        // A lone dark module in the data passes the straight checks; the whole 5×5 pattern
        // (light ring of 8, dark ring of 16) rarely does.
        if let Some((d, p)) = best {
            if d < reach * 1.5 + 8.0 {
                return Some(p);
            }
        }
    }
    None
}

/// Whether a dark run through `c` is an alignment pattern's centre: light then dark on each
/// side, across and down, each about a module. Returns the refined centre.
fn alignment_at(b: &Bitmap, c: (f64, f64), module: f64, max_run: usize) -> Option<(f64, f64)> {
    let (x, y) = (c.0 as i64, c.1 as i64);
    let dx = ring(b, (x, y), (1, 0), module, max_run)?;
    let x = (x as f64 + dx) as i64;
    let dy = ring(b, (x, y), (0, 1), module, max_run)?;
    Some((x as f64 + 0.5, y as f64 + dy + 0.5))
}

/// How many of the 24 modules around an alignment pattern's centre `p` have the wrong colour
/// (light ring at one module, dark ring at two).
fn ring_misses(b: &Bitmap, p: (f64, f64), module: f64) -> u32 {
    let mut misses = 0;
    for dy in -2i32..=2 {
        for dx in -2i32..=2 {
            let r = dx.abs().max(dy.abs());
            if r == 0 {
                continue;
            }
            let x = p.0 + f64::from(dx) * module;
            let y = p.1 + f64::from(dy) * module;
            if b.is_dark(x.floor() as i64, y.floor() as i64) != (r == 2) {
                misses += 1;
            }
        }
    }
    misses
}

/// Along direction `d` through `p` (on a dark pixel): the dark run, a light run each side, then
/// dark, each about a module; the offset of the dark run's centre from `p`, in steps.
fn ring(b: &Bitmap, p: (i64, i64), d: (i64, i64), module: f64, max_run: usize) -> Option<f64> {
    let at = |i: i64| b.is_dark(p.0 + i * d.0, p.1 + i * d.1);
    if !at(0) {
        return None;
    }
    let max = max_run as i64;
    let (mut back, mut fwd) = (0i64, 0i64);
    while at(-back - 1) && back <= max {
        back += 1;
    }
    while at(fwd + 1) && fwd <= max {
        fwd += 1;
    }
    let mut l0 = 0i64;
    while !at(-back - 1 - l0) && l0 <= max {
        l0 += 1;
    }
    let mut l1 = 0i64;
    while !at(fwd + 1 + l1) && l1 <= max {
        l1 += 1;
    }
    let ok = |v: i64| (v as f64) > module * 0.4 && (v as f64) < module * 1.7;
    if !(ok(back + fwd + 1) && ok(l0) && ok(l1)) {
        return None;
    }
    if !at(-back - 1 - l0) || !at(fwd + 1 + l1) {
        return None;
    }
    Some((fwd - back) as f64 / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::binarize::hybrid;
    use crate::transport::qr::Matrix;

    fn bitmap_of(m: &Matrix, px: u32) -> (Vec<u8>, Bitmap, usize) {
        let img = m.image(px);
        let (w, h) = (img.width() as usize, img.height() as usize);
        let grey = img.into_raw();
        let b = hybrid(&grey, w, h);
        (grey, b, w)
    }

    #[test]
    fn three_finders_of_a_clean_code_are_found_in_place() {
        let m = Matrix::encode("HELLO AIRSIGN", qrcode::EcLevel::L).unwrap();
        let (_, b, _) = bitmap_of(&m, 6);
        let f = find_finders(&b);
        assert_eq!(f.len(), 3, "{f:?}");
        // Quiet zone 4 modules, centre 3.5 modules in: (4 + 3.5) × 6 = 45 px.
        let near = |x: f64, y: f64| {
            f.iter().any(|p| {
                (p.x - x).abs() < 1.5 && (p.y - y).abs() < 1.5 && (p.module - 6.0).abs() < 1.0
            })
        };
        let far = (4.0 + m.size as f64 - 3.5) * 6.0;
        assert!(
            near(45.0, 45.0) && near(far, 45.0) && near(45.0, far),
            "{f:?}"
        );
        let g = groups(&f);
        assert_eq!(g.len(), 1);
        assert!((g[0][0].x - 45.0).abs() < 1.5 && (g[0][1].x - far).abs() < 1.5);
        assert_eq!(sizes(&b, &g[0])[0], m.size);
    }

    #[test]
    fn a_version_16_code_decodes_through_its_alignment_pattern() {
        let text = "UR:CRYPTO-PSBT/".to_string() + &"AB".repeat(350);
        let m = Matrix::encode(&text, qrcode::EcLevel::L).unwrap();
        assert!(m.version >= 10);
        let (grey, b, w) = bitmap_of(&m, 4);
        let g = groups(&find_finders(&b));
        let loc = locations(&b, &g[0], m.size);
        assert_eq!(loc.len(), 2, "alignment pattern found");
        let read = super::super::perspective::sample_and_decode(&grey, w, w, Some(&b), &loc[0]);
        assert_eq!(read.as_deref(), Some(text.as_str()));
    }

    /// A version 15 code seen by a camera tilted 25 %: every pixel of the frame is the mean of
    /// 4×4 points mapped back onto the module grid (quiet zone and background light).
    fn tilted(m: &Matrix, quad: [(f64, f64); 4], w: usize, h: usize) -> Vec<u8> {
        tilted_modules(m.size, |u, v| m.is_dark(u, v), quad, w, h)
    }

    /// [`tilted`] for any `size` × `size` grid of modules, dark where `is_dark` says.
    fn tilted_modules(
        size: usize,
        is_dark: impl Fn(isize, isize) -> bool,
        quad: [(f64, f64); 4],
        w: usize,
        h: usize,
    ) -> Vec<u8> {
        let n = size as f64;
        let back =
            Homography::quad_to_quad(&quad, &[(0.0, 0.0), (n, 0.0), (n, n), (0.0, n)]).unwrap();
        let mut px = vec![0u8; w * h];
        for y in 0..h {
            for x in 0..w {
                let mut dark = 0u32;
                for j in 0..4 {
                    for i in 0..4 {
                        let (sx, sy) = (
                            x as f64 + (i as f64 + 0.5) / 4.0,
                            y as f64 + (j as f64 + 0.5) / 4.0,
                        );
                        let (u, v) = back.map(sx, sy);
                        if u >= 0.0 && v >= 0.0 && is_dark(u as isize, v as isize) {
                            dark += 1;
                        }
                    }
                }
                px[y * w + x] = (210 - dark * 150 / 16) as u8;
            }
        }
        px
    }

    /// The three finders of a `size`-module code in `bits` (with that size among those tried),
    /// and the grid they put it on.
    fn finders_and_start(bits: &Bitmap, size: usize) -> ([Finder; 3], Vec<Located>) {
        let group = groups(&find_finders(bits))
            .iter()
            .map(|gr| refine(bits, gr))
            .find(|gr| sizes(bits, gr).contains(&size))
            .expect("the three finders, with the right size among those tried");
        (group, locations(bits, &group, size))
    }

    #[test]
    fn a_refit_through_every_alignment_pattern_lands_on_the_true_grid() {
        let text = "UR:BYTES/1-11/".to_string() + &"LB".repeat(340);
        let m = Matrix::encode(&text, qrcode::EcLevel::L).unwrap();
        assert_eq!(m.size, 77, "version 15: three alignment patterns a side");
        let n = m.size as f64;
        // The right edge is 25 % shorter than the left: the far finder and patterns move in.
        let quad = [(60.0, 40.0), (420.0, 85.0), (420.0, 355.0), (60.0, 440.0)];
        let (w, h) = (480usize, 480usize);
        let grey = tilted(&m, quad, w, h);
        let truth =
            Homography::quad_to_quad(&[(0.0, 0.0), (n, 0.0), (n, n), (0.0, n)], &quad).unwrap();
        let bits = hybrid(&grey, w, h);
        let g = Grey { px: &grey, w, h };
        let (group, start) = finders_and_start(&bits, m.size);
        let fitted = refit(&g, &bits, &group, &start[0]).expect("alignment patterns found");
        // Every module centre within a third of a module of where it truly is (the sampler
        // reads the right module up to half a module off).
        let module = truth.module_px_at(n / 2.0, n / 2.0);
        for v in (0..m.size).step_by(4) {
            for u in (0..m.size).step_by(4) {
                let (uc, vc) = (u as f64 + 0.5, v as f64 + 0.5);
                let (a, b) = (truth.map(uc, vc), fitted.map.map(uc, vc));
                let off = (a.0 - b.0).hypot(a.1 - b.1);
                assert!(off < module / 3.0, "module ({u},{v}) {off:.2} px off");
            }
        }
        let read = super::super::perspective::sample_and_decode(&grey, w, h, Some(&bits), &fitted);
        assert_eq!(read.as_deref(), Some(text.as_str()));

        let mut searched = 0;
        assert!(refit_counting(&g, &bits, &group, &start[0], &mut searched).is_some());
        assert_eq!(searched, 13, "every pattern looked for");
    }

    /// A grid whose first alignment patterns are not where it says (a wrong size or place, here
    /// the same code with every pattern painted light) is given up after looking for three,
    /// not for all thirteen.
    #[test]
    fn a_refit_that_finds_none_of_the_first_patterns_gives_up() {
        let text = "UR:BYTES/1-11/".to_string() + &"LB".repeat(340);
        let m = Matrix::encode(&text, qrcode::EcLevel::L).unwrap();
        let centres = alignment_centres(m.size);
        let erased = |u: isize, v: isize| {
            let near = |&(c, r): &(usize, usize)| {
                (u - c as isize).abs() <= 6 && (v - r as isize).abs() <= 6
            };
            m.is_dark(u, v) && !centres.iter().any(near)
        };
        let quad = [(60.0, 40.0), (420.0, 85.0), (420.0, 355.0), (60.0, 440.0)];
        let (w, h) = (480usize, 480usize);
        let grey = tilted_modules(m.size, erased, quad, w, h);
        let bits = hybrid(&grey, w, h);
        let g = Grey { px: &grey, w, h };
        let (group, start) = finders_and_start(&bits, m.size);
        let mut searched = 0;
        assert!(refit_counting(&g, &bits, &group, &start[0], &mut searched).is_none());
        assert_eq!(searched, GIVE_UP_AFTER);
    }

    /// `n` grey pixels of uniform noise from a fixed seed.
    fn noise(seed: u64, n: usize) -> Vec<u8> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1);
                (s >> 56) as u8
            })
            .collect()
    }

    #[test]
    fn a_refit_on_noise_finds_nothing_and_stays_bounded() {
        let grey = noise(99, 400 * 400);
        let g = Grey {
            px: &grey,
            w: 400,
            h: 400,
        };
        let f = |x, y| Finder {
            x,
            y,
            module: 4.0,
            count: 3,
        };
        let group = [f(40.0, 40.0), f(340.0, 40.0), f(40.0, 340.0)];
        let loc = Located {
            map: Homography::quad_to_quad(
                &[(3.5, 3.5), (73.5, 3.5), (73.5, 73.5), (3.5, 73.5)],
                &[(40.0, 40.0), (340.0, 40.0), (340.0, 340.0), (40.0, 340.0)],
            )
            .unwrap(),
            size: 77,
        };
        assert!(refit(&g, &hybrid(&grey, 400, 400), &group, &loc).is_none());
        // Sizes that are no QR version have no alignment patterns to look for.
        assert!(alignment_centres(78).is_empty() && alignment_centres(21).is_empty());
        assert_eq!(alignment_centres(25), vec![(18, 18)]);
        assert_eq!(alignment_centres(177).len(), 46);
    }

    #[test]
    fn noise_is_not_a_finder() {
        let grey = noise(12345, 300 * 200);
        let b = hybrid(&grey, 300, 200);
        assert!(groups(&find_finders(&b)).len() <= MAX_GROUPS);
    }

    /// The row scan as first written, pixel by pixel: what `scan_row`'s skipping must reproduce.
    fn scan_row_reference(row: &[bool]) -> Vec<([usize; 5], usize)> {
        let mut out = Vec::new();
        let mut c = [0usize; 5];
        let mut state = 0usize;
        for (x, &dark) in row.iter().enumerate() {
            if dark {
                if state & 1 == 1 {
                    state += 1;
                }
                c[state] += 1;
            } else if state & 1 == 1 {
                c[state] += 1;
            } else if state == 4 {
                out.push((c, x));
                c = [c[2], c[3], c[4], 1, 0];
                state = 3;
            } else {
                state += 1;
                c[state] += 1;
            }
        }
        if state == 4 {
            out.push((c, row.len()));
        }
        out
    }

    #[test]
    fn skipping_long_runs_finds_the_same_candidates_as_the_pixel_scan() {
        let mut rng = crate::transport::xoshiro::Xoshiro256::from_bytes(b"finder rows");
        for len in [0usize, 1, 15, 16, 17, 33, 640, 1281] {
            for _ in 0..50 {
                // Runs of 1 to 40 pixels: short ones as in a code, long ones as around it.
                let mut row = Vec::with_capacity(len);
                let mut dark = rng.next_double() < 0.5;
                while row.len() < len {
                    let n = rng.next_int(1, 40) as usize;
                    row.extend(std::iter::repeat_n(dark, n.min(len - row.len())));
                    dark = !dark;
                }
                let mut fast = Vec::new();
                scan_row(&row, |c, x| fast.push((*c, x)));
                assert_eq!(fast, scan_row_reference(&row), "{row:?}");
            }
        }
    }
}
