//! The serial printer against the fake printer on a pseudo-terminal: the real serial stack
//! (termios, poll, the tty layer) between them.
//!
//! Timeouts here are generous, for a loaded 2-core machine: a status answer from the fake
//! takes milliseconds, and only tests about timing out use short timeouts, asserting no
//! more than an upper bound.

use std::path::Path;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard, mpsc};
use std::time::{Duration, Instant};

use super::*;
use crate::ErrorKind;
use crate::sim::{PtyPrinter, PtyPrinterPanel};

/// Longer than any answer from the fake can take, however loaded the machine.
const GENEROUS: Duration = Duration::from_secs(10);
/// For the tests that must time out.
const SHORT: Duration = Duration::from_millis(300);
/// What a call that times out may take beyond its timeout.
const SLACK: Duration = Duration::from_secs(2);

/// Pseudo-terminal numbers are reused as soon as one is freed, so a test that reopens the
/// path of a fake that vanished could land on another test's new fake. Such a test holds
/// this exclusively; every other test that makes fakes holds it shared.
static PTY_NUMBERS: RwLock<()> = RwLock::new(());

fn shared_ptys() -> RwLockReadGuard<'static, ()> {
    PTY_NUMBERS.read().unwrap_or_else(PoisonError::into_inner)
}

fn exclusive_ptys() -> RwLockWriteGuard<'static, ()> {
    PTY_NUMBERS.write().unwrap_or_else(PoisonError::into_inner)
}

fn settings(fake: &PtyPrinter) -> SerialPrinterSettings {
    SerialPrinterSettings {
        status_timeout: GENEROUS,
        write_timeout: GENEROUS,
        ..SerialPrinterSettings::new(fake.path(), 115_200)
    }
}

fn start() -> (PtyPrinter, PtyPrinterPanel, SerialPrinter) {
    let fake = PtyPrinter::start().expect("start the fake printer");
    let panel = fake.panel();
    let printer = SerialPrinter::open(settings(&fake)).expect("open the fake printer's port");
    (fake, panel, printer)
}

fn job(id: &str, escpos: Vec<u8>) -> PrintJob {
    PrintJob {
        id: id.to_owned(),
        escpos,
    }
}

/// `GS v 0 0 xL xH yL yH` and the image bytes.
fn raster(width_bytes: u16, image: &[u8]) -> Vec<u8> {
    let height = u16::try_from(image.len() / usize::from(width_bytes)).expect("small image");
    let mut bytes = vec![0x1D, b'v', b'0', 0];
    bytes.extend_from_slice(&width_bytes.to_le_bytes());
    bytes.extend_from_slice(&height.to_le_bytes());
    bytes.extend_from_slice(image);
    bytes
}

/// A receipt as the kiosk prints one: initialise, a line of text, a raster image, a cut.
fn receipt(lines: usize) -> Vec<u8> {
    let mut bytes = b"\x1b@So bien nhan: 000.00.00.H00-250101-0001\n".to_vec();
    let image: Vec<u8> = (0..72 * lines).map(|i| (i * 7 % 251) as u8).collect();
    bytes.extend(raster(72, &image));
    // GS V 66 0: feed to the cutter and cut.
    bytes.extend_from_slice(&[0x1D, b'V', 66, 0]);
    bytes
}

/// Whether `bytes` are whole `DLE EOT n` queries and nothing else.
fn only_status_queries(bytes: &[u8]) -> bool {
    bytes.len().is_multiple_of(3)
        && bytes
            .chunks(3)
            .all(|query| matches!(query, [0x10, 0x04, 1..=4]))
}

/// Checks that `received` is status queries, the job byte for byte, `GS r 1`, and status
/// queries again.
fn assert_job_framed(received: &[u8], job: &[u8]) {
    let start = received
        .windows(job.len())
        .position(|window| window == job)
        .expect("the job arrived whole, byte for byte");
    let (before, rest) = received.split_at(start);
    let after = rest.get(job.len()..).unwrap_or_default();
    assert!(only_status_queries(before), "before the job: {before:02x?}");
    assert_eq!(
        after.get(..3),
        Some(&[0x1D, 0x72, 0x01][..]),
        "GS r 1 after the job"
    );
    assert!(
        only_status_queries(after.get(3..).unwrap_or_default()),
        "after the job: {after:02x?}"
    );
}

#[test]
fn status_is_read_in_each_state() {
    let _ptys = shared_ptys();
    let (_fake, panel, mut printer) = start();
    for status in [
        PrinterStatus::Ready,
        PrinterStatus::PaperNearEnd,
        PrinterStatus::PaperOut,
        PrinterStatus::CoverOpen,
        PrinterStatus::Offline,
        PrinterStatus::Ready,
    ] {
        panel.set_status(status);
        assert_eq!(printer.status(GENEROUS).expect("status"), status);
    }
}

#[test]
fn every_flow_control_and_baud_rate_opens_and_talks() {
    let _ptys = shared_ptys();
    let fake = PtyPrinter::start().expect("start the fake printer");
    for (flow_control, baud) in [
        (FlowControl::None, 9_600),
        (FlowControl::Hardware, 19_200),
        (FlowControl::Software, 230_400),
    ] {
        let mut printer = SerialPrinter::open(SerialPrinterSettings {
            flow_control,
            baud,
            ..settings(&fake)
        })
        .expect("open");
        assert_eq!(printer.settings().flow_control, flow_control);
        printer
            .print(&job("ticket-1", receipt(2)))
            .expect("printed");
    }
    assert_eq!(fake.panel().confirmations(), 3);
}

#[test]
fn a_job_arrives_byte_for_byte_and_is_confirmed() {
    let _ptys = shared_ptys();
    let (_fake, panel, mut printer) = start();
    let first = job("receipt-1", receipt(200));
    printer.print(&first).expect("first job printed");
    assert_eq!(panel.confirmations(), 1);
    assert_job_framed(&panel.received(), &first.escpos);

    // Every byte value, and a job of many chunks.
    panel.take_received();
    panel.set_status(PrinterStatus::PaperNearEnd);
    let every_byte = job(
        "ticket-2",
        (0..=255u8).cycle().take(3 * WRITE_CHUNK + 7).collect(),
    );
    // 0..=255 in order holds no DLE EOT n and no GS r; the raster test has those.
    printer.print(&every_byte).expect("near end still prints");
    assert_eq!(panel.confirmations(), 2);
    assert_job_framed(&panel.received(), &every_byte.escpos);
}

#[test]
fn a_printer_that_cannot_print_refuses_before_any_of_the_job_is_sent() {
    let _ptys = shared_ptys();
    let (_fake, panel, mut printer) = start();
    for (status, kind) in [
        (PrinterStatus::PaperOut, ErrorKind::PaperOut),
        (PrinterStatus::CoverOpen, ErrorKind::CoverOpen),
        (PrinterStatus::Offline, ErrorKind::NotPresent),
    ] {
        panel.set_status(status);
        let error = printer
            .print(&job("receipt-9", receipt(10)))
            .expect_err("refused");
        assert_eq!(error.kind(), kind, "{status}: {error}");
        assert!(!error.job_may_have_printed(), "{error}");
        let text = error.to_string();
        assert!(
            text.contains("receipt-9") && text.contains("not sent"),
            "{text}"
        );
        assert!(text.contains(&status.to_string()), "{text}");
    }
    // A status answered after the refusals: whatever the kiosk sent before it has arrived.
    printer.status(GENEROUS).expect("status");
    let received = panel.received();
    assert!(only_status_queries(&received), "{received:02x?}");
    assert_eq!(panel.confirmations(), 0);
}

#[test]
fn an_offline_printer_says_why() {
    let _ptys = shared_ptys();
    let (_fake, panel, mut printer) = start();
    panel.set_status(PrinterStatus::Offline);
    let error = printer.print(&job("q-1", receipt(1))).expect_err("offline");
    assert!(error.to_string().contains("autocutter"), "{error}");
}

#[test]
fn paper_running_out_mid_job_fails_it_as_paper_out() {
    let _ptys = shared_ptys();
    let fake = PtyPrinter::start().expect("start the fake printer");
    let panel = fake.panel();
    let mut printer = SerialPrinter::open(SerialPrinterSettings {
        // The printer never confirms this job; do not wait the default allowance for it.
        print_allowance: Duration::from_millis(500),
        ..settings(&fake)
    })
    .expect("open");
    panel.run_out_of_paper_after(2_000);
    let long = job("receipt-3", receipt(100));
    let error = printer.print(&long).expect_err("paper ran out");
    assert_eq!(error.kind(), ErrorKind::PaperOut, "{error}");
    assert!(error.job_may_have_printed());
    let text = error.to_string();
    assert!(
        text.contains("receipt-3") && text.contains("may be incomplete"),
        "{text}"
    );
    assert_eq!(panel.confirmations(), 0);

    // New paper: the printer finishes what it held (and confirms it late, which must not
    // confuse what follows), and the reprint goes through.
    panel.set_status(PrinterStatus::Ready);
    assert_eq!(panel.confirmations(), 1);
    printer.print(&long).expect("reprinted");
    assert_eq!(panel.confirmations(), 2);
}

#[test]
fn a_job_the_printer_never_confirms_times_out() {
    let _ptys = shared_ptys();
    let fake = PtyPrinter::start().expect("start the fake printer");
    let panel = fake.panel();
    let allowance = Duration::from_millis(500);
    let mut printer = SerialPrinter::open(SerialPrinterSettings {
        print_allowance: allowance,
        ..settings(&fake)
    })
    .expect("open");
    // A raster header announcing far more image than follows: the printer takes the GS r
    // after it for image data, and keeps waiting for the rest.
    let mut truncated = vec![0x1D, b'v', b'0', 0, 0xFF, 0xFF, 0xFF, 0xFF];
    truncated.extend_from_slice(&[0xAA; 100]);
    let unconfirmed = job("receipt-4", truncated);
    let started = Instant::now();
    let error = printer.print(&unconfirmed).expect_err("never confirmed");
    let bound = confirmation_wait(unconfirmed.escpos.len(), 115_200, allowance) + SLACK;
    assert!(started.elapsed() < bound, "{:?}", started.elapsed());
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
    assert!(error.job_may_have_printed());
    let text = error.to_string();
    assert!(
        text.contains("GS r 1") && text.contains("receipt-4"),
        "{text}"
    );
    assert_eq!(panel.confirmations(), 0);
}

#[test]
fn a_printer_that_never_answers_times_out_in_time() {
    let _ptys = shared_ptys();
    let fake = PtyPrinter::start().expect("start the fake printer");
    let panel = fake.panel();
    let mut printer = SerialPrinter::open(SerialPrinterSettings {
        status_timeout: SHORT,
        ..settings(&fake)
    })
    .expect("open");
    panel.set_silent(true);

    let started = Instant::now();
    let error = printer.status(SHORT).expect_err("no answer");
    assert!(started.elapsed() < SHORT + SLACK, "{:?}", started.elapsed());
    assert_eq!(error.kind(), ErrorKind::Timeout);
    let text = error.to_string();
    assert!(text.contains("did not answer the status query"), "{text}");
    assert!(text.contains("DLE EOT 1"), "{text}");

    panel.take_received();
    let started = Instant::now();
    let error = printer
        .print(&job("receipt-5", receipt(10)))
        .expect_err("no answer");
    assert!(started.elapsed() < SHORT + SLACK, "{:?}", started.elapsed());
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(!error.job_may_have_printed(), "{error}");
    assert!(only_status_queries(&panel.received()));

    let report = printer.self_test();
    assert_eq!(report.outcome, TestOutcome::Fail);
    assert!(
        report.detail.starts_with("HAL-TIMEOUT"),
        "{}",
        report.detail
    );
}

#[test]
fn the_far_end_vanishing_mid_job_is_a_disconnection() {
    let _ptys = exclusive_ptys();
    let (_fake, panel, mut printer) = start();
    panel.vanish_after(3_000);
    let started = Instant::now();
    let error = printer
        .print(&job("receipt-6", receipt(400)))
        .expect_err("the port went away");
    assert!(started.elapsed() < GENEROUS, "{:?}", started.elapsed());
    assert_eq!(error.kind(), ErrorKind::Disconnected, "{error}");
    assert!(error.job_may_have_printed());
    assert!(error.to_string().contains("receipt-6"), "{error}");
    assert!(panel.has_vanished());

    // The adapter is gone, and its path with it.
    let error = printer.status(GENEROUS).expect_err("nothing there");
    assert_eq!(error.kind(), ErrorKind::NotPresent, "{error}");
    let report = printer.self_test();
    assert_eq!(report.outcome, TestOutcome::Fail);
    assert!(
        report.detail.starts_with("HAL-NOT-PRESENT"),
        "{}",
        report.detail
    );
}

#[test]
fn the_far_end_vanishing_while_idle_is_a_disconnection() {
    let _ptys = exclusive_ptys();
    let (_fake, panel, mut printer) = start();
    panel.vanish();
    let error = printer.status(GENEROUS).expect_err("gone");
    assert_eq!(error.kind(), ErrorKind::Disconnected, "{error}");
    let error = printer.status(GENEROUS).expect_err("still gone");
    assert_eq!(error.kind(), ErrorKind::NotPresent, "{error}");
}

#[test]
fn a_port_that_does_not_exist_is_not_present_and_named() {
    let path = "/dev/ttyUSB-kiosk-test-no-such-adapter";
    let error =
        SerialPrinter::open(SerialPrinterSettings::new(path, 115_200)).expect_err("no such port");
    assert_eq!(error.kind(), ErrorKind::NotPresent);
    assert!(error.to_string().contains(path), "{error}");
}

#[test]
fn a_path_that_is_no_serial_port_is_invalid_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("receipts.escpos");
    std::fs::write(&file, b"").expect("a regular file");
    for path in [Path::new("/dev/null"), file.as_path(), dir.path()] {
        let error = SerialPrinter::open(SerialPrinterSettings::new(path, 115_200))
            .expect_err("not a serial port");
        assert_eq!(
            error.kind(),
            ErrorKind::InvalidInput,
            "{}: {error}",
            path.display()
        );
        let text = error.to_string();
        assert!(text.contains("not a serial port"), "{text}");
        assert!(text.contains(&path.display().to_string()), "{text}");
    }
}

#[test]
fn settings_that_describe_no_line_are_refused() {
    let _ptys = shared_ptys();
    let fake = PtyPrinter::start().expect("start the fake printer");
    for settings in [
        SerialPrinterSettings {
            baud: 0,
            ..settings(&fake)
        },
        SerialPrinterSettings {
            status_timeout: Duration::ZERO,
            ..settings(&fake)
        },
    ] {
        let error = SerialPrinter::open(settings).expect_err("refused");
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    }
}

#[test]
fn a_port_held_by_another_program_is_busy() {
    let _ptys = shared_ptys();
    let (fake, _panel, _printer) = start();
    let error = SerialPrinter::open(settings(&fake)).expect_err("already open");
    assert_eq!(error.kind(), ErrorKind::Busy, "{error}");
}

#[test]
fn answers_that_are_no_status_are_a_clear_error() {
    let _ptys = shared_ptys();
    let (_fake, panel, mut printer) = start();
    for garbage in [0xFF, 0x00, 0x13] {
        panel.set_wrong_answer(Some(garbage));
        let error = printer.status(GENEROUS).expect_err("garbage");
        assert_eq!(error.kind(), ErrorKind::Other);
        let text = error.to_string();
        assert!(text.contains("not a status byte"), "{text}");
        assert!(text.contains(&format!("{garbage:#04x}")), "{text}");
        assert!(text.contains("baud"), "{text}");
    }
    let error = printer
        .print(&job("receipt-7", receipt(1)))
        .expect_err("garbage");
    assert!(!error.job_may_have_printed(), "{error}");
    panel.set_wrong_answer(None);
    assert_eq!(
        printer.status(GENEROUS).expect("sane again"),
        PrinterStatus::Ready
    );
}

#[test]
fn status_and_gs_r_bytes_inside_raster_data_do_not_confuse_the_job() {
    let _ptys = shared_ptys();
    let (_fake, panel, mut printer) = start();
    panel.set_status(PrinterStatus::PaperNearEnd);
    let mut image = vec![0x55; 72 * 4];
    for (at, sequence) in [
        (10, &[0x10, 0x04, 0x01][..]),
        (40, &[0x1D, 0x72, 0x01]),
        (80, &[0x10, 0x04, 0x04]),
        (120, &[0x10, 0x04, 0x02]),
        (160, &[0x1D, 0x72, 0x01]),
        (200, &[0x10, 0x04, 0x03]),
    ] {
        image.splice(at..at + sequence.len(), sequence.iter().copied());
    }
    let mut escpos = b"\x1b@".to_vec();
    escpos.extend(raster(72, &image));
    escpos.extend_from_slice(&[0x1D, b'V', 66, 0]);
    let tricky = job("receipt-8", escpos);
    printer
        .print(&tricky)
        .expect("printed despite the stray answers");
    // The two GS r 1 inside the image are image data; only the kiosk's own was answered.
    assert_eq!(panel.confirmations(), 1);
    assert_job_framed(&panel.received(), &tricky.escpos);
    // Another job right after: no stray answer is left to be taken for its status.
    printer.print(&tricky).expect("printed again");
    assert_eq!(panel.confirmations(), 2);
}

#[test]
fn a_printer_holding_the_line_times_the_write_out() {
    let _ptys = shared_ptys();
    let fake = PtyPrinter::start().expect("start the fake printer");
    let panel = fake.panel();
    let mut printer = SerialPrinter::open(SerialPrinterSettings {
        flow_control: FlowControl::Software,
        status_timeout: SHORT,
        write_timeout: Duration::from_secs(2),
        ..settings(&fake)
    })
    .expect("open");
    assert_eq!(
        printer.status(GENEROUS).expect("ready"),
        PrinterStatus::Ready
    );
    // A pseudo-terminal, unlike a UART, takes no bytes at all once stopped: an XOFF landing
    // between the kiosk's poll and its write() would block that write until XON. The window
    // is microseconds wide; should it ever be hit, this sends the XON that ends the wait, so
    // the test fails instead of hanging.
    let (finished, watch) = mpsc::channel::<()>();
    let watchdog_panel = panel.clone();
    let watchdog = std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = watch.recv_timeout(Duration::from_secs(60)) {
            watchdog_panel.set_holding_off(false);
        }
    });
    panel.set_holding_off(true);
    // The XOFF reaches the kiosk's line discipline a moment after the fake sent it; until
    // then a query may still go out and be answered.
    let held = (0..50).find_map(|_| {
        let started = Instant::now();
        match printer.status(SHORT) {
            Err(error) => Some((error, started.elapsed())),
            Ok(_) => None,
        }
    });
    let (error, took) = held.expect("the query is held back");
    assert!(took < SHORT + SLACK, "{took:?}");
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
    assert!(error.to_string().contains("holds the line"), "{error}");

    panel.take_received();
    let error = printer
        .print(&job("receipt-10", receipt(10)))
        .expect_err("held back");
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
    assert!(!error.job_may_have_printed(), "{error}");

    panel.set_holding_off(false);
    assert_eq!(
        printer.status(GENEROUS).expect("released"),
        PrinterStatus::Ready
    );
    assert!(only_status_queries(&panel.received()));
    drop(finished);
    watchdog.join().expect("watchdog");
}

#[test]
fn self_test_reports_each_state() {
    let _ptys = shared_ptys();
    let (fake, panel, mut printer) = start();
    let report = printer.self_test();
    assert_eq!(report.outcome, TestOutcome::Pass, "{}", report.detail);
    assert_eq!(report.device, "printer");
    assert_eq!(
        report.backend,
        format!("serial:{}@115200", fake.path().display())
    );
    panel.set_status(PrinterStatus::PaperNearEnd);
    assert_eq!(printer.self_test().outcome, TestOutcome::Warn);
    for (status, advice) in [
        (PrinterStatus::PaperOut, "load a new roll"),
        (PrinterStatus::CoverOpen, "close the cover"),
        (PrinterStatus::Offline, "autocutter"),
    ] {
        panel.set_status(status);
        let report = printer.self_test();
        assert_eq!(report.outcome, TestOutcome::Fail, "{status}");
        assert!(
            report.detail.contains(&status.to_string()),
            "{}",
            report.detail
        );
        assert!(report.detail.contains(advice), "{}", report.detail);
    }
}

#[test]
fn the_confirmation_wait_grows_with_the_job() {
    let allowance = Duration::from_secs(5);
    let empty = confirmation_wait(0, 115_200, allowance);
    assert!(empty >= allowance && empty < allowance + Duration::from_millis(10));
    // 86 400 bytes (an 80 mm receipt 150 mm long) take 7.5 s at 115 200 baud, 4.3 s in the
    // slowest head.
    let receipt = confirmation_wait(86_400, 115_200, allowance);
    assert!(
        receipt > Duration::from_secs(16) && receipt < Duration::from_secs(18),
        "{receipt:?}"
    );
    assert!(confirmation_wait(86_400, 9_600, allowance) > Duration::from_secs(90));
    // No overflow, however absurd the numbers.
    assert!(confirmation_wait(usize::MAX, 1, Duration::MAX) == Duration::MAX);
}

#[test]
fn dropping_the_fake_printer_ends_it_and_hangs_up_the_kiosk_end() {
    let _ptys = shared_ptys();
    let (fake, panel, mut printer) = start();
    let started = Instant::now();
    drop(fake);
    assert!(started.elapsed() < SLACK, "{:?}", started.elapsed());
    let error = printer.status(GENEROUS).expect_err("nobody at the far end");
    assert_eq!(error.kind(), ErrorKind::Disconnected, "{error}");
    // The panel outlives the printer harmlessly.
    panel.set_status(PrinterStatus::PaperOut);
}
