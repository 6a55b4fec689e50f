//! The signing side of passive authentication: a test PKI (CSCA → Document Signer, and a
//! Master List Signer), EF.SOD and CSCA master lists. The card generator and the emulator
//! use it to make sample cards and their forged variants; the tests use it to exercise
//! every failure of [`verify_sod`](super::verify_sod).
//!
//! Certificates follow the ICAO 9303-12 §7.1 profile in its essentials: CSCA self-signed
//! with keyCertSign/cRLSign and basicConstraints CA (path length 0); Document Signer with
//! digitalSignature and the CSCA's key identifier; Master List Signer with the
//! `id-icao-cscaMasterListSigningKey` extended key usage. Nothing here is a real authority.

use std::str::FromStr;
use std::time::SystemTime;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, BitString, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, Encode, Sequence};
use ecdsa::signature::{Keypair, Signer};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::attr::Attribute;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use super::algorithm::{
    HashAlgorithm, ID_CONTENT_TYPE, ID_CSCA_MASTER_LIST, ID_LDS_SECURITY_OBJECT, ID_MESSAGE_DIGEST,
    ID_SIGNED_DATA, ID_SIGNING_TIME,
};
use super::certificate::{Certificate, CertificateError};
pub use super::signing_key::{KeyAlgorithm, KeyError, SigningKey};
use super::sod::SOD_TAG;
use crate::date::CalendarDate;
use crate::lds::DataGroup;
use crate::sm::random::RandomSource;
use crate::tlv::{Tag, encode_tlv};

/// `id-icao-mrtd-security-cscaMasterListSigningKey` (ICAO 9303-12 §8).
const ID_CSCA_MASTER_LIST_SIGNING_KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.23.136.1.1.3");

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("encoding failed: {0}")]
    Encoding(String),
    #[error("the certificate could not be built: {0}")]
    Certificate(String),
    #[error("the built certificate does not parse: {0}")]
    Parse(CertificateError),
    #[error("the validity window ends before it starts")]
    EmptyValidity,
    #[error("{0:?} is given twice")]
    DuplicateDataGroup(DataGroup),
}

fn encoding(error: impl std::fmt::Display) -> BuildError {
    BuildError::Encoding(error.to_string())
}

/// A certificate's validity in whole days: from 00:00:00 UTC on `not_before` to
/// 23:59:59 UTC on `not_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidityWindow {
    pub not_before: CalendarDate,
    pub not_after: CalendarDate,
}

impl ValidityWindow {
    /// From `days_before` days before `today` to `days_after` days after it.
    pub fn around(today: CalendarDate, days_before: i64, days_after: i64) -> Option<Self> {
        Some(Self {
            not_before: today.add_days(-days_before)?,
            not_after: today.add_days(days_after)?,
        })
    }

    fn to_x509(self) -> Result<Validity, BuildError> {
        if self.not_after < self.not_before {
            return Err(BuildError::EmptyValidity);
        }
        let time = |date: CalendarDate, hour, minute, second| {
            der::DateTime::new(date.year(), date.month(), date.day(), hour, minute, second)
                .map(Time::from)
                .map_err(encoding)
        };
        Ok(Validity::new(
            time(self.not_before, 0, 0, 0)?,
            time(self.not_after, 23, 59, 59)?,
        ))
    }
}

/// 1 January 1970, checked at compile time (`CalendarDate::new` is `const`).
const UNIX_EPOCH_DATE: CalendarDate = match CalendarDate::new(1970, 1, 1) {
    Ok(date) => date,
    Err(_) => panic!("1 January 1970 is a date"),
};

/// Today's date in UTC by the system clock (1 January 1970 if the clock is before it).
pub fn today_utc() -> CalendarDate {
    let days = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|since| i64::try_from(since.as_secs() / 86_400).unwrap_or(0))
        .unwrap_or(0);
    UNIX_EPOCH_DATE.add_days(days).unwrap_or(UNIX_EPOCH_DATE)
}

/// A certificate with its private key.
#[derive(Debug, Clone)]
pub struct Issued {
    pub certificate: Certificate,
    pub key: SigningKey,
}

/// What a certificate is for; decides its extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Csca,
    DocumentSigner,
    MasterListSigner,
}

/// How to make a test PKI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkiOptions {
    /// ISO 3166-1 alpha-2, e.g. `VN`.
    pub country: String,
    pub key_algorithm: KeyAlgorithm,
    pub csca_validity: ValidityWindow,
    pub document_signer_validity: ValidityWindow,
}

impl PkiOptions {
    /// A CSCA valid from a year ago for 15 years, a Document Signer from a month ago for
    /// 10 years (ICAO 9303-12 §5 key-usage periods plus document validity).
    pub fn new(country: &str) -> Self {
        let today = today_utc();
        let fallback = ValidityWindow {
            not_before: today,
            not_after: today,
        };
        Self {
            country: country.to_owned(),
            key_algorithm: KeyAlgorithm::default(),
            csca_validity: ValidityWindow::around(today, 365, 15 * 365).unwrap_or(fallback),
            document_signer_validity: ValidityWindow::around(today, 30, 10 * 365)
                .unwrap_or(fallback),
        }
    }
}

/// A CSCA, a Document Signer it issued, and a Master List Signer it issued.
#[derive(Debug, Clone)]
pub struct TestPki {
    pub country: String,
    pub csca: Issued,
    pub document_signer: Issued,
    pub master_list_signer: Issued,
}

impl TestPki {
    /// A PKI for `country` with the default options ([`PkiOptions::new`]).
    pub fn generate(country: &str, rng: &mut dyn RandomSource) -> Result<Self, BuildError> {
        Self::generate_with(&PkiOptions::new(country), rng)
    }

    pub fn generate_with(
        options: &PkiOptions,
        rng: &mut dyn RandomSource,
    ) -> Result<Self, BuildError> {
        let country = options.country.clone();
        let csca_key = SigningKey::generate(options.key_algorithm, rng)?;
        let csca_name = name(&country, &format!("CSCA TEST {}", country_name(&country)))?;
        let csca_certificate = issue(
            Role::Csca,
            csca_name.clone(),
            &csca_key.public_key_info()?,
            options.csca_validity,
            None,
            &csca_key,
            rng,
        )?;
        let csca = Issued {
            certificate: csca_certificate,
            key: csca_key,
        };
        let mut pki = Self {
            document_signer: csca.clone(),
            master_list_signer: csca.clone(),
            csca,
            country,
        };
        pki.document_signer = pki.issue(
            Role::DocumentSigner,
            "Document Signer TEST",
            options.key_algorithm,
            options.document_signer_validity,
            rng,
        )?;
        pki.master_list_signer = pki.issue(
            Role::MasterListSigner,
            "Master List Signer TEST",
            options.key_algorithm,
            options.csca_validity,
            rng,
        )?;
        Ok(pki)
    }

    /// A new key and a certificate for it issued by this PKI's CSCA: e.g. an expired
    /// Document Signer for a forged card.
    pub fn issue(
        &self,
        role: Role,
        common_name: &str,
        key_algorithm: KeyAlgorithm,
        validity: ValidityWindow,
        rng: &mut dyn RandomSource,
    ) -> Result<Issued, BuildError> {
        let key = SigningKey::generate(key_algorithm, rng)?;
        let certificate = issue(
            role,
            name(&self.country, common_name)?,
            &key.public_key_info()?,
            validity,
            Some(&self.csca.certificate),
            &self.csca.key,
            rng,
        )?;
        Ok(Issued { certificate, key })
    }
}

fn country_name(code: &str) -> &str {
    match code {
        "VN" => "Vietnam",
        other => other,
    }
}

fn name(country: &str, common_name: &str) -> Result<Name, BuildError> {
    // RFC 4514 strings list the last RDN first: this is C, O, CN in the certificate.
    let text = format!("CN={common_name},O=Test PKI not a real authority,C={country}");
    Name::from_str(&text).map_err(encoding)
}

/// The certificate extensions for each role.
struct IcaoProfile {
    role: Role,
    subject: Name,
    issuer: Option<(Name, Vec<u8>)>,
}

impl BuilderProfile for IcaoProfile {
    fn get_issuer(&self, subject: &Name) -> Name {
        self.issuer
            .as_ref()
            .map_or_else(|| subject.clone(), |(issuer, _)| issuer.clone())
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &x509_cert::TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let subject = tbs.subject();
        let mut extensions = Vec::new();
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        let authority_key = match &self.issuer {
            Some((_, issuer_ski)) => OctetString::new(issuer_ski.clone())?,
            None => ski.0.clone(),
        };
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(authority_key),
            ..Default::default()
        };
        extensions.push(aki.to_extension(subject, &extensions)?);
        extensions.push(ski.to_extension(subject, &extensions)?);
        let usage = match self.role {
            Role::Csca => KeyUsages::KeyCertSign | KeyUsages::CRLSign,
            Role::DocumentSigner | Role::MasterListSigner => KeyUsages::DigitalSignature.into(),
        };
        extensions.push(KeyUsage(usage).to_extension(subject, &extensions)?);
        match self.role {
            Role::Csca => {
                let constraints = BasicConstraints {
                    ca: true,
                    path_len_constraint: Some(0),
                };
                extensions.push(constraints.to_extension(subject, &extensions)?);
            }
            Role::MasterListSigner => {
                let usage = ExtendedKeyUsage(vec![ID_CSCA_MASTER_LIST_SIGNING_KEY]);
                extensions.push(usage.to_extension(subject, &extensions)?);
            }
            Role::DocumentSigner => {}
        }
        Ok(extensions)
    }
}

/// Adapts a [`SigningKey`] to the certificate builder's signer traits.
struct CertificateSigner<'a> {
    key: &'a SigningKey,
    public_key: SubjectPublicKeyInfoOwned,
}

#[derive(Clone)]
struct PublicKey(SubjectPublicKeyInfoOwned);

impl spki::EncodePublicKey for PublicKey {
    fn to_public_key_der(&self) -> spki::Result<der::Document> {
        Ok(der::Document::encode_msg(&self.0)?)
    }
}

struct SignatureBytes(Vec<u8>);

impl spki::SignatureBitStringEncoding for SignatureBytes {
    fn to_bitstring(&self) -> der::Result<BitString> {
        BitString::from_bytes(&self.0)
    }
}

impl Keypair for CertificateSigner<'_> {
    type VerifyingKey = PublicKey;

    fn verifying_key(&self) -> PublicKey {
        PublicKey(self.public_key.clone())
    }
}

impl spki::DynSignatureAlgorithmIdentifier for CertificateSigner<'_> {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(self.key.signature_algorithm(HashAlgorithm::Sha256))
    }
}

impl Signer<SignatureBytes> for CertificateSigner<'_> {
    fn try_sign(&self, message: &[u8]) -> Result<SignatureBytes, ecdsa::signature::Error> {
        self.key
            .sign(HashAlgorithm::Sha256, message)
            .map(SignatureBytes)
            .map_err(|_| ecdsa::signature::Error::new())
    }
}

fn issue(
    role: Role,
    subject: Name,
    subject_key: &SubjectPublicKeyInfoOwned,
    validity: ValidityWindow,
    issuer: Option<&Certificate>,
    issuer_key: &SigningKey,
    rng: &mut dyn RandomSource,
) -> Result<Certificate, BuildError> {
    let issuer = match issuer {
        Some(certificate) => Some((
            certificate.subject().clone(),
            certificate.subject_key_identifier().ok_or_else(|| {
                BuildError::Certificate("the issuer has no key identifier".into())
            })?,
        )),
        None => None,
    };
    // RFC 5280 §4.1.2.2: positive, at most 20 bytes; 16 random bytes, top bit clear.
    let mut serial = [0u8; 16];
    rng.fill(&mut serial).map_err(KeyError::from)?;
    serial[0] = (serial[0] & 0x7F) | 0x01;
    let serial = SerialNumber::new(&serial).map_err(encoding)?;
    let profile = IcaoProfile {
        role,
        subject,
        issuer,
    };
    let builder =
        CertificateBuilder::new(profile, serial, validity.to_x509()?, subject_key.clone())
            .map_err(|error| BuildError::Certificate(error.to_string()))?;
    let signer = CertificateSigner {
        key: issuer_key,
        public_key: issuer_key.public_key_info()?,
    };
    let certificate = builder
        .build::<_, SignatureBytes>(&signer)
        .map_err(|error| BuildError::Certificate(error.to_string()))?;
    Certificate::from_der(&certificate.to_der().map_err(encoding)?).map_err(BuildError::Parse)
}

#[derive(Sequence)]
struct LdsSecurityObjectV0 {
    version: u8,
    hash_algorithm: AlgorithmIdentifierOwned,
    data_group_hash_values: Vec<DataGroupHash>,
}

#[derive(Sequence)]
struct DataGroupHash {
    data_group_number: u8,
    data_group_hash_value: OctetString,
}

/// EF.SOD (tag 77) over `data_groups` (each file's bytes as the chip will return them):
/// an LDS security object v0 hashed with `hash`, signed by `signer_key` with signed
/// attributes content-type, signing-time and message-digest (ICAO 9303-10 §4.6.2).
pub fn build_sod(
    hash: HashAlgorithm,
    data_groups: &[(DataGroup, &[u8])],
    signer_certificate: &Certificate,
    signer_key: &SigningKey,
) -> Result<Vec<u8>, BuildError> {
    let mut hashes: Vec<DataGroupHash> = Vec::new();
    for (group, bytes) in data_groups {
        if hashes
            .iter()
            .any(|listed| listed.data_group_number == group.number())
        {
            return Err(BuildError::DuplicateDataGroup(*group));
        }
        hashes.push(DataGroupHash {
            data_group_number: group.number(),
            data_group_hash_value: OctetString::new(hash.digest(bytes)).map_err(encoding)?,
        });
    }
    let security_object = LdsSecurityObjectV0 {
        version: 0,
        hash_algorithm: digest_algorithm(hash),
        data_group_hash_values: hashes,
    };
    let content = security_object.to_der().map_err(encoding)?;
    let content_info = build_signed_data(
        ID_LDS_SECURITY_OBJECT,
        &content,
        hash,
        signer_certificate,
        signer_key,
    )?;
    Ok(encode_tlv(Tag::new(u32::from(SOD_TAG)), &content_info))
}

/// A CSCA master list (ICAO 9303-12 §8) of `cscas`, signed with SHA-256.
pub fn build_master_list(
    cscas: &[Certificate],
    signer_certificate: &Certificate,
    signer_key: &SigningKey,
) -> Result<Vec<u8>, BuildError> {
    let mut list = SetOfVec::new();
    for csca in cscas {
        let certificate = x509_cert::Certificate::from_der(csca.to_der()).map_err(encoding)?;
        list.insert(certificate).map_err(encoding)?;
    }
    let master_list = CscaMasterList {
        version: 0,
        cert_list: list,
    };
    let content = master_list.to_der().map_err(encoding)?;
    build_signed_data(
        ID_CSCA_MASTER_LIST,
        &content,
        HashAlgorithm::Sha256,
        signer_certificate,
        signer_key,
    )
}

#[derive(Sequence)]
struct CscaMasterList {
    version: u8,
    cert_list: SetOfVec<x509_cert::Certificate>,
}

fn digest_algorithm(hash: HashAlgorithm) -> AlgorithmIdentifierOwned {
    // RFC 5754 §2: SHA-2 parameters absent.
    AlgorithmIdentifierOwned {
        oid: hash.oid(),
        parameters: None,
    }
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, BuildError> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).map_err(encoding)?,
    })
}

/// ContentInfo { id-signedData, SignedData } over `content` (RFC 5652 §5).
fn build_signed_data(
    content_type: ObjectIdentifier,
    content: &[u8],
    hash: HashAlgorithm,
    signer_certificate: &Certificate,
    signer_key: &SigningKey,
) -> Result<Vec<u8>, BuildError> {
    let signing_time = Time::try_from(SystemTime::now()).map_err(encoding)?;
    let signed_attributes = SetOfVec::try_from(vec![
        attribute(
            ID_CONTENT_TYPE,
            Any::encode_from(&content_type).map_err(encoding)?,
        )?,
        attribute(
            ID_SIGNING_TIME,
            Any::encode_from(&signing_time).map_err(encoding)?,
        )?,
        attribute(
            ID_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(hash.digest(content)).map_err(encoding)?)
                .map_err(encoding)?,
        )?,
    ])
    .map_err(encoding)?;
    // RFC 5652 §5.4: the signature covers the DER SET OF, not the [0] IMPLICIT field.
    let signature = signer_key.sign(hash, &signed_attributes.to_der().map_err(encoding)?)?;
    let x509 = signer_certificate.x509();
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: x509.tbs_certificate().issuer().clone(),
            serial_number: x509.tbs_certificate().serial_number().clone(),
        }),
        digest_alg: digest_algorithm(hash),
        signed_attrs: Some(signed_attributes),
        signature_algorithm: signer_key.signature_algorithm(hash),
        signature: OctetString::new(signature).map_err(encoding)?,
        unsigned_attrs: None,
    };
    let signed_data = SignedData {
        // RFC 5652 §5.1: version 3 when the content is not id-data.
        version: CmsVersion::V3,
        digest_algorithms: SetOfVec::try_from(vec![digest_algorithm(hash)]).map_err(encoding)?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: content_type,
            econtent: Some(
                Any::encode_from(&OctetString::new(content).map_err(encoding)?)
                    .map_err(encoding)?,
            ),
        },
        certificates: Some(
            CertificateSet::try_from(vec![CertificateChoices::Certificate(x509.clone())])
                .map_err(encoding)?,
        ),
        crls: None,
        signer_infos: SignerInfos::try_from(vec![signer_info]).map_err(encoding)?,
    };
    let content_info = ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(encoding)?,
    };
    content_info.to_der().map_err(encoding)
}
