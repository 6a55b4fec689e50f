//! One visit at the kiosk, as an explicit state machine: what screen the person sees, what
//! a card on the reader means at that moment, and when everything is forgotten.
//!
//! The machine is pure: [`Session::handle`] takes one input and returns what to do (show a
//! view, probe the card), so every transition is tested without threads or devices. The
//! async loop in [`run`] feeds it events from the reader, the screen and the idle timer.

use std::time::Duration;

use kiosk_hal::{CardEvent, DeviceError, ErrorKind};
use kiosk_identity::apdu::ResponseApdu;
use kiosk_identity::emrtd::{self, ApplicationProbe};
use kiosk_ui::{KioskView, Language};
use tokio::sync::mpsc;

use crate::devices::{CardReaderHandle, ReaderEvent};

/// What the person asked for on the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiCommand {
    ChooseLanguage(Language),
    Start,
    Back,
    StartOver,
    TryAgain,
}

/// Everything the session reacts to.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionInput {
    Ui(UiCommand),
    Reader(ReaderEvent),
    /// The probe numbered `attempt` finished.
    ProbeFinished {
        attempt: u64,
        result: Result<ApplicationProbe, DeviceError>,
    },
    /// Nobody touched the kiosk for the configured idle time.
    IdleTimeout,
}

/// Where the visit is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    Welcome,
    AwaitingCard,
    /// The card is being read; `attempt` tells a late answer about an earlier card apart.
    ReadingCard {
        attempt: u64,
    },
    CardReady,
    NotAnIdCard,
    CardRemovedEarly,
    ReaderProblem {
        error_code: String,
    },
}

/// What the session wants done after an input.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Show(KioskView),
    SetLanguage(Language),
    /// Ask the card on the reader whether it holds the eMRTD application.
    ProbeCard {
        attempt: u64,
    },
}

/// The state machine of one kiosk's visits.
#[derive(Debug)]
pub struct Session {
    state: SessionState,
    default_language: Language,
    reader_present: bool,
    attempts: u64,
}

impl Session {
    pub fn new(default_language: Language) -> Self {
        Self {
            state: SessionState::Welcome,
            default_language,
            reader_present: false,
            attempts: 0,
        }
    }

    pub fn state(&self) -> &SessionState {
        &self.state
    }

    /// Whether the idle timer should run: on the welcome screen there is nothing to wipe.
    pub fn is_idle_sensitive(&self) -> bool {
        self.state != SessionState::Welcome
    }

    /// The first screen, in the kiosk's default language.
    pub fn opening_actions(&self) -> Vec<Action> {
        vec![
            Action::SetLanguage(self.default_language),
            Action::Show(KioskView::Welcome),
        ]
    }

    pub fn handle(&mut self, input: SessionInput) -> Vec<Action> {
        match input {
            SessionInput::Ui(command) => self.on_ui(command),
            SessionInput::Reader(ReaderEvent::Card(event)) => self.on_card_event(event),
            SessionInput::Reader(ReaderEvent::Failed(error)) => self.on_reader_failure(&error),
            SessionInput::ProbeFinished { attempt, result } => self.on_probe(attempt, result),
            SessionInput::IdleTimeout => {
                if self.is_idle_sensitive() {
                    tracing::info!("idle timeout: session wiped");
                    self.start_over()
                } else {
                    Vec::new()
                }
            }
        }
    }

    fn go(&mut self, state: SessionState) -> Vec<Action> {
        let view = match &state {
            SessionState::Welcome => KioskView::Welcome,
            SessionState::AwaitingCard => KioskView::PresentCard,
            SessionState::ReadingCard { .. } => KioskView::ReadingCard { progress: 0.5 },
            SessionState::CardReady => KioskView::CardReady,
            SessionState::NotAnIdCard => KioskView::NotAnIdCard,
            SessionState::CardRemovedEarly => KioskView::CardRemovedEarly,
            SessionState::ReaderProblem { error_code } => KioskView::ReaderProblem {
                error_code: error_code.clone(),
            },
        };
        tracing::debug!(from = ?self.state, to = ?state, "session transition");
        self.state = state;
        vec![Action::Show(view)]
    }

    /// Back to the first screen in the default language, forgetting the visit.
    fn start_over(&mut self) -> Vec<Action> {
        let mut actions = vec![Action::SetLanguage(self.default_language)];
        actions.extend(self.go(SessionState::Welcome));
        actions
    }

    fn await_card(&mut self) -> Vec<Action> {
        if self.reader_present {
            self.go(SessionState::AwaitingCard)
        } else {
            self.go(SessionState::ReaderProblem {
                error_code: ErrorKind::NotPresent.code().to_owned(),
            })
        }
    }

    fn on_ui(&mut self, command: UiCommand) -> Vec<Action> {
        match command {
            UiCommand::ChooseLanguage(language) => vec![Action::SetLanguage(language)],
            UiCommand::StartOver => self.start_over(),
            UiCommand::Start | UiCommand::TryAgain => self.await_card(),
            UiCommand::Back => match self.state {
                SessionState::Welcome => Vec::new(),
                SessionState::AwaitingCard | SessionState::ReaderProblem { .. } => {
                    self.go(SessionState::Welcome)
                }
                // While the chip is read there is no way back: leaving would not stop the
                // reader, and the screen asks the person not to touch the card.
                SessionState::ReadingCard { .. } => Vec::new(),
                SessionState::CardReady
                | SessionState::NotAnIdCard
                | SessionState::CardRemovedEarly => self.await_card(),
            },
        }
    }

    fn on_card_event(&mut self, event: CardEvent) -> Vec<Action> {
        match event {
            CardEvent::ReaderAttached { .. } => {
                self.reader_present = true;
                match self.state {
                    SessionState::ReaderProblem { .. } => self.go(SessionState::AwaitingCard),
                    _ => Vec::new(),
                }
            }
            CardEvent::ReaderDetached { .. } => {
                self.reader_present = false;
                match self.state {
                    SessionState::Welcome => Vec::new(),
                    _ => self.go(SessionState::ReaderProblem {
                        error_code: ErrorKind::Disconnected.code().to_owned(),
                    }),
                }
            }
            CardEvent::CardInserted { .. } => match self.state {
                // A second card while one is read is ignored; the removal of the first
                // one ends that read.
                SessionState::ReadingCard { .. } => Vec::new(),
                _ => {
                    self.attempts += 1;
                    let attempt = self.attempts;
                    let mut actions = self.go(SessionState::ReadingCard { attempt });
                    actions.push(Action::ProbeCard { attempt });
                    actions
                }
            },
            CardEvent::CardRemoved { .. } => match self.state {
                SessionState::ReadingCard { .. } => self.go(SessionState::CardRemovedEarly),
                _ => Vec::new(),
            },
        }
    }

    fn on_reader_failure(&mut self, error: &DeviceError) -> Vec<Action> {
        match self.state {
            SessionState::Welcome => Vec::new(),
            _ => self.go(SessionState::ReaderProblem {
                error_code: error.kind().code().to_owned(),
            }),
        }
    }

    fn on_probe(
        &mut self,
        attempt: u64,
        result: Result<ApplicationProbe, DeviceError>,
    ) -> Vec<Action> {
        if self.state != (SessionState::ReadingCard { attempt }) {
            // An answer about a card the session has already moved past.
            return Vec::new();
        }
        match result {
            Ok(ApplicationProbe::Present) => self.go(SessionState::CardReady),
            Ok(ApplicationProbe::Absent(status)) => {
                tracing::info!(%status, "card has no eMRTD application");
                self.go(SessionState::NotAnIdCard)
            }
            Err(error) if error.kind() == ErrorKind::CardRemoved => {
                self.go(SessionState::CardRemovedEarly)
            }
            Err(error) => {
                tracing::warn!(kind = %error.kind(), %error, "card probe failed");
                self.go(SessionState::ReaderProblem {
                    error_code: error.kind().code().to_owned(),
                })
            }
        }
    }
}

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
}

/// Runs the session until every input sender is gone.
///
/// `inputs` carries screen commands; `reader_events` comes from the card reader's thread;
/// `observer` sees every reader event too (the demo panel shows them).
pub async fn run(
    mut session: Session,
    mut inputs: mpsc::UnboundedReceiver<SessionInput>,
    mut reader_events: mpsc::UnboundedReceiver<ReaderEvent>,
    reader: CardReaderHandle,
    idle_timeout: Duration,
    sink: impl ViewSink,
    observer: impl Fn(&ReaderEvent) + Send + 'static,
) {
    let (probe_results, mut probe_inputs) = mpsc::unbounded_channel();
    let perform = |actions: Vec<Action>, sink: &dyn ViewSink| {
        for action in actions {
            match action {
                Action::Show(view) => sink.show(view),
                Action::SetLanguage(language) => sink.set_language(language),
                Action::ProbeCard { attempt } => {
                    let reader = reader.clone();
                    let results = probe_results.clone();
                    tokio::spawn(async move {
                        let result = probe_card(&reader).await;
                        let _ = results.send(SessionInput::ProbeFinished { attempt, result });
                    });
                }
            }
        }
    };
    perform(session.opening_actions(), &sink);
    let mut reader_open = true;
    loop {
        let idle = tokio::time::sleep(idle_timeout);
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
            Some(input) = probe_inputs.recv() => input,
            () = idle, if session.is_idle_sensitive() => SessionInput::IdleTimeout,
        };
        perform(session.handle(input), &sink);
    }
}

#[cfg(test)]
mod tests {
    use kiosk_hal::Atr;
    use kiosk_identity::apdu::StatusWord;

    use super::*;

    fn inserted() -> SessionInput {
        SessionInput::Reader(ReaderEvent::Card(CardEvent::CardInserted {
            reader: "r".into(),
            atr: Atr::new(vec![0x3B, 0x80, 0x80, 0x01, 0x01]).unwrap(),
        }))
    }

    fn removed() -> SessionInput {
        SessionInput::Reader(ReaderEvent::Card(CardEvent::CardRemoved {
            reader: "r".into(),
        }))
    }

    fn attached() -> SessionInput {
        SessionInput::Reader(ReaderEvent::Card(CardEvent::ReaderAttached {
            reader: "r".into(),
        }))
    }

    fn ready_session() -> Session {
        let mut session = Session::new(Language::Vietnamese);
        session.handle(attached());
        session
    }

    fn shown(actions: &[Action]) -> Vec<KioskView> {
        actions
            .iter()
            .filter_map(|action| match action {
                Action::Show(view) => Some(view.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_chip_id_card_reaches_card_ready() {
        let mut session = ready_session();
        assert_eq!(
            shown(&session.handle(SessionInput::Ui(UiCommand::Start))),
            [KioskView::PresentCard]
        );
        let actions = session.handle(inserted());
        assert!(actions.contains(&Action::ProbeCard { attempt: 1 }));
        assert!(matches!(
            shown(&actions)[..],
            [KioskView::ReadingCard { .. }]
        ));
        let actions = session.handle(SessionInput::ProbeFinished {
            attempt: 1,
            result: Ok(ApplicationProbe::Present),
        });
        assert_eq!(shown(&actions), [KioskView::CardReady]);
    }

    #[test]
    fn a_card_on_the_welcome_screen_starts_reading() {
        let mut session = ready_session();
        let actions = session.handle(inserted());
        assert!(actions.contains(&Action::ProbeCard { attempt: 1 }));
    }

    #[test]
    fn other_cards_are_told_apart() {
        let mut session = ready_session();
        session.handle(inserted());
        let actions = session.handle(SessionInput::ProbeFinished {
            attempt: 1,
            result: Ok(ApplicationProbe::Absent(StatusWord::NOT_FOUND)),
        });
        assert_eq!(shown(&actions), [KioskView::NotAnIdCard]);
    }

    #[test]
    fn removal_mid_read_is_reported_and_the_late_answer_ignored() {
        let mut session = ready_session();
        session.handle(inserted());
        assert_eq!(
            shown(&session.handle(removed())),
            [KioskView::CardRemovedEarly]
        );
        let late = session.handle(SessionInput::ProbeFinished {
            attempt: 1,
            result: Ok(ApplicationProbe::Present),
        });
        assert!(late.is_empty());
        assert_eq!(session.state(), &SessionState::CardRemovedEarly);
    }

    #[test]
    fn a_probe_failing_with_card_removed_says_so() {
        let mut session = ready_session();
        session.handle(inserted());
        let actions = session.handle(SessionInput::ProbeFinished {
            attempt: 1,
            result: Err(DeviceError::new(ErrorKind::CardRemoved, "gone")),
        });
        assert_eq!(shown(&actions), [KioskView::CardRemovedEarly]);
    }

    #[test]
    fn an_unplugged_reader_shows_its_code_and_recovers_when_plugged_back() {
        let mut session = ready_session();
        session.handle(SessionInput::Ui(UiCommand::Start));
        let actions = session.handle(SessionInput::Reader(ReaderEvent::Card(
            CardEvent::ReaderDetached { reader: "r".into() },
        )));
        assert_eq!(
            shown(&actions),
            [KioskView::ReaderProblem {
                error_code: "HAL-DISCONNECTED".into()
            }]
        );
        assert_eq!(shown(&session.handle(attached())), [KioskView::PresentCard]);
    }

    #[test]
    fn start_without_a_reader_asks_for_staff() {
        let mut session = Session::new(Language::Vietnamese);
        let actions = session.handle(SessionInput::Ui(UiCommand::Start));
        assert_eq!(
            shown(&actions),
            [KioskView::ReaderProblem {
                error_code: "HAL-NOT-PRESENT".into()
            }]
        );
    }

    #[test]
    fn idle_timeout_and_start_over_wipe_back_to_the_default_language() {
        let mut session = ready_session();
        session.handle(SessionInput::Ui(UiCommand::ChooseLanguage(
            Language::English,
        )));
        session.handle(SessionInput::Ui(UiCommand::Start));
        assert!(session.is_idle_sensitive());
        let actions = session.handle(SessionInput::IdleTimeout);
        assert_eq!(
            actions,
            [
                Action::SetLanguage(Language::Vietnamese),
                Action::Show(KioskView::Welcome)
            ]
        );
        assert!(!session.is_idle_sensitive());
        assert!(session.handle(SessionInput::IdleTimeout).is_empty());
    }

    #[test]
    fn every_screen_has_a_way_back() {
        let mut session = ready_session();
        session.handle(SessionInput::Ui(UiCommand::Start));
        assert_eq!(
            shown(&session.handle(SessionInput::Ui(UiCommand::Back))),
            [KioskView::Welcome]
        );
        session.handle(inserted());
        session.handle(SessionInput::ProbeFinished {
            attempt: 1,
            result: Ok(ApplicationProbe::Absent(StatusWord::NOT_FOUND)),
        });
        assert_eq!(
            shown(&session.handle(SessionInput::Ui(UiCommand::Back))),
            [KioskView::PresentCard]
        );
    }
}
