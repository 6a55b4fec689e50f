//! Sample CCCD cards of synthetic citizens, for tests and the demo.
//!
//! A [`SampleCitizen`] is everything printed on and stored in one card. [`SampleCard::build`]
//! turns it into what a card carries: the QR text (which [`crate::qr::CccdQr::parse`]
//! accepts), the TD1 MRZ, the CAN, and the chip's files — EF.COM, DG1, DG2 (a synthetic
//! portrait, JPEG) and DG13 — encoded by the same [`crate::lds`] code the reader parses
//! with. [`SampleCard::issue`] adds what makes the card verifiable (`security`):
//! EF.CardAccess, DG14 and DG15 with the chip's keys, and EF.SOD signed by a Document
//! Signer. [`SampleCard::write_to`] writes it as a card folder that
//! [`crate::emulator::CardFolder`] loads.
//!
//! [`write_sample_set`] writes a whole test world (`set`): a trust folder with the test
//! CSCA, the genuine card of every sample citizen, and the forged variants (tampered
//! DG13, wrong SOD signature, unknown CSCA, expired signer, cloned chip), each with the
//! check that must catch it.

mod citizens;
pub mod portrait;
mod security;
mod set;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::access_key::expiry::{CardExpiry, card_expiry};
use crate::clone_detection::{EcCurve, KeyError};
use crate::date::CalendarDate;
use crate::emulator::folder::{
    self, ACTIVE_AUTHENTICATION_KEY_FILE, CAN_FILE, CHIP_AUTHENTICATION_KEY_FILE, CHIP_KEYS_DIR,
    MRZ_FILE, QUIRKS_FILE,
};
use crate::emulator::{ChipKeyError, ChipKeys, ChipPrivateKey, ChipQuirks};
use crate::lds::{
    DataGroup, Dg1, Dg2, Dg13, EfCom, FaceImage, ImageFormat, LdsFile, LdsVersion, ParentWrapping,
    UnicodeVersion,
};
use crate::mrz::{MrzError, Td1Mrz, mrz_name_component};
use crate::passive::build::{BuildError, Issued};
use crate::pii::Sensitive;
use crate::qr::{CccdQr, CitizenIdNumber, IdNumberError, QrError, Sex};
use crate::security_info::SecurityInfoError;
use crate::sm::{RandomError, RandomSource};

pub use citizens::sample_citizens;
pub use portrait::{HairStyle, PortraitError, PortraitStyle};
pub use security::{AaAlgorithm, generate_chip_keys};
pub use set::{
    ExpectedFailure, ForgedCard, Forgery, GeneratedCard, MASTER_LIST_FILE, SampleSet,
    TRUSTED_CSCA_FILE, write_sample_set,
};

/// The QR text of the card, in a card folder; the emulator ignores it, the demo shows it.
pub const QR_FILE: &str = "qr.txt";

/// EF.COM's versions: LDS 1.7 and Unicode 4.0.0, as ICAO 9303-10 §4.6.1's example.
const LDS_VERSION: LdsVersion = LdsVersion { major: 1, minor: 7 };
const UNICODE_VERSION: UnicodeVersion = UnicodeVersion {
    major: 4,
    minor: 0,
    release: 0,
};

/// DG13's version INTEGER and OBJECT IDENTIFIER. The OID real cards carry is not published;
/// the samples use 2.999, the arc ITU-T X.660 reserves for examples (DER 88 37).
const DG13_VERSION: u32 = 1;
const DG13_EXAMPLE_OID: [u8; 2] = [0x88, 0x37];

/// One synthetic citizen: everything a card prints and stores. These are made-up people,
/// so the fields are plain strings; the [`Dg13`] built from them wraps them again.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleCitizen {
    pub id_number: String,
    /// The old 9-digit identity card (CMND) number, for those who had one.
    pub old_id_number: Option<String>,
    /// With diacritics, family name first.
    pub full_name: String,
    pub date_of_birth: CalendarDate,
    pub sex: Sex,
    pub ethnicity: String,
    pub religion: String,
    pub place_of_origin: String,
    /// Also the QR code's permanent address.
    pub place_of_residence: String,
    pub identifying_marks: String,
    pub father_name: Option<String>,
    pub mother_name: Option<String>,
    pub spouse_name: Option<String>,
    pub issue_date: CalendarDate,
    /// How DG13 wraps the parents' names (each wrapping is seen on issued cards).
    pub parent_wrapping: ParentWrapping,
    pub portrait: PortraitStyle,
    /// How the chip signs for Active Authentication (DG15).
    pub active_authentication: AaAlgorithm,
}

/// Why a sample card could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum SampleCardError {
    #[error("the sample citizen's ID number: {0}")]
    IdNumber(#[from] IdNumberError),
    #[error(
        "the sample citizen's card would be valid for life (issued at 58 or later); how \
         its MRZ writes that is not known, so choose an earlier issue date"
    )]
    LifetimeCard,
    #[error("the generated MRZ does not read back: {0}")]
    Mrz(#[from] MrzError),
    #[error("the generated QR text is refused by the QR parser: {0}")]
    Qr(#[from] QrError),
    #[error(transparent)]
    Portrait(#[from] PortraitError),
    #[error("a chip key could not be made: {0}")]
    Random(#[from] RandomError),
    #[error("a chip key: {0}")]
    ChipKey(#[from] ChipKeyError),
    #[error("a chip public key: {0}")]
    Key(#[from] KeyError),
    #[error(
        "Chip Authentication keys of the sample cards are on brainpoolP256r1 or P-256, \
         not {0}"
    )]
    ChipAuthenticationCurve(EcCurve),
    #[error("EF.CardAccess or DG14 could not be encoded: {0}")]
    SecurityInfo(#[from] SecurityInfoError),
    #[error("signing: {0}")]
    Signing(#[from] BuildError),
    #[error("today's date is too close to the calendar's limits for a validity window")]
    DateOutOfRange,
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl SampleCitizen {
    pub fn id(&self) -> Result<CitizenIdNumber, SampleCardError> {
        Ok(CitizenIdNumber::parse(&self.id_number)?)
    }

    /// The card's expiry by the renewal ages of the Identity Law ([`card_expiry`]).
    pub fn expiry_date(&self) -> Result<CalendarDate, SampleCardError> {
        match card_expiry(self.date_of_birth, self.issue_date) {
            CardExpiry::On(date) => Ok(date),
            CardExpiry::Never => Err(SampleCardError::LifetimeCard),
        }
    }

    /// The QR code's text: ID, old ID, name, birth `ddmmyyyy`, sex, address, issue date.
    pub fn qr_text(&self) -> String {
        [
            self.id_number.as_str(),
            self.old_id_number.as_deref().unwrap_or_default(),
            &self.full_name,
            &self.date_of_birth.to_ddmmyyyy(),
            self.sex.vietnamese(),
            &self.place_of_residence,
            &self.issue_date.to_ddmmyyyy(),
        ]
        .join("|")
    }

    pub fn mrz(&self) -> Result<Td1Mrz, SampleCardError> {
        Ok(Td1Mrz::for_cccd(
            &self.id()?,
            &self.full_name,
            self.date_of_birth,
            self.sex,
            self.expiry_date()?,
        ))
    }

    /// DG13 as the chip states it, every entry filled that the citizen has.
    pub fn dg13(&self) -> Result<Dg13, SampleCardError> {
        let s = |value: &str| Sensitive::new(value.to_owned());
        let optional = |value: &Option<String>| value.as_deref().map(s);
        Ok(Dg13 {
            version: Some(DG13_VERSION),
            oid: Some(DG13_EXAMPLE_OID.to_vec()),
            id_number: s(&self.id_number),
            full_name: s(&self.full_name),
            date_of_birth: s(&self.date_of_birth.to_dd_mm_yyyy()),
            sex: Some(s(self.sex.vietnamese())),
            nationality: Some(s("Việt Nam")),
            ethnicity: Some(s(&self.ethnicity)),
            religion: Some(s(&self.religion)),
            place_of_origin: Some(s(&self.place_of_origin)),
            place_of_residence: Some(s(&self.place_of_residence)),
            identifying_marks: Some(s(&self.identifying_marks)),
            issue_date: Some(s(&self.issue_date.to_dd_mm_yyyy())),
            expiry_date: Some(s(&self.expiry_date()?.to_dd_mm_yyyy())),
            father_name: optional(&self.father_name),
            mother_name: optional(&self.mother_name),
            spouse_name: optional(&self.spouse_name),
            old_id_number: optional(&self.old_id_number),
            other: Vec::new(),
        })
    }

    /// The name of the citizen's card folder: the MRZ transliteration of the name, e.g.
    /// `nguyen-van-an`.
    pub fn folder_name(&self) -> String {
        mrz_name_component(&self.full_name)
            .to_ascii_lowercase()
            .replace('<', "-")
    }
}

/// One card, ready to be written as a folder.
#[derive(Debug, Clone)]
pub struct SampleCard {
    pub qr_text: String,
    pub mrz: Td1Mrz,
    pub can: String,
    /// The portrait inside DG2, as encoded.
    pub portrait_jpeg: Vec<u8>,
    /// The chip's files, in the order they are written.
    files: Vec<(LdsFile, Vec<u8>)>,
    pub keys: ChipKeys,
    pub quirks: ChipQuirks,
}

impl SampleCard {
    /// The card of `citizen`: QR text, MRZ, CAN, EF.COM, DG1, DG2 and DG13. The QR text
    /// and the MRZ are read back by their parsers before the card is returned.
    pub fn build(citizen: &SampleCitizen) -> Result<Self, SampleCardError> {
        let qr_text = citizen.qr_text();
        CccdQr::parse(&qr_text)?;
        let mrz = citizen.mrz()?;
        let mrz_lines = mrz.to_lines();
        Td1Mrz::parse(&mrz_lines.join("\n"))?;
        let dg1 = Dg1 {
            mrz_lines: Sensitive::new(mrz_lines),
        };

        let portrait_jpeg = citizen.portrait.to_jpeg()?;
        let face = FaceImage {
            format: ImageFormat::Jpeg,
            width: portrait::PORTRAIT_WIDTH as u16,
            height: portrait::PORTRAIT_HEIGHT as u16,
            data: Sensitive::new(portrait_jpeg.clone()),
        };

        let mut card = Self {
            qr_text,
            mrz,
            can: citizen.id()?.can(),
            portrait_jpeg,
            files: Vec::new(),
            keys: ChipKeys::default(),
            quirks: ChipQuirks::default(),
        };
        card.set_file(LdsFile::DataGroup(DataGroup::Dg1), dg1.to_der());
        card.set_file(
            LdsFile::DataGroup(DataGroup::Dg2),
            Dg2::encode_single_face(&face),
        );
        card.set_file(
            LdsFile::DataGroup(DataGroup::Dg13),
            citizen.dg13()?.to_der(citizen.parent_wrapping),
        );
        Ok(card)
    }

    /// The card of `citizen` as issued: [`Self::build`], fresh chip keys (the Chip
    /// Authentication key on brainpoolP256r1, the Active Authentication key the citizen's
    /// chip uses) with EF.CardAccess, DG14 and DG15, and EF.SOD signed by
    /// `document_signer`.
    pub fn issue(
        citizen: &SampleCitizen,
        document_signer: &Issued,
        rng: &mut dyn RandomSource,
    ) -> Result<Self, SampleCardError> {
        let mut card = Self::build(citizen)?;
        card.add_chip_security(generate_chip_keys(citizen.active_authentication, rng)?)?;
        card.sign(&document_signer.certificate, &document_signer.key)?;
        Ok(card)
    }

    /// Stores `bytes` as `file`. Storing a data group rewrites EF.COM to list every data
    /// group the card holds; a forged variant that wants another EF.COM sets it after.
    pub fn set_file(&mut self, file: LdsFile, bytes: Vec<u8>) {
        self.put(file, bytes);
        if let LdsFile::DataGroup(_) = file {
            let ef_com = EfCom {
                lds_version: LDS_VERSION,
                unicode_version: UNICODE_VERSION,
                data_groups: self.data_groups(),
            };
            self.put(LdsFile::Com, ef_com.to_der());
        }
    }

    pub fn file(&self, file: LdsFile) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(stored, _)| *stored == file)
            .map(|(_, bytes)| bytes.as_slice())
    }

    /// The data groups the card holds, in ascending order, as EF.COM lists them.
    pub fn data_groups(&self) -> Vec<DataGroup> {
        let mut groups: Vec<DataGroup> = self
            .files
            .iter()
            .filter_map(|(file, _)| match file {
                LdsFile::DataGroup(group) => Some(*group),
                _ => None,
            })
            .collect();
        groups.sort();
        groups
    }

    fn put(&mut self, file: LdsFile, bytes: Vec<u8>) {
        match self.files.iter_mut().find(|(stored, _)| *stored == file) {
            Some((_, stored)) => *stored = bytes,
            None => self.files.push((file, bytes)),
        }
    }

    /// Writes the card folder at `path` (created if needed; files already there are
    /// replaced, chip keys the card does not have removed, other files left alone).
    pub fn write_to(&self, path: &Path) -> Result<(), SampleCardError> {
        create_dir(path)?;
        for (file, bytes) in &self.files {
            write(&path.join(folder::file_name(*file)), bytes)?;
        }
        write(
            &path.join(MRZ_FILE),
            format!("{}\n", self.mrz.to_lines().join("\n")).as_bytes(),
        )?;
        write(&path.join(CAN_FILE), format!("{}\n", self.can).as_bytes())?;
        write(&path.join(QR_FILE), self.qr_text.as_bytes())?;
        let keys = [
            (
                CHIP_AUTHENTICATION_KEY_FILE,
                self.keys
                    .chip_authentication
                    .clone()
                    .map(ChipPrivateKey::Ec),
            ),
            (
                ACTIVE_AUTHENTICATION_KEY_FILE,
                self.keys.active_authentication.clone(),
            ),
        ];
        let dir = path.join(CHIP_KEYS_DIR);
        for (name, key) in keys {
            match key {
                Some(key) => {
                    create_dir(&dir)?;
                    write(&dir.join(name), &key.to_pkcs8_der()?)?;
                }
                // A card without the key must not keep one from an earlier write.
                None => remove_if_present(&dir.join(name))?,
            }
        }
        let quirks = folder::quirks_text(self.quirks);
        if !quirks.is_empty() {
            write(&path.join(QUIRKS_FILE), quirks.as_bytes())?;
        }
        Ok(())
    }
}

fn create_dir(path: &Path) -> Result<(), SampleCardError> {
    fs::create_dir_all(path).map_err(|source| SampleCardError::Io {
        path: path.to_owned(),
        source,
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), SampleCardError> {
    fs::write(path, bytes).map_err(|source| SampleCardError::Io {
        path: path.to_owned(),
        source,
    })
}

fn remove_if_present(path: &Path) -> Result<(), SampleCardError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(SampleCardError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}
