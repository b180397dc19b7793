//! BBQr (coinkite/BBQr): `B$` + encoding + file type + total (2 base-36) + index (2 base-36), then
//! hex, Base32, or raw-deflate (window 2^10) + Base32. Equal parts but the last, sized for the
//! smallest QR version that carries the data in the requested number of parts.
use std::io::Read;

use qrcode::EcLevel;

use super::TransportError;

/// Largest decoded file accepted.
const MAX_FILE: usize = 16 * 1024 * 1024;
const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn bad(s: impl Into<String>) -> TransportError {
    TransportError::BadBbqr(s.into())
}

/// Data encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Encoding {
    /// `H`: upper-case hex.
    Hex,
    /// `2`: RFC 4648 Base32 without padding.
    Base32,
    /// `Z`: raw deflate (wbits 10) then Base32.
    Zlib,
}

impl Encoding {
    fn code(self) -> char {
        match self {
            Encoding::Hex => 'H',
            Encoding::Base32 => '2',
            Encoding::Zlib => 'Z',
        }
    }
    fn from_code(c: char) -> Option<Self> {
        match c {
            'H' => Some(Encoding::Hex),
            '2' => Some(Encoding::Base32),
            'Z' => Some(Encoding::Zlib),
            _ => None,
        }
    }
    /// Characters per whole number of bytes.
    fn unit(self) -> usize {
        match self {
            Encoding::Hex => 2,
            _ => 8,
        }
    }
}

/// File types from the spec.
pub const FILE_TYPES: &str = "PTJCUBX";

/// Two base-36 digits.
pub fn base36(n: usize) -> Option<String> {
    const D: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    (n < 36 * 36).then(|| format!("{}{}", D[n / 36] as char, D[n % 36] as char))
}

fn from_base36(s: &str) -> Option<usize> {
    let v = usize::from_str_radix(s, 36).ok()?;
    (s.len() == 2
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()))
    .then_some(v)
}

/// RFC 4648 Base32, no padding.
pub fn base32_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    for chunk in data.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let v = u64::from_be_bytes([0, 0, 0, buf[0], buf[1], buf[2], buf[3], buf[4]]);
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..chars {
            out.push(B32[(v >> (35 - 5 * i) & 31) as usize] as char);
        }
    }
    out
}

/// RFC 4648 Base32 decode, padding optional.
pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let (mut acc, mut bits) = (0u64, 0u32);
    for c in s.bytes() {
        let v = B32.iter().position(|b| *b == c.to_ascii_uppercase())? as u64;
        acc = acc << 5 | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn deflate(data: &[u8]) -> Result<Vec<u8>, TransportError> {
    // Raw deflate with a 1 KiB window, so small devices can inflate it (BBQr.md).
    let mut c = flate2::Compress::new_with_window_bits(flate2::Compression::best(), false, 10);
    let mut out = Vec::with_capacity(data.len() / 2 + 1024);
    loop {
        let consumed = c.total_in() as usize;
        let status = c
            .compress_vec(&data[consumed..], &mut out, flate2::FlushCompress::Finish)
            .map_err(|e| bad(e.to_string()))?;
        if status == flate2::Status::StreamEnd {
            return Ok(out);
        }
        out.reserve(out.capacity().max(1024));
    }
}

fn inflate(data: &[u8]) -> Result<Vec<u8>, TransportError> {
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(data)
        .take(MAX_FILE as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| bad(format!("Z data does not inflate: {e}")))?;
    if out.len() > MAX_FILE {
        return Err(bad("decompressed file is too large"));
    }
    Ok(out)
}

/// Alphanumeric characters that fit in a QR code of `version` at `ec`.
pub fn alnum_capacity(version: i16, ec: EcLevel) -> usize {
    let Ok(bits) = qrcode::bits::Bits::new(qrcode::Version::Normal(version)).max_len(ec) else {
        return 0;
    };
    let count_bits = match version {
        1..=9 => 9,
        10..=26 => 11,
        _ => 13,
    };
    let avail = bits.saturating_sub(4 + count_bits);
    let mut n = avail / 11 * 2;
    if avail % 11 >= 6 {
        n += 1;
    }
    n
}

/// Split parameters.
#[derive(Debug, Clone, Copy)]
pub struct SplitOptions {
    /// Smallest QR version to use.
    pub min_version: i16,
    /// Largest QR version to use.
    pub max_version: i16,
    /// Fewest parts.
    pub min_split: usize,
    /// Most parts.
    pub max_split: usize,
    /// Error correction.
    pub ec: EcLevel,
}

impl Default for SplitOptions {
    fn default() -> Self {
        SplitOptions {
            min_version: 5,
            max_version: 40,
            min_split: 1,
            max_split: 1295,
            ec: EcLevel::L,
        }
    }
}

/// An encoded series.
#[derive(Debug, Clone)]
pub struct Split {
    /// The part strings.
    pub parts: Vec<String>,
    /// QR version chosen.
    pub version: i16,
    /// Encoding used.
    pub encoding: Encoding,
}

/// Encode `data` of `file_type` (one of P T J C U B X). `encoding: None` tries Z and falls back to
/// Base32 when compression does not help (as the spec recommends).
pub fn encode(
    data: &[u8],
    file_type: char,
    encoding: Option<Encoding>,
    opts: &SplitOptions,
) -> Result<Split, TransportError> {
    if !FILE_TYPES.contains(file_type) {
        return Err(bad(format!("unknown file type {file_type}")));
    }
    let (encoding, body) = match encoding {
        Some(Encoding::Hex) => (
            Encoding::Hex,
            data.iter().map(|b| format!("{b:02X}")).collect::<String>(),
        ),
        Some(Encoding::Base32) => (Encoding::Base32, base32_encode(data)),
        Some(Encoding::Zlib) => (Encoding::Zlib, base32_encode(&deflate(data)?)),
        None => {
            let z = base32_encode(&deflate(data)?);
            let plain = base32_encode(data);
            if z.len() < plain.len() {
                (Encoding::Zlib, z)
            } else {
                (Encoding::Base32, plain)
            }
        }
    };
    for version in opts.min_version.max(1)..=opts.max_version.min(40) {
        let cap = alnum_capacity(version, opts.ec).saturating_sub(8);
        let per = cap / encoding.unit() * encoding.unit();
        if per == 0 {
            continue;
        }
        let count = body.len().div_ceil(per).max(1);
        if count < opts.min_split || count > opts.max_split || count > 1295 {
            continue;
        }
        let total = base36(count).ok_or_else(|| bad("too many parts"))?;
        let parts = (0..count)
            .map(|i| {
                let chunk = &body[i * per..((i + 1) * per).min(body.len())];
                format!(
                    "B${}{}{}{}{}",
                    encoding.code(),
                    file_type,
                    total,
                    base36(i).unwrap_or_default(),
                    chunk
                )
            })
            .collect();
        return Ok(Split {
            parts,
            version,
            encoding,
        });
    }
    Err(bad(
        "the data does not fit in the allowed QR versions and part counts",
    ))
}

/// A parsed part header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Encoding.
    pub encoding: Encoding,
    /// File type letter.
    pub file_type: char,
    /// Number of parts.
    pub total: usize,
    /// This part's index (0-based).
    pub index: usize,
}

/// Parse one part: header and body.
pub fn parse_part(s: &str) -> Result<(Header, &str), TransportError> {
    let s = s.trim();
    if s.len() < 8 || !s.as_bytes()[..8].is_ascii() || !s.starts_with("B$") {
        return Err(bad("too short or missing the B$ header"));
    }
    let h = &s[..8];
    let encoding =
        Encoding::from_code(h.as_bytes()[2] as char).ok_or_else(|| bad("unknown encoding"))?;
    let file_type = h.as_bytes()[3] as char;
    if !FILE_TYPES.contains(file_type) {
        return Err(bad("unknown file type"));
    }
    let total = from_base36(&h[4..6]).ok_or_else(|| bad("invalid part total"))?;
    let index = from_base36(&h[6..8]).ok_or_else(|| bad("invalid part index"))?;
    if total == 0 || index >= total {
        return Err(bad("part index is not below the total"));
    }
    Ok((
        Header {
            encoding,
            file_type,
            total,
            index,
        },
        &s[8..],
    ))
}

/// Collects BBQr parts into the file.
#[derive(Debug, Default)]
pub struct Joiner {
    header: Option<Header>,
    parts: Vec<Option<String>>,
}

impl Joiner {
    /// Add a part. A part of another series restarts (returns true then).
    pub fn add(&mut self, s: &str) -> Result<bool, TransportError> {
        let (h, body) = parse_part(s)?;
        let restart = match &self.header {
            Some(cur) => {
                cur.encoding != h.encoding || cur.file_type != h.file_type || cur.total != h.total
            }
            None => false,
        };
        if restart || self.header.is_none() {
            self.parts = vec![None; h.total];
        }
        // BBQr carries no message id, so this is the one sign of two files of the same shape on
        // the screen; which part is genuine cannot be told, so the file starts again (fourth
        // adversarial pass: a second part 2 silently replaced the first).
        if self.parts[h.index]
            .as_deref()
            .is_some_and(|prev| prev != body)
        {
            self.parts = vec![None; h.total];
            self.header = None;
            return Err(bad(format!(
                "part {} of {} arrived again with different content: frames of two files are                  being shown; starting the file again",
                h.index + 1,
                h.total
            )));
        }
        self.parts[h.index] = Some(body.to_owned());
        self.header = Some(h);
        Ok(restart)
    }

    /// Parts held and total.
    pub fn progress(&self) -> (usize, usize) {
        (self.parts.iter().flatten().count(), self.parts.len())
    }

    /// The file type letter, once known.
    pub fn file_type(&self) -> Option<char> {
        self.header.as_ref().map(|h| h.file_type)
    }

    /// The file, when every part is in.
    pub fn finish(&self) -> Result<Option<Vec<u8>>, TransportError> {
        let Some(h) = &self.header else {
            return Ok(None);
        };
        if self.parts.iter().any(Option::is_none) {
            return Ok(None);
        }
        let bodies: Vec<&String> = self.parts.iter().flatten().collect();
        let first = bodies[0].len();
        if bodies[..bodies.len() - 1].iter().any(|b| b.len() != first)
            || bodies.last().is_some_and(|b| b.len() > first)
        {
            return Err(bad("parts differ in length (only the last may be shorter)"));
        }
        let joined: String = bodies.iter().map(|s| s.as_str()).collect();
        if joined.len() > MAX_FILE * 2 {
            return Err(bad("too large"));
        }
        let data = match h.encoding {
            Encoding::Hex => crate::hex::decode(&joined).ok_or_else(|| bad("bad hex"))?,
            Encoding::Base32 => base32_decode(&joined).ok_or_else(|| bad("bad Base32"))?,
            Encoding::Zlib => inflate(&base32_decode(&joined).ok_or_else(|| bad("bad Base32"))?)?,
        };
        Ok(Some(data))
    }
}
