use kiosk_identity::date::{CalendarDate, DateError};
use kiosk_identity::lds::{CardExpiry, Dg13, Dg13Error, ParentWrapping};
use kiosk_identity::pii::Sensitive;
use kiosk_identity::tlv::{Tag, Tlv, TlvError, encode_tlv};

const OID: [u8; 5] = [0x2B, 0x06, 0x01, 0x04, 0x01];

fn s(text: &str) -> Sensitive<String> {
    Sensitive::new(text.to_owned())
}

fn some(text: &str) -> Option<Sensitive<String>> {
    Some(s(text))
}

/// A synthetic citizen with every entry filled.
fn citizen() -> Dg13 {
    Dg13 {
        version: Some(1),
        oid: Some(OID.to_vec()),
        id_number: s("001089012345"),
        full_name: s("Nguyễn Văn An"),
        date_of_birth: s("15/08/1989"),
        sex: some("Nam"),
        nationality: some("Việt Nam"),
        ethnicity: some("Kinh"),
        religion: some("Không"),
        place_of_origin: some("Yên Phụ, Yên Phong, Bắc Ninh"),
        place_of_residence: some("Số 12 ngõ 34, Cửa Đông, Hoàn Kiếm, Hà Nội"),
        identifying_marks: some("Nốt ruồi C:2cm dưới sau mép trái"),
        issue_date: some("10/07/2021"),
        expiry_date: some("15/08/2029"),
        father_name: some("Nguyễn Văn Bình"),
        mother_name: some("Trần Thị Bình"),
        spouse_name: some("Lê Thị Hoa"),
        old_id_number: some("012345678"),
        other: vec![(20, Sensitive::new(vec!["Ghi chú".to_owned()]))],
    }
}

/// A DER INTEGER of one content byte.
fn int(n: u8) -> Vec<u8> {
    encode_tlv(Tag::INTEGER, &[n])
}

fn utf8(text: &str) -> Vec<u8> {
    encode_tlv(Tag::UTF8_STRING, text.as_bytes())
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    encode_tlv(Tag::SEQUENCE, &parts.concat())
}

fn entry(n: u8, values: &[Vec<u8>]) -> Vec<u8> {
    seq(&[&[int(n)][..], values].concat())
}

fn dg13(content: &[Vec<u8>]) -> Vec<u8> {
    encode_tlv(Tag::new(0x6D), &content.concat())
}

/// The data objects after the INTEGER of entry 13, as tags, read back from an encoding.
fn parent_entry_shape(bytes: &[u8]) -> Vec<Tag> {
    let document = Tlv::parse_exact(bytes)
        .unwrap()
        .require(Tag::SEQUENCE)
        .unwrap();
    let set = document.require(Tag::SET).unwrap();
    for entry in set.children().unwrap() {
        let children: Vec<Tlv<'_>> = entry
            .unwrap()
            .children()
            .unwrap()
            .map(Result::unwrap)
            .collect();
        if children[0].value == [13] {
            return children[1..].iter().map(|child| child.tag).collect();
        }
    }
    panic!("no entry 13")
}

#[test]
fn round_trips_in_every_parent_wrapping() {
    let citizen = citizen();
    for (wrapping, shape) in [
        (
            ParentWrapping::Direct,
            vec![Tag::UTF8_STRING, Tag::UTF8_STRING],
        ),
        (
            ParentWrapping::EachInSequence,
            vec![Tag::SEQUENCE, Tag::SEQUENCE],
        ),
        (ParentWrapping::BothInSequence, vec![Tag::SEQUENCE]),
    ] {
        let bytes = citizen.to_der(wrapping);
        assert_eq!(parent_entry_shape(&bytes), shape, "{wrapping:?}");
        let parsed = Dg13::parse(&bytes).unwrap();
        assert_eq!(parsed, citizen, "{wrapping:?}");
        assert_eq!(parsed.full_name.expose(), "Nguyễn Văn An");
        assert_eq!(parsed.mother_name.unwrap().expose(), "Trần Thị Bình");
    }
}

#[test]
fn debug_output_shows_no_personal_data() {
    let printed = format!(
        "{:?}",
        Dg13::parse(&citizen().to_der(ParentWrapping::Direct)).unwrap()
    );
    for secret in [
        "001089012345",
        "Nguyễn",
        "Trần",
        "15/08/1989",
        "Hà Nội",
        "Ghi chú",
    ] {
        assert!(!printed.contains(secret), "{secret} in {printed}");
    }
}

#[test]
fn reads_a_card_with_entries_out_of_order_under_the_outer_sequence() {
    // No SET: the entries follow the OID directly; PrintableString for the number; the
    // old ID number as entry 16 while 15 holds something else; religion, marks and spouse
    // absent; an entry with an empty value; no expiry.
    let document = seq(&[
        int(1),
        encode_tlv(Tag::OBJECT_IDENTIFIER, &OID),
        entry(2, &[utf8("Trần Thị Bình")]),
        entry(
            13,
            &[
                seq(&[utf8("Trần Văn Cường")]),
                seq(&[utf8("Phạm Thị Dung")]),
            ],
        ),
        entry(1, &[encode_tlv(Tag::PRINTABLE_STRING, b"079303000001")]),
        entry(12, &[utf8("Không thời hạn")]),
        entry(3, &[utf8("01/01/2003")]),
        entry(4, &[utf8("Nữ")]),
        entry(10, &[]),
        entry(15, &[utf8("CA TP Hồ Chí Minh")]),
        entry(16, &[utf8("025123456")]),
        entry(31, &[utf8("a"), utf8("b")]),
    ]);
    let parsed = Dg13::parse(&dg13(&[document])).unwrap();
    assert_eq!(parsed.version, Some(1));
    assert_eq!(parsed.oid.as_deref(), Some(&OID[..]));
    assert_eq!(parsed.id_number.expose(), "079303000001");
    assert_eq!(parsed.full_name.expose(), "Trần Thị Bình");
    assert_eq!(parsed.date_of_birth.expose(), "01/01/2003");
    assert_eq!(parsed.sex, some("Nữ"));
    assert_eq!(parsed.expiry_date, some("Không thời hạn"));
    assert_eq!(parsed.father_name, some("Trần Văn Cường"));
    assert_eq!(parsed.mother_name, some("Phạm Thị Dung"));
    assert_eq!(parsed.old_id_number, some("025123456"));
    assert_eq!(parsed.religion, None);
    assert_eq!(parsed.identifying_marks, None);
    assert_eq!(parsed.spouse_name, None);
    let other: Vec<(u32, Vec<String>)> = parsed
        .other
        .iter()
        .map(|(n, values)| (*n, values.expose().clone()))
        .collect();
    assert_eq!(
        other,
        [
            (15, vec!["CA TP Hồ Chí Minh".to_owned()]),
            (31, vec!["a".to_owned(), "b".to_owned()])
        ]
    );
}

#[test]
fn reads_entries_directly_in_the_data_group_and_deeply_wrapped_values() {
    // No outer SEQUENCE, no version, no OID; values wrapped in SETs and SEQUENCEs.
    let bytes = dg13(&[
        entry(1, &[encode_tlv(Tag::SET, &seq(&[utf8("001089012345")]))]),
        entry(2, &[seq(&[seq(&[utf8("Nguyễn Văn An")])])]),
        entry(3, &[encode_tlv(Tag::IA5_STRING, b"15/08/1989")]),
        entry(13, &[seq(&[utf8(""), utf8("Trần Thị Bình")])]),
        entry(
            14,
            &[encode_tlv(Tag::BMP_STRING, &[0x00, b'L', 0x00, 0xEA])],
        ),
    ]);
    let parsed = Dg13::parse(&bytes).unwrap();
    assert_eq!((parsed.version, parsed.oid.as_ref()), (None, None));
    assert_eq!(parsed.id_number.expose(), "001089012345");
    assert_eq!(parsed.full_name.expose(), "Nguyễn Văn An");
    assert_eq!(parsed.date_of_birth.expose(), "15/08/1989");
    assert_eq!(
        parsed.father_name, None,
        "an empty string is an unknown father"
    );
    assert_eq!(parsed.mother_name, some("Trần Thị Bình"));
    assert_eq!(parsed.spouse_name, some("Lê"));
}

#[test]
fn missing_optional_entries_round_trip_as_absent() {
    let minimal = Dg13 {
        version: Some(1),
        oid: None,
        id_number: s("001089012345"),
        full_name: s("Nguyễn Văn An"),
        date_of_birth: s("15/08/1989"),
        sex: None,
        nationality: None,
        ethnicity: None,
        religion: None,
        place_of_origin: None,
        place_of_residence: None,
        identifying_marks: None,
        issue_date: None,
        expiry_date: None,
        father_name: None,
        mother_name: some("Trần Thị Bình"),
        spouse_name: None,
        old_id_number: None,
        other: Vec::new(),
    };
    for wrapping in [
        ParentWrapping::Direct,
        ParentWrapping::EachInSequence,
        ParentWrapping::BothInSequence,
    ] {
        assert_eq!(
            Dg13::parse(&minimal.to_der(wrapping)).unwrap(),
            minimal,
            "{wrapping:?}"
        );
    }
}

#[test]
fn inconsistent_entries_are_typed_errors() {
    let wrap =
        |entries: &[Vec<u8>]| dg13(&[seq(&[int(1), encode_tlv(Tag::SET, &entries.concat())])]);
    let id = entry(1, &[utf8("001089012345")]);
    let name = entry(2, &[utf8("Nguyễn Văn An")]);
    let birth = entry(3, &[utf8("15/08/1989")]);

    assert_eq!(
        Dg13::parse(&wrap(&[id.clone(), birth.clone()])),
        Err(Dg13Error::MissingEntry { entry: 2 })
    );
    assert_eq!(
        Dg13::parse(&wrap(&[
            id.clone(),
            name.clone(),
            birth.clone(),
            name.clone()
        ])),
        Err(Dg13Error::DuplicateEntry { entry: 2 })
    );
    assert_eq!(
        Dg13::parse(&wrap(&[
            id.clone(),
            entry(2, &[utf8("Nguyễn"), utf8("Văn An")]),
            birth.clone()
        ])),
        Err(Dg13Error::TooManyValues {
            entry: 2,
            count: 2,
            allowed: 1
        })
    );
    assert_eq!(
        Dg13::parse(&wrap(&[
            id.clone(),
            name.clone(),
            birth.clone(),
            entry(13, &[utf8("a"), utf8("b"), utf8("c")])
        ])),
        Err(Dg13Error::TooManyValues {
            entry: 13,
            count: 3,
            allowed: 2
        })
    );
    assert!(matches!(
        Dg13::parse(&wrap(&[entry(
            1,
            &[encode_tlv(Tag::UTF8_STRING, &[0xC3, 0x28])]
        )])),
        Err(Dg13Error::InvalidText { entry: 1, .. })
    ));
    assert!(matches!(
        Dg13::parse(&wrap(&[entry(
            1,
            &[encode_tlv(Tag::PRINTABLE_STRING, "Ư".as_bytes())]
        )])),
        Err(Dg13Error::InvalidText { entry: 1, .. })
    ));
    assert!(matches!(
        Dg13::parse(&wrap(&[entry(
            1,
            &[encode_tlv(Tag::OCTET_STRING, b"0010")]
        )])),
        Err(Dg13Error::UnsupportedValueTag {
            entry: 1,
            tag: Tag::OCTET_STRING,
            ..
        })
    ));
    assert!(matches!(
        Dg13::parse(&wrap(&[seq(&[
            encode_tlv(Tag::INTEGER, &[0xFF]),
            utf8("x")
        ])])),
        Err(Dg13Error::BadInteger { .. })
    ));
    assert!(matches!(
        Dg13::parse(&dg13(&[int(1), int(2)])),
        Err(Dg13Error::UnexpectedInteger { .. })
    ));
}

#[test]
fn every_prefix_of_a_dg13_is_an_error_not_a_panic() {
    for wrapping in [ParentWrapping::Direct, ParentWrapping::EachInSequence] {
        let bytes = citizen().to_der(wrapping);
        for cut in 0..bytes.len() {
            assert!(
                Dg13::parse(&bytes[..cut]).is_err(),
                "{wrapping:?} prefix {cut}"
            );
        }
    }
}

#[test]
fn hostile_nesting_stops_at_the_depth_limit() {
    let deep = (0..200).fold(utf8("x"), |inner, _| seq(&[inner]));
    let bytes = dg13(&[seq(&[int(1), encode_tlv(Tag::SET, &entry(2, &[deep]))])]);
    assert!(matches!(
        Dg13::parse(&bytes),
        Err(Dg13Error::Tlv(TlvError::TooDeep { .. }))
    ));

    let mut indefinite = citizen().to_der(ParentWrapping::Direct);
    indefinite[1] = 0x80;
    assert!(matches!(
        Dg13::parse(&indefinite),
        Err(Dg13Error::Tlv(TlvError::IndefiniteLength { offset: 0 }))
    ));
}

#[test]
fn dates_read_as_calendar_dates_or_no_expiry() {
    let mut citizen = citizen();
    assert_eq!(
        *citizen.birth_date().unwrap().expose(),
        CalendarDate::new(1989, 8, 15).unwrap()
    );
    assert_eq!(
        citizen.issued_on(),
        Some(Ok(CalendarDate::new(2021, 7, 10).unwrap()))
    );
    assert_eq!(
        citizen.expiry(),
        Some(Ok(CardExpiry::On(CalendarDate::new(2029, 8, 15).unwrap())))
    );

    citizen.expiry_date = some("Không thời hạn");
    assert_eq!(citizen.expiry(), Some(Ok(CardExpiry::Never)));
    citizen.expiry_date = some("31/02/2029");
    assert_eq!(citizen.expiry(), Some(Err(DateError::DayOutOfRange)));
    citizen.expiry_date = None;
    assert_eq!(citizen.expiry(), None);
    citizen.date_of_birth = s("1950");
    assert!(citizen.birth_date().is_err());
    assert_eq!(
        citizen.date_of_birth.expose(),
        "1950",
        "the text stays as the card says"
    );
}
