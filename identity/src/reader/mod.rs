//! Reading a CCCD chip: access control with the keys the kiosk has, then the files.
//!
//! The order follows ICAO 9303-11 §4.2: EF.CardAccess is read in plain first, because it
//! says whether the chip offers PACE; then the eMRTD application is selected and access
//! control opens secure messaging; then EF.COM names the data groups, which are read one by
//! one under secure messaging. The caller drives the session ([`ChipSession`]) so that Chip
//! Authentication can re-key it between files, or uses [`ChipSession::read_all`].
//!
//! Access keys are tried most likely first (the CAN before MRZ keys with guessed expiry
//! dates): every wrong key counts against the chip, which slows or locks itself after a few.

mod error;
mod files;

use std::collections::BTreeMap;

use crate::access_key::AccessKey;
use crate::emrtd;
use crate::lds::{DataGroup, EfCom, LdsFile};
use crate::pace::{self, PaceError, PacePassword};
use crate::security_info::{PaceInfo, SecurityInfos};
use crate::sm::bac::{self, BacError, BacKeys};
use crate::sm::{RandomSource, SecureMessaging, SmTransport};
use crate::transport::{self, CardTransport};

pub use error::{ReadError, ReadFailure};
pub use files::{ChunkPolicy, EXTENDED_CHUNK, SHORT_CHUNK};

use files::{Exchange, Plain, read_file};

/// The largest file the reader accepts. A CCCD portrait is 15–25 KB; anything near this
/// is a hostile length, and refusing it keeps memory bounded.
pub const MAX_FILE_LEN: usize = 128 * 1024;

/// The data groups the kiosk reads when EF.COM lists them. DG3 and DG4 (fingerprints,
/// iris) need Extended Access Control, which the kiosk does not have and does not want.
pub const READ_DATA_GROUPS: [DataGroup; 5] = [
    DataGroup::Dg1,
    DataGroup::Dg2,
    DataGroup::Dg13,
    DataGroup::Dg14,
    DataGroup::Dg15,
];

/// How the chip was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessMethod {
    /// PACE with the card access number (the last 6 digits of the ID number).
    PaceCan,
    /// PACE with a key from the machine-readable zone.
    PaceMrz,
    /// Basic Access Control, for chips without PACE.
    Bac,
}

/// Where a read is, for the progress bar ("keep the card still").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadStep {
    OpeningChip,
    Reading {
        file: LdsFile,
        done: usize,
        total: usize,
    },
    /// The chip proves it is no copy (Chip or Active Authentication).
    CheckingChip,
}

/// Options of a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// The reader (and the card) take extended-length APDUs.
    pub extended_length: bool,
}

/// A chip with secure messaging open and the eMRTD application selected.
pub struct ChipSession<'a> {
    link: SmTransport<'a>,
    policy: ChunkPolicy,
    access: AccessMethod,
    card_access: Option<Vec<u8>>,
}

impl std::fmt::Debug for ChipSession<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChipSession")
            .field("access", &self.access)
            .field("chunk", &self.policy.chunk())
            .finish_non_exhaustive()
    }
}

/// Everything read from a chip, raw, as passive authentication needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipReadout {
    pub access: AccessMethod,
    pub card_access: Option<Vec<u8>>,
    pub com: Vec<u8>,
    pub data_groups: BTreeMap<DataGroup, Vec<u8>>,
    pub sod: Vec<u8>,
}

impl<'a> ChipSession<'a> {
    /// Opens the chip with the first of `keys` it accepts.
    pub fn open(
        transport: &'a mut dyn CardTransport,
        keys: &[AccessKey],
        options: ReadOptions,
        random: &mut dyn RandomSource,
    ) -> Result<Self, ReadError> {
        if keys.is_empty() {
            return Err(ReadError::NoAccessKey);
        }
        let mut policy = ChunkPolicy::new(options.extended_length);
        let card_access = read_card_access(transport, &mut policy)?;
        let pace = card_access
            .as_deref()
            .and_then(|file| SecurityInfos::parse_card_access(file).ok())
            .and_then(|infos| pace::choose(&infos).ok());

        let (sm, access) = match pace {
            // ICAO 9303-11 §4.2: a chip that offers PACE is opened with PACE; BAC with the
            // same MRZ would fail for the same reason a PACE-MRZ attempt did, so a refused
            // key is not retried with BAC.
            Some(info) => {
                let (sm, access) = open_with_pace(transport, &info, keys, random)?;
                let mut link = SmTransport::new(transport, sm);
                let selected = link.exchange(&emrtd::select_application())?;
                if !selected.status.is_success() {
                    return Err(ReadError::NotAnEmrtd(selected.status));
                }
                return Ok(Self {
                    link,
                    policy,
                    access,
                    card_access,
                });
            }
            None => {
                let selected = transport::send(transport, &emrtd::select_application())?;
                if !selected.status.is_success() {
                    return Err(ReadError::NotAnEmrtd(selected.status));
                }
                (open_with_bac(transport, keys, random)?, AccessMethod::Bac)
            }
        };
        Ok(Self {
            link: SmTransport::new(transport, sm),
            policy,
            access,
            card_access,
        })
    }

    pub fn access_method(&self) -> AccessMethod {
        self.access
    }

    /// EF.CardAccess as read before access control, if the chip has one.
    pub fn card_access(&self) -> Option<&[u8]> {
        self.card_access.as_deref()
    }

    /// The secure channel, for protocols that run on it (Chip and Active Authentication).
    pub fn secure_channel(&mut self) -> &mut SmTransport<'a> {
        &mut self.link
    }

    /// Reads one file under secure messaging.
    pub fn read(
        &mut self,
        file: LdsFile,
        mut progress: impl FnMut(ReadStep),
    ) -> Result<Vec<u8>, ReadError> {
        read_file(
            &mut self.link,
            file,
            &mut self.policy,
            MAX_FILE_LEN,
            |done, total| progress(ReadStep::Reading { file, done, total }),
        )
    }

    /// Reads EF.COM, every data group of [`READ_DATA_GROUPS`] it lists, and EF.SOD.
    pub fn read_all(
        mut self,
        mut progress: impl FnMut(ReadStep),
    ) -> Result<ChipReadout, ReadError> {
        let com = self.read(LdsFile::Com, &mut progress)?;
        let listed = EfCom::parse(&com).map_err(ReadError::EfCom)?;
        let mut data_groups = BTreeMap::new();
        for group in READ_DATA_GROUPS {
            if listed.lists(group) {
                let bytes = self.read(LdsFile::DataGroup(group), &mut progress)?;
                data_groups.insert(group, bytes);
            }
        }
        let sod = self.read(LdsFile::Sod, &mut progress)?;
        Ok(ChipReadout {
            access: self.access,
            card_access: self.card_access,
            com,
            data_groups,
            sod,
        })
    }
}

/// EF.CardAccess lives under the master file and is readable without access control
/// (ICAO 9303-10 §3.11.2); it is selected by its identifier directly, because some CCCD
/// chips answer 6D00 to selecting the master file itself.
fn read_card_access(
    transport: &mut dyn CardTransport,
    policy: &mut ChunkPolicy,
) -> Result<Option<Vec<u8>>, ReadError> {
    let mut plain = Plain(transport);
    match read_file(
        &mut plain,
        LdsFile::CardAccess,
        policy,
        MAX_FILE_LEN,
        |_, _| {},
    ) {
        Ok(bytes) => Ok(Some(bytes)),
        // A chip without PACE has no EF.CardAccess, or refuses it before the application
        // is selected; either way the reader goes on with BAC.
        Err(ReadError::FileNotFound { .. } | ReadError::FileRefused { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

/// Tries each key with PACE, the CAN first, until the chip accepts one. Stops at once when
/// the chip says its password is nearly or fully blocked: a citizen's card must never be
/// locked by the kiosk's guessing.
fn open_with_pace(
    transport: &mut dyn CardTransport,
    info: &PaceInfo,
    keys: &[AccessKey],
    random: &mut dyn RandomSource,
) -> Result<(SecureMessaging, AccessMethod), ReadError> {
    let mut attempts = 0;
    for key in keys {
        let Some(password) = PacePassword::from_access_key(key) else {
            continue;
        };
        let access = match key {
            AccessKey::Can(_) => AccessMethod::PaceCan,
            AccessKey::Mrz { .. } => AccessMethod::PaceMrz,
        };
        attempts += 1;
        match pace::establish(transport, info, &password, random) {
            Ok(sm) => return Ok((sm, access)),
            Err(PaceError::WrongAccessKey {
                remaining_tries: None | Some(2..),
            }) => continue,
            Err(PaceError::WrongAccessKey { .. })
            | Err(PaceError::PasswordSuspended { .. })
            | Err(PaceError::PasswordBlocked) => {
                return Err(ReadError::AccessDenied { attempts });
            }
            Err(PaceError::Send(error)) => return Err(error.into()),
            Err(other) => return Err(ReadError::Pace(other)),
        }
    }
    Err(ReadError::AccessDenied { attempts })
}

/// Tries each MRZ key with BAC until the chip accepts one.
fn open_with_bac(
    transport: &mut dyn CardTransport,
    keys: &[AccessKey],
    random: &mut dyn RandomSource,
) -> Result<SecureMessaging, ReadError> {
    let mut attempts = 0;
    for key in keys {
        // BAC only knows MRZ keys; a CAN opens a chip through PACE alone.
        let Some(information) = key.mrz_information() else {
            continue;
        };
        attempts += 1;
        match bac::establish(
            transport,
            BacKeys::from_mrz_information(&information),
            random,
        ) {
            Ok(sm) => return Ok(sm),
            Err(BacError::AccessDenied(_)) => continue,
            Err(BacError::Send(error)) => return Err(error.into()),
            Err(other) => return Err(ReadError::Bac(other)),
        }
    }
    Err(ReadError::AccessDenied { attempts })
}
