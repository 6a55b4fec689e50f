//! The 12-digit personal identification number (số định danh cá nhân) printed on the CCCD.
//!
//! Its structure is set by Decree 137/2015/NĐ-CP art. 13 and Circular 07/2016/TT-BCA art. 7
//! (kept by Circular 59/2021/TT-BCA art. 4): a 3-digit code of the province where the birth
//! was registered, one digit for century of birth and sex, the last two digits of the birth
//! year, and six random digits.

use std::fmt;
use std::str::FromStr;

use crate::pii::{Sensitive, log_fingerprint};

/// Sex as the card records it: `Nam` or `Nữ` on the QR code and in DG13, the parity of the
/// fourth digit of the ID number, `M` or `F` in the MRZ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// Reads the Vietnamese word used by the QR code and DG13: `Nam` or `Nữ`.
    ///
    /// `Nữ` is accepted precomposed (NFC, U+1EEF) and decomposed (NFD, `u` + horn U+031B +
    /// tilde U+0303, or `ư` + tilde), and both words in capitals, because encoders differ
    /// and the QR standard does not fix a normal form.
    pub fn from_vietnamese(word: &str) -> Option<Sex> {
        match word.trim() {
            "Nam" | "NAM" => Some(Sex::Male),
            "Nữ" | "NỮ" | "Nư\u{303}" | "NƯ\u{303}" | "Nu\u{31B}\u{303}" | "NU\u{31B}\u{303}" => {
                Some(Sex::Female)
            }
            _ => None,
        }
    }

    /// The Vietnamese word, precomposed: `Nam` or `Nữ`.
    pub fn vietnamese(self) -> &'static str {
        match self {
            Sex::Male => "Nam",
            Sex::Female => "Nữ",
        }
    }
}

/// Codes of the provinces and centrally-run cities where a birth is registered: Circular
/// 07/2016/TT-BCA, Appendix I (63 codes, 001 Hà Nội … 096 Cà Mau).
///
/// Numbers keep the code they were given even after provinces merge, so the old list stays
/// the right test for every number already issued. Not included: the country codes of
/// Appendix II, used for births registered abroad; such a number is refused here (see the
/// crate's report on this doubt).
pub const PROVINCE_CODES: [u16; 63] = [
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37,
    38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77,
    79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
];

/// Why a text is not a CCCD ID number. Never carries the digits themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("an ID number has 12 digits, this one has {found} characters")]
    WrongLength { found: usize },
    #[error("an ID number has only digits")]
    NotDigits,
    #[error("{code:03} is not the code of a Vietnamese province (Circular 07/2016/TT-BCA)")]
    UnknownProvinceCode { code: u16 },
}

/// A validated 12-digit CCCD number.
///
/// `Debug` prints only its [`log_fingerprint`], and it has no `Display`: the digits leave
/// this type only through [`expose`](Self::expose) and the derived keys.
#[derive(Clone, PartialEq, Eq)]
pub struct CitizenIdNumber {
    digits: Sensitive<String>,
    province_code: u16,
    sex: Sex,
    birth_year: u16,
}

impl CitizenIdNumber {
    /// Reads a 12-digit number; surrounding whitespace is ignored (typed input, scanners).
    pub fn parse(text: &str) -> Result<Self, IdNumberError> {
        let text = text.trim();
        let bytes = text.as_bytes();
        let found = text.chars().count();
        if found != 12 {
            return Err(IdNumberError::WrongLength { found });
        }
        if !bytes.iter().all(u8::is_ascii_digit) {
            return Err(IdNumberError::NotDigits);
        }
        let digit = |index: usize| bytes.get(index).map_or(0, |byte| u16::from(byte - b'0'));
        let province_code = digit(0) * 100 + digit(1) * 10 + digit(2);
        if !PROVINCE_CODES.contains(&province_code) {
            return Err(IdNumberError::UnknownProvinceCode {
                code: province_code,
            });
        }
        // Circular 07/2016/TT-BCA art. 7(2): 0/1 for the 20th century (1900–1999), 2/3 for
        // the 21st, 4/5 the 22nd, 6/7 the 23rd, 8/9 the 24th (2300–2399); even for men,
        // odd for women.
        let century_and_sex = digit(3);
        let sex = if century_and_sex % 2 == 0 {
            Sex::Male
        } else {
            Sex::Female
        };
        let century_start = 1900 + (century_and_sex / 2) * 100;
        let birth_year = century_start + digit(4) * 10 + digit(5);
        Ok(Self {
            digits: Sensitive::new(text.to_owned()),
            province_code,
            sex,
            birth_year,
        })
    }

    /// The 12 digits, for the code that must use them (forms, keys, cross-checks).
    pub fn expose(&self) -> &str {
        self.digits.expose()
    }

    /// The province where the birth was registered (first three digits).
    pub fn province_code(&self) -> u16 {
        self.province_code
    }

    /// The sex the fourth digit encodes.
    pub fn sex(&self) -> Sex {
        self.sex
    }

    /// The full year of birth the fourth to sixth digits encode.
    pub fn birth_year(&self) -> u16 {
        self.birth_year
    }

    /// The last 6 digits: the Card Access Number that apps use for PACE with this card.
    pub fn can(&self) -> String {
        self.tail(6)
    }

    /// The last 9 digits: the document number in the card's MRZ (TD1 `IDVNM…`).
    pub fn document_number(&self) -> String {
        self.tail(9)
    }

    /// The keyed fingerprint to put in logs instead of the number.
    pub fn log_fingerprint(&self) -> String {
        log_fingerprint(self.expose())
    }

    fn tail(&self, length: usize) -> String {
        let digits = self.expose();
        digits
            .get(digits.len().saturating_sub(length)..)
            .unwrap_or_default()
            .to_owned()
    }
}

impl fmt::Debug for CitizenIdNumber {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "CitizenIdNumber({})", self.log_fingerprint())
    }
}

impl FromStr for CitizenIdNumber {
    type Err = IdNumberError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_province_century_sex_and_year() {
        let male_1989 = CitizenIdNumber::parse("001089012345");
        assert_eq!(male_1989.as_ref().map(|id| id.province_code()), Ok(1));
        assert_eq!(male_1989.as_ref().map(|id| id.sex()), Ok(Sex::Male));
        assert_eq!(male_1989.as_ref().map(|id| id.birth_year()), Ok(1989));
        assert_eq!(
            male_1989.as_ref().map(|id| id.can()),
            Ok("012345".to_owned())
        );
        assert_eq!(
            male_1989.as_ref().map(|id| id.document_number()),
            Ok("089012345".to_owned())
        );

        let female_2003 = CitizenIdNumber::parse(" 079303000123\n");
        assert_eq!(female_2003.as_ref().map(|id| id.sex()), Ok(Sex::Female));
        assert_eq!(female_2003.as_ref().map(|id| id.birth_year()), Ok(2003));
        assert_eq!(
            female_2003.as_ref().map(|id| id.expose()),
            Ok("079303000123")
        );

        let century_digits = [
            (4, 2100),
            (5, 2100),
            (6, 2200),
            (7, 2200),
            (8, 2300),
            (9, 2300),
        ];
        for (digit, century) in century_digits {
            let text = format!("096{digit}05000001");
            assert_eq!(
                CitizenIdNumber::parse(&text).map(|id| id.birth_year()),
                Ok(century + 5),
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_wrong_length_letters_and_unknown_provinces() {
        assert_eq!(
            CitizenIdNumber::parse("00108901234"),
            Err(IdNumberError::WrongLength { found: 11 })
        );
        assert_eq!(
            CitizenIdNumber::parse("0010890123456"),
            Err(IdNumberError::WrongLength { found: 13 })
        );
        assert_eq!(
            CitizenIdNumber::parse("00108901234A"),
            Err(IdNumberError::NotDigits)
        );
        // Twelve characters, one of them a multi-byte Vietnamese letter.
        assert_eq!(
            CitizenIdNumber::parse("00108901234ữ"),
            Err(IdNumberError::NotDigits)
        );
        assert_eq!(
            CitizenIdNumber::parse("003089012345"),
            Err(IdNumberError::UnknownProvinceCode { code: 3 })
        );
        assert_eq!(
            CitizenIdNumber::parse("097089012345"),
            Err(IdNumberError::UnknownProvinceCode { code: 97 })
        );
        assert_eq!(
            CitizenIdNumber::parse("000089012345"),
            Err(IdNumberError::UnknownProvinceCode { code: 0 })
        );
    }

    #[test]
    fn debug_shows_only_the_fingerprint() {
        let id = CitizenIdNumber::parse("001089012345");
        let printed = format!("{id:?}");
        assert!(!printed.contains("001089012345"), "{printed}");
        assert!(!printed.contains("012345"), "{printed}");
        assert!(printed.contains("id#"), "{printed}");
    }

    #[test]
    fn reads_both_words_for_sex_in_any_normal_form() {
        assert_eq!(Sex::from_vietnamese("Nam"), Some(Sex::Male));
        assert_eq!(Sex::from_vietnamese("Nữ"), Some(Sex::Female));
        assert_eq!(Sex::from_vietnamese("Nu\u{31B}\u{303}"), Some(Sex::Female));
        assert_eq!(Sex::from_vietnamese(" NỮ "), Some(Sex::Female));
        assert_eq!(Sex::from_vietnamese("Nu"), None);
        assert_eq!(Sex::from_vietnamese("M"), None);
        assert_eq!(
            Sex::from_vietnamese(Sex::Female.vietnamese()),
            Some(Sex::Female)
        );
    }

    #[test]
    fn the_province_table_has_no_duplicates_and_stays_in_range() {
        let mut codes = PROVINCE_CODES.to_vec();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), PROVINCE_CODES.len());
        assert_eq!(codes.first(), Some(&1));
        assert_eq!(codes.last(), Some(&96));
    }
}
