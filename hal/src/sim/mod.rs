//! Simulated devices for `kiosk demo` and the tests. They implement the same traits as the
//! real backends and fail the same ways (card removed, paper out, camera gone), driven by a
//! control handle that the demo panel or a test holds.

pub mod camera;
pub mod card;
pub mod printer;
pub mod vpcd;

pub use camera::{ReplayCamera, ReplayPanel};
pub use card::{BlankCard, SimulatedCardReader, SimulatedCardSlot};
pub use printer::{FilePrinter, FilePrinterPanel};
pub use vpcd::{VpcdBridge, VpcdError};
