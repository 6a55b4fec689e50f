//! The CCCD chip in software, for tests and the demo.
//!
//! [`CccdChip`] answers command APDUs as the chip of a Vietnamese ID card does: the eMRTD
//! application selected by AID, EF.CardAccess readable in plain from the master file, the
//! LDS files (EF.COM, the data groups, EF.SOD) readable only under secure messaging after
//! BAC, READ BINARY with short and extended lengths, and the quirks of cards in the field
//! (MISSION.md): 6D00 to a SELECT of the master file, optionally 6700 to reads of 256
//! bytes and a small I/O buffer. It uses the same protocol code as the terminal, from the
//! chip's side: [`crate::sm::bac::ChipBac`] and [`crate::sm::ChipSecureMessaging`].
//!
//! How the pieces fit:
//!
//! - [`folder`]: [`CardFolder::load`] builds a chip from a folder of raw files, so a card
//!   made by any tool can be emulated;
//! - [`files`]: the file system and READ BINARY over it;
//! - [`access`]: the access-control state machine and where PACE, Chip Authentication and
//!   Active Authentication plug in;
//! - `applet`: the commands, one handler each.
//!
//! Not yet offered (their chip sides are being written): PACE, Chip Authentication and
//! Active Authentication. Their commands get the answer of a chip without them — MSE
//! 6A88, GENERAL AUTHENTICATE and INTERNAL AUTHENTICATE 6D00 — so readers fall back to
//! BAC, as with an older card.
//!
//! The kiosk's hardware layer wraps a [`CccdChip`] as a virtual card; this crate does not
//! depend on it.

pub mod access;
mod applet;
pub mod files;
pub mod folder;

use std::fmt;

use zeroize::Zeroizing;

use crate::mrz::{Td1Mrz, check_digit};
use crate::pii::Sensitive;
use crate::sm::{OsRandom, RandomSource};

pub use access::{AccessProtocol, AccessState};
pub use files::{ChipFiles, ElementaryFile, Location, ReadCondition};
pub use folder::{CardFolder, FolderError};

use access::{Access, AttemptCounter};

/// The ATR a PC/SC reader synthesises for an ISO/IEC 14443-4 card without historical bytes
/// (PC/SC part 3 §3.1.3.2.3: 3B 8n 80 01 with the check byte). Contactless CCCD chips are
/// seen through it; the kiosk does not tell cards apart by their ATR.
pub const CCCD_ATR: [u8; 5] = [0x3B, 0x80, 0x80, 0x01, 0x01];

/// Behaviours of particular chips in the field that a reader must cope with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChipQuirks {
    /// Answer 6700 to any READ BINARY that asks for exactly 256 bytes (short Le = 00):
    /// "some chips fail reads of 256 bytes" (MISSION.md).
    pub refuse_256_byte_reads: bool,
    /// Answer 6700 to any READ BINARY that asks for more than this many bytes, as a chip
    /// with a small I/O buffer does; the reader must shrink its chunks.
    pub max_read_length: Option<usize>,
}

/// The chip's private keys, PKCS#8 DER, kept for the protocols that use them.
#[derive(Clone, Default)]
pub struct ChipKeys {
    /// For Chip Authentication (ICAO 9303-11 §6.2), matching the public key in DG14.
    pub chip_authentication: Option<Sensitive<Vec<u8>>>,
    /// For Active Authentication (ICAO 9303-11 §6.1), matching the public key in DG15.
    pub active_authentication: Option<Sensitive<Vec<u8>>>,
}

impl fmt::Debug for ChipKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChipKeys")
            .field("chip_authentication", &self.chip_authentication.is_some())
            .field(
                "active_authentication",
                &self.active_authentication.is_some(),
            )
            .finish()
    }
}

/// Everything a chip is made of.
#[derive(Debug, Clone)]
pub struct ChipConfig {
    pub files: ChipFiles,
    /// The card's MRZ: its document number, date of birth and date of expiry make the
    /// BAC key (and, later, the PACE-MRZ password).
    pub mrz: Td1Mrz,
    /// The Card Access Number for PACE-CAN, 6 digits.
    pub can: Option<Sensitive<String>>,
    pub keys: ChipKeys,
    pub quirks: ChipQuirks,
}

/// Which secrets beyond the MRZ the chip was given: a test checks that a folder's keys
/// arrived, before the protocols that use them are offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadedSecrets {
    pub can: bool,
    pub chip_authentication_key: bool,
    pub active_authentication_key: bool,
}

/// The directory the chip has selected (ISO/IEC 7816-4 §7.1): after reset the master
/// file, after SELECT by AID the eMRTD application; and the current EF within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Selection {
    directory: Location,
    file: Option<crate::lds::LdsFile>,
}

impl Selection {
    const AFTER_RESET: Self = Self {
        directory: Location::MasterFile,
        file: None,
    };
}

/// An emulated CCCD chip. See the module documentation.
pub struct CccdChip {
    files: ChipFiles,
    /// The MRZ information of ICAO 9303-11 §9.7.2, the secret BAC's keys come from.
    mrz_information: Zeroizing<String>,
    can: Option<Sensitive<String>>,
    keys: ChipKeys,
    quirks: ChipQuirks,
    access: Access,
    selection: Selection,
    attempts: AttemptCounter,
    random: Box<dyn RandomSource + Send>,
}

impl CccdChip {
    /// A chip drawing its nonces and keys from the operating system.
    pub fn new(config: ChipConfig) -> Self {
        Self {
            files: config.files,
            mrz_information: mrz_information(&config.mrz),
            can: config.can,
            keys: config.keys,
            quirks: config.quirks,
            access: Access::Locked,
            selection: Selection::AFTER_RESET,
            attempts: AttemptCounter::default(),
            random: Box::new(OsRandom),
        }
    }

    /// The same chip with another source of randomness, for reproducible sessions.
    pub fn with_random(mut self, random: Box<dyn RandomSource + Send>) -> Self {
        self.random = random;
        self
    }

    /// What the chip answers to reset.
    pub fn atr(&self) -> Vec<u8> {
        CCCD_ATR.to_vec()
    }

    /// Answers one encoded command APDU with the response APDU's bytes (data, SW1 SW2).
    /// Never panics, whatever the bytes.
    pub fn process_apdu(&mut self, command: &[u8]) -> Vec<u8> {
        self.respond(command)
    }

    /// Power cycle: the session keys, a pending challenge and the selection are lost; the
    /// count of failed attempts is not (it lives in the chip's non-volatile memory).
    pub fn reset(&mut self) {
        self.access = Access::Locked;
        self.selection = Selection::AFTER_RESET;
    }

    /// Failed BAC attempts (EXTERNAL AUTHENTICATE answered 6300) since the chip was made.
    pub fn failed_access_attempts(&self) -> u32 {
        self.attempts.failed()
    }

    pub fn access_state(&self) -> AccessState {
        self.access.state()
    }

    pub fn files(&self) -> &ChipFiles {
        &self.files
    }

    pub fn quirks(&self) -> ChipQuirks {
        self.quirks
    }

    pub fn loaded_secrets(&self) -> LoadedSecrets {
        LoadedSecrets {
            can: self.can.is_some(),
            chip_authentication_key: self.keys.chip_authentication.is_some(),
            active_authentication_key: self.keys.active_authentication.is_some(),
        }
    }
}

impl fmt::Debug for CccdChip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CccdChip")
            .field("access", &self.access)
            .field("selection", &self.selection)
            .field("quirks", &self.quirks)
            .field("failed_access_attempts", &self.attempts.failed())
            .finish_non_exhaustive()
    }
}

/// Document number (padded with `<` to 9), date of birth and date of expiry, each with its
/// check digit (ICAO 9303-11 §9.7.2): the text BAC's key seed is the SHA-1 of. A zone that
/// [`Td1Mrz`] accepted has only MRZ characters, so every check digit exists.
fn mrz_information(mrz: &Td1Mrz) -> Zeroizing<String> {
    let mut number = Zeroizing::new(mrz.document_number().expose().clone());
    while number.len() < 9 {
        number.push('<');
    }
    let birth = mrz.date_of_birth().expose().to_yymmdd();
    let expiry = mrz.date_of_expiry().to_yymmdd();
    let digit = |field: &str| check_digit(field).unwrap_or('<');
    Zeroizing::new(format!(
        "{}{}{birth}{}{expiry}{}",
        number.as_str(),
        digit(&number),
        digit(&birth),
        digit(&expiry)
    ))
}
