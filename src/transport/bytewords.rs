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
