//! The serial printer's error, and how `serialport`'s errors map onto the shared kind.

use std::io;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::time::Duration;

use crate::error::{Error, ErrorKind};
use crate::printer::PrinterStatus;

/// What went wrong opening the printer's port, talking to the printer, or printing a job.
/// `device` is the configured path, as a technician looks for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SerialPrinterError {
    /// The settings cannot describe a serial line (a zero baud rate or timeout).
    #[error("printer settings: {detail}")]
    InvalidSettings { detail: String },
    #[error(
        "no serial port at {device}: {detail} (is the printer's cable or USB-serial adapter plugged in?)"
    )]
    NotFound { device: String, detail: String },
    #[error(
        "permission denied opening {device}: {detail} (is the kiosk's user in the dialout group, and does the udev rule give the device that group?)"
    )]
    PermissionDenied { device: String, detail: String },
    /// The path exists but is no terminal device, such as `/dev/null` or a regular file.
    #[error("{device} is not a serial port: {detail}")]
    NotASerialPort { device: String, detail: String },
    /// Another program holds the port (ports are opened exclusively).
    #[error("{device} is in use by another program: {detail}")]
    Busy { device: String, detail: String },
    /// The port refused its settings or failed to open for another reason.
    #[error("cannot open {device}: {detail}")]
    Open { device: String, detail: String },
    /// The port was open and went away: the adapter unplugged, or its driver reset.
    #[error("serial port {device} went away while {operation}: {detail}")]
    Disconnected {
        device: String,
        operation: &'static str,
        detail: String,
    },
    /// A write made no progress within its timeout: the printer holds the line with flow
    /// control (its buffer is full, or it is off with the lines held), or the adapter hangs.
    #[error(
        "could not send {what} to {device} within {waited:?}: the printer holds the line (flow control)"
    )]
    WriteTimeout {
        device: String,
        what: &'static str,
        waited: Duration,
    },
    #[error(
        "printer did not answer the status query {query} within {waited:?} (is {device} the printer, is it switched on, and set to {baud} baud?)"
    )]
    NoAnswer {
        device: String,
        query: &'static str,
        waited: Duration,
        baud: u32,
    },
    /// The answer to a status query is not a status byte: a wrong baud rate garbles every
    /// byte, and a device that is no ESC/POS printer answers something else.
    #[error(
        "printer on {device} answered {byte:#04x} to {query}, which is not a status byte (0xx1xx10 expected): is it set to {baud} baud, and is it an ESC/POS printer?"
    )]
    NotAStatus {
        device: String,
        query: &'static str,
        byte: u8,
        baud: u32,
    },
    /// The printer answered, and cannot print.
    #[error("printer on {device} reports {status}{}", detail_suffix(.detail))]
    Status {
        device: String,
        status: PrinterStatus,
        detail: Option<String>,
    },
    /// The printer never answered the `GS r 1` sent after a job, so nothing says the job was
    /// processed, although its status looks fine.
    #[error("printer on {device} did not confirm the job (GS r 1) within {waited:?}")]
    Unconfirmed { device: String, waited: Duration },
    /// Nothing of the job reached the printer.
    #[error("job {job} not sent: {source}")]
    NotSent {
        job: String,
        source: Box<SerialPrinterError>,
    },
    /// Some or all of the job reached the printer, and it may not have come out whole; the
    /// caller prints it again.
    #[error("job {job} may be incomplete: {source}")]
    MaybeIncomplete {
        job: String,
        source: Box<SerialPrinterError>,
    },
}

fn detail_suffix(detail: &Option<String>) -> String {
    detail
        .as_ref()
        .map(|detail| format!(" ({detail})"))
        .unwrap_or_default()
}

impl SerialPrinterError {
    pub(crate) fn not_sent(self, job: &str) -> Self {
        SerialPrinterError::NotSent {
            job: job.to_owned(),
            source: Box::new(self),
        }
    }

    pub(crate) fn maybe_incomplete(self, job: &str) -> Self {
        SerialPrinterError::MaybeIncomplete {
            job: job.to_owned(),
            source: Box::new(self),
        }
    }

    /// Whether any of the job may have been printed, so a reprint can give a duplicate.
    /// `false` for errors that are not about a job.
    pub fn job_may_have_printed(&self) -> bool {
        matches!(self, SerialPrinterError::MaybeIncomplete { .. })
    }
}

impl Error for SerialPrinterError {
    fn kind(&self) -> ErrorKind {
        match self {
            SerialPrinterError::InvalidSettings { .. }
            | SerialPrinterError::NotASerialPort { .. } => ErrorKind::InvalidInput,
            SerialPrinterError::NotFound { .. } => ErrorKind::NotPresent,
            SerialPrinterError::PermissionDenied { .. }
            | SerialPrinterError::Open { .. }
            | SerialPrinterError::NotAStatus { .. } => ErrorKind::Other,
            SerialPrinterError::Busy { .. } => ErrorKind::Busy,
            SerialPrinterError::Disconnected { .. } => ErrorKind::Disconnected,
            SerialPrinterError::WriteTimeout { .. }
            | SerialPrinterError::NoAnswer { .. }
            | SerialPrinterError::Unconfirmed { .. } => ErrorKind::Timeout,
            SerialPrinterError::Status { status, .. } => kind_of_status(*status),
            SerialPrinterError::NotSent { source, .. }
            | SerialPrinterError::MaybeIncomplete { source, .. } => source.kind(),
        }
    }
}

/// The kind for a printer that reports `status`, as every printer backend refuses a job
/// (an offline printer is as good as absent to the caller).
pub(crate) fn kind_of_status(status: PrinterStatus) -> ErrorKind {
    match status {
        PrinterStatus::PaperOut => ErrorKind::PaperOut,
        PrinterStatus::CoverOpen => ErrorKind::CoverOpen,
        PrinterStatus::Offline => ErrorKind::NotPresent,
        // Not an error; kept total for states added later.
        _ => ErrorKind::Other,
    }
}

/// What opening `path` failed with, in terms a technician can act on.
pub(crate) fn open_error(path: &Path, error: &serialport::Error) -> SerialPrinterError {
    let device = path.display().to_string();
    let detail = error.to_string();
    let metadata = std::fs::metadata(path);
    match (error.kind(), &metadata) {
        (serialport::ErrorKind::Io(io::ErrorKind::NotFound), _) => {
            SerialPrinterError::NotFound { device, detail }
        }
        (_, Err(missing))
            if matches!(
                missing.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            SerialPrinterError::NotFound { device, detail }
        }
        (serialport::ErrorKind::Io(io::ErrorKind::PermissionDenied), _) => {
            SerialPrinterError::PermissionDenied { device, detail }
        }
        (_, Ok(metadata)) if metadata.is_dir() => SerialPrinterError::NotASerialPort {
            device,
            detail: "it is a folder".to_owned(),
        },
        (_, Ok(metadata)) if !metadata.file_type().is_char_device() => {
            SerialPrinterError::NotASerialPort {
                device,
                detail: format!("it is not a character device ({detail})"),
            }
        }
        // A character device that refuses the terminal ioctls (ENOTTY), such as /dev/null.
        // serialport passes on nix's text for it, the only trace of the errno.
        (serialport::ErrorKind::Unknown, Ok(_)) if is_not_a_tty(&detail) => {
            SerialPrinterError::NotASerialPort {
                device,
                detail: format!("it is a device without terminal settings ({detail})"),
            }
        }
        // EBUSY from TIOCEXCL, or the exclusive flock held by someone else.
        (serialport::ErrorKind::NoDevice, _) => SerialPrinterError::Busy { device, detail },
        _ => SerialPrinterError::Open { device, detail },
    }
}

fn is_not_a_tty(detail: &str) -> bool {
    detail.contains("Not a typewriter") || detail.contains("Inappropriate ioctl")
}

/// What an I/O error on an open port means. A timeout is each caller's own business; every
/// other failure of an open port (EIO, a hang-up) is the port going away.
pub(crate) fn disconnected(
    device: &str,
    operation: &'static str,
    error: &io::Error,
) -> SerialPrinterError {
    SerialPrinterError::Disconnected {
        device: device.to_owned(),
        operation,
        detail: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io_error(kind: io::ErrorKind, text: &str) -> serialport::Error {
        serialport::Error::new(serialport::ErrorKind::Io(kind), text)
    }

    #[test]
    fn permission_denied_says_what_to_check() {
        let error = open_error(
            Path::new("/dev"),
            &io_error(io::ErrorKind::PermissionDenied, "Permission denied"),
        );
        assert_eq!(error.kind(), ErrorKind::Other);
        let text = error.to_string();
        assert!(text.contains("/dev"), "{text}");
        assert!(text.contains("dialout"), "{text}");
        assert!(text.contains("udev"), "{text}");
    }

    #[test]
    fn a_missing_path_is_not_present() {
        let error = open_error(
            Path::new("/dev/ttyUSB-no-such-adapter"),
            &io_error(io::ErrorKind::NotFound, "No such file or directory"),
        );
        assert_eq!(error.kind(), ErrorKind::NotPresent);
        assert!(error.to_string().contains("/dev/ttyUSB-no-such-adapter"));
        // Under a file instead of a folder (ENOTDIR, which serialport calls unknown).
        let error = open_error(
            Path::new("/dev/null/ttyUSB0"),
            &serialport::Error::new(serialport::ErrorKind::Unknown, "Not a directory"),
        );
        assert_eq!(error.kind(), ErrorKind::NotPresent);
    }

    #[test]
    fn a_port_held_elsewhere_is_busy() {
        let error = open_error(
            Path::new("/dev/null"),
            &serialport::Error::new(
                serialport::ErrorKind::NoDevice,
                "Unable to acquire exclusive lock on serial port",
            ),
        );
        assert_eq!(error.kind(), ErrorKind::Busy);
    }

    #[test]
    fn job_errors_keep_the_kind_of_their_cause() {
        let status = SerialPrinterError::Status {
            device: "/dev/ttyUSB0".into(),
            status: PrinterStatus::Offline,
            detail: Some("autocutter error".into()),
        };
        assert_eq!(status.kind(), ErrorKind::NotPresent);
        let refused = status.clone().not_sent("receipt-7");
        assert_eq!(refused.kind(), ErrorKind::NotPresent);
        assert!(!refused.job_may_have_printed());
        let text = refused.to_string();
        assert!(
            text.contains("receipt-7") && text.contains("autocutter"),
            "{text}"
        );
        let failed = status.maybe_incomplete("receipt-7");
        assert!(failed.job_may_have_printed());
        assert!(failed.to_string().contains("may be incomplete"), "{failed}");
        for (status, kind) in [
            (PrinterStatus::PaperOut, ErrorKind::PaperOut),
            (PrinterStatus::CoverOpen, ErrorKind::CoverOpen),
            (PrinterStatus::Offline, ErrorKind::NotPresent),
        ] {
            assert_eq!(kind_of_status(status), kind);
        }
    }
}
