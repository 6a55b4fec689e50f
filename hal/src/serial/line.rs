//! The open port: writes bounded by a timeout, reads bounded by a deadline, and the status
//! queries and the wait for a job's confirmation built on them.

use std::io;
use std::time::{Duration, Instant};

use serialport::SerialPort;

use super::error::{self, SerialPrinterError};
use super::status::{self, Answer, RealTimeQuery, RealTimeStatus};
use super::{SerialPrinterSettings, WRITE_CHUNK};

/// The most stale input read away before a status query: far more than any number of
/// late answers, a few milliseconds of a babbling line.
const STALE_INPUT_LIMIT: usize = 4096;

/// An open port and what the calls on it need.
pub(super) struct Line<'a> {
    pub port: &'a mut dyn SerialPort,
    pub device: &'a str,
    pub settings: &'a SerialPrinterSettings,
    pub late_confirmation_possible: &'a mut bool,
}

impl Line<'_> {
    /// Asks the real-time queries a status needs, one after the other, all within `timeout`.
    pub(super) fn query_status(
        &mut self,
        timeout: Duration,
    ) -> Result<RealTimeStatus, SerialPrinterError> {
        let deadline = deadline_after(timeout);
        self.discard_stale_input()?;
        let mut status = RealTimeStatus::default();
        for query in [RealTimeQuery::PrinterStatus, RealTimeQuery::RollPaperSensor] {
            self.ask(query, deadline, timeout, &mut status)?;
        }
        if status.offline {
            self.ask(RealTimeQuery::OfflineCause, deadline, timeout, &mut status)?;
            if status.error {
                self.ask(RealTimeQuery::ErrorCause, deadline, timeout, &mut status)?;
            }
        }
        Ok(status)
    }

    fn ask(
        &mut self,
        query: RealTimeQuery,
        deadline: Instant,
        waited: Duration,
        status: &mut RealTimeStatus,
    ) -> Result<(), SerialPrinterError> {
        let send_limit = self.settings.write_timeout.min(remaining(deadline));
        self.write_all(&query.bytes(), query.name(), send_limit)?;
        loop {
            let Some(byte) = self.read_byte(deadline, "waiting for a status answer")? else {
                return Err(SerialPrinterError::NoAnswer {
                    device: self.device.to_owned(),
                    query: query.name(),
                    waited,
                    baud: self.settings.baud,
                });
            };
            let not_a_status = || SerialPrinterError::NotAStatus {
                device: self.device.to_owned(),
                query: query.name(),
                byte,
                baud: self.settings.baud,
            };
            match status::classify(byte) {
                Answer::PaperSensor(_) if *self.late_confirmation_possible => {
                    tracing::debug!(device = %self.device, "late GS r answer skipped");
                    *self.late_confirmation_possible = false;
                }
                Answer::RealTime(answer) => {
                    return status.record(query, answer).map_err(|_| not_a_status());
                }
                Answer::PaperSensor(_) | Answer::NotAStatus(_) => return Err(not_a_status()),
            }
        }
    }

    /// Reads away what the printer sent before now (late or stray answers), so it cannot
    /// pass for the answer to the next query.
    ///
    /// Read rather than flushed (`tcflush`): a flush also drops bytes the line discipline
    /// has not looked at yet, and with software flow control one of them can be the XOFF
    /// that should stop the kiosk's next write.
    fn discard_stale_input(&mut self) -> Result<(), SerialPrinterError> {
        let operation = "reading away stale input";
        let mut stale = [0u8; 64];
        let mut discarded = 0usize;
        // Bounded, so a device that never stops talking cannot keep the kiosk here; what
        // is left then fails the status query as not a status.
        while discarded < STALE_INPUT_LIMIT {
            self.port
                .set_timeout(Duration::ZERO)
                .map_err(|error| error::disconnected(self.device, operation, &error.into()))?;
            match self.port.read(&mut stale) {
                Ok(0) => {
                    let hung_up =
                        io::Error::new(io::ErrorKind::UnexpectedEof, "the port was hung up");
                    return Err(error::disconnected(self.device, operation, &hung_up));
                }
                Ok(count) => discarded += count,
                Err(error)
                    if matches!(
                        error.kind(),
                        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                    ) =>
                {
                    break;
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error::disconnected(self.device, operation, &error)),
            }
        }
        if discarded > 0 {
            tracing::debug!(device = %self.device, discarded, "stale bytes from the printer read away");
        }
        Ok(())
    }

    /// Waits for the `GS r 1` answer until `deadline`; `false` if none came.
    pub(super) fn await_confirmation(
        &mut self,
        deadline: Instant,
    ) -> Result<bool, SerialPrinterError> {
        let mut strays = 0u64;
        let mut noise = 0u64;
        let confirmed = loop {
            match self.read_byte(deadline, "waiting for the job's confirmation")? {
                None => break false,
                Some(byte) => match status::classify(byte) {
                    Answer::PaperSensor(_) => break true,
                    // Answers to DLE EOT sequences inside the job's data.
                    Answer::RealTime(_) => strays += 1,
                    Answer::NotAStatus(_) => noise += 1,
                },
            }
        };
        if strays > 0 || noise > 0 {
            tracing::debug!(device = %self.device, strays, noise, "bytes skipped while waiting for GS r");
        }
        *self.late_confirmation_possible = !confirmed;
        Ok(confirmed)
    }

    pub(super) fn send(
        &mut self,
        bytes: &[u8],
        what: &'static str,
    ) -> Result<(), SerialPrinterError> {
        for chunk in bytes.chunks(WRITE_CHUNK) {
            self.write_all(chunk, what, self.settings.write_timeout)?;
        }
        Ok(())
    }

    /// Writes all of `bytes`, each write allowed `limit` to make progress.
    fn write_all(
        &mut self,
        bytes: &[u8],
        what: &'static str,
        limit: Duration,
    ) -> Result<(), SerialPrinterError> {
        let mut rest = bytes;
        while !rest.is_empty() {
            let timed_out = || SerialPrinterError::WriteTimeout {
                device: self.device.to_owned(),
                what,
                waited: limit,
            };
            if limit.is_zero() {
                return Err(timed_out());
            }
            self.port
                .set_timeout(limit)
                .map_err(|error| error::disconnected(self.device, "sending", &error.into()))?;
            match self.port.write(rest) {
                Ok(0) => {
                    let closed = io::Error::new(io::ErrorKind::WriteZero, "the port took no bytes");
                    return Err(error::disconnected(self.device, "sending", &closed));
                }
                Ok(written) => rest = rest.get(written..).unwrap_or_default(),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error)
                    if matches!(
                        error.kind(),
                        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                    ) =>
                {
                    return Err(timed_out());
                }
                Err(error) => return Err(error::disconnected(self.device, "sending", &error)),
            }
        }
        Ok(())
    }

    /// One byte from the printer, or `None` when none came by `deadline`.
    fn read_byte(
        &mut self,
        deadline: Instant,
        operation: &'static str,
    ) -> Result<Option<u8>, SerialPrinterError> {
        let mut byte = [0u8; 1];
        loop {
            let left = remaining(deadline);
            if left.is_zero() {
                return Ok(None);
            }
            self.port
                .set_timeout(left)
                .map_err(|error| error::disconnected(self.device, operation, &error.into()))?;
            match self.port.read(&mut byte) {
                Ok(0) => {
                    // End of file on a terminal: it has been hung up.
                    let hung_up =
                        io::Error::new(io::ErrorKind::UnexpectedEof, "the port was hung up");
                    return Err(error::disconnected(self.device, operation, &hung_up));
                }
                Ok(_) => return Ok(Some(byte[0])),
                Err(error)
                    if matches!(
                        error.kind(),
                        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                    ) => {}
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error::disconnected(self.device, operation, &error)),
            }
        }
    }

    pub(super) fn status_error(&self, status: &RealTimeStatus) -> SerialPrinterError {
        SerialPrinterError::Status {
            device: self.device.to_owned(),
            status: status.printer_status(),
            detail: status.detail(),
        }
    }
}

/// `timeout` from now; a timeout too long for the clock waits a day, which is for ever to a
/// kiosk, instead of overflowing.
pub(super) fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .or_else(|| now.checked_add(Duration::from_secs(24 * 60 * 60)))
        .unwrap_or(now)
}

fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}
