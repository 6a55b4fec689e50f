//! DG15: the chip's Active Authentication public key (ICAO 9303-10 §4.7.15).
//!
//! The file is data object `6F` around a DER `SubjectPublicKeyInfo` (X.509): an RSA key
//! (`rsaEncryption`, RFC 8017 `RSAPublicKey`) or an elliptic-curve key (`id-ecPublicKey`,
//! named or explicit curve, see [`super::ec`]).

use std::fmt;

use const_oid::ObjectIdentifier;
use der::Decode;
use rsa::RsaPublicKey;
use rsa::pkcs8::EncodePublicKey;
use rsa::traits::PublicKeyParts;
use spki::SubjectPublicKeyInfoRef;

use super::ec::{EcPublicKey, ID_EC_PUBLIC_KEY, KeyError};
use crate::lds::DataGroup;
use crate::tlv::{Tag, Tlv, TlvError, encode_tlv};

/// `rsaEncryption` (RFC 8017 Appendix C).
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// The key a chip proves possession of in Active Authentication.
#[derive(Clone, PartialEq, Eq)]
pub enum AaPublicKey {
    /// Signs with ISO/IEC 9796-2 scheme 1.
    Rsa(RsaPublicKey),
    /// Signs with plain ECDSA (BSI TR-03111).
    Ec(EcPublicKey),
}

impl AaPublicKey {
    /// Parses a DER `SubjectPublicKeyInfo`.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let spki =
            SubjectPublicKeyInfoRef::from_der(der).map_err(|e| KeyError::Spki(e.to_string()))?;
        match spki.algorithm.oid {
            RSA_ENCRYPTION => RsaPublicKey::try_from(spki)
                .map(Self::Rsa)
                .map_err(|e| KeyError::Rsa(e.to_string())),
            ID_EC_PUBLIC_KEY => EcPublicKey::from_spki(&spki).map(Self::Ec),
            other => Err(KeyError::UnsupportedAlgorithm(other)),
        }
    }

    /// The key as a DER `SubjectPublicKeyInfo`, for writing DG15.
    pub fn to_spki_der(&self) -> Result<Vec<u8>, KeyError> {
        match self {
            Self::Rsa(key) => key
                .to_public_key_der()
                .map(|document| document.as_bytes().to_vec())
                .map_err(|e| KeyError::Rsa(e.to_string())),
            Self::Ec(key) => key.to_spki_der(),
        }
    }
}

impl fmt::Debug for AaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rsa(key) => write!(f, "AaPublicKey(RSA-{})", key.n().bits()),
            Self::Ec(key) => write!(f, "AaPublicKey({key:?})"),
        }
    }
}

/// Why DG15 cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Dg15Error {
    #[error("DG15 is not well-formed BER-TLV: {0}")]
    Tlv(#[from] TlvError),
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// The contents of DG15.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dg15 {
    public_key: AaPublicKey,
}

impl Dg15 {
    /// Parses the file exactly as read from the chip.
    pub fn parse(file: &[u8]) -> Result<Self, Dg15Error> {
        let outer = Tlv::parse_exact(file)?.expect_tag(Tag::from(DataGroup::Dg15.tag()))?;
        Ok(Self {
            public_key: AaPublicKey::from_spki_der(outer.value)?,
        })
    }

    /// The file for `public_key`, as a card generator writes it.
    pub fn encode(public_key: &AaPublicKey) -> Result<Vec<u8>, KeyError> {
        Ok(encode_tlv(
            Tag::from(DataGroup::Dg15.tag()),
            &public_key.to_spki_der()?,
        ))
    }

    pub fn public_key(&self) -> &AaPublicKey {
        &self.public_key
    }

    pub fn into_public_key(self) -> AaPublicKey {
        self.public_key
    }
}
