//! DG2: the holder's portrait (ICAO 9303-10 §4.7.2).
//!
//! DG2 is a Biometric Information Group Template (7F61, from ISO/IEC 7816-11) holding one
//! Biometric Information Template (7F60) per stored face, each with a header (A1) and a
//! biometric data block (5F2E, or 7F2E when enciphered). The block is a facial record of
//! ISO/IEC 19794-5:2005, whose fields are read here by their declared sizes; the image
//! inside is returned still encoded (JPEG or JPEG 2000), for a decoder elsewhere.

use crate::pii::Sensitive;
use crate::tlv::{Tag, Tlv, TlvError, encode_tlv};

use super::DataGroup;

const BIOMETRIC_GROUP_TAG: Tag = Tag::new(0x7F61);
const BIOMETRIC_TEMPLATE_TAG: Tag = Tag::new(0x7F60);
const BIOMETRIC_HEADER_TAG: Tag = Tag::new(0xA1);
const DATA_BLOCK_TAG: Tag = Tag::new(0x5F2E);
const ENCIPHERED_DATA_BLOCK_TAG: Tag = Tag::new(0x7F2E);

/// ISO/IEC 19794-5:2005 §5.4: format identifier and version of the facial record header.
const FORMAT_IDENTIFIER: [u8; 4] = *b"FAC\0";
const VERSION_2005: [u8; 4] = *b"010\0";
/// Facial record header (§5.4): format, version, record length, number of faces.
const RECORD_HEADER_LEN: usize = 14;
/// Facial information block (§5.5): block length 4, feature points 2, gender, eye colour,
/// hair colour, feature mask 3, expression 2, pose angles 3, pose uncertainties 3.
const FACIAL_INFORMATION_LEN: usize = 20;
/// One feature point (§5.6): type, code, x 2, y 2, reserved 2.
const FEATURE_POINT_LEN: usize = 8;
/// Image information (§5.7): face image type, image data type, width 2, height 2, colour
/// space, source type, device type 2, quality 2.
const IMAGE_INFORMATION_LEN: usize = 12;

/// Why DG2 holds no usable portrait.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Dg2Error {
    #[error("DG2 is not well-formed BER-TLV: {0}")]
    Tlv(#[from] TlvError),
    #[error("DG2 announces {declared} biometric templates but holds {found}")]
    TemplateCountMismatch { declared: u64, found: usize },
    #[error("DG2: the number of biometric templates is not a small positive INTEGER")]
    BadTemplateCount,
    #[error("DG2: biometric template {index} has no data block (5F2E or 7F2E)")]
    MissingDataBlock { index: usize },
    #[error("DG2 holds no biometric template")]
    NoTemplate,
    #[error("DG2: the biometric data block is enciphered")]
    Enciphered,
    #[error("DG2: the biometric data block is not an ISO/IEC 19794-5 facial record")]
    NotFacialRecord,
    #[error("DG2: facial record version {0:02X?} is not supported (only 010 of 2005)")]
    UnsupportedVersion([u8; 4]),
    #[error("DG2: the facial record declares {declared} bytes but the block has {available}")]
    RecordLengthMismatch { declared: u64, available: usize },
    #[error("DG2: the facial record holds no face image")]
    NoFace,
    #[error("DG2: the facial record ends inside the {field} (at byte {offset})")]
    Truncated { field: &'static str, offset: usize },
    #[error("DG2: the face's block length {0} is smaller than its own fixed fields")]
    BlockTooShort(u32),
    #[error("DG2: image data type {0} is neither JPEG (0) nor JPEG 2000 (1)")]
    UnsupportedImageDataType(u8),
}

/// One biometric data block of DG2, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BiometricDataBlock {
    /// 7F2E: encrypted under a key the kiosk does not have (ICAO 9303-10 §4.7.2).
    pub enciphered: bool,
    pub bytes: Sensitive<Vec<u8>>,
}

/// DG2: the biometric data blocks, one per stored face (the CCCD stores one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dg2 {
    pub data_blocks: Vec<BiometricDataBlock>,
}

/// How the portrait's pixels are compressed (ISO/IEC 19794-5:2005 §5.7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Jpeg,
    Jpeg2000,
}

/// The first face image of a facial record, still compressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaceImage {
    pub format: ImageFormat,
    pub width: u16,
    pub height: u16,
    /// The compressed image: a biometric of the holder, hence `Sensitive`.
    pub data: Sensitive<Vec<u8>>,
}

impl Dg2 {
    /// Reads DG2 exactly as read from the chip: `75 { 7F61 { 02 n, 7F60 { A1, 5F2E } … } }`.
    pub fn parse(bytes: &[u8]) -> Result<Self, Dg2Error> {
        let dg2 = Tlv::parse_exact(bytes)?.expect_tag(Tag::from(DataGroup::Dg2.tag()))?;
        let group = dg2.require(BIOMETRIC_GROUP_TAG)?;
        let declared = positive_integer(group.require(Tag::INTEGER)?.value)
            .ok_or(Dg2Error::BadTemplateCount)?;

        let mut data_blocks = Vec::new();
        for child in group.children()? {
            let template = child?;
            if template.tag != BIOMETRIC_TEMPLATE_TAG {
                continue;
            }
            template.require(BIOMETRIC_HEADER_TAG)?;
            let block = match template.find(DATA_BLOCK_TAG)? {
                Some(block) => BiometricDataBlock {
                    enciphered: false,
                    bytes: Sensitive::new(block.value.to_vec()),
                },
                None => match template.find(ENCIPHERED_DATA_BLOCK_TAG)? {
                    Some(block) => BiometricDataBlock {
                        enciphered: true,
                        bytes: Sensitive::new(block.value.to_vec()),
                    },
                    None => {
                        return Err(Dg2Error::MissingDataBlock {
                            index: data_blocks.len(),
                        });
                    }
                },
            };
            data_blocks.push(block);
        }
        if u64::try_from(data_blocks.len()).ok() != Some(declared) {
            return Err(Dg2Error::TemplateCountMismatch {
                declared,
                found: data_blocks.len(),
            });
        }
        Ok(Self { data_blocks })
    }

    /// The portrait: the first face of the first data block.
    pub fn face_image(&self) -> Result<FaceImage, Dg2Error> {
        let block = self.data_blocks.first().ok_or(Dg2Error::NoTemplate)?;
        if block.enciphered {
            return Err(Dg2Error::Enciphered);
        }
        FaceImage::from_facial_record(block.bytes.expose())
    }

    /// DG2 holding one face, as a chip stores it (for the card emulator and tests). The
    /// header names the ICAO header version 1.1 (80 = 0101), a face (81 = 02), and the
    /// ISO/IEC 19794-5 format (87 = 0101 JTC 1/SC 37, 88 = 0008), as 9303-10 §4.7.2 lists.
    pub fn encode_single_face(face: &FaceImage) -> Vec<u8> {
        let header = [
            encode_tlv(Tag::new(0x80), &[0x01, 0x01]),
            encode_tlv(Tag::new(0x81), &[0x02]),
            encode_tlv(Tag::new(0x87), &[0x01, 0x01]),
            encode_tlv(Tag::new(0x88), &[0x00, 0x08]),
        ]
        .concat();
        let template = [
            encode_tlv(BIOMETRIC_HEADER_TAG, &header),
            encode_tlv(DATA_BLOCK_TAG, &face.to_facial_record()),
        ]
        .concat();
        let group = [
            encode_tlv(Tag::INTEGER, &[0x01]),
            encode_tlv(BIOMETRIC_TEMPLATE_TAG, &template),
        ]
        .concat();
        encode_tlv(
            Tag::from(DataGroup::Dg2.tag()),
            &encode_tlv(BIOMETRIC_GROUP_TAG, &group),
        )
    }
}

impl FaceImage {
    /// The first face of an ISO/IEC 19794-5:2005 facial record (the content of 5F2E).
    pub fn from_facial_record(record: &[u8]) -> Result<Self, Dg2Error> {
        let mut reader = RecordReader {
            record,
            position: 0,
        };
        if reader.take(4, "format identifier")? != FORMAT_IDENTIFIER {
            return Err(Dg2Error::NotFacialRecord);
        }
        let version = reader.array::<4>("version")?;
        if version != VERSION_2005 {
            return Err(Dg2Error::UnsupportedVersion(version));
        }
        let declared = reader.u32("record length")?;
        let record_len = usize::try_from(declared)
            .ok()
            .filter(|&len| len >= RECORD_HEADER_LEN && len <= record.len())
            .ok_or(Dg2Error::RecordLengthMismatch {
                declared: u64::from(declared),
                available: record.len(),
            })?;
        // Fields past the declared record length are not part of the record.
        reader.record = record.get(..record_len).unwrap_or(record);
        if reader.u16("number of faces")? == 0 {
            return Err(Dg2Error::NoFace);
        }

        let block_len = reader.u32("facial record data length")?;
        let feature_points = usize::from(reader.u16("number of feature points")?);
        // Gender, eye and hair colour, feature mask, expression, pose angles and their
        // uncertainties: the kiosk uses none of them.
        reader.take(FACIAL_INFORMATION_LEN - 6, "facial information")?;
        let feature_points_len = feature_points * FEATURE_POINT_LEN;
        reader.take(feature_points_len, "feature points")?;

        let _face_image_type = reader.u8("face image type")?;
        let format = match reader.u8("image data type")? {
            0 => ImageFormat::Jpeg,
            1 => ImageFormat::Jpeg2000,
            other => return Err(Dg2Error::UnsupportedImageDataType(other)),
        };
        let width = reader.u16("image width")?;
        let height = reader.u16("image height")?;
        // Colour space, source type, device type and quality: not needed to show or match.
        reader.take(IMAGE_INFORMATION_LEN - 6, "image information")?;

        let fixed_len = FACIAL_INFORMATION_LEN + feature_points_len + IMAGE_INFORMATION_LEN;
        let image_len = usize::try_from(block_len)
            .ok()
            .and_then(|len| len.checked_sub(fixed_len))
            .ok_or(Dg2Error::BlockTooShort(block_len))?;
        let data = reader.take(image_len, "image data")?.to_vec();
        Ok(Self {
            format,
            width,
            height,
            data: Sensitive::new(data),
        })
    }

    /// A facial record of ISO/IEC 19794-5:2005 holding this one face, with no feature
    /// points and the unspecified value (0) in every field the kiosk does not read, except
    /// face image type 1 (full frontal, §5.7.1) as ICAO 9303-10 §4.7.2 requires.
    pub fn to_facial_record(&self) -> Vec<u8> {
        let image = self.data.expose();
        let block_len = FACIAL_INFORMATION_LEN + IMAGE_INFORMATION_LEN + image.len();
        // A portrait of 4 GiB cannot exist on a chip; saturating keeps this total.
        let as_u32 = |len: usize| u32::try_from(len).unwrap_or(u32::MAX);
        let mut record = Vec::with_capacity(RECORD_HEADER_LEN + block_len);
        record.extend_from_slice(&FORMAT_IDENTIFIER);
        record.extend_from_slice(&VERSION_2005);
        record.extend_from_slice(&as_u32(RECORD_HEADER_LEN + block_len).to_be_bytes());
        record.extend_from_slice(&1u16.to_be_bytes());
        record.extend_from_slice(&as_u32(block_len).to_be_bytes());
        record.extend_from_slice(&0u16.to_be_bytes());
        record.extend_from_slice(&[0; FACIAL_INFORMATION_LEN - 6]);
        record.push(0x01);
        record.push(match self.format {
            ImageFormat::Jpeg => 0,
            ImageFormat::Jpeg2000 => 1,
        });
        record.extend_from_slice(&self.width.to_be_bytes());
        record.extend_from_slice(&self.height.to_be_bytes());
        record.extend_from_slice(&[0; IMAGE_INFORMATION_LEN - 6]);
        record.extend_from_slice(image);
        record
    }
}

/// The value of a DER INTEGER that is positive and fits 64 bits.
fn positive_integer(content: &[u8]) -> Option<u64> {
    if content.is_empty() || content.len() > 8 || content.first()? & 0x80 != 0 {
        return None;
    }
    let value = content
        .iter()
        .fold(0u64, |value, &byte| (value << 8) | u64::from(byte));
    (value > 0).then_some(value)
}

/// Reads the big-endian fields of a facial record, each checked against what remains.
struct RecordReader<'a> {
    record: &'a [u8],
    position: usize,
}

impl<'a> RecordReader<'a> {
    fn take(&mut self, len: usize, field: &'static str) -> Result<&'a [u8], Dg2Error> {
        let truncated = Dg2Error::Truncated {
            field,
            offset: self.position,
        };
        let end = self.position.checked_add(len).ok_or(truncated.clone())?;
        let bytes = self.record.get(self.position..end).ok_or(truncated)?;
        self.position = end;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], Dg2Error> {
        let offset = self.position;
        <[u8; N]>::try_from(self.take(N, field)?).map_err(|_| Dg2Error::Truncated { field, offset })
    }

    fn u8(&mut self, field: &'static str) -> Result<u8, Dg2Error> {
        Ok(u8::from_be_bytes(self.array(field)?))
    }

    fn u16(&mut self, field: &'static str) -> Result<u16, Dg2Error> {
        Ok(u16::from_be_bytes(self.array(field)?))
    }

    fn u32(&mut self, field: &'static str) -> Result<u32, Dg2Error> {
        Ok(u32::from_be_bytes(self.array(field)?))
    }
}
