//! # kiosk-app — the kiosk appliance
//!
//! The composition root of the firmware: it reads the configuration ([`config`]), opens
//! the devices it names on their own threads ([`devices`]), runs each visit as a state
//! machine ([`session`]) on tokio, and shows it on the Slint window of `kiosk-ui`. The
//! `kiosk` binary (`src/main.rs`) is only argument parsing around [`app`].
//!
//! Threads: Slint's event loop owns the main thread; the session and its I/O run on a
//! small tokio runtime; each blocking device has a thread of its own. They talk through
//! channels and `slint::invoke_from_event_loop`, never shared mutable state.

pub mod app;
pub mod card_link;
pub mod config;
pub mod demo;
pub mod devices;
pub mod logging;
pub mod printing;
pub mod receipts;
pub mod session;
