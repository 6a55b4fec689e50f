//! Choosing the stream format from what the camera offers.
//!
//! A pure function over nokhwa's list of [`CameraFormat`]s, so that every rule is tested
//! without a camera. The camera is then opened with exactly the format chosen here, never
//! with one nokhwa or the driver picks, so the kiosk knows the size and encoding of every
//! buffer before it arrives.

use std::cmp::Reverse;
use std::fmt;

use nokhwa::utils::{CameraFormat, FrameFormat, Resolution};

/// Which encoding to ask the camera for first. The other one is the fallback, so a kiosk
/// still shows a picture with a camera that lacks the preferred encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FormatPreference {
    /// The kiosk's choice: MJPEG, then YUYV. Over USB 2.0 a UVC camera sends 1280×720 at
    /// 30 fps only compressed; uncompressed YUYV at that size usually drops to 5–10 fps.
    #[default]
    Auto,
    /// MJPEG, then YUYV.
    Mjpeg,
    /// YUYV, then MJPEG: for a camera whose JPEG encoder is broken, at the cost of bandwidth.
    Yuyv,
}

impl FormatPreference {
    fn order(self) -> [Encoding; 2] {
        match self {
            FormatPreference::Auto | FormatPreference::Mjpeg => [Encoding::Mjpeg, Encoding::Yuyv],
            FormatPreference::Yuyv => [Encoding::Yuyv, Encoding::Mjpeg],
        }
    }
}

/// The encodings this backend turns into frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// Motion JPEG: every buffer is one JPEG picture, decoded to RGB.
    Mjpeg,
    /// Packed YUV 4:2:2, passed on as [`PixelFormat::Yuyv`](crate::PixelFormat::Yuyv).
    Yuyv,
}

impl Encoding {
    pub(super) fn frame_format(self) -> FrameFormat {
        match self {
            Encoding::Mjpeg => FrameFormat::MJPEG,
            Encoding::Yuyv => FrameFormat::YUYV,
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Encoding::Mjpeg => "MJPEG",
            Encoding::Yuyv => "YUYV",
        })
    }
}

/// What the configuration asks of the camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatWish {
    pub preference: FormatPreference,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
}

/// The format a stream was opened with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamFormat {
    pub encoding: Encoding,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
}

impl StreamFormat {
    pub(super) fn camera_format(self) -> CameraFormat {
        CameraFormat::new(
            Resolution::new(self.width, self.height),
            self.encoding.frame_format(),
            self.fps,
        )
    }

    /// How often a frame is due.
    pub fn frame_interval(self) -> std::time::Duration {
        std::time::Duration::from_secs(1) / self.fps.max(1)
    }
}

impl fmt::Display for StreamFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}x{} at {} fps",
            self.encoding, self.width, self.height, self.fps
        )
    }
}

/// The camera offers neither MJPEG nor YUYV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoUsableFormat {
    /// The encodings it does offer, as nokhwa names them, sorted and without repeats.
    pub offered: Vec<String>,
}

/// nokhwa reports a discrete frame interval of 1001/30000 s as 30000 fps (it keeps only the
/// denominator), and such an entry cannot be opened; no UVC camera streams faster than this.
const MAX_PLAUSIBLE_FPS: u32 = 1000;

/// Picks the encoding, then the size, then the frame rate:
///
/// - the preferred encoding if the camera offers it at any size, else the other one;
/// - the size that covers most of the wished one, and of those the smallest: a size at
///   least as large as the wish wins over a smaller one (a QR code needs the pixels), and
///   the closest larger one wins over any other larger one;
/// - the frame rate closest to the wish at that size, the faster one on a tie.
pub fn negotiate(
    offered: &[CameraFormat],
    wish: FormatWish,
) -> Result<StreamFormat, NoUsableFormat> {
    let plausible = |format: &&CameraFormat| (1..=MAX_PLAUSIBLE_FPS).contains(&format.frame_rate());
    let Some((encoding, candidates)) = wish.preference.order().into_iter().find_map(|encoding| {
        let candidates: Vec<&CameraFormat> = offered
            .iter()
            .filter(plausible)
            .filter(|format| format.format() == encoding.frame_format())
            .collect();
        (!candidates.is_empty()).then_some((encoding, candidates))
    }) else {
        let mut names: Vec<String> = offered
            .iter()
            .map(|format| format.format().to_string())
            .collect();
        names.sort();
        names.dedup();
        return Err(NoUsableFormat { offered: names });
    };

    let covered = |resolution: Resolution| {
        u64::from(resolution.width().min(wish.width))
            * u64::from(resolution.height().min(wish.height))
    };
    let area =
        |resolution: Resolution| u64::from(resolution.width()) * u64::from(resolution.height());
    let resolution = candidates
        .iter()
        .map(|format| format.resolution())
        .min_by_key(|&resolution| (Reverse(covered(resolution)), area(resolution)))
        .expect("candidates is not empty");

    let fps = candidates
        .iter()
        .filter(|format| format.resolution() == resolution)
        .map(|format| format.frame_rate())
        .min_by_key(|&fps| (fps.abs_diff(wish.fps), Reverse(fps)))
        .expect("the chosen resolution came from the candidates");

    Ok(StreamFormat {
        encoding,
        width: resolution.width(),
        height: resolution.height(),
        fps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(format: FrameFormat, width: u32, height: u32, rates: &[u32]) -> Vec<CameraFormat> {
        rates
            .iter()
            .map(|&fps| CameraFormat::new(Resolution::new(width, height), format, fps))
            .collect()
    }

    /// What a common 720p USB camera lists: MJPEG up to 1280×720 at 30 fps, YUYV slower.
    fn usb_camera() -> Vec<CameraFormat> {
        [
            offer(FrameFormat::YUYV, 640, 480, &[30, 15]),
            offer(FrameFormat::YUYV, 1280, 720, &[10, 5]),
            offer(FrameFormat::MJPEG, 640, 480, &[30, 15]),
            offer(FrameFormat::MJPEG, 1280, 720, &[30, 15]),
            offer(FrameFormat::MJPEG, 320, 240, &[30]),
        ]
        .concat()
    }

    fn wish(preference: FormatPreference, width: u32, height: u32, fps: u32) -> FormatWish {
        FormatWish {
            preference,
            width,
            height,
            fps,
        }
    }

    fn stream(encoding: Encoding, width: u32, height: u32, fps: u32) -> StreamFormat {
        StreamFormat {
            encoding,
            width,
            height,
            fps,
        }
    }

    #[test]
    fn auto_prefers_mjpeg_at_the_exact_size_and_rate() {
        let chosen = negotiate(&usb_camera(), wish(FormatPreference::Auto, 1280, 720, 30));
        assert_eq!(chosen, Ok(stream(Encoding::Mjpeg, 1280, 720, 30)));
    }

    #[test]
    fn a_yuyv_preference_is_honoured_with_the_closest_rate() {
        let chosen = negotiate(&usb_camera(), wish(FormatPreference::Yuyv, 1280, 720, 30));
        assert_eq!(chosen, Ok(stream(Encoding::Yuyv, 1280, 720, 10)));
    }

    #[test]
    fn the_other_encoding_is_the_fallback() {
        let yuyv_only = offer(FrameFormat::YUYV, 640, 480, &[30]);
        for preference in [FormatPreference::Auto, FormatPreference::Mjpeg] {
            let chosen = negotiate(&yuyv_only, wish(preference, 640, 480, 30));
            assert_eq!(
                chosen,
                Ok(stream(Encoding::Yuyv, 640, 480, 30)),
                "{preference:?}"
            );
        }
        let mjpeg_only = offer(FrameFormat::MJPEG, 640, 480, &[30]);
        let chosen = negotiate(&mjpeg_only, wish(FormatPreference::Yuyv, 640, 480, 30));
        assert_eq!(chosen, Ok(stream(Encoding::Mjpeg, 640, 480, 30)));
    }

    #[test]
    fn the_closest_larger_size_wins_over_a_smaller_one() {
        let offered = [
            offer(FrameFormat::MJPEG, 640, 480, &[30]),
            offer(FrameFormat::MJPEG, 1920, 1080, &[30]),
            offer(FrameFormat::MJPEG, 1280, 960, &[30]),
        ]
        .concat();
        // 640×480 is nearer in pixels to 800×600 than 1280×960, but too small.
        let chosen = negotiate(&offered, wish(FormatPreference::Auto, 800, 600, 30));
        assert_eq!(chosen, Ok(stream(Encoding::Mjpeg, 1280, 960, 30)));
    }

    #[test]
    fn without_a_larger_size_the_one_covering_most_of_the_wish_wins() {
        let offered = [
            offer(FrameFormat::MJPEG, 320, 240, &[30]),
            offer(FrameFormat::MJPEG, 1600, 400, &[30]),
            offer(FrameFormat::MJPEG, 1024, 576, &[30]),
        ]
        .concat();
        // 1600×400 has more pixels than 1024×576 but covers less of 1280×720.
        let chosen = negotiate(&offered, wish(FormatPreference::Auto, 1280, 720, 30));
        assert_eq!(chosen, Ok(stream(Encoding::Mjpeg, 1024, 576, 30)));
    }

    #[test]
    fn the_closest_rate_wins_and_a_tie_goes_to_the_faster() {
        let offered = offer(FrameFormat::MJPEG, 640, 480, &[5, 15, 25, 60]);
        let chosen = negotiate(&offered, wish(FormatPreference::Auto, 640, 480, 20));
        assert_eq!(chosen, Ok(stream(Encoding::Mjpeg, 640, 480, 25)));
        let chosen = negotiate(&offered, wish(FormatPreference::Auto, 640, 480, 50));
        assert_eq!(chosen, Ok(stream(Encoding::Mjpeg, 640, 480, 60)));
    }

    #[test]
    fn rates_nokhwa_misreads_are_ignored() {
        // 1001/30000 s, listed by nokhwa as 30000 fps.
        let offered = offer(FrameFormat::MJPEG, 640, 480, &[30000, 0, 15]);
        let chosen = negotiate(&offered, wish(FormatPreference::Auto, 640, 480, 120));
        assert_eq!(chosen, Ok(stream(Encoding::Mjpeg, 640, 480, 15)));
    }

    #[test]
    fn a_camera_without_mjpeg_or_yuyv_is_refused_naming_what_it_offers() {
        let offered = [
            offer(FrameFormat::NV12, 1280, 720, &[30]),
            offer(FrameFormat::GRAY, 640, 480, &[30, 60]),
            offer(FrameFormat::NV12, 640, 480, &[30]),
        ]
        .concat();
        let refused = negotiate(&offered, wish(FormatPreference::Auto, 1280, 720, 30));
        assert_eq!(
            refused,
            Err(NoUsableFormat {
                offered: vec!["GRAY".to_owned(), "NV12".to_owned()]
            })
        );
        let nothing = negotiate(&[], wish(FormatPreference::Auto, 1280, 720, 30));
        assert_eq!(nothing, Err(NoUsableFormat { offered: vec![] }));
    }
}
