//! Vietnamese names in the MRZ: the MRZ writes names in the 26 Latin capitals only, and
//! the transliteration table of ICAO 9303-3 §6 maps Latin letters with diacritics to the
//! bare letter (`Ă`, `Â` → `A`; `Đ` → `D`; `Ê` → `E`; `Ô`, `Ơ` → `O`; `Ư` → `U`; tone marks
//! dropped).

/// Each Vietnamese vowel with its diacritics, lower case, grouped by the bare letter.
const VOWEL_FORMS: [(char, &str); 6] = [
    ('A', "aàáảãạăằắẳẵặâầấẩẫậ"),
    ('E', "eèéẻẽẹêềếểễệ"),
    ('I', "iìíỉĩị"),
    ('O', "oòóỏõọôồốổỗộơờớởỡợ"),
    ('U', "uùúủũụưừứửữự"),
    ('Y', "yỳýỷỹỵ"),
];

/// The MRZ letter for one character of a name: `Some(letter)`, `Some('<')` for a
/// separator (space, hyphen, apostrophe: ICAO 9303-3 §4.6 replaces them with the filler),
/// or `None` for a character that leaves no trace (combining marks of decomposed text,
/// anything outside Latin script).
pub fn mrz_letter(character: char) -> Option<char> {
    if character.is_ascii_alphabetic() {
        return Some(character.to_ascii_uppercase());
    }
    if character.is_whitespace() || matches!(character, '-' | '\'' | '’' | ',' | '.') {
        return Some('<');
    }
    // Combining diacritical marks (U+0300–U+036F): decomposed (NFD) input.
    if ('\u{300}'..='\u{36F}').contains(&character) {
        return None;
    }
    let lower = character.to_lowercase().next()?;
    if lower == 'đ' {
        return Some('D');
    }
    VOWEL_FORMS
        .iter()
        .find(|(_, forms)| forms.contains(lower))
        .map(|(letter, _)| *letter)
}

/// A name as an MRZ name component: capitals, `<` between words, no leading, trailing or
/// doubled fillers.
pub fn mrz_name_component(name: &str) -> String {
    let letters: String = name.chars().filter_map(mrz_letter).collect();
    letters
        .split('<')
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join("<")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_vietnamese_diacritics_in_either_normal_form() {
        assert_eq!(mrz_name_component("Nguyễn Văn An"), "NGUYEN<VAN<AN");
        assert_eq!(
            mrz_name_component("Trần Thị Bích Ngọc"),
            "TRAN<THI<BICH<NGOC"
        );
        assert_eq!(mrz_name_component("Đặng Hữu Phước"), "DANG<HUU<PHUOC");
        assert_eq!(mrz_name_component("ĐỖ  THỊ   LỢI"), "DO<THI<LOI");
        // "Nguyễn" decomposed: e + circumflex (U+0302) + tilde (U+0303).
        assert_eq!(mrz_name_component("Nguye\u{302}\u{303}n"), "NGUYEN");
        assert_eq!(mrz_name_component(" H'Hen Niê "), "H<HEN<NIE");
        assert_eq!(mrz_name_component("李"), "");
    }
}
