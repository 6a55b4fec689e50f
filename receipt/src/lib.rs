//! # kiosk-receipt — receipts as the thermal printer prints them
//!
//! (Being written: the receipt model, its rasterisation with the embedded Noto Sans, the
//! ESC/POS encoding, and the decoder that turns the bytes back into a picture.)
#![forbid(unsafe_code)]
