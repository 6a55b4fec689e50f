//! The CCCD chip in software, for tests and the demo.
//!
//! [`CccdChip`] answers command APDUs as the chip of a Vietnamese ID card does: the eMRTD
//! application selected by AID, EF.CardAccess readable in plain from the master file, the
//! LDS files (EF.COM, the data groups, EF.SOD) readable only under secure messaging after
//! BAC or PACE, READ BINARY with short and extended lengths, Chip Authentication and
//! Active Authentication, and the quirks of cards in the field (MISSION.md): 6D00 to a
//! SELECT of the master file, optionally 6700 to reads of 256 bytes and a small I/O
//! buffer. It uses the same protocol code as the terminal, from the chip's side:
//! [`crate::sm::bac::ChipBac`], [`crate::pace::ChipPace`],
//! [`crate::clone_detection::ChipCaResponder`], [`crate::clone_detection::ChipAaSigner`]
//! and [`crate::sm::ChipSecureMessaging`].
//!
//! How the pieces fit:
//!
//! - [`folder`]: [`CardFolder::load`] builds a chip from a folder of raw files, so a card
//!   made by any tool can be emulated;
//! - [`files`]: the file system and READ BINARY over it;
//! - [`keys`]: the chip's private keys as PKCS#8;
//! - [`protocols`]: what the chip offers, from its EF.CardAccess, DG14 and keys;
//! - [`access`]: the access-control state machine;
//! - `applet` and `authentication`: the commands, one handler each.
//!
//! The kiosk's hardware layer wraps a [`CccdChip`] as a virtual card; this crate does not
//! depend on it.

pub mod access;
mod applet;
mod authentication;
pub mod files;
pub mod folder;
pub mod keys;
pub mod protocols;

use std::fmt;

use zeroize::Zeroizing;

use crate::clone_detection::EcPrivateKey;
use crate::mrz::{Td1Mrz, check_digit};
use crate::pii::Sensitive;
use crate::sm::{OsRandom, RandomSource};

pub use access::{AccessProtocol, AccessState};
pub use files::{ChipFiles, ElementaryFile, Location, ReadCondition};
pub use folder::{CardFolder, FolderError};
pub use keys::{ChipKeyError, ChipPrivateKey};
pub use protocols::OfferedProtocols;

use access::{Access, AttemptCounter};
use protocols::Protocols;

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
    /// Tries PACE allows before the password blocks (BSI TR-03110-3 §B.11.1: each wrong
    /// password answers 63Cx with x tries left, then 6983). `None`, as on CCCD chips,
    /// whose CAN and MRZ are printed on the card: wrong passwords are only counted.
    pub pace_retry_counter: Option<u8>,
}

/// The chip's private keys, kept for the protocols that use them.
#[derive(Clone, Default)]
pub struct ChipKeys {
    /// For Chip Authentication (ICAO 9303-11 §6.2), matching the public key in DG14.
    pub chip_authentication: Option<EcPrivateKey>,
    /// For Active Authentication (ICAO 9303-11 §6.1), matching the public key in DG15.
    pub active_authentication: Option<ChipPrivateKey>,
}

impl fmt::Debug for ChipKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChipKeys")
            .field(
                "chip_authentication",
                &self.chip_authentication.as_ref().map(EcPrivateKey::curve),
            )
            .field("active_authentication", &self.active_authentication)
            .finish()
    }
}

/// Everything a chip is made of.
#[derive(Debug, Clone)]
pub struct ChipConfig {
    pub files: ChipFiles,
    /// The card's MRZ: its document number, date of birth and date of expiry make the
    /// BAC key and the PACE-MRZ password.
    pub mrz: Td1Mrz,
    /// The Card Access Number for PACE-CAN, 6 digits.
    pub can: Option<Sensitive<String>>,
    pub keys: ChipKeys,
    pub quirks: ChipQuirks,
}

/// Which secrets beyond the MRZ the chip was given: a test checks that a folder's keys
/// arrived ([`CccdChip::offered_protocols`] tells what the chip does with them).
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
    protocols: Protocols,
    access: Access,
    selection: Selection,
    attempts: AttemptCounter,
    random: Box<dyn RandomSource + Send>,
}

impl CccdChip {
    /// A chip drawing its nonces and keys from the operating system.
    pub fn new(config: ChipConfig) -> Self {
        let mrz_information = mrz_information(&config.mrz);
        let protocols = Protocols::new(
            &config.files,
            &mrz_information,
            config.can.as_ref(),
            config.keys.chip_authentication.as_ref(),
            config.keys.active_authentication.as_ref(),
            config.quirks.pace_retry_counter,
        );
        Self {
            files: config.files,
            mrz_information,
            can: config.can,
            keys: config.keys,
            quirks: config.quirks,
            protocols,
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

    /// Power cycle: the session keys, a pending challenge or PACE run and the selection
    /// are lost; the count of failed attempts and PACE's tries left are not (they live in
    /// the chip's non-volatile memory).
    pub fn reset(&mut self) {
        self.access = Access::Locked;
        self.selection = Selection::AFTER_RESET;
    }

    /// Failed access attempts since the chip was made: BAC's EXTERNAL AUTHENTICATE and
    /// PACE's mutual authentication answered 6300 (or 63Cx).
    pub fn failed_access_attempts(&self) -> u32 {
        self.attempts.failed()
    }

    /// The tries PACE's password has left, when the chip has a retry counter
    /// ([`ChipQuirks::pace_retry_counter`]).
    pub fn pace_tries_left(&self) -> Option<u8> {
        self.protocols
            .pace
            .as_ref()
            .and_then(|pace| pace.tries_left)
    }

    /// The protocols beyond BAC that the chip answers.
    pub fn offered_protocols(&self) -> OfferedProtocols {
        self.protocols.offered()
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
