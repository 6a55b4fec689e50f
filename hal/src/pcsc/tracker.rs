//! What the PC/SC backend knows of its readers and their cards, and the [`CardEvent`]s that
//! follow from each new observation.
//!
//! This is kept apart from the PC/SC calls so that the event rules, the same as the
//! simulated reader's (`sim::card`), are tested without a daemon: a reader seen for the
//! first time is `ReaderAttached`; a card seen on it is `CardInserted`; a reader that
//! vanishes with a card on it gives `CardRemoved` before `ReaderDetached`.

use std::collections::VecDeque;

use pcsc::State;

use crate::card::{Atr, CardEvent};

/// One reader's state as `SCardGetStatusChange` reported it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Observation<'a> {
    pub state: State,
    /// pcsc-lite counts card insertions and removals in the high word of the event state,
    /// so a card swapped between two waits is told apart from the one seen before.
    pub event_count: u32,
    pub atr: &'a [u8],
}

impl Observation<'_> {
    /// The ATR of a card that can be used: present, answering (not mute) and with an ATR
    /// that ISO/IEC 7816-3 allows. A mute card is as good as none to the kiosk.
    fn usable_card(&self) -> Option<Atr> {
        if !self.state.contains(State::PRESENT) || self.state.contains(State::MUTE) {
            return None;
        }
        Atr::new(self.atr.to_vec())
    }
}

#[derive(Debug)]
struct TrackedCard {
    atr: Atr,
    event_count: u32,
}

#[derive(Debug)]
struct TrackedReader {
    name: String,
    card: Option<TrackedCard>,
}

/// The readers in view, the card on each, and the events not yet handed out.
#[derive(Debug, Default)]
pub(crate) struct ReaderTracker {
    readers: Vec<TrackedReader>,
    pending: VecDeque<CardEvent>,
}

impl ReaderTracker {
    pub fn pop(&mut self) -> Option<CardEvent> {
        self.pending.pop_front()
    }

    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The readers in view, in the order they were first seen.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.readers.iter().map(|reader| reader.name.as_str())
    }

    /// PC/SC now lists `names` (already filtered): readers missing from the list are gone,
    /// new ones have arrived. Their cards are learnt from the next observation.
    pub fn listed(&mut self, names: &[String]) {
        let gone: Vec<String> = self
            .readers
            .iter()
            .filter(|reader| !names.contains(&reader.name))
            .map(|reader| reader.name.clone())
            .collect();
        for name in gone {
            self.detach(&name);
        }
        for name in names {
            if !self.readers.iter().any(|reader| &reader.name == name) {
                self.readers.push(TrackedReader {
                    name: name.clone(),
                    card: None,
                });
                self.pending.push_back(CardEvent::ReaderAttached {
                    reader: name.clone(),
                });
            }
        }
    }

    /// The reader went away; a card on it went with it and is reported first, as the
    /// simulated reader does when its cable is pulled.
    pub fn detach(&mut self, name: &str) {
        let Some(index) = self.readers.iter().position(|reader| reader.name == name) else {
            return;
        };
        let reader = self.readers.remove(index);
        if reader.card.is_some() {
            self.pending.push_back(CardEvent::CardRemoved {
                reader: reader.name.clone(),
            });
        }
        self.pending.push_back(CardEvent::ReaderDetached {
            reader: reader.name,
        });
    }

    /// Every reader is gone at once (pcscd stopped).
    pub fn detach_all(&mut self) {
        let names: Vec<String> = self.names().map(str::to_owned).collect();
        for name in names {
            self.detach(&name);
        }
    }

    /// `SCardGetStatusChange` reported a new state for the reader `name`.
    pub fn observed(&mut self, name: &str, observation: Observation<'_>) {
        // pcsc-lite marks a reader that left while we waited UNKNOWN (and IGNORE once it is
        // no longer known at all).
        if observation.state.intersects(State::UNKNOWN | State::IGNORE) {
            self.detach(name);
            return;
        }
        // The reader's state cannot be read right now (another process holds it in direct
        // mode); keep what was known until a real state comes.
        if observation.state.contains(State::UNAVAILABLE) {
            return;
        }
        let Some(reader) = self.readers.iter_mut().find(|reader| reader.name == name) else {
            return;
        };
        let seen = observation.usable_card();
        let swapped = match (&reader.card, &seen) {
            (Some(old), Some(atr)) => old.event_count != observation.event_count || old.atr != *atr,
            _ => false,
        };
        if reader.card.is_some() && (seen.is_none() || swapped) {
            reader.card = None;
            self.pending.push_back(CardEvent::CardRemoved {
                reader: reader.name.clone(),
            });
        }
        if let Some(atr) = seen {
            if reader.card.is_none() {
                self.pending.push_back(CardEvent::CardInserted {
                    reader: reader.name.clone(),
                    atr: atr.clone(),
                });
            }
            reader.card = Some(TrackedCard {
                atr,
                event_count: observation.event_count,
            });
        }
    }

    /// The ATR of the card on `reader`, if one is there.
    pub fn card_atr(&self, reader: &str) -> Option<Atr> {
        self.readers
            .iter()
            .find(|tracked| tracked.name == reader)
            .and_then(|tracked| tracked.card.as_ref())
            .map(|card| card.atr.clone())
    }

    /// The first reader, in the order they were seen, with a card on it.
    pub fn first_card(&self) -> Option<&str> {
        self.readers
            .iter()
            .find(|reader| reader.card.is_some())
            .map(|reader| reader.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ATR: [u8; 5] = [0x3B, 0x80, 0x80, 0x01, 0x01];
    const OTHER_ATR: [u8; 3] = [0x3B, 0x00, 0x00];

    fn present(count: u32, atr: &[u8]) -> Observation<'_> {
        Observation {
            state: State::PRESENT | State::CHANGED,
            event_count: count,
            atr,
        }
    }

    fn empty(count: u32) -> Observation<'static> {
        Observation {
            state: State::EMPTY | State::CHANGED,
            event_count: count,
            atr: &[],
        }
    }

    fn drain(tracker: &mut ReaderTracker) -> Vec<CardEvent> {
        std::iter::from_fn(|| tracker.pop()).collect()
    }

    fn attached(name: &str) -> CardEvent {
        CardEvent::ReaderAttached {
            reader: name.into(),
        }
    }

    fn detached(name: &str) -> CardEvent {
        CardEvent::ReaderDetached {
            reader: name.into(),
        }
    }

    fn inserted(name: &str, atr: &[u8]) -> CardEvent {
        CardEvent::CardInserted {
            reader: name.into(),
            atr: Atr::new(atr.to_vec()).expect("valid test ATR"),
        }
    }

    fn removed(name: &str) -> CardEvent {
        CardEvent::CardRemoved {
            reader: name.into(),
        }
    }

    #[test]
    fn readers_and_cards_present_at_start_are_reported_first() {
        let mut tracker = ReaderTracker::default();
        tracker.listed(&["A".into(), "B".into()]);
        tracker.observed("A", present(1, &ATR));
        tracker.observed("B", empty(0));
        assert_eq!(
            drain(&mut tracker),
            vec![attached("A"), attached("B"), inserted("A", &ATR)]
        );
        assert_eq!(tracker.first_card(), Some("A"));
        assert_eq!(
            tracker.card_atr("A").map(|a| a.as_bytes().to_vec()),
            Some(ATR.to_vec())
        );
        assert_eq!(tracker.card_atr("B"), None);
    }

    #[test]
    fn a_reader_unplugged_with_a_card_reports_the_card_removed_first() {
        let mut tracker = ReaderTracker::default();
        tracker.listed(&["A".into()]);
        tracker.observed("A", present(1, &ATR));
        drain(&mut tracker);
        tracker.listed(&[]);
        assert_eq!(drain(&mut tracker), vec![removed("A"), detached("A")]);
        // The same reader vanishing again (UNKNOWN state after the list) is not repeated.
        tracker.observed(
            "A",
            Observation {
                state: State::UNKNOWN | State::CHANGED,
                event_count: 0,
                atr: &[],
            },
        );
        assert_eq!(drain(&mut tracker), vec![]);
    }

    #[test]
    fn an_unknown_state_detaches_the_reader() {
        let mut tracker = ReaderTracker::default();
        tracker.listed(&["A".into()]);
        tracker.observed("A", present(1, &ATR));
        drain(&mut tracker);
        tracker.observed(
            "A",
            Observation {
                state: State::UNKNOWN | State::CHANGED,
                event_count: 1,
                atr: &[],
            },
        );
        assert_eq!(drain(&mut tracker), vec![removed("A"), detached("A")]);
        assert_eq!(tracker.names().count(), 0);
    }

    #[test]
    fn insert_and_remove_follow_the_present_bit() {
        let mut tracker = ReaderTracker::default();
        tracker.listed(&["A".into()]);
        tracker.observed("A", empty(0));
        tracker.observed("A", present(1, &ATR));
        tracker.observed("A", present(1, &ATR));
        tracker.observed("A", empty(2));
        assert_eq!(
            drain(&mut tracker),
            vec![attached("A"), inserted("A", &ATR), removed("A")]
        );
        assert_eq!(tracker.first_card(), None);
    }

    #[test]
    fn a_card_swapped_between_two_waits_is_removed_then_inserted() {
        let mut tracker = ReaderTracker::default();
        tracker.listed(&["A".into()]);
        tracker.observed("A", present(1, &ATR));
        drain(&mut tracker);
        // Same ATR (every contactless card may share one), but two more card events.
        tracker.observed("A", present(3, &ATR));
        assert_eq!(drain(&mut tracker), vec![removed("A"), inserted("A", &ATR)]);
        // A different ATR with an unchanged count (a daemon that does not count events).
        tracker.observed("A", present(3, &OTHER_ATR));
        assert_eq!(
            drain(&mut tracker),
            vec![removed("A"), inserted("A", &OTHER_ATR)]
        );
    }

    #[test]
    fn a_mute_card_or_one_with_an_impossible_atr_is_no_card() {
        let mut tracker = ReaderTracker::default();
        tracker.listed(&["A".into()]);
        tracker.observed(
            "A",
            Observation {
                state: State::PRESENT | State::MUTE,
                event_count: 1,
                atr: &[],
            },
        );
        tracker.observed("A", present(1, &[0x3B; 40]));
        assert_eq!(drain(&mut tracker), vec![attached("A")]);
    }

    #[test]
    fn an_unavailable_reader_keeps_its_card() {
        let mut tracker = ReaderTracker::default();
        tracker.listed(&["A".into()]);
        tracker.observed("A", present(1, &ATR));
        drain(&mut tracker);
        tracker.observed(
            "A",
            Observation {
                state: State::UNAVAILABLE | State::CHANGED,
                event_count: 1,
                atr: &[],
            },
        );
        assert_eq!(drain(&mut tracker), vec![]);
        assert_eq!(tracker.first_card(), Some("A"));
    }

    #[test]
    fn detach_all_reports_every_reader_gone() {
        let mut tracker = ReaderTracker::default();
        tracker.listed(&["A".into(), "B".into()]);
        tracker.observed("B", present(1, &ATR));
        drain(&mut tracker);
        tracker.detach_all();
        assert_eq!(
            drain(&mut tracker),
            vec![detached("A"), removed("B"), detached("B")]
        );
        assert!(!tracker.has_pending());
    }
}
