//! Why a chip could not be read, in words the kiosk can act on.

use crate::apdu::StatusWord;
use crate::lds::{EfComError, LdsFile};
use crate::pace::PaceError;
use crate::sm::SmError;
use crate::sm::bac::BacError;
use crate::tlv::TlvError;
use crate::transport::{SendError, TransportError, TransportErrorKind};

/// A failed chip read. Every variant maps onto one [`ReadFailure`] the screen explains.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    #[error("talking to the card failed: {0}")]
    Transport(#[from] TransportError),
    #[error("the command could not be sent: {0}")]
    Send(SendError),
    #[error("the card has no ICAO eMRTD application ({0})")]
    NotAnEmrtd(StatusWord),
    #[error("no access key to try: the kiosk needs the card's ID number, CAN or MRZ")]
    NoAccessKey,
    #[error("the chip refused all {attempts} access keys tried")]
    AccessDenied { attempts: usize },
    #[error("PACE failed: {0}")]
    Pace(PaceError),
    #[error("basic access control failed: {0}")]
    Bac(BacError),
    #[error("secure messaging failed: {0}")]
    SecureMessaging(SmError),
    #[error("{file:?} is not on the chip")]
    FileNotFound { file: LdsFile },
    #[error("the chip refused to give {file:?} ({status})")]
    FileRefused { file: LdsFile, status: StatusWord },
    #[error("{file:?} claims {len} bytes, more than the {limit} a card file may have")]
    FileTooLarge {
        file: LdsFile,
        len: usize,
        limit: usize,
    },
    #[error("{file:?} is not well-formed BER: {error}")]
    Malformed { file: LdsFile, error: TlvError },
    #[error("EF.COM is not well-formed: {0}")]
    EfCom(EfComError),
    #[error("reading {file:?} stopped at byte {offset}: the chip answered no data ({status})")]
    NoProgress {
        file: LdsFile,
        offset: usize,
        status: StatusWord,
    },
}

/// What the person at the kiosk is told, and what they can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReadFailure {
    /// The card moved or left the reader: "keep the card still" and try again.
    CardMoved,
    /// The card is not a chip ID card.
    NotAnIdCard,
    /// The chip would not open with the keys the kiosk has: ask for the ID number again,
    /// or scan the QR code.
    WrongAccessKey,
    /// The chip answered in a way a genuine CCCD does not: "this card could not be
    /// verified".
    CannotVerify,
    /// The reader itself failed: ask staff.
    ReaderProblem,
}

impl ReadError {
    pub fn failure(&self) -> ReadFailure {
        match self {
            ReadError::Transport(error) => transport_failure(error.kind()),
            ReadError::Send(error) => match error.transport_kind() {
                Some(kind) => transport_failure(kind),
                None => ReadFailure::CannotVerify,
            },
            ReadError::NotAnEmrtd(_) => ReadFailure::NotAnIdCard,
            ReadError::NoAccessKey | ReadError::AccessDenied { .. } => ReadFailure::WrongAccessKey,
            ReadError::Bac(BacError::Send(error)) => match error.transport_kind() {
                Some(kind) => transport_failure(kind),
                None => ReadFailure::CannotVerify,
            },
            // Secure messaging breaks when the card is lifted halfway through an exchange
            // as much as when a chip is hostile; the first is far more common at a kiosk.
            ReadError::SecureMessaging(_) => ReadFailure::CardMoved,
            ReadError::Pace(PaceError::SecureMessaging(_)) => ReadFailure::CardMoved,
            ReadError::Bac(_)
            | ReadError::Pace(_)
            | ReadError::FileNotFound { .. }
            | ReadError::FileRefused { .. }
            | ReadError::FileTooLarge { .. }
            | ReadError::Malformed { .. }
            | ReadError::EfCom(_)
            | ReadError::NoProgress { .. } => ReadFailure::CannotVerify,
        }
    }
}

fn transport_failure(kind: TransportErrorKind) -> ReadFailure {
    match kind {
        TransportErrorKind::CardRemoved | TransportErrorKind::Timeout => ReadFailure::CardMoved,
        TransportErrorKind::SecureMessaging => ReadFailure::CardMoved,
        TransportErrorKind::Disconnected => ReadFailure::ReaderProblem,
        _ => ReadFailure::CannotVerify,
    }
}

impl From<SendError> for ReadError {
    fn from(error: SendError) -> Self {
        match error {
            SendError::Transport(transport) => ReadError::Transport(transport),
            other => ReadError::Send(other),
        }
    }
}
