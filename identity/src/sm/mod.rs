//! Secure messaging and BAC.
//!
//! Once the terminal and the chip share session keys, every APDU travels protected by
//! secure messaging (ICAO 9303-11 §9.8): the command's data encrypted in DO'87', its Le in
//! DO'97', and a MAC in DO'8E' over a send sequence counter, the header and those objects;
//! the response likewise with its status in DO'99'.
//!
//! How the pieces fit:
//!
//! - [`kdf`] derives keys (ICAO 9303-11 §9.7.1) and the BAC key seed from the MRZ.
//! - [`cipher`] holds the session keys and the block ciphers and MACs of both suites:
//!   3DES with retail MAC (BAC), AES with CMAC (PACE, Chip Authentication).
//! - [`bac`] runs Basic Access Control (§4.3): a [`bac::BacSession`] is consumed into a
//!   [`SecureMessaging`] when the chip's answer checks out. PACE, later, ends the same way.
//! - [`messaging`] is the terminal side: [`SecureMessaging`] protects commands and checks
//!   responses; [`SmTransport`] does it transparently under the reading code.
//! - [`chip`] is the chip side, [`ChipSecureMessaging`], for the card emulator.
//! - [`random`] is where nonces come from; known-answer tests replay fixed ones.

pub mod bac;
pub mod chip;
pub mod cipher;
pub mod kdf;
pub mod messaging;
pub mod random;
mod wire;

pub use chip::ChipSecureMessaging;
pub use cipher::{Cipher, SendSequenceCounter, SessionKeys};
pub use messaging::{SecureMessaging, SmSendError, SmTransport};
pub use random::{OsRandom, RandomError, RandomSource, ReplayRandom};
pub use wire::parse_command_apdu;

use crate::apdu::{EncodeError, StatusWord};

/// Why a protected APDU could not be built or was refused. After any of these on a
/// received message, the session is over: the send sequence counters no longer agree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmError {
    /// The MAC in DO'8E' does not verify: a hostile chip (or terminal), a corrupted link,
    /// or counters out of step.
    #[error("the secure-messaging MAC does not verify (hostile or desynchronised peer)")]
    BadMac,
    #[error("the protected message has no MAC (DO'8E')")]
    MissingMac,
    #[error("the protected response has no status (DO'99')")]
    MissingStatus,
    #[error("a data object follows the MAC (DO'8E')")]
    DataAfterMac,
    #[error("unexpected secure-messaging data object with tag {0:02X}")]
    UnexpectedObject(u8),
    #[error("data object {0:02X} appears twice")]
    DuplicateObject(u8),
    #[error("a data object's length runs beyond the message")]
    Truncated,
    #[error("unsupported BER length byte {0:02X}")]
    BadLength(u8),
    #[error("a data object has the wrong length for tag {0:02X}")]
    ObjectLength(u8),
    #[error("the decrypted data is not padded with ISO/IEC 9797-1 method 2")]
    BadPadding,
    #[error("unknown padding-content indicator {0:02X} in DO'87'")]
    PaddingIndicator(u8),
    #[error("a cryptogram of {0} bytes is not whole cipher blocks")]
    CryptogramLength(usize),
    #[error("the command APDU is malformed")]
    MalformedCommand,
    #[error("the command is not protected (CLA {0:02X} lacks secure-messaging bits 0C)")]
    NotProtected(u8),
    #[error("a status word {0} came back without secure messaging")]
    UnprotectedSuccess(StatusWord),
    #[error("messages out of order: each protected command needs exactly one response")]
    OutOfSequence,
    #[error("the secure-messaging session ended after an earlier error")]
    SessionClosed,
    #[error("a {cipher:?} key must not have {len} bytes")]
    KeyLength { cipher: Cipher, len: usize },
    #[error("a send sequence counter of {0} bytes does not fit the cipher")]
    SscLength(usize),
    #[error(transparent)]
    Encode(#[from] EncodeError),
    #[error("a cipher refused keys of the length it was built for")]
    Internal,
}

#[cfg(test)]
mod tests;
