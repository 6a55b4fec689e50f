//! Photos of a generated QR code on a card, as the kiosk's camera would see them: the card
//! tilted and turned, blurred by focus or motion, under a lamp's glare, with sensor noise.
//!
//! Tests, the benchmark and the demo camera need such pictures, and none may come from a
//! real citizen's card; here every one is made from a seed, so a failing picture can be
//! made again. The camera geometry (a homography from the card's plane to the picture) and
//! the few filters are written out below rather than taken from `imageproc`, which would
//! bring `nalgebra` and a dozen crates into the build for one 8x8 linear solve.

use image::{GrayImage, Luma, Rgb, RgbImage};
use qrcode::{Color, EcLevel, QrCode};

/// The card: ID-1 format, 85.6 x 54 mm.
const CARD_MM: (f32, f32) = (85.6, 54.0);
/// Where the CCCD prints its QR code: the top right of the front, about 17 mm across
/// including its quiet zone.
const QR_ORIGIN_MM: (f32, f32) = (64.5, 4.0);
const QR_SIZE_MM: f32 = 17.0;
/// Modules of white around the code (ISO/IEC 18004 asks for 4).
const QUIET_ZONE: usize = 4;

/// Why a synthetic photo could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SyntheticError {
    #[error("the text does not fit in a QR code: {0}")]
    Encode(#[from] qrcode::types::QrError),
}

/// How the camera sees the card.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    pub width: u32,
    pub height: u32,
    /// The card's width as a share of the picture's width.
    pub card_fraction: f32,
    /// The card's centre as shares of the picture's width and height.
    pub centre: (f32, f32),
    /// Turn in the picture's plane, degrees.
    pub rotation_deg: f32,
    /// Perspective: how much nearer the card's right edge is than its left (0.15 = the
    /// right edge looks 15 % taller), and likewise bottom against top.
    pub tilt: (f32, f32),
    /// Focus blur: Gaussian sigma in pixels (0 = sharp).
    pub blur_sigma: f32,
    /// Motion blur: length in pixels of a horizontal smear (0 = none).
    pub motion_px: u32,
    /// A lamp's reflection: centre on the card (shares of its width and height), radius as a
    /// share of the card's width, strength 0..1 (1 washes the centre out to white).
    pub glare: Option<((f32, f32), f32, f32)>,
    /// Sensor noise, standard deviation in grey levels.
    pub noise: f32,
    /// A card whose code is printed light on dark.
    pub inverted: bool,
    /// Seeds the noise and the desk's texture.
    pub seed: u64,
}

impl Scene {
    /// A card held up squarely, filling half the picture, sharp and evenly lit.
    pub fn plain(width: u32, height: u32) -> Scene {
        Scene {
            width,
            height,
            card_fraction: 0.55,
            centre: (0.5, 0.5),
            rotation_deg: 0.0,
            tilt: (0.0, 0.0),
            blur_sigma: 0.0,
            motion_px: 0,
            glare: None,
            noise: 0.0,
            inverted: false,
            seed: 1,
        }
    }

    /// A scene as a citizen at the kiosk produces them, drawn from `seed`. The screen's frame
    /// guide asks for the card to fill most of the picture, and people do so loosely: the
    /// card at 60 to 95 % of the picture's width, off centre, turned up to 25 degrees either
    /// way, tilted up to 10 % in each direction, slightly out of focus or moving, under glare
    /// four times in ten, always with some sensor noise.
    pub fn handheld(width: u32, height: u32, seed: u64) -> Scene {
        let mut random = SplitMix64(seed);
        let mut between = |low: f32, high: f32| low + (high - low) * random.unit();
        let card_fraction = between(0.6, 0.95);
        let centre = (between(0.42, 0.58), between(0.42, 0.58));
        let rotation_deg = between(-25.0, 25.0);
        let tilt = (between(-0.1, 0.1), between(-0.1, 0.1));
        let blur_sigma = between(0.0, 1.2);
        let motion_px = between(0.0, 4.0) as u32;
        let glare = (between(0.0, 1.0) < 0.4).then(|| {
            (
                (between(0.2, 0.9), between(0.1, 0.8)),
                between(0.1, 0.3),
                between(0.2, 0.55),
            )
        });
        let noise = between(1.0, 5.0);
        let mut scene = Scene {
            width,
            height,
            card_fraction,
            centre,
            rotation_deg,
            tilt,
            blur_sigma,
            motion_px,
            glare,
            noise,
            inverted: false,
            seed,
        };
        // Whoever holds the card up watches the screen's guide until the code is in it: a
        // scene that puts part of the code outside the picture is not one the kiosk meets,
        // so the card is drawn a little smaller until its code fits.
        for _ in 0..20 {
            if scene.code_in_view() {
                break;
            }
            scene.card_fraction *= 0.95;
        }
        scene
    }

    /// The card held close with its code in the middle of the picture, as the screen's
    /// frame guide asks: the code about a third of the picture's width, turned a little.
    pub fn code_close_up(width: u32, height: u32, seed: u64) -> Scene {
        let mut random = SplitMix64(seed);
        let card_fraction = 1.6;
        let card_width = card_fraction * width as f32;
        let card_height = card_width * CARD_MM.1 / CARD_MM.0;
        let code_centre = (
            (QR_ORIGIN_MM.0 + QR_SIZE_MM / 2.0) / CARD_MM.0 - 0.5,
            (QR_ORIGIN_MM.1 + QR_SIZE_MM / 2.0) / CARD_MM.1 - 0.5,
        );
        Scene {
            card_fraction,
            centre: (
                0.5 - code_centre.0 * card_width / width as f32,
                0.5 - code_centre.1 * card_height / height as f32,
            ),
            rotation_deg: (random.unit() - 0.5) * 12.0,
            noise: 2.0,
            seed,
            ..Scene::plain(width, height)
        }
    }

    /// Whether the whole code, quiet zone included, lies inside the picture.
    pub fn code_in_view(&self) -> bool {
        let to_picture = camera_to_card(self).inverse();
        let (left, top) = QR_ORIGIN_MM;
        let (right, bottom) = (left + QR_SIZE_MM, top + QR_SIZE_MM);
        [(left, top), (right, top), (right, bottom), (left, bottom)]
            .into_iter()
            .all(|(u, v)| {
                let (x, y) = to_picture.apply(u, v);
                (0.0..self.width as f32).contains(&x) && (0.0..self.height as f32).contains(&y)
            })
    }
}

/// A photo of a card carrying `text` as its QR code.
pub fn card_photo(text: &str, scene: &Scene) -> Result<RgbImage, SyntheticError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?;
    let modules = code.width();
    let dark: Vec<bool> = code
        .to_colors()
        .into_iter()
        .map(|colour| colour == Color::Dark)
        .collect();
    let span = modules + 2 * QUIET_ZONE;
    let module_mm = QR_SIZE_MM / span as f32;
    let is_dark = |u: f32, v: f32| -> Option<bool> {
        let column = ((u - QR_ORIGIN_MM.0) / module_mm).floor();
        let row = ((v - QR_ORIGIN_MM.1) / module_mm).floor();
        if column < 0.0 || row < 0.0 || column >= span as f32 || row >= span as f32 {
            return None;
        }
        let (column, row) = (column as usize, row as usize);
        let inside = QUIET_ZONE..QUIET_ZONE + modules;
        Some(
            inside.contains(&column)
                && inside.contains(&row)
                && dark[(row - QUIET_ZONE) * modules + column - QUIET_ZONE],
        )
    };

    let to_card = camera_to_card(scene);
    let mut picture = RgbImage::from_fn(scene.width, scene.height, |x, y| {
        let (u, v) = to_card.apply(x as f32 + 0.5, y as f32 + 0.5);
        if !(0.0..CARD_MM.0).contains(&u) || !(0.0..CARD_MM.1).contains(&v) {
            return desk(x, y, scene);
        }
        match is_dark(u, v) {
            Some(dark) if dark != scene.inverted => Rgb([24, 24, 28]),
            Some(_) => Rgb([236, 238, 232]),
            None if scene.inverted => Rgb([40, 44, 52]),
            None => card_face(u, v),
        }
    });

    if scene.blur_sigma > 0.05 {
        picture = image::imageops::blur(&picture, scene.blur_sigma);
    }
    if scene.motion_px > 1 {
        smear_horizontally(&mut picture, scene.motion_px);
    }
    let card_to_picture = to_card.inverse();
    light_and_noise(&mut picture, scene, &card_to_picture);
    Ok(picture)
}

/// A QR code of `data` alone, black on white with its quiet zone, `module_px` pixels per
/// module: the cleanest picture a decoder can get.
pub fn code_picture(data: &[u8], module_px: u32) -> Result<GrayImage, SyntheticError> {
    let code = QrCode::with_error_correction_level(data, EcLevel::M)?;
    let modules = code.width() as u32;
    let colours = code.to_colors();
    let module_px = module_px.max(1);
    let side = (modules + 2 * QUIET_ZONE as u32) * module_px;
    Ok(GrayImage::from_fn(side, side, |x, y| {
        let (column, row) = (x / module_px, y / module_px);
        let inside = QUIET_ZONE as u32..QUIET_ZONE as u32 + modules;
        let dark = inside.contains(&column)
            && inside.contains(&row)
            && colours[((row - QUIET_ZONE as u32) * modules + column - QUIET_ZONE as u32) as usize]
                == Color::Dark;
        Luma([if dark { 0 } else { 255 }])
    }))
}

/// The same photo in grey, as decoders see it.
pub fn card_photo_luma(text: &str, scene: &Scene) -> Result<GrayImage, SyntheticError> {
    Ok(image::DynamicImage::ImageRgb8(card_photo(text, scene)?).into_luma8())
}

/// A desk with no card on it: what the camera sees between citizens.
pub fn empty_desk(width: u32, height: u32, seed: u64) -> GrayImage {
    let scene = Scene {
        seed,
        ..Scene::plain(width, height)
    };
    GrayImage::from_fn(width, height, |x, y| {
        let Rgb([r, g, b]) = desk(x, y, &scene);
        Luma([((r as u32 * 299 + g as u32 * 587 + b as u32 * 114) / 1000) as u8])
    })
}

/// The desk under the card: a soft gradient with a wood-like grain.
fn desk(x: u32, y: u32, scene: &Scene) -> Rgb<u8> {
    let grain = ((y as f32 * 0.21 + (x as f32 * 0.013).sin() * 9.0 + scene.seed as f32).sin()
        * 10.0) as i32;
    let shade = 96 + (y * 40 / scene.height.max(1)) as i32 + grain;
    let channel = |offset: i32| (shade + offset).clamp(0, 255) as u8;
    Rgb([channel(18), channel(4), channel(-12)])
}

/// The card's printed face around the code: a pale blue-green ground, a darker band, a
/// portrait box and lines of text, enough structure to tempt a finder-pattern search.
fn card_face(u: f32, v: f32) -> Rgb<u8> {
    let in_box = |left: f32, top: f32, width: f32, height: f32| {
        (left..left + width).contains(&u) && (top..top + height).contains(&v)
    };
    if in_box(4.0, 14.0, 20.0, 26.0) {
        // The portrait: a mid grey with a lighter face.
        let face = ((u - 14.0) / 6.0).powi(2) + ((v - 24.0) / 8.0).powi(2) < 1.0;
        return if face {
            Rgb([196, 160, 140])
        } else {
            Rgb([120, 128, 140])
        };
    }
    let text_line = (28.0..62.0).contains(&u) && {
        let line = (v - 16.0) / 4.5;
        (0.0..7.0).contains(&line) && line.fract() < 0.45 && ((u * 1.7).sin() > -0.6)
    };
    if text_line {
        return Rgb([50, 54, 70]);
    }
    if v < 11.0 && u < 62.0 {
        return Rgb([176, 205, 214]);
    }
    let wave = ((u * 0.5).sin() * (v * 0.4).cos() * 6.0) as i32;
    Rgb([(214 + wave) as u8, (230 + wave) as u8, (226 + wave) as u8])
}

/// Motion blur: each pixel the mean of `length` pixels along its row.
fn smear_horizontally(picture: &mut RgbImage, length: u32) {
    let (width, height) = picture.dimensions();
    let source = picture.clone();
    for y in 0..height {
        for x in 0..width {
            let mut sums = [0u32; 3];
            for step in 0..length {
                let column = (x + step).saturating_sub(length / 2).min(width - 1);
                let Rgb(pixel) = source.get_pixel(column, y);
                sums.iter_mut()
                    .zip(pixel)
                    .for_each(|(sum, value)| *sum += *value as u32);
            }
            picture.put_pixel(x, y, Rgb(sums.map(|sum| (sum / length) as u8)));
        }
    }
}

/// Glare (brightening towards white round a spot on the card) and sensor noise.
fn light_and_noise(picture: &mut RgbImage, scene: &Scene, card_to_picture: &Homography) {
    let glare = scene.glare.map(|((u, v), radius, strength)| {
        let centre = card_to_picture.apply(u * CARD_MM.0, v * CARD_MM.1);
        let edge = card_to_picture.apply(u * CARD_MM.0 + radius * CARD_MM.0, v * CARD_MM.1);
        let reach = ((edge.0 - centre.0).powi(2) + (edge.1 - centre.1).powi(2)).sqrt();
        (centre, reach.max(1.0), strength)
    });
    let mut random = SplitMix64(scene.seed ^ 0x9e37_79b9_7f4a_7c15);
    for (x, y, Rgb(pixel)) in picture.enumerate_pixels_mut() {
        let lift = glare.map_or(0.0, |((cx, cy), reach, strength)| {
            let distance2 = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)) / (reach * reach);
            strength * (-distance2).exp()
        });
        let noise = if scene.noise > 0.0 {
            random.gaussian() * scene.noise
        } else {
            0.0
        };
        for value in pixel.iter_mut() {
            let lit = *value as f32 + (255.0 - *value as f32) * lift;
            *value = (lit + noise).round().clamp(0.0, 255.0) as u8;
        }
    }
}

/// Maps picture coordinates to the card's plane (millimetres).
fn camera_to_card(scene: &Scene) -> Homography {
    let card_width = scene.card_fraction * scene.width as f32;
    let card_height = card_width * CARD_MM.1 / CARD_MM.0;
    let (centre_x, centre_y) = (
        scene.centre.0 * scene.width as f32,
        scene.centre.1 * scene.height as f32,
    );
    let (tilt_x, tilt_y) = scene.tilt;
    // Corners before turning: the tilt makes one edge longer than the opposite one.
    let corners = [
        (-0.5, -0.5, 1.0 - tilt_x - tilt_y),
        (0.5, -0.5, 1.0 + tilt_x - tilt_y),
        (0.5, 0.5, 1.0 + tilt_x + tilt_y),
        (-0.5, 0.5, 1.0 - tilt_x + tilt_y),
    ];
    let (sin, cos) = scene.rotation_deg.to_radians().sin_cos();
    let picture_corners = corners.map(|(x, y, scale)| {
        let (x, y) = (x * card_width * scale, y * card_height * scale);
        (centre_x + x * cos - y * sin, centre_y + x * sin + y * cos)
    });
    let card_corners = [
        (0.0, 0.0),
        (CARD_MM.0, 0.0),
        (CARD_MM.0, CARD_MM.1),
        (0.0, CARD_MM.1),
    ];
    Homography::from_corners(picture_corners, card_corners)
}

/// A plane-to-plane projective map: (x, y) to ((a x + b y + c) / w, (d x + e y + f) / w)
/// with w = g x + h y + 1.
#[derive(Debug, Clone, Copy)]
struct Homography([f32; 8]);

impl Homography {
    /// The map taking each of `from` to the matching corner of `to`.
    fn from_corners(from: [(f32, f32); 4], to: [(f32, f32); 4]) -> Homography {
        // Two equations per corner pair in the eight unknowns; solved by Gaussian
        // elimination with partial pivoting, in f64 for headroom.
        let mut rows = [[0f64; 9]; 8];
        for (index, ((x, y), (u, v))) in from.into_iter().zip(to).enumerate() {
            let (x, y, u, v) = (x as f64, y as f64, u as f64, v as f64);
            rows[2 * index] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            rows[2 * index + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        for column in 0..8 {
            let pivot = (column..8)
                .max_by(|&a, &b| rows[a][column].abs().total_cmp(&rows[b][column].abs()))
                .unwrap_or(column);
            rows.swap(column, pivot);
            let lead = rows[column][column];
            if lead.abs() < 1e-12 {
                continue;
            }
            let pivot_row = rows[column];
            for (index, row) in rows.iter_mut().enumerate() {
                if index != column {
                    let factor = row[column] / lead;
                    for (value, pivot_value) in row[column..].iter_mut().zip(&pivot_row[column..]) {
                        *value -= factor * pivot_value;
                    }
                }
            }
        }
        Homography(std::array::from_fn(|i| {
            let lead = rows[i][i];
            if lead.abs() < 1e-12 {
                0.0
            } else {
                (rows[i][8] / lead) as f32
            }
        }))
    }

    fn apply(&self, x: f32, y: f32) -> (f32, f32) {
        let [a, b, c, d, e, f, g, h] = self.0;
        let w = g * x + h * y + 1.0;
        ((a * x + b * y + c) / w, (d * x + e * y + f) / w)
    }

    /// The reverse map, found from where four points land.
    fn inverse(&self) -> Homography {
        let from = [(0.0, 0.0), (1000.0, 0.0), (1000.0, 1000.0), (0.0, 1000.0)];
        Homography::from_corners(from.map(|(x, y)| self.apply(x, y)), from)
    }
}

/// A small, fast generator (Steele, Lea and Flood's SplitMix64): reproducible scenes need
/// no more, and the `rand` crate would be one more dependency for a dozen lines.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Standard normal, from the sum of four uniforms (close enough for sensor noise).
    fn gaussian(&mut self) -> f32 {
        let sum: f32 = (0..4).map(|_| self.unit()).sum();
        (sum - 2.0) * (3.0f32).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_homography_maps_the_corners_it_was_made_from() {
        let from = [(10.0, 20.0), (300.0, 40.0), (280.0, 210.0), (30.0, 190.0)];
        let to = [(0.0, 0.0), (85.6, 0.0), (85.6, 54.0), (0.0, 54.0)];
        let map = Homography::from_corners(from, to);
        for (point, expected) in from.into_iter().zip(to) {
            let (u, v) = map.apply(point.0, point.1);
            assert!((u - expected.0).abs() < 1e-2 && (v - expected.1).abs() < 1e-2);
        }
        let back = map.inverse();
        let (x, y) = back.apply(85.6, 54.0);
        assert!(
            (x - 280.0).abs() < 0.1 && (y - 210.0).abs() < 0.1,
            "{x},{y}"
        );
    }

    #[test]
    fn scenes_come_back_the_same_from_the_same_seed() {
        assert_eq!(Scene::handheld(640, 480, 7), Scene::handheld(640, 480, 7));
        assert_ne!(Scene::handheld(640, 480, 7), Scene::handheld(640, 480, 8));
        let photo = card_photo_luma("hello", &Scene::handheld(160, 120, 3)).unwrap();
        let again = card_photo_luma("hello", &Scene::handheld(160, 120, 3)).unwrap();
        assert_eq!(photo, again);
        assert_eq!(photo.dimensions(), (160, 120));
    }
}
