//! The one seam through which this crate talks to a card.
//!
//! `kiosk-identity` knows no device: the application adapts its card reader (PC/SC, the
//! simulated reader, a recorded session) into a [`CardTransport`] and maps the reader's
//! errors onto [`TransportErrorKind`], the few kinds the reading code and the UI tell apart.
//! Secure messaging stacks on the same trait ([`crate::sm::SmTransport`]), so the code
//! that reads files does not care whether the channel is protected.

use std::fmt;

use crate::apdu::{CommandApdu, EncodeError, ParseError, ResponseApdu};

/// Sends command APDUs to a card and returns its raw answers (data and SW1 SW2).
pub trait CardTransport {
    /// Sends one encoded command APDU and returns the card's whole response, status word
    /// included. Blocking; the implementation bounds the wait and reports
    /// [`TransportErrorKind::Timeout`] rather than hanging.
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;
}

impl<T: CardTransport + ?Sized> CardTransport for &mut T {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
}

impl<T: CardTransport + ?Sized> CardTransport for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
}

/// What went wrong below the APDU layer, as far as the reading code needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The card left the reader's field: "keep the card still".
    CardRemoved,
    /// The card or the reader did not answer in time.
    Timeout,
    /// The reader itself went away (unplugged, service stopped).
    Disconnected,
    /// The secure-messaging layer stacked on a transport refused the card's answer (a bad
    /// MAC, a malformed protected response): the session with the chip is over.
    SecureMessaging,
    /// Anything else the backend reports.
    Other,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::CardRemoved => "card removed",
            Self::Timeout => "timeout",
            Self::Disconnected => "reader disconnected",
            Self::SecureMessaging => "secure messaging failed",
            Self::Other => "transport error",
        })
    }
}

/// A transport failure: its kind, and a message for logs and technicians. The message must
/// not carry card data (it is logged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct TransportError {
    pub kind: TransportErrorKind,
    pub message: String,
}

impl TransportError {
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }
}

/// Why [`send`] got no response APDU.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("the command cannot be encoded: {0}")]
    Encode(#[from] EncodeError),
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("the card's answer is not a response APDU: {0}")]
    Parse(#[from] ParseError),
}

impl SendError {
    /// The transport failure kind, if the transport failed: lets a caller tell a card pulled
    /// out from a card that answers nonsense.
    pub fn transport_kind(&self) -> Option<TransportErrorKind> {
        match self {
            Self::Transport(error) => Some(error.kind),
            Self::Encode(_) | Self::Parse(_) => None,
        }
    }
}

/// Encodes `command`, sends it and parses the answer.
pub fn send(
    transport: &mut dyn CardTransport,
    command: &CommandApdu,
) -> Result<ResponseApdu, SendError> {
    let bytes = command.encode()?;
    let answer = transport.transmit(&bytes)?;
    Ok(ResponseApdu::parse(&answer)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apdu::StatusWord;

    struct Scripted {
        expect: Vec<u8>,
        answer: Result<Vec<u8>, TransportError>,
    }

    impl CardTransport for Scripted {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            assert_eq!(command, self.expect.as_slice());
            self.answer.clone()
        }
    }

    #[test]
    fn send_encodes_transmits_and_parses() {
        let mut card = Scripted {
            expect: vec![0x00, 0x84, 0x00, 0x00, 0x08],
            answer: Ok(vec![1, 2, 3, 4, 5, 6, 7, 8, 0x90, 0x00]),
        };
        let command = CommandApdu::new(0x00, 0x84, 0x00, 0x00).with_le(8);
        let response = send(&mut card, &command).unwrap();
        assert_eq!(response.data, [1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(response.status, StatusWord::SUCCESS);
    }

    #[test]
    fn send_keeps_the_transport_kind_and_rejects_short_answers() {
        let command = CommandApdu::new(0x00, 0x84, 0x00, 0x00).with_le(8);
        let mut removed = Scripted {
            expect: command.encode().unwrap(),
            answer: Err(TransportError::new(TransportErrorKind::CardRemoved, "gone")),
        };
        let error = send(&mut removed, &command).unwrap_err();
        assert_eq!(
            error.transport_kind(),
            Some(TransportErrorKind::CardRemoved)
        );
        let mut mute = Scripted {
            expect: command.encode().unwrap(),
            answer: Ok(vec![0x90]),
        };
        assert_eq!(
            send(&mut mute, &command),
            Err(SendError::Parse(ParseError::TooShort(1)))
        );
    }
}
