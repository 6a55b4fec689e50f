//! Which backend `open` builds for each configuration, on a machine without real devices.

use std::path::PathBuf;
use std::time::Duration;

use kiosk_hal::camera::SlotRead;

use super::*;

fn config_with_camera(var_dir: &std::path::Path, camera: CameraConfig) -> Config {
    let mut config = Config::demo_default(var_dir);
    config.camera = camera;
    config
}

fn v4l2(device: Option<&str>, name: Option<&str>) -> CameraConfig {
    CameraConfig::V4l2 {
        device: device.map(PathBuf::from),
        name: name.map(str::to_owned),
        format: CameraEncoding::Auto,
        width: 1280,
        height: 720,
        fps: 30,
    }
}

#[test]
fn a_v4l2_camera_that_is_not_plugged_in_is_reported_through_its_frames() {
    let var_dir = tempfile::tempdir().expect("tempdir");
    let config = config_with_camera(var_dir.path(), v4l2(None, Some("No Such Camera 4c1d")));
    let (devices, _events) = open(&config).unwrap_or_else(|error| panic!("{error}"));
    match devices.camera.frames().take(Duration::from_secs(5)) {
        SlotRead::Error(error) => {
            assert_eq!(error.kind(), ErrorKind::NotPresent);
            assert!(error.message().contains("No Such Camera 4c1d"), "{error}");
            assert!(error.message().contains("cameras here"), "{error}");
        }
        other => panic!("expected the camera's error, got {other:?}"),
    }
}

#[test]
fn a_v4l2_device_that_is_no_camera_stops_the_start() {
    let var_dir = tempfile::tempdir().expect("tempdir");
    let config = config_with_camera(var_dir.path(), v4l2(Some("/dev/null"), None));
    let Err(error) = open(&config) else {
        panic!("/dev/null was opened as a camera");
    };
    let text = error.to_string();
    assert!(
        text.starts_with("camera: /dev/null: not a V4L2 video device"),
        "{text}"
    );
}

fn config_with_printer(var_dir: &std::path::Path, printer: PrinterConfig) -> Config {
    let mut config = Config::demo_default(var_dir);
    std::fs::create_dir(var_dir.join("camera")).expect("camera folder");
    image::GrayImage::new(4, 4)
        .save(var_dir.join("camera/still.png"))
        .expect("write png");
    config.printer = printer;
    config
}

fn serial(device: &std::path::Path) -> PrinterConfig {
    PrinterConfig::Serial {
        device: device.to_path_buf(),
        baud: 115_200,
        paper_width_mm: 80,
        flow_control: FlowControl::None,
        status_timeout_ms: 1000,
        write_timeout_ms: 5000,
    }
}

#[tokio::test]
async fn a_serial_printer_is_opened_and_reports_what_the_printer_says() {
    let fake = kiosk_hal::sim::PtyPrinter::start().expect("pseudo-terminal printer");
    let var_dir = tempfile::tempdir().expect("tempdir");
    let config = config_with_printer(var_dir.path(), serial(fake.path()));
    let (devices, _events) = open(&config).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        devices.printer.status(Duration::from_secs(2)).await,
        Ok(kiosk_hal::PrinterStatus::Ready)
    );
    fake.panel().set_status(kiosk_hal::PrinterStatus::CoverOpen);
    let report = devices
        .printer
        .self_test(SELF_TEST_TIMEOUT)
        .await
        .expect("the printer thread answers");
    assert_eq!(report.outcome, TestOutcome::Fail);
    assert!(report.detail.contains("cover open"), "{}", report.detail);
    assert!(report.backend.starts_with("serial:"), "{}", report.backend);
}

#[test]
fn a_serial_device_that_is_no_serial_port_stops_the_start() {
    let var_dir = tempfile::tempdir().expect("tempdir");
    let config = config_with_printer(var_dir.path(), serial(std::path::Path::new("/dev/null")));
    let Err(error) = open(&config) else {
        panic!("/dev/null was opened as a printer");
    };
    let text = error.to_string();
    assert!(
        text.starts_with("printer: HAL-INVALID-INPUT:") && text.contains("not a serial port"),
        "{text}"
    );
}
