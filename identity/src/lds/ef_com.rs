//! EF.COM: which LDS version the chip follows and which data groups it holds
//! (ICAO 9303-10 §4.6.1).

use crate::tlv::{Tag, Tlv, TlvError, encode_tlv};

use super::{DataGroup, LdsFile};

const LDS_VERSION_TAG: Tag = Tag::new(0x5F01);
const UNICODE_VERSION_TAG: Tag = Tag::new(0x5F36);
const TAG_LIST_TAG: Tag = Tag::new(0x5C);

/// Why EF.COM could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EfComError {
    #[error("EF.COM is not well-formed BER-TLV: {0}")]
    Tlv(#[from] TlvError),
    #[error("EF.COM: the LDS version is not four decimal digits (aabb)")]
    BadLdsVersion,
    #[error("EF.COM: the Unicode version is not six decimal digits (aabbcc)")]
    BadUnicodeVersion,
    #[error("EF.COM lists tag {0:02X}, which is no data group")]
    UnknownDataGroupTag(u8),
    #[error("EF.COM lists {0:?} twice")]
    DuplicateDataGroup(DataGroup),
}

/// The LDS version, "aabb" for version aa.bb (5F01; "0107" is LDS 1.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LdsVersion {
    pub major: u8,
    pub minor: u8,
}

/// The Unicode version of the text in the data groups, "aabbcc" for aa.bb.cc (5F36).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnicodeVersion {
    pub major: u8,
    pub minor: u8,
    pub release: u8,
}

/// The contents of EF.COM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EfCom {
    pub lds_version: LdsVersion,
    pub unicode_version: UnicodeVersion,
    /// The data groups present, in the order the chip lists them.
    pub data_groups: Vec<DataGroup>,
}

impl EfCom {
    /// Reads EF.COM exactly as read from the chip: `60 { 5F01, 5F36, 5C }`.
    pub fn parse(bytes: &[u8]) -> Result<Self, EfComError> {
        let com = Tlv::parse_exact(bytes)?.expect_tag(Tag::from(LdsFile::Com.tag()))?;

        let lds = decimal_pairs::<2>(com.require(LDS_VERSION_TAG)?.value)
            .ok_or(EfComError::BadLdsVersion)?;
        let unicode = decimal_pairs::<3>(com.require(UNICODE_VERSION_TAG)?.value)
            .ok_or(EfComError::BadUnicodeVersion)?;

        let mut data_groups = Vec::new();
        for &tag in com.require(TAG_LIST_TAG)?.value {
            let group = DataGroup::from_tag(tag).ok_or(EfComError::UnknownDataGroupTag(tag))?;
            if data_groups.contains(&group) {
                return Err(EfComError::DuplicateDataGroup(group));
            }
            data_groups.push(group);
        }

        let [major, minor] = lds;
        let [u_major, u_minor, u_release] = unicode;
        Ok(Self {
            lds_version: LdsVersion { major, minor },
            unicode_version: UnicodeVersion {
                major: u_major,
                minor: u_minor,
                release: u_release,
            },
            data_groups,
        })
    }

    /// Whether the chip announces `group`.
    pub fn lists(&self, group: DataGroup) -> bool {
        self.data_groups.contains(&group)
    }

    /// The DER encoding of this EF.COM, as a chip stores it (for the card emulator).
    pub fn to_der(&self) -> Vec<u8> {
        let lds = format!("{:02}{:02}", self.lds_version.major, self.lds_version.minor);
        let unicode = format!(
            "{:02}{:02}{:02}",
            self.unicode_version.major, self.unicode_version.minor, self.unicode_version.release
        );
        let tag_list: Vec<u8> = self.data_groups.iter().map(|group| group.tag()).collect();
        let content = [
            encode_tlv(LDS_VERSION_TAG, lds.as_bytes()),
            encode_tlv(UNICODE_VERSION_TAG, unicode.as_bytes()),
            encode_tlv(TAG_LIST_TAG, &tag_list),
        ]
        .concat();
        encode_tlv(Tag::from(LdsFile::Com.tag()), &content)
    }
}

/// `N` numbers of two ASCII decimal digits each, as ICAO writes version numbers.
fn decimal_pairs<const N: usize>(text: &[u8]) -> Option<[u8; N]> {
    if text.len() != 2 * N || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut numbers = [0u8; N];
    for (number, pair) in numbers.iter_mut().zip(text.chunks_exact(2)) {
        *number = pair
            .iter()
            .fold(0, |value, digit| value * 10 + (digit - b'0'));
    }
    Some(numbers)
}
