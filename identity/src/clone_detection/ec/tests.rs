//! Curve recognition (named and explicit parameters) and the constants behind it.

use rsa::BoxedUint;

use super::*;
use crate::tlv::encode_tlv;

/// y² = x³ + a·x + b (mod p) for each curve's generator, with the hard-coded p, a, b:
/// catches a typo in the constants that explicit parameters are compared with.
#[test]
fn explicit_constants_hold_each_generator() {
    for curve in EcCurve::ALL {
        let [p, a, b] = curve.explicit_constants().map(hex);
        let (generator, order) = curve.generator_and_order();
        let len = curve.field_len();
        assert_eq!(p.len(), len, "{curve}");
        assert_eq!(order.len(), len, "{curve}");
        let bits = u32::try_from(len * 8 * 2).unwrap();
        let int = |bytes: &[u8]| BoxedUint::from_be_slice(bytes, bits).unwrap();
        let modulus = elliptic_curve::bigint::NonZero::new(int(&p)).unwrap();
        let x = int(&generator[1..=len]);
        let y = int(&generator[len + 1..]);
        let lhs = y.mul_mod(&y, &modulus);
        let x3 = x.mul_mod(&x, &modulus).mul_mod(&x, &modulus);
        let rhs = x3
            .add_mod(&int(&a).mul_mod(&x, &modulus), &modulus)
            .add_mod(&int(&b), &modulus);
        assert_eq!(lhs, rhs, "{curve}");
    }
}

fn explicit_parameters(curve: EcCurve, compressed_base: bool) -> Vec<u8> {
    let [p, a, b] = curve.explicit_constants().map(hex);
    let (generator, order) = curve.generator_and_order();
    let base = if compressed_base {
        let len = curve.field_len();
        let mut point = vec![0x02 | (generator[2 * len] & 1)];
        point.extend_from_slice(&generator[1..=len]);
        point
    } else {
        generator
    };
    let integer = |bytes: &[u8]| {
        let mut value = vec![0];
        value.extend_from_slice(bytes);
        encode_tlv(Tag::INTEGER, &value)
    };
    let field = [
        encode_tlv(Tag::OBJECT_IDENTIFIER, ID_PRIME_FIELD.as_bytes()),
        integer(&p),
    ]
    .concat();
    let coefficients = [
        encode_tlv(Tag::OCTET_STRING, &a),
        encode_tlv(Tag::OCTET_STRING, &b),
    ]
    .concat();
    let body = [
        encode_tlv(Tag::INTEGER, &[1]),
        encode_tlv(Tag::SEQUENCE, &field),
        encode_tlv(Tag::SEQUENCE, &coefficients),
        encode_tlv(Tag::OCTET_STRING, &base),
        integer(&order),
        encode_tlv(Tag::INTEGER, &[1]),
    ]
    .concat();
    encode_tlv(Tag::SEQUENCE, &body)
}

fn spki(parameters: &[u8], point: &[u8]) -> Vec<u8> {
    let algorithm = [
        encode_tlv(Tag::OBJECT_IDENTIFIER, ID_EC_PUBLIC_KEY.as_bytes()),
        parameters.to_vec(),
    ]
    .concat();
    let mut bits = vec![0];
    bits.extend_from_slice(point);
    let body = [
        encode_tlv(Tag::SEQUENCE, &algorithm),
        encode_tlv(Tag::new(0x03), &bits),
    ]
    .concat();
    encode_tlv(Tag::SEQUENCE, &body)
}

#[test]
fn named_and_explicit_curves_give_the_same_key() {
    for curve in EcCurve::ALL {
        let scalar = vec![0x42; curve.field_len()];
        let key = EcPrivateKey::from_bytes(curve, &scalar)
            .unwrap()
            .public_key();
        let named = key.to_spki_der().unwrap();
        assert_eq!(EcPublicKey::from_spki_der(&named).unwrap(), key);
        let point = key.to_uncompressed_point();
        for compressed in [false, true] {
            let der = spki(&explicit_parameters(curve, compressed), &point);
            assert_eq!(EcPublicKey::from_spki_der(&der).unwrap(), key, "{curve}");
        }
    }
}

#[test]
fn refuses_unknown_or_altered_domain_parameters() {
    let curve = EcCurve::BrainpoolP256r1;
    let key = EcPrivateKey::from_bytes(curve, &[7; 32])
        .unwrap()
        .public_key();
    let point = key.to_uncompressed_point();
    let mut altered = explicit_parameters(curve, false);
    // The last byte of b changed: another curve, with the same generator bytes.
    let b = hex(curve.explicit_constants()[2]);
    let at = altered
        .windows(b.len())
        .position(|window| window == b.as_slice())
        .unwrap()
        + b.len()
        - 1;
    altered[at] ^= 1;
    assert_eq!(
        EcPublicKey::from_spki_der(&spki(&altered, &point)),
        Err(KeyError::UnknownDomainParameters)
    );
    let secp256k1 = encode_tlv(Tag::OBJECT_IDENTIFIER, &[0x2B, 0x81, 0x04, 0x00, 0x0A]);
    assert!(matches!(
        EcPublicKey::from_spki_der(&spki(&secp256k1, &point)),
        Err(KeyError::UnsupportedCurve(_))
    ));
    let null = encode_tlv(Tag::new(0x05), &[]);
    assert_eq!(
        EcPublicKey::from_spki_der(&spki(&null, &point)),
        Err(KeyError::MalformedDomainParameters)
    );
    // A P-256 point named as brainpoolP256r1 is not on that curve.
    let p256 = EcPrivateKey::from_bytes(EcCurve::NistP256, &[7; 32])
        .unwrap()
        .public_key()
        .to_uncompressed_point();
    let bp_oid = EcCurve::BrainpoolP256r1.oid().to_der().unwrap();
    assert_eq!(
        EcPublicKey::from_spki_der(&spki(&bp_oid, &p256)),
        Err(KeyError::InvalidPoint(EcCurve::BrainpoolP256r1))
    );
    assert!(matches!(
        EcPublicKey::from_spki_der(&[0x30, 0x03, 0x02, 0x01]),
        Err(KeyError::Spki(_))
    ));
}

#[test]
fn scalars_out_of_range_are_redrawn_or_refused() {
    let curve = EcCurve::BrainpoolP256r1;
    assert_eq!(
        EcPrivateKey::from_bytes(curve, &[0xFF; 32]).unwrap_err(),
        KeyError::InvalidScalar(curve)
    );
    assert!(EcPrivateKey::from_bytes(curve, &[0; 32]).is_err());
    let mut replay = crate::sm::ReplayRandom::new([vec![0xFF; 32], vec![0x01; 32]].concat());
    let key = EcPrivateKey::random(curve, &mut replay).unwrap();
    assert_eq!(key.to_bytes().to_vec(), vec![0x01; 32]);
    let p384 = EcPrivateKey::from_bytes(EcCurve::NistP384, &[1; 48]).unwrap();
    assert_eq!(
        p384.diffie_hellman(&key.public_key()),
        Err(KeyError::CurveMismatch(EcCurve::NistP384, curve))
    );
}
