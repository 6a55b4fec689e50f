//! Telex, the way most Vietnamese type on a Latin keyboard, for the kiosk's on-screen
//! keyboard: letters typed after a word change it instead of being added.
//!
//! - `aa` → â, `ee` → ê, `oo` → ô, `dd` → đ;
//! - `w` after u, o or a → ư, ơ, ă (`uow` → ươ), and `w` in a word without those → ư;
//! - the tones `s` (sắc), `f` (huyền), `r` (hỏi), `x` (ngã), `j` (nặng), and `z` takes the
//!   tone off;
//! - the same key again undoes it and types the letter (`ass` → as, `aaa` → aa).
//!
//! A tone belongs to the word, not to the letter it was typed after, so it is placed anew
//! on every key by the rules of Vietnamese spelling (see [`tone_position`]): `hoaf` gives
//! hòa, and the `n` that follows makes it hoàn. The kiosk writes names and addresses the
//! way ID cards print them, so the tone of an open `oa`, `oe`, `uy` goes on the first vowel
//! (hòa, khỏe, thủy).
//!
//! Tones are taken off and put back through Unicode decomposition, so there is no table of
//! the 134 toned letters to get wrong; the text is always NFC.

use unicode_normalization::UnicodeNormalization;

/// The five tone marks, as combining characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    Acute,
    Grave,
    Hook,
    Tilde,
    Dot,
}

impl Tone {
    fn from_key(key: char) -> Option<Tone> {
        Some(match key {
            's' => Tone::Acute,
            'f' => Tone::Grave,
            'r' => Tone::Hook,
            'x' => Tone::Tilde,
            'j' => Tone::Dot,
            _ => return None,
        })
    }

    fn mark(self) -> char {
        match self {
            Tone::Acute => '\u{301}',
            Tone::Grave => '\u{300}',
            Tone::Hook => '\u{309}',
            Tone::Tilde => '\u{303}',
            Tone::Dot => '\u{323}',
        }
    }

    fn from_mark(mark: char) -> Option<Tone> {
        [Tone::Acute, Tone::Grave, Tone::Hook, Tone::Tilde, Tone::Dot]
            .into_iter()
            .find(|tone| tone.mark() == mark)
    }
}

/// `text` after the key `key` was pressed.
pub fn type_key(text: &str, key: char) -> String {
    let text: String = text.nfc().collect();
    let start = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphabetic())
        .last()
        .map_or(text.len(), |(index, _)| index);
    let (head, word) = text.split_at(start);
    if !key.is_alphabetic() {
        return format!("{text}{key}");
    }
    let mut word = Word::parse(word);
    if !word.apply(key) {
        word.letters.push(key);
    }
    format!("{head}{}", word.render())
}

/// `text` without its last letter (a toned letter goes whole, as on a phone).
pub fn backspace(text: &str) -> String {
    let mut text: String = text.nfc().collect();
    text.pop();
    text
}

/// The word being typed: its letters without the tone, and the tone.
struct Word {
    /// With their shape marks (â, ơ, đ…) and their case, without tone.
    letters: Vec<char>,
    tone: Option<Tone>,
}

impl Word {
    fn parse(word: &str) -> Word {
        let mut tone = None;
        let letters = word
            .chars()
            .map(|letter| {
                let (base, found) = untoned(letter);
                tone = found.or(tone);
                base
            })
            .collect();
        Word { letters, tone }
    }

    /// Applies `key` as a Telex command; `false` when it is just a letter to add.
    fn apply(&mut self, key: char) -> bool {
        let lower = lowercase(key);
        if lower == 'z' && self.tone.is_some() {
            self.tone = None;
            return true;
        }
        if let Some(tone) = Tone::from_key(lower) {
            if tone_position(&self.letters).is_none() {
                return false;
            }
            if self.tone == Some(tone) {
                self.tone = None;
                self.letters.push(key);
            } else {
                self.tone = Some(tone);
            }
            return true;
        }
        match lower {
            'a' => self.circumflex(key, &['a', 'ă', 'â'], 'â'),
            'e' => self.circumflex(key, &['e', 'ê'], 'ê'),
            'o' => self.circumflex(key, &['o', 'ơ', 'ô'], 'ô'),
            'w' => self.horn_or_breve(key),
            'd' => self.stroke(key),
            _ => false,
        }
    }

    /// `aa` → â and its kin: the last vowel of `family` takes the circumflex; one that has
    /// it already loses it and the key is typed.
    fn circumflex(&mut self, key: char, family: &[char], shaped: char) -> bool {
        let Some(index) = self.last_of(family) else {
            return false;
        };
        let letter = self.letters[index];
        if lowercase(letter) == shaped {
            self.letters[index] = same_case(family[0], letter);
            self.letters.push(key);
        } else {
            self.letters[index] = same_case(shaped, letter);
        }
        true
    }

    /// `uow` → ươ, `uw` → ư, `ow` → ơ, `aw` → ă; `w` after none of them → ư.
    fn horn_or_breve(&mut self, key: char) -> bool {
        let first_vowel = self.consonant_prefix_len();
        let pair = (first_vowel..self.letters.len().saturating_sub(1))
            .rev()
            .find(|&i| {
                matches!(lowercase(self.letters[i]), 'u' | 'ư')
                    && matches!(lowercase(self.letters[i + 1]), 'o' | 'ơ' | 'ô')
            });
        if let Some(i) = pair {
            let (u, o) = (self.letters[i], self.letters[i + 1]);
            if lowercase(u) == 'ư' && lowercase(o) == 'ơ' {
                self.letters[i] = same_case('u', u);
                self.letters[i + 1] = same_case('o', o);
                self.letters.push(key);
            } else {
                self.letters[i] = same_case('ư', u);
                self.letters[i + 1] = same_case('ơ', o);
            }
            return true;
        }
        let family = ['u', 'ư', 'o', 'ơ', 'ô', 'a', 'ă', 'â'];
        let found = (first_vowel..self.letters.len())
            .rev()
            .find(|&i| family.contains(&lowercase(self.letters[i])));
        let Some(index) = found else {
            // No vowel to mark yet: `w` is ư (tw → tư).
            self.letters.push(same_case('ư', key));
            return true;
        };
        let letter = self.letters[index];
        let (plain, shaped) = match lowercase(letter) {
            'u' | 'ư' => ('u', 'ư'),
            'o' | 'ơ' | 'ô' => ('o', 'ơ'),
            _ => ('a', 'ă'),
        };
        if lowercase(letter) == shaped {
            self.letters[index] = same_case(plain, letter);
            self.letters.push(key);
        } else {
            self.letters[index] = same_case(shaped, letter);
        }
        true
    }

    /// `dd` → đ: the word's first letter.
    fn stroke(&mut self, key: char) -> bool {
        let Some(&first) = self.letters.first() else {
            return false;
        };
        match lowercase(first) {
            'd' => self.letters[0] = same_case('đ', first),
            'đ' => {
                self.letters[0] = same_case('d', first);
                self.letters.push(key);
            }
            _ => return false,
        }
        true
    }

    fn last_of(&self, family: &[char]) -> Option<usize> {
        (self.consonant_prefix_len()..self.letters.len())
            .rev()
            .find(|&i| family.contains(&lowercase(self.letters[i])))
    }

    /// How many letters at the start only spell a consonant: the u of `qu`.
    fn consonant_prefix_len(&self) -> usize {
        match self.letters.as_slice() {
            [q, u, ..] if lowercase(*q) == 'q' && lowercase(*u) == 'u' => 2,
            _ => 0,
        }
    }

    fn render(&self) -> String {
        let position = self.tone.and(tone_position(&self.letters));
        self.letters
            .iter()
            .enumerate()
            .map(|(index, &letter)| match (self.tone, position) {
                (Some(tone), Some(at)) if at == index => toned(letter, tone),
                _ => letter,
            })
            .collect()
    }
}

/// Where a word's tone goes, by Vietnamese spelling: on the vowel with a shape mark (on
/// ơ in ươ); else, with a final consonant, on the last vowel (hoàn, toán); else on the
/// only vowel, the first of two (mùa, tài, hòa) or the middle of three (ngoài, khuỷu).
/// The u of `qu` and the i of `gi` before another vowel are consonants (quý, giá). `None`
/// for a word without vowels.
fn tone_position(letters: &[char]) -> Option<usize> {
    let lower: Vec<char> = letters.iter().map(|&c| lowercase(c)).collect();
    let is_vowel = |c: char| "aăâeêioôơuưy".contains(c);
    let mut start = match lower.as_slice() {
        ['q', 'u', ..] => 2,
        ['g', 'i', next, ..] if is_vowel(*next) => 2,
        _ => 0,
    };
    while start < lower.len() && !is_vowel(lower[start]) {
        start += 1;
    }
    let end = (start..lower.len())
        .find(|&i| !is_vowel(lower[i]))
        .unwrap_or(lower.len());
    if start >= end {
        return None;
    }
    let cluster = start..end;
    if let Some(shaped) = cluster.clone().rev().find(|&i| "ăâêôơư".contains(lower[i])) {
        return Some(shaped);
    }
    let closed = end < lower.len();
    Some(match cluster.len() {
        _ if closed => end - 1,
        1 | 2 => start,
        _ => start + 1,
    })
}

/// A letter without its tone, and the tone.
fn untoned(letter: char) -> (char, Option<Tone>) {
    let mut tone = None;
    let base: String = std::iter::once(letter)
        .nfd()
        .filter(|&c| match Tone::from_mark(c) {
            Some(found) => {
                tone = Some(found);
                false
            }
            None => true,
        })
        .nfc()
        .collect();
    (base.chars().next().unwrap_or(letter), tone)
}

fn toned(letter: char, tone: Tone) -> char {
    let composed: String = [letter, tone.mark()].into_iter().nfc().collect();
    let mut chars = composed.chars();
    match (chars.next(), chars.next()) {
        (Some(single), None) => single,
        // Not a letter a tone composes with; it is left as it was.
        _ => letter,
    }
}

fn lowercase(letter: char) -> char {
    letter.to_lowercase().next().unwrap_or(letter)
}

/// `letter` in the case of `like`.
fn same_case(letter: char, like: char) -> char {
    if like.is_uppercase() {
        letter.to_uppercase().next().unwrap_or(letter)
    } else {
        letter
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(keys: &str) -> String {
        keys.chars()
            .fold(String::new(), |text, key| type_key(&text, key))
    }

    #[test]
    fn words_of_the_kiosks_forms() {
        for (keys, expected) in [
            ("tieengs vieetj", "tiếng việt"),
            ("Nguyeenx Thij Hoongf Nhung", "Nguyễn Thị Hồng Nhung"),
            ("dduwowngf Lee Lowij", "đường Lê Lợi"),
            ("nguwowif", "người"),
            ("Phuwowngf DDoong Hwng Thuaanj", "Phường Đông Hưng Thuận"),
            ("Thanhf phoos Hoof Chis Minh", "Thành phố Hồ Chí Minh"),
            ("xin chaof", "xin chào"),
            ("khuyeens", "khuyến"),
            ("chuooir", "chuổi"),
            ("ngoaif", "ngoài"),
            ("khuyur", "khuỷu"),
            ("muaf", "mùa"),
            ("tuwf", "từ"),
            ("wa", "ưa"),
            ("NGUYEENX", "NGUYỄN"),
            ("DDaf Nawngx", "Đà Nẵng"),
            ("sang", "sang"),
            ("rar", "rả"),
        ] {
            assert_eq!(typed(keys), expected, "{keys}");
        }
    }

    #[test]
    fn the_tone_moves_to_where_spelling_puts_it() {
        for (keys, expected) in [
            ("hoaf", "hòa"),
            ("hoafn", "hoàn"),
            ("hoanf", "hoàn"),
            ("thuyr", "thủy"),
            ("khoer", "khỏe"),
            ("toasn", "toán"),
            ("quys", "quý"),
            ("quaf", "quà"),
            ("gias", "giá"),
            ("giuwax", "giữa"),
            ("gif", "gì"),
            ("tais", "tái"),
            ("sieeuj", "siệu"),
            ("hwux", "hữu"),
        ] {
            assert_eq!(typed(keys), expected, "{keys}");
        }
    }

    #[test]
    fn the_same_key_again_undoes_and_z_clears() {
        for (keys, expected) in [
            ("ass", "as"),
            ("aaa", "aa"),
            ("aww", "aw"),
            ("ddd", "dd"),
            ("uow", "ươ"),
            ("uoww", "uow"),
            ("asz", "a"),
            ("z", "z"),
            ("viejtz", "viet"),
            ("bazz", "bazz"),
        ] {
            assert_eq!(typed(keys), expected, "{keys}");
        }
    }

    #[test]
    fn digits_punctuation_and_decomposed_text_pass_through() {
        assert_eq!(typed("so61 12, ngox 3/4"), "so61 12, ngõ 3/4");
        // A field pre-filled from a card may arrive decomposed.
        assert_eq!(type_key("Nguye\u{302}\u{303}n V", 'a'), "Nguyễn Va");
        assert_eq!(type_key("Nguye\u{302}n", 'x'), "Nguyễn");
        assert_eq!(type_key("", ' '), " ");
    }

    #[test]
    fn backspace_takes_a_whole_letter() {
        assert_eq!(backspace("Nguyễn"), "Nguyễ");
        assert_eq!(backspace("Nguye\u{302}\u{303}"), "Nguy");
        assert_eq!(backspace(""), "");
    }
}
