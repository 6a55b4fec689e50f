//! Synthetic portraits: a face-like figure drawn from a few parameters and encoded as
//! JPEG, so that every sample card has a DG2 of realistic form and none shows a real
//! person.
//!
//! The figure follows the layout ICAO 9303-3 and ISO/IEC 19794-5 ask of a portrait
//! (frontal, centred, head filling most of the height, plain light background), which is
//! what the kiosk's face-matching step expects to find in DG2.

use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};

/// Portrait size in pixels: 3:4, as ISO/IEC 19794-5's token image (§8.4).
pub const PORTRAIT_WIDTH: u32 = 240;
pub const PORTRAIT_HEIGHT: u32 = 320;
/// JPEG quality: the file stays near 10 KiB, like the portraits on real chips.
const JPEG_QUALITY: u8 = 85;

/// How the hair is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HairStyle {
    Short,
    /// Falling behind the face to the shoulders.
    Long,
    /// Gathered in a bun on top.
    Bun,
}

/// The parameters of one synthetic face.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PortraitStyle {
    pub skin: [u8; 3],
    pub hair: [u8; 3],
    pub hair_style: HairStyle,
    pub shirt: [u8; 3],
    /// Half-width of the face as a fraction of the picture's width (about 0.18–0.24).
    pub face_half_width: f32,
    pub glasses: bool,
}

/// Why a portrait could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the portrait could not be encoded as JPEG: {0}")]
pub struct PortraitError(String);

impl PortraitStyle {
    /// The picture, pixel by pixel.
    pub fn draw(&self) -> RgbImage {
        RgbImage::from_fn(PORTRAIT_WIDTH, PORTRAIT_HEIGHT, |x, y| {
            // Pixel centres in fractions of the picture's width and height.
            let u = (x as f32 + 0.5) / PORTRAIT_WIDTH as f32;
            let v = (y as f32 + 0.5) / PORTRAIT_HEIGHT as f32;
            Rgb(self.colour_at(u, v))
        })
    }

    /// The portrait as a baseline JPEG.
    pub fn to_jpeg(&self) -> Result<Vec<u8>, PortraitError> {
        let mut jpeg = Vec::new();
        JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
            .encode_image(&self.draw())
            .map_err(|error| PortraitError(error.to_string()))?;
        Ok(jpeg)
    }

    /// The colour of the topmost shape at (u, v): features, then face and hair, then neck
    /// and shoulders, then the background.
    fn colour_at(&self, u: f32, v: f32) -> [u8; 3] {
        const FACE_CENTRE: (f32, f32) = (0.5, 0.42);
        const FACE_HALF_HEIGHT: f32 = 0.25;
        const EYE_Y: f32 = 0.40;
        const EYE_DX: f32 = 0.085;
        const HAIRLINE: f32 = 0.30;
        let face_rx = self.face_half_width;
        let dark = [40, 32, 30];
        let inside = |cx: f32, cy: f32, rx: f32, ry: f32| {
            let (dx, dy) = ((u - cx) / rx, (v - cy) / ry);
            dx * dx + dy * dy <= 1.0
        };
        let in_eye = |rx: f32, ry: f32| {
            inside(0.5 - EYE_DX, EYE_Y, rx, ry) || inside(0.5 + EYE_DX, EYE_Y, rx, ry)
        };

        if in_eye(0.014, 0.011) {
            return dark;
        }
        if in_eye(0.03, 0.016) {
            return [245, 245, 240];
        }
        if self.glasses && in_eye(0.055, 0.037) && !in_eye(0.047, 0.031) {
            return [50, 50, 60];
        }
        if self.glasses
            && (0.5 - EYE_DX + 0.05..=0.5 + EYE_DX - 0.05).contains(&u)
            && (EYE_Y - 0.004..=EYE_Y + 0.002).contains(&v)
        {
            return [50, 50, 60];
        }
        if inside(0.5 - EYE_DX, EYE_Y - 0.04, 0.04, 0.008)
            || inside(0.5 + EYE_DX, EYE_Y - 0.04, 0.04, 0.008)
        {
            return self.hair;
        }
        if inside(0.5, 0.555, 0.06, 0.014) {
            return [170, 70, 70];
        }
        if inside(0.5, 0.475, 0.02, 0.035) {
            return shade(self.skin, 0.85);
        }
        let in_head_hair = inside(FACE_CENTRE.0, FACE_CENTRE.1 - 0.03, face_rx + 0.03, 0.27);
        if in_head_hair && v < HAIRLINE {
            return self.hair;
        }
        if self.hair_style == HairStyle::Bun && inside(0.5, 0.13, 0.08, 0.06) {
            return self.hair;
        }
        if inside(FACE_CENTRE.0, FACE_CENTRE.1, face_rx, FACE_HALF_HEIGHT) {
            return self.skin;
        }
        if inside(0.5 - face_rx, 0.44, 0.025, 0.045) || inside(0.5 + face_rx, 0.44, 0.025, 0.045) {
            return shade(self.skin, 0.92);
        }
        // Long hair falls behind the face and to the shoulders on both sides of the neck.
        let beside_neck = v < 0.62 || (u - 0.5).abs() > 0.1;
        if self.hair_style == HairStyle::Long
            && v > HAIRLINE - 0.05
            && beside_neck
            && inside(0.5, 0.5, face_rx + 0.06, 0.36)
        {
            return self.hair;
        }
        if (0.5 - 0.07..=0.5 + 0.07).contains(&u) && (0.6..=0.8).contains(&v) {
            return shade(self.skin, 0.9);
        }
        if inside(0.5, 1.05, 0.48, 0.3) {
            // A V-shaped collar opening shows the neck.
            let collar = (u - 0.5).abs() < (v - 0.76) * 0.6;
            return if collar {
                shade(self.skin, 0.9)
            } else {
                self.shirt
            };
        }
        // Plain light background, slightly lighter at the top, as photo studios light it.
        let lift = (1.0 - v) * 12.0;
        [
            channel(222.0 + lift),
            channel(228.0 + lift),
            channel(235.0 + lift),
        ]
    }
}

fn shade(colour: [u8; 3], factor: f32) -> [u8; 3] {
    colour.map(|c| channel(f32::from(c) * factor))
}

fn channel(value: f32) -> u8 {
    // A float-to-integer `as` saturates in Rust, so out-of-range values cannot wrap.
    value.round().clamp(0.0, 255.0) as u8
}
