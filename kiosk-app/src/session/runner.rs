//! The session's async driver: it feeds the state machine and carries out its actions on
//! the devices, the screen and tokio's blocking pool.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use kiosk_hal::{DeviceError, ErrorKind};
use kiosk_identity::apdu::ResponseApdu;
use kiosk_identity::emrtd::{self, ApplicationProbe};
use kiosk_identity::passive::TrustStore;
use kiosk_identity::reader::ReadOptions;
use kiosk_identity::sm::OsRandom;
use kiosk_identity::verify::Verifier;
use kiosk_ui::{KioskView, Language};
use tokio::sync::mpsc;

use super::{Action, Session, SessionInput};
use crate::card_link::ThreadTransport;
use crate::devices::{CardReaderHandle, ReaderEvent};
use crate::printing::Printing;

/// Asks the card whether it holds the eMRTD application.
pub async fn probe_card(reader: &CardReaderHandle) -> Result<ApplicationProbe, DeviceError> {
    let command = emrtd::select_application()
        .encode()
        .map_err(|error| DeviceError::new(ErrorKind::InvalidInput, error.to_string()))?;
    let response = reader.transmit(command).await?;
    let response = ResponseApdu::parse(&response)
        .map_err(|error| DeviceError::new(ErrorKind::Other, error.to_string()))?;
    Ok(emrtd::probe_from_response(&response))
}

/// Where the session's decisions go: the screen (or, in tests, a recorder).
pub trait ViewSink: Send + Sync + 'static {
    fn show(&self, view: KioskView);
    fn set_language(&self, language: Language);
    /// Puts "are you still there?" over the screen, counting down `grace`; `None` takes it
    /// away.
    fn ask_still_there(&self, grace: Option<Duration>);
}

/// What cards are checked against.
#[derive(Clone)]
pub struct CardChecking {
    pub trust_store: Arc<TrustStore>,
    pub options: ReadOptions,
}

/// What the session works with besides its inputs.
pub struct SessionSetup {
    pub reader: CardReaderHandle,
    pub checking: CardChecking,
    /// Untouched for this long, a visit is wiped.
    pub idle_timeout: Duration,
    pub printing: Printing,
}

/// Runs the session until every input sender is gone.
///
/// `inputs` carries screen commands and QR codes; `reader_events` comes from the card
/// reader's thread; `observer` sees every reader event too (the demo panel shows them).
pub async fn run(
    mut session: Session,
    mut inputs: mpsc::UnboundedReceiver<SessionInput>,
    mut reader_events: mpsc::UnboundedReceiver<ReaderEvent>,
    setup: SessionSetup,
    sink: impl ViewSink,
    observer: impl Fn(&ReaderEvent) + Send + 'static,
) {
    let SessionSetup {
        reader,
        checking,
        idle_timeout,
        printing,
    } = setup;
    let (results, mut result_inputs) = mpsc::unbounded_channel();
    let perform = |actions: Vec<Action>, sink: &dyn ViewSink| {
        for action in actions {
            match action {
                Action::Show(view) => sink.show(view),
                Action::SetLanguage(language) => sink.set_language(language),
                Action::AskStillThere { grace } => sink.ask_still_there(Some(grace)),
                Action::StopAsking => sink.ask_still_there(None),
                Action::ProbeCard { attempt } => {
                    let reader = reader.clone();
                    let results = results.clone();
                    tokio::spawn(async move {
                        let result = probe_card(&reader).await;
                        let _ = results.send(SessionInput::ProbeFinished { attempt, result });
                    });
                }
                Action::VerifyCard { attempt, keys, qr } => {
                    let reader = reader.clone();
                    let results = results.clone();
                    let checking = checking.clone();
                    // The identity crate's protocols are synchronous; they wait for each
                    // APDU on a blocking thread while the reader thread talks to the card.
                    tokio::task::spawn_blocking(move || {
                        let verifier = Verifier {
                            trust_store: &checking.trust_store,
                            options: checking.options,
                            now: SystemTime::now(),
                        };
                        let mut transport = ThreadTransport::new(reader);
                        let progress_results = results.clone();
                        let result = verifier
                            .read_and_verify(&mut transport, &keys, Some(&qr), &mut OsRandom, |p| {
                                let _ = progress_results.send(SessionInput::ReadProgress {
                                    attempt,
                                    done: p.done,
                                    total: p.total,
                                });
                            })
                            .map(Box::new);
                        let _ =
                            results.send(SessionInput::VerificationFinished { attempt, result });
                    });
                }
                Action::PrintReceipt { attempt, request } => {
                    let printing = printing.clone();
                    let results = results.clone();
                    tokio::spawn(async move {
                        let result = printing.print(request).await;
                        let _ = results.send(SessionInput::PrintFinished { attempt, result });
                    });
                }
            }
        }
    };
    perform(session.opening_actions(), &sink);
    let mut reader_open = true;
    loop {
        let idle = tokio::time::sleep(if session.is_asking() {
            super::STILL_THERE_GRACE
        } else {
            idle_timeout
        });
        let input = tokio::select! {
            input = inputs.recv() => match input {
                Some(input) => input,
                None => break,
            },
            event = reader_events.recv(), if reader_open => match event {
                Some(event) => {
                    observer(&event);
                    SessionInput::Reader(event)
                }
                None => {
                    reader_open = false;
                    SessionInput::Reader(ReaderEvent::Failed(DeviceError::new(
                        ErrorKind::Disconnected,
                        "the card reader thread has stopped",
                    )))
                }
            },
            Some(input) = result_inputs.recv() => input,
            () = idle, if session.is_idle_sensitive() => SessionInput::IdleTimeout,
        };
        perform(session.handle(input), &sink);
    }
}
