//! An X.509 certificate kept with the exact bytes it was read from.
//!
//! A signature covers the bytes the signer wrote. Decoding with `x509-cert` and encoding
//! again can change them (DER SET OF elements are re-sorted), so the issuer signature is
//! checked over the original `tbsCertificate` bytes, located with the crate's BER reader.

use std::time::SystemTime;

use der::Decode;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, KeyUsage, KeyUsages, SubjectKeyIdentifier};
use x509_cert::name::Name;

use super::signature::{SignatureError, SignatureScheme, verify_signature};
use crate::tlv::Tlv;

/// The largest certificate accepted, in bytes; real CSCA and DS certificates are 1–2 KiB.
pub const MAX_CERTIFICATE_LEN: usize = 16 * 1024;

/// Why bytes are not a certificate we can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    #[error("the certificate is {len} bytes, more than the {max} accepted")]
    TooLarge { len: usize, max: usize },
    #[error("the certificate is not well-formed DER: {0}")]
    Malformed(String),
}

/// Where a moment falls in a certificate's validity period (RFC 5280 §4.1.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    NotYetValid,
    Valid,
    Expired,
}

/// A parsed certificate and its original encoding.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    tbs_start: usize,
    tbs_end: usize,
    parsed: x509_cert::Certificate,
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Certificates of authorities carry no personal data; the subject names them.
        write!(
            formatter,
            "Certificate({})",
            self.parsed.tbs_certificate().subject()
        )
    }
}

impl Certificate {
    /// Parses one DER certificate; the input must hold nothing else.
    pub fn from_der(der: &[u8]) -> Result<Self, CertificateError> {
        if der.len() > MAX_CERTIFICATE_LEN {
            return Err(CertificateError::TooLarge {
                len: der.len(),
                max: MAX_CERTIFICATE_LEN,
            });
        }
        let parsed = x509_cert::Certificate::from_der(der)
            .map_err(|error| CertificateError::Malformed(error.to_string()))?;
        let outer = Tlv::parse_exact(der)
            .map_err(|error| CertificateError::Malformed(error.to_string()))?;
        let tbs = outer
            .children()
            .and_then(|mut children| children.next().transpose())
            .map_err(|error| CertificateError::Malformed(error.to_string()))?
            .ok_or_else(|| CertificateError::Malformed("no tbsCertificate".into()))?;
        let tbs_start = tbs.offset();
        let tbs_end = tbs_start + tbs.raw.len();
        Ok(Self {
            der: der.to_vec(),
            tbs_start,
            tbs_end,
            parsed,
        })
    }

    /// The certificate's encoding as it was read.
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    pub fn x509(&self) -> &x509_cert::Certificate {
        &self.parsed
    }

    pub fn subject(&self) -> &Name {
        self.parsed.tbs_certificate().subject()
    }

    pub fn issuer(&self) -> &Name {
        self.parsed.tbs_certificate().issuer()
    }

    pub fn is_self_issued(&self) -> bool {
        self.subject() == self.issuer()
    }

    pub fn subject_key_identifier(&self) -> Option<Vec<u8>> {
        self.parsed
            .tbs_certificate()
            .get_extension::<SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .map(|(_, ski)| ski.0.as_bytes().to_vec())
    }

    /// The authority key identifier's keyIdentifier, when the certificate has one.
    pub fn authority_key_identifier(&self) -> Option<Vec<u8>> {
        self.parsed
            .tbs_certificate()
            .get_extension::<AuthorityKeyIdentifier>()
            .ok()
            .flatten()
            .and_then(|(_, aki)| aki.key_identifier)
            .map(|id| id.as_bytes().to_vec())
    }

    /// Whether the key-usage extension, if present, allows `usage`. ICAO 9303-12 §7.1
    /// makes it mandatory and critical; a certificate without it is judged by the chain.
    pub fn allows(&self, usage: KeyUsages) -> bool {
        match self.parsed.tbs_certificate().get_extension::<KeyUsage>() {
            Ok(Some((_, key_usage))) => key_usage.0.contains(usage),
            Ok(None) => true,
            Err(_) => false,
        }
    }

    /// Where `at` falls in the validity period.
    pub fn validity_at(&self, at: SystemTime) -> Validity {
        let validity = self.parsed.tbs_certificate().validity();
        if at < validity.not_before.to_system_time() {
            Validity::NotYetValid
        } else if at > validity.not_after.to_system_time() {
            Validity::Expired
        } else {
            Validity::Valid
        }
    }

    /// Checks that `issuer`'s key signed this certificate.
    pub fn verify_issued_by(
        &self,
        issuer: &Certificate,
    ) -> Result<SignatureScheme, SignatureError> {
        let signature = self
            .parsed
            .signature()
            .as_bytes()
            .ok_or(SignatureError::MalformedSignature)?;
        let tbs = self
            .der
            .get(self.tbs_start..self.tbs_end)
            .ok_or(SignatureError::MalformedSignature)?;
        verify_signature(
            issuer.parsed.tbs_certificate().subject_public_key_info(),
            self.parsed.signature_algorithm(),
            None,
            tbs,
            signature,
        )
    }

    /// Whether `issuer` may have issued this certificate by its names and key identifiers
    /// (RFC 5280 §4.2.1.1): the issuer name must match, and when both key identifiers are
    /// present they must be equal. The signature decides; this only picks candidates.
    pub fn may_be_issued_by(&self, issuer: &Certificate) -> bool {
        if self.issuer() != issuer.subject() {
            return false;
        }
        match (
            self.authority_key_identifier(),
            issuer.subject_key_identifier(),
        ) {
            (Some(aki), Some(ski)) => aki == ski,
            _ => true,
        }
    }
}
