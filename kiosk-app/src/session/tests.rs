//! Transitions of the session state machine, without threads or devices.

use kiosk_hal::Atr;
use kiosk_identity::apdu::StatusWord;

use super::*;

fn inserted() -> SessionInput {
    SessionInput::Reader(ReaderEvent::Card(CardEvent::CardInserted {
        reader: "r".into(),
        atr: Atr::new(vec![0x3B, 0x80, 0x80, 0x01, 0x01]).unwrap(),
    }))
}

fn removed() -> SessionInput {
    SessionInput::Reader(ReaderEvent::Card(CardEvent::CardRemoved {
        reader: "r".into(),
    }))
}

fn attached() -> SessionInput {
    SessionInput::Reader(ReaderEvent::Card(CardEvent::ReaderAttached {
        reader: "r".into(),
    }))
}

/// A session whose citizen has agreed to the processing of their data and is asked for
/// the card.
fn ready_session() -> Session {
    let mut session = Session::new(Language::Vietnamese);
    session.handle(attached());
    session.handle(SessionInput::Ui(UiCommand::Start));
    session.handle(SessionInput::Ui(UiCommand::AcceptConsent));
    assert_eq!(session.state(), &SessionState::AwaitingCard);
    session
}

fn shown(actions: &[Action]) -> Vec<KioskView> {
    actions
        .iter()
        .filter_map(|action| match action {
            Action::Show(view) => Some(view.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_chip_id_card_without_a_qr_code_asks_for_it() {
    let mut session = ready_session();
    assert_eq!(
        shown(&session.handle(SessionInput::Ui(UiCommand::Start))),
        [KioskView::PresentCard]
    );
    let actions = session.handle(inserted());
    assert!(actions.contains(&Action::ProbeCard { attempt: 1 }));
    assert!(matches!(
        shown(&actions)[..],
        [KioskView::ReadingCard { .. }]
    ));
    let actions = session.handle(SessionInput::ProbeFinished {
        attempt: 1,
        result: Ok(ApplicationProbe::Present),
    });
    assert_eq!(shown(&actions), [KioskView::NeedsQr]);
}

#[test]
fn nothing_is_read_before_the_citizen_agrees() {
    let mut session = Session::new(Language::Vietnamese);
    session.handle(attached());
    // A card laid on the reader at the welcome screen asks for consent first.
    assert_eq!(shown(&session.handle(inserted())), [KioskView::Consent]);
    // So does a QR code held up to the camera; it stays unused until the citizen agrees.
    assert!(
        session
            .handle(SessionInput::QrScanned(SAMPLE_QR.into()))
            .is_empty()
    );
    let actions = session.handle(SessionInput::Ui(UiCommand::AcceptConsent));
    assert!(
        verify_attempt(&actions).is_some(),
        "once agreed, the card on the reader is read with the code's keys: {actions:?}"
    );

    // Not agreeing goes back to the start and forgets the code.
    let mut session = Session::new(Language::Vietnamese);
    session.handle(attached());
    session.handle(SessionInput::QrScanned(SAMPLE_QR.into()));
    assert_eq!(session.state(), &SessionState::Consent);
    assert_eq!(
        shown(&session.handle(SessionInput::Ui(UiCommand::Back))),
        [KioskView::Welcome]
    );
    session.handle(SessionInput::Ui(UiCommand::Start));
    session.handle(SessionInput::Ui(UiCommand::AcceptConsent));
    let actions = session.handle(inserted());
    assert!(actions.contains(&Action::ProbeCard { attempt: 1 }));
}

#[test]
fn the_card_is_read_once_agreed_wherever_it_was_laid_down() {
    let mut session = Session::new(Language::Vietnamese);
    session.handle(attached());
    assert_eq!(
        shown(&session.handle(SessionInput::Ui(UiCommand::Start))),
        [KioskView::Consent]
    );
    // Laid down while the consent text is read: nothing happens yet.
    assert!(session.handle(inserted()).is_empty());
    let actions = session.handle(SessionInput::Ui(UiCommand::AcceptConsent));
    assert!(actions.contains(&Action::ProbeCard { attempt: 1 }));
}

#[test]
fn other_cards_are_told_apart() {
    let mut session = ready_session();
    session.handle(inserted());
    let actions = session.handle(SessionInput::ProbeFinished {
        attempt: 1,
        result: Ok(ApplicationProbe::Absent(StatusWord::NOT_FOUND)),
    });
    assert_eq!(shown(&actions), [KioskView::NotAnIdCard]);
}

#[test]
fn a_code_coming_into_view_later_keeps_the_screen_where_it_is() {
    // After "not an ID card", a CCCD code is kept for the next card but the citizen stays
    // on the screen that explains what happened.
    let mut session = ready_session();
    session.handle(inserted());
    session.handle(SessionInput::ProbeFinished {
        attempt: 1,
        result: Ok(ApplicationProbe::Absent(StatusWord::NOT_FOUND)),
    });
    assert!(
        session
            .handle(SessionInput::QrScanned(SAMPLE_QR.into()))
            .is_empty()
    );
    assert_eq!(session.state(), &SessionState::NotAnIdCard);
    session.handle(removed());
    session.handle(SessionInput::Ui(UiCommand::TryAgain));
    let actions = session.handle(inserted());
    assert!(
        verify_attempt(&actions).is_some(),
        "the kept code opens the next card"
    );

    // Once a receipt is on its way, a stranger's code changes nothing.
    let mut session = ready_session();
    session.handle(receipt_request("TAM-2"));
    assert!(
        session
            .handle(SessionInput::QrScanned(SAMPLE_QR.into()))
            .is_empty()
    );
    assert!(matches!(
        session.state(),
        SessionState::PrintingReceipt { .. }
    ));
}

#[test]
fn removal_mid_read_is_reported_and_the_late_answer_ignored() {
    let mut session = ready_session();
    session.handle(inserted());
    assert_eq!(
        shown(&session.handle(removed())),
        [KioskView::CardRemovedEarly]
    );
    let late = session.handle(SessionInput::ProbeFinished {
        attempt: 1,
        result: Ok(ApplicationProbe::Present),
    });
    assert!(late.is_empty());
    assert_eq!(session.state(), &SessionState::CardRemovedEarly);
}

#[test]
fn a_probe_failing_with_card_removed_says_so() {
    let mut session = ready_session();
    session.handle(inserted());
    let actions = session.handle(SessionInput::ProbeFinished {
        attempt: 1,
        result: Err(DeviceError::new(ErrorKind::CardRemoved, "gone")),
    });
    assert_eq!(shown(&actions), [KioskView::CardRemovedEarly]);
}

#[test]
fn an_unplugged_reader_shows_its_code_and_recovers_when_plugged_back() {
    let mut session = ready_session();
    session.handle(SessionInput::Ui(UiCommand::Start));
    let actions = session.handle(SessionInput::Reader(ReaderEvent::Card(
        CardEvent::ReaderDetached { reader: "r".into() },
    )));
    assert_eq!(
        shown(&actions),
        [KioskView::ReaderProblem {
            error_code: "HAL-DISCONNECTED".into()
        }]
    );
    assert_eq!(shown(&session.handle(attached())), [KioskView::PresentCard]);
}

#[test]
fn start_without_a_reader_asks_for_staff() {
    let mut session = Session::new(Language::Vietnamese);
    session.handle(SessionInput::Ui(UiCommand::Start));
    let actions = session.handle(SessionInput::Ui(UiCommand::AcceptConsent));
    assert_eq!(
        shown(&actions),
        [KioskView::ReaderProblem {
            error_code: "HAL-NOT-PRESENT".into()
        }]
    );
}

#[test]
fn idle_timeout_asks_then_wipes_back_to_the_default_language() {
    let mut session = ready_session();
    session.handle(SessionInput::Ui(UiCommand::ChooseLanguage(
        Language::English,
    )));
    session.handle(SessionInput::Ui(UiCommand::Start));
    assert!(session.is_idle_sensitive());
    assert_eq!(
        session.handle(SessionInput::IdleTimeout),
        [Action::AskStillThere {
            grace: STILL_THERE_GRACE
        }]
    );
    assert!(session.is_asking());
    let actions = session.handle(SessionInput::IdleTimeout);
    assert_eq!(
        actions,
        [
            Action::StopAsking,
            Action::SetLanguage(Language::Vietnamese),
            Action::Show(KioskView::Welcome)
        ]
    );
    assert!(!session.is_asking());
    assert!(!session.is_idle_sensitive());
    assert!(session.handle(SessionInput::IdleTimeout).is_empty());
}

#[test]
fn a_touch_or_a_card_answers_the_idle_question() {
    let mut session = ready_session();
    session.handle(SessionInput::Ui(UiCommand::Start));
    session.handle(SessionInput::IdleTimeout);
    assert_eq!(
        session.handle(SessionInput::Ui(UiCommand::StillHere)),
        [Action::StopAsking]
    );
    assert_eq!(session.state(), &SessionState::AwaitingCard);
    // Asked again later, the person lays the card on the reader: that answers too, and
    // the card is read.
    session.handle(SessionInput::IdleTimeout);
    let actions = session.handle(inserted());
    assert_eq!(actions.first(), Some(&Action::StopAsking));
    assert!(actions.contains(&Action::ProbeCard { attempt: 1 }));
    // Any other touch answers and does what it says.
    session.handle(SessionInput::IdleTimeout);
    let actions = session.handle(SessionInput::Ui(UiCommand::StartOver));
    assert_eq!(actions.first(), Some(&Action::StopAsking));
    assert!(actions.contains(&Action::Show(KioskView::Welcome)));
}

#[test]
fn every_screen_has_a_way_back() {
    let mut session = ready_session();
    session.handle(SessionInput::Ui(UiCommand::Start));
    assert_eq!(
        shown(&session.handle(SessionInput::Ui(UiCommand::Back))),
        [KioskView::Welcome]
    );
    assert_eq!(shown(&session.handle(inserted())), [KioskView::Consent]);
    assert_eq!(
        shown(&session.handle(SessionInput::Ui(UiCommand::Back))),
        [KioskView::Welcome]
    );
    session.handle(SessionInput::Ui(UiCommand::Start));
    session.handle(SessionInput::Ui(UiCommand::AcceptConsent));
    session.handle(SessionInput::ProbeFinished {
        attempt: 1,
        result: Ok(ApplicationProbe::Absent(StatusWord::NOT_FOUND)),
    });
    assert_eq!(
        shown(&session.handle(SessionInput::Ui(UiCommand::Back))),
        [KioskView::PresentCard]
    );
}

const SAMPLE_QR: &str =
    "001089012345||Nguyễn Văn An|15081989|Nam|Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội|01052021";

fn verify_attempt(actions: &[Action]) -> Option<(u64, usize)> {
    actions.iter().find_map(|action| match action {
        Action::VerifyCard { attempt, keys, .. } => Some((*attempt, keys.len())),
        _ => None,
    })
}

#[test]
fn a_qr_code_then_a_card_verifies_the_card_with_the_can_first() {
    let mut session = ready_session();
    let actions = session.handle(SessionInput::QrScanned(SAMPLE_QR.into()));
    assert!(
        shown(&actions).is_empty(),
        "the kiosk keeps asking for the card"
    );
    let actions = session.handle(inserted());
    let (attempt, keys) = verify_attempt(&actions).expect("the card is verified");
    assert_eq!(attempt, 1);
    assert!((1..=4).contains(&keys), "CAN plus at most three MRZ keys");
    let progress = session.handle(SessionInput::ReadProgress {
        attempt,
        done: 3,
        total: 6,
    });
    assert_eq!(shown(&progress), [KioskView::ReadingCard { progress: 0.5 }]);
}

#[test]
fn a_qr_code_arriving_during_the_probe_still_opens_the_chip() {
    let mut session = ready_session();
    let actions = session.handle(inserted());
    assert!(actions.contains(&Action::ProbeCard { attempt: 1 }));
    assert!(
        session
            .handle(SessionInput::QrScanned(SAMPLE_QR.into()))
            .is_empty()
    );
    let actions = session.handle(SessionInput::ProbeFinished {
        attempt: 1,
        result: Ok(ApplicationProbe::Present),
    });
    assert_eq!(
        verify_attempt(&actions).map(|(attempt, _)| attempt),
        Some(2)
    );
}

#[test]
fn a_qr_code_shown_after_the_kiosk_asked_for_it_reads_the_card_on_the_reader() {
    let mut session = ready_session();
    session.handle(inserted());
    let actions = session.handle(SessionInput::ProbeFinished {
        attempt: 1,
        result: Ok(ApplicationProbe::Present),
    });
    assert_eq!(shown(&actions), [KioskView::NeedsQr]);
    let actions = session.handle(SessionInput::QrScanned(SAMPLE_QR.into()));
    assert!(verify_attempt(&actions).is_some());
}

#[test]
fn a_code_that_is_not_a_cccd_opens_nothing() {
    let mut session = ready_session();
    assert!(
        session
            .handle(SessionInput::QrScanned(
                "https://example.invalid/receipt/123".into()
            ))
            .is_empty()
    );
    let actions = session.handle(inserted());
    assert!(actions.contains(&Action::ProbeCard { attempt: 1 }));
}

#[test]
fn read_failures_show_what_the_person_can_do() {
    use kiosk_identity::reader::ReadError;
    use kiosk_identity::transport::{TransportError, TransportErrorKind};

    let cases = [
        (
            ReadError::Transport(TransportError::new(TransportErrorKind::CardRemoved, "gone")),
            KioskView::CardRemovedEarly,
        ),
        (ReadError::AccessDenied { attempts: 2 }, KioskView::WrongKey),
        (
            ReadError::NotAnEmrtd(StatusWord::NOT_FOUND),
            KioskView::NotAnIdCard,
        ),
        (
            ReadError::Transport(TransportError::new(TransportErrorKind::Disconnected, "usb")),
            KioskView::ReaderProblem {
                error_code: "HAL-DISCONNECTED".into(),
            },
        ),
    ];
    for (error, expected) in cases {
        let mut session = ready_session();
        session.handle(SessionInput::QrScanned(SAMPLE_QR.into()));
        let (attempt, _) = verify_attempt(&session.handle(inserted())).unwrap();
        let actions = session.handle(SessionInput::VerificationFinished {
            attempt,
            result: Err(error),
        });
        assert_eq!(shown(&actions), [expected]);
    }
}

#[test]
fn starting_over_forgets_the_qr_code() {
    let mut session = ready_session();
    session.handle(SessionInput::QrScanned(SAMPLE_QR.into()));
    session.handle(SessionInput::Ui(UiCommand::StartOver));
    assert_eq!(shown(&session.handle(inserted())), [KioskView::Consent]);
    let actions = session.handle(SessionInput::Ui(UiCommand::AcceptConsent));
    assert!(
        actions.contains(&Action::ProbeCard { attempt: 1 }),
        "the next citizen's card must not be opened with the last one's keys"
    );
}

fn receipt_request(reference: &str) -> SessionInput {
    SessionInput::PrintReceipt(PrintRequest {
        reference: reference.to_owned(),
        receipt: kiosk_receipt::Receipt::new().title("BIÊN NHẬN"),
    })
}

fn print_attempt(actions: &[Action]) -> Option<(u64, String)> {
    actions.iter().find_map(|action| match action {
        Action::PrintReceipt { attempt, request } => Some((*attempt, request.reference.clone())),
        _ => None,
    })
}

fn paper_out() -> PrintProblem {
    PrintProblem::Printer(DeviceError::new(ErrorKind::PaperOut, "paper out"))
}

#[test]
fn a_printed_receipt_asks_the_citizen_to_take_it() {
    let mut session = ready_session();
    let actions = session.handle(receipt_request("TAM-1"));
    assert_eq!(shown(&actions), [KioskView::PrintingReceipt]);
    let (attempt, reference) = print_attempt(&actions).expect("a print");
    assert_eq!(reference, "TAM-1");
    // Nothing to go back to while the printer works.
    assert!(session.handle(SessionInput::Ui(UiCommand::Back)).is_empty());
    let actions = session.handle(SessionInput::PrintFinished {
        attempt,
        result: Ok(()),
    });
    assert_eq!(shown(&actions), [KioskView::ReceiptPrinted]);
    assert_eq!(session.state(), &SessionState::ReceiptPrinted);
    // Printed, the receipt is no longer held.
    assert!(
        session
            .handle(SessionInput::Ui(UiCommand::TryAgain))
            .iter()
            .all(|action| !matches!(action, Action::PrintReceipt { .. }))
    );
}

#[test]
fn a_receipt_the_printer_refused_is_kept_and_printed_again() {
    let mut session = ready_session();
    let (attempt, _) = print_attempt(&session.handle(receipt_request("TAM-2"))).expect("print");
    let actions = session.handle(SessionInput::PrintFinished {
        attempt,
        result: Err(paper_out()),
    });
    assert_eq!(
        shown(&actions),
        [KioskView::ReceiptNotPrinted {
            error_code: "HAL-PAPER-OUT".to_owned(),
            reference: "TAM-2".to_owned(),
        }]
    );
    // Staff change the roll; "print again" sends the same receipt once more.
    let actions = session.handle(SessionInput::Ui(UiCommand::TryAgain));
    assert_eq!(shown(&actions), [KioskView::PrintingReceipt]);
    let (again, reference) = print_attempt(&actions).expect("printed again");
    assert!(again > attempt);
    assert_eq!(reference, "TAM-2");
    // The answer about the first attempt is stale now.
    assert!(
        session
            .handle(SessionInput::PrintFinished {
                attempt,
                result: Ok(()),
            })
            .is_empty()
    );
    let actions = session.handle(SessionInput::PrintFinished {
        attempt: again,
        result: Ok(()),
    });
    assert_eq!(shown(&actions), [KioskView::ReceiptPrinted]);
}

#[test]
fn a_layout_problem_has_its_own_code() {
    let mut session = ready_session();
    let (attempt, _) = print_attempt(&session.handle(receipt_request("TAM-3"))).expect("print");
    let actions = session.handle(SessionInput::PrintFinished {
        attempt,
        result: Err(PrintProblem::Layout("QR too large".into())),
    });
    assert!(matches!(
        &shown(&actions)[..],
        [KioskView::ReceiptNotPrinted { error_code, .. }] if error_code == crate::printing::LAYOUT_ERROR_CODE
    ));
}

#[test]
fn a_receipt_is_not_printed_over_a_card_read_or_another_receipt() {
    let mut session = ready_session();
    session.handle(inserted());
    assert!(session.handle(receipt_request("TAM-4")).is_empty());
    let mut session = ready_session();
    session.handle(receipt_request("TAM-5"));
    assert!(session.handle(receipt_request("TAM-6")).is_empty());
}

#[test]
fn leaving_the_receipt_screens_starts_a_new_visit() {
    for outcome in [Ok(()), Err(paper_out())] {
        let mut session = ready_session();
        let (attempt, _) = print_attempt(&session.handle(receipt_request("TAM-7"))).expect("print");
        session.handle(SessionInput::PrintFinished {
            attempt,
            result: outcome.clone(),
        });
        assert!(session.is_idle_sensitive());
        let actions = session.handle(SessionInput::Ui(UiCommand::Back));
        assert_eq!(shown(&actions), [KioskView::Welcome]);
        assert!(
            session
                .handle(SessionInput::Ui(UiCommand::TryAgain))
                .iter()
                .all(|action| !matches!(action, Action::PrintReceipt { .. })),
            "{outcome:?}: the receipt went with the visit"
        );
    }
}
