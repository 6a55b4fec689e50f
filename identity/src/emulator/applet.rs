//! The commands the emulated chip answers, one handler each (ISO/IEC 7816-4 §11, ICAO
//! 9303-10 §3 and 9303-11 §4, §9.8).
//!
//! Every command goes through [`CccdChip::respond`]: parsed (a malformed one is 6700),
//! opened under secure messaging when a session stands, executed, and its answer
//! protected. PACE, Chip Authentication and Active Authentication are handed to
//! `authentication.rs`.

use std::mem;

use crate::apdu::{CommandApdu, ResponseApdu, StatusWord};
use crate::emrtd::EMRTD_AID;
use crate::lds::LdsFile;
use crate::pace::ChipPace;
use crate::sm::bac::{BacError, BacKeys, ChipBac};
use crate::sm::{SmError, parse_command_apdu};
use crate::tlv::{Tag, Tlv, encode_tlv};

use super::access::{Access, AccessProtocol, SecureSession};
use super::authentication::CaStep;
use super::files::{self, Location, ReadCondition, ReadOutcome};
use super::{CccdChip, Selection};

pub(super) mod ins {
    pub const SELECT: u8 = 0xA4;
    pub const READ_BINARY: u8 = 0xB0;
    pub const READ_BINARY_ODD: u8 = 0xB1;
    pub const GET_CHALLENGE: u8 = 0x84;
    pub const EXTERNAL_AUTHENTICATE: u8 = 0x82;
    pub const INTERNAL_AUTHENTICATE: u8 = 0x88;
    pub const MANAGE_SECURITY_ENVIRONMENT: u8 = 0x22;
    pub const GENERAL_AUTHENTICATE: u8 = 0x86;
}

/// Status words of ISO/IEC 7816-4 §5.6 the chip answers with, beyond those in
/// [`StatusWord`].
pub(super) mod sw {
    use crate::apdu::StatusWord;

    /// Verification failed: the BAC cryptogram does not open under the chip's key.
    pub const AUTHENTICATION_FAILED: StatusWord = StatusWord(0x6300);
    pub const NO_PRECISE_DIAGNOSIS: StatusWord = StatusWord(0x6F00);
    pub const CONDITIONS_NOT_SATISFIED: StatusWord = StatusWord(0x6985);
    /// Command not allowed: no current EF.
    pub const NO_CURRENT_EF: StatusWord = StatusWord(0x6986);
    pub const SM_OBJECTS_MISSING: StatusWord = StatusWord(0x6987);
    pub const SM_OBJECTS_INCORRECT: StatusWord = StatusWord(0x6988);
    pub const INCORRECT_DATA: StatusWord = StatusWord(0x6A80);
    pub const INCORRECT_P1_P2: StatusWord = StatusWord(0x6A86);
    pub const REFERENCED_DATA_NOT_FOUND: StatusWord = StatusWord(0x6A88);
    pub const CLA_NOT_SUPPORTED: StatusWord = StatusWord(0x6E00);
}

/// CLA bits 3–4: secure messaging, header authenticated (ISO/IEC 7816-4 §5.4.1).
const CLA_SM_BITS: u8 = 0x0C;
/// BAC's RND.IC and any GET CHALLENGE answer (ICAO 9303-11 §4.3.4.1).
const CHALLENGE_LEN: usize = 8;
/// DO'54': the offset of READ BINARY with odd INS (ISO/IEC 7816-4 §11.3.3).
const OFFSET_TAG: Tag = Tag::new(0x54);

/// Whether the command came under secure messaging; LDS files need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Channel {
    Plain,
    Secure,
}

pub(super) fn status(status: StatusWord) -> ResponseApdu {
    ResponseApdu {
        data: Vec::new(),
        status,
    }
}

pub(super) fn encode(response: ResponseApdu) -> Vec<u8> {
    let mut bytes = response.data;
    bytes.extend(response.status.0.to_be_bytes());
    bytes
}

impl CccdChip {
    pub(super) fn respond(&mut self, raw: &[u8]) -> Vec<u8> {
        let Ok(command) = parse_command_apdu(raw) else {
            return encode(status(StatusWord::WRONG_LENGTH));
        };
        let protected = command.cla & CLA_SM_BITS == CLA_SM_BITS;
        match (protected, mem::replace(&mut self.access, Access::Locked)) {
            (true, Access::Secure(session)) => self.respond_protected(raw, session),
            // A protected command without a session: nothing to verify it with.
            (true, other) => {
                self.access = other;
                encode(status(sw::SM_OBJECTS_INCORRECT))
            }
            // ICAO 9303-11 §9.8: a plain command ends secure messaging; the chip then
            // treats it as it would without a session. `self.access` is already Locked.
            (false, Access::Secure(_)) => encode(self.respond_plain(&command)),
            (false, other) => {
                self.access = other;
                encode(self.respond_plain(&command))
            }
        }
    }

    fn respond_protected(&mut self, raw: &[u8], mut session: SecureSession) -> Vec<u8> {
        let command = match session.sm.unprotect_command(raw) {
            Ok(command) => command,
            // ICAO 9303-11 §9.8.1: an SM error aborts the session, and the answer goes
            // in plain (6987 objects missing, 6988 objects incorrect, a bad MAC included).
            Err(error) => {
                let answer = match error {
                    SmError::MissingMac | SmError::MissingStatus => sw::SM_OBJECTS_MISSING,
                    _ => sw::SM_OBJECTS_INCORRECT,
                };
                return encode(status(answer));
            }
        };
        match Self::chip_authentication_step(&mut session, &command) {
            Some(CaStep::Answered(bytes)) => {
                self.access = Access::Secure(session);
                return bytes;
            }
            Some(CaStep::SessionLost) => return encode(status(sw::NO_PRECISE_DIAGNOSIS)),
            None => {}
        }
        let response = self.execute(&command, Channel::Secure);
        match session.sm.protect_response(&response) {
            Ok(bytes) => {
                self.access = Access::Secure(session);
                bytes
            }
            Err(_) => encode(status(sw::NO_PRECISE_DIAGNOSIS)),
        }
    }

    /// A plain command: BAC's two steps and PACE's need the access state, the rest does
    /// not.
    fn respond_plain(&mut self, command: &CommandApdu) -> ResponseApdu {
        match command.ins {
            ins::GET_CHALLENGE => self.bac_challenge(command),
            ins::EXTERNAL_AUTHENTICATE => self.bac_authenticate(command),
            _ if ChipPace::handles(command) => self.pace_step(command),
            _ => self.execute(command, Channel::Plain),
        }
    }

    /// The commands whose answer does not change the access state.
    fn execute(&mut self, command: &CommandApdu, channel: Channel) -> ResponseApdu {
        match command.ins {
            // PACE in plain and Chip Authentication under secure messaging were taken
            // before; what reaches here names no protocol the chip runs now.
            ins::MANAGE_SECURITY_ENVIRONMENT => self.other_security_environment(command, channel),
            ins::GENERAL_AUTHENTICATE => self.stray_general_authenticate(),
            ins::INTERNAL_AUTHENTICATE => self.internal_authenticate(command, channel),
            _ if command.cla != 0x00 => status(sw::CLA_NOT_SUPPORTED),
            ins::SELECT => self.select(command),
            ins::READ_BINARY => self.read_binary(command, channel),
            ins::READ_BINARY_ODD => self.read_binary_odd(command, channel),
            ins::GET_CHALLENGE => self.challenge_under_sm(command),
            // BAC runs only in plain: under a session there is no challenge to answer.
            ins::EXTERNAL_AUTHENTICATE => status(sw::CONDITIONS_NOT_SATISFIED),
            _ => status(StatusWord::INS_NOT_SUPPORTED),
        }
    }

    fn select(&mut self, command: &CommandApdu) -> ResponseApdu {
        match (command.p1, command.p2) {
            // By DF name (ISO/IEC 7816-4 §11.2.2). P2 0C: no FCI; 00: the FCI, which
            // names the application (DF name, 84).
            (0x04, p2 @ (0x0C | 0x00)) => {
                if command.data != EMRTD_AID {
                    return status(StatusWord::NOT_FOUND);
                }
                self.selection = Selection {
                    directory: Location::Application,
                    file: None,
                };
                let data = if p2 == 0x00 {
                    encode_tlv(Tag::new(0x6F), &encode_tlv(Tag::new(0x84), &EMRTD_AID))
                } else {
                    Vec::new()
                };
                ResponseApdu {
                    data,
                    status: StatusWord::SUCCESS,
                }
            }
            // Selecting the master file (P1 00, with 3F00 or no data): CCCD chips in the
            // field answer 6D00 (MISSION.md), so readers must select EF.CardAccess by FID.
            (0x00, _) => status(StatusWord::INS_NOT_SUPPORTED),
            // An EF under the current DF by file identifier (§7.1.1).
            (0x02, 0x0C) => {
                let [high, low] = command.data[..] else {
                    return status(StatusWord::WRONG_LENGTH);
                };
                let file_id = u16::from_be_bytes([high, low]);
                match self.files.find_in(self.selection.directory, file_id) {
                    Some(file) => {
                        self.selection.file = Some(file);
                        status(StatusWord::SUCCESS)
                    }
                    None => status(StatusWord::NOT_FOUND),
                }
            }
            _ => status(sw::INCORRECT_P1_P2),
        }
    }

    /// READ BINARY, even INS (ISO/IEC 7816-4 §11.3.3): P1 bit 8 set names a short EF
    /// identifier in P1 bits 1–5 and a one-byte offset in P2; clear, a 15-bit offset in
    /// the current EF.
    fn read_binary(&mut self, command: &CommandApdu, channel: Channel) -> ResponseApdu {
        let (file, offset) = if command.p1 & 0x80 != 0 {
            if command.p1 & 0x60 != 0 {
                return status(sw::INCORRECT_P1_P2);
            }
            let short_id = command.p1 & 0x1F;
            match self
                .files
                .find_short_id_in(self.selection.directory, short_id)
            {
                // Reading by short identifier also selects the file (§7.2.2).
                Some(file) => {
                    self.selection.file = Some(file);
                    (file, usize::from(command.p2))
                }
                None => return status(StatusWord::NOT_FOUND),
            }
        } else {
            match self.selection.file {
                Some(file) => (
                    file,
                    usize::from(u16::from_be_bytes([command.p1, command.p2])),
                ),
                None => return status(sw::NO_CURRENT_EF),
            }
        };
        self.read(command, channel, file, |bytes, expected| {
            files::read_range(bytes, offset, expected)
        })
    }

    /// READ BINARY, odd INS: the file by P1-P2 (0000 the current EF, 0001–001E a short
    /// identifier, otherwise a file identifier) and the offset in DO'54', for files beyond
    /// the 32 KiB that even INS reaches. The answer is a DO'53'.
    fn read_binary_odd(&mut self, command: &CommandApdu, channel: Channel) -> ResponseApdu {
        let reference = u16::from_be_bytes([command.p1, command.p2]);
        let file = match reference {
            0 => self.selection.file,
            1..=0x1E => self
                .files
                .find_short_id_in(self.selection.directory, command.p2),
            file_id => self.files.find_in(self.selection.directory, file_id),
        };
        let Some(file) = file else {
            return status(if reference == 0 {
                sw::NO_CURRENT_EF
            } else {
                StatusWord::NOT_FOUND
            });
        };
        self.selection.file = Some(file);
        let Some(offset) = odd_offset(&command.data) else {
            return status(sw::INCORRECT_DATA);
        };
        self.read(command, channel, file, |bytes, expected| {
            files::read_range_odd(bytes, offset, expected)
        })
    }

    /// The checks both READ BINARY forms share: the file's read condition, then the
    /// length the terminal asks for against the chip's quirks.
    fn read(
        &self,
        command: &CommandApdu,
        channel: Channel,
        file: LdsFile,
        read: impl FnOnce(&[u8], usize) -> ReadOutcome,
    ) -> ResponseApdu {
        let Some(stored) = self.files.get(file) else {
            return status(StatusWord::NOT_FOUND);
        };
        let allowed = match stored.read_condition() {
            ReadCondition::Always => true,
            ReadCondition::SecureMessaging => channel == Channel::Secure,
            ReadCondition::ExtendedAccessControl => false,
        };
        if !allowed {
            return status(StatusWord::SECURITY_NOT_SATISFIED);
        }
        // Without Le the terminal expects no data, which a read cannot give.
        let Some(expected) = command.le else {
            return status(StatusWord::WRONG_LENGTH);
        };
        let refused_256 = self.quirks.refuse_256_byte_reads && expected == 256;
        let beyond_buffer = self
            .quirks
            .max_read_length
            .is_some_and(|max| expected > max);
        if refused_256 || beyond_buffer {
            return status(StatusWord::WRONG_LENGTH);
        }
        let outcome = read(&stored.bytes, expected);
        ResponseApdu {
            data: outcome.data,
            status: outcome.status,
        }
    }

    /// GET CHALLENGE in plain: RND.IC for BAC (ICAO 9303-11 §4.3.4.1). A new challenge
    /// replaces any earlier one.
    fn bac_challenge(&mut self, command: &CommandApdu) -> ResponseApdu {
        if let Some(refusal) = challenge_refusal(command) {
            return refusal;
        }
        let keys = BacKeys::from_mrz_information(&self.mrz_information);
        match ChipBac::new(keys, self.random.as_mut()) {
            Ok(bac) => {
                let data = bac.challenge().to_vec();
                self.access = Access::BacChallenged(bac);
                ResponseApdu {
                    data,
                    status: StatusWord::SUCCESS,
                }
            }
            Err(_) => status(sw::NO_PRECISE_DIAGNOSIS),
        }
    }

    /// EXTERNAL AUTHENTICATE in plain: the terminal's half of BAC (§4.3.4.2). The
    /// challenge is used up whatever the outcome; a wrong key is 6300 and one failed
    /// attempt.
    fn bac_authenticate(&mut self, command: &CommandApdu) -> ResponseApdu {
        if command.cla != 0x00 {
            return status(sw::CLA_NOT_SUPPORTED);
        }
        if (command.p1, command.p2) != (0x00, 0x00) {
            return status(sw::INCORRECT_P1_P2);
        }
        let Access::BacChallenged(bac) = mem::replace(&mut self.access, Access::Locked) else {
            return status(sw::CONDITIONS_NOT_SATISFIED);
        };
        match bac.external_authenticate(command, self.random.as_mut()) {
            Ok((response, sm)) => {
                self.access = self.open_session(sm, AccessProtocol::Bac);
                response
            }
            Err(BacError::AuthenticationLength(_)) => status(StatusWord::WRONG_LENGTH),
            Err(BacError::Random(_) | BacError::SecureMessaging(_)) => {
                status(sw::NO_PRECISE_DIAGNOSIS)
            }
            Err(_) => {
                self.attempts.record_failure();
                status(sw::AUTHENTICATION_FAILED)
            }
        }
    }

    /// GET CHALLENGE under secure messaging: a fresh nonce and no change of state (the
    /// command other protocols, such as EAC's Terminal Authentication, start with).
    fn challenge_under_sm(&mut self, command: &CommandApdu) -> ResponseApdu {
        if let Some(refusal) = challenge_refusal(command) {
            return refusal;
        }
        let mut nonce = [0u8; CHALLENGE_LEN];
        match self.random.fill(&mut nonce) {
            Ok(()) => ResponseApdu {
                data: nonce.to_vec(),
                status: StatusWord::SUCCESS,
            },
            Err(_) => status(sw::NO_PRECISE_DIAGNOSIS),
        }
    }
}

/// Why a GET CHALLENGE is refused before a nonce is drawn, if it is.
fn challenge_refusal(command: &CommandApdu) -> Option<ResponseApdu> {
    if command.cla != 0x00 {
        return Some(status(sw::CLA_NOT_SUPPORTED));
    }
    if (command.p1, command.p2) != (0x00, 0x00) {
        return Some(status(sw::INCORRECT_P1_P2));
    }
    if command.le != Some(CHALLENGE_LEN) || !command.data.is_empty() {
        return Some(status(StatusWord::WRONG_LENGTH));
    }
    None
}

/// The offset in DO'54' (one to four bytes, big-endian), the whole data field.
fn odd_offset(data: &[u8]) -> Option<usize> {
    let object = Tlv::parse_exact(data).ok()?.expect_tag(OFFSET_TAG).ok()?;
    if object.value.is_empty() || object.value.len() > 4 {
        return None;
    }
    let offset = object
        .value
        .iter()
        .fold(0u32, |value, &byte| (value << 8) | u32::from(byte));
    usize::try_from(offset).ok()
}
