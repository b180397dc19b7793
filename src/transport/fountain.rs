//! UR multipart fountain codes (BCR-2024-001): fragment sizing, the fragment chooser and the
//! encoder, bit-for-bit as the reference implementation, so any UR reader can decode our parts.
use super::cbor;
use super::xoshiro::{shuffle, Sampler, Xoshiro256};
use super::TransportError;

/// One fountain part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// 1-based sequence number; above `seq_len` it is a mixed part.
    pub seq_num: u32,
    /// Number of fragments.
    pub seq_len: u32,
    /// Length of the message before padding.
    pub message_len: u32,
    /// CRC32 of the whole message.
    pub checksum: u32,
    /// The fragment, or the XOR of several.
    pub data: Vec<u8>,
}

/// Largest message a decoder accepts (a 100 KB PSBT is well inside).
pub const MAX_MESSAGE_LEN: u32 = 16 * 1024 * 1024;
/// Most fragments a decoder accepts.
pub const MAX_SEQ_LEN: u32 = 10_000;

impl Part {
    /// CBOR `[seqNum, seqLen, messageLen, checksum, data]`.
    pub fn to_cbor(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.data.len() + 24);
        cbor::array(&mut v, 5);
        cbor::uint(&mut v, u64::from(self.seq_num));
        cbor::uint(&mut v, u64::from(self.seq_len));
        cbor::uint(&mut v, u64::from(self.message_len));
        cbor::uint(&mut v, u64::from(self.checksum));
        cbor::bytes(&mut v, &self.data);
        v
    }

    /// Parse and sanity-check a part's CBOR.
    pub fn from_cbor(b: &[u8]) -> Result<Self, TransportError> {
        let bad = |w: &str| TransportError::BadPart(w.to_owned());
        let mut r = cbor::Reader::new(b);
        if r.array().map_err(|e| bad(&e.to_string()))? != 5 {
            return Err(bad("a part is an array of 5 items"));
        }
        let mut num = || r_uint32(&mut r);
        let (seq_num, seq_len, message_len, checksum) = (num()?, num()?, num()?, num()?);
        let data = r.bytes().map_err(|e| bad(&e.to_string()))?.to_vec();
        if !r.at_end() {
            return Err(bad("data after the part"));
        }
        if seq_num == 0
            || seq_len == 0
            || seq_len > MAX_SEQ_LEN
            || message_len == 0
            || message_len > MAX_MESSAGE_LEN
        {
            return Err(bad("sequence numbers or lengths out of range"));
        }
        let frag = data.len() as u64;
        let total = frag * u64::from(seq_len);
        if frag == 0 || total < u64::from(message_len) || total - u64::from(message_len) >= frag {
            return Err(bad("fragment length does not fit the message length"));
        }
        Ok(Part {
            seq_num,
            seq_len,
            message_len,
            checksum,
            data,
        })
    }
}

fn r_uint32(r: &mut cbor::Reader<'_>) -> Result<u32, TransportError> {
    let v = r
        .uint()
        .map_err(|e| TransportError::BadPart(e.to_string()))?;
    u32::try_from(v).map_err(|_| TransportError::BadPart("number too large".into()))
}

/// bc-ur's `find_nominal_fragment_length`.
pub fn nominal_fragment_length(message_len: usize, min: usize, max: usize) -> usize {
    let max_count = (message_len / min.max(1)).max(1);
    let mut len = message_len;
    for count in 1..=max_count {
        len = message_len.div_ceil(count);
        if len <= max {
            break;
        }
    }
    len
}

/// Split into equal fragments, the last zero-padded.
pub fn partition(message: &[u8], fragment_len: usize) -> Vec<Vec<u8>> {
    message
        .chunks(fragment_len)
        .map(|c| {
            let mut f = c.to_vec();
            f.resize(fragment_len, 0);
            f
        })
        .collect()
}

/// The degree distribution sampler for `seq_len` fragments (weights 1/d).
pub fn degree_sampler(seq_len: u32) -> Sampler {
    let w: Vec<f64> = (1..=seq_len).map(|d| 1.0 / f64::from(d)).collect();
    Sampler::new(&w)
}

/// bc-ur's `choose_degree` with a fresh sampler (tests; hot paths reuse one).
pub fn choose_degree(seq_len: u32, rng: &mut Xoshiro256) -> u32 {
    degree_sampler(seq_len).next(rng) as u32 + 1
}

/// Which fragments part `seq_num` combines (sorted, 0-based).
pub fn choose_fragments(seq_num: u32, seq_len: u32, checksum: u32, sampler: &Sampler) -> Vec<u32> {
    if seq_num <= seq_len {
        return vec![seq_num - 1];
    }
    let mut seed = [0u8; 8];
    seed[..4].copy_from_slice(&seq_num.to_be_bytes());
    seed[4..].copy_from_slice(&checksum.to_be_bytes());
    let mut rng = Xoshiro256::from_bytes(&seed);
    let degree = sampler.next(&mut rng) + 1;
    let all: Vec<u32> = (0..seq_len).collect();
    let mut chosen = shuffle(&all, &mut rng);
    chosen.truncate(degree);
    chosen.sort_unstable();
    chosen
}

/// The fountain encoder.
#[derive(Debug, Clone)]
pub struct Encoder {
    fragments: Vec<Vec<u8>>,
    message_len: u32,
    checksum: u32,
    seq_num: u32,
    sampler: Sampler,
}

impl Encoder {
    /// Encode `message` in fragments of at most `max_fragment_len` bytes. No minimum is imposed
    /// here (as ur-rs; bc-ur's minimum of 10 gives the same lengths for all but tiny messages);
    /// the CLI keeps fragments at 10 bytes or more.
    pub fn new(message: &[u8], max_fragment_len: usize) -> Result<Self, TransportError> {
        if message.is_empty() || message.len() > MAX_MESSAGE_LEN as usize {
            return Err(TransportError::BadPart(
                "message is empty or too large".into(),
            ));
        }
        let len = nominal_fragment_length(message.len(), 1, max_fragment_len.max(1));
        let fragments = partition(message, len);
        let seq_len = fragments.len() as u32;
        Ok(Encoder {
            sampler: degree_sampler(seq_len),
            fragments,
            message_len: message.len() as u32,
            checksum: crc32fast::hash(message),
            seq_num: 0,
        })
    }

    /// Number of pure fragments.
    pub fn seq_len(&self) -> u32 {
        self.fragments.len() as u32
    }

    /// Part number `seq_num` (1-based; any number, parts are rateless).
    pub fn part(&self, seq_num: u32) -> Part {
        let idx = choose_fragments(seq_num, self.seq_len(), self.checksum, &self.sampler);
        let mut data = vec![0u8; self.fragments[0].len()];
        for i in idx {
            for (d, f) in data.iter_mut().zip(&self.fragments[i as usize]) {
                *d ^= f;
            }
        }
        Part {
            seq_num,
            seq_len: self.seq_len(),
            message_len: self.message_len,
            checksum: self.checksum,
            data,
        }
    }

    /// The next part in sequence.
    pub fn next_part(&mut self) -> Part {
        self.seq_num = self.seq_num.wrapping_add(1).max(1);
        self.part(self.seq_num)
    }
}
