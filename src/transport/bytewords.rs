//! Bytewords (BCR-2020-012): 256 four-letter words, one per byte value. Used here for the human
//! bundle id; the UR transport encodes its bodies with the same table.

/// The Bytewords table, indexed by byte value.
pub const WORDS: [&str; 256] = [
    "able", "acid", "also", "apex", "aqua", "arch", "atom", "aunt", "away", "axis", "back", "bald",
    "barn", "belt", "beta", "bias", "blue", "body", "brag", "brew", "bulb", "buzz", "calm", "cash",
    "cats", "chef", "city", "claw", "code", "cola", "cook", "cost", "crux", "curl", "cusp", "cyan",
    "dark", "data", "days", "deli", "dice", "diet", "door", "down", "draw", "drop", "drum", "dull",
    "duty", "each", "easy", "echo", "edge", "epic", "even", "exam", "exit", "eyes", "fact", "fair",
    "fern", "figs", "film", "fish", "fizz", "flap", "flew", "flux", "foxy", "free", "frog", "fuel",
    "fund", "gala", "game", "gear", "gems", "gift", "girl", "glow", "good", "gray", "grim", "guru",
    "gush", "gyro", "half", "hang", "hard", "hawk", "heat", "help", "high", "hill", "holy", "hope",
    "horn", "huts", "iced", "idea", "idle", "inch", "inky", "into", "iris", "iron", "item", "jade",
    "jazz", "join", "jolt", "jowl", "judo", "jugs", "jump", "junk", "jury", "keep", "keno", "kept",
    "keys", "kick", "kiln", "king", "kite", "kiwi", "knob", "lamb", "lava", "lazy", "leaf", "legs",
    "liar", "limp", "lion", "list", "logo", "loud", "love", "luau", "luck", "lung", "main", "many",
    "math", "maze", "memo", "menu", "meow", "mild", "mint", "miss", "monk", "nail", "navy", "need",
    "news", "next", "noon", "note", "numb", "obey", "oboe", "omit", "onyx", "open", "oval", "owls",
    "paid", "part", "peck", "play", "plus", "poem", "pool", "pose", "puff", "puma", "purr", "quad",
    "quiz", "race", "ramp", "real", "redo", "rich", "road", "rock", "roof", "ruby", "ruin", "runs",
    "rust", "safe", "saga", "scar", "sets", "silk", "skew", "slot", "soap", "solo", "song", "stub",
    "surf", "swan", "taco", "task", "taxi", "tent", "tied", "time", "tiny", "toil", "tomb", "toys",
    "trip", "tuna", "twin", "ugly", "undo", "unit", "urge", "user", "vast", "very", "veto", "vial",
    "vibe", "view", "visa", "void", "vows", "wall", "wand", "warm", "wasp", "wave", "waxy", "webs",
    "what", "when", "whiz", "wolf", "work", "yank", "yawn", "yell", "yoga", "yurt", "zaps", "zero",
    "zest", "zinc", "zone", "zoom",
];

/// Standard encoding: space-separated words for `bytes` (no checksum; the UR layer adds CRC32).
pub fn encode_words(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| WORDS[*b as usize])
        .collect::<Vec<_>>()
        .join(" ")
}

/// Bytewords styles (BCR-2020-012).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Words separated by spaces.
    Standard,
    /// Words separated by dashes.
    Uri,
    /// First and last letter of each word, no separator (what UR bodies use).
    Minimal,
}

/// Bytewords errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BytewordsError {
    /// Not ASCII.
    #[error("bytewords must be ASCII")]
    NonAscii,
    /// A word or minimal pair is not in the table.
    #[error("not a byteword: {0}")]
    InvalidWord(String),
    /// Minimal form of odd length.
    #[error("minimal bytewords have an even number of letters")]
    InvalidLength,
    /// Fewer than the 4 checksum bytes.
    #[error("too short to hold the CRC32 checksum")]
    TooShort,
    /// CRC32 mismatch.
    #[error("bytewords checksum does not match (damaged or mixed-up part)")]
    BadChecksum,
}

/// A word from a hostile frame as it may appear in a message: short and escaped.
fn shown(w: &str) -> String {
    crate::sanitize::escape(&w.chars().take(16).collect::<String>())
}

fn minimal_index() -> &'static [u16; 26 * 26] {
    use std::sync::OnceLock;
    static T: OnceLock<[u16; 26 * 26]> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = [u16::MAX; 26 * 26];
        for (i, w) in WORDS.iter().enumerate() {
            let b = w.as_bytes();
            t[usize::from(b[0] - b'a') * 26 + usize::from(b[3] - b'a')] = i as u16;
        }
        t
    })
}

/// Encode `data` with its CRC32 appended.
pub fn encode(data: &[u8], style: Style) -> String {
    let mut all = data.to_vec();
    all.extend(crc32fast::hash(data).to_be_bytes());
    match style {
        Style::Standard => encode_words(&all),
        Style::Uri => encode_words(&all).replace(' ', "-"),
        Style::Minimal => {
            let mut s = String::with_capacity(all.len() * 2);
            for b in all {
                let w = WORDS[b as usize].as_bytes();
                s.push(w[0] as char);
                s.push(w[3] as char);
            }
            s
        }
    }
}

/// Decode and check the CRC32; case-insensitive.
pub fn decode(text: &str, style: Style) -> Result<Vec<u8>, BytewordsError> {
    if !text.is_ascii() {
        return Err(BytewordsError::NonAscii);
    }
    let lower = text.to_ascii_lowercase();
    let mut all = Vec::with_capacity(lower.len() / 2);
    let lookup = |a: u8, b: u8| -> Option<u8> {
        if !(a.is_ascii_lowercase() && b.is_ascii_lowercase()) {
            return None;
        }
        let i = minimal_index()[usize::from(a - b'a') * 26 + usize::from(b - b'a')];
        (i != u16::MAX).then_some(i as u8)
    };
    match style {
        Style::Minimal => {
            let b = lower.as_bytes();
            if !b.len().is_multiple_of(2) {
                return Err(BytewordsError::InvalidLength);
            }
            for pair in b.chunks(2) {
                all.push(lookup(pair[0], pair[1]).ok_or_else(|| {
                    BytewordsError::InvalidWord(shown(&String::from_utf8_lossy(pair)))
                })?);
            }
        }
        Style::Standard | Style::Uri => {
            let sep = if style == Style::Standard { ' ' } else { '-' };
            for w in lower.split(sep).filter(|w| !w.is_empty()) {
                let b = w.as_bytes();
                let i = if b.len() == 4 {
                    lookup(b[0], b[3]).filter(|i| WORDS[*i as usize] == w)
                } else {
                    None
                };
                all.push(i.ok_or_else(|| BytewordsError::InvalidWord(shown(w)))?);
            }
        }
    }
    if all.len() < 4 {
        return Err(BytewordsError::TooShort);
    }
    let (data, crc) = all.split_at(all.len() - 4);
    if crc32fast::hash(data).to_be_bytes() != crc {
        return Err(BytewordsError::BadChecksum);
    }
    Ok(data.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_minimal_form_is_unambiguous() {
        let mut minimal = std::collections::HashSet::new();
        for w in WORDS.windows(2) {
            assert!(w[0] < w[1]);
        }
        for w in WORDS {
            let b = w.as_bytes();
            assert!(minimal.insert([b[0], b[3]]));
        }
    }

    /// `fixtures/ur-bytewords.json`, from ../shared/vectors/ur.json (bc-ur test.cpp
    /// test_bytewords_1/2): the words before the 4-word CRC32 suffix are the byte encoding.
    #[test]
    fn matches_bc_ur_vectors() {
        let raw = include_str!("../../fixtures/ur-bytewords.json");
        let v: serde_json::Value = serde_json::from_str(raw).unwrap();
        let mut n = 0;
        for case in v["vectors"].as_array().unwrap() {
            let bytes: Vec<u8> = serde_json::from_value(case["input_bytes"].clone()).unwrap();
            let expected: Vec<&str> = case["expected_standard"]
                .as_str()
                .unwrap()
                .split_whitespace()
                .collect();
            let got = encode_words(&bytes);
            assert_eq!(
                got.split(' ').collect::<Vec<_>>(),
                expected[..expected.len() - 4]
            );
            n += 1;
        }
        assert!(n >= 2);
    }
}
