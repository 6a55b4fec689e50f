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
pub mod headless;
pub mod screens;
pub mod telex;
mod view;

slint::include_modules!();

pub use view::{
    CameraPreview, KioskView, Language, LanguageError, ask_still_there, select_language,
    show_camera_preview, show_view,
};
