//! DG2 portraits decode to pixels, JPEG and JPEG 2000 alike, and hostile images end in a
//! typed error. The JPEG 2000 fixtures were made from `portrait-48x64.png` with
//! OpenJPEG's `opj_compress -r 8` (lossy), so pixel checks allow for compression error.

use std::path::Path;

use kiosk_identity::lds::{FaceImage, ImageFormat};
use kiosk_identity::pii::Sensitive;
use kiosk_identity::portrait::{self, PortraitError};

const FACE: [u8; 3] = [230, 190, 160];

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .expect("fixture")
}

fn face(format: ImageFormat, data: Vec<u8>) -> FaceImage {
    FaceImage {
        format,
        width: 48,
        height: 64,
        data: Sensitive::new(data),
    }
}

fn pixel(portrait: &portrait::Portrait, x: u32, y: u32) -> [u8; 3] {
    let at = ((y * portrait.width + x) * 3) as usize;
    let rgb = portrait.rgb.expose();
    [rgb[at], rgb[at + 1], rgb[at + 2]]
}

fn close(actual: [u8; 3], expected: [u8; 3], tolerance: u8) -> bool {
    actual
        .iter()
        .zip(expected)
        .all(|(a, e)| a.abs_diff(e) <= tolerance)
}

fn reference_png() -> image::RgbImage {
    image::load_from_memory(&fixture("portrait-48x64.png"))
        .expect("reference PNG")
        .into_rgb8()
}

#[test]
fn jpeg2000_in_both_containers_decodes_to_the_original_picture() {
    for name in ["portrait-48x64.jp2", "portrait-48x64.j2k"] {
        let decoded = portrait::decode(&face(ImageFormat::Jpeg2000, fixture(name))).unwrap();
        assert_eq!((decoded.width, decoded.height), (48, 64), "{name}");
        assert!(
            close(pixel(&decoded, 24, 30), FACE, 12),
            "{name}: face colour"
        );
        let corner = reference_png().get_pixel(2, 2).0;
        assert!(
            close(pixel(&decoded, 2, 2), corner, 12),
            "{name}: background"
        );
    }
}

#[test]
fn jpeg_decodes_to_the_original_picture() {
    let reference = reference_png();
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95)
        .encode_image(&reference)
        .unwrap();
    let decoded = portrait::decode(&face(ImageFormat::Jpeg, jpeg)).unwrap();
    assert_eq!((decoded.width, decoded.height), (48, 64));
    assert!(close(pixel(&decoded, 24, 30), FACE, 10));
}

#[test]
fn garbage_and_every_truncation_are_typed_errors() {
    for format in [ImageFormat::Jpeg, ImageFormat::Jpeg2000] {
        let error = portrait::decode(&face(format, b"not an image at all".to_vec())).unwrap_err();
        assert!(
            matches!(error, PortraitError::Jpeg(_) | PortraitError::Jpeg2000(_)),
            "{error:?}"
        );
    }
    // JPEG 2000 is progressive: a codestream cut after its headers still decodes, at lower
    // quality, which is the decoder's documented behaviour. What must never happen is a
    // panic, or a picture from a cut that loses the headers themselves.
    let jp2 = fixture("portrait-48x64.jp2");
    let mut refused = 0;
    for end in 0..jp2.len() {
        match portrait::decode(&face(ImageFormat::Jpeg2000, jp2[..end].to_vec())) {
            Ok(decoded) => assert_eq!((decoded.width, decoded.height), (48, 64)),
            Err(PortraitError::DecoderPanicked) => panic!("decoder panicked on {end} bytes"),
            Err(_) => refused += 1,
        }
    }
    assert!(refused >= 40, "only {refused} cuts refused");
    assert!(portrait::decode(&face(ImageFormat::Jpeg2000, jp2[..40].to_vec())).is_err());
}

#[test]
fn a_jpeg_claiming_a_huge_size_is_refused_before_decoding() {
    // SOI, then a baseline SOF0 frame header declaring 60000x60000 with 3 components.
    let mut jpeg = vec![
        0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0xEA, 0x60, 0xEA, 0x60, 0x03,
    ];
    jpeg.extend_from_slice(&[0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
    jpeg.extend_from_slice(&[0xFF, 0xD9]);
    let error = portrait::decode(&face(ImageFormat::Jpeg, jpeg)).unwrap_err();
    assert!(
        matches!(
            error,
            PortraitError::TooLarge { .. } | PortraitError::Jpeg(_)
        ),
        "{error:?}"
    );
}
