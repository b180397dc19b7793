//! Live frames from a V4L2 webcam (feature `camera`, Linux). Only capture lives here: each frame
//! becomes a grey image and goes through [`super::pipeline`] (a decoding worker running the same
//! [`super::scan::Scanner`]) and the assembler, which tests drive from image files.
use std::path::Path;

use image::{DynamicImage, GrayImage};
use linuxvideo::format::{PixFormat, PixelFormat};
use linuxvideo::stream::ReadStream;
use linuxvideo::{BufType, Device};

use super::TransportError;

fn err(what: &str, e: impl std::fmt::Display) -> TransportError {
    TransportError::Image(format!("camera: {what}: {e}"))
}

/// An open capture stream.
pub struct Camera {
    stream: ReadStream,
    width: u32,
    height: u32,
    stride: u32,
    format: PixelFormat,
}

impl Camera {
    /// Open `path` (e.g. /dev/video0) at 1280×720 or what the driver offers, preferring YUYV
    /// (its Y plane is the grey image we need), then MJPG.
    pub fn open(path: &Path) -> Result<Self, TransportError> {
        let dev = Device::open(path).map_err(|e| err(&path.display().to_string(), e))?;
        let formats: Vec<PixelFormat> = dev
            .formats(BufType::VIDEO_CAPTURE)
            .filter_map(Result::ok)
            .map(|f| f.pixel_format())
            .collect();
        let want = [PixelFormat::YUYV, PixelFormat::MJPG]
            .into_iter()
            .find(|f| formats.contains(f));
        let want = want.ok_or_else(|| {
            err(
                "formats",
                format!("the device offers neither YUYV nor MJPG ({formats:?})"),
            )
        })?;
        let cap = dev
            .video_capture(PixFormat::new(1280, 720, want))
            .map_err(|e| err("format negotiation", e))?;
        let f = cap.format();
        let (width, height, stride, format) =
            (f.width(), f.height(), f.bytes_per_line(), f.pixel_format());
        let stream = cap.into_stream().map_err(|e| err("start streaming", e))?;
        Ok(Camera {
            stream,
            width,
            height,
            stride,
            format,
        })
    }

    /// The next frame, as grey.
    pub fn frame(&mut self) -> Result<DynamicImage, TransportError> {
        let (w, h, stride, format) = (self.width, self.height, self.stride as usize, self.format);
        let img = self
            .stream
            .dequeue(|buf| {
                let bytes: &[u8] = &buf;
                if format == PixelFormat::YUYV {
                    // Y0 U Y1 V: every even byte of a line is luma.
                    let need = stride * h as usize;
                    if bytes.len() < need {
                        return Err(std::io::Error::other("short YUYV frame"));
                    }
                    Ok(GrayImage::from_fn(w, h, |x, y| {
                        image::Luma([bytes[y as usize * stride + 2 * x as usize]])
                    }))
                } else {
                    image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg)
                        .map(|i| i.to_luma8())
                        .map_err(std::io::Error::other)
                }
            })
            .map_err(|e| err("capture", e))?;
        Ok(DynamicImage::ImageLuma8(img))
    }
}
