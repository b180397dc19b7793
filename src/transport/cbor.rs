//! The small part of CBOR (RFC 8949) that UR needs: unsigned ints, byte and text strings, arrays,
//! maps and tags, definite lengths only. Reading is bounded: hostile input gets an error.

/// Append a CBOR head: major type and argument, minimal length.
pub fn head(out: &mut Vec<u8>, major: u8, v: u64) {
    let m = major << 5;
    match v {
        0..=23 => out.push(m | v as u8),
        24..=0xff => out.extend([m | 24, v as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend((v as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend((v as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend(v.to_be_bytes());
        }
    }
}

/// Unsigned integer.
pub fn uint(out: &mut Vec<u8>, v: u64) {
    head(out, 0, v);
}

/// Byte string.
pub fn bytes(out: &mut Vec<u8>, b: &[u8]) {
    head(out, 2, b.len() as u64);
    out.extend_from_slice(b);
}

/// Text string.
pub fn text(out: &mut Vec<u8>, s: &str) {
    head(out, 3, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// Array header.
pub fn array(out: &mut Vec<u8>, n: usize) {
    head(out, 4, n as u64);
}

/// Map header.
pub fn map(out: &mut Vec<u8>, n: usize) {
    head(out, 5, n as u64);
}

/// Tag.
pub fn tag(out: &mut Vec<u8>, t: u64) {
    head(out, 6, t);
}

/// `true` / `false`.
pub fn boolean(out: &mut Vec<u8>, b: bool) {
    out.push(if b { 0xf5 } else { 0xf4 });
}

/// A reader over CBOR bytes.
pub struct Reader<'a> {
    buf: &'a [u8],
    /// Position.
    pub pos: usize,
}

/// CBOR errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed CBOR: {0}")]
pub struct CborError(pub &'static str);

impl<'a> Reader<'a> {
    /// Read from `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Whether everything was consumed.
    pub fn at_end(&self) -> bool {
        self.pos == self.buf.len()
    }

    fn byte(&mut self) -> Result<u8, CborError> {
        let b = *self.buf.get(self.pos).ok_or(CborError("truncated"))?;
        self.pos += 1;
        Ok(b)
    }

    /// Major type and argument of the next item.
    pub fn head(&mut self) -> Result<(u8, u64), CborError> {
        let b = self.byte()?;
        let (major, info) = (b >> 5, b & 0x1f);
        let n = match info {
            0..=23 => u64::from(info),
            24 => u64::from(self.byte()?),
            25 => u64::from(u16::from_be_bytes([self.byte()?, self.byte()?])),
            26 => u64::from(u32::from_be_bytes([
                self.byte()?,
                self.byte()?,
                self.byte()?,
                self.byte()?,
            ])),
            27 => {
                let mut a = [0u8; 8];
                for x in &mut a {
                    *x = self.byte()?;
                }
                u64::from_be_bytes(a)
            }
            _ => return Err(CborError("indefinite lengths are not supported")),
        };
        Ok((major, n))
    }

    /// Peek the next major type.
    pub fn peek_major(&self) -> Option<u8> {
        self.buf.get(self.pos).map(|b| b >> 5)
    }

    fn expect(&mut self, major: u8, what: &'static str) -> Result<u64, CborError> {
        let (m, n) = self.head()?;
        if m != major {
            return Err(CborError(what));
        }
        Ok(n)
    }

    /// An unsigned integer.
    pub fn uint(&mut self) -> Result<u64, CborError> {
        self.expect(0, "expected an unsigned integer")
    }

    /// A byte string.
    pub fn bytes(&mut self) -> Result<&'a [u8], CborError> {
        let n = self.expect(2, "expected a byte string")?;
        self.take(n)
    }

    /// A text string.
    pub fn text(&mut self) -> Result<&'a str, CborError> {
        let n = self.expect(3, "expected a text string")?;
        std::str::from_utf8(self.take(n)?).map_err(|_| CborError("text is not UTF-8"))
    }

    /// An array header.
    pub fn array(&mut self) -> Result<usize, CborError> {
        Ok(self.expect(4, "expected an array")? as usize)
    }

    /// A map header.
    pub fn map(&mut self) -> Result<usize, CborError> {
        Ok(self.expect(5, "expected a map")? as usize)
    }

    /// A tag.
    pub fn tag(&mut self) -> Result<u64, CborError> {
        self.expect(6, "expected a tag")
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], CborError> {
        let n = usize::try_from(n).map_err(|_| CborError("length overflow"))?;
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.buf.len())
            .ok_or(CborError("truncated"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_minimal() {
        let mut v = Vec::new();
        uint(&mut v, 23);
        uint(&mut v, 24);
        uint(&mut v, 256);
        uint(&mut v, 0x12345678);
        assert_eq!(
            v,
            [0x17, 0x18, 0x18, 0x19, 0x01, 0x00, 0x1a, 0x12, 0x34, 0x56, 0x78]
        );
        let mut r = Reader::new(&v);
        assert_eq!(r.uint().unwrap(), 23);
        assert_eq!(r.uint().unwrap(), 24);
        assert_eq!(r.uint().unwrap(), 256);
        assert_eq!(r.uint().unwrap(), 0x12345678);
        assert!(r.at_end());
        assert!(Reader::new(&[0x5a, 0xff, 0xff, 0xff, 0xff])
            .bytes()
            .is_err());
    }
}
