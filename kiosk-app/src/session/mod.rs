//! One visit at the kiosk, as an explicit state machine: what screen the person sees, what
//! a card on the reader means at that moment, and when everything is forgotten.
//!
//! The machine is pure: [`Session::handle`] takes one input and returns what to do (show a
//! view, probe or verify the card), so every transition is tested without threads or
//! devices. The async loop in [`run`] feeds it events from the reader, the screen and the
//! idle timer, and carries out the card work.
//!
//! What the session knows about the citizen (the QR code, the chip's data) lives here for
//! one visit only: starting over or the idle timeout drops it, and its personal fields are
//! zeroized on drop.

mod runner;
#[cfg(test)]
mod tests;

use kiosk_hal::{CardEvent, DeviceError, ErrorKind};
use kiosk_identity::access_key::{AccessKey, candidates_from_qr};
use kiosk_identity::emrtd::ApplicationProbe;
use kiosk_identity::passive::PassiveAuthFailure;
use kiosk_identity::qr::CccdQr;
use kiosk_identity::reader::{ReadError, ReadFailure};
use kiosk_identity::verify::{CardVerification, NotGenuine, Verdict};
use kiosk_ui::{KioskView, Language, NotGenuineReason};

use crate::devices::ReaderEvent;
use crate::printing::{PrintProblem, PrintRequest};

pub use runner::{CardChecking, SessionSetup, ViewSink, probe_card, run};

/// How long "are you still there?" waits for a touch before the visit is wiped: long
/// enough for an elderly citizen to read the question and reach the screen.
pub const STILL_THERE_GRACE: std::time::Duration = std::time::Duration::from_secs(20);

/// What the person asked for on the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiCommand {
    ChooseLanguage(Language),
    Start,
    Back,
    StartOver,
    TryAgain,
    /// "Yes, I am still here" on the idle question.
    StillHere,
    /// "I agree" on the consent screen (Decree 13/2023/NĐ-CP).
    AcceptConsent,
}

/// Everything the session reacts to.
#[derive(Debug)]
pub enum SessionInput {
    /// A QR code was read (by the camera, or the demo panel acting as one).
    QrScanned(String),
    /// How far the chip read numbered `attempt` has come.
    ReadProgress {
        attempt: u64,
        done: u32,
        total: u32,
    },
    /// The chip read and verification numbered `attempt` finished.
    VerificationFinished {
        attempt: u64,
        result: Result<Box<CardVerification>, ReadError>,
    },
    Ui(UiCommand),
    Reader(ReaderEvent),
    /// The probe numbered `attempt` finished.
    ProbeFinished {
        attempt: u64,
        result: Result<ApplicationProbe, DeviceError>,
    },
    /// Nobody touched the kiosk for the configured idle time (or, once the kiosk has
    /// asked whether the person is still there, for [`STILL_THERE_GRACE`]).
    IdleTimeout,
    /// Print this receipt for the visit (a flow's receipt or ticket, or the technician's
    /// test page).
    PrintReceipt(PrintRequest),
    /// The print numbered `attempt` finished.
    PrintFinished {
        attempt: u64,
        result: Result<(), PrintProblem>,
    },
}

/// Where the visit is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    Welcome,
    /// Asking the citizen's consent to the processing of their personal data, before the
    /// chip is read: Decree 13/2023/NĐ-CP requires it.
    Consent,
    AwaitingCard,
    /// The card is being read; `attempt` tells a late answer about an earlier card apart.
    ReadingCard {
        attempt: u64,
    },
    /// The chip holds the eMRTD application, but the kiosk has no key to open it.
    NeedsQr,
    Genuine,
    NotGenuine,
    WrongKey,
    NotAnIdCard,
    CardRemovedEarly,
    ReaderProblem {
        error_code: String,
    },
    PrintingReceipt {
        attempt: u64,
    },
    ReceiptPrinted,
    /// The printer refused or failed the receipt; the session keeps it to print again.
    ReceiptNotPrinted {
        error_code: String,
    },
}

/// What the session wants done after an input.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Show(KioskView),
    /// Ask "are you still there?", over whatever the screen shows; the visit ends after
    /// the grace period unless the person touches the screen.
    AskStillThere {
        grace: std::time::Duration,
    },
    /// The person answered (or the visit ended): take the question away.
    StopAsking,
    SetLanguage(Language),
    /// Ask the card on the reader whether it holds the eMRTD application.
    ProbeCard {
        attempt: u64,
    },
    /// Open the chip with `keys`, read it and check it is genuine.
    VerifyCard {
        attempt: u64,
        keys: Vec<AccessKey>,
        qr: Box<CccdQr>,
    },
    /// Lay the receipt out and print it.
    PrintReceipt {
        attempt: u64,
        request: PrintRequest,
    },
}

/// The state machine of one kiosk's visits.
#[derive(Debug)]
pub struct Session {
    state: SessionState,
    default_language: Language,
    reader_present: bool,
    attempts: u64,
    /// The card's QR code, once shown: it gives the keys that open the chip.
    qr: Option<CccdQr>,
    /// What the chip said, once read: kept for the rest of the visit.
    verification: Option<Box<CardVerification>>,
    /// The receipt being printed, or that could not be printed: kept until it prints or
    /// the visit ends, so that it can be printed again.
    receipt: Option<PrintRequest>,
    /// The kiosk is asking whether the person is still there.
    asking: bool,
    /// A card lies on the reader (so that the consent screen can go straight to reading it).
    card_on_reader: bool,
}

impl Session {
    pub fn new(default_language: Language) -> Self {
        Self {
            state: SessionState::Welcome,
            default_language,
            reader_present: false,
            attempts: 0,
            qr: None,
            verification: None,
            receipt: None,
            asking: false,
            card_on_reader: false,
        }
    }

    pub fn state(&self) -> &SessionState {
        &self.state
    }

    /// The verified card of this visit, if any.
    pub fn verification(&self) -> Option<&CardVerification> {
        self.verification.as_deref()
    }

    /// Whether the idle timer should run: on the welcome screen there is nothing to wipe.
    pub fn is_idle_sensitive(&self) -> bool {
        self.state != SessionState::Welcome
    }

    /// Whether "are you still there?" is on the screen: the idle timer then runs for
    /// [`STILL_THERE_GRACE`] instead of the configured idle time.
    pub fn is_asking(&self) -> bool {
        self.asking
    }

    /// The first screen, in the kiosk's default language.
    pub fn opening_actions(&self) -> Vec<Action> {
        vec![
            Action::SetLanguage(self.default_language),
            Action::Show(KioskView::Welcome),
        ]
    }

    pub fn handle(&mut self, input: SessionInput) -> Vec<Action> {
        // A touch, or a card laid on or taken off the reader, is the person answering.
        let answered = self.asking
            && matches!(
                input,
                SessionInput::Ui(_)
                    | SessionInput::Reader(ReaderEvent::Card(
                        CardEvent::CardInserted { .. } | CardEvent::CardRemoved { .. }
                    ))
            );
        let mut actions = Vec::new();
        if answered {
            self.asking = false;
            actions.push(Action::StopAsking);
        }
        actions.extend(self.handle_input(input));
        actions
    }

    fn handle_input(&mut self, input: SessionInput) -> Vec<Action> {
        match input {
            SessionInput::Ui(command) => self.on_ui(command),
            SessionInput::Reader(ReaderEvent::Card(event)) => self.on_card_event(event),
            SessionInput::Reader(ReaderEvent::Failed(error)) => self.on_reader_failure(&error),
            SessionInput::ProbeFinished { attempt, result } => self.on_probe(attempt, result),
            SessionInput::QrScanned(text) => self.on_qr(&text),
            SessionInput::ReadProgress {
                attempt,
                done,
                total,
            } => {
                if self.state == (SessionState::ReadingCard { attempt }) && total > 0 {
                    vec![Action::Show(KioskView::ReadingCard {
                        progress: done as f32 / total as f32,
                    })]
                } else {
                    Vec::new()
                }
            }
            SessionInput::VerificationFinished { attempt, result } => {
                self.on_verification(attempt, result)
            }
            SessionInput::IdleTimeout => {
                if !self.is_idle_sensitive() {
                    Vec::new()
                } else if self.asking {
                    tracing::info!("nobody answered: session wiped");
                    self.start_over()
                } else {
                    self.asking = true;
                    vec![Action::AskStillThere {
                        grace: STILL_THERE_GRACE,
                    }]
                }
            }
            SessionInput::PrintReceipt(request) => self.on_print_request(request),
            SessionInput::PrintFinished { attempt, result } => {
                self.on_print_finished(attempt, result)
            }
        }
    }

    fn go(&mut self, state: SessionState) -> Vec<Action> {
        let view = match &state {
            SessionState::Welcome => KioskView::Welcome,
            SessionState::Consent => KioskView::Consent,
            SessionState::AwaitingCard => KioskView::PresentCard,
            SessionState::ReadingCard { .. } => KioskView::ReadingCard { progress: 0.0 },
            SessionState::NeedsQr => KioskView::NeedsQr,
            SessionState::Genuine => KioskView::CardGenuine {
                holder_name: self.holder_name(),
            },
            SessionState::NotGenuine => KioskView::CardNotGenuine {
                reason: self.not_genuine_reason(),
            },
            SessionState::WrongKey => KioskView::WrongKey,
            SessionState::NotAnIdCard => KioskView::NotAnIdCard,
            SessionState::CardRemovedEarly => KioskView::CardRemovedEarly,
            SessionState::ReaderProblem { error_code } => KioskView::ReaderProblem {
                error_code: error_code.clone(),
            },
            SessionState::PrintingReceipt { .. } => KioskView::PrintingReceipt,
            SessionState::ReceiptPrinted => KioskView::ReceiptPrinted,
            SessionState::ReceiptNotPrinted { error_code } => KioskView::ReceiptNotPrinted {
                error_code: error_code.clone(),
                reference: self
                    .receipt
                    .as_ref()
                    .map(|request| request.reference.clone())
                    .unwrap_or_default(),
            },
        };
        tracing::debug!(from = ?self.state, to = ?state, "session transition");
        self.state = state;
        vec![Action::Show(view)]
    }

    /// Back to the first screen in the default language, forgetting the visit.
    fn start_over(&mut self) -> Vec<Action> {
        self.qr = None;
        self.verification = None;
        let mut actions = Vec::new();
        if std::mem::take(&mut self.asking) {
            actions.push(Action::StopAsking);
        }
        if let Some(request) = self.receipt.take()
            && matches!(self.state, SessionState::ReceiptNotPrinted { .. })
        {
            // The visit's own copy goes with the visit; the record it was made from (the
            // outbox's, for an application) is where staff print it again.
            tracing::warn!(reference = %request.reference, "unprinted receipt left with the visit");
        }
        actions.push(Action::SetLanguage(self.default_language));
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
            // Answering the question is all it does (see `handle`).
            UiCommand::StillHere => Vec::new(),
            UiCommand::AcceptConsent if self.state == SessionState::Consent => {
                tracing::info!("consent to personal-data processing given");
                if self.card_on_reader {
                    self.read_card()
                } else {
                    self.await_card()
                }
            }
            UiCommand::AcceptConsent => Vec::new(),
            UiCommand::Start if self.state == SessionState::Welcome => {
                self.go(SessionState::Consent)
            }
            UiCommand::StartOver => self.start_over(),
            UiCommand::TryAgain if matches!(self.state, SessionState::ReceiptNotPrinted { .. }) => {
                self.print_kept_receipt()
            }
            UiCommand::Start | UiCommand::TryAgain => self.await_card(),
            UiCommand::Back => match self.state {
                SessionState::Welcome => Vec::new(),
                // Not agreeing is going back: nothing read, nothing kept.
                SessionState::Consent => self.start_over(),
                SessionState::AwaitingCard | SessionState::ReaderProblem { .. } => {
                    self.go(SessionState::Welcome)
                }
                // While the chip is read there is no way back: leaving would not stop the
                // reader, and the screen asks the person not to touch the card.
                SessionState::ReadingCard { .. } | SessionState::PrintingReceipt { .. } => {
                    Vec::new()
                }
                // The receipt ends the visit: back from it is a new visit.
                SessionState::ReceiptPrinted | SessionState::ReceiptNotPrinted { .. } => {
                    self.start_over()
                }
                SessionState::NeedsQr
                | SessionState::Genuine
                | SessionState::NotGenuine
                | SessionState::WrongKey
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
                self.card_on_reader = false;
                match self.state {
                    SessionState::Welcome => Vec::new(),
                    _ => self.go(SessionState::ReaderProblem {
                        error_code: ErrorKind::Disconnected.code().to_owned(),
                    }),
                }
            }
            CardEvent::CardInserted { .. } => {
                self.card_on_reader = true;
                match self.state {
                    // A card laid down before the citizen agreed is read once they do.
                    SessionState::Welcome => self.go(SessionState::Consent),
                    SessionState::Consent => Vec::new(),
                    // A second card while one is read is ignored; the removal of the first
                    // one ends that read.
                    SessionState::ReadingCard { .. } => Vec::new(),
                    _ => self.read_card(),
                }
            }
            CardEvent::CardRemoved { .. } => {
                self.card_on_reader = false;
                match self.state {
                    SessionState::ReadingCard { .. } => self.go(SessionState::CardRemovedEarly),
                    _ => Vec::new(),
                }
            }
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

    /// A card is on the reader: verify it when the QR code gave keys, else only ask the
    /// chip whether it is an ID card (the screen then asks for the QR code).
    fn read_card(&mut self) -> Vec<Action> {
        self.attempts += 1;
        let attempt = self.attempts;
        self.verification = None;
        let mut actions = self.go(SessionState::ReadingCard { attempt });
        match &self.qr {
            Some(qr) => actions.push(Action::VerifyCard {
                attempt,
                keys: candidates_from_qr(qr),
                qr: Box::new(qr.clone()),
            }),
            None => actions.push(Action::ProbeCard { attempt }),
        }
        actions
    }

    fn on_qr(&mut self, text: &str) -> Vec<Action> {
        let qr = match CccdQr::parse(text) {
            Ok(qr) => qr,
            Err(error) => {
                // Receipts and other codes are handled elsewhere; this one opens no chip.
                tracing::info!(%error, "QR code is not a CCCD");
                return Vec::new();
            }
        };
        match self.state {
            // Once a card has been read and judged, the visit belongs to its holder: a
            // code that comes into view now (someone behind them, a card left in front of
            // the camera) must neither replace theirs nor move their screen.
            SessionState::Genuine
            | SessionState::NotGenuine
            | SessionState::PrintingReceipt { .. }
            | SessionState::ReceiptPrinted
            | SessionState::ReceiptNotPrinted { .. } => {
                tracing::info!("CCCD QR code ignored: this visit's card is already read");
                return Vec::new();
            }
            _ => {}
        }
        tracing::info!(id = %qr.id_number().log_fingerprint(), "CCCD QR code read");
        self.qr = Some(qr);
        match self.state {
            // Kept, unused, until the citizen agrees; declining forgets it.
            SessionState::Welcome => self.go(SessionState::Consent),
            // The card already lies on the reader: read it with the new keys.
            SessionState::NeedsQr | SessionState::WrongKey => self.read_card(),
            // The code is kept for the next read; the screen stays where the citizen is
            // (a read in progress picks it up if the chip asks for keys, see `on_probe`).
            _ => Vec::new(),
        }
    }

    fn on_verification(
        &mut self,
        attempt: u64,
        result: Result<Box<CardVerification>, ReadError>,
    ) -> Vec<Action> {
        if self.state != (SessionState::ReadingCard { attempt }) {
            return Vec::new();
        }
        match result {
            Ok(verification) => {
                let verdict = verification.verdict();
                tracing::info!(access = ?verification.access, ?verdict, "card verified");
                self.verification = Some(verification);
                match verdict {
                    Verdict::Genuine => self.go(SessionState::Genuine),
                    Verdict::NotGenuine(_) => self.go(SessionState::NotGenuine),
                }
            }
            Err(error) => {
                tracing::warn!(%error, "card read failed");
                match error.failure() {
                    ReadFailure::CardMoved => self.go(SessionState::CardRemovedEarly),
                    ReadFailure::NotAnIdCard => self.go(SessionState::NotAnIdCard),
                    ReadFailure::WrongAccessKey => self.go(SessionState::WrongKey),
                    ReadFailure::CannotVerify => self.go(SessionState::NotGenuine),
                    ReadFailure::ReaderProblem => self.go(SessionState::ReaderProblem {
                        error_code: ErrorKind::Disconnected.code().to_owned(),
                    }),
                }
            }
        }
    }

    fn on_print_request(&mut self, request: PrintRequest) -> Vec<Action> {
        if matches!(
            self.state,
            SessionState::ReadingCard { .. } | SessionState::PrintingReceipt { .. }
        ) {
            // Flows ask for a receipt only from a screen that waits for it; anything else
            // is a bug to see in the log, not a receipt to print over another job.
            tracing::warn!(reference = %request.reference, state = ?self.state, "receipt asked for while busy; not printed");
            return Vec::new();
        }
        self.receipt = Some(request);
        self.print_kept_receipt()
    }

    fn print_kept_receipt(&mut self) -> Vec<Action> {
        let Some(request) = self.receipt.clone() else {
            return Vec::new();
        };
        self.attempts += 1;
        let attempt = self.attempts;
        let mut actions = self.go(SessionState::PrintingReceipt { attempt });
        actions.push(Action::PrintReceipt { attempt, request });
        actions
    }

    fn on_print_finished(&mut self, attempt: u64, result: Result<(), PrintProblem>) -> Vec<Action> {
        if self.state != (SessionState::PrintingReceipt { attempt }) {
            return Vec::new();
        }
        let reference = self
            .receipt
            .as_ref()
            .map(|request| request.reference.clone())
            .unwrap_or_default();
        match result {
            Ok(()) => {
                tracing::info!(%reference, "receipt printed");
                // Printed: the session has no further use for what it says.
                self.receipt = None;
                self.go(SessionState::ReceiptPrinted)
            }
            Err(problem) => {
                tracing::warn!(%reference, code = problem.code(), %problem, "receipt not printed");
                self.go(SessionState::ReceiptNotPrinted {
                    error_code: problem.code().to_owned(),
                })
            }
        }
    }

    fn holder_name(&self) -> String {
        self.verification
            .as_ref()
            .and_then(|verification| verification.dg13.as_ref())
            .and_then(|dg13| dg13.as_ref().ok())
            .map(|dg13| dg13.full_name.expose().clone())
            .unwrap_or_default()
    }

    fn not_genuine_reason(&self) -> NotGenuineReason {
        let Some(verification) = &self.verification else {
            // The chip could not even be read the way a genuine CCCD is.
            return NotGenuineReason::DataChanged;
        };
        match verification.verdict() {
            Verdict::NotGenuine(NotGenuine::PassiveAuthentication(failure)) => match failure {
                PassiveAuthFailure::UnknownCsca
                | PassiveAuthFailure::SignerExpired
                | PassiveAuthFailure::SignerNotYetValid
                | PassiveAuthFailure::CscaExpired
                | PassiveAuthFailure::CscaNotYetValid
                | PassiveAuthFailure::BadSignerCertificateSignature
                | PassiveAuthFailure::SignerKeyUsage => NotGenuineReason::UntrustedIssuer,
                _ => NotGenuineReason::DataChanged,
            },
            Verdict::NotGenuine(NotGenuine::CloneCheckFailed) => NotGenuineReason::CopiedChip,
            Verdict::NotGenuine(NotGenuine::NoCloneCheck) => NotGenuineReason::NoCloneCheck,
            Verdict::NotGenuine(NotGenuine::QrMismatch(_)) => NotGenuineReason::QrMismatch,
            Verdict::Genuine => NotGenuineReason::DataChanged,
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
            // The QR code may have come while the chip was being probed.
            Ok(ApplicationProbe::Present) if self.qr.is_some() => self.read_card(),
            Ok(ApplicationProbe::Present) => self.go(SessionState::NeedsQr),
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
