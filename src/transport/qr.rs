//! Rendering QR codes: module matrices from the `qrcode` crate, drawn as PNG frames, an animated
//! GIF, Unicode half blocks for a terminal, or one self-contained HTML page.
use std::io::Cursor;

use image::{GrayImage, Luma};
use qrcode::{Color, EcLevel, QrCode};

use super::TransportError;

/// Quiet zone in modules (the spec's minimum).
pub const QUIET: usize = 4;

/// One QR code's modules.
#[derive(Debug, Clone)]
pub struct Matrix {
    /// Modules per side.
    pub size: usize,
    dark: Vec<bool>,
    /// QR version.
    pub version: i16,
}

impl Matrix {
    /// Encode `text` (alphanumeric mode is used automatically for upper-case UR and BBQr).
    pub fn encode(text: &str, ec: EcLevel) -> Result<Self, TransportError> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), ec)
            .map_err(|e| TransportError::Render(format!("{e} ({} characters)", text.len())))?;
        let size = code.width();
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        let version = match code.version() {
            qrcode::Version::Normal(v) | qrcode::Version::Micro(v) => v,
        };
        Ok(Matrix {
            size,
            dark,
            version,
        })
    }

    /// Whether module (x, y) is dark; outside the code (quiet zone) is light.
    pub fn is_dark(&self, x: isize, y: isize) -> bool {
        x >= 0
            && y >= 0
            && (x as usize) < self.size
            && (y as usize) < self.size
            && self.dark[y as usize * self.size + x as usize]
    }

    /// A grey image with `px` pixels per module and the quiet zone.
    pub fn image(&self, px: u32) -> GrayImage {
        let side = (self.size + 2 * QUIET) as u32 * px;
        GrayImage::from_fn(side, side, |x, y| {
            let mx = (x / px) as isize - QUIET as isize;
            let my = (y / px) as isize - QUIET as isize;
            if self.is_dark(mx, my) {
                Luma([0])
            } else {
                Luma([255])
            }
        })
    }

    /// PNG bytes.
    pub fn png(&self, px: u32) -> Result<Vec<u8>, TransportError> {
        let mut out = Vec::new();
        self.image(px)
            .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .map_err(TransportError::ImageCodec)?;
        Ok(out)
    }

    /// Unicode half blocks with explicit colours (works on light and dark terminals): each
    /// character is two modules, upper half in the foreground colour.
    pub fn terminal(&self) -> String {
        let q = QUIET as isize;
        let n = self.size as isize;
        let mut s = String::new();
        let mut y = -q;
        while y < n + q {
            for x in -q..n + q {
                let top = if self.is_dark(x, y) { 30 } else { 97 };
                let bottom = if self.is_dark(x, y + 1) { 40 } else { 107 };
                s.push_str(&format!("\x1b[{top};{bottom}m▀"));
            }
            s.push_str("\x1b[0m\n");
            y += 2;
        }
        s
    }
}

/// An animated, looping GIF of the frames; `tick` is called after each frame is encoded.
///
/// Written with the `gif` crate directly: a two-colour global palette and one byte per pixel,
/// so no colour quantisation per frame (`image`'s RGBA encoder quantised every frame; figures in
/// docs/benchmarks.md).
pub fn gif(
    frames: &[Matrix],
    px: u32,
    fps: f64,
    tick: &(dyn Fn() + Sync),
) -> Result<Vec<u8>, TransportError> {
    let side = frames
        .iter()
        .map(|m| (m.size + 2 * QUIET) as u64 * u64::from(px))
        .max()
        .unwrap_or(0);
    let side = u16::try_from(side).ok().filter(|&s| s > 0).ok_or_else(|| {
        TransportError::Render(format!(
            "a GIF frame of {side}×{side} pixels is outside what GIF allows (1–65,535); \
                 lower --module-px"
        ))
    })?;
    let gif_err = |e: ::gif::EncodingError| TransportError::Render(format!("GIF: {e}"));
    // GIF delays are in hundredths of a second.
    let delay = (100.0 / fps.max(0.1)).round().clamp(1.0, 65_535.0) as u16;
    // Drawing and LZW-compressing a frame is most of the time: done on all cores, in order.
    let compress = |chunk: &[Matrix]| {
        let n = usize::from(side);
        let mut pixels = vec![1u8; n * n];
        chunk
            .iter()
            .map(|m| {
                draw_indexed(m, px as usize, n, &mut pixels);
                let mut frame = ::gif::Frame::from_indexed_pixels(side, side, pixels.clone(), None);
                frame.delay = delay;
                frame.make_lzw_pre_encoded();
                tick();
                frame
            })
            .collect::<Vec<_>>()
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let compressed: Vec<::gif::Frame<'static>> = if threads < 2 || frames.len() < 8 {
        compress(frames)
    } else {
        let chunk = frames.len().div_ceil(threads);
        std::thread::scope(|s| {
            let workers: Vec<_> = frames
                .chunks(chunk)
                .map(|c| s.spawn(move || compress(c)))
                .collect();
            let mut all = Vec::with_capacity(frames.len());
            for w in workers {
                all.extend(w.join().map_err(|_| {
                    TransportError::Render("a GIF encoding thread panicked".into())
                })?);
            }
            Ok::<_, TransportError>(all)
        })?
    };
    // Index 0 is black, 1 white.
    let mut enc =
        ::gif::Encoder::new(Vec::new(), side, side, &[0, 0, 0, 255, 255, 255]).map_err(gif_err)?;
    enc.set_repeat(::gif::Repeat::Infinite).map_err(gif_err)?;
    for frame in &compressed {
        enc.write_lzw_pre_encoded_frame(frame).map_err(gif_err)?;
    }
    enc.into_inner().map_err(gif_err)
}

/// Draw `m` centred on an `n`×`n` canvas of palette indices (0 dark, 1 light), `px` pixels per
/// module: one pass per module row, copying the row's pixels down `px` lines.
fn draw_indexed(m: &Matrix, px: usize, n: usize, pixels: &mut [u8]) {
    pixels.fill(1);
    let off = (n - (m.size + 2 * QUIET) * px) / 2 + QUIET * px;
    for my in 0..m.size {
        let top = off + my * px;
        let row = &mut pixels[top * n..(top + 1) * n];
        for mx in 0..m.size {
            if m.dark[my * m.size + mx] {
                let x = off + mx * px;
                row[x..x + px].fill(0);
            }
        }
        for dy in 1..px {
            pixels.copy_within(top * n..(top + 1) * n, (top + dy) * n);
        }
    }
}

/// Add a GIF comment extension (`text`, printable ASCII only) after the header, so the file
/// itself says what it carries (viewers and `exiftool` show it; decoders skip it).
pub fn gif_comment(gif: &[u8], text: &str) -> Vec<u8> {
    // Header (6) + logical screen descriptor (7) + the global colour table if flagged.
    let Some(&packed) = gif.get(10) else {
        return gif.to_vec();
    };
    let gct = if packed & 0x80 != 0 {
        3usize << ((packed & 0x07) + 1)
    } else {
        0
    };
    let at = 13 + gct;
    if gif.len() < at || !gif.starts_with(b"GIF8") {
        return gif.to_vec();
    }
    let clean: Vec<u8> = text
        .bytes()
        .filter(|b| (0x20..0x7f).contains(b))
        .take(255)
        .collect();
    let mut out = Vec::with_capacity(gif.len() + clean.len() + 5);
    out.extend_from_slice(&gif[..at]);
    out.extend_from_slice(&[0x21, 0xfe, clean.len() as u8]);
    out.extend_from_slice(&clean);
    out.push(0);
    out.extend_from_slice(&gif[at..]);
    out
}

/// One self-contained page (no network, no external script) that plays the frames full screen
/// with speed and size controls. `title` is the page title and the caption beside the frame
/// counter (e.g. `airsign bundle LAVA GYRO TUNA ZERO (3f9a01cc)`). `tick` is called after each
/// frame is encoded.
pub fn html(
    frames: &[Matrix],
    fps: f64,
    title: &str,
    tick: &dyn Fn(),
) -> Result<String, TransportError> {
    use base64::Engine as _;
    use bitcoin::base64;
    let mut uris = Vec::with_capacity(frames.len());
    for m in frames {
        uris.push(format!(
            "\"data:image/png;base64,{}\"",
            base64::engine::general_purpose::STANDARD.encode(m.png(1)?)
        ));
        tick();
    }
    let title = title.replace(['<', '>', '&', '"'], "");
    Ok(format!(
        r#"<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>
html,body{{margin:0;height:100%;background:#fff;font:16px sans-serif}}
#qr{{display:block;margin:0 auto;image-rendering:pixelated;height:calc(100vh - 3em);max-width:100vw;object-fit:contain}}
#bar{{height:3em;display:flex;gap:1em;align-items:center;justify-content:center}}
</style></head>
<body><img id="qr" alt="QR frame"><div id="bar">
<span id="cap">{title}</span> · <span id="n"></span>
<label>frames/s <input id="fps" type="range" min="1" max="15" step="1" value="{fps}"></label>
<label>size <input id="size" type="range" min="20" max="100" step="5" value="100"></label>
<button id="pause">pause</button></div>
<script>
const frames=[{frames}];
let i=0,timer=null,paused=false;
const img=document.getElementById('qr'),n=document.getElementById('n');
function show(){{img.src=frames[i];n.textContent=(i+1)+' / '+frames.length;i=(i+1)%frames.length;}}
function start(){{clearInterval(timer);if(!paused&&frames.length>1)timer=setInterval(show,1000/document.getElementById('fps').value);}}
document.getElementById('fps').oninput=start;
document.getElementById('size').oninput=e=>{{img.style.height='calc((100vh - 3em) * '+e.target.value/100+')';}};
document.getElementById('pause').onclick=e=>{{paused=!paused;e.target.textContent=paused?'play':'pause';start();}};
show();start();
</script></body></html>
"#,
        fps = fps.round().clamp(1.0, 15.0),
        frames = uris.join(",")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every frame of the GIF, decoded by `image` (an independent reader of what we wrote), is the
    /// codes' modules at `px` pixels each, centred, black on white.
    #[test]
    fn gif_frames_are_the_modules_centred() {
        use image::AnimationDecoder;
        // Two sizes, so centring is tested; more frames than cores, so the frames are compressed
        // on several threads and must still come out in order.
        let mut frames = vec![
            Matrix::encode("UR:BYTES/1-3/LPADAXCFAXHLCY", EcLevel::L).unwrap(),
            Matrix::encode(&"X".repeat(300), EcLevel::L).unwrap(),
        ];
        for i in 0..18 {
            frames.push(Matrix::encode(&format!("FRAME {i}"), EcLevel::L).unwrap());
        }
        assert!(frames[0].size < frames[1].size);
        let ticks = std::sync::atomic::AtomicUsize::new(0);
        let bytes = gif(&frames, 3, 8.0, &|| {
            ticks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        })
        .unwrap();
        assert_eq!(ticks.into_inner(), 20);
        let dec = image::codecs::gif::GifDecoder::new(Cursor::new(bytes)).unwrap();
        let got: Vec<image::Frame> = dec.into_frames().collect::<Result<_, _>>().unwrap();
        assert_eq!(got.len(), 20);
        let side = (frames[1].size + 2 * QUIET) as u32 * 3;
        for (m, f) in frames.iter().zip(&got) {
            assert_eq!(
                f.delay().numer_denom_ms(),
                (130, 1),
                "8 fps rounds to 13/100 s"
            );
            let img = f.buffer();
            assert_eq!(img.dimensions(), (side, side));
            let off = (side - m.size as u32 * 3) / 2;
            for y in 0..side {
                for x in 0..side {
                    let inside = x >= off
                        && y >= off
                        && x < off + m.size as u32 * 3
                        && y < off + m.size as u32 * 3;
                    let dark =
                        inside && m.is_dark(((x - off) / 3) as isize, ((y - off) / 3) as isize);
                    let want = if dark { 0 } else { 255 };
                    assert_eq!(img.get_pixel(x, y).0, [want, want, want, 255], "({x},{y})");
                }
            }
        }
    }

    #[test]
    fn a_gif_larger_than_the_format_allows_is_an_error() {
        let m = Matrix::encode("A", EcLevel::L).unwrap();
        let e = gif(&[m], 5000, 5.0, &|| {}).unwrap_err();
        assert!(e.to_string().contains("--module-px"), "{e}");
        assert!(gif(&[], 6, 5.0, &|| {}).is_err());
    }
}
