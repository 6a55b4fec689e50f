//! A grey-scale picture checked once at the border, so no decoder ever indexes past its end.

use std::borrow::Cow;

/// Why a buffer is not a picture a decoder can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("a {width}x{height} picture has no pixels")]
    Empty { width: u32, height: u32 },
    #[error("a {width}x{height} picture is larger than the {MAX_SIDE}-pixel side decoders accept")]
    TooLarge { width: u32, height: u32 },
    #[error("the picture file cannot be decoded: {0}")]
    Undecodable(String),
    #[error("a {width}x{height} grey picture needs {expected} bytes, got {actual}")]
    WrongLength {
        width: u32,
        height: u32,
        expected: usize,
        actual: usize,
    },
}

/// The longest side accepted. Cameras deliver at most 4K; anything bigger is a corrupt
/// header, and refusing it keeps a hostile size from turning into a huge allocation.
pub const MAX_SIDE: u32 = 8192;

/// One byte of luminance per pixel, row by row, with no padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LumaImage<'a> {
    width: u32,
    height: u32,
    pixels: Cow<'a, [u8]>,
}

impl<'a> LumaImage<'a> {
    /// Wraps `pixels`, checking that they are exactly `width` x `height` bytes.
    pub fn new(
        width: u32,
        height: u32,
        pixels: impl Into<Cow<'a, [u8]>>,
    ) -> Result<Self, ImageError> {
        let pixels = pixels.into();
        if width == 0 || height == 0 {
            return Err(ImageError::Empty { width, height });
        }
        if width > MAX_SIDE || height > MAX_SIDE {
            return Err(ImageError::TooLarge { width, height });
        }
        let expected = width as usize * height as usize;
        if pixels.len() != expected {
            return Err(ImageError::WrongLength {
                width,
                height,
                expected,
                actual: pixels.len(),
            });
        }
        Ok(Self {
            width,
            height,
            pixels,
        })
    }

    /// The luminance of a camera frame, borrowed when the frame is already grey.
    pub fn from_frame(frame: &'a kiosk_hal::camera::Frame) -> Result<Self, ImageError> {
        Self::new(frame.width(), frame.height(), frame.luma())
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// The pixel at (`x`, `y`); callers stay inside the picture.
    pub fn get(&self, x: u32, y: u32) -> u8 {
        self.pixels[y as usize * self.width as usize + x as usize]
    }

    /// An owned copy that outlives the buffer it came from.
    pub fn into_owned(self) -> LumaImage<'static> {
        LumaImage {
            width: self.width,
            height: self.height,
            pixels: Cow::Owned(self.pixels.into_owned()),
        }
    }
}

/// A PNG or JPEG file's picture in grey. A truncated or corrupt file, or one that claims a
/// size beyond [`MAX_SIDE`], is an error naming the problem, never a panic; the size limit
/// is applied before the pixels are allocated.
pub fn decode_picture(bytes: &[u8]) -> Result<LumaImage<'static>, ImageError> {
    let undecodable = |error: ::image::ImageError| ImageError::Undecodable(error.to_string());
    let mut reader = ::image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|error| ImageError::Undecodable(error.to_string()))?;
    let mut limits = ::image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    reader.limits(limits);
    let picture = reader.decode().map_err(undecodable)?.into_luma8();
    let (width, height) = picture.dimensions();
    LumaImage::new(width, height, picture.into_raw())
}

impl<'a> TryFrom<&'a ::image::GrayImage> for LumaImage<'a> {
    type Error = ImageError;

    fn try_from(picture: &'a ::image::GrayImage) -> Result<Self, ImageError> {
        Self::new(
            picture.width(),
            picture.height(),
            picture.as_raw().as_slice(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_buffers_that_do_not_match_their_size() {
        assert_eq!(
            LumaImage::new(4, 3, vec![0u8; 11]).unwrap_err(),
            ImageError::WrongLength {
                width: 4,
                height: 3,
                expected: 12,
                actual: 11
            }
        );
        assert!(matches!(
            LumaImage::new(0, 3, Vec::<u8>::new()),
            Err(ImageError::Empty { .. })
        ));
        assert!(matches!(
            LumaImage::new(MAX_SIDE + 1, 1, vec![0u8; MAX_SIDE as usize + 1]),
            Err(ImageError::TooLarge { .. })
        ));
        assert_eq!(LumaImage::new(2, 2, vec![1, 2, 3, 4]).unwrap().get(1, 1), 4);
    }
}
