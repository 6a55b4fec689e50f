//! The CSCA trust store: folders of DER and PEM certificates and ICAO master lists, made
//! by the test PKI's signing side and loaded back; bad files are reported, not fatal.

use std::time::SystemTime;

use kiosk_identity::lds::DataGroup;
use kiosk_identity::passive::build::{TestPki, build_master_list, build_sod};
use kiosk_identity::passive::{
    FileLoaded, HashAlgorithm, MasterListError, PassiveAuthFailure, TrustFileError, TrustStore,
    verify_sod,
};
use kiosk_identity::sm::random::OsRandom;

const DG1: &[u8] = &[0x61, 0x03, 0x5F, 0x1F, 0x00];

fn pki() -> TestPki {
    TestPki::generate("VN", &mut OsRandom).unwrap()
}

fn groups() -> Vec<(DataGroup, &'static [u8])> {
    vec![(DataGroup::Dg1, DG1)]
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

fn temp_folder(name: &str) -> std::path::PathBuf {
    let folder = std::env::temp_dir().join(format!("kiosk-passive-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

#[test]
fn a_master_list_round_trips_through_a_folder() {
    let vietnam = pki();
    let other = TestPki::generate("DE", &mut OsRandom).unwrap();
    let list = build_master_list(
        &[
            vietnam.csca.certificate.clone(),
            other.csca.certificate.clone(),
        ],
        &vietnam.master_list_signer.certificate,
        &vietnam.master_list_signer.key,
    )
    .unwrap();
    let folder = temp_folder("ml");
    std::fs::write(folder.join("icao.ml"), &list).unwrap();
    let (store, report) = TrustStore::from_folder(&folder).unwrap();
    assert_eq!(store.len(), 2);
    assert!(store.contains(&vietnam.csca.certificate) && store.contains(&other.csca.certificate));
    assert_eq!(
        report.files[0].1,
        Ok(FileLoaded::MasterList {
            added: 2,
            rejected: 0,
            signer_chains_to_csca: true
        })
    );
    let report = verify_sod(&sod_for(&other), &store, &groups(), SystemTime::now());
    assert!(report.passed(), "{:?}", report.failures());

    // A list whose signer no listed CSCA issued still loads, and says so.
    let foreign = build_master_list(
        std::slice::from_ref(&other.csca.certificate),
        &vietnam.master_list_signer.certificate,
        &vietnam.master_list_signer.key,
    )
    .unwrap();
    std::fs::write(folder.join("foreign.ml"), &foreign).unwrap();
    let (_, report) = TrustStore::from_folder(&folder).unwrap();
    let foreign_outcome = &report
        .files
        .iter()
        .find(|(path, _)| path.ends_with("foreign.ml"))
        .unwrap()
        .1;
    assert_eq!(
        *foreign_outcome,
        Ok(FileLoaded::MasterList {
            added: 1,
            rejected: 0,
            signer_chains_to_csca: false
        })
    );
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn a_master_list_with_a_broken_signature_is_refused() {
    let pki = pki();
    let mut list = build_master_list(
        std::slice::from_ref(&pki.csca.certificate),
        &pki.master_list_signer.certificate,
        &pki.master_list_signer.key,
    )
    .unwrap();
    // The ECDSA signature is the last field of the SignerInfo, at the end of the file.
    let last = list.len() - 3;
    list[last] ^= 0x01;
    let folder = temp_folder("broken-ml");
    std::fs::write(folder.join("broken.ml"), &list).unwrap();
    let (store, report) = TrustStore::from_folder(&folder).unwrap();
    assert!(store.is_empty());
    assert_eq!(
        report.files[0].1,
        Err(TrustFileError::MasterList(MasterListError::Signature(
            PassiveAuthFailure::BadSignature
        )))
    );
    std::fs::remove_dir_all(&folder).unwrap();
}

fn pem(der: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::new();
    for chunk in der.chunks(3) {
        let bytes = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from_be_bytes([0, bytes[0], bytes[1], bytes[2]]);
        for i in 0..4 {
            if i <= chunk.len() {
                text.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                text.push('=');
            }
        }
    }
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(64)
        .map(|line| std::str::from_utf8(line).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

#[test]
fn a_folder_loads_pem_and_der_and_reports_bad_files() {
    let first = pki();
    let second = pki();
    let folder = temp_folder("mixed");
    let both = format!(
        "issued for the kiosk tests\n{}{}",
        pem(first.csca.certificate.to_der()),
        pem(second.csca.certificate.to_der())
    );
    std::fs::write(folder.join("two.pem"), both).unwrap();
    std::fs::write(folder.join("z-again.cer"), first.csca.certificate.to_der()).unwrap();
    std::fs::write(folder.join("garbage.der"), b"not a certificate").unwrap();
    std::fs::write(folder.join("empty.pem"), b"nothing here").unwrap();
    std::fs::write(folder.join("README.txt"), b"ignored").unwrap();
    let (store, report) = TrustStore::from_folder(&folder).unwrap();
    assert_eq!(store.len(), 2);
    let outcome = |name: &str| {
        report
            .files
            .iter()
            .find(|(path, _)| path.ends_with(name))
            .map(|(_, outcome)| outcome.clone())
    };
    assert_eq!(
        outcome("two.pem"),
        Some(Ok(FileLoaded::Certificates { added: 2 }))
    );
    assert_eq!(
        outcome("z-again.cer"),
        Some(Ok(FileLoaded::Certificates { added: 0 }))
    );
    assert!(matches!(
        outcome("garbage.der"),
        Some(Err(TrustFileError::Certificate(_)))
    ));
    assert_eq!(
        outcome("empty.pem"),
        Some(Err(TrustFileError::NoCertificateInPem))
    );
    assert_eq!(outcome("README.txt"), None);
    assert_eq!(report.failures().count(), 2);
    assert!(TrustStore::from_folder(&folder.join("missing")).is_err());
    std::fs::remove_dir_all(&folder).unwrap();
}
