//! The PC/SC backend's error, and how each PC/SC status code maps onto the shared kind.

use crate::error::{Error, ErrorKind};

/// What went wrong talking to pcscd, a reader or the card in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PcscError {
    /// A call on the PC/SC context itself (establish, list readers, wait for changes).
    #[error("PC/SC: cannot {operation}: {source}{hint}", hint = service_hint(.source))]
    Service {
        operation: &'static str,
        source: pcsc::Error,
    },
    /// A call about one reader or the card in it (connect, transmit).
    #[error("reader {reader}: cannot {operation}: {source}{hint}", hint = service_hint(.source))]
    Reader {
        reader: String,
        operation: &'static str,
        source: pcsc::Error,
    },
    /// Nobody was told of a card and none lies on a matching reader.
    #[error("no card on {readers}")]
    NoCard { readers: String },
    /// The card a session was using left the reader; the caller learns of it (and of any
    /// new card) from its events.
    #[error("reader {reader}: the card in use left the reader")]
    CardLost { reader: String },
    /// A command that cannot be an APDU (ISO/IEC 7816-4 §5.1: four header bytes at least,
    /// and no longer than an extended-length case 4 command).
    #[error("command of {len} bytes is not an APDU (4 to {max} bytes)")]
    CommandLength { len: usize, max: usize },
    /// The card answered without the two status bytes every response ends with.
    #[error("reader {reader}: card answered {len} bytes, need at least SW1 SW2")]
    ResponseTooShort { reader: String, len: usize },
}

impl PcscError {
    /// The PC/SC status code behind this error, when there is one.
    pub fn pcsc_code(&self) -> Option<pcsc::Error> {
        match self {
            PcscError::Service { source, .. } | PcscError::Reader { source, .. } => Some(*source),
            _ => None,
        }
    }
}

impl Error for PcscError {
    fn kind(&self) -> ErrorKind {
        match self {
            PcscError::Service { source, .. } | PcscError::Reader { source, .. } => {
                kind_of(*source)
            }
            PcscError::NoCard { .. } => ErrorKind::NotPresent,
            PcscError::CardLost { .. } => ErrorKind::CardRemoved,
            PcscError::CommandLength { .. } => ErrorKind::InvalidInput,
            PcscError::ResponseTooShort { .. } => ErrorKind::Other,
        }
    }
}

/// The shared kind of a PC/SC status code (PC/SC part 5 §3.1.1, pcsc-lite's `pcsclite.h`).
pub(crate) fn kind_of(error: pcsc::Error) -> ErrorKind {
    use pcsc::Error as E;
    match error {
        // The card went away or was reset under us: the session with it is over.
        E::RemovedCard | E::ResetCard | E::NoSmartcard => ErrorKind::CardRemoved,
        // A transmit cut short because the card left the field before pcscd noticed: the
        // reader driver reports the exchange as not transacted (seen with vpcd). At a kiosk
        // the cause is almost always a lifted card, and "put it back" is the safe answer.
        E::NotTransacted => ErrorKind::CardRemoved,
        E::ReaderUnavailable | E::UnknownReader | E::NoReadersAvailable => ErrorKind::Disconnected,
        E::Timeout => ErrorKind::Timeout,
        E::SharingViolation => ErrorKind::Busy,
        // pcscd is not running (or stopped while we used it).
        E::NoService | E::ServiceStopped => ErrorKind::NotPresent,
        _ => ErrorKind::Other,
    }
}

/// What a technician should check when the error says the service is missing.
fn service_hint(error: &pcsc::Error) -> &'static str {
    match error {
        pcsc::Error::NoService | pcsc::Error::ServiceStopped => {
            " (is the pcscd service installed and running?)"
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_status_code_maps_to_its_kind() {
        let cases = [
            (pcsc::Error::RemovedCard, ErrorKind::CardRemoved),
            (pcsc::Error::ResetCard, ErrorKind::CardRemoved),
            (pcsc::Error::NotTransacted, ErrorKind::CardRemoved),
            (pcsc::Error::NoSmartcard, ErrorKind::CardRemoved),
            (pcsc::Error::ReaderUnavailable, ErrorKind::Disconnected),
            (pcsc::Error::UnknownReader, ErrorKind::Disconnected),
            (pcsc::Error::NoReadersAvailable, ErrorKind::Disconnected),
            (pcsc::Error::Timeout, ErrorKind::Timeout),
            (pcsc::Error::SharingViolation, ErrorKind::Busy),
            (pcsc::Error::NoService, ErrorKind::NotPresent),
            (pcsc::Error::ServiceStopped, ErrorKind::NotPresent),
            (pcsc::Error::CommError, ErrorKind::Other),
        ];
        for (code, kind) in cases {
            let error = PcscError::Reader {
                reader: "r".into(),
                operation: "transmit",
                source: code,
            };
            assert_eq!(error.kind(), kind, "{code:?}");
            assert_eq!(error.pcsc_code(), Some(code));
        }
    }

    #[test]
    fn a_missing_service_says_what_to_check() {
        let error = PcscError::Service {
            operation: "establish a context",
            source: pcsc::Error::NoService,
        };
        assert_eq!(error.kind(), ErrorKind::NotPresent);
        let text = error.to_string();
        assert!(text.contains("establish a context"), "{text}");
        assert!(text.contains("pcscd"), "{text}");
    }

    #[test]
    fn errors_without_a_status_code_have_their_own_kinds() {
        let no_card = PcscError::NoCard {
            readers: "readers matching \"X\"".into(),
        };
        assert_eq!(no_card.kind(), ErrorKind::NotPresent);
        assert_eq!(no_card.pcsc_code(), None);
        let lost = PcscError::CardLost { reader: "X".into() };
        assert_eq!(lost.kind(), ErrorKind::CardRemoved);
        let short = PcscError::CommandLength { len: 3, max: 10 };
        assert_eq!(short.kind(), ErrorKind::InvalidInput);
    }
}
