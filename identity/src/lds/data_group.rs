//! Names and file identifiers of the LDS files (ICAO 9303-10 §3.11 and Table 34).

/// One of the sixteen data groups of the LDS1 application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataGroup {
    Dg1 = 1,
    Dg2,
    Dg3,
    Dg4,
    Dg5,
    Dg6,
    Dg7,
    Dg8,
    Dg9,
    Dg10,
    Dg11,
    Dg12,
    Dg13,
    Dg14,
    Dg15,
    Dg16,
}

impl DataGroup {
    pub const ALL: [DataGroup; 16] = [
        Self::Dg1,
        Self::Dg2,
        Self::Dg3,
        Self::Dg4,
        Self::Dg5,
        Self::Dg6,
        Self::Dg7,
        Self::Dg8,
        Self::Dg9,
        Self::Dg10,
        Self::Dg11,
        Self::Dg12,
        Self::Dg13,
        Self::Dg14,
        Self::Dg15,
        Self::Dg16,
    ];

    /// 1 for DG1 … 16 for DG16.
    pub fn number(self) -> u8 {
        self as u8
    }

    pub fn from_number(number: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|group| group.number() == number)
    }

    /// The tag of the data group's outermost data object, which is also how EF.COM lists
    /// it (ICAO 9303-10 Table 34). DG2 and DG4 break the 0x60 + n pattern because their
    /// tags were taken from the biometric templates of ISO/IEC 7816-11.
    pub fn tag(self) -> u8 {
        match self {
            Self::Dg1 => 0x61,
            Self::Dg2 => 0x75,
            Self::Dg3 => 0x63,
            Self::Dg4 => 0x76,
            Self::Dg5 => 0x65,
            Self::Dg6 => 0x66,
            Self::Dg7 => 0x67,
            Self::Dg8 => 0x68,
            Self::Dg9 => 0x69,
            Self::Dg10 => 0x6A,
            Self::Dg11 => 0x6B,
            Self::Dg12 => 0x6C,
            Self::Dg13 => 0x6D,
            Self::Dg14 => 0x6E,
            Self::Dg15 => 0x6F,
            Self::Dg16 => 0x70,
        }
    }

    pub fn from_tag(tag: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|group| group.tag() == tag)
    }

    /// The short EF identifier, usable in READ BINARY P1 (ICAO 9303-10 Table 34: DG1 = 01
    /// … DG16 = 10).
    pub fn short_file_id(self) -> u8 {
        self.number()
    }

    /// The file identifier for SELECT (ICAO 9303-10 Table 34: 0101 … 0110).
    pub fn file_id(self) -> u16 {
        0x0100 | u16::from(self.number())
    }
}

/// Every file the kiosk reads from a CCCD chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LdsFile {
    /// EF.CardAccess: the PACE parameters, in the master file, readable without access
    /// control (ICAO 9303-10 §3.11.2).
    CardAccess,
    /// EF.COM: LDS version and the list of data groups.
    Com,
    /// EF.SOD: the document security object signed by the Document Signer.
    Sod,
    DataGroup(DataGroup),
}

impl LdsFile {
    /// The file identifier for SELECT (ICAO 9303-10 Table 34 and §3.11.2).
    pub fn file_id(self) -> u16 {
        match self {
            Self::CardAccess => 0x011C,
            Self::Com => 0x011E,
            Self::Sod => 0x011D,
            Self::DataGroup(group) => group.file_id(),
        }
    }

    /// The short EF identifier (ICAO 9303-10 Table 34 and §3.11.2).
    pub fn short_file_id(self) -> u8 {
        match self {
            Self::CardAccess => 0x1C,
            Self::Com => 0x1E,
            Self::Sod => 0x1D,
            Self::DataGroup(group) => group.short_file_id(),
        }
    }

    /// The tag of the file's outermost data object; EF.CardAccess is a bare DER `SET OF
    /// SecurityInfo` (ICAO 9303-11 §9.2), not an application-tagged LDS object.
    pub fn tag(self) -> u8 {
        match self {
            Self::CardAccess => 0x31,
            Self::Com => 0x60,
            Self::Sod => 0x77,
            Self::DataGroup(group) => group.tag(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_group_numbers_tags_and_file_ids_follow_table_34() {
        let tags: Vec<u8> = DataGroup::ALL.iter().map(|group| group.tag()).collect();
        assert_eq!(
            tags,
            [
                0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E,
                0x6F, 0x70
            ]
        );
        for (index, group) in DataGroup::ALL.into_iter().enumerate() {
            let number = u8::try_from(index + 1).unwrap();
            assert_eq!(group.number(), number);
            assert_eq!(DataGroup::from_number(number), Some(group));
            assert_eq!(DataGroup::from_tag(group.tag()), Some(group));
            assert_eq!(group.short_file_id(), number);
            assert_eq!(group.file_id(), 0x0100 + u16::from(number));
        }
        assert_eq!(DataGroup::from_tag(0x60), None);
        assert_eq!(DataGroup::from_tag(0x77), None);
        assert_eq!(DataGroup::from_number(0), None);
        assert_eq!(DataGroup::from_number(17), None);
    }

    #[test]
    fn lds_files_outside_the_data_groups_have_their_own_ids() {
        assert_eq!(LdsFile::Com.file_id(), 0x011E);
        assert_eq!(LdsFile::Com.short_file_id(), 0x1E);
        assert_eq!(LdsFile::Sod.file_id(), 0x011D);
        assert_eq!(LdsFile::Sod.short_file_id(), 0x1D);
        assert_eq!(LdsFile::CardAccess.file_id(), 0x011C);
        assert_eq!(LdsFile::CardAccess.short_file_id(), 0x1C);
        assert_eq!(LdsFile::DataGroup(DataGroup::Dg13).file_id(), 0x010D);
        assert_eq!(LdsFile::DataGroup(DataGroup::Dg13).tag(), 0x6D);
    }
}
