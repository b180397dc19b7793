//! Entropy for a new mnemonic: always the OS random number generator; die rolls, when given, are
//! mixed in with SHA-256 and never used alone, so biased dice (or a typist repeating one digit)
//! cannot make the seed weaker than the OS entropy. Also the random backup-check positions.
use bitcoin::hashes::{sha256, Hash, HashEngine};
use zeroize::{Zeroize, Zeroizing};

use super::SecretError;

/// Domain separation for the dice mix.
const DICE_TAG: &[u8] = b"airsign/dice/v1";

/// Entropy bytes for a mnemonic of `words` words (12 → 16 bytes, 24 → 32 bytes).
pub fn entropy_len(words: usize) -> Result<usize, SecretError> {
    match words {
        12 => Ok(16),
        24 => Ok(32),
        n => Err(SecretError::BadWordCount(n)),
    }
}

/// The fewest die rolls accepted for `words` words: enough for the rolls alone to carry the full
/// entropy (log2(6) ≈ 2.58 bits per roll), so dice are never a false comfort.
pub fn min_rolls(words: usize) -> usize {
    if words == 12 {
        50
    } else {
        99
    }
}

/// Check die rolls as typed: digits 1 to 6, whitespace ignored, at least `min` of them.
pub fn parse_rolls(text: &str, min: usize) -> Result<Zeroizing<String>, SecretError> {
    let mut rolls = Zeroizing::new(String::with_capacity(text.len()));
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        if !('1'..='6').contains(&c) {
            return Err(SecretError::BadDice(
                "die rolls must be digits 1 to 6".into(),
            ));
        }
        rolls.push(c);
    }
    if rolls.len() < min {
        return Err(SecretError::BadDice(format!(
            "{} rolls given; at least {min} are needed for this word count",
            rolls.len()
        )));
    }
    Ok(rolls)
}

/// Significance level of the dice checks: a fair die trips a warning about once in 100 runs.
pub const DICE_ALPHA: f64 = 0.01;

/// Faces of the die the rolls come from (`parse_rolls` accepts 1 to 6).
const FACES: usize = 6;

/// Something in the die rolls that a fair die rarely produces. A warning only: the rolls are
/// mixed with the OS entropy, so even a loaded die cannot weaken the seed; it may mean the die
/// (or the person typing) is not doing what the ceremony assumes.
#[derive(Debug, Clone, PartialEq)]
pub enum DiceWarning {
    /// Pearson's chi-square test of the face counts against a uniform die.
    Uneven {
        /// The statistic, with `FACES - 1` degrees of freedom.
        chi_square: f64,
        /// The statistic a fair die exceeds with probability `DICE_ALPHA`.
        threshold: f64,
        /// P(χ² ≥ statistic) for a fair die.
        p_value: f64,
    },
    /// The counts are closer to even than fair dice manage: typed as a pattern (123456…)?
    TooEven {
        /// The statistic.
        chi_square: f64,
        /// A fair die falls below this with probability `DICE_ALPHA`.
        threshold: f64,
        /// P(χ² ≤ statistic) for a fair die.
        p_value: f64,
    },
    /// One face many times in a row.
    LongRun {
        /// Length of the longest run.
        length: usize,
        /// An upper bound on the chance of a run this long anywhere in the rolls of a fair die.
        p_bound: f64,
    },
}

impl std::fmt::Display for DiceWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiceWarning::Uneven { chi_square, threshold, p_value } => write!(
                f,
                "the faces are uneven: chi-square {chi_square:.1} with {} degrees of freedom is above {threshold:.2}, the p < {DICE_ALPHA} threshold for a fair die ({})",
                FACES - 1,
                p_text(*p_value)
            ),
            DiceWarning::TooEven { chi_square, threshold, p_value } => write!(
                f,
                "the faces are more even than a fair die rolls: chi-square {chi_square:.2} with {} degrees of freedom is below {threshold:.3}, the p < {DICE_ALPHA} threshold ({}); were the digits typed as a pattern?",
                FACES - 1,
                p_text(*p_value)
            ),
            DiceWarning::LongRun { length, p_bound } => write!(
                f,
                "one face came up {length} times in a row; a fair die does that with p < {p_bound:.1e}"
            ),
        }
    }
}

/// `p = 3.1e-4`, or `p < 1e-12` where the double-precision tail is no longer exact.
fn p_text(p: f64) -> String {
    if p < 1e-12 {
        "p < 1e-12".into()
    } else {
        format!("p = {p:.1e}")
    }
}

/// Check validated die rolls (digits 1–6) for obvious bias. Empty when nothing stands out at
/// `DICE_ALPHA`. Reports statistics only, never the rolls.
pub fn dice_warnings(rolls: &str) -> Vec<DiceWarning> {
    let mut counts = [0usize; FACES];
    let mut longest = 0;
    let mut run = 0;
    let mut prev = None;
    let mut n = 0usize;
    for b in rolls.bytes().filter(|b| (b'1'..=b'6').contains(b)) {
        counts[usize::from(b - b'1')] += 1;
        run = if prev == Some(b) { run + 1 } else { 1 };
        longest = longest.max(run);
        prev = Some(b);
        n += 1;
    }
    let mut out = Vec::new();
    if n == 0 {
        return out;
    }
    let expected = n as f64 / FACES as f64;
    let chi: f64 = counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum();
    let df = FACES - 1;
    let upper = chi_square_sf(chi, df);
    if upper < DICE_ALPHA {
        out.push(DiceWarning::Uneven {
            chi_square: chi,
            threshold: chi_square_quantile(1.0 - DICE_ALPHA, df),
            p_value: upper,
        });
    } else if 1.0 - upper < DICE_ALPHA {
        out.push(DiceWarning::TooEven {
            chi_square: chi,
            threshold: chi_square_quantile(DICE_ALPHA, df),
            p_value: 1.0 - upper,
        });
    }
    // Union bound: a run of `longest` starts at the first roll, or after a different face, with
    // probability at most 6^-(longest-1) at each of the n - longest + 1 places.
    if longest >= 2 {
        let per = (FACES as f64).powi(-(longest as i32 - 1));
        let p_bound =
            (per * (1.0 + (n - longest) as f64 * (FACES - 1) as f64 / FACES as f64)).min(1.0);
        if p_bound < DICE_ALPHA {
            out.push(DiceWarning::LongRun {
                length: longest,
                p_bound,
            });
        }
    }
    out
}

/// P(X ≥ x) for X chi-square with `df` degrees of freedom: the regularized upper incomplete
/// gamma function Q(df/2, x/2), from its power series (ample precision for small df).
pub fn chi_square_sf(x: f64, df: usize) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let a = df as f64 / 2.0;
    let z = x / 2.0;
    // P(a, z) = z^a e^-z / Γ(a + 1) · Σ z^k / ((a + 1)…(a + k))
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..1000 {
        term *= z / (a + k as f64);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    let log_p = a * z.ln() - z - ln_gamma_half(df + 2) + sum.ln();
    (1.0 - log_p.exp()).clamp(0.0, 1.0)
}

/// ln Γ(m / 2) for a positive integer m, exactly from Γ(1) = 1 and Γ(1/2) = √π.
fn ln_gamma_half(m: usize) -> f64 {
    let (mut v, mut k) = if m.is_multiple_of(2) {
        (0.0, 2)
    } else {
        (0.5 * std::f64::consts::PI.ln(), 1)
    };
    while k < m {
        v += (k as f64 / 2.0).ln();
        k += 2;
    }
    v
}

/// The x with P(X ≤ x) = `q` for X chi-square with `df` degrees of freedom (by bisection).
pub fn chi_square_quantile(q: f64, df: usize) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 1000.0f64);
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if 1.0 - chi_square_sf(mid, df) < q {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

/// SHA-256(tag ‖ OS entropy ‖ rolls), truncated to the OS entropy's length. The rolls can only
/// add entropy: with the OS part unknown, the result is as unpredictable as the OS part.
pub fn mix_dice(os: &[u8], rolls: &str) -> Zeroizing<Vec<u8>> {
    let mut e = sha256::Hash::engine();
    e.input(DICE_TAG);
    e.input(os);
    e.input(rolls.as_bytes());
    let mut h = sha256::Hash::from_engine(e).to_byte_array();
    let out = Zeroizing::new(h[..os.len().min(32)].to_vec());
    h.zeroize();
    out
}

/// Fresh entropy for a `words`-word mnemonic from the OS RNG, with die rolls mixed in if given
/// (they are validated first).
pub fn new_entropy(words: usize, rolls: Option<&str>) -> Result<Zeroizing<Vec<u8>>, SecretError> {
    let len = entropy_len(words)?;
    let mut os = Zeroizing::new(vec![0u8; len]);
    getrandom::getrandom(&mut os).map_err(|_| SecretError::Rng)?;
    match rolls {
        None => Ok(os),
        Some(r) => Ok(mix_dice(&os, &parse_rolls(r, min_rolls(words))?)),
    }
}

/// `n` distinct random word positions (1-based, sorted) to ask back after showing the words.
pub fn backup_positions(words: usize, n: usize) -> Result<Vec<usize>, SecretError> {
    let n = n.min(words);
    let mut positions = Vec::with_capacity(n);
    while positions.len() < n {
        let mut b = [0u8; 2];
        getrandom::getrandom(&mut b).map_err(|_| SecretError::Rng)?;
        let p = usize::from(u16::from_le_bytes(b)) % words + 1;
        if !positions.contains(&p) {
            positions.push(p);
        }
    }
    positions.sort_unstable();
    Ok(positions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_roll_must_be_one_to_six() {
        assert_eq!(parse_rolls("1 2 3\n4 5 6", 6).unwrap().as_str(), "123456");
        for bad in ["1234560", "7", "12a", "1-2", "١٢"] {
            assert!(
                matches!(parse_rolls(bad, 1), Err(SecretError::BadDice(_))),
                "{bad:?} accepted"
            );
        }
        assert!(parse_rolls(&"6".repeat(49), 50).is_err());
        assert!(parse_rolls(&"6".repeat(50), 50).is_ok());
    }

    #[test]
    fn biased_dice_only_add_to_the_os_entropy() {
        // The worst dice: every roll the same. The result still follows the OS entropy…
        let ones = "1".repeat(99);
        let a = mix_dice(&[0u8; 32], &ones);
        let b = mix_dice(&[1u8; 32], &ones);
        assert_ne!(*a, *b);
        assert_eq!(a.len(), 32);
        // …and the rolls do change it (they contribute), deterministically.
        assert_ne!(*a, *mix_dice(&[0u8; 32], &"2".repeat(99)));
        assert_eq!(*a, *mix_dice(&[0u8; 32], &ones));
        // The output is neither the OS bytes nor a function of the rolls alone.
        assert_ne!(&a[..], &[0u8; 32][..]);
        assert_eq!(mix_dice(&[7u8; 16], &ones).len(), 16);
    }

    #[test]
    fn os_entropy_is_always_mixed_in() {
        let dice = "3".repeat(60);
        let a = new_entropy(12, Some(&dice)).unwrap();
        let b = new_entropy(12, Some(&dice)).unwrap();
        assert_eq!(a.len(), 16);
        assert_ne!(*a, *b, "the same dice gave the same entropy");
        assert_eq!(new_entropy(24, None).unwrap().len(), 32);
        // Bad or too few rolls are refused before anything is made.
        assert!(new_entropy(12, Some("123")).is_err());
        assert!(new_entropy(12, Some(&"7".repeat(60))).is_err());
        assert!(new_entropy(13, None).is_err());
    }

    #[test]
    fn chi_square_matches_the_tables() {
        // Critical values from any chi-square table.
        assert!((chi_square_quantile(0.99, 5) - 15.086).abs() < 0.001);
        assert!((chi_square_quantile(0.01, 5) - 0.554).abs() < 0.001);
        assert!((chi_square_quantile(0.95, 1) - 3.841).abs() < 0.001);
        assert!((chi_square_quantile(0.99, 10) - 23.209).abs() < 0.001);
        assert!((chi_square_sf(11.070, 5) - 0.05).abs() < 1e-4);
        assert_eq!(chi_square_sf(0.0, 5), 1.0);
    }

    /// 99 rolls of a fair die (Python's `random.SystemRandom().randint(1, 6)`): chi-square 3.73
    /// (3.28 for the first 50), longest run 3.
    const FAIR: &str = "515466545336523241215565364422512354625436615362442411164153623323141561516512152131545141526566261";

    #[test]
    fn fair_rolls_raise_no_warning() {
        assert_eq!(parse_rolls(FAIR, 99).unwrap().len(), 99);
        assert_eq!(dice_warnings(FAIR), vec![]);
        assert_eq!(dice_warnings(&FAIR[..50]), vec![]);
    }

    #[test]
    fn biased_rolls_are_named() {
        // A die that never shows 6 and favours 1.
        let loaded = FAIR.replace('6', "1");
        let w = dice_warnings(&loaded);
        assert!(
            matches!(w[..], [DiceWarning::Uneven { chi_square, p_value, .. }, ..] if chi_square > 15.086 && p_value < 0.01),
            "{w:?}"
        );
        let text = w[0].to_string();
        assert!(
            text.contains("chi-square") && text.contains("15.09") && text.contains("p < 0.01"),
            "{text}"
        );
        // Every roll the same: uneven, and one long run.
        let w = dice_warnings(&"4".repeat(99));
        assert!(matches!(w[0], DiceWarning::Uneven { .. }), "{w:?}");
        assert!(
            matches!(w[1], DiceWarning::LongRun { length: 99, .. }),
            "{w:?}"
        );
        // Typed as a pattern: perfectly even.
        let w = dice_warnings(&"123456".repeat(17));
        assert!(matches!(w[..], [DiceWarning::TooEven { .. }]), "{w:?}");
        assert!(w[0].to_string().contains("pattern"));
        // Fair counts but eight 5s in a row: a run no fair die makes at p < 0.01.
        let run = format!("{}55555555{}", &FAIR[..45], &FAIR[53..]);
        let w = dice_warnings(&run);
        // (The fair rolls around the splice add a 5 of their own: a run of nine.)
        assert!(
            w.iter()
                .any(|x| matches!(x, DiceWarning::LongRun { length: 9, .. })),
            "{w:?}"
        );
        // A run of five in 99 rolls happens to fair dice (p ≈ 0.06): no warning.
        let five = format!("{}44444{}", &FAIR[..1], &FAIR[6..]);
        assert!(
            !dice_warnings(&five)
                .iter()
                .any(|x| matches!(x, DiceWarning::LongRun { .. })),
            "{five}"
        );
    }

    #[test]
    fn backup_positions_are_distinct_and_in_range() {
        for _ in 0..200 {
            let p = backup_positions(12, 3).unwrap();
            assert_eq!(p.len(), 3);
            assert!(p.windows(2).all(|w| w[0] < w[1]));
            assert!(p.iter().all(|&x| (1..=12).contains(&x)));
        }
    }
}
