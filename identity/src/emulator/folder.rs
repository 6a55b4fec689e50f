//! A card as a folder of raw files, so that a card made by any tool can be emulated.
//!
//! ```text
//! card/
//!   EF.COM  EF.CardAccess  EF.SOD  DG1  DG2 … DG16   the chip's files, bytes as stored
//!   mrz.txt        the MRZ, three lines of 30 (gives the BAC and PACE-MRZ key)
//!   can.txt        the Card Access Number, 6 digits
//!   chip-keys/ca.der   PKCS#8 DER private key for Chip Authentication (DG14's key, EC)
//!   chip-keys/aa.der   PKCS#8 DER private key for Active Authentication (DG15's key,
//!                      EC or RSA)
//!   quirks.txt     one behaviour per line (see below)
//! ```
//!
//! Only `mrz.txt` is required: without it the chip has no access key. Every chip file may
//! be missing (the chip then answers 6A82 to its SELECT) and is taken exactly as stored,
//! unparsed, so a deliberately broken file reaches the reader as it is. Other files in the
//! folder (the generator writes `qr.txt`, the card's printed QR code) are ignored.
//!
//! `quirks.txt`: `#` starts a comment; each other line is one of
//!
//! - `refuse-256-byte-reads`: READ BINARY asking for 256 bytes answers 6700;
//! - `max-read-length N`: READ BINARY asking for more than N bytes answers 6700;
//! - `pace-retry-counter N`: PACE blocks its password after N wrong tries (1 to 15).
//!
//! The chip offers PACE when EF.CardAccess announces it, Chip Authentication when
//! `chip-keys/ca.der` exists, Active Authentication when `chip-keys/aa.der` does; see
//! [`super::protocols`].

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::lds::{DataGroup, LdsFile};
use crate::mrz::{MrzError, Td1Mrz};
use crate::pii::Sensitive;

use super::keys::{ChipKeyError, ChipPrivateKey};
use super::{CccdChip, ChipConfig, ChipFiles, ChipKeys, ChipQuirks};

/// The largest file the loader reads: far above any CCCD file (DG2, the largest, is some
/// 20 KiB), small enough that a wrong folder cannot exhaust memory.
pub const MAX_FILE_BYTES: u64 = 256 * 1024;

pub const MRZ_FILE: &str = "mrz.txt";
pub const CAN_FILE: &str = "can.txt";
pub const QUIRKS_FILE: &str = "quirks.txt";
pub const CHIP_KEYS_DIR: &str = "chip-keys";
/// Chip Authentication's private key, in [`CHIP_KEYS_DIR`].
pub const CHIP_AUTHENTICATION_KEY_FILE: &str = "ca.der";
/// Active Authentication's private key, in [`CHIP_KEYS_DIR`].
pub const ACTIVE_AUTHENTICATION_KEY_FILE: &str = "aa.der";

/// Quirk flags of `quirks.txt`.
pub const QUIRK_REFUSE_256: &str = "refuse-256-byte-reads";
pub const QUIRK_MAX_READ_LENGTH: &str = "max-read-length";
pub const QUIRK_PACE_RETRY_COUNTER: &str = "pace-retry-counter";

/// The name of a chip file in a card folder: `EF.COM`, `EF.CardAccess`, `EF.SOD`, `DG1`
/// … `DG16`.
pub fn file_name(file: LdsFile) -> String {
    match file {
        LdsFile::Com => "EF.COM".to_owned(),
        LdsFile::CardAccess => "EF.CardAccess".to_owned(),
        LdsFile::Sod => "EF.SOD".to_owned(),
        LdsFile::DataGroup(group) => format!("DG{}", group.number()),
    }
}

/// Every chip file a folder may hold.
pub fn chip_files() -> impl Iterator<Item = LdsFile> {
    [LdsFile::Com, LdsFile::CardAccess, LdsFile::Sod]
        .into_iter()
        .chain(DataGroup::ALL.into_iter().map(LdsFile::DataGroup))
}

/// Why a folder is not a card. Each names the file, for the person who made the folder.
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    #[error("{path}: not a folder")]
    NotAFolder { path: PathBuf },
    #[error("{path}: missing; a card folder needs it")]
    Missing { path: PathBuf },
    #[error("{path}: cannot be read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path}: more than {MAX_FILE_BYTES} bytes, larger than any chip file")]
    TooLarge { path: PathBuf },
    #[error("{path}: not UTF-8 text")]
    NotText { path: PathBuf },
    #[error("{path}: not a valid TD1 machine-readable zone: {source}")]
    Mrz {
        path: PathBuf,
        #[source]
        source: MrzError,
    },
    #[error("{path}: a Card Access Number has exactly 6 digits")]
    Can { path: PathBuf },
    #[error("{path}: not a private key the chip can use: {source}")]
    Key {
        path: PathBuf,
        #[source]
        source: ChipKeyError,
    },
    #[error(
        "{path}, line {line}: unknown quirk; known: {QUIRK_REFUSE_256}, \
         {QUIRK_MAX_READ_LENGTH} N, {QUIRK_PACE_RETRY_COUNTER} N"
    )]
    UnknownQuirk { path: PathBuf, line: usize },
    #[error("{path}, line {line}: {QUIRK_MAX_READ_LENGTH} takes a number of bytes from 1 to 65536")]
    BadReadLength { path: PathBuf, line: usize },
    #[error("{path}, line {line}: {QUIRK_PACE_RETRY_COUNTER} takes a number of tries from 1 to 15")]
    BadRetryCounter { path: PathBuf, line: usize },
}

/// Loads card folders.
#[derive(Debug, Clone, Copy)]
pub struct CardFolder;

impl CardFolder {
    /// The chip the folder at `path` describes.
    pub fn load(path: impl AsRef<Path>) -> Result<CccdChip, FolderError> {
        Self::load_config(path).map(CccdChip::new)
    }

    /// What the folder at `path` holds, before it becomes a chip.
    pub fn load_config(path: impl AsRef<Path>) -> Result<ChipConfig, FolderError> {
        let folder = path.as_ref();
        if !folder.is_dir() {
            return Err(FolderError::NotAFolder {
                path: folder.to_owned(),
            });
        }
        let mut files = ChipFiles::new();
        for file in chip_files() {
            if let Some(bytes) = read_optional(&folder.join(file_name(file)))? {
                files.insert(file, bytes);
            }
        }

        let mrz_path = folder.join(MRZ_FILE);
        let mrz_bytes = read_optional(&mrz_path)?.ok_or_else(|| FolderError::Missing {
            path: mrz_path.clone(),
        })?;
        let mrz_text = Sensitive::new(text(&mrz_path, mrz_bytes)?);
        let mrz = Td1Mrz::parse(mrz_text.expose()).map_err(|source| FolderError::Mrz {
            path: mrz_path,
            source,
        })?;

        let can_path = folder.join(CAN_FILE);
        let can = match read_optional(&can_path)? {
            Some(bytes) => Some(can(&can_path, bytes)?),
            None => None,
        };

        let keys_dir = folder.join(CHIP_KEYS_DIR);
        let ca_path = keys_dir.join(CHIP_AUTHENTICATION_KEY_FILE);
        let chip_authentication = private_key(&ca_path)?
            .map(|key| {
                key.into_ec().map_err(|source| FolderError::Key {
                    path: ca_path.clone(),
                    source,
                })
            })
            .transpose()?;
        let keys = ChipKeys {
            chip_authentication,
            active_authentication: private_key(&keys_dir.join(ACTIVE_AUTHENTICATION_KEY_FILE))?,
        };

        let quirks_path = folder.join(QUIRKS_FILE);
        let quirks = match read_optional(&quirks_path)? {
            Some(bytes) => parse_quirks(&quirks_path, &text(&quirks_path, bytes)?)?,
            None => ChipQuirks::default(),
        };

        Ok(ChipConfig {
            files,
            mrz,
            can,
            keys,
            quirks,
        })
    }
}

/// The bytes of `path`, `None` if it does not exist, refused beyond [`MAX_FILE_BYTES`].
fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, FolderError> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(FolderError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    let io_error = |source| FolderError::Io {
        path: path.to_owned(),
        source,
    };
    // Read one byte past the limit rather than trusting the metadata's size, which a
    // special file (a pipe, /dev/zero) does not report.
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if u64::try_from(bytes.len()).map_or(true, |len| len > MAX_FILE_BYTES) {
        return Err(FolderError::TooLarge {
            path: path.to_owned(),
        });
    }
    Ok(Some(bytes))
}

fn text(path: &Path, bytes: Vec<u8>) -> Result<String, FolderError> {
    String::from_utf8(bytes).map_err(|_| FolderError::NotText {
        path: path.to_owned(),
    })
}

fn can(path: &Path, bytes: Vec<u8>) -> Result<Sensitive<String>, FolderError> {
    let text = Sensitive::new(text(path, bytes)?);
    let digits = text.expose().trim();
    if digits.len() == 6 && digits.bytes().all(|byte| byte.is_ascii_digit()) {
        Ok(Sensitive::new(digits.to_owned()))
    } else {
        Err(FolderError::Can {
            path: path.to_owned(),
        })
    }
}

/// A private key file: PKCS#8 DER (RFC 5208 §5), EC or RSA ([`ChipPrivateKey`]).
fn private_key(path: &Path) -> Result<Option<ChipPrivateKey>, FolderError> {
    let Some(bytes) = read_optional(path)? else {
        return Ok(None);
    };
    let bytes = Sensitive::new(bytes);
    ChipPrivateKey::from_pkcs8_der(bytes.expose())
        .map(Some)
        .map_err(|source| FolderError::Key {
            path: path.to_owned(),
            source,
        })
}

fn parse_quirks(path: &Path, text: &str) -> Result<ChipQuirks, FolderError> {
    let mut quirks = ChipQuirks::default();
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        let content = line.split('#').next().unwrap_or_default().trim();
        let mut words = content.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (None, _, _) => {}
            (Some(QUIRK_REFUSE_256), None, _) => quirks.refuse_256_byte_reads = true,
            (Some(QUIRK_MAX_READ_LENGTH), Some(value), None) => {
                let length = value
                    .parse::<usize>()
                    .ok()
                    .filter(|length| (1..=0x1_0000).contains(length))
                    .ok_or_else(|| FolderError::BadReadLength {
                        path: path.to_owned(),
                        line: line_number,
                    })?;
                quirks.max_read_length = Some(length);
            }
            (Some(QUIRK_MAX_READ_LENGTH), _, _) => {
                return Err(FolderError::BadReadLength {
                    path: path.to_owned(),
                    line: line_number,
                });
            }
            (Some(QUIRK_PACE_RETRY_COUNTER), value, None) => {
                // 63Cx has four bits for the tries left (BSI TR-03110-3 §B.11.1).
                let tries = value
                    .and_then(|value| value.parse::<u8>().ok())
                    .filter(|tries| (1..=15).contains(tries))
                    .ok_or_else(|| FolderError::BadRetryCounter {
                        path: path.to_owned(),
                        line: line_number,
                    })?;
                quirks.pace_retry_counter = Some(tries);
            }
            (Some(QUIRK_PACE_RETRY_COUNTER), _, _) => {
                return Err(FolderError::BadRetryCounter {
                    path: path.to_owned(),
                    line: line_number,
                });
            }
            _ => {
                return Err(FolderError::UnknownQuirk {
                    path: path.to_owned(),
                    line: line_number,
                });
            }
        }
    }
    Ok(quirks)
}

/// Writes quirks in the format [`CardFolder`] reads, for the sample-card generator.
pub fn quirks_text(quirks: ChipQuirks) -> String {
    let mut text = String::new();
    if quirks.refuse_256_byte_reads {
        text.push_str(QUIRK_REFUSE_256);
        text.push('\n');
    }
    if let Some(length) = quirks.max_read_length {
        text.push_str(&format!("{QUIRK_MAX_READ_LENGTH} {length}\n"));
    }
    if let Some(tries) = quirks.pace_retry_counter {
        text.push_str(&format!("{QUIRK_PACE_RETRY_COUNTER} {tries}\n"));
    }
    text
}
