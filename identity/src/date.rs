//! Calendar dates as the card writes them: `ddmmyyyy` in the QR code, `dd/mm/yyyy` in DG13
//! and `yymmdd` in the machine-readable zone.
//!
//! A [`CalendarDate`] is always a real day of the proleptic Gregorian calendar (leap years
//! included), so code that holds one never has to ask whether 30 February slipped through.
//! Dates of birth are personal data: where one is stored it is wrapped in
//! [`crate::pii::Sensitive`], and no [`DateError`] repeats the text it rejected.

use std::fmt;

use zeroize::Zeroize;

/// A day of the Gregorian calendar, years 1 to 9999.
///
/// The fields are ordered year, month, day so that the derived ordering is chronological.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Zeroize)]
pub struct CalendarDate {
    year: u16,
    month: u8,
    day: u8,
}

/// Why a text or a triple of numbers is not a calendar date. Never carries the rejected
/// text: it may be a date of birth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("a date here has {expected} characters, not {found}")]
    WrongLength { expected: usize, found: usize },
    #[error("the date has a character that is not a digit where digits belong")]
    NotDigits,
    #[error("the date's separators are not `/`")]
    WrongSeparator,
    #[error("the year is outside 1–9999")]
    YearOutOfRange,
    #[error("the month is outside 1–12")]
    MonthOutOfRange,
    #[error("the day does not exist in that month")]
    DayOutOfRange,
}

/// Whether `year` has a 29 February: every fourth year, except centuries not divisible by 400.
pub const fn is_leap_year(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// The number of days in `month` (1–12) of `year`; 0 for a month that does not exist.
pub const fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// The value of a run of ASCII digits, or `None` if any byte is not a digit.
fn parse_digits(bytes: &[u8]) -> Option<u16> {
    bytes.iter().try_fold(0u16, |value, &byte| {
        if byte.is_ascii_digit() {
            value.checked_mul(10)?.checked_add(u16::from(byte - b'0'))
        } else {
            None
        }
    })
}

/// Narrows a day or month that is at most two digits, so never above 99.
fn two_digit(value: u16) -> u8 {
    u8::try_from(value).unwrap_or(u8::MAX)
}

impl CalendarDate {
    /// The date `year`-`month`-`day`, if that day exists.
    pub const fn new(year: u16, month: u8, day: u8) -> Result<Self, DateError> {
        if year == 0 || year > 9999 {
            return Err(DateError::YearOutOfRange);
        }
        if month == 0 || month > 12 {
            return Err(DateError::MonthOutOfRange);
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(DateError::DayOutOfRange);
        }
        Ok(Self { year, month, day })
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    pub fn day(self) -> u8 {
        self.day
    }

    /// Parses `ddmmyyyy`, the form of the dates in the CCCD QR code (e.g. `15081989`).
    pub fn parse_ddmmyyyy(text: &str) -> Result<Self, DateError> {
        let bytes = text.as_bytes();
        if bytes.len() != 8 {
            return Err(DateError::WrongLength {
                expected: 8,
                found: text.chars().count(),
            });
        }
        let (day, rest) = bytes.split_at(2);
        let (month, year) = rest.split_at(2);
        Self::from_digit_fields(year, month, day)
    }

    /// Parses `dd/mm/yyyy`, the form of the dates in DG13 (e.g. `15/08/1989`).
    pub fn parse_dd_mm_yyyy(text: &str) -> Result<Self, DateError> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 {
            return Err(DateError::WrongLength {
                expected: 10,
                found: text.chars().count(),
            });
        }
        let (day, rest) = bytes.split_at(2);
        let (first_slash, rest) = rest.split_at(1);
        let (month, rest) = rest.split_at(2);
        let (second_slash, year) = rest.split_at(1);
        if first_slash != b"/" || second_slash != b"/" {
            return Err(DateError::WrongSeparator);
        }
        Self::from_digit_fields(year, month, day)
    }

    /// Parses `yymmdd`, the form of the dates in the MRZ (ICAO 9303-5 §4.2.2), choosing the
    /// century so that the year falls in the hundred years that end with `window_end_year`.
    ///
    /// The MRZ keeps only two digits of the year, so the caller has to say which century is
    /// meant: for a date of birth, the current year (nobody is born in the future); for a
    /// date of expiry, a year far enough ahead to cover the longest validity (a CCCD issued
    /// at 40 runs to the 60th birthday, so the current year plus 25 is plenty).
    pub fn parse_yymmdd(text: &str, window_end_year: u16) -> Result<Self, DateError> {
        let bytes = text.as_bytes();
        if bytes.len() != 6 {
            return Err(DateError::WrongLength {
                expected: 6,
                found: text.chars().count(),
            });
        }
        let (yy, rest) = bytes.split_at(2);
        let (month, day) = rest.split_at(2);
        let yy = parse_digits(yy).ok_or(DateError::NotDigits)?;
        let month = parse_digits(month).ok_or(DateError::NotDigits)?;
        let day = parse_digits(day).ok_or(DateError::NotDigits)?;
        let year = Self::year_in_window(yy, window_end_year)?;
        Self::new(year, two_digit(month), two_digit(day))
    }

    /// The year ending in the two digits `yy` among the hundred years ending with
    /// `window_end_year`.
    pub(crate) fn year_in_window(yy: u16, window_end_year: u16) -> Result<u16, DateError> {
        let end = i32::from(window_end_year);
        let mut year = end - end.rem_euclid(100) + i32::from(yy % 100);
        if year > end {
            year -= 100;
        }
        u16::try_from(year)
            .ok()
            .filter(|year| (1..=9999).contains(year))
            .ok_or(DateError::YearOutOfRange)
    }

    fn from_digit_fields(year: &[u8], month: &[u8], day: &[u8]) -> Result<Self, DateError> {
        let year = parse_digits(year).ok_or(DateError::NotDigits)?;
        let month = parse_digits(month).ok_or(DateError::NotDigits)?;
        let day = parse_digits(day).ok_or(DateError::NotDigits)?;
        Self::new(year, two_digit(month), two_digit(day))
    }

    /// The date as `yymmdd`, as the MRZ and the BAC/PACE key seed write it.
    pub fn to_yymmdd(self) -> String {
        format!("{:02}{:02}{:02}", self.year % 100, self.month, self.day)
    }

    /// The date as `ddmmyyyy`, as the QR code writes it.
    pub fn to_ddmmyyyy(self) -> String {
        format!("{:02}{:02}{:04}", self.day, self.month, self.year)
    }

    /// The date as `dd/mm/yyyy`, as DG13 and the card's face write it.
    pub fn to_dd_mm_yyyy(self) -> String {
        format!("{:02}/{:02}/{:04}", self.day, self.month, self.year)
    }

    /// The same day `years` later; `None` past the year 9999.
    ///
    /// 29 February in a year that has none becomes **28 February**. We chose the earlier
    /// day because an age milestone computed with it (for the card's expiry, see
    /// [`crate::access_key`]) never falls after the real one; whether the issuing authority
    /// prints 28 February or 1 March on such a card is not published, so the access-key
    /// candidates try 1 March second.
    pub fn add_years(self, years: u16) -> Option<Self> {
        let year = self.year.checked_add(years).filter(|year| *year <= 9999)?;
        let day = self.day.min(days_in_month(year, self.month));
        Some(Self {
            year,
            month: self.month,
            day,
        })
    }

    /// The day after this one; `None` after 31 December 9999.
    pub fn next_day(self) -> Option<Self> {
        if self.day < days_in_month(self.year, self.month) {
            Some(Self {
                day: self.day + 1,
                ..self
            })
        } else if self.month < 12 {
            Some(Self {
                month: self.month + 1,
                day: 1,
                ..self
            })
        } else {
            Self::new(self.year.checked_add(1)?, 1, 1).ok()
        }
    }

    /// Days since 1 January of the year 1 (that day is 0): a linear count for differences.
    fn day_number(self) -> i64 {
        let previous_years = i64::from(self.year) - 1;
        let days_before_year =
            previous_years * 365 + previous_years / 4 - previous_years / 100 + previous_years / 400;
        let days_before_month: i64 = (1..self.month)
            .map(|month| i64::from(days_in_month(self.year, month)))
            .sum();
        days_before_year + days_before_month + i64::from(self.day) - 1
    }

    /// The number of days from `earlier` to this date; negative if `earlier` is later.
    pub fn days_since(self, earlier: CalendarDate) -> i64 {
        self.day_number() - earlier.day_number()
    }

    /// The date `days` days away (negative for earlier), if it is within years 1–9999.
    pub fn add_days(self, days: i64) -> Option<Self> {
        let target = self.day_number().checked_add(days)?;
        Self::from_day_number(target)
    }

    fn from_day_number(number: i64) -> Option<Self> {
        if number < 0 {
            return None;
        }
        // 146 097 days make a 400-year Gregorian cycle; the remainder is at most 400 years
        // of day-by-year steps, then at most 12 month steps.
        let cycles = number / 146_097;
        let mut remaining = number % 146_097;
        let mut year = cycles.checked_mul(400)?.checked_add(1)?;
        loop {
            let length = if is_leap_year(u16::try_from(year).ok()?) {
                366
            } else {
                365
            };
            if remaining < length {
                break;
            }
            remaining -= length;
            year += 1;
        }
        let year = u16::try_from(year).ok()?;
        let mut month = 1u8;
        loop {
            let length = i64::from(days_in_month(year, month));
            if remaining < length {
                break;
            }
            remaining -= length;
            month += 1;
        }
        let day = u8::try_from(remaining + 1).ok()?;
        Self::new(year, month, day).ok()
    }

    /// The age in completed years of someone born on this date, on `on`; `None` if `on` is
    /// before the birth. Uses the same 29 February rule as [`add_years`](Self::add_years).
    pub fn age_on(self, on: CalendarDate) -> Option<u16> {
        if on < self {
            return None;
        }
        let mut age = on.year - self.year;
        if self.add_years(age).is_some_and(|birthday| birthday > on) {
            age -= 1;
        }
        Some(age)
    }
}

/// ISO 8601 (`1989-08-15`), for logs of dates that are not personal (issue, expiry).
impl fmt::Display for CalendarDate {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{:04}-{:02}-{:02}",
            self.year, self.month, self.day
        )
    }
}

impl fmt::Debug for CalendarDate {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "CalendarDate({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: u16, month: u8, day: u8) -> CalendarDate {
        CalendarDate::new(year, month, day).unwrap_or_else(|error| panic!("{error}"))
    }

    #[test]
    fn leap_years_follow_the_gregorian_rule() {
        assert!(is_leap_year(2000));
        assert!(is_leap_year(2024));
        assert!(!is_leap_year(1900));
        assert!(!is_leap_year(2023));
        assert_eq!(CalendarDate::new(2024, 2, 29).map(|d| d.day()), Ok(29));
        assert_eq!(
            CalendarDate::new(2023, 2, 29),
            Err(DateError::DayOutOfRange)
        );
        assert_eq!(
            CalendarDate::new(1900, 2, 29),
            Err(DateError::DayOutOfRange)
        );
        assert_eq!(
            CalendarDate::new(2021, 4, 31),
            Err(DateError::DayOutOfRange)
        );
        assert_eq!(
            CalendarDate::new(2021, 13, 1),
            Err(DateError::MonthOutOfRange)
        );
        assert_eq!(CalendarDate::new(0, 1, 1), Err(DateError::YearOutOfRange));
    }

    #[test]
    fn parses_the_qr_dg13_and_mrz_forms() {
        assert_eq!(
            CalendarDate::parse_ddmmyyyy("15081989"),
            Ok(date(1989, 8, 15))
        );
        assert_eq!(
            CalendarDate::parse_dd_mm_yyyy("15/08/1989"),
            Ok(date(1989, 8, 15))
        );
        assert_eq!(
            CalendarDate::parse_yymmdd("890815", 2026),
            Ok(date(1989, 8, 15))
        );
        assert_eq!(
            CalendarDate::parse_yymmdd("250815", 2026),
            Ok(date(2025, 8, 15))
        );
        assert_eq!(
            CalendarDate::parse_yymmdd("260815", 2026),
            Ok(date(2026, 8, 15))
        );
        assert_eq!(
            CalendarDate::parse_yymmdd("270815", 2026),
            Ok(date(1927, 8, 15))
        );
        assert_eq!(
            CalendarDate::parse_yymmdd("490815", 2051),
            Ok(date(2049, 8, 15))
        );
    }

    #[test]
    fn rejects_malformed_text_without_panicking() {
        assert_eq!(
            CalendarDate::parse_ddmmyyyy("30022021"),
            Err(DateError::DayOutOfRange)
        );
        assert_eq!(
            CalendarDate::parse_ddmmyyyy("1508198"),
            Err(DateError::WrongLength {
                expected: 8,
                found: 7
            })
        );
        assert_eq!(
            CalendarDate::parse_ddmmyyyy("15-81989"),
            Err(DateError::NotDigits)
        );
        // Multi-byte characters must not be split in the middle.
        assert!(CalendarDate::parse_ddmmyyyy("1508ữ89").is_err());
        assert!(CalendarDate::parse_dd_mm_yyyy("15/08/198ữ").is_err());
        assert_eq!(
            CalendarDate::parse_dd_mm_yyyy("15.08.1989"),
            Err(DateError::WrongSeparator)
        );
        assert_eq!(
            CalendarDate::parse_yymmdd("89<815", 2026),
            Err(DateError::NotDigits)
        );
        assert_eq!(
            CalendarDate::parse_yymmdd("890015", 2026),
            Err(DateError::MonthOutOfRange)
        );
        assert_eq!(
            CalendarDate::parse_yymmdd("890815", 50),
            Err(DateError::YearOutOfRange)
        );
    }

    #[test]
    fn formats_round_trip() {
        let birth = date(2003, 2, 1);
        assert_eq!(birth.to_yymmdd(), "030201");
        assert_eq!(birth.to_ddmmyyyy(), "01022003");
        assert_eq!(birth.to_dd_mm_yyyy(), "01/02/2003");
        assert_eq!(birth.to_string(), "2003-02-01");
        assert_eq!(
            CalendarDate::parse_ddmmyyyy(&birth.to_ddmmyyyy()),
            Ok(birth)
        );
        assert_eq!(
            CalendarDate::parse_dd_mm_yyyy(&birth.to_dd_mm_yyyy()),
            Ok(birth)
        );
        assert_eq!(
            CalendarDate::parse_yymmdd(&birth.to_yymmdd(), 2026),
            Ok(birth)
        );
    }

    #[test]
    fn adding_years_moves_29_february_to_28_february() {
        let leap_birth = date(2004, 2, 29);
        assert_eq!(leap_birth.add_years(1), Some(date(2005, 2, 28)));
        assert_eq!(leap_birth.add_years(4), Some(date(2008, 2, 29)));
        assert_eq!(date(1989, 8, 15).add_years(25), Some(date(2014, 8, 15)));
        assert_eq!(date(9990, 1, 1).add_years(10), None);
    }

    #[test]
    fn ages_count_completed_years() {
        let birth = date(1989, 8, 15);
        assert_eq!(birth.age_on(date(2014, 8, 14)), Some(24));
        assert_eq!(birth.age_on(date(2014, 8, 15)), Some(25));
        assert_eq!(birth.age_on(date(1989, 8, 15)), Some(0));
        assert_eq!(birth.age_on(date(1989, 8, 14)), None);
        let leap_birth = date(2004, 2, 29);
        assert_eq!(leap_birth.age_on(date(2005, 2, 27)), Some(0));
        assert_eq!(leap_birth.age_on(date(2005, 2, 28)), Some(1));
    }

    #[test]
    fn day_arithmetic_crosses_months_years_and_leap_days() {
        assert_eq!(date(2024, 3, 1).days_since(date(2024, 2, 28)), 2);
        assert_eq!(date(2023, 3, 1).days_since(date(2023, 2, 28)), 1);
        assert_eq!(date(2000, 1, 1).days_since(date(1900, 1, 1)), 36_524);
        assert_eq!(date(2021, 1, 1).add_days(-1), Some(date(2020, 12, 31)));
        assert_eq!(date(2024, 2, 28).add_days(2), Some(date(2024, 3, 1)));
        assert_eq!(date(1, 1, 1).add_days(-1), None);
        assert_eq!(date(9999, 12, 31).next_day(), None);
        assert_eq!(date(2024, 2, 28).next_day(), Some(date(2024, 2, 29)));
        assert_eq!(date(2023, 12, 31).next_day(), Some(date(2024, 1, 1)));
        let start = date(1989, 8, 15);
        for offset in [0_i64, 1, 59, 365, 10_000, 146_097, 500_000] {
            let later = start.add_days(offset);
            assert_eq!(later.map(|d| d.days_since(start)), Some(offset));
        }
    }
}
