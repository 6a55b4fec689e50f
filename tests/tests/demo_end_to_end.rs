//! The whole kiosk, started headless on simulated devices: a card tapped on the simulated
//! reader must travel HAL → card-reader thread → session → Slint window and change what the
//! screen shows, in pixels as well as in properties.
//!
//! One test function: Slint's event-loop proxy is global to the process, so the headless
//! platform is installed once.

use std::path::Path;
use std::time::Duration;

use kiosk_app::app::Kiosk;
use kiosk_app::config::Config;
use kiosk_app::demo::{LockedEmrtdChip, write_demo_camera_frames, write_demo_cards};
use kiosk_ui::{AppWindow, CardOutcome, NotGenuineReason, ReceiptOutcome, Screen, headless};
use slint::{ComponentHandle, Model, PhysicalSize, Rgba8Pixel, SharedPixelBuffer};

/// Generous: this is how long a broken event path takes to fail, not a speed requirement.
const PATIENCE: Duration = Duration::from_secs(20);

/// The kiosk screen and the demo panel beside it, as the theme lays them out.
const WINDOW: PhysicalSize = PhysicalSize::new(1920 + 420, 1080);
/// Theme.success, the tone of the "card ready" badge.
const SUCCESS_GREEN: [u8; 3] = [0x0f, 0x6b, 0x34];
/// Theme.danger, the tone of the "not an ID card" badge.
const DANGER_RED: [u8; 3] = [0xa3, 0x12, 0x1f];

fn count_colour(shot: &SharedPixelBuffer<Rgba8Pixel>, rgb: [u8; 3]) -> usize {
    let width = shot.width() as usize;
    shot.as_slice()
        .iter()
        .enumerate()
        // Only the kiosk screen, not the demo panel.
        .filter(|(index, _)| index % width < 1920)
        .filter(|(_, pixel)| [pixel.r, pixel.g, pixel.b] == rgb)
        .count()
}

fn kiosk_area_differs(
    a: &SharedPixelBuffer<Rgba8Pixel>,
    b: &SharedPixelBuffer<Rgba8Pixel>,
) -> usize {
    let width = a.width() as usize;
    a.as_slice()
        .iter()
        .zip(b.as_slice())
        .enumerate()
        .filter(|(index, (p, q))| index % width < 1920 && p != q)
        .count()
}

/// Keeps the screenshot for a person to look at: target/tmp/<name>.png.
fn save(shot: &SharedPixelBuffer<Rgba8Pixel>, name: &str) {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.png"));
    let file = std::fs::File::create(&path).expect("create screenshot file");
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), shot.width(), shot.height());
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("png header");
    writer.write_image_data(shot.as_bytes()).expect("png data");
}

/// A card laid on the reader (or its code shown) at the welcome screen asks the citizen's
/// consent first; the citizen agrees.
fn agree(driver: &headless::HeadlessDriver, window: &AppWindow) {
    await_consent(driver, window);
    window.invoke_accept_consent();
}

fn await_consent(driver: &headless::HeadlessDriver, window: &AppWindow) {
    assert!(
        driver.run_until(PATIENCE, || window.get_screen() == Screen::Consent),
        "the kiosk must ask for consent before it reads anything; screen {:?}",
        window.get_screen()
    );
}

/// The demo citizen puts the card's code away before the next step, so that a code still
/// in front of the camera never reaches the next visit.
fn hands_free(driver: &headless::HeadlessDriver, window: &AppWindow) {
    assert!(
        driver.run_until(PATIENCE, || !window.get_demo_showing_code()),
        "the demo citizen never put the card's code away"
    );
}

#[test]
fn a_tapped_card_travels_from_the_reader_to_the_screen() {
    let driver = headless::install(WINDOW).expect("headless Slint platform");
    let data = tempfile::tempdir().expect("temporary demo folder");
    write_demo_camera_frames(&data.path().join("camera")).expect("demo camera pictures");
    let mut config = Config::demo_default(data.path());
    let cards = write_demo_cards(&data.path().join("sample-cards")).expect("sample cards");
    config.identity.trust_store = Some(cards.trust_dir.clone());

    let window = kiosk_ui::new_window().expect("kiosk window");
    let kiosk =
        Kiosk::start(&config, &window, Some(cards)).expect("kiosk starts on simulated devices");

    assert!(
        driver.run_until(PATIENCE, || window.get_demo_reader_plugged()
            && window.get_demo_last_event().contains("reader attached")),
        "the simulated reader's attach event never reached the demo panel"
    );
    assert_eq!(window.get_screen(), Screen::Welcome);
    assert_eq!(window.get_language(), "vi", "Vietnamese is the default");
    let welcome = driver.snapshot().expect("render welcome");
    save(&welcome, "welcome-vi");

    // The citizen switches to English: the screen's text changes.
    window.invoke_choose_language("en".into());
    assert!(driver.run_until(PATIENCE, || window.get_language() == "en"));
    let english = driver.snapshot().expect("render welcome in English");
    save(&english, "welcome-en");
    assert!(
        kiosk_area_differs(&welcome, &english) > 1000,
        "English text should replace Vietnamese"
    );

    // The demo panel shows a citizen's QR code and lays their chip ID card on the reader:
    // the chip is opened with PACE, read, and verified against the test CSCA.
    window.invoke_demo_tap_id_card();
    await_consent(&driver, &window);
    save(&driver.snapshot().expect("render consent"), "consent-en");
    window.invoke_accept_consent();
    assert!(
        driver.run_until(PATIENCE, || window.get_screen() == Screen::CardStatus
            && window.get_card_outcome() == CardOutcome::Genuine),
        "a genuine sample card must be verified; screen is {:?}, outcome {:?}",
        window.get_screen(),
        window.get_card_outcome()
    );
    assert!(
        window.get_demo_card_present(),
        "the demo panel shows the card on the reader"
    );
    assert!(
        window.get_card_holder_name().contains("Nguyễn"),
        "the holder's name comes from DG13, with its diacritics"
    );
    let genuine = driver.snapshot().expect("render genuine card");
    save(&genuine, "card-genuine");
    assert!(
        kiosk_area_differs(&english, &genuine) > 10_000,
        "the screen must change"
    );
    assert!(
        count_colour(&genuine, SUCCESS_GREEN) > 1000,
        "the green 'genuine' badge is drawn"
    );

    // A forged card (DG13 changed after signing) is not taken as genuine, and says why.
    hands_free(&driver, &window);
    window.invoke_demo_remove_card();
    window.invoke_start_over();
    assert!(driver.run_until(PATIENCE, || window.get_screen() == Screen::Welcome));
    window.invoke_demo_tap_forged_card();
    agree(&driver, &window);
    assert!(
        driver.run_until(PATIENCE, || window.get_screen() == Screen::CardStatus
            && window.get_card_outcome() == CardOutcome::NotGenuine),
        "a forged card must be refused; outcome {:?}",
        window.get_card_outcome()
    );
    assert_eq!(
        window.get_card_not_genuine_reason(),
        NotGenuineReason::DataChanged
    );
    save(&driver.snapshot().expect("render forged"), "card-forged");
    hands_free(&driver, &window);

    // A chip ID card without its QR code: the kiosk asks for the QR code.
    let slot = kiosk
        .devices()
        .simulated
        .card_slot
        .clone()
        .expect("demo configuration has a simulated reader");
    slot.remove();
    window.invoke_start_over();
    assert!(driver.run_until(PATIENCE, || window.get_screen() == Screen::Welcome));
    slot.insert(Box::new(LockedEmrtdChip::default()));
    agree(&driver, &window);
    assert!(
        driver.run_until(PATIENCE, || window.get_screen() == Screen::CardStatus
            && window.get_card_outcome() == CardOutcome::NeedsQr),
        "a chip without keys must ask for the QR code"
    );

    // Start over, then the demo panel's own button taps a bank card.
    slot.remove();
    window.invoke_start_over();
    assert!(
        driver.run_until(PATIENCE, || window.get_screen() == Screen::Welcome
            && window.get_language() == "vi")
    );
    window.invoke_demo_tap_other_card();
    agree(&driver, &window);
    assert!(
        driver.run_until(PATIENCE, || window.get_screen() == Screen::CardStatus
            && window.get_card_outcome() == CardOutcome::NotIdCard),
        "a bank card must be told apart from an ID card"
    );
    let not_id = driver.snapshot().expect("render not-an-ID-card");
    save(&not_id, "not-an-id-card");
    assert!(
        count_colour(&not_id, DANGER_RED) > 1000,
        "the red 'not an ID card' badge is drawn"
    );

    // The bank card is taken away; unplugging the reader while the kiosk waits for a card
    // asks for staff.
    window.invoke_demo_remove_card();
    assert!(driver.run_until(PATIENCE, || !window.get_demo_card_present()));
    window.invoke_try_again();
    assert!(driver.run_until(PATIENCE, || window.get_screen() == Screen::PresentCard));
    window.invoke_demo_toggle_reader();
    assert!(
        driver.run_until(PATIENCE, || window.get_screen() == Screen::CardStatus
            && window.get_card_outcome() == CardOutcome::ReaderProblem),
        "an unplugged reader must be reported"
    );
    assert_eq!(window.get_card_error_code(), "HAL-DISCONNECTED");
    window.invoke_demo_toggle_reader();
    assert!(
        driver.run_until(PATIENCE, || window.get_screen() == Screen::PresentCard),
        "plugging the reader back resumes the visit"
    );

    // The demo panel's self-test reaches every simulated device.
    window.invoke_demo_run_self_tests();
    assert!(
        driver.run_until(PATIENCE, || window.get_demo_self_tests().row_count() == 3),
        "self-tests of the three devices reach the panel"
    );
    let outcomes: Vec<String> = window
        .get_demo_self_tests()
        .iter()
        .map(|line| format!("{}={}", line.device, line.outcome))
        .collect();
    assert_eq!(
        outcomes,
        ["card reader=pass", "camera=pass", "printer=pass"]
    );

    // The technician's test page goes through the file printer: the screen asks to take
    // the receipt, and the panel shows the page that came out (decoded from the printer's
    // ESC/POS bytes), also kept as a PNG beside them.
    window.invoke_start_over();
    assert!(driver.run_until(PATIENCE, || window.get_screen() == Screen::Welcome));
    window.invoke_demo_print_test_page();
    assert!(
        driver.run_until(PATIENCE, || window.get_screen() == Screen::ReceiptStatus
            && window.get_receipt_outcome() == ReceiptOutcome::Printed),
        "the test page must print; outcome {:?}",
        window.get_receipt_outcome()
    );
    assert!(
        driver.run_until(PATIENCE, || window.get_demo_last_receipt().size().height
            > 500),
        "the printed page never reached the demo panel"
    );
    assert!(data.path().join("receipts.png").is_file());
    save(
        &driver.snapshot().expect("render receipt printed"),
        "receipt-printed",
    );

    // The panel empties the printer: the next receipt is not printed and the citizen is
    // sent to staff with the printer's code.
    window.invoke_demo_cycle_printer_state();
    window.invoke_demo_cycle_printer_state();
    assert_eq!(window.get_demo_printer_state(), "paper out");
    window.invoke_start_over();
    assert!(driver.run_until(PATIENCE, || window.get_screen() == Screen::Welcome));
    window.invoke_demo_print_test_page();
    assert!(
        driver.run_until(PATIENCE, || window.get_screen() == Screen::ReceiptStatus
            && window.get_receipt_outcome() == ReceiptOutcome::NotPrinted),
        "paper out must reach the screen"
    );
    assert_eq!(window.get_receipt_error_code(), "HAL-PAPER-OUT");
    save(
        &driver.snapshot().expect("render receipt not printed"),
        "receipt-not-printed",
    );

    // "Are you still there?" covers the screen with its countdown (the session's timing
    // of it is tested in the session's own tests, without waiting for real minutes).
    kiosk_ui::ask_still_there(&window, Some(Duration::from_secs(20)));
    let before = driver.snapshot().expect("render the question");
    save(&before, "still-there");
    assert!(window.get_asking_still_there());
    assert_eq!(window.get_still_there_seconds(), 20);
    kiosk_ui::ask_still_there(&window, None);
    let after = driver.snapshot().expect("render without the question");
    assert!(
        kiosk_area_differs(&before, &after) > 100_000,
        "the question must cover the screen"
    );

    // The camera's frames reach the panel's preview.
    assert!(
        driver.run_until(PATIENCE, || window
            .get_demo_camera_caption()
            .contains("frame")),
        "no camera frame reached the demo panel"
    );

    drop(kiosk);
    window.hide().ok();
}
