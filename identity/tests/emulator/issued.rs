//! The generated sample set read and checked as the kiosk does, with the terminal's own
//! building blocks: PACE with the CAN from the QR code, the application selected under
//! secure messaging, every file read, passive authentication against the generated trust
//! folder, Chip Authentication with DG14's key, Active Authentication with DG15's.

use std::time::SystemTime;

use kiosk_identity::clone_detection::{
    AaError, ActiveAuthentication, CaError, CaParameters, ChipPublicKey, Dg15,
    run_chip_authentication,
};
use kiosk_identity::passive::{PassiveAuthFailure, PassiveAuthReport, TrustStore, verify_sod};
use kiosk_identity::sample_cards::{ExpectedFailure, Forgery, MASTER_LIST_FILE, TRUSTED_CSCA_FILE};
use kiosk_identity::verify::{NotGenuine, Verdict};

use super::*;

/// Every file the kiosk reads, as read.
struct Readout {
    com: EfCom,
    groups: Vec<(DataGroup, Vec<u8>)>,
    sod: Vec<u8>,
}

impl Readout {
    fn group(&self, group: DataGroup) -> &[u8] {
        self.groups
            .iter()
            .find(|(read, _)| *read == group)
            .map(|(_, bytes)| bytes.as_slice())
            .expect("the data group was read")
    }

    fn passive_authentication(&self, store: &TrustStore) -> PassiveAuthReport {
        let groups: Vec<(DataGroup, &[u8])> = self
            .groups
            .iter()
            .map(|(group, bytes)| (*group, bytes.as_slice()))
            .collect();
        verify_sod(&self.sod, store, &groups, SystemTime::now())
    }

    fn chip_authentication(&self) -> CaParameters {
        let infos = SecurityInfos::parse_dg14(self.group(DataGroup::Dg14)).expect("DG14");
        let info = infos.chip_authentication().next().expect("a CA info");
        let key = infos
            .chip_authentication_public_keys()
            .next()
            .expect("a CA public key");
        let spki = der::Encode::to_der(&key.key).expect("SPKI");
        let key = ChipPublicKey::from_spki_der(&spki).expect("the DG14 key");
        CaParameters::new(info.protocol.cipher, None, key)
    }

    fn active_authentication(&self) -> ActiveAuthentication {
        let infos = SecurityInfos::parse_dg14(self.group(DataGroup::Dg14)).expect("DG14");
        let dg15 = Dg15::parse(self.group(DataGroup::Dg15)).expect("DG15");
        let algorithm = infos
            .active_authentication()
            .map(|info| info.signature_algorithm);
        ActiveAuthentication::new(dg15.into_public_key(), algorithm.as_ref()).expect("AA")
    }
}

fn read_everything(sm: &mut SmTransport<'_>) -> Readout {
    let com = EfCom::parse(&read_file(sm, LdsFile::Com, 0xDF)).expect("EF.COM");
    let groups = com
        .data_groups
        .iter()
        .map(|group| (*group, read_file(sm, LdsFile::DataGroup(*group), 0xDF)))
        .collect();
    let sod = read_file(sm, LdsFile::Sod, 0xDF);
    Readout { com, groups, sod }
}

fn trust_store(world: &World) -> TrustStore {
    let (store, _) = TrustStore::from_folder(&world.set.trust_dir).expect("the trust folder");
    store
}

#[test]
fn every_genuine_card_opens_with_its_can_and_passes_every_check() {
    let world = world();
    let store = trust_store(&world);
    assert_eq!(world.set.cards.len(), sample_citizens().len());
    for card in &world.set.cards {
        let name = &card.citizen.full_name;
        let mut wire = load(&card.folder);
        let session = open_with_pace(&mut wire, &can_password(&card.qr_text));
        let mut sm = SmTransport::new(&mut wire, session);
        let readout = read_everything(&mut sm);
        assert_eq!(
            readout.com.data_groups,
            [
                DataGroup::Dg1,
                DataGroup::Dg2,
                DataGroup::Dg13,
                DataGroup::Dg14,
                DataGroup::Dg15
            ],
            "{name}"
        );
        let dg13 = Dg13::parse(readout.group(DataGroup::Dg13)).expect("DG13");
        assert_eq!(dg13.full_name.expose(), name);

        let passive = readout.passive_authentication(&store);
        assert!(passive.passed(), "{name}: {:?}", passive.failures());
        assert_eq!(passive.failures(), []);

        run_chip_authentication(&mut sm, readout.chip_authentication(), &mut OsRandom)
            .unwrap_or_else(|error| panic!("{name}: Chip Authentication: {error}"));
        // Active Authentication under the re-keyed session, then the reading goes on.
        readout
            .active_authentication()
            .run(&mut sm, &mut OsRandom)
            .unwrap_or_else(|error| panic!("{name}: Active Authentication: {error}"));
        assert_eq!(read_file(&mut sm, DG1, 0xDF), readout.group(DataGroup::Dg1));
        drop(sm);
        assert_eq!(
            wire.chip.access_state(),
            AccessState::ChipAuthenticated(AccessProtocol::PaceCan)
        );
        assert_eq!(wire.chip.failed_access_attempts(), 0);
        assert_eq!(card.expected_verdict(), Verdict::Genuine);
    }
}

#[test]
fn the_trust_folder_holds_the_csca_as_a_certificate_and_in_a_master_list() {
    let world = world();
    let trust = &world.set.trust_dir;
    for file in [TRUSTED_CSCA_FILE, MASTER_LIST_FILE] {
        let alone = tempfile::tempdir().expect("a temporary folder");
        fs::copy(trust.join(file), alone.path().join(file)).expect("copy");
        let (store, report) = TrustStore::from_folder(alone.path()).expect("loads");
        assert_eq!(store.len(), 1, "{file}: {report:?}");
    }
    // Both hold the same CSCA: the whole folder gives one.
    assert_eq!(trust_store(&world).len(), 1);
}

/// Each forgery fails the check it was made for, and only that one.
#[test]
fn every_forged_card_fails_the_check_it_was_made_to_fail() {
    let world = world();
    let store = trust_store(&world);
    let kinds: Vec<Forgery> = world.set.forged.iter().map(|card| card.kind).collect();
    assert_eq!(kinds, Forgery::ALL);
    for card in &world.set.forged {
        let kind = card.kind;
        let mut wire = load(&card.folder);
        // Every forgery opens with the CAN of the card it imitates.
        let info = pace_info(&mut wire);
        let session = pace_session(&mut wire, &info, &PacePassword::can(&card.can));
        let mut sm = SmTransport::new(&mut wire, session);
        let readout = read_everything(&mut sm);
        let passive = readout.passive_authentication(&store);
        let chip_authentication =
            run_chip_authentication(&mut sm, readout.chip_authentication(), &mut OsRandom);
        drop(sm);

        match &card.expected_failure {
            ExpectedFailure::PassiveAuthentication(expected) => {
                assert!(!passive.passed(), "{kind:?}");
                assert_eq!(passive.first_failure().as_ref(), Some(expected), "{kind:?}");
                // The chip itself is the forger's own, with its own keys: it passes.
                assert!(chip_authentication.is_ok(), "{kind:?}");
                let Verdict::NotGenuine(NotGenuine::PassiveAuthentication(failure)) =
                    card.expected_verdict()
                else {
                    panic!("{kind:?}: {:?}", card.expected_verdict());
                };
                assert_eq!(&failure, expected);
            }
            ExpectedFailure::CloneDetection => {
                assert!(passive.passed(), "{kind:?}: {:?}", passive.failures());
                assert!(
                    matches!(
                        chip_authentication,
                        Err(CaError::NewKeysRefused(_) | CaError::NewKeysNotShared(_))
                    ),
                    "{chip_authentication:?}"
                );
                // Active Authentication in a new session: the signature does not verify
                // under DG15's key.
                let session = pace_session(&mut wire, &info, &PacePassword::can(&card.can));
                let mut sm = SmTransport::new(&mut wire, session);
                let active = readout.active_authentication().run(&mut sm, &mut OsRandom);
                assert_eq!(active, Err(AaError::EcdsaInvalid));
                assert_eq!(
                    card.expected_verdict(),
                    Verdict::NotGenuine(NotGenuine::CloneCheckFailed)
                );
            }
        }
        assert_eq!(
            world.set.expected_verdict(&card.folder),
            Some(card.expected_verdict())
        );
    }
    let specific = |kind| {
        world
            .set
            .forged(kind)
            .map(|card| card.expected_failure.clone())
    };
    assert_eq!(
        specific(Forgery::TamperedDg13),
        Some(ExpectedFailure::PassiveAuthentication(
            PassiveAuthFailure::DataGroupHashMismatch(DataGroup::Dg13)
        ))
    );
    assert_eq!(
        specific(Forgery::WrongSodSignature),
        Some(ExpectedFailure::PassiveAuthentication(
            PassiveAuthFailure::BadSignature
        ))
    );
    assert_eq!(
        specific(Forgery::UnknownCsca),
        Some(ExpectedFailure::PassiveAuthentication(
            PassiveAuthFailure::UnknownCsca
        ))
    );
    assert_eq!(
        specific(Forgery::ExpiredSigner),
        Some(ExpectedFailure::PassiveAuthentication(
            PassiveAuthFailure::SignerExpired
        ))
    );
    assert_eq!(
        specific(Forgery::ClonedChip),
        Some(ExpectedFailure::CloneDetection)
    );
}

/// The cloned chip carries the genuine card's files byte for byte; only its keys differ.
#[test]
fn the_cloned_chip_is_a_genuine_cards_files_with_other_keys() {
    let world = world();
    let clone = world.set.forged(Forgery::ClonedChip).expect("a clone");
    let original = world
        .set
        .cards
        .iter()
        .find(|card| card.can == clone.can)
        .expect("the card it copies");
    for name in [
        "EF.COM",
        "EF.CardAccess",
        "EF.SOD",
        "DG1",
        "DG2",
        "DG13",
        "DG14",
        "DG15",
    ] {
        let read = |folder: &Path| fs::read(folder.join(name)).expect("the file");
        assert_eq!(read(&clone.folder), read(&original.folder), "{name}");
    }
    for key in ["chip-keys/ca.der", "chip-keys/aa.der"] {
        let read = |folder: &Path| fs::read(folder.join(key)).expect("the key");
        assert_ne!(read(&clone.folder), read(&original.folder), "{key}");
    }
    // The tampered card differs from its original in DG13 alone.
    let tampered = world.set.forged(Forgery::TamperedDg13).expect("tampered");
    let original = world
        .set
        .cards
        .iter()
        .find(|card| card.can == tampered.can)
        .expect("the card it copies");
    let dg13 = |folder: &Path| Dg13::parse(&fs::read(folder.join("DG13")).expect("DG13"));
    assert_ne!(
        dg13(&tampered.folder).expect("DG13").full_name.expose(),
        dg13(&original.folder).expect("DG13").full_name.expose()
    );
    let sod = |folder: &Path| fs::read(folder.join("EF.SOD")).expect("EF.SOD");
    assert_eq!(sod(&tampered.folder), sod(&original.folder));
}

/// The kiosk's reader session opens a generated card with PACE and the CAN first, reads
/// it whole, and Chip Authentication runs on its secure channel.
#[test]
fn the_kiosk_reader_opens_a_generated_card_with_pace() {
    let world = world();
    let card = &world.set.cards[1];
    let mut wire = load(&card.folder);
    let keys = [
        AccessKey::from_can(&card.can).expect("CAN"),
        AccessKey::from_mrz(&card.citizen.mrz().expect("MRZ"), 2026).expect("MRZ key"),
    ];
    let options = ReadOptions {
        extended_length: false,
    };
    let mut session = ChipSession::open(&mut wire, &keys, options, &mut OsRandom).expect("opens");
    assert_eq!(session.access_method(), AccessMethod::PaceCan);
    assert!(session.card_access().is_some());
    let dg14 = session.read(DG14, |_| {}).expect("DG14");
    let readout = Readout {
        com: EfCom::parse(&session.read(LdsFile::Com, |_| {}).expect("EF.COM")).expect("COM"),
        groups: vec![(DataGroup::Dg14, dg14)],
        sod: Vec::new(),
    };
    assert!(readout.com.lists(DataGroup::Dg15));
    run_chip_authentication(
        session.secure_channel(),
        readout.chip_authentication(),
        &mut OsRandom,
    )
    .expect("Chip Authentication on the reader's channel");
    let dg15 = session.read(DG15, |_| {}).expect("DG15 under the new keys");
    assert_eq!(dg15, fs::read(card.folder.join("DG15")).expect("DG15"));
    drop(session);
    assert_eq!(wire.chip.failed_access_attempts(), 0);
}
