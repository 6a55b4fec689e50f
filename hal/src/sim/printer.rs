//! A receipt printer that appends its ESC/POS bytes to a file.
//!
//! The demo renders that file (or a tool such as `escpos-tools` does) and the tests
//! compare it byte for byte. A control panel sets what the "printer" reports, so paper out,
//! an open cover or a printer that answers status queries late can be shown without
//! hardware.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::error::ErrorKind;
use crate::printer::{PrintJob, PrinterStatus, ReceiptPrinter};
use crate::self_test::{SelfTestReport, TestOutcome};

/// How long the self-test waits for a status answer: longer than a healthy serial printer
/// needs, short enough that a diagnostics page does not seem to hang.
const SELF_TEST_STATUS_TIMEOUT: Duration = Duration::from_secs(1);

/// Errors of this simulated device: the HAL's own [`DeviceError`](crate::DeviceError), a
/// kind and the message, as every backend reduces its errors to.
pub type SimulatedPrinterError = crate::DeviceError;

struct PanelState {
    status: PrinterStatus,
    status_delay: Duration,
    jobs_printed: u64,
}

#[derive(Clone)]
struct Shared(Arc<Mutex<PanelState>>);

impl Shared {
    fn lock(&self) -> MutexGuard<'_, PanelState> {
        // Every update is a single assignment, so a poisoned lock holds consistent state.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The printer half, used by the application through [`ReceiptPrinter`].
///
/// The file is opened again for every job rather than held open, so a file moved away or
/// deleted (by a test, or a technician collecting receipts) is recreated instead of
/// swallowing jobs into an unlinked inode, and the self-test checks what the next job will
/// actually meet.
#[derive(Debug)]
pub struct FilePrinter {
    path: PathBuf,
    panel: Shared,
}

/// The hand that loads paper, opens the cover and watches the jobs go out.
///
/// Cloned freely: the demo's control panel and a test can each hold one.
#[derive(Clone)]
pub struct FilePrinterPanel {
    shared: Shared,
}

impl FilePrinter {
    /// A ready printer writing to `path`, and the panel that drives it.
    ///
    /// The file is created now if missing, so a wrong path shows at start-up; its folder
    /// must already exist (a missing folder is [`ErrorKind::NotPresent`], like an unplugged
    /// printer), because creating folders would hide a typing mistake in the config.
    pub fn open(path: &Path) -> Result<(FilePrinter, FilePrinterPanel), SimulatedPrinterError> {
        open_for_append(path)?;
        let shared = Shared(Arc::new(Mutex::new(PanelState {
            status: PrinterStatus::Ready,
            status_delay: Duration::ZERO,
            jobs_printed: 0,
        })));
        let printer = FilePrinter {
            path: path.to_path_buf(),
            panel: shared.clone(),
        };
        Ok((printer, FilePrinterPanel { shared }))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn error(&self, kind: ErrorKind, detail: impl std::fmt::Display) -> SimulatedPrinterError {
        SimulatedPrinterError::new(kind, format!("{}: {detail}", self.path.display()))
    }
}

impl ReceiptPrinter for FilePrinter {
    type Error = SimulatedPrinterError;

    /// Answers after the panel's status delay, read when the query is sent; a delay longer
    /// than `timeout` waits the whole timeout and fails, as a serial printer that answers
    /// late does.
    fn status(&mut self, timeout: Duration) -> Result<PrinterStatus, Self::Error> {
        let (status, delay) = {
            let state = self.panel.lock();
            (state.status, state.status_delay)
        };
        if delay > timeout {
            std::thread::sleep(timeout);
            return Err(self.error(
                ErrorKind::Timeout,
                format_args!("no status answer within {timeout:?}"),
            ));
        }
        std::thread::sleep(delay);
        Ok(status)
    }

    /// Refuses by the printer's state at once, without the status delay: the delay models
    /// a late answer on the wire, not a printer that takes longer to run out of paper.
    /// The bytes are synced to disk before this returns, so a power cut after a job was
    /// reported printed cannot lose it.
    fn print(&mut self, job: &PrintJob) -> Result<(), Self::Error> {
        let status = self.panel.lock().status;
        let refusal = match status {
            PrinterStatus::PaperOut => Some(ErrorKind::PaperOut),
            PrinterStatus::CoverOpen => Some(ErrorKind::CoverOpen),
            PrinterStatus::Offline => Some(ErrorKind::NotPresent),
            _ if status.can_print() => None,
            // A state added later that cannot print: refuse rather than print into it.
            _ => Some(ErrorKind::Other),
        };
        if let Some(kind) = refusal {
            return Err(self.error(kind, format_args!("job {} not printed: {status}", job.id)));
        }
        let mut file = open_for_append(&self.path)?;
        file.write_all(&job.escpos)
            .and_then(|()| file.sync_data())
            .map_err(|error| {
                self.error(
                    ErrorKind::Other,
                    format_args!("job {} not written: {error}", job.id),
                )
            })?;
        self.panel.lock().jobs_printed += 1;
        tracing::debug!(job = %job.id, bytes = job.escpos.len(), "job printed to file");
        Ok(())
    }

    fn self_test(&mut self) -> SelfTestReport {
        let started = Instant::now();
        let (outcome, detail) = match self.status(SELF_TEST_STATUS_TIMEOUT) {
            Err(error) => (TestOutcome::Fail, error.to_string()),
            Ok(status) if !status.can_print() => {
                (TestOutcome::Fail, format!("printer reports {status}"))
            }
            Ok(status) => match open_for_append(&self.path) {
                Err(error) => (TestOutcome::Fail, error.to_string()),
                Ok(_) if status == PrinterStatus::Ready => (TestOutcome::Pass, "ready".to_owned()),
                Ok(_) => (
                    TestOutcome::Warn,
                    format!("printer reports {status}; change the roll soon"),
                ),
            },
        };
        SelfTestReport {
            device: "printer",
            backend: format!("file:{}", self.path.display()),
            outcome,
            detail,
            took: started.elapsed(),
        }
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("FilePrinterPanel")
            .field("status", &state.status)
            .field("status_delay", &state.status_delay)
            .field("jobs_printed", &state.jobs_printed)
            .finish()
    }
}

impl std::fmt::Debug for FilePrinterPanel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.shared.fmt(f)
    }
}

impl FilePrinterPanel {
    /// What the printer reports from now on, and whether it accepts jobs.
    pub fn set_status(&self, status: PrinterStatus) {
        self.shared.lock().status = status;
    }

    /// How long the printer takes to answer a status query, to model a serial printer
    /// that is busy or half-dead.
    pub fn set_status_delay(&self, delay: Duration) {
        self.shared.lock().status_delay = delay;
    }

    /// Jobs written to the file since the printer was opened.
    pub fn jobs_printed(&self) -> u64 {
        self.shared.lock().jobs_printed
    }
}

fn open_for_append(path: &Path) -> Result<File, SimulatedPrinterError> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|error| {
            let kind = match error.kind() {
                std::io::ErrorKind::NotFound => ErrorKind::NotPresent,
                _ => ErrorKind::Other,
            };
            SimulatedPrinterError::new(
                kind,
                format!("cannot open {} for appending: {error}", path.display()),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: &str, escpos: &[u8]) -> PrintJob {
        PrintJob {
            id: id.to_owned(),
            escpos: escpos.to_vec(),
        }
    }

    fn printer_in(dir: &tempfile::TempDir) -> (FilePrinter, FilePrinterPanel, PathBuf) {
        let path = dir.path().join("receipts.escpos");
        let (printer, panel) = FilePrinter::open(&path).expect("open printer");
        (printer, panel, path)
    }

    #[test]
    fn jobs_are_appended_byte_for_byte() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut printer, panel, path) = printer_in(&dir);
        // ESC @ (initialise), text, GS V 0 (cut); then a job with every byte value.
        let first = job("receipt-1", b"\x1b@Xin chao\n\x1dV\x00");
        let all_bytes: Vec<u8> = (0..=255).collect();
        let second = job("receipt-2", &all_bytes);
        printer.print(&first).expect("first job");
        printer.print(&second).expect("second job");
        let written = std::fs::read(&path).expect("read output");
        assert_eq!(written, [first.escpos, second.escpos].concat());
        assert_eq!(panel.jobs_printed(), 2);
    }

    #[test]
    fn a_printer_that_cannot_print_refuses_and_writes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut printer, panel, path) = printer_in(&dir);
        for (status, kind) in [
            (PrinterStatus::PaperOut, ErrorKind::PaperOut),
            (PrinterStatus::CoverOpen, ErrorKind::CoverOpen),
            (PrinterStatus::Offline, ErrorKind::NotPresent),
        ] {
            panel.set_status(status);
            let error = printer
                .print(&job("ticket", b"A-042"))
                .expect_err("refused");
            assert_eq!(error.kind(), kind, "{status}");
        }
        assert_eq!(std::fs::read(&path).expect("read output"), b"");
        assert_eq!(panel.jobs_printed(), 0);
        panel.set_status(PrinterStatus::PaperNearEnd);
        printer
            .print(&job("ticket", b"A-042"))
            .expect("near end still prints");
        assert_eq!(panel.jobs_printed(), 1);
    }

    #[test]
    fn a_late_status_answer_times_out() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut printer, panel, _) = printer_in(&dir);
        panel.set_status(PrinterStatus::PaperNearEnd);
        assert_eq!(
            printer.status(Duration::from_millis(10)).expect("prompt"),
            PrinterStatus::PaperNearEnd
        );
        panel.set_status_delay(Duration::from_millis(200));
        let error = printer
            .status(Duration::from_millis(10))
            .expect_err("answer comes too late");
        assert_eq!(error.kind(), ErrorKind::Timeout);
        assert_eq!(
            printer
                .status(Duration::from_secs(5))
                .expect("waits long enough"),
            PrinterStatus::PaperNearEnd
        );
    }

    #[test]
    fn a_missing_folder_is_not_present_and_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("no-such-folder").join("receipts.escpos");
        let error = FilePrinter::open(&path).expect_err("missing folder");
        assert_eq!(error.kind(), ErrorKind::NotPresent);
        assert!(error.message().contains("no-such-folder"), "{error}");
    }

    #[test]
    fn self_test_reports_each_state() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut printer, panel, path) = printer_in(&dir);
        let report = printer.self_test();
        assert_eq!(report.outcome, TestOutcome::Pass);
        assert_eq!(report.device, "printer");
        assert_eq!(report.backend, format!("file:{}", path.display()));

        panel.set_status(PrinterStatus::PaperNearEnd);
        assert_eq!(printer.self_test().outcome, TestOutcome::Warn);
        for status in [
            PrinterStatus::PaperOut,
            PrinterStatus::CoverOpen,
            PrinterStatus::Offline,
        ] {
            panel.set_status(status);
            let report = printer.self_test();
            assert_eq!(report.outcome, TestOutcome::Fail, "{status}");
            assert!(
                report.detail.contains(&status.to_string()),
                "{}",
                report.detail
            );
        }

        panel.set_status(PrinterStatus::Ready);
        std::fs::remove_file(&path).expect("remove output");
        std::fs::create_dir(&path).expect("a folder where the file was");
        let report = printer.self_test();
        assert_eq!(report.outcome, TestOutcome::Fail);
        assert!(
            report.detail.contains("receipts.escpos"),
            "{}",
            report.detail
        );
    }

    #[test]
    fn self_test_fails_when_the_status_never_comes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut printer, panel, _) = printer_in(&dir);
        panel.set_status_delay(Duration::from_secs(60));
        let report = printer.self_test();
        assert_eq!(report.outcome, TestOutcome::Fail);
        assert!(report.detail.contains("timed out"), "{}", report.detail);
    }
}
