//! The printer's thread: status queries and print jobs on a serial line can block for
//! seconds, so they never run on the screen's or the network's threads.

use std::time::Duration;

use kiosk_hal::{DeviceError, ErrorKind, PrintJob, PrinterStatus, ReceiptPrinter, SelfTestReport};
use tokio::sync::oneshot;

enum Request {
    Status {
        timeout: Duration,
        reply: oneshot::Sender<Result<PrinterStatus, DeviceError>>,
    },
    Print {
        job: PrintJob,
        reply: oneshot::Sender<Result<(), DeviceError>>,
    },
    SelfTest {
        reply: oneshot::Sender<SelfTestReport>,
    },
}

/// Sends requests to the printer thread.
#[derive(Clone)]
pub struct PrinterHandle {
    requests: crossbeam_channel::Sender<Request>,
}

/// Starts `printer` on its own thread; it ends when every handle is gone.
pub fn spawn_printer<P: ReceiptPrinter + 'static>(
    mut printer: P,
) -> std::io::Result<PrinterHandle> {
    let (requests, incoming) = crossbeam_channel::unbounded::<Request>();
    std::thread::Builder::new()
        .name("printer".into())
        .spawn(move || {
            for request in incoming {
                // An asker that gave up has dropped its receiver; that is not an error here.
                match request {
                    Request::Status { timeout, reply } => {
                        let status = printer
                            .status(timeout)
                            .map_err(|error| DeviceError::from_backend(&error));
                        let _ = reply.send(status);
                    }
                    Request::Print { job, reply } => {
                        let printed = printer
                            .print(&job)
                            .map_err(|error| DeviceError::from_backend(&error));
                        let _ = reply.send(printed);
                    }
                    Request::SelfTest { reply } => {
                        let _ = reply.send(printer.self_test());
                    }
                }
            }
        })?;
    Ok(PrinterHandle { requests })
}

impl PrinterHandle {
    /// Asks how the printer is, waiting at most `timeout` for its answer.
    pub async fn status(&self, timeout: Duration) -> Result<PrinterStatus, DeviceError> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(Request::Status { timeout, reply })
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// Prints `job`; on failure the caller still has the job to keep for a reprint.
    pub async fn print(&self, job: PrintJob) -> Result<(), DeviceError> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(Request::Print { job, reply })
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// Runs the printer's self-test; `None` if the thread did not answer within `timeout`.
    pub async fn self_test(&self, timeout: Duration) -> Option<SelfTestReport> {
        let (reply, answer) = oneshot::channel();
        self.requests.send(Request::SelfTest { reply }).ok()?;
        tokio::time::timeout(timeout, answer).await.ok()?.ok()
    }
}

fn gone() -> DeviceError {
    DeviceError::new(ErrorKind::Disconnected, "the printer thread has stopped")
}
