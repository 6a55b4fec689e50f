//! The real card reader: any PC/SC reader that pcscd (pcsc-lite) serves, through the
//! `pcsc` crate.
//!
//! # Events
//!
//! [`PcscCardReader::wait_event`] is one `SCardGetStatusChange` over every reader whose name
//! contains the configured filter, plus pcsc-lite's `\\?PnP?\Notification` pseudo-reader,
//! which changes when a reader is plugged in or out (PC/SC part 5 §3.1.4; the `pcsc`
//! crate's `monitor.rs` example). The reader needs neither a reader nor a card at
//! [`open`](PcscCardReader::open): readers and cards are reported as they come, with the
//! same rules as the simulated reader (the `tracker` module): the first calls report what is
//! already there, and a reader pulled with a card on it gives `CardRemoved` before
//! `ReaderDetached`. If pcscd stops, every reader is reported detached and the context is
//! established again on a later call.
//!
//! # Sessions
//!
//! As in the simulated reader, the *session* is the card the caller last heard of (its
//! `CardInserted`) or talked to. [`transmit`](CardReader::transmit) connects to it on first
//! use. While the session is open, a card that left fails with
//! [`ErrorKind::CardRemoved`] until `wait_event` hands out
//! the matching `CardRemoved`; after that an empty reader is
//! [`ErrorKind::NotPresent`].
//!
//! # Cancellation
//!
//! `SCardGetStatusChange` blocks for the whole timeout. A [`PcscCanceller`], taken before the
//! reader moves to its thread, wakes it from any other thread: the application's reader
//! thread can then wait with a long timeout and have whoever queues an APDU or a self-test
//! call [`PcscCanceller::cancel`], instead of polling with a short timeout.

mod error;
mod tracker;

use std::ffi::CString;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pcsc::{
    Context, Disposition, MAX_BUFFER_SIZE_EXTENDED, PNP_NOTIFICATION, Protocols, ReaderState,
    Scope, ShareMode, State,
};

use crate::card::{Atr, CardEvent, CardReader};
use crate::error::{Error as _, ErrorKind};
use crate::self_test::{SelfTestReport, TestOutcome};

pub use error::PcscError;
use tracker::{Observation, ReaderTracker};

/// The longest command pcsc-lite passes to a reader (`MAX_BUFFER_SIZE_EXTENDED` in
/// `pcsclite.h`, 65 538 bytes; it refuses longer ones). A full extended-length case 4
/// command (ISO/IEC 7816-4 §5.1: up to 65 544 bytes) would not fit, but no eMRTD command
/// comes near that.
const MAX_COMMAND_LEN: usize = MAX_BUFFER_SIZE_EXTENDED;

/// A PC/SC card reader (or the readers matching a name filter) served by pcscd.
pub struct PcscCardReader {
    filter: Option<String>,
    /// `None` after pcscd went away; established again by the next call that needs it.
    context: Option<Context>,
    canceller: PcscCanceller,
    tracker: ReaderTracker,
    /// The PnP pseudo-reader first (while pcscd supports it), then one entry per reader in
    /// view, each remembering the state last reported so the next wait blocks until it
    /// changes.
    states: Vec<ReaderState>,
    pnp_supported: bool,
    /// The reader list must be read again before the next wait.
    relist: bool,
    session: Option<Session>,
    /// Responses can be extended-length: 65 536 data bytes and SW1 SW2.
    receive: Box<[u8]>,
}

/// The card the caller is talking to.
struct Session {
    reader: String,
    /// Connected on the first APDU.
    card: Option<pcsc::Card>,
    /// The card left during the session; every APDU fails until the removal is reported.
    lost: bool,
}

impl Session {
    fn new(reader: String) -> Self {
        Self {
            reader,
            card: None,
            lost: false,
        }
    }

    /// Ends the connection with a reset, so that a chip left on the reader does not keep
    /// a secure-messaging session open for whoever connects next (PC/SC part 5,
    /// `SCardDisconnect` dispositions). A card already gone cannot be reset; that is fine.
    fn close(self) {
        if let Some(card) = self.card {
            let _ = card.disconnect(Disposition::ResetCard);
        }
    }
}

/// Wakes a [`PcscCardReader`] blocked in [`wait_event`](CardReader::wait_event) from another
/// thread; that call then returns `Ok(None)`.
///
/// A cancel that arrives while the reader is not waiting is remembered, and the next wait
/// returns at once, so a request queued just before the reader blocks is not left waiting
/// for the whole timeout.
#[derive(Clone)]
pub struct PcscCanceller {
    shared: Arc<CancelShared>,
}

struct CancelShared {
    /// The reader's current context (replaced when pcscd restarts).
    context: Mutex<Option<Context>>,
    woken: AtomicBool,
}

impl PcscCanceller {
    /// Wakes the reader. Fails only when pcscd refuses the cancel; the reader still wakes
    /// at its next wait.
    pub fn cancel(&self) -> Result<(), PcscError> {
        self.shared.woken.store(true, Ordering::SeqCst);
        let context = self
            .shared
            .context
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        match context {
            Some(context) => context.cancel().map_err(|source| PcscError::Service {
                operation: "cancel a wait",
                source,
            }),
            None => Ok(()),
        }
    }

    fn replace(&self, context: Option<Context>) {
        *self
            .shared
            .context
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = context;
    }

    fn take_wake(&self) -> bool {
        self.shared.woken.swap(false, Ordering::SeqCst)
    }
}

impl fmt::Debug for PcscCanceller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PcscCanceller").finish_non_exhaustive()
    }
}

fn establish() -> Result<Context, PcscError> {
    // User scope: pcsc-lite has only one scope; it is what every PC/SC client asks for.
    Context::establish(Scope::User).map_err(|source| PcscError::Service {
        operation: "establish a PC/SC context",
        source,
    })
}

impl PcscCardReader {
    /// Connects to pcscd and watches the readers whose name contains `reader_filter` (all
    /// readers when `None`). No reader needs to be plugged in yet. Fails with
    /// [`ErrorKind::NotPresent`] when pcscd is not running.
    pub fn open(reader_filter: Option<String>) -> Result<Self, PcscError> {
        let context = establish()?;
        let canceller = PcscCanceller {
            shared: Arc::new(CancelShared {
                context: Mutex::new(Some(context.clone())),
                woken: AtomicBool::new(false),
            }),
        };
        Ok(Self {
            filter: reader_filter.filter(|filter| !filter.is_empty()),
            context: Some(context),
            canceller,
            tracker: ReaderTracker::default(),
            states: vec![ReaderState::new(PNP_NOTIFICATION(), State::UNAWARE)],
            pnp_supported: true,
            relist: true,
            session: None,
            receive: vec![0; MAX_BUFFER_SIZE_EXTENDED].into_boxed_slice(),
        })
    }

    /// A handle that wakes this reader's `wait_event` from another thread.
    pub fn canceller(&self) -> PcscCanceller {
        self.canceller.clone()
    }

    fn matches(&self, name: &str) -> bool {
        self.filter
            .as_deref()
            .is_none_or(|filter| name.contains(filter))
    }

    fn describe_readers(&self) -> String {
        match &self.filter {
            Some(filter) => format!("readers matching \"{filter}\""),
            None => "any reader".to_owned(),
        }
    }

    fn context(&mut self) -> Result<Context, PcscError> {
        if let Some(context) = &self.context {
            return Ok(context.clone());
        }
        let context = establish()?;
        self.canceller.replace(Some(context.clone()));
        self.context = Some(context.clone());
        self.relist = true;
        Ok(context)
    }

    /// pcscd stopped: its readers and cards are gone with it, and the context is dead.
    fn service_lost(&mut self) {
        tracing::warn!("pcscd went away; its readers are reported detached");
        self.context = None;
        self.canceller.replace(None);
        self.tracker.detach_all();
        self.states
            .retain(|state| state.name() == PNP_NOTIFICATION());
        if let Some(session) = &mut self.session {
            session.card = None;
            session.lost = true;
        }
        self.relist = true;
    }

    /// The matching readers pcscd lists now, by name in UTF-8 (PC/SC names are; one that
    /// is not could not be matched against a text filter anyway).
    fn list_readers(&self, context: &Context) -> Result<Vec<(String, CString)>, PcscError> {
        let names = match context.list_readers_owned() {
            Ok(names) => names,
            // pcsc-lite's answer to "list readers" when there are none.
            Err(pcsc::Error::NoReadersAvailable) => Vec::new(),
            Err(source) => {
                return Err(PcscError::Service {
                    operation: "list readers",
                    source,
                });
            }
        };
        Ok(names
            .into_iter()
            .filter_map(|name| {
                let text = name.to_str().ok()?.to_owned();
                self.matches(&text).then_some((text, name))
            })
            .collect())
    }

    fn refresh_readers(&mut self, context: &Context) -> Result<(), PcscError> {
        let listed = self.list_readers(context)?;
        let names: Vec<String> = listed.iter().map(|(text, _)| text.clone()).collect();
        self.tracker.listed(&names);
        self.states.retain(|state| {
            state.name() == PNP_NOTIFICATION()
                || listed
                    .iter()
                    .any(|(_, name)| name.as_c_str() == state.name())
        });
        for (_, name) in listed {
            if !self
                .states
                .iter()
                .any(|state| state.name() == name.as_c_str())
            {
                // UNAWARE: the first wait returns this reader's present state at once.
                self.states.push(ReaderState::new(name, State::UNAWARE));
            }
        }
        Ok(())
    }

    fn deliver(&mut self, event: CardEvent) -> CardEvent {
        match &event {
            CardEvent::CardInserted { reader, .. } => {
                if let Some(old) = self.session.replace(Session::new(reader.clone())) {
                    old.close();
                }
            }
            CardEvent::CardRemoved { reader } | CardEvent::ReaderDetached { reader } => {
                if self
                    .session
                    .as_ref()
                    .is_some_and(|session| &session.reader == reader)
                    && let Some(session) = self.session.take()
                {
                    session.close();
                }
            }
            CardEvent::ReaderAttached { .. } => {}
        }
        event
    }

    /// Reads every state `SCardGetStatusChange` just reported into the tracker.
    fn absorb_states(&mut self) {
        for state in &self.states {
            let event = state.event_state();
            if state.name() == PNP_NOTIFICATION() {
                if event.contains(State::UNKNOWN) {
                    // This PC/SC stack has no PnP notifications; read the list every time.
                    self.pnp_supported = false;
                } else if event.contains(State::CHANGED) {
                    self.relist = true;
                }
                continue;
            }
            if !event.contains(State::CHANGED) {
                continue;
            }
            let Ok(name) = state.name().to_str() else {
                continue;
            };
            self.tracker.observed(
                name,
                Observation {
                    state: event,
                    event_count: state.event_count(),
                    atr: state.atr(),
                },
            );
        }
        if !self.pnp_supported {
            self.states
                .retain(|state| state.name() != PNP_NOTIFICATION());
            self.relist = true;
        }
    }
}

impl CardReader for PcscCardReader {
    type Error = PcscError;

    fn wait_event(&mut self, timeout: Duration) -> Result<Option<CardEvent>, Self::Error> {
        // A timeout too large to add to now means "wait for ever".
        let deadline = Instant::now().checked_add(timeout);
        loop {
            if let Some(event) = self.tracker.pop() {
                return Ok(Some(self.deliver(event)));
            }
            let context = self.context()?;
            if self.relist || !self.pnp_supported {
                self.relist = false;
                match self.refresh_readers(&context) {
                    Ok(()) => {}
                    Err(error) if error.pcsc_code().is_some_and(is_service_gone) => {
                        self.service_lost();
                        continue;
                    }
                    Err(error) => return Err(error),
                }
                if self.tracker.has_pending() {
                    continue;
                }
            }
            if self.canceller.take_wake() {
                return Ok(None);
            }
            let remaining =
                deadline.map(|deadline| deadline.saturating_duration_since(Instant::now()));
            for state in &mut self.states {
                state.sync_current_state();
            }
            match context.get_status_change(remaining, &mut self.states) {
                Ok(()) => self.absorb_states(),
                Err(pcsc::Error::Timeout) => return Ok(None),
                Err(pcsc::Error::Cancelled) => {
                    self.canceller.take_wake();
                    return Ok(None);
                }
                // A reader left between listing and waiting.
                Err(pcsc::Error::UnknownReader) => self.relist = true,
                Err(source) if is_service_gone(source) => self.service_lost(),
                Err(source) => {
                    return Err(PcscError::Service {
                        operation: "wait for reader changes",
                        source,
                    });
                }
            }
            if remaining == Some(Duration::ZERO) && !self.tracker.has_pending() && !self.relist {
                return Ok(None);
            }
        }
    }

    fn atr(&self) -> Option<Atr> {
        match &self.session {
            Some(session) if session.lost => None,
            Some(session) => self.tracker.card_atr(&session.reader),
            None => self
                .tracker
                .first_card()
                .and_then(|reader| self.tracker.card_atr(reader)),
        }
    }

    /// Exclusive access: the kiosk is the reader's only rightful user, and an APDU from
    /// another process (a browser's PKCS#11 module probing every card, say) between two of
    /// ours would break secure messaging's send sequence counter or change the selected
    /// file. Another process holding the card is reported as
    /// [`ErrorKind::Busy`].
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, Self::Error> {
        if !(4..=MAX_COMMAND_LEN).contains(&command.len()) {
            return Err(PcscError::CommandLength {
                len: command.len(),
                max: MAX_COMMAND_LEN,
            });
        }
        let context = self.context()?;
        // The session is the card last reported; without one, the first card in view.
        let session = match self.session.take() {
            Some(session) => session,
            None => match self.tracker.first_card() {
                Some(reader) => Session::new(reader.to_owned()),
                None => {
                    return Err(PcscError::NoCard {
                        readers: self.describe_readers(),
                    });
                }
            },
        };
        let session = self.session.insert(session);
        if session.lost {
            return Err(PcscError::CardLost {
                reader: session.reader.clone(),
            });
        }
        let reader_error = |session: &Session, operation, source| PcscError::Reader {
            reader: session.reader.clone(),
            operation,
            source,
        };
        if session.card.is_none() {
            let name = CString::new(session.reader.clone())
                .map_err(|_| reader_error(session, "connect", pcsc::Error::UnknownReader))?;
            match context.connect(&name, ShareMode::Exclusive, Protocols::ANY) {
                Ok(card) => session.card = Some(card),
                Err(source) => {
                    if matches!(source, pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard) {
                        session.lost = true;
                    }
                    return Err(reader_error(session, "connect to the card", source));
                }
            }
        }
        let Some(card) = &session.card else {
            return Err(reader_error(
                session,
                "connect to the card",
                pcsc::Error::NoSmartcard,
            ));
        };
        match card.transmit(command, &mut self.receive) {
            Ok(response) if response.len() >= 2 => Ok(response.to_vec()),
            Ok(response) => Err(PcscError::ResponseTooShort {
                reader: session.reader.clone(),
                len: response.len(),
            }),
            Err(source) => {
                match source {
                    pcsc::Error::RemovedCard
                    | pcsc::Error::NoSmartcard
                    | pcsc::Error::ReaderUnavailable
                    | pcsc::Error::UnknownReader => {
                        session.card = None;
                        session.lost = true;
                    }
                    // Someone reset the card: its state is gone but the card is there;
                    // the next APDU connects afresh.
                    pcsc::Error::ResetCard => session.card = None,
                    _ => {}
                }
                Err(reader_error(session, "transmit", source))
            }
        }
    }

    fn self_test(&mut self) -> SelfTestReport {
        let started = Instant::now();
        let report = |backend: String, outcome, detail: String| SelfTestReport {
            device: "card reader",
            backend,
            outcome,
            detail,
            took: started.elapsed(),
        };
        let listed = self.context().and_then(|context| {
            let listed = self.list_readers(&context)?;
            Ok((context, listed))
        });
        let (context, listed) = match listed {
            Ok(found) => found,
            Err(error) => {
                return report(
                    "pcsc".to_owned(),
                    TestOutcome::Fail,
                    format!("{}: {error}", error.kind().code()),
                );
            }
        };
        let Some((first, _)) = listed.first() else {
            return report(
                "pcsc".to_owned(),
                TestOutcome::Fail,
                format!(
                    "{}: no reader found among {}",
                    ErrorKind::NotPresent.code(),
                    self.describe_readers()
                ),
            );
        };
        // A separate query with UNAWARE states answers at once with the present state,
        // without disturbing what the event loop last saw.
        let mut states: Vec<ReaderState> = listed
            .iter()
            .map(|(_, name)| ReaderState::new(name.clone(), State::UNAWARE))
            .collect();
        let cards = match context.get_status_change(Duration::ZERO, &mut states) {
            Ok(()) => states
                .iter()
                .filter(|state| state.event_state().contains(State::PRESENT))
                .count(),
            Err(error) => {
                return report(
                    format!("pcsc:{first}"),
                    TestOutcome::Fail,
                    format!(
                        "{}: cannot read the reader's state: {error}",
                        error::kind_of(error).code()
                    ),
                );
            }
        };
        let names: Vec<&str> = listed.iter().map(|(text, _)| text.as_str()).collect();
        let card = match cards {
            0 => "no card on it",
            _ => "a card is on it",
        };
        // Extended-length support is not asked here: pcsc-lite reports it only through a
        // reader-specific control code on a connected card, which would disturb a session.
        report(
            format!("pcsc:{first}"),
            TestOutcome::Pass,
            format!("reader {} ready; {card}", names.join(", ")),
        )
    }
}

/// The status codes that say pcscd itself went away, taking the context with it.
fn is_service_gone(error: pcsc::Error) -> bool {
    matches!(
        error,
        pcsc::Error::NoService | pcsc::Error::ServiceStopped | pcsc::Error::InvalidHandle
    )
}

impl fmt::Debug for PcscCardReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PcscCardReader")
            .field("filter", &self.filter)
            .field("connected", &self.context.is_some())
            .field("readers", &self.tracker.names().collect::<Vec<_>>())
            .field(
                "session",
                &self.session.as_ref().map(|session| &session.reader),
            )
            .finish_non_exhaustive()
    }
}
