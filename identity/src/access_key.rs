//! Access keys for BAC and PACE, and the candidate keys a kiosk derives for a card.
//!
//! The chip opens its files only after BAC (ICAO 9303-11 §4.3) or PACE (§4.4) with a key
//! the reader knows from outside the chip: the MRZ information (document number, date of
//! birth, date of expiry, each with its check digit) or the Card Access Number. For the
//! CCCD, apps use the last 6 digits of the ID number as CAN, and the MRZ document number is
//! the last 9 digits. The kiosk usually has the QR code or a typed ID number, neither of
//! which holds the expiry date, so the MRZ keys come with expiry dates derived from the
//! Identity Law's renewal ages ([`expiry`]).
//!
//! **Why the order and the length of the candidate list matter.** Every failed mutual
//! authentication is an attempt the chip may count: chips commonly answer repeated
//! failures with growing delays or by refusing further attempts (the usual defence against
//! guessing the key), and a card that has slowed down or locked itself cannot be read at
//! the kiosk while the citizen waits. So the candidates come most likely first, without duplicates, and at most
//! [`MAX_CANDIDATES`] of them. The CAN comes first because it depends on nothing that must
//! be guessed (the chip announces PACE in EF.CardAccess); a reader falling back to BAC
//! skips it, since BAC has no CAN.

pub mod expiry;

use std::fmt;

use crate::date::{CalendarDate, DateError};
use crate::mrz::{Td1Mrz, check_digit, is_mrz_character};
use crate::pii::REDACTED;
use crate::qr::{CccdQr, CitizenIdNumber};
use expiry::{CardExpiry, card_expiry, possible_expiries};

/// The most candidate keys returned for one card, the CAN included.
pub const MAX_CANDIDATES: usize = 4;

/// How far before its printed issue date a card's renewal rule may have been applied: the
/// application is taken some days or weeks before the card is issued, and the 2-year grace
/// period may have been judged on the application date.
pub const ISSUE_DATE_SLACK_DAYS: i64 = 31;

/// PACE password reference for the MRZ, as MSE:Set AT names it in tag `83` (ICAO 9303-11,
/// PACE; the same values as BSI TR-03110-3).
pub const PACE_PASSWORD_MRZ: u8 = 0x01;
/// PACE password reference for the CAN.
pub const PACE_PASSWORD_CAN: u8 = 0x02;

/// A key to open the chip.
///
/// `Debug` hides the content: the CAN and the MRZ fields are personal data and secrets.
#[derive(Clone, PartialEq, Eq)]
pub enum AccessKey {
    /// The Card Access Number: 6 digits.
    Can(String),
    /// The MRZ fields that BAC and PACE-MRZ derive their key from.
    Mrz {
        document_number: String,
        date_of_birth: CalendarDate,
        date_of_expiry: CalendarDate,
    },
}

/// Why an access key could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessKeyError {
    #[error("a CAN has exactly 6 digits")]
    CanNotSixDigits,
    #[error("the MRZ date of birth: {0}")]
    MrzDateOfBirth(#[source] DateError),
    #[error("the MRZ date of expiry: {0}")]
    MrzDateOfExpiry(#[source] DateError),
}

impl AccessKey {
    /// A CAN typed or read from the card: exactly 6 digits, surrounding spaces ignored.
    pub fn from_can(text: &str) -> Result<Self, AccessKeyError> {
        let text = text.trim();
        if text.len() == 6 && text.bytes().all(|byte| byte.is_ascii_digit()) {
            Ok(AccessKey::Can(text.to_owned()))
        } else {
            Err(AccessKeyError::CanNotSixDigits)
        }
    }

    /// The MRZ key of a scanned or read zone.
    ///
    /// The MRZ writes years with two digits and only those enter the key, so the century
    /// matters only to whoever reads the dates back: the date of birth is placed in the
    /// hundred years ending with `current_year`, the expiry in those ending 50 years later.
    pub fn from_mrz(mrz: &Td1Mrz, current_year: u16) -> Result<Self, AccessKeyError> {
        let date_of_birth = mrz
            .date_of_birth()
            .expose()
            .to_calendar_date(current_year)
            .map_err(AccessKeyError::MrzDateOfBirth)?;
        let date_of_expiry = mrz
            .date_of_expiry()
            .to_calendar_date(current_year.saturating_add(50))
            .map_err(AccessKeyError::MrzDateOfExpiry)?;
        Ok(AccessKey::Mrz {
            document_number: mrz.document_number().expose().clone(),
            date_of_birth,
            date_of_expiry,
        })
    }

    /// The MRZ information (ICAO 9303-11 §4.3.2, §9.7.2) that BAC's key seed and the
    /// PACE-MRZ password are both SHA-1 hashes of: document number, its check digit,
    /// date of birth `yymmdd`, its check digit, date of expiry `yymmdd`, its check digit.
    /// A document number shorter than 9 characters is padded with `<` to 9, as in the MRZ;
    /// a longer one is used whole.
    ///
    /// `None` for a CAN, or when the document number is empty or has characters outside the
    /// MRZ set (it must be written as in the MRZ: capitals and digits).
    pub fn mrz_information(&self) -> Option<String> {
        let AccessKey::Mrz {
            document_number,
            date_of_birth,
            date_of_expiry,
        } = self
        else {
            return None;
        };
        if document_number.is_empty() || !document_number.bytes().all(is_mrz_character) {
            return None;
        }
        let mut number = document_number.clone();
        while number.len() < 9 {
            number.push('<');
        }
        let birth = date_of_birth.to_yymmdd();
        let expiry = date_of_expiry.to_yymmdd();
        Some(format!(
            "{number}{}{birth}{}{expiry}{}",
            check_digit(&number)?,
            check_digit(&birth)?,
            check_digit(&expiry)?
        ))
    }

    /// The password reference that PACE's MSE:Set AT names for this key.
    pub fn pace_password_reference(&self) -> u8 {
        match self {
            AccessKey::Can(_) => PACE_PASSWORD_CAN,
            AccessKey::Mrz { .. } => PACE_PASSWORD_MRZ,
        }
    }
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccessKey::Can(_) => write!(formatter, "AccessKey::Can({REDACTED})"),
            AccessKey::Mrz { .. } => write!(formatter, "AccessKey::Mrz({REDACTED})"),
        }
    }
}

/// The candidate keys for the card whose QR code is `qr`, most likely first.
///
/// The QR code gives the issue date, so the expiry follows from [`card_expiry`]. Then, in
/// this order, the readings that differ only at the edges of the rule: the expiry if the
/// rule was applied up to [`ISSUE_DATE_SLACK_DAYS`] before the printed issue date, or one
/// day after it; and for a holder born on 29 February, 1 March besides 28 February.
///
/// A card valid for life gets no MRZ candidate, only the CAN. What such a card's MRZ holds
/// as expiry is not published (the card face says "Không thời hạn"; ICAO 9303 has no
/// "no expiry" value for TD1), and a guess would spend one of the chip's attempts.
pub fn candidates_from_qr(qr: &CccdQr) -> Vec<AccessKey> {
    let date_of_birth = *qr.date_of_birth().expose();
    let issue_date = qr.issue_date();
    let issue_readings = [
        Some(issue_date),
        issue_date.add_days(-ISSUE_DATE_SLACK_DAYS),
        issue_date.next_day(),
    ];
    let expiries = issue_readings
        .into_iter()
        .flatten()
        .map(|issued| card_expiry(date_of_birth, issued));
    assemble(qr.id_number(), Some(date_of_birth), expiries)
}

/// The candidate keys for a card known only by its ID number (typed by the citizen) and,
/// if known, the date of birth.
///
/// Without the issue date every expiry the law allows for a chip card is possible; they
/// come in chronological order, the earliest (the card issued longest ago) first, and the
/// bound on the list keeps the number of tries small. Without a date of
/// birth, or with one whose year contradicts the ID number's birth-year digits (a typing
/// error: every MRZ key from it would fail), only the CAN is returned.
pub fn candidates_from_id(id: &CitizenIdNumber, dob: Option<CalendarDate>) -> Vec<AccessKey> {
    let date_of_birth = dob.filter(|birth| birth.year() == id.birth_year());
    let expiries = date_of_birth.map(possible_expiries).unwrap_or_default();
    assemble(id, date_of_birth, expiries)
}

/// The CAN, then an MRZ key per expiry, without duplicates and at most [`MAX_CANDIDATES`].
fn assemble(
    id: &CitizenIdNumber,
    date_of_birth: Option<CalendarDate>,
    expiries: impl IntoIterator<Item = CardExpiry>,
) -> Vec<AccessKey> {
    let mut keys = vec![AccessKey::Can(id.can())];
    let Some(date_of_birth) = date_of_birth else {
        return keys;
    };
    let born_on_leap_day = date_of_birth.month() == 2 && date_of_birth.day() == 29;
    for expiry in expiries {
        let CardExpiry::On(date) = expiry else {
            continue;
        };
        // The milestone birthday of someone born on 29 February falls on 28 February in
        // other years by our rule; 1 March is the other plausible reading.
        let leap_day_alternative =
            (born_on_leap_day && date.month() == 2 && date.day() == 28).then(|| date.next_day());
        for date_of_expiry in [Some(date), leap_day_alternative.flatten()]
            .into_iter()
            .flatten()
        {
            let key = AccessKey::Mrz {
                document_number: id.document_number(),
                date_of_birth,
                date_of_expiry,
            };
            if keys.len() < MAX_CANDIDATES && !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: u16, month: u8, day: u8) -> CalendarDate {
        CalendarDate::new(year, month, day).unwrap_or_else(|error| panic!("{error}"))
    }

    #[test]
    fn mrz_information_matches_icao_9303_11_appendix_d2() {
        let key = AccessKey::Mrz {
            document_number: "L898902C".to_owned(),
            date_of_birth: date(1969, 8, 6),
            date_of_expiry: date(1994, 6, 23),
        };
        assert_eq!(
            key.mrz_information().as_deref(),
            Some("L898902C<369080619406236")
        );
        assert_eq!(key.pace_password_reference(), PACE_PASSWORD_MRZ);
    }

    #[test]
    fn a_can_is_six_digits_and_has_no_mrz_information() {
        let can = AccessKey::from_can(" 012345 ");
        assert_eq!(can, Ok(AccessKey::Can("012345".to_owned())));
        assert_eq!(can.as_ref().ok().and_then(AccessKey::mrz_information), None);
        assert_eq!(
            can.as_ref().map(AccessKey::pace_password_reference),
            Ok(PACE_PASSWORD_CAN)
        );
        for bad in ["01234", "0123456", "01234a", "０12345"] {
            assert_eq!(
                AccessKey::from_can(bad),
                Err(AccessKeyError::CanNotSixDigits),
                "{bad}"
            );
        }
    }

    #[test]
    fn debug_hides_the_key() {
        let printed = format!("{:?}", AccessKey::Can("012345".to_owned()));
        assert!(!printed.contains("012345"), "{printed}");
    }

    #[test]
    fn an_invalid_document_number_gives_no_mrz_information() {
        for number in ["", "l898902c", "L898 902C"] {
            let key = AccessKey::Mrz {
                document_number: number.to_owned(),
                date_of_birth: date(1969, 8, 6),
                date_of_expiry: date(1994, 6, 23),
            };
            assert_eq!(key.mrz_information(), None, "{number:?}");
        }
    }
}
