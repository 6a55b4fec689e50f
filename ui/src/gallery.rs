//! Every screen of the kiosk with sample content, for the screenshot tests, the gallery in
//! `docs/screens/` and the UI benchmark. The people, numbers and procedures here are
//! invented samples, never real data.
//!
//! [`samples`] names one or more views per [`KioskView`] variant; [`variant`] matches every
//! variant without a wildcard, so a new screen does not compile until it is given a
//! sample here, and the screenshot test checks each variant has one.

use crate::catalogue::{CatalogueView, Category, Procedure};
use crate::form::{FieldType, FormField, FormView};
use crate::screens::{
    Department, DepartmentsView, Diagnostic, DiagnosticsView, DossierView, InsuranceView,
    QueueTicketView, ReviewLine, ReviewView,
};
use crate::{
    AppWindow, CameraPreview, DossierStage, FaceStep, HealthStatus, InsuranceStatus,
    KeyboardLayout, KioskView, NotGenuineReason, QrPurpose, TroubleKind,
};

/// Something drawn over a screen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Overlay {
    None,
    /// The typing sheet, open on the form's first editable field of this layout.
    Keyboard(KeyboardLayout),
    /// "Are you still there?" with this many seconds left.
    StillThere(u64),
}

/// One picture of the gallery.
#[derive(Debug, Clone)]
pub struct Sample {
    /// The file name, without `.png`.
    pub name: &'static str,
    pub view: KioskView,
    pub overlay: Overlay,
    /// The QR and face screens show a (generated) camera picture behind their guide.
    pub camera: bool,
}

fn sample(name: &'static str, view: KioskView) -> Sample {
    Sample {
        name,
        view,
        overlay: Overlay::None,
        camera: false,
    }
}

/// A sample of a screen that shows the camera's picture.
fn with_camera(name: &'static str, view: KioskView) -> Sample {
    Sample {
        camera: true,
        ..sample(name, view)
    }
}

/// The variant's name, for the check that every variant has a sample.
pub fn variant(view: &KioskView) -> &'static str {
    match view {
        KioskView::Welcome => "Welcome",
        KioskView::Consent => "Consent",
        KioskView::PresentCard => "PresentCard",
        KioskView::ReadingCard { .. } => "ReadingCard",
        KioskView::CardGenuine { .. } => "CardGenuine",
        KioskView::CardNotGenuine { .. } => "CardNotGenuine",
        KioskView::NeedsQr => "NeedsQr",
        KioskView::WrongKey => "WrongKey",
        KioskView::NotAnIdCard => "NotAnIdCard",
        KioskView::CardRemovedEarly => "CardRemovedEarly",
        KioskView::ReaderProblem { .. } => "ReaderProblem",
        KioskView::PrintingReceipt => "PrintingReceipt",
        KioskView::ReceiptPrinted => "ReceiptPrinted",
        KioskView::ReceiptNotPrinted { .. } => "ReceiptNotPrinted",
        KioskView::ShowQr { .. } => "ShowQr",
        KioskView::FaceCheck { .. } => "FaceCheck",
        KioskView::Catalogue(_) => "Catalogue",
        KioskView::Review(_) => "Review",
        KioskView::Submitting { .. } => "Submitting",
        KioskView::DossierStatus(_) => "DossierStatus",
        KioskView::AskStaff { .. } => "AskStaff",
        KioskView::Insurance(_) => "Insurance",
        KioskView::Departments(_) => "Departments",
        KioskView::QueueTicket(_) => "QueueTicket",
        KioskView::Diagnostics(_) => "Diagnostics",
        KioskView::Form(_) => "Form",
        KioskView::TechnicianLogin { .. } => "TechnicianLogin",
    }
}

/// How many variants [`variant`] knows.
pub const VARIANTS: usize = 27;

/// Every screen, in the order of the flows: the one-stop visit, the hospital visit, the
/// screens that go wrong, and the technician's.
pub fn samples() -> Vec<Sample> {
    vec![
        sample("welcome", KioskView::Welcome),
        sample("consent", KioskView::Consent),
        with_camera(
            "show-qr-card",
            KioskView::ShowQr {
                purpose: QrPurpose::Card,
                hard_to_read: false,
            },
        ),
        with_camera(
            "show-qr-hard-to-read",
            KioskView::ShowQr {
                purpose: QrPurpose::Card,
                hard_to_read: true,
            },
        ),
        sample("present-card", KioskView::PresentCard),
        sample("reading-card", KioskView::ReadingCard { progress: 0.6 }),
        sample(
            "card-genuine",
            KioskView::CardGenuine {
                holder_name: "NGUYỄN THỊ MINH KHAI".into(),
            },
        ),
        with_camera(
            "face-check-turn-head",
            KioskView::FaceCheck {
                step: FaceStep::TurnHead,
                attempts_left: 3,
            },
        ),
        with_camera(
            "face-check-matched",
            KioskView::FaceCheck {
                step: FaceStep::Matched,
                attempts_left: 3,
            },
        ),
        with_camera(
            "face-check-not-matched",
            KioskView::FaceCheck {
                step: FaceStep::NotMatched,
                attempts_left: 1,
            },
        ),
        sample("catalogue", KioskView::Catalogue(catalogue(false))),
        sample("catalogue-offline", KioskView::Catalogue(catalogue(true))),
        sample("form", KioskView::Form(form(false))),
        sample("form-missing", KioskView::Form(form(true))),
        Sample {
            overlay: Overlay::Keyboard(KeyboardLayout::Letters),
            ..sample("form-keyboard", KioskView::Form(form(false)))
        },
        Sample {
            overlay: Overlay::Keyboard(KeyboardLayout::Phone),
            ..sample("form-number-pad", KioskView::Form(form(false)))
        },
        sample("review", KioskView::Review(review())),
        sample("submitting", KioskView::Submitting { queued: false }),
        sample("submitting-queued", KioskView::Submitting { queued: true }),
        sample("receipt-printing", KioskView::PrintingReceipt),
        sample("receipt-printed", KioskView::ReceiptPrinted),
        sample(
            "receipt-not-printed",
            KioskView::ReceiptNotPrinted {
                error_code: "PRN-PAPER-OUT".into(),
                reference: "KIOSK-HN01-20261204-0042".into(),
            },
        ),
        with_camera(
            "show-qr-receipt",
            KioskView::ShowQr {
                purpose: QrPurpose::Receipt,
                hard_to_read: false,
            },
        ),
        sample(
            "dossier-in-progress",
            KioskView::DossierStatus(dossier(DossierStage::InProgress)),
        ),
        sample(
            "dossier-ready",
            KioskView::DossierStatus(dossier(DossierStage::Ready)),
        ),
        sample(
            "insurance-valid",
            KioskView::Insurance(insurance(InsuranceStatus::Valid)),
        ),
        sample(
            "insurance-expired",
            KioskView::Insurance(insurance(InsuranceStatus::Expired)),
        ),
        sample("departments", KioskView::Departments(departments())),
        sample(
            "queue-ticket",
            KioskView::QueueTicket(QueueTicketView {
                number: "A-127".into(),
                room: "105".into(),
                department: "Khám Nội tổng quát".into(),
                pending: false,
            }),
        ),
        sample(
            "card-not-genuine",
            KioskView::CardNotGenuine {
                reason: NotGenuineReason::DataChanged,
            },
        ),
        sample(
            "card-copied-chip",
            KioskView::CardNotGenuine {
                reason: NotGenuineReason::CopiedChip,
            },
        ),
        sample("needs-qr", KioskView::NeedsQr),
        sample("wrong-key", KioskView::WrongKey),
        sample("not-an-id-card", KioskView::NotAnIdCard),
        sample("card-removed-early", KioskView::CardRemovedEarly),
        sample(
            "reader-problem",
            KioskView::ReaderProblem {
                error_code: "PCSC-NO-READER".into(),
            },
        ),
        sample(
            "ask-staff-service-down",
            KioskView::AskStaff {
                kind: TroubleKind::ServiceDown,
                error_code: "NET-TIMEOUT".into(),
            },
        ),
        sample(
            "ask-staff-too-many-tries",
            KioskView::AskStaff {
                kind: TroubleKind::TooManyTries,
                error_code: String::new(),
            },
        ),
        Sample {
            overlay: Overlay::StillThere(20),
            ..sample("still-there", KioskView::Catalogue(catalogue(false)))
        },
        sample(
            "technician-login",
            KioskView::TechnicianLogin {
                attempts_left: 2,
                wrong_pin: true,
                locked_minutes: None,
            },
        ),
        sample(
            "technician-locked",
            KioskView::TechnicianLogin {
                attempts_left: 0,
                wrong_pin: true,
                locked_minutes: Some(15),
            },
        ),
        sample("diagnostics", KioskView::Diagnostics(diagnostics())),
    ]
}

/// Puts `sample` on `window`: its view, its overlay and, for the camera screens, a
/// generated picture where the camera's would be.
pub fn show(window: &AppWindow, sample: &Sample) {
    crate::show_view(window, &KioskView::Welcome);
    crate::ask_still_there(window, None);
    crate::show_view(window, &sample.view);
    crate::show_camera_preview(window, sample.camera.then(camera_picture).as_ref());
    match sample.overlay {
        Overlay::None => {}
        Overlay::Keyboard(layout) => {
            let (label, text) = match layout {
                KeyboardLayout::Letters => ("Nơi ở trước đây", "Số 12 Điện Biên Ph"),
                _ => ("Số điện thoại", "09123"),
            };
            window.set_keyboard_layout(layout);
            window.set_keyboard_label(label.into());
            window.set_keyboard_text(text.into());
            window.set_keyboard_field("sample".into());
            window.set_keyboard_open(true);
        }
        Overlay::StillThere(seconds) => {
            crate::ask_still_there(window, Some(std::time::Duration::from_secs(seconds)));
        }
    }
}

/// A camera picture without a camera: a grey room with a card-sized light patch held up,
/// the same on every machine, so the screenshots stay comparable.
pub fn camera_picture() -> CameraPreview {
    let (width, height) = (640u32, 480u32);
    let mut rgb = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            let on_card = (200..440).contains(&x) && (150..330).contains(&y);
            let shade = if on_card {
                225
            } else {
                // A soft vertical gradient, as a room lit from above.
                u8::try_from(70 + y * 60 / height).unwrap_or(u8::MAX)
            };
            rgb.extend_from_slice(&[shade, shade, shade.saturating_add(8)]);
        }
    }
    CameraPreview { width, height, rgb }
}

fn catalogue(offline: bool) -> CatalogueView {
    let procedure = |code: &str, name: &str, category: &str, days: &str, uses| Procedure {
        code: code.into(),
        name: name.into(),
        category: category.into(),
        fee: "Miễn phí".into(),
        processing_time: days.into(),
        uses,
    };
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
            Category {
                code: "bhxh".into(),
                name: "Bảo hiểm xã hội".into(),
            },
        ],
        procedures: vec![
            procedure("1.004194", "Đăng ký khai sinh", "Hộ tịch", "1 ngày", 40),
            procedure("1.001612", "Đăng ký thường trú", "Cư trú", "7 ngày", 90),
            procedure("1.004227", "Đăng ký kết hôn", "Hộ tịch", "1 ngày", 25),
            procedure("1.001653", "Đăng ký tạm trú", "Cư trú", "3 ngày", 60),
            procedure(
                "1.002338",
                "Cấp lại sổ bảo hiểm xã hội",
                "Bảo hiểm xã hội",
                "5 ngày",
                3,
            ),
        ],
        offline,
        ..CatalogueView::default()
    }
}

fn form(show_missing: bool) -> FormView {
    let field = |key: &str, label: &str, kind| FormField {
        required: true,
        ..FormField::new(key, label, kind)
    };
    FormView {
        procedure: "Đăng ký thường trú".into(),
        fields: vec![
            FormField {
                value: "NGUYỄN THỊ MINH KHAI".into(),
                from_card: true,
                ..field("full-name", "Họ, chữ đệm và tên", FieldType::Text)
            },
            FormField {
                value: "001190012345".into(),
                from_card: true,
                ..field("id-number", "Số định danh cá nhân", FieldType::Digits)
            },
            FormField {
                hint: "10 chữ số".into(),
                ..field("phone", "Số điện thoại", FieldType::Phone)
            },
            field("previous-address", "Nơi ở trước đây", FieldType::Text),
            FormField {
                value: "Con".into(),
                required: false,
                ..field(
                    "relation",
                    "Quan hệ với chủ hộ",
                    FieldType::Choice(vec!["Chủ hộ".into(), "Vợ/chồng".into(), "Con".into()]),
                )
            },
            FormField {
                required: false,
                ..field(
                    "signature",
                    "Chữ ký số",
                    FieldType::Unknown("signature-pad".into()),
                )
            },
        ],
        show_missing,
    }
}

fn review() -> ReviewView {
    let line = |label: &str, value: &str, from_card| ReviewLine {
        label: label.into(),
        value: value.into(),
        from_card,
    };
    ReviewView {
        procedure: "Đăng ký thường trú".into(),
        lines: vec![
            line("Họ, chữ đệm và tên", "NGUYỄN THỊ MINH KHAI", true),
            line("Số định danh cá nhân", "001190012345", true),
            line("Ngày sinh", "02/09/1990", true),
            line(
                "Nơi thường trú",
                "Số 12 phố Điện Biên Phủ, phường Ba Đình, thành phố Hà Nội",
                true,
            ),
            line("Số điện thoại", "0912345678", false),
            line("Quan hệ với chủ hộ", "Con", false),
        ],
        fee: "Miễn phí".into(),
    }
}

fn dossier(stage: DossierStage) -> DossierView {
    DossierView {
        stage,
        code: "000.00.01.H26-261204-0042".into(),
        procedure: "Đăng ký thường trú".into(),
        appointment: Some("11/12/2026".into()),
        note: None,
    }
}

fn insurance(status: InsuranceStatus) -> InsuranceView {
    InsuranceView {
        status,
        card_number: "DN4010123456789".into(),
        valid_to: "31/12/2026".into(),
        benefit_level: "80%".into(),
        facility: "Trạm y tế phường Ba Đình".into(),
    }
}

fn departments() -> DepartmentsView {
    let department = |code: &str, name: &str, waiting, open| Department {
        code: code.into(),
        name: name.into(),
        hours: "7:00–16:30".into(),
        waiting,
        open,
    };
    DepartmentsView {
        departments: vec![
            department("noi", "Khám Nội tổng quát", 23, true),
            department("nhi", "Khám Nhi", 8, true),
            department("mat", "Khám Mắt", 5, true),
            department("rhm", "Răng Hàm Mặt", 0, false),
        ],
        follow_up: Some("Tái khám Nội tiết, 09:30 hôm nay, phòng 204".into()),
    }
}

fn diagnostics() -> DiagnosticsView {
    let line = |key: &str, name: &str, status, detail: &str| Diagnostic {
        key: key.into(),
        name: name.into(),
        status,
        detail: detail.into(),
        testable: true,
    };
    DiagnosticsView {
        technician: "KTV Trần Văn Bình".into(),
        lines: vec![
            line(
                "card-reader",
                "Card reader",
                HealthStatus::Ok,
                "ACS ACR1252 · APDU 12 ms",
            ),
            line(
                "camera",
                "Camera",
                HealthStatus::Ok,
                "640x480 YUYV · 29.8 fps",
            ),
            line(
                "printer",
                "Receipt printer",
                HealthStatus::Failed,
                "Out of paper since 10:42",
            ),
            line(
                "backend",
                "One-stop service",
                HealthStatus::Warning,
                "TLS certificate expires in 9 days",
            ),
            line(
                "outbox",
                "Outbox",
                HealthStatus::Ok,
                "0 waiting · oldest none",
            ),
        ],
        message: None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_view_has_a_sample_and_names_are_unique() {
        let samples = samples();
        let variants: BTreeSet<&str> = samples.iter().map(|sample| variant(&sample.view)).collect();
        assert_eq!(
            variants.len(),
            VARIANTS,
            "a KioskView variant has no sample"
        );
        let names: BTreeSet<&str> = samples.iter().map(|sample| sample.name).collect();
        assert_eq!(names.len(), samples.len(), "two samples share a name");
    }

    #[test]
    fn the_camera_picture_is_whole() {
        assert!(camera_picture().to_image().is_some());
    }
}
