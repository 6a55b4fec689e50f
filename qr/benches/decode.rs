//! Time per camera frame of the kiosk's decoder stack, on one thread: a card's code held up
//! at 1280x720 and 640x480, and a frame with no code at all (every pass runs, which is
//! what an idle kiosk pays per frame). `cargo bench -p kiosk-qr`.
//!
//! The read rate over many photos and the comparison with zxing-cpp and zbar are
//! `cargo xtask bench-qr`; this measures the cost of single frames precisely.

use criterion::{Criterion, criterion_group, criterion_main};
use kiosk_identity::sample_cards::sample_citizens;
use kiosk_qr::synthetic::{Scene, card_photo_luma, empty_desk};
use kiosk_qr::{DecoderStack, LumaImage, Scanner};

fn frames(c: &mut Criterion) {
    let text = sample_citizens()[0].qr_text();
    let stack = DecoderStack::default();
    let mut group = c.benchmark_group("decode frame");
    for (width, height) in [(1280, 720), (640, 480)] {
        // The first handheld scene the stack reads, so the figure is a successful read.
        let photo = (0..50)
            .map(|seed| card_photo_luma(&text, &Scene::handheld(width, height, seed)).unwrap())
            .find(|photo| {
                let image = LumaImage::try_from(photo).unwrap();
                matches!(stack.decode(&image).as_deref(), Ok([code, ..]) if code.text == text)
            })
            .expect("one of 50 handheld photos is read");
        let image = LumaImage::try_from(&photo).unwrap();
        group.bench_function(format!("card {width}x{height}"), |b| {
            b.iter(|| stack.decode(&image))
        });
        let desk = empty_desk(width, height, 1);
        let desk = LumaImage::try_from(&desk).unwrap();
        group.bench_function(format!("no code {width}x{height}"), |b| {
            b.iter(|| stack.decode(&desk))
        });
        // What the scanner spends per frame while the kiosk is idle: quick passes on most
        // frames, the full stack on one in FULL_STACK_EVERY.
        let mut scanner = Scanner::default();
        group.bench_function(format!("scanner idle {width}x{height}"), |b| {
            b.iter(|| scanner.offer_image(&desk))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = frames
}
criterion_main!(benches);
