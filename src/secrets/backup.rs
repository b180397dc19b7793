//! Checking a paper backup against the seed file (`seed verify-backup`): which positions to ask,
//! how a typed word is compared with the seed's word, and which positions were wrong. The result
//! names positions only; neither the seed's words nor what was typed ever leave this module.
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{entropy, Mnemonic, SecretError};

/// Which word positions to ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Positions {
    /// Every word, in order.
    All,
    /// `n` distinct positions chosen with the OS random number generator.
    Random(usize),
    /// These 1-based positions (sorted, without repeats).
    List(Vec<usize>),
}

impl std::str::FromStr for Positions {
    type Err = String;

    /// `all`, `random:N` or a comma-separated list of 1-based positions such as `3,7,12`.
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("all") {
            return Ok(Positions::All);
        }
        if let Some(n) = s.strip_prefix("random:") {
            return match n.trim().parse::<usize>() {
                Ok(n) if n > 0 => Ok(Positions::Random(n)),
                _ => Err(format!(
                    "random:N takes a number of words from 1 up, not {}",
                    crate::sanitize::escape(n)
                )),
            };
        }
        let mut list = Vec::new();
        for p in s.split(',') {
            match p.trim().parse::<usize>() {
                Ok(n) if n > 0 => list.push(n),
                _ => {
                    return Err(format!(
                        "--positions takes all, random:N or a list such as 3,7,12; {} is not a word position",
                        crate::sanitize::escape(p.trim())
                    ))
                }
            }
        }
        list.sort_unstable();
        list.dedup();
        Ok(Positions::List(list))
    }
}

impl Positions {
    /// The 1-based positions to ask for a mnemonic of `words` words, sorted.
    pub fn resolve(&self, words: usize) -> Result<Vec<usize>, SecretError> {
        match self {
            Positions::All => Ok((1..=words).collect()),
            Positions::Random(n) if *n <= words => entropy::backup_positions(words, *n),
            Positions::Random(n) => Err(SecretError::BadPositions(format!(
                "random:{n} asks for more words than the seed's {words}"
            ))),
            Positions::List(list) => match list.iter().find(|&&p| p == 0 || p > words) {
                Some(p) => Err(SecretError::BadPositions(format!(
                    "position {p} is not a word of this {words}-word seed"
                ))),
                None => Ok(list.clone()),
            },
        }
    }
}

/// Whether `typed` names the BIP39 English word `expected`: the whole word, or (from four letters
/// on) its beginning, since the first four letters of every word in the English list are unique.
/// Case and surrounding spaces are forgiven. The comparison does not stop at the first difference.
pub fn word_matches(expected: &str, typed: &str) -> bool {
    let typed = Zeroizing::new(typed.trim().to_lowercase());
    let t = typed.as_bytes();
    let e = expected.as_bytes();
    if t.is_empty() || t.len() > e.len() || (t.len() < 4 && t.len() != e.len()) {
        return false;
    }
    bool::from(e[..t.len()].ct_eq(t))
}

/// The outcome of a check: what was asked and which of those positions were wrong (1-based).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BackupCheck {
    /// Positions asked, sorted.
    pub asked: Vec<usize>,
    /// Positions whose typed word does not match the seed's, sorted. Empty: the backup matches.
    pub wrong: Vec<usize>,
}

impl BackupCheck {
    /// True when every asked word matched.
    pub fn ok(&self) -> bool {
        self.wrong.is_empty()
    }
}

/// Compare `answers` with the seed's words at `asked` (1-based). `answers` holds either one word
/// per asked position, in order, or the whole mnemonic (one word per position), from which the
/// asked positions are taken. Any other count is an error that names counts, not words.
pub fn check(
    m: &Mnemonic,
    asked: &[usize],
    answers: &[Zeroizing<String>],
) -> Result<BackupCheck, SecretError> {
    let by_position = if answers.len() == asked.len() {
        false
    } else if answers.len() == m.word_count() {
        true
    } else {
        return Err(SecretError::BackupWordCount {
            given: answers.len(),
            asked: asked.len(),
            words: m.word_count(),
        });
    };
    let mut wrong = Vec::new();
    for (i, &p) in asked.iter().enumerate() {
        let expected = m.word(p - 1).unwrap_or("");
        let typed = if by_position {
            &answers[p - 1]
        } else {
            &answers[i]
        };
        if !word_matches(expected, typed) {
            wrong.push(p);
        }
    }
    Ok(BackupCheck {
        asked: asked.to_vec(),
        wrong,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The BIP39 test mnemonic: words 1–11 `abandon`, word 12 `about`.
    const ABANDON: &str = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

    fn answers(s: &str) -> Vec<Zeroizing<String>> {
        s.split_whitespace()
            .map(|w| Zeroizing::new(w.to_owned()))
            .collect()
    }

    #[test]
    fn positions_parse() {
        assert_eq!("all".parse(), Ok(Positions::All));
        assert_eq!("random:3".parse(), Ok(Positions::Random(3)));
        assert_eq!(
            "12, 3,7,3".parse(),
            Ok(Positions::List(vec![3, 7, 12])),
            "sorted, repeats dropped"
        );
        for bad in ["random:0", "random:x", "0", "3,,7", "-1", "three", ""] {
            assert!(bad.parse::<Positions>().is_err(), "{bad:?} accepted");
        }
        assert!(Positions::List(vec![13]).resolve(12).is_err());
        assert!(Positions::Random(13).resolve(12).is_err());
        assert_eq!(Positions::All.resolve(12).unwrap().len(), 12);
        let r = Positions::Random(4).resolve(24).unwrap();
        assert_eq!(r.len(), 4);
        assert!(r.windows(2).all(|w| w[0] < w[1]) && r.iter().all(|p| (1..=24).contains(p)));
    }

    #[test]
    fn four_letters_identify_a_word() {
        assert!(word_matches("abandon", "abandon"));
        assert!(word_matches("abandon", " ABAN "));
        assert!(word_matches("abandon", "aband"));
        assert!(
            !word_matches("abandon", "aba"),
            "three letters are not unique"
        );
        assert!(!word_matches("abandon", "abandoned"));
        assert!(!word_matches("abandon", "abandom"));
        assert!(!word_matches("abandon", ""));
        // Three-letter words are matched whole.
        assert!(word_matches("add", "add"));
        assert!(!word_matches("add", "ad"));
        assert!(!word_matches("about", "abov"));
    }

    #[test]
    fn the_four_letter_rule_holds_for_the_english_list() {
        let list = bip39::Language::English.word_list();
        let mut prefixes: Vec<&str> = list.iter().map(|w| &w[..w.len().min(4)]).collect();
        prefixes.sort_unstable();
        let n = prefixes.len();
        prefixes.dedup();
        assert_eq!(
            prefixes.len(),
            n,
            "two English words share their first four letters"
        );
        // And so a four-letter prefix matches exactly one word.
        for w in list.iter().take(50) {
            let p = &w[..w.len().min(4)];
            assert_eq!(list.iter().filter(|x| word_matches(x, p)).count(), 1, "{p}");
        }
    }

    #[test]
    fn wrong_positions_are_named() {
        let m = Mnemonic::parse(ABANDON).unwrap();
        let all: Vec<usize> = (1..=12).collect();
        let ok = check(&m, &all, &answers(ABANDON)).unwrap();
        assert!(ok.ok());
        let typo = ABANDON
            .replacen("abandon", "abandom", 3)
            .replacen("abandom", "abandon", 2);
        let r = check(&m, &all, &answers(&typo)).unwrap();
        assert_eq!(r.wrong, vec![3]);
        // Only some positions asked, answered in order…
        let r = check(&m, &[2, 12], &answers("aban abov")).unwrap();
        assert_eq!(r.wrong, vec![12]);
        // …or answered with the whole mnemonic.
        let r = check(&m, &[2, 12], &answers(&typo)).unwrap();
        assert!(r.ok());
        assert!(matches!(
            check(&m, &[2, 12], &answers("abandon")),
            Err(SecretError::BackupWordCount {
                given: 1,
                asked: 2,
                words: 12
            })
        ));
    }
}
