//! Golden screenshots: every screen of the gallery (`kiosk_ui::gallery`) in Vietnamese and
//! English, rendered by Slint's software renderer as the touchscreen shows it.
//!
//! Each picture is written full size under `target/screens/<lang>/<name>.png` and, halved
//! to 960x540 to keep the repository small, compared with the committed one in
//! `docs/screens/<lang>/`. A few anti-aliased pixels may differ; a moved button or a
//! changed word does not pass. `cargo xtask screens` (or `KIOSK_BLESS=1` on this test)
//! writes the pictures and the gallery page `docs/screens/README.md` anew, for a
//! reviewer to look at in the diff.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kiosk_ui::gallery::{self, Sample};
use kiosk_ui::{Language, headless, select_language};
use slint::ComponentHandle;

const WIDTH: u32 = 1920;
const HEIGHT: u32 = 1080;
/// A channel may differ by this much before the pixel counts as changed (anti-aliasing,
/// rounding in a newer renderer).
const CHANNEL_TOLERANCE: u8 = 32;
/// The share of changed pixels a picture may have and still match: 0.2 % of 960x540 is
/// about 1000 pixels, less than one word of body text.
const CHANGED_SHARE: f64 = 0.002;

const LANGUAGES: [Language; 2] = [Language::Vietnamese, Language::English];

/// An RGB picture, row by row.
struct Picture {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl Picture {
    /// Half the size: each pixel the mean of a 2x2 block.
    fn halved(&self) -> Picture {
        let (width, height) = (self.width / 2, self.height / 2);
        let mut rgb = Vec::with_capacity((width * height * 3) as usize);
        let at = |x: u32, y: u32, channel: u32| {
            u32::from(self.rgb[((y * self.width + x) * 3 + channel) as usize])
        };
        for y in 0..height {
            for x in 0..width {
                for channel in 0..3 {
                    let sum = at(2 * x, 2 * y, channel)
                        + at(2 * x + 1, 2 * y, channel)
                        + at(2 * x, 2 * y + 1, channel)
                        + at(2 * x + 1, 2 * y + 1, channel);
                    rgb.push(u8::try_from(sum.div_ceil(4)).unwrap_or(u8::MAX));
                }
            }
        }
        Picture { width, height, rgb }
    }

    fn write(&self, path: &Path) {
        fs::create_dir_all(path.parent().expect("a folder")).expect("create the folder");
        let file = BufWriter::new(File::create(path).expect("create the picture"));
        let mut encoder = png::Encoder::new(file, self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::High);
        let mut writer = encoder.write_header().expect("PNG header");
        writer.write_image_data(&self.rgb).expect("PNG data");
        writer.finish().expect("PNG end");
    }

    fn read(path: &Path) -> Option<Picture> {
        let decoder = png::Decoder::new(std::io::BufReader::new(File::open(path).ok()?));
        let mut reader = decoder.read_info().ok()?;
        let mut data = vec![0; reader.output_buffer_size()?];
        let info = reader.next_frame(&mut data).ok()?;
        if info.color_type != png::ColorType::Rgb || info.bit_depth != png::BitDepth::Eight {
            return None;
        }
        data.truncate(info.buffer_size());
        Some(Picture {
            width: info.width,
            height: info.height,
            rgb: data,
        })
    }

    /// How many pixels differ beyond the tolerance, and a picture of where (changed
    /// pixels red over a faded copy of this one).
    fn compare(&self, golden: &Picture) -> (usize, Picture) {
        let mut changed = 0;
        let mut marked = Vec::with_capacity(self.rgb.len());
        for (new, old) in self.rgb.chunks(3).zip(golden.rgb.chunks(3)) {
            let differs = new
                .iter()
                .zip(old)
                .any(|(a, b)| a.abs_diff(*b) > CHANNEL_TOLERANCE);
            if differs {
                changed += 1;
                marked.extend_from_slice(&[255, 0, 0]);
            } else {
                marked.extend(new.iter().map(|value| 160 + value / 3));
            }
        }
        (
            changed,
            Picture {
                width: self.width,
                height: self.height,
                rgb: marked,
            },
        )
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the ui crate is in the workspace")
        .to_owned()
}

fn output_dir() -> PathBuf {
    // `target/tmp` is Cargo's scratch folder for integration tests; its parent is the
    // target directory, wherever CARGO_TARGET_DIR puts it.
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target/tmp has a parent")
        .join("screens")
}

/// The gallery page: every screen, Vietnamese beside English.
fn gallery_page(samples: &[Sample]) -> String {
    let mut page = String::from(
        "# The kiosk's screens\n\n\
         Every screen in Vietnamese (left) and English (right), rendered by Slint's software \
         renderer at 1920x1080 and halved. The people and numbers are samples. Written by \
         `cargo xtask screens`; `cargo xtask test` fails when a screen no longer looks like \
         its picture here.\n\n",
    );
    for sample in samples {
        let _ = write!(
            page,
            "## {name}\n\n<img src=\"vi/{name}.png\" width=\"49%\" alt=\"{name}, Vietnamese\"> \
             <img src=\"en/{name}.png\" width=\"49%\" alt=\"{name}, English\">\n\n",
            name = sample.name
        );
    }
    page
}

#[test]
fn every_screen_looks_like_its_golden_picture_in_both_languages() {
    let bless = std::env::var_os("KIOSK_BLESS").is_some_and(|value| value == "1");
    let driver = headless::install(slint::PhysicalSize::new(WIDTH, HEIGHT)).expect("headless");
    // Animations (the card on its way to the reader) stand still at one moment.
    driver.freeze_clock(Some(Duration::from_millis(1500)));
    let window = kiosk_ui::new_window().expect("window");
    window.show().expect("show");

    let samples = gallery::samples();
    let golden_dir = workspace().join("docs/screens");
    let output = output_dir();
    let mut problems = Vec::new();
    for language in LANGUAGES {
        select_language(&window, language);
        for sample in &samples {
            gallery::show(&window, sample);
            let snapshot = driver.snapshot().expect("snapshot");
            assert_eq!((snapshot.width(), snapshot.height()), (WIDTH, HEIGHT));
            let full = Picture {
                width: WIDTH,
                height: HEIGHT,
                rgb: snapshot
                    .as_slice()
                    .iter()
                    .flat_map(|pixel| [pixel.r, pixel.g, pixel.b])
                    .collect(),
            };
            let file = format!("{}/{}.png", language.code(), sample.name);
            full.write(&output.join(&file));
            let halved = full.halved();
            let golden_path = golden_dir.join(&file);
            if bless {
                halved.write(&golden_path);
                continue;
            }
            let Some(golden) = Picture::read(&golden_path) else {
                problems.push(format!("{file}: no golden picture"));
                continue;
            };
            if (golden.width, golden.height) != (halved.width, halved.height) {
                problems.push(format!(
                    "{file}: golden picture is {}x{}, not {}x{}",
                    golden.width, golden.height, halved.width, halved.height
                ));
                continue;
            }
            let (changed, marked) = halved.compare(&golden);
            let share = changed as f64 / f64::from(halved.width * halved.height);
            if share > CHANGED_SHARE {
                let diff = output.join("diff").join(&file);
                marked.write(&diff);
                problems.push(format!(
                    "{file}: {changed} pixels changed ({:.2} %), see {}",
                    share * 100.0,
                    diff.display()
                ));
            }
        }
    }

    let page = gallery_page(&samples);
    let page_path = golden_dir.join("README.md");
    if bless {
        fs::write(&page_path, page).expect("write the gallery page");
        // Pictures of screens that no longer exist would mislead a reviewer.
        for language in LANGUAGES {
            for entry in fs::read_dir(golden_dir.join(language.code())).expect("golden folder") {
                let path = entry.expect("entry").path();
                let stem = path
                    .file_stem()
                    .and_then(|stem| stem.to_str())
                    .unwrap_or("");
                if !samples.iter().any(|sample| sample.name == stem) {
                    fs::remove_file(&path).expect("remove an old picture");
                }
            }
        }
        return;
    }
    if fs::read_to_string(&page_path).ok().as_deref() != Some(page.as_str()) {
        problems.push("docs/screens/README.md does not list the gallery's screens".into());
    }
    assert!(
        problems.is_empty(),
        "screens differ from docs/screens (the new ones are in {}); if the change is \
         meant, run `cargo xtask screens` and review the pictures:\n{}",
        output.display(),
        problems.join("\n")
    );
}
