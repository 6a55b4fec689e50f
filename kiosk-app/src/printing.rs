//! Receipts on paper: a [`Receipt`] laid out for the configured roll, marked DEMO on a demo
//! kiosk, and printed through the printer's thread.
//!
//! The printer backend checks the printer's status before and after each job and fails a
//! job that did not come out whole. What failed is never dropped here: the session keeps
//! the request for the visit (so the citizen or staff can print it again once the paper is
//! changed), and a flow that files an application keeps the record the receipt was made
//! from, from which staff can print it again later.

use std::fmt;

use kiosk_hal::{DeviceError, PrintJob};
use kiosk_receipt::{PaperWidth, Receipt};

use crate::devices::PrinterHandle;

/// The code shown when a receipt cannot even be laid out (a QR payload too large for the
/// roll, say): a bug in the flow that made it, for a technician to report.
pub const LAYOUT_ERROR_CODE: &str = "KIOSK-RECEIPT-LAYOUT";

/// A receipt to print, and the reference staff use to find it again.
///
/// The receipt may name the citizen, so `Debug` shows the reference alone.
#[derive(Clone, PartialEq)]
pub struct PrintRequest {
    /// Printed on the error screen and written to the log; never personal data (a kiosk
    /// reference or a dossier code).
    pub reference: String,
    pub receipt: Receipt,
}

/// What a receipt says goes with the visit, like every other personal datum the session
/// holds (the printed bytes go with the print job).
impl Drop for PrintRequest {
    fn drop(&mut self) {
        self.receipt.wipe();
    }
}

impl fmt::Debug for PrintRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrintRequest")
            .field("reference", &self.reference)
            .finish_non_exhaustive()
    }
}

/// Why a receipt did not come out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintProblem {
    #[error("the receipt cannot be laid out: {0}")]
    Layout(String),
    #[error("the printer did not print the receipt: {0}")]
    Printer(DeviceError),
}

impl PrintProblem {
    /// The code a technician looks up: the printer's HAL code (`HAL-PAPER-OUT`…) or
    /// [`LAYOUT_ERROR_CODE`].
    pub fn code(&self) -> &'static str {
        match self {
            PrintProblem::Layout(_) => LAYOUT_ERROR_CODE,
            PrintProblem::Printer(error) => error.kind().code(),
        }
    }
}

/// Lays receipts out and prints them.
#[derive(Clone)]
pub struct Printing {
    printer: PrinterHandle,
    paper: PaperWidth,
    demo: bool,
}

impl Printing {
    /// `demo` marks every receipt DEMO, whatever the flow asked for.
    pub fn new(printer: PrinterHandle, paper: PaperWidth, demo: bool) -> Self {
        Self {
            printer,
            paper,
            demo,
        }
    }

    pub fn paper(&self) -> PaperWidth {
        self.paper
    }

    /// The ESC/POS job for `request`, as it goes to the printer.
    pub fn job(&self, request: &PrintRequest) -> Result<PrintJob, PrintProblem> {
        let mut receipt = request
            .receipt
            .clone()
            .demo(self.demo || request.receipt.is_demo());
        let escpos = kiosk_receipt::encode(&receipt, self.paper)
            .map_err(|error| PrintProblem::Layout(error.to_string()));
        receipt.wipe();
        let escpos = escpos?;
        Ok(PrintJob {
            id: request.reference.clone(),
            escpos,
        })
    }

    /// Prints `request`; the printer's thread bounds every wait by its timeouts. The
    /// layout (several milliseconds of rasterising) runs on tokio's blocking pool, off the
    /// threads that carry the session's other work.
    pub async fn print(&self, request: PrintRequest) -> Result<(), PrintProblem> {
        let layout = self.clone();
        let job = tokio::task::spawn_blocking(move || layout.job(&request))
            .await
            .map_err(|error| PrintProblem::Layout(format!("layout stopped: {error}")))??;
        self.printer.print(job).await.map_err(PrintProblem::Printer)
    }
}
