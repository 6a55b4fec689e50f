//! The two ESC/POS status commands the serial printer uses, and what their answer bytes mean.
//!
//! From Epson's ESC/POS Command Reference:
//!
//! - `DLE EOT n`, *transmit real-time status* (n = 1 printer, 2 offline cause, 3 error
//!   cause, 4 roll paper sensor). The printer executes it as soon as it receives it, even
//!   while its buffer is full, it is offline, or the three bytes happen to lie inside the
//!   data of another command such as a raster image. It answers one byte with the fixed
//!   bits `0xx1xx10`.
//! - `GS r 1`, *transmit paper sensor status*. An ordinary command: the printer executes
//!   it in turn, after everything received before it, and only while it can print. So its
//!   answer says that the job ahead of it has been processed. Its byte has bits 4 and 7
//!   fixed at 0, which tells it apart from any `DLE EOT` answer (bit 4 fixed at 1).
//!
//! The bits of a `DLE EOT` answer are decoded by the `escpos` crate's
//! [`RealTimeStatusResponse::parse`], which also checks the fixed bits.

use std::fmt;

use escpos::utils::{DLE, EOT, GS, RealTimeStatusRequest, RealTimeStatusResponse};

use crate::printer::PrinterStatus;

/// `GS r 1`: transmit paper sensor status, executed in turn after the job before it.
pub(crate) const TRANSMIT_PAPER_SENSOR_STATUS: [u8; 3] = [GS, b'r', 1];

/// Bits 0, 1, 4 and 7 of a `DLE EOT` answer, fixed at 0, 1, 1 and 0.
const REAL_TIME_FIXED_MASK: u8 = 0b1001_0011;
const REAL_TIME_FIXED_BITS: u8 = 0b0001_0010;
/// Bits 4 and 7 of a `GS r 1` answer, both fixed at 0.
const PAPER_SENSOR_FIXED_MASK: u8 = 0b1001_0000;

/// One `DLE EOT n` query, n = 1..4.
///
/// The query bytes are written here rather than with escpos's `Printer::real_time_status`:
/// that emits four bytes, `DLE EOT n 0`, the form of `DLE EOT 7/8/18 a` whose extra byte
/// selects a sub-status. For n = 1..4 the command is three bytes and that 0 would reach the
/// printer as a stray NUL in the print data, where it is taken as data or as the parameter
/// of whatever command comes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RealTimeQuery {
    PrinterStatus,
    OfflineCause,
    ErrorCause,
    RollPaperSensor,
}

impl RealTimeQuery {
    fn parameter(self) -> u8 {
        match self {
            RealTimeQuery::PrinterStatus => 1,
            RealTimeQuery::OfflineCause => 2,
            RealTimeQuery::ErrorCause => 3,
            RealTimeQuery::RollPaperSensor => 4,
        }
    }

    pub(crate) fn bytes(self) -> [u8; 3] {
        [DLE, EOT, self.parameter()]
    }

    /// The query as a technician finds it in the printer's manual.
    pub(crate) fn name(self) -> &'static str {
        match self {
            RealTimeQuery::PrinterStatus => "DLE EOT 1 (printer status)",
            RealTimeQuery::OfflineCause => "DLE EOT 2 (offline cause)",
            RealTimeQuery::ErrorCause => "DLE EOT 3 (error cause)",
            RealTimeQuery::RollPaperSensor => "DLE EOT 4 (roll paper sensor)",
        }
    }

    fn request(self) -> RealTimeStatusRequest {
        match self {
            RealTimeQuery::PrinterStatus => RealTimeStatusRequest::Printer,
            RealTimeQuery::OfflineCause => RealTimeStatusRequest::OfflineCause,
            RealTimeQuery::ErrorCause => RealTimeStatusRequest::ErrorCause,
            RealTimeQuery::RollPaperSensor => RealTimeStatusRequest::RollPaperSensor,
        }
    }
}

/// What a byte from the printer can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// Has the fixed bits of a `DLE EOT` answer.
    RealTime(u8),
    /// Has the fixed bits of a `GS r 1` answer.
    PaperSensor(u8),
    /// Neither: line noise, a wrong baud rate, or not an ESC/POS printer.
    NotAStatus(u8),
}

pub(crate) fn classify(byte: u8) -> Answer {
    if byte & REAL_TIME_FIXED_MASK == REAL_TIME_FIXED_BITS {
        Answer::RealTime(byte)
    } else if byte & PAPER_SENSOR_FIXED_MASK == 0 {
        Answer::PaperSensor(byte)
    } else {
        Answer::NotAStatus(byte)
    }
}

/// A `DLE EOT` answer that escpos refused (its fixed bits are wrong).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotAStatus(pub u8);

/// Why the printer is offline, from `DLE EOT 3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct ErrorCause {
    pub recoverable: bool,
    pub autocutter: bool,
    pub unrecoverable: bool,
    /// The head or the motor overheated; the printer recovers by itself when cool.
    pub auto_recoverable: bool,
}

impl fmt::Display for ErrorCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let causes: Vec<&str> = [
            (self.autocutter, "autocutter error"),
            (self.unrecoverable, "unrecoverable error"),
            (self.auto_recoverable, "print head or motor overheated"),
            (self.recoverable, "recoverable error"),
        ]
        .into_iter()
        .filter_map(|(set, text)| set.then_some(text))
        .collect();
        if causes.is_empty() {
            f.write_str("error of unknown cause")
        } else {
            f.write_str(&causes.join(", "))
        }
    }
}

/// What the `DLE EOT` answers say, gathered from the queries asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct RealTimeStatus {
    pub offline: bool,
    pub cover_open: bool,
    pub stopped_by_paper_end: bool,
    pub error: bool,
    /// Known when `error` was set and `DLE EOT 3` asked.
    pub error_cause: Option<ErrorCause>,
    pub paper_near_end: bool,
    pub paper_end: bool,
}

impl RealTimeStatus {
    /// Folds in the answer to `query`; an answer without the fixed bits is refused.
    pub(crate) fn record(&mut self, query: RealTimeQuery, answer: u8) -> Result<(), NotAStatus> {
        use RealTimeStatusResponse as R;
        let flags = RealTimeStatusResponse::parse(query.request(), answer)
            .map_err(|_| NotAStatus(answer))?;
        let flag = |key: R| flags.get(&key).copied().unwrap_or(false);
        match query {
            RealTimeQuery::PrinterStatus => self.offline = !flag(R::Online),
            RealTimeQuery::OfflineCause => {
                self.cover_open = !flag(R::CoverClosed);
                self.stopped_by_paper_end = flag(R::PrintingStopsDueToPaperEnd);
                self.error = flag(R::ErrorOccurred);
            }
            RealTimeQuery::ErrorCause => {
                self.error_cause = Some(ErrorCause {
                    recoverable: flag(R::RecoverableErrorOccurred),
                    autocutter: flag(R::AutocutterErrorOccurred),
                    unrecoverable: flag(R::UnrecoverableErrorOccurred),
                    auto_recoverable: flag(R::AutoRecoverableErrorOccurred),
                });
            }
            RealTimeQuery::RollPaperSensor => {
                self.paper_near_end = !flag(R::RollPaperNearEndSensorPaperAdequate);
                self.paper_end = !flag(R::RollPaperEndSensorPaperPresent);
            }
        }
        Ok(())
    }

    /// The shared status, worst cause first: an open cover also stops on paper end on some
    /// printers, and the cover is what the staff must deal with first.
    pub(crate) fn printer_status(&self) -> PrinterStatus {
        if self.cover_open {
            PrinterStatus::CoverOpen
        } else if self.paper_end || self.stopped_by_paper_end {
            PrinterStatus::PaperOut
        } else if self.offline || self.error {
            PrinterStatus::Offline
        } else if self.paper_near_end {
            PrinterStatus::PaperNearEnd
        } else {
            PrinterStatus::Ready
        }
    }

    /// More than the shared status says, for messages: why an offline printer is offline.
    pub(crate) fn detail(&self) -> Option<String> {
        match (self.printer_status(), self.error_cause) {
            (PrinterStatus::Offline, Some(cause)) => Some(cause.to_string()),
            (PrinterStatus::Offline, None) if self.error => Some("error".to_owned()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_of(answers: &[(RealTimeQuery, u8)]) -> RealTimeStatus {
        let mut status = RealTimeStatus::default();
        for &(query, byte) in answers {
            status.record(query, byte).expect("a status byte");
        }
        status
    }

    #[test]
    fn queries_are_three_bytes() {
        assert_eq!(RealTimeQuery::PrinterStatus.bytes(), [0x10, 0x04, 0x01]);
        assert_eq!(RealTimeQuery::OfflineCause.bytes(), [0x10, 0x04, 0x02]);
        assert_eq!(RealTimeQuery::ErrorCause.bytes(), [0x10, 0x04, 0x03]);
        assert_eq!(RealTimeQuery::RollPaperSensor.bytes(), [0x10, 0x04, 0x04]);
        assert_eq!(TRANSMIT_PAPER_SENSOR_STATUS, [0x1D, 0x72, 0x01]);
    }

    #[test]
    fn fixed_bits_tell_the_answers_apart() {
        // Every byte is exactly one of the three.
        let mut real_time = 0;
        let mut paper_sensor = 0;
        for byte in 0..=255u8 {
            match classify(byte) {
                Answer::RealTime(_) => real_time += 1,
                Answer::PaperSensor(_) => paper_sensor += 1,
                Answer::NotAStatus(_) => {}
            }
        }
        // Four free bits in 0xx1xx10, six in 0xx0xxxx; bit 4 keeps the two apart.
        assert_eq!(real_time, 16);
        assert_eq!(paper_sensor, 64);
        assert_eq!(classify(0x12), Answer::RealTime(0x12));
        assert_eq!(classify(0x1E), Answer::RealTime(0x1E));
        assert_eq!(classify(0x00), Answer::PaperSensor(0x00));
        assert_eq!(classify(0x0F), Answer::PaperSensor(0x0F));
        assert_eq!(classify(0xFF), Answer::NotAStatus(0xFF));
        // XON and XOFF are neither, should they reach the kiosk.
        assert_eq!(classify(0x11), Answer::NotAStatus(0x11));
        assert_eq!(classify(0x13), Answer::NotAStatus(0x13));
    }

    #[test]
    fn a_ready_printer() {
        let status = status_of(&[
            (RealTimeQuery::PrinterStatus, 0x12),
            (RealTimeQuery::RollPaperSensor, 0x12),
        ]);
        assert_eq!(status.printer_status(), PrinterStatus::Ready);
        assert_eq!(status.detail(), None);
    }

    #[test]
    fn each_bit_maps_to_its_status() {
        use RealTimeQuery as Q;
        let cases = [
            // Roll paper near-end sensor, bits 2 and 3.
            (
                vec![(Q::PrinterStatus, 0x12), (Q::RollPaperSensor, 0x1E)],
                PrinterStatus::PaperNearEnd,
            ),
            // Offline (bit 3), cover open (bit 2 of the offline cause).
            (
                vec![(Q::PrinterStatus, 0x1A), (Q::OfflineCause, 0x16)],
                PrinterStatus::CoverOpen,
            ),
            // Stopped by paper end (bit 5), and the paper end sensor (bits 5 and 6).
            (
                vec![
                    (Q::PrinterStatus, 0x1A),
                    (Q::RollPaperSensor, 0x7E),
                    (Q::OfflineCause, 0x32),
                ],
                PrinterStatus::PaperOut,
            ),
            // The paper end sensor alone, before the printer has gone offline.
            (
                vec![(Q::PrinterStatus, 0x12), (Q::RollPaperSensor, 0x72)],
                PrinterStatus::PaperOut,
            ),
            // An error (bit 6 of the offline cause).
            (
                vec![(Q::PrinterStatus, 0x1A), (Q::OfflineCause, 0x52)],
                PrinterStatus::Offline,
            ),
            // Offline for no reason it names.
            (vec![(Q::PrinterStatus, 0x1A)], PrinterStatus::Offline),
        ];
        for (answers, expected) in cases {
            assert_eq!(
                status_of(&answers).printer_status(),
                expected,
                "{answers:x?}"
            );
        }
    }

    #[test]
    fn an_error_names_its_cause() {
        use RealTimeQuery as Q;
        let status = status_of(&[
            (Q::PrinterStatus, 0x1A),
            (Q::OfflineCause, 0x52),
            (Q::ErrorCause, 0x1A),
        ]);
        assert_eq!(status.printer_status(), PrinterStatus::Offline);
        let detail = status.detail().expect("a cause");
        assert!(detail.contains("autocutter"), "{detail}");
    }

    #[test]
    fn a_byte_without_the_fixed_bits_is_refused() {
        let mut status = RealTimeStatus::default();
        for byte in [0x00, 0xFF, 0x13, 0x92, 0x10] {
            assert_eq!(
                status.record(RealTimeQuery::PrinterStatus, byte),
                Err(NotAStatus(byte))
            );
        }
    }
}
