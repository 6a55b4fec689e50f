//! The kiosk window without a display: Slint's software renderer in memory, driven by the
//! caller. Tests use it to run the whole application and look at its pixels; it renders
//! exactly what the touchscreen shows, with the same fonts.
//!
//! Slint keeps its platform per thread and its event-loop proxy per process, so install
//! the headless platform once, on the thread that then creates and drives the window.

use std::cell::Cell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{EventLoopProxy, Platform, PointerEventButton, WindowAdapter, WindowEvent};
use slint::{
    EventLoopError, LogicalPosition, PhysicalSize, PlatformError, Rgb8Pixel, Rgba8Pixel,
    SharedPixelBuffer,
};

type Job = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct JobQueue {
    jobs: Mutex<VecDeque<Job>>,
    wake: Condvar,
    quit: AtomicBool,
}

impl JobQueue {
    fn lock(&self) -> MutexGuard<'_, VecDeque<Job>> {
        // Jobs are pushed and popped whole; a panic elsewhere cannot leave the queue torn.
        self.jobs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

struct Proxy(Arc<JobQueue>);

impl EventLoopProxy for Proxy {
    fn quit_event_loop(&self) -> Result<(), EventLoopError> {
        self.0.quit.store(true, Ordering::SeqCst);
        self.0.wake.notify_all();
        Ok(())
    }

    fn invoke_from_event_loop(&self, event: Job) -> Result<(), EventLoopError> {
        self.0.lock().push_back(event);
        self.0.wake.notify_all();
        Ok(())
    }
}

struct HeadlessPlatform {
    window: Rc<MinimalSoftwareWindow>,
    queue: Arc<JobQueue>,
    started: Instant,
    /// When set, the time Slint sees, instead of the wall clock: animations then stand
    /// still, and screenshots come out the same on every run.
    frozen_at: Rc<Cell<Option<Duration>>>,
}

impl Platform for HeadlessPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.window.clone())
    }

    fn duration_since_start(&self) -> Duration {
        self.frozen_at
            .get()
            .unwrap_or_else(|| self.started.elapsed())
    }

    fn new_event_loop_proxy(&self) -> Option<Box<dyn EventLoopProxy>> {
        Some(Box::new(Proxy(Arc::clone(&self.queue))))
    }

    fn run_event_loop(&self) -> Result<(), PlatformError> {
        let driver = HeadlessDriver {
            window: Rc::clone(&self.window),
            queue: Arc::clone(&self.queue),
            frozen_at: Rc::clone(&self.frozen_at),
        };
        while !self.queue.quit.swap(false, Ordering::SeqCst) {
            driver.run_pending();
            driver.wait_for_work(Duration::from_millis(16));
        }
        Ok(())
    }
}

/// Why the headless platform could not be installed.
#[derive(Debug, thiserror::Error)]
#[error("cannot install the headless Slint platform: {0}")]
pub struct InstallError(String);

/// Drives the headless window: runs what other threads sent to the UI thread, fires
/// timers, renders, and delivers pointer input.
pub struct HeadlessDriver {
    window: Rc<MinimalSoftwareWindow>,
    queue: Arc<JobQueue>,
    frozen_at: Rc<Cell<Option<Duration>>>,
}

/// Installs the headless platform on this thread with a window of `size` physical pixels.
/// Windows created afterwards on this thread render in memory.
pub fn install(size: PhysicalSize) -> Result<HeadlessDriver, InstallError> {
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    window.set_size(size);
    let queue = Arc::new(JobQueue::default());
    let frozen_at = Rc::new(Cell::new(None));
    let platform = HeadlessPlatform {
        window: Rc::clone(&window),
        queue: Arc::clone(&queue),
        started: Instant::now(),
        frozen_at: Rc::clone(&frozen_at),
    };
    slint::platform::set_platform(Box::new(platform))
        .map_err(|error| InstallError(error.to_string()))?;
    Ok(HeadlessDriver {
        window,
        queue,
        frozen_at,
    })
}

impl HeadlessDriver {
    /// Runs every job other threads queued for the UI thread, then fires due timers and
    /// animations. Returns how many jobs ran.
    pub fn run_pending(&self) -> usize {
        let mut ran = 0;
        loop {
            // Pop one job at a time: a job may queue another.
            let job = self.queue.lock().pop_front();
            let Some(job) = job else { break };
            job();
            ran += 1;
        }
        slint::platform::update_timers_and_animations();
        ran
    }

    fn wait_for_work(&self, longest: Duration) {
        let wait = slint::platform::duration_until_next_timer_update()
            .map_or(longest, |next| next.min(longest));
        let jobs = self.queue.lock();
        if jobs.is_empty() && !self.queue.quit.load(Ordering::SeqCst) {
            // Spurious wake-ups only shorten the wait.
            let _ = self.queue.wake.wait_timeout(jobs, wait);
        }
    }

    /// Keeps the UI thread turning until `done` holds or `timeout` passes; tells which.
    pub fn run_until(&self, timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            self.run_pending();
            if done() {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            self.wait_for_work((deadline - now).min(Duration::from_millis(20)));
        }
    }

    /// Stops Slint's clock at `at` since the platform started (`None` lets it run again):
    /// every animation shows the same frame, whatever the machine's speed.
    pub fn freeze_clock(&self, at: Option<Duration>) {
        self.frozen_at.set(at);
    }

    /// Renders one frame into `buffer` (RGB, `width` pixels a row) the way a display
    /// backend does, if anything changed since the last one; tells whether it drew.
    pub fn render_frame(&self, buffer: &mut [Rgb8Pixel], width: usize) -> bool {
        slint::platform::update_timers_and_animations();
        self.window.draw_if_needed(|renderer| {
            renderer.render(buffer, width);
        })
    }

    /// Renders the window as it is now.
    pub fn snapshot(&self) -> Result<SharedPixelBuffer<Rgba8Pixel>, PlatformError> {
        self.run_pending();
        self.window.window().take_snapshot()
    }

    /// A finger taps the screen at `position` (logical pixels).
    pub fn tap(&self, position: LogicalPosition) {
        let window = self.window.window();
        window.dispatch_event(WindowEvent::PointerMoved { position });
        window.dispatch_event(WindowEvent::PointerPressed {
            position,
            button: PointerEventButton::Left,
        });
        window.dispatch_event(WindowEvent::PointerReleased {
            position,
            button: PointerEventButton::Left,
        });
        window.dispatch_event(WindowEvent::PointerExited);
        self.run_pending();
    }
}
