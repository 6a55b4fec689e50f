//! # kiosk-ui — the kiosk's touchscreen
//!
//! The screens are Slint markup in `ui/` (one file per screen, a shared theme, embedded
//! Noto Sans so Vietnamese diacritics render on any device). Every string goes through
//! `@tr()`; the Vietnamese catalogue in `translations/` is compiled into the binary and
//! Vietnamese is the default language.
//!
//! The application never sets Slint properties one by one: it describes what the citizen
//! should see as a [`KioskView`] and calls [`show_view`]. The window's callbacks are the
//! person's requests (start, back, choose a language), which the application turns into
//! commands for its session. This crate touches no device, network or disk.
//!
//! [`headless`] runs the same window without a display, for tests and screenshots.

pub mod catalogue;
pub mod form;
pub mod gallery;
pub mod headless;
pub mod screens;
pub mod telex;
mod view;

slint::include_modules!();

/// Creates the kiosk's window with its on-screen keyboard connected to the Telex rules.
/// Use this rather than `AppWindow::new`, whose keyboard would type nothing.
pub fn new_window() -> Result<AppWindow, slint::PlatformError> {
    use slint::ComponentHandle;
    let window = AppWindow::new()?;
    let typing = window.global::<TelexTyping>();
    typing.on_type_key(|text, key| {
        // The keys send one character each; a key of several characters (none today) is
        // typed character by character, so Telex still sees every letter.
        key.chars()
            .fold(text.to_string(), |text, key| telex::type_key(&text, key))
            .into()
    });
    typing.on_backspace(|text| telex::backspace(&text).into());
    typing.on_conceal(|text| "•".repeat(text.chars().count()).into());
    Ok(window)
}

pub use view::{
    CameraPreview, KioskView, Language, LanguageError, ask_still_there, select_language,
    show_camera_preview, show_view,
};
