//! The CCCD's QR code, its TD1 MRZ and the access keys derived from them, used together as
//! the kiosk does: scan the QR code, derive the keys, and check them against the MRZ the
//! card carries. All citizens here are synthetic.

use kiosk_identity::access_key::{
    AccessKey, MAX_CANDIDATES, candidates_from_id, candidates_from_qr,
};
use kiosk_identity::date::{CalendarDate, DateError};
use kiosk_identity::mrz::{MrzCheck, MrzError, Td1Mrz, check_digit};
use kiosk_identity::qr::{CccdQr, CitizenIdNumber, IdNumberError, QrError, QrField, Sex};

/// Male, born 1989 in Hà Nội, card issued at 31.
const AN: &str =
    "001089012345||Nguyễn Văn An|15081989|Nam|Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội|01052021";
/// Female, born 2003 in Hồ Chí Minh City, with an old 9-digit ID, card issued at 18.
const NGOC: &str = "079303000123|312345678|Trần Thị Bích Ngọc|01022003|Nữ|12 Lê Lợi, Phường Bến Nghé, Quận 1, TP Hồ Chí Minh|20032021";
/// Female, born 29 February 2000 in Đà Nẵng; a newer card with appended fields.
const HOA: &str = "048300004321|201234567|Lê Thị Hoa|29022000|Nữ|45 Bạch Đằng, Hải Châu, Đà Nẵng|01062021||Lê Văn Hùng|Phạm Thị Lan|";

fn date(year: u16, month: u8, day: u8) -> CalendarDate {
    CalendarDate::new(year, month, day).unwrap_or_else(|error| panic!("{error}"))
}

fn qr(text: &str) -> CccdQr {
    CccdQr::parse(text).unwrap_or_else(|error| panic!("{error}"))
}

fn id(text: &str) -> CitizenIdNumber {
    CitizenIdNumber::parse(text).unwrap_or_else(|error| panic!("{error}"))
}

fn mrz_key(document_number: &str, birth: CalendarDate, expiry: CalendarDate) -> AccessKey {
    AccessKey::Mrz {
        document_number: document_number.to_owned(),
        date_of_birth: birth,
        date_of_expiry: expiry,
    }
}

/// A QR code for a synthetic citizen born on `birth` and issued on `issued`.
fn qr_for(id_number: &str, sex: &str, birth: CalendarDate, issued: CalendarDate) -> CccdQr {
    qr(&format!(
        "{id_number}||Phạm Minh Châu|{}|{sex}|Thôn 3, Xã Tân Phú|{}",
        birth.to_ddmmyyyy(),
        issued.to_ddmmyyyy()
    ))
}

// ---------------------------------------------------------------------------------------
// QR code: valid samples

#[test]
fn a_female_citizen_born_in_the_2000s_parses() {
    let ngoc = qr(NGOC);
    assert_eq!(ngoc.id_number().sex(), Sex::Female);
    assert_eq!(ngoc.id_number().birth_year(), 2003);
    assert_eq!(ngoc.id_number().province_code(), 79);
    assert_eq!(
        ngoc.old_id_number().map(|old| old.expose().as_str()),
        Some("312345678")
    );
    assert_eq!(ngoc.full_name().expose(), "Trần Thị Bích Ngọc");
    assert_eq!(ngoc.sex(), Sex::Female);
    assert_eq!(*ngoc.date_of_birth().expose(), date(2003, 2, 1));
    assert_eq!(ngoc.issue_date(), date(2021, 3, 20));
}

#[test]
fn appended_fields_of_newer_cards_are_kept() {
    let hoa = qr(HOA);
    let extra: Vec<&str> = hoa.extra().iter().map(|f| f.expose().as_str()).collect();
    assert_eq!(extra, ["", "Lê Văn Hùng", "Phạm Thị Lan", ""]);
    assert_eq!(*hoa.date_of_birth().expose(), date(2000, 2, 29));
}

#[test]
fn scanner_noise_around_the_text_and_fields_is_ignored() {
    let noisy = format!("\u{FEFF}{}\r\n", AN.replace("|Nam|", "| Nam |"));
    assert_eq!(CccdQr::parse(&noisy), Ok(qr(AN)));
}

#[test]
fn the_decomposed_word_for_female_is_accepted() {
    let decomposed = NGOC.replace("|Nữ|", "|Nu\u{31B}\u{303}|");
    assert_eq!(qr(&decomposed).sex(), Sex::Female);
}

// ---------------------------------------------------------------------------------------
// QR code: every class of invalid input

fn error(text: &str) -> QrError {
    match CccdQr::parse(text) {
        Ok(_) => panic!("accepted: {text}"),
        Err(error) => error,
    }
}

#[test]
fn refuses_text_that_is_not_a_cccd_qr_code() {
    assert_eq!(error(""), QrError::Empty);
    assert_eq!(error(" \r\n"), QrError::Empty);
    assert!(matches!(
        error("https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?ma=G22.12-240501-0001"),
        QrError::NotACccdQr { .. }
    ));
    assert!(matches!(
        error("G22.12-240501-0001"),
        QrError::NotACccdQr { .. }
    ));
    let garbage: String = "x7|ữ".chars().cycle().take(10 * 1024).collect();
    assert!(matches!(error(&garbage), QrError::TooLong { .. }));
}

#[test]
fn refuses_wrong_field_counts() {
    assert_eq!(
        error("001089012345||Nguyễn Văn An|15081989|Nam|Hà Nội"),
        QrError::TooFewFields { found: 6 }
    );
    let many = format!("{AN}{}", "|".repeat(40));
    assert_eq!(error(&many), QrError::TooManyFields { found: 47 });
}

#[test]
fn refuses_bad_id_numbers() {
    assert_eq!(
        error(&AN.replace("001089012345", "00108901234A")),
        QrError::IdNumber(IdNumberError::NotDigits)
    );
    assert_eq!(
        error(&AN.replace("001089012345", "00108901234")),
        QrError::IdNumber(IdNumberError::WrongLength { found: 11 })
    );
    assert_eq!(
        error(&AN.replace("001089012345", "003089012345")),
        QrError::IdNumber(IdNumberError::UnknownProvinceCode { code: 3 })
    );
    assert_eq!(
        error("a|b|c|d|e|f|g"),
        QrError::IdNumber(IdNumberError::WrongLength { found: 1 })
    );
}

#[test]
fn refuses_an_id_number_that_contradicts_the_other_fields() {
    // Fourth digit 1: a woman born in the 1900s, but the sex field says Nam.
    assert_eq!(
        error(&AN.replace("001089012345", "001189012345")),
        QrError::IdNumberSexMismatch
    );
    // Fourth digit 2: a man born in the 2000s, but the date of birth is in 1989.
    assert_eq!(
        error(&AN.replace("001089012345", "001289012345")),
        QrError::IdNumberBirthYearMismatch
    );
    // Year digits 90, date of birth in 1989.
    assert_eq!(
        error(&AN.replace("001089012345", "001090012345")),
        QrError::IdNumberBirthYearMismatch
    );
}

#[test]
fn refuses_impossible_dates() {
    assert_eq!(
        error(&AN.replace("15081989", "30021989")),
        QrError::DateOfBirth(DateError::DayOutOfRange)
    );
    assert_eq!(
        error(&AN.replace("01052021", "2021-05-01")),
        QrError::IssueDate(DateError::WrongLength {
            expected: 8,
            found: 10
        })
    );
    assert_eq!(
        error(&AN.replace("01052021", "01011980")),
        QrError::IssueBeforeBirth
    );
}

#[test]
fn refuses_bad_names_sexes_and_old_numbers() {
    assert_eq!(error(&AN.replace("|Nam|", "|Khác|")), QrError::UnknownSex);
    assert_eq!(
        error(&AN.replace("Nguyễn Văn An", "")),
        QrError::MissingFullName
    );
    // Fields shifted: the date where the name belongs is caught by content.
    assert_eq!(
        error("001089012345||15081989|Nguyễn Văn An|Nam|Hà Nội|01052021"),
        QrError::DigitsInFullName
    );
    assert_eq!(error(&AN.replace("||", "|12345|")), QrError::OldIdNumber);
    assert_eq!(
        error(&AN.replace("Văn", "V\u{7}ăn")),
        QrError::ControlCharacter {
            field: QrField::FullName
        }
    );
}

#[test]
fn every_proper_prefix_of_a_valid_code_is_refused_without_panicking() {
    assert!(CccdQr::parse(AN).is_ok());
    for (cut, _) in AN.char_indices().skip(1) {
        let prefix = AN.get(..cut).unwrap_or_default();
        assert!(CccdQr::parse(prefix).is_err(), "accepted prefix {prefix:?}");
    }
}

// ---------------------------------------------------------------------------------------
// MRZ

/// Line 2 of `lines` with its composite check digit recomputed.
fn recompute_composite(lines: &mut [String; 3]) {
    let [line_1, line_2, _] = &*lines;
    let composite_input = format!(
        "{}{}{}{}",
        &line_1[5..30],
        &line_2[0..7],
        &line_2[8..15],
        &line_2[18..29]
    );
    let digit = check_digit(&composite_input).unwrap_or('?');
    lines[1] = format!("{}{digit}", &lines[1][..29]);
}

fn an_mrz() -> Td1Mrz {
    Td1Mrz::for_cccd(
        &id("001089012345"),
        "Nguyễn Văn An",
        date(1989, 8, 15),
        Sex::Male,
        date(2029, 8, 15),
    )
}

#[test]
fn a_built_cccd_zone_has_the_issued_layout_and_round_trips() {
    let mrz = an_mrz();
    let lines = mrz.to_lines();
    assert_eq!(lines[0], "IDVNM0890123456001089012345<<7");
    assert!(
        lines[1].starts_with("8908157M2908155VNM<<<<<<<<<<<"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<");
    let parsed = Td1Mrz::parse(&lines.join("\n"));
    assert_eq!(parsed.as_ref(), Ok(&mrz));
    assert_eq!(
        parsed.ok().and_then(|mrz| mrz.cccd_id_number()),
        Some(id("001089012345"))
    );
}

#[test]
fn each_check_digit_failure_is_named() {
    let lines = an_mrz().to_lines();
    let with = |line: usize, position: usize, character: &str| {
        let mut changed = lines.clone();
        changed[line].replace_range(position..=position, character);
        Td1Mrz::parse(&changed.join("\n"))
    };
    let mismatch = |field| Err(MrzError::CheckDigitMismatch { field });
    // Positions are 0-based here: line 1 position 15 is index 14.
    assert_eq!(with(0, 14, "5"), mismatch(MrzCheck::DocumentNumber));
    assert_eq!(with(0, 8, "1"), mismatch(MrzCheck::DocumentNumber));
    assert_eq!(with(1, 6, "0"), mismatch(MrzCheck::DateOfBirth));
    assert_eq!(with(1, 14, "0"), mismatch(MrzCheck::DateOfExpiry));
    assert_eq!(with(1, 29, "0"), mismatch(MrzCheck::Composite));
    // Optional data has no check digit of its own: only the composite sees a change.
    assert_eq!(with(1, 20, "7"), mismatch(MrzCheck::Composite));
    assert_eq!(with(0, 21, "9"), mismatch(MrzCheck::Composite));
}

#[test]
fn every_single_digit_substitution_under_the_composite_is_caught() {
    let lines = an_mrz().to_lines();
    let covered = [(0, 5..30), (1, 0..7), (1, 8..15), (1, 18..29)];
    for (line, positions) in covered {
        for position in positions {
            for digit in '0'..='9' {
                let mut changed = lines.clone();
                let original = changed[line].as_bytes()[position];
                // `<` and `0` both count 0 (ICAO 9303-3 §4.9): no check digit can see
                // one replaced by the other.
                if original == digit as u8 || (original == b'<' && digit == '0') {
                    continue;
                }
                changed[line].replace_range(position..=position, &digit.to_string());
                assert!(
                    Td1Mrz::parse(&changed.concat()).is_err(),
                    "line {line} position {position} digit {digit}"
                );
            }
        }
    }
}

#[test]
fn an_inconsistent_cccd_id_number_is_not_exposed() {
    let mut lines = an_mrz().to_lines();
    // A different ID number in the optional data, composite made valid again.
    lines[0].replace_range(15..27, "001089012346");
    recompute_composite(&mut lines);
    let mrz = Td1Mrz::parse(&lines.join("\n")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(mrz.cccd_id_number(), None);
}

#[test]
fn a_long_document_number_continues_into_the_optional_data() {
    // ICAO 9303-5 §4.2.2 note j, with the number D23145890734 of the specimen's issuer.
    let mut lines = [
        "I<UTOD23145890<7349<<<<<<<<<<<".to_owned(),
        "3407127M9507122UTO<<<<<<<<<<<?".to_owned(),
        "STEVENSON<<PETER<JOHN<<<<<<<<<".to_owned(),
    ];
    recompute_composite(&mut lines);
    let mrz = Td1Mrz::parse(&lines.join("\n")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(mrz.document_number().expose(), "D23145890734");
    assert_eq!(mrz.optional_data_1().expose(), "<<<<<<<<<<<");
    assert_eq!(mrz.to_lines(), lines);

    let mut bad = lines.clone();
    bad[0].replace_range(18..19, "8");
    recompute_composite(&mut bad);
    assert_eq!(
        Td1Mrz::parse(&bad.join("\n")),
        Err(MrzError::CheckDigitMismatch {
            field: MrzCheck::DocumentNumber
        })
    );
}

#[test]
fn refuses_malformed_zones_without_panicking() {
    let lines = an_mrz().to_lines();
    assert_eq!(
        Td1Mrz::parse(&lines[..2].join("\n")),
        Err(MrzError::WrongLineCount { found: 2 })
    );
    assert_eq!(
        Td1Mrz::parse(&lines.concat()[1..]),
        Err(MrzError::WrongLength { found: 89 })
    );
    assert_eq!(
        Td1Mrz::parse(&lines.join("\n").to_lowercase()),
        Err(MrzError::InvalidCharacter {
            line: 1,
            position: 1
        })
    );
    let accented = lines.concat().replacen('N', "Ñ", 1);
    assert!(matches!(
        Td1Mrz::parse(&accented),
        Err(MrzError::WrongLength { .. } | MrzError::InvalidCharacter { .. })
    ));
    assert_eq!(Td1Mrz::parse(&"<".repeat(10_000)), Err(MrzError::TooLong));
    let mut passport = lines.clone();
    passport[0].replace_range(0..1, "P");
    assert_eq!(
        Td1Mrz::parse(&passport.join("\n")),
        Err(MrzError::NotTd1DocumentCode)
    );
}

// ---------------------------------------------------------------------------------------
// Access keys

#[test]
fn the_key_the_qr_code_predicts_opens_the_cards_mrz() {
    let citizen = qr(AN);
    let candidates = candidates_from_qr(&citizen);
    assert_eq!(
        candidates,
        vec![
            AccessKey::Can("012345".to_owned()),
            mrz_key("089012345", date(1989, 8, 15), date(2029, 8, 15)),
        ]
    );
    let on_card = AccessKey::from_mrz(&an_mrz(), 2026).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(on_card, candidates[1]);
    assert_eq!(
        on_card.mrz_information().as_deref(),
        Some("089012345689081572908155")
    );
}

#[test]
fn issued_at_20_expires_at_25() {
    let birth = date(2001, 5, 20);
    let citizen = qr_for("001201004567", "Nam", birth, date(2021, 7, 1));
    assert_eq!(
        candidates_from_qr(&citizen),
        vec![
            AccessKey::Can("004567".to_owned()),
            mrz_key("201004567", birth, date(2026, 5, 20)),
        ]
    );
}

#[test]
fn issued_at_24_runs_on_to_40() {
    let birth = date(1997, 3, 10);
    let citizen = qr_for("030097002222", "Nam", birth, date(2021, 6, 15));
    assert_eq!(
        candidates_from_qr(&citizen),
        vec![
            AccessKey::Can("002222".to_owned()),
            mrz_key("097002222", birth, date(2037, 3, 10)),
        ]
    );
}

#[test]
fn issued_at_62_has_no_expiry_and_only_the_can() {
    let citizen = qr_for("001159003333", "Nữ", date(1959, 1, 2), date(2021, 3, 1));
    assert_eq!(
        candidates_from_qr(&citizen),
        vec![AccessKey::Can("003333".to_owned())]
    );
}

#[test]
fn issued_just_inside_a_grace_period_also_tries_the_earlier_milestone() {
    // Grace period for 25 starts on the 23rd birthday, 2021-04-10; issued 10 days later.
    let birth = date(1998, 4, 10);
    let citizen = qr_for("001098004444", "Nam", birth, date(2021, 4, 20));
    assert_eq!(
        candidates_from_qr(&citizen),
        vec![
            AccessKey::Can("004444".to_owned()),
            mrz_key("098004444", birth, date(2038, 4, 10)),
            mrz_key("098004444", birth, date(2023, 4, 10)),
        ]
    );
    // Issued 9 days into the 58th year: for life, unless the rule was applied earlier.
    let birth = date(1963, 5, 1);
    let citizen = qr_for("001163005555", "Nữ", birth, date(2021, 5, 10));
    assert_eq!(
        candidates_from_qr(&citizen),
        vec![
            AccessKey::Can("005555".to_owned()),
            mrz_key("163005555", birth, date(2023, 5, 1)),
        ]
    );
}

#[test]
fn a_holder_born_on_29_february_gets_both_readings_of_the_birthday() {
    let birth = date(2000, 2, 29);
    assert_eq!(
        candidates_from_qr(&qr(HOA)),
        vec![
            AccessKey::Can("004321".to_owned()),
            mrz_key("300004321", birth, date(2025, 2, 28)),
            mrz_key("300004321", birth, date(2025, 3, 1)),
        ]
    );
}

#[test]
fn from_the_id_alone_every_lawful_expiry_is_tried_within_the_bound() {
    let an = id("001089012345");
    assert_eq!(
        candidates_from_id(&an, None),
        vec![AccessKey::Can("012345".to_owned())]
    );
    // A date of birth whose year contradicts the ID number is a typing error.
    assert_eq!(
        candidates_from_id(&an, Some(date(1988, 8, 15))),
        vec![AccessKey::Can("012345".to_owned())]
    );
    let birth = date(1989, 8, 15);
    assert_eq!(
        candidates_from_id(&an, Some(birth)),
        vec![
            AccessKey::Can("012345".to_owned()),
            mrz_key("089012345", birth, date(2029, 8, 15)),
            mrz_key("089012345", birth, date(2049, 8, 15)),
        ]
    );
    let ngoc = id("079303000123");
    let candidates = candidates_from_id(&ngoc, Some(date(2003, 2, 1)));
    assert_eq!(candidates.len(), MAX_CANDIDATES);
    assert_eq!(
        candidates.get(1),
        Some(&mrz_key("303000123", date(2003, 2, 1), date(2028, 2, 1)))
    );
    for (index, key) in candidates.iter().enumerate() {
        assert!(!candidates[..index].contains(key), "duplicate {index}");
    }
}
