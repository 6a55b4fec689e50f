//! Every sample card read and verified through the real PC/SC stack (issue 3, point 8):
//! the emulated chip served to a real pcscd through vpcd, the kiosk's PC/SC reader, and
//! `Verifier::read_and_verify` over it. Genuine cards come out genuine with the citizen's
//! name; each forged card is rejected for the reason its forgery must be caught by; a card
//! pulled mid-read ends in "keep the card still", within a bound. See `kiosk_tests::Pcscd`
//! for how the daemon is started.

use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use kiosk_app::card_link::ReaderTransport;
use kiosk_app::demo::EmulatedCccd;
use kiosk_hal::sim::VpcdBridge;
use kiosk_hal::{CardEvent, CardReader, PcscCardReader};
use kiosk_identity::access_key::candidates_from_qr;
use kiosk_identity::emulator::CardFolder;
use kiosk_identity::lds::{DataGroup, LdsFile};
use kiosk_identity::passive::TrustStore;
use kiosk_identity::qr::CccdQr;
use kiosk_identity::reader::{ReadError, ReadFailure, ReadOptions, ReadStep};
use kiosk_identity::sample_cards::{SampleSet, write_sample_set};
use kiosk_identity::sm::OsRandom;
use kiosk_identity::verify::{CardVerification, Verdict, Verifier};
use kiosk_tests::{EVENT_DEADLINE, Pcscd, VPCD_READER_FILTER, open_vpcd_reader, wait_for_event};

/// vpcd and the kiosk's reader pass short APDUs only.
const OPTIONS: ReadOptions = ReadOptions {
    extended_length: false,
};

struct World {
    _dir: tempfile::TempDir,
    set: SampleSet,
    trust_store: TrustStore,
}

fn world() -> World {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let set = write_sample_set(dir.path(), &mut OsRandom).expect("the sample set is written");
    let (trust_store, _) =
        TrustStore::from_folder(&set.trust_dir).expect("the sample trust folder loads");
    World {
        _dir: dir,
        set,
        trust_store,
    }
}

/// The reader, with pcscd's virtual reader attached and empty.
fn ready_reader(pcscd: &Pcscd) -> PcscCardReader {
    let mut reader = open_vpcd_reader();
    wait_for_event(
        &mut reader,
        pcscd,
        "ReaderAttached",
        |event| matches!(event, CardEvent::ReaderAttached { reader } if reader.contains(VPCD_READER_FILTER)),
    );
    reader
}

/// Puts the emulated card of `folder` on the reader (taking out, and waiting for pcscd to
/// notice, any card there before) and waits until the reader reports it.
fn place_card(
    bridge: &mut Option<VpcdBridge>,
    reader: &mut PcscCardReader,
    pcscd: &Pcscd,
    folder: &std::path::Path,
) {
    let chip = CardFolder::load(folder)
        .unwrap_or_else(|error| panic!("load {}: {error}", folder.display()));
    let card = Box::new(EmulatedCccd(chip));
    match bridge {
        Some(bridge) => {
            // Out first, and noticed: a card swapped within one pcscd poll would look like
            // the same card still there.
            bridge.remove().expect("a card was in the reader");
            wait_for_event(reader, pcscd, "CardRemoved", |event| {
                matches!(event, CardEvent::CardRemoved { .. })
            });
            bridge.insert(card).expect("reconnect to vpcd");
        }
        None => *bridge = Some(pcscd.insert_card(card)),
    }
    wait_for_event(reader, pcscd, "CardInserted", |event| {
        matches!(event, CardEvent::CardInserted { .. })
    });
}

/// What the kiosk does with a card whose QR code it scanned: the keys from the QR, the QR
/// for the cross-check.
fn read_and_verify(
    reader: &mut PcscCardReader,
    trust_store: &TrustStore,
    qr_text: &str,
    progress: impl FnMut(kiosk_identity::verify::Progress),
) -> Result<CardVerification, ReadError> {
    let qr = CccdQr::parse(qr_text).expect("the sample QR text parses");
    let keys = candidates_from_qr(&qr);
    let verifier = Verifier {
        trust_store,
        options: OPTIONS,
        now: SystemTime::now(),
    };
    verifier.read_and_verify(
        &mut ReaderTransport(reader),
        &keys,
        Some(&qr),
        &mut OsRandom,
        progress,
    )
}

#[test]
fn every_sample_card_is_verified_through_a_real_pcscd() {
    let world = world();
    assert!(!world.set.cards.is_empty() && !world.set.forged.is_empty());
    let pcscd = Pcscd::start();
    let mut reader = ready_reader(&pcscd);
    let mut bridge = None;

    for card in &world.set.cards {
        place_card(&mut bridge, &mut reader, &pcscd, &card.folder);
        let verification = read_and_verify(&mut reader, &world.trust_store, &card.qr_text, |_| {})
            .unwrap_or_else(|error| {
                panic!(
                    "{}: read failed ({:?}): {error}. pcscd's log:\n{}",
                    card.folder.display(),
                    error.failure(),
                    pcscd.log()
                )
            });
        assert_eq!(
            verification.verdict(),
            Verdict::Genuine,
            "{}: {verification:?}",
            card.folder.display()
        );
        assert_eq!(verification.verdict(), card.expected_verdict());
        let dg13 = verification
            .dg13
            .as_ref()
            .expect("DG13 was read")
            .as_ref()
            .expect("DG13 parses");
        assert_eq!(
            dg13.full_name.expose(),
            &card.citizen.full_name,
            "{}",
            card.folder.display()
        );
        assert!(verification.qr_disagreements.is_empty());
    }

    for forged in &world.set.forged {
        place_card(&mut bridge, &mut reader, &pcscd, &forged.folder);
        let verification =
            read_and_verify(&mut reader, &world.trust_store, &forged.qr_text, |_| {})
                .unwrap_or_else(|error| {
                    panic!(
                        "{:?}: read failed ({:?}): {error}; a forgery must be read and then \
                         rejected by its check. pcscd's log:\n{}",
                        forged.kind,
                        error.failure(),
                        pcscd.log()
                    )
                });
        assert_eq!(
            verification.verdict(),
            forged.expected_verdict(),
            "{:?}: {verification:?}",
            forged.kind
        );
    }
}

/// Where a read stands when the card is pulled in the tests below: halfway through DG2 (the
/// portrait, the longest file), under secure messaging.
fn is_mid_dg2(step: ReadStep) -> bool {
    matches!(
        step,
        ReadStep::Reading {
            file: LdsFile::DataGroup(DataGroup::Dg2),
            done,
            ..
        } if done > 0
    )
}

/// Whether `observer` saw pcscd report a card removed within [`EVENT_DEADLINE`].
fn removal_seen(observer: &mut PcscCardReader) -> bool {
    let deadline = Instant::now() + EVENT_DEADLINE;
    while Instant::now() < deadline {
        if let Ok(Some(CardEvent::CardRemoved { .. })) =
            observer.wait_event(Duration::from_millis(200))
        {
            return true;
        }
    }
    false
}

/// Reads the first genuine sample card and pulls it out of vpcd's reader between two APDUs
/// halfway through DG2, as a person lifting it does. With `let_pcscd_notice`, the read goes
/// on only once a second PC/SC client saw pcscd report the removal; without, at once.
/// The read runs on a thread of its own, so a hang fails the test within [`EVENT_DEADLINE`].
fn read_pulled_mid_dg2(let_pcscd_notice: bool) -> ReadError {
    let world = world();
    let card = world.set.cards.first().expect("a genuine sample card");
    let pcscd = Pcscd::start();
    let mut reader = ready_reader(&pcscd);
    let mut observer = ready_reader(&pcscd);
    let mut bridge = None;
    place_card(&mut bridge, &mut reader, &pcscd, &card.folder);
    wait_for_event(
        &mut observer,
        &pcscd,
        "the observer's CardInserted",
        |event| matches!(event, CardEvent::CardInserted { .. }),
    );
    let mut bridge = bridge.expect("the card is in the reader");

    let (sender, receiver) = mpsc::channel();
    let qr_text = card.qr_text.clone();
    let trust_store = world.trust_store.clone();
    std::thread::spawn(move || {
        let mut pulled = false;
        let mut noticed = None;
        let result = read_and_verify(&mut reader, &trust_store, &qr_text, |progress| {
            if !pulled && is_mid_dg2(progress.step) {
                pulled = true;
                bridge.remove().expect("the card was in the reader");
                if let_pcscd_notice {
                    noticed = Some(removal_seen(&mut observer));
                }
            }
        });
        let _ = sender.send((result, pulled, noticed));
    });
    let (result, pulled, noticed) =
        receiver
            .recv_timeout(EVENT_DEADLINE * 2)
            .unwrap_or_else(|_| {
                panic!(
                    "the read did not end within {:?} of the card being pulled; pcscd's log:\n{}",
                    EVENT_DEADLINE * 2,
                    pcscd.log()
                )
            });
    assert!(
        pulled,
        "the card was never pulled: DG2 was not read in chunks"
    );
    assert_ne!(
        noticed,
        Some(false),
        "pcscd never reported the card removed"
    );
    match result {
        Ok(verification) => panic!(
            "a card pulled mid-read was read whole: {:?}",
            verification.verdict()
        ),
        Err(error) => error,
    }
}

/// The card is gone and pcscd knows it when the kiosk sends its next APDU.
#[test]
fn a_card_pulled_mid_read_asks_to_keep_the_card_still() {
    let error = read_pulled_mid_dg2(true);
    assert_eq!(
        error.failure(),
        ReadFailure::CardMoved,
        "{error} ({error:?})"
    );
}

/// The card is gone and pcscd does not know it yet: vpcd's driver fails the next APDU
/// and pcscd answers SCARD_E_NOT_TRANSACTED, which the PC/SC backend reports as
/// `ErrorKind::Other`, so the person is told the card cannot be verified instead of to
/// keep it still. A real reader's driver answers a card lifted mid-exchange the same way.
#[test]
fn a_card_pulled_before_pcscd_notices_asks_to_keep_the_card_still() {
    let error = read_pulled_mid_dg2(false);
    assert_eq!(
        error.failure(),
        ReadFailure::CardMoved,
        "{error} ({error:?})"
    );
}
