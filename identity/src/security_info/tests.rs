//! SecurityInfos of EF.CardAccess and DG14: real layouts, round trips, hostile bytes.

use super::*;
use crate::sm::Cipher;

fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

/// A constructed data object around the given encodings.
fn wrap(tag: u32, parts: &[&str]) -> String {
    let inner: Vec<u8> = parts.iter().flat_map(|part| hex(part)).collect();
    crate::tlv::encode_tlv(Tag::new(tag), &inner)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

const OID_ECDH_GM_AES128: &str = "060A04007F00070202040202";

/// EF.CardAccess of ICAO 9303-11 Appendix G.1: PACE-ECDH-GM-AES-128, version 2,
/// brainpoolP256r1 (parameterId 13) — what the CCCD announces.
const CARD_ACCESS_G1: &str = "31143012060A04007F0007020204020202010202010D";

const POINT: &str = "049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB\
                     7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094";

fn pace_g1() -> PaceInfo {
    PaceInfo {
        protocol: PaceProtocol {
            mapping: Mapping::GenericEcdh,
            cipher: Cipher::Aes128,
        },
        version: 2,
        parameter_id: Some(StandardDomainParameters::BrainpoolP256r1),
    }
}

fn sample_dg14(explicit: bool) -> SecurityInfos {
    let key = ChipAuthenticationPublicKeyInfo::new_ec(
        SupportedCurve::BrainpoolP256r1,
        &hex(POINT),
        explicit,
        Some(KeyId::from_u32(1)),
    )
    .unwrap();
    SecurityInfos::new(vec![
        SecurityInfo::ChipAuthentication(ChipAuthenticationInfo {
            protocol: CaProtocol {
                key_agreement: KeyAgreement::Ecdh,
                cipher: Cipher::Aes128,
            },
            version: 1,
            key_id: Some(KeyId::from_u32(1)),
        }),
        SecurityInfo::ChipAuthenticationPublicKey(key),
        SecurityInfo::ActiveAuthentication(ActiveAuthenticationInfo {
            version: 1,
            signature_algorithm: const_oid::db::rfc5912::ECDSA_WITH_SHA_256,
        }),
        SecurityInfo::TerminalAuthentication(TerminalAuthenticationInfo {
            version: 1,
            ef_cvca: None,
        }),
        SecurityInfo::Pace(pace_g1()),
    ])
}

#[test]
fn appendix_g1_card_access_parses_and_re_encodes() {
    let bytes = hex(CARD_ACCESS_G1);
    let infos = SecurityInfos::parse_card_access(&bytes).unwrap();
    assert_eq!(infos.infos(), [SecurityInfo::Pace(pace_g1())]);
    assert_eq!(infos.pace().count(), 1);
    assert_eq!(infos.to_der().unwrap(), bytes);
}

#[test]
fn dg14_round_trips_with_named_and_explicit_curves() {
    for explicit in [false, true] {
        let infos = sample_dg14(explicit);
        let dg14 = infos.to_dg14().unwrap();
        assert_eq!(dg14.first(), Some(&0x6E));
        let parsed = SecurityInfos::parse_dg14(&dg14).unwrap();
        // DER sorts the SET; compare as sets.
        assert_eq!(parsed.infos().len(), infos.infos().len());
        for info in infos.infos() {
            assert!(parsed.infos().contains(info), "{info:?} lost");
        }
        let key = parsed.chip_authentication_public_keys().next().unwrap();
        assert_eq!(
            key.ec_domain().and_then(|domain| domain.supported_curve()),
            Some(SupportedCurve::BrainpoolP256r1)
        );
        assert!(
            matches!(
                key.ec_domain(),
                Some(EcDomain::Explicit(_)) if explicit
            ) || !explicit
        );
        assert_eq!(key.public_key_bytes(), Some(hex(POINT).as_slice()));
        assert_eq!(key.key_id.as_ref().and_then(KeyId::to_u64), Some(1));
        let ca = parsed.chip_authentication().next().unwrap();
        assert_eq!(ca.protocol.oid().to_string(), "0.4.0.127.0.7.2.2.3.2.2");
        assert_eq!(
            parsed
                .active_authentication()
                .map(|aa| aa.signature_algorithm),
            Some(const_oid::db::rfc5912::ECDSA_WITH_SHA_256)
        );
        assert!(parsed.terminal_authentication().is_some());
        // Re-encoding a parsed file gives the same bytes.
        assert_eq!(parsed.to_dg14().unwrap(), dg14);
    }
}

#[test]
fn unknown_protocols_and_large_key_ids_are_kept() {
    // A PACEInfo, an unknown SecurityInfo (a private OID) and a CA info with a 9-byte keyId.
    let unknown = hex(&wrap(0x30, &["06082A864886F70D0101", "020101"]));
    let ca = hex(&wrap(
        0x30,
        &[
            "060A04007F00070202030202",
            "020101",
            "020900FF00000000000001",
        ],
    ));
    let mut set = hex(CARD_ACCESS_G1)[2..].to_vec();
    set.extend(&unknown);
    set.extend(&ca);
    let file = crate::tlv::encode_tlv(Tag::SET, &set);
    let infos = SecurityInfos::parse_card_access(&file).unwrap();
    assert!(matches!(&infos.infos()[1], SecurityInfo::Unknown(u) if u.raw == unknown));
    let key_id = infos
        .chip_authentication()
        .next()
        .unwrap()
        .key_id
        .clone()
        .unwrap();
    assert_eq!(key_id.bytes(), hex("FF00000000000001"));
    assert_eq!(key_id.to_u64(), Some(0xFF00_0000_0000_0001));
    let reparsed = SecurityInfos::parse_card_access(&infos.to_der().unwrap()).unwrap();
    assert_eq!(reparsed.infos().len(), 3);
}

#[test]
fn proprietary_parameters_and_other_mappings_are_typed() {
    // PACE-ECDH-IM-AES-256 with parameterId 32, and PACE-DH-GM-3DES with id 0.
    let file = hex(&wrap(
        0x31,
        &[
            &wrap(0x30, &["060A04007F00070202040404", "020102", "020120"]),
            &wrap(0x30, &["060A04007F00070202040101", "020102"]),
        ],
    ));
    let infos = SecurityInfos::parse_card_access(&file).unwrap();
    let pace: Vec<_> = infos.pace().collect();
    assert_eq!(pace[0].protocol.mapping, Mapping::IntegratedEcdh);
    assert_eq!(pace[0].protocol.cipher, Cipher::Aes256);
    assert_eq!(
        pace[0].parameter_id,
        Some(StandardDomainParameters::Other(32))
    );
    assert_eq!(pace[1].protocol.mapping, Mapping::GenericDh);
    assert_eq!(pace[1].parameter_id, None);
}

#[test]
fn malformed_files_are_typed_errors() {
    let pace = |fields: &[&str]| wrap(0x31, &[&wrap(0x30, fields)]);
    type Check = fn(&SecurityInfoError) -> bool;
    let cases: [(String, Check); 7] = [
        // A SEQUENCE where the SET belongs.
        (
            wrap(
                0x30,
                &[&wrap(0x30, &[OID_ECDH_GM_AES128, "020102", "02010D"])],
            ),
            |e| matches!(e, SecurityInfoError::UnexpectedTag { .. }),
        ),
        // Negative version.
        (pace(&[OID_ECDH_GM_AES128, "0201FF", "02010D"]), |e| {
            matches!(e, SecurityInfoError::Integer { .. })
        }),
        // A parameterId of five bytes.
        (
            pace(&[OID_ECDH_GM_AES128, "020102", "0205010000000D"]),
            |e| matches!(e, SecurityInfoError::Integer { .. }),
        ),
        // A field after the PACEInfo's last.
        (
            pace(&[OID_ECDH_GM_AES128, "020102", "02010D", "0500"]),
            |e| matches!(e, SecurityInfoError::Trailing { .. }),
        ),
        // The version missing.
        (pace(&[OID_ECDH_GM_AES128]), |e| {
            matches!(e, SecurityInfoError::Missing { .. })
        }),
        // An OID whose last arc never ends.
        (pace(&["060704007F00070282", "020102"]), |e| {
            matches!(e, SecurityInfoError::Oid { .. })
        }),
        // An id-PK-ECDH whose key is not a SubjectPublicKeyInfo.
        (pace(&["060904007F000702020102", "3000", "020101"]), |e| {
            matches!(e, SecurityInfoError::Der { .. })
        }),
    ];
    for (bytes, expected) in cases {
        let error = SecurityInfos::parse_card_access(&hex(&bytes)).unwrap_err();
        assert!(expected(&error), "{bytes}: {error:?}");
    }
    let dg14_without_set = crate::tlv::encode_tlv(DG14_TAG, &[]);
    assert!(matches!(
        SecurityInfos::parse_dg14(&dg14_without_set),
        Err(SecurityInfoError::Missing { .. })
    ));
    assert!(matches!(
        SecurityInfos::parse_dg14(&hex(CARD_ACCESS_G1)),
        Err(SecurityInfoError::UnexpectedTag { .. })
    ));
}

#[test]
fn every_truncation_and_byte_flip_is_an_error_or_a_parse_never_a_panic() {
    let dg14 = sample_dg14(true).to_dg14().unwrap();
    for end in 0..dg14.len() {
        assert!(SecurityInfos::parse_dg14(&dg14[..end]).is_err());
    }
    for at in 0..dg14.len() {
        for flip in [0x01, 0x80, 0xFF] {
            let mut mutated = dg14.clone();
            mutated[at] ^= flip;
            let _ = SecurityInfos::parse_dg14(&mutated);
            let _ = SecurityInfos::parse_card_access(mutated.get(2..).unwrap_or_default());
        }
    }
}
