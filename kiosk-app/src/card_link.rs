//! The seam between the HAL's card readers and the identity crate: identity talks to a
//! card through `CardTransport::transmit` only, and these adapters carry that over a
//! reader, turning the HAL's error kinds into the transport's.

use kiosk_hal::{CardReader, DeviceError, Error as _, ErrorKind};
use kiosk_identity::transport::{CardTransport, TransportError, TransportErrorKind};

use crate::devices::CardReaderHandle;

fn transport_error(kind: ErrorKind, message: String) -> TransportError {
    let kind = match kind {
        ErrorKind::CardRemoved | ErrorKind::NotPresent => TransportErrorKind::CardRemoved,
        ErrorKind::Timeout => TransportErrorKind::Timeout,
        ErrorKind::Disconnected => TransportErrorKind::Disconnected,
        _ => TransportErrorKind::Other,
    };
    TransportError::new(kind, message)
}

/// A reader used directly on the calling thread (tools, tests).
pub struct ReaderTransport<'a, R: CardReader>(pub &'a mut R);

impl<R: CardReader> CardTransport for ReaderTransport<'_, R> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0
            .transmit(command)
            .map_err(|error| transport_error(error.kind(), error.to_string()))
    }
}

/// The kiosk's reader thread, used from a blocking task: the identity crate's protocols are
/// synchronous, so a verification runs on tokio's blocking pool and waits for each APDU.
pub struct ThreadTransport {
    handle: CardReaderHandle,
}

impl ThreadTransport {
    pub fn new(handle: CardReaderHandle) -> Self {
        Self { handle }
    }
}

impl CardTransport for ThreadTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.handle
            .transmit_blocking(command.to_vec())
            .map_err(|error: DeviceError| transport_error(error.kind(), error.message().to_owned()))
    }
}
