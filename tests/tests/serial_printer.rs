//! The whole kiosk with its printer on a serial line: the real serial backend writes to a
//! pseudo-terminal, at whose far end a fake ESC/POS printer answers the status queries.
//! What reaches the printer is decoded back into a picture and compared with a golden
//! one; paper out and an open cover reach the screen and the self-test as they should.
//!
//! One test function: Slint's event-loop proxy is global to the process, so the headless
//! platform is installed once.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kiosk_app::app::Kiosk;
use kiosk_app::config::{Config, FlowControl, PrinterConfig};
use kiosk_app::demo::write_demo_camera_frames;
use kiosk_app::printing::PrintRequest;
use kiosk_app::receipts::DossierReceipt;
use kiosk_hal::PrinterStatus;
use kiosk_hal::sim::PtyPrinter;
use kiosk_qr::ReceiptQr;
use kiosk_receipt::decode::decode;
use kiosk_ui::{Language, ReceiptOutcome, Screen, headless};
use slint::{ComponentHandle, PhysicalSize};

/// Generous: this is how long a broken path takes to fail, not a speed requirement.
const PATIENCE: Duration = Duration::from_secs(30);
const WINDOW: PhysicalSize = PhysicalSize::new(1920 + 420, 1080);

fn golden_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("golden")
        .join(format!("{name}.png"))
}

/// The receipt a one-stop kiosk prints while offline, with fixed content so its picture
/// can be compared with the golden one.
fn provisional_receipt() -> PrintRequest {
    let receipt = DossierReceipt {
        office: "Trung tâm Phục vụ hành chính công tỉnh Bình Dương".to_owned(),
        tracking: ReceiptQr::provisional("BD-TDM-01-000042"),
        procedure: "Đăng ký khai sinh".to_owned(),
        applicant: "Nguyễn Thị Hồng Nhung".to_owned(),
        id_number_tail: "6789".to_owned(),
        received: "04/12/2026 09:41".to_owned(),
        appointment: Some("09/12/2026".to_owned()),
        fee: None,
        kiosk_id: "BD-TDM-01".to_owned(),
    };
    PrintRequest {
        reference: "BD-TDM-01-000042".to_owned(),
        receipt: receipt.to_receipt(Language::Vietnamese),
    }
}

/// Compares `png` with the golden picture `name`; `KIOSK_BLESS=1` writes it instead. A
/// mismatch leaves the picture in target/tmp to look at.
fn assert_golden(png: &[u8], name: &str) {
    let golden = golden_path(name);
    if std::env::var_os("KIOSK_BLESS").is_some() {
        std::fs::write(&golden, png).expect("write golden picture");
        return;
    }
    let actual = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.png"));
    std::fs::write(&actual, png).expect("keep the printed picture");
    let expected = std::fs::read(&golden).unwrap_or_else(|error| {
        panic!(
            "{}: {error}; run with KIOSK_BLESS=1 to write it",
            golden.display()
        )
    });
    assert!(
        decoded_pixels(&expected) == decoded_pixels(png),
        "the printed receipt differs from {}; see {} (KIOSK_BLESS=1 accepts the new one)",
        golden.display(),
        actual.display()
    );
}

/// The grey pixels of a PNG, so that two encodings of the same picture compare equal.
fn decoded_pixels(png: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut pixels).expect("PNG pixels");
    pixels.truncate(info.buffer_size());
    (info.width, info.height, pixels)
}

#[test]
fn receipts_go_out_over_the_serial_line_and_printer_trouble_reaches_the_screen() {
    let driver = headless::install(WINDOW).expect("headless Slint platform");
    let fake = PtyPrinter::start().expect("a fake printer on a pseudo-terminal");
    let panel = fake.panel();
    let data = tempfile::tempdir().expect("temporary folder");
    write_demo_camera_frames(&data.path().join("camera")).expect("camera pictures");
    let mut config = Config::demo_default(data.path());
    // A real kiosk's receipt: no DEMO banner.
    config.demo = false;
    config.printer = PrinterConfig::Serial {
        device: fake.path().to_path_buf(),
        baud: 115_200,
        paper_width_mm: 80,
        flow_control: FlowControl::None,
        status_timeout_ms: 1000,
        write_timeout_ms: 5000,
    };
    let window = kiosk_ui::new_window().expect("kiosk window");
    let kiosk = Kiosk::start(&config, &window, None).expect("kiosk starts");

    // A receipt prints: the screen asks the citizen to take it, and the bytes on the line
    // decode to exactly the golden receipt.
    kiosk.print_receipt(provisional_receipt());
    assert!(
        driver.run_until(PATIENCE, || window.get_screen() == Screen::ReceiptStatus
            && window.get_receipt_outcome() == ReceiptOutcome::Printed),
        "the receipt should print; outcome {:?}",
        window.get_receipt_outcome()
    );
    let pages = decode(&panel.take_received()).expect("the printer got valid ESC/POS");
    assert_eq!(pages.len(), 1, "one receipt, one cut");
    assert_golden(&pages[0].to_png().expect("PNG"), "provisional-receipt-80mm");

    // Out of paper: nothing is sent, the citizen is told to ask staff, with the code and
    // the reference; once the roll is changed, "print again" prints it.
    window.invoke_start_over();
    assert!(driver.run_until(PATIENCE, || window.get_screen() == Screen::Welcome));
    panel.set_status(PrinterStatus::PaperOut);
    kiosk.print_receipt(provisional_receipt());
    assert!(
        driver.run_until(PATIENCE, || window.get_screen() == Screen::ReceiptStatus
            && window.get_receipt_outcome() == ReceiptOutcome::NotPrinted),
        "paper out must be reported"
    );
    assert_eq!(window.get_receipt_error_code(), "HAL-PAPER-OUT");
    assert_eq!(window.get_receipt_reference(), "BD-TDM-01-000042");
    let refused = panel.take_received();
    assert!(
        decode(&refused).expect("status queries only").is_empty(),
        "no receipt may go to a printer without paper"
    );
    panel.set_status(PrinterStatus::Ready);
    window.invoke_try_again();
    assert!(
        driver.run_until(PATIENCE, || window.get_receipt_outcome()
            == ReceiptOutcome::Printed),
        "the kept receipt prints once the roll is changed"
    );
    assert_eq!(decode(&panel.take_received()).expect("ESC/POS").len(), 1);

    // The cover opens: the next receipt fails with its own code, and the self-test says
    // what to do.
    window.invoke_start_over();
    assert!(driver.run_until(PATIENCE, || window.get_screen() == Screen::Welcome));
    panel.set_status(PrinterStatus::CoverOpen);
    kiosk.print_receipt(provisional_receipt());
    assert!(
        driver.run_until(PATIENCE, || window.get_screen() == Screen::ReceiptStatus
            && window.get_receipt_outcome() == ReceiptOutcome::NotPrinted
            && window.get_receipt_error_code() == "HAL-COVER-OPEN"),
        "an open cover must be reported; code {}",
        window.get_receipt_error_code()
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the self-test");
    let reports = runtime.block_on(kiosk.devices().self_test_all());
    let printer = reports
        .iter()
        .find(|report| report.device == "printer")
        .expect("the printer's report");
    assert_eq!(printer.outcome, kiosk_hal::TestOutcome::Fail);
    assert!(
        printer.detail.contains("cover open") && printer.backend.starts_with("serial:"),
        "{printer:?}"
    );

    // Paper running out while the receipt prints: the job fails (it may be incomplete)
    // rather than passing for printed.
    window.invoke_start_over();
    assert!(driver.run_until(PATIENCE, || window.get_screen() == Screen::Welcome));
    panel.set_status(PrinterStatus::Ready);
    panel.run_out_of_paper_after(2_000);
    kiosk.print_receipt(provisional_receipt());
    assert!(
        driver.run_until(PATIENCE, || window.get_screen() == Screen::ReceiptStatus
            && window.get_receipt_outcome() == ReceiptOutcome::NotPrinted),
        "a job cut short by the paper must not count as printed"
    );
    assert_eq!(window.get_receipt_error_code(), "HAL-PAPER-OUT");

    drop(kiosk);
    window.hide().ok();
}
