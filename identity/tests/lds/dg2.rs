use kiosk_identity::lds::{Dg2, Dg2Error, FaceImage, ImageFormat};
use kiosk_identity::pii::Sensitive;
use kiosk_identity::tlv::{Tag, TlvError, encode_tlv};

/// Start and end markers of a JPEG stream around a few bytes: enough for the container,
/// which never looks inside the image.
const TINY_JPEG: [u8; 8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x02, 0xFF, 0xD9];
/// The JPEG 2000 signature box, likewise only a payload.
const TINY_JPEG2000: [u8; 12] = [
    0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A,
];

/// An ISO/IEC 19794-5:2005 facial record written field by field, with one feature point
/// so that the parser has to skip it by its declared size.
fn facial_record(image_data_type: u8, width: u16, height: u16, image: &[u8]) -> Vec<u8> {
    let block_len = 20 + 8 + 12 + image.len();
    let mut record = Vec::new();
    record.extend_from_slice(b"FAC\0");
    record.extend_from_slice(b"010\0");
    record.extend_from_slice(&u32::try_from(14 + block_len).unwrap().to_be_bytes());
    record.extend_from_slice(&[0x00, 0x01]); // one face
    record.extend_from_slice(&u32::try_from(block_len).unwrap().to_be_bytes());
    record.extend_from_slice(&[0x00, 0x01]); // one feature point
    record.push(0x02); // gender: female
    record.push(0x01); // eye colour: black
    record.push(0x02); // hair colour: black
    record.extend_from_slice(&[0x00, 0x00, 0x01]); // feature mask
    record.extend_from_slice(&[0x00, 0x01]); // expression: neutral
    record.extend_from_slice(&[0x00, 0x00, 0x00]); // pose angles unspecified
    record.extend_from_slice(&[0x00, 0x00, 0x00]); // their uncertainties
    record.extend_from_slice(&[0x01, 0x0C, 0x00, 0x40, 0x00, 0x50, 0x00, 0x00]); // eye centre
    record.push(0x01); // face image type: full frontal
    record.push(image_data_type);
    record.extend_from_slice(&width.to_be_bytes());
    record.extend_from_slice(&height.to_be_bytes());
    record.push(0x01); // colour space: 24-bit RGB
    record.push(0x02); // source type: digital camera
    record.extend_from_slice(&[0x00, 0x00]); // device type
    record.extend_from_slice(&[0x00, 0x00]); // quality
    record.extend_from_slice(image);
    record
}

/// DG2 around one biometric data block, with the header ICAO 9303-10 §4.7.2 shows.
fn dg2_with(block_tag: u32, record: &[u8]) -> Vec<u8> {
    dg2_declaring(1, block_tag, record)
}

/// Like [`dg2_with`], with `declared` as the number of templates in front.
fn dg2_declaring(declared: u8, block_tag: u32, record: &[u8]) -> Vec<u8> {
    let header = [
        encode_tlv(Tag::new(0x80), &[0x01, 0x01]),
        encode_tlv(Tag::new(0x81), &[0x02]),
        encode_tlv(Tag::new(0x87), &[0x01, 0x01]),
        encode_tlv(Tag::new(0x88), &[0x00, 0x08]),
    ]
    .concat();
    let template = [
        encode_tlv(Tag::new(0xA1), &header),
        encode_tlv(Tag::new(block_tag), record),
    ]
    .concat();
    let group = [
        encode_tlv(Tag::INTEGER, &[declared]),
        encode_tlv(Tag::new(0x7F60), &template),
    ]
    .concat();
    encode_tlv(Tag::new(0x75), &encode_tlv(Tag::new(0x7F61), &group))
}

#[test]
fn finds_a_jpeg_portrait_by_the_declared_structure() {
    let record = facial_record(0, 480, 640, &TINY_JPEG);
    let dg2 = Dg2::parse(&dg2_with(0x5F2E, &record)).unwrap();
    assert_eq!(dg2.data_blocks.len(), 1);
    assert!(!dg2.data_blocks[0].enciphered);
    assert_eq!(dg2.data_blocks[0].bytes.expose(), &record);

    let face = dg2.face_image().unwrap();
    assert_eq!(face.format, ImageFormat::Jpeg);
    assert_eq!((face.width, face.height), (480, 640));
    assert_eq!(face.data.expose(), &TINY_JPEG);
    assert!(
        !format!("{face:?}").contains("255"),
        "the image stays redacted"
    );
}

#[test]
fn finds_a_jpeg2000_portrait() {
    let record = facial_record(1, 240, 320, &TINY_JPEG2000);
    let face = Dg2::parse(&dg2_with(0x5F2E, &record))
        .unwrap()
        .face_image()
        .unwrap();
    assert_eq!(face.format, ImageFormat::Jpeg2000);
    assert_eq!((face.width, face.height), (240, 320));
    assert_eq!(face.data.expose(), &TINY_JPEG2000);
}

#[test]
fn the_encoder_writes_what_the_parser_reads() {
    let face = FaceImage {
        format: ImageFormat::Jpeg2000,
        width: 413,
        height: 531,
        data: Sensitive::new(TINY_JPEG2000.to_vec()),
    };
    let bytes = Dg2::encode_single_face(&face);
    assert_eq!(Dg2::parse(&bytes).unwrap().face_image().unwrap(), face);
    assert_eq!(
        bytes,
        dg2_with(0x5F2E, &face.to_facial_record()),
        "same header as ICAO 9303-10 §4.7.2"
    );
}

#[test]
fn refuses_what_is_no_usable_portrait() {
    let jpeg = facial_record(0, 480, 640, &TINY_JPEG);
    assert_eq!(
        Dg2::parse(&dg2_with(0x7F2E, &jpeg)).unwrap().face_image(),
        Err(Dg2Error::Enciphered)
    );
    assert_eq!(
        FaceImage::from_facial_record(&facial_record(2, 1, 1, &[0])),
        Err(Dg2Error::UnsupportedImageDataType(2))
    );

    let mut version_2011 = jpeg.clone();
    version_2011[4..8].copy_from_slice(b"030\0");
    assert_eq!(
        FaceImage::from_facial_record(&version_2011),
        Err(Dg2Error::UnsupportedVersion(*b"030\0"))
    );

    let mut not_a_face = jpeg.clone();
    not_a_face[0..4].copy_from_slice(b"FIR\0");
    assert_eq!(
        FaceImage::from_facial_record(&not_a_face),
        Err(Dg2Error::NotFacialRecord)
    );

    let mut no_face = jpeg.clone();
    no_face[12..14].copy_from_slice(&[0, 0]);
    assert_eq!(
        FaceImage::from_facial_record(&no_face),
        Err(Dg2Error::NoFace)
    );
}

#[test]
fn hostile_lengths_inside_the_facial_record_are_typed_errors() {
    let jpeg = facial_record(0, 480, 640, &TINY_JPEG);

    let mut huge_record = jpeg.clone();
    huge_record[8..12].copy_from_slice(&[0xFF; 4]);
    assert_eq!(
        FaceImage::from_facial_record(&huge_record),
        Err(Dg2Error::RecordLengthMismatch {
            declared: 0xFFFF_FFFF,
            available: jpeg.len()
        })
    );

    let mut huge_block = jpeg.clone();
    huge_block[14..18].copy_from_slice(&[0x7F, 0xFF, 0xFF, 0xFF]);
    assert_eq!(
        FaceImage::from_facial_record(&huge_block),
        Err(Dg2Error::Truncated {
            field: "image data",
            offset: 14 + 20 + 8 + 12
        })
    );

    let mut tiny_block = jpeg.clone();
    tiny_block[14..18].copy_from_slice(&[0, 0, 0, 39]);
    assert_eq!(
        FaceImage::from_facial_record(&tiny_block),
        Err(Dg2Error::BlockTooShort(39))
    );

    let mut many_points = jpeg.clone();
    many_points[18..20].copy_from_slice(&[0xFF, 0xFF]);
    assert_eq!(
        FaceImage::from_facial_record(&many_points),
        Err(Dg2Error::Truncated {
            field: "feature points",
            offset: 14 + 20
        })
    );
}

#[test]
fn template_count_and_structure_are_checked() {
    let jpeg = facial_record(0, 480, 640, &TINY_JPEG);
    assert_eq!(
        Dg2::parse(&dg2_declaring(2, 0x5F2E, &jpeg)),
        Err(Dg2Error::TemplateCountMismatch {
            declared: 2,
            found: 1
        })
    );

    assert_eq!(
        Dg2::parse(&dg2_declaring(0, 0x5F2E, &jpeg)),
        Err(Dg2Error::BadTemplateCount)
    );

    let without_group = encode_tlv(Tag::new(0x75), &encode_tlv(Tag::new(0x5F2E), &jpeg));
    assert!(matches!(
        Dg2::parse(&without_group),
        Err(Dg2Error::Tlv(TlvError::MissingTag { .. }))
    ));
}

#[test]
fn every_prefix_of_dg2_and_of_its_record_is_an_error_not_a_panic() {
    let record = facial_record(0, 480, 640, &TINY_JPEG);
    let dg2 = dg2_with(0x5F2E, &record);
    for cut in 0..dg2.len() {
        assert!(Dg2::parse(&dg2[..cut]).is_err(), "DG2 prefix {cut}");
    }
    for cut in 0..record.len() {
        assert!(
            FaceImage::from_facial_record(&record[..cut]).is_err(),
            "record prefix {cut}"
        );
    }
}
