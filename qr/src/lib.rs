//! QR codes from the camera: the ID card's code (which gives the chip's access key) and the
//! code on the kiosk's own receipts (which tracks a dossier).
//!
//! - [`image`]: a borrowed grey-scale picture, checked once, that every decoder reads.
//! - [`decoder`]: the one trait every decoder implements, and the two we use, `rxing`
//!   (ZXing's reader) and `rqrr` (quirc's).
//! - [`stack`]: the decoders in order, with the preprocessing that pays, each call behind
//!   `catch_unwind` so a decoder's panic is counted, not fatal.
//! - [`payload`]: what a decoded text is: a CCCD card code, a kiosk receipt code, or unknown.
//! - [`scanner`]: frames in, the first stable payload out.
//! - [`synthetic`]: card-like photos of generated codes for tests, benchmarks and the demo.

pub mod decoder;
pub mod image;
pub mod payload;
pub mod preprocess;
pub mod scanner;
pub mod stack;
pub mod synthetic;

pub use decoder::{DecodeError, DecodedQr, QrDecoder};
pub use image::{ImageError, LumaImage, decode_picture};
pub use payload::{Payload, ReceiptQr, ReceiptRef};
pub use scanner::{Rearmer, ScanEvent, Scanner, ScannerHandle, spawn_scanner};
pub use stack::{DecoderStack, StackStats};
