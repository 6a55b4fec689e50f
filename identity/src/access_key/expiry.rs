//! When a CCCD expires, from the holder's date of birth and the card's issue date.
//!
//! The QR code has no expiry date, but BAC and PACE-MRZ need one. Vietnam's Identity Law
//! (Luật Căn cước, No. 26/2023/QH15, art. 21) fixes it by age:
//!
//! 1. a card must be renewed when the holder turns 14, 25, 40 and 60;
//! 2. a card issued, renewed or re-issued within the 2 years before one of those ages
//!    stays valid until the next one;
//! 3. so a card issued from age 58 on is valid for life.
//!
//! The Law on Citizen Identification of 2014 (art. 21), under which the first chip cards
//! were issued, has the same rule with the ages 25, 40 and 60; its cards were issued from
//! age 14, so the one rule below covers both generations.
//!
//! The card's printed expiry is the birthday at that age (cards show "có giá trị đến" on
//! the day of the birthday, not the day before).

use crate::date::CalendarDate;

/// The ages at which a card must be renewed (Luật Căn cước 2023, art. 21(1)).
pub const RENEWAL_AGES: [u16; 4] = [14, 25, 40, 60];

/// A card issued this many years before a renewal age runs on to the next one (art. 21(2)).
pub const GRACE_YEARS: u16 = 2;

/// Chip CCCD cards were first issued in January 2021 (Circular 06/2021/TT-BCA introduced
/// the chip card; earlier CCCDs carry a barcode and no chip). Used as the earliest possible
/// issue date when the real one is unknown; the first day of the year leaves a margin.
pub const FIRST_CHIP_CARD_ISSUE: CalendarDate = match CalendarDate::new(2021, 1, 1) {
    Ok(date) => date,
    Err(_) => panic!("2021-01-01 is a date"),
};

/// The expiry of a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CardExpiry {
    On(CalendarDate),
    /// Valid for life: issued at 58 or later.
    Never,
}

/// The birthday at `age` of someone born on `date_of_birth` (29 February → 28 February in
/// other years, see [`CalendarDate::add_years`]).
fn birthday(date_of_birth: CalendarDate, age: u16) -> Option<CalendarDate> {
    date_of_birth.add_years(age)
}

/// The expiry of a card issued on `issue_date` to someone born on `date_of_birth`.
///
/// It is the birthday at the first renewal age whose 2-year grace period has not begun on
/// the issue date. "Within 2 years before" is read as including the day the grace period
/// starts (the birthday 2 years before the renewal age); the access-key candidates also try
/// the neighbouring reading.
pub fn card_expiry(date_of_birth: CalendarDate, issue_date: CalendarDate) -> CardExpiry {
    for age in RENEWAL_AGES {
        let Some(grace_start) = birthday(date_of_birth, age - GRACE_YEARS) else {
            return CardExpiry::Never;
        };
        if issue_date < grace_start {
            return birthday(date_of_birth, age).map_or(CardExpiry::Never, CardExpiry::On);
        }
    }
    CardExpiry::Never
}

/// Every expiry a chip card of someone born on `date_of_birth` can have, issued no earlier
/// than [`FIRST_CHIP_CARD_ISSUE`], in chronological order; [`CardExpiry::Never`] last.
pub fn possible_expiries(date_of_birth: CalendarDate) -> Vec<CardExpiry> {
    let earliest_issue = date_of_birth.max(FIRST_CHIP_CARD_ISSUE);
    let mut expiries: Vec<CardExpiry> = RENEWAL_AGES
        .iter()
        .filter(|&&age| {
            birthday(date_of_birth, age - GRACE_YEARS).is_some_and(|start| start > earliest_issue)
        })
        .filter_map(|&age| birthday(date_of_birth, age).map(CardExpiry::On))
        .collect();
    expiries.push(CardExpiry::Never);
    expiries
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: u16, month: u8, day: u8) -> CalendarDate {
        CalendarDate::new(year, month, day).unwrap_or_else(|error| panic!("{error}"))
    }

    #[test]
    fn each_age_band_maps_to_its_milestone() {
        let birth = date(1989, 8, 15);
        let at = |year, month, day| card_expiry(birth, date(year, month, day));
        // Issued at 20: renew at 25.
        assert_eq!(at(2009, 8, 15), CardExpiry::On(date(2014, 8, 15)));
        // Issued at 24, within 2 years of 25: renew at 40.
        assert_eq!(at(2013, 9, 1), CardExpiry::On(date(2029, 8, 15)));
        // Issued at 31: renew at 40.
        assert_eq!(at(2021, 5, 1), CardExpiry::On(date(2029, 8, 15)));
        // Issued at 45: renew at 60.
        assert_eq!(at(2034, 8, 15), CardExpiry::On(date(2049, 8, 15)));
        // Issued at 58 or 62: for life.
        assert_eq!(at(2047, 8, 15), CardExpiry::Never);
        assert_eq!(at(2051, 8, 15), CardExpiry::Never);
    }

    #[test]
    fn the_grace_period_starts_on_the_birthday_two_years_before() {
        let birth = date(1989, 8, 15);
        assert_eq!(
            card_expiry(birth, date(2012, 8, 14)),
            CardExpiry::On(date(2014, 8, 15))
        );
        assert_eq!(
            card_expiry(birth, date(2012, 8, 15)),
            CardExpiry::On(date(2029, 8, 15))
        );
        // Issued on the 25th birthday itself: that renewal is done, the next is at 40.
        assert_eq!(
            card_expiry(birth, date(2014, 8, 15)),
            CardExpiry::On(date(2029, 8, 15))
        );
    }

    #[test]
    fn children_renew_at_14_or_at_25_when_issued_at_12() {
        let birth = date(2015, 3, 10);
        assert_eq!(
            card_expiry(birth, date(2024, 7, 1)),
            CardExpiry::On(date(2029, 3, 10))
        );
        assert_eq!(
            card_expiry(birth, date(2027, 6, 1)),
            CardExpiry::On(date(2040, 3, 10))
        );
    }

    #[test]
    fn possible_expiries_start_after_the_first_chip_cards() {
        assert_eq!(
            possible_expiries(date(1989, 8, 15)),
            vec![
                CardExpiry::On(date(2029, 8, 15)),
                CardExpiry::On(date(2049, 8, 15)),
                CardExpiry::Never,
            ]
        );
        assert_eq!(possible_expiries(date(1950, 1, 1)), vec![CardExpiry::Never]);
        assert_eq!(
            possible_expiries(date(2003, 2, 1)),
            vec![
                CardExpiry::On(date(2028, 2, 1)),
                CardExpiry::On(date(2043, 2, 1)),
                CardExpiry::On(date(2063, 2, 1)),
                CardExpiry::Never,
            ]
        );
    }
}
