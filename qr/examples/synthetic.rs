//! The synthetic CCCD benchmark: photos of generated card QR codes as a citizen holds them
//! up (turned, tilted, blurred, under glare, with noise), at 640x480 and 1280x720, decoded
//! by the kiosk's stack on one thread. Prints the read rate and the time per frame.
//!
//! `cargo run --release -p kiosk-qr --example synthetic [-- PHOTOS_PER_SIZE [FAILURES_DIR]]`
//! (default 300 photos per size). With FAILURES_DIR, the photos that were not read are
//! saved there as PNG to look at.

use std::time::{Duration, Instant};

use kiosk_identity::sample_cards::sample_citizens;
use kiosk_qr::synthetic::{Scene, card_photo_luma};
use kiosk_qr::{DecoderStack, LumaImage, Payload};

fn main() {
    let mut args = std::env::args().skip(1);
    let count: u64 = args
        .next()
        .map_or(300, |n| n.parse().expect("a number of photos"));
    let failures = args.next().map(std::path::PathBuf::from);
    let texts: Vec<String> = sample_citizens().iter().map(|c| c.qr_text()).collect();
    for (width, height) in [(640, 480), (1280, 720)] {
        let stack = DecoderStack::default();
        let mut times = Vec::new();
        let mut read = 0;
        for seed in 0..count {
            let text = &texts[seed as usize % texts.len()];
            let photo =
                card_photo_luma(text, &Scene::handheld(width, height, seed)).expect("photo");
            let image = LumaImage::try_from(&photo).expect("picture");
            let started = Instant::now();
            let result = stack.decode(&image);
            times.push(started.elapsed());
            let ok = matches!(result.as_deref(), Ok([code, ..]) if code.text == *text
                && matches!(Payload::classify(&code.text), Payload::Card { .. }));
            if ok {
                read += 1;
            } else if let Some(folder) = &failures {
                eprintln!(
                    "not read: {:?} -> {:?}",
                    Scene::handheld(width, height, seed),
                    result.map(|codes| codes.len())
                );
                std::fs::create_dir_all(folder).expect("failures folder");
                photo
                    .save(folder.join(format!("{width}x{height}-{seed}.png")))
                    .expect("save");
            }
        }
        times.sort();
        let median = times[times.len() / 2];
        let p90 = times[times.len() * 9 / 10];
        let mean = times.iter().sum::<Duration>() / times.len() as u32;
        println!(
            "{width}x{height}: read {read}/{count} ({:.1} %), median {:.2} ms, p90 {:.2} ms, mean {:.2} ms",
            100.0 * read as f64 / count as f64,
            median.as_secs_f64() * 1e3,
            p90.as_secs_f64() * 1e3,
            mean.as_secs_f64() * 1e3,
        );
        println!("  first reads by pass: {:?}", stack.stats().reads_by_pass);
    }
}
