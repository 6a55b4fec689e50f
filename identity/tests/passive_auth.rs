//! Passive authentication end to end: a test PKI signs EF.SOD, `verify_sod` judges it, and
//! every forgery the card generator makes fails with its own reason (the trust store's
//! folders and master lists are in `passive_trust_store.rs`). OpenSSL-made SODs
//! (tests/fixtures/passive, see make.py there) check the verifier against an independent
//! signer for RSA PKCS#1 v1.5, RSASSA-PSS and ECDSA with explicit curve parameters.

use std::time::{Duration, SystemTime};

use kiosk_identity::lds::DataGroup;
use kiosk_identity::passive::build::{
    KeyAlgorithm, PkiOptions, Role, SigningKey, TestPki, ValidityWindow, build_sod, today_utc,
};
use kiosk_identity::passive::{
    Certificate, Check, DataGroupOutcome, HashAlgorithm, LdsSecurityObject, NamedCurve,
    PassiveAuthFailure, SignatureScheme, Sod, SodError, TrustStore, verify_sod,
};
use kiosk_identity::sm::random::OsRandom;

const DG1: &[u8] = b"\x61\x5b\x5f\x1f\x58IDVNM0123456789001234567890<<<9001011M3001012VNM<<<<<<<<<<<2NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<";
const DG2: &[u8] = &[0x75, 0x04, 0x7F, 0x61, 0x01, 0x00];
const DG13: &[u8] = &[0x6D, 0x05, 0x30, 0x03, 0x02, 0x01, 0x01];

fn pki() -> TestPki {
    TestPki::generate("VN", &mut OsRandom).unwrap()
}

fn store_of(pki: &TestPki) -> TrustStore {
    let mut store = TrustStore::new();
    assert!(
        store
            .add_certificate_der(pki.csca.certificate.to_der())
            .unwrap()
    );
    store
}

fn groups() -> Vec<(DataGroup, &'static [u8])> {
    vec![
        (DataGroup::Dg1, DG1),
        (DataGroup::Dg2, DG2),
        (DataGroup::Dg13, DG13),
    ]
}

fn sod_for(pki: &TestPki) -> Vec<u8> {
    build_sod(
        HashAlgorithm::Sha256,
        &groups(),
        &pki.document_signer.certificate,
        &pki.document_signer.key,
    )
    .unwrap()
}

#[test]
fn a_genuine_sod_passes_every_check() {
    let pki = pki();
    let sod = sod_for(&pki);
    let report = verify_sod(&sod, &store_of(&pki), &groups(), SystemTime::now());
    assert!(report.passed(), "{:?}", report.failures());
    assert_eq!(report.first_failure(), None);
    assert_eq!(
        report.signature,
        Check::Passed(SignatureScheme::Ecdsa {
            hash: HashAlgorithm::Sha256,
            curve: NamedCurve::BrainpoolP256r1
        })
    );
    let Check::Passed(chain) = &report.certificate_chain else {
        panic!("chain: {:?}", report.certificate_chain);
    };
    assert_eq!(chain.csca, pki.csca.certificate);
    assert_eq!(
        report.data_groups,
        vec![
            (DataGroup::Dg1, DataGroupOutcome::Matched),
            (DataGroup::Dg2, DataGroupOutcome::Matched),
            (DataGroup::Dg13, DataGroupOutcome::Matched),
        ]
    );
    let security_object = report.security_object.unwrap();
    assert_eq!(security_object.version, 0);
    assert_eq!(security_object.hash_algorithm, HashAlgorithm::Sha256);
    assert_eq!(
        security_object.hash_of(DataGroup::Dg13),
        Some(&HashAlgorithm::Sha256.digest(DG13)[..])
    );
}

#[test]
fn every_hash_and_both_curves_verify() {
    for key_algorithm in [KeyAlgorithm::EcdsaP256, KeyAlgorithm::EcdsaBrainpoolP256r1] {
        let mut options = PkiOptions::new("VN");
        options.key_algorithm = key_algorithm;
        let pki = TestPki::generate_with(&options, &mut OsRandom).unwrap();
        for hash in HashAlgorithm::ALL {
            let sod = build_sod(
                hash,
                &groups(),
                &pki.document_signer.certificate,
                &pki.document_signer.key,
            )
            .unwrap();
            let report = verify_sod(&sod, &store_of(&pki), &groups(), SystemTime::now());
            assert!(
                report.passed(),
                "{key_algorithm:?} {hash}: {:?}",
                report.failures()
            );
            assert_eq!(report.security_object.unwrap().hash_algorithm, hash);
        }
    }
}

#[test]
fn a_tampered_data_group_fails_its_hash_only() {
    let pki = pki();
    let sod = sod_for(&pki);
    let forged_dg13: &[u8] = &[0x6D, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02];
    let read = [
        (DataGroup::Dg1, DG1),
        (DataGroup::Dg2, DG2),
        (DataGroup::Dg13, forged_dg13),
    ];
    let report = verify_sod(&sod, &store_of(&pki), &read, SystemTime::now());
    assert!(!report.passed());
    assert!(report.signature.is_passed() && report.certificate_chain.is_passed());
    assert_eq!(
        report.outcome_of(DataGroup::Dg13),
        Some(DataGroupOutcome::Mismatch)
    );
    assert_eq!(
        report.failures(),
        vec![PassiveAuthFailure::DataGroupHashMismatch(DataGroup::Dg13)]
    );
}

#[test]
fn unread_groups_are_not_checked_and_unsigned_groups_fail() {
    let pki = pki();
    let sod = sod_for(&pki);
    let only_dg1 = [(DataGroup::Dg1, DG1)];
    let report = verify_sod(&sod, &store_of(&pki), &only_dg1, SystemTime::now());
    assert!(report.passed(), "{:?}", report.failures());
    assert_eq!(
        report.outcome_of(DataGroup::Dg13),
        Some(DataGroupOutcome::NotRead)
    );

    let extra: &[u8] = &[0x6E, 0x00];
    let with_dg14 = [(DataGroup::Dg1, DG1), (DataGroup::Dg14, extra)];
    let report = verify_sod(&sod, &store_of(&pki), &with_dg14, SystemTime::now());
    assert_eq!(
        report.first_failure(),
        Some(PassiveAuthFailure::DataGroupNotInSod(DataGroup::Dg14))
    );

    let report = verify_sod(&sod, &store_of(&pki), &[], SystemTime::now());
    assert!(!report.passed(), "nothing compared is not a pass");
}

#[test]
fn a_sod_signed_with_another_key_is_a_bad_signature() {
    let pki = pki();
    let wrong_key =
        SigningKey::generate(KeyAlgorithm::EcdsaBrainpoolP256r1, &mut OsRandom).unwrap();
    let sod = build_sod(
        HashAlgorithm::Sha256,
        &groups(),
        &pki.document_signer.certificate,
        &wrong_key,
    )
    .unwrap();
    let report = verify_sod(&sod, &store_of(&pki), &groups(), SystemTime::now());
    assert!(!report.passed());
    assert_eq!(
        report.signature,
        Check::Failed(PassiveAuthFailure::BadSignature)
    );
    assert!(report.signed_attributes.is_passed() && report.certificate_chain.is_passed());
    assert_eq!(
        report.first_failure(),
        Some(PassiveAuthFailure::BadSignature)
    );
}

#[test]
fn a_signer_from_an_untrusted_csca_is_unknown() {
    let trusted = pki();
    let foreign = pki();
    let sod = sod_for(&foreign);
    let report = verify_sod(&sod, &store_of(&trusted), &groups(), SystemTime::now());
    assert!(report.signature.is_passed(), "the SOD itself is intact");
    assert_eq!(
        report.certificate_chain,
        Check::Failed(PassiveAuthFailure::UnknownCsca)
    );
    assert!(!report.passed());
}

#[test]
fn an_expired_or_future_signer_is_refused() {
    let today = today_utc();
    let mut options = PkiOptions::new("VN");
    options.csca_validity = ValidityWindow::around(today, 5000, 5000).unwrap();
    let pki = TestPki::generate_with(&options, &mut OsRandom).unwrap();
    let expired_window = ValidityWindow::around(today, 4000, -400).unwrap();
    let expired = pki
        .issue(
            Role::DocumentSigner,
            "DS expired",
            KeyAlgorithm::EcdsaBrainpoolP256r1,
            expired_window,
            &mut OsRandom,
        )
        .unwrap();
    let sod = build_sod(
        HashAlgorithm::Sha256,
        &groups(),
        &expired.certificate,
        &expired.key,
    )
    .unwrap();
    let report = verify_sod(&sod, &store_of(&pki), &groups(), SystemTime::now());
    assert_eq!(
        report.certificate_chain,
        Check::Failed(PassiveAuthFailure::SignerExpired)
    );
    assert!(report.signature.is_passed());
    assert!(!report.passed());

    // The same SOD was fine while its signer was valid.
    let back_then = SystemTime::now() - Duration::from_secs(800 * 86_400);
    let report = verify_sod(&sod, &store_of(&pki), &groups(), back_then);
    assert!(
        report.certificate_chain.is_passed(),
        "{:?}",
        report.certificate_chain
    );

    let future_window = ValidityWindow::around(today, -10, 400).unwrap();
    let future = pki
        .issue(
            Role::DocumentSigner,
            "DS future",
            KeyAlgorithm::EcdsaP256,
            future_window,
            &mut OsRandom,
        )
        .unwrap();
    let sod = build_sod(
        HashAlgorithm::Sha384,
        &groups(),
        &future.certificate,
        &future.key,
    )
    .unwrap();
    let report = verify_sod(&sod, &store_of(&pki), &groups(), SystemTime::now());
    assert_eq!(
        report.certificate_chain,
        Check::Failed(PassiveAuthFailure::SignerNotYetValid)
    );
}

#[test]
fn a_document_signer_cannot_act_as_csca() {
    let pki = pki();
    let mut store = TrustStore::new();
    store
        .add_certificate_der(pki.document_signer.certificate.to_der())
        .unwrap();
    let sod = sod_for(&pki);
    let report = verify_sod(&sod, &store, &groups(), SystemTime::now());
    assert_eq!(
        report.certificate_chain,
        Check::Failed(PassiveAuthFailure::UnknownCsca)
    );
}

#[test]
fn every_prefix_and_every_corrupted_byte_of_a_sod_is_refused_without_panic() {
    let pki = pki();
    let sod = sod_for(&pki);
    let store = store_of(&pki);
    for len in 0..sod.len() {
        let report = verify_sod(&sod[..len], &store, &groups(), SystemTime::now());
        assert!(
            matches!(
                report.parsed,
                Check::Failed(PassiveAuthFailure::MalformedSod(_))
            ),
            "prefix {len}: {:?}",
            report.parsed
        );
        assert!(!report.passed());
    }
    for index in 0..sod.len() {
        let mut corrupted = sod.clone();
        corrupted[index] ^= 0x5A;
        let report = verify_sod(&corrupted, &store, &groups(), SystemTime::now());
        assert!(!report.passed(), "byte {index} changed and still passed");
    }
    let mut trailing = sod.clone();
    trailing.push(0);
    assert!(matches!(Sod::parse(&trailing), Err(SodError::NotSod(_))));
    assert!(matches!(
        Sod::parse(&vec![0x77; 70_000]),
        Err(SodError::TooLarge { .. })
    ));
}

/// DER of an LDSSecurityObject v0 with SHA-256 and the given (number, hash) entries.
fn security_object(entries: &[(u8, Vec<u8>)]) -> Vec<u8> {
    fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = value.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            out.extend([0x82, (len >> 8) as u8, len as u8]);
        }
        out.extend_from_slice(value);
        out
    }
    let mut hashes = Vec::new();
    for (number, hash) in entries {
        hashes.extend(tlv(
            0x30,
            &[tlv(0x02, &[*number]), tlv(0x04, hash)].concat(),
        ));
    }
    let algorithm = tlv(
        0x30,
        &tlv(
            0x06,
            &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01],
        ),
    );
    tlv(
        0x30,
        &[tlv(0x02, &[0]), algorithm, tlv(0x30, &hashes)].concat(),
    )
}

#[test]
fn the_security_object_bounds_are_typed_errors() {
    let hash = vec![0xAB; 32];
    let good =
        LdsSecurityObject::from_der(&security_object(&[(1, hash.clone()), (2, hash.clone())]))
            .unwrap();
    assert_eq!(good.data_group_hashes.len(), 2);
    assert_eq!(
        LdsSecurityObject::from_der(&security_object(&[(1, hash.clone()), (1, hash.clone())])),
        Err(SodError::DuplicateDataGroup(DataGroup::Dg1))
    );
    assert_eq!(
        LdsSecurityObject::from_der(&security_object(&[(17, hash.clone())])),
        Err(SodError::UnknownDataGroup(17))
    );
    let seventeen: Vec<(u8, Vec<u8>)> = (1..=17).map(|n| (n, hash.clone())).collect();
    assert_eq!(
        LdsSecurityObject::from_der(&security_object(&seventeen)),
        Err(SodError::TooManyDataGroups(17))
    );
    assert!(matches!(
        LdsSecurityObject::from_der(&security_object(&[(1, vec![0; 20])])),
        Err(SodError::WrongHashLength {
            group: DataGroup::Dg1,
            expected: 32,
            found: 20
        })
    ));
}

#[test]
fn keys_round_trip_through_pkcs8() {
    for algorithm in [KeyAlgorithm::EcdsaBrainpoolP256r1, KeyAlgorithm::EcdsaP256] {
        let key = SigningKey::generate(algorithm, &mut OsRandom).unwrap();
        let der = key.to_pkcs8_der().unwrap();
        let again = SigningKey::from_pkcs8_der(&der).unwrap();
        assert_eq!(
            again.public_key_info().unwrap(),
            key.public_key_info().unwrap()
        );
    }
    assert!(SigningKey::from_pkcs8_der(b"\x30\x00").is_err());
}

#[test]
fn the_generated_csca_follows_the_icao_profile() {
    let pki = pki();
    let csca = &pki.csca.certificate;
    assert!(csca.is_self_issued());
    assert_eq!(
        csca.subject().to_string(),
        "CN=CSCA TEST Vietnam,O=Test PKI not a real authority,C=VN"
    );
    assert!(csca.verify_issued_by(csca).is_ok());
    let ds = &pki.document_signer.certificate;
    assert!(ds.may_be_issued_by(csca));
    assert_eq!(ds.authority_key_identifier(), csca.subject_key_identifier());
    assert!(
        pki.master_list_signer
            .certificate
            .verify_issued_by(csca)
            .is_ok()
    );
}

/// Verifies an OpenSSL-made EF.SOD at one day after its signer's notBefore.
fn verify_fixture(
    name: &str,
    csca: &[u8],
    sod: &[u8],
) -> kiosk_identity::passive::PassiveAuthReport {
    let dg1 = include_bytes!("fixtures/passive/dg1.bin");
    let dg2 = include_bytes!("fixtures/passive/dg2.bin");
    let mut store = TrustStore::new();
    store.add_certificate_der(csca).unwrap();
    let parsed = Sod::parse(sod).unwrap_or_else(|error| panic!("{name}: {error}"));
    let signer: &Certificate = parsed.document_signer().unwrap();
    let at = signer
        .x509()
        .tbs_certificate()
        .validity()
        .not_before
        .to_system_time()
        + Duration::from_secs(86_400);
    let read = [(DataGroup::Dg1, &dg1[..]), (DataGroup::Dg2, &dg2[..])];
    let report = verify_sod(sod, &store, &read, at);
    assert!(report.passed(), "{name}: {:?}", report.failures());
    report
}

#[test]
fn openssl_made_sods_verify() {
    let rsa = verify_fixture(
        "rsa",
        include_bytes!("fixtures/passive/rsa-csca.der"),
        include_bytes!("fixtures/passive/rsa-sod.bin"),
    );
    assert_eq!(
        rsa.signature,
        Check::Passed(SignatureScheme::RsaPkcs1v15 {
            hash: HashAlgorithm::Sha256
        })
    );
    let pss = verify_fixture(
        "pss",
        include_bytes!("fixtures/passive/pss-csca.der"),
        include_bytes!("fixtures/passive/pss-sod.bin"),
    );
    assert_eq!(
        pss.signature,
        Check::Passed(SignatureScheme::RsaPss {
            hash: HashAlgorithm::Sha256,
            salt_len: 32
        })
    );
    let ecdsa = verify_fixture(
        "ecdsa",
        include_bytes!("fixtures/passive/ecdsa-csca.der"),
        include_bytes!("fixtures/passive/ecdsa-sod.bin"),
    );
    assert_eq!(
        ecdsa.signature,
        Check::Passed(SignatureScheme::Ecdsa {
            hash: HashAlgorithm::Sha256,
            curve: NamedCurve::BrainpoolP256r1
        })
    );
    let Check::Passed(chain) = ecdsa.certificate_chain else {
        panic!()
    };
    assert_eq!(
        chain.scheme,
        SignatureScheme::Ecdsa {
            hash: HashAlgorithm::Sha256,
            curve: NamedCurve::BrainpoolP384r1
        },
        "the CSCA's key has explicit brainpoolP384r1 parameters"
    );
}

#[test]
fn an_openssl_sod_with_a_changed_hash_fails_its_message_digest() {
    let mut sod = include_bytes!("fixtures/passive/rsa-sod.bin").to_vec();
    let dg1_hash = HashAlgorithm::Sha256.digest(include_bytes!("fixtures/passive/dg1.bin"));
    let at = sod
        .windows(32)
        .position(|window| window == dg1_hash.as_slice())
        .unwrap();
    sod[at] ^= 0xFF;
    let mut store = TrustStore::new();
    store
        .add_certificate_der(include_bytes!("fixtures/passive/rsa-csca.der"))
        .unwrap();
    let report = verify_sod(&sod, &store, &[], SystemTime::now());
    assert_eq!(
        report.signed_attributes,
        Check::Failed(PassiveAuthFailure::MessageDigestMismatch)
    );
}
