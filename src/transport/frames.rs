//! Payload → QR frames: UR (multipart, fountain-coded), BBQr or one base64 frame, with the
//! rendering options every `--qr` surface shares. Bytes in, part strings and QR matrices out.
use clap::ValueEnum;
use qrcode::EcLevel;
use serde::Serialize;

use super::qr::Matrix;
use super::{bbqr, ur, TransportError};

/// QR payload formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Blockchain Commons UR with fountain codes (Sparrow, Keystone, SeedSigner, Jade, BlueWallet).
    Ur,
    /// Coinkite BBQr (Coldcard Q, Sparrow).
    Bbqr,
    /// One base64 frame (small PSBTs only; Electrum-style).
    Base64,
    /// One frame holding the text itself (a message signature or `signmessage` request, as
    /// SeedSigner and Jade show and read them). UTF-8 text only.
    Text,
}

/// UR types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UrType {
    /// `crypto-psbt` (default for PSBTs: read by SeedSigner, Jade, BlueWallet, Keystone).
    CryptoPsbt,
    /// `psbt` (the newer name; fewer wallets read it).
    Psbt,
    /// `bytes` (anything else).
    Bytes,
    /// `crypto-account` (xpub export, CBOR input).
    CryptoAccount,
    /// `crypto-output` (descriptor export, CBOR input).
    CryptoOutput,
}

/// QR error-correction level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Ec {
    /// ~7 % recovery; densest.
    L,
    /// ~15 %.
    M,
    /// ~25 %.
    Q,
    /// ~30 %.
    H,
}

impl Ec {
    pub(crate) fn level(self) -> EcLevel {
        match self {
            Ec::L => EcLevel::L,
            Ec::M => EcLevel::M,
            Ec::Q => EcLevel::Q,
            Ec::H => EcLevel::H,
        }
    }
}

/// Default UR fragment: Sparrow's 400 bytes, a version 16 code.
pub const DEFAULT_FRAGMENT: u16 = 400;
/// Default animation speed.
pub const DEFAULT_FPS: f64 = 5.0;
/// Default pixels per module in PNG/GIF output.
pub const DEFAULT_MODULE_PX: u32 = 6;

/// How to render frames.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    /// Payload format.
    pub format: Format,
    /// UR type (default: crypto-psbt for PSBTs, bytes otherwise).
    pub ur_type: Option<UrType>,
    /// Largest UR fragment in bytes.
    pub fragment: u16,
    /// BBQr: the most parts to split into.
    pub max_parts: Option<usize>,
    /// Error-correction level.
    pub ec: Ec,
    /// Frames per second for animations.
    pub fps: f64,
    /// Pixels per module in PNG/GIF output.
    pub module_px: u32,
    /// UR mixed parts after the pure fragments (default: as many as pure fragments).
    pub extra_parts: Option<u32>,
    /// Show a progress bar on stderr while encoding and writing frames (only drawn when stderr
    /// is a terminal). Off by default: a command turns it on unless `--quiet` or `--json`.
    pub progress: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            format: Format::Ur,
            ur_type: None,
            fragment: DEFAULT_FRAGMENT,
            max_parts: None,
            ec: Ec::L,
            fps: DEFAULT_FPS,
            module_px: DEFAULT_MODULE_PX,
            extra_parts: None,
            progress: false,
        }
    }
}

/// What the payload is, as far as the QR layer needs to know (the file type and UR type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A PSBT (binary).
    Psbt,
    /// A raw transaction (binary).
    Transaction,
    /// UTF-8 text (descriptors, JSON).
    Text,
    /// CBOR of a UR registry type (crypto-account, crypto-output).
    Cbor,
    /// Anything else.
    Binary,
}

/// The frames of one payload.
#[derive(Debug, Clone, Serialize)]
pub struct Frames {
    /// Part strings, upper case where the format allows.
    pub parts: Vec<String>,
    /// Format description (`ur:crypto-psbt`, `bbqr:Z`, `base64`).
    pub format: String,
    /// Pure fragments (UR) or parts (BBQr).
    pub fragments: u32,
    /// Largest QR version used.
    pub qr_version: i16,
    /// What the frames carry, shown on every surface (terminal, GIF comment, HTML title and
    /// caption): `airsign bundle LAVA GYRO TUNA ZERO (3f9a01cc)` for a PSBT or transaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    #[serde(skip)]
    pub(crate) matrices: Vec<Matrix>,
    /// For multipart UR: enough to keep producing new mixed parts forever (the terminal does:
    /// a receiver that misses frames gets new information instead of waiting a whole loop).
    #[serde(skip)]
    pub(crate) endless: Option<Endless>,
}

/// A UR message that can produce any part number.
#[derive(Debug, Clone)]
pub(crate) struct Endless {
    pub(crate) ur_type: String,
    pub(crate) cbor: Vec<u8>,
    pub(crate) fragment: usize,
    pub(crate) ec: EcLevel,
}

/// Encode a payload into frames.
pub fn frames(
    payload: &[u8],
    kind: Kind,
    caption: Option<String>,
    r: &RenderOptions,
) -> Result<Frames, TransportError> {
    let level = r.ec.level();
    let mut endless = None;
    let (parts, format, fragments) = match r.format {
        Format::Ur => {
            let ty = match (r.ur_type, kind) {
                (Some(UrType::CryptoPsbt), _) | (None, Kind::Psbt) => "crypto-psbt",
                (Some(UrType::Psbt), _) => "psbt",
                (Some(UrType::CryptoAccount), _) => "crypto-account",
                (Some(UrType::CryptoOutput), _) => "crypto-output",
                (Some(UrType::Bytes), _) | (None, _) => "bytes",
            };
            let cbor = if matches!(ty, "crypto-account" | "crypto-output") {
                payload.to_vec()
            } else {
                ur::cbor_bytes(payload)
            };
            let enc = ur::UrEncoder::new(ty, cbor.clone(), usize::from(r.fragment))?;
            let n = enc.seq_len();
            if n > 1 {
                endless = Some(Endless {
                    ur_type: ty.to_owned(),
                    cbor,
                    fragment: usize::from(r.fragment),
                    ec: level,
                });
            }
            let count = if n == 1 {
                1
            } else {
                n + r.extra_parts.unwrap_or(n)
            };
            (
                (1..=count)
                    .map(|i| enc.part(i).to_uppercase())
                    .collect::<Vec<_>>(),
                format!("ur:{ty}"),
                n,
            )
        }
        Format::Bbqr => {
            let ft = match kind {
                Kind::Psbt => 'P',
                Kind::Transaction => 'T',
                Kind::Text => 'U',
                Kind::Cbor => 'C',
                Kind::Binary => 'B',
            };
            let max_split = match r.max_parts {
                Some(n) => n.clamp(1, 1295),
                // As few parts as version 16 allows (the size of a 400-byte UR part).
                None => bbqr::encode(
                    payload,
                    ft,
                    None,
                    &bbqr::SplitOptions {
                        min_version: 16,
                        max_version: 16,
                        ec: level,
                        ..Default::default()
                    },
                )?
                .parts
                .len(),
            };
            let opts = bbqr::SplitOptions {
                max_split,
                ec: level,
                ..Default::default()
            };
            let s = bbqr::encode(payload, ft, None, &opts)?;
            let n = s.parts.len() as u32;
            (s.parts, format!("bbqr:{:?}", s.encoding), n)
        }
        Format::Base64 => {
            use bitcoin::base64::Engine as _;
            let s = bitcoin::base64::engine::general_purpose::STANDARD.encode(payload);
            (vec![s], "base64".to_owned(), 1)
        }
        Format::Text => {
            let s = std::str::from_utf8(payload).map_err(|_| {
                TransportError::BadOption("--format text shows UTF-8 text only".into())
            })?;
            (vec![s.to_owned()], "text".to_owned(), 1)
        }
    };
    let bar = super::show::progress_bar(r.progress, parts.len(), "encoding QR frames");
    let matrices = encode_all(&parts, level, &|| bar.inc(1))?;
    bar.finish_and_clear();
    let qr_version = matrices.iter().map(|m| m.version).max().unwrap_or(0);
    Ok(Frames {
        parts,
        format,
        fragments,
        qr_version,
        caption,
        matrices,
        endless,
    })
}

/// Encode every part as a QR matrix, on all cores when there are enough parts to pay for the
/// threads (choosing each code's mask is most of `qr show`'s time for a long sequence). The
/// order of the result is the order of `parts`.
fn encode_all(
    parts: &[String],
    level: EcLevel,
    tick: &(dyn Fn() + Sync),
) -> Result<Vec<Matrix>, TransportError> {
    let one = |p: &String| {
        let m = Matrix::encode(p, level);
        tick();
        m
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || parts.len() < 16 {
        return parts.iter().map(one).collect();
    }
    let chunk = parts.len().div_ceil(threads);
    std::thread::scope(|s| {
        let workers: Vec<_> = parts
            .chunks(chunk)
            .map(|c| s.spawn(move || c.iter().map(one).collect::<Result<Vec<_>, _>>()))
            .collect();
        let mut all = Vec::with_capacity(parts.len());
        for w in workers {
            all.extend(
                w.join().map_err(|_| {
                    TransportError::Render("a QR encoding thread panicked".into())
                })??,
            );
        }
        Ok(all)
    })
}
