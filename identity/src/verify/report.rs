//! The outcome of reading and checking a card, and the verdict the screen shows.

use std::collections::BTreeMap;

use crate::clone_detection::{CheckOutcome, CloneCheckReport};
use crate::lds::{DataGroup, Dg1, Dg1Error, Dg2Error, Dg13, Dg13Error, FaceImage};
use crate::passive::{PassiveAuthFailure, PassiveAuthReport};
use crate::qr::Disagreement;
use crate::reader::AccessMethod;

/// Everything read from the chip and every check's result. Holds personal data: it lives
/// for one session and is dropped (zeroizing the sensitive fields) when the session ends.
#[derive(Debug)]
pub struct CardVerification {
    pub access: AccessMethod,
    pub card_access: Option<Vec<u8>>,
    pub com: Vec<u8>,
    /// The data groups as read, for the back end to re-verify against the SOD.
    pub data_groups: BTreeMap<DataGroup, Vec<u8>>,
    pub sod: Vec<u8>,
    pub passive: PassiveAuthReport,
    pub clone: CloneCheckReport,
    pub dg1: Option<Result<Dg1, Dg1Error>>,
    pub dg13: Option<Result<Dg13, Dg13Error>>,
    pub face: Option<Result<FaceImage, Dg2Error>>,
    /// Fields where the card's QR code and its chip disagree (empty without a QR).
    pub qr_disagreements: Vec<Disagreement>,
}

/// Why a card is not taken as genuine, worst first, in terms the screen explains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotGenuine {
    /// The SOD, its signer or a data group does not check out: the data was changed, or
    /// signed by someone the kiosk does not trust.
    PassiveAuthentication(PassiveAuthFailure),
    /// The chip could not prove it holds its private key: a copy of a real card's data.
    CloneCheckFailed,
    /// The chip offers neither Chip nor Active Authentication, so a copy cannot be ruled
    /// out.
    NoCloneCheck,
    /// The chip's data contradicts the card's printed QR code.
    QrMismatch(Vec<Disagreement>),
}

/// The answer to "is this card genuine?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Genuine,
    NotGenuine(NotGenuine),
}

impl CardVerification {
    pub fn verdict(&self) -> Verdict {
        if let Some(failure) = self.passive.first_failure() {
            return Verdict::NotGenuine(NotGenuine::PassiveAuthentication(failure));
        }
        if !self.passive.passed() {
            // Nothing failed, yet nothing was compared: no data group was read.
            return Verdict::NotGenuine(NotGenuine::NoCloneCheck);
        }
        let ca_offered = !matches!(self.clone.chip_authentication, CheckOutcome::NotOffered);
        let aa_offered = !matches!(self.clone.active_authentication, CheckOutcome::NotOffered);
        if !self.clone.passed_one() {
            return Verdict::NotGenuine(if ca_offered || aa_offered {
                NotGenuine::CloneCheckFailed
            } else {
                NotGenuine::NoCloneCheck
            });
        }
        if !self.qr_disagreements.is_empty() {
            return Verdict::NotGenuine(NotGenuine::QrMismatch(self.qr_disagreements.clone()));
        }
        Verdict::Genuine
    }

    pub fn is_genuine(&self) -> bool {
        self.verdict() == Verdict::Genuine
    }
}
