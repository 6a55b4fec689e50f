//! The real camera: a UVC camera through Video4Linux2, read with nokhwa.
//!
//! [`V4l2Camera`] finds its camera by path or by name (the `device` module), negotiates an
//! explicit format with it (MJPEG, else YUYV, at the size and rate closest to the wish: the
//! `negotiate` module), and turns each buffer into a [`Frame`] (the `convert` module):
//! MJPEG decoded to RGB with `image`, YUYV passed on as it is. A buffer that makes no frame
//! (a damaged JPEG, a wrong length) is counted and skipped, never a panic.
//!
//! Every [`Camera::start`] opens the device afresh, so
//! [`spawn_capture`](crate::camera::spawn_capture), which stops and starts a camera after
//! an error, also recovers a camera that was unplugged and plugged back.
//!
//! # Why a thread of its own
//!
//! nokhwa 0.10's V4L2 backend cannot time out a read: `frame_raw` reads through the v4l
//! crate's mmap stream, which waits with `poll(fd, POLLIN, -1)` before `VIDIOC_DQBUF`, and
//! both the stream (with its `set_timeout`) and the descriptor are private to nokhwa.
//! Unplugging the camera ends the wait (the kernel cancels the videobuf2 queue, and the
//! dequeue fails with ENODEV), but a camera that stays plugged in and stops sending frames
//! keeps the read waiting for ever.
//!
//! So the nokhwa device lives on a thread of its own that only reads buffers into a
//! one-buffer mailbox (the `stream` module). [`Camera::capture`] waits on the mailbox with
//! its timeout and always returns in time: the capture thread of `spawn_capture`, its
//! self-tests and its stop never wait on the driver, and the consumer behind
//! `spawn_capture`'s own one-frame slot never blocks either. A stream that has delivered
//! nothing for far longer than its frame interval is reported as [`V4l2Error::Stalled`].
//!
//! The limit, honestly: a read blocked in the driver cannot be cancelled. [`Camera::stop`]
//! waits a little for the stream thread and then leaves it behind; it ends by itself when
//! the camera delivers again or is unplugged. Until then the device stays open and cannot
//! be opened again, which [`Camera::start`] reports as [`V4l2Error::StuckInDriver`]: a
//! camera that has hung while plugged in needs replugging.

mod convert;
mod device;
mod error;
mod negotiate;
mod stream;

use std::time::{Duration, Instant};

use crate::camera::{Camera, Frame};
use crate::error::Error as _;
use crate::self_test::{SelfTestReport, TestOutcome};

pub use convert::{FrameError, frame_from_buffer};
pub use device::CameraSelector;
pub use error::V4l2Error;
pub use negotiate::{
    Encoding, FormatPreference, FormatWish, NoUsableFormat, StreamFormat, negotiate,
};

use device::VideoNode;
use error::History;
use stream::{Delivery, OpenError, OpenFailure, Stream, StreamThread};

/// How long opening may take. A UVC camera opens in well under a second; the capture
/// thread is blocked meanwhile.
const OPEN_LIMIT: Duration = Duration::from_secs(5);
/// A stream silent this long, or for [`STALL_FRAMES`] frame intervals if that is longer, has
/// stalled. Far beyond the slowdown of auto-exposure in a dark room.
const MIN_STALL: Duration = Duration::from_secs(3);
const STALL_FRAMES: u32 = 10;
/// How long a stop waits for the stream thread to end, at least; it ends after the frame
/// it is waiting for.
const MIN_STOP_WAIT: Duration = Duration::from_secs(1);
/// The window the self-test measures the frame rate over.
const RATE_WINDOW: Duration = Duration::from_secs(2);

/// What the configuration says about the camera.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V4l2Settings {
    pub camera: CameraSelector,
    pub format: FormatWish,
}

/// A UVC camera through V4L2 (see the module docs).
pub struct V4l2Camera {
    settings: V4l2Settings,
    stream: Option<Stream>,
    /// A stream thread that did not end when stopped: blocked in the driver.
    lingering: Option<StreamThread>,
    history: History,
    unusable_frames: u64,
    unusable_in_a_row: u64,
    /// Why the last start failed, for the self-test.
    last_start_error: Option<V4l2Error>,
}

impl V4l2Camera {
    /// Checks the settings without opening the camera: [`Camera::start`] opens it, so the
    /// kiosk starts even while the camera is unplugged, and picks it up when it comes.
    ///
    /// Fails at once only for what plugging in cannot fix: a zero size or rate, an empty
    /// name, or a path that exists but is no V4L2 video node (such as `/dev/null`).
    pub fn new(settings: V4l2Settings) -> Result<V4l2Camera, V4l2Error> {
        let wish = settings.format;
        if wish.width == 0 || wish.height == 0 || wish.fps == 0 {
            return Err(V4l2Error::InvalidSettings {
                detail: format!(
                    "{}x{} at {} fps: size and frame rate must be at least 1",
                    wish.width, wish.height, wish.fps
                ),
            });
        }
        match &settings.camera {
            CameraSelector::Name(name) if name.trim().is_empty() => {
                return Err(V4l2Error::InvalidSettings {
                    detail: "the camera name to look for is empty".to_owned(),
                });
            }
            CameraSelector::Path(path) if path.exists() => {
                device::node_at(path, &path.display().to_string(), History::NeverOpened)?;
            }
            _ => {}
        }
        Ok(V4l2Camera {
            settings,
            stream: None,
            lingering: None,
            history: History::NeverOpened,
            unusable_frames: 0,
            unusable_in_a_row: 0,
            last_start_error: None,
        })
    }

    /// The format the camera streams in, while it does.
    pub fn stream_format(&self) -> Option<StreamFormat> {
        self.stream.as_ref().map(|stream| stream.format)
    }

    /// Buffers that made no frame since this camera was made.
    pub fn unusable_frames(&self) -> u64 {
        self.unusable_frames
    }

    /// The camera as a technician finds it: the configured path, or the configured name
    /// with the node it matched.
    fn describe(&self, node: Option<&VideoNode>) -> String {
        match (&self.settings.camera, node) {
            (CameraSelector::Path(path), _) => path.display().to_string(),
            (CameraSelector::Name(name), Some(node)) => {
                format!("\"{name}\" ({})", node.path.display())
            }
            (CameraSelector::Name(name), None) => format!("\"{name}\""),
        }
    }

    fn open(&mut self) -> Result<(), V4l2Error> {
        if let Some(thread) = self.lingering.take() {
            if !thread.has_ended() {
                self.lingering = Some(thread);
                return Err(V4l2Error::StuckInDriver {
                    device: self.describe(None),
                });
            }
            let _ = thread.wait_end(Duration::ZERO);
        }
        let candidates = match &self.settings.camera {
            CameraSelector::Path(path) => {
                vec![device::node_at(path, &self.describe(None), self.history)?]
            }
            CameraSelector::Name(name) => device::nodes_named(name).map_err(|error| {
                match (error, self.history) {
                    // The camera's node went with it: the same news as a vanished path.
                    (error @ V4l2Error::NoCameraNamed { .. }, History::Opened) => {
                        V4l2Error::Unplugged {
                            device: self.describe(None),
                            detail: error.to_string(),
                        }
                    }
                    (error, _) => error,
                }
            })?,
        };
        let mut first_error = None;
        for node in candidates {
            let device = self.describe(Some(&node));
            match Stream::open(node.clone(), self.settings.format, OPEN_LIMIT) {
                Ok(stream) => {
                    tracing::info!(
                        camera = %device,
                        card = %stream.card,
                        format = %stream.format,
                        "camera streaming"
                    );
                    self.history = History::Opened;
                    self.stream = Some(stream);
                    return Ok(());
                }
                Err(OpenError::TimedOut(thread)) => {
                    self.lingering = Some(thread);
                    return Err(V4l2Error::OpenTimedOut {
                        device,
                        waited: OPEN_LIMIT,
                    });
                }
                Err(OpenError::Failed(failure)) => {
                    let error = self.open_failure(&device, &node, failure);
                    tracing::debug!(camera = %device, %error, "camera node did not open");
                    first_error.get_or_insert(error);
                }
                Err(OpenError::Panicked) => {
                    first_error.get_or_insert(V4l2Error::Driver {
                        device,
                        operation: "open the device",
                        detail: "nokhwa panicked".to_owned(),
                    });
                }
            }
        }
        // Both selectors give at least one node, so an error was recorded.
        Err(first_error.unwrap_or_else(|| V4l2Error::NotFound {
            device: self.describe(None),
            detail: "no device node".to_owned(),
        }))
    }

    fn open_failure(&self, device: &str, node: &VideoNode, failure: OpenFailure) -> V4l2Error {
        match failure {
            OpenFailure::NoUsableFormat(refused) => V4l2Error::NoUsableFormat {
                device: device.to_owned(),
                offered: refused.offered,
            },
            OpenFailure::Nokhwa { operation, error } => {
                V4l2Error::from_nokhwa(device, operation, &error, node.exists(), self.history)
            }
        }
    }
}

/// How long a stream may stay silent before it counts as stalled.
fn stall_limit(format: StreamFormat) -> Duration {
    (format.frame_interval() * STALL_FRAMES).max(MIN_STALL)
}

impl Camera for V4l2Camera {
    type Error = V4l2Error;

    /// Finds and opens the camera and starts streaming. Starting a streaming camera changes
    /// nothing.
    fn start(&mut self) -> Result<(), V4l2Error> {
        if self.stream.is_some() {
            return Ok(());
        }
        let result = self.open();
        self.last_start_error = result.as_ref().err().cloned();
        result
    }

    /// Waits up to `timeout` for a usable frame; unusable buffers on the way are counted
    /// and skipped. Fails with the last unusable buffer's error if nothing else came.
    fn capture(&mut self, timeout: Duration) -> Result<Frame, V4l2Error> {
        let Some(stream) = self.stream.as_mut() else {
            return Err(V4l2Error::NotStarted {
                device: self.describe(None),
            });
        };
        let deadline = Instant::now() + timeout;
        let mut unusable = None;
        let failure = loop {
            match stream.deliveries.recv_deadline(deadline) {
                Ok(Delivery::Buffer { bytes, sequence }) => {
                    stream.last_delivery = Instant::now();
                    match frame_from_buffer(stream.format, bytes, sequence) {
                        Ok(frame) => {
                            self.unusable_in_a_row = 0;
                            return Ok(frame);
                        }
                        Err(error) => {
                            self.unusable_frames += 1;
                            self.unusable_in_a_row += 1;
                            if self.unusable_in_a_row == 1 {
                                tracing::debug!(%error, sequence, "camera frame skipped");
                            }
                            unusable = Some(error);
                        }
                    }
                }
                Ok(Delivery::Failed(error)) => break Some(error),
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => break None,
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                    break Some(nokhwa::NokhwaError::ReadFrameError(
                        "the stream thread ended".to_owned(),
                    ));
                }
            }
        };
        let (format, last_delivery) = (stream.format, stream.last_delivery);
        let node = stream.node.clone();
        let device = self.describe(Some(&node));
        if let Some(error) = failure {
            return Err(V4l2Error::from_nokhwa(
                &device,
                "read a frame",
                &error,
                node.exists(),
                self.history,
            ));
        }
        if let Some(source) = unusable {
            return Err(V4l2Error::BadFrame {
                device,
                source,
                in_a_row: self.unusable_in_a_row,
            });
        }
        let silent_for = last_delivery.elapsed();
        if silent_for >= stall_limit(format) {
            return Err(V4l2Error::Stalled { device, silent_for });
        }
        Err(V4l2Error::NoFrame {
            device,
            waited: timeout,
        })
    }

    /// Stops the stream thread, which closes the device. Fails if the thread is blocked
    /// in the driver; it is then left to end by itself (see the module docs).
    fn stop(&mut self) -> Result<(), V4l2Error> {
        let Some(stream) = self.stream.take() else {
            return Ok(());
        };
        let device = self.describe(Some(&stream.node));
        let wait = (stream.format.frame_interval() * 3).max(MIN_STOP_WAIT);
        stream.thread.request_stop();
        drop(stream.deliveries);
        match stream.thread.wait_end(wait) {
            Ok(()) => Ok(()),
            Err(thread) => {
                tracing::warn!(camera = %device, "camera stream blocked in the driver; left behind");
                self.lingering = Some(thread);
                Err(V4l2Error::StuckInDriver { device })
            }
        }
    }

    fn self_test(&mut self) -> SelfTestReport {
        let started = Instant::now();
        let (backend, outcome, detail) = match &self.stream {
            Some(stream) => {
                let device = self.describe(Some(&stream.node));
                let who = format!("{} at {}", stream.card, stream.node.path.display());
                let measured = stream
                    .arrivals
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .rate(RATE_WINDOW, started);
                let skipped = match self.unusable_frames {
                    0 => String::new(),
                    count => format!("; {count} unusable frames skipped"),
                };
                let wanted = f64::from(stream.format.fps);
                let (outcome, rate) = match measured {
                    Some(fps) if fps >= wanted / 2.0 => {
                        (TestOutcome::Pass, format!("{fps:.1} fps measured"))
                    }
                    // Slow but alive: a dark room (auto-exposure lengthens each frame) or a
                    // USB 1.1 port.
                    Some(fps) => (
                        TestOutcome::Warn,
                        format!("only {fps:.1} fps measured (too dark, or a slow USB port?)"),
                    ),
                    None => (
                        TestOutcome::Fail,
                        format!(
                            "fewer than 2 frames in the last {} s",
                            RATE_WINDOW.as_secs()
                        ),
                    ),
                };
                (
                    format!("v4l2:{device}"),
                    outcome,
                    format!("{who}: {}, {rate}{skipped}", stream.format),
                )
            }
            None => {
                let device = self.describe(None);
                let detail = match &self.last_start_error {
                    Some(error) => format!("not streaming: {}: {error}", error.kind().code()),
                    None => "not started".to_owned(),
                };
                (format!("v4l2:{device}"), TestOutcome::Fail, detail)
            }
        };
        SelfTestReport {
            device: "camera",
            backend,
            outcome,
            detail,
            took: started.elapsed(),
        }
    }
}

impl Drop for V4l2Camera {
    /// Lets the stream thread end after its next frame, without waiting for it.
    fn drop(&mut self) {
        if let Some(stream) = &self.stream {
            stream.thread.request_stop();
        }
        if let Some(thread) = &self.lingering {
            thread.request_stop();
        }
    }
}

#[cfg(test)]
mod tests;
