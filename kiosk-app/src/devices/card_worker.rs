//! The card reader's thread: it waits for card events and carries out APDU exchanges, so
//! that a PC/SC call blocking for seconds never stalls the screen or the network.

use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TryRecvError};
use kiosk_hal::{CardEvent, CardReader, DeviceError, SelfTestReport};
use tokio::sync::{mpsc, oneshot};

/// What the reader thread reports on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderEvent {
    Card(CardEvent),
    /// Waiting for events failed; the thread keeps trying.
    Failed(DeviceError),
}

enum Request {
    Transmit {
        command: Vec<u8>,
        reply: oneshot::Sender<Result<Vec<u8>, DeviceError>>,
    },
    SelfTest {
        reply: oneshot::Sender<SelfTestReport>,
    },
}

/// Sends requests to the reader thread. Cloning it is cheap; the thread ends when every
/// handle is gone.
#[derive(Clone)]
pub struct CardReaderHandle {
    requests: Sender<Request>,
}

/// How long the thread waits for a card event before it looks at queued requests again;
/// this bounds the extra delay an APDU waits while no card event comes.
const EVENT_POLL: Duration = Duration::from_millis(40);
/// After a failure to wait for events, pause before retrying so a broken reader does not
/// spin the CPU or flood the log.
const FAILURE_PAUSE: Duration = Duration::from_millis(500);

/// Starts `reader` on its own thread. Events arrive on the returned receiver.
pub fn spawn_card_reader<R: CardReader + 'static>(
    reader: R,
) -> std::io::Result<(CardReaderHandle, mpsc::UnboundedReceiver<ReaderEvent>)> {
    let (requests, incoming) = crossbeam_channel::unbounded();
    let (events, event_receiver) = mpsc::unbounded_channel();
    std::thread::Builder::new()
        .name("card-reader".into())
        .spawn(move || serve(reader, incoming, events))?;
    Ok((CardReaderHandle { requests }, event_receiver))
}

fn serve<R: CardReader>(
    mut reader: R,
    requests: Receiver<Request>,
    events: mpsc::UnboundedSender<ReaderEvent>,
) {
    let mut last_failure: Option<DeviceError> = None;
    loop {
        loop {
            match requests.try_recv() {
                Ok(Request::Transmit { command, reply }) => {
                    let response = reader
                        .transmit(&command)
                        .map_err(|error| DeviceError::from_backend(&error));
                    // The asker may have given up (session ended); nothing to do then.
                    let _ = reply.send(response);
                }
                Ok(Request::SelfTest { reply }) => {
                    let _ = reply.send(reader.self_test());
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return,
            }
        }
        match reader.wait_event(EVENT_POLL) {
            Ok(Some(event)) => {
                last_failure = None;
                if events.send(ReaderEvent::Card(event)).is_err() {
                    return;
                }
            }
            Ok(None) => last_failure = None,
            Err(error) => {
                let error = DeviceError::from_backend(&error);
                // Report a lasting failure once, not every half second.
                if last_failure.as_ref() != Some(&error) {
                    tracing::warn!(kind = %error.kind(), %error, "card reader failed");
                    if events.send(ReaderEvent::Failed(error.clone())).is_err() {
                        return;
                    }
                    last_failure = Some(error);
                }
                std::thread::sleep(FAILURE_PAUSE);
            }
        }
    }
}

impl CardReaderHandle {
    /// Sends one command APDU and waits for the response.
    pub async fn transmit(&self, command: Vec<u8>) -> Result<Vec<u8>, DeviceError> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(Request::Transmit { command, reply })
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// Sends one command APDU and waits for the response on the calling thread. Must not
    /// be called from an async task: it blocks.
    pub fn transmit_blocking(&self, command: Vec<u8>) -> Result<Vec<u8>, DeviceError> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(Request::Transmit { command, reply })
            .map_err(|_| gone())?;
        answer.blocking_recv().map_err(|_| gone())?
    }

    /// Runs the reader's self-test; `None` if the thread did not answer within `timeout`.
    pub async fn self_test(&self, timeout: Duration) -> Option<SelfTestReport> {
        let (reply, answer) = oneshot::channel();
        self.requests.send(Request::SelfTest { reply }).ok()?;
        tokio::time::timeout(timeout, answer).await.ok()?.ok()
    }
}

fn gone() -> DeviceError {
    DeviceError::new(
        kiosk_hal::ErrorKind::Disconnected,
        "the card reader thread has stopped",
    )
}
