//! The chip's file system: where each elementary file lives, who may read it, and READ
//! BINARY over its bytes (ISO/IEC 7816-4 §11.3.3, ICAO 9303-10 §3.11).
//!
//! The emulated chip stores each file exactly as given (the bytes of the card folder), so a
//! deliberately broken file reaches the reader unchanged: the emulator is also a way to
//! test how the reading code takes hostile data.

use std::collections::BTreeMap;

use crate::apdu::StatusWord;
use crate::lds::{DataGroup, LdsFile};
use crate::tlv::{Tag, encode_tlv};

/// Where an elementary file sits (ICAO 9303-10 §3.11): EF.CardAccess (and EF.ATR/INFO,
/// EF.DIR) in the master file, readable before any application is selected; the LDS
/// files inside the eMRTD application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    MasterFile,
    Application,
}

/// What a reader must have done before the chip hands out a file's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadCondition {
    /// EF.CardAccess: free, because PACE needs its parameters first (ICAO 9303-11 §9.2).
    Always,
    /// The LDS files: only under secure messaging after BAC or PACE (ICAO 9303-11 §4.2).
    SecureMessaging,
    /// DG3 and DG4 (fingerprints, iris): only after Terminal Authentication of EAC (BSI
    /// TR-03110-1 §3.3), which the kiosk does not have and the emulator does not offer, so
    /// these are always refused, as a CCCD refuses them to the kiosk.
    ExtendedAccessControl,
}

/// One elementary file of the chip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementaryFile {
    pub file: LdsFile,
    pub bytes: Vec<u8>,
}

impl ElementaryFile {
    pub fn location(&self) -> Location {
        match self.file {
            LdsFile::CardAccess => Location::MasterFile,
            LdsFile::Com | LdsFile::Sod | LdsFile::DataGroup(_) => Location::Application,
        }
    }

    pub fn read_condition(&self) -> ReadCondition {
        match self.file {
            LdsFile::CardAccess => ReadCondition::Always,
            LdsFile::DataGroup(DataGroup::Dg3 | DataGroup::Dg4) => {
                ReadCondition::ExtendedAccessControl
            }
            LdsFile::Com | LdsFile::Sod | LdsFile::DataGroup(_) => ReadCondition::SecureMessaging,
        }
    }
}

/// Every file of one chip, by file identifier.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChipFiles {
    by_id: BTreeMap<u16, ElementaryFile>,
}

impl ChipFiles {
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores `bytes` as `file`, replacing what was there.
    pub fn insert(&mut self, file: LdsFile, bytes: Vec<u8>) {
        self.by_id
            .insert(file.file_id(), ElementaryFile { file, bytes });
    }

    pub fn get(&self, file: LdsFile) -> Option<&ElementaryFile> {
        self.by_id.get(&file.file_id())
    }

    /// The file a SELECT by file identifier finds from `location`: each directory sees
    /// only its own files (ISO/IEC 7816-4 §7.1.1, P1 = 02 selects an EF under the current
    /// DF).
    pub fn find_in(&self, location: Location, file_id: u16) -> Option<LdsFile> {
        self.by_id
            .get(&file_id)
            .filter(|file| file.location() == location)
            .map(|file| file.file)
    }

    /// The file a short EF identifier (READ BINARY P1 = 1xxxxxxx) names from `location`.
    pub fn find_short_id_in(&self, location: Location, short_id: u8) -> Option<LdsFile> {
        self.by_id
            .values()
            .find(|file| file.location() == location && file.file.short_file_id() == short_id)
            .map(|file| file.file)
    }

    /// The files present, in file-identifier order.
    pub fn files(&self) -> impl Iterator<Item = &ElementaryFile> {
        self.by_id.values()
    }
}

/// The answer to one READ BINARY over a file's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOutcome {
    pub data: Vec<u8>,
    pub status: StatusWord,
}

/// End of file reached before reading Ne bytes (ISO/IEC 7816-4 §5.6, table 6).
pub const END_OF_FILE: StatusWord = StatusWord(0x6282);
/// Wrong parameters P1-P2: the offset is outside the EF (ISO/IEC 7816-4 §5.6).
pub const OFFSET_OUTSIDE_FILE: StatusWord = StatusWord(0x6B00);

/// Up to `expected` bytes of `bytes` from `offset`: 9000 with exactly `expected` bytes,
/// 6282 with fewer when the file ends first, 6B00 when the offset is at or past the end.
pub fn read_range(bytes: &[u8], offset: usize, expected: usize) -> ReadOutcome {
    let Some(rest) = bytes.get(offset..).filter(|rest| !rest.is_empty()) else {
        return ReadOutcome {
            data: Vec::new(),
            status: OFFSET_OUTSIDE_FILE,
        };
    };
    let taken = rest.get(..expected).unwrap_or(rest);
    ReadOutcome {
        data: taken.to_vec(),
        status: if taken.len() == expected {
            StatusWord::SUCCESS
        } else {
            END_OF_FILE
        },
    }
}

/// The data field of READ BINARY with odd INS (B1): `53 L bytes`, with as many bytes as
/// fit in `expected` together with the tag and length (ISO/IEC 7816-4 §11.3.3, the
/// response data is a DO'53' whose whole encoding Le counts).
pub fn read_range_odd(bytes: &[u8], offset: usize, expected: usize) -> ReadOutcome {
    let Some(rest) = bytes.get(offset..).filter(|rest| !rest.is_empty()) else {
        return ReadOutcome {
            data: Vec::new(),
            status: OFFSET_OUTSIDE_FILE,
        };
    };
    // The header is 2, 3 or 4 bytes (53 L, 53 81 L, 53 82 LL): the longest payload that
    // fits together with its own header.
    let header_len = |len: usize| match len {
        0..=0x7F => 2,
        0x80..=0xFF => 3,
        _ => 4,
    };
    let len = [2, 3, 4]
        .into_iter()
        .filter_map(|header: usize| {
            let candidate = rest.len().min(expected.checked_sub(header)?);
            (header_len(candidate) <= header).then_some(candidate)
        })
        .max()
        .unwrap_or(0);
    if len == 0 {
        // Not even one byte fits: the terminal asked for less than a data object.
        return ReadOutcome {
            data: Vec::new(),
            status: StatusWord::WRONG_LENGTH,
        };
    }
    let taken = rest.get(..len).unwrap_or(rest);
    let data = encode_tlv(Tag::new(0x53), taken);
    // As with B0, 6282 says the file ended before Ne bytes; a payload cut short only
    // because its header grew by a byte is still a full answer.
    let status = if taken.len() == rest.len() && data.len() < expected {
        END_OF_FILE
    } else {
        StatusWord::SUCCESS
    };
    ReadOutcome { data, status }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_ins_reads_stop_at_the_end_of_the_file() {
        let file = [1, 2, 3, 4, 5];
        let read = |offset, expected| read_range(&file, offset, expected);
        assert_eq!(read(0, 5).data, file);
        assert_eq!(read(0, 5).status, StatusWord::SUCCESS);
        assert_eq!(read(3, 4).data, [4, 5]);
        assert_eq!(read(3, 4).status, END_OF_FILE);
        assert_eq!(read(5, 1).status, OFFSET_OUTSIDE_FILE);
        assert_eq!(read(usize::MAX, 1).status, OFFSET_OUTSIDE_FILE);
    }

    #[test]
    fn odd_ins_reads_fit_the_data_object_header_into_le() {
        let file: Vec<u8> = (0..=255).cycle().take(1000).collect();
        let read = |expected| read_range_odd(&file, 0, expected);
        // 127 bytes take a 2-byte header; 128 would need 3, so 130 still gives 127.
        assert_eq!(read(129).data.len(), 129);
        assert_eq!(read(130).data.len(), 129);
        assert_eq!(read(131).data.len(), 131);
        assert_eq!(&read(131).data[..3], &[0x53, 0x81, 0x80]);
        // 255 bytes with a 3-byte header; 256 bytes need 4.
        assert_eq!(read(259).data.len(), 258);
        assert_eq!(read(260).data.len(), 260);
        assert_eq!(&read(260).data[..4], &[0x53, 0x82, 0x01, 0x00]);
        assert_eq!(read(2).status, StatusWord::WRONG_LENGTH);
        assert_eq!(read(3).data, [0x53, 0x01, 0x00]);
        let tail = read_range_odd(&file, 998, 100);
        assert_eq!(
            (tail.data, tail.status),
            (vec![0x53, 0x02, 230, 231], END_OF_FILE)
        );
        assert_eq!(read_range_odd(&file, 1000, 10).status, OFFSET_OUTSIDE_FILE);
    }
}
