//! ISO/IEC 7816-4 APDUs: commands the kiosk sends and the responses a card returns.
//!
//! A card's response is outside data: [`ResponseApdu::parse`] never trusts it to be long
//! enough, and commands refuse to encode fields that do not fit their length bytes.

use std::fmt;

/// The two status bytes that end every response (ISO/IEC 7816-4 §5.1.3).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

impl StatusWord {
    /// Normal processing.
    pub const SUCCESS: StatusWord = StatusWord(0x9000);
    /// Wrong length (Lc or Le).
    pub const WRONG_LENGTH: StatusWord = StatusWord(0x6700);
    /// Security status not satisfied: secure messaging is missing or wrong.
    pub const SECURITY_NOT_SATISFIED: StatusWord = StatusWord(0x6982);
    /// File or application not found.
    pub const NOT_FOUND: StatusWord = StatusWord(0x6A82);
    /// Instruction code not supported.
    pub const INS_NOT_SUPPORTED: StatusWord = StatusWord(0x6D00);

    pub fn sw1(self) -> u8 {
        (self.0 >> 8) as u8
    }

    pub fn sw2(self) -> u8 {
        self.0 as u8
    }

    pub fn is_success(self) -> bool {
        self == Self::SUCCESS
    }
}

impl fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SW {:04X}", self.0)
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

/// Why a command could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("command data of {0} bytes exceeds the 65535 bytes of extended length")]
    DataTooLong(usize),
    #[error("expected length {0} exceeds the 65536 bytes of extended length")]
    ExpectedTooLong(usize),
}

/// Why bytes from a card are not a response APDU.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the card answered {0} bytes; a response needs at least SW1 SW2")]
    TooShort(usize),
}

/// A command APDU: header, optional data, optional expected response length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandApdu {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    /// Bytes expected in the response; `Some(256)` (short) or `Some(65536)` (extended)
    /// mean "as many as available" and encode as zero.
    pub le: Option<usize>,
}

impl CommandApdu {
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Self {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            le: None,
        }
    }

    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    pub fn with_le(mut self, le: usize) -> Self {
        self.le = Some(le);
        self
    }

    /// Encodes the command in the four cases of ISO/IEC 7816-3 §12.1.3, using extended
    /// length only when the data or the expected length do not fit in one byte.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        if self.data.len() > 0xFFFF {
            return Err(EncodeError::DataTooLong(self.data.len()));
        }
        if let Some(le) = self.le
            && le > 0x1_0000
        {
            return Err(EncodeError::ExpectedTooLong(le));
        }
        let extended = self.data.len() > 0xFF || self.le.is_some_and(|le| le > 0x100);
        let mut bytes = Vec::with_capacity(4 + 3 + self.data.len() + 3);
        bytes.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if !self.data.is_empty() {
            if extended {
                bytes.push(0);
                bytes.extend_from_slice(&(self.data.len() as u16).to_be_bytes());
            } else {
                bytes.push(self.data.len() as u8);
            }
            bytes.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            // The maximum of each form is encoded as zero (256 short, 65536 extended).
            if extended {
                if self.data.is_empty() {
                    bytes.push(0);
                }
                bytes.extend_from_slice(&((le & 0xFFFF) as u16).to_be_bytes());
            } else {
                bytes.push((le & 0xFF) as u8);
            }
        }
        Ok(bytes)
    }
}

/// A response APDU: the data and the status word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseApdu {
    pub data: Vec<u8>,
    pub status: StatusWord,
}

impl ResponseApdu {
    pub fn parse(bytes: &[u8]) -> Result<Self, ParseError> {
        let Some(split) = bytes.len().checked_sub(2) else {
            return Err(ParseError::TooShort(bytes.len()));
        };
        let (data, sw) = bytes.split_at(split);
        Ok(Self {
            data: data.to_vec(),
            status: StatusWord(u16::from_be_bytes([sw[0], sw[1]])),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_four_short_cases() {
        let case1 = CommandApdu::new(0x00, 0xA4, 0x04, 0x0C);
        assert_eq!(case1.encode().unwrap(), [0x00, 0xA4, 0x04, 0x0C]);
        let case2 = CommandApdu::new(0x00, 0xB0, 0x00, 0x00).with_le(256);
        assert_eq!(case2.encode().unwrap(), [0x00, 0xB0, 0x00, 0x00, 0x00]);
        let case3 = CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data([0x01, 0x1C]);
        assert_eq!(
            case3.encode().unwrap(),
            [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x1C]
        );
        let case4 = CommandApdu::new(0x00, 0x88, 0x00, 0x00)
            .with_data([1, 2, 3])
            .with_le(0x20);
        assert_eq!(
            case4.encode().unwrap(),
            [0x00, 0x88, 0x00, 0x00, 0x03, 1, 2, 3, 0x20]
        );
    }

    #[test]
    fn switches_to_extended_length_when_needed() {
        let read = CommandApdu::new(0x00, 0xB0, 0x00, 0x00).with_le(0x1_0000);
        assert_eq!(read.encode().unwrap(), [0x00, 0xB0, 0x00, 0x00, 0, 0, 0]);
        let long = CommandApdu::new(0x00, 0xD6, 0, 0)
            .with_data(vec![0xAA; 300])
            .with_le(0x1000);
        let bytes = long.encode().unwrap();
        assert_eq!(&bytes[4..7], &[0x00, 0x01, 0x2C]);
        assert_eq!(&bytes[bytes.len() - 2..], &[0x10, 0x00]);
        assert_eq!(bytes.len(), 4 + 3 + 300 + 2);
    }

    #[test]
    fn refuses_what_does_not_fit() {
        let too_long = CommandApdu::new(0, 0xD6, 0, 0).with_data(vec![0; 0x1_0000]);
        assert_eq!(too_long.encode(), Err(EncodeError::DataTooLong(0x1_0000)));
        let le = CommandApdu::new(0, 0xB0, 0, 0).with_le(0x1_0001);
        assert_eq!(le.encode(), Err(EncodeError::ExpectedTooLong(0x1_0001)));
    }

    #[test]
    fn parses_responses_and_rejects_truncated_ones() {
        let ok = ResponseApdu::parse(&[0x61, 0x62, 0x90, 0x00]).unwrap();
        assert_eq!(ok.data, [0x61, 0x62]);
        assert!(ok.status.is_success());
        let sw_only = ResponseApdu::parse(&[0x6A, 0x82]).unwrap();
        assert_eq!(sw_only.status, StatusWord::NOT_FOUND);
        assert!(sw_only.data.is_empty());
        assert_eq!(ResponseApdu::parse(&[0x90]), Err(ParseError::TooShort(1)));
        assert_eq!(ResponseApdu::parse(&[]), Err(ParseError::TooShort(0)));
    }
}
