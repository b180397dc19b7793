//! UR strings (BCR-2020-005): `ur:<type>/<bytewords>` single part and
//! `ur:<type>/<seq>-<len>/<bytewords>` multipart, with the registry types airsign speaks.
use super::bytewords::{self, Style};
use super::cbor;
use super::fountain::{Encoder, Part};
use super::TransportError;

/// A parsed UR string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// The whole CBOR message in one string.
    Single {
        /// UR type, lowercase.
        ur_type: String,
        /// The CBOR message.
        cbor: Vec<u8>,
    },
    /// One fountain part.
    Multi {
        /// UR type, lowercase.
        ur_type: String,
        /// The part.
        part: Part,
    },
}

fn valid_type(t: &str) -> bool {
    !t.is_empty()
        && t.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

/// Parse a UR string (case-insensitive).
pub fn parse(s: &str) -> Result<Parsed, TransportError> {
    let s = s.trim().to_ascii_lowercase();
    let rest = s
        .strip_prefix("ur:")
        .ok_or(TransportError::BadUr("missing the ur: scheme"))?;
    let comps: Vec<&str> = rest.split('/').collect();
    let ur_type = comps[0];
    if comps.len() < 2 {
        return Err(TransportError::BadUr("type unspecified"));
    }
    if !valid_type(ur_type) {
        return Err(TransportError::BadUr("invalid characters in the type"));
    }
    match comps.len() {
        2 => Ok(Parsed::Single {
            ur_type: ur_type.to_owned(),
            cbor: bytewords::decode(comps[1], Style::Minimal)?,
        }),
        3 => {
            let (a, b) = comps[1]
                .split_once('-')
                .ok_or(TransportError::BadUr("invalid sequence component"))?;
            let seq: u32 = a
                .parse()
                .map_err(|_| TransportError::BadUr("invalid sequence component"))?;
            let len: u32 = b
                .parse()
                .map_err(|_| TransportError::BadUr("invalid sequence component"))?;
            if seq == 0 || len == 0 {
                return Err(TransportError::BadUr("invalid sequence component"));
            }
            let part = Part::from_cbor(&bytewords::decode(comps[2], Style::Minimal)?)?;
            if part.seq_num != seq || part.seq_len != len {
                return Err(TransportError::BadUr(
                    "sequence component disagrees with the part",
                ));
            }
            Ok(Parsed::Multi {
                ur_type: ur_type.to_owned(),
                part,
            })
        }
        _ => Err(TransportError::BadUr("too many path components")),
    }
}

/// A single-part UR.
pub fn single(ur_type: &str, cbor: &[u8]) -> String {
    format!("ur:{ur_type}/{}", bytewords::encode(cbor, Style::Minimal))
}

/// A multipart UR string for one part.
pub fn part_string(ur_type: &str, p: &Part) -> String {
    format!(
        "ur:{ur_type}/{}-{}/{}",
        p.seq_num,
        p.seq_len,
        bytewords::encode(&p.to_cbor(), Style::Minimal)
    )
}

/// UR encoder: a single part when the message fits one fragment, else fountain parts.
pub struct UrEncoder {
    ur_type: String,
    cbor: Vec<u8>,
    fountain: Encoder,
}

impl UrEncoder {
    /// Encode the CBOR `message` of type `ur_type` in fragments of at most `max_fragment_len`.
    pub fn new(
        ur_type: &str,
        message: Vec<u8>,
        max_fragment_len: usize,
    ) -> Result<Self, TransportError> {
        if !valid_type(ur_type) {
            return Err(TransportError::BadUr("invalid characters in the type"));
        }
        let fountain = Encoder::new(&message, max_fragment_len)?;
        Ok(UrEncoder {
            ur_type: ur_type.to_owned(),
            cbor: message,
            fountain,
        })
    }

    /// Number of pure fragments (1 = single part).
    pub fn seq_len(&self) -> u32 {
        self.fountain.seq_len()
    }

    /// Part `n` (1-based) as a string; for a single-part message always the whole UR.
    pub fn part(&self, n: u32) -> String {
        if self.seq_len() == 1 {
            single(&self.ur_type, &self.cbor)
        } else {
            part_string(&self.ur_type, &self.fountain.part(n))
        }
    }
}

/// Wrap bytes as a CBOR byte string (payload of `bytes`, `psbt`, `crypto-psbt`).
pub fn cbor_bytes(payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(payload.len() + 9);
    cbor::bytes(&mut v, payload);
    v
}

/// Unwrap a CBOR byte string.
pub fn uncbor_bytes(c: &[u8]) -> Result<Vec<u8>, TransportError> {
    let mut r = cbor::Reader::new(c);
    let b = r.bytes()?.to_vec();
    if !r.at_end() {
        return Err(TransportError::BadUr("data after the byte string"));
    }
    Ok(b)
}
