//! A camera that replays still images at a steady frame rate.
//!
//! The demo and the tests need a camera that shows a known face or QR code without
//! hardware. Images are decoded once, when the camera is opened, so a broken file fails
//! at start-up where the message can name it, and capture costs no more than a real
//! camera's (a frame shares its pixels with the decoded image instead of copying them).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::camera::{Camera, Frame, PixelFormat};
use crate::error::ErrorKind;
use crate::self_test::{SelfTestReport, TestOutcome};

/// The fastest replay accepted: faster than any camera the kiosk uses, and a bound that
/// keeps a mistyped rate from spinning a core.
pub const MAX_FPS: f32 = 120.0;

/// Errors of this simulated device: the HAL's own [`DeviceError`](crate::DeviceError), a
/// kind and the message, as every backend reduces its errors to.
pub type SimulatedCameraError = crate::DeviceError;

/// Where playback stands between two captures.
#[derive(Debug)]
struct Playback {
    next_index: usize,
    next_sequence: u64,
    /// When the next frame may be handed out.
    due: Instant,
}

/// Replays decoded images in order, looping for ever, at a fixed rate.
///
/// Frames are made only when asked for: a consumer slower than the rate gets the next
/// image at once rather than a backlog, so gaps in [`Frame::sequence`] come only from
/// whatever sits between this camera and its consumer (such as
/// [`spawn_capture`](crate::camera::spawn_capture)'s one-frame slot). Like a V4L2 stream,
/// each [`Camera::start`] begins again at the first image with sequence 0.
pub struct ReplayCamera {
    /// Never empty: both constructors refuse an empty set.
    stills: Vec<Frame>,
    /// Pictures shown instead of `stills` while set, through a [`ReplayPanel`].
    shown: Arc<Mutex<Option<Arc<[Frame]>>>>,
    fps: f32,
    interval: Duration,
    source: String,
    playback: Option<Playback>,
}

impl ReplayCamera {
    /// Opens one image file (PNG or JPEG) or a folder of them, replayed in file-name order.
    ///
    /// In a folder, only files named `.png`, `.jpg` or `.jpeg` count, so a README or a
    /// thumbnail database next to the pictures does no harm; a single file named
    /// explicitly is decoded whatever its name. A missing path, or a folder with no
    /// images, is [`ErrorKind::NotPresent`]; a file that does not decode is
    /// [`ErrorKind::Other`]. Either message names the path.
    pub fn open(path: &Path, fps: f32) -> Result<ReplayCamera, SimulatedCameraError> {
        let interval = frame_interval(fps)?;
        let metadata = std::fs::metadata(path).map_err(|error| io_error(path, &error))?;
        let files = if metadata.is_dir() {
            image_files_in(path)?
        } else {
            vec![path.to_path_buf()]
        };
        let stills = files
            .iter()
            .map(|file| decode(file))
            .collect::<Result<Vec<_>, _>>()?;
        tracing::debug!(images = stills.len(), fps, path = %path.display(), "replay camera opened");
        Ok(ReplayCamera {
            stills,
            fps,
            interval,
            source: path.display().to_string(),
            playback: None,
            shown: Arc::default(),
        })
    }

    /// Replays frames made in memory, so tests and the demo can show generated pictures
    /// without writing files. Each frame's sequence and capture time are replaced when it
    /// is replayed.
    pub fn from_frames(
        frames: impl IntoIterator<Item = Frame>,
        fps: f32,
    ) -> Result<ReplayCamera, SimulatedCameraError> {
        let interval = frame_interval(fps)?;
        let stills: Vec<Frame> = frames.into_iter().collect();
        if stills.is_empty() {
            return Err(SimulatedCameraError::new(
                ErrorKind::InvalidInput,
                "a replay camera needs at least one frame",
            ));
        }
        Ok(ReplayCamera {
            stills,
            fps,
            interval,
            source: "generated frames".to_owned(),
            playback: None,
            shown: Arc::default(),
        })
    }

    /// A handle that changes what the camera sees while it runs: the demo holds a card's
    /// QR code up to it, and tests put a code in front of it and take it away.
    pub fn panel(&self) -> ReplayPanel {
        ReplayPanel {
            shown: Arc::clone(&self.shown),
        }
    }

    /// How many images one loop of the replay shows.
    pub fn image_count(&self) -> usize {
        self.stills.len()
    }

    pub fn fps(&self) -> f32 {
        self.fps
    }
}

/// Changes what a [`ReplayCamera`] shows while it runs; cheap to clone.
#[derive(Clone)]
pub struct ReplayPanel {
    shown: Arc<Mutex<Option<Arc<[Frame]>>>>,
}

impl ReplayPanel {
    /// Shows `frames` in a loop instead of the camera's own pictures; an empty set is
    /// ignored, since a camera always shows something.
    pub fn show(&self, frames: impl IntoIterator<Item = Frame>) {
        let frames: Arc<[Frame]> = frames.into_iter().collect();
        if !frames.is_empty() {
            *self.lock() = Some(frames);
        }
    }

    /// Goes back to the camera's own pictures.
    pub fn show_own(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Arc<[Frame]>>> {
        self.shown
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Camera for ReplayCamera {
    type Error = SimulatedCameraError;

    /// Starting an already started camera changes nothing, so a caller unsure of the
    /// state may call it again.
    fn start(&mut self) -> Result<(), Self::Error> {
        if self.playback.is_none() {
            self.playback = Some(Playback {
                next_index: 0,
                next_sequence: 0,
                due: Instant::now(),
            });
        }
        Ok(())
    }

    /// Fails when the camera is not started instead of starting it, as a real V4L2 device
    /// does, so code that forgets `start` fails in the simulator too.
    fn capture(&mut self, timeout: Duration) -> Result<Frame, Self::Error> {
        let Some(playback) = self.playback.as_mut() else {
            return Err(SimulatedCameraError::new(
                ErrorKind::Other,
                format!("replay camera ({}) is not started", self.source),
            ));
        };
        let now = Instant::now();
        if playback.due > now {
            let wait = playback.due - now;
            if wait > timeout {
                std::thread::sleep(timeout);
                return Err(SimulatedCameraError::new(
                    ErrorKind::Timeout,
                    format!("next frame is due in {wait:?}, beyond the {timeout:?} timeout"),
                ));
            }
            std::thread::sleep(wait);
        }
        let shown = self
            .shown
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        let stills: &[Frame] = shown.as_deref().unwrap_or(&self.stills);
        let index = playback.next_index % stills.len();
        let mut frame = stills[index].clone();
        frame.sequence = playback.next_sequence;
        frame.captured_at = Instant::now();
        playback.next_index = (index + 1) % stills.len();
        playback.next_sequence += 1;
        // Keep to the schedule while the consumer keeps up; once it falls a whole frame
        // behind, start the schedule again from now rather than bursting to catch up.
        playback.due = (playback.due + self.interval).max(frame.captured_at);
        Ok(frame)
    }

    fn stop(&mut self) -> Result<(), Self::Error> {
        self.playback = None;
        Ok(())
    }

    fn self_test(&mut self) -> SelfTestReport {
        let started = Instant::now();
        let count = self.stills.len();
        let noun = if count == 1 { "image" } else { "images" };
        SelfTestReport {
            device: "camera",
            backend: format!("replay:{}", self.source),
            outcome: TestOutcome::Pass,
            detail: format!("{count} {noun} at {} fps from {}", self.fps, self.source),
            took: started.elapsed(),
        }
    }
}

impl fmt::Debug for ReplayCamera {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplayCamera")
            .field("source", &self.source)
            .field("images", &self.stills.len())
            .field("fps", &self.fps)
            .field("playback", &self.playback)
            .finish()
    }
}

fn frame_interval(fps: f32) -> Result<Duration, SimulatedCameraError> {
    if !(fps.is_finite() && fps > 0.0 && fps <= MAX_FPS) {
        return Err(SimulatedCameraError::new(
            ErrorKind::InvalidInput,
            format!("frame rate {fps} is not in (0, {MAX_FPS}] frames per second"),
        ));
    }
    Ok(Duration::from_secs_f64(1.0 / f64::from(fps)))
}

fn io_error(path: &Path, error: &std::io::Error) -> SimulatedCameraError {
    let kind = match error.kind() {
        std::io::ErrorKind::NotFound => ErrorKind::NotPresent,
        _ => ErrorKind::Other,
    };
    SimulatedCameraError::new(kind, format!("{}: {error}", path.display()))
}

/// The replayable images in a folder, sorted by file name so the order is the same on
/// every machine whatever order the file system lists them in.
fn image_files_in(folder: &Path) -> Result<Vec<PathBuf>, SimulatedCameraError> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(|error| io_error(folder, &error))? {
        let path = entry.map_err(|error| io_error(folder, &error))?.path();
        let is_image = path
            .extension()
            .and_then(|extension| extension.to_str())
            .is_some_and(|extension| {
                ["png", "jpg", "jpeg"]
                    .iter()
                    .any(|known| extension.eq_ignore_ascii_case(known))
            });
        if is_image && path.is_file() {
            files.push(path);
        }
    }
    if files.is_empty() {
        return Err(SimulatedCameraError::new(
            ErrorKind::NotPresent,
            format!("{}: no PNG or JPEG images in this folder", folder.display()),
        ));
    }
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(files)
}

/// Decodes one image into a frame: grey stays grey (one byte a pixel, what the QR decoder
/// wants), anything with colour becomes RGB.
fn decode(path: &Path) -> Result<Frame, SimulatedCameraError> {
    let undecodable = |detail: &dyn fmt::Display| {
        SimulatedCameraError::new(ErrorKind::Other, format!("{}: {detail}", path.display()))
    };
    let image = image::ImageReader::open(path)
        .map_err(|error| io_error(path, &error))?
        .with_guessed_format()
        .map_err(|error| io_error(path, &error))?
        .decode()
        .map_err(|error| undecodable(&error))?;
    let (width, height) = (image.width(), image.height());
    let (format, pixels) = if image.color().has_color() {
        (PixelFormat::Rgb8, image.into_rgb8().into_raw())
    } else {
        (PixelFormat::Gray8, image.into_luma8().into_raw())
    };
    Frame::new(width, height, format, pixels, 0).map_err(|error| undecodable(&error))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use image::{GrayImage, Luma, Rgb, RgbImage};

    use super::*;
    use crate::camera::{SlotRead, spawn_capture};

    const GENEROUS: Duration = Duration::from_secs(5);

    fn grey_frame(width: u32, height: u32) -> Frame {
        let pixels = vec![128; (width * height) as usize];
        Frame::new(width, height, PixelFormat::Gray8, pixels, 0).expect("valid frame")
    }

    #[test]
    fn the_panel_changes_what_the_running_camera_shows() {
        let mut camera = ReplayCamera::from_frames([grey_frame(2, 2)], 120.0).expect("camera");
        let panel = camera.panel();
        camera.start().expect("start");
        assert_eq!(camera.capture(GENEROUS).expect("frame").width(), 2);
        panel.show([grey_frame(4, 2), grey_frame(6, 2)]);
        let widths: Vec<u32> = (0..3)
            .map(|_| camera.capture(GENEROUS).expect("frame").width())
            .collect();
        assert!(
            widths.iter().all(|&width| width == 4 || width == 6),
            "{widths:?}"
        );
        panel.show(Vec::new());
        assert_ne!(camera.capture(GENEROUS).expect("frame").width(), 2);
        panel.show_own();
        assert_eq!(camera.capture(GENEROUS).expect("frame").width(), 2);
    }

    #[test]
    fn replays_a_png_file_as_rgb_with_the_right_luma() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("face.png");
        let mut picture = RgbImage::from_pixel(2, 1, Rgb([200, 100, 50]));
        picture.put_pixel(1, 0, Rgb([0, 0, 255]));
        picture.save(&path).expect("write png");

        let mut camera = ReplayCamera::open(&path, 30.0).expect("open");
        camera.start().expect("start");
        let frame = camera.capture(GENEROUS).expect("capture");
        assert_eq!((frame.width(), frame.height()), (2, 1));
        assert_eq!(frame.format(), PixelFormat::Rgb8);
        assert_eq!(frame.pixels(), [200, 100, 50, 0, 0, 255]);
        // BT.601: (299·200 + 587·100 + 114·50) / 1000 = 124; (114·255) / 1000 = 29.
        assert_eq!(&*frame.luma(), [124, 29]);
    }

    #[test]
    fn replays_a_jpeg_folder_in_file_name_order_and_loops() {
        let dir = tempfile::tempdir().expect("tempdir");
        // Widths tell the images apart, since JPEG does not keep pixel values exactly.
        for (name, width) in [("b.jpg", 16), ("a.jpg", 8), ("c.jpeg", 24)] {
            GrayImage::from_pixel(width, 8, Luma([90]))
                .save(dir.path().join(name))
                .expect("write jpeg");
        }
        std::fs::write(dir.path().join("notes.txt"), "not a picture").expect("write txt");
        std::fs::create_dir(dir.path().join("d.png")).expect("folder with an image name");

        let mut camera = ReplayCamera::open(dir.path(), MAX_FPS).expect("open");
        assert_eq!(camera.image_count(), 3);
        camera.start().expect("start");
        let frames: Vec<Frame> = (0..5)
            .map(|_| camera.capture(GENEROUS).expect("capture"))
            .collect();
        let widths: Vec<u32> = frames.iter().map(Frame::width).collect();
        assert_eq!(widths, [8, 16, 24, 8, 16]);
        let sequences: Vec<u64> = frames.iter().map(|frame| frame.sequence).collect();
        assert_eq!(sequences, [0, 1, 2, 3, 4]);
        assert!(
            frames
                .iter()
                .all(|frame| frame.format() == PixelFormat::Gray8)
        );
    }

    #[test]
    fn restarting_begins_again_at_the_first_image() {
        let mut camera = ReplayCamera::from_frames([grey_frame(2, 2), grey_frame(4, 2)], MAX_FPS)
            .expect("camera");
        camera.start().expect("start");
        camera.capture(GENEROUS).expect("first");
        camera.stop().expect("stop");
        camera.start().expect("start again");
        let frame = camera.capture(GENEROUS).expect("capture");
        assert_eq!((frame.width(), frame.sequence), (2, 0));
    }

    #[test]
    fn a_rate_outside_the_range_is_refused() {
        for fps in [0.0, -1.0, 120.5, f32::NAN, f32::INFINITY] {
            let error =
                ReplayCamera::from_frames([grey_frame(2, 2)], fps).expect_err("bad frame rate");
            assert_eq!(error.kind(), ErrorKind::InvalidInput, "{fps}");
        }
        ReplayCamera::from_frames([grey_frame(2, 2)], MAX_FPS).expect("the maximum is allowed");
    }

    #[test]
    fn a_missing_path_is_not_present_and_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nowhere");
        let error = ReplayCamera::open(&path, 10.0).expect_err("missing");
        assert_eq!(error.kind(), ErrorKind::NotPresent);
        assert!(error.message().contains("nowhere"), "{error}");
    }

    #[test]
    fn a_folder_without_images_is_not_present() {
        let dir = tempfile::tempdir().expect("tempdir");
        let error = ReplayCamera::open(dir.path(), 10.0).expect_err("empty");
        assert_eq!(error.kind(), ErrorKind::NotPresent);
        std::fs::write(dir.path().join("readme.txt"), "no pictures").expect("write");
        let error = ReplayCamera::open(dir.path(), 10.0).expect_err("still no images");
        assert_eq!(error.kind(), ErrorKind::NotPresent);
        assert!(
            error.message().contains(&dir.path().display().to_string()),
            "{error}"
        );
    }

    #[test]
    fn an_undecodable_image_is_other_and_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("broken.png"), b"not really a png").expect("write");
        let error = ReplayCamera::open(dir.path(), 10.0).expect_err("undecodable");
        assert_eq!(error.kind(), ErrorKind::Other);
        assert!(error.message().contains("broken.png"), "{error}");
    }

    #[test]
    fn no_frames_is_invalid_input() {
        let error = ReplayCamera::from_frames(Vec::new(), 10.0).expect_err("empty");
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn capture_before_start_fails() {
        let mut camera = ReplayCamera::from_frames([grey_frame(2, 2)], 10.0).expect("camera");
        let error = camera.capture(GENEROUS).expect_err("not started");
        assert_eq!(error.kind(), ErrorKind::Other);
        assert!(error.message().contains("not started"), "{error}");
    }

    #[test]
    fn a_frame_due_after_the_timeout_times_out() {
        let mut camera = ReplayCamera::from_frames([grey_frame(2, 2)], 0.5).expect("camera");
        camera.start().expect("start");
        camera
            .capture(GENEROUS)
            .expect("the first frame is due at once");
        let error = camera
            .capture(Duration::from_millis(5))
            .expect_err("the next is two seconds away");
        assert_eq!(error.kind(), ErrorKind::Timeout);
    }

    #[test]
    fn self_test_describes_the_replay() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("one.png");
        GrayImage::from_pixel(4, 4, Luma([0]))
            .save(&path)
            .expect("write png");
        let mut camera = ReplayCamera::open(&path, 12.5).expect("open");
        let report = camera.self_test();
        assert_eq!(report.outcome, TestOutcome::Pass);
        assert_eq!(report.device, "camera");
        assert_eq!(
            report.detail,
            format!("1 image at 12.5 fps from {}", path.display())
        );
    }

    #[test]
    fn a_slow_consumer_drops_frames_and_the_slot_holds_at_most_one() {
        let camera = ReplayCamera::from_frames([grey_frame(4, 4)], MAX_FPS).expect("camera");
        let handle = spawn_capture(camera).expect("spawn");
        let slot = Arc::clone(handle.frames());
        let mut sequences = Vec::new();
        for _ in 0..200 {
            match slot.take(GENEROUS) {
                SlotRead::Frame(frame) => sequences.push(frame.sequence),
                other => panic!("expected a frame, got {other:?}"),
            }
            if sequences.len() >= 3 && slot.counts().1 > 0 {
                break;
            }
            // Slower than the camera, so frames pile up and must be replaced, not queued.
            std::thread::sleep(Duration::from_millis(30));
        }
        handle.stop();
        let mut left_in_slot = 0;
        loop {
            match slot.take(Duration::ZERO) {
                SlotRead::Frame(frame) => {
                    left_in_slot += 1;
                    sequences.push(frame.sequence);
                }
                SlotRead::Closed => break,
                other => panic!("expected the slot to close, got {other:?}"),
            }
        }
        assert!(left_in_slot <= 1, "{left_in_slot} frames were held");
        assert!(
            sequences.windows(2).all(|pair| pair[0] < pair[1]),
            "{sequences:?}"
        );
        let (delivered, dropped) = slot.counts();
        assert!(dropped > 0);
        // Every frame the camera made was either handed out or replaced: none is queued.
        let made = sequences.last().map_or(0, |last| last + 1);
        assert_eq!(delivered + dropped, made);
    }
}
