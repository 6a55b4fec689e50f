//! The MRZ check digit, ICAO 9303-3 §4.9: each character's value (digits 0–9, `A`–`Z`
//! 10–35, the filler `<` 0) times the repeating weights 7, 3, 1, summed, modulo 10.

/// The value of an MRZ character, or `None` for a character outside the MRZ set.
pub fn character_value(character: u8) -> Option<u32> {
    match character {
        b'0'..=b'9' => Some(u32::from(character - b'0')),
        b'A'..=b'Z' => Some(u32::from(character - b'A') + 10),
        b'<' => Some(0),
        _ => None,
    }
}

/// Whether `character` belongs to the MRZ character set (ICAO 9303-3 §4.1: `A`–`Z`, `0`–`9`
/// and `<`).
pub fn is_mrz_character(character: u8) -> bool {
    character_value(character).is_some()
}

/// The check digit (`'0'`–`'9'`) over `field`, or `None` if the field has a character
/// outside the MRZ set.
pub fn check_digit(field: &str) -> Option<char> {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let sum = field
        .bytes()
        .zip(WEIGHTS.iter().cycle())
        .try_fold(0u32, |sum, (character, weight)| {
            Some(sum + character_value(character)? * weight)
        })?;
    char::from_digit(sum % 10, 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_icao_9303_3_worked_example() {
        // ICAO 9303-3 §4.9.1, example 1: a date of birth field.
        assert_eq!(check_digit("520727"), Some('3'));
        // ICAO 9303-11 Appendix D.2: document number, date of birth, date of expiry.
        assert_eq!(check_digit("L898902C<"), Some('3'));
        assert_eq!(check_digit("690806"), Some('1'));
        assert_eq!(check_digit("940623"), Some('6'));
    }

    #[test]
    fn fillers_count_as_zero_and_foreign_characters_are_refused() {
        assert_eq!(check_digit("L898902C"), check_digit("L898902C<<<"));
        assert_eq!(check_digit(""), Some('0'));
        assert_eq!(check_digit("l898902c"), None);
        assert_eq!(check_digit("AB CD"), None);
        assert_eq!(check_digit("Đ"), None);
    }
}
