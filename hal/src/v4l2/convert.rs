//! Turning one camera buffer into a [`Frame`]: MJPEG decoded to RGB, YUYV passed on as it is.
//!
//! Every buffer is checked against the format the stream was opened with, so a frame of the
//! wrong size or a damaged JPEG becomes a [`FrameError`] instead of a frame that misleads the
//! QR decoder, or a panic.

use std::io::Cursor;
use std::sync::Arc;

use image::codecs::jpeg::JpegDecoder;
use image::{DynamicImage, ImageDecoder};

use super::negotiate::{Encoding, StreamFormat};
use crate::camera::{Frame, FrameSizeError, PixelFormat};

/// A buffer from the camera that does not make a frame of the stream's format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The MJPEG buffer is not a JPEG the decoder can read (cut short on the USB bus,
    /// corrupted, or empty).
    #[error("MJPEG frame does not decode: {detail}")]
    CorruptJpeg { detail: String },
    /// The JPEG decodes, but to another size than the stream was opened with.
    #[error("MJPEG frame is {actual_width}x{actual_height}, the stream is {width}x{height}")]
    WrongSize {
        width: u32,
        height: u32,
        actual_width: u32,
        actual_height: u32,
    },
    /// The buffer's length does not match the stream's size and format.
    #[error(transparent)]
    WrongLength(#[from] FrameSizeError),
}

/// Converts one buffer of a stream opened with `format`.
///
/// YUYV buffers must be exactly `width × height × 2` bytes. nokhwa hands over the whole
/// mapped V4L2 buffer, whose length is the driver's `sizeimage`; for packed YUYV from a UVC
/// camera that is exactly the picture. A driver that pads its rows would give a longer
/// buffer, which is refused rather than shown sheared.
pub fn frame_from_buffer(
    format: StreamFormat,
    buffer: Arc<[u8]>,
    sequence: u64,
) -> Result<Frame, FrameError> {
    match format.encoding {
        Encoding::Yuyv => Ok(Frame::new(
            format.width,
            format.height,
            PixelFormat::Yuyv,
            buffer,
            sequence,
        )?),
        Encoding::Mjpeg => {
            let rgb = decode_jpeg(&buffer, format.width, format.height)?;
            Ok(Frame::new(
                format.width,
                format.height,
                PixelFormat::Rgb8,
                rgb,
                sequence,
            )?)
        }
    }
}

/// Decodes a JPEG of the expected size to RGB, three bytes per pixel.
///
/// The size is read from the header before any pixel is decoded, so a damaged header that
/// claims a huge picture costs nothing. The buffer may carry bytes after the JPEG's end
/// (the rest of the V4L2 buffer); the decoder stops at the end-of-image marker. Many UVC
/// cameras leave out the Huffman tables and mark their frames `AVI1` instead; the decoder
/// (zune-jpeg) then uses the standard tables, as the AVI MJPEG format says.
fn decode_jpeg(bytes: &[u8], width: u32, height: u32) -> Result<Vec<u8>, FrameError> {
    let corrupt = |error: image::ImageError| FrameError::CorruptJpeg {
        detail: error.to_string(),
    };
    let decoder = JpegDecoder::new(Cursor::new(bytes)).map_err(corrupt)?;
    let (actual_width, actual_height) = decoder.dimensions();
    if (actual_width, actual_height) != (width, height) {
        return Err(FrameError::WrongSize {
            width,
            height,
            actual_width,
            actual_height,
        });
    }
    let image = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    Ok(image.into_rgb8().into_raw())
}

#[cfg(test)]
mod tests {
    use image::codecs::jpeg::JpegEncoder;
    use image::{Rgb, RgbImage};

    use super::*;

    fn stream(encoding: Encoding, width: u32, height: u32) -> StreamFormat {
        StreamFormat {
            encoding,
            width,
            height,
            fps: 30,
        }
    }

    /// A 16×8 JPEG, left half red and right half blue, as a camera would send it.
    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let picture = RgbImage::from_fn(width, height, |x, _| {
            if x < width / 2 {
                Rgb([220, 20, 20])
            } else {
                Rgb([20, 20, 220])
            }
        });
        let mut bytes = Vec::new();
        JpegEncoder::new_with_quality(&mut bytes, 95)
            .encode_image(&picture)
            .expect("encode jpeg");
        bytes
    }

    fn close_to(actual: &[u8], expected: [u8; 3]) -> bool {
        actual
            .iter()
            .zip(expected)
            .all(|(&a, e)| a.abs_diff(e) <= 24)
    }

    #[test]
    fn an_mjpeg_buffer_becomes_an_rgb_frame_of_the_stream_size() {
        let mut buffer = jpeg(16, 8);
        // The rest of a V4L2 buffer after the JPEG's end-of-image marker.
        buffer.extend_from_slice(&[0; 100]);
        let frame =
            frame_from_buffer(stream(Encoding::Mjpeg, 16, 8), buffer.into(), 7).expect("frame");
        assert_eq!((frame.width(), frame.height()), (16, 8));
        assert_eq!(frame.format(), PixelFormat::Rgb8);
        assert_eq!(frame.sequence, 7);
        assert_eq!(frame.pixels().len(), 16 * 8 * 3);
        let pixel = |x: usize, y: usize| &frame.pixels()[(y * 16 + x) * 3..][..3];
        assert!(close_to(pixel(1, 4), [220, 20, 20]), "{:?}", pixel(1, 4));
        assert!(close_to(pixel(14, 4), [20, 20, 220]), "{:?}", pixel(14, 4));
    }

    #[test]
    fn a_corrupt_jpeg_is_a_typed_error() {
        let mut damaged = jpeg(16, 8);
        damaged.truncate(damaged.len() / 3);
        for buffer in [damaged, b"not a jpeg at all".to_vec(), Vec::new()] {
            let error = frame_from_buffer(stream(Encoding::Mjpeg, 16, 8), buffer.into(), 0)
                .expect_err("corrupt");
            assert!(matches!(error, FrameError::CorruptJpeg { .. }), "{error:?}");
            assert!(error.to_string().contains("does not decode"), "{error}");
        }
    }

    #[test]
    fn a_jpeg_of_another_size_is_refused() {
        let error = frame_from_buffer(stream(Encoding::Mjpeg, 32, 8), jpeg(16, 8).into(), 0)
            .expect_err("wrong size");
        assert_eq!(
            error,
            FrameError::WrongSize {
                width: 32,
                height: 8,
                actual_width: 16,
                actual_height: 8
            }
        );
    }

    #[test]
    fn a_yuyv_buffer_passes_through_unchanged() {
        let buffer: Vec<u8> = (0..4 * 2 * 2).map(|byte| byte as u8).collect();
        let frame = frame_from_buffer(stream(Encoding::Yuyv, 4, 2), buffer.clone().into(), 3)
            .expect("frame");
        assert_eq!(frame.format(), PixelFormat::Yuyv);
        assert_eq!(frame.pixels(), &buffer[..]);
        assert_eq!(frame.sequence, 3);
    }

    #[test]
    fn a_yuyv_buffer_of_the_wrong_length_is_a_typed_error() {
        for length in [0, 15, 17, 4 * 2 * 3] {
            let error = frame_from_buffer(stream(Encoding::Yuyv, 4, 2), vec![0; length].into(), 0)
                .expect_err("wrong length");
            let FrameError::WrongLength(size) = &error else {
                panic!("{error:?}");
            };
            assert_eq!((size.expected, size.actual), (Some(16), length));
            assert!(
                error.to_string().contains(&format!("got {length}")),
                "{error}"
            );
        }
    }
}
