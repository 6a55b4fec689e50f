//! Is this card genuine, and whose is it? The whole check of a CCCD chip, from access
//! control to the verdict.
//!
//! A card is **genuine** only when both hold (MISSION.md, ICAO 9303-11 §5–6):
//!
//! - passive authentication passes: the SOD is signed by a Document Signer that chains to a
//!   trusted CSCA, and every data group read hashes to the value in the SOD; and
//! - one clone check passes: Chip Authentication with the key in DG14 when the chip offers
//!   it, otherwise Active Authentication with the key in DG15.
//!
//! The keys used by the clone checks come from DG14 and DG15, which passive authentication
//! covers, so a forger cannot swap in a key of their own. All files are read first under
//! the access-control session; the clone check runs last because a failed Chip
//! Authentication closes the secure channel.
//!
//! The result keeps the raw files, so the back end can re-verify the card itself.

mod report;

use std::collections::BTreeMap;
use std::time::SystemTime;

use crate::access_key::AccessKey;
use crate::clone_detection::{
    ActiveAuthentication, CaParameters, CheckOutcome, ChipPublicKey, CloneCheckReport,
    run_chip_authentication,
};
use crate::lds::{DataGroup, Dg1, Dg2, Dg13, EfCom, LdsFile};
use crate::passive::{TrustStore, verify_sod};
use crate::qr::{CccdQr, ChipIdentity, CitizenIdNumber, Sex, compare_with_chip};
use crate::reader::{ChipSession, READ_DATA_GROUPS, ReadError, ReadOptions, ReadStep};
use crate::security_info::SecurityInfos;
use crate::sm::RandomSource;
use crate::transport::{CardTransport, TransportErrorKind};

pub use report::{CardVerification, NotGenuine, Verdict};

/// What the person sees while the chip is read: a step count for the progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: u32,
    pub total: u32,
    pub step: ReadStep,
}

/// What a kiosk checks cards against: its trust store, its reader's abilities and the
/// time (certificates must be valid now).
#[derive(Debug, Clone, Copy)]
pub struct Verifier<'a> {
    pub trust_store: &'a TrustStore,
    pub options: ReadOptions,
    pub now: SystemTime,
}

impl Verifier<'_> {
    /// Reads the chip with the first of `keys` it accepts and checks it is genuine.
    ///
    /// `qr` is the card's QR code when the citizen showed it; its fields are compared with
    /// the chip's.
    pub fn read_and_verify(
        &self,
        transport: &mut dyn CardTransport,
        keys: &[AccessKey],
        qr: Option<&CccdQr>,
        random: &mut dyn RandomSource,
        progress: impl FnMut(Progress),
    ) -> Result<CardVerification, ReadError> {
        read_and_verify(self, transport, keys, qr, random, progress)
    }
}

fn read_and_verify(
    verifier: &Verifier<'_>,
    transport: &mut dyn CardTransport,
    keys: &[AccessKey],
    qr: Option<&CccdQr>,
    random: &mut dyn RandomSource,
    mut progress: impl FnMut(Progress),
) -> Result<CardVerification, ReadError> {
    let Verifier {
        trust_store,
        options,
        now,
    } = *verifier;
    // Opening, EF.COM, up to five data groups, the SOD, the clone check.
    let mut total = 2 + READ_DATA_GROUPS.len() as u32 + 2;
    let mut done = 0;
    progress(Progress {
        done,
        total,
        step: ReadStep::OpeningChip,
    });
    let mut session = ChipSession::open(transport, keys, options, random)?;
    done += 1;
    let mut report = |done: u32, total: u32, step| progress(Progress { done, total, step });

    let com = session.read(LdsFile::Com, |step| report(done, total, step))?;
    done += 1;
    let listed = EfCom::parse(&com).map_err(ReadError::EfCom)?;
    let to_read: Vec<DataGroup> = READ_DATA_GROUPS
        .into_iter()
        .filter(|group| listed.lists(*group))
        .collect();
    total = 2 + to_read.len() as u32 + 2;
    let mut data_groups = BTreeMap::new();
    for group in to_read {
        let bytes = session.read(LdsFile::DataGroup(group), |step| report(done, total, step))?;
        data_groups.insert(group, bytes);
        done += 1;
    }
    let sod = session.read(LdsFile::Sod, |step| report(done, total, step))?;
    done += 1;

    let read: Vec<(DataGroup, &[u8])> = data_groups
        .iter()
        .map(|(group, bytes)| (*group, bytes.as_slice()))
        .collect();
    let passive = verify_sod(&sod, trust_store, &read, now);

    report(done, total, ReadStep::CheckingChip);
    let clone = check_clone(&mut session, &data_groups, random)?;
    report(total, total, ReadStep::CheckingChip);

    let dg13 = data_groups
        .get(&DataGroup::Dg13)
        .map(|bytes| Dg13::parse(bytes));
    let dg1 = data_groups
        .get(&DataGroup::Dg1)
        .map(|bytes| Dg1::parse(bytes));
    let face = data_groups
        .get(&DataGroup::Dg2)
        .map(|bytes| Dg2::parse(bytes).and_then(|dg2| dg2.face_image()));
    let qr_disagreements = match (qr, &dg13) {
        (Some(qr), Some(Ok(dg13))) => compare_with_chip(qr, &chip_identity(dg13)),
        _ => Vec::new(),
    };

    Ok(CardVerification {
        access: session.access_method(),
        card_access: session.card_access().map(<[u8]>::to_vec),
        com,
        data_groups,
        sod,
        passive,
        clone,
        dg1,
        dg13,
        face,
        qr_disagreements,
    })
}

/// Chip Authentication when DG14 offers it, else Active Authentication when DG15 is there.
fn check_clone(
    session: &mut ChipSession<'_>,
    data_groups: &BTreeMap<DataGroup, Vec<u8>>,
    random: &mut dyn RandomSource,
) -> Result<CloneCheckReport, ReadError> {
    let mut report = CloneCheckReport {
        chip_authentication: CheckOutcome::NotOffered,
        active_authentication: CheckOutcome::NotOffered,
    };
    let dg14 = data_groups
        .get(&DataGroup::Dg14)
        .and_then(|bytes| SecurityInfos::parse_dg14(bytes).ok());

    if let Some(parameters) = dg14.as_ref().and_then(ca_parameters) {
        let outcome = run_chip_authentication(session.secure_channel(), parameters, random);
        if let Err(error) = &outcome
            && let Some(kind) = error.transport_kind().filter(|kind| is_card_gone(*kind))
        {
            // The card left the reader: that says nothing about the card, and the
            // person must put it back.
            return Err(ReadError::Transport(crate::transport::TransportError::new(
                kind,
                error.to_string(),
            )));
        }
        report.chip_authentication = CheckOutcome::from_result(outcome.map(|_| ()));
        // A chip that offers Chip Authentication and fails it is a clone; Active
        // Authentication cannot redeem it (and the secure channel is closed by now).
        if !matches!(report.chip_authentication, CheckOutcome::NotOffered) {
            report.active_authentication = CheckOutcome::NotRun;
            return Ok(report);
        }
    }

    if let Some(dg15) = data_groups.get(&DataGroup::Dg15) {
        let algorithm = dg14
            .as_ref()
            .and_then(|infos| infos.active_authentication())
            .map(|info| info.signature_algorithm);
        let outcome = match crate::clone_detection::Dg15::parse(dg15) {
            Ok(dg15) => ActiveAuthentication::new(dg15.into_public_key(), algorithm.as_ref())
                .and_then(|aa| aa.run(session.secure_channel(), random)),
            // Passive authentication covers DG15, so a DG15 without a usable key fails
            // the card there; Active Authentication simply cannot run.
            Err(_) => {
                report.active_authentication = CheckOutcome::NotRun;
                return Ok(report);
            }
        };
        if let Err(error) = &outcome
            && let Some(kind) = error.transport_kind().filter(|kind| is_card_gone(*kind))
        {
            return Err(ReadError::Transport(crate::transport::TransportError::new(
                kind,
                error.to_string(),
            )));
        }
        report.active_authentication = CheckOutcome::from_result(outcome);
    }
    Ok(report)
}

/// Failures that say the card or the reader went away, not that the chip failed a check.
fn is_card_gone(kind: TransportErrorKind) -> bool {
    matches!(
        kind,
        TransportErrorKind::CardRemoved
            | TransportErrorKind::Timeout
            | TransportErrorKind::Disconnected
    )
}

/// The Chip Authentication to run from DG14: the first ECDH protocol whose key is there.
fn ca_parameters(infos: &SecurityInfos) -> Option<CaParameters> {
    for info in infos.chip_authentication() {
        let key = infos.chip_authentication_public_keys().find(|key| {
            info.key_id.is_none() || key.key_id.is_none() || key.key_id == info.key_id
        })?;
        let der = der::Encode::to_der(&key.key).ok()?;
        let Ok(public_key) = ChipPublicKey::from_spki_der(&der) else {
            continue;
        };
        let key_id = info
            .key_id
            .as_ref()
            .and_then(|id| id.to_u64())
            .and_then(|id| u32::try_from(id).ok());
        return Some(CaParameters::new(info.protocol.cipher, key_id, public_key));
    }
    None
}

/// The fields of DG13 the QR code also carries, for the cross-check.
fn chip_identity(dg13: &Dg13) -> ChipIdentity {
    ChipIdentity {
        id_number: CitizenIdNumber::parse(dg13.id_number.expose()).ok(),
        full_name: Some(dg13.full_name.clone()),
        date_of_birth: dg13.birth_date().ok(),
        sex: dg13
            .sex
            .as_ref()
            .and_then(|sex| Sex::from_vietnamese(sex.expose())),
        issue_date: dg13.issued_on().and_then(Result::ok),
    }
}
