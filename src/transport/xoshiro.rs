//! Xoshiro256** seeded from SHA-256, exactly as Blockchain Commons' bc-ur uses it to choose the
//! fragments of mixed fountain parts (the wire format depends on it bit for bit).
use bitcoin::hashes::{sha256, Hash};

/// The generator.
#[derive(Debug, Clone)]
pub struct Xoshiro256 {
    s: [u64; 4],
}

impl Xoshiro256 {
    /// State = the 32-byte digest read as four big-endian u64s.
    pub fn from_digest(d: &[u8; 32]) -> Self {
        let mut s = [0u64; 4];
        for (i, v) in s.iter_mut().enumerate() {
            *v = u64::from_be_bytes(d[8 * i..8 * i + 8].try_into().expect("8 bytes"));
        }
        Xoshiro256 { s }
    }

    /// Seeded with SHA-256 of `bytes`.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self::from_digest(sha256::Hash::hash(bytes).as_byte_array())
    }

    /// Next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    pub fn next_double(&mut self) -> f64 {
        self.next_u64() as f64 / (u64::MAX as f64 + 1.0)
    }

    /// Uniform integer in [low, high].
    pub fn next_int(&mut self, low: u64, high: u64) -> u64 {
        (self.next_double() * (high - low + 1) as f64) as u64 + low
    }

    /// `n` random bytes (the "make_message" of the test vectors).
    pub fn next_data(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_int(0, 255) as u8).collect()
    }
}

/// Walker–Vose alias sampler over weights, as bc-ur's `RandomSampler`.
#[derive(Debug, Clone)]
pub struct Sampler {
    probs: Vec<f64>,
    aliases: Vec<usize>,
}

impl Sampler {
    /// Build for `weights` (positive).
    pub fn new(weights: &[f64]) -> Self {
        let n = weights.len();
        let sum: f64 = weights.iter().sum();
        let mut p: Vec<f64> = weights.iter().map(|w| w * n as f64 / sum).collect();
        let (mut small, mut large) = (Vec::new(), Vec::new());
        for j in (0..n).rev() {
            if p[j] < 1.0 {
                small.push(j);
            } else {
                large.push(j);
            }
        }
        let mut probs = vec![0.0; n];
        let mut aliases = vec![0usize; n];
        while !small.is_empty() && !large.is_empty() {
            let a = small.pop().expect("non-empty");
            let g = large.pop().expect("non-empty");
            probs[a] = p[a];
            aliases[a] = g;
            p[g] += p[a] - 1.0;
            if p[g] < 1.0 {
                small.push(g);
            } else {
                large.push(g);
            }
        }
        while let Some(g) = large.pop() {
            probs[g] = 1.0;
        }
        while let Some(a) = small.pop() {
            probs[a] = 1.0;
        }
        Sampler { probs, aliases }
    }

    /// Draw an index.
    pub fn next(&self, rng: &mut Xoshiro256) -> usize {
        let r1 = rng.next_double();
        let r2 = rng.next_double();
        let i = (self.probs.len() as f64 * r1) as usize;
        if r2 < self.probs[i] {
            i
        } else {
            self.aliases[i]
        }
    }
}

/// bc-ur's shuffle: repeatedly remove a random remaining item.
pub fn shuffle<T: Clone>(items: &[T], rng: &mut Xoshiro256) -> Vec<T> {
    let mut remaining = items.to_vec();
    let mut out = Vec::with_capacity(items.len());
    while !remaining.is_empty() {
        let i = rng.next_int(0, remaining.len() as u64 - 1) as usize;
        out.push(remaining.remove(i));
    }
    out
}
