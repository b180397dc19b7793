//! Crossing the air gap: UR (Blockchain Commons) with fountain codes and a GF(2) decoder, BBQr
//! (Coinkite), QR rendering (PNG, GIF, terminal, HTML, text) and scanning (image files, GIF,
//! text). Works on bytes: this module never knows what a PSBT means.
pub mod assemble;
pub mod bbqr;
pub mod binarize;
pub mod bytewords;
#[cfg(feature = "camera")]
pub mod camera;
pub mod cbor;
pub mod decoder;
pub mod finder;
pub mod fountain;
pub mod frames;
pub mod perspective;
pub mod pipeline;
pub mod qr;
pub mod receive;
pub mod scan;
pub mod show;
pub mod ur;
pub mod xoshiro;

/// Transport errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// A UR string is malformed.
    #[error("not a valid UR: {0}")]
    BadUr(&'static str),
    /// Bytewords did not decode (typo, damaged part).
    #[error(transparent)]
    Bytewords(#[from] bytewords::BytewordsError),
    /// A fountain part is malformed.
    #[error("bad fountain part: {0}")]
    BadPart(String),
    /// The assembled message does not match its CRC32.
    #[error(
        "the assembled message of {fragments} fragments fails its checksum; scanning restarts"
    )]
    ChecksumMismatch {
        /// Fragments in the message.
        fragments: u32,
    },
    /// A BBQr part is malformed.
    #[error("not a valid BBQr part: {0}")]
    BadBbqr(String),
    /// Parts of different kinds or types were mixed.
    #[error("{0}")]
    Mixed(String),
    /// CBOR payload problems.
    #[error(transparent)]
    Cbor(#[from] cbor::CborError),
    /// QR rendering failed (payload too large for the chosen settings).
    #[error("cannot render a QR code: {0}")]
    Render(String),
    /// Image reading or writing failed.
    #[error("image: {0}")]
    Image(String),
    /// Encoding or decoding an image failed.
    #[error("cannot encode or decode an image")]
    ImageCodec(#[source] image::ImageError),
    /// A line of a text source (`--text-file`, `--stdin`) is not a QR text frame: not UTF-8, or
    /// longer than one QR code holds.
    #[error("{}: line {line} {problem}", path.display())]
    BadText {
        /// The file (or "stdin").
        path: std::path::PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong with it.
        problem: String,
    },
    /// Nothing decodable was found.
    #[error("{0}")]
    Incomplete(String),
    /// An option value makes no sense (a usage error).
    #[error("{0}")]
    BadOption(String),
    /// Reading frames or writing rendered ones failed.
    #[error(transparent)]
    Fs(#[from] crate::fsutil::FsError),
    /// Drawing on the terminal failed.
    #[error("cannot draw on the terminal")]
    Terminal(#[source] std::io::Error),
}
