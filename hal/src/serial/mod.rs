//! The real receipt printer: an ESC/POS thermal printer on a serial line (a USB-serial
//! adapter or an on-board UART), through the `serialport` crate.
//!
//! # Status
//!
//! [`ReceiptPrinter::status`] asks the printer with the real-time queries `DLE EOT 1` (is it
//! online), `DLE EOT 4` (the roll paper sensors) and, when it is offline, `DLE EOT 2` (why)
//! and `DLE EOT 3` (which error): one query at a time, each answer awaited before the next
//! is sent, all within the one timeout (the `status` module has the bits). Stale input is
//! read away first, so an old answer cannot pass for a new one.
//!
//! # A job
//!
//! [`ReceiptPrinter::print`] asks the status **before** the job, and a printer that cannot
//! print refuses it at once with the matching kind, nothing of the job sent. It then writes
//! the job in chunks, each write bounded by the write timeout, and sends `GS r 1`. That
//! command is executed in turn, after the whole job, so its answer says the job has been
//! processed; real-time `DLE EOT` answers can arrive meanwhile (a printer answers the three
//! bytes wherever they occur, inside raster image data too) and are told apart by their fixed
//! bits and skipped. The wait for the answer grows with the job (see [`confirmation_wait`]).
//! Last comes the status **after** the job. Paper that ran out or a cover opened during the
//! job, or a job the printer never confirmed, fail the job with a message saying it may be
//! incomplete ([`SerialPrinterError::MaybeIncomplete`]), so the caller prints it again; a
//! duplicate receipt is better than none.
//!
//! # Bounded waits
//!
//! No call blocks past its timeouts: every read and write polls the port with the time left.
//! A write is in chunks of [`WRITE_CHUNK`] bytes because the blocking `write()` after the
//! poll waits until the driver took the whole chunk: a UART or USB-serial driver reports
//! itself writable when fewer than 256 bytes (the tty layer's `WAKEUP_CHARS`) sit in its
//! 4 KiB transmit buffer, so a chunk this size always fits at once. The port is never
//! flushed (`tcdrain` has no timeout, and waits for ever while flow control holds the line).
//!
//! A port that fails under a call (the adapter unplugged) is closed; the next call opens it
//! again, so a printer plugged back in is picked up without restarting the kiosk.
//!
//! # Flow control on a pseudo-terminal
//!
//! The fake printer of [`sim::PtyPrinter`](crate::sim::PtyPrinter) is a pseudo-terminal,
//! which has no RTS/CTS lines but honours XON/XOFF: with software flow control, its XOFF
//! stops the kiosk's writes as a real printer's does. One difference: a stopped
//! pseudo-terminal takes no bytes at all, where a UART's transmit buffer still has the room
//! the poll promised, so on a pseudo-terminal an XOFF landing between the poll and the
//! `write()` blocks that write until XON. On a real port the room after the poll can only
//! shrink by the kiosk's own writes.

mod error;
mod line;
pub(crate) mod status;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serialport::{ClearBuffer, DataBits, Parity, SerialPort, StopBits};

use crate::error::Error as _;
use crate::printer::{PrintJob, PrinterStatus, ReceiptPrinter};
use crate::self_test::{SelfTestReport, TestOutcome};

pub use error::SerialPrinterError;
use line::{Line, deadline_after};
use status::{RealTimeStatus, TRANSMIT_PAPER_SENSOR_STATUS};

/// Bytes per write; see the module docs for why it may not be larger.
pub const WRITE_CHUNK: usize = 512;

/// Bits on the line per byte at 8N1: a start bit, eight data bits and a stop bit.
const BITS_PER_BYTE: u64 = 10;

/// How fast the slowest thermal printer we expect prints raster data, in bytes a second:
/// an 80 mm head is 72 bytes a dot line at 8 lines a millimetre, and a hot head slows to
/// about 35 mm/s. Text prints faster for its bytes; this is the bound for images.
const SLOWEST_PRINT_RATE: u64 = 20_000;

/// How the printer holds the kiosk back when its buffer fills; it must match the printer's
/// own setting (most print it on their self-test page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FlowControl {
    #[default]
    None,
    /// The RTS/CTS lines.
    Hardware,
    /// XON/XOFF characters from the printer.
    Software,
}

/// What the configuration says about the printer's line. The line is always 8N1, what
/// ESC/POS printers use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialPrinterSettings {
    /// The serial device, e.g. `/dev/ttyUSB0` or a udev link such as `/dev/kiosk-printer`.
    pub device: PathBuf,
    pub baud: u32,
    pub flow_control: FlowControl,
    /// How long one write may make no progress (flow control holding the line) before the
    /// job fails.
    pub write_timeout: Duration,
    /// How long [`print`](ReceiptPrinter::print) waits for the status answers before and
    /// after a job, and the self-test for its status.
    pub status_timeout: Duration,
    /// How long the printer may take, beyond the time the job needs on the line and in the
    /// print head, to confirm a job: feeding, cutting, a printer waking from power saving.
    pub print_allowance: Duration,
}

impl SerialPrinterSettings {
    pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(5);
    pub const DEFAULT_STATUS_TIMEOUT: Duration = Duration::from_secs(1);
    pub const DEFAULT_PRINT_ALLOWANCE: Duration = Duration::from_secs(5);

    /// Settings for `device` at `baud`, without flow control and with the default timeouts.
    pub fn new(device: impl Into<PathBuf>, baud: u32) -> Self {
        Self {
            device: device.into(),
            baud,
            flow_control: FlowControl::None,
            write_timeout: Self::DEFAULT_WRITE_TIMEOUT,
            status_timeout: Self::DEFAULT_STATUS_TIMEOUT,
            print_allowance: Self::DEFAULT_PRINT_ALLOWANCE,
        }
    }
}

/// How long to wait for the `GS r 1` answer once the job and the query have been handed to
/// the port: the time all of it needs on the line at `baud` (counted in full, although much
/// of it has gone out while the job was being written: the driver's and the printer's
/// buffers can hold a good part of a receipt), the time the head needs to print it at the
/// slowest expected rate, and the allowance.
pub fn confirmation_wait(job_len: usize, baud: u32, print_allowance: Duration) -> Duration {
    let bytes = u64::try_from(job_len)
        .unwrap_or(u64::MAX)
        .saturating_add(TRANSMIT_PAPER_SENSOR_STATUS.len() as u64);
    let on_the_line = Duration::from_micros(
        bytes
            .saturating_mul(BITS_PER_BYTE)
            .saturating_mul(1_000_000)
            / u64::from(baud.max(1)),
    );
    let in_the_head = Duration::from_micros(bytes.saturating_mul(1_000_000) / SLOWEST_PRINT_RATE);
    on_the_line
        .saturating_add(in_the_head)
        .saturating_add(print_allowance)
}

/// An ESC/POS printer on a serial port (see the module docs).
pub struct SerialPrinter {
    settings: SerialPrinterSettings,
    /// The configured path as shown in messages.
    device: String,
    /// `None` after the port failed under a call; opened again by the next one.
    port: Option<Box<dyn SerialPort>>,
    /// A `GS r 1` went unanswered, so its answer may still come and must not pass for a
    /// status answer.
    late_confirmation_possible: bool,
}

impl std::fmt::Debug for SerialPrinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SerialPrinter")
            .field("settings", &self.settings)
            .field("open", &self.port.is_some())
            .finish_non_exhaustive()
    }
}

impl SerialPrinter {
    /// Opens the port now, so a wrong path or a missing adapter shows at start-up:
    /// [`ErrorKind::NotPresent`](crate::ErrorKind::NotPresent) when nothing is at the path,
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a path that is no
    /// serial port or settings that describe no line,
    /// [`ErrorKind::Busy`](crate::ErrorKind::Busy) when another program holds it, and
    /// [`ErrorKind::Other`](crate::ErrorKind::Other) for a permission problem (the message
    /// says what to check). The printer itself need not be on.
    pub fn open(settings: SerialPrinterSettings) -> Result<SerialPrinter, SerialPrinterError> {
        let invalid = |detail: &str| SerialPrinterError::InvalidSettings {
            detail: detail.to_owned(),
        };
        if settings.baud == 0 {
            return Err(invalid("the baud rate must be at least 1"));
        }
        if settings.write_timeout.is_zero() || settings.status_timeout.is_zero() {
            return Err(invalid(
                "the write and status timeouts must be longer than 0",
            ));
        }
        let mut printer = SerialPrinter {
            device: settings.device.display().to_string(),
            settings,
            port: None,
            late_confirmation_possible: false,
        };
        printer.line()?;
        Ok(printer)
    }

    pub fn settings(&self) -> &SerialPrinterSettings {
        &self.settings
    }

    /// The port, opened first if needed.
    fn line(&mut self) -> Result<Line<'_>, SerialPrinterError> {
        let port = match &mut self.port {
            Some(port) => port,
            slot => {
                let opened = open_port(&self.settings)?;
                tracing::info!(device = %self.device, baud = self.settings.baud, "printer port open");
                // A reopened printer has lost whatever it held; no old answer is on its way.
                self.late_confirmation_possible = false;
                slot.insert(opened)
            }
        };
        Ok(Line {
            port: port.as_mut(),
            device: &self.device,
            settings: &self.settings,
            late_confirmation_possible: &mut self.late_confirmation_possible,
        })
    }

    /// Closes a port that has gone away, so the next call opens it again.
    fn forget_port_if_gone<T>(
        &mut self,
        result: Result<T, SerialPrinterError>,
    ) -> Result<T, SerialPrinterError> {
        if let Err(error) = &result
            && error.kind() == crate::ErrorKind::Disconnected
        {
            tracing::warn!(device = %self.device, %error, "printer port lost");
            self.port = None;
        }
        result
    }

    fn read_status(&mut self, timeout: Duration) -> Result<RealTimeStatus, SerialPrinterError> {
        let result = self.line().and_then(|mut line| line.query_status(timeout));
        self.forget_port_if_gone(result)
    }

    fn print_job(&mut self, job: &PrintJob) -> Result<(), SerialPrinterError> {
        let started = Instant::now();
        let status_timeout = self.settings.status_timeout;
        let wait = confirmation_wait(
            job.escpos.len(),
            self.settings.baud,
            self.settings.print_allowance,
        );
        let mut line = self.line().map_err(|error| error.not_sent(&job.id))?;

        let before = line
            .query_status(status_timeout)
            .map_err(|error| error.not_sent(&job.id))?;
        let status = before.printer_status();
        if !status.can_print() {
            return Err(line.status_error(&before).not_sent(&job.id));
        }
        if status == PrinterStatus::PaperNearEnd {
            tracing::warn!(device = %line.device, job = %job.id, "printing with the paper near its end");
        }

        let incomplete = |error: SerialPrinterError| error.maybe_incomplete(&job.id);
        line.send(&job.escpos, "the job").map_err(incomplete)?;
        line.send(
            &TRANSMIT_PAPER_SENSOR_STATUS,
            "the job's confirmation query (GS r 1)",
        )
        .map_err(incomplete)?;
        let confirmed = line
            .await_confirmation(deadline_after(wait))
            .map_err(incomplete)?;

        // Asked even when the job went unconfirmed: paper out or an open cover is the
        // better news for the caller than a timeout.
        let after = line.query_status(status_timeout).map_err(incomplete)?;
        if !after.printer_status().can_print() {
            return Err(incomplete(line.status_error(&after)));
        }
        if !confirmed {
            return Err(incomplete(SerialPrinterError::Unconfirmed {
                device: line.device.to_owned(),
                waited: wait,
            }));
        }
        tracing::info!(
            device = %line.device,
            job = %job.id,
            bytes = job.escpos.len(),
            took = ?started.elapsed(),
            "job printed"
        );
        Ok(())
    }
}

impl ReceiptPrinter for SerialPrinter {
    type Error = SerialPrinterError;

    /// Waits at most `timeout` in all: for the queries to go out (flow control may hold
    /// them back) and for every answer.
    fn status(&mut self, timeout: Duration) -> Result<PrinterStatus, Self::Error> {
        self.read_status(timeout)
            .map(|status| status.printer_status())
    }

    fn print(&mut self, job: &PrintJob) -> Result<(), Self::Error> {
        let result = self.print_job(job);
        self.forget_port_if_gone(result)
    }

    fn self_test(&mut self) -> SelfTestReport {
        let started = Instant::now();
        let (outcome, detail) = match self.read_status(self.settings.status_timeout) {
            Err(error) => (
                TestOutcome::Fail,
                format!("{}: {error}", error.kind().code()),
            ),
            Ok(status) => {
                let shared = status.printer_status();
                match shared {
                    PrinterStatus::Ready => (TestOutcome::Pass, "ready".to_owned()),
                    PrinterStatus::PaperNearEnd => (
                        TestOutcome::Warn,
                        format!("printer reports {shared}; change the roll soon"),
                    ),
                    PrinterStatus::PaperOut => (
                        TestOutcome::Fail,
                        format!("printer reports {shared}; load a new roll"),
                    ),
                    PrinterStatus::CoverOpen => (
                        TestOutcome::Fail,
                        format!("printer reports {shared}; close the cover"),
                    ),
                    _ => (
                        TestOutcome::Fail,
                        format!(
                            "printer reports {shared} ({}); check its error light, clear any paper jam, switch it off and on",
                            status
                                .detail()
                                .unwrap_or_else(|| "no cause given".to_owned())
                        ),
                    ),
                }
            }
        };
        SelfTestReport {
            device: "printer",
            backend: format!("serial:{}@{}", self.device, self.settings.baud),
            outcome,
            detail,
            took: started.elapsed(),
        }
    }
}

fn open_port(settings: &SerialPrinterSettings) -> Result<Box<dyn SerialPort>, SerialPrinterError> {
    let path = settings
        .device
        .to_str()
        .ok_or_else(|| SerialPrinterError::InvalidSettings {
            detail: format!(
                "the device path {} is not valid UTF-8",
                settings.device.display()
            ),
        })?;
    let flow_control = match settings.flow_control {
        FlowControl::None => serialport::FlowControl::None,
        FlowControl::Hardware => serialport::FlowControl::Hardware,
        FlowControl::Software => serialport::FlowControl::Software,
    };
    let port = serialport::new(path, settings.baud)
        .data_bits(DataBits::Eight)
        .parity(Parity::None)
        .stop_bits(StopBits::One)
        .flow_control(flow_control)
        .timeout(settings.status_timeout)
        .open()
        .map_err(|error| error::open_error(&settings.device, &error))?;
    // Bytes that arrived before the line settings took effect are garbled (serialport's
    // `TTYPort::open` docs); nothing the printer sent before now is an answer.
    port.clear(ClearBuffer::Input)
        .map_err(|error| error::open_error(&settings.device, &error))?;
    Ok(port)
}

#[cfg(test)]
mod tests;
