//! The QR code against the chip: after a chip read, the kiosk compares what the printed QR
//! code says with what the chip's DG13 says. A forged card can carry a genuine chip next
//! to a printed QR code of somebody else, or the reverse; any disagreement is reported by
//! field so the UI can refuse the card without showing either value.

use std::fmt;

use super::{CccdQr, CitizenIdNumber, Sex};
use crate::date::CalendarDate;
use crate::pii::Sensitive;

/// The identity fields of the chip (from DG13) that the QR code also carries.
///
/// Every field is optional because DG13's content varies between card generations; a
/// field the chip does not have is not compared. The DG13 parser's output maps into this.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChipIdentity {
    pub id_number: Option<CitizenIdNumber>,
    pub full_name: Option<Sensitive<String>>,
    pub date_of_birth: Option<Sensitive<CalendarDate>>,
    pub sex: Option<Sex>,
    pub issue_date: Option<CalendarDate>,
}

/// A field on which the QR code and the chip disagree. Carries no value of either side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Disagreement {
    IdNumber,
    FullName,
    DateOfBirth,
    Sex,
    IssueDate,
}

impl fmt::Display for Disagreement {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = match self {
            Disagreement::IdNumber => "ID number",
            Disagreement::FullName => "full name",
            Disagreement::DateOfBirth => "date of birth",
            Disagreement::Sex => "sex",
            Disagreement::IssueDate => "issue date",
        };
        write!(
            formatter,
            "the {field} on the QR code differs from the chip's"
        )
    }
}

/// Every field on which `qr` and `chip` disagree, in the order of [`Disagreement`]; empty
/// when they agree on every field the chip has.
///
/// Names are compared after trimming and collapsing runs of whitespace into one space, and
/// otherwise exactly: letter case and diacritics are part of a Vietnamese name. Both the QR
/// code and DG13 are written by the same issuing system, so we expect the same Unicode
/// normal form; if a card generation ever differs (NFC against NFD), this reports a
/// `FullName` disagreement rather than guessing, and normalisation would be added here.
pub fn compare_with_chip(qr: &CccdQr, chip: &ChipIdentity) -> Vec<Disagreement> {
    let mut disagreements = Vec::new();
    if chip
        .id_number
        .as_ref()
        .is_some_and(|id| id.expose() != qr.id_number().expose())
    {
        disagreements.push(Disagreement::IdNumber);
    }
    if chip.full_name.as_ref().is_some_and(|name| {
        collapse_whitespace(name.expose()) != collapse_whitespace(qr.full_name().expose())
    }) {
        disagreements.push(Disagreement::FullName);
    }
    if chip
        .date_of_birth
        .as_ref()
        .is_some_and(|birth| birth.expose() != qr.date_of_birth().expose())
    {
        disagreements.push(Disagreement::DateOfBirth);
    }
    if chip.sex.is_some_and(|sex| sex != qr.sex()) {
        disagreements.push(Disagreement::Sex);
    }
    if chip
        .issue_date
        .is_some_and(|issued| issued != qr.issue_date())
    {
        disagreements.push(Disagreement::IssueDate);
    }
    disagreements
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const QR_TEXT: &str = "079303000123|312345678|Trần Thị Bích Ngọc|01022003|Nữ|12 Lê Lợi, Quận 1, TP Hồ Chí Minh|20032021";

    fn qr() -> CccdQr {
        CccdQr::parse(QR_TEXT).unwrap_or_else(|error| panic!("{error}"))
    }

    fn id(text: &str) -> CitizenIdNumber {
        CitizenIdNumber::parse(text).unwrap_or_else(|error| panic!("{error}"))
    }

    fn date(year: u16, month: u8, day: u8) -> CalendarDate {
        CalendarDate::new(year, month, day).unwrap_or_else(|error| panic!("{error}"))
    }

    fn matching_chip() -> ChipIdentity {
        ChipIdentity {
            id_number: Some(id("079303000123")),
            full_name: Some(Sensitive::new("  Trần  Thị Bích\tNgọc ".to_owned())),
            date_of_birth: Some(Sensitive::new(date(2003, 2, 1))),
            sex: Some(Sex::Female),
            issue_date: Some(date(2021, 3, 20)),
        }
    }

    #[test]
    fn agreeing_sources_give_no_disagreement() {
        assert_eq!(compare_with_chip(&qr(), &matching_chip()), vec![]);
        assert_eq!(compare_with_chip(&qr(), &ChipIdentity::default()), vec![]);
    }

    #[test]
    fn every_differing_field_is_reported() {
        let chip = ChipIdentity {
            id_number: Some(id("079303000124")),
            full_name: Some(Sensitive::new("Trần Thị Bích Ngoc".to_owned())),
            date_of_birth: Some(Sensitive::new(date(2003, 2, 2))),
            sex: Some(Sex::Male),
            issue_date: Some(date(2021, 3, 21)),
        };
        assert_eq!(
            compare_with_chip(&qr(), &chip),
            vec![
                Disagreement::IdNumber,
                Disagreement::FullName,
                Disagreement::DateOfBirth,
                Disagreement::Sex,
                Disagreement::IssueDate,
            ]
        );
    }

    #[test]
    fn one_differing_field_is_reported_alone() {
        let chip = ChipIdentity {
            issue_date: Some(date(2022, 3, 20)),
            ..matching_chip()
        };
        assert_eq!(
            compare_with_chip(&qr(), &chip),
            vec![Disagreement::IssueDate]
        );
        let message = Disagreement::IssueDate.to_string();
        assert!(message.contains("issue date"), "{message}");
    }
}
