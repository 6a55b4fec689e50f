use super::*;

/// Wraps `value` in `levels` SEQUENCEs.
fn nested_sequences(levels: usize, value: &[u8]) -> Vec<u8> {
    (0..levels).fold(value.to_vec(), |inner, _| encode_tlv(Tag::SEQUENCE, &inner))
}

/// Visits every data object below `tlv`, recursively, as a parser of nested data would.
fn walk(tlv: Tlv<'_>, visited: &mut usize) -> Result<(), TlvError> {
    *visited += 1;
    if tlv.is_constructed() {
        for child in tlv.children()? {
            walk(child?, visited)?;
        }
    }
    Ok(())
}

#[test]
fn reads_a_primitive_object_with_a_short_length() {
    let input = [0x5F, 0x01, 0x04, b'0', b'1', b'0', b'7', 0xAA];
    let (tlv, rest) = Tlv::parse(&input).unwrap();
    assert_eq!(tlv.tag, Tag::new(0x5F01));
    assert_eq!(tlv.value, b"0107");
    assert_eq!(tlv.raw, &input[..7]);
    assert_eq!(rest, &[0xAA]);
    assert!(!tlv.is_constructed());
    assert_eq!(tlv.tag.class(), TagClass::Application);
    assert_eq!(tlv.value_offset(), 3);
}

#[test]
fn reads_long_form_lengths_of_one_to_four_bytes() {
    for (header, len) in [
        (vec![0x04, 0x81, 0x80], 0x80),
        (vec![0x04, 0x82, 0x01, 0x00], 0x100),
        (vec![0x04, 0x83, 0x01, 0x00, 0x00], 0x1_0000),
        (vec![0x04, 0x84, 0x00, 0x01, 0x00, 0x01], 0x1_0001),
    ] {
        let mut input = header.clone();
        input.resize(header.len() + len, 0x55);
        let tlv = Tlv::parse_exact(&input).unwrap();
        assert_eq!(tlv.value.len(), len);
        assert_eq!(
            total_len_from_header(&input[..header.len()]),
            Ok(Some(input.len()))
        );
    }
}

#[test]
fn reads_three_byte_tags_and_refuses_longer_ones() {
    let input = [0x7F, 0x81, 0x02, 0x01, 0x09];
    let tlv = Tlv::parse_exact(&input).unwrap();
    assert_eq!(tlv.tag, Tag::new(0x7F8102));
    assert_eq!(tlv.tag.to_string(), "7F8102");
    assert_eq!(tlv.value, &[0x09]);

    let endless = [0x5F, 0x81, 0x82, 0x83, 0x84, 0x85, 0x01, 0x00];
    assert_eq!(
        Tlv::parse(&endless),
        Err(TlvError::TagTooLong { offset: 0 })
    );
    let cut = [0x5F, 0x81];
    assert_eq!(Tlv::parse(&cut), Err(TlvError::TruncatedTag { offset: 0 }));
}

#[test]
fn hostile_lengths_are_typed_errors_with_the_offset() {
    let two_objects = |second: &[u8]| [&[0x04, 0x01, 0x00][..], second].concat();
    let cases: [(&[u8], TlvError); 5] = [
        (
            &[0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00],
            TlvError::ValueOverrun {
                offset: 3,
                declared: 0xFFFF_FFFF,
                available: 1,
            },
        ),
        (
            &[0x04, 0x80, 0x00, 0x00],
            TlvError::IndefiniteLength { offset: 3 },
        ),
        (
            &[0x04, 0x85, 0, 0, 0, 0, 1, 0],
            TlvError::LengthFieldTooLong {
                offset: 3,
                length_bytes: 5,
            },
        ),
        (&[0x04, 0x82, 0x01], TlvError::TruncatedLength { offset: 3 }),
        (
            &[0x04, 0x05, 1, 2],
            TlvError::ValueOverrun {
                offset: 3,
                declared: 5,
                available: 2,
            },
        ),
    ];
    for (second, expected) in cases {
        let input = two_objects(second);
        let errors: Vec<_> = iter(&input).filter_map(Result::err).collect();
        assert_eq!(errors, [expected], "{input:02X?}");
        assert_eq!(errors[0].offset(), 3);
    }
}

#[test]
fn header_tells_the_file_length_or_asks_for_more() {
    assert_eq!(total_len_from_header(&[]), Ok(None));
    assert_eq!(total_len_from_header(&[0x6D]), Ok(None));
    assert_eq!(total_len_from_header(&[0x6D, 0x82, 0x01]), Ok(None));
    assert_eq!(
        total_len_from_header(&[0x6D, 0x82, 0x01, 0x23]),
        Ok(Some(0x127))
    );
    assert_eq!(
        total_len_from_header(&[0x60, 0x16, 0x5F, 0x01]),
        Ok(Some(0x18))
    );
    assert_eq!(
        total_len_from_header(&[0x75, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]),
        Ok(Some(0xFFFF_FFFF + 6))
    );
    assert_eq!(
        total_len_from_header(&[0x6D, 0x80, 0x00]),
        Err(TlvError::IndefiniteLength { offset: 0 })
    );
}

#[test]
fn children_and_find_walk_a_constructed_object() {
    let inner = [
        encode_tlv(Tag::INTEGER, &[0x01]),
        encode_tlv(Tag::UTF8_STRING, "Trần Thị Bình".as_bytes()),
    ]
    .concat();
    let outer = encode_tlv(Tag::SEQUENCE, &inner);
    let tlv = Tlv::parse_exact(&outer).unwrap();
    let children: Vec<_> = tlv.children().unwrap().collect::<Result<_, _>>().unwrap();
    assert_eq!(children.len(), 2);
    assert_eq!(children[1].offset(), 5);
    assert_eq!(children[1].depth(), 1);
    let name = tlv.find(Tag::UTF8_STRING).unwrap().unwrap();
    assert_eq!(name.value, "Trần Thị Bình".as_bytes());
    assert_eq!(tlv.find(Tag::SET), Ok(None));
    assert_eq!(
        tlv.require(Tag::SET),
        Err(TlvError::MissingTag {
            offset: 0,
            parent: Tag::SEQUENCE,
            missing: Tag::SET
        })
    );
    assert_eq!(
        children[0].children().err(),
        Some(TlvError::NotConstructed {
            offset: 2,
            tag: Tag::INTEGER
        })
    );
    assert_eq!(
        tlv.expect_tag(Tag::SET),
        Err(TlvError::UnexpectedTag {
            offset: 0,
            expected: Tag::SET,
            found: Tag::SEQUENCE
        })
    );
}

#[test]
fn nesting_is_limited_so_recursion_cannot_exhaust_the_stack() {
    // MAX_DEPTH sequences put the NULL inside them at depth MAX_DEPTH: still allowed.
    let deepest_allowed = nested_sequences(MAX_DEPTH, &[0x05, 0x00]);
    let mut visited = 0;
    walk(Tlv::parse_exact(&deepest_allowed).unwrap(), &mut visited).unwrap();
    assert_eq!(visited, MAX_DEPTH + 1);

    let one_too_deep = nested_sequences(MAX_DEPTH + 1, &[0x05, 0x00]);
    let mut visited = 0;
    let result = walk(Tlv::parse_exact(&one_too_deep).unwrap(), &mut visited);
    assert_eq!(
        result,
        Err(TlvError::TooDeep {
            offset: one_too_deep.len() - 2,
            limit: MAX_DEPTH
        })
    );

    let hostile = nested_sequences(1_000, &[0x05, 0x00]);
    let mut visited = 0;
    let result = walk(Tlv::parse_exact(&hostile).unwrap(), &mut visited);
    assert!(
        matches!(
            result,
            Err(TlvError::TooDeep {
                limit: MAX_DEPTH,
                ..
            })
        ),
        "{result:?}"
    );
}

#[test]
fn exact_parse_refuses_trailing_bytes() {
    assert_eq!(
        Tlv::parse_exact(&[0x04, 0x00, 0xFF]),
        Err(TlvError::TrailingBytes {
            offset: 2,
            count: 1
        })
    );
}

#[test]
fn encoder_writes_minimal_lengths_that_read_back() {
    for len in [0usize, 1, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x1_0000] {
        let value = vec![0xA5; len];
        let encoded = encode_tlv(Tag::new(0x5F2E), &value);
        let expected_length_field = match len {
            0..=0x7F => 1,
            0x80..=0xFF => 2,
            0x100..=0xFFFF => 3,
            _ => 4,
        };
        assert_eq!(encoded.len(), 2 + expected_length_field + len, "len {len}");
        let tlv = Tlv::parse_exact(&encoded).unwrap();
        assert_eq!(tlv.tag, Tag::new(0x5F2E));
        assert_eq!(tlv.value, value.as_slice());
    }
    assert_eq!(encode_tlv(Tag::new(0), &[]), [0x00, 0x00]);
}

#[test]
fn every_prefix_of_a_nested_object_is_an_error_not_a_panic() {
    let inner = [
        encode_tlv(Tag::new(0x5F1F), &[b'<'; 200]),
        encode_tlv(Tag::new(0x7F61), &encode_tlv(Tag::INTEGER, &[1])),
    ]
    .concat();
    let whole = encode_tlv(Tag::new(0x61), &inner);
    for cut in 0..whole.len() {
        let mut visited = 0;
        let result = Tlv::parse_exact(&whole[..cut]).and_then(|tlv| walk(tlv, &mut visited));
        assert!(result.is_err(), "prefix of {cut} bytes accepted");
    }
}
