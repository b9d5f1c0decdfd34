//! Thumbnails of raster images, made at upload time with the `image` crate (PNG, JPEG, GIF and WebP
//! decoders only) under decoding limits: an image whose header claims more pixels than `MAX_SIDE`
//! a side, or whose decoding would allocate more than `MAX_ALLOC`, is refused before any of it is
//! decoded, so a small file that would unpack into gigabytes (a decompression bomb) costs nothing.

use std::io::Cursor;
use std::path::Path;

use image::{ImageFormat, ImageReader, Limits};

/// The longest side of a thumbnail, in pixels (shown at up to 240 CSS px, sharp on 1.5x screens).
pub const SIDE: u32 = 360;
/// The largest image accepted, a side (a 12,000 × 12,000 photo is 144 megapixels).
pub const MAX_SIDE: u32 = 12_000;
/// The most memory one decode may take.
pub const MAX_ALLOC: u64 = 256 * 1024 * 1024;

/// Why an image has no thumbnail.
#[derive(Debug)]
pub enum Refused {
    /// Over the limits (a bomb, or simply too big to look at).
    TooLarge,
    /// Not a readable image of its type.
    Unreadable(String),
}

/// A made thumbnail: its bytes (PNG, or JPEG for JPEG sources), its type, and the full image's size.
pub struct Thumb {
    pub bytes: Vec<u8>,
    pub mime: &'static str,
    pub width: u32,
    pub height: u32,
}

fn format(mime: &str) -> Option<ImageFormat> {
    Some(match mime {
        "image/png" => ImageFormat::Png,
        "image/jpeg" => ImageFormat::Jpeg,
        "image/gif" => ImageFormat::Gif,
        "image/webp" => ImageFormat::WebP,
        _ => return None,
    })
}

/// Decode `path` (of type `mime`, decided from its bytes) within the limits and make its thumbnail.
pub fn make(path: &Path, mime: &str) -> Result<Thumb, Refused> {
    let fmt = format(mime).ok_or_else(|| Refused::Unreadable(format!("{mime} is not an image type")))?;
    let mut reader = ImageReader::open(path).map_err(|e| Refused::Unreadable(e.to_string()))?;
    reader.set_format(fmt);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => Refused::TooLarge,
        other => Refused::Unreadable(other.to_string()),
    })?;
    let (width, height) = (img.width(), img.height());
    let small = img.thumbnail(SIDE, SIDE);
    let mut bytes = Vec::new();
    let out_mime = if fmt == ImageFormat::Jpeg {
        image::DynamicImage::ImageRgb8(small.to_rgb8())
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Jpeg)
            .map_err(|e| Refused::Unreadable(e.to_string()))?;
        "image/jpeg"
    } else {
        small.write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png).map_err(|e| Refused::Unreadable(e.to_string()))?;
        "image/png"
    };
    Ok(Thumb { bytes, mime: out_mime, width, height })
}
