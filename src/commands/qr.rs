//! `airsign qr show|scan`: any file as (animated) QR, or frames back into the file.
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::carry::{announce, scan};
use super::{print_json, println_out};
use crate::bundle::classify;
use crate::cli::qr::{QrCmd, ScanArgs, ShowArgs};
use crate::fsutil::{read_limited, write_output};
use crate::transport::frames::frames;
use crate::transport::receive::ScanSource;
use crate::transport::show::{emit, Output};
use crate::Error;

/// Largest file `qr show` reads.
const MAX_SHOW: u64 = 16 * 1024 * 1024;

/// Run a `qr` subcommand.
pub fn run(cmd: QrCmd) -> Result<(), Error> {
    match cmd {
        QrCmd::Show(a) => show(a),
        QrCmd::Scan(a) => scan_cmd(a),
    }
}

fn outputs(a: &ShowArgs) -> Result<Vec<Output>, Error> {
    // One JSON document on stdout: with --json the part strings go inside it, never beside it.
    if a.json && a.terminal {
        return Err(Error::Usage(
            "--terminal draws on stdout, which --json needs for its document: use one".into(),
        ));
    }
    let mut outputs = Vec::new();
    if a.terminal {
        outputs.push(Output::Terminal);
    }
    outputs.extend(a.png_dir.iter().cloned().map(Output::PngDir));
    outputs.extend(a.gif.iter().cloned().map(Output::Gif));
    outputs.extend(a.html.iter().cloned().map(Output::Html));
    if a.text && !a.json {
        outputs.push(Output::Text(PathBuf::from("-")));
    }
    if outputs.is_empty() && !a.json {
        outputs.push(if std::io::stdout().is_terminal() {
            Output::Terminal
        } else {
            Output::Text(PathBuf::from("-"))
        });
    }
    Ok(outputs)
}

fn show(a: ShowArgs) -> Result<(), Error> {
    let outputs = outputs(&a)?;
    let (payload, kind) = classify::classify(read_limited(&a.file, MAX_SHOW)?);
    let caption = match &a.caption {
        Some(c) => Some(crate::sanitize::escape(c)),
        None => classify::caption(&payload, kind),
    };
    let mut opts = a.render.options();
    opts.progress = !a.json && !super::quiet();
    let f = frames(&payload, kind, caption, &opts)?;
    if !a.json {
        announce(&f);
    }
    for o in &outputs {
        emit(&f, o, &opts, a.force)?;
    }
    if a.json {
        #[derive(Serialize)]
        struct Out<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            caption: Option<&'a str>,
            format: &'a str,
            frames: usize,
            fragments: u32,
            qr_version: i16,
            bytes: usize,
            #[serde(skip_serializing_if = "Option::is_none")]
            parts: Option<&'a [String]>,
        }
        print_json(&Out {
            caption: f.caption.as_deref(),
            format: &f.format,
            frames: f.parts.len(),
            fragments: f.fragments,
            qr_version: f.qr_version,
            bytes: payload.len(),
            parts: a.text.then_some(&f.parts[..]),
        })?;
    }
    Ok(())
}

fn sources(a: &ScanArgs) -> Vec<ScanSource> {
    let mut v: Vec<ScanSource> = a
        .text_file
        .iter()
        .cloned()
        .map(ScanSource::TextFile)
        .collect();
    if a.stdin {
        v.push(ScanSource::Stdin);
    }
    v.extend(a.files.iter().cloned().map(ScanSource::Image));
    v.extend(a.dir.iter().cloned().map(ScanSource::Dir));
    v.extend(a.gif.iter().cloned().map(ScanSource::Gif));
    v.extend(a.camera.iter().map(|d| ScanSource::Camera {
        device: d.clone(),
        timeout: a.timeout,
    }));
    v
}

fn scan_cmd(a: ScanArgs) -> Result<(), Error> {
    if a.json && a.out == Path::new("-") {
        return Err(Error::Usage(
            "with --json, give -o FILE for the payload".into(),
        ));
    }
    crate::fsutil::check_output(&a.out, a.force)?;
    let s = scan(&sources(&a), a.json)?;
    write_output(&a.out, &s.data, a.force)?;
    if a.json {
        return print_json(&s);
    }
    eprintln!(
        "scanned a {} ({} bytes) from {} frame(s), {} rejected",
        s.kind, s.received.bytes, s.received.counters.frames, s.received.counters.rejected
    );
    if a.out != Path::new("-") {
        println_out(&format!("wrote {}", a.out.display()))?;
    }
    Ok(())
}
