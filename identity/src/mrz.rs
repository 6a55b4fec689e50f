//! The TD1 machine-readable zone (three lines of 30 characters) of the CCCD, as printed on
//! the back of the card and stored in DG1.
//!
//! Layout per ICAO 9303-5 §4.2.2; check digits per ICAO 9303-3 §4.9. The CCCD writes
//! `IDVNM`, the last 9 digits of the ID number as document number, and the full 12-digit
//! number at the start of the optional data of line 1. That last part is what issued cards
//! show, not a published specification: line 1 reads `IDVNM` + 9 digits + check digit +
//! 12 digits + `<<` + a check digit over the 12 digits.

mod check_digit;
mod transliterate;

use std::fmt;

use zeroize::Zeroize;

pub use check_digit::{character_value, check_digit, is_mrz_character};
pub use transliterate::{mrz_letter, mrz_name_component};

use crate::date::{CalendarDate, DateError};
use crate::pii::Sensitive;
use crate::qr::{CitizenIdNumber, Sex};

/// Characters in one TD1 line.
pub const TD1_LINE_LENGTH: usize = 30;

/// Characters in the whole TD1 zone, as DG1 stores it (ICAO 9303-10 §4.7.1, tag `5F1F`).
pub const TD1_LENGTH: usize = 3 * TD1_LINE_LENGTH;

/// Longest text [`Td1Mrz::parse`] looks at: 90 characters plus line ends and stray spaces.
const MAX_INPUT_BYTES: usize = 256;

/// The four check digits of a TD1 zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MrzCheck {
    DocumentNumber,
    DateOfBirth,
    DateOfExpiry,
    /// Over line 1 positions 6–30 and line 2 positions 1–7, 9–15 and 19–29.
    Composite,
}

impl fmt::Display for MrzCheck {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            MrzCheck::DocumentNumber => "document number",
            MrzCheck::DateOfBirth => "date of birth",
            MrzCheck::DateOfExpiry => "date of expiry",
            MrzCheck::Composite => "composite",
        })
    }
}

/// Why a text is not a valid TD1 zone. Never carries the zone's content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MrzError {
    #[error("the text is longer than any machine-readable zone")]
    TooLong,
    #[error("a TD1 zone has 3 lines, this text has {found}")]
    WrongLineCount { found: usize },
    #[error("TD1 line {line} has {found} characters instead of 30")]
    WrongLineLength { line: usize, found: usize },
    #[error("a TD1 zone written without line breaks has 90 characters, this one has {found}")]
    WrongLength { found: usize },
    #[error("line {line}, position {position} holds a character outside A–Z, 0–9 and <")]
    InvalidCharacter { line: usize, position: usize },
    #[error("the document code does not start with I, A or C (ICAO 9303-5 §4.2.2)")]
    NotTd1DocumentCode,
    #[error("the {field} check digit does not match")]
    CheckDigitMismatch { field: MrzCheck },
    #[error("the date of birth is not a date: {0}")]
    InvalidDateOfBirth(#[source] DateError),
    #[error("the date of expiry is not a date: {0}")]
    InvalidDateOfExpiry(#[source] DateError),
    #[error("the sex is not M, F, X or <")]
    UnknownSex,
    #[error("the document number is marked as continuing into the optional data, but does not")]
    MalformedLongDocumentNumber,
}

/// A date as the MRZ writes it, `yymmdd`: the century is not recorded.
///
/// The month and day are checked to exist (29 February only in years divisible by four);
/// [`to_calendar_date`](Self::to_calendar_date) picks a century.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Zeroize)]
pub struct MrzDate {
    yy: u8,
    month: u8,
    day: u8,
}

impl MrzDate {
    /// Reads six digits `yymmdd`.
    pub fn parse(text: &str) -> Result<Self, DateError> {
        // Any century will do for the check: 2000 + yy is a leap year exactly when yy is
        // divisible by four, as for every year of the 1900s but 1900 itself.
        let date = CalendarDate::parse_yymmdd(text, 2099)?;
        Ok(Self::from(date))
    }

    /// The date in the hundred years ending with `window_end_year` (see
    /// [`CalendarDate::parse_yymmdd`]).
    pub fn to_calendar_date(self, window_end_year: u16) -> Result<CalendarDate, DateError> {
        let year = CalendarDate::year_in_window(u16::from(self.yy), window_end_year)?;
        CalendarDate::new(year, self.month, self.day)
    }

    pub fn to_yymmdd(self) -> String {
        format!("{:02}{:02}{:02}", self.yy, self.month, self.day)
    }
}

impl From<CalendarDate> for MrzDate {
    fn from(date: CalendarDate) -> Self {
        Self {
            yy: u8::try_from(date.year() % 100).unwrap_or(0),
            month: date.month(),
            day: date.day(),
        }
    }
}

impl fmt::Debug for MrzDate {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "MrzDate({})", self.to_yymmdd())
    }
}

/// The sex field of line 2 (ICAO 9303-5 §4.2.2: `M`, `F`, `X`, or `<` for unspecified).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MrzSex {
    Male,
    Female,
    /// `X`.
    X,
    /// `<`.
    Unspecified,
}

impl MrzSex {
    fn from_character(character: u8) -> Option<Self> {
        match character {
            b'M' => Some(MrzSex::Male),
            b'F' => Some(MrzSex::Female),
            b'X' => Some(MrzSex::X),
            b'<' => Some(MrzSex::Unspecified),
            _ => None,
        }
    }

    fn character(self) -> char {
        match self {
            MrzSex::Male => 'M',
            MrzSex::Female => 'F',
            MrzSex::X => 'X',
            MrzSex::Unspecified => '<',
        }
    }
}

impl From<Sex> for MrzSex {
    fn from(sex: Sex) -> Self {
        match sex {
            Sex::Male => MrzSex::Male,
            Sex::Female => MrzSex::Female,
        }
    }
}

/// The holder's name from line 3: the primary identifier (for a Vietnamese name, the family
/// name) and the secondary identifiers, with spaces where the MRZ has single fillers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Zeroize)]
pub struct MrzName {
    pub primary: String,
    pub secondary: String,
}

/// A TD1 machine-readable zone with all four check digits verified.
///
/// Text fields hold MRZ characters without trailing fillers, except the optional data,
/// which is kept exactly as printed (fillers included) because issuers give positions in
/// it meaning. Personal fields are [`Sensitive`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Td1Mrz {
    document_code: String,
    issuing_state: String,
    document_number: Sensitive<String>,
    optional_data_1: Sensitive<String>,
    date_of_birth: Sensitive<MrzDate>,
    sex: MrzSex,
    date_of_expiry: MrzDate,
    nationality: String,
    optional_data_2: Sensitive<String>,
    names: Sensitive<MrzName>,
}

/// `text[range]` of a line already checked to be 30 MRZ (ASCII) characters.
fn part(line: &str, start: usize, end: usize) -> &str {
    line.get(start..end).unwrap_or_default()
}

fn byte_at(line: &str, index: usize) -> u8 {
    line.as_bytes().get(index).copied().unwrap_or(0)
}

fn without_trailing_fillers(text: &str) -> String {
    text.trim_end_matches('<').to_owned()
}

/// `text` cut or filled with `<` to exactly `length` characters.
fn fitted(text: &str, length: usize) -> String {
    let mut fitted: String = text.chars().take(length).collect();
    while fitted.len() < length {
        fitted.push('<');
    }
    fitted
}

fn verify(field: &str, check: u8, which: MrzCheck) -> Result<(), MrzError> {
    match check_digit(field) {
        Some(expected) if u32::from(expected) == u32::from(check) => Ok(()),
        _ => Err(MrzError::CheckDigitMismatch { field: which }),
    }
}

/// The three lines of `text`, each checked to be 30 MRZ characters.
fn split_lines(text: &str) -> Result<[&str; 3], MrzError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(MrzError::TooLong);
    }
    let text = text.trim();
    let lines: Vec<&str> = if text.contains('\n') {
        text.lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect()
    } else {
        let found = text.chars().count();
        if found != TD1_LENGTH {
            return Err(MrzError::WrongLength { found });
        }
        // 90 characters in 90 bytes: all ASCII, so the cuts fall on character boundaries.
        if text.len() != TD1_LENGTH {
            let position = text.chars().position(|c| !c.is_ascii()).unwrap_or(0);
            return Err(MrzError::InvalidCharacter {
                line: position / TD1_LINE_LENGTH + 1,
                position: position % TD1_LINE_LENGTH + 1,
            });
        }
        vec![
            part(text, 0, TD1_LINE_LENGTH),
            part(text, TD1_LINE_LENGTH, 2 * TD1_LINE_LENGTH),
            part(text, 2 * TD1_LINE_LENGTH, TD1_LENGTH),
        ]
    };
    let [first, second, third] = <[&str; 3]>::try_from(lines.as_slice())
        .map_err(|_| MrzError::WrongLineCount { found: lines.len() })?;
    for (index, line) in [first, second, third].iter().enumerate() {
        if let Some(position) = line
            .chars()
            .position(|c| !c.is_ascii() || !is_mrz_character(c as u8))
        {
            return Err(MrzError::InvalidCharacter {
                line: index + 1,
                position: position + 1,
            });
        }
        if line.len() != TD1_LINE_LENGTH {
            return Err(MrzError::WrongLineLength {
                line: index + 1,
                found: line.len(),
            });
        }
    }
    Ok([first, second, third])
}

impl Td1Mrz {
    /// Parses a TD1 zone: three lines separated by line breaks (as scanned from the card),
    /// or the 90 characters in a row (as DG1 stores them). Verifies the four check digits.
    pub fn parse(text: &str) -> Result<Self, MrzError> {
        let [line_1, line_2, line_3] = split_lines(text)?;

        if !matches!(byte_at(line_1, 0), b'I' | b'A' | b'C') {
            return Err(MrzError::NotTd1DocumentCode);
        }

        let number_field = part(line_1, 5, 14);
        let number_check = byte_at(line_1, 14);
        let optional_field_1 = part(line_1, 15, 30);
        let (document_number, optional_data_1) = if number_check == b'<' {
            // ICAO 9303-5 §4.2.2 note j: a number longer than 9 characters fills positions
            // 6–14, puts a filler at 15, and continues in the optional data, followed by
            // its check digit (over the whole number) and a filler.
            let overflow_length = optional_field_1.find('<').unwrap_or(optional_field_1.len());
            if number_field.contains('<') || overflow_length < 2 {
                return Err(MrzError::MalformedLongDocumentNumber);
            }
            let rest = part(optional_field_1, 0, overflow_length - 1);
            let check = byte_at(optional_field_1, overflow_length - 1);
            let number = format!("{number_field}{rest}");
            verify(&number, check, MrzCheck::DocumentNumber)?;
            let optional = part(optional_field_1, overflow_length, optional_field_1.len());
            (number, optional.to_owned())
        } else {
            verify(number_field, number_check, MrzCheck::DocumentNumber)?;
            (
                without_trailing_fillers(number_field),
                optional_field_1.to_owned(),
            )
        };

        let birth_field = part(line_2, 0, 6);
        verify(birth_field, byte_at(line_2, 6), MrzCheck::DateOfBirth)?;
        let expiry_field = part(line_2, 8, 14);
        verify(expiry_field, byte_at(line_2, 14), MrzCheck::DateOfExpiry)?;
        let composite = format!(
            "{}{}{}{}",
            part(line_1, 5, 30),
            part(line_2, 0, 7),
            part(line_2, 8, 15),
            part(line_2, 18, 29)
        );
        verify(&composite, byte_at(line_2, 29), MrzCheck::Composite)?;

        let date_of_birth = MrzDate::parse(birth_field).map_err(MrzError::InvalidDateOfBirth)?;
        let date_of_expiry = MrzDate::parse(expiry_field).map_err(MrzError::InvalidDateOfExpiry)?;
        let sex = MrzSex::from_character(byte_at(line_2, 7)).ok_or(MrzError::UnknownSex)?;

        Ok(Td1Mrz {
            document_code: without_trailing_fillers(part(line_1, 0, 2)),
            issuing_state: without_trailing_fillers(part(line_1, 2, 5)),
            document_number: Sensitive::new(document_number),
            optional_data_1: Sensitive::new(optional_data_1),
            date_of_birth: Sensitive::new(date_of_birth),
            sex,
            date_of_expiry,
            nationality: without_trailing_fillers(part(line_2, 15, 18)),
            optional_data_2: Sensitive::new(part(line_2, 18, 29).to_owned()),
            names: Sensitive::new(parse_names(line_3)),
        })
    }

    /// The zone a CCCD carries for this citizen, for tests and the card emulator.
    ///
    /// `full_name` is the Vietnamese name with diacritics, family name first; it is
    /// transliterated per ICAO 9303-3 §6. A name too long for line 3 is cut at 30
    /// characters (ICAO's finer truncation rules are not needed for synthetic citizens),
    /// and the stored name is what the cut line says, so the zone round-trips.
    pub fn for_cccd(
        id: &CitizenIdNumber,
        full_name: &str,
        date_of_birth: CalendarDate,
        sex: Sex,
        date_of_expiry: CalendarDate,
    ) -> Td1Mrz {
        let mut words = full_name.split_whitespace();
        let family_name = mrz_name_component(words.next().unwrap_or_default());
        let given_names = mrz_name_component(&words.collect::<Vec<_>>().join(" "));
        let name_line = fitted(&format!("{family_name}<<{given_names}"), TD1_LINE_LENGTH);
        let id_digits = id.expose();
        let id_check = check_digit(id_digits).unwrap_or('<');
        Td1Mrz {
            document_code: "ID".to_owned(),
            issuing_state: "VNM".to_owned(),
            document_number: Sensitive::new(id.document_number()),
            optional_data_1: Sensitive::new(format!("{id_digits}<<{id_check}")),
            date_of_birth: Sensitive::new(MrzDate::from(date_of_birth)),
            sex: MrzSex::from(sex),
            date_of_expiry: MrzDate::from(date_of_expiry),
            nationality: "VNM".to_owned(),
            optional_data_2: Sensitive::new(fitted("", 11)),
            names: Sensitive::new(parse_names(&name_line)),
        }
    }

    /// The three printed lines, check digits computed. [`parse`](Self::parse) reads them
    /// back to an equal value.
    pub fn to_lines(&self) -> [String; 3] {
        let number = self.document_number.expose();
        let number_check = check_digit(number).unwrap_or('<');
        let optional = self.optional_data_1.expose();
        let number_and_optional = if let (Some(head), Some(rest)) = (
            number.get(..9),
            number.get(9..).filter(|rest| !rest.is_empty()),
        ) {
            format!("{head}<{rest}{number_check}{optional}")
        } else {
            format!("{}{number_check}{optional}", fitted(number, 9))
        };
        let line_1 = fitted(
            &format!(
                "{}{}{number_and_optional}",
                fitted(&self.document_code, 2),
                fitted(&self.issuing_state, 3)
            ),
            TD1_LINE_LENGTH,
        );

        let birth = self.date_of_birth.expose().to_yymmdd();
        let expiry = self.date_of_expiry.to_yymmdd();
        let mut line_2 = format!(
            "{birth}{}{}{expiry}{}{}{}",
            check_digit(&birth).unwrap_or('<'),
            self.sex.character(),
            check_digit(&expiry).unwrap_or('<'),
            fitted(&self.nationality, 3),
            fitted(self.optional_data_2.expose(), 11),
        );
        let composite = format!(
            "{}{}{}{}",
            part(&line_1, 5, 30),
            part(&line_2, 0, 7),
            part(&line_2, 8, 15),
            part(&line_2, 18, 29)
        );
        line_2.push(check_digit(&composite).unwrap_or('<'));

        let names = self.names.expose();
        let name_line = if names.secondary.is_empty() {
            names.primary.replace(' ', "<")
        } else {
            format!(
                "{}<<{}",
                names.primary.replace(' ', "<"),
                names.secondary.replace(' ', "<")
            )
        };
        [line_1, line_2, fitted(&name_line, TD1_LINE_LENGTH)]
    }

    /// The document code, e.g. `ID` (CCCD) or `I` (ICAO specimen, printed `I<`).
    pub fn document_code(&self) -> &str {
        &self.document_code
    }

    /// The issuing state's ICAO code, `VNM` for the CCCD.
    pub fn issuing_state(&self) -> &str {
        &self.issuing_state
    }

    /// The document number, complete even when it continued into the optional data.
    pub fn document_number(&self) -> &Sensitive<String> {
        &self.document_number
    }

    /// Optional data of line 1 as printed, after any overflow of the document number.
    pub fn optional_data_1(&self) -> &Sensitive<String> {
        &self.optional_data_1
    }

    pub fn date_of_birth(&self) -> &Sensitive<MrzDate> {
        &self.date_of_birth
    }

    pub fn sex(&self) -> MrzSex {
        self.sex
    }

    pub fn date_of_expiry(&self) -> MrzDate {
        self.date_of_expiry
    }

    pub fn nationality(&self) -> &str {
        &self.nationality
    }

    /// Optional data of line 2 as printed (11 characters).
    pub fn optional_data_2(&self) -> &Sensitive<String> {
        &self.optional_data_2
    }

    pub fn names(&self) -> &Sensitive<MrzName> {
        &self.names
    }

    /// The 12-digit ID number that a CCCD writes at the start of the optional data, if it
    /// is there and consistent: a valid ID number whose last 9 digits are the document
    /// number, and, where position 30 holds a digit, that digit is the check digit over
    /// the 12 digits (the layout issued cards show).
    pub fn cccd_id_number(&self) -> Option<CitizenIdNumber> {
        let optional = self.optional_data_1.expose();
        let id = CitizenIdNumber::parse(optional.get(0..12)?).ok()?;
        if id.document_number() != *self.document_number.expose() {
            return None;
        }
        let trailing_check = optional.as_bytes().get(14).copied().unwrap_or(b'<');
        if trailing_check != b'<' {
            let expected = check_digit(id.expose())?;
            if u32::from(trailing_check) != u32::from(expected) {
                return None;
            }
        }
        Some(id)
    }
}

/// Line 3: primary identifier, `<<`, secondary identifiers separated by `<` (ICAO 9303-3
/// §4.6). A line without `<<` holds only a primary identifier.
fn parse_names(line: &str) -> MrzName {
    let line = line.trim_end_matches('<');
    let (primary, secondary) = line.split_once("<<").unwrap_or((line, ""));
    let words = |text: &str| {
        text.split('<')
            .filter(|word| !word.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    MrzName {
        primary: words(primary),
        secondary: words(secondary),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The specimen TD1 document of ICAO 9303-5 (issuing state `UTO`).
    const SPECIMEN: [&str; 3] = [
        "I<UTOD231458907<<<<<<<<<<<<<<<",
        "7408122F1204159UTO<<<<<<<<<<<6",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    ];

    #[test]
    fn parses_the_icao_specimen() {
        let mrz = Td1Mrz::parse(&SPECIMEN.join("\n")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mrz.document_code(), "I");
        assert_eq!(mrz.issuing_state(), "UTO");
        assert_eq!(mrz.document_number().expose(), "D23145890");
        assert_eq!(mrz.date_of_birth().expose().to_yymmdd(), "740812");
        assert_eq!(mrz.sex(), MrzSex::Female);
        assert_eq!(mrz.date_of_expiry().to_yymmdd(), "120415");
        assert_eq!(mrz.nationality(), "UTO");
        assert_eq!(mrz.names().expose().primary, "ERIKSSON");
        assert_eq!(mrz.names().expose().secondary, "ANNA MARIA");
        assert_eq!(mrz.cccd_id_number(), None);
        assert_eq!(mrz.to_lines(), SPECIMEN.map(str::to_owned));
        // DG1 stores the same 90 characters without line breaks.
        assert_eq!(Td1Mrz::parse(&SPECIMEN.concat()), Ok(mrz));
    }

    #[test]
    fn debug_output_hides_the_holder() {
        let mrz = Td1Mrz::parse(&SPECIMEN.concat()).unwrap_or_else(|e| panic!("{e}"));
        let printed = format!("{mrz:?}");
        for secret in ["D23145890", "ERIKSSON", "740812"] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
    }
}
