//! EF.SOD, the document security object (ICAO 9303-10 §4.6.2): a CMS SignedData whose
//! content is the `LDSSecurityObject`, the list of every data group's hash.
//!
//! ```text
//! EF.SOD = [APPLICATION 23] (tag 77) ContentInfo { id-signedData, SignedData {
//!     encapContentInfo { id-icao-mrtd-security-ldsSecurityObject, OCTET STRING {
//!         LDSSecurityObject ::= SEQUENCE {
//!             version LDSSecurityObjectVersion,            -- v0(0), v1(1)
//!             hashAlgorithm DigestAlgorithmIdentifier,
//!             dataGroupHashValues SEQUENCE SIZE (2..ub-DataGroups) OF DataGroupHash,
//!             ldsVersionInfo LDSVersionInfo OPTIONAL }     -- v1 only
//!         DataGroupHash ::= SEQUENCE { dataGroupNumber INTEGER, dataGroupHashValue OCTET STRING }
//!         LDSVersionInfo ::= SEQUENCE { ldsVersion PrintableString, unicodeVersion PrintableString }
//! } } … } }
//! ```

use der::asn1::{OctetString, PrintableString};
use der::{Decode, Sequence};
use spki::AlgorithmIdentifierOwned;

use super::algorithm::{HashAlgorithm, ID_LDS_SECURITY_OBJECT};
use super::signed_data::{CmsError, SignedObject};
use crate::lds::DataGroup;
use crate::tlv::{Tag, Tlv};

/// EF.SOD's tag (ICAO 9303-10 Table 34).
pub const SOD_TAG: u8 = 0x77;
/// The largest EF.SOD accepted. Real ones are 2–5 KiB (a DS certificate and 4–16 hashes);
/// the bound keeps a hostile chip from making the kiosk decode megabytes.
pub const MAX_SOD_LEN: usize = 64 * 1024;
/// ICAO 9303-10 §4.6.2.2: `ub-DataGroups` is 16.
pub const MAX_DATA_GROUP_HASHES: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SodError {
    #[error("EF.SOD is {len} bytes, more than the {max} accepted")]
    TooLarge { len: usize, max: usize },
    #[error("EF.SOD is not one well-formed data object with tag 77: {0}")]
    NotSod(String),
    #[error("EF.SOD's signed data: {0}")]
    Cms(CmsError),
    #[error("the LDS security object is malformed: {0}")]
    MalformedSecurityObject(String),
    #[error("the LDS security object's version {0} is not 0 or 1")]
    UnsupportedVersion(u8),
    #[error("the LDS security object's hash algorithm {0} is not supported")]
    UnsupportedHashAlgorithm(const_oid::ObjectIdentifier),
    #[error("the LDS security object lists {0} data groups, more than 16")]
    TooManyDataGroups(usize),
    #[error("the LDS security object lists data group number {0}, which does not exist")]
    UnknownDataGroup(u32),
    #[error("the LDS security object lists {0:?} twice")]
    DuplicateDataGroup(DataGroup),
    #[error("the hash of {group:?} is {found} bytes, not the {expected} of its algorithm")]
    WrongHashLength {
        group: DataGroup,
        expected: usize,
        found: usize,
    },
}

#[derive(Sequence)]
struct LdsSecurityObjectAsn1 {
    version: u8,
    hash_algorithm: AlgorithmIdentifierOwned,
    data_group_hash_values: Vec<DataGroupHashAsn1>,
    #[asn1(optional = "true")]
    lds_version_info: Option<LdsVersionInfoAsn1>,
}

#[derive(Sequence)]
struct DataGroupHashAsn1 {
    data_group_number: u32,
    data_group_hash_value: OctetString,
}

#[derive(Sequence)]
struct LdsVersionInfoAsn1 {
    lds_version: PrintableString,
    unicode_version: PrintableString,
}

/// The LDS and Unicode versions of an LDS security object v1 (ICAO 9303-10 §4.6.2.2),
/// e.g. `"0108"` and `"040000"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdsVersionInfo {
    pub lds_version: String,
    pub unicode_version: String,
}

/// The signed list of data-group hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdsSecurityObject {
    pub version: u8,
    pub hash_algorithm: HashAlgorithm,
    /// In the order the SOD lists them; each group at most once.
    pub data_group_hashes: Vec<(DataGroup, Vec<u8>)>,
    pub lds_version_info: Option<LdsVersionInfo>,
}

impl LdsSecurityObject {
    /// Decodes the DER `LDSSecurityObject` (the eContent of EF.SOD).
    pub fn from_der(bytes: &[u8]) -> Result<Self, SodError> {
        let asn1 = LdsSecurityObjectAsn1::from_der(bytes)
            .map_err(|error| SodError::MalformedSecurityObject(error.to_string()))?;
        if asn1.version > 1 {
            return Err(SodError::UnsupportedVersion(asn1.version));
        }
        let hash_algorithm = HashAlgorithm::from_oid(&asn1.hash_algorithm.oid)
            .ok_or(SodError::UnsupportedHashAlgorithm(asn1.hash_algorithm.oid))?;
        if asn1.data_group_hash_values.len() > MAX_DATA_GROUP_HASHES {
            return Err(SodError::TooManyDataGroups(
                asn1.data_group_hash_values.len(),
            ));
        }
        let mut data_group_hashes: Vec<(DataGroup, Vec<u8>)> = Vec::new();
        for entry in asn1.data_group_hash_values {
            let group = u8::try_from(entry.data_group_number)
                .ok()
                .and_then(DataGroup::from_number)
                .ok_or(SodError::UnknownDataGroup(entry.data_group_number))?;
            if data_group_hashes.iter().any(|(listed, _)| *listed == group) {
                return Err(SodError::DuplicateDataGroup(group));
            }
            let hash = entry.data_group_hash_value.into_bytes().into_vec();
            if hash.len() != hash_algorithm.output_len() {
                return Err(SodError::WrongHashLength {
                    group,
                    expected: hash_algorithm.output_len(),
                    found: hash.len(),
                });
            }
            data_group_hashes.push((group, hash));
        }
        Ok(Self {
            version: asn1.version,
            hash_algorithm,
            data_group_hashes,
            lds_version_info: asn1.lds_version_info.map(|info| LdsVersionInfo {
                lds_version: info.lds_version.to_string(),
                unicode_version: info.unicode_version.to_string(),
            }),
        })
    }

    /// The hash the SOD lists for `group`, if it lists one.
    pub fn hash_of(&self, group: DataGroup) -> Option<&[u8]> {
        self.data_group_hashes
            .iter()
            .find(|(listed, _)| *listed == group)
            .map(|(_, hash)| hash.as_slice())
    }
}

/// A parsed EF.SOD: its signed data and the security object inside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sod {
    signed: SignedObject,
    security_object: LdsSecurityObject,
}

impl Sod {
    /// Parses EF.SOD exactly as read from the chip (tag 77 included).
    pub fn parse(bytes: &[u8]) -> Result<Self, SodError> {
        if bytes.len() > MAX_SOD_LEN {
            return Err(SodError::TooLarge {
                len: bytes.len(),
                max: MAX_SOD_LEN,
            });
        }
        let outer = Tlv::parse_exact(bytes)
            .and_then(|tlv| tlv.expect_tag(Tag::new(u32::from(SOD_TAG))))
            .map_err(|error| SodError::NotSod(error.to_string()))?;
        let signed =
            SignedObject::parse(outer.value, ID_LDS_SECURITY_OBJECT).map_err(SodError::Cms)?;
        let security_object = LdsSecurityObject::from_der(signed.content())?;
        Ok(Self {
            signed,
            security_object,
        })
    }

    pub fn security_object(&self) -> &LdsSecurityObject {
        &self.security_object
    }

    pub fn signed_data(&self) -> &SignedObject {
        &self.signed
    }

    /// The Document Signer certificate: the one the SignerInfo names, else the first one
    /// embedded (ICAO 9303-10 §4.6.2.3 makes its presence mandatory).
    pub fn document_signer(&self) -> Option<&super::certificate::Certificate> {
        self.signed
            .signer_and_certificate()
            .ok()
            .map(|(_, certificate)| certificate)
            .or_else(|| self.signed.certificates().first())
    }
}
