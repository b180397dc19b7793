//! Untrusted text reaches the terminal only through [`escape`]: control and bidi characters from
//! a hostile PSBT, file name or label must not rewrite what the user sees.

/// Escape control characters and Unicode bidi/format characters as `\u{…}`.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() || is_bidi_or_invisible(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// [`escape`] for bytes that may not be UTF-8: valid text is escaped as by [`escape`], every
/// byte of an invalid sequence is shown as `\x{ff}`.
pub fn escape_bytes(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        out.push_str(&escape(chunk.valid()));
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{{{byte:02x}}}"));
        }
    }
    out
}

fn is_bidi_or_invisible(c: char) -> bool {
    // U+2028/U+2029 (line and paragraph separators) break a line where the reader sees none
    // (adversarial pass 6, F11); U+061C is Arabic's bidi mark; U+00AD a soft hyphen.
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::{escape, escape_bytes};

    #[test]
    fn escapes_terminal_controls_and_bidi() {
        assert_eq!(escape("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(escape("pay\u{202E}evil"), "pay\\u{202e}evil");
        assert_eq!(escape("bc1qok"), "bc1qok");
        assert_eq!(escape_bytes(b"a\xffb\n"), "a\\x{ff}b\\u{a}");
    }

    #[test]
    fn line_and_paragraph_separators_are_escaped() {
        assert_eq!(escape("a\u{2028}b\u{2029}c"), "a\\u{2028}b\\u{2029}c");
    }
}
