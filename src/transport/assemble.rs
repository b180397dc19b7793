//! One assembler for everything a scanner may see: UR (single or multipart, any type), BBQr, or
//! a single-frame base64 payload. Auto-detected per frame, case-insensitive.
use base64::Engine as _;
use bitcoin::base64;
use serde::Serialize;

use super::bbqr::Joiner;
use super::decoder::{Accepted, Decoder, Progress};
use super::{ur, TransportError};

/// The transport a completed payload came in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "transport", rename_all = "snake_case")]
pub enum Source {
    /// A UR of this type.
    Ur {
        /// UR type.
        ur_type: String,
    },
    /// BBQr with this file type letter.
    Bbqr {
        /// File type.
        file_type: char,
    },
    /// One base64 frame.
    Base64,
    /// Plain text (e.g. a descriptor).
    Text,
}

/// A completed payload: the bytes and how they arrived.
#[derive(Debug, Clone)]
pub struct Payload {
    /// Where it came from.
    pub source: Source,
    /// For `bytes`/`psbt`/`crypto-psbt` URs the unwrapped bytes; for other UR types the CBOR.
    pub data: Vec<u8>,
}

/// What one frame did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// It added information.
    Progress,
    /// Nothing new (duplicate or redundant).
    Duplicate,
    /// A part of a different message: the previous one was dropped.
    Restarted(String),
    /// The payload is complete.
    Complete,
}

/// Counters for the progress bar.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counters {
    /// Frames fed.
    pub frames: u32,
    /// Frames rejected (malformed, corrupted, mixed).
    pub rejected: u32,
    /// Fragments solved (UR) or parts held (BBQr).
    pub solved: u32,
    /// Rank of the held UR parts (message completes at `total`).
    pub rank: u32,
    /// Fragments or parts in the message (0 until known).
    pub total: u32,
}

/// The assembler.
#[derive(Debug, Default)]
pub struct Assembler {
    ur_type: Option<String>,
    decoder: Decoder,
    bbqr: Joiner,
    done: Option<Payload>,
    counters: Counters,
}

fn unwrap_ur(ur_type: &str, cbor: Vec<u8>) -> Result<Vec<u8>, TransportError> {
    match ur_type {
        "bytes" | "psbt" | "crypto-psbt" => ur::uncbor_bytes(&cbor),
        _ => Ok(cbor),
    }
}

impl Assembler {
    /// A fresh assembler.
    pub fn new() -> Self {
        Self::default()
    }

    /// The completed payload.
    pub fn payload(&self) -> Option<&Payload> {
        self.done.as_ref()
    }

    /// Counters so far.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    fn set_ur_progress(&mut self, p: Progress) {
        self.counters.solved = p.solved;
        self.counters.rank = p.rank;
        self.counters.total = p.total;
    }

    /// Feed one decoded QR string. Errors are per frame: the assembler stays usable.
    pub fn add(&mut self, text: &str) -> Result<Status, TransportError> {
        self.counters.frames += 1;
        if self.done.is_some() {
            return Ok(Status::Duplicate);
        }
        let r = self.add_inner(text.trim());
        if r.is_err() {
            self.counters.rejected += 1;
        }
        r
    }

    fn add_inner(&mut self, t: &str) -> Result<Status, TransportError> {
        let lower_prefix = t.get(..3).map(|p| p.to_ascii_lowercase());
        if lower_prefix.as_deref() == Some("ur:") {
            return match ur::parse(t)? {
                ur::Parsed::Single { ur_type, cbor } => {
                    let data = unwrap_ur(&ur_type, cbor)?;
                    self.done = Some(Payload {
                        source: Source::Ur { ur_type },
                        data,
                    });
                    Ok(Status::Complete)
                }
                ur::Parsed::Multi { ur_type, part } => {
                    let mut restarted = None;
                    if let Some(cur) = &self.ur_type {
                        if *cur != ur_type {
                            restarted = Some(format!("a {ur_type} part arrived while assembling {cur}; restarting with the new message"));
                            self.decoder = Decoder::new();
                        }
                    }
                    self.ur_type = Some(ur_type.clone());
                    let acc = self.decoder.receive(&part)?;
                    self.set_ur_progress(self.decoder.progress());
                    if let Some(msg) = self.decoder.message() {
                        let data = unwrap_ur(&ur_type, msg.to_vec())?;
                        self.done = Some(Payload {
                            source: Source::Ur { ur_type },
                            data,
                        });
                        return Ok(Status::Complete);
                    }
                    Ok(match (restarted, acc) {
                        (Some(r), _) => Status::Restarted(r),
                        (None, Accepted::Restarted) => Status::Restarted("a part of a different message arrived; restarting with the new message".into()),
                        (None, Accepted::New) => Status::Progress,
                        (None, Accepted::Redundant) => Status::Duplicate,
                    })
                }
            };
        }
        if t.starts_with("B$") {
            let before = self.bbqr.progress().0;
            let restarted = self.bbqr.add(t)?;
            let (have, total) = self.bbqr.progress();
            self.counters.solved = have as u32;
            self.counters.rank = have as u32;
            self.counters.total = total as u32;
            if let Some(data) = self.bbqr.finish()? {
                self.done = Some(Payload {
                    source: Source::Bbqr {
                        file_type: self.bbqr.file_type().unwrap_or('B'),
                    },
                    data,
                });
                return Ok(Status::Complete);
            }
            return Ok(if restarted {
                Status::Restarted("a BBQr part of a different series arrived; restarting".into())
            } else if have > before {
                Status::Progress
            } else {
                Status::Duplicate
            });
        }
        if t.starts_with("cHNidP") {
            let data = base64::engine::general_purpose::STANDARD
                .decode(t)
                .map_err(|_| {
                    TransportError::Incomplete("a base64 frame that does not decode".into())
                })?;
            self.done = Some(Payload {
                source: Source::Base64,
                data,
            });
            return Ok(Status::Complete);
        }
        if self.ur_type.is_some() || self.bbqr.progress().1 > 0 {
            return Err(TransportError::Mixed(
                "a plain-text code arrived while assembling a multipart payload; ignored".into(),
            ));
        }
        self.done = Some(Payload {
            source: Source::Text,
            data: t.as_bytes().to_vec(),
        });
        Ok(Status::Complete)
    }
}
