//! Clone detection: does the chip hold the private key that its signed data vouches for?
//!
//! Passive authentication proves the data on a chip was issued by Vietnam; it cannot tell
//! the original chip from a copy of its files. Two protocols can (ICAO 9303-11 §6):
//!
//! - [`chip_auth`]: Chip Authentication with the key of DG14 — an ECDH key agreement that
//!   re-keys secure messaging; only the genuine chip can speak under the new keys. The
//!   CCCD offers it, and it is preferred.
//! - [`active_auth`]: Active Authentication with the key of DG15 — the chip signs a fresh
//!   challenge (ISO/IEC 9796-2 RSA, see [`iso9796`], or plain ECDSA).
//!
//! Both run after BAC or PACE, under secure messaging. The keys they take come from DG14
//! and DG15 *after* passive authentication has checked those files' hashes; this module
//! takes already-parsed inputs ([`CaParameters`], [`AaPublicKey`]), and [`ec`] builds
//! keys from `SubjectPublicKeyInfo` DER. Each protocol also has its chip side
//! ([`ChipCaResponder`], [`ChipAaSigner`]) for the card emulator.
//!
//! [`CloneCheckReport`] records which checks ran and how each ended; a card is genuine
//! only if passive authentication passed and [`CloneCheckReport::passed_one`].

pub mod active_auth;
pub mod ca_responder;
pub mod chip_auth;
pub mod dg15;
pub mod ec;
pub mod hash;
pub mod iso9796;

pub use active_auth::{AaError, ActiveAuthentication, ChipAaSigner};
pub use ca_responder::{ChipCaAnswer, ChipCaResponder};
pub use chip_auth::{
    CaCommandStyle, CaError, CaKeyAgreement, CaParameters, CaRekeyed, ChipAuthenticated,
    run_chip_authentication, verify_chip_authentication,
};
pub use dg15::{AaPublicKey, Dg15, Dg15Error};
pub use ec::{ChipPublicKey, EcCurve, EcPrivateKey, EcPublicKey, KeyError};
pub use hash::HashAlgorithm;
pub use iso9796::{Iso9796Error, Iso9796Trailer};

/// How one clone check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome<E> {
    /// The chip proved it holds the private key.
    Passed,
    /// The check ran and the chip did not prove it; `E` says why (a clone, a refusal, or
    /// a card taken away: see the error's `transport_kind`).
    Failed(E),
    /// The card does not offer the check (no DG14 Chip Authentication info, no DG15).
    NotOffered,
    /// The card offers the check but it was not run (another check already passed, or
    /// the read stopped earlier).
    NotRun,
}

impl<E> CheckOutcome<E> {
    pub fn passed(&self) -> bool {
        matches!(self, Self::Passed)
    }

    /// `Passed` for `Ok`, `Failed` for `Err`.
    pub fn from_result<T>(result: Result<T, E>) -> Self {
        match result {
            Ok(_) => Self::Passed,
            Err(error) => Self::Failed(error),
        }
    }
}

/// What clone detection found on one card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloneCheckReport {
    pub chip_authentication: CheckOutcome<CaError>,
    pub active_authentication: CheckOutcome<AaError>,
}

impl CloneCheckReport {
    /// Whether at least one check proved the chip genuine (issue 3, point 5: Chip
    /// Authentication when offered, else Active Authentication).
    pub fn passed_one(&self) -> bool {
        self.chip_authentication.passed() || self.active_authentication.passed()
    }

    /// Whether any check failed: a failure is worth reporting even when another check
    /// passed, since a genuine chip passes every check it offers.
    pub fn any_failed(&self) -> bool {
        matches!(self.chip_authentication, CheckOutcome::Failed(_))
            || matches!(self.active_authentication, CheckOutcome::Failed(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apdu::StatusWord;

    #[test]
    fn one_passed_check_is_enough() {
        let report = CloneCheckReport {
            chip_authentication: CheckOutcome::Passed,
            active_authentication: CheckOutcome::NotRun,
        };
        assert!(report.passed_one());
        assert!(!report.any_failed());
        let fallback = CloneCheckReport {
            chip_authentication: CheckOutcome::NotOffered,
            active_authentication: CheckOutcome::from_result(Ok::<(), AaError>(())),
        };
        assert!(fallback.passed_one());
        let clone = CloneCheckReport {
            chip_authentication: CheckOutcome::Failed(CaError::NewKeysRefused(StatusWord(0x6988))),
            active_authentication: CheckOutcome::NotOffered,
        };
        assert!(!clone.passed_one());
        assert!(clone.any_failed());
        let nothing = CloneCheckReport {
            chip_authentication: CheckOutcome::NotOffered,
            active_authentication: CheckOutcome::NotOffered,
        };
        assert!(!nothing.passed_one());
        assert!(!nothing.any_failed());
    }
}
