//! Simulated devices for `kiosk demo` and the tests. They implement the same traits as the
//! real backends and fail the same ways (card removed, paper out, camera gone), driven by a
//! control handle that the demo panel or a test holds.
//!
//! Two more stand at the far end of a real backend's own stack: [`VpcdBridge`] serves a
//! virtual card to pcscd's virtual reader for [`PcscCardReader`](crate::PcscCardReader), and
//! [`PtyPrinter`] is an ESC/POS printer on a pseudo-terminal for
//! [`SerialPrinter`](crate::SerialPrinter).

pub mod camera;
pub mod card;
pub mod printer;
pub mod pty_printer;
pub mod vpcd;

pub use camera::{ReplayCamera, ReplayPanel};
pub use card::{BlankCard, SimulatedCardReader, SimulatedCardSlot};
pub use printer::{FilePrinter, FilePrinterPanel};
pub use pty_printer::{PtyPrinter, PtyPrinterPanel};
pub use vpcd::{VpcdBridge, VpcdError};
