//! Verifying one signature under one public key: the SOD's SignerInfo, a certificate's
//! issuer signature and a master list's signature all come through [`verify_signature`].
//!
//! The schemes are those ICAO 9303-12 allows (cryptographic algorithms) for CSCA, Document Signer and
//! master-list signatures: RSA PKCS#1 v1.5 and RSASSA-PSS (RFC 8017 §8) and ECDSA
//! (BSI TR-03111) on the NIST and Brainpool curves an issuing state may choose.

use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, UintRef};
use der::{Decode, Encode, Sequence};
use ecdsa::signature::hazmat::PrehashVerifier;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use super::algorithm::HashAlgorithm;

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");
const SHA1_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
const SHA224_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.14");
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const SHA384_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
pub(crate) const EC_PUBLIC_KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const ECDSA_WITH_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");
const ECDSA_WITH_SHA224: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.1");
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_WITH_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");

/// The `ecdsa-with-SHA…` signature algorithm OID for `hash` (RFC 5758 §3.2, RFC 3279).
pub(crate) fn ecdsa_signature_oid(hash: HashAlgorithm) -> ObjectIdentifier {
    match hash {
        HashAlgorithm::Sha1 => ECDSA_WITH_SHA1,
        HashAlgorithm::Sha224 => ECDSA_WITH_SHA224,
        HashAlgorithm::Sha256 => ECDSA_WITH_SHA256,
        HashAlgorithm::Sha384 => ECDSA_WITH_SHA384,
        HashAlgorithm::Sha512 => ECDSA_WITH_SHA512,
    }
}

/// The largest RSA modulus accepted, in bits: CSCA keys of 4096 bits are common, 8192 is
/// the most the `rsa` crate handles and bounds the work a hostile certificate can ask for.
const MAX_RSA_BITS: usize = 8192;

/// The elliptic curves accepted for ECDSA keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NamedCurve {
    P256,
    P384,
    BrainpoolP256r1,
    BrainpoolP384r1,
}

impl NamedCurve {
    pub const ALL: [NamedCurve; 4] = [
        Self::P256,
        Self::P384,
        Self::BrainpoolP256r1,
        Self::BrainpoolP384r1,
    ];

    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::P256 => ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7"),
            Self::P384 => ObjectIdentifier::new_unwrap("1.3.132.0.34"),
            Self::BrainpoolP256r1 => ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.7"),
            Self::BrainpoolP384r1 => ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.11"),
        }
    }

    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        Self::ALL.into_iter().find(|curve| curve.oid() == *oid)
    }

    /// The group order and the uncompressed base point, to recognise a curve given by
    /// explicit parameters (RFC 3279 §2.3.5 `specifiedCurve`, which some CSCAs use).
    fn order_and_generator(self) -> (Vec<u8>, Vec<u8>) {
        match self {
            Self::P256 => curve_constants!(p256::NistP256),
            Self::P384 => curve_constants!(p384::NistP384),
            Self::BrainpoolP256r1 => curve_constants!(bp256::BrainpoolP256r1),
            Self::BrainpoolP384r1 => curve_constants!(bp384::BrainpoolP384r1),
        }
    }
}

/// The order (big-endian) and uncompressed generator of a curve from its crate.
macro_rules! curve_constants {
    ($curve:ty) => {{
        use elliptic_curve::group::Group as _;
        use elliptic_curve::sec1::ToSec1Point as _;
        // Limbs are least significant first; an INTEGER has no leading zero bytes.
        let order: Vec<u8> = <$curve as elliptic_curve::Curve>::ORDER
            .get()
            .as_words()
            .iter()
            .rev()
            .flat_map(|word| word.to_be_bytes())
            .skip_while(|byte| *byte == 0)
            .collect();
        let generator = <$curve as elliptic_curve::CurveArithmetic>::ProjectivePoint::generator()
            .to_affine()
            .to_sec1_point(false)
            .as_bytes()
            .to_vec();
        (order, generator)
    }};
}
use curve_constants;

/// What a verified signature was: for the report, and for the UI's technician detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureScheme {
    RsaPkcs1v15 {
        hash: HashAlgorithm,
    },
    RsaPss {
        hash: HashAlgorithm,
        salt_len: usize,
    },
    Ecdsa {
        hash: HashAlgorithm,
        curve: NamedCurve,
    },
}

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature algorithm {0} is not supported")]
    UnsupportedAlgorithm(ObjectIdentifier),
    #[error("the public-key algorithm {0} is not supported")]
    UnsupportedKeyAlgorithm(ObjectIdentifier),
    #[error("the elliptic curve {0} is not supported")]
    UnsupportedCurve(ObjectIdentifier),
    #[error("the key's explicit curve parameters match no supported curve")]
    UnknownExplicitCurve,
    #[error("RSASSA-PSS with an MGF1 hash different from the message hash is not supported")]
    UnsupportedPssParameters,
    #[error("the signature algorithm does not say which digest to use")]
    MissingDigest,
    #[error("the signature algorithm does not fit the signer's key type")]
    KeyAlgorithmMismatch,
    #[error("the signer's public key is malformed")]
    MalformedPublicKey,
    #[error("the signature algorithm's parameters are malformed")]
    MalformedParameters,
    #[error("the signature value is malformed")]
    MalformedSignature,
    #[error("the signature does not verify")]
    BadSignature,
}

enum Scheme {
    /// RSA PKCS#1 v1.5; the hash may come from the CMS digestAlgorithm when the signature
    /// algorithm is plain `rsaEncryption`, as many SODs write it.
    RsaPkcs1(Option<HashAlgorithm>),
    RsaPss {
        hash: HashAlgorithm,
        salt_len: usize,
    },
    Ecdsa(Option<HashAlgorithm>),
}

/// Verifies `signature` over `message` with the key of `signer`, by `algorithm`.
/// `digest_hint` is the CMS SignerInfo's digestAlgorithm, used only when `algorithm`
/// names a key type and not a hash (`rsaEncryption`, `id-ecPublicKey`); certificates
/// pass `None`.
pub fn verify_signature(
    signer: &SubjectPublicKeyInfoOwned,
    algorithm: &AlgorithmIdentifierOwned,
    digest_hint: Option<HashAlgorithm>,
    message: &[u8],
    signature: &[u8],
) -> Result<SignatureScheme, SignatureError> {
    let scheme = match algorithm.oid {
        RSA_ENCRYPTION => Scheme::RsaPkcs1(digest_hint),
        SHA1_WITH_RSA => Scheme::RsaPkcs1(Some(HashAlgorithm::Sha1)),
        SHA224_WITH_RSA => Scheme::RsaPkcs1(Some(HashAlgorithm::Sha224)),
        SHA256_WITH_RSA => Scheme::RsaPkcs1(Some(HashAlgorithm::Sha256)),
        SHA384_WITH_RSA => Scheme::RsaPkcs1(Some(HashAlgorithm::Sha384)),
        SHA512_WITH_RSA => Scheme::RsaPkcs1(Some(HashAlgorithm::Sha512)),
        RSASSA_PSS => pss_parameters(algorithm)?,
        EC_PUBLIC_KEY => Scheme::Ecdsa(digest_hint),
        ECDSA_WITH_SHA1 => Scheme::Ecdsa(Some(HashAlgorithm::Sha1)),
        ECDSA_WITH_SHA224 => Scheme::Ecdsa(Some(HashAlgorithm::Sha224)),
        ECDSA_WITH_SHA256 => Scheme::Ecdsa(Some(HashAlgorithm::Sha256)),
        ECDSA_WITH_SHA384 => Scheme::Ecdsa(Some(HashAlgorithm::Sha384)),
        ECDSA_WITH_SHA512 => Scheme::Ecdsa(Some(HashAlgorithm::Sha512)),
        other => return Err(SignatureError::UnsupportedAlgorithm(other)),
    };
    match scheme {
        Scheme::RsaPkcs1(hash) => {
            let hash = hash.ok_or(SignatureError::MissingDigest)?;
            let key = rsa_key(signer)?;
            let digest = hash.digest(message);
            let padding = rsa::Pkcs1v15Sign {
                hash_len: Some(hash.output_len()),
                prefix: digest_info_prefix(hash)?.into_boxed_slice(),
            };
            key.verify(padding, &digest, signature)
                .map_err(|_| SignatureError::BadSignature)?;
            Ok(SignatureScheme::RsaPkcs1v15 { hash })
        }
        Scheme::RsaPss { hash, salt_len } => {
            let key = rsa_key(signer)?;
            let digest = hash.digest(message);
            let outcome = match hash {
                HashAlgorithm::Sha1 => key.verify(
                    rsa::Pss::<sha1::Sha1>::new_with_salt(salt_len),
                    &digest,
                    signature,
                ),
                HashAlgorithm::Sha224 => key.verify(
                    rsa::Pss::<sha2::Sha224>::new_with_salt(salt_len),
                    &digest,
                    signature,
                ),
                HashAlgorithm::Sha256 => key.verify(
                    rsa::Pss::<sha2::Sha256>::new_with_salt(salt_len),
                    &digest,
                    signature,
                ),
                HashAlgorithm::Sha384 => key.verify(
                    rsa::Pss::<sha2::Sha384>::new_with_salt(salt_len),
                    &digest,
                    signature,
                ),
                HashAlgorithm::Sha512 => key.verify(
                    rsa::Pss::<sha2::Sha512>::new_with_salt(salt_len),
                    &digest,
                    signature,
                ),
            };
            outcome.map_err(|_| SignatureError::BadSignature)?;
            Ok(SignatureScheme::RsaPss { hash, salt_len })
        }
        Scheme::Ecdsa(hash) => {
            let hash = hash.ok_or(SignatureError::MissingDigest)?;
            let curve = ec_curve(signer)?;
            let point = signer
                .subject_public_key
                .as_bytes()
                .ok_or(SignatureError::MalformedPublicKey)?;
            let digest = hash.digest(message);
            match curve {
                NamedCurve::P256 => ecdsa_verify!(p256::NistP256, point, &digest, signature),
                NamedCurve::P384 => ecdsa_verify!(p384::NistP384, point, &digest, signature),
                NamedCurve::BrainpoolP256r1 => {
                    ecdsa_verify!(bp256::BrainpoolP256r1, point, &digest, signature)
                }
                NamedCurve::BrainpoolP384r1 => {
                    ecdsa_verify!(bp384::BrainpoolP384r1, point, &digest, signature)
                }
            }
            Ok(SignatureScheme::Ecdsa { hash, curve })
        }
    }
}

fn rsa_key(signer: &SubjectPublicKeyInfoOwned) -> Result<rsa::RsaPublicKey, SignatureError> {
    // RSASSA-PSS keys may carry the PSS OID instead of rsaEncryption (RFC 4055 §1.2).
    if signer.algorithm.oid != RSA_ENCRYPTION && signer.algorithm.oid != RSASSA_PSS {
        return Err(SignatureError::KeyAlgorithmMismatch);
    }
    let bits = signer
        .subject_public_key
        .as_bytes()
        .ok_or(SignatureError::MalformedPublicKey)?;
    let key = rsa::pkcs1::RsaPublicKey::<UintRef<'_>>::from_der(bits)
        .map_err(|_| SignatureError::MalformedPublicKey)?;
    let modulus = key.modulus.as_bytes();
    let modulus_bits = u32::try_from(modulus.len().saturating_mul(8))
        .map_err(|_| SignatureError::MalformedPublicKey)?;
    if modulus.len().saturating_mul(8) > MAX_RSA_BITS + 8 {
        return Err(SignatureError::MalformedPublicKey);
    }
    let n = rsa::BoxedUint::from_be_slice(modulus, modulus_bits)
        .map_err(|_| SignatureError::MalformedPublicKey)?;
    let exponent = key.public_exponent.as_bytes();
    let exponent_bits = u32::try_from(exponent.len().saturating_mul(8).max(8))
        .map_err(|_| SignatureError::MalformedPublicKey)?;
    let e = rsa::BoxedUint::from_be_slice(exponent, exponent_bits)
        .map_err(|_| SignatureError::MalformedPublicKey)?;
    rsa::RsaPublicKey::new_with_size_limits(n, e, rsa::RsaPublicKey::MIN_SIZE..=MAX_RSA_BITS)
        .map_err(|_| SignatureError::MalformedPublicKey)
}

/// The DER `DigestInfo` (RFC 8017 §9.2) up to the digest itself: what PKCS#1 v1.5
/// puts before the hash inside the padded block.
pub(crate) fn digest_info_prefix(hash: HashAlgorithm) -> Result<Vec<u8>, SignatureError> {
    let info = DigestInfo {
        algorithm: AlgorithmIdentifierOwned {
            oid: hash.oid(),
            parameters: Some(der::asn1::Any::null()),
        },
        digest: der::asn1::OctetString::new(vec![0u8; hash.output_len()])
            .map_err(|_| SignatureError::MalformedParameters)?,
    };
    let mut encoded = info
        .to_der()
        .map_err(|_| SignatureError::MalformedParameters)?;
    encoded.truncate(encoded.len().saturating_sub(hash.output_len()));
    Ok(encoded)
}

#[derive(Sequence)]
struct DigestInfo {
    algorithm: AlgorithmIdentifierOwned,
    digest: der::asn1::OctetString,
}

/// RSASSA-PSS-params (RFC 4055 §3.1; defaults SHA-1, MGF1-SHA-1, salt 20, trailer 1).
fn pss_parameters(algorithm: &AlgorithmIdentifierOwned) -> Result<Scheme, SignatureError> {
    let parameters = algorithm
        .parameters
        .as_ref()
        .ok_or(SignatureError::MalformedParameters)?
        .to_der()
        .map_err(|_| SignatureError::MalformedParameters)?;
    let parameters = rsa::pkcs1::RsaPssParams::<der::asn1::Any>::from_der(&parameters)
        .map_err(|_| SignatureError::MalformedParameters)?;
    let hash = HashAlgorithm::from_oid(&parameters.hash.oid)
        .ok_or(SignatureError::UnsupportedAlgorithm(parameters.hash.oid))?;
    if parameters.mask_gen.oid != MGF1 {
        return Err(SignatureError::UnsupportedPssParameters);
    }
    let mgf_hash = parameters
        .mask_gen
        .parameters
        .as_ref()
        .and_then(|inner| HashAlgorithm::from_oid(&inner.oid))
        .ok_or(SignatureError::UnsupportedPssParameters)?;
    if mgf_hash != hash {
        return Err(SignatureError::UnsupportedPssParameters);
    }
    Ok(Scheme::RsaPss {
        hash,
        salt_len: usize::from(parameters.salt_len),
    })
}

/// ECParameters' `specifiedCurve` (RFC 3279 §2.3.5); only the fields that identify the
/// curve are kept, the key is then checked to lie on the known curve by decoding it.
#[derive(Sequence)]
struct SpecifiedCurve<'a> {
    version: u8,
    // The field and curve coefficients are not compared: base point and order pick the
    // curve, and decoding the key as a point of that curve rejects anything else.
    _field_id: AnyRef<'a>,
    _curve: AnyRef<'a>,
    base: &'a der::asn1::OctetStringRef,
    order: UintRef<'a>,
    #[asn1(optional = "true")]
    cofactor: Option<UintRef<'a>>,
}

fn ec_curve(signer: &SubjectPublicKeyInfoOwned) -> Result<NamedCurve, SignatureError> {
    if signer.algorithm.oid != EC_PUBLIC_KEY {
        return Err(SignatureError::KeyAlgorithmMismatch);
    }
    let parameters = signer
        .algorithm
        .parameters
        .as_ref()
        .ok_or(SignatureError::MalformedPublicKey)?;
    if let Ok(oid) = parameters.decode_as::<ObjectIdentifier>() {
        return NamedCurve::from_oid(&oid).ok_or(SignatureError::UnsupportedCurve(oid));
    }
    let encoded = parameters
        .to_der()
        .map_err(|_| SignatureError::MalformedPublicKey)?;
    let specified =
        SpecifiedCurve::from_der(&encoded).map_err(|_| SignatureError::UnknownExplicitCurve)?;
    // ecpVer1, and all four supported curves have cofactor 1.
    let cofactor_is_one = specified
        .cofactor
        .is_none_or(|cofactor| cofactor.as_bytes() == [1]);
    if specified.version != 1 || !cofactor_is_one {
        return Err(SignatureError::UnknownExplicitCurve);
    }
    let base = specified.base.as_bytes();
    let order = specified.order.as_bytes();
    NamedCurve::ALL
        .into_iter()
        .find(|curve| {
            let (known_order, known_base) = curve.order_and_generator();
            known_order == order && known_base == base
        })
        .ok_or(SignatureError::UnknownExplicitCurve)
}

/// ECDSA verification of a prehashed message on one curve. CMS and X.509 carry ECDSA
/// signatures as DER `Ecdsa-Sig-Value` (RFC 3279 §2.2.3).
macro_rules! ecdsa_verify {
    ($curve:ty, $point:expr, $digest:expr, $signature:expr) => {{
        let key = ecdsa::VerifyingKey::<$curve>::from_sec1_bytes($point)
            .map_err(|_| SignatureError::MalformedPublicKey)?;
        let signature = ecdsa::Signature::<$curve>::from_der($signature)
            .map_err(|_| SignatureError::MalformedSignature)?;
        key.verify_prehash($digest, &signature)
            .map_err(|_| SignatureError::BadSignature)?
    }};
}
use ecdsa_verify;

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8017 §9.2, note 1: the DigestInfo prefixes of PKCS#1 v1.5.
    #[test]
    fn digest_info_prefixes_match_rfc_8017() {
        let expected = [
            (HashAlgorithm::Sha1, "3021300906052b0e03021a05000414"),
            (
                HashAlgorithm::Sha224,
                "302d300d06096086480165030402040500041c",
            ),
            (
                HashAlgorithm::Sha256,
                "3031300d060960864801650304020105000420",
            ),
            (
                HashAlgorithm::Sha384,
                "3041300d060960864801650304020205000430",
            ),
            (
                HashAlgorithm::Sha512,
                "3051300d060960864801650304020305000440",
            ),
        ];
        for (hash, prefix) in expected {
            let encoded: String = digest_info_prefix(hash)
                .unwrap()
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect();
            assert_eq!(encoded, prefix, "{hash}");
        }
    }

    /// SEC 2 and RFC 5639 publish each curve's order; the explicit-parameter match uses
    /// the crates' constants, which must agree.
    #[test]
    fn curve_orders_are_the_published_ones() {
        let hex = |curve: NamedCurve| -> String {
            curve
                .order_and_generator()
                .0
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect()
        };
        assert_eq!(
            hex(NamedCurve::P256),
            "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"
        );
        assert_eq!(
            hex(NamedCurve::BrainpoolP256r1),
            "a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a7"
        );
        for curve in NamedCurve::ALL {
            let (_, generator) = curve.order_and_generator();
            assert_eq!(generator.first(), Some(&0x04), "{curve:?} uncompressed");
        }
    }

    #[test]
    fn unknown_algorithms_are_typed_errors() {
        let key = SubjectPublicKeyInfoOwned {
            algorithm: AlgorithmIdentifierOwned {
                oid: RSA_ENCRYPTION,
                parameters: None,
            },
            subject_public_key: der::asn1::BitString::from_bytes(&[0x30, 0x00]).unwrap(),
        };
        let md5_with_rsa = AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.4"),
            parameters: None,
        };
        assert_eq!(
            verify_signature(&key, &md5_with_rsa, None, b"", b""),
            Err(SignatureError::UnsupportedAlgorithm(md5_with_rsa.oid))
        );
        let plain_rsa = AlgorithmIdentifierOwned {
            oid: RSA_ENCRYPTION,
            parameters: None,
        };
        assert_eq!(
            verify_signature(&key, &plain_rsa, None, b"", b""),
            Err(SignatureError::MissingDigest)
        );
        assert_eq!(
            verify_signature(&key, &plain_rsa, Some(HashAlgorithm::Sha256), b"", b""),
            Err(SignatureError::MalformedPublicKey)
        );
        let ecdsa = AlgorithmIdentifierOwned {
            oid: ECDSA_WITH_SHA256,
            parameters: None,
        };
        assert_eq!(
            verify_signature(&key, &ecdsa, None, b"", b""),
            Err(SignatureError::KeyAlgorithmMismatch)
        );
    }
}
