//! Why passive authentication (or a master list's signature) failed, in words the kiosk
//! can show: each variant is one reason a card "could not be verified".

use const_oid::ObjectIdentifier;

use super::signature::SignatureError;
use super::sod::SodError;
use crate::lds::DataGroup;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PassiveAuthFailure {
    #[error("the security object (EF.SOD) is malformed: {0}")]
    MalformedSod(SodError),
    #[error("the signed data has {0} signers; exactly one is required")]
    NotExactlyOneSigner(usize),
    #[error("the signer's certificate is not in the signed data")]
    SignerCertificateMissing,
    #[error("the signed data carries no signed attributes")]
    MissingSignedAttributes,
    #[error("the signed content-type attribute is missing or wrong")]
    ContentTypeMismatch,
    #[error("the signed message-digest attribute is missing")]
    MissingMessageDigest,
    #[error("the signed message digest does not match the content")]
    MessageDigestMismatch,
    #[error("the digest algorithm {0} is not supported")]
    UnsupportedDigestAlgorithm(ObjectIdentifier),
    #[error("the signer's digest algorithm is not among the signed data's digest algorithms")]
    DigestAlgorithmNotListed,
    #[error("the signature does not verify under the signer's key")]
    BadSignature,
    #[error("the signature cannot be checked: {0}")]
    UnsupportedSignature(SignatureError),
    #[error("no trusted CSCA certificate issued the Document Signer certificate")]
    UnknownCsca,
    #[error("the Document Signer certificate's signature does not verify under its CSCA")]
    BadSignerCertificateSignature,
    #[error("the Document Signer certificate may not sign documents (key usage)")]
    SignerKeyUsage,
    #[error("the Document Signer certificate has expired")]
    SignerExpired,
    #[error("the Document Signer certificate is not yet valid")]
    SignerNotYetValid,
    #[error("the CSCA certificate has expired")]
    CscaExpired,
    #[error("the CSCA certificate is not yet valid")]
    CscaNotYetValid,
    #[error("the hash of {0:?} does not match the security object")]
    DataGroupHashMismatch(DataGroup),
    #[error("{0:?} was read but the security object does not list it")]
    DataGroupNotInSod(DataGroup),
}

impl PassiveAuthFailure {
    /// Maps a signature error: a signature that does not verify is a forgery (or damage),
    /// anything else means the kiosk cannot judge it.
    pub(crate) fn from_signature(error: SignatureError) -> Self {
        match error {
            SignatureError::BadSignature => Self::BadSignature,
            other => Self::UnsupportedSignature(other),
        }
    }
}
