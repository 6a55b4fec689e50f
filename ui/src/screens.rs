//! View models of the screens beyond the card path: review, dossier tracking, the hospital
//! screens and diagnostics. Each puts itself on the window's properties; the texts they
//! carry (procedure and department names, values from the card) come from the app and
//! the back ends, already in the citizen's language, and are normalised to NFC here so
//! that text with combining diacritics renders with the font's precomposed glyphs.

use std::rc::Rc;

use slint::{ModelRc, SharedString, VecModel};
use unicode_normalization::UnicodeNormalization;

use crate::{
    AppWindow, DepartmentItem, DiagnosticLine, DossierStage, HealthStatus, InsuranceStatus,
    ReviewRow,
};

pub(crate) fn nfc(text: &str) -> SharedString {
    text.nfc().collect::<String>().into()
}

fn model<T: Clone + 'static>(items: Vec<T>) -> ModelRc<T> {
    ModelRc::from(Rc::new(VecModel::from(items)))
}

/// One line of the review: a label and the value that will be filed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewLine {
    pub label: String,
    pub value: String,
    /// Read from the chip, not typed by the citizen.
    pub from_card: bool,
}

/// "Check your application" before it is filed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReviewView {
    pub procedure: String,
    pub lines: Vec<ReviewLine>,
    pub fee: String,
}

impl ReviewView {
    pub(crate) fn apply(&self, window: &AppWindow) {
        window.set_review_procedure(nfc(&self.procedure));
        window.set_review_fee(nfc(&self.fee));
        window.set_review_rows(model(
            self.lines
                .iter()
                .map(|line| ReviewRow {
                    label: nfc(&line.label),
                    value: nfc(&line.value),
                    from_card: line.from_card,
                })
                .collect(),
        ));
    }
}

/// Where a dossier filed earlier stands.
#[derive(Debug, Clone, PartialEq)]
pub struct DossierView {
    pub stage: DossierStage,
    /// The office's dossier code, or the kiosk reference while it waits in the outbox.
    pub code: String,
    pub procedure: String,
    pub appointment: Option<String>,
    pub note: Option<String>,
}

impl DossierView {
    pub(crate) fn apply(&self, window: &AppWindow) {
        window.set_dossier_stage(self.stage);
        window.set_dossier_code(nfc(&self.code));
        window.set_dossier_procedure(nfc(&self.procedure));
        window.set_dossier_appointment(nfc(self.appointment.as_deref().unwrap_or("")));
        window.set_dossier_note(nfc(self.note.as_deref().unwrap_or("")));
    }
}

/// The health-insurance card found for the patient.
#[derive(Debug, Clone, PartialEq)]
pub struct InsuranceView {
    pub status: InsuranceStatus,
    pub card_number: String,
    pub valid_to: String,
    pub benefit_level: String,
    pub facility: String,
}

impl InsuranceView {
    pub(crate) fn apply(&self, window: &AppWindow) {
        window.set_insurance_status(self.status);
        window.set_insurance_card_number(nfc(&self.card_number));
        window.set_insurance_valid_to(nfc(&self.valid_to));
        window.set_insurance_benefit_level(nfc(&self.benefit_level));
        window.set_insurance_facility(nfc(&self.facility));
    }
}

/// A department or clinic the patient can choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    pub code: String,
    pub name: String,
    pub hours: String,
    pub waiting: u32,
    pub open: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DepartmentsView {
    pub departments: Vec<Department>,
    /// A follow-up appointment the HIS holds for this patient, described for the screen.
    pub follow_up: Option<String>,
}

impl DepartmentsView {
    pub(crate) fn apply(&self, window: &AppWindow) {
        window.set_follow_up(nfc(self.follow_up.as_deref().unwrap_or("")));
        window.set_departments(model(
            self.departments
                .iter()
                .map(|department| DepartmentItem {
                    code: department.code.as_str().into(),
                    name: nfc(&department.name),
                    hours: nfc(&department.hours),
                    waiting: i32::try_from(department.waiting).unwrap_or(i32::MAX),
                    open: department.open,
                })
                .collect(),
        ));
    }
}

/// The queue number the HIS gave, or a pending registration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueueTicketView {
    pub number: String,
    pub room: String,
    pub department: String,
    pub pending: bool,
}

impl QueueTicketView {
    pub(crate) fn apply(&self, window: &AppWindow) {
        window.set_queue_number(nfc(&self.number));
        window.set_queue_room(nfc(&self.room));
        window.set_queue_department(nfc(&self.department));
        window.set_queue_pending(self.pending);
    }
}

/// One device or service on the diagnostics screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub key: String,
    pub name: String,
    pub status: HealthStatus,
    pub detail: String,
    pub testable: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DiagnosticsView {
    pub technician: String,
    pub lines: Vec<Diagnostic>,
    pub message: Option<String>,
}

impl DiagnosticsView {
    pub(crate) fn apply(&self, window: &AppWindow) {
        window.set_technician_name(nfc(&self.technician));
        window.set_diagnostics_message(nfc(self.message.as_deref().unwrap_or("")));
        window.set_diagnostic_lines(model(
            self.lines
                .iter()
                .map(|line| DiagnosticLine {
                    key: line.key.as_str().into(),
                    name: nfc(&line.name),
                    status: line.status,
                    detail: nfc(&line.detail),
                    testable: line.testable,
                })
                .collect(),
        ));
    }
}

/// Clears every property that can hold something about the person who used the kiosk:
/// names, values, codes, lists and camera pictures. Called at the end of every visit, so
/// nothing of the previous citizen stays on screen or in the window's models.
pub fn wipe(window: &AppWindow) {
    let empty = SharedString::new();
    window.set_card_holder_name(empty.clone());
    window.set_card_error_code(empty.clone());
    window.set_card_progress(0.0);
    window.set_receipt_error_code(empty.clone());
    window.set_receipt_reference(empty.clone());
    window.set_camera_preview(slint::Image::default());
    window.set_has_camera_preview(false);
    window.set_qr_hard_to_read(false);
    window.set_face_attempts_left(0);
    window.set_catalogue_query(empty.clone());
    window.set_catalogue_procedures(model(Vec::new()));
    window.set_catalogue_categories(model(Vec::new()));
    window.set_review_procedure(empty.clone());
    window.set_review_fee(empty.clone());
    window.set_review_rows(model(Vec::new()));
    window.set_dossier_code(empty.clone());
    window.set_dossier_procedure(empty.clone());
    window.set_dossier_appointment(empty.clone());
    window.set_dossier_note(empty.clone());
    window.set_trouble_code(empty.clone());
    window.set_insurance_card_number(empty.clone());
    window.set_insurance_valid_to(empty.clone());
    window.set_insurance_benefit_level(empty.clone());
    window.set_insurance_facility(empty.clone());
    window.set_departments(model(Vec::new()));
    window.set_follow_up(empty.clone());
    window.set_queue_number(empty.clone());
    window.set_queue_room(empty.clone());
    window.set_queue_department(empty.clone());
    window.set_diagnostic_lines(model(Vec::new()));
    window.set_technician_name(empty.clone());
    window.set_diagnostics_message(empty.clone());
    window.set_form_procedure(empty.clone());
    window.set_form_rows(model(Vec::new()));
    window.set_form_show_missing(false);
    window.set_technician_pin(empty.clone());
    window.set_technician_wrong_pin(false);
    window.set_keyboard_open(false);
    window.set_keyboard_label(empty.clone());
    window.set_keyboard_field(empty.clone());
    window.set_keyboard_text(empty);
}
