use kiosk_identity::lds::{Dg1, Dg1Error, TD1_MRZ_LEN};
use kiosk_identity::tlv::{Tag, encode_tlv};

/// The TD1 specimen of ICAO 9303-5 (Appendix A): Anna Maria Eriksson of Utopia.
const SPECIMEN: [&str; 3] = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
];

fn dg1_with(mrz: &[u8]) -> Vec<u8> {
    encode_tlv(Tag::new(0x61), &encode_tlv(Tag::new(0x5F1F), mrz))
}

#[test]
fn reads_the_icao_td1_specimen_as_three_lines() {
    let mrz = SPECIMEN.concat();
    assert_eq!(mrz.len(), TD1_MRZ_LEN);
    let bytes = dg1_with(mrz.as_bytes());
    // 61 5D 5F1F 5A: the header an ICAO TD1 DG1 always has.
    assert_eq!(&bytes[..5], &[0x61, 0x5D, 0x5F, 0x1F, 0x5A]);

    let dg1 = Dg1::parse(&bytes).unwrap();
    assert_eq!(dg1.mrz_lines.expose(), &SPECIMEN.map(String::from));
    assert_eq!(dg1.mrz_text().expose(), &mrz);
    assert_eq!(dg1.to_der(), bytes);
    assert!(!format!("{dg1:?}").contains("ERIKSSON"));
}

#[test]
fn refuses_other_document_formats_and_foreign_characters() {
    let td3 =
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    assert_eq!(td3.len(), 88);
    assert_eq!(
        Dg1::parse(&dg1_with(td3.as_bytes())),
        Err(Dg1Error::PassportMrz)
    );
    assert_eq!(Dg1::parse(&dg1_with(&[b'<'; 72])), Err(Dg1Error::Td2Mrz));
    assert_eq!(
        Dg1::parse(&dg1_with(&[b'<'; 89])),
        Err(Dg1Error::WrongLength(89))
    );

    let mut lower = SPECIMEN.concat().into_bytes();
    lower[62] = b'e';
    assert_eq!(
        Dg1::parse(&dg1_with(&lower)),
        Err(Dg1Error::InvalidCharacter { position: 62 })
    );
    let mut non_ascii = SPECIMEN.concat().into_bytes();
    non_ascii[89] = 0xC3;
    assert_eq!(
        Dg1::parse(&dg1_with(&non_ascii)),
        Err(Dg1Error::InvalidCharacter { position: 89 })
    );
}

#[test]
fn every_prefix_of_dg1_is_an_error() {
    let bytes = dg1_with(SPECIMEN.concat().as_bytes());
    for cut in 0..bytes.len() {
        assert!(
            matches!(Dg1::parse(&bytes[..cut]), Err(Dg1Error::Tlv(_))),
            "prefix {cut}"
        );
    }
}
