//! Frames in, the first stable payload out.
//!
//! A code is *stable* when it can be trusted after one reading (a card code that passed the
//! identity parser's cross-checks) or when two decoded frames in a row agree on it. Once a
//! payload is reported, the same one is not reported again until it has left the picture
//! for a while (or [`Scanner::rearm`] is called), so a card held still for a minute
//! produces one event, not hundreds.
//!
//! [`spawn_scanner`] runs the scanner on its own thread, fed from the capture thread's
//! one-frame slot: the UI never waits for a decoder, and a decoder slower than the camera
//! sees fewer frames rather than older ones.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use kiosk_hal::DeviceError;
use kiosk_hal::camera::{Frame, LatestFrame, SlotRead};

use crate::decoder::DecodeError;
use crate::image::{ImageError, LumaImage};
use crate::payload::Payload;
use crate::preprocess::Region;
use crate::stack::{DecoderStack, Depth, StackStats};

/// Frames without the reported code after which the same code counts as new again.
pub const REARM_AFTER_FRAMES: u32 = 15;
/// How long without a frame before the scanner says the camera went quiet.
pub const SILENCE: Duration = Duration::from_secs(3);

/// What the scanner tells the application.
#[derive(Debug, Clone, PartialEq)]
pub enum ScanEvent {
    /// A stable code, classified.
    Read(Payload),
    /// A code is in view but could not be read in several frames running: the screen can
    /// ask the citizen to hold the card still or tilt it away from the light.
    HardToRead,
    /// The camera reported an error (it keeps being retried by the capture thread).
    CameraError(DeviceError),
    /// No frame came for [`SILENCE`]: the camera stopped delivering.
    CameraSilent,
}

/// A frame the scanner cannot look at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("frame {sequence} cannot be scanned: {source}")]
pub struct BadFrame {
    pub sequence: u64,
    #[source]
    pub source: ImageError,
}

/// Unreadable frames in a row before [`ScanEvent::HardToRead`] is sent.
const HARD_TO_READ_AFTER: u32 = 8;
/// While nothing code-like is in view, every this many frames gets the full stack and the
/// others only its quick passes: an idle kiosk then spends about 11 ms per 1280x720 frame
/// of an empty desk instead of 28, and a hard code waits at most this many frames for the
/// full stack.
pub const FULL_STACK_EVERY: u64 = 3;

/// The scanner's memory between frames.
pub struct Scanner {
    stack: DecoderStack,
    /// The text read in the previous frame, if any, waiting for a second reading.
    candidate: Option<String>,
    /// The last payload reported, and for how many frames it has been out of view.
    reported: Option<(String, u32)>,
    /// Where the last code was, to look there first in the next frame.
    region: Option<Region>,
    unreadable_run: u32,
    stats: ScannerStats,
}

/// Counters for diagnostics: how much the scanner looked at and what it found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScannerStats {
    pub frames: u64,
    pub frames_with_code: u64,
    pub bad_frames: u64,
    pub events: u64,
    /// Time spent decoding the most recent frame.
    pub last_decode: Duration,
}

impl Default for Scanner {
    fn default() -> Self {
        Self::new(DecoderStack::default())
    }
}

impl Scanner {
    pub fn new(stack: DecoderStack) -> Self {
        Self {
            stack,
            candidate: None,
            reported: None,
            region: None,
            unreadable_run: 0,
            stats: ScannerStats::default(),
        }
    }

    /// Looks at one frame; returns an event when this frame completes one.
    pub fn offer(&mut self, frame: &Frame) -> Result<Option<ScanEvent>, BadFrame> {
        let image = LumaImage::from_frame(frame).map_err(|source| {
            self.stats.bad_frames += 1;
            BadFrame {
                sequence: frame.sequence,
                source,
            }
        })?;
        Ok(self.offer_image(&image))
    }

    /// Like [`Scanner::offer`] for a picture already in grey.
    pub fn offer_image(&mut self, image: &LumaImage<'_>) -> Option<ScanEvent> {
        self.stats.frames += 1;
        let started = Instant::now();
        // A code seen (or almost read) in the last frame deserves the whole stack at once.
        let something_in_view =
            self.region.is_some() || self.unreadable_run > 0 || self.candidate.is_some();
        let depth = if something_in_view || self.stats.frames.is_multiple_of(FULL_STACK_EVERY) {
            Depth::Full
        } else {
            Depth::Quick
        };
        let result = self.stack.decode_near(image, self.region.take(), depth);
        self.stats.last_decode = started.elapsed();
        let event = match result {
            Ok(codes) => match codes.into_iter().next() {
                Some(code) => {
                    self.stats.frames_with_code += 1;
                    self.unreadable_run = 0;
                    let corners: Vec<(f32, f32)> = code
                        .corners
                        .iter()
                        .map(|point| (point.x, point.y))
                        .collect();
                    self.region = Region::around(&corners, 0.6, image.width(), image.height());
                    self.seen(code.text)
                }
                None => {
                    self.unreadable_run = 0;
                    self.nothing_seen();
                    None
                }
            },
            Err(error) => {
                self.nothing_seen();
                self.unreadable(&error)
            }
        };
        if event.is_some() {
            self.stats.events += 1;
        }
        event
    }

    /// Forgets what was reported, so the code in view is reported again (a new session).
    pub fn rearm(&mut self) {
        self.reported = None;
        self.candidate = None;
    }

    pub fn stats(&self) -> &ScannerStats {
        &self.stats
    }

    /// The decoder stack's own counters (reads per pass, panics).
    pub fn stack_stats(&self) -> StackStats {
        self.stack.stats()
    }

    fn seen(&mut self, text: String) -> Option<ScanEvent> {
        if let Some((reported, absent)) = &mut self.reported
            && *reported == text
        {
            *absent = 0;
            return None;
        }
        let payload = Payload::classify(&text);
        let confirmed = self.candidate.as_deref() == Some(text.as_str());
        if payload.self_checking() || confirmed {
            tracing::info!(kind = payload.kind(), "QR code read");
            self.candidate = None;
            self.reported = Some((text, 0));
            Some(ScanEvent::Read(payload))
        } else {
            self.candidate = Some(text);
            None
        }
    }

    fn nothing_seen(&mut self) {
        self.candidate = None;
        if let Some((_, absent)) = &mut self.reported {
            *absent += 1;
            if *absent >= REARM_AFTER_FRAMES {
                self.reported = None;
            }
        }
    }

    fn unreadable(&mut self, error: &DecodeError) -> Option<ScanEvent> {
        tracing::debug!(%error, "QR code in view but unreadable");
        self.unreadable_run += 1;
        (self.unreadable_run == HARD_TO_READ_AFTER).then_some(ScanEvent::HardToRead)
    }
}

/// A scanner running on its own thread. Dropping it stops the thread.
pub struct ScannerHandle {
    stop: Arc<AtomicBool>,
    rearm: Arc<AtomicBool>,
    preview: Arc<LatestFrame>,
    thread: Option<JoinHandle<()>>,
}

impl ScannerHandle {
    /// Every frame the scanner took, passed on for the screen's camera preview (the
    /// capture slot has one consumer, and it is the scanner).
    pub fn preview(&self) -> &Arc<LatestFrame> {
        &self.preview
    }

    /// Makes the scanner report the code in view again, for a new session.
    pub fn rearm(&self) {
        self.rearm.store(true, Ordering::Relaxed);
    }

    /// A handle that can only rearm, for whatever knows when a new session starts.
    pub fn rearmer(&self) -> Rearmer {
        Rearmer(Arc::clone(&self.rearm))
    }
}

/// Rearms a running scanner (see [`ScannerHandle::rearm`]); cheap to clone.
#[derive(Clone)]
pub struct Rearmer(Arc<AtomicBool>);

impl Rearmer {
    pub fn rearm(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl Drop for ScannerHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            // A scanner thread that panicked outside the decoders has nothing to release.
            let _ = thread.join();
        }
    }
}

/// How long the thread waits for a frame before it checks whether to stop.
const POLL: Duration = Duration::from_millis(200);

/// Scans the frames arriving in `frames` on a new thread and hands each event to `sink`.
pub fn spawn_scanner(
    frames: Arc<LatestFrame>,
    mut scanner: Scanner,
    sink: impl Fn(ScanEvent) + Send + 'static,
) -> std::io::Result<ScannerHandle> {
    let stop = Arc::new(AtomicBool::new(false));
    let rearm = Arc::new(AtomicBool::new(false));
    let preview = Arc::new(LatestFrame::default());
    let thread = {
        let (stop, rearm, preview) = (Arc::clone(&stop), Arc::clone(&rearm), Arc::clone(&preview));
        std::thread::Builder::new()
            .name("qr-scanner".into())
            .spawn(move || {
                let mut last_frame = Instant::now();
                let mut silent = false;
                let mut last_error = None;
                while !stop.load(Ordering::Relaxed) {
                    if rearm.swap(false, Ordering::Relaxed) {
                        scanner.rearm();
                    }
                    match frames.take(POLL) {
                        SlotRead::Frame(frame) => {
                            last_frame = Instant::now();
                            silent = false;
                            last_error = None;
                            preview.put(frame.clone());
                            match scanner.offer(&frame) {
                                Ok(Some(event)) => sink(event),
                                Ok(None) => {}
                                Err(error) => tracing::warn!(%error, "camera frame skipped"),
                            }
                        }
                        // The capture thread retries an unplugged camera every half
                        // second; the same error is reported once, not on every retry.
                        SlotRead::Error(error) => {
                            if last_error.as_ref() != Some(&error) {
                                last_error = Some(error.clone());
                                sink(ScanEvent::CameraError(error));
                            }
                        }
                        SlotRead::Empty => {
                            if !silent && last_frame.elapsed() >= SILENCE {
                                silent = true;
                                sink(ScanEvent::CameraSilent);
                            }
                        }
                        SlotRead::Closed => break,
                    }
                }
            })?
    };
    Ok(ScannerHandle {
        stop,
        rearm,
        preview,
        thread: Some(thread),
    })
}
