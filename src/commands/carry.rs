//! Carrying across the gap, shared by every handler (not a handler itself): reading a command's
//! input from a file or from QR (`--scan`), and showing its output on every `--qr` surface.
use std::path::Path;

use serde::Serialize;

use crate::bundle::{self, classify, Version};
use crate::cli::qr::{QrOut, ScanIn};
use crate::fsutil::read_limited;
use crate::transport::frames::{frames, Frames, Kind};
use crate::transport::receive::{receive, Received, ScanSource};
use crate::transport::show::{emit, parse_output};
use crate::Error;

/// A received payload and what it is.
#[derive(Debug, Serialize)]
pub struct Scanned {
    /// What arrived: psbt, transaction, account, descriptor, text, …
    pub kind: &'static str,
    /// How it came, with counters.
    #[serde(flatten)]
    pub received: Received,
    /// The payload.
    #[serde(skip)]
    pub data: Vec<u8>,
}

/// Scan `sources` until a payload completes (progress bar unless `quiet`).
pub fn scan(sources: &[ScanSource], quiet: bool) -> Result<Scanned, Error> {
    let mut received = receive(sources, quiet)?;
    let data = std::mem::take(&mut received.data);
    Ok(Scanned {
        kind: classify::describe(&received.source, &data),
        received,
        data,
    })
}

/// Read a command's input from a file or from QR (`--scan`).
pub fn read_input(file: Option<&Path>, scan_in: &ScanIn, limit: u64) -> Result<Vec<u8>, Error> {
    match (&scan_in.scan, file) {
        (Some(spec), _) => {
            let s = scan(&[ScanSource::parse(spec)], false)?;
            eprintln!(
                "scanned {} bytes ({}) from {} frame(s)",
                s.received.bytes, s.kind, s.received.counters.frames
            );
            Ok(s.data)
        }
        (None, Some(f)) => Ok(read_limited(f, limit)?),
        (None, None) => Err(Error::Usage("give an input file or --scan".into())),
    }
}

/// Read a PSBT (any version and encoding) from a file or from QR.
pub fn read_psbt(
    file: Option<&Path>,
    scan_in: &ScanIn,
) -> Result<(bitcoin::Psbt, Version, bundle::Encoding), Error> {
    let bytes = read_input(file, scan_in, (bundle::parse::MAX_PSBT_BYTES * 2) as u64)?;
    Ok(bundle::decode(&bytes)?)
}

/// Say what is shown, on stderr.
pub fn announce(f: &Frames) {
    eprintln!(
        "QR: {} frame(s), {} fragment(s), {}, version up to {}{}",
        f.parts.len(),
        f.fragments,
        f.format,
        f.qr_version,
        f.caption
            .as_deref()
            .map(|c| format!(" — {c}"))
            .unwrap_or_default()
    );
}

/// Show `payload` on every `--qr` output, captioned with its bundle id when it has one.
/// Existing files are replaced only with `overwrite` (the command's `--force`).
/// Refuse `--qr` surfaces that could not be written (a malformed value, an existing file without
/// `--force`, the seed file, a FIFO or a folder): called before the work, so `sign --qr` does not
/// sign and then fail to show.
pub fn check_outputs(q: &QrOut, overwrite: bool) -> Result<(), Error> {
    use crate::transport::show::Output;
    for s in &q.qr {
        match parse_output(s)? {
            Output::Gif(p) | Output::Html(p) | Output::Text(p) => {
                crate::fsutil::check_output(&p, overwrite)?;
                crate::fsutil::check_output_folder(&p)?;
            }
            Output::PngDir(_) | Output::Terminal => {}
        }
    }
    Ok(())
}

pub fn show_outputs(payload: &[u8], kind: Kind, q: &QrOut, overwrite: bool) -> Result<(), Error> {
    if q.qr.is_empty() {
        return Ok(());
    }
    let outputs =
        q.qr.iter()
            .map(|s| parse_output(s))
            .collect::<Result<Vec<_>, _>>()?;
    let mut opts = q.render.options();
    opts.progress = !super::quiet();
    let f = frames(payload, kind, classify::caption(payload, kind), &opts)?;
    announce(&f);
    for o in &outputs {
        emit(&f, o, &opts, overwrite)?;
    }
    Ok(())
}
