//! The chip's private keys as PKCS#8 DER (RFC 5208 §5), the format of a card folder's
//! `chip-keys/ca.der` and `chip-keys/aa.der`: what OpenSSL writes with `openssl genpkey`,
//! so a card made by another tool brings its keys in the same form.
//!
//! - elliptic-curve keys (`id-ecPublicKey` with a named curve, the `ECPrivateKey` of RFC
//!   5915 inside) on the curves [`EcCurve`] computes on: for Chip Authentication and
//!   ECDSA Active Authentication;
//! - RSA keys (`rsaEncryption`, RFC 8017 `RSAPrivateKey`), for ISO/IEC 9796-2 Active
//!   Authentication only.

use std::fmt;

use der::asn1::{BitString, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence};
use rsa::RsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, PrivateKeyInfoOwned, PrivateKeyInfoRef};
use rsa::traits::PublicKeyParts;
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use crate::clone_detection::{EcCurve, EcPrivateKey};

/// `id-ecPublicKey` (RFC 5480 §2.1.1).
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// `rsaEncryption` (RFC 8017 Appendix C).
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// Why a key file is not a key the chip can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChipKeyError {
    #[error("not a DER-encoded PKCS#8 PrivateKeyInfo: {0}")]
    Malformed(String),
    #[error("the key's algorithm {0} is neither id-ecPublicKey nor rsaEncryption")]
    UnsupportedAlgorithm(ObjectIdentifier),
    #[error(
        "the elliptic curve is not named, or not one of P-256, P-384, brainpoolP256r1, \
         brainpoolP384r1"
    )]
    UnsupportedCurve,
    #[error("the private scalar is not in [1, n-1] for its curve")]
    InvalidScalar,
    #[error("Chip Authentication needs an elliptic-curve key (ECDH); this is RSA")]
    NotEllipticCurve,
}

/// A chip's private key, parsed.
#[derive(Clone)]
pub enum ChipPrivateKey {
    Ec(EcPrivateKey),
    Rsa(Box<RsaPrivateKey>),
}

/// RFC 5915 §3 `ECPrivateKey`, as OpenSSL writes it inside PKCS#8.
#[derive(Sequence)]
struct EcPrivateKeyStructure {
    version: u8,
    private_key: OctetString,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    parameters: Option<ObjectIdentifier>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    public_key: Option<BitString>,
}

impl ChipPrivateKey {
    /// Reads a PKCS#8 DER private key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, ChipKeyError> {
        let malformed = |error: der::Error| ChipKeyError::Malformed(error.to_string());
        let info = PrivateKeyInfoRef::from_der(der).map_err(malformed)?;
        match info.algorithm.oid {
            RSA_ENCRYPTION => RsaPrivateKey::from_pkcs8_der(der)
                .map(|key| Self::Rsa(Box::new(key)))
                .map_err(|error| ChipKeyError::Malformed(error.to_string())),
            ID_EC_PUBLIC_KEY => {
                // RFC 5480 §2.1.1: the curve is named in the algorithm's parameters; the
                // copy inside ECPrivateKey, when present, must agree.
                let curve = info
                    .algorithm
                    .parameters
                    .and_then(|parameters| parameters.decode_as::<ObjectIdentifier>().ok())
                    .and_then(|oid| EcCurve::from_oid(&oid))
                    .ok_or(ChipKeyError::UnsupportedCurve)?;
                let inner = Zeroizing::new(info.private_key.as_bytes().to_vec());
                let inner = EcPrivateKeyStructure::from_der(&inner).map_err(malformed)?;
                if inner
                    .parameters
                    .is_some_and(|named| EcCurve::from_oid(&named) != Some(curve))
                {
                    return Err(ChipKeyError::UnsupportedCurve);
                }
                let scalar = Zeroizing::new(inner.private_key.as_bytes().to_vec());
                EcPrivateKey::from_bytes(curve, &scalar)
                    .map(Self::Ec)
                    .map_err(|_| ChipKeyError::InvalidScalar)
            }
            other => Err(ChipKeyError::UnsupportedAlgorithm(other)),
        }
    }

    /// The key as PKCS#8 DER, with the curve and the public point inside `ECPrivateKey`
    /// as OpenSSL writes it.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, ChipKeyError> {
        let encoding = |error: der::Error| ChipKeyError::Malformed(error.to_string());
        match self {
            Self::Rsa(key) => key
                .to_pkcs8_der()
                .map(|document| Zeroizing::new(document.as_bytes().to_vec()))
                .map_err(|error| ChipKeyError::Malformed(error.to_string())),
            Self::Ec(key) => {
                let curve = key.curve().oid();
                let point = key.public_key().to_uncompressed_point();
                let inner = EcPrivateKeyStructure {
                    version: 1,
                    private_key: OctetString::new(key.to_bytes().as_slice()).map_err(encoding)?,
                    parameters: Some(curve),
                    public_key: Some(BitString::from_bytes(&point).map_err(encoding)?),
                };
                let inner = Zeroizing::new(inner.to_der().map_err(encoding)?);
                let info = PrivateKeyInfoOwned::new(
                    AlgorithmIdentifierOwned {
                        oid: ID_EC_PUBLIC_KEY,
                        parameters: Some(der::Any::encode_from(&curve).map_err(encoding)?),
                    },
                    OctetString::new(inner.as_slice()).map_err(encoding)?,
                );
                Ok(Zeroizing::new(info.to_der().map_err(encoding)?))
            }
        }
    }

    /// The key of Chip Authentication, which is ECDH only.
    pub fn into_ec(self) -> Result<EcPrivateKey, ChipKeyError> {
        match self {
            Self::Ec(key) => Ok(key),
            Self::Rsa(_) => Err(ChipKeyError::NotEllipticCurve),
        }
    }
}

impl fmt::Debug for ChipPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ec(key) => write!(f, "ChipPrivateKey({})", key.curve()),
            Self::Rsa(key) => write!(f, "ChipPrivateKey(RSA-{})", key.n().bits()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sm::OsRandom;

    #[test]
    fn elliptic_curve_keys_round_trip_on_every_curve() {
        for curve in [
            EcCurve::NistP256,
            EcCurve::BrainpoolP256r1,
            EcCurve::NistP384,
            EcCurve::BrainpoolP384r1,
        ] {
            let key = EcPrivateKey::random(curve, &mut OsRandom).expect("a key");
            let der = ChipPrivateKey::Ec(key.clone())
                .to_pkcs8_der()
                .expect("encodes");
            let ChipPrivateKey::Ec(read) = ChipPrivateKey::from_pkcs8_der(&der).expect("reads")
            else {
                panic!("an EC key read back as RSA");
            };
            assert_eq!(read.curve(), curve);
            assert_eq!(*read.to_bytes(), *key.to_bytes());
        }
    }

    #[test]
    fn what_is_not_a_chip_key_is_named() {
        assert!(matches!(
            ChipPrivateKey::from_pkcs8_der(&[0x30, 0x03, 0x02, 0x01, 0x00]),
            Err(ChipKeyError::Malformed(_))
        ));
        let key = EcPrivateKey::random(EcCurve::NistP256, &mut OsRandom).expect("a key");
        let der = ChipPrivateKey::Ec(key).to_pkcs8_der().expect("encodes");
        // The named curve's OID in the algorithm parameters ends at …03 01 07 (P-256);
        // turning it into …03 01 09 names a curve no chip here computes on.
        let position = der
            .windows(3)
            .position(|window| window == [0x03, 0x01, 0x07])
            .expect("the P-256 OID");
        let mut other_curve = der.to_vec();
        other_curve[position + 2] = 0x09;
        assert_eq!(
            ChipPrivateKey::from_pkcs8_der(&other_curve).map(|_| ()),
            Err(ChipKeyError::UnsupportedCurve)
        );
    }
}
