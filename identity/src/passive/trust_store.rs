//! The CSCA certificates the kiosk trusts, loaded from a folder.
//!
//! A folder may hold, in any mix:
//! - `*.der`, `*.cer`, `*.crt`: one DER certificate each;
//! - `*.pem`: one or more `CERTIFICATE` blocks;
//! - `*.ml`: ICAO CSCA master lists ([`MasterList`]).
//!
//! **Master-list policy.** A master list's certificates are added only if its own CMS
//! signature verifies under the signer certificate it carries: that proves the file is
//! intact and whole. Whether that signer chains to a CSCA (in the list, or already in the
//! store) is reported in [`FileLoaded::MasterList`] but not required, because trust in a
//! master list comes from the operator who placed it in the trusted folder (downloaded
//! from the ICAO PKD or a state's publication point), not from a key inside the list
//! itself; a list whose signer chains nowhere is worth a warning in the technician view.
//!
//! A bad file never stops the load: each file's outcome is in the [`LoadReport`].

use std::path::{Path, PathBuf};

use x509_cert::ext::pkix::KeyUsages;

use super::certificate::{Certificate, CertificateError};
use super::master_list::{MasterList, MasterListError};

/// The largest file read from the trust folder; published master lists are 1–3 MiB.
pub const MAX_TRUST_FILE_LEN: u64 = 16 * 1024 * 1024;

/// Why the folder as a whole could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the trust folder {path}: {source}")]
pub struct TrustStoreError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// Why one file of the folder was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustFileError {
    #[error("cannot read the file: {0}")]
    Unreadable(String),
    #[error("the file is {len} bytes, more than the {max} accepted")]
    TooLarge { len: u64, max: u64 },
    #[error("the file is not a certificate: {0}")]
    Certificate(CertificateError),
    #[error("the PEM file is malformed: {0}")]
    MalformedPem(String),
    #[error("the PEM file holds no CERTIFICATE block")]
    NoCertificateInPem,
    #[error("the master list was refused: {0}")]
    MasterList(MasterListError),
}

/// What one file added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileLoaded {
    Certificates {
        added: usize,
    },
    MasterList {
        added: usize,
        /// Entries that were not usable certificates.
        rejected: usize,
        signer_chains_to_csca: bool,
    },
}

/// The outcome of every file considered, in name order; other extensions are skipped
/// silently (a README beside the certificates is not an error).
#[derive(Debug, Default)]
pub struct LoadReport {
    pub files: Vec<(PathBuf, Result<FileLoaded, TrustFileError>)>,
}

impl LoadReport {
    pub fn failures(&self) -> impl Iterator<Item = (&Path, &TrustFileError)> {
        self.files.iter().filter_map(|(path, outcome)| {
            outcome.as_ref().err().map(|error| (path.as_path(), error))
        })
    }
}

/// The trusted CSCA certificates.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    cscas: Vec<Certificate>,
}

impl TrustStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding the certificates of `folder` (see the module documentation).
    pub fn from_folder(folder: &Path) -> Result<(Self, LoadReport), TrustStoreError> {
        let mut store = Self::new();
        let report = store.load_folder(folder)?;
        Ok((store, report))
    }

    pub fn certificates(&self) -> &[Certificate] {
        &self.cscas
    }

    pub fn len(&self) -> usize {
        self.cscas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cscas.is_empty()
    }

    pub fn contains(&self, certificate: &Certificate) -> bool {
        self.cscas
            .iter()
            .any(|held| held.to_der() == certificate.to_der())
    }

    /// Adds one certificate; returns whether it was new.
    pub fn add_certificate(&mut self, certificate: Certificate) -> bool {
        if self.contains(&certificate) {
            return false;
        }
        self.cscas.push(certificate);
        true
    }

    /// Adds one DER certificate; returns whether it was new.
    pub fn add_certificate_der(&mut self, der: &[u8]) -> Result<bool, CertificateError> {
        Ok(self.add_certificate(Certificate::from_der(der)?))
    }

    /// The CSCAs that may have issued `certificate`: matching issuer name and, when both
    /// sides carry one, key identifier, and allowed to sign certificates.
    pub fn issuers_of<'a>(
        &'a self,
        certificate: &'a Certificate,
    ) -> impl Iterator<Item = &'a Certificate> {
        self.cscas.iter().filter(move |csca| {
            csca.allows(KeyUsages::KeyCertSign) && certificate.may_be_issued_by(csca)
        })
    }

    /// Adds the certificates of every usable file directly in `folder` (not its
    /// subfolders), in file-name order.
    pub fn load_folder(&mut self, folder: &Path) -> Result<LoadReport, TrustStoreError> {
        let folder_error = |source| TrustStoreError {
            path: folder.to_path_buf(),
            source,
        };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(folder).map_err(folder_error)? {
            let path = entry.map_err(folder_error)?.path();
            if path.is_file() && FileKind::of(&path).is_some() {
                paths.push(path);
            }
        }
        paths.sort();
        let mut report = LoadReport::default();
        for path in paths {
            let outcome = self.load_file(&path);
            report.files.push((path, outcome));
        }
        Ok(report)
    }

    fn load_file(&mut self, path: &Path) -> Result<FileLoaded, TrustFileError> {
        let kind =
            FileKind::of(path).ok_or_else(|| TrustFileError::Unreadable("unknown kind".into()))?;
        let bytes = read_bounded(path)?;
        match kind {
            FileKind::Der => {
                let added = self
                    .add_certificate_der(&bytes)
                    .map_err(TrustFileError::Certificate)?;
                Ok(FileLoaded::Certificates {
                    added: usize::from(added),
                })
            }
            FileKind::Pem => {
                let certificates = certificates_from_pem(&bytes)?;
                let added = certificates
                    .into_iter()
                    .filter(|certificate| self.add_certificate(certificate.clone()))
                    .count();
                Ok(FileLoaded::Certificates { added })
            }
            FileKind::MasterList => {
                let list = MasterList::parse_and_verify(&bytes, &self.cscas)
                    .map_err(TrustFileError::MasterList)?;
                let rejected = list.rejected.len();
                let signer_chains_to_csca = list.signer_chains_to_csca;
                let added = list
                    .certificates
                    .into_iter()
                    .filter(|certificate| self.add_certificate(certificate.clone()))
                    .count();
                Ok(FileLoaded::MasterList {
                    added,
                    rejected,
                    signer_chains_to_csca,
                })
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Der,
    Pem,
    MasterList,
}

impl FileKind {
    fn of(path: &Path) -> Option<Self> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "der" | "cer" | "crt" => Some(Self::Der),
            "pem" => Some(Self::Pem),
            "ml" => Some(Self::MasterList),
            _ => None,
        }
    }
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, TrustFileError> {
    use std::io::Read;
    let file =
        std::fs::File::open(path).map_err(|error| TrustFileError::Unreadable(error.to_string()))?;
    let mut bytes = Vec::new();
    // One byte past the bound tells "too large" from "exactly at the bound".
    file.take(MAX_TRUST_FILE_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| TrustFileError::Unreadable(error.to_string()))?;
    let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if len > MAX_TRUST_FILE_LEN {
        return Err(TrustFileError::TooLarge {
            len,
            max: MAX_TRUST_FILE_LEN,
        });
    }
    Ok(bytes)
}

const PEM_BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const PEM_END: &str = "-----END CERTIFICATE-----";

/// Every `CERTIFICATE` block of a PEM file (RFC 7468 §5), in order; other blocks (keys,
/// CRLs) are ignored.
fn certificates_from_pem(bytes: &[u8]) -> Result<Vec<Certificate>, TrustFileError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|error| TrustFileError::MalformedPem(error.to_string()))?;
    let mut certificates = Vec::new();
    let mut rest = text;
    while let Some((_, after_begin)) = rest.split_once(PEM_BEGIN) {
        let (body, after_end) = after_begin.split_once(PEM_END).ok_or_else(|| {
            TrustFileError::MalformedPem("a CERTIFICATE block is not closed".into())
        })?;
        let block = format!("{PEM_BEGIN}{body}{PEM_END}\n");
        let (label, der) = der::pem::decode_vec(block.as_bytes())
            .map_err(|error| TrustFileError::MalformedPem(error.to_string()))?;
        if label != "CERTIFICATE" {
            return Err(TrustFileError::MalformedPem(format!(
                "unexpected label {label}"
            )));
        }
        certificates.push(Certificate::from_der(&der).map_err(TrustFileError::Certificate)?);
        rest = after_end;
    }
    if certificates.is_empty() {
        return Err(TrustFileError::NoCertificateInPem);
    }
    Ok(certificates)
}
