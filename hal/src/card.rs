//! The chip card reader: card presence events, the card's ATR and APDU exchange.
//!
//! PC/SC blocks in `SCardGetStatusChange` and `SCardTransmit`, so the trait is blocking and
//! the application runs each reader on a thread of its own.

use std::fmt;
use std::time::Duration;

use crate::error::Error;
use crate::self_test::SelfTestReport;

/// Answer To Reset: the bytes a card sends when powered (ISO/IEC 7816-3 §8).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Atr(Vec<u8>);

impl Atr {
    /// The longest ATR ISO/IEC 7816-3 allows: TS plus 32 bytes.
    pub const MAX_LEN: usize = 33;

    /// Wraps the bytes of an ATR; `None` when it is empty or longer than the standard allows.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Option<Self> {
        let bytes = bytes.into();
        (!bytes.is_empty() && bytes.len() <= Self::MAX_LEN).then_some(Self(bytes))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Atr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Atr(")?;
        for byte in &self.0 {
            write!(f, "{byte:02X}")?;
        }
        write!(f, ")")
    }
}

/// A change in what the reader sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardEvent {
    /// A reader appeared (plugged in, or present at start).
    ReaderAttached { reader: String },
    /// A reader went away; any card in it is gone too.
    ReaderDetached { reader: String },
    /// A card was placed on the reader and answered to reset.
    CardInserted { reader: String, atr: Atr },
    /// The card left the reader.
    CardRemoved { reader: String },
}

/// A chip card reader (PC/SC on a real kiosk).
pub trait CardReader: Send {
    type Error: Error;

    /// Waits up to `timeout` for the next change and returns it; `Ok(None)` when nothing
    /// changed in that time. The first calls report the readers and cards already present.
    fn wait_event(&mut self, timeout: Duration) -> Result<Option<CardEvent>, Self::Error>;

    /// The ATR of the card now on the reader, if any.
    fn atr(&self) -> Option<Atr>;

    /// Sends one command APDU to the card and returns its response APDU (data and SW1 SW2).
    ///
    /// Fails with [`ErrorKind::CardRemoved`](crate::ErrorKind::CardRemoved) when the card
    /// left the reader, before or during the exchange.
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, Self::Error>;

    /// Checks the reader and reports what diagnostics should show.
    fn self_test(&mut self) -> SelfTestReport;
}

/// A card that exists only in software: anything that answers APDUs.
///
/// The simulated reader holds one of these; the identity crate's emulated CCCD chip is one.
pub trait VirtualCard: Send {
    /// What the card answers to reset.
    fn atr(&self) -> Atr;

    /// Answers one command APDU with a response APDU (data followed by SW1 SW2).
    fn process_apdu(&mut self, command: &[u8]) -> Vec<u8>;

    /// Called when the card is powered again (placed on a reader); a real chip loses its
    /// session state, so secure messaging keys and the selected file are forgotten here.
    fn reset(&mut self) {}
}
