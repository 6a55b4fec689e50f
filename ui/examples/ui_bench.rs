//! The UI's speed on Slint's software renderer at 1920x1080, one thread, as
//! `cargo xtask bench-ui` runs it (release build, pinned to one core).
//!
//! - `ui_bench first-frame`: creates the window, puts the welcome screen on it, renders
//!   one frame and prints `first-frame`; the caller times it from process start.
//! - `ui_bench transitions ROUNDS`: goes through every screen of the gallery in flow order,
//!   timing each change of screen from setting the view to the end of the new screen's
//!   first full frame, and then steady frames of the animated "place your card" screen;
//!   prints JSON.

use std::time::{Duration, Instant};

use kiosk_ui::gallery;
use kiosk_ui::{KioskView, Language, headless, select_language, show_camera_preview, show_view};
use slint::{ComponentHandle, Rgb8Pixel};

const WIDTH: u32 = 1920;
const HEIGHT: u32 = 1080;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let driver = headless::install(slint::PhysicalSize::new(WIDTH, HEIGHT))?;
    let window = kiosk_ui::new_window()?;
    window.show()?;
    let mut buffer = vec![Rgb8Pixel::default(); (WIDTH * HEIGHT) as usize];
    match args.first().map(String::as_str) {
        Some("first-frame") => {
            show_view(&window, &KioskView::Welcome);
            driver.render_frame(&mut buffer, WIDTH as usize);
            println!("first-frame");
            Ok(())
        }
        Some("transitions") => {
            let rounds: usize = args.get(1).map_or(Ok(10), |rounds| rounds.parse())?;
            transitions(&driver, &window, &mut buffer, rounds);
            Ok(())
        }
        _ => Err("usage: ui_bench first-frame | transitions [ROUNDS]".into()),
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn transitions(
    driver: &headless::HeadlessDriver,
    window: &kiosk_ui::AppWindow,
    buffer: &mut [Rgb8Pixel],
    rounds: usize,
) {
    let samples = gallery::samples();
    let camera = gallery::camera_picture();
    let mut times: Vec<(f64, &str)> = Vec::new();
    // Frames the window found nothing to draw for: they would make the figures look
    // better than they are, so they are counted and reported.
    let mut not_drawn = 0usize;
    for round in 0..rounds {
        // Both languages: Vietnamese text shapes more diacritics.
        let language = if round % 2 == 0 {
            Language::Vietnamese
        } else {
            Language::English
        };
        select_language(window, language);
        for sample in &samples {
            let started = Instant::now();
            show_view(window, &sample.view);
            show_camera_preview(window, sample.camera.then_some(&camera));
            if !driver.render_frame(buffer, WIDTH as usize) {
                not_drawn += 1;
            }
            times.push((millis(started.elapsed()), sample.name));
        }
    }
    // Steady frames of an animation: the card moving towards the reader.
    show_view(window, &KioskView::PresentCard);
    driver.render_frame(buffer, WIDTH as usize);
    let mut animation: Vec<f64> = Vec::new();
    // Slint's clock must only go forward: an hour on is past anything the run has seen.
    let later = Duration::from_secs(3600);
    for frame in 1..=240u32 {
        driver.freeze_clock(Some(later + Duration::from_micros(16_667) * frame));
        let started = Instant::now();
        if !driver.render_frame(buffer, WIDTH as usize) {
            not_drawn += 1;
        }
        animation.push(millis(started.elapsed()));
    }
    let mut transition_ms: Vec<f64> = times.iter().map(|(ms, _)| *ms).collect();
    transition_ms.sort_by(f64::total_cmp);
    animation.sort_by(f64::total_cmp);
    let worst = times
        .iter()
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map_or("", |(_, name)| name);
    let percentile =
        |sorted: &[f64], share: f64| sorted[((sorted.len() as f64 - 1.0) * share).round() as usize];
    println!(
        "{{\"transitions\": {}, \"transition_median_ms\": {:.2}, \"transition_p95_ms\": {:.2}, \
         \"transition_max_ms\": {:.2}, \"slowest_screen\": \"{}\", \"animation_frames\": {}, \
         \"animation_median_ms\": {:.2}, \"animation_max_ms\": {:.2}, \"frames_not_drawn\": {}}}",
        transition_ms.len(),
        percentile(&transition_ms, 0.5),
        percentile(&transition_ms, 0.95),
        percentile(&transition_ms, 1.0),
        worst,
        animation.len(),
        percentile(&animation, 0.5),
        percentile(&animation, 1.0),
        not_drawn,
    );
}
