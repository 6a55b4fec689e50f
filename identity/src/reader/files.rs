//! Reading one elementary file: SELECT by file identifier, then READ BINARY in chunks whose
//! size adapts to what the chip and the reader accept.
//!
//! A file's length is not known until its first bytes are read: the file is one BER data
//! object, so its header tells the total ([`crate::tlv::total_len_from_header`]). The
//! length is outside data: it is checked against a limit before anything is allocated.

use crate::apdu::{CommandApdu, ResponseApdu, StatusWord};
use crate::lds::LdsFile;
use crate::sm::{SmSendError, SmTransport};
use crate::tlv::total_len_from_header;
use crate::transport::{self, CardTransport};

use super::error::ReadError;

/// Sends one command, in plain or under secure messaging: the file reading below is the
/// same for EF.CardAccess (read before access control) and for the data groups.
pub(crate) trait Exchange {
    fn exchange(&mut self, command: &CommandApdu) -> Result<ResponseApdu, ReadError>;
}

/// Commands sent as they are.
pub(crate) struct Plain<'a>(pub &'a mut dyn CardTransport);

impl Exchange for Plain<'_> {
    fn exchange(&mut self, command: &CommandApdu) -> Result<ResponseApdu, ReadError> {
        Ok(transport::send(self.0, command)?)
    }
}

impl Exchange for SmTransport<'_> {
    fn exchange(&mut self, command: &CommandApdu) -> Result<ResponseApdu, ReadError> {
        self.send(command).map_err(|error| match error {
            SmSendError::SecureMessaging(error) => ReadError::SecureMessaging(error),
            SmSendError::Send(error) => error.into(),
        })
    }
}

/// How many bytes one READ BINARY asks for, shrinking when a chip refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkPolicy {
    chunk: usize,
}

/// 0xDF bytes fit, once secure messaging has padded and wrapped them, into the 256-byte
/// response of a short APDU; 256 itself is refused by some CCCD chips (MISSION.md).
pub const SHORT_CHUNK: usize = 0xDF;
/// With extended length the reader and chip agree on far longer responses; 4 KiB keeps a
/// portrait to a handful of exchanges while staying inside every reader's buffer.
pub const EXTENDED_CHUNK: usize = 0x1000;
/// Below this, a chip that still refuses is broken rather than picky.
const SMALLEST_CHUNK: usize = 0x20;
/// Enough for the header of any file the reader accepts: tag (up to 3 bytes for 7F61..)
/// and a length of up to 4 bytes.
const HEADER_READ: usize = 8;
/// READ BINARY with an offset in P1-P2 reaches 32 767 (ISO/IEC 7816-4 §11.3.3: bit 8 of
/// P1 must be 0 for an offset).
const MAX_B0_OFFSET: usize = 0x7FFF;

impl ChunkPolicy {
    pub fn new(extended_length: bool) -> Self {
        Self {
            chunk: if extended_length {
                EXTENDED_CHUNK
            } else {
                SHORT_CHUNK
            },
        }
    }

    pub fn chunk(&self) -> usize {
        self.chunk
    }

    /// The chip refused the length: try half as much, unless that is already too little.
    fn shrink(&mut self, hint: Option<usize>) -> bool {
        let next = match hint {
            Some(exact) if exact > 0 && exact < self.chunk => exact,
            _ => self.chunk / 2,
        };
        if next < SMALLEST_CHUNK || next >= self.chunk {
            return false;
        }
        self.chunk = next;
        true
    }
}

fn select_command(file: LdsFile) -> CommandApdu {
    // SELECT EF under the current DF by file identifier, no FCI (ICAO 9303-10 §3.6.2).
    CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data(file.file_id().to_be_bytes())
}

fn read_command(offset: usize, length: usize) -> CommandApdu {
    if offset <= MAX_B0_OFFSET {
        CommandApdu::new(0x00, 0xB0, (offset >> 8) as u8, offset as u8).with_le(length)
    } else {
        // Beyond 32 KiB the offset travels in DO'54' of READ BINARY with odd INS
        // (ISO/IEC 7816-4 §11.3.3); the data comes back wrapped in DO'53'.
        let offset_bytes = (offset as u32).to_be_bytes();
        let significant = offset_bytes
            .iter()
            .position(|&byte| byte != 0)
            .unwrap_or(offset_bytes.len() - 1);
        let mut data = vec![0x54, (offset_bytes.len() - significant) as u8];
        data.extend_from_slice(&offset_bytes[significant..]);
        // Le counts the DO'53' wrapper around the data too (ISO/IEC 7816-4 §11.3.3), so a
        // request for `length` bytes of file asks for the wrapper's tag and length as well.
        CommandApdu::new(0x00, 0xB1, 0x00, 0x00)
            .with_data(data)
            .with_le(length + do53_overhead(length))
    }
}

/// Bytes of tag and length in front of `length` bytes of data in DO'53'.
fn do53_overhead(length: usize) -> usize {
    1 + match length {
        0..=0x7F => 1,
        0x80..=0xFF => 2,
        _ => 3,
    }
}

/// The data of an odd-INS READ BINARY response: the value of its DO'53'.
fn unwrap_odd_response(file: LdsFile, data: &[u8]) -> Result<Vec<u8>, ReadError> {
    let (object, _) =
        crate::tlv::Tlv::parse(data).map_err(|error| ReadError::Malformed { file, error })?;
    if object.tag != crate::tlv::Tag::new(0x53) {
        return Err(ReadError::Malformed {
            file,
            error: crate::tlv::TlvError::UnexpectedTag {
                offset: 0,
                expected: crate::tlv::Tag::new(0x53),
                found: object.tag,
            },
        });
    }
    Ok(object.value.to_vec())
}

/// Reads `length` bytes at `offset`, shrinking the chunk when the chip refuses the length.
fn read_at(
    link: &mut dyn Exchange,
    file: LdsFile,
    offset: usize,
    wanted: usize,
    policy: &mut ChunkPolicy,
) -> Result<(Vec<u8>, StatusWord), ReadError> {
    loop {
        let length = wanted.min(policy.chunk);
        let response = link.exchange(&read_command(offset, length))?;
        let status = response.status;
        match (status.sw1(), status.sw2()) {
            (0x90, 0x00) | (0x62, 0x82) => {
                let data = if offset > MAX_B0_OFFSET {
                    unwrap_odd_response(file, &response.data)?
                } else {
                    response.data
                };
                return Ok((data, status));
            }
            // Wrong length (6700), or "use this Le instead" (6Cxx, ISO/IEC 7816-4 §5.1.3).
            (0x67, 0x00) | (0x6C, _) => {
                let hint = (status.sw1() == 0x6C).then(|| match status.sw2() {
                    0 => 256,
                    exact => usize::from(exact),
                });
                if !policy.shrink(hint) {
                    return Err(ReadError::FileRefused { file, status });
                }
            }
            (0x6A, 0x82) => return Err(ReadError::FileNotFound { file }),
            _ => return Err(ReadError::FileRefused { file, status }),
        }
    }
}

/// Selects `file` and reads it whole, refusing files longer than `limit`.
pub(crate) fn read_file(
    link: &mut dyn Exchange,
    file: LdsFile,
    policy: &mut ChunkPolicy,
    limit: usize,
    mut on_bytes: impl FnMut(usize, usize),
) -> Result<Vec<u8>, ReadError> {
    let selected = link.exchange(&select_command(file))?;
    match selected.status {
        StatusWord::SUCCESS => {}
        StatusWord::NOT_FOUND => return Err(ReadError::FileNotFound { file }),
        status => return Err(ReadError::FileRefused { file, status }),
    }

    let (mut contents, _) = read_at(link, file, 0, HEADER_READ, policy)?;
    let total = match total_len_from_header(&contents) {
        Ok(Some(total)) => total,
        // A file shorter than its own header, or a header longer than HEADER_READ: neither
        // is a file this reader accepts.
        Ok(None) => {
            return Err(ReadError::Malformed {
                file,
                error: crate::tlv::TlvError::TruncatedLength { offset: 0 },
            });
        }
        Err(error) => return Err(ReadError::Malformed { file, error }),
    };
    if total > limit {
        return Err(ReadError::FileTooLarge {
            file,
            len: total,
            limit,
        });
    }
    contents.truncate(total);
    contents.reserve(total - contents.len());
    on_bytes(contents.len(), total);
    while contents.len() < total {
        let offset = contents.len();
        let (chunk, status) = read_at(link, file, offset, total - offset, policy)?;
        if chunk.is_empty() {
            return Err(ReadError::NoProgress {
                file,
                offset,
                status,
            });
        }
        let room = total - offset;
        contents.extend_from_slice(&chunk[..chunk.len().min(room)]);
        on_bytes(contents.len(), total);
    }
    Ok(contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_up_to_32k_go_in_p1_p2() {
        let command = read_command(0x1234, 0xDF).encode().unwrap();
        assert_eq!(command, [0x00, 0xB0, 0x12, 0x34, 0xDF]);
        let last = read_command(MAX_B0_OFFSET, 0x10).encode().unwrap();
        assert_eq!(&last[..4], &[0x00, 0xB0, 0x7F, 0xFF]);
    }

    #[test]
    fn larger_offsets_use_odd_ins_with_do54() {
        // 0xDF bytes of data come back as 53 81 DF ..: Le asks for three bytes more.
        let command = read_command(0x8000, 0xDF).encode().unwrap();
        assert_eq!(
            command,
            [0x00, 0xB1, 0x00, 0x00, 0x04, 0x54, 0x02, 0x80, 0x00, 0xE2]
        );
        let command = read_command(0x01_0203, 0x20).encode().unwrap();
        assert_eq!(&command[4..10], &[0x05, 0x54, 0x03, 0x01, 0x02, 0x03]);
    }

    #[test]
    fn the_chunk_shrinks_to_the_chips_hint_or_by_half_and_stops_at_a_floor() {
        let mut policy = ChunkPolicy::new(true);
        assert_eq!(policy.chunk(), EXTENDED_CHUNK);
        assert!(policy.shrink(Some(0xE7)));
        assert_eq!(policy.chunk(), 0xE7);
        assert!(policy.shrink(None));
        assert_eq!(policy.chunk(), 0x73);
        assert!(policy.shrink(None));
        assert_eq!(policy.chunk(), 0x39);
        assert!(
            !policy.shrink(None),
            "below the floor a chip is broken, not picky"
        );
        assert_eq!(policy.chunk(), 0x39);
        // A hint that is not smaller than the chunk is ignored: halve instead.
        let mut policy = ChunkPolicy::new(false);
        assert!(policy.shrink(Some(SHORT_CHUNK)));
        assert_eq!(policy.chunk(), SHORT_CHUNK / 2);
    }
}
