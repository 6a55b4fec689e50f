//! The chip's access control as an explicit state machine (ICAO 9303-11 §4 and §9.8).
//!
//! ```text
//!             GET CHALLENGE                 EXTERNAL AUTHENTICATE ok
//!   Locked ─────────────────▶ BacChallenged ──────────────────────────▶ Secure { Bac }
//!     ▲                            │ wrong key: 6300, attempt counted         │
//!     └────────────────────────────┘                                          │
//!     ▲   bad MAC / missing SM objects (6988 / 6987), a plain command, reset  │
//!     └───────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! Next, when the chip sides of the other protocols land (each arm is marked in
//! `applet.rs` where the commands arrive):
//!
//! - PACE (ICAO 9303-11 §4.4): `Locked` + MSE:Set AT (P1P2 C1A4) → a `PaceStarted`
//!   state holding `ChipPace`, driven by the four chained GENERAL AUTHENTICATE steps, and
//!   ending in `Secure { Pace }` with an AES session and a zero send sequence counter.
//! - Chip Authentication (§6.2): `Secure` + MSE:Set AT (41A4) and GENERAL AUTHENTICATE
//!   with the terminal's ephemeral key → the answer goes out under the old keys, then the
//!   session is replaced: `Secure { ChipAuthentication }` (the "re-keyed" state).
//! - Active Authentication (§6.1): INTERNAL AUTHENTICATE under `Secure`, no transition.
//!
//! Until then the chip answers those commands as a chip without the protocol does (see
//! `applet.rs`), so a reader falls back to BAC and reports the clone check as not run.

use std::fmt;

use crate::sm::ChipSecureMessaging;
use crate::sm::bac::ChipBac;

/// The protocol that opened the secure-messaging session now in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccessProtocol {
    /// Basic Access Control with the MRZ key (ICAO 9303-11 §4.3).
    Bac,
}

/// What the chip's access control is doing, for tests and the demo panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessState {
    /// No session: only the eMRTD application and EF.CardAccess can be reached.
    Locked,
    /// RND.IC handed out; EXTERNAL AUTHENTICATE expected.
    AwaitingBacAuthentication,
    /// Every command must come under secure messaging with the session's keys.
    SecureMessaging(AccessProtocol),
}

/// The state itself, holding each protocol's chip side. Transitions take the old state
/// by value (see `CccdChip::respond`), so a consumed challenge cannot be answered twice.
pub(crate) enum Access {
    Locked,
    BacChallenged(ChipBac),
    Secure(SecureSession),
}

impl Access {
    pub(crate) fn state(&self) -> AccessState {
        match self {
            Self::Locked => AccessState::Locked,
            Self::BacChallenged(_) => AccessState::AwaitingBacAuthentication,
            Self::Secure(session) => AccessState::SecureMessaging(session.established_by),
        }
    }
}

impl fmt::Debug for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.state(), f)
    }
}

/// An open secure-messaging session, chip side, and how it came about.
pub(crate) struct SecureSession {
    pub(crate) sm: ChipSecureMessaging,
    pub(crate) established_by: AccessProtocol,
}

/// Failed attempts at mutual authentication since the chip was made.
///
/// Real chips keep this in non-volatile memory and answer a run of failures with growing
/// delays or a block (the defence against guessing the key, see [`crate::access_key`]);
/// the count therefore survives [`super::CccdChip::reset`]. The emulator adds no delay —
/// tests would only get slower — but exposes the count, so a test can prove that the
/// reader does not spend attempts it did not need.
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
