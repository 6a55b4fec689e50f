//! The holder's portrait from DG2, decoded to pixels for the face check.
//!
//! CCCD chips store the portrait as JPEG or JPEG 2000 (ISO/IEC 19794-5 image data type);
//! both decoders here are pure Rust. The image is outside data until passive
//! authentication has vouched for DG2, so its declared size is checked before any pixel
//! buffer is allocated, and a panic inside a third-party decoder is caught and reported as
//! a bad image instead of taking the kiosk down.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::lds::{FaceImage, ImageFormat};
use crate::pii::Sensitive;

/// A portrait larger than this on either side is not an ICAO portrait (they are about
/// 480×640) and is refused before decoding.
pub const MAX_SIDE: u32 = 2048;

/// The portrait as 8-bit RGB, row by row.
#[derive(Clone, PartialEq, Eq)]
pub struct Portrait {
    pub width: u32,
    pub height: u32,
    pub rgb: Sensitive<Vec<u8>>,
}

impl std::fmt::Debug for Portrait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Portrait({}x{}, ‹redacted›)", self.width, self.height)
    }
}

/// Why the portrait could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PortraitError {
    #[error("the portrait is {width}x{height}; at most {MAX_SIDE} pixels a side are accepted")]
    TooLarge { width: u32, height: u32 },
    #[error("the JPEG portrait cannot be decoded: {0}")]
    Jpeg(String),
    #[error("the JPEG 2000 portrait cannot be decoded: {0}")]
    Jpeg2000(String),
    #[error("the JPEG 2000 portrait has colour space {0}, not grey or RGB")]
    UnsupportedColourSpace(String),
    #[error("the decoder gave {actual} bytes for a {width}x{height} image")]
    SizeMismatch {
        width: u32,
        height: u32,
        actual: usize,
    },
    #[error("the image decoder crashed on this portrait")]
    DecoderPanicked,
}

fn check_size(width: u32, height: u32) -> Result<(), PortraitError> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(PortraitError::TooLarge { width, height });
    }
    Ok(())
}

/// Decodes the portrait of a DG2 face record.
pub fn decode(face: &FaceImage) -> Result<Portrait, PortraitError> {
    let data = face.data.expose().as_slice();
    let decoded = catch_unwind(AssertUnwindSafe(|| match face.format {
        ImageFormat::Jpeg => decode_jpeg(data),
        ImageFormat::Jpeg2000 => decode_jpeg2000(data),
    }));
    decoded.unwrap_or(Err(PortraitError::DecoderPanicked))
}

/// Decodes JPEG bytes (exposed for the face check of camera stills as well).
pub fn decode_jpeg(data: &[u8]) -> Result<Portrait, PortraitError> {
    let mut reader = image::ImageReader::with_format(Cursor::new(data), image::ImageFormat::Jpeg);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    // RGB at the largest accepted size, plus the decoder's own buffers.
    limits.max_alloc = Some(u64::from(MAX_SIDE) * u64::from(MAX_SIDE) * 4 * 2);
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|error| match error {
            image::ImageError::Limits(_) => PortraitError::TooLarge {
                width: MAX_SIDE + 1,
                height: MAX_SIDE + 1,
            },
            other => PortraitError::Jpeg(other.to_string()),
        })?
        .into_rgb8();
    let (width, height) = image.dimensions();
    check_size(width, height)?;
    Ok(Portrait {
        width,
        height,
        rgb: Sensitive::new(image.into_raw()),
    })
}

/// Decodes a JPEG 2000 codestream or JP2 file.
pub fn decode_jpeg2000(data: &[u8]) -> Result<Portrait, PortraitError> {
    use hayro_jpeg2000::{ColorSpace, DecodeSettings, DecoderContext, Image};

    let image = Image::new(data, &DecodeSettings::default())
        .map_err(|error| PortraitError::Jpeg2000(format!("{error:?}")))?;
    let (width, height) = (image.width(), image.height());
    check_size(width, height)?;
    let colour_space = image.color_space().clone();
    let has_alpha = image.has_alpha();
    let mut context = DecoderContext::default();
    let decoded = image
        .decode(&mut context)
        .map_err(|error| PortraitError::Jpeg2000(format!("{error:?}")))?;
    let samples = decoded.data_u8();
    let channels: usize = match colour_space {
        ColorSpace::Gray => 1,
        ColorSpace::RGB => 3,
        other => return Err(PortraitError::UnsupportedColourSpace(format!("{other:?}"))),
    } + usize::from(has_alpha);
    let pixels = width as usize * height as usize;
    if samples.len() != pixels * channels {
        return Err(PortraitError::SizeMismatch {
            width,
            height,
            actual: samples.len(),
        });
    }
    let rgb = samples
        .chunks_exact(channels)
        .flat_map(|pixel| match channels - usize::from(has_alpha) {
            1 => [pixel[0], pixel[0], pixel[0]],
            _ => [pixel[0], pixel[1], pixel[2]],
        })
        .collect();
    Ok(Portrait {
        width,
        height,
        rgb: Sensitive::new(rgb),
    })
}
