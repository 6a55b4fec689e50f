//! Elliptic-curve keys of the chip: the Chip Authentication key of DG14, an ECDSA Active
//! Authentication key of DG15, and the ephemeral key the terminal makes for Chip
//! Authentication.
//!
//! Four curves are supported, the ones eMRTD profiles use with 256- and 384-bit keys:
//! NIST P-256 and P-384 (FIPS 186-4) and brainpoolP256r1 and brainpoolP384r1 (RFC 5639).
//! A key arrives as an X.509 `SubjectPublicKeyInfo` (RFC 5480) whose `id-ecPublicKey`
//! parameters either name the curve or spell out its domain parameters (X9.62
//! `ECParameters`); many issuers write the explicit form in DG14, so both are
//! accepted, and explicit parameters must equal one of the four curves
//! field by field. A point is always checked to lie on its curve and not to be the
//! identity, so a hostile card cannot lead the terminal into an invalid-curve computation.

use std::fmt;

use const_oid::ObjectIdentifier;
use der::asn1::AnyRef;
use der::{Decode, Encode};
use elliptic_curve::bigint::Encoding;
use elliptic_curve::sec1::ToSec1Point;
use elliptic_curve::{CurveArithmetic, Group, PublicKey, SecretKey, ecdh};
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};
use zeroize::Zeroizing;

use crate::sm::random::{RandomError, RandomSource};
use crate::tlv::{Tag, Tlv};

/// `id-ecPublicKey` (RFC 5480 §2.1.1).
pub const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// `prime-field` (X9.62): the field type of every supported curve.
const ID_PRIME_FIELD: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.1.1");

/// A curve the kiosk can compute on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EcCurve {
    NistP256,
    BrainpoolP256r1,
    NistP384,
    BrainpoolP384r1,
}

impl EcCurve {
    pub const ALL: [EcCurve; 4] = [
        Self::NistP256,
        Self::BrainpoolP256r1,
        Self::NistP384,
        Self::BrainpoolP384r1,
    ];

    /// The named-curve OID (RFC 5480 §2.1.1.1; RFC 5639 §4.1).
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::NistP256 => ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7"),
            Self::BrainpoolP256r1 => ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.7"),
            Self::NistP384 => ObjectIdentifier::new_unwrap("1.3.132.0.34"),
            Self::BrainpoolP384r1 => ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.11"),
        }
    }

    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        Self::ALL.into_iter().find(|curve| curve.oid() == *oid)
    }

    /// Bytes of a field element, and of each half of a plain ECDSA signature.
    pub fn field_len(self) -> usize {
        match self {
            Self::NistP256 | Self::BrainpoolP256r1 => 32,
            Self::NistP384 | Self::BrainpoolP384r1 => 48,
        }
    }

    /// The prime p, and the coefficients a and b, big-endian (FIPS 186-4 §D.1.2; RFC 5639
    /// §3.4 and §3.6): what explicit domain parameters must repeat. The generator and
    /// the order are compared through the curve arithmetic itself.
    fn explicit_constants(self) -> [&'static str; 3] {
        match self {
            Self::NistP256 => [
                "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
                "ffffffff00000001000000000000000000000000fffffffffffffffffffffffc",
                "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
            ],
            Self::BrainpoolP256r1 => [
                "a9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e5377",
                "7d5a0975fc2c3057eef67530417affe7fb8055c126dc5c6ce94a4b44f330b5d9",
                "26dc5c6ce94a4b44f330b5d9bbd77cbf958416295cf7e1ce6bccdc18ff8c07b6",
            ],
            Self::NistP384 => [
                "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe\
                 ffffffff0000000000000000ffffffff",
                "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe\
                 ffffffff0000000000000000fffffffc",
                "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875a\
                 c656398d8a2ed19d2a85c8edd3ec2aef",
            ],
            Self::BrainpoolP384r1 => [
                "8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b412b1da197fb71123\
                 acd3a729901d1a71874700133107ec53",
                "7bc382c63d8c150c3c72080ace05afa0c2bea28e4fb22787139165efba91f90f\
                 8aa5814a503ad4eb04a8c7dd22ce2826",
                "04a8c7dd22ce28268b39b55416f0447c2fb77de107dcd2a62e880ea53eeb62d5\
                 7cb4390295dbc9943ab78696fa504c11",
            ],
        }
    }

    /// The generator, uncompressed, and the group order, big-endian.
    fn generator_and_order(self) -> (Vec<u8>, Vec<u8>) {
        fn of<C>() -> (Vec<u8>, Vec<u8>)
        where
            C: CurveArithmetic,
            C::AffinePoint: ToSec1Point<C>,
            elliptic_curve::FieldBytesSize<C>: elliptic_curve::sec1::ModulusSize,
        {
            let generator = C::ProjectivePoint::generator().into();
            let point = generator.to_sec1_point(false).as_bytes().to_vec();
            (point, C::ORDER.get().to_be_bytes().as_ref().to_vec())
        }
        match self {
            Self::NistP256 => of::<p256::NistP256>(),
            Self::BrainpoolP256r1 => of::<bp256::BrainpoolP256r1>(),
            Self::NistP384 => of::<p384::NistP384>(),
            Self::BrainpoolP384r1 => of::<bp384::BrainpoolP384r1>(),
        }
    }
}

impl fmt::Display for EcCurve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NistP256 => "P-256",
            Self::BrainpoolP256r1 => "brainpoolP256r1",
            Self::NistP384 => "P-384",
            Self::BrainpoolP384r1 => "brainpoolP384r1",
        })
    }
}

/// Why bytes are not a usable key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the public key is not a DER SubjectPublicKeyInfo: {0}")]
    Spki(String),
    #[error("the key's algorithm {0} is not one this kiosk verifies")]
    UnsupportedAlgorithm(ObjectIdentifier),
    #[error("the key's curve {0} is not one this kiosk supports")]
    UnsupportedCurve(ObjectIdentifier),
    #[error("the key's explicit domain parameters match no supported curve")]
    UnknownDomainParameters,
    #[error("the key's domain parameters are malformed")]
    MalformedDomainParameters,
    #[error("the public point is not a point of {0} (or is the identity)")]
    InvalidPoint(EcCurve),
    #[error("the private key is not a scalar of {0}")]
    InvalidScalar(EcCurve),
    #[error("the keys lie on different curves ({0} and {1})")]
    CurveMismatch(EcCurve, EcCurve),
    #[error("the RSA key is unusable: {0}")]
    Rsa(String),
}

/// A public key on one of the supported curves, known to be a valid non-identity point.
#[derive(Clone, PartialEq, Eq)]
pub enum EcPublicKey {
    NistP256(PublicKey<p256::NistP256>),
    BrainpoolP256r1(PublicKey<bp256::BrainpoolP256r1>),
    NistP384(PublicKey<p384::NistP384>),
    BrainpoolP384r1(PublicKey<bp384::BrainpoolP384r1>),
}

/// The chip's static Chip Authentication key (DG14's `ChipAuthenticationPublicKeyInfo`).
pub type ChipPublicKey = EcPublicKey;

impl EcPublicKey {
    /// Parses a DER `SubjectPublicKeyInfo` with `id-ecPublicKey`.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let spki =
            SubjectPublicKeyInfoRef::from_der(der).map_err(|e| KeyError::Spki(e.to_string()))?;
        Self::from_spki(&spki)
    }

    pub(crate) fn from_spki(spki: &SubjectPublicKeyInfoRef<'_>) -> Result<Self, KeyError> {
        if spki.algorithm.oid != ID_EC_PUBLIC_KEY {
            return Err(KeyError::UnsupportedAlgorithm(spki.algorithm.oid));
        }
        let curve = curve_of(&spki.algorithm)?;
        let point = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| KeyError::Spki("the key's BIT STRING has unused bits".into()))?;
        Self::from_sec1_point(curve, point)
    }

    /// A point in SEC 1 encoding (uncompressed `04 ‖ x ‖ y`, or compressed) on `curve`.
    pub fn from_sec1_point(curve: EcCurve, bytes: &[u8]) -> Result<Self, KeyError> {
        let invalid = |_| KeyError::InvalidPoint(curve);
        Ok(match curve {
            EcCurve::NistP256 => {
                Self::NistP256(PublicKey::from_sec1_bytes(bytes).map_err(invalid)?)
            }
            EcCurve::BrainpoolP256r1 => {
                Self::BrainpoolP256r1(PublicKey::from_sec1_bytes(bytes).map_err(invalid)?)
            }
            EcCurve::NistP384 => {
                Self::NistP384(PublicKey::from_sec1_bytes(bytes).map_err(invalid)?)
            }
            EcCurve::BrainpoolP384r1 => {
                Self::BrainpoolP384r1(PublicKey::from_sec1_bytes(bytes).map_err(invalid)?)
            }
        })
    }

    pub fn curve(&self) -> EcCurve {
        match self {
            Self::NistP256(_) => EcCurve::NistP256,
            Self::BrainpoolP256r1(_) => EcCurve::BrainpoolP256r1,
            Self::NistP384(_) => EcCurve::NistP384,
            Self::BrainpoolP384r1(_) => EcCurve::BrainpoolP384r1,
        }
    }

    /// `04 ‖ x ‖ y`: how Chip Authentication sends the terminal's ephemeral key
    /// (the uncompressed encoding of BSI TR-03111 §3.2.1).
    pub fn to_uncompressed_point(&self) -> Vec<u8> {
        match self {
            Self::NistP256(key) => key.to_sec1_point(false).as_bytes().to_vec(),
            Self::BrainpoolP256r1(key) => key.to_sec1_point(false).as_bytes().to_vec(),
            Self::NistP384(key) => key.to_sec1_point(false).as_bytes().to_vec(),
            Self::BrainpoolP384r1(key) => key.to_sec1_point(false).as_bytes().to_vec(),
        }
    }

    /// The key as a DER `SubjectPublicKeyInfo` with a named curve: what a card generator
    /// writes into DG14 or DG15.
    pub fn to_spki_der(&self) -> Result<Vec<u8>, KeyError> {
        let curve_oid = self.curve().oid();
        let parameters = curve_oid
            .to_der()
            .map_err(|e| KeyError::Spki(e.to_string()))?;
        let parameters =
            AnyRef::from_der(&parameters).map_err(|e| KeyError::Spki(e.to_string()))?;
        let point = self.to_uncompressed_point();
        let spki = SubjectPublicKeyInfoRef {
            algorithm: AlgorithmIdentifierRef {
                oid: ID_EC_PUBLIC_KEY,
                parameters: Some(parameters),
            },
            subject_public_key: der::asn1::BitStringRef::from_bytes(&point)
                .map_err(|e| KeyError::Spki(e.to_string()))?,
        };
        spki.to_der().map_err(|e| KeyError::Spki(e.to_string()))
    }
}

impl fmt::Debug for EcPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EcPublicKey({}, ", self.curve())?;
        for byte in self.to_uncompressed_point().iter().skip(1).take(8) {
            write!(f, "{byte:02x}")?;
        }
        write!(f, "…)")
    }
}

/// A private key on one of the supported curves: the chip's static keys in the emulator,
/// and the terminal's ephemeral Chip Authentication key. Wiped when dropped.
#[derive(Clone)]
pub enum EcPrivateKey {
    NistP256(SecretKey<p256::NistP256>),
    BrainpoolP256r1(SecretKey<bp256::BrainpoolP256r1>),
    NistP384(SecretKey<p384::NistP384>),
    BrainpoolP384r1(SecretKey<bp384::BrainpoolP384r1>),
}

/// Draws at most this many candidate scalars before giving up; on brainpoolP256r1, whose
/// order is the furthest below 2^256, a draw is refused with probability about 0.34.
const MAX_SCALAR_DRAWS: usize = 64;

impl EcPrivateKey {
    /// A fresh key: field-sized random strings until one is a scalar in [1, n-1] (the
    /// rejection sampling of FIPS 186-4 §B.4.2), so that known-answer tests can replay
    /// fixed scalars through [`RandomSource`].
    pub fn random(curve: EcCurve, random: &mut dyn RandomSource) -> Result<Self, RandomError> {
        let mut candidate = Zeroizing::new(vec![0u8; curve.field_len()]);
        for _ in 0..MAX_SCALAR_DRAWS {
            random.fill(&mut candidate)?;
            if let Ok(key) = Self::from_bytes(curve, &candidate) {
                return Ok(key);
            }
        }
        Err(RandomError(
            "no valid private scalar after many draws".into(),
        ))
    }

    /// A key from its big-endian scalar, which must lie in [1, n-1].
    pub fn from_bytes(curve: EcCurve, scalar: &[u8]) -> Result<Self, KeyError> {
        let invalid = |_| KeyError::InvalidScalar(curve);
        Ok(match curve {
            EcCurve::NistP256 => Self::NistP256(SecretKey::from_slice(scalar).map_err(invalid)?),
            EcCurve::BrainpoolP256r1 => {
                Self::BrainpoolP256r1(SecretKey::from_slice(scalar).map_err(invalid)?)
            }
            EcCurve::NistP384 => Self::NistP384(SecretKey::from_slice(scalar).map_err(invalid)?),
            EcCurve::BrainpoolP384r1 => {
                Self::BrainpoolP384r1(SecretKey::from_slice(scalar).map_err(invalid)?)
            }
        })
    }

    /// The big-endian scalar, for writing the emulator's key files.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(match self {
            Self::NistP256(key) => key.to_bytes().to_vec(),
            Self::BrainpoolP256r1(key) => key.to_bytes().to_vec(),
            Self::NistP384(key) => key.to_bytes().to_vec(),
            Self::BrainpoolP384r1(key) => key.to_bytes().to_vec(),
        })
    }

    pub fn curve(&self) -> EcCurve {
        match self {
            Self::NistP256(_) => EcCurve::NistP256,
            Self::BrainpoolP256r1(_) => EcCurve::BrainpoolP256r1,
            Self::NistP384(_) => EcCurve::NistP384,
            Self::BrainpoolP384r1(_) => EcCurve::BrainpoolP384r1,
        }
    }

    pub fn public_key(&self) -> EcPublicKey {
        match self {
            Self::NistP256(key) => EcPublicKey::NistP256(key.public_key()),
            Self::BrainpoolP256r1(key) => EcPublicKey::BrainpoolP256r1(key.public_key()),
            Self::NistP384(key) => EcPublicKey::NistP384(key.public_key()),
            Self::BrainpoolP384r1(key) => EcPublicKey::BrainpoolP384r1(key.public_key()),
        }
    }

    /// The shared secret of ECKA-DH (BSI TR-03111 §4.3.1): the x-coordinate of
    /// private × peer, as a field-sized octet string. Both keys must share the curve.
    pub fn diffie_hellman(&self, peer: &EcPublicKey) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        fn x<C: CurveArithmetic>(secret: &SecretKey<C>, peer: &PublicKey<C>) -> Vec<u8> {
            let shared = ecdh::diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine());
            shared.raw_secret_bytes().to_vec()
        }
        Ok(Zeroizing::new(match (self, peer) {
            (Self::NistP256(s), EcPublicKey::NistP256(p)) => x(s, p),
            (Self::BrainpoolP256r1(s), EcPublicKey::BrainpoolP256r1(p)) => x(s, p),
            (Self::NistP384(s), EcPublicKey::NistP384(p)) => x(s, p),
            (Self::BrainpoolP384r1(s), EcPublicKey::BrainpoolP384r1(p)) => x(s, p),
            _ => return Err(KeyError::CurveMismatch(self.curve(), peer.curve())),
        }))
    }
}

impl fmt::Debug for EcPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EcPrivateKey({}, ..)", self.curve())
    }
}

/// The curve named or spelled out by `id-ecPublicKey`'s parameters (RFC 5480 §2.1.1;
/// X9.62 `ECParameters`, as BSI TR-03111 §5.1.1 writes them). `implicitCurve` (NULL)
/// and an absent parameter name nothing and are refused.
fn curve_of(algorithm: &AlgorithmIdentifierRef<'_>) -> Result<EcCurve, KeyError> {
    let parameters = algorithm
        .parameters
        .as_ref()
        .ok_or(KeyError::MalformedDomainParameters)?;
    if let Ok(oid) = parameters.decode_as::<ObjectIdentifier>() {
        return EcCurve::from_oid(&oid).ok_or(KeyError::UnsupportedCurve(oid));
    }
    let der = parameters
        .to_der()
        .map_err(|_| KeyError::MalformedDomainParameters)?;
    match_explicit(&der)
}

/// ECParameters ::= SEQUENCE { version INTEGER (1), fieldID SEQUENCE { prime-field,
/// p INTEGER }, curve SEQUENCE { a OCTET STRING, b OCTET STRING, seed BIT STRING
/// OPTIONAL }, base OCTET STRING, order INTEGER, cofactor INTEGER OPTIONAL }.
fn match_explicit(der: &[u8]) -> Result<EcCurve, KeyError> {
    let malformed = |_| KeyError::MalformedDomainParameters;
    let parameters = Tlv::parse_exact(der)
        .and_then(|tlv| tlv.expect_tag(Tag::SEQUENCE))
        .map_err(malformed)?;
    let mut fields = parameters.children().map_err(malformed)?;
    let mut next = |tag: Tag| -> Result<Tlv<'_>, KeyError> {
        fields
            .next()
            .ok_or(KeyError::MalformedDomainParameters)?
            .and_then(|tlv| tlv.expect_tag(tag))
            .map_err(malformed)
    };
    let version = next(Tag::INTEGER)?;
    let field = next(Tag::SEQUENCE)?;
    let coefficients = next(Tag::SEQUENCE)?;
    let base = next(Tag::OCTET_STRING)?;
    let order = next(Tag::INTEGER)?;
    let cofactor = fields.next().transpose().map_err(malformed)?;
    if version.value != [1] {
        return Err(KeyError::MalformedDomainParameters);
    }
    let field_type = field.require(Tag::OBJECT_IDENTIFIER).map_err(malformed)?;
    let field_oid = ObjectIdentifier::from_bytes(field_type.value)
        .map_err(|_| KeyError::MalformedDomainParameters)?;
    if field_oid != ID_PRIME_FIELD {
        return Err(KeyError::UnknownDomainParameters);
    }
    let prime = field.require(Tag::INTEGER).map_err(malformed)?;
    let mut ab = coefficients.children().map_err(malformed)?;
    let mut coefficient = || -> Result<Vec<u8>, KeyError> {
        let tlv = ab
            .next()
            .ok_or(KeyError::MalformedDomainParameters)?
            .and_then(|tlv| tlv.expect_tag(Tag::OCTET_STRING))
            .map_err(malformed)?;
        Ok(tlv.value.to_vec())
    };
    let (a, b) = (coefficient()?, coefficient()?);
    if let Some(cofactor) = cofactor
        && (cofactor.tag != Tag::INTEGER || cofactor.value != [1])
    {
        return Err(KeyError::UnknownDomainParameters);
    }
    EcCurve::ALL
        .into_iter()
        .find(|&curve| {
            let [p_hex, a_hex, b_hex] = curve.explicit_constants();
            let (generator, n) = curve.generator_and_order();
            same_integer(prime.value, &hex(p_hex))
                && same_integer(&a, &hex(a_hex))
                && same_integer(&b, &hex(b_hex))
                && same_integer(order.value, &n)
                && EcPublicKey::from_sec1_point(curve, base.value)
                    .is_ok_and(|g| g.to_uncompressed_point() == generator)
        })
        .ok_or(KeyError::UnknownDomainParameters)
}

/// Whether two big-endian unsigned integers are equal, ignoring leading zero bytes (DER
/// INTEGERs carry one when the top bit is set; FE2OS strings are field-sized).
fn same_integer(left: &[u8], right: &[u8]) -> bool {
    let strip =
        |bytes: &[u8]| -> Vec<u8> { bytes.iter().copied().skip_while(|&b| b == 0).collect() };
    strip(left) == strip(right)
}

fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text
        .bytes()
        .filter_map(|b| char::from(b).to_digit(16))
        .filter_map(|d| u8::try_from(d).ok())
        .collect();
    digits
        .chunks(2)
        .map(|pair| pair.iter().fold(0u8, |acc, d| (acc << 4) | d))
        .collect()
}

#[cfg(test)]
mod tests;
