//! The private keys of the test PKI (CSCA, Document Signer, Master List Signer), with
//! PKCS#8 (RFC 5208) encoding so the card generator can write them beside the cards.
//!
//! ECDSA only, on brainpoolP256r1 (the curve of the CCCD's own PACE) or P-256. Signing is
//! deterministic (RFC 6979), so no random source is needed after key generation.

use der::asn1::{BitString, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence};
use ecdsa::signature::hazmat::PrehashSigner;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use super::algorithm::HashAlgorithm;
use super::signature::{EC_PUBLIC_KEY, NamedCurve, ecdsa_signature_oid};
use crate::sm::random::{RandomError, RandomSource};

/// The key types the test PKI can create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyAlgorithm {
    #[default]
    EcdsaBrainpoolP256r1,
    EcdsaP256,
}

/// Why a key could not be made, read or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Random(#[from] RandomError),
    #[error("no valid private key came out of {0} random draws")]
    NoValidScalar(usize),
    #[error("the PKCS#8 private key is malformed: {0}")]
    MalformedPkcs8(String),
    #[error("the PKCS#8 private key is not on a supported curve")]
    UnsupportedCurve,
    #[error("signing failed: {0}")]
    Signing(String),
}

/// An ECDSA private key.
#[derive(Clone)]
pub enum SigningKey {
    BrainpoolP256r1(ecdsa::SigningKey<bp256::BrainpoolP256r1>),
    P256(p256::ecdsa::SigningKey),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "SigningKey({:?}, ..)", self.curve())
    }
}

/// A random draw is a usable scalar unless it is zero or not below the group order; for
/// brainpoolP256r1 about a third of draws are too large, so allow many attempts.
const KEY_DRAWS: usize = 128;

/// PKCS#8 `PrivateKeyInfo` (RFC 5208 §5).
#[derive(Sequence)]
struct PrivateKeyInfo {
    version: u8,
    algorithm: AlgorithmIdentifierOwned,
    private_key: OctetString,
}

/// `ECPrivateKey` (RFC 5915 §3).
#[derive(Sequence)]
struct EcPrivateKey {
    version: u8,
    private_key: OctetString,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    parameters: Option<ObjectIdentifier>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    public_key: Option<BitString>,
}

impl SigningKey {
    /// A fresh key from `rng`.
    pub fn generate(algorithm: KeyAlgorithm, rng: &mut dyn RandomSource) -> Result<Self, KeyError> {
        for _ in 0..KEY_DRAWS {
            let mut scalar = zeroize::Zeroizing::new([0u8; 32]);
            rng.fill(scalar.as_mut_slice())?;
            let key = match algorithm {
                KeyAlgorithm::EcdsaBrainpoolP256r1 => {
                    ecdsa::SigningKey::<bp256::BrainpoolP256r1>::from_slice(scalar.as_slice())
                        .ok()
                        .map(Self::BrainpoolP256r1)
                }
                KeyAlgorithm::EcdsaP256 => p256::ecdsa::SigningKey::from_slice(scalar.as_slice())
                    .ok()
                    .map(Self::P256),
            };
            if let Some(key) = key {
                return Ok(key);
            }
        }
        Err(KeyError::NoValidScalar(KEY_DRAWS))
    }

    pub fn curve(&self) -> NamedCurve {
        match self {
            Self::BrainpoolP256r1(_) => NamedCurve::BrainpoolP256r1,
            Self::P256(_) => NamedCurve::P256,
        }
    }

    /// The uncompressed public point (SEC 1 §2.3.3).
    fn public_point(&self) -> Vec<u8> {
        match self {
            Self::BrainpoolP256r1(key) => {
                key.verifying_key().to_sec1_point(false).as_bytes().to_vec()
            }
            Self::P256(key) => key.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
        }
    }

    fn curve_algorithm(&self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: EC_PUBLIC_KEY,
            parameters: Some(der::asn1::Any::from(&self.curve().oid())),
        }
    }

    /// The public key as a certificate carries it (RFC 5480 §2: named curve).
    pub fn public_key_info(&self) -> Result<SubjectPublicKeyInfoOwned, KeyError> {
        Ok(SubjectPublicKeyInfoOwned {
            algorithm: self.curve_algorithm(),
            subject_public_key: BitString::from_bytes(&self.public_point())
                .map_err(|error| KeyError::Signing(error.to_string()))?,
        })
    }

    /// The signature algorithm identifier of a signature with `hash` (no parameters,
    /// RFC 5758 §3.2).
    pub fn signature_algorithm(&self, hash: HashAlgorithm) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: ecdsa_signature_oid(hash),
            parameters: None,
        }
    }

    /// A DER `Ecdsa-Sig-Value` over `message` hashed with `hash`.
    pub fn sign(&self, hash: HashAlgorithm, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let digest = hash.digest(message);
        let signing = |error: ecdsa::Error| KeyError::Signing(error.to_string());
        match self {
            Self::BrainpoolP256r1(key) => {
                let signature: ecdsa::Signature<bp256::BrainpoolP256r1> =
                    key.sign_prehash(&digest).map_err(signing)?;
                Ok(signature.to_der().as_bytes().to_vec())
            }
            Self::P256(key) => {
                let signature: ecdsa::Signature<p256::NistP256> =
                    key.sign_prehash(&digest).map_err(signing)?;
                Ok(signature.to_der().as_bytes().to_vec())
            }
        }
    }

    /// PKCS#8 DER, with the curve and public key inside the `ECPrivateKey` as OpenSSL
    /// writes it.
    pub fn to_pkcs8_der(&self) -> Result<zeroize::Zeroizing<Vec<u8>>, KeyError> {
        let scalar = zeroize::Zeroizing::new(match self {
            Self::BrainpoolP256r1(key) => key.to_bytes().to_vec(),
            Self::P256(key) => key.to_bytes().to_vec(),
        });
        let encode = |error: der::Error| KeyError::MalformedPkcs8(error.to_string());
        let inner = EcPrivateKey {
            version: 1,
            private_key: OctetString::new(scalar.as_slice()).map_err(encode)?,
            parameters: Some(self.curve().oid()),
            public_key: Some(BitString::from_bytes(&self.public_point()).map_err(encode)?),
        };
        let inner = zeroize::Zeroizing::new(inner.to_der().map_err(encode)?);
        let info = PrivateKeyInfo {
            version: 0,
            algorithm: self.curve_algorithm(),
            private_key: OctetString::new(inner.as_slice()).map_err(encode)?,
        };
        Ok(zeroize::Zeroizing::new(info.to_der().map_err(encode)?))
    }

    /// Reads a PKCS#8 DER ECDSA key on brainpoolP256r1 or P-256.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let malformed = |error: der::Error| KeyError::MalformedPkcs8(error.to_string());
        let info = PrivateKeyInfo::from_der(der).map_err(malformed)?;
        if info.algorithm.oid != EC_PUBLIC_KEY {
            return Err(KeyError::UnsupportedCurve);
        }
        let curve = info
            .algorithm
            .parameters
            .as_ref()
            .and_then(|parameters| parameters.decode_as::<ObjectIdentifier>().ok())
            .and_then(|oid| NamedCurve::from_oid(&oid))
            .ok_or(KeyError::UnsupportedCurve)?;
        let inner = EcPrivateKey::from_der(info.private_key.as_bytes()).map_err(malformed)?;
        let scalar = inner.private_key.as_bytes();
        let invalid = |_| KeyError::MalformedPkcs8("the private scalar is out of range".into());
        match curve {
            NamedCurve::BrainpoolP256r1 => Ok(Self::BrainpoolP256r1(
                ecdsa::SigningKey::<bp256::BrainpoolP256r1>::from_slice(scalar).map_err(invalid)?,
            )),
            NamedCurve::P256 => Ok(Self::P256(
                p256::ecdsa::SigningKey::from_slice(scalar).map_err(invalid)?,
            )),
            NamedCurve::P384 | NamedCurve::BrainpoolP384r1 => Err(KeyError::UnsupportedCurve),
        }
    }
}
