//! The receipt printer: print a job of ESC/POS bytes and ask how the printer is.
//!
//! Serial thermal printers answer status queries (`DLE EOT`) late or not at all when they
//! are busy or off, so [`ReceiptPrinter::status`] takes a timeout and a late answer is a
//! [`ErrorKind::Timeout`](crate::ErrorKind::Timeout), not a hang.

use std::fmt;
use std::time::Duration;

use crate::error::Error;
use crate::self_test::SelfTestReport;

/// How the printer says it is, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum PrinterStatus {
    Ready,
    /// Prints, but the roll will run out soon: staff should change it.
    PaperNearEnd,
    PaperOut,
    CoverOpen,
    /// Powered off, unplugged or in an error state.
    Offline,
}

impl PrinterStatus {
    /// Whether a job sent now would come out of the printer.
    pub fn can_print(self) -> bool {
        matches!(self, PrinterStatus::Ready | PrinterStatus::PaperNearEnd)
    }
}

impl fmt::Display for PrinterStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PrinterStatus::Ready => "ready",
            PrinterStatus::PaperNearEnd => "paper near end",
            PrinterStatus::PaperOut => "paper out",
            PrinterStatus::CoverOpen => "cover open",
            PrinterStatus::Offline => "offline",
        })
    }
}

/// One thing to print: a receipt, a queue ticket or a diagnostics report, already encoded
/// as ESC/POS bytes. The id lets a job that could not print be found and printed again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintJob {
    pub id: String,
    pub escpos: Vec<u8>,
}

/// A receipt printer (ESC/POS over a serial line on a real kiosk).
pub trait ReceiptPrinter: Send {
    type Error: Error;

    /// Asks the printer how it is, waiting at most `timeout` for the answer.
    fn status(&mut self, timeout: Duration) -> Result<PrinterStatus, Self::Error>;

    /// Sends a job. Fails with the matching kind (`PaperOut`, `CoverOpen`, `NotPresent`…)
    /// when the printer cannot take it; the caller keeps the job to print it later.
    fn print(&mut self, job: &PrintJob) -> Result<(), Self::Error>;

    /// Checks the printer and reports what diagnostics should show.
    fn self_test(&mut self) -> SelfTestReport;
}
