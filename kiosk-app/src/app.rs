//! Starting a kiosk: devices from the configuration, the session on tokio, the window's
//! callbacks wired to the session, and in demo mode the demo panel.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use kiosk_ui::{AppWindow, KioskView, Language};
use slint::ComponentHandle;
use tokio::sync::mpsc;

use crate::config::{Config, Mode};
use crate::demo;
use crate::devices::{self, DeviceSetupError, Devices};
use crate::printing::{PrintRequest, Printing};
use crate::receipts;
use crate::session::{
    self, CardChecking, Session, SessionInput, SessionSetup, UiCommand, ViewSink,
};
use kiosk_identity::passive::TrustStore;
use kiosk_identity::reader::ReadOptions;
use kiosk_identity::sample_cards::SampleSet;
use kiosk_qr::{Payload, Rearmer, ScanEvent, Scanner, ScannerHandle, spawn_scanner};

/// Why a kiosk could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Devices(#[from] DeviceSetupError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot start the QR scanner: {0}")]
    Scanner(std::io::Error),
    #[error("cannot start the demo panel: {0}")]
    DemoPanel(std::io::Error),
    #[error("identity.trust_store: {0}")]
    TrustStore(#[from] kiosk_identity::passive::TrustStoreError),
    #[error("printer.paper_width_mm = {0}: no receipt layout for this width")]
    PaperWidth(u32),
}

/// A started kiosk. Dropping it stops the session and releases the devices.
pub struct Kiosk {
    devices: Arc<Devices>,
    inputs: mpsc::UnboundedSender<SessionInput>,
    scanner: ScannerHandle,
    demo_stop: Arc<AtomicBool>,
    demo_preview: Option<JoinHandle<()>>,
    // Declared last so that it drops after the handles above: the runtime's shutdown
    // ends the session task, whose handles keep the device threads alive.
    runtime: Option<tokio::runtime::Runtime>,
}

/// The session's screen: every decision goes to the window through Slint's event loop.
struct WindowSink {
    window: slint::Weak<AppWindow>,
    /// Back on the welcome screen a new citizen's session begins, and the code in front of
    /// the camera (even the same card again, after "start over") must be read afresh.
    scanner: Rearmer,
}

impl ViewSink for WindowSink {
    fn show(&self, view: KioskView) {
        if view == KioskView::Welcome {
            self.scanner.rearm();
        }
        // Fails only when the event loop has ended, i.e. the kiosk is shutting down.
        let _ = self
            .window
            .upgrade_in_event_loop(move |window| kiosk_ui::show_view(&window, &view));
    }

    fn set_language(&self, language: Language) {
        let _ = self
            .window
            .upgrade_in_event_loop(move |window| kiosk_ui::select_language(&window, language));
    }

    fn ask_still_there(&self, grace: Option<std::time::Duration>) {
        let _ = self
            .window
            .upgrade_in_event_loop(move |window| kiosk_ui::ask_still_there(&window, grace));
    }
}

impl Kiosk {
    /// Opens the devices and starts the session for `window`, which must have been created
    /// on this (the UI) thread. The window shows the welcome screen once the UI thread's
    /// event loop runs.
    ///
    /// `demo_cards` are the sample cards the demo panel lays on the simulated reader.
    pub fn start(
        config: &Config,
        window: &AppWindow,
        demo_cards: Option<SampleSet>,
    ) -> Result<Kiosk, StartError> {
        let checking = CardChecking {
            trust_store: Arc::new(load_trust_store(config)?),
            options: ReadOptions {
                extended_length: config.identity.extended_length,
            },
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            // Two cores on the appliance; the UI thread and the device threads need the rest.
            .worker_threads(2)
            .thread_name("kiosk-async")
            .enable_all()
            .build()
            .map_err(StartError::Runtime)?;
        let paper_mm = config.printer.paper_width_mm();
        let paper =
            kiosk_receipt::PaperWidth::from_mm(paper_mm).ok_or(StartError::PaperWidth(paper_mm))?;
        let (devices, reader_events) = devices::open(config)?;
        let devices = Arc::new(devices);
        let printing = Printing::new(devices.printer.clone(), paper, config.demo);

        window.set_demo(config.demo);
        window.set_hospital_mode(config.mode == Mode::Hospital);
        kiosk_ui::select_language(window, config.language);

        let (inputs, session_inputs) = mpsc::unbounded_channel();
        wire_commands(window, &inputs);
        let scanner = spawn_scanner(
            Arc::clone(devices.camera.frames()),
            Scanner::default(),
            scan_events_to(inputs.clone()),
        )
        .map_err(StartError::Scanner)?;

        let demo_stop = Arc::new(AtomicBool::new(false));
        let mut demo_preview = None;
        if config.demo {
            demo_preview = Some(
                demo::wire_panel(
                    window,
                    &devices.simulated,
                    demo_cards,
                    inputs.clone(),
                    Arc::clone(scanner.preview()),
                    match &config.printer {
                        crate::config::PrinterConfig::File { path, .. } => Some(path.as_path()),
                        crate::config::PrinterConfig::Serial { .. } => None,
                    },
                    Arc::clone(&demo_stop),
                )
                .map_err(StartError::DemoPanel)?,
            );
            let test_pages = inputs.clone();
            let kiosk_id = config.kiosk_id.clone();
            window.on_demo_print_test_page(move || {
                let now = chrono::Local::now();
                let request = PrintRequest {
                    reference: format!("TEST-{}", now.format("%Y%m%d-%H%M%S")),
                    receipt: receipts::printer_test_page(
                        &kiosk_id,
                        &now.format("%d/%m/%Y %H:%M").to_string(),
                    ),
                };
                let _ = test_pages.send(SessionInput::PrintReceipt(request));
            });
            let weak = window.as_weak();
            let tested = Arc::clone(&devices);
            let handle = runtime.handle().clone();
            window.on_demo_run_self_tests(move || {
                let weak = weak.clone();
                let tested = Arc::clone(&tested);
                handle.spawn(async move {
                    let reports = tested.self_test_all().await;
                    for report in &reports {
                        tracing::info!(device = report.device, backend = %report.backend, outcome = %report.outcome, detail = %report.detail, "self-test");
                    }
                    demo::show_self_tests(&weak, reports);
                });
            });
        }

        let observer = {
            let weak = window.as_weak();
            let demo_mode = config.demo;
            move |event: &devices::ReaderEvent| {
                tracing::info!(?event, "card reader event");
                if demo_mode {
                    demo::show_reader_event(&weak, event);
                }
            }
        };
        runtime.spawn(session::run(
            Session::new(config.language),
            session_inputs,
            reader_events,
            SessionSetup {
                reader: devices.card_reader.clone(),
                checking,
                idle_timeout: config.idle_timeout(),
                printing,
            },
            WindowSink {
                window: window.as_weak(),
                scanner: scanner.rearmer(),
            },
            observer,
        ));
        tracing::info!(kiosk_id = %config.kiosk_id, mode = config.mode.as_str(), demo = config.demo, "kiosk started");

        Ok(Kiosk {
            devices,
            inputs,
            scanner,
            demo_stop,
            demo_preview,
            runtime: Some(runtime),
        })
    }

    /// The devices, for diagnostics and tests.
    pub fn devices(&self) -> &Devices {
        &self.devices
    }

    /// Hands a QR code to the session as if the camera had read it.
    pub fn scan_qr(&self, text: impl Into<String>) {
        let _ = self.inputs.send(SessionInput::QrScanned(text.into()));
    }

    /// Prints a receipt in the current visit, as a flow does at its end: the screen shows
    /// it printing, then printed or not.
    pub fn print_receipt(&self, request: PrintRequest) {
        let _ = self.inputs.send(SessionInput::PrintReceipt(request));
    }

    /// The camera's QR scanner, for diagnostics and tests.
    pub fn scanner(&self) -> &ScannerHandle {
        &self.scanner
    }

    /// Hands a command to the session as if the person had touched the screen.
    pub fn send(&self, command: UiCommand) {
        let _ = self.inputs.send(SessionInput::Ui(command));
    }
}

impl Drop for Kiosk {
    fn drop(&mut self) {
        self.demo_stop.store(true, Ordering::Relaxed);
        if let Some(runtime) = self.runtime.take() {
            // Device threads do not wait on tasks, so nothing here can block for long.
            runtime.shutdown_background();
        }
        if let Some(thread) = self.demo_preview.take() {
            let _ = thread.join();
        }
    }
}

/// The CSCA certificates and master lists the configuration names. Files that do not load
/// are logged and skipped; a kiosk without any trust store verifies no card as genuine.
fn load_trust_store(config: &Config) -> Result<TrustStore, StartError> {
    let Some(folder) = &config.identity.trust_store else {
        tracing::warn!("no identity.trust_store configured: no card can be verified as genuine");
        return Ok(TrustStore::new());
    };
    let (store, report) = TrustStore::from_folder(folder)?;
    for (file, problem) in report.failures() {
        tracing::warn!(file = %file.display(), %problem, "trust store file skipped");
    }
    tracing::info!(certificates = store.len(), folder = %folder.display(), "trust store loaded");
    Ok(store)
}

/// What the camera's scanner reads becomes session input. Only a card's code opens a chip;
/// receipt codes wait for dossier tracking, and the rest is logged without its content
/// (a code may carry personal data).
fn scan_events_to(inputs: mpsc::UnboundedSender<SessionInput>) -> impl Fn(ScanEvent) + Send {
    move |event| match event {
        ScanEvent::Read(Payload::Card { text, .. }) => {
            let _ = inputs.send(SessionInput::QrScanned(text.expose().clone()));
        }
        ScanEvent::Read(payload) => {
            tracing::info!(
                kind = payload.kind(),
                "QR code read; this kiosk does not act on it yet"
            );
        }
        ScanEvent::HardToRead => tracing::info!("a QR code is in view but cannot be read"),
        ScanEvent::CameraError(error) => {
            tracing::warn!(code = error.kind().code(), %error, "camera error");
        }
        ScanEvent::CameraSilent => tracing::warn!("the camera stopped delivering frames"),
    }
}

/// The window's callbacks become session commands.
fn wire_commands(window: &AppWindow, inputs: &mpsc::UnboundedSender<SessionInput>) {
    let send = |command: UiCommand| {
        let inputs = inputs.clone();
        move || {
            let _ = inputs.send(SessionInput::Ui(command.clone()));
        }
    };
    window.on_start(send(UiCommand::Start));
    window.on_back(send(UiCommand::Back));
    window.on_start_over(send(UiCommand::StartOver));
    window.on_try_again(send(UiCommand::TryAgain));
    window.on_still_here(send(UiCommand::StillHere));
    window.on_accept_consent(send(UiCommand::AcceptConsent));
    let languages = inputs.clone();
    window.on_choose_language(move |code| match code.parse::<Language>() {
        Ok(language) => {
            let _ = languages.send(SessionInput::Ui(UiCommand::ChooseLanguage(language)));
        }
        Err(error) => tracing::error!(%error, "the screen asked for a language the kiosk lacks"),
    });
}

/// Runs a kiosk with a window on the display until the window is closed.
pub fn run_with_window(config: &Config, demo_cards: Option<SampleSet>) -> anyhow::Result<()> {
    let window = kiosk_ui::new_window().map_err(|error| {
        anyhow::anyhow!("cannot open the kiosk window: {error} (is a display available? set DISPLAY or WAYLAND_DISPLAY)")
    })?;
    let kiosk = Kiosk::start(config, &window, demo_cards)?;
    window
        .run()
        .map_err(|error| anyhow::anyhow!("the window's event loop failed: {error}"))?;
    drop(kiosk);
    Ok(())
}
