//! The kiosk's devices, opened from the configuration in one place and each run on a thread
//! of its own, because every device API below is blocking (PC/SC, V4L2, serial).
//!
//! The rest of the application holds only the handles here: it sends requests (transmit
//! an APDU, print a job, run a self-test) and receives events, with errors already reduced
//! to the HAL's shared [`ErrorKind`].

mod card_worker;
mod printer_worker;

use std::time::Duration;

use kiosk_hal::camera::{CaptureHandle, spawn_capture};
use kiosk_hal::pcsc::PcscCardReader;
use kiosk_hal::serial::FlowControl as SerialFlowControl;
use kiosk_hal::sim::{
    FilePrinter, FilePrinterPanel, ReplayCamera, ReplayPanel, SimulatedCardReader,
    SimulatedCardSlot,
};
use kiosk_hal::v4l2::{CameraSelector, FormatPreference, FormatWish, V4l2Camera, V4l2Settings};
use kiosk_hal::{
    Error as _, ErrorKind, SelfTestReport, SerialPrinter, SerialPrinterSettings, TestOutcome,
};

pub use card_worker::{CardReaderHandle, ReaderEvent, spawn_card_reader};
pub use printer_worker::{PrinterHandle, spawn_printer};

use crate::config::{
    CameraConfig, CameraEncoding, CardReaderConfig, Config, FlowControl, PrinterConfig,
};

/// All devices of a running kiosk.
pub struct Devices {
    pub card_reader: CardReaderHandle,
    /// Shared so that self-tests can run on a blocking thread while capture goes on.
    pub camera: std::sync::Arc<CaptureHandle>,
    pub printer: PrinterHandle,
    /// The hands of the simulated devices, when the configuration chose them.
    pub simulated: SimulatedDevices,
}

/// Control handles of simulated devices: what the demo panel and the tests drive.
#[derive(Default, Clone)]
pub struct SimulatedDevices {
    pub card_slot: Option<SimulatedCardSlot>,
    /// Changes what the replay camera shows (a card's QR code held up to it).
    pub camera_panel: Option<ReplayPanel>,
    pub printer_panel: Option<FilePrinterPanel>,
}

/// A device that the configuration names but that cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum DeviceSetupError {
    #[error("{device}: {message}")]
    Open {
        device: &'static str,
        message: String,
    },
    #[error("{device}: cannot start its thread: {source}")]
    Thread {
        device: &'static str,
        source: std::io::Error,
    },
}

/// How long a device thread may take to answer a self-test before diagnostics calls it
/// stuck.
pub const SELF_TEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens every device the configuration names. The receiver carries the card reader's
/// events; the session consumes them.
pub fn open(
    config: &Config,
) -> Result<(Devices, tokio::sync::mpsc::UnboundedReceiver<ReaderEvent>), DeviceSetupError> {
    let mut simulated = SimulatedDevices::default();

    let (card_reader, reader_events) = match &config.card_reader {
        CardReaderConfig::Simulated { reader_name } => {
            let (reader, slot) = SimulatedCardReader::new(reader_name.clone());
            simulated.card_slot = Some(slot);
            spawn_card_reader(reader).map_err(|source| DeviceSetupError::Thread {
                device: "card reader",
                source,
            })?
        }
        CardReaderConfig::Pcsc { reader } => {
            let reader =
                PcscCardReader::open(reader.clone()).map_err(|error| DeviceSetupError::Open {
                    device: "card_reader",
                    message: error.to_string(),
                })?;
            spawn_card_reader(reader).map_err(|source| DeviceSetupError::Thread {
                device: "card reader",
                source,
            })?
        }
    };

    let camera = match &config.camera {
        CameraConfig::Replay { path, fps } => {
            let camera =
                ReplayCamera::open(path, *fps).map_err(|error| DeviceSetupError::Open {
                    device: "camera",
                    message: error.to_string(),
                })?;
            simulated.camera_panel = Some(camera.panel());
            std::sync::Arc::new(spawn_capture(camera).map_err(|source| {
                DeviceSetupError::Thread {
                    device: "camera",
                    source,
                }
            })?)
        }
        CameraConfig::V4l2 {
            device,
            name,
            format,
            width,
            height,
            fps,
        } => {
            let camera = match (device, name) {
                (Some(path), _) => CameraSelector::Path(path.clone()),
                (None, Some(name)) => CameraSelector::Name(name.clone()),
                // The configuration's checks refuse this; a hand-made `Config` may not.
                (None, None) => {
                    return Err(DeviceSetupError::Open {
                        device: "camera",
                        message: "neither a device nor a name to find the camera by".to_owned(),
                    });
                }
            };
            let preference = match format {
                CameraEncoding::Auto => FormatPreference::Auto,
                CameraEncoding::Mjpeg => FormatPreference::Mjpeg,
                CameraEncoding::Yuyv => FormatPreference::Yuyv,
            };
            // Only settings no camera could satisfy fail here: an unplugged camera is
            // opened by the capture thread, which keeps trying until it is plugged in.
            let camera = V4l2Camera::new(V4l2Settings {
                camera,
                format: FormatWish {
                    preference,
                    width: *width,
                    height: *height,
                    fps: *fps,
                },
            })
            .map_err(|error| DeviceSetupError::Open {
                device: "camera",
                message: error.to_string(),
            })?;
            std::sync::Arc::new(spawn_capture(camera).map_err(|source| {
                DeviceSetupError::Thread {
                    device: "camera",
                    source,
                }
            })?)
        }
    };

    let printer = match &config.printer {
        PrinterConfig::File { path, .. } => {
            let (printer, panel) =
                FilePrinter::open(path).map_err(|error| DeviceSetupError::Open {
                    device: "printer",
                    message: error.to_string(),
                })?;
            simulated.printer_panel = Some(panel);
            spawn_printer(printer).map_err(|source| DeviceSetupError::Thread {
                device: "printer",
                source,
            })?
        }
        PrinterConfig::Serial {
            device,
            baud,
            flow_control,
            status_timeout_ms,
            write_timeout_ms,
            ..
        } => {
            let settings = SerialPrinterSettings {
                flow_control: match flow_control {
                    FlowControl::None => SerialFlowControl::None,
                    FlowControl::Hardware => SerialFlowControl::Hardware,
                    FlowControl::Software => SerialFlowControl::Software,
                },
                status_timeout: Duration::from_millis(u64::from(*status_timeout_ms)),
                write_timeout: Duration::from_millis(u64::from(*write_timeout_ms)),
                ..SerialPrinterSettings::new(device, *baud)
            };
            let printer =
                SerialPrinter::open(settings).map_err(|error| DeviceSetupError::Open {
                    device: "printer",
                    message: format!("{}: {error}", error.kind().code()),
                })?;
            spawn_printer(printer).map_err(|source| DeviceSetupError::Thread {
                device: "printer",
                source,
            })?
        }
    };

    let devices = Devices {
        card_reader,
        camera,
        printer,
        simulated,
    };
    Ok((devices, reader_events))
}

impl Devices {
    /// Runs every device's self-test, each on the thread that owns the device, and reports
    /// them in a fixed order. A device that does not answer in time is itself a failure.
    pub async fn self_test_all(&self) -> Vec<SelfTestReport> {
        let card = self.card_reader.self_test(SELF_TEST_TIMEOUT);
        let printer = self.printer.self_test(SELF_TEST_TIMEOUT);
        let capture = std::sync::Arc::clone(&self.camera);
        // The capture thread answers between frames; waiting for it blocks.
        let camera = tokio::task::spawn_blocking(move || capture.self_test(SELF_TEST_TIMEOUT));
        let (card, printer, camera) = tokio::join!(card, printer, camera);
        let camera = camera.ok().flatten();
        vec![
            card.unwrap_or_else(|| stuck("card reader")),
            camera.unwrap_or_else(|| stuck("camera")),
            printer.unwrap_or_else(|| stuck("printer")),
        ]
    }
}

fn stuck(device: &'static str) -> SelfTestReport {
    SelfTestReport {
        device,
        backend: String::from("?"),
        outcome: TestOutcome::Fail,
        detail: format!(
            "{}: no answer within {} s",
            ErrorKind::Timeout.code(),
            SELF_TEST_TIMEOUT.as_secs()
        ),
        took: SELF_TEST_TIMEOUT,
    }
}

#[cfg(test)]
mod tests;
