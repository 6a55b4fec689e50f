//! The QR code printed on the front of the chip CCCD, and the check of it against the chip.
//!
//! The code holds UTF-8 text with fields separated by `|`:
//!
//! ```text
//! 001089012345||Nguyễn Văn An|15081989|Nam|Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội|01052021
//! ID number   old name          birth    sex address                           issued
//! ```
//!
//! Newer cards append more fields, possibly empty; they are kept, not interpreted. The text
//! comes from a camera and anyone can print a QR code, so [`CccdQr::parse`] checks each
//! field by its content (12 digits with a real province code, real dates, a name without
//! digits) and checks the fields against each other (the ID number encodes sex and birth
//! year), rather than trusting positions alone.

mod cross_check;
mod id_number;

pub use cross_check::{ChipIdentity, Disagreement, compare_with_chip};
pub use id_number::{CitizenIdNumber, IdNumberError, PROVINCE_CODES, Sex};

use crate::date::{CalendarDate, DateError};
use crate::pii::Sensitive;

/// The longest text a QR code can carry: version 40, error correction L, byte mode holds
/// 2953 bytes (ISO/IEC 18004's capacity table). Anything longer did not come from a card.
pub const MAX_QR_TEXT_BYTES: usize = 2953;

/// The fields every CCCD QR code has.
pub const BASE_FIELD_COUNT: usize = 7;

/// The most fields accepted. Cards seen so far append a handful; the bound keeps a hostile
/// code from making us allocate thousands of empty strings.
pub const MAX_FIELD_COUNT: usize = BASE_FIELD_COUNT + 24;

/// A field of the QR code, to say where a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QrField {
    IdNumber,
    OldIdNumber,
    FullName,
    DateOfBirth,
    Sex,
    PermanentAddress,
    IssueDate,
    /// An appended field, numbered from 0 after the issue date.
    Extra(usize),
}

/// Why a scanned text is not a valid CCCD QR code. The messages name the field and the
/// reason, never the citizen's data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    #[error("the QR code is empty")]
    Empty,
    #[error("the text is {length} bytes, more than a QR code holds ({MAX_QR_TEXT_BYTES})")]
    TooLong { length: usize },
    #[error("this QR code is not from a CCCD card: {reason}")]
    NotACccdQr { reason: &'static str },
    #[error("a CCCD QR code has at least {BASE_FIELD_COUNT} fields, this one has {found}")]
    TooFewFields { found: usize },
    #[error("a CCCD QR code has at most {MAX_FIELD_COUNT} fields, this one has {found}")]
    TooManyFields { found: usize },
    #[error("the ID number field: {0}")]
    IdNumber(#[source] IdNumberError),
    #[error("the old ID number field is neither empty nor 9 or 12 digits")]
    OldIdNumber,
    #[error("the full name field is empty")]
    MissingFullName,
    #[error("the full name field has digits in it")]
    DigitsInFullName,
    #[error("the {field:?} field has a control character")]
    ControlCharacter { field: QrField },
    #[error("the date of birth field: {0}")]
    DateOfBirth(#[source] DateError),
    #[error("the sex field is neither `Nam` nor `Nữ`")]
    UnknownSex,
    #[error("the issue date field: {0}")]
    IssueDate(#[source] DateError),
    #[error("the ID number's fourth digit says one sex and the sex field the other")]
    IdNumberSexMismatch,
    #[error("the ID number's century and year digits do not match the year of birth")]
    IdNumberBirthYearMismatch,
    #[error("the issue date is before the date of birth")]
    IssueBeforeBirth,
}

/// The content of a CCCD QR code, validated.
///
/// Personal fields are [`Sensitive`]: `Debug` shows the structure, never the citizen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CccdQr {
    id_number: CitizenIdNumber,
    old_id_number: Option<Sensitive<String>>,
    full_name: Sensitive<String>,
    date_of_birth: Sensitive<CalendarDate>,
    sex: Sex,
    permanent_address: Sensitive<String>,
    issue_date: CalendarDate,
    extra: Vec<Sensitive<String>>,
}

impl CccdQr {
    /// Parses and validates the text of a scanned QR code.
    ///
    /// Surrounding whitespace (scanners add line ends) and a byte-order mark are ignored,
    /// as is whitespace around each field. The permanent address may be empty: it is not
    /// checked by anything else, and refusing a card over it would gain nothing.
    pub fn parse(text: &str) -> Result<CccdQr, QrError> {
        if text.len() > MAX_QR_TEXT_BYTES {
            return Err(QrError::TooLong { length: text.len() });
        }
        let text = text.trim().trim_start_matches('\u{FEFF}').trim();
        if text.is_empty() {
            return Err(QrError::Empty);
        }
        if text.contains("://") {
            return Err(QrError::NotACccdQr {
                reason: "it is a web address",
            });
        }
        if !text.contains('|') {
            return Err(QrError::NotACccdQr {
                reason: "it has no `|`-separated fields",
            });
        }
        let field_count = text.split('|').count();
        if field_count < BASE_FIELD_COUNT {
            return Err(QrError::TooFewFields { found: field_count });
        }
        if field_count > MAX_FIELD_COUNT {
            return Err(QrError::TooManyFields { found: field_count });
        }
        let fields: Vec<&str> = text.split('|').map(str::trim).collect();
        let field = |index: usize| fields.get(index).copied().unwrap_or_default();

        for (index, value) in fields.iter().enumerate() {
            if value.chars().any(char::is_control) {
                return Err(QrError::ControlCharacter {
                    field: field_at(index),
                });
            }
        }

        let id_number = CitizenIdNumber::parse(field(0)).map_err(QrError::IdNumber)?;
        let old_id_number = parse_old_id_number(field(1))?;
        let full_name = parse_full_name(field(2))?;
        let date_of_birth = CalendarDate::parse_ddmmyyyy(field(3)).map_err(QrError::DateOfBirth)?;
        let sex = Sex::from_vietnamese(field(4)).ok_or(QrError::UnknownSex)?;
        let permanent_address = field(5).to_owned();
        let issue_date = CalendarDate::parse_ddmmyyyy(field(6)).map_err(QrError::IssueDate)?;

        if id_number.sex() != sex {
            return Err(QrError::IdNumberSexMismatch);
        }
        if id_number.birth_year() != date_of_birth.year() {
            return Err(QrError::IdNumberBirthYearMismatch);
        }
        if issue_date < date_of_birth {
            return Err(QrError::IssueBeforeBirth);
        }

        let extra = fields
            .iter()
            .skip(BASE_FIELD_COUNT)
            .map(|value| Sensitive::new((*value).to_owned()))
            .collect();

        Ok(CccdQr {
            id_number,
            old_id_number,
            full_name: Sensitive::new(full_name),
            date_of_birth: Sensitive::new(date_of_birth),
            sex,
            permanent_address: Sensitive::new(permanent_address),
            issue_date,
            extra,
        })
    }

    /// The 12-digit ID number.
    pub fn id_number(&self) -> &CitizenIdNumber {
        &self.id_number
    }

    /// The old 9-digit (or 12-digit) identity card (CMND) number, if the card lists one.
    pub fn old_id_number(&self) -> Option<&Sensitive<String>> {
        self.old_id_number.as_ref()
    }

    /// The full name with diacritics, exactly as encoded (no Unicode normalisation).
    pub fn full_name(&self) -> &Sensitive<String> {
        &self.full_name
    }

    pub fn date_of_birth(&self) -> &Sensitive<CalendarDate> {
        &self.date_of_birth
    }

    pub fn sex(&self) -> Sex {
        self.sex
    }

    /// The permanent address (nơi thường trú); may be empty.
    pub fn permanent_address(&self) -> &Sensitive<String> {
        &self.permanent_address
    }

    pub fn issue_date(&self) -> CalendarDate {
        self.issue_date
    }

    /// Fields that newer cards append after the issue date, trimmed, possibly empty. Their
    /// meaning is not published, so they are kept as personal data and not interpreted.
    pub fn extra(&self) -> &[Sensitive<String>] {
        &self.extra
    }
}

fn field_at(index: usize) -> QrField {
    match index {
        0 => QrField::IdNumber,
        1 => QrField::OldIdNumber,
        2 => QrField::FullName,
        3 => QrField::DateOfBirth,
        4 => QrField::Sex,
        5 => QrField::PermanentAddress,
        6 => QrField::IssueDate,
        other => QrField::Extra(other - BASE_FIELD_COUNT),
    }
}

/// The old identity card (CMND) number: 9 digits, or 12 for the CMND issued from 2012 in
/// some provinces; empty when the citizen never had one.
fn parse_old_id_number(text: &str) -> Result<Option<Sensitive<String>>, QrError> {
    if text.is_empty() {
        return Ok(None);
    }
    let all_digits = text.bytes().all(|byte| byte.is_ascii_digit());
    if all_digits && (text.len() == 9 || text.len() == 12) {
        Ok(Some(Sensitive::new(text.to_owned())))
    } else {
        Err(QrError::OldIdNumber)
    }
}

/// A name is checked by content: it has letters and no digits, which also catches codes
/// whose fields are shifted (a date or an ID where the name belongs).
fn parse_full_name(text: &str) -> Result<String, QrError> {
    if text.chars().any(|c| c.is_ascii_digit()) {
        return Err(QrError::DigitsInFullName);
    }
    if !text.chars().any(char::is_alphabetic) {
        return Err(QrError::MissingFullName);
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const AN: &str =
        "001089012345||Nguyễn Văn An|15081989|Nam|Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội|01052021";

    fn date(year: u16, month: u8, day: u8) -> CalendarDate {
        CalendarDate::new(year, month, day).unwrap_or_else(|error| panic!("{error}"))
    }

    fn parsed(text: &str) -> CccdQr {
        CccdQr::parse(text).unwrap_or_else(|error| panic!("{error}"))
    }

    #[test]
    fn parses_the_seven_fields() {
        let qr = parsed(AN);
        assert_eq!(qr.id_number().expose(), "001089012345");
        assert_eq!(qr.old_id_number(), None);
        assert_eq!(qr.full_name().expose(), "Nguyễn Văn An");
        assert_eq!(*qr.date_of_birth().expose(), date(1989, 8, 15));
        assert_eq!(qr.sex(), Sex::Male);
        assert_eq!(
            qr.permanent_address().expose(),
            "Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội"
        );
        assert_eq!(qr.issue_date(), date(2021, 5, 1));
        assert!(qr.extra().is_empty());
    }

    #[test]
    fn debug_output_hides_the_citizen() {
        let printed = format!("{:?}", parsed(AN));
        for secret in ["001089012345", "Nguyễn", "Tràng Tiền", "1989"] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        assert!(printed.contains("id#"), "{printed}");
    }

    #[test]
    fn error_messages_name_the_field_not_the_data() {
        let error = CccdQr::parse(&AN.replace("|Nam|", "|Nữ|"))
            .err()
            .map(|error| error.to_string())
            .unwrap_or_default();
        assert!(error.contains("sex"), "{error}");
        assert!(!error.contains("001089012345"), "{error}");
    }
}
