use kiosk_identity::lds::{DataGroup, EfCom, EfComError, LdsVersion, UnicodeVersion};
use kiosk_identity::tlv::{Tag, TlvError};

/// EF.COM of an LDS 1.7 chip using Unicode 4.0.0 that lists DG1, DG2, DG3 and DG13,
/// assembled by hand after ICAO 9303-10 §4.6.1:
/// 60 16 | 5F01 04 "0107" | 5F36 06 "040000" | 5C 04 61 75 63 6D.
const EF_COM: [u8; 24] = [
    0x60, 0x16, //
    0x5F, 0x01, 0x04, b'0', b'1', b'0', b'7', //
    0x5F, 0x36, 0x06, b'0', b'4', b'0', b'0', b'0', b'0', //
    0x5C, 0x04, 0x61, 0x75, 0x63, 0x6D,
];

#[test]
fn known_answer_lds_1_7() {
    let com = EfCom::parse(&EF_COM).unwrap();
    assert_eq!(com.lds_version, LdsVersion { major: 1, minor: 7 });
    assert_eq!(
        com.unicode_version,
        UnicodeVersion {
            major: 4,
            minor: 0,
            release: 0
        }
    );
    assert_eq!(
        com.data_groups,
        [
            DataGroup::Dg1,
            DataGroup::Dg2,
            DataGroup::Dg3,
            DataGroup::Dg13
        ]
    );
    assert!(com.lists(DataGroup::Dg13));
    assert!(!com.lists(DataGroup::Dg15));
    assert_eq!(com.to_der(), EF_COM);
}

#[test]
fn a_cccd_like_lds_1_8_list_round_trips() {
    let com = EfCom {
        lds_version: LdsVersion { major: 1, minor: 8 },
        unicode_version: UnicodeVersion {
            major: 6,
            minor: 2,
            release: 0,
        },
        data_groups: vec![
            DataGroup::Dg1,
            DataGroup::Dg2,
            DataGroup::Dg13,
            DataGroup::Dg14,
            DataGroup::Dg15,
        ],
    };
    let bytes = com.to_der();
    assert_eq!(&bytes[..2], &[0x60, 0x17]);
    assert_eq!(&bytes[2..7], &[0x5F, 0x01, 0x04, b'0', b'1']);
    assert_eq!(EfCom::parse(&bytes).unwrap(), com);
}

#[test]
fn malformed_ef_com_is_a_typed_error() {
    let mut unknown_tag = EF_COM;
    unknown_tag[23] = 0x77;
    assert_eq!(
        EfCom::parse(&unknown_tag),
        Err(EfComError::UnknownDataGroupTag(0x77))
    );

    let mut duplicate = EF_COM;
    duplicate[23] = 0x61;
    assert_eq!(
        EfCom::parse(&duplicate),
        Err(EfComError::DuplicateDataGroup(DataGroup::Dg1))
    );

    let mut letters = EF_COM;
    letters[6] = b'x';
    assert_eq!(EfCom::parse(&letters), Err(EfComError::BadLdsVersion));

    let without_list = [&[0x60, 0x10][..], &EF_COM[2..18]].concat();
    assert_eq!(
        EfCom::parse(&without_list),
        Err(EfComError::Tlv(TlvError::MissingTag {
            offset: 0,
            parent: Tag::new(0x60),
            missing: Tag::new(0x5C)
        }))
    );

    let mut not_com = EF_COM;
    not_com[0] = 0x61;
    assert!(matches!(
        EfCom::parse(&not_com),
        Err(EfComError::Tlv(TlvError::UnexpectedTag { .. }))
    ));

    for cut in 0..EF_COM.len() {
        assert!(EfCom::parse(&EF_COM[..cut]).is_err(), "prefix {cut}");
    }
}
