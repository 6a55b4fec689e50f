//! Passive authentication of a card (ICAO 9303-11 §5.1): the Document Signer signed the
//! data-group hashes, a trusted CSCA issued the Document Signer, and the data groups read
//! from the chip are the ones that were signed.
//!
//! Every check is reported on its own so the UI can say "this card could not be verified"
//! and the technician detail (or the back end) can say which step failed. Validity is the
//! shell model: the DS and CSCA certificates must both be valid at the moment of reading
//! (`at`), as ICAO 9303-12 §5 sizes DS validity to cover every document it signed.

use std::time::SystemTime;

use x509_cert::ext::pkix::KeyUsages;

use super::certificate::{Certificate, Validity};
use super::failure::PassiveAuthFailure;
use super::signature::SignatureScheme;
use super::sod::{LdsSecurityObject, Sod};
use super::trust_store::TrustStore;
use crate::lds::DataGroup;

/// The outcome of one check: passed, failed with a reason, or not reached because an
/// earlier step it depends on failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check<T = ()> {
    Passed(T),
    Failed(PassiveAuthFailure),
    NotChecked,
}

impl<T> Check<T> {
    pub fn is_passed(&self) -> bool {
        matches!(self, Self::Passed(_))
    }

    pub fn failure(&self) -> Option<&PassiveAuthFailure> {
        match self {
            Self::Failed(failure) => Some(failure),
            _ => None,
        }
    }

    fn from_result(result: Result<T, PassiveAuthFailure>) -> Self {
        match result {
            Ok(value) => Self::Passed(value),
            Err(failure) => Self::Failed(failure),
        }
    }
}

/// What became of one data group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataGroupOutcome {
    /// Read, and its hash is the one the SOD lists.
    Matched,
    /// Read, and its hash differs: the data was changed after signing.
    Mismatch,
    /// Listed in the SOD but not read (e.g. DG3, which needs EAC): nothing to compare.
    NotRead,
    /// Read but not listed in the SOD: unsigned data, refused.
    NotInSod,
}

/// The CSCA that issued the Document Signer, and how it was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainInfo {
    pub csca: Certificate,
    pub scheme: SignatureScheme,
}

/// Each step of passive authentication, in order (a)–(e).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassiveAuthReport {
    /// EF.SOD parsed into SignedData and an LDS security object.
    pub parsed: Check,
    /// (a) exactly one SignerInfo, naming an embedded DS certificate.
    pub signer_info: Check,
    /// (b) content-type and message-digest signed attributes.
    pub signed_attributes: Check,
    /// (c) the signature over the signed attributes under the DS key.
    pub signature: Check<SignatureScheme>,
    /// (d) the DS certificate issued by a trusted CSCA; both valid at `at`.
    pub certificate_chain: Check<ChainInfo>,
    /// (e) every group the SOD lists or the chip gave, in data-group order.
    pub data_groups: Vec<(DataGroup, DataGroupOutcome)>,
    pub document_signer: Option<Certificate>,
    pub security_object: Option<LdsSecurityObject>,
}

impl PassiveAuthReport {
    /// True only when (a)–(e) all pass, at least one data group was compared and no data
    /// group read from the chip failed its comparison or is missing from the SOD.
    pub fn passed(&self) -> bool {
        self.parsed.is_passed()
            && self.signer_info.is_passed()
            && self.signed_attributes.is_passed()
            && self.signature.is_passed()
            && self.certificate_chain.is_passed()
            && self.data_groups_passed()
    }

    fn data_groups_passed(&self) -> bool {
        let mut compared = false;
        for (_, outcome) in &self.data_groups {
            match outcome {
                DataGroupOutcome::Matched => compared = true,
                DataGroupOutcome::NotRead => {}
                DataGroupOutcome::Mismatch | DataGroupOutcome::NotInSod => return false,
            }
        }
        compared
    }

    /// Every reason it failed, first step first.
    pub fn failures(&self) -> Vec<PassiveAuthFailure> {
        let mut failures: Vec<PassiveAuthFailure> = [
            self.parsed.failure(),
            self.signer_info.failure(),
            self.signed_attributes.failure(),
            self.signature.failure(),
            self.certificate_chain.failure(),
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
        for (group, outcome) in &self.data_groups {
            match outcome {
                DataGroupOutcome::Mismatch => {
                    failures.push(PassiveAuthFailure::DataGroupHashMismatch(*group))
                }
                DataGroupOutcome::NotInSod => {
                    failures.push(PassiveAuthFailure::DataGroupNotInSod(*group))
                }
                DataGroupOutcome::Matched | DataGroupOutcome::NotRead => {}
            }
        }
        failures
    }

    /// The first reason it failed, for a one-line message.
    pub fn first_failure(&self) -> Option<PassiveAuthFailure> {
        self.failures().into_iter().next()
    }

    pub fn outcome_of(&self, group: DataGroup) -> Option<DataGroupOutcome> {
        self.data_groups
            .iter()
            .find(|(listed, _)| *listed == group)
            .map(|(_, outcome)| *outcome)
    }
}

/// Runs passive authentication of EF.SOD (`sod_bytes`, as read, tag 77 included) against
/// the data groups read from the chip (each file's bytes exactly as read) at time `at`.
pub fn verify_sod(
    sod_bytes: &[u8],
    trust_store: &TrustStore,
    read_data_groups: &[(DataGroup, &[u8])],
    at: SystemTime,
) -> PassiveAuthReport {
    let mut report = PassiveAuthReport {
        parsed: Check::NotChecked,
        signer_info: Check::NotChecked,
        signed_attributes: Check::NotChecked,
        signature: Check::NotChecked,
        certificate_chain: Check::NotChecked,
        data_groups: Vec::new(),
        document_signer: None,
        security_object: None,
    };
    let sod = match Sod::parse(sod_bytes) {
        Ok(sod) => sod,
        Err(error) => {
            report.parsed = Check::Failed(PassiveAuthFailure::MalformedSod(error));
            return report;
        }
    };
    report.parsed = Check::Passed(());
    report.security_object = Some(sod.security_object().clone());
    report.data_groups = compare_data_groups(sod.security_object(), read_data_groups);

    let signed = sod.signed_data();
    let (signer, certificate) = match signed.signer_and_certificate() {
        Ok(found) => found,
        Err(failure) => {
            report.signer_info = Check::Failed(failure);
            return report;
        }
    };
    report.signer_info = Check::Passed(());
    report.document_signer = Some(certificate.clone());
    match signed.check_signed_attributes(signer) {
        Ok(hash) => {
            report.signed_attributes = Check::Passed(());
            report.signature =
                Check::from_result(signed.check_signature(signer, certificate, hash));
        }
        Err(failure) => report.signed_attributes = Check::Failed(failure),
    }
    report.certificate_chain = Check::from_result(check_chain(certificate, trust_store, at));
    report
}

/// Check (d): a CSCA in the store issued `document_signer`, and both are valid at `at`.
fn check_chain(
    document_signer: &Certificate,
    trust_store: &TrustStore,
    at: SystemTime,
) -> Result<ChainInfo, PassiveAuthFailure> {
    if !document_signer.allows(KeyUsages::DigitalSignature) {
        return Err(PassiveAuthFailure::SignerKeyUsage);
    }
    let candidates: Vec<&Certificate> = trust_store.issuers_of(document_signer).collect();
    if candidates.is_empty() {
        return Err(PassiveAuthFailure::UnknownCsca);
    }
    // Several CSCAs may share a name across key rollovers; the signature picks the issuer.
    let (csca, scheme) = candidates
        .into_iter()
        .find_map(|csca| {
            document_signer
                .verify_issued_by(csca)
                .ok()
                .map(|scheme| (csca, scheme))
        })
        .ok_or(PassiveAuthFailure::BadSignerCertificateSignature)?;
    match document_signer.validity_at(at) {
        Validity::Valid => {}
        Validity::Expired => return Err(PassiveAuthFailure::SignerExpired),
        Validity::NotYetValid => return Err(PassiveAuthFailure::SignerNotYetValid),
    }
    match csca.validity_at(at) {
        Validity::Valid => {}
        Validity::Expired => return Err(PassiveAuthFailure::CscaExpired),
        Validity::NotYetValid => return Err(PassiveAuthFailure::CscaNotYetValid),
    }
    Ok(ChainInfo {
        csca: csca.clone(),
        scheme,
    })
}

/// Check (e) for every group either side mentions, in data-group order.
fn compare_data_groups(
    security_object: &LdsSecurityObject,
    read: &[(DataGroup, &[u8])],
) -> Vec<(DataGroup, DataGroupOutcome)> {
    DataGroup::ALL
        .into_iter()
        .filter_map(|group| {
            let listed = security_object.hash_of(group);
            let file = read.iter().find(|(read_group, _)| *read_group == group);
            let outcome = match (listed, file) {
                (None, None) => return None,
                (Some(_), None) => DataGroupOutcome::NotRead,
                (None, Some(_)) => DataGroupOutcome::NotInSod,
                (Some(expected), Some((_, bytes))) => {
                    if security_object.hash_algorithm.digest(bytes) == expected {
                        DataGroupOutcome::Matched
                    } else {
                        DataGroupOutcome::Mismatch
                    }
                }
            };
            Some((group, outcome))
        })
        .collect()
}
