//! # kiosk-receipt — receipts as the thermal printer prints them
//!
//! Thermal printers' character code pages do not cover Vietnamese reliably, so the kiosk
//! draws every receipt itself and sends it as 1-bit pictures. This crate knows paper and
//! dots, not citizens: the application turns its dossier or its queue ticket into a
//! [`Receipt`], and gets back the bytes for the printer.
//!
//! ```text
//! Receipt ──render(paper)──▶ Printout ──to_escpos()──▶ ESC/POS bytes ──decode()──▶ [Page]
//!  (model)      (layout)      (pictures)                  (to the printer)          (PNG)
//! ```
//!
//! - [`Receipt`]: a title, paragraphs, key–value rows, separators, a QR code, space,
//!   cuts, and the demo flag that puts a DEMO banner on every piece of paper.
//! - [`render`] lays it out for a [`PaperWidth`] (58 mm: 384 dots, 80 mm: 576, 8 a
//!   millimetre) with the embedded Noto Sans, NFC-normalised, wrapped at spaces,
//!   thresholded to black and white; the QR code is sized for a phone at 20 cm.
//! - [`Printout::to_escpos`] sends the pictures as `GS v 0` bands with feeds and cuts.
//! - [`decode()`] reads that subset of ESC/POS back into [`Page`]s, the same dots
//!   [`Printout::pages`] gives. The tests compare them with golden PNGs in
//!   `tests/golden/`; the demo shows them instead of paper.
//!
//! Where things are: `model` (the receipt), `layout` (blocks to dots) with `text`
//! (normalising, wrapping), `font` (Noto Sans through ab_glyph, the ink threshold) and `qr`
//! (module size, quiet zone); `printout` (bands, feeds, cut: the bytes); `decode` (the
//! bytes back); `page` and `raster` (the picture both sides share); `paper` (the rolls).
//!
//! ```
//! use kiosk_receipt::{PaperWidth, Receipt, Text, decode, encode};
//!
//! let ticket = Receipt::new()
//!     .title("PHIẾU KHÁM BỆNH")
//!     .text(Text::new("A-042").centred().large().bold())
//!     .demo(true);
//! let bytes = encode(&ticket, PaperWidth::Mm58)?;
//! let pages = decode(&bytes)?;
//! assert_eq!(pages[0].width(), 384);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod decode;
mod font;
mod layout;
mod model;
mod page;
mod paper;
mod printout;
mod qr;
mod raster;
mod text;

pub use decode::{DecodeError, MAX_STREAM_DOTS, Problem, decode, decode_for_paper};
pub use layout::{LayoutError, encode, render};
pub use model::{Align, Receipt, Text};
pub use page::{MAX_PAGE_DOTS, Page, PngError};
pub use paper::{DOTS_PER_MM, PaperWidth};
pub use printout::Printout;
