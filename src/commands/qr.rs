//! `airsign qr show|scan`, and the `--qr`/`--scan` options other commands share.
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use qrcode::EcLevel;
use serde::Serialize;

use super::{print_json, println_out};
use crate::bundle::BundleId;
use crate::cli::qr::{EcArg, QrCmd, QrFormat, RenderArgs, ScanArgs, ShowArgs, UrTypeArg};
use crate::fsutil::{read_limited, write_atomic};
use crate::transport::assemble::{Assembler, Counters, Payload, Source, Status};
use crate::transport::qr::{self, Matrix};
use crate::transport::{bbqr, scan, ur, TransportError};
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

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Error::Transport(e)
    }
}

/// What the payload is, as far as the QR layer needs to know (the file type and UR type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// Normalise a file for showing: PSBTs in base64/hex become binary.
pub fn classify(bytes: Vec<u8>) -> (Vec<u8>, Kind) {
    if bytes.starts_with(b"psbt\xff") {
        return (bytes, Kind::Psbt);
    }
    if let Ok((psbt, version, _)) = crate::bundle::decode(&bytes) {
        if let Ok(b) = crate::bundle::encode(&psbt, version, crate::bundle::Encoding::Binary) {
            return (b, Kind::Psbt);
        }
    }
    if let Ok(text) = std::str::from_utf8(&bytes) {
        let t = text.trim();
        if let Some(raw) = crate::bundle::parse::hex_decode(t) {
            if bitcoin::consensus::encode::deserialize::<bitcoin::Transaction>(&raw).is_ok() {
                return (raw, Kind::Transaction);
            }
        }
        return (t.as_bytes().to_vec(), Kind::Text);
    }
    if bitcoin::consensus::encode::deserialize::<bitcoin::Transaction>(&bytes).is_ok() {
        return (bytes, Kind::Transaction);
    }
    (bytes, Kind::Binary)
}

fn ec(e: EcArg) -> EcLevel {
    match e {
        EcArg::L => EcLevel::L,
        EcArg::M => EcLevel::M,
        EcArg::Q => EcLevel::Q,
        EcArg::H => EcLevel::H,
    }
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
    matrices: Vec<Matrix>,
    /// For multipart UR: enough to keep producing new mixed parts forever (the terminal does:
    /// a receiver that misses frames gets new information instead of waiting a whole loop).
    #[serde(skip)]
    endless: Option<Endless>,
}

/// A UR message that can produce any part number.
#[derive(Debug, Clone)]
struct Endless {
    ur_type: String,
    cbor: Vec<u8>,
    fragment: usize,
    ec: EcLevel,
}

/// Encode a payload into frames.
pub fn frames(payload: &[u8], kind: Kind, r: &RenderArgs) -> Result<Frames, Error> {
    let level = ec(r.ec);
    let mut endless = None;
    let (parts, format, fragments) = match r.format {
        QrFormat::Ur => {
            let ty = match (r.ur_type, kind) {
                (Some(UrTypeArg::CryptoPsbt), _) | (None, Kind::Psbt) => "crypto-psbt",
                (Some(UrTypeArg::Psbt), _) => "psbt",
                (Some(UrTypeArg::CryptoAccount), _) => "crypto-account",
                (Some(UrTypeArg::CryptoOutput), _) => "crypto-output",
                (Some(UrTypeArg::Bytes), _) | (None, _) => "bytes",
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
        QrFormat::Bbqr => {
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
        QrFormat::Base64 => {
            use bitcoin::base64::Engine as _;
            let s = bitcoin::base64::engine::general_purpose::STANDARD.encode(payload);
            (vec![s], "base64".to_owned(), 1)
        }
    };
    let matrices = parts
        .iter()
        .map(|p| Matrix::encode(p, level))
        .collect::<Result<Vec<_>, _>>()?;
    let qr_version = matrices.iter().map(|m| m.version).max().unwrap_or(0);
    Ok(Frames {
        parts,
        format,
        fragments,
        qr_version,
        caption: caption_for(payload, kind),
        matrices,
        endless,
    })
}

/// `airsign bundle <id>` for a PSBT or a transaction, so both sides can compare what a QR carries.
pub fn caption_for(payload: &[u8], kind: Kind) -> Option<String> {
    let id = match kind {
        Kind::Psbt => crate::bundle::decode(payload)
            .ok()
            .map(|(psbt, _, _)| BundleId::of(&psbt.unsigned_tx.compute_txid())),
        Kind::Transaction => {
            bitcoin::consensus::encode::deserialize::<bitcoin::Transaction>(payload)
                .ok()
                .map(|tx| BundleId::of_transaction(&tx))
        }
        _ => None,
    }?;
    Some(format!("airsign bundle {id}"))
}

/// Where frames go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Animated in this terminal.
    Terminal,
    /// PNG files in a folder.
    PngDir(PathBuf),
    /// Animated GIF.
    Gif(PathBuf),
    /// Self-contained HTML page.
    Html(PathBuf),
    /// Part strings, one per line (`-` = stdout).
    Text(PathBuf),
}

/// Parse a `--qr` value: `terminal`, `png:DIR`, `gif:FILE`, `html:FILE`, `text:FILE`.
pub fn parse_output(s: &str) -> Result<Output, Error> {
    let (k, v) = s.split_once(':').unwrap_or((s, ""));
    let p = PathBuf::from(v);
    match (k, v.is_empty()) {
        ("terminal", _) => Ok(Output::Terminal),
        ("png", false) => Ok(Output::PngDir(p)),
        ("gif", false) => Ok(Output::Gif(p)),
        ("html", false) => Ok(Output::Html(p)),
        ("text", false) => Ok(Output::Text(p)),
        ("text", true) => Ok(Output::Text(PathBuf::from("-"))),
        _ => Err(Error::Usage(format!(
            "--qr takes terminal, png:DIR, gif:FILE, html:FILE or text:FILE, not {}",
            crate::sanitize::escape(s)
        ))),
    }
}

/// Write the frames to one output.
pub fn emit(f: &Frames, out: &Output, r: &RenderArgs) -> Result<(), Error> {
    match out {
        Output::Terminal => animate(f, r.fps),
        Output::PngDir(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
            for (i, m) in f.matrices.iter().enumerate() {
                write_atomic(
                    &dir.join(format!("frame-{:04}.png", i + 1)),
                    &m.png(r.module_px.max(1))?,
                )?;
            }
            Ok(())
        }
        Output::Gif(p) => {
            let gif = qr::gif(&f.matrices, r.module_px.max(1), r.fps)?;
            Ok(write_atomic(p, &qr::gif_comment(&gif, &title(f)))?)
        }
        Output::Html(p) => Ok(write_atomic(
            p,
            qr::html(&f.matrices, r.fps, &title(f))?.as_bytes(),
        )?),
        Output::Text(p) => {
            let mut s = f.parts.join("\n");
            s.push('\n');
            Ok(write_atomic(p, s.as_bytes())?)
        }
    }
}

/// `airsign bundle LAVA GYRO TUNA ZERO (3f9a01cc) · ur:crypto-psbt`, or `airsign · base64`.
fn title(f: &Frames) -> String {
    format!(
        "{} · {}",
        f.caption.as_deref().unwrap_or("airsign"),
        f.format
    )
}

/// Cycle the frames in the terminal until q, Esc or Ctrl-C; the screen is restored after.
fn animate(f: &Frames, fps: f64) -> Result<(), Error> {
    use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
    use crossterm::{cursor, execute, terminal};
    let mut out = std::io::stdout();
    let io = |e: std::io::Error| Error::Output(e);
    terminal::enable_raw_mode().map_err(io)?;
    execute!(out, terminal::EnterAlternateScreen, cursor::Hide).map_err(io)?;
    let period = Duration::from_secs_f64(1.0 / fps.clamp(0.2, 30.0));
    let result = (|| -> Result<(), Error> {
        let endless = match &f.endless {
            Some(e) => Some((
                ur::UrEncoder::new(&e.ur_type, e.cbor.clone(), e.fragment)?,
                e.ec,
            )),
            None => None,
        };
        let mut i = 0usize;
        loop {
            // Pure fragments first, then ever-new mixed parts (multipart UR); else cycle.
            let (m, label) = match &endless {
                Some((enc, level)) => (
                    Matrix::encode(&enc.part(i as u32 + 1).to_uppercase(), *level)?,
                    format!("part {} (of {} fragments)", i + 1, f.fragments),
                ),
                None => (
                    f.matrices[i % f.matrices.len()].clone(),
                    format!("frame {}/{}", i % f.matrices.len() + 1, f.matrices.len()),
                ),
            };
            let text = m.terminal().replace('\n', "\r\n");
            let caption = f.caption.as_deref().unwrap_or("airsign");
            write!(
                out,
                "\x1b[H{text}\x1b[0m {caption} · {label}  {}  (q to stop)\x1b[K\r\n",
                f.format
            )
            .map_err(io)?;
            out.flush().map_err(io)?;
            if event::poll(period).map_err(io)? {
                if let Event::Key(k) = event::read().map_err(io)? {
                    let ctrl_c =
                        k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL);
                    if k.kind == KeyEventKind::Press
                        && (ctrl_c || matches!(k.code, KeyCode::Char('q') | KeyCode::Esc))
                    {
                        return Ok(());
                    }
                }
            }
            i += 1;
        }
    })();
    let _ = execute!(out, cursor::Show, terminal::LeaveAlternateScreen);
    let _ = terminal::disable_raw_mode();
    result
}

fn show(a: ShowArgs) -> Result<(), Error> {
    let (payload, kind) = classify(read_limited(&a.file, MAX_SHOW)?);
    let mut f = frames(&payload, kind, &a.render)?;
    if let Some(c) = &a.caption {
        f.caption = Some(crate::sanitize::escape(c));
    }
    let mut outputs = Vec::new();
    if a.terminal {
        outputs.push(Output::Terminal);
    }
    if let Some(d) = &a.png_dir {
        outputs.push(Output::PngDir(d.clone()));
    }
    if let Some(p) = &a.gif {
        outputs.push(Output::Gif(p.clone()));
    }
    if let Some(p) = &a.html {
        outputs.push(Output::Html(p.clone()));
    }
    // One JSON document on stdout: with --json the part strings go inside it, never beside it.
    if a.json && a.terminal {
        return Err(Error::Usage(
            "--terminal draws on stdout, which --json needs for its document: use one".into(),
        ));
    }
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
    emit_all(&f, &outputs, &a.render, a.json)?;
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

/// Parse a `--scan` value: `dir:DIR`, `gif:FILE`, `text:FILE`, `camera:DEVICE`, `stdin`, or an
/// image path.
pub fn parse_scan(s: &str) -> ScanArgs {
    let mut a = ScanArgs {
        files: vec![],
        dir: None,
        gif: None,
        text_file: None,
        stdin: false,
        camera: None,
        timeout: 300,
        out: PathBuf::from("-"),
        json: false,
    };
    match s.split_once(':') {
        Some(("dir", p)) => a.dir = Some(p.into()),
        Some(("gif", p)) => a.gif = Some(p.into()),
        Some(("text", p)) => a.text_file = Some(p.into()),
        Some(("camera", p)) => a.camera = Some(p.into()),
        _ if s == "stdin" => a.stdin = true,
        _ => a.files.push(s.into()),
    }
    a
}

/// The outcome of a scan.
#[derive(Debug, Serialize)]
pub struct Scanned {
    /// How it came.
    #[serde(flatten)]
    pub source: Source,
    /// What it is: psbt, transaction, text, cbor, binary.
    pub kind: &'static str,
    /// Payload length.
    pub bytes: usize,
    /// Frame counters.
    pub counters: Counters,
    /// The payload.
    #[serde(skip)]
    pub data: Vec<u8>,
}

fn image_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io("read", dir, e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                matches!(
                    e.to_ascii_lowercase().as_str(),
                    "png" | "jpg" | "jpeg" | "gif"
                )
            })
        })
        .collect();
    v.sort();
    Ok(v)
}

/// Run a scan from files/text, with a progress bar on stderr unless `quiet`.
pub fn scan_inputs(a: &ScanArgs, quiet: bool) -> Result<Scanned, Error> {
    let mut asm = Assembler::new();
    let mut scanner = scan::Scanner::new();
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(0)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{bar:30}] {pos}/{len} fragments  {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let feed = |text: &str, asm: &mut Assembler| -> bool {
        let status = asm.add(text);
        let c = asm.counters();
        bar.set_length(u64::from(c.total));
        bar.set_position(u64::from(c.solved));
        bar.set_message(format!(
            "frames {} rejected {} rank {}/{}",
            c.frames, c.rejected, c.rank, c.total
        ));
        match status {
            Ok(Status::Restarted(why)) => bar.println(format!("note: {why}")),
            Err(e) => bar.println(format!(
                "rejected a frame: {}",
                crate::sanitize::escape(&e.to_string())
            )),
            _ => {}
        }
        asm.payload().is_some()
    };
    let mut texts: Vec<String> = Vec::new();
    if let Some(p) = &a.text_file {
        texts.extend(
            String::from_utf8_lossy(&read_limited(p, 256 * 1024 * 1024)?)
                .lines()
                .map(str::to_owned),
        );
    }
    if a.stdin {
        let mut s = String::new();
        std::io::stdin()
            .take(256 * 1024 * 1024)
            .read_to_string(&mut s)
            .map_err(|e| Error::io("read", "stdin", e))?;
        texts.extend(s.lines().map(str::to_owned));
    }
    'outer: {
        for t in texts.iter().filter(|t| !t.trim().is_empty()) {
            if feed(t, &mut asm) {
                break 'outer;
            }
        }
        let mut files = a.files.clone();
        if let Some(d) = &a.dir {
            files.extend(image_files(d)?);
        }
        if let Some(g) = &a.gif {
            files.push(g.clone());
        }
        for f in files {
            for frame in scan::load_frames(&f)? {
                for text in scanner.decode(&frame) {
                    if feed(&text, &mut asm) {
                        break 'outer;
                    }
                }
            }
        }
        if let Some(dev) = &a.camera {
            camera_loop(dev, a.timeout, &mut scanner, &mut |t| feed(t, &mut asm))?;
        }
    }
    bar.finish_and_clear();
    let c = asm.counters();
    let Some(Payload { source, data }) = asm.payload().cloned() else {
        return Err(TransportError::Incomplete(format!(
            "the frames did not complete a payload: {} frame(s) read, {} rejected, {} of {} fragments solved (rank {})",
            c.frames, c.rejected, c.solved, c.total, c.rank
        ))
        .into());
    };
    let kind = match (&source, classify(data.clone()).1) {
        (Source::Ur { ur_type }, _)
            if ur_type == "crypto-account" || ur_type == "account-descriptor" =>
        {
            "account"
        }
        (Source::Ur { ur_type }, _)
            if ur_type == "crypto-output" || ur_type == "output-descriptor" =>
        {
            "output-descriptor"
        }
        (_, Kind::Psbt) => "psbt",
        (_, Kind::Transaction) => "transaction",
        (_, Kind::Text)
            if crate::wallet::descriptor::parse_public(&String::from_utf8_lossy(&data)).is_ok() =>
        {
            "descriptor"
        }
        (_, Kind::Text) => "text",
        (_, Kind::Cbor) => "cbor",
        (_, Kind::Binary) => "binary",
    };
    // Keep the bytes as received (classify may re-encode text PSBTs; we want the payload).
    Ok(Scanned {
        source,
        kind,
        bytes: data.len(),
        counters: c,
        data,
    })
}

fn scan_cmd(a: ScanArgs) -> Result<(), Error> {
    let s = scan_inputs(&a, a.json)?;
    if a.json && a.out == Path::new("-") {
        return Err(Error::Usage(
            "with --json, give -o FILE for the payload".into(),
        ));
    }
    write_atomic(&a.out, &s.data)?;
    if a.json {
        return print_json(&s);
    }
    eprintln!(
        "scanned a {} ({} bytes) from {} frame(s), {} rejected",
        s.kind, s.bytes, s.counters.frames, s.counters.rejected
    );
    if a.out != Path::new("-") {
        println_out(&format!("wrote {}", a.out.display()))?;
    }
    Ok(())
}

/// Read a command's input from a file or from QR (`--scan`).
pub fn read_input(
    file: Option<&Path>,
    scan: &crate::cli::qr::ScanIn,
    limit: u64,
) -> Result<Vec<u8>, Error> {
    match (&scan.scan, file) {
        (Some(spec), _) => {
            let s = scan_inputs(&parse_scan(spec), false)?;
            eprintln!(
                "scanned {} bytes ({}) from {} frame(s)",
                s.bytes, s.kind, s.counters.frames
            );
            Ok(s.data)
        }
        (None, Some(f)) => Ok(read_limited(f, limit)?),
        (None, None) => Err(Error::Usage("give an input file or --scan".into())),
    }
}

/// Show `payload` on every `--qr` output.
pub fn show_outputs(payload: &[u8], kind: Kind, q: &crate::cli::qr::QrOut) -> Result<(), Error> {
    if q.qr.is_empty() {
        return Ok(());
    }
    let outputs =
        q.qr.iter()
            .map(|s| parse_output(s))
            .collect::<Result<Vec<_>, _>>()?;
    let f = frames(payload, kind, &q.render)?;
    emit_all(&f, &outputs, &q.render, false)
}

/// Say what is shown (unless `quiet`), then write every output.
fn emit_all(f: &Frames, outputs: &[Output], r: &RenderArgs, quiet: bool) -> Result<(), Error> {
    if !quiet {
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
    for o in outputs {
        emit(f, o, r)?;
    }
    Ok(())
}

/// Live scanning: frames from the webcam through the same scanner and assembler.
#[cfg(feature = "camera")]
fn camera_loop(
    dev: &Path,
    timeout: u64,
    scanner: &mut scan::Scanner,
    feed: &mut dyn FnMut(&str) -> bool,
) -> Result<(), Error> {
    let mut cam = crate::transport::camera::Camera::open(dev)?;
    let deadline = std::time::Instant::now() + Duration::from_secs(timeout);
    while std::time::Instant::now() < deadline {
        let frame = cam.frame()?;
        for text in scanner.decode(&frame) {
            if feed(&text) {
                return Ok(());
            }
        }
    }
    Err(TransportError::Incomplete(format!("no complete payload within {timeout} s")).into())
}

#[cfg(not(feature = "camera"))]
fn camera_loop(
    _: &Path,
    _: u64,
    _: &mut scan::Scanner,
    _: &mut dyn FnMut(&str) -> bool,
) -> Result<(), Error> {
    Err(Error::Usage("this airsign was built without camera support: rebuild with `cargo build --release --features camera`".into()))
}
