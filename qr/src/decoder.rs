//! The one trait every QR decoder implements, and the two decoders the kiosk uses.

mod rqrr_decoder;
mod rxing_decoder;

pub use rqrr_decoder::RqrrDecoder;
pub use rxing_decoder::RxingDecoder;

use crate::image::LumaImage;

/// A point in the picture, in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

/// A code read from a picture.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedQr {
    /// The code's content as text.
    pub text: String,
    /// The corners (or finder-pattern centres) the decoder located, in the coordinates of
    /// the picture it was given; the scanner uses them to look at the same place next frame.
    pub corners: Vec<Point>,
    /// Which decoder read it, for statistics and logs.
    pub decoder: &'static str,
}

/// Why a decoder found a code but could not read it. "No code in the picture" is not an
/// error: it is an empty list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Something code-like was found but error correction or the format information failed
    /// (a blurred, damaged or partly hidden code).
    #[error("{decoder} found a QR code but could not read it: {reason}")]
    Unreadable {
        decoder: &'static str,
        reason: String,
    },
    /// The code's bytes are not UTF-8 text, which no code the kiosk reads ever is.
    #[error("{decoder} read a QR code whose content is not UTF-8 text")]
    NotText { decoder: &'static str },
    /// The decoder panicked on this picture; the panic was caught and counted.
    #[error("{decoder} failed inside (a bug in the decoder) and was stopped")]
    Panicked { decoder: &'static str },
}

/// Reads QR codes from a grey picture.
///
/// Implementations must not keep state between calls: the stack calls them from whatever
/// thread scans, and a call that panicked must leave nothing half-changed behind.
pub trait QrDecoder: Send + Sync {
    /// A short name for statistics and logs.
    fn name(&self) -> &'static str;

    /// Every code found in `image`; an empty list when there is none.
    fn decode(&self, image: &LumaImage<'_>) -> Result<Vec<DecodedQr>, DecodeError>;
}
