//! The intermediate values of ICAO 9303-11 Appendix G.1 (ECDH Generic Mapping on
//! brainpoolP256r1), which the public API does not show, and hostile points.

use super::*;
use crate::sm::ReplayRandom;

const CURVE: SupportedCurve = SupportedCurve::BrainpoolP256r1;
const NONCE: &str = "3F00C4D39D153F2B2A214A078D899B22";
const SK_MAP_IFD: &str = "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99";
const PK_MAP_IFD: &str = "047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E\
                          544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D";
const SK_MAP_IC: &str = "498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560";
const PK_MAP_IC: &str = "04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57\
                         30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54";
const H: &str = "0460332EF2450B5D247EF6D3868397D398852ED6E8CAF6FFEEF6BF85CA57057FD5\
                 0840CA7415BAF3E43BD414D35AA4608B93A2CAF3A4E3EA4E82C9C13D03EB7181";
const MAPPED_G: &str = "048CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E2\
                        8C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522";
const SK_IFD: &str = "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595";
const PK_IFD: &str = "042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C\
                      3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462";
const SK_IC: &str = "107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A";
const PK_IC: &str = "049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB\
                     7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094";
const K: &str = "28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925";

fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

fn key(secret: &str, generator: Option<&[u8]>) -> (Secret, Vec<u8>) {
    generate(CURVE, generator, &mut ReplayRandom::new(hex(secret))).unwrap()
}

#[test]
fn appendix_g1_mapping_and_key_agreement() {
    let (sk_map_ifd, pk_map_ifd) = key(SK_MAP_IFD, None);
    assert_eq!(pk_map_ifd, hex(PK_MAP_IFD));
    let (sk_map_ic, pk_map_ic) = key(SK_MAP_IC, None);
    assert_eq!(pk_map_ic, hex(PK_MAP_IC));

    // With s = 0 the mapping yields H itself: the shared point of the mapping's ECDH.
    assert_eq!(
        map_generator(CURVE, &[0; 16], &sk_map_ifd, &pk_map_ic).unwrap(),
        hex(H)
    );
    let terminal_g = map_generator(CURVE, &hex(NONCE), &sk_map_ifd, &pk_map_ic).unwrap();
    let chip_g = map_generator(CURVE, &hex(NONCE), &sk_map_ic, &pk_map_ifd).unwrap();
    assert_eq!(terminal_g, hex(MAPPED_G));
    assert_eq!(chip_g, terminal_g);

    let (sk_ifd, pk_ifd) = key(SK_IFD, Some(&terminal_g));
    assert_eq!(pk_ifd, hex(PK_IFD));
    let (sk_ic, pk_ic) = key(SK_IC, Some(&chip_g));
    assert_eq!(pk_ic, hex(PK_IC));
    assert_eq!(
        shared_secret(CURVE, &sk_ifd, &pk_ic).unwrap().to_vec(),
        hex(K)
    );
    assert_eq!(
        shared_secret(CURVE, &sk_ic, &pk_ifd).unwrap().to_vec(),
        hex(K)
    );
}

#[test]
fn hostile_points_are_refused() {
    let (secret, _) = key(SK_IFD, None);
    let mut off_curve = hex(PK_IC);
    if let Some(last) = off_curve.last_mut() {
        *last ^= 1;
    }
    let mut compressed = vec![0x02];
    compressed.extend_from_slice(&hex(PK_IC)[1..33]);
    let mut beyond_field = vec![0x04];
    beyond_field.extend([0xFF; 64]);
    let truncated = hex(PK_IC)[..40].to_vec();
    for point in [
        off_curve,
        vec![0x00],
        compressed,
        beyond_field,
        truncated,
        Vec::new(),
    ] {
        assert_eq!(
            shared_secret(CURVE, &secret, &point).map(|_| ()),
            Err(CurveError::InvalidPoint)
        );
        assert_eq!(
            map_generator(CURVE, &hex(NONCE), &secret, &point).map(|_| ()),
            Err(CurveError::InvalidPoint)
        );
        assert!(generate(CURVE, Some(&point), &mut ReplayRandom::new(hex(SK_IC))).is_err());
    }
    // A P-256 point is not a brainpoolP256r1 point.
    let (_, p256_point) = generate(
        SupportedCurve::NistP256,
        None,
        &mut ReplayRandom::new(hex(SK_IC)),
    )
    .unwrap();
    assert_eq!(
        shared_secret(CURVE, &secret, &p256_point).map(|_| ()),
        Err(CurveError::InvalidPoint)
    );
}

#[test]
fn nonce_at_or_above_the_order_and_a_dead_random_source_are_refused() {
    let (secret, _) = key(SK_IFD, None);
    let too_big = [0xFF; 32];
    assert_eq!(
        map_generator(CURVE, &too_big, &secret, &hex(PK_MAP_IC)).map(|_| ()),
        Err(CurveError::Degenerate)
    );
    assert_eq!(
        map_generator(CURVE, &[1; 33], &secret, &hex(PK_MAP_IC)).map(|_| ()),
        Err(CurveError::Degenerate)
    );
    // All-zero draws are never a key; the source is asked a bounded number of times.
    let zeros = vec![0u8; 32 * MAX_SCALAR_DRAWS];
    assert_eq!(
        generate(CURVE, None, &mut ReplayRandom::new(zeros))
            .map(|_| ())
            .err(),
        Some(CurveError::NoScalar)
    );
    assert!(matches!(
        generate(CURVE, None, &mut ReplayRandom::new([1, 2, 3])),
        Err(CurveError::Random(_))
    ));
}
