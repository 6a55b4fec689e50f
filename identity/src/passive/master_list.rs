//! CSCA master lists (ICAO 9303-12 §8): a CMS SignedData, signed by a Master List Signer
//! whose certificate a CSCA issued, whose content is
//!
//! ```text
//! CscaMasterList ::= SEQUENCE { version CscaMasterListVersion (v0), certList SET OF Certificate }
//! ```
//!
//! with eContentType `id-icao-cscaMasterList` (2.23.136.1.1.2). ICAO publishes one in its
//! PKD and several states (Germany among them) publish their own.

use x509_cert::ext::pkix::KeyUsages;

use super::algorithm::ID_CSCA_MASTER_LIST;
use super::certificate::{Certificate, CertificateError};
use super::failure::PassiveAuthFailure;
use super::signed_data::{CmsError, SignedObject};
use crate::tlv::{Tag, Tlv};

/// More certificates than any published master list holds (the German list has ~1000).
pub const MAX_MASTER_LIST_CERTIFICATES: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MasterListError {
    #[error("the master list's signed data: {0}")]
    Cms(CmsError),
    #[error("the master list content is malformed: {0}")]
    Malformed(String),
    #[error("the master list's version {0} is not 0")]
    UnsupportedVersion(u8),
    #[error("the master list holds more than {0} certificates")]
    TooManyCertificates(usize),
    #[error("the master list's signature is not valid: {0}")]
    Signature(PassiveAuthFailure),
}

/// A master list whose own signature verified.
#[derive(Debug, Clone)]
pub struct MasterList {
    pub certificates: Vec<Certificate>,
    /// Entries of certList that are not usable certificates (by position), skipped so one
    /// odd encoding among hundreds of states does not cost the kiosk every other CSCA.
    pub rejected: Vec<(usize, CertificateError)>,
    pub signer: Certificate,
    /// Whether the signer's certificate was issued by a CSCA in the list itself (or by a
    /// CSCA given as already trusted). Reported, not required: see
    /// [`TrustStore::load_folder`](super::TrustStore::load_folder) for the policy.
    pub signer_chains_to_csca: bool,
}

impl MasterList {
    /// Parses a master list and verifies its signature with the signer certificate it
    /// carries; `already_trusted` are CSCAs the signer may chain to besides the listed ones.
    pub fn parse_and_verify(
        bytes: &[u8],
        already_trusted: &[Certificate],
    ) -> Result<Self, MasterListError> {
        let signed =
            SignedObject::parse(bytes, ID_CSCA_MASTER_LIST).map_err(MasterListError::Cms)?;
        let (certificates, rejected) = parse_cert_list(signed.content())?;
        let (signer, signer_certificate) = signed
            .signer_and_certificate()
            .map_err(MasterListError::Signature)?;
        let hash = signed
            .check_signed_attributes(signer)
            .map_err(MasterListError::Signature)?;
        signed
            .check_signature(signer, signer_certificate, hash)
            .map_err(MasterListError::Signature)?;
        let signer_chains_to_csca = certificates
            .iter()
            .chain(already_trusted)
            .filter(|csca| csca.allows(KeyUsages::KeyCertSign))
            .filter(|csca| signer_certificate.may_be_issued_by(csca))
            .any(|csca| signer_certificate.verify_issued_by(csca).is_ok());
        Ok(Self {
            certificates,
            rejected,
            signer: signer_certificate.clone(),
            signer_chains_to_csca,
        })
    }
}

/// `CscaMasterList`, walked with the BER reader so each certificate keeps its bytes.
type CertList = (Vec<Certificate>, Vec<(usize, CertificateError)>);

fn parse_cert_list(content: &[u8]) -> Result<CertList, MasterListError> {
    let malformed = |error: crate::tlv::TlvError| MasterListError::Malformed(error.to_string());
    let list = Tlv::parse_exact(content)
        .and_then(|tlv| tlv.expect_tag(Tag::SEQUENCE))
        .map_err(malformed)?;
    let mut fields = list.children().map_err(malformed)?;
    let version = fields
        .next()
        .transpose()
        .map_err(malformed)?
        .ok_or_else(|| MasterListError::Malformed("no version".into()))?
        .expect_tag(Tag::INTEGER)
        .map_err(malformed)?;
    if version.value != [0] {
        return Err(MasterListError::UnsupportedVersion(
            version.value.first().copied().unwrap_or(u8::MAX),
        ));
    }
    let set = fields
        .next()
        .transpose()
        .map_err(malformed)?
        .ok_or_else(|| MasterListError::Malformed("no certList".into()))?
        .expect_tag(Tag::SET)
        .map_err(malformed)?;
    let mut certificates = Vec::new();
    let mut rejected = Vec::new();
    for (index, child) in set.children().map_err(malformed)?.enumerate() {
        if index == MAX_MASTER_LIST_CERTIFICATES {
            return Err(MasterListError::TooManyCertificates(
                MAX_MASTER_LIST_CERTIFICATES,
            ));
        }
        let child = child.map_err(malformed)?;
        match Certificate::from_der(child.raw) {
            Ok(certificate) => certificates.push(certificate),
            Err(error) => rejected.push((index, error)),
        }
    }
    Ok((certificates, rejected))
}
