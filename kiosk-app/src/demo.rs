//! What `kiosk demo` adds to a kiosk on simulated devices: the cards the demo panel taps,
//! the pictures the replay camera shows, and the panel's wiring.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use kiosk_hal::camera::{Frame, LatestFrame, PixelFormat, SlotRead};
use kiosk_hal::sim::{BlankCard, FilePrinterPanel, ReplayPanel, SimulatedCardSlot};
use kiosk_hal::{Atr, CardEvent, PrinterStatus, VirtualCard};
use kiosk_identity::apdu::StatusWord;
use kiosk_identity::emrtd::EMRTD_AID;
use kiosk_identity::emulator::CardFolder;
use kiosk_identity::sample_cards::{SampleCardError, SampleSet, write_sample_set};
use kiosk_identity::sm::OsRandom;
use kiosk_qr::synthetic::{Scene, card_photo};
use kiosk_ui::{AppWindow, CameraPreview, SelfTestLine};
use slint::{ComponentHandle, ModelRc, VecModel};
use tokio::sync::mpsc;

use crate::devices::{ReaderEvent, SimulatedDevices};
use crate::session::SessionInput;

/// The chip of an ID card as seen before any access control: it holds the eMRTD
/// application, and every file in it is protected (ICAO 9303-11 §4: data groups are read
/// only after BAC or PACE), so anything but selecting the application is refused with
/// 6982. The identity crate's emulated CCCD, with citizens and a test PKI, replaces it.
#[derive(Debug, Default)]
pub struct LockedEmrtdChip {
    application_selected: bool,
}

impl VirtualCard for LockedEmrtdChip {
    fn atr(&self) -> Atr {
        // PC/SC part 3 §3.1.3.2.3: the ATR a contactless reader builds for an ISO 14443-4
        // card without historical bytes; the same for every such card, so the kiosk cannot
        // and does not tell cards apart by it.
        Atr::new(BlankCard::ATR.to_vec()).unwrap_or_else(|| unreachable!("5 bytes"))
    }

    fn process_apdu(&mut self, command: &[u8]) -> Vec<u8> {
        let status = match command {
            [_, 0xA4, 0x04, _, rest @ ..] => {
                let selected = rest.first().is_some_and(|&lc| {
                    usize::from(lc) == EMRTD_AID.len()
                        && rest.get(1..=EMRTD_AID.len()) == Some(&EMRTD_AID[..])
                });
                self.application_selected = selected;
                if selected {
                    StatusWord::SUCCESS
                } else {
                    StatusWord::NOT_FOUND
                }
            }
            [_, _, _, _, ..] => StatusWord::SECURITY_NOT_SATISFIED,
            _ => StatusWord::WRONG_LENGTH,
        };
        status.0.to_be_bytes().to_vec()
    }

    fn reset(&mut self) {
        self.application_selected = false;
    }
}

/// A sample citizen's CCCD chip, emulated by the identity crate, lying on the simulated
/// reader.
pub struct EmulatedCccd(pub kiosk_identity::emulator::CccdChip);

impl VirtualCard for EmulatedCccd {
    fn atr(&self) -> Atr {
        // The emulator answers with the fixed 5-byte ATR of an ISO 14443-4 card.
        Atr::new(self.0.atr()).unwrap_or_else(|| unreachable!("CCCD_ATR is a valid ATR"))
    }

    fn process_apdu(&mut self, command: &[u8]) -> Vec<u8> {
        self.0.process_apdu(command)
    }

    fn reset(&mut self) {
        self.0.reset();
    }
}

/// Size of the pictures the demo camera replays.
const DEMO_FRAME_SIZE: (u32, u32) = (320, 240);
const DEMO_FRAME_COUNT: u32 = 12;

/// Writes the pictures the demo's replay camera shows into `folder` unless it already
/// holds some: a card-shaped shape crossing a desk, enough to see frames flow.
pub fn write_demo_camera_frames(folder: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    let has_images = std::fs::read_dir(folder)?
        .filter_map(Result::ok)
        .any(|entry| entry.path().extension().is_some_and(|ext| ext == "png"));
    if has_images {
        return Ok(());
    }
    let (width, height) = DEMO_FRAME_SIZE;
    for index in 0..DEMO_FRAME_COUNT {
        let card_x = 20 + index * (width - 140) / DEMO_FRAME_COUNT;
        let picture = image::RgbImage::from_fn(width, height, |x, y| {
            let on_card = (card_x..card_x + 120).contains(&x) && (80..156).contains(&y);
            let on_chip = (card_x + 12..card_x + 36).contains(&x) && (104..122).contains(&y);
            if on_chip {
                image::Rgb([201, 162, 39])
            } else if on_card {
                image::Rgb([217, 230, 245])
            } else {
                let shade = (60 + y * 60 / height) as u8;
                image::Rgb([shade, shade, shade + 10])
            }
        });
        picture
            .save(folder.join(format!("frame-{index:02}.png")))
            .map_err(std::io::Error::other)?;
    }
    Ok(())
}

/// Writes the demo's sample cards (a test CSCA, four citizens' cards signed under it, and
/// five forgeries) into `folder`, afresh on every start so certificates are always valid.
pub fn write_demo_cards(folder: &Path) -> Result<SampleSet, SampleCardError> {
    if folder.exists() {
        // Yesterday's set was signed by another test PKI; mixing the two would make every
        // card look forged.
        let _ = std::fs::remove_dir_all(folder);
    }
    write_sample_set(folder, &mut OsRandom)
}

/// Lays one card after another from a list: the citizen shows its QR code to the (demo)
/// camera, then places it on the reader.
struct CardCycle {
    cards: Vec<(PathBuf, String)>,
    next: AtomicUsize,
}

/// How long the demo citizen holds the card's code up to the camera before laying the
/// card on the reader, and how long after.
const SHOW_CODE_BEFORE: Duration = Duration::from_millis(800);
const SHOW_CODE_AFTER: Duration = Duration::from_secs(2);
/// Size of the close-up pictures of a card's code.
const CODE_PHOTO_SIZE: (u32, u32) = (640, 480);

impl CardCycle {
    /// Holds the next card's code up to the camera, then lays the card on the reader, as a
    /// citizen does; the kiosk reads the code through the camera and its QR scanner. Runs
    /// on a thread of its own so the panel's button returns at once.
    fn tap(&self, slot: &SimulatedCardSlot, hands: &DemoHands) {
        if self.cards.is_empty() {
            return;
        }
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.cards.len();
        let (folder, qr_text) = self.cards[index].clone();
        let (slot, hands) = (slot.clone(), hands.clone());
        let shown = std::thread::Builder::new()
            .name("demo-citizen".into())
            .spawn(move || {
                let chip = match CardFolder::load(&folder) {
                    Ok(chip) => chip,
                    Err(error) => {
                        tracing::error!(%error, "demo card cannot be loaded");
                        return;
                    }
                };
                hands.show_code(&qr_text, index as u64);
                std::thread::sleep(SHOW_CODE_BEFORE);
                slot.insert(Box::new(EmulatedCccd(chip)));
                std::thread::sleep(SHOW_CODE_AFTER);
                hands.put_code_away();
            });
        if let Err(error) = shown {
            tracing::error!(%error, "demo citizen thread cannot start");
        }
    }
}

/// What the demo citizen shows the camera. Without a replay camera (a demo on a real
/// camera), the code's text goes straight to the session instead.
#[derive(Clone)]
struct DemoHands {
    camera: Option<ReplayPanel>,
    inputs: mpsc::UnboundedSender<SessionInput>,
    /// The panel says while a code is held up, so whoever watches the demo (or drives it,
    /// like the end-to-end test) knows when the citizen's hands are free again.
    window: slint::Weak<AppWindow>,
}

impl DemoHands {
    fn show_code(&self, text: &str, seed: u64) {
        let Some(camera) = &self.camera else {
            let _ = self.inputs.send(SessionInput::QrScanned(text.to_owned()));
            return;
        };
        self.say_holding(true);
        let (width, height) = CODE_PHOTO_SIZE;
        // Two slightly different pictures, so the preview shows a hand that is not frozen.
        let frames: Result<Vec<Frame>, String> = (0..2)
            .map(|shot| {
                let scene = Scene::code_close_up(width, height, seed * 2 + shot);
                let photo = card_photo(text, &scene).map_err(|error| error.to_string())?;
                Frame::new(width, height, PixelFormat::Rgb8, photo.into_raw(), 0)
                    .map_err(|error| error.to_string())
            })
            .collect();
        match frames {
            Ok(frames) => camera.show(frames),
            Err(error) => tracing::error!(%error, "demo code picture cannot be made"),
        }
    }

    fn put_code_away(&self) {
        if let Some(camera) = &self.camera {
            camera.show_own();
            self.say_holding(false);
        }
    }

    fn say_holding(&self, holding: bool) {
        // A window already closed has no panel to tell.
        let _ = self
            .window
            .upgrade_in_event_loop(move |window| window.set_demo_showing_code(holding));
    }
}

/// The printer states the panel's printer button steps through, in order.
const PRINTER_STATES: [PrinterStatus; 5] = [
    PrinterStatus::Ready,
    PrinterStatus::PaperNearEnd,
    PrinterStatus::PaperOut,
    PrinterStatus::CoverOpen,
    PrinterStatus::Offline,
];

/// What the demo's file printer printed: its ESC/POS file, read from where the last look
/// ended, and a PNG of the last receipt beside it.
struct ReceiptWatch {
    panel: FilePrinterPanel,
    escpos: PathBuf,
    png: PathBuf,
    jobs_seen: u64,
    read_up_to: u64,
}

impl ReceiptWatch {
    /// The last receipt printed since the previous call, as grey pixels; `None` when
    /// nothing new came out.
    fn new_receipt(&mut self) -> Option<CameraPreview> {
        let jobs = self.panel.jobs_printed();
        if jobs == self.jobs_seen {
            return None;
        }
        self.jobs_seen = jobs;
        let bytes = match std::fs::read(&self.escpos) {
            Ok(bytes) => bytes,
            Err(error) => {
                tracing::warn!(%error, path = %self.escpos.display(), "demo receipts cannot be read");
                return None;
            }
        };
        // The file only grows while the demo runs; one moved away restarts from its start.
        let start = usize::try_from(self.read_up_to)
            .ok()
            .filter(|&start| start <= bytes.len())
            .unwrap_or(0);
        self.read_up_to = bytes.len() as u64;
        let page = match kiosk_receipt::decode::decode(&bytes[start..]) {
            Ok(pages) => pages.into_iter().rev().find(|page| page.height() > 0)?,
            Err(error) => {
                tracing::warn!(%error, "the demo printer's bytes do not decode");
                return None;
            }
        };
        match page.to_png() {
            Ok(png) => {
                if let Err(error) = std::fs::write(&self.png, png) {
                    tracing::warn!(%error, path = %self.png.display(), "receipt picture not written");
                }
            }
            Err(error) => tracing::warn!(%error, "receipt picture not encoded"),
        }
        let rgb = page.to_luma().iter().flat_map(|&grey| [grey; 3]).collect();
        Some(CameraPreview {
            width: page.width(),
            height: page.height(),
            rgb,
        })
    }
}

/// Connects the demo panel's buttons to the simulated devices and shows what the devices
/// report. Returns the thread that feeds the camera preview and the receipt picture; it
/// ends with the window. `receipts` is the file printer's output file.
pub fn wire_panel(
    window: &AppWindow,
    simulated: &SimulatedDevices,
    cards: Option<SampleSet>,
    inputs: mpsc::UnboundedSender<SessionInput>,
    preview: Arc<LatestFrame>,
    receipts: Option<&Path>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<JoinHandle<()>> {
    let hands = DemoHands {
        camera: simulated.camera_panel.clone(),
        inputs,
        window: window.as_weak(),
    };
    if let Some(slot) = &simulated.card_slot {
        let (genuine, forged) = match &cards {
            Some(set) => (
                set.cards
                    .iter()
                    .map(|card| (card.folder.clone(), card.qr_text.clone()))
                    .collect(),
                set.forged
                    .iter()
                    .map(|card| (card.folder.clone(), card.qr_text.clone()))
                    .collect(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        let genuine = Arc::new(CardCycle {
            cards: genuine,
            next: AtomicUsize::new(0),
        });
        let forged = Arc::new(CardCycle {
            cards: forged,
            next: AtomicUsize::new(0),
        });
        let (tap, citizen) = (slot.clone(), hands.clone());
        window.on_demo_tap_id_card(move || {
            if genuine.cards.is_empty() {
                tap.insert(Box::new(LockedEmrtdChip::default()));
            } else {
                genuine.tap(&tap, &citizen);
            }
        });
        let (tap, citizen) = (slot.clone(), hands);
        window.on_demo_tap_forged_card(move || forged.tap(&tap, &citizen));
        let tap = slot.clone();
        window.on_demo_tap_other_card(move || tap.insert(Box::new(BlankCard)));
        let lift = slot.clone();
        window.on_demo_remove_card(move || {
            lift.remove();
        });
        let plug = slot.clone();
        window.on_demo_toggle_reader(move || {
            if plug.is_reader_plugged() {
                plug.unplug_reader();
            } else {
                plug.plug_reader();
            }
        });
    }
    let mut watch = None;
    if let Some(panel) = &simulated.printer_panel {
        window.set_demo_printer_state(PRINTER_STATES[0].to_string().into());
        let (states, weak) = (panel.clone(), window.as_weak());
        let next = AtomicUsize::new(0);
        window.on_demo_cycle_printer_state(move || {
            let index = (next.fetch_add(1, Ordering::Relaxed) + 1) % PRINTER_STATES.len();
            let status = PRINTER_STATES[index];
            states.set_status(status);
            if let Some(window) = weak.upgrade() {
                window.set_demo_printer_state(status.to_string().into());
            }
        });
        watch = receipts.map(|escpos| ReceiptWatch {
            panel: panel.clone(),
            escpos: escpos.to_path_buf(),
            png: escpos.with_extension("png"),
            jobs_seen: panel.jobs_printed(),
            read_up_to: std::fs::metadata(escpos).map_or(0, |meta| meta.len()),
        });
    }
    window.set_demo_camera_caption(camera_caption(&preview.counts()).into());
    let weak = window.as_weak();
    std::thread::Builder::new()
        .name("demo-preview".into())
        .spawn(move || feed_panel_pictures(&preview, watch, &weak, &stop))
}

/// How often the panel's camera picture is refreshed; the preview is a sign of life, not
/// a video, and the software renderer should spend its time on the kiosk screen.
const PREVIEW_INTERVAL: Duration = Duration::from_millis(250);

fn feed_panel_pictures(
    frames: &LatestFrame,
    mut receipts: Option<ReceiptWatch>,
    window: &slint::Weak<AppWindow>,
    stop: &AtomicBool,
) {
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(PREVIEW_INTERVAL);
        if let Some(receipt) = receipts.as_mut().and_then(ReceiptWatch::new_receipt) {
            let posted = window.upgrade_in_event_loop(move |window| {
                if let Some(image) = receipt.to_image() {
                    window.set_demo_last_receipt(image);
                }
            });
            if posted.is_err() {
                return;
            }
        }
        let update = match frames.take(PREVIEW_INTERVAL) {
            SlotRead::Frame(frame) => {
                let preview = CameraPreview {
                    width: frame.width(),
                    height: frame.height(),
                    rgb: frame.to_rgb8(),
                };
                let caption = camera_caption(&frames.counts());
                let caption = format!("{caption}, frame {}", frame.sequence);
                Some((Some(preview), caption))
            }
            SlotRead::Error(error) => Some((None, format!("{}: {error}", error.kind().code()))),
            SlotRead::Empty => None,
            SlotRead::Closed => return,
        };
        if let Some((preview, caption)) = update {
            let posted = window.upgrade_in_event_loop(move |window| {
                if let Some(image) = preview.as_ref().and_then(CameraPreview::to_image) {
                    window.set_demo_camera_preview(image);
                }
                window.set_demo_camera_caption(caption.into());
            });
            if posted.is_err() {
                return;
            }
        }
    }
}

fn camera_caption(&(delivered, dropped): &(u64, u64)) -> String {
    format!("{delivered} shown, {dropped} dropped")
}

/// Mirrors a reader event on the demo panel.
pub fn show_reader_event(window: &slint::Weak<AppWindow>, event: &ReaderEvent) {
    let (plugged, present, text) = match event {
        ReaderEvent::Card(CardEvent::ReaderAttached { reader }) => {
            (Some(true), None, format!("reader attached: {reader}"))
        }
        ReaderEvent::Card(CardEvent::ReaderDetached { reader }) => (
            Some(false),
            Some(false),
            format!("reader detached: {reader}"),
        ),
        ReaderEvent::Card(CardEvent::CardInserted { atr, .. }) => {
            (None, Some(true), format!("card inserted, {atr:?}"))
        }
        ReaderEvent::Card(CardEvent::CardRemoved { .. }) => {
            (None, Some(false), "card removed".to_owned())
        }
        ReaderEvent::Failed(error) => (None, None, format!("reader failed: {error}")),
    };
    let _ = window.upgrade_in_event_loop(move |window| {
        if let Some(plugged) = plugged {
            window.set_demo_reader_plugged(plugged);
        }
        if let Some(present) = present {
            window.set_demo_card_present(present);
        }
        window.set_demo_last_event(text.into());
    });
}

/// Shows self-test results on the demo panel.
pub fn show_self_tests(window: &slint::Weak<AppWindow>, reports: Vec<kiosk_hal::SelfTestReport>) {
    let _ = window.upgrade_in_event_loop(move |window| {
        let lines: Vec<SelfTestLine> = reports
            .into_iter()
            .map(|report| SelfTestLine {
                device: report.device.into(),
                outcome: report.outcome.to_string().into(),
                detail: report.detail.into(),
            })
            .collect();
        window.set_demo_self_tests(ModelRc::new(VecModel::from(lines)));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locked_chip_selects_only_the_emrtd_application() {
        let mut chip = LockedEmrtdChip::default();
        let select = [
            0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01,
        ];
        assert_eq!(chip.process_apdu(&select), [0x90, 0x00]);
        let other = [0x00, 0xA4, 0x04, 0x0C, 0x05, 0xA0, 0x00, 0x00, 0x00, 0x03];
        assert_eq!(chip.process_apdu(&other), [0x6A, 0x82]);
        // Reading EF.COM without BAC or PACE.
        assert_eq!(
            chip.process_apdu(&[0x00, 0xB0, 0x9E, 0x00, 0x00]),
            [0x69, 0x82]
        );
        assert_eq!(chip.process_apdu(&[0x00, 0xA4]), [0x67, 0x00]);
        // A truncated SELECT with a Lc that promises more than it sends.
        assert_eq!(
            chip.process_apdu(&[0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0]),
            [0x6A, 0x82]
        );
    }

    #[test]
    fn demo_frames_are_written_once() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("camera");
        write_demo_camera_frames(&folder).unwrap();
        let count = std::fs::read_dir(&folder).unwrap().count();
        assert_eq!(count, DEMO_FRAME_COUNT as usize);
        let first = folder.join("frame-00.png");
        let before = std::fs::metadata(&first).unwrap().modified().unwrap();
        write_demo_camera_frames(&folder).unwrap();
        assert_eq!(
            std::fs::metadata(&first).unwrap().modified().unwrap(),
            before
        );
    }
}
