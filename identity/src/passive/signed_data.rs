//! CMS SignedData (RFC 5652 §5) as ICAO uses it for EF.SOD and for CSCA master lists, and
//! the checks of its one SignerInfo that both share.
//!
//! The structure is decoded with the `cms` types; the certificates and signed attributes
//! are also located with the crate's BER reader so that signatures are checked over the
//! bytes the signer wrote, not over a re-encoding (`der` re-sorts SET OF on decoding).

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode, Encode};

use super::algorithm::{HashAlgorithm, ID_CONTENT_TYPE, ID_MESSAGE_DIGEST, ID_SIGNED_DATA};
use super::certificate::{Certificate, CertificateError};
use super::failure::PassiveAuthFailure;
use super::signature::{SignatureScheme, verify_signature};
use crate::tlv::{Tag, Tlv, encode_tlv};

/// More certificates than a SignedData of ours ever carries (SOD: the DS certificate;
/// master list: its signer, sometimes with the CSCA).
const MAX_EMBEDDED_CERTIFICATES: usize = 8;
/// More SignerInfos than we look at; verification requires exactly one.
const MAX_SIGNER_INFOS: usize = 4;

/// Why bytes are not a CMS SignedData of the expected content type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CmsError {
    #[error("the CMS structure is malformed: {0}")]
    Malformed(String),
    #[error("the CMS content is {0}, not signed data")]
    NotSignedData(ObjectIdentifier),
    #[error("the signed content is {found}, not {expected}")]
    WrongContentType {
        expected: ObjectIdentifier,
        found: ObjectIdentifier,
    },
    #[error("the signed data has no encapsulated content")]
    NoContent,
    #[error("the signed data carries more than {0} certificates or signers")]
    TooManyEntries(usize),
    #[error("a certificate in the signed data is unusable: {0}")]
    Certificate(CertificateError),
}

fn malformed(error: impl std::fmt::Display) -> CmsError {
    CmsError::Malformed(error.to_string())
}

/// One SignerInfo and the DER `SET OF Attribute` its signature covers (RFC 5652 §5.4:
/// the signed attributes with an EXPLICIT SET OF tag in place of the IMPLICIT [0]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    pub info: SignerInfo,
    signed_attributes_der: Option<Vec<u8>>,
}

/// A decoded SignedData with the bytes its checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedObject {
    content_type: ObjectIdentifier,
    content: Vec<u8>,
    /// SignedData.digestAlgorithms: every digest some signer used (RFC 5652 §5.1).
    digest_algorithms: Vec<ObjectIdentifier>,
    certificates: Vec<Certificate>,
    signers: Vec<Signer>,
}

impl SignedObject {
    /// Decodes a ContentInfo holding SignedData whose eContentType is `expected`.
    pub fn parse(content_info: &[u8], expected: ObjectIdentifier) -> Result<Self, CmsError> {
        let info = ContentInfo::from_der(content_info).map_err(malformed)?;
        if info.content_type != ID_SIGNED_DATA {
            return Err(CmsError::NotSignedData(info.content_type));
        }
        let signed_data = info.content.decode_as::<SignedData>().map_err(malformed)?;
        let content_type = signed_data.encap_content_info.econtent_type;
        if content_type != expected {
            return Err(CmsError::WrongContentType {
                expected,
                found: content_type,
            });
        }
        let content = signed_data
            .encap_content_info
            .econtent
            .as_ref()
            .ok_or(CmsError::NoContent)?
            .decode_as::<OctetString>()
            .map_err(malformed)?
            .into_bytes()
            .into_vec();

        // The same bytes, walked as BER: ContentInfo → [0] → SignedData's fields.
        let outer = Tlv::parse_exact(content_info).map_err(malformed)?;
        let explicit = outer.require(Tag::new(0xA0)).map_err(malformed)?;
        let signed = explicit.require(Tag::SEQUENCE).map_err(malformed)?;
        let mut certificates = Vec::new();
        let mut signer_set = None;
        for field in signed.children().map_err(malformed)? {
            let field = field.map_err(malformed)?;
            if field.tag == Tag::new(0xA0) {
                for child in field.children().map_err(malformed)? {
                    let child = child.map_err(malformed)?;
                    if certificates.len() == MAX_EMBEDDED_CERTIFICATES {
                        return Err(CmsError::TooManyEntries(MAX_EMBEDDED_CERTIFICATES));
                    }
                    // Only plain certificates (SEQUENCE) are of use; other CHOICEs are skipped.
                    if child.tag == Tag::SEQUENCE {
                        certificates
                            .push(Certificate::from_der(child.raw).map_err(CmsError::Certificate)?);
                    }
                }
            }
            signer_set = Some(field);
        }
        // signerInfos is the last field of SignedData (RFC 5652 §5.1).
        let signer_set = signer_set
            .ok_or_else(|| malformed("no signerInfos"))?
            .expect_tag(Tag::SET)
            .map_err(malformed)?;
        let mut signers = Vec::new();
        for child in signer_set.children().map_err(malformed)? {
            let child = child.map_err(malformed)?;
            if signers.len() == MAX_SIGNER_INFOS {
                return Err(CmsError::TooManyEntries(MAX_SIGNER_INFOS));
            }
            let info = SignerInfo::from_der(child.raw).map_err(malformed)?;
            let signed_attributes_der = child
                .find(Tag::new(0xA0))
                .map_err(malformed)?
                .map(|attributes| encode_tlv(Tag::SET, attributes.value));
            signers.push(Signer {
                info,
                signed_attributes_der,
            });
        }
        let digest_algorithms = signed_data
            .digest_algorithms
            .iter()
            .map(|algorithm| algorithm.oid)
            .collect();
        Ok(Self {
            content_type,
            content,
            digest_algorithms,
            certificates,
            signers,
        })
    }

    /// The eContent: the bytes the message-digest attribute covers.
    pub fn content(&self) -> &[u8] {
        &self.content
    }

    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }

    pub fn signers(&self) -> &[Signer] {
        &self.signers
    }

    /// Check (a): exactly one SignerInfo, and the certificate its sid names.
    pub fn signer_and_certificate(&self) -> Result<(&Signer, &Certificate), PassiveAuthFailure> {
        let [signer] = self.signers.as_slice() else {
            return Err(PassiveAuthFailure::NotExactlyOneSigner(self.signers.len()));
        };
        let certificate = self
            .certificates
            .iter()
            .find(|certificate| identifies(&signer.info.sid, certificate))
            .ok_or(PassiveAuthFailure::SignerCertificateMissing)?;
        Ok((signer, certificate))
    }

    /// Check (b): the signed attributes hold the right content type and the digest of the
    /// content (RFC 5652 §5.3, §11.1, §11.2). Returns the digest algorithm.
    pub fn check_signed_attributes(
        &self,
        signer: &Signer,
    ) -> Result<HashAlgorithm, PassiveAuthFailure> {
        let attributes = signer
            .info
            .signed_attrs
            .as_ref()
            .ok_or(PassiveAuthFailure::MissingSignedAttributes)?;
        let hash = HashAlgorithm::from_oid(&signer.info.digest_alg.oid).ok_or(
            PassiveAuthFailure::UnsupportedDigestAlgorithm(signer.info.digest_alg.oid),
        )?;
        // The unsigned digestAlgorithms field must agree with the signer, so that no byte
        // of the SOD can change without the verdict noticing.
        if !self.digest_algorithms.contains(&signer.info.digest_alg.oid) {
            return Err(PassiveAuthFailure::DigestAlgorithmNotListed);
        }
        let single_value = |oid: ObjectIdentifier| {
            let mut matching = attributes.iter().filter(|attribute| attribute.oid == oid);
            match (matching.next(), matching.next()) {
                (Some(attribute), None) if attribute.values.len() == 1 => attribute.values.get(0),
                _ => None,
            }
        };
        let content_type = single_value(ID_CONTENT_TYPE)
            .and_then(|value| value.decode_as::<ObjectIdentifier>().ok())
            .ok_or(PassiveAuthFailure::ContentTypeMismatch)?;
        if content_type != self.content_type {
            return Err(PassiveAuthFailure::ContentTypeMismatch);
        }
        let digest = single_value(ID_MESSAGE_DIGEST)
            .and_then(|value| value.decode_as::<OctetString>().ok())
            .ok_or(PassiveAuthFailure::MissingMessageDigest)?;
        if digest.as_bytes() != hash.digest(&self.content).as_slice() {
            return Err(PassiveAuthFailure::MessageDigestMismatch);
        }
        Ok(hash)
    }

    /// Check (c): the signature over the DER signed attributes verifies under the signer
    /// certificate's key.
    pub fn check_signature(
        &self,
        signer: &Signer,
        certificate: &Certificate,
        hash: HashAlgorithm,
    ) -> Result<SignatureScheme, PassiveAuthFailure> {
        let signed = signer
            .signed_attributes_der
            .as_deref()
            .ok_or(PassiveAuthFailure::MissingSignedAttributes)?;
        verify_signature(
            certificate
                .x509()
                .tbs_certificate()
                .subject_public_key_info(),
            &signer.info.signature_algorithm,
            Some(hash),
            signed,
            signer.info.signature.as_bytes(),
        )
        .map_err(PassiveAuthFailure::from_signature)
    }
}

/// Whether a SignerIdentifier names `certificate` (RFC 5652 §5.3).
fn identifies(sid: &SignerIdentifier, certificate: &Certificate) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => {
            let tbs = certificate.x509().tbs_certificate();
            id.issuer == *tbs.issuer()
                && id.serial_number.to_der().ok() == tbs.serial_number().to_der().ok()
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            certificate.subject_key_identifier().as_deref() == Some(ski.0.as_bytes())
        }
    }
}
