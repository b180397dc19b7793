//! The fountain decoder: Gaussian elimination over GF(2), kept in reduced row-echelon form, so a
//! receiver that starts anywhere, sees parts in any order and misses some completes as soon as the
//! parts it holds determine the message — no information is thrown away (the reference "peeling"
//! decoder needs about twice as many mixed parts).
use super::fountain::{choose_fragments, degree_sampler, Part};
use super::xoshiro::Sampler;
use super::TransportError;

/// A row: which fragments are XORed (bitset) and the XOR of their data.
#[derive(Debug, Clone)]
struct Row {
    bits: Vec<u64>,
    data: Vec<u8>,
}

impl Row {
    fn lowest(&self) -> Option<usize> {
        self.bits
            .iter()
            .enumerate()
            .find(|(_, w)| **w != 0)
            .map(|(i, w)| i * 64 + w.trailing_zeros() as usize)
    }
    fn has(&self, i: usize) -> bool {
        self.bits[i / 64] >> (i % 64) & 1 == 1
    }
    fn xor(&mut self, o: &Row) {
        for (a, b) in self.bits.iter_mut().zip(&o.bits) {
            *a ^= b;
        }
        for (a, b) in self.data.iter_mut().zip(&o.data) {
            *a ^= b;
        }
    }
    fn count(&self) -> u32 {
        self.bits.iter().map(|w| w.count_ones()).sum()
    }
}

/// What happened to a part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// It added information.
    New,
    /// It was a combination of parts already held.
    Redundant,
    /// It started a new message (the old one was dropped).
    Restarted,
}

/// Progress of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    /// Fragments known exactly.
    pub solved: u32,
    /// Independent equations held (rank); the message completes when this reaches `total`.
    pub rank: u32,
    /// Fragments in the message.
    pub total: u32,
}

/// Decoder state for one message.
#[derive(Debug)]
pub struct Decoder {
    seq_len: u32,
    message_len: u32,
    checksum: u32,
    fragment_len: usize,
    sampler: Option<Sampler>,
    /// rows[i] has pivot (lowest bit) i.
    rows: Vec<Option<Row>>,
    rank: u32,
    seen: std::collections::HashSet<u32>,
    result: Option<Vec<u8>>,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// An empty decoder.
    pub fn new() -> Self {
        Decoder {
            seq_len: 0,
            message_len: 0,
            checksum: 0,
            fragment_len: 0,
            sampler: None,
            rows: Vec::new(),
            rank: 0,
            seen: Default::default(),
            result: None,
        }
    }

    /// Progress so far.
    pub fn progress(&self) -> Progress {
        let solved = self
            .rows
            .iter()
            .flatten()
            .filter(|r| r.count() == 1)
            .count() as u32;
        Progress {
            solved,
            rank: self.rank,
            total: self.seq_len,
        }
    }

    /// The message, once complete.
    pub fn message(&self) -> Option<&[u8]> {
        self.result.as_deref()
    }

    /// Whether the message is complete.
    pub fn is_complete(&self) -> bool {
        self.result.is_some()
    }

    fn same_message(&self, p: &Part) -> bool {
        self.seq_len == p.seq_len
            && self.message_len == p.message_len
            && self.checksum == p.checksum
            && self.fragment_len == p.data.len()
    }

    fn reset(&mut self, p: &Part) {
        *self = Decoder::new();
        self.seq_len = p.seq_len;
        self.message_len = p.message_len;
        self.checksum = p.checksum;
        self.fragment_len = p.data.len();
        self.rows = vec![None; p.seq_len as usize];
    }

    /// Feed a part. A part of another message restarts the decoder (reported, not silent).
    pub fn receive(&mut self, p: &Part) -> Result<Accepted, TransportError> {
        let mut restarted = false;
        if self.seq_len == 0 || !self.same_message(p) {
            restarted = self.seq_len != 0;
            self.reset(p);
        }
        if self.result.is_some() || !self.seen.insert(p.seq_num) {
            return Ok(if restarted {
                Accepted::Restarted
            } else {
                Accepted::Redundant
            });
        }
        let idx = if p.seq_num <= p.seq_len {
            vec![p.seq_num - 1]
        } else {
            let sampler = self
                .sampler
                .get_or_insert_with(|| degree_sampler(p.seq_len));
            choose_fragments(p.seq_num, p.seq_len, p.checksum, sampler)
        };
        let words = (self.seq_len as usize).div_ceil(64);
        let mut row = Row {
            bits: vec![0; words],
            data: p.data.clone(),
        };
        for i in idx {
            row.bits[i as usize / 64] |= 1 << (i % 64);
        }
        // Reduce by the existing pivot rows. In reduced form a pivot row has no other pivot's bit,
        // so one ascending sweep leaves the new row free of every pivot.
        let n = self.seq_len as usize;
        for i in 0..n {
            if row.has(i) {
                if let Some(r) = &self.rows[i] {
                    row.xor(r);
                }
            }
        }
        let Some(pivot) = row.lowest() else {
            return Ok(if restarted {
                Accepted::Restarted
            } else {
                Accepted::Redundant
            });
        };
        // Clear the new pivot from the other rows to keep the reduced form.
        for r in self.rows.iter_mut().flatten() {
            if r.has(pivot) {
                r.xor(&row);
            }
        }
        self.rows[pivot] = Some(row);
        self.rank += 1;
        if self.rank == self.seq_len {
            self.finish()?;
        }
        Ok(if restarted {
            Accepted::Restarted
        } else {
            Accepted::New
        })
    }

    fn finish(&mut self) -> Result<(), TransportError> {
        let mut msg = Vec::with_capacity(self.seq_len as usize * self.fragment_len);
        for r in &self.rows {
            let r = r
                .as_ref()
                .ok_or_else(|| TransportError::BadPart("internal: missing row".into()))?;
            msg.extend_from_slice(&r.data);
        }
        msg.truncate(self.message_len as usize);
        if crc32fast::hash(&msg) != self.checksum {
            let seq_len = self.seq_len;
            *self = Decoder::new();
            return Err(TransportError::ChecksumMismatch { fragments: seq_len });
        }
        self.result = Some(msg);
        Ok(())
    }
}
