//! The camera: a stream of frames, each with its size and pixel format, and a cheap
//! grey-scale view for decoders (QR, face detection) that only need luminance.
//!
//! A camera produces frames at its own pace whether or not anyone keeps up. [`spawn_capture`]
//! runs a camera on its own thread and keeps only the newest frame in a [`LatestFrame`]
//! slot: a slow consumer sees fewer frames, never older ones, and memory stays bounded.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::error::{DeviceError, Error, ErrorKind};
use crate::self_test::SelfTestReport;

/// How the bytes of a frame are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PixelFormat {
    /// One byte of luminance per pixel.
    Gray8,
    /// Three bytes per pixel: red, green, blue.
    Rgb8,
    /// YUV 4:2:2 packed as Y0 U Y1 V: two pixels in four bytes (the usual V4L2 raw format).
    Yuyv,
}

impl PixelFormat {
    /// Bytes needed for a frame of this size, or `None` if the size is not representable
    /// (YUYV needs an even width).
    pub fn frame_len(self, width: u32, height: u32) -> Option<usize> {
        let pixels = (width as usize).checked_mul(height as usize)?;
        match self {
            PixelFormat::Gray8 => Some(pixels),
            PixelFormat::Rgb8 => pixels.checked_mul(3),
            PixelFormat::Yuyv => pixels.checked_mul(2).filter(|_| width.is_multiple_of(2)),
        }
    }
}

/// One picture from the camera. The pixels are shared, so cloning a frame is cheap.
#[derive(Debug, Clone)]
pub struct Frame {
    width: u32,
    height: u32,
    format: PixelFormat,
    pixels: Arc<[u8]>,
    /// Counts frames from the camera's start; gaps show frames that were dropped.
    pub sequence: u64,
    pub captured_at: Instant,
}

/// A frame's bytes do not match its declared size and format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{format:?} frame of {width}x{height} needs {expected:?} bytes, got {actual}")]
pub struct FrameSizeError {
    pub width: u32,
    pub height: u32,
    pub format: PixelFormat,
    pub expected: Option<usize>,
    pub actual: usize,
}

impl Frame {
    /// Wraps pixels, checking that their length matches the size and format.
    pub fn new(
        width: u32,
        height: u32,
        format: PixelFormat,
        pixels: impl Into<Arc<[u8]>>,
        sequence: u64,
    ) -> Result<Self, FrameSizeError> {
        let pixels = pixels.into();
        let expected = format.frame_len(width, height);
        if expected != Some(pixels.len()) {
            return Err(FrameSizeError {
                width,
                height,
                format,
                expected,
                actual: pixels.len(),
            });
        }
        Ok(Self {
            width,
            height,
            format,
            pixels,
            sequence,
            captured_at: Instant::now(),
        })
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    pub fn format(&self) -> PixelFormat {
        self.format
    }

    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// The picture as RGB, three bytes per pixel, for showing it on screen.
    ///
    /// YUYV is converted with the integer BT.601 formulas V4L2 cameras use.
    pub fn to_rgb8(&self) -> Vec<u8> {
        match self.format {
            PixelFormat::Rgb8 => self.pixels.to_vec(),
            PixelFormat::Gray8 => self.pixels.iter().flat_map(|&y| [y, y, y]).collect(),
            PixelFormat::Yuyv => {
                let mut rgb = Vec::with_capacity(self.pixels.len() / 2 * 3);
                for quad in self.pixels.chunks_exact(4) {
                    let (u, v) = (quad[1] as i32 - 128, quad[3] as i32 - 128);
                    for y in [quad[0], quad[2]] {
                        let c = 298 * (y as i32 - 16);
                        let clamp = |value: i32| ((value + 128) >> 8).clamp(0, 255) as u8;
                        rgb.extend_from_slice(&[
                            clamp(c + 409 * v),
                            clamp(c - 100 * u - 208 * v),
                            clamp(c + 516 * u),
                        ]);
                    }
                }
                rgb
            }
        }
    }

    /// Luminance, one byte per pixel, row by row.
    ///
    /// Borrowed for grey frames; YUYV frames only pick every other byte (their Y samples)
    /// and RGB frames are weighted by ITU-R BT.601 in integer arithmetic, so the view stays
    /// cheap enough to take on every frame.
    pub fn luma(&self) -> Cow<'_, [u8]> {
        match self.format {
            PixelFormat::Gray8 => Cow::Borrowed(&self.pixels),
            PixelFormat::Yuyv => Cow::Owned(self.pixels.iter().step_by(2).copied().collect()),
            PixelFormat::Rgb8 => Cow::Owned(
                self.pixels
                    .chunks_exact(3)
                    .map(|rgb| {
                        let weighted =
                            299 * rgb[0] as u32 + 587 * rgb[1] as u32 + 114 * rgb[2] as u32;
                        (weighted / 1000) as u8
                    })
                    .collect(),
            ),
        }
    }
}

/// A camera (V4L2 on a real kiosk).
pub trait Camera: Send {
    type Error: Error;

    /// Starts streaming; frames are then available from [`Camera::capture`].
    fn start(&mut self) -> Result<(), Self::Error>;

    /// Blocks until the camera delivers its next frame. Fails with
    /// [`ErrorKind::Timeout`] if none came within `timeout`.
    fn capture(&mut self, timeout: Duration) -> Result<Frame, Self::Error>;

    /// Stops streaming and releases the device so another process may open it.
    fn stop(&mut self) -> Result<(), Self::Error>;

    /// Checks the camera and reports what diagnostics should show.
    fn self_test(&mut self) -> SelfTestReport;
}

#[derive(Default)]
struct SlotState {
    newest: Option<Frame>,
    error: Option<DeviceError>,
    delivered: u64,
    dropped: u64,
    closed: bool,
}

/// A one-frame mailbox between a capture thread and its consumer. A new frame replaces an
/// unread one (counted as dropped) instead of queueing behind it.
#[derive(Default)]
pub struct LatestFrame {
    state: Mutex<SlotState>,
    ready: Condvar,
}

/// What came out of the slot.
#[derive(Debug, Clone)]
pub enum SlotRead {
    Frame(Frame),
    /// The capture failed; the thread keeps trying if the error may pass.
    Error(DeviceError),
    /// Nothing new within the timeout.
    Empty,
    /// Capture has stopped for good.
    Closed,
}

impl LatestFrame {
    fn lock(&self) -> MutexGuard<'_, SlotState> {
        // A panic while holding this lock cannot leave the state half-written (every
        // update is a single assignment), so a poisoned lock is still usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Offers a frame, replacing any the consumer has not taken yet.
    pub fn put(&self, frame: Frame) {
        let mut state = self.lock();
        if state.newest.replace(frame).is_some() {
            state.dropped += 1;
        }
        self.ready.notify_all();
    }

    fn put_error(&self, error: DeviceError) {
        self.lock().error = Some(error);
        self.ready.notify_all();
    }

    fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }

    /// Takes the newest frame, waiting up to `timeout` for one.
    pub fn take(&self, timeout: Duration) -> SlotRead {
        let deadline = Instant::now() + timeout;
        let mut state = self.lock();
        loop {
            if let Some(frame) = state.newest.take() {
                state.delivered += 1;
                return SlotRead::Frame(frame);
            }
            if let Some(error) = state.error.take() {
                return SlotRead::Error(error);
            }
            if state.closed {
                return SlotRead::Closed;
            }
            let now = Instant::now();
            if now >= deadline {
                return SlotRead::Empty;
            }
            state = self
                .ready
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
    }

    /// Frames handed to the consumer and frames replaced before it looked.
    pub fn counts(&self) -> (u64, u64) {
        let state = self.lock();
        (state.delivered, state.dropped)
    }
}

/// A camera running on its own thread. Dropping it stops the capture.
pub struct CaptureHandle {
    slot: Arc<LatestFrame>,
    stop: Arc<AtomicBool>,
    self_tests: crossbeam_channel::Sender<crossbeam_channel::Sender<SelfTestReport>>,
    thread: Option<JoinHandle<()>>,
}

impl CaptureHandle {
    pub fn frames(&self) -> &Arc<LatestFrame> {
        &self.slot
    }

    /// Asks the capture thread, which owns the camera, to run the camera's self-test.
    /// `None` if the thread did not answer within `timeout` (it is stuck in the driver or
    /// has stopped), which diagnostics reports as a failure in itself.
    pub fn self_test(&self, timeout: Duration) -> Option<SelfTestReport> {
        let (reply, answer) = crossbeam_channel::bounded(1);
        self.self_tests.send(reply).ok()?;
        answer.recv_timeout(timeout).ok()
    }

    /// Stops the capture thread and waits for it to release the camera.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            // A capture thread that panicked has nothing left to release.
            let _ = thread.join();
        }
    }
}

impl Drop for CaptureHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// How long the capture thread waits for one frame before it checks whether to stop.
const CAPTURE_POLL: Duration = Duration::from_millis(200);
/// How long to wait before retrying a camera that failed to start or went away.
const RESTART_DELAY: Duration = Duration::from_millis(500);

/// Runs `camera` on a new thread, keeping only the newest frame for the consumer.
///
/// Errors are passed on through the slot. A camera that times out or disconnects is
/// restarted after a pause, so unplugging and plugging it back needs no action from the
/// application; any other error also triggers a restart attempt.
pub fn spawn_capture<C: Camera + 'static>(mut camera: C) -> std::io::Result<CaptureHandle> {
    let slot = Arc::new(LatestFrame::default());
    let stop = Arc::new(AtomicBool::new(false));
    let (self_tests, self_test_requests) =
        crossbeam_channel::unbounded::<crossbeam_channel::Sender<SelfTestReport>>();
    let thread = {
        let slot = Arc::clone(&slot);
        let stop = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("camera-capture".into())
            .spawn(move || {
                let mut streaming = false;
                while !stop.load(Ordering::Relaxed) {
                    // Self-tests run between frames, on the thread that owns the camera.
                    while let Ok(reply) = self_test_requests.try_recv() {
                        let _ = reply.send(camera.self_test());
                    }
                    if !streaming {
                        match camera.start() {
                            Ok(()) => streaming = true,
                            Err(error) => {
                                slot.put_error(DeviceError::from_backend(&error));
                                std::thread::sleep(RESTART_DELAY);
                                continue;
                            }
                        }
                    }
                    match camera.capture(CAPTURE_POLL) {
                        Ok(frame) => slot.put(frame),
                        Err(error) if error.kind() == ErrorKind::Timeout => {}
                        Err(error) => {
                            tracing::warn!(kind = %error.kind(), %error, "camera capture failed; restarting");
                            slot.put_error(DeviceError::from_backend(&error));
                            let _ = camera.stop();
                            streaming = false;
                            std::thread::sleep(RESTART_DELAY);
                        }
                    }
                }
                if streaming && let Err(error) = camera.stop() {
                    tracing::warn!(%error, "camera did not stop cleanly");
                }
                slot.close();
            })?
    };
    Ok(CaptureHandle {
        slot,
        stop,
        self_tests,
        thread: Some(thread),
    })
}
