//! The screens of each flow, driven the way a person drives them: elements found by their
//! accessible labels, tapped with simulated touches, on Slint's testing backend with mock
//! time. The application's side (the session) is stood in for by recording which
//! callbacks the taps fire; the app's own tests drive the session.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementRoot, mock_elapsed_time};
use kiosk_ui::catalogue::{CatalogueView, Category, Procedure};
use kiosk_ui::form::{FieldType, FormField, FormView};
use kiosk_ui::screens::{
    Department, DepartmentsView, DossierView, InsuranceView, QueueTicketView, ReviewLine,
    ReviewView,
};
use kiosk_ui::{
    AppWindow, DossierStage, FaceStep, InsuranceStatus, KioskView, Language, NotGenuineReason,
    QrPurpose, Screen, TroubleKind, ask_still_there, select_language, show_view,
};
use slint::ComponentHandle;
use slint::platform::PointerEventButton;

/// What the taps asked the application for, in order.
type Requests = Rc<RefCell<Vec<String>>>;

fn kiosk(language: Language) -> (AppWindow, Requests) {
    i_slint_backend_testing::init_no_event_loop();
    let window = kiosk_ui::new_window().expect("window");
    window
        .window()
        .set_size(slint::PhysicalSize::new(1920, 1080));
    window.show().expect("show");
    select_language(&window, language);
    let requests: Requests = Rc::default();
    macro_rules! record {
        ($setter:ident, $name:literal) => {{
            let log = Rc::clone(&requests);
            window.$setter(move || log.borrow_mut().push($name.to_owned()));
        }};
        ($setter:ident, $name:literal, arg) => {{
            let log = Rc::clone(&requests);
            window.$setter(move |value| log.borrow_mut().push(format!("{}:{}", $name, value)));
        }};
        ($setter:ident, $name:literal, arg, arg) => {{
            let log = Rc::clone(&requests);
            window.$setter(move |first, second| {
                log.borrow_mut()
                    .push(format!("{}:{}={}", $name, first, second))
            });
        }};
    }
    record!(on_start, "start");
    record!(on_back, "back");
    record!(on_start_over, "start-over");
    record!(on_try_again, "try-again");
    record!(on_accept_consent, "accept-consent");
    record!(on_still_here, "still-here");
    record!(on_submit, "submit");
    record!(on_form_continue, "form-continue");
    record!(on_insurance_go_on, "insurance-go-on");
    record!(on_insurance_go_on_paying, "insurance-go-on-paying");
    record!(on_choose_follow_up, "follow-up");
    record!(on_choose_language, "language", arg);
    record!(on_choose_category, "category", arg);
    record!(on_choose_procedure, "procedure", arg);
    record!(on_choose_department, "department", arg);
    record!(on_search_changed, "search", arg);
    record!(on_technician_sign_in, "sign-in", arg);
    record!(on_form_field_edited, "field", arg, arg);
    (window, requests)
}

/// Taps the one button or input field labelled `label`; fails if there is none or more
/// than one.
fn tap(window: &AppWindow, label: &str) {
    let found: Vec<ElementHandle> = ElementHandle::find_by_accessible_label(window, label)
        .filter(|element| {
            matches!(
                element.accessible_role(),
                Some(AccessibleRole::Button | AccessibleRole::TextInput)
            )
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one element labelled {label:?} on {:?}",
        window.get_screen()
    );
    found[0].mock_single_click(PointerEventButton::Left);
}

/// Types `keys` on the on-screen keyboard, one tap per key ("A" is Shift then "a").
fn type_keys(window: &AppWindow, keys: &str) {
    for key in keys.chars() {
        if key.is_uppercase() {
            tap(window, "Capital letter");
        }
        match key {
            ' ' => tap(window, "Space"),
            '<' => tap(window, "Delete"),
            // Shift shows the letters in capitals, and their labels with them.
            key => tap(window, &key.to_string()),
        }
    }
}

fn shows(window: &AppWindow, label: &str) -> bool {
    ElementHandle::find_by_accessible_label(window, label)
        .next()
        .is_some()
}

/// Every text and label on screen, to look for what must (not) be there.
fn visible_texts(window: &AppWindow) -> Vec<String> {
    window
        .root_element()
        .query_descendants()
        .find_all()
        .into_iter()
        .filter_map(|element| element.accessible_label())
        .map(|label| label.to_string())
        .collect()
}

fn taken(requests: &Requests) -> Vec<String> {
    std::mem::take(&mut *requests.borrow_mut())
}

fn sample_catalogue() -> CatalogueView {
    CatalogueView {
        categories: vec![
            Category {
                code: "cu-tru".into(),
                name: "Cư trú".into(),
            },
            Category {
                code: "ho-tich".into(),
                name: "Hộ tịch".into(),
            },
        ],
        procedures: vec![
            Procedure {
                code: "1.004194".into(),
                name: "Đăng ký khai sinh".into(),
                category: "ho-tich".into(),
                fee: "Miễn phí".into(),
                processing_time: "1 ngày".into(),
                uses: 40,
            },
            Procedure {
                code: "1.001612".into(),
                name: "Đăng ký thường trú".into(),
                category: "cu-tru".into(),
                fee: "Miễn phí".into(),
                processing_time: "7 ngày".into(),
                uses: 90,
            },
        ],
        ..CatalogueView::default()
    }
}

#[test]
fn one_stop_happy_path_from_welcome_to_receipt() {
    let (window, requests) = kiosk(Language::English);
    show_view(&window, &KioskView::Welcome);
    tap(&window, "Start");
    assert_eq!(taken(&requests), ["start"]);

    show_view(&window, &KioskView::Consent);
    assert_eq!(window.get_screen(), Screen::Consent);
    tap(&window, "I agree");
    assert_eq!(taken(&requests), ["accept-consent"]);

    show_view(
        &window,
        &KioskView::ShowQr {
            purpose: QrPurpose::Card,
            hard_to_read: false,
        },
    );
    assert!(shows(
        &window,
        "Show the QR code on the back of your ID card"
    ));
    assert!(shows(&window, "Starting the camera…"), "no picture yet");
    show_view(&window, &KioskView::PresentCard);
    show_view(&window, &KioskView::ReadingCard { progress: 0.4 });
    assert!(shows(&window, "Reading your card. Keep the card still."));
    show_view(
        &window,
        &KioskView::CardGenuine {
            holder_name: "Nguyễn Văn An".into(),
        },
    );
    assert!(shows(&window, "Your ID card is genuine"));

    show_view(
        &window,
        &KioskView::FaceCheck {
            step: FaceStep::Blink,
            attempts_left: 3,
        },
    );
    assert!(shows(&window, "Blink your eyes twice."));
    show_view(
        &window,
        &KioskView::FaceCheck {
            step: FaceStep::Matched,
            attempts_left: 3,
        },
    );
    assert!(shows(&window, "You are the holder of this card"));

    // The catalogue: most used first, a category narrows it, a tap chooses.
    show_view(&window, &KioskView::Catalogue(sample_catalogue()));
    let names: Vec<String> = window
        .root_element()
        .query_descendants()
        .match_accessible_role(AccessibleRole::Button)
        .find_all()
        .into_iter()
        .filter_map(|element| element.accessible_label())
        .map(|label| label.to_string())
        .filter(|label| label.starts_with("Đăng ký"))
        .collect();
    assert_eq!(names, ["Đăng ký thường trú", "Đăng ký khai sinh"]);
    // The search opens the kiosk's keyboard; Done hands the words to the app.
    tap(&window, "Search procedures");
    assert!(window.get_keyboard_open());
    type_keys(&window, "khai");
    tap(&window, "Done");
    assert!(!window.get_keyboard_open());
    tap(&window, "Hộ tịch");
    tap(&window, "Đăng ký khai sinh");
    assert_eq!(
        taken(&requests),
        ["search:khai", "category:ho-tich", "procedure:1.004194"]
    );

    show_view(
        &window,
        &KioskView::Review(ReviewView {
            procedure: "Đăng ký khai sinh".into(),
            lines: vec![ReviewLine {
                label: "Họ, chữ đệm, tên người đi đăng ký".into(),
                value: "Nguyễn Văn An".into(),
                from_card: true,
            }],
            fee: "Miễn phí".into(),
        }),
    );
    assert!(shows(&window, "From your ID card"));
    tap(&window, "File the application");
    assert_eq!(taken(&requests), ["submit"]);

    show_view(&window, &KioskView::Submitting { queued: false });
    assert!(shows(&window, "Sending your application"));
    show_view(&window, &KioskView::PrintingReceipt);
    show_view(&window, &KioskView::ReceiptPrinted);
    assert!(shows(&window, "Please take your receipt"));
    tap(&window, "Start over");
    assert_eq!(taken(&requests), ["start-over"]);
}

#[test]
fn tracking_a_dossier_shows_its_stage_in_words() {
    let (window, requests) = kiosk(Language::English);
    show_view(
        &window,
        &KioskView::ShowQr {
            purpose: QrPurpose::Receipt,
            hard_to_read: true,
        },
    );
    assert!(shows(&window, "Show the QR code on your receipt"));
    assert!(
        visible_texts(&window)
            .iter()
            .any(|text| text.contains("cannot be read yet")),
        "a hard-to-read code gets a tip in words"
    );
    show_view(
        &window,
        &KioskView::DossierStatus(DossierView {
            stage: DossierStage::Ready,
            code: "H26.99-261204-0001".into(),
            procedure: "Đăng ký khai sinh".into(),
            appointment: Some("11/12/2026".into()),
            note: None,
        }),
    );
    assert!(shows(&window, "Application H26.99-261204-0001"));
    assert!(shows(
        &window,
        "The result is ready. Collect it at the counter with your receipt and your ID card."
    ));
    assert!(shows(&window, "Appointment: 11/12/2026"));
    tap(&window, "Back");
    assert_eq!(taken(&requests), ["back"]);
}

#[test]
fn hospital_happy_path_and_a_closed_department() {
    let (window, requests) = kiosk(Language::English);
    window.set_hospital_mode(true);
    show_view(&window, &KioskView::Welcome);
    assert!(shows(&window, "Register for your hospital visit"));

    show_view(
        &window,
        &KioskView::Insurance(InsuranceView {
            status: InsuranceStatus::Expired,
            card_number: "DN4010123456789".into(),
            valid_to: "31/10/2026".into(),
            benefit_level: "80%".into(),
            facility: "Trạm Y tế phường Tràng Tiền".into(),
        }),
    );
    assert!(shows(&window, "Your health insurance has expired"));
    assert!(
        ElementHandle::find_by_accessible_label(&window, "Continue")
            .all(|element| element.accessible_role() != Some(AccessibleRole::Button)),
        "an expired card cannot go on as insured"
    );
    tap(&window, "Continue as a fee-paying patient");
    assert_eq!(taken(&requests), ["insurance-go-on-paying"]);

    show_view(
        &window,
        &KioskView::Departments(DepartmentsView {
            departments: vec![
                Department {
                    code: "noi".into(),
                    name: "Khoa Nội".into(),
                    hours: "07:00–16:30".into(),
                    waiting: 12,
                    open: true,
                },
                Department {
                    code: "mat".into(),
                    name: "Khoa Mắt".into(),
                    hours: "07:00–11:30".into(),
                    waiting: 0,
                    open: false,
                },
            ],
            follow_up: None,
        }),
    );
    assert!(shows(&window, "12 people waiting"));
    assert!(shows(&window, "Closed now"));
    tap(&window, "Khoa Mắt");
    assert!(
        taken(&requests).is_empty(),
        "a closed department cannot be chosen"
    );
    tap(&window, "Khoa Nội");
    assert_eq!(taken(&requests), ["department:noi"]);

    show_view(
        &window,
        &KioskView::QueueTicket(QueueTicketView {
            number: "A-042".into(),
            room: "105".into(),
            department: "Khoa Nội".into(),
            pending: false,
        }),
    );
    let number: Vec<_> = ElementHandle::find_by_accessible_label(&window, "Your queue number")
        .filter_map(|element| element.accessible_value())
        .collect();
    assert_eq!(number, ["A-042"]);
    tap(&window, "Done");
    assert_eq!(
        taken(&requests),
        ["start-over"],
        "taking the ticket ends the visit"
    );
}

#[test]
fn error_screens_say_what_to_do_and_always_have_a_way_out() {
    let (window, requests) = kiosk(Language::English);
    let errors = [
        (
            KioskView::CardNotGenuine {
                reason: NotGenuineReason::CopiedChip,
            },
            "This card could not be verified",
        ),
        (
            KioskView::ReaderProblem {
                error_code: "HAL-DISCONNECTED".into(),
            },
            "The card reader is not working",
        ),
        (KioskView::NotAnIdCard, "This card is not a chip ID card"),
        (
            KioskView::ReceiptNotPrinted {
                error_code: "HAL-PAPER-OUT".into(),
                reference: "TAM-1".into(),
            },
            "The receipt could not be printed",
        ),
        (
            KioskView::AskStaff {
                kind: TroubleKind::ServiceDown,
                error_code: "NET-TIMEOUT".into(),
            },
            "Please ask a staff member for help",
        ),
        (
            KioskView::FaceCheck {
                step: FaceStep::AskStaff,
                attempts_left: 0,
            },
            "The face check could not be completed",
        ),
    ];
    for (view, title) in errors {
        show_view(&window, &view);
        assert!(shows(&window, title), "{view:?} says {title:?}");
        tap(&window, "Start over");
        tap(&window, "Back");
        assert_eq!(taken(&requests), ["start-over", "back"], "{view:?}");
    }
    show_view(
        &window,
        &KioskView::AskStaff {
            kind: TroubleKind::ServiceDown,
            error_code: "NET-TIMEOUT".into(),
        },
    );
    assert!(shows(&window, "Tell them this code: NET-TIMEOUT"));
}

#[test]
fn switching_language_rerenders_the_visible_screen() {
    let (window, requests) = kiosk(Language::Vietnamese);
    show_view(&window, &KioskView::Consent);
    assert!(shows(&window, "Tôi đồng ý"));
    assert!(!shows(&window, "I agree"));
    select_language(&window, Language::English);
    assert!(shows(&window, "I agree"));
    assert!(!shows(&window, "Tôi đồng ý"));
    show_view(&window, &KioskView::Welcome);
    tap(&window, "Tiếng Việt");
    assert_eq!(taken(&requests), ["language:vi"]);
}

#[test]
fn the_idle_question_counts_down_on_the_clock() {
    let (window, requests) = kiosk(Language::English);
    show_view(&window, &KioskView::PresentCard);
    ask_still_there(&window, Some(Duration::from_secs(20)));
    assert!(shows(&window, "Are you still there?"));
    for _ in 0..5 {
        mock_elapsed_time(Duration::from_millis(1_010));
        slint::platform::update_timers_and_animations();
    }
    assert_eq!(window.get_still_there_seconds(), 15);
    tap(&window, "Yes, continue");
    assert_eq!(taken(&requests), ["still-here"]);
    ask_still_there(&window, None);
    assert!(!shows(&window, "Are you still there?"));
}

#[test]
fn nothing_of_the_last_citizen_survives_the_wipe() {
    let (window, _requests) = kiosk(Language::Vietnamese);
    let name = "Nguyễn Thị Minh Khai";
    let address = "Số 12 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội";
    show_view(
        &window,
        &KioskView::CardGenuine {
            holder_name: name.into(),
        },
    );
    show_view(
        &window,
        &KioskView::Review(ReviewView {
            procedure: "Đăng ký thường trú".into(),
            lines: vec![
                ReviewLine {
                    label: "Họ và tên".into(),
                    value: name.into(),
                    from_card: true,
                },
                ReviewLine {
                    label: "Nơi cư trú".into(),
                    value: address.into(),
                    from_card: true,
                },
            ],
            fee: "Miễn phí".into(),
        }),
    );
    assert!(shows(&window, name));
    show_view(
        &window,
        &KioskView::QueueTicket(QueueTicketView {
            number: "A-001".into(),
            room: "1".into(),
            department: "Khoa Nội".into(),
            pending: false,
        }),
    );

    show_view(&window, &KioskView::Welcome);
    let texts = visible_texts(&window);
    assert!(
        texts
            .iter()
            .all(|text| !text.contains("Minh Khai") && !text.contains("Hàng Bạc")),
        "the last citizen is still on screen: {texts:?}"
    );
    // Nor in the window's properties and models, where a later screen would find them.
    assert_eq!(window.get_card_holder_name(), "");
    assert_eq!(slint::Model::row_count(&window.get_review_rows()), 0);
    assert_eq!(window.get_review_procedure(), "");
    assert_eq!(window.get_queue_number(), "");
    assert_eq!(window.get_queue_department(), "");
    assert!(!window.get_has_camera_preview());
    for screen_view in [
        KioskView::Review(ReviewView::default()),
        KioskView::CardGenuine {
            holder_name: String::new(),
        },
    ] {
        show_view(&window, &screen_view);
        let texts = visible_texts(&window);
        assert!(
            texts.iter().all(|text| !text.contains("Minh Khai")),
            "{screen_view:?} shows the last citizen"
        );
    }
}

#[test]
fn over_long_values_wrap_inside_the_screen() {
    let (window, _requests) = kiosk(Language::Vietnamese);
    let address =
        "Thôn Đông Hòa Thượng, xã Quảng Phú Cầu, huyện Ứng Hòa, thành phố Hà Nội, ".repeat(4);
    show_view(
        &window,
        &KioskView::Review(ReviewView {
            procedure: "Đăng ký thường trú".into(),
            lines: vec![ReviewLine {
                label: "Nơi cư trú".into(),
                value: address.clone(),
                from_card: true,
            }],
            fee: "Miễn phí".into(),
        }),
    );
    let value = ElementHandle::find_by_accessible_label(&window, &address)
        .next()
        .expect("the address is shown");
    let (position, size) = (value.absolute_position(), value.size());
    assert!(
        position.x >= 0.0 && position.x + size.width <= 1920.0,
        "the address runs off the screen: x {} width {}",
        position.x,
        size.width
    );
    assert!(
        size.height > 100.0,
        "a long address wraps onto several lines"
    );
    // Text typed with combining marks is shown precomposed.
    show_view(
        &window,
        &KioskView::CardGenuine {
            holder_name: "Nguye\u{0302}\u{0303}n Va\u{0306}n An".into(),
        },
    );
    assert_eq!(window.get_card_holder_name(), "Nguyễn Văn An");
}

#[test]
fn the_technician_screen_lists_every_line_with_its_test() {
    use kiosk_ui::HealthStatus;
    use kiosk_ui::screens::{Diagnostic, DiagnosticsView};
    let (window, requests) = kiosk(Language::English);
    let log = Rc::clone(&requests);
    window.on_run_test(move |key| log.borrow_mut().push(format!("test:{key}")));
    let log = Rc::clone(&requests);
    window.on_leave_diagnostics(move || log.borrow_mut().push("leave".into()));
    show_view(
        &window,
        &KioskView::Diagnostics(DiagnosticsView {
            technician: "KTV-07".into(),
            lines: vec![
                Diagnostic {
                    key: "printer".into(),
                    name: "Printer".into(),
                    status: HealthStatus::Failed,
                    detail: "HAL-PAPER-OUT".into(),
                    testable: true,
                },
                Diagnostic {
                    key: "disk".into(),
                    name: "Disk".into(),
                    status: HealthStatus::Ok,
                    detail: "71% free".into(),
                    testable: false,
                },
            ],
            message: None,
        }),
    );
    assert!(shows(&window, "Printer — not working"));
    assert!(shows(&window, "Disk — working"));
    tap(&window, "Test Printer");
    assert!(
        !shows(&window, "Test Disk"),
        "a line without a live test has no button"
    );
    tap(&window, "Leave diagnostics");
    assert_eq!(taken(&requests), ["test:printer", "leave"]);
}

fn field(key: &str, label: &str, kind: FieldType) -> FormField {
    FormField {
        required: true,
        ..FormField::new(key, label, kind)
    }
}

fn sample_form() -> FormView {
    FormView {
        procedure: "Đăng ký thường trú".into(),
        fields: vec![
            FormField {
                value: "NGUYỄN VĂN AN".into(),
                from_card: true,
                ..field("full-name", "Họ và tên", FieldType::Text)
            },
            field("phone", "Số điện thoại", FieldType::Phone),
            field("previous-address", "Nơi ở trước đây", FieldType::Text),
            FormField {
                required: false,
                ..field(
                    "relation",
                    "Quan hệ với chủ hộ",
                    FieldType::Choice(vec!["Chủ hộ".into(), "Con".into()]),
                )
            },
            field(
                "signature",
                "Chữ ký số",
                FieldType::Unknown("signature-pad".into()),
            ),
        ],
        show_missing: false,
    }
}

#[test]
fn the_form_is_filled_on_the_kiosk_keyboard_with_card_values_locked() {
    let (window, requests) = kiosk(Language::English);
    let mut form = sample_form();
    show_view(&window, &KioskView::Form(form.clone()));

    // The card's value is shown, locked: there is nothing to tap.
    assert!(shows(&window, "From your ID card"));
    assert!(visible_texts(&window).contains(&"NGUYỄN VĂN AN".to_owned()));
    let editable: Vec<String> = ElementHandle::find_by_accessible_label(&window, "Họ và tên")
        .filter(|element| element.accessible_role() == Some(AccessibleRole::TextInput))
        .map(|element| element.accessible_label().unwrap_or_default().to_string())
        .collect();
    assert!(editable.is_empty(), "the card's name is editable");

    // The unknown field says staff will fill it, and the form goes on.
    assert!(shows(
        &window,
        "This field cannot be filled in at the kiosk; staff will complete it."
    ));

    // Continue with required fields empty: the app asks to point at them.
    tap(&window, "Continue");
    assert_eq!(taken(&requests), ["form-continue"]);
    let missing: Vec<&str> = form
        .missing_required()
        .iter()
        .map(|field| field.key.as_str())
        .collect();
    assert_eq!(missing, ["phone", "previous-address"]);
    form.show_missing = true;
    show_view(&window, &KioskView::Form(form.clone()));
    assert_eq!(
        ElementHandle::find_by_accessible_label(&window, "Please fill this in.").count(),
        2
    );

    // A phone number on the number pad, with a slip corrected.
    tap(&window, "Số điện thoại");
    assert!(window.get_keyboard_open());
    assert!(!shows(&window, "q"), "the phone field opened the letters");
    type_keys(&window, "+849123456788<");
    assert_eq!(window.get_keyboard_text(), "+84912345678");
    tap(&window, "Done");
    assert_eq!(taken(&requests), ["field:phone=+84912345678"]);
    form.set_value("phone", "+84912345678").unwrap();

    // An address in Vietnamese by Telex: the tones land on the right vowels.
    show_view(&window, &KioskView::Form(form.clone()));
    tap(&window, "Nơi ở trước đây");
    type_keys(&window, "Soos 12 DDieenj Bieen Phur");
    assert_eq!(window.get_keyboard_text(), "Số 12 Điện Biên Phủ");
    tap(&window, "Done");
    assert_eq!(
        taken(&requests),
        ["field:previous-address=Số 12 Điện Biên Phủ"]
    );

    // Cancel leaves the field as it was.
    tap(&window, "Nơi ở trước đây");
    type_keys(&window, "abc");
    tap(&window, "Cancel");
    assert!(!window.get_keyboard_open());
    assert!(taken(&requests).is_empty());
    assert_eq!(window.get_keyboard_text(), "");

    // A choice is a tap, and the chosen one carries a mark as well as a colour.
    tap(&window, "Con");
    assert_eq!(taken(&requests), ["field:relation=Con"]);
    tap(&window, "Back");
    tap(&window, "Start over");
    assert_eq!(taken(&requests), ["back", "start-over"]);
}

#[test]
fn half_typed_text_does_not_outlive_its_screen() {
    let (window, _requests) = kiosk(Language::English);
    show_view(&window, &KioskView::Form(sample_form()));
    tap(&window, "Nơi ở trước đây");

    type_keys(&window, "Hanoi");
    assert!(window.get_keyboard_open());
    // The idle wipe comes while the keyboard is open.
    show_view(&window, &KioskView::Welcome);
    assert!(!window.get_keyboard_open());
    assert_eq!(window.get_keyboard_text(), "");
    assert!(
        !visible_texts(&window)
            .iter()
            .any(|text| text.contains("Hanoi"))
    );
}

#[test]
fn the_technician_pin_pad_counts_tries_and_locks() {
    let (window, requests) = kiosk(Language::English);
    show_view(
        &window,
        &KioskView::TechnicianLogin {
            attempts_left: 3,
            wrong_pin: false,
            locked_minutes: None,
        },
    );
    assert!(shows(
        &window,
        "Place your technician card on the reader, or enter your PIN."
    ));
    type_keys(&window, "1234");
    // The PIN is never shown or spoken, only dots.
    assert!(
        !visible_texts(&window)
            .iter()
            .any(|text| text.contains("1234"))
    );
    tap(&window, "Sign in");
    assert_eq!(taken(&requests), ["sign-in:1234"]);
    assert_eq!(window.get_technician_pin(), "");

    show_view(
        &window,
        &KioskView::TechnicianLogin {
            attempts_left: 2,
            wrong_pin: true,
            locked_minutes: None,
        },
    );
    assert!(shows(&window, "Wrong PIN. Tries left: 2"));

    show_view(
        &window,
        &KioskView::TechnicianLogin {
            attempts_left: 0,
            wrong_pin: true,
            locked_minutes: Some(15),
        },
    );
    assert!(shows(
        &window,
        "Too many wrong PINs. The pad is locked for 15 minutes."
    ));
    type_keys(&window, "99");
    tap(&window, "Sign in");
    assert_eq!(window.get_technician_pin(), "", "a locked pad took digits");
    assert!(taken(&requests).is_empty());
    tap(&window, "Back");
    assert_eq!(taken(&requests), ["back"]);
}
