//! DG1: the machine-readable zone as stored on the chip (ICAO 9303-10 §4.7.1).
//!
//! The CCCD is a TD1 card, so DG1 holds three lines of 30 characters. This module only
//! checks and splits the text; the fields (document number, dates, check digits) are read
//! by [`crate::mrz`].

use crate::pii::Sensitive;
use crate::tlv::{Tag, Tlv, TlvError, encode_tlv};

use super::DataGroup;

/// The MRZ data element inside DG1 (ICAO 9303-10 §4.7.1.1).
const MRZ_TAG: Tag = Tag::new(0x5F1F);

/// Characters in one TD1 line (ICAO 9303-5 §4.2.2).
pub const TD1_LINE_LEN: usize = 30;
/// Characters in a whole TD1 MRZ: three lines.
pub const TD1_MRZ_LEN: usize = 3 * TD1_LINE_LEN;
/// A TD3 (passport) MRZ: two lines of 44 (ICAO 9303-4 §4.2.2).
const TD3_MRZ_LEN: usize = 88;
/// A TD2 MRZ: two lines of 36 (ICAO 9303-6 §4.2.2).
const TD2_MRZ_LEN: usize = 72;

/// Why DG1 is not the MRZ of a CCCD.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Dg1Error {
    #[error("DG1 is not well-formed BER-TLV: {0}")]
    Tlv(#[from] TlvError),
    #[error("DG1 holds a passport (TD3) MRZ; a CCCD has a TD1 MRZ")]
    PassportMrz,
    #[error("DG1 holds a TD2 MRZ; a CCCD has a TD1 MRZ")]
    Td2Mrz,
    #[error("DG1 holds an MRZ of {0} characters; a TD1 MRZ has 90")]
    WrongLength(usize),
    #[error("DG1: MRZ character {position} is not one of A–Z, 0–9 and <")]
    InvalidCharacter { position: usize },
}

/// DG1 of a CCCD: the three TD1 lines, kept as the chip stores them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dg1 {
    /// The MRZ holds the name, document number and date of birth, hence `Sensitive`.
    pub mrz_lines: Sensitive<[String; 3]>,
}

impl Dg1 {
    /// Reads DG1 exactly as read from the chip: `61 { 5F1F mrz }`.
    pub fn parse(bytes: &[u8]) -> Result<Self, Dg1Error> {
        let dg1 = Tlv::parse_exact(bytes)?.expect_tag(Tag::from(DataGroup::Dg1.tag()))?;
        let mrz = dg1.require(MRZ_TAG)?.value;
        match mrz.len() {
            TD1_MRZ_LEN => {}
            TD3_MRZ_LEN => return Err(Dg1Error::PassportMrz),
            TD2_MRZ_LEN => return Err(Dg1Error::Td2Mrz),
            other => return Err(Dg1Error::WrongLength(other)),
        }
        // ICAO 9303-3 §4.3: the MRZ uses only capital letters, digits and the filler.
        if let Some(position) = mrz
            .iter()
            .position(|&byte| !(byte.is_ascii_uppercase() || byte.is_ascii_digit() || byte == b'<'))
        {
            return Err(Dg1Error::InvalidCharacter { position });
        }
        let mut lines = mrz.chunks_exact(TD1_LINE_LEN).map(|line| {
            line.iter()
                .map(|&byte| char::from(byte))
                .collect::<String>()
        });
        let mut next_line = || lines.next().unwrap_or_default();
        let mrz_lines = [next_line(), next_line(), next_line()];
        Ok(Self {
            mrz_lines: Sensitive::new(mrz_lines),
        })
    }

    /// The 90 characters as one string, lines joined without separators.
    pub fn mrz_text(&self) -> Sensitive<String> {
        Sensitive::new(self.mrz_lines.expose().concat())
    }

    /// The DER encoding of this DG1, as a chip stores it (for the card emulator).
    pub fn to_der(&self) -> Vec<u8> {
        let mrz = self.mrz_text();
        encode_tlv(
            Tag::from(DataGroup::Dg1.tag()),
            &encode_tlv(MRZ_TAG, mrz.expose().as_bytes()),
        )
    }
}
