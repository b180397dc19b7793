//! Frames → the surfaces a person or a camera sees: the terminal (animated, q to stop), PNG
//! files, a looping GIF, a self-contained HTML page, or the part strings as text. Every surface
//! names what it carries (the caption).
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use super::frames::{Frames, RenderOptions};
use super::qr::{self, Matrix};
use super::{ur, TransportError};
use crate::fsutil::{check_output, write_output, FsError};

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
pub fn parse_output(s: &str) -> Result<Output, TransportError> {
    let (k, v) = s.split_once(':').unwrap_or((s, ""));
    let p = PathBuf::from(v);
    match (k, v.is_empty()) {
        ("terminal", _) => Ok(Output::Terminal),
        ("png", false) => Ok(Output::PngDir(p)),
        ("gif", false) => Ok(Output::Gif(p)),
        ("html", false) => Ok(Output::Html(p)),
        ("text", false) => Ok(Output::Text(p)),
        ("text", true) => Ok(Output::Text(PathBuf::from("-"))),
        _ => Err(TransportError::BadOption(format!(
            "--qr takes terminal, png:DIR, gif:FILE, html:FILE or text:FILE, not {}",
            crate::sanitize::escape(s)
        ))),
    }
}

/// Sequences shorter than this render in well under a second: no bar.
const PROGRESS_MIN_FRAMES: usize = 20;

/// A progress bar on stderr over `len` steps, labelled `what`; hidden unless `show`, the
/// sequence is long enough to take a moment, and stderr is a terminal (a log or a pipe never
/// gets the redraws).
pub fn progress_bar(show: bool, len: usize, what: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !show || len < PROGRESS_MIN_FRAMES || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what.to_owned());
    bar
}

/// Write the frames to one output; existing files are replaced only with `overwrite`.
pub fn emit(
    f: &Frames,
    out: &Output,
    r: &RenderOptions,
    overwrite: bool,
) -> Result<(), TransportError> {
    match out {
        Output::Terminal => animate(f, r.fps),
        Output::PngDir(dir) => {
            // Refuse before writing any frame, so a refusal leaves no half-written sequence.
            for i in 0..f.matrices.len() {
                check_output(&frame_file(dir, i), overwrite)?;
            }
            // Frames of an earlier, longer sequence would stay behind and still decode on their
            // own (a slideshow of the folder could carry the old payload): refused without
            // --force, removed after the new frames are written with it.
            let stale = stale_frames(dir, f.matrices.len());
            if let (Some(p), false) = (stale.first(), overwrite) {
                return Err(FsError::Exists { path: p.clone() }.into());
            }
            std::fs::create_dir_all(dir).map_err(|source| FsError::Io {
                action: "create",
                path: dir.clone(),
                source,
            })?;
            let bar = progress_bar(r.progress, f.matrices.len(), "writing PNG frames");
            for (i, m) in f.matrices.iter().enumerate() {
                write_output(&frame_file(dir, i), &m.png(r.module_px.max(1))?, overwrite)?;
                bar.inc(1);
            }
            for p in stale {
                std::fs::remove_file(&p).map_err(|source| FsError::Io {
                    action: "remove",
                    path: p.clone(),
                    source,
                })?;
            }
            bar.finish_and_clear();
            Ok(())
        }
        Output::Gif(p) => {
            let bar = progress_bar(r.progress, f.matrices.len(), "rendering GIF");
            let gif = qr::gif(&f.matrices, r.module_px.max(1), r.fps, &|| bar.inc(1))?;
            bar.finish_and_clear();
            Ok(write_output(
                p,
                &qr::gif_comment(&gif, &title(f)),
                overwrite,
            )?)
        }
        Output::Html(p) => {
            let bar = progress_bar(r.progress, f.matrices.len(), "rendering HTML");
            let page = qr::html(&f.matrices, r.fps, &title(f), &|| bar.inc(1))?;
            bar.finish_and_clear();
            Ok(write_output(p, page.as_bytes(), overwrite)?)
        }
        Output::Text(p) => {
            let mut s = f.parts.join("\n");
            s.push('\n');
            Ok(write_output(p, s.as_bytes(), overwrite)?)
        }
    }
}

/// A payload that fits one frame, drawn once for a terminal (Unicode half blocks with explicit
/// colours, as the animation draws them) with its caption below. Unlike the animation it needs
/// no raw mode and stays on screen, in the scrollback and in a pipe after the command ends: for
/// short records a person photographs or another machine scans. `None` when the payload needs
/// more than one frame.
pub fn still(f: &Frames) -> Option<String> {
    match &f.matrices[..] {
        [m] if f.endless.is_none() => Some(format!("{}{}\n", m.terminal(), title(f))),
        _ => None,
    }
}

fn frame_file(dir: &std::path::Path, i: usize) -> PathBuf {
    dir.join(format!("frame-{:04}.png", i + 1))
}

/// Files in `dir` named as frames (`frame-NNNN.png`) that a sequence of `n` frames does not write.
fn stale_frames(dir: &std::path::Path, n: usize) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut stale: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let num = name.strip_prefix("frame-")?.strip_suffix(".png")?;
            let i: usize = num
                .parse()
                .ok()
                .filter(|_| num.bytes().all(|b| b.is_ascii_digit()))?;
            (i == 0 || i > n).then(|| e.path())
        })
        .collect();
    stale.sort();
    stale
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
fn animate(f: &Frames, fps: f64) -> Result<(), TransportError> {
    use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
    use crossterm::{cursor, execute, terminal};
    let mut out = std::io::stdout();
    let io = TransportError::Terminal;
    terminal::enable_raw_mode().map_err(io)?;
    execute!(out, terminal::EnterAlternateScreen, cursor::Hide).map_err(io)?;
    let period = Duration::from_secs_f64(1.0 / fps.clamp(0.2, 30.0));
    let result = (|| -> Result<(), TransportError> {
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
