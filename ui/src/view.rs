//! The view models the application fills, and how they reach the window.

use std::fmt;
use std::str::FromStr;

use slint::{Image, Rgb8Pixel, SharedPixelBuffer, SharedString};

use crate::catalogue::CatalogueView;
use crate::form::FormView;
use crate::screens::{
    DepartmentsView, DiagnosticsView, DossierView, InsuranceView, QueueTicketView, ReviewView,
};
use crate::{
    AppWindow, CardOutcome, FaceStep, NotGenuineReason, QrPurpose, ReceiptOutcome, Screen,
    TroubleKind,
};

/// The languages of the kiosk's screens. Vietnamese is the default; both catalogues are
/// bundled into the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    #[default]
    Vietnamese,
    English,
}

impl Language {
    /// The ISO 639-1 code, as the config file and the translations use it.
    pub fn code(self) -> &'static str {
        match self {
            Language::Vietnamese => "vi",
            Language::English => "en",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A language code the kiosk has no screens for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language {0:?}: the kiosk speaks \"vi\" and \"en\"")]
pub struct LanguageError(pub String);

impl FromStr for Language {
    type Err = LanguageError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        match code {
            "vi" => Ok(Language::Vietnamese),
            "en" => Ok(Language::English),
            other => Err(LanguageError(other.to_owned())),
        }
    }
}

/// Switches every `@tr()` string of every window to `language`.
///
/// Must be called on the UI thread after the window exists: Slint keeps the translation
/// choice in the per-thread context that creating the window sets up.
pub fn select_language(window: &AppWindow, language: Language) {
    // Both catalogues are compiled in, so selecting one cannot fail at run time; a failure
    // would mean the build lost the catalogue, which the ui crate's tests catch.
    if let Err(error) = slint::select_bundled_translation(language.code()) {
        debug_assert!(false, "bundled translation missing: {error}");
    }
    window.set_language(language.code().into());
}

/// What the citizen should see now. The application describes the screen; this crate
/// decides how it looks.
#[derive(Debug, Clone, PartialEq)]
pub enum KioskView {
    Welcome,
    /// Consent to personal-data processing, before anything is read.
    Consent,
    PresentCard,
    ReadingCard {
        /// 0.0 to 1.0.
        progress: f32,
    },
    /// The card passed every check.
    CardGenuine {
        holder_name: String,
    },
    CardNotGenuine {
        reason: NotGenuineReason,
    },
    /// The chip is an ID card's, but the kiosk has no key to open it: show the QR code.
    NeedsQr,
    /// The key from the QR code did not open the chip.
    WrongKey,
    NotAnIdCard,
    CardRemovedEarly,
    ReaderProblem {
        /// The code a technician looks up.
        error_code: String,
    },
    /// A receipt is on its way to the printer.
    PrintingReceipt,
    /// The receipt came out: the citizen should take it.
    ReceiptPrinted,
    /// The printer could not print the receipt; it is kept for staff to print again.
    ReceiptNotPrinted {
        /// The code a technician looks up.
        error_code: String,
        /// What staff use to find and reprint the receipt.
        reference: String,
    },
    /// "Show the QR code" of the card or of a receipt, over the live camera picture (which
    /// [`show_camera_preview`] keeps fresh).
    ShowQr {
        purpose: QrPurpose,
        /// A code is in view but cannot be read: the screen gives a tip.
        hard_to_read: bool,
    },
    /// The face check, over the live camera picture.
    FaceCheck {
        step: FaceStep,
        attempts_left: u32,
    },
    Catalogue(CatalogueView),
    Review(ReviewView),
    /// The application is being filed; `queued` once it waits in the outbox.
    Submitting {
        queued: bool,
    },
    DossierStatus(DossierView),
    /// The kiosk cannot go on without staff.
    AskStaff {
        kind: TroubleKind,
        /// The code a technician looks up; may be empty.
        error_code: String,
    },
    Insurance(InsuranceView),
    Departments(DepartmentsView),
    QueueTicket(QueueTicketView),
    Diagnostics(DiagnosticsView),
    /// The application form of the chosen procedure.
    Form(FormView),
    /// The technician's PIN pad (or card) before diagnostics.
    TechnicianLogin {
        attempts_left: u32,
        /// The last PIN tried was wrong.
        wrong_pin: bool,
        /// The pad is locked for this many more minutes after too many wrong PINs.
        locked_minutes: Option<u32>,
    },
}

/// Puts `view` on the window.
pub fn show_view(window: &AppWindow, view: &KioskView) {
    let (screen, outcome) = match view {
        KioskView::Welcome => {
            // Every visit ends at the welcome screen: nothing of it stays in the window.
            crate::screens::wipe(window);
            (Screen::Welcome, None)
        }
        KioskView::Consent => (Screen::Consent, None),
        KioskView::PresentCard => (Screen::PresentCard, None),
        KioskView::ReadingCard { progress } => {
            window.set_card_progress(progress.clamp(0.0, 1.0));
            (Screen::CardStatus, Some(CardOutcome::Reading))
        }
        KioskView::CardGenuine { holder_name } => {
            window.set_card_holder_name(crate::screens::nfc(holder_name));
            (Screen::CardStatus, Some(CardOutcome::Genuine))
        }
        KioskView::CardNotGenuine { reason } => {
            window.set_card_not_genuine_reason(*reason);
            (Screen::CardStatus, Some(CardOutcome::NotGenuine))
        }
        KioskView::NeedsQr => (Screen::CardStatus, Some(CardOutcome::NeedsQr)),
        KioskView::WrongKey => (Screen::CardStatus, Some(CardOutcome::WrongKey)),
        KioskView::NotAnIdCard => (Screen::CardStatus, Some(CardOutcome::NotIdCard)),
        KioskView::CardRemovedEarly => (Screen::CardStatus, Some(CardOutcome::RemovedEarly)),
        KioskView::ReaderProblem { error_code } => {
            window.set_card_error_code(error_code.as_str().into());
            (Screen::CardStatus, Some(CardOutcome::ReaderProblem))
        }
        KioskView::PrintingReceipt => {
            window.set_receipt_outcome(ReceiptOutcome::Printing);
            (Screen::ReceiptStatus, None)
        }
        KioskView::ReceiptPrinted => {
            window.set_receipt_outcome(ReceiptOutcome::Printed);
            (Screen::ReceiptStatus, None)
        }
        KioskView::ReceiptNotPrinted {
            error_code,
            reference,
        } => {
            window.set_receipt_error_code(error_code.as_str().into());
            window.set_receipt_reference(reference.as_str().into());
            window.set_receipt_outcome(ReceiptOutcome::NotPrinted);
            (Screen::ReceiptStatus, None)
        }
        KioskView::ShowQr {
            purpose,
            hard_to_read,
        } => {
            window.set_qr_purpose(*purpose);
            window.set_qr_hard_to_read(*hard_to_read);
            (Screen::ShowQr, None)
        }
        KioskView::FaceCheck {
            step,
            attempts_left,
        } => {
            window.set_face_step(*step);
            window.set_face_attempts_left(i32::try_from(*attempts_left).unwrap_or(i32::MAX));
            (Screen::FaceCheck, None)
        }
        KioskView::Catalogue(catalogue) => {
            window.set_catalogue_query(crate::screens::nfc(&catalogue.query));
            window.set_catalogue_offline(catalogue.offline);
            window.set_catalogue_categories(catalogue.category_items());
            window.set_catalogue_procedures(catalogue.procedure_items());
            (Screen::Catalogue, None)
        }
        KioskView::Review(review) => {
            review.apply(window);
            (Screen::Review, None)
        }
        KioskView::Submitting { queued } => {
            window.set_submitting_queued(*queued);
            (Screen::Submitting, None)
        }
        KioskView::DossierStatus(dossier) => {
            dossier.apply(window);
            (Screen::DossierStatus, None)
        }
        KioskView::AskStaff { kind, error_code } => {
            window.set_trouble_kind(*kind);
            window.set_trouble_code(error_code.as_str().into());
            (Screen::AskStaff, None)
        }
        KioskView::Insurance(insurance) => {
            insurance.apply(window);
            (Screen::Insurance, None)
        }
        KioskView::Departments(departments) => {
            departments.apply(window);
            (Screen::Departments, None)
        }
        KioskView::QueueTicket(ticket) => {
            ticket.apply(window);
            (Screen::QueueTicket, None)
        }
        KioskView::Diagnostics(diagnostics) => {
            diagnostics.apply(window);
            (Screen::Diagnostics, None)
        }
        KioskView::Form(form) => {
            form.apply(window);
            (Screen::Form, None)
        }
        KioskView::TechnicianLogin {
            attempts_left,
            wrong_pin,
            locked_minutes,
        } => {
            window.set_technician_attempts_left(i32::try_from(*attempts_left).unwrap_or(i32::MAX));
            window.set_technician_wrong_pin(*wrong_pin);
            let minutes = locked_minutes.map_or(0, |minutes| minutes.max(1));
            window.set_technician_locked_minutes(i32::try_from(minutes).unwrap_or(i32::MAX));
            (Screen::TechnicianLogin, None)
        }
    };
    if window.get_screen() != screen {
        // Half-typed text belongs to the screen it was typed on.
        window.set_keyboard_open(false);
        window.set_keyboard_text(SharedString::new());
        window.set_technician_pin(SharedString::new());
    }
    if let Some(outcome) = outcome {
        window.set_card_outcome(outcome);
    }
    window.set_screen(screen);
}

/// Shows "are you still there?" over the screen with `grace` to count down, or takes it
/// away (`None`).
pub fn ask_still_there(window: &AppWindow, grace: Option<std::time::Duration>) {
    match grace {
        Some(grace) => {
            let seconds = i32::try_from(grace.as_secs()).unwrap_or(i32::MAX);
            window.set_still_there_seconds(seconds);
            window.set_asking_still_there(true);
        }
        None => window.set_asking_still_there(false),
    }
}

/// Puts the camera's latest picture behind the QR and face screens; `None` (no camera, or
/// the end of the visit) shows "starting the camera" instead.
pub fn show_camera_preview(window: &AppWindow, preview: Option<&CameraPreview>) {
    match preview.and_then(CameraPreview::to_image) {
        Some(image) => {
            window.set_camera_preview(image);
            window.set_has_camera_preview(true);
        }
        None => {
            window.set_camera_preview(Image::default());
            window.set_has_camera_preview(false);
        }
    }
}

/// A camera picture ready for the screen: RGB pixels, row by row.
#[derive(Debug, Clone)]
pub struct CameraPreview {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

impl CameraPreview {
    /// The picture as a Slint image; `None` when the pixel count does not match the size.
    pub fn to_image(&self) -> Option<Image> {
        let expected = (self.width as usize)
            .checked_mul(self.height as usize)?
            .checked_mul(3)?;
        if expected != self.rgb.len() {
            return None;
        }
        let buffer =
            SharedPixelBuffer::<Rgb8Pixel>::clone_from_slice(&self.rgb, self.width, self.height);
        Some(Image::from_rgb8(buffer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_codes_round_trip() {
        for language in [Language::Vietnamese, Language::English] {
            assert_eq!(language.code().parse::<Language>(), Ok(language));
        }
        assert_eq!(Language::default(), Language::Vietnamese);
        let error = "fr".parse::<Language>().unwrap_err();
        assert!(error.to_string().contains("\"fr\""));
    }

    #[test]
    fn preview_refuses_mismatched_pixels() {
        let preview = CameraPreview {
            width: 4,
            height: 2,
            rgb: vec![0; 4 * 2 * 3 - 1],
        };
        assert!(preview.to_image().is_none());
        let preview = CameraPreview {
            width: 4,
            height: 2,
            rgb: vec![0; 4 * 2 * 3],
        };
        let image = preview.to_image().unwrap();
        assert_eq!((image.size().width, image.size().height), (4, 2));
    }
}
