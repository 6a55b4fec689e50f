//! Standardized domain parameters (ICAO 9303-11 §9.5.1; BSI TR-03110-3 §A.2.1.1),
//! and how a Chip Authentication public key names its curve.
//!
//! PACEInfo refers to its group by a small number; a ChipAuthenticationPublicKeyInfo
//! carries an X.509 SubjectPublicKeyInfo whose parameters name the curve by OID or spell
//! it out (explicit ECParameters, RFC 3279 §2.3.5), as many passports do. The kiosk
//! computes on NIST P-256 and brainpoolP256r1; [`StandardDomainParameters::curve`] says
//! whether a set is one of those.

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5639::BRAINPOOL_P_256_R_1;
use const_oid::db::rfc5912::{ID_EC_PUBLIC_KEY, SECP_256_R_1};
use elliptic_curve::bigint::Encoding;
use elliptic_curve::point::AffineCoordinates;
use elliptic_curve::sec1::{FromSec1Point, ModulusSize, ToSec1Point};
use elliptic_curve::{AffinePoint, CurveArithmetic, FieldBytesSize, Group};

use crate::tlv::{self, Tag, Tlv};

/// prime-field (ANSI X9.62 §A.4.1; RFC 3279 §2.3.5), the field type of the P-256 and
/// brainpool curves.
const PRIME_FIELD: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.1.1");

/// The standardized domain parameter sets, by their parameterId.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StandardDomainParameters {
    /// 0: 1024-bit MODP group with 160-bit prime order subgroup (RFC 5114 §2.1).
    Modp1024Order160,
    /// 1: 2048-bit MODP group with 224-bit prime order subgroup (RFC 5114 §2.2).
    Modp2048Order224,
    /// 2: 2048-bit MODP group with 256-bit prime order subgroup (RFC 5114 §2.3).
    Modp2048Order256,
    /// 8: NIST P-192 (secp192r1).
    NistP192,
    /// 9: brainpoolP192r1 (RFC 5639).
    BrainpoolP192r1,
    /// 10: NIST P-224 (secp224r1).
    NistP224,
    /// 11: brainpoolP224r1.
    BrainpoolP224r1,
    /// 12: NIST P-256 (secp256r1).
    NistP256,
    /// 13: brainpoolP256r1: what the CCCD announces for PACE.
    BrainpoolP256r1,
    /// 14: brainpoolP320r1.
    BrainpoolP320r1,
    /// 15: NIST P-384 (secp384r1).
    NistP384,
    /// 16: brainpoolP384r1.
    BrainpoolP384r1,
    /// 17: brainpoolP512r1.
    BrainpoolP512r1,
    /// 18: NIST P-521 (secp521r1).
    NistP521,
    /// 3–7 and 19–31 are reserved, 32 and above proprietary (given by a
    /// PACEDomainParameterInfo).
    Other(u32),
}

/// The curves this crate computes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SupportedCurve {
    NistP256,
    BrainpoolP256r1,
}

impl StandardDomainParameters {
    const NUMBERED: [(u32, StandardDomainParameters); 14] = [
        (0, Self::Modp1024Order160),
        (1, Self::Modp2048Order224),
        (2, Self::Modp2048Order256),
        (8, Self::NistP192),
        (9, Self::BrainpoolP192r1),
        (10, Self::NistP224),
        (11, Self::BrainpoolP224r1),
        (12, Self::NistP256),
        (13, Self::BrainpoolP256r1),
        (14, Self::BrainpoolP320r1),
        (15, Self::NistP384),
        (16, Self::BrainpoolP384r1),
        (17, Self::BrainpoolP512r1),
        (18, Self::NistP521),
    ];

    pub fn from_id(id: u32) -> Self {
        Self::NUMBERED
            .iter()
            .find(|(number, _)| *number == id)
            .map_or(Self::Other(id), |&(_, parameters)| parameters)
    }

    pub fn id(self) -> u32 {
        if let Self::Other(id) = self {
            return id;
        }
        Self::NUMBERED
            .iter()
            .find(|(_, parameters)| *parameters == self)
            .map_or(u32::MAX, |&(number, _)| number)
    }

    /// Whether the set is an elliptic curve (IDs 8–18) rather than a MODP group.
    pub fn is_elliptic_curve(self) -> bool {
        (8..=18).contains(&self.id())
    }

    /// The curve, if this crate computes on it.
    pub fn curve(self) -> Option<SupportedCurve> {
        match self {
            Self::NistP256 => Some(SupportedCurve::NistP256),
            Self::BrainpoolP256r1 => Some(SupportedCurve::BrainpoolP256r1),
            _ => None,
        }
    }
}

impl SupportedCurve {
    pub fn parameters(self) -> StandardDomainParameters {
        match self {
            Self::NistP256 => StandardDomainParameters::NistP256,
            Self::BrainpoolP256r1 => StandardDomainParameters::BrainpoolP256r1,
        }
    }

    /// The named-curve OID (RFC 5480 §2.1.1.1, RFC 5639 §4.1).
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::NistP256 => SECP_256_R_1,
            Self::BrainpoolP256r1 => BRAINPOOL_P_256_R_1,
        }
    }

    /// Bytes of a field element, and so of each coordinate.
    pub fn field_len(self) -> usize {
        32
    }

    fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        [Self::NistP256, Self::BrainpoolP256r1]
            .into_iter()
            .find(|curve| curve.oid() == *oid)
    }

    /// p, a and b of the curve equation y² = x³ + ax + b over F_p (FIPS 186-4 §D.1.2.3,
    /// RFC 5639 §3.4). The base point and the order come from the curve crates; a unit test
    /// checks that the base point satisfies this equation.
    fn field_and_coefficients(self) -> [&'static str; 3] {
        match self {
            Self::NistP256 => [
                "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF",
                "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC",
                "5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B",
            ],
            Self::BrainpoolP256r1 => [
                "A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377",
                "7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9",
                "26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6",
            ],
        }
    }

    /// The base point, uncompressed, and the group order, big-endian.
    pub fn generator_and_order(self) -> (Vec<u8>, Vec<u8>) {
        match self {
            Self::NistP256 => generator_and_order::<p256::NistP256>(),
            Self::BrainpoolP256r1 => generator_and_order::<bp256::BrainpoolP256r1>(),
        }
    }
}

fn generator_and_order<C>() -> (Vec<u8>, Vec<u8>)
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C> + AffineCoordinates,
{
    let generator: AffinePoint<C> = C::ProjectivePoint::generator().into();
    let encoded = generator.to_sec1_point(false).as_bytes().to_vec();
    let order = C::ORDER.as_ref().to_be_bytes().as_ref().to_vec();
    (encoded, order)
}

/// How an EC public key's AlgorithmIdentifier parameters name the curve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EcDomain {
    /// namedCurve: an OID.
    Named(ObjectIdentifier),
    /// specifiedCurve: explicit ECParameters, recognised as one of the supported curves
    /// when p, a, b, the base point and the order all agree (the seed and a cofactor of 1
    /// do not matter).
    Explicit(Option<SupportedCurve>),
}

impl EcDomain {
    /// The supported curve, if the parameters name or spell one.
    pub fn supported_curve(&self) -> Option<SupportedCurve> {
        match self {
            Self::Named(oid) => SupportedCurve::from_oid(oid),
            Self::Explicit(curve) => *curve,
        }
    }
}

/// Reads the parameters of an id-ecPublicKey AlgorithmIdentifier (RFC 3279 §2.3.5): an
/// OID, or explicit ECParameters. `None` when they are neither (or implicitlyCA, NULL).
pub(super) fn ec_domain(algorithm: &ObjectIdentifier, parameters: &[u8]) -> Option<EcDomain> {
    if *algorithm != ID_EC_PUBLIC_KEY {
        return None;
    }
    let parameters = Tlv::parse_exact(parameters).ok()?;
    if parameters.tag == Tag::OBJECT_IDENTIFIER {
        return ObjectIdentifier::from_bytes(parameters.value)
            .ok()
            .map(EcDomain::Named);
    }
    if parameters.tag != Tag::SEQUENCE {
        return None;
    }
    let explicit = ExplicitParameters::parse(&parameters)?;
    Some(EcDomain::Explicit(
        [SupportedCurve::NistP256, SupportedCurve::BrainpoolP256r1]
            .into_iter()
            .find(|&curve| explicit.is(curve)),
    ))
}

/// ECParameters ::= SEQUENCE { version, fieldID, curve, base, order, cofactor OPTIONAL },
/// borrowed from the key's encoding.
struct ExplicitParameters<'a> {
    prime: &'a [u8],
    a: &'a [u8],
    b: &'a [u8],
    base: &'a [u8],
    order: &'a [u8],
    cofactor: Option<&'a [u8]>,
}

impl<'a> ExplicitParameters<'a> {
    fn parse(sequence: &Tlv<'a>) -> Option<Self> {
        let mut fields = sequence.children().ok()?;
        let mut next = |tag: Tag| fields.next()?.ok().filter(|field| field.tag == tag);
        let _version = next(Tag::INTEGER)?;
        let field_id = next(Tag::SEQUENCE)?;
        let curve = next(Tag::SEQUENCE)?;
        let base = next(Tag::OCTET_STRING)?;
        let order = next(Tag::INTEGER)?;
        let cofactor = next(Tag::INTEGER);
        let mut field_parts = field_id.children().ok()?;
        let field_type = field_parts.next()?.ok()?;
        if field_type.tag != Tag::OBJECT_IDENTIFIER
            || ObjectIdentifier::from_bytes(field_type.value).ok()? != PRIME_FIELD
        {
            return None;
        }
        let prime = field_parts.next()?.ok().filter(|p| p.tag == Tag::INTEGER)?;
        let mut coefficients = curve.children().ok()?;
        let a = coefficients
            .next()?
            .ok()
            .filter(|a| a.tag == Tag::OCTET_STRING)?;
        let b = coefficients
            .next()?
            .ok()
            .filter(|b| b.tag == Tag::OCTET_STRING)?;
        Some(Self {
            prime: prime.value,
            a: a.value,
            b: b.value,
            base: base.value,
            order: order.value,
            cofactor: cofactor.map(|c| c.value),
        })
    }

    fn is(&self, curve: SupportedCurve) -> bool {
        let [p, a, b] = curve.field_and_coefficients().map(hex_bytes);
        let (generator, order) = curve.generator_and_order();
        let base_matches = match curve {
            SupportedCurve::NistP256 => same_point::<p256::NistP256>(self.base, &generator),
            SupportedCurve::BrainpoolP256r1 => {
                same_point::<bp256::BrainpoolP256r1>(self.base, &generator)
            }
        };
        same_integer(self.prime, &p)
            && same_integer(self.a, &a)
            && same_integer(self.b, &b)
            && same_integer(self.order, &order)
            && self
                .cofactor
                .is_none_or(|cofactor| same_integer(cofactor, &[1]))
            && base_matches
    }
}

/// Whether a SEC1 point (compressed or not) is the point `expected` encodes uncompressed.
fn same_point<C>(encoded: &[u8], expected: &[u8]) -> bool
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    AffinePoint::<C>::from_sec1_bytes(encoded)
        .is_ok_and(|point| point.to_sec1_point(false).as_bytes() == expected)
}

/// Equality of two big-endian unsigned numbers, ignoring leading zero bytes (DER INTEGER
/// sign bytes, fixed-width octet strings).
fn same_integer(left: &[u8], right: &[u8]) -> bool {
    let strip =
        |bytes: &[u8]| -> Vec<u8> { bytes.iter().copied().skip_while(|&b| b == 0).collect() };
    strip(left) == strip(right)
}

fn hex_bytes(text: &str) -> Vec<u8> {
    text.as_bytes()
        .chunks(2)
        .filter_map(|pair| {
            let pair = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(pair, 16).ok()
        })
        .collect()
}

/// The explicit ECParameters of `curve` (RFC 3279 §2.3.5), uncompressed base point and
/// cofactor 1: for the generator to write DG14 as many passports do.
pub fn explicit_parameters(curve: SupportedCurve) -> Vec<u8> {
    let [p, a, b] = curve.field_and_coefficients().map(hex_bytes);
    let (generator, order) = curve.generator_and_order();
    let field_id = [
        tlv::encode_tlv(Tag::OBJECT_IDENTIFIER, PRIME_FIELD.as_bytes()),
        tlv::encode_tlv(Tag::INTEGER, &super::encode::unsigned_integer_bytes(&p)),
    ]
    .concat();
    let coefficients = [
        tlv::encode_tlv(Tag::OCTET_STRING, &a),
        tlv::encode_tlv(Tag::OCTET_STRING, &b),
    ]
    .concat();
    let body = [
        tlv::encode_tlv(Tag::INTEGER, &[1]),
        tlv::encode_tlv(Tag::SEQUENCE, &field_id),
        tlv::encode_tlv(Tag::SEQUENCE, &coefficients),
        tlv::encode_tlv(Tag::OCTET_STRING, &generator),
        tlv::encode_tlv(Tag::INTEGER, &super::encode::unsigned_integer_bytes(&order)),
        tlv::encode_tlv(Tag::INTEGER, &[1]),
    ]
    .concat();
    tlv::encode_tlv(Tag::SEQUENCE, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_table_of_icao_9303_11() {
        assert_eq!(
            StandardDomainParameters::from_id(12),
            StandardDomainParameters::NistP256
        );
        assert_eq!(
            StandardDomainParameters::from_id(13),
            StandardDomainParameters::BrainpoolP256r1
        );
        assert_eq!(
            StandardDomainParameters::from_id(18),
            StandardDomainParameters::NistP521
        );
        assert_eq!(
            StandardDomainParameters::from_id(5),
            StandardDomainParameters::Other(5)
        );
        for id in 0..40 {
            assert_eq!(StandardDomainParameters::from_id(id).id(), id);
        }
        assert!(StandardDomainParameters::BrainpoolP384r1.is_elliptic_curve());
        assert!(!StandardDomainParameters::Modp2048Order256.is_elliptic_curve());
        assert_eq!(StandardDomainParameters::NistP384.curve(), None);
    }

    #[test]
    fn explicit_parameters_are_recognised_and_base_points_satisfy_the_equation() {
        for curve in [SupportedCurve::NistP256, SupportedCurve::BrainpoolP256r1] {
            let parameters = explicit_parameters(curve);
            let domain = ec_domain(&ID_EC_PUBLIC_KEY, &parameters);
            assert_eq!(domain, Some(EcDomain::Explicit(Some(curve))));
            let named = tlv::encode_tlv(Tag::OBJECT_IDENTIFIER, curve.oid().as_bytes());
            let domain = ec_domain(&ID_EC_PUBLIC_KEY, &named).and_then(|d| d.supported_curve());
            assert_eq!(domain, Some(curve));
        }
        // A group whose order differs is not P-256.
        // The parameters end with the order's last byte, then cofactor 02 01 01.
        let mut tampered = explicit_parameters(SupportedCurve::NistP256);
        let last_order_byte = tampered.len() - 4;
        tampered[last_order_byte] ^= 1;
        assert_ne!(
            ec_domain(&ID_EC_PUBLIC_KEY, &tampered),
            Some(EcDomain::Explicit(Some(SupportedCurve::NistP256)))
        );
        // The base points of the crates are the published ones (checked against p, a, b
        // above with independent arithmetic when this table was written).
        let (g, _) = SupportedCurve::BrainpoolP256r1.generator_and_order();
        assert_eq!(
            g,
            hex_bytes(
                "048BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262\
                 547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997"
            )
        );
    }
}
