//! The chip's access control as an explicit state machine (ICAO 9303-11 §4, §6.2, §9.8).
//!
//! ```text
//!             GET CHALLENGE                 EXTERNAL AUTHENTICATE ok
//!   Locked ─────────────────▶ BacChallenged ──────────────────────────▶ Secure { Bac }
//!     │ ▲                          │ wrong key: 6300, attempt counted         │
//!     │ └──────────────────────────┘                                          │
//!     │ MSE:Set AT C1A4        GENERAL AUTHENTICATE ×4, tokens verify         │
//!     └──────────────▶ PaceRunning ─────────────────────────▶ Secure { Pace } │
//!     ▲                    │ wrong password: 6300/63Cx, attempt counted   │   │
//!     ├────────────────────┘                                              │   │
//!     │                  MSE:Set AT 41A4 + GENERAL AUTHENTICATE (or Set KAT)  │
//!     │                  answered under the old keys, then re-keyed:          │
//!     │                  Secure { .., chip_authenticated }  ◀─────────────────┘
//!     │  bad MAC / missing SM objects (6988 / 6987), a plain command, reset   │
//!     └───────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! PACE may start before the eMRTD application is selected (the reader has just read
//! EF.CardAccess from the master file) or after; ICAO 9303-11 §4.2 has the terminal select
//! the application under secure messaging afterwards. Active Authentication (§6.1,
//! INTERNAL AUTHENTICATE) needs a session and changes no state.

use std::fmt;

use crate::clone_detection::ChipCaResponder;
use crate::pace::ChipPace;
use crate::sm::ChipSecureMessaging;
use crate::sm::bac::ChipBac;

/// The protocol that opened the secure-messaging session now in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccessProtocol {
    /// Basic Access Control with the MRZ key (ICAO 9303-11 §4.3).
    Bac,
    /// PACE with the Card Access Number (ICAO 9303-11 §4.4, password reference 02).
    PaceCan,
    /// PACE with the MRZ information (password reference 01).
    PaceMrz,
}

/// What the chip's access control is doing, for tests and the demo panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessState {
    /// No session: only the eMRTD application and EF.CardAccess can be reached.
    Locked,
    /// RND.IC handed out; EXTERNAL AUTHENTICATE expected.
    AwaitingBacAuthentication,
    /// MSE:Set AT accepted; PACE's GENERAL AUTHENTICATE steps under way.
    PaceInProgress,
    /// Every command must come under secure messaging with the session's keys.
    SecureMessaging(AccessProtocol),
    /// As [`Self::SecureMessaging`], with the keys Chip Authentication agreed (§6.2).
    ChipAuthenticated(AccessProtocol),
}

/// The state itself, holding each protocol's chip side. Transitions take the old state
/// by value (see `CccdChip::respond`), so a consumed challenge cannot be answered twice.
pub(crate) enum Access {
    Locked,
    BacChallenged(ChipBac),
    PaceRunning(PaceRun),
    Secure(SecureSession),
}

impl Access {
    pub(crate) fn state(&self) -> AccessState {
        match self {
            Self::Locked => AccessState::Locked,
            Self::BacChallenged(_) => AccessState::AwaitingBacAuthentication,
            Self::PaceRunning(_) => AccessState::PaceInProgress,
            Self::Secure(session) if session.chip_authenticated => {
                AccessState::ChipAuthenticated(session.established_by)
            }
            Self::Secure(session) => AccessState::SecureMessaging(session.established_by),
        }
    }
}

impl fmt::Debug for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.state(), f)
    }
}

/// One run of PACE, from MSE:Set AT to the mutual authentication.
pub(crate) struct PaceRun {
    pub(crate) pace: ChipPace,
    /// CAN or MRZ, from DO'83' of MSE:Set AT: the protocol the session will be opened by.
    pub(crate) opens: AccessProtocol,
}

/// An open secure-messaging session, chip side, and how it came about.
pub(crate) struct SecureSession {
    pub(crate) sm: ChipSecureMessaging,
    pub(crate) established_by: AccessProtocol,
    /// The chip's side of Chip Authentication for this session, when the chip offers it:
    /// a fresh one per session, so that an MSE:Set AT from an earlier session is gone.
    pub(crate) chip_authentication: Option<ChipCaResponder>,
    pub(crate) chip_authenticated: bool,
}

/// Failed attempts at access control (BAC's EXTERNAL AUTHENTICATE, PACE's mutual
/// authentication) since the chip was made.
///
/// Real chips keep this in non-volatile memory and answer a run of failures with growing
/// delays or a block (the defence against guessing the key, see [`crate::access_key`]);
/// the count therefore survives [`super::CccdChip::reset`]. The emulator adds no delay —
/// tests would only get slower — but exposes the count, so a test can prove that the
/// reader does not spend attempts it did not need. A PACE retry counter that blocks the
/// password (BSI TR-03110-3 §B.11.1) is a separate, optional behaviour
/// ([`super::ChipQuirks::pace_retry_counter`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct AttemptCounter {
    failed: u32,
}

impl AttemptCounter {
    pub(crate) fn record_failure(&mut self) {
        self.failed = self.failed.saturating_add(1);
    }

    pub(crate) fn failed(self) -> u32 {
        self.failed
    }
}
