//! The scanner: from frames to one stable, classified event.

use std::sync::Arc;
use std::time::Duration;

use kiosk_hal::camera::{Frame, LatestFrame, PixelFormat, SlotRead, spawn_capture};
use kiosk_hal::sim::ReplayCamera;
use kiosk_identity::sample_cards::sample_citizens;
use kiosk_qr::scanner::{REARM_AFTER_FRAMES, SILENCE};
use kiosk_qr::synthetic::{Scene, card_photo, card_photo_luma, code_picture, empty_desk};
use kiosk_qr::{LumaImage, Payload, ReceiptQr, ScanEvent, Scanner, spawn_scanner};

fn grey_frame(picture: &image::GrayImage, sequence: u64) -> Frame {
    Frame::new(
        picture.width(),
        picture.height(),
        PixelFormat::Gray8,
        picture.as_raw().clone(),
        sequence,
    )
    .unwrap()
}

fn card_text() -> String {
    sample_citizens()[0].qr_text()
}

#[test]
fn a_card_code_is_reported_at_once_and_only_once_while_in_view() {
    let mut scanner = Scanner::default();
    let photo = card_photo_luma(&card_text(), &Scene::plain(640, 480)).unwrap();
    let frame = grey_frame(&photo, 0);
    let Ok(Some(ScanEvent::Read(Payload::Card { text, .. }))) = scanner.offer(&frame) else {
        panic!("the card's code was not reported on the first frame")
    };
    assert_eq!(text.expose(), &card_text());
    for _ in 0..5 {
        assert_eq!(scanner.offer(&frame), Ok(None), "reported twice");
    }
    assert_eq!(scanner.stats().frames_with_code, 6);
    assert_eq!(scanner.stats().events, 1);
}

#[test]
fn other_codes_need_two_frames_in_a_row() {
    let mut scanner = Scanner::default();
    let receipt = ReceiptQr::provisional("K01-20261123-0042");
    let code = LumaImage::try_from(&code_picture(receipt.to_text().as_bytes(), 4).unwrap())
        .unwrap()
        .into_owned();
    let desk = empty_desk(code.width(), code.height(), 1);
    let desk = LumaImage::try_from(&desk).unwrap();
    assert_eq!(scanner.offer_image(&code), None);
    // A frame without it in between starts the count again.
    assert_eq!(scanner.offer_image(&desk), None);
    assert_eq!(scanner.offer_image(&code), None);
    assert_eq!(
        scanner.offer_image(&code),
        Some(ScanEvent::Read(Payload::Receipt(receipt)))
    );
}

#[test]
fn a_code_is_reported_again_after_it_left_the_picture_or_on_rearm() {
    let mut scanner = Scanner::default();
    let photo = card_photo_luma(&card_text(), &Scene::plain(640, 480)).unwrap();
    let card = LumaImage::try_from(&photo).unwrap();
    let desk = empty_desk(640, 480, 2);
    let desk = LumaImage::try_from(&desk).unwrap();
    assert!(scanner.offer_image(&card).is_some());
    for _ in 0..REARM_AFTER_FRAMES - 1 {
        assert_eq!(scanner.offer_image(&desk), None);
    }
    // Away for too short a time: the same citizen still holding it up.
    assert_eq!(scanner.offer_image(&card), None);
    for _ in 0..REARM_AFTER_FRAMES {
        assert_eq!(scanner.offer_image(&desk), None);
    }
    assert!(
        scanner.offer_image(&card).is_some(),
        "not reported after leaving"
    );
    scanner.rearm();
    assert!(
        scanner.offer_image(&card).is_some(),
        "not reported after rearm"
    );
}

#[test]
fn a_code_that_stays_unreadable_asks_for_help_once() {
    let mut scanner = Scanner::default();
    let mut damaged = code_picture(card_text().as_bytes(), 4).unwrap();
    // A thumb over the middle of the code: the finder patterns stay visible, the data
    // does not survive error correction.
    let side = damaged.width();
    for y in side * 3 / 10..side * 7 / 10 {
        for x in side / 4..side * 3 / 4 {
            damaged.put_pixel(x, y, image::Luma([(x * 31 + y * 17) as u8 & 0x80]));
        }
    }
    let damaged = LumaImage::try_from(&damaged).unwrap();
    let events: Vec<_> = (0..20)
        .filter_map(|_| scanner.offer_image(&damaged))
        .collect();
    assert_eq!(events, vec![ScanEvent::HardToRead]);
}

#[test]
fn an_empty_frame_is_a_typed_error() {
    let mut scanner = Scanner::default();
    let frame = Frame::new(0, 0, PixelFormat::Gray8, Vec::new(), 9).unwrap();
    let error = scanner.offer(&frame).unwrap_err();
    assert_eq!(error.sequence, 9);
    assert!(error.to_string().contains("no pixels"), "{error}");
    assert_eq!(scanner.stats().bad_frames, 1);
}

#[test]
fn the_scanner_thread_reads_a_replayed_camera_and_passes_frames_to_the_preview() {
    let scene = Scene {
        rotation_deg: 12.0,
        card_fraction: 0.8,
        noise: 3.0,
        ..Scene::plain(800, 600)
    };
    let photo = card_photo(&card_text(), &scene).unwrap();
    let frame = Frame::new(
        photo.width(),
        photo.height(),
        PixelFormat::Rgb8,
        photo.into_raw(),
        0,
    )
    .unwrap();
    let camera = ReplayCamera::from_frames([frame], 15.0).unwrap();
    let capture = spawn_capture(camera).unwrap();
    let (events, received) = crossbeam_channel::unbounded();
    let scanner = spawn_scanner(
        Arc::clone(capture.frames()),
        Scanner::default(),
        move |event| {
            let _ = events.send(event);
        },
    )
    .unwrap();
    match received.recv_timeout(Duration::from_secs(20)) {
        Ok(ScanEvent::Read(Payload::Card { text, .. })) => assert_eq!(text.expose(), &card_text()),
        other => panic!("expected the card's code, got {other:?}"),
    }
    assert!(matches!(
        scanner.preview().take(Duration::from_secs(5)),
        SlotRead::Frame(_)
    ));
    // Held still, it is not reported again; rearmed, it is.
    assert!(received.recv_timeout(Duration::from_millis(700)).is_err());
    scanner.rearm();
    assert!(matches!(
        received.recv_timeout(Duration::from_secs(20)),
        Ok(ScanEvent::Read(_))
    ));
}

#[test]
fn a_camera_that_stops_delivering_is_reported_as_silent() {
    let frames = Arc::new(LatestFrame::default());
    let (events, received) = crossbeam_channel::unbounded();
    let _scanner = spawn_scanner(Arc::clone(&frames), Scanner::default(), move |event| {
        let _ = events.send(event);
    })
    .unwrap();
    assert_eq!(
        received.recv_timeout(SILENCE + Duration::from_secs(5)),
        Ok(ScanEvent::CameraSilent)
    );
    // Said once, not on every poll.
    assert!(received.recv_timeout(Duration::from_secs(1)).is_err());
}
