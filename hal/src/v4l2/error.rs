//! The V4L2 camera's error, and how nokhwa's errors map onto the shared kind.

use std::path::PathBuf;
use std::time::Duration;

use nokhwa::NokhwaError;

use super::convert::FrameError;
use crate::error::{Error, ErrorKind};

/// What went wrong finding, opening or reading the camera. `device` names the camera as a
/// technician would look for it: the configured path, or the configured name with the node
/// it matched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum V4l2Error {
    /// The settings cannot describe a stream (a zero size or rate).
    #[error("camera settings: {detail}")]
    InvalidSettings { detail: String },
    /// The configured path exists but is no V4L2 video node, such as `/dev/null`.
    #[error("{}: not a V4L2 video device (expected /dev/videoN or a link to one)", .path.display())]
    NotAVideoNode { path: PathBuf },
    /// The camera is not there and has not been opened since the kiosk started.
    #[error("camera {device} is not there: {detail}")]
    NotFound { device: String, detail: String },
    /// The camera was opened earlier and has gone away: unplugged, or its USB link reset.
    #[error("camera {device} went away: {detail}")]
    Unplugged { device: String, detail: String },
    /// No camera's name contains the configured name.
    #[error("no camera's name contains \"{name}\"; cameras here: {}", listed(.available))]
    NoCameraNamed {
        name: String,
        /// Every camera found, as `"name" (/dev/videoN)`.
        available: Vec<String>,
    },
    /// The list of cameras could not be read.
    #[error("cannot list the cameras: {detail}")]
    Query { detail: String },
    #[error(
        "camera {device}: permission denied: {detail} (is the kiosk's user in the video group?)"
    )]
    PermissionDenied { device: String, detail: String },
    /// Another program streams from the camera.
    #[error("camera {device} is in use by another program: {detail}")]
    Busy { device: String, detail: String },
    /// The camera offers neither of the encodings the kiosk decodes.
    #[error("camera {device} offers neither MJPEG nor YUYV; {}", offers(.offered))]
    NoUsableFormat {
        device: String,
        /// The encodings it offers that nokhwa knows (nokhwa skips any other).
        offered: Vec<String>,
    },
    /// The driver refused something else, as nokhwa reports it.
    #[error("camera {device}: cannot {operation}: {detail}")]
    Driver {
        device: String,
        operation: &'static str,
        detail: String,
    },
    /// No frame within one capture's timeout; the next capture may well bring one.
    #[error("camera {device}: no frame within {waited:?}")]
    NoFrame { device: String, waited: Duration },
    /// The stream has delivered nothing for far longer than its frame interval.
    #[error("camera {device} delivered no frame for {silent_for:?}; check its cable")]
    Stalled {
        device: String,
        silent_for: Duration,
    },
    /// A stream stopped earlier is still blocked in the driver, waiting for a frame (see the
    /// module docs); the device cannot be opened again until the camera is replugged.
    #[error(
        "camera {device}: the previous stream is still blocked in the driver; unplug the camera and plug it back"
    )]
    StuckInDriver { device: String },
    /// Opening the camera took longer than any healthy camera does.
    #[error("camera {device} did not open within {waited:?}")]
    OpenTimedOut { device: String, waited: Duration },
    /// Every buffer within one capture's timeout was unusable (each is counted and skipped).
    #[error("camera {device}: {source} ({in_a_row} unusable frames in a row)")]
    BadFrame {
        device: String,
        source: FrameError,
        in_a_row: u64,
    },
    #[error("camera {device} is not started")]
    NotStarted { device: String },
}

impl Error for V4l2Error {
    fn kind(&self) -> ErrorKind {
        match self {
            V4l2Error::InvalidSettings { .. } | V4l2Error::NotAVideoNode { .. } => {
                ErrorKind::InvalidInput
            }
            V4l2Error::NotFound { .. } | V4l2Error::NoCameraNamed { .. } => ErrorKind::NotPresent,
            V4l2Error::Unplugged { .. } => ErrorKind::Disconnected,
            // A stall can only be cured by replugging the camera (the module docs say why),
            // and that is what a technician reads HAL-DISCONNECTED as. It must not be
            // `Timeout`: a capture loop takes that for an ordinary wait and would hide it.
            V4l2Error::Stalled { .. } | V4l2Error::StuckInDriver { .. } => ErrorKind::Disconnected,
            V4l2Error::NoFrame { .. } | V4l2Error::OpenTimedOut { .. } => ErrorKind::Timeout,
            V4l2Error::Busy { .. } => ErrorKind::Busy,
            // The shared kinds have none for a refused permission; the message says what
            // to check.
            V4l2Error::PermissionDenied { .. }
            | V4l2Error::Query { .. }
            | V4l2Error::NoUsableFormat { .. }
            | V4l2Error::Driver { .. }
            | V4l2Error::BadFrame { .. }
            | V4l2Error::NotStarted { .. } => ErrorKind::Other,
        }
    }
}

/// Linux error numbers from `asm-generic/errno-base.h`, the same on every architecture.
mod errno {
    pub const EPERM: i32 = 1;
    pub const ENOENT: i32 = 2;
    pub const ENXIO: i32 = 6;
    pub const EACCES: i32 = 13;
    pub const EBUSY: i32 = 16;
    pub const ENODEV: i32 = 19;
}

/// The error number in a message built from an `io::Error`. nokhwa keeps only the text of
/// the V4L2 errors it wraps, and std writes an OS error as `… (os error 19)`, so the text is
/// the one place the cause is left.
pub(super) fn os_error_code(message: &str) -> Option<i32> {
    let (_, after) = message.rsplit_once("(os error ")?;
    after.split(')').next()?.parse().ok()
}

/// Whether the camera was ever opened, to tell "never there" from "went away".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum History {
    /// Not opened since this camera object was made.
    NeverOpened,
    /// Opened at least once.
    Opened,
}

impl V4l2Error {
    /// The camera is missing: `NotFound` if it was never opened, `Unplugged` if it was.
    pub(super) fn gone(device: &str, detail: String, history: History) -> V4l2Error {
        let device = device.to_owned();
        match history {
            History::NeverOpened => V4l2Error::NotFound { device, detail },
            History::Opened => V4l2Error::Unplugged { device, detail },
        }
    }

    /// Maps a nokhwa error by the OS error inside it. `node_exists` is whether the device
    /// node is still there: an unplugged camera sometimes fails with an error number that
    /// says nothing of it (EIO, EINVAL), but its node disappears.
    pub(super) fn from_nokhwa(
        device: &str,
        operation: &'static str,
        error: &NokhwaError,
        node_exists: bool,
        history: History,
    ) -> V4l2Error {
        let detail = error.to_string();
        match os_error_code(&detail) {
            _ if !node_exists => V4l2Error::gone(device, detail, history),
            Some(errno::ENOENT | errno::ENODEV | errno::ENXIO) => {
                V4l2Error::gone(device, detail, history)
            }
            Some(errno::EACCES | errno::EPERM) => V4l2Error::PermissionDenied {
                device: device.to_owned(),
                detail,
            },
            Some(errno::EBUSY) => V4l2Error::Busy {
                device: device.to_owned(),
                detail,
            },
            _ => V4l2Error::Driver {
                device: device.to_owned(),
                operation,
                detail,
            },
        }
    }
}

/// What a camera without MJPEG or YUYV offers. Nothing at all is also what a device that
/// answers no V4L2 request (a metadata node, or no camera) looks like through nokhwa.
fn offers(encodings: &[String]) -> String {
    if encodings.is_empty() {
        "it offers no video format nokhwa knows (is it a V4L2 capture device?)".to_owned()
    } else {
        format!("it offers {}", encodings.join(", "))
    }
}

fn listed(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_error(os_text: &str) -> NokhwaError {
        NokhwaError::OpenDeviceError("0".into(), format!("V4L2 Error: {os_text}"))
    }

    #[test]
    fn the_os_error_number_is_read_from_nokhwas_text() {
        assert_eq!(
            os_error_code("V4L2 Error: No such device (os error 19)"),
            Some(19)
        );
        assert_eq!(
            os_error_code("Could not capture frame: Stream Not Started"),
            None
        );
        assert_eq!(os_error_code("(os error x)"), None);
    }

    #[test]
    fn nokhwa_errors_map_by_their_os_error() {
        let cases = [
            (
                "No such file or directory (os error 2)",
                ErrorKind::NotPresent,
            ),
            ("No such device (os error 19)", ErrorKind::NotPresent),
            (
                "No such device or address (os error 6)",
                ErrorKind::NotPresent,
            ),
            ("Permission denied (os error 13)", ErrorKind::Other),
            ("Device or resource busy (os error 16)", ErrorKind::Busy),
            ("Input/output error (os error 5)", ErrorKind::Other),
        ];
        for (text, kind) in cases {
            let error = V4l2Error::from_nokhwa(
                "/dev/video0",
                "open",
                &open_error(text),
                true,
                History::NeverOpened,
            );
            assert_eq!(error.kind(), kind, "{text}");
            assert!(error.to_string().contains("/dev/video0"), "{error}");
        }
        let denied = V4l2Error::from_nokhwa(
            "/dev/video0",
            "open",
            &open_error("Permission denied (os error 13)"),
            true,
            History::NeverOpened,
        );
        assert!(denied.to_string().contains("video group"), "{denied}");
    }

    #[test]
    fn a_camera_that_streamed_and_vanished_is_disconnected() {
        let read = NokhwaError::ReadFrameError("No such device (os error 19)".into());
        let error =
            V4l2Error::from_nokhwa("/dev/video0", "read a frame", &read, true, History::Opened);
        assert_eq!(error.kind(), ErrorKind::Disconnected);
        // An unhelpful error number while the node has disappeared says the same.
        let read = NokhwaError::ReadFrameError("Input/output error (os error 5)".into());
        let error =
            V4l2Error::from_nokhwa("/dev/video0", "read a frame", &read, false, History::Opened);
        assert_eq!(error.kind(), ErrorKind::Disconnected);
    }

    #[test]
    fn a_stall_is_not_an_ordinary_timeout() {
        let stalled = V4l2Error::Stalled {
            device: "/dev/video0".into(),
            silent_for: Duration::from_secs(3),
        };
        assert_eq!(stalled.kind(), ErrorKind::Disconnected);
        let no_frame = V4l2Error::NoFrame {
            device: "/dev/video0".into(),
            waited: Duration::from_millis(200),
        };
        assert_eq!(no_frame.kind(), ErrorKind::Timeout);
    }

    #[test]
    fn a_camera_without_usable_formats_says_what_it_offers() {
        let error = V4l2Error::NoUsableFormat {
            device: "/dev/video0".into(),
            offered: vec!["GRAY".into(), "NV12".into()],
        };
        assert_eq!(
            error.to_string(),
            "camera /dev/video0 offers neither MJPEG nor YUYV; it offers GRAY, NV12"
        );
        let nothing = V4l2Error::NoUsableFormat {
            device: "/dev/video1".into(),
            offered: vec![],
        };
        assert!(
            nothing.to_string().contains("V4L2 capture device"),
            "{nothing}"
        );
    }

    #[test]
    fn an_empty_camera_list_says_none() {
        let error = V4l2Error::NoCameraNamed {
            name: "HD USB Camera".into(),
            available: vec![],
        };
        assert_eq!(
            error.to_string(),
            "no camera's name contains \"HD USB Camera\"; cameras here: none"
        );
        assert_eq!(error.kind(), ErrorKind::NotPresent);
    }
}
