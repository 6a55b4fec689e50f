//! The real PC/SC backend against a real pcscd, with virtual cards served through
//! vsmartcard's vpcd reader: what a kiosk's card reader thread sees when a card is placed,
//! read and pulled away. See `kiosk_tests::Pcscd` for how the daemon is started.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use kiosk_app::demo::LockedEmrtdChip;
use kiosk_hal::sim::BlankCard;
use kiosk_hal::{CardEvent, CardReader, Error as _, ErrorKind, PcscCardReader, TestOutcome};
use kiosk_tests::{Pcscd, VPCD_READER_FILTER, open_vpcd_reader, wait_for_event};

/// ICAO 9303-10 §3.6.2 (SELECT eMRTD application by AID, no response data).
const SELECT_EMRTD: [u8; 12] = [
    0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01,
];
/// READ BINARY of the selected file, which a locked chip refuses before BAC or PACE.
const READ_BINARY: [u8; 5] = [0x00, 0xB0, 0x00, 0x00, 0x04];

fn drain(reader: &mut PcscCardReader) -> Vec<CardEvent> {
    let mut seen = Vec::new();
    while let Some(event) = reader.wait_event(Duration::ZERO).expect("wait_event") {
        seen.push(event);
    }
    seen
}

fn inserted_on(event: &CardEvent) -> Option<&str> {
    match event {
        CardEvent::CardInserted { reader, .. } => Some(reader),
        _ => None,
    }
}

#[test]
fn cards_are_read_and_pulled_through_a_real_pcscd() {
    let mut pcscd = Pcscd::start();
    let mut reader = open_vpcd_reader();

    // The readers are reported before any card is there.
    let (attached, _) = wait_for_event(
        &mut reader,
        &pcscd,
        "ReaderAttached",
        |event| matches!(event, CardEvent::ReaderAttached { reader } if reader.contains(VPCD_READER_FILTER)),
    );
    drain(&mut reader);
    let report = reader.self_test();
    assert_eq!(report.outcome, TestOutcome::Pass, "{report:?}");
    assert!(report.detail.contains("no card on it"), "{report:?}");
    assert!(report.backend.starts_with("pcsc:Virtual PCD"), "{report:?}");
    let error = reader.transmit(&SELECT_EMRTD).expect_err("no card yet");
    assert_eq!(error.kind(), ErrorKind::NotPresent, "{error}");

    // An ID card's chip: the eMRTD application answers, its files stay locked.
    let mut bridge = pcscd.insert_card(Box::new(LockedEmrtdChip::default()));
    let (inserted, before) = wait_for_event(&mut reader, &pcscd, "CardInserted", |event| {
        inserted_on(event).is_some()
    });
    let CardEvent::CardInserted { reader: name, atr } = inserted else {
        unreachable!("wait_for matched CardInserted");
    };
    assert_eq!(atr.as_bytes(), BlankCard::ATR);
    assert!(
        !before.contains(&CardEvent::CardRemoved {
            reader: name.clone()
        }),
        "{before:?}"
    );
    assert!(
        matches!(&attached, CardEvent::ReaderAttached { .. }),
        "{attached:?}"
    );
    assert_eq!(
        reader.atr().map(|atr| atr.as_bytes().to_vec()),
        Some(BlankCard::ATR.to_vec())
    );
    assert_eq!(
        reader.transmit(&SELECT_EMRTD).expect("SELECT"),
        [0x90, 0x00]
    );
    assert_eq!(reader.transmit(&READ_BINARY).expect("READ"), [0x69, 0x82]);
    let report = reader.self_test();
    assert_eq!(report.outcome, TestOutcome::Pass, "{report:?}");
    assert!(report.detail.contains("a card is on it"), "{report:?}");

    // The card is pulled mid-session. A second client sees pcscd notice, without taking
    // the event from the kiosk's reader; the kiosk's next APDU then fails as CardRemoved.
    let mut observer = open_vpcd_reader();
    wait_for_event(
        &mut observer,
        &pcscd,
        "the observer's CardInserted",
        |event| inserted_on(event) == Some(&name),
    );
    bridge.remove().expect("the chip was in the reader");
    wait_for_event(
        &mut observer,
        &pcscd,
        "the observer's CardRemoved",
        |event| {
            *event
                == CardEvent::CardRemoved {
                    reader: name.clone(),
                }
        },
    );
    let error = reader.transmit(&SELECT_EMRTD).expect_err("card pulled");
    assert_eq!(error.kind(), ErrorKind::CardRemoved, "{error}");
    let error = reader.transmit(&SELECT_EMRTD).expect_err("still pulled");
    assert_eq!(error.kind(), ErrorKind::CardRemoved, "{error}");
    wait_for_event(&mut reader, &pcscd, "CardRemoved", |event| {
        *event
            == CardEvent::CardRemoved {
                reader: name.clone(),
            }
    });
    // Once the removal is reported, the reader is simply empty.
    let error = reader.transmit(&SELECT_EMRTD).expect_err("empty reader");
    assert_eq!(error.kind(), ErrorKind::NotPresent, "{error}");
    assert_eq!(reader.atr(), None);

    // A bank card: no eMRTD application.
    bridge
        .insert(Box::new(BlankCard))
        .expect("reconnect to vpcd");
    wait_for_event(
        &mut reader,
        &pcscd,
        "CardInserted of the blank card",
        |event| inserted_on(event) == Some(&name),
    );
    assert_eq!(
        reader.transmit(&SELECT_EMRTD).expect("SELECT"),
        [0x6A, 0x82]
    );

    // pcscd stops: every reader is reported gone (the card first), then the service is
    // not present. Only a daemon of our own can be stopped.
    if pcscd.is_private() {
        drop(observer);
        pcscd.stop();
        let (_, before) = wait_for_event(&mut reader, &pcscd, "ReaderDetached", |event| {
            *event
                == CardEvent::ReaderDetached {
                    reader: name.clone(),
                }
        });
        assert!(
            before.contains(&CardEvent::CardRemoved {
                reader: name.clone()
            }),
            "{before:?}"
        );
        // The other readers go too; then the service itself is missing.
        let error = loop {
            match reader.wait_event(Duration::ZERO) {
                Ok(Some(CardEvent::ReaderDetached { .. })) => {}
                Ok(other) => panic!("after pcscd stopped: {other:?}"),
                Err(error) => break error,
            }
        };
        assert_eq!(error.kind(), ErrorKind::NotPresent, "{error}");
        assert!(error.to_string().contains("pcscd"), "{error}");
        let report = reader.self_test();
        assert_eq!(report.outcome, TestOutcome::Fail, "{report:?}");
        assert!(report.detail.contains("HAL-NOT-PRESENT"), "{report:?}");
    }
}

#[test]
fn a_canceller_wakes_a_reader_blocked_for_an_hour() {
    let pcscd = Pcscd::start();
    let mut reader = open_vpcd_reader();
    wait_for_event(&mut reader, &pcscd, "ReaderAttached", |event| {
        matches!(event, CardEvent::ReaderAttached { .. })
    });
    drain(&mut reader);
    let canceller = reader.canceller();
    let woken = Arc::new(AtomicBool::new(false));
    let waker = {
        let woken = Arc::clone(&woken);
        std::thread::spawn(move || {
            // A cancel landing just before the wait blocks is remembered by the canceller;
            // repeating it only makes the test independent of that detail.
            while !woken.load(Ordering::SeqCst) {
                canceller.cancel().expect("cancel");
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let result = reader.wait_event(Duration::from_secs(3600));
    woken.store(true, Ordering::SeqCst);
    waker.join().expect("waker thread");
    assert_eq!(result.expect("a cancelled wait is not an error"), None);
}

/// Set in the child process that runs without pcscd.
const CHILD: &str = "KIOSK_TEST_PCSC_WITHOUT_DAEMON";

/// pcsc-lite's client reads `PCSCLITE_CSOCK_NAME` once per process, so the case "pcscd is
/// not running" runs this test again in a child process whose client looks for the daemon
/// at a socket nobody serves.
#[test]
fn without_pcscd_the_reader_is_not_present_with_a_clear_message() {
    if std::env::var_os(CHILD).is_some() {
        let error =
            PcscCardReader::open(Some(VPCD_READER_FILTER.to_owned())).expect_err("no pcscd");
        assert_eq!(error.kind(), ErrorKind::NotPresent, "{error}");
        let message = error.to_string();
        assert!(message.contains("pcscd"), "{message}");
        println!("child saw: {message}");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "without_pcscd_the_reader_is_not_present_with_a_clear_message",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env(
            "PCSCLITE_CSOCK_NAME",
            dir.path().join("nobody-listens.comm"),
        )
        .output()
        .expect("run the child test");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "child failed:\n{stdout}\n{stderr}");
    // The child really ran the case (and did not filter itself out).
    assert!(stdout.contains("child saw:"), "{stdout}");
    assert!(stdout.contains("1 passed"), "{stdout}");
}
