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
    fn backup_positions_are_distinct_and_in_range() {
        for _ in 0..200 {
            let p = backup_positions(12, 3).unwrap();
            assert_eq!(p.len(), 3);
            assert!(p.windows(2).all(|w| w[0] < w[1]));
            assert!(p.iter().all(|&x| (1..=12).contains(&x)));
        }
    }
}
