//! A fake ESC/POS printer at the far end of a pseudo-terminal, so the real serial printer
//! backend ([`SerialPrinter`](crate::SerialPrinter)), and the application and appliance tests
//! above it, can be tested through the real serial stack: the kiosk opens
//! [`PtyPrinter::path`] as it would open `/dev/ttyUSB0`.
//!
//! Its thread behaves as a printer does towards its host:
//!
//! - it records every byte it receives, so a test can check a job arrived byte for byte;
//! - it answers `DLE EOT 1`…`4` (transmit real-time status) wherever the three bytes occur,
//!   inside raster image data too, as real printers do, from its current state;
//! - it executes `GS r 1` (transmit paper sensor status) in turn, as a command, and only
//!   while it can print: bytes that arrive while it cannot (paper out, cover open, offline)
//!   are held and processed once it can again, like a real printer's receive buffer.
//!
//! To find commands in the stream it knows one framing: `GS v 0 m xL xH yL yH`, print raster
//! bit image, followed by (xL + 256·xH)·(yL + 256·yH) bytes of image, which it skips, so
//! image bytes are not mistaken for a `GS r`. It is a fake, not an interpreter: other
//! commands with binary payloads (`GS ( L`, `ESC *`) are not framed, and text is not read.
//!
//! The [`PtyPrinterPanel`] sets what the printer does: its status, paper that runs out
//! after so many bytes, a printer that never answers, answers that are no status, XOFF
//! (for software flow control), and the far end vanishing like an unplugged USB-serial
//! adapter. Each panel call returns once the printer's thread has taken the change in.

use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serialport::{SerialPort as _, TTYPort};

use crate::printer::PrinterStatus;

mod engine;

use engine::Engine;

/// How often the printer's thread looks at its panel while no bytes come.
const POLL_INTERVAL: Duration = Duration::from_millis(20);
/// How long a panel call waits for the thread to take a change in; far more than it needs.
const APPLY_WAIT: Duration = Duration::from_secs(5);
/// How long an answer may take to go out to the kiosk.
const ANSWER_WRITE_TIMEOUT: Duration = Duration::from_secs(1);

/// The fake printer: owns the pseudo-terminal and the thread that serves it. Dropping it
/// stops the thread and closes the far end.
pub struct PtyPrinter {
    path: PathBuf,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// The hand that loads paper, opens the cover and pulls the cable. Cloned freely.
#[derive(Clone)]
pub struct PtyPrinterPanel {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<FakeState>,
    changed: Condvar,
}

struct FakeState {
    status: PrinterStatus,
    /// Bytes left to print before the paper runs out.
    paper_left: Option<u64>,
    /// Bytes left to receive before the far end vanishes.
    vanish_after: Option<u64>,
    silent: bool,
    wrong_answer: Option<u8>,
    holding_off: bool,
    vanish_now: bool,
    stop: bool,
    received: Vec<u8>,
    confirmations: u64,
    /// Panel changes asked for and taken in by the thread.
    requested: u64,
    applied: u64,
    thread_running: bool,
    gone: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, FakeState> {
        // Every update leaves the state consistent, so a poisoned lock is still usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl PtyPrinter {
    /// Creates the pseudo-terminal and starts a ready printer on its far end.
    pub fn start() -> io::Result<PtyPrinter> {
        let (mut master, slave) = TTYPort::pair()?;
        master.set_timeout(POLL_INTERVAL)?;
        let path = slave
            .name()
            .map(PathBuf::from)
            .ok_or_else(|| io::Error::other("the pseudo-terminal's kiosk end has no name"))?;
        let shared = Arc::new(Shared {
            state: Mutex::new(FakeState {
                status: PrinterStatus::Ready,
                paper_left: None,
                vanish_after: None,
                silent: false,
                wrong_answer: None,
                holding_off: false,
                vanish_now: false,
                stop: false,
                received: Vec::new(),
                confirmations: 0,
                requested: 0,
                applied: 0,
                thread_running: true,
                gone: false,
            }),
            changed: Condvar::new(),
        });
        let for_thread = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("pty-printer".into())
            // The kiosk's end (`slave`) stays open here too, so the terminal lives on while
            // the kiosk closes and reopens its port; it is never read.
            .spawn(move || serve(master, slave, &for_thread))?;
        Ok(PtyPrinter {
            path,
            shared,
            thread: Some(thread),
        })
    }

    /// The end the kiosk opens, such as `/dev/pts/3`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn panel(&self) -> PtyPrinterPanel {
        PtyPrinterPanel {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl Drop for PtyPrinter {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.changed.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for PtyPrinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PtyPrinter")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for PtyPrinterPanel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("PtyPrinterPanel")
            .field("status", &state.status)
            .field("received", &state.received.len())
            .field("confirmations", &state.confirmations)
            .field("gone", &state.gone)
            .finish_non_exhaustive()
    }
}

impl PtyPrinterPanel {
    /// What the printer reports from now on, and whether it prints. A printable status
    /// lets it process what it held meanwhile. Cancels a pending
    /// [`run_out_of_paper_after`](Self::run_out_of_paper_after).
    pub fn set_status(&self, status: PrinterStatus) {
        self.apply(|state| {
            state.status = status;
            state.paper_left = None;
        });
    }

    /// The paper runs out once `bytes` more bytes have been printed: the status says paper
    /// end and the printer stops (no more `GS r` answers).
    pub fn run_out_of_paper_after(&self, bytes: u64) {
        self.apply(|state| {
            if bytes == 0 {
                state.status = PrinterStatus::PaperOut;
                state.paper_left = None;
            } else {
                state.paper_left = Some(bytes);
            }
        });
    }

    /// A printer that never answers anything (switched off with the adapter still plugged
    /// in, or at another baud rate that drops every byte).
    pub fn set_silent(&self, silent: bool) {
        self.apply(|state| state.silent = silent);
    }

    /// Answers every status query with `answer` instead of the truth (a wrong baud rate,
    /// or a device that is no ESC/POS printer); `None` tells the truth again.
    pub fn set_wrong_answer(&self, answer: Option<u8>) {
        self.apply(|state| state.wrong_answer = answer);
    }

    /// Sends XOFF (`true`) or XON (`false`): with software flow control on the kiosk's
    /// end, its writes stop until XON.
    pub fn set_holding_off(&self, holding_off: bool) {
        self.apply(|state| state.holding_off = holding_off);
    }

    /// Closes the far end now, as an unplugged USB-serial adapter does; the path goes away.
    ///
    /// Once the kiosk has closed its end too, the system reuses the terminal's number for
    /// the next pseudo-terminal made, so the old path may soon name another test's fake:
    /// tests that reopen it must not run beside tests that make fakes.
    pub fn vanish(&self) {
        self.apply(|state| state.vanish_now = true);
    }

    /// Closes the far end once `bytes` more bytes have arrived (mid-job, say); see
    /// [`vanish`](Self::vanish).
    pub fn vanish_after(&self, bytes: u64) {
        self.apply(|state| {
            if bytes == 0 {
                state.vanish_now = true;
            } else {
                state.vanish_after = Some(bytes);
            }
        });
    }

    pub fn status(&self) -> PrinterStatus {
        self.shared.lock().status
    }

    /// Every byte received since the start or the last [`take_received`](Self::take_received).
    pub fn received(&self) -> Vec<u8> {
        self.shared.lock().received.clone()
    }

    /// Every byte received since the start or the last call, and forgets them: a long-running
    /// user (the demo) takes them as they come, so they do not pile up.
    pub fn take_received(&self) -> Vec<u8> {
        std::mem::take(&mut self.shared.lock().received)
    }

    /// Waits until at least `len` bytes have been received; `false` if they did not come
    /// within `timeout`.
    pub fn wait_for_received(&self, len: usize, timeout: Duration) -> bool {
        // Capped so the deadline cannot overflow the clock; a day is for ever to a test.
        let deadline = Instant::now() + timeout.min(Duration::from_secs(24 * 60 * 60));
        let mut state = self.shared.lock();
        while state.received.len() < len && !state.gone && state.thread_running {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = match self.shared.changed.wait_timeout(state, left) {
                Ok((state, _)) => state,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        state.received.len() >= len
    }

    /// `GS r 1` answers sent: jobs the printer confirmed.
    pub fn confirmations(&self) -> u64 {
        self.shared.lock().confirmations
    }

    /// Whether the far end has been closed.
    pub fn has_vanished(&self) -> bool {
        self.shared.lock().gone
    }

    /// Changes the state and waits until the thread has taken the change in (bounded, so
    /// a dead thread cannot hang a test).
    fn apply(&self, change: impl FnOnce(&mut FakeState)) {
        let deadline = Instant::now() + APPLY_WAIT;
        let mut state = self.shared.lock();
        change(&mut state);
        state.requested += 1;
        let request = state.requested;
        self.shared.changed.notify_all();
        while state.applied < request && !state.gone && state.thread_running {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                tracing::warn!("the fake printer's thread did not take a panel change in");
                break;
            }
            state = match self.shared.changed.wait_timeout(state, left) {
                Ok((state, _)) => state,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

/// Marks the thread ended however it ends, so panel calls stop waiting for it.
struct RunningGuard<'a>(&'a Shared);

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        self.0.lock().thread_running = false;
        self.0.changed.notify_all();
    }
}

/// The printer's thread: reads what the kiosk sends and answers it, until dropped.
fn serve(master: TTYPort, slave: TTYPort, shared: &Shared) {
    let _running = RunningGuard(shared);
    let mut ports = Some((master, slave));
    let mut engine = Engine::default();
    let mut buffer = [0u8; 4096];
    loop {
        {
            let mut out = Vec::new();
            let mut state = shared.lock();
            if state.stop {
                return;
            }
            if state.vanish_now && ports.is_some() {
                // Both ends closed: the kiosk's end is hung up and its path removed.
                ports = None;
                state.gone = true;
                tracing::debug!("fake printer vanished");
            }
            if let Some((master, _)) = ports.as_mut() {
                // Sent before the change counts as taken in, so a panel call returns with
                // its XOFF, or the answers to what it let the printer process, on the line.
                engine.take_in_panel(&mut state, &mut out);
                send(master, &out);
            }
            state.applied = state.requested;
            shared.changed.notify_all();
            if ports.is_none() {
                // Nothing left to serve: sleep until dropped.
                let _stopped = shared
                    .changed
                    .wait_while(state, |state| !state.stop)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                return;
            }
        }
        let Some((master, _)) = ports.as_mut() else {
            return;
        };
        match master.read(&mut buffer) {
            Ok(count) => {
                let mut out = Vec::new();
                {
                    let mut state = shared.lock();
                    for &byte in buffer.get(..count).unwrap_or_default() {
                        if !engine.receive(byte, &mut state, &mut out) {
                            state.vanish_now = true;
                            break;
                        }
                    }
                }
                shared.changed.notify_all();
                send(master, &out);
            }
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::TimedOut
                        | io::ErrorKind::WouldBlock
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(error) => {
                // The terminal broke under us; stop rather than spin on the error.
                tracing::debug!(%error, "fake printer cannot read its end");
                shared.lock().vanish_now = true;
            }
        }
    }
}

fn send(master: &mut TTYPort, answers: &[u8]) {
    if answers.is_empty() {
        return;
    }
    let written = master
        .set_timeout(ANSWER_WRITE_TIMEOUT)
        .map_err(io::Error::from)
        .and_then(|()| master.write_all(answers));
    let _ = master.set_timeout(POLL_INTERVAL);
    if let Err(error) = written {
        tracing::debug!(%error, "fake printer could not answer");
    }
}
