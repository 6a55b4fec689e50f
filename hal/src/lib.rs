//! # kiosk-hal — the kiosk's devices behind small traits
//!
//! The kiosk talks to three devices: a chip card reader, a camera and a receipt printer.
//! Each is one small trait here ([`CardReader`], [`Camera`], [`ReceiptPrinter`]), shaped
//! after embedded-hal: every backend has its own error type, and every error maps onto the
//! shared [`ErrorKind`] so the application, the screens and diagnostics can react to
//! "card removed" or "paper out" without knowing which driver said it.
//!
//! The traits are blocking on purpose. PC/SC calls block, a camera delivers frames at its
//! own pace and a serial printer answers status queries late or not at all; the application
//! therefore gives each device its own thread ([`camera::spawn_capture`] does that for the
//! camera and keeps only the newest frame, so a slow consumer drops frames instead of
//! queueing them without bound).
//!
//! [`sim`] holds the simulated backends used by `kiosk demo` and the tests: a card reader
//! whose card is any [`VirtualCard`] (an APDU handler), a camera that replays image files,
//! and a printer that appends its ESC/POS bytes to a file. Real backends (PC/SC, V4L2,
//! serial) implement the same traits; the application picks one per device from its
//! configuration, in one place.
//!
//! [`v4l2`] is the real camera: [`V4l2Camera`] reads a UVC camera through nokhwa, picked by
//! path or by name, with an explicit MJPEG or YUYV format negotiated from what it offers.
//!
//! [`pcsc`] is the real card reader: [`PcscCardReader`] watches the readers pcscd serves,
//! with readers and cards coming and going, and [`sim::VpcdBridge`] serves any
//! [`VirtualCard`] to pcscd's virtual reader (vsmartcard's vpcd), so tests drive the real
//! PC/SC stack.
//!
//! [`serial`] is the real receipt printer: [`SerialPrinter`] speaks ESC/POS on a serial port
//! (baud, flow control and timeouts from [`SerialPrinterSettings`]). It asks the printer's
//! real-time status (`DLE EOT`) before each job and refuses a job the printer cannot print,
//! waits for the printer to confirm the job (`GS r 1`, answered only once everything before
//! it has been processed), and asks the status again after it; a job that may not have come
//! out whole fails with the kind that says why, so the caller keeps it and prints it again.
//! [`sim::PtyPrinter`] is a fake ESC/POS printer at the far end of a pseudo-terminal: paper
//! out, an open cover, a silent printer or an unplugged adapter on demand, so tests (here,
//! in the application and for the whole appliance) drive the real serial stack.
//!
//! This crate knows devices, not citizens: nothing here understands what a card or a
//! receipt means.
#![forbid(unsafe_code)]

pub mod camera;
pub mod card;
mod error;
pub mod pcsc;
pub mod printer;
pub mod self_test;
pub mod serial;
pub mod sim;
pub mod v4l2;

pub use self::pcsc::{PcscCanceller, PcscCardReader, PcscError};
pub use camera::{Camera, Frame, PixelFormat};
pub use card::{Atr, CardEvent, CardReader, VirtualCard};
pub use error::{DeviceError, Error, ErrorKind};
pub use printer::{PrintJob, PrinterStatus, ReceiptPrinter};
pub use self_test::{SelfTestReport, TestOutcome};
pub use serial::{SerialPrinter, SerialPrinterError, SerialPrinterSettings};
pub use v4l2::{V4l2Camera, V4l2Error};
