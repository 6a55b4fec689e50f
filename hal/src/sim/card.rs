//! A card reader that exists only in software, holding any [`VirtualCard`].
//!
//! The reader and its control handle share one state: the card lies in that state, so a
//! card pulled by the handle is gone for the very next [`CardReader::transmit`], exactly as
//! a real card is gone the moment it leaves the field, whether or not anyone has read the
//! removal event yet. Events queue up in the same state and a condition variable wakes a
//! reader blocked in [`CardReader::wait_event`].
//!
//! # Which error a lost card gives
//!
//! Like a PC/SC card handle, the reader remembers the card it last told the caller about
//! (through a `CardInserted` event) or last exchanged an APDU with: its *session*. While a
//! session is open, a missing or different card fails with
//! [`ErrorKind::CardRemoved`]: the caller was talking to a card and lost it. The session
//! closes when [`CardReader::wait_event`] delivers the matching `CardRemoved`; after that,
//! an empty reader fails with [`ErrorKind::NotPresent`] (nobody was told a card was there).
//! A card swapped between two APDUs therefore fails the read instead of answering a
//! conversation it never started; the caller picks the new card up from its events.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::card::{Atr, CardEvent, CardReader, VirtualCard};
use crate::error::ErrorKind;
use crate::self_test::{SelfTestReport, TestOutcome};

/// Errors of this simulated device: the HAL's own [`DeviceError`](crate::DeviceError), a
/// kind and the message, as every backend reduces its errors to.
pub type SimulatedCardError = crate::DeviceError;

/// A card lying on the reader. The generation changes every time the card is powered up,
/// so a card that left and came back (or was replaced) is told apart from the one a
/// session was using.
struct PlacedCard {
    card: Box<dyn VirtualCard>,
    generation: u64,
}

/// An event waiting for the reader, with the generation of the card it is about so that
/// delivering it can open or close the matching session.
struct PendingEvent {
    event: CardEvent,
    generation: Option<u64>,
}

struct SlotState {
    plugged: bool,
    card: Option<PlacedCard>,
    next_generation: u64,
    pending: VecDeque<PendingEvent>,
}

impl SlotState {
    fn new_generation(&mut self) -> u64 {
        self.next_generation += 1;
        self.next_generation
    }

    fn push(&mut self, event: CardEvent, generation: Option<u64>) {
        self.pending.push_back(PendingEvent { event, generation });
    }

    /// Powers the card on the reader: a fresh generation, a reset, and the event saying so.
    fn power_up_card(&mut self, reader: &str) {
        let generation = self.new_generation();
        if let Some(placed) = self.card.as_mut() {
            placed.generation = generation;
            placed.card.reset();
            let atr = placed.card.atr();
            self.push(
                CardEvent::CardInserted {
                    reader: reader.to_owned(),
                    atr,
                },
                Some(generation),
            );
        }
    }
}

struct Shared {
    name: String,
    state: Mutex<SlotState>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, SlotState> {
        // A virtual card that panicked mid-APDU leaves its own state to itself; the slot's
        // bookkeeping is only changed by whole assignments, so a poisoned lock is usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The reader half: owned by whoever reads cards, through the [`CardReader`] trait.
pub struct SimulatedCardReader {
    shared: Arc<Shared>,
    /// Generation of the card the caller last heard of or talked to (see the module docs).
    session: Option<u64>,
}

/// The hand that places and pulls cards and plugs the reader in and out.
///
/// Cloned freely: the demo's control panel and a test's helper thread can each hold one.
#[derive(Clone)]
pub struct SimulatedCardSlot {
    shared: Arc<Shared>,
}

impl SimulatedCardReader {
    /// A reader that starts plugged in and empty; its first event is `ReaderAttached`, as a
    /// PC/SC reader present at start is reported by the first status query.
    pub fn new(reader_name: impl Into<String>) -> (SimulatedCardReader, SimulatedCardSlot) {
        let name = reader_name.into();
        let mut state = SlotState {
            plugged: true,
            card: None,
            next_generation: 0,
            pending: VecDeque::new(),
        };
        state.push(
            CardEvent::ReaderAttached {
                reader: name.clone(),
            },
            None,
        );
        let shared = Arc::new(Shared {
            name,
            state: Mutex::new(state),
            changed: Condvar::new(),
        });
        let reader = SimulatedCardReader {
            shared: Arc::clone(&shared),
            session: None,
        };
        (reader, SimulatedCardSlot { shared })
    }

    fn error(&self, kind: ErrorKind, detail: impl fmt::Display) -> SimulatedCardError {
        SimulatedCardError::new(kind, format!("reader {}: {detail}", self.shared.name))
    }

    fn note_delivered(&mut self, pending: &PendingEvent) {
        match pending.event {
            CardEvent::CardInserted { .. } => self.session = pending.generation,
            CardEvent::CardRemoved { .. } if self.session == pending.generation => {
                self.session = None;
            }
            CardEvent::ReaderDetached { .. } => self.session = None,
            _ => {}
        }
    }
}

impl CardReader for SimulatedCardReader {
    type Error = SimulatedCardError;

    fn wait_event(&mut self, timeout: Duration) -> Result<Option<CardEvent>, Self::Error> {
        // A timeout too large to add to now means "wait for ever".
        let deadline = Instant::now().checked_add(timeout);
        let shared = Arc::clone(&self.shared);
        let mut state = shared.lock();
        loop {
            if let Some(pending) = state.pending.pop_front() {
                drop(state);
                self.note_delivered(&pending);
                return Ok(Some(pending.event));
            }
            state = match deadline {
                None => shared
                    .changed
                    .wait(state)
                    .unwrap_or_else(|poisoned| poisoned.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Ok(None);
                    }
                    shared
                        .changed
                        .wait_timeout(state, deadline - now)
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .0
                }
            };
        }
    }

    /// `None` also while the reader is unplugged: a card lying on a dead reader cannot be
    /// seen.
    fn atr(&self) -> Option<Atr> {
        let state = self.shared.lock();
        if !state.plugged {
            return None;
        }
        state.card.as_ref().map(|placed| placed.card.atr())
    }

    /// The slot's lock is held while the card answers, so a removal waits for the APDU in
    /// flight and fails the next one, as a real exchange is atomic at the APDU level.
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, Self::Error> {
        let shared = Arc::clone(&self.shared);
        let mut state = shared.lock();
        if !state.plugged {
            return Err(self.error(ErrorKind::Disconnected, "reader is unplugged"));
        }
        let Some(placed) = state.card.as_mut() else {
            return Err(match self.session {
                Some(_) => self.error(ErrorKind::CardRemoved, "the card left the reader"),
                None => self.error(ErrorKind::NotPresent, "no card on the reader"),
            });
        };
        if self
            .session
            .is_some_and(|session| session != placed.generation)
        {
            return Err(self.error(
                ErrorKind::CardRemoved,
                "the card in use left the reader; another card is there now",
            ));
        }
        if command.len() < 4 {
            return Err(self.error(
                ErrorKind::InvalidInput,
                format_args!(
                    "command of {} bytes has no CLA INS P1 P2 header",
                    command.len()
                ),
            ));
        }
        let response = placed.card.process_apdu(command);
        self.session = Some(placed.generation);
        drop(state);
        if response.len() < 2 {
            return Err(self.error(
                ErrorKind::Other,
                format_args!(
                    "card answered {} bytes, need at least SW1 SW2",
                    response.len()
                ),
            ));
        }
        Ok(response)
    }

    fn self_test(&mut self) -> SelfTestReport {
        let started = Instant::now();
        let (plugged, card_present) = {
            let state = self.shared.lock();
            (state.plugged, state.card.is_some())
        };
        let (outcome, detail) = match (plugged, card_present) {
            (false, _) => (TestOutcome::Fail, "reader is unplugged".to_owned()),
            (true, true) => (
                TestOutcome::Pass,
                "reader plugged in; a card is on it".to_owned(),
            ),
            (true, false) => (
                TestOutcome::Pass,
                "reader plugged in; no card on it".to_owned(),
            ),
        };
        SelfTestReport {
            device: "card reader",
            backend: format!("simulated:{}", self.shared.name),
            outcome,
            detail,
            took: started.elapsed(),
        }
    }
}

impl fmt::Debug for SimulatedCardReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatedCardReader")
            .field("name", &self.shared.name)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl SimulatedCardSlot {
    /// Places `card` on the reader, replacing (and reporting as removed) any card already
    /// there. The card is reset when powered, which is now if the reader is plugged in and
    /// otherwise when it is plugged back.
    pub fn insert(&self, card: Box<dyn VirtualCard>) {
        let mut state = self.shared.lock();
        if let Some(old) = state.card.take()
            && state.plugged
        {
            state.push(
                CardEvent::CardRemoved {
                    reader: self.shared.name.clone(),
                },
                Some(old.generation),
            );
        }
        state.card = Some(PlacedCard {
            card,
            generation: 0,
        });
        if state.plugged {
            state.power_up_card(&self.shared.name);
        }
        drop(state);
        self.shared.changed.notify_all();
    }

    /// Takes the card off the reader and hands it back, so a test or the demo can put the
    /// same card (with whatever it remembers) back later.
    pub fn remove(&self) -> Option<Box<dyn VirtualCard>> {
        let mut state = self.shared.lock();
        let placed = state.card.take()?;
        if state.plugged {
            state.push(
                CardEvent::CardRemoved {
                    reader: self.shared.name.clone(),
                },
                Some(placed.generation),
            );
        }
        drop(state);
        self.shared.changed.notify_all();
        Some(placed.card)
    }

    /// Pulls the reader's cable. A card on it stays where it lies but loses power, so it is
    /// reported removed before the reader is reported gone.
    pub fn unplug_reader(&self) {
        let mut state = self.shared.lock();
        if !state.plugged {
            return;
        }
        state.plugged = false;
        if let Some(generation) = state.card.as_ref().map(|placed| placed.generation) {
            state.push(
                CardEvent::CardRemoved {
                    reader: self.shared.name.clone(),
                },
                Some(generation),
            );
        }
        state.push(
            CardEvent::ReaderDetached {
                reader: self.shared.name.clone(),
            },
            None,
        );
        drop(state);
        self.shared.changed.notify_all();
    }

    /// Plugs the reader back; a card left lying on it is powered and reported inserted
    /// after the reader is reported attached.
    pub fn plug_reader(&self) {
        let mut state = self.shared.lock();
        if state.plugged {
            return;
        }
        state.plugged = true;
        state.push(
            CardEvent::ReaderAttached {
                reader: self.shared.name.clone(),
            },
            None,
        );
        state.power_up_card(&self.shared.name);
        drop(state);
        self.shared.changed.notify_all();
    }

    /// Whether a card lies on the reader, powered or not (the reader may be unplugged).
    pub fn is_card_present(&self) -> bool {
        self.shared.lock().card.is_some()
    }

    /// Whether the reader is plugged in.
    pub fn is_reader_plugged(&self) -> bool {
        self.shared.lock().plugged
    }
}

impl fmt::Debug for SimulatedCardSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatedCardSlot")
            .field("name", &self.shared.name)
            .finish_non_exhaustive()
    }
}

/// A card with no applications on it, such as a bank card without the eMRTD applet: used
/// to test that the kiosk says "this is not an ID card" instead of failing obscurely.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BlankCard;

impl BlankCard {
    /// The ATR PC/SC readers synthesise for an ISO 14443-4 card with no historical bytes
    /// (PC/SC part 3 §3.1.3.2.3): T=1 announced, check byte included.
    pub const ATR: [u8; 5] = [0x3B, 0x80, 0x80, 0x01, 0x01];
}

impl VirtualCard for BlankCard {
    fn atr(&self) -> Atr {
        Atr::new(Self::ATR).expect("a constant five-byte ATR is within ISO/IEC 7816-3 limits")
    }

    fn process_apdu(&mut self, command: &[u8]) -> Vec<u8> {
        if command.len() < 4 {
            // ISO/IEC 7816-4 §5.6: wrong length.
            vec![0x67, 0x00]
        } else {
            // ISO/IEC 7816-4 §5.6: file or application not found.
            vec![0x6A, 0x82]
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    const SHORT: Duration = Duration::from_millis(10);
    const GENEROUS: Duration = Duration::from_secs(5);
    const SELECT_MRTD: [u8; 12] = [
        0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01,
    ];

    /// Echoes each command followed by 90 00, and counts its resets.
    struct EchoCard {
        atr: Vec<u8>,
        resets: Arc<AtomicUsize>,
    }

    impl EchoCard {
        fn boxed(atr: &[u8]) -> (Box<dyn VirtualCard>, Arc<AtomicUsize>) {
            let resets = Arc::new(AtomicUsize::new(0));
            let card = EchoCard {
                atr: atr.to_vec(),
                resets: Arc::clone(&resets),
            };
            (Box::new(card), resets)
        }
    }

    impl VirtualCard for EchoCard {
        fn atr(&self) -> Atr {
            Atr::new(self.atr.clone()).expect("test ATR is valid")
        }

        fn process_apdu(&mut self, command: &[u8]) -> Vec<u8> {
            let mut response = command.to_vec();
            response.extend_from_slice(&[0x90, 0x00]);
            response
        }

        fn reset(&mut self) {
            self.resets.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Answers with a single byte, which no card may do.
    struct MumblingCard;

    impl VirtualCard for MumblingCard {
        fn atr(&self) -> Atr {
            BlankCard.atr()
        }

        fn process_apdu(&mut self, _command: &[u8]) -> Vec<u8> {
            vec![0x90]
        }
    }

    fn atr(bytes: &[u8]) -> Atr {
        Atr::new(bytes.to_vec()).expect("test ATR is valid")
    }

    fn events(reader: &mut SimulatedCardReader) -> Vec<CardEvent> {
        let mut seen = Vec::new();
        while let Some(event) = reader.wait_event(Duration::ZERO).expect("wait_event") {
            seen.push(event);
        }
        seen
    }

    fn attached() -> CardEvent {
        CardEvent::ReaderAttached {
            reader: "sim0".into(),
        }
    }

    fn detached() -> CardEvent {
        CardEvent::ReaderDetached {
            reader: "sim0".into(),
        }
    }

    fn inserted(bytes: &[u8]) -> CardEvent {
        CardEvent::CardInserted {
            reader: "sim0".into(),
            atr: atr(bytes),
        }
    }

    fn removed() -> CardEvent {
        CardEvent::CardRemoved {
            reader: "sim0".into(),
        }
    }

    #[test]
    fn first_event_is_reader_attached_then_nothing() {
        let (mut reader, _slot) = SimulatedCardReader::new("sim0");
        assert_eq!(reader.wait_event(SHORT).expect("wait"), Some(attached()));
        assert_eq!(reader.wait_event(SHORT).expect("wait"), None);
    }

    #[test]
    fn events_follow_inserts_removals_and_cables() {
        let (mut reader, slot) = SimulatedCardReader::new("sim0");
        let (first, _) = EchoCard::boxed(&[0x3B, 0x01]);
        let (second, _) = EchoCard::boxed(&[0x3B, 0x02]);
        slot.insert(first);
        slot.insert(second);
        slot.unplug_reader();
        slot.plug_reader();
        assert!(slot.remove().is_some());
        assert!(slot.remove().is_none());
        assert_eq!(
            events(&mut reader),
            vec![
                attached(),
                inserted(&[0x3B, 0x01]),
                removed(),
                inserted(&[0x3B, 0x02]),
                removed(),
                detached(),
                attached(),
                inserted(&[0x3B, 0x02]),
                removed(),
            ]
        );
    }

    #[test]
    fn an_unplugged_reader_sees_no_card_until_plugged_back() {
        let (mut reader, slot) = SimulatedCardReader::new("sim0");
        slot.unplug_reader();
        slot.unplug_reader();
        let (card, resets) = EchoCard::boxed(&[0x3B, 0x01]);
        slot.insert(card);
        assert!(slot.is_card_present());
        assert!(!slot.is_reader_plugged());
        assert_eq!(reader.atr(), None);
        assert_eq!(resets.load(Ordering::SeqCst), 0);
        assert_eq!(events(&mut reader), vec![attached(), detached()]);
        slot.plug_reader();
        assert_eq!(resets.load(Ordering::SeqCst), 1);
        assert_eq!(
            events(&mut reader),
            vec![attached(), inserted(&[0x3B, 0x01])]
        );
        assert_eq!(reader.atr(), Some(atr(&[0x3B, 0x01])));
    }

    #[test]
    fn inserting_resets_the_card() {
        let (_reader, slot) = SimulatedCardReader::new("sim0");
        let (card, resets) = EchoCard::boxed(&[0x3B, 0x01]);
        slot.insert(card);
        assert_eq!(resets.load(Ordering::SeqCst), 1);
        let card = slot.remove().expect("card was there");
        slot.insert(card);
        assert_eq!(resets.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn transmit_forwards_to_the_card_and_returns_its_answer() {
        let (mut reader, slot) = SimulatedCardReader::new("sim0");
        let (card, _) = EchoCard::boxed(&[0x3B, 0x01]);
        slot.insert(card);
        events(&mut reader);
        let response = reader.transmit(&SELECT_MRTD).expect("transmit");
        let mut expected = SELECT_MRTD.to_vec();
        expected.extend_from_slice(&[0x90, 0x00]);
        assert_eq!(response, expected);
    }

    #[test]
    fn a_card_pulled_before_transmit_is_card_removed_without_waiting_for_events() {
        let (mut reader, slot) = SimulatedCardReader::new("sim0");
        let (card, _) = EchoCard::boxed(&[0x3B, 0x01]);
        slot.insert(card);
        reader.transmit(&SELECT_MRTD).expect("card answers");
        slot.remove();
        let error = reader.transmit(&SELECT_MRTD).expect_err("card is gone");
        assert_eq!(error.kind(), ErrorKind::CardRemoved);
        // Once the removal has been reported, an empty reader is simply empty.
        events(&mut reader);
        let error = reader.transmit(&SELECT_MRTD).expect_err("still no card");
        assert_eq!(error.kind(), ErrorKind::NotPresent);
    }

    #[test]
    fn a_card_reported_inserted_then_pulled_is_card_removed() {
        let (mut reader, slot) = SimulatedCardReader::new("sim0");
        slot.insert(Box::new(BlankCard));
        events(&mut reader);
        slot.remove();
        let error = reader.transmit(&SELECT_MRTD).expect_err("card is gone");
        assert_eq!(error.kind(), ErrorKind::CardRemoved);
    }

    #[test]
    fn a_card_swapped_mid_read_fails_until_the_events_are_read() {
        let (mut reader, slot) = SimulatedCardReader::new("sim0");
        let (first, _) = EchoCard::boxed(&[0x3B, 0x01]);
        slot.insert(first);
        events(&mut reader);
        reader.transmit(&SELECT_MRTD).expect("first card answers");
        let (second, _) = EchoCard::boxed(&[0x3B, 0x02]);
        slot.insert(second);
        let error = reader.transmit(&SELECT_MRTD).expect_err("first card left");
        assert_eq!(error.kind(), ErrorKind::CardRemoved);
        assert_eq!(
            events(&mut reader),
            vec![removed(), inserted(&[0x3B, 0x02])]
        );
        reader.transmit(&SELECT_MRTD).expect("second card answers");
    }

    #[test]
    fn an_empty_reader_is_not_present() {
        let (mut reader, _slot) = SimulatedCardReader::new("sim0");
        let error = reader.transmit(&SELECT_MRTD).expect_err("no card");
        assert_eq!(error.kind(), ErrorKind::NotPresent);
        assert_eq!(reader.atr(), None);
    }

    #[test]
    fn an_unplugged_reader_is_disconnected() {
        let (mut reader, slot) = SimulatedCardReader::new("sim0");
        slot.insert(Box::new(BlankCard));
        slot.unplug_reader();
        let error = reader.transmit(&SELECT_MRTD).expect_err("unplugged");
        assert_eq!(error.kind(), ErrorKind::Disconnected);
        assert!(error.to_string().contains("sim0"), "{error}");
    }

    #[test]
    fn unplugging_reports_the_card_removed_before_the_reader() {
        let (mut reader, slot) = SimulatedCardReader::new("sim0");
        slot.insert(Box::new(BlankCard));
        events(&mut reader);
        slot.unplug_reader();
        assert_eq!(events(&mut reader), vec![removed(), detached()]);
    }

    #[test]
    fn a_removal_from_another_thread_wakes_a_blocked_reader() {
        let (mut reader, slot) = SimulatedCardReader::new("sim0");
        slot.insert(Box::new(BlankCard));
        events(&mut reader);
        let waiter = std::thread::spawn(move || reader.wait_event(GENEROUS));
        // Give the waiter a moment to block; the test passes either way.
        std::thread::sleep(SHORT);
        slot.remove();
        let event = waiter.join().expect("waiter thread").expect("wait_event");
        assert_eq!(event, Some(removed()));
    }

    #[test]
    fn a_malformed_command_is_invalid_input() {
        let (mut reader, slot) = SimulatedCardReader::new("sim0");
        slot.insert(Box::new(BlankCard));
        let error = reader.transmit(&[0x00, 0xA4, 0x04]).expect_err("too short");
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn a_card_answering_without_status_words_is_an_error() {
        let (mut reader, slot) = SimulatedCardReader::new("sim0");
        slot.insert(Box::new(MumblingCard));
        let error = reader.transmit(&SELECT_MRTD).expect_err("one byte answer");
        assert_eq!(error.kind(), ErrorKind::Other);
        assert!(error.message().contains("answered 1 bytes"), "{error}");
    }

    #[test]
    fn blank_card_has_no_applications() {
        let (mut reader, slot) = SimulatedCardReader::new("sim0");
        slot.insert(Box::new(BlankCard));
        assert_eq!(reader.atr(), Some(atr(&BlankCard::ATR)));
        assert_eq!(
            reader.transmit(&SELECT_MRTD).expect("transmit"),
            [0x6A, 0x82]
        );
        assert_eq!(
            reader
                .transmit(&[0x00, 0xB0, 0x00, 0x00, 0x10])
                .expect("transmit"),
            [0x6A, 0x82]
        );
        assert_eq!(BlankCard.process_apdu(&[0x00, 0xA4]), [0x67, 0x00]);
        assert_eq!(BlankCard.process_apdu(&[]), [0x67, 0x00]);
    }

    #[test]
    fn self_test_passes_when_plugged_and_fails_when_unplugged() {
        let (mut reader, slot) = SimulatedCardReader::new("sim0");
        let report = reader.self_test();
        assert_eq!(report.outcome, TestOutcome::Pass);
        assert_eq!(report.device, "card reader");
        assert_eq!(report.backend, "simulated:sim0");
        assert!(report.detail.contains("no card"), "{}", report.detail);
        slot.insert(Box::new(BlankCard));
        let report = reader.self_test();
        assert_eq!(report.outcome, TestOutcome::Pass);
        assert!(
            report.detail.contains("a card is on it"),
            "{}",
            report.detail
        );
        slot.unplug_reader();
        assert_eq!(reader.self_test().outcome, TestOutcome::Fail);
    }
}
