//! SecurityInfos: what a chip announces about its security protocols (ICAO 9303-11 §9.2).
//!
//! ```text
//! SecurityInfos ::= SET OF SecurityInfo
//! SecurityInfo  ::= SEQUENCE { protocol OBJECT IDENTIFIER,
//!                              requiredData ANY DEFINED BY protocol,
//!                              optionalData ANY DEFINED BY protocol OPTIONAL }
//! ```
//!
//! EF.CardAccess (read before any access control) is the bare SET and announces PACE;
//! DG14 (tag 6E, signed through the SOD) wraps the same SET and announces Chip
//! Authentication with the chip's public key, and Active Authentication's algorithm. Each
//! SecurityInfo is typed by its OID ([`protocol`]); one the kiosk does not know is kept as
//! [`UnknownSecurityInfo`], never refused, since ICAO lets chips add their own.
//!
//! **Why the crate's [`tlv`] reader rather than `der` derive for the outer structure:** the
//! bytes come from an untrusted chip before any authentication; the `tlv` reader is
//! bounds-checked, depth-limited, copies nothing, reports offsets into the file, and keeps
//! every object's raw encoding (so unknown SecurityInfos re-encode byte for byte). `der`
//! decodes only the two X.509 structures inside (SubjectPublicKeyInfo and
//! AlgorithmIdentifier), whose strict DER the `spki` types already check. Nothing here
//! indexes or unwraps card data, so hostile input ends in a [`SecurityInfoError`].

mod domain;
mod encode;
pub mod protocol;

pub use domain::{EcDomain, StandardDomainParameters, SupportedCurve, explicit_parameters};
pub use protocol::{CaProtocol, KeyAgreement, Mapping, PaceProtocol};

use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::tlv::{self, Tag, Tlv, TlvError, TlvIter};

/// The tag of DG14 (ICAO 9303-10 §4.6.2).
pub const DG14_TAG: Tag = Tag::new(0x6E);

/// Why SecurityInfos could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecurityInfoError {
    #[error(transparent)]
    Tlv(#[from] TlvError),
    #[error("SecurityInfos at offset {offset}: expected {expected}, found tag {found}")]
    UnexpectedTag {
        offset: usize,
        expected: &'static str,
        found: Tag,
    },
    #[error("SecurityInfos at offset {offset}: {what} is missing")]
    Missing { offset: usize, what: &'static str },
    #[error("SecurityInfos at offset {offset}: a data object follows the last field")]
    Trailing { offset: usize },
    #[error("SecurityInfos at offset {offset}: malformed object identifier")]
    Oid { offset: usize },
    #[error("SecurityInfos at offset {offset}: {what} is not a small non-negative INTEGER")]
    Integer { offset: usize, what: &'static str },
    #[error("SecurityInfos at offset {offset}: malformed {what}: {reason}")]
    Der {
        offset: usize,
        what: &'static str,
        reason: String,
    },
    #[error("SecurityInfos cannot be encoded: {0}")]
    Encode(String),
}

/// The SecurityInfos of EF.CardAccess or DG14, in the order the file lists them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecurityInfos {
    infos: Vec<SecurityInfo>,
}

/// One SecurityInfo, typed by its protocol OID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityInfo {
    Pace(PaceInfo),
    PaceDomainParameter(PaceDomainParameterInfo),
    ChipAuthentication(ChipAuthenticationInfo),
    ChipAuthenticationPublicKey(ChipAuthenticationPublicKeyInfo),
    TerminalAuthentication(TerminalAuthenticationInfo),
    ActiveAuthentication(ActiveAuthenticationInfo),
    Unknown(UnknownSecurityInfo),
}

/// PACEInfo (ICAO 9303-11 §9.2.1): a PACE protocol the chip runs, on which group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaceInfo {
    pub protocol: PaceProtocol,
    /// 2 for every current chip (version 1 is deprecated).
    pub version: u32,
    /// The standardized group; absent when a PACEDomainParameterInfo gives it explicitly.
    pub parameter_id: Option<StandardDomainParameters>,
}

/// PACEDomainParameterInfo (ICAO 9303-11 §9.2.2): explicit or proprietary groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaceDomainParameterInfo {
    pub mapping: Mapping,
    pub domain_parameter: AlgorithmIdentifierOwned,
    pub parameter_id: Option<u32>,
}

/// ChipAuthenticationInfo (ICAO 9303-11 §9.2.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipAuthenticationInfo {
    pub protocol: CaProtocol,
    pub version: u32,
    /// Which ChipAuthenticationPublicKeyInfo this is for, when the chip has several.
    pub key_id: Option<KeyId>,
}

/// ChipAuthenticationPublicKeyInfo (ICAO 9303-11 §9.2.7): the chip's static key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipAuthenticationPublicKeyInfo {
    /// id-PK-DH or id-PK-ECDH.
    pub key_agreement: KeyAgreement,
    /// For ECDH: id-ecPublicKey with a named curve or explicit ECParameters, and the
    /// point in the BIT STRING.
    pub key: SubjectPublicKeyInfoOwned,
    pub key_id: Option<KeyId>,
}

/// TerminalAuthenticationInfo (ICAO 9303-11 §9.2.8; BSI TR-03110-3 §A.1.1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalAuthenticationInfo {
    pub version: u32,
    /// The deprecated efCVCA FileID, kept as encoded.
    pub ef_cvca: Option<Vec<u8>>,
}

/// ActiveAuthenticationInfo (ICAO 9303-11 §9.2.5): the signature algorithm of an ECDSA
/// Active Authentication key in DG15 (absent for RSA with ISO/IEC 9796-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveAuthenticationInfo {
    pub version: u32,
    pub signature_algorithm: ObjectIdentifier,
}

/// A SecurityInfo of a protocol this crate does not know, kept as encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSecurityInfo {
    pub oid: ObjectIdentifier,
    pub raw: Vec<u8>,
}

/// A keyId: a non-negative INTEGER, kept as its minimal big-endian magnitude (no sign
/// byte), the form MSE:Set AT puts in DO'84' (ICAO 9303-11 §6.2.4.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyId(Vec<u8>);

impl KeyId {
    pub fn from_u32(value: u32) -> Self {
        Self(encode::minimal_unsigned(&value.to_be_bytes()))
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// The value, if it fits 64 bits.
    pub fn to_u64(&self) -> Option<u64> {
        (self.0.len() <= 8).then(|| {
            self.0
                .iter()
                .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
        })
    }
}

impl ChipAuthenticationPublicKeyInfo {
    /// An ECDH key on `curve` (the uncompressed `point`), with the curve named by OID or,
    /// when `explicit`, spelled out as ECParameters: for the sample-card generator.
    pub fn new_ec(
        curve: SupportedCurve,
        point: &[u8],
        explicit: bool,
        key_id: Option<KeyId>,
    ) -> Result<Self, SecurityInfoError> {
        let parameters = if explicit {
            explicit_parameters(curve)
        } else {
            tlv::encode_tlv(Tag::OBJECT_IDENTIFIER, curve.oid().as_bytes())
        };
        let encode_error = |error: der::Error| SecurityInfoError::Encode(error.to_string());
        let key = SubjectPublicKeyInfoOwned {
            algorithm: AlgorithmIdentifierOwned {
                oid: const_oid::db::rfc5912::ID_EC_PUBLIC_KEY,
                parameters: Some(der::Any::from_der(&parameters).map_err(encode_error)?),
            },
            subject_public_key: der::asn1::BitString::from_bytes(point).map_err(encode_error)?,
        };
        Ok(Self {
            key_agreement: KeyAgreement::Ecdh,
            key,
            key_id,
        })
    }

    /// How the key names its curve; `None` for a DH key or parameters that are neither an
    /// OID nor ECParameters.
    pub fn ec_domain(&self) -> Option<EcDomain> {
        let parameters = self.key.algorithm.parameters.as_ref()?.to_der().ok()?;
        domain::ec_domain(&self.key.algorithm.oid, &parameters)
    }

    /// The public key's bytes: for ECDH the SEC1 point, for DH the encoded INTEGER.
    pub fn public_key_bytes(&self) -> Option<&[u8]> {
        self.key.subject_public_key.as_bytes()
    }
}

impl SecurityInfos {
    pub fn new(infos: Vec<SecurityInfo>) -> Self {
        Self { infos }
    }

    /// EF.CardAccess: exactly one SET.
    pub fn parse_card_access(file: &[u8]) -> Result<Self, SecurityInfoError> {
        Self::from_set(&Tlv::parse_exact(file)?)
    }

    /// DG14: tag 6E around the SET.
    pub fn parse_dg14(file: &[u8]) -> Result<Self, SecurityInfoError> {
        let dg14 = Tlv::parse_exact(file)?;
        expect(&dg14, DG14_TAG, "DG14 (tag 6E)")?;
        let mut content = dg14.children()?;
        let set = content.next().ok_or(SecurityInfoError::Missing {
            offset: dg14.offset(),
            what: "the SET of SecurityInfos",
        })??;
        if let Some(extra) = content.next() {
            return Err(SecurityInfoError::Trailing {
                offset: extra?.offset(),
            });
        }
        Self::from_set(&set)
    }

    fn from_set(set: &Tlv<'_>) -> Result<Self, SecurityInfoError> {
        expect(set, Tag::SET, "a SET of SecurityInfos (tag 31)")?;
        let infos = set
            .children()?
            .map(|info| SecurityInfo::parse(&info?))
            .collect::<Result<_, _>>()?;
        Ok(Self { infos })
    }

    pub fn infos(&self) -> &[SecurityInfo] {
        &self.infos
    }

    pub fn pace(&self) -> impl Iterator<Item = &PaceInfo> {
        self.infos.iter().filter_map(|info| match info {
            SecurityInfo::Pace(pace) => Some(pace),
            _ => None,
        })
    }

    pub fn chip_authentication(&self) -> impl Iterator<Item = &ChipAuthenticationInfo> {
        self.infos.iter().filter_map(|info| match info {
            SecurityInfo::ChipAuthentication(ca) => Some(ca),
            _ => None,
        })
    }

    pub fn chip_authentication_public_keys(
        &self,
    ) -> impl Iterator<Item = &ChipAuthenticationPublicKeyInfo> {
        self.infos.iter().filter_map(|info| match info {
            SecurityInfo::ChipAuthenticationPublicKey(key) => Some(key),
            _ => None,
        })
    }

    pub fn active_authentication(&self) -> Option<&ActiveAuthenticationInfo> {
        self.infos.iter().find_map(|info| match info {
            SecurityInfo::ActiveAuthentication(aa) => Some(aa),
            _ => None,
        })
    }

    pub fn terminal_authentication(&self) -> Option<&TerminalAuthenticationInfo> {
        self.infos.iter().find_map(|info| match info {
            SecurityInfo::TerminalAuthentication(ta) => Some(ta),
            _ => None,
        })
    }

    /// The content of EF.CardAccess: the SET in DER (members sorted, X.690 §11.6).
    pub fn to_der(&self) -> Result<Vec<u8>, SecurityInfoError> {
        let mut members = self
            .infos
            .iter()
            .map(SecurityInfo::to_der)
            .collect::<Result<Vec<_>, _>>()?;
        members.sort();
        Ok(tlv::encode_tlv(Tag::SET, &members.concat()))
    }

    /// The whole of DG14: tag 6E around [`to_der`](Self::to_der).
    pub fn to_dg14(&self) -> Result<Vec<u8>, SecurityInfoError> {
        Ok(tlv::encode_tlv(DG14_TAG, &self.to_der()?))
    }
}

impl SecurityInfo {
    fn parse(info: &Tlv<'_>) -> Result<Self, SecurityInfoError> {
        expect(info, Tag::SEQUENCE, "a SecurityInfo SEQUENCE")?;
        let mut fields = Fields::new(info)?;
        let oid_field = fields.required(Tag::OBJECT_IDENTIFIER, "the protocol OID")?;
        let oid =
            ObjectIdentifier::from_bytes(oid_field.value).map_err(|_| SecurityInfoError::Oid {
                offset: oid_field.offset(),
            })?;
        let parsed = if let Some(protocol) = PaceProtocol::from_oid(&oid) {
            let version = fields.small_integer("the PACEInfo version")?;
            let parameter_id = fields
                .optional_small_integer("the PACE parameterId")?
                .map(StandardDomainParameters::from_id);
            Self::Pace(PaceInfo {
                protocol,
                version,
                parameter_id,
            })
        } else if let Some(mapping) = protocol::pace_mapping_from_oid(&oid) {
            let algorithm = fields.required(Tag::SEQUENCE, "the domain parameters")?;
            Self::PaceDomainParameter(PaceDomainParameterInfo {
                mapping,
                domain_parameter: der_field(&algorithm, "AlgorithmIdentifier")?,
                parameter_id: fields.optional_small_integer("the PACE parameterId")?,
            })
        } else if let Some(protocol) = CaProtocol::from_oid(&oid) {
            Self::ChipAuthentication(ChipAuthenticationInfo {
                protocol,
                version: fields.small_integer("the ChipAuthenticationInfo version")?,
                key_id: fields.optional_key_id()?,
            })
        } else if let Some(key_agreement) = protocol::public_key_agreement(&oid) {
            let key = fields.required(Tag::SEQUENCE, "the SubjectPublicKeyInfo")?;
            Self::ChipAuthenticationPublicKey(ChipAuthenticationPublicKeyInfo {
                key_agreement,
                key: der_field(&key, "SubjectPublicKeyInfo")?,
                key_id: fields.optional_key_id()?,
            })
        } else if oid == protocol::ID_TA {
            Self::TerminalAuthentication(TerminalAuthenticationInfo {
                version: fields.small_integer("the TerminalAuthenticationInfo version")?,
                ef_cvca: fields
                    .optional(Tag::SEQUENCE)?
                    .map(|file_id| file_id.raw.to_vec()),
            })
        } else if oid == protocol::ID_AA {
            let version = fields.small_integer("the ActiveAuthenticationInfo version")?;
            let algorithm = fields.required(Tag::OBJECT_IDENTIFIER, "the signature algorithm")?;
            Self::ActiveAuthentication(ActiveAuthenticationInfo {
                version,
                signature_algorithm: ObjectIdentifier::from_bytes(algorithm.value).map_err(
                    |_| SecurityInfoError::Oid {
                        offset: algorithm.offset(),
                    },
                )?,
            })
        } else {
            return Ok(Self::Unknown(UnknownSecurityInfo {
                oid,
                raw: info.raw.to_vec(),
            }));
        };
        fields.finish()?;
        Ok(parsed)
    }

    /// The SecurityInfo SEQUENCE in DER.
    pub fn to_der(&self) -> Result<Vec<u8>, SecurityInfoError> {
        encode::security_info(self)
    }
}

/// The fields of a SecurityInfo SEQUENCE, read in order.
struct Fields<'a> {
    parent_offset: usize,
    iter: std::iter::Peekable<TlvIter<'a>>,
}

impl<'a> Fields<'a> {
    fn new(parent: &Tlv<'a>) -> Result<Self, SecurityInfoError> {
        Ok(Self {
            parent_offset: parent.offset(),
            iter: parent.children()?.peekable(),
        })
    }

    fn optional(&mut self, tag: Tag) -> Result<Option<Tlv<'a>>, SecurityInfoError> {
        match self.iter.peek() {
            None => Ok(None),
            Some(Err(error)) => Err(error.clone().into()),
            Some(Ok(field)) if field.tag == tag => Ok(self.iter.next().and_then(Result::ok)),
            Some(Ok(_)) => Ok(None),
        }
    }

    fn required(&mut self, tag: Tag, what: &'static str) -> Result<Tlv<'a>, SecurityInfoError> {
        match self.iter.next() {
            None => Err(SecurityInfoError::Missing {
                offset: self.parent_offset,
                what,
            }),
            Some(field) => {
                let field = field?;
                if field.tag == tag {
                    Ok(field)
                } else {
                    Err(SecurityInfoError::UnexpectedTag {
                        offset: field.offset(),
                        expected: what,
                        found: field.tag,
                    })
                }
            }
        }
    }

    fn small_integer(&mut self, what: &'static str) -> Result<u32, SecurityInfoError> {
        let field = self.required(Tag::INTEGER, what)?;
        small_integer(&field, what)
    }

    fn optional_small_integer(
        &mut self,
        what: &'static str,
    ) -> Result<Option<u32>, SecurityInfoError> {
        self.optional(Tag::INTEGER)?
            .map(|field| small_integer(&field, what))
            .transpose()
    }

    fn optional_key_id(&mut self) -> Result<Option<KeyId>, SecurityInfoError> {
        self.optional(Tag::INTEGER)?
            .map(|field| {
                unsigned_magnitude(field.value)
                    .filter(|magnitude| magnitude.len() <= 32)
                    .map(KeyId)
                    .ok_or(SecurityInfoError::Integer {
                        offset: field.offset(),
                        what: "the keyId",
                    })
            })
            .transpose()
    }

    /// No field may follow the ones the protocol defines.
    fn finish(mut self) -> Result<(), SecurityInfoError> {
        match self.iter.next() {
            None => Ok(()),
            Some(field) => Err(SecurityInfoError::Trailing {
                offset: field?.offset(),
            }),
        }
    }
}

fn expect(tlv: &Tlv<'_>, tag: Tag, expected: &'static str) -> Result<(), SecurityInfoError> {
    if tlv.tag == tag {
        Ok(())
    } else {
        Err(SecurityInfoError::UnexpectedTag {
            offset: tlv.offset(),
            expected,
            found: tlv.tag,
        })
    }
}

/// The magnitude of a non-negative INTEGER's content octets, leading zeros removed
/// (empty for zero); `None` for an empty or negative INTEGER.
fn unsigned_magnitude(content: &[u8]) -> Option<Vec<u8>> {
    let first = *content.first()?;
    if first & 0x80 != 0 {
        return None;
    }
    Some(encode::minimal_unsigned(content))
}

fn small_integer(field: &Tlv<'_>, what: &'static str) -> Result<u32, SecurityInfoError> {
    unsigned_magnitude(field.value)
        .filter(|magnitude| magnitude.len() <= 4)
        .map(|magnitude| {
            magnitude
                .iter()
                .fold(0u32, |acc, &b| (acc << 8) | u32::from(b))
        })
        .ok_or(SecurityInfoError::Integer {
            offset: field.offset(),
            what,
        })
}

fn der_field<T: for<'d> Decode<'d, Error = der::Error>>(
    field: &Tlv<'_>,
    what: &'static str,
) -> Result<T, SecurityInfoError> {
    T::from_der(field.raw).map_err(|error| SecurityInfoError::Der {
        offset: field.offset(),
        what,
        reason: error.to_string(),
    })
}

#[cfg(test)]
mod tests;
