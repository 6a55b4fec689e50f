//! Active Authentication: RSA (ISO/IEC 9796-2) and ECDSA round trips, independently
//! computed RSA signatures, forgeries, wrong keys and hostile inputs.

use super::*;

const RSA_2048: &str = "-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDUeuqgZ58vOTJ4
E85Trw4+P1U3pLtb90a7x0ao96blOSRh+AAjyyrAVS8oHdRjmquMVp+25UTmGm+O
uNPlcljCMy7xizfsCHYOtf07YWiuF6WIqY14Eyq+2nBCk15yPgE6tV+wqq3Vn/Bm
w1fIVZEb+qIlC2emnK2fB+ixrRHMgeHLPATt3D0tsI1KDJ6EY4WQICxXnJZKYbLo
lk2t811DcqPdWCbgbPr0jBnkR9NEFP5Elk1Pvcmg4aH8WYus72EYMeMOwiIUVgzl
GMWngDIYc83d7XorJKgYX/Tpr0GVXFWbM3n0vgOuEx8Lle3WkSOtmH9583Lijr3C
I5AS7lERAgMBAAECggEABl+sVrGoP6rk3cXX7E1PTV4dLzIEusTN1uEquFo7Ck8I
Zw+HTyUpInByHZWmr6XNz12XC4EqHwe1xyxTkuNQtuNnkGOFz5509PEDNSF+M3nn
6ccOqtNSw26n0mw7d4xuzgHvamXCspDj9B+YLDbA4RV653osARf1fCFCtJDr/HXu
inO9hnh8JfsY/kg2lH0xjJNMSkT5fghHDp2O4rp0EBb0Sz3BiBegDKH/Aid4VI0q
L/+aicK5TMdIOW6Njou8zuQLrlWHSwS2rvtCO6x0t9M32/0RC5w7Wryb8w9+Y+pD
Wv0ZFhDdyfmljje+tPFrwskwpvCn2n5lAQg/XOtDrwKBgQDxkg5Ueb2TJ3JpH0aX
+ef2Nx9ZKBSVDKPcqetZFE9xyt7ZdIGXE1VZ4I0EyfVGlinoXKMemwJLreoujrC9
N6rvTKn5qhDK8EJJLOX1fHUPnkX4oxV9/yhytLehpb+iioRPTvWI6H8Tqdt2ZaQ2
OXdics4QEejVhKkz/qdST6rTBwKBgQDhLAdXpFbJX3NdnCEh8GIpevwM4/gTz0eV
02Pu5fUTABG6k0iPYM6H+iRLRJTswMmxKNBUq3qLEzLOD1FaHpSZ34aWTWvP8K2r
7c3+pw29exylWNR9oHUIEE7q9oBeEwcaYlIDBd8JRhdY3e0DWfFBe5GWzqDCbx5X
K2hKygS9JwKBgQC6pSrFQjqjE/tmFXApxEDhD7382ObuMpH40KCydura9PAx+76U
x69Ofhz28kO8ghFnIww1fXbMmlcyGbWcvQIpWoaKDEhlRDUy7KnQfpTDuHo/nWHh
s9/AoLixAKuMHpIT5OH5IgntW3Phiq7R5pzDSAjGic/oCVPihIMrKbrGyQKBgDhP
L2LeaQmgwhPlyG9ZUuL2q3N5yv8BNfCk1XfXr+rZeJWE4X9hgSSGDG96LhfqukWA
ZGDYJSQEYA8hy4FS5mx4doq9v7lXgcbeCEandgstb2N2DGWCK+IhWeruS/m6nmsd
rU6uODF0gsApd20AIBH1Gdpxv8f/y8GWzFTvojG/AoGBAJ0j5SSX7yariODbwO1O
miSibCw5d87surF3E7VPmgwhv122bIZuEONRSkWN5omIFwYLSX/u/RweFwAqKov0
jXdiQ+Z0csSmGOhJc13AanHxwvLQsjs2EksBFaWfqkyTXB44QjwDShvAC+GXH6Qg
1bZmPNPjsi12+9YkY6LkZkJ2
-----END PRIVATE KEY-----";

const RSA_1024: &str = "-----BEGIN PRIVATE KEY-----
MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAPSsX80zqzM8O9Nh
aGpLihCyqqPcf+hvR2WxIYRoVU7ErFl4yM37bf3VLA+hzkuDx9u4HlfviVOueqgU
envoENprG+1Rd3dSW81ZBDP0HXRH7c38FwgMCIWpvojWtybRE/exPdp/ZZ78ygO9
BWPBskt2ccwuaNlDhggTvnXJLp47AgMBAAECgYBWyhpFgNF2oCQcjA3svpTf7XCI
JXwdp/NsiBN6k0PHaA42wpiAMHLIumght2Sk9r7bGolw6eANlfOeUX1NHHl1PzpC
jK4Wtqdo+wjavKS1eIB7ADReZBmjpot2b5GGo0d7HBnPYLHDsOh8uhE85l2AWHP/
EwZdvR8AlWGwgS4NQQJBAP69V2UKzc/qsXDOOzXpvmBYh5Y8X99ownLiskdc/hjq
Fmjghn8RDXlf1aEBqR8aVpgEfN9eLvHcJ2+055DPSpsCQQD14khdjncWbt3War6X
3RwNHPYiM8hsfo12O4i8kY8c24vPj9jCLRMTPihPmJHnzPjpK823npKJ0UhFqPVA
ZOThAkEA8IBubHUAztWzZN8wQ7xFAs1SZWLm2RQc0T56NqnzNC59rdKc6IZ/BCKY
nIPm2fiR3MAP7QsMo0fI68wN/EfZFQJAQUVJOnSYDj9t6f46C+wpBx4aBGhEmvBZ
MvqIyK3HFLz+9yFTQ/BdMO1+G+r/SE40AQmcuVKByc3hZoR8XhSqYQJAQjkKpTgB
oEkYYa0vtNPZxMu+xYIHldSknaVJ4txvDj9Ci9s+i1vX+SWY2E+FGVSCmcKZz5j+
X+6oIQxR47xZlg==
-----END PRIVATE KEY-----";

/// RND.IFD of the two independently computed RSA signatures.
const AA_CHALLENGE: &str = "F173589974BF40C6";
/// M1 = 01 02 … EA, trailer BC (SHA-1).
const AA_SIGNATURE_BC: &str = "47667704283C85327E43F24D594BAC5771EB9C319971C7AF02A40ADD45DF5313\
    04DC6A0967F0FCBCC97F84C5CE2CF1A90D7E9C46D9E49E02B3E570C2D27CE74FEBF0B37979889A2D41991A445DC6\
    8BF898487A4BCDABA89A057F3C8E213546F239A2C2D267B4FCA960561269143432EEB5FE9B539084E803B316FA62\
    E5CAB100C52C8E437711BC9D15A15CD10B9021A6420BB2868CD1BF62071F425173CB34221E916C7B2955C590E139\
    F784ACDF169A7309FB1931D4B51A90C9C3CA119EF540E58354F22AD632A762E84BCD1636C206762F6C168C755326\
    99F456F6CD0649BB836D62F4D06CF22DE8B3E022D634F72409005EC6E967F7155A1444FC040307C3";
/// M1 = A5…A5, trailer 34 CC (SHA-256).
const AA_SIGNATURE_34CC: &str = "46429171600DE46BEAA08CA1AC2A3F18212EC23D44E2A675F5FEE291AA8CBEBE\
    3171067928B194F21955281FD5E18D07C137464E6F0FFACE27F36D91F74DDAED6CC921575E905BA9F33D7769F04C\
    282778CA4ED73BD3F8EFF4BFEE16B5EFE1A60FD8D8A6279226AEB82970F8384567831F71FD0BD15B751748F7C9B0\
    3AE382F688631A2B329CC434D2A6E0D9F374BFB08FAC816ED1689522ED1A183E0D8E84D3642C0D57883505DFAFCD\
    447B38AFA5FEEBFB20C715377AD29D1E8E87E3C2032D585CFF6609B0627129005F6501C888D18E1227E74906824E\
    CDCCE3827D21A0A1CCE4F72D857E76F9B867768E233621C583C755260A910EBBCC7F04B1E647450D";

fn rsa_key(pem: &str) -> RsaPrivateKey {
    let (_, der) = der::pem::decode_vec(pem.as_bytes()).unwrap();
    RsaPrivateKey::from_pkcs8_der(&der).unwrap()
}

fn run_aa(signer: ChipAaSigner, dg15_key: AaPublicKey) -> Result<(), AaError> {
    let oid = signer.signature_algorithm();
    let mut chip = VirtualChip::new(None, Some(signer));
    let mut transport = SmTransport::new(&mut chip, terminal_sm());
    let dg15 = Dg15::parse(&Dg15::encode(&dg15_key).unwrap()).unwrap();
    ActiveAuthentication::new(dg15.into_public_key(), oid.as_ref())?
        .run(&mut transport, &mut OsRandom)
}

#[test]
fn rsa_active_authentication_round_trips_with_both_trailers() {
    let key = rsa_key(RSA_2048);
    for trailer in [
        Iso9796Trailer::Implicit,
        Iso9796Trailer::Explicit(HashAlgorithm::Sha256),
    ] {
        let signer = ChipAaSigner::rsa(key.clone(), trailer);
        run_aa(signer.clone(), signer.public_key()).unwrap();
    }
}

#[test]
fn rsa_active_authentication_verifies_independent_signatures() {
    let public = AaPublicKey::Rsa(rsa_key(RSA_2048).to_public_key());
    let aa = ActiveAuthentication::new(public, None).unwrap();
    let challenge: [u8; 8] = hex(AA_CHALLENGE).try_into().unwrap();
    aa.verify_signature(&challenge, &hex(AA_SIGNATURE_BC))
        .unwrap();
    aa.verify_signature(&challenge, &hex(AA_SIGNATURE_34CC))
        .unwrap();
    // Another challenge: the recovered digest no longer matches.
    assert_eq!(
        aa.verify_signature(&[0; 8], &hex(AA_SIGNATURE_BC)),
        Err(AaError::Rsa(Iso9796Error::DigestMismatch))
    );
    // n − s is accepted as well (ISO/IEC 9796-2 Annex B lets a signer send the smaller).
    let key = rsa_key(RSA_2048);
    let s = BoxedUint::from_be_slice(&hex(AA_SIGNATURE_BC), key.n_bits_precision()).unwrap();
    let complement = key.n().as_ref().wrapping_sub(&s).to_be_bytes();
    let complement = &complement[complement.len() - 256..];
    aa.verify_signature(&challenge, complement).unwrap();
}

#[test]
fn ecdsa_active_authentication_round_trips() {
    for (curve, hash) in [
        (EcCurve::NistP256, HashAlgorithm::Sha256),
        (EcCurve::BrainpoolP256r1, HashAlgorithm::Sha1),
        (EcCurve::BrainpoolP384r1, HashAlgorithm::Sha384),
        (EcCurve::NistP384, HashAlgorithm::Sha512),
    ] {
        let signer = ChipAaSigner::ecdsa(chip_key(curve, 0x3C), hash);
        run_aa(signer.clone(), signer.public_key()).unwrap_or_else(|e| panic!("{curve}: {e}"));
    }
    // Without ActiveAuthenticationInfo the terminal assumes SHA-256.
    let signer = ChipAaSigner::ecdsa(chip_key(EcCurve::NistP256, 0x3D), DEFAULT_ECDSA_HASH);
    let mut chip = VirtualChip::new(None, Some(signer.clone()));
    let mut transport = SmTransport::new(&mut chip, terminal_sm());
    ActiveAuthentication::new(signer.public_key(), None)
        .unwrap()
        .run(&mut transport, &mut OsRandom)
        .unwrap();
}

#[test]
fn forged_signatures_and_wrong_keys_fail() {
    let challenge = [0x42; 8];
    let rsa = ChipAaSigner::rsa(rsa_key(RSA_2048), Iso9796Trailer::Implicit);
    let aa = ActiveAuthentication::new(rsa.public_key(), None).unwrap();
    let mut signature = rsa.sign(&challenge, &mut OsRandom).unwrap();
    aa.verify_signature(&challenge, &signature).unwrap();
    signature[100] ^= 0x01;
    assert!(matches!(
        aa.verify_signature(&challenge, &signature),
        Err(AaError::Rsa(_))
    ));

    let ec = ChipAaSigner::ecdsa(chip_key(EcCurve::NistP256, 9), HashAlgorithm::Sha256);
    let aa_ec =
        ActiveAuthentication::new(ec.public_key(), ec.signature_algorithm().as_ref()).unwrap();
    let mut signature = ec.sign(&challenge, &mut OsRandom).unwrap();
    aa_ec.verify_signature(&challenge, &signature).unwrap();
    signature[40] ^= 0x80;
    assert_eq!(
        aa_ec.verify_signature(&challenge, &signature),
        Err(AaError::EcdsaInvalid)
    );

    // A clone signing with another key than the DG15 one.
    let other_rsa = ChipAaSigner::rsa(rsa_key(RSA_1024), Iso9796Trailer::Implicit);
    assert!(matches!(
        run_aa(other_rsa, rsa.public_key()),
        Err(AaError::Rsa(Iso9796Error::SignatureLength {
            expected: 256,
            found: 128
        }))
    ));
    let other_ec = ChipAaSigner::ecdsa(chip_key(EcCurve::NistP256, 10), HashAlgorithm::Sha256);
    assert_eq!(
        run_aa(other_ec, ec.public_key()),
        Err(AaError::EcdsaInvalid)
    );
    // The right key, the wrong hash announced in DG14.
    let sha1 = ActiveAuthentication::new(
        ec.public_key(),
        Some(&kiosk_identity::clone_detection::active_auth::ecdsa_plain_oid(HashAlgorithm::Sha1)),
    )
    .unwrap();
    let signature = ec.sign(&challenge, &mut OsRandom).unwrap();
    assert_eq!(
        sha1.verify_signature(&challenge, &signature),
        Err(AaError::EcdsaInvalid)
    );
}

#[test]
fn hostile_active_authentication_inputs_give_typed_errors() {
    let rsa = AaPublicKey::Rsa(rsa_key(RSA_2048).to_public_key());
    let aa = ActiveAuthentication::new(rsa, None).unwrap();
    let challenge = [1; 8];
    assert_eq!(
        aa.verify_signature(&challenge, &[0x55; 255]),
        Err(AaError::Rsa(Iso9796Error::SignatureLength {
            expected: 256,
            found: 255
        }))
    );
    assert_eq!(
        aa.verify_signature(&challenge, &[]),
        Err(AaError::Rsa(Iso9796Error::SignatureLength {
            expected: 256,
            found: 0
        }))
    );
    assert_eq!(
        aa.verify_signature(&challenge, &[0xFF; 256]),
        Err(AaError::Rsa(Iso9796Error::SignatureOutOfRange))
    );
    assert!(matches!(
        aa.verify_signature(&challenge, &[0x00; 256]),
        Err(AaError::Rsa(Iso9796Error::BadTrailer(_)))
    ));

    let ec = AaPublicKey::Ec(chip_key(EcCurve::NistP256, 3).public_key());
    let aa_ec = ActiveAuthentication::new(ec.clone(), None).unwrap();
    assert_eq!(
        aa_ec.verify_signature(&challenge, &[1; 63]),
        Err(AaError::EcdsaSignatureLength {
            expected: 64,
            found: 63
        })
    );
    assert_eq!(
        aa_ec.verify_signature(&challenge, &[0; 64]),
        Err(AaError::EcdsaInvalid)
    );
    assert_eq!(
        aa_ec.verify_signature(&challenge, &[0xFF; 64]),
        Err(AaError::EcdsaInvalid)
    );
    let ripemd = const_oid::ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.6");
    assert_eq!(
        ActiveAuthentication::new(ec.clone(), Some(&ripemd)).unwrap_err(),
        AaError::UnsupportedAlgorithm(ripemd)
    );
    let rsa_pss = const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
    assert!(ActiveAuthentication::new(ec, Some(&rsa_pss)).is_err());

    // DG15: garbage, wrong tag, trailing bytes, a point not on the named curve.
    assert!(matches!(Dg15::parse(&[]), Err(Dg15Error::Tlv(_))));
    assert!(matches!(
        Dg15::parse(&hex("6F8401")),
        Err(Dg15Error::Tlv(_))
    ));
    assert!(matches!(Dg15::parse(&hex("6E00")), Err(Dg15Error::Tlv(_))));
    assert!(matches!(
        Dg15::parse(&hex("6F03020100")),
        Err(Dg15Error::Key(KeyError::Spki(_)))
    ));
    let good = Dg15::encode(&AaPublicKey::Ec(
        chip_key(EcCurve::NistP256, 4).public_key(),
    ))
    .unwrap();
    let mut trailing = good.clone();
    trailing.push(0);
    assert!(matches!(Dg15::parse(&trailing), Err(Dg15Error::Tlv(_))));
    let mut off_curve = good.clone();
    let last = off_curve.len() - 1;
    off_curve[last] ^= 0x01;
    assert_eq!(
        Dg15::parse(&off_curve),
        Err(Dg15Error::Key(KeyError::InvalidPoint(EcCurve::NistP256)))
    );
}

#[test]
fn chip_refusing_internal_authenticate_is_reported() {
    let mut chip = VirtualChip::new(None, None);
    let mut transport = SmTransport::new(&mut chip, terminal_sm());
    let ec = AaPublicKey::Ec(chip_key(EcCurve::NistP256, 5).public_key());
    assert_eq!(
        ActiveAuthentication::new(ec, None)
            .unwrap()
            .run(&mut transport, &mut OsRandom),
        Err(AaError::Refused(StatusWord(0x6D00)))
    );
    let signer = ChipAaSigner::ecdsa(chip_key(EcCurve::NistP256, 6), HashAlgorithm::Sha256);
    let short = CommandApdu::new(0x00, 0x88, 0x00, 0x00).with_data([1, 2, 3]);
    assert_eq!(
        signer.internal_authenticate(&short, &mut OsRandom).status,
        StatusWord::WRONG_LENGTH
    );
    assert_eq!(
        kiosk_identity::clone_detection::active_auth::internal_authenticate(&[7; 8])
            .encode()
            .unwrap(),
        hex("0088000008 0707070707070707 00")
    );
}
