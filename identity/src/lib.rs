//! # kiosk-identity — the Vietnamese chip ID card and the citizen's data
//!
//! Everything the kiosk knows about the CCCD card lives here, apart from any device: the
//! crate talks to a card only through bytes (command APDUs out, response APDUs in), so it
//! runs the same against a PC/SC reader, the simulated reader or a recorded session.
//!
//! - [`apdu`]: ISO/IEC 7816-4 command and response APDUs, short and extended length.
//! - [`emrtd`]: the ICAO 9303 eMRTD application on the chip (its AID and how to select it).
//! - [`pii`]: the rules for handling a citizen's personal data in memory and in logs.
#![forbid(unsafe_code)]

pub mod access_key;
pub mod apdu;
pub mod clone_detection;
pub mod date;
pub mod emrtd;
pub mod emulator;
pub mod hash;
pub mod lds;
pub mod mrz;
pub mod pace;
pub mod passive;
pub mod pii;
pub mod portrait;
pub mod qr;
pub mod reader;
pub mod sample_cards;
pub mod security_info;
pub mod sm;
pub mod tlv;
pub mod transport;
pub mod verify;
