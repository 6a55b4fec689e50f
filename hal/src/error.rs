use std::fmt;

/// What went wrong with a device, in terms every backend shares.
///
/// Code above the HAL matches on this, never on a driver's own error, so a real PC/SC
/// reader and the simulated one lead to the same screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The device (or, for a reader, the card) is not there.
    NotPresent,
    /// The device was there and went away (unplugged, cable, driver restart).
    Disconnected,
    /// The device did not answer in time.
    Timeout,
    /// The card left the reader while it was being used.
    CardRemoved,
    /// The printer has no paper.
    PaperOut,
    /// The printer's cover is open.
    CoverOpen,
    /// Another user holds the device.
    Busy,
    /// The request itself was malformed (for example an APDU too short to be one).
    InvalidInput,
    /// Anything else; the error's message says more.
    Other,
}

impl ErrorKind {
    /// A stable code that technicians can look up in the manual.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::NotPresent => "HAL-NOT-PRESENT",
            ErrorKind::Disconnected => "HAL-DISCONNECTED",
            ErrorKind::Timeout => "HAL-TIMEOUT",
            ErrorKind::CardRemoved => "HAL-CARD-REMOVED",
            ErrorKind::PaperOut => "HAL-PAPER-OUT",
            ErrorKind::CoverOpen => "HAL-COVER-OPEN",
            ErrorKind::Busy => "HAL-BUSY",
            ErrorKind::InvalidInput => "HAL-INVALID-INPUT",
            ErrorKind::Other => "HAL-OTHER",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            ErrorKind::NotPresent => "not present",
            ErrorKind::Disconnected => "disconnected",
            ErrorKind::Timeout => "timed out",
            ErrorKind::CardRemoved => "card removed",
            ErrorKind::PaperOut => "paper out",
            ErrorKind::CoverOpen => "cover open",
            ErrorKind::Busy => "busy",
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::Other => "other error",
        };
        f.write_str(text)
    }
}

/// Every backend's error type implements this, so callers can ask for the shared kind.
pub trait Error: std::error::Error + Send + Sync + 'static {
    fn kind(&self) -> ErrorKind;
}

/// A backend's error with its type erased: the kind plus the driver's message.
///
/// Device worker threads hand this to the application so that one channel type serves
/// every backend.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct DeviceError {
    kind: ErrorKind,
    message: String,
}

impl DeviceError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// Erases a backend's error type, keeping its kind and message.
    pub fn from_backend<E: Error>(error: &E) -> Self {
        Self::new(error.kind(), error.to_string())
    }

    /// The shared kind, without importing the [`Error`] trait.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl Error for DeviceError {
    fn kind(&self) -> ErrorKind {
        self.kind
    }
}
