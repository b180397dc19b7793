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
pub fn gif(
    frames: &[Matrix],
    px: u32,
    fps: f64,
    tick: &dyn Fn(),
) -> Result<Vec<u8>, TransportError> {
    use image::codecs::gif::{GifEncoder, Repeat};
    use image::{Delay, Frame, RgbaImage};
    let side = frames
        .iter()
        .map(|m| (m.size + 2 * QUIET) as u32 * px)
        .max()
        .unwrap_or(0);
    let mut out = Vec::new();
    {
        let mut enc = GifEncoder::new_with_speed(&mut out, 10);
        enc.set_repeat(Repeat::Infinite)
            .map_err(TransportError::ImageCodec)?;
        let delay = Delay::from_numer_denom_ms((1000.0 / fps.max(0.1)) as u32, 1);
        for m in frames {
            let img = m.image(px);
            // Centre smaller codes on a white canvas so every frame has the same size.
            let off = (side - img.width()) / 2;
            let rgba = RgbaImage::from_fn(side, side, |x, y| {
                let inside =
                    x >= off && y >= off && x - off < img.width() && y - off < img.height();
                let v = if inside {
                    img.get_pixel(x - off, y - off).0[0]
                } else {
                    255
                };
                image::Rgba([v, v, v, 255])
            });
            enc.encode_frame(Frame::from_parts(rgba, 0, 0, delay))
                .map_err(TransportError::ImageCodec)?;
            tick();
        }
    }
    Ok(out)
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
