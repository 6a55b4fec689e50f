//! Text as it is given to text as it is printed: normalised, then broken into lines that
//! fit a width.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::font::Face;

/// NFC: a keyboard or a back end may send "ệ" as e + U+0323 + U+0302; Noto Sans draws the
/// precomposed letter, while the loose marks would be placed by guesswork.
pub(crate) fn normalise(text: &str) -> String {
    text.nfc().collect()
}

/// Where a line may break. No-break spaces keep their words together, as they were put
/// there to ("12 000 đ").
fn is_break(c: char) -> bool {
    c.is_whitespace() && !matches!(c, '\u{a0}' | '\u{2007}' | '\u{202f}')
}

/// Breaks normalised text into lines no wider than `width` dots: at `\n`, at spaces, and
/// a word wider than the line between characters. Runs of spaces collapse to one, and a
/// blank paragraph (two `\n` in a row) stays an empty line.
pub(crate) fn wrap(face: &Face, text: &str, width: f32) -> Vec<String> {
    let space = face.advance(' ');
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_width = 0.0;
        for word in paragraph.split(is_break).filter(|word| !word.is_empty()) {
            let word_width = face.width(word);
            if line.is_empty() && word_width <= width {
                line.push_str(word);
                line_width = word_width;
            } else if !line.is_empty() && line_width + space + word_width <= width {
                line.push(' ');
                line.push_str(word);
                line_width += space + word_width;
            } else if word_width <= width {
                lines.push(std::mem::take(&mut line));
                line.push_str(word);
                line_width = word_width;
            } else {
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                let mut pieces = break_word(face, word, width);
                // The word's last piece starts the next line, so what follows can join it.
                if let Some(last) = pieces.pop() {
                    lines.extend(pieces);
                    line_width = face.width(&last);
                    line = last;
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// Splits a word into pieces no wider than `width`, between characters but never before a
/// combining mark (one NFC could not fold into its letter). A piece holds at least one
/// character, so a line narrower than a letter still makes progress.
fn break_word(face: &Face, word: &str, width: f32) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut piece_width = 0.0;
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        let mut cluster = String::from(c);
        while let Some(&mark) = chars.peek() {
            if !is_combining_mark(mark) {
                break;
            }
            cluster.push(mark);
            chars.next();
        }
        let cluster_width = face.width(&cluster);
        if !piece.is_empty() && piece_width + cluster_width > width {
            pieces.push(std::mem::take(&mut piece));
            piece_width = 0.0;
        }
        piece.push_str(&cluster);
        piece_width += cluster_width;
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::font::Weight;

    fn face() -> Face {
        Face::new(Weight::Regular, 24)
    }

    #[test]
    fn decomposed_vietnamese_becomes_precomposed() {
        assert_eq!(normalise("Nguye\u{302}\u{303}n"), "Nguyễn");
        assert_eq!(normalise("Hu\u{31b}ng"), "Hưng");
        assert_eq!(normalise("D\u{301}"), "D\u{301}");
    }

    #[test]
    fn words_wrap_at_spaces() {
        let face = face();
        let width = face.width("Thành phố Hồ");
        let lines = wrap(&face, "Thành phố Hồ Chí Minh", width);
        assert_eq!(lines, ["Thành phố Hồ", "Chí Minh"]);
    }

    #[test]
    fn spaces_collapse_and_newlines_break() {
        let face = face();
        let lines = wrap(&face, "  Một   hai\n\nba ", 1000.0);
        assert_eq!(lines, ["Một hai", "", "ba"]);
        assert_eq!(wrap(&face, "", 100.0), [""]);
    }

    #[test]
    fn no_break_spaces_hold() {
        let face = face();
        let width = face.width("Phí: 12 000");
        let lines = wrap(&face, "Phí: 12\u{a0}000\u{a0}đ", width);
        assert_eq!(lines, ["Phí:", "12\u{a0}000\u{a0}đ"]);
    }

    #[test]
    fn a_long_word_breaks_between_characters() {
        let face = face();
        let width = face.width("0123456789");
        let lines = wrap(&face, "Mã 0123456789012345678901234 xong", width);
        assert_eq!(lines, ["Mã", "0123456789", "0123456789", "01234 xong"]);
        for line in &lines {
            assert!(face.width(line) <= width, "{line}");
        }
    }

    #[test]
    fn a_combining_mark_stays_with_its_letter() {
        let face = face();
        let width = face.width("q") * 1.5;
        let lines = wrap(&face, "qq\u{301}q", width);
        assert_eq!(lines, ["q", "q\u{301}", "q"]);
    }

    #[test]
    fn a_line_narrower_than_a_letter_still_progresses() {
        let lines = wrap(&face(), "WWW", 1.0);
        assert_eq!(lines, ["W", "W", "W"]);
    }
}
