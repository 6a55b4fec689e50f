//! One open stream: a thread that owns the nokhwa device and does nothing but read buffers
//! into a one-buffer mailbox (the module docs of [`v4l2`](super) say why).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError};
use nokhwa::NokhwaError;
use nokhwa::backends::capture::V4LCaptureDevice;
use nokhwa::camera_traits::CaptureBackendTrait;
use nokhwa::utils::{CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType};

use super::device::VideoNode;
use super::negotiate::{FormatWish, NoUsableFormat, StreamFormat, negotiate};

/// Every encoding nokhwa knows, so that the first opening lists them all and a camera that
/// offers neither MJPEG nor YUYV can be told what it offers.
const KNOWN_ENCODINGS: [FrameFormat; 6] = [
    FrameFormat::MJPEG,
    FrameFormat::YUYV,
    FrameFormat::NV12,
    FrameFormat::GRAY,
    FrameFormat::RAWRGB,
    FrameFormat::RAWBGR,
];

/// What the stream thread hands over.
pub(super) enum Delivery {
    /// One buffer, copied out of the driver's memory, numbered from the stream's start.
    Buffer { bytes: Arc<[u8]>, sequence: u64 },
    /// Reading failed; the thread has ended. nokhwa's mmap stream cannot go on after a failed
    /// read (it would queue the same buffer twice), so the camera must be opened again.
    Failed(NokhwaError),
}

/// Why the stream thread could not open the camera.
pub(super) enum OpenFailure {
    Nokhwa {
        operation: &'static str,
        error: NokhwaError,
    },
    NoUsableFormat(NoUsableFormat),
}

/// When the latest buffers arrived, for the frame rate the self-test measures.
#[derive(Debug, Default)]
pub(super) struct Arrivals {
    times: VecDeque<Instant>,
}

/// Enough arrivals for a two-second window at 120 fps, and a bound on the memory.
const KEPT_ARRIVALS: usize = 256;

impl Arrivals {
    pub fn record(&mut self, at: Instant) {
        if self.times.len() == KEPT_ARRIVALS {
            self.times.pop_front();
        }
        self.times.push_back(at);
    }

    /// Frames per second over the arrivals within `window` before `now`; `None` with fewer
    /// than two.
    pub fn rate(&self, window: Duration, now: Instant) -> Option<f64> {
        let mut recent = self
            .times
            .iter()
            .filter(|&&at| now.saturating_duration_since(at) <= window);
        let first = *recent.next()?;
        let (count, last) = recent.fold((1_u32, first), |(count, _), &at| (count + 1, at));
        let span = last.saturating_duration_since(first).as_secs_f64();
        (count >= 2 && span > 0.0).then(|| f64::from(count - 1) / span)
    }
}

/// The stream thread, seen from outside: it can be asked to stop and watched for its end.
pub(super) struct StreamThread {
    stop: Arc<AtomicBool>,
    /// Never sent on: it disconnects when the thread ends, however it ends.
    ended: Receiver<()>,
    thread: JoinHandle<()>,
}

impl StreamThread {
    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    pub fn has_ended(&self) -> bool {
        self.thread.is_finished()
    }

    /// Waits up to `limit` for the thread to end; gives the thread back if it has not.
    pub fn wait_end(self, limit: Duration) -> Result<(), StreamThread> {
        match self.ended.recv_timeout(limit) {
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => Err(self),
            // A panic in the thread (the v4l crate panics when the driver refuses to stop a
            // stream) has already been reported by the panic hook; the device is released.
            _ => {
                let _ = self.thread.join();
                Ok(())
            }
        }
    }
}

#[cfg(test)]
impl StreamThread {
    /// Runs `body` as a stand-in for a stream thread, to test what surrounds the thread
    /// (stopping, a thread blocked in the driver) without a camera. `body` gets the stop
    /// flag.
    pub fn stand_in(body: impl FnOnce(Arc<AtomicBool>) + Send + 'static) -> StreamThread {
        let stop = Arc::new(AtomicBool::new(false));
        let (ended_tx, ended) = crossbeam_channel::bounded::<()>(0);
        let thread = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let _ended = ended_tx;
                body(stop);
            })
        };
        StreamThread {
            stop,
            ended,
            thread,
        }
    }
}

/// An open, streaming camera.
pub(super) struct Stream {
    pub format: StreamFormat,
    pub node: VideoNode,
    /// The camera's name as the driver reports it.
    pub card: String,
    pub deliveries: Receiver<Delivery>,
    pub arrivals: Arc<Mutex<Arrivals>>,
    /// When the last buffer arrived, or the stream opened.
    pub last_delivery: Instant,
    pub thread: StreamThread,
}

/// Why [`Stream::open`] did not give a stream.
pub(super) enum OpenError {
    Failed(OpenFailure),
    /// The thread did not answer in time; it is still opening, or blocked in the driver.
    TimedOut(StreamThread),
    /// The thread ended without answering: it panicked inside nokhwa.
    Panicked,
}

impl Stream {
    /// Opens the camera at `node` with the format negotiated from `wish`, on a new thread,
    /// waiting up to `limit` for it.
    pub fn open(node: VideoNode, wish: FormatWish, limit: Duration) -> Result<Stream, OpenError> {
        let (opened_tx, opened) = crossbeam_channel::bounded(1);
        // One buffer: a consumer that falls behind finds the newest, never a queue.
        let (deliveries_tx, deliveries) = crossbeam_channel::bounded(1);
        let (ended_tx, ended) = crossbeam_channel::bounded::<()>(0);
        let stop = Arc::new(AtomicBool::new(false));
        let arrivals = Arc::new(Mutex::new(Arrivals::default()));
        let mailbox = Mailbox {
            sender: deliveries_tx,
            stale: deliveries.clone(),
        };
        let thread = {
            let stop = Arc::clone(&stop);
            let arrivals = Arc::clone(&arrivals);
            let index = node.index;
            std::thread::Builder::new()
                .name(format!("camera-v4l2-{index}"))
                .spawn(move || {
                    let _ended = ended_tx;
                    read_frames(index, wish, &opened_tx, &mailbox, &stop, &arrivals);
                })
                .map_err(|error| {
                    OpenError::Failed(OpenFailure::Nokhwa {
                        operation: "start its thread",
                        error: NokhwaError::GeneralError(error.to_string()),
                    })
                })?
        };
        let thread = StreamThread {
            stop,
            ended,
            thread,
        };
        match opened.recv_timeout(limit) {
            Ok(Ok((format, card))) => Ok(Stream {
                format,
                node,
                card,
                deliveries,
                arrivals,
                last_delivery: Instant::now(),
                thread,
            }),
            Ok(Err(failure)) => {
                let _ = thread.wait_end(limit);
                Err(OpenError::Failed(failure))
            }
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                thread.request_stop();
                Err(OpenError::TimedOut(thread))
            }
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                let _ = thread.wait_end(limit);
                Err(OpenError::Panicked)
            }
        }
    }
}

/// The sending end of the one-buffer mailbox, able to replace a buffer nobody took.
///
/// It holds a receiving end too, so the channel never reports the camera gone: the thread
/// ends when its stop flag is set, which [`V4l2Camera`](super::V4l2Camera) does when it
/// stops or is dropped.
struct Mailbox {
    sender: Sender<Delivery>,
    /// Another handle on the receiving end, to take out the stale buffer.
    stale: Receiver<Delivery>,
}

impl Mailbox {
    /// Offers a delivery, replacing an unread one.
    fn offer(&self, delivery: Delivery) {
        if let Err(TrySendError::Full(delivery)) = self.sender.try_send(delivery) {
            let _ = self.stale.try_recv();
            // Only this thread sends, so the slot is free now (the reader may have taken the
            // stale buffer first, which frees it just as well).
            let _ = self.sender.try_send(delivery);
        }
    }
}

type Opened = Result<(StreamFormat, String), OpenFailure>;

/// The stream thread: opens the camera, then reads until told to stop or reading fails.
/// Dropping the device at the end stops the stream and closes the node.
fn read_frames(
    index: u32,
    wish: FormatWish,
    opened: &Sender<Opened>,
    mailbox: &Mailbox,
    stop: &AtomicBool,
    arrivals: &Mutex<Arrivals>,
) {
    let mut device = match open_device(index, wish) {
        Ok((device, format, card)) => {
            if opened.send(Ok((format, card))).is_err() {
                return;
            }
            device
        }
        Err(failure) => {
            let _ = opened.send(Err(failure));
            return;
        }
    };
    let mut sequence = 0;
    while !stop.load(Ordering::Relaxed) {
        // Blocks until the camera delivers (see the module docs): nokhwa sets no timeout.
        let delivery = match device.frame_raw() {
            Ok(buffer) => {
                let bytes = Arc::<[u8]>::from(&*buffer);
                arrivals
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .record(Instant::now());
                sequence += 1;
                Delivery::Buffer {
                    bytes,
                    sequence: sequence - 1,
                }
            }
            Err(error) => {
                mailbox.offer(Delivery::Failed(error));
                return;
            }
        };
        mailbox.offer(delivery);
    }
}

/// Opens the camera twice: once to learn the formats it offers, then with exactly the
/// negotiated one, as an explicit request rather than a change to an open device.
fn open_device(
    index: u32,
    wish: FormatWish,
) -> Result<(V4LCaptureDevice<'static>, StreamFormat, String), OpenFailure> {
    let camera = CameraIndex::Index(index);
    let offered = {
        let any_known = RequestedFormat::with_formats(RequestedFormatType::None, &KNOWN_ENCODINGS);
        let mut probe = V4LCaptureDevice::new(&camera, any_known).map_err(|error| match error {
            // nokhwa's words for "none of the offered formats is one it knows".
            NokhwaError::GetPropertyError { ref property, .. } if property == "CameraFormat" => {
                OpenFailure::NoUsableFormat(NoUsableFormat { offered: vec![] })
            }
            error => OpenFailure::Nokhwa {
                operation: "open the device",
                error,
            },
        })?;
        probe
            .compatible_camera_formats()
            .map_err(|error| OpenFailure::Nokhwa {
                operation: "list its formats",
                error,
            })?
    };
    let format = negotiate(&offered, wish).map_err(OpenFailure::NoUsableFormat)?;
    let encoding = [format.encoding.frame_format()];
    let exact = RequestedFormat::with_formats(
        RequestedFormatType::Exact(format.camera_format()),
        &encoding,
    );
    let mut device =
        V4LCaptureDevice::new(&camera, exact).map_err(|error| OpenFailure::Nokhwa {
            operation: "set the negotiated format",
            error,
        })?;
    device.open_stream().map_err(|error| OpenFailure::Nokhwa {
        operation: "start streaming",
        error,
    })?;
    let card = device.camera_info().human_name();
    Ok((device, format, card))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_counts_intervals_within_the_window() {
        let start = Instant::now();
        let mut arrivals = Arrivals::default();
        assert_eq!(arrivals.rate(Duration::from_secs(2), start), None);
        // An old arrival outside the window, then eleven 100 ms apart: ten intervals in 1 s.
        arrivals.record(start);
        for tick in 0..11 {
            arrivals.record(start + Duration::from_secs(5) + Duration::from_millis(100) * tick);
        }
        let now = start + Duration::from_secs(6);
        let rate = arrivals.rate(Duration::from_secs(2), now).expect("rate");
        assert!((rate - 10.0).abs() < 1e-9, "{rate}");
        // Long after the last frame nothing is in the window.
        assert_eq!(
            arrivals.rate(Duration::from_secs(2), now + Duration::from_secs(10)),
            None
        );
    }

    #[test]
    fn arrivals_are_bounded() {
        let start = Instant::now();
        let mut arrivals = Arrivals::default();
        for tick in 0..10_000 {
            arrivals.record(start + Duration::from_millis(tick));
        }
        assert_eq!(arrivals.times.len(), KEPT_ARRIVALS);
    }

    #[test]
    fn the_mailbox_keeps_only_the_newest_buffer() {
        let (sender, receiver) = crossbeam_channel::bounded(1);
        let mailbox = Mailbox {
            sender,
            stale: receiver.clone(),
        };
        for sequence in 0..5 {
            mailbox.offer(Delivery::Buffer {
                bytes: Arc::from(&[][..]),
                sequence,
            });
        }
        assert!(matches!(
            receiver.try_recv(),
            Ok(Delivery::Buffer { sequence: 4, .. })
        ));
        assert!(receiver.try_recv().is_err());
        // A failure replaces a buffer nobody took: it matters more.
        mailbox.offer(Delivery::Buffer {
            bytes: Arc::from(&[][..]),
            sequence: 5,
        });
        mailbox.offer(Delivery::Failed(NokhwaError::ReadFrameError("gone".into())));
        assert!(matches!(receiver.try_recv(), Ok(Delivery::Failed(_))));
    }
}
