//! The scanner behind [`scrub_personal_data`]: ID numbers and dates, found among digit runs.

use std::borrow::Cow;

use kiosk_identity::pii::FINGERPRINT_PREFIX;

use super::REDACTED;

/// Replaces, in `line`, every run of exactly 12 digits (a CCCD number) or 9 digits (an old
/// ID number), and every date written `dd/mm/yyyy` (also with `-` or `.`), `yyyy-mm-dd`
/// (also with `/`), or `ddmmyyyy` as 8 digits standing alone, with `[redacted]`.
///
/// A log fingerprint (`id#` and 16 hex digits, from `log_fingerprint`) is left alone: it is
/// safe by construction, and its hex digits may by chance contain a run of nine digits.
///
/// Written as a small scanner over digit runs rather than with regular expressions: the
/// patterns are three and simple, and a regex dependency (with its build time on a 2-core CI
/// machine) would buy nothing here. The bare 8-digit form must also be a plausible date
/// (day 1–31, month 1–12, year 1900–2099); without that check every 8-digit count or
/// identifier in the logs would be blanked.
pub fn scrub_personal_data(line: &str) -> Cow<'_, str> {
    let bytes = line.as_bytes();
    let mut scrubbed: Option<String> = None;
    let mut kept_up_to = 0;
    let mut at = 0;
    while at < bytes.len() {
        if let Some(end) = fingerprint_end(bytes, at) {
            at = end;
            continue;
        }
        if !bytes[at].is_ascii_digit() {
            at += 1;
            continue;
        }
        let run_end = digit_run_end(bytes, at);
        match personal_datum_end(bytes, at, run_end) {
            Some(end) => {
                // `at` and `end` border ASCII digits, so both are char boundaries.
                let out = scrubbed.get_or_insert_with(|| String::with_capacity(line.len()));
                out.push_str(&line[kept_up_to..at]);
                out.push_str(REDACTED);
                kept_up_to = end;
                at = end;
            }
            None => at = run_end,
        }
    }
    match scrubbed {
        None => Cow::Borrowed(line),
        Some(mut out) => {
            out.push_str(&line[kept_up_to..]);
            Cow::Owned(out)
        }
    }
}

/// The end of a `log_fingerprint` tag starting at `at`, if one does.
fn fingerprint_end(bytes: &[u8], at: usize) -> Option<usize> {
    const HEX_DIGITS: usize = 16;
    let prefix = FINGERPRINT_PREFIX.as_bytes();
    let hex_start = at + prefix.len();
    let end = hex_start + HEX_DIGITS;
    let is_tag = bytes.get(at..hex_start)? == prefix
        && bytes
            .get(hex_start..end)?
            .iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
        && !bytes.get(end).is_some_and(u8::is_ascii_alphanumeric);
    is_tag.then_some(end)
}

fn digit_run_end(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|b| !b.is_ascii_digit())
        .map_or(bytes.len(), |len| start + len)
}

/// If the digit run `start..run_end` begins an ID number or a date, where that datum ends.
fn personal_datum_end(bytes: &[u8], start: usize, run_end: usize) -> Option<usize> {
    if let Some(end) = separated_date_end(bytes, start, run_end) {
        return Some(end);
    }
    let run = &bytes[start..run_end];
    match run.len() {
        12 | 9 => Some(run_end),
        8 if is_plausible_date(
            number(&run[0..2]),
            number(&run[2..4]),
            Some(number(&run[4..8])),
        ) =>
        {
            Some(run_end)
        }
        _ => None,
    }
}

/// `d/m/yyyy`, `dd.mm.yyyy`, `dd-mm-yyyy` or `yyyy-mm-dd`, `yyyy/mm/dd`, starting with the
/// digit run `start..run_end`; the same separator on both sides.
fn separated_date_end(bytes: &[u8], start: usize, run_end: usize) -> Option<usize> {
    let separator = *bytes.get(run_end)?;
    let second_start = run_end + 1;
    let second_end = digit_run_end(bytes, second_start);
    if *bytes.get(second_end)? != separator {
        return None;
    }
    let third_start = second_end + 1;
    let third_end = digit_run_end(bytes, third_start);

    let first = &bytes[start..run_end];
    let second = &bytes[second_start..second_end];
    let third = &bytes[third_start..third_end];
    let short = |part: &[u8]| (1..=2).contains(&part.len());
    let day_first = matches!(separator, b'/' | b'-' | b'.')
        && short(first)
        && short(second)
        && third.len() == 4
        && is_plausible_date(number(first), number(second), None);
    let year_first = matches!(separator, b'-' | b'/')
        && first.len() == 4
        && short(second)
        && short(third)
        && is_plausible_date(number(third), number(second), None);
    (day_first || year_first).then_some(third_end)
}

fn is_plausible_date(day: u32, month: u32, year: Option<u32>) -> bool {
    (1..=31).contains(&day)
        && (1..=12).contains(&month)
        && year.is_none_or(|year| (1900..=2099).contains(&year))
}

/// The value of a short run of ASCII digits (at most 4 here, so no overflow).
fn number(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0, |value, digit| value * 10 + u32::from(digit - b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiosk_identity::pii::log_fingerprint;

    #[test]
    fn the_scrubber_blanks_id_numbers_and_dates() {
        let cases = [
            ("CCCD 001089012345 read", "CCCD [redacted] read"),
            ("old id 012345678.", "old id [redacted]."),
            ("born 15/08/1989, ok", "born [redacted], ok"),
            ("born 5/8/1989", "born [redacted]"),
            (
                "born 15-08-1989 and 15.08.1989",
                "born [redacted] and [redacted]",
            ),
            ("dob=1989-08-15T00:00", "dob=[redacted]T00:00"),
            ("dob 1989/08/15", "dob [redacted]"),
            (
                "qr|001089012345||Nguyễn|15081989|Nam",
                "qr|[redacted]||Nguyễn|[redacted]|Nam",
            ),
            ("id=001089012345x", "id=[redacted]x"),
        ];
        for (line, expected) in cases {
            assert_eq!(scrub_personal_data(line), expected, "{line}");
        }
    }

    #[test]
    fn the_scrubber_leaves_other_numbers_alone() {
        for line in [
            "listening on 127.0.0.1:8750",
            "read 1048576 bytes in 0.25 s",
            "apdu 6D00 after 10 retries",
            "13 digits 0010890123456 and 11 digits 00108901234",
            "count 12345678 is no date",
            "20240501 is yyyymmdd, not ddmmyyyy",
            "version 1.95.0, 32/13/1989 is no date",
            "",
            "Nguyễn Văn An",
        ] {
            assert!(
                matches!(scrub_personal_data(line), Cow::Borrowed(_)),
                "{line}"
            );
        }
    }

    #[test]
    fn the_scrubber_keeps_fingerprints_whole() {
        let line = "session id#0123456789abcdef started; id#123456789 is no tag";
        assert_eq!(
            scrub_personal_data(line),
            "session id#0123456789abcdef started; id#[redacted] is no tag"
        );
        let fingerprint = log_fingerprint("001089012345");
        assert_eq!(scrub_personal_data(&fingerprint), fingerprint);
    }

    #[test]
    fn the_scrubber_handles_any_text_without_panicking() {
        let awkward = [
            "1",
            "1/",
            "1/2",
            "1/2/",
            "12/12/",
            "12/12/12345",
            "2024-",
            "2024-1-",
            "9".repeat(40).as_str(),
            "ý1/2/2000ý",
            "/1/1/2000/",
            "١٢٣٤٥٦٧٨٩",
            "id#",
            "id#0123",
            "\u{0}12345678912\u{0}",
        ]
        .map(str::to_owned);
        for line in awkward {
            let _ = scrub_personal_data(&line);
        }
    }
}
