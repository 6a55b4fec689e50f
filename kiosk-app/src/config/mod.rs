//! The kiosk's configuration: one TOML file, [`DEFAULT_CONFIG_PATH`] on the appliance.
//!
//! The file says which flow the kiosk runs ([`Mode`]), which device backend drives the card
//! reader, the camera and the printer, and where the remote systems are. It is read once at
//! start by [`load`] and checked completely before anything opens, so a technician sees one
//! line naming the file, the key, the bad value and what is allowed, instead of a kiosk that
//! fails later in front of a citizen:
//!
//! ```text
//! /etc/kiosk/kiosk.toml:4:8: mode = "shop": unknown variant, expected "onestop" or "hospital"
//! ```
//!
//! Each device section picks its kind with a `backend` key and then takes that kind's keys:
//!
//! ```toml
//! [camera]
//! backend = "v4l2"
//! device = "/dev/video0"     # or name = "HD USB Camera": exactly one of the two
//! format = "auto"            # or "mjpeg", "yuyv": the encoding asked for first
//! width = 1280
//! height = 720
//! fps = 30
//! ```
//!
//! Rules that involve several keys are checked after the types, with the same one-line
//! errors: a V4L2 camera takes `device` or `name`, never both and never neither.
//!
//! Relative paths in the file are resolved against the directory holding the file, not the
//! working directory, so `config/demo.toml` in the repository can point at
//! `../tests/fixtures/camera` wherever `kiosk` is started from.
//!
//! Every table refuses unknown keys: a misspelt key is an error, never a silent default.

mod checks;
mod error;
mod tagged;
#[cfg(test)]
mod tests;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kiosk_ui::Language;
use serde::{Deserialize, Deserializer};
use toml::de::DeTable;

pub use error::{ConfigError, Position};

use checks::validate;
use error::{Document, Problem};
use tagged::lift_backend_tags;

/// Where the appliance keeps its configuration.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/kiosk/kiosk.toml";

/// The back-end simulator that `kiosk demo` starts on loopback.
pub const DEMO_ONESTOP_URL: &str = "http://127.0.0.1:8750";

/// The whole configuration of one kiosk.
///
/// Read it with [`load`]: the file selects device variants with `backend = "…"` keys, which
/// the loader rewrites into serde's externally tagged form before deserializing (see
/// the `tagged` module for why), so this type's `Deserialize` reads that rewritten form.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// This kiosk's name on receipts, in back-end submissions and in diagnostics:
    /// 1 to 64 characters of `A-Z a-z 0-9 . _ -`.
    pub kiosk_id: String,
    /// The flow this kiosk runs.
    pub mode: Mode,
    /// The language a session starts in, `"vi"` (the default) or `"en"`; the citizen can
    /// switch on the welcome screen.
    #[serde(default, deserialize_with = "language_code")]
    pub language: Language,
    /// Seconds without a touch after which the session and everything about the citizen is
    /// wiped and the welcome screen returns; 15 to 600, default 90.
    #[serde(default = "default_idle_timeout_secs")]
    pub idle_timeout_secs: u32,
    /// Marks every screen and every receipt DEMO, so nothing printed by a demonstration
    /// kiosk can pass for a real receipt.
    #[serde(default)]
    pub demo: bool,
    /// The chip card reader.
    pub card_reader: CardReaderConfig,
    /// The camera that scans QR codes and takes the live face picture.
    pub camera: CameraConfig,
    /// The receipt printer.
    pub printer: PrinterConfig,
    /// The remote systems the kiosk submits to.
    pub backend: BackendConfig,
    /// How cards are verified.
    #[serde(default)]
    pub identity: IdentityConfig,
}

/// `[identity]`: what the kiosk trusts when it checks a card.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityConfig {
    /// A folder of CSCA certificates (`.der`, `.cer`, `.crt`, `.pem`) and ICAO master lists
    /// (`.ml`): the authorities whose signatures make a card genuine. Without it no card
    /// can be verified; `kiosk demo` then uses the test authority of its sample cards.
    pub trust_store: Option<PathBuf>,
    /// The card reader takes extended-length APDUs, so the chip is read in larger chunks.
    #[serde(default)]
    pub extended_length: bool,
}

/// The flow a kiosk runs; diagnostics is available in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Mode {
    /// Public-service applications at a one-stop counter (Bộ phận một cửa).
    #[serde(rename = "onestop")]
    OneStop,
    /// Patient self-registration at a hospital.
    #[serde(rename = "hospital")]
    Hospital,
}

/// Which card reader to use. In the file: `[card_reader]` with `backend = "simulated"` or
/// `backend = "pcsc"` (see the module docs on how `backend` selects the variant).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CardReaderConfig {
    /// A virtual reader holding the demo's sample cards.
    Simulated {
        /// The name the reader reports, as a PC/SC reader would.
        #[serde(default = "default_simulated_reader_name")]
        reader_name: String,
    },
    /// A real reader through the PC/SC daemon (pcscd).
    Pcsc {
        /// Part of the PC/SC reader name to pick, e.g. `"ACS ACR1281"`; absent means the
        /// first reader pcscd lists.
        reader: Option<String>,
    },
}

/// Which camera to use. In the file: `[camera]` with `backend = "replay"` or `"v4l2"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CameraConfig {
    /// Plays image files in a loop instead of a live camera.
    Replay {
        /// An image file or a folder of images; it must exist.
        path: PathBuf,
        /// Frames per second to deliver; more than 0 and at most 120, default 10.
        #[serde(default = "default_replay_fps")]
        fps: f32,
    },
    /// A UVC camera through Video4Linux2. Exactly one of `device` and `name` says which.
    V4l2 {
        /// The device node, e.g. `/dev/video0`, or a stable link to it such as
        /// `/dev/v4l/by-id/usb-…-video-index0`; it must exist.
        device: Option<PathBuf>,
        /// Part of the camera's name as `v4l2-ctl --list-devices` shows it, e.g.
        /// `"HD USB Camera"`; letter case counts. Looked up each time the camera is opened,
        /// so it finds the camera on whichever node it gets.
        name: Option<String>,
        /// The encoding to ask for first; the other one is the fallback. Default `auto`.
        #[serde(default)]
        format: CameraEncoding,
        /// Frame width in pixels; 1 to 8192. The camera's closest size is used, preferring
        /// one at least this large.
        width: u32,
        /// Frame height in pixels; 1 to 8192.
        height: u32,
        /// Frames per second to ask for; 1 to 120. The camera's closest rate is used.
        fps: u32,
    },
}

/// `format` of a V4L2 camera: which encoding to ask the camera for first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CameraEncoding {
    /// The kiosk's choice: MJPEG, then YUYV (MJPEG gives 720p at 30 fps over USB 2.0).
    #[default]
    Auto,
    /// MJPEG, then YUYV.
    Mjpeg,
    /// YUYV, then MJPEG: for a camera whose JPEG frames are broken.
    Yuyv,
}

/// The words `camera.format` takes in the file.
const CAMERA_ENCODINGS: &[&str] = &["auto", "mjpeg", "yuyv"];

/// Which receipt printer to use. In the file: `[printer]` with `backend = "file"` or
/// `"serial"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum PrinterConfig {
    /// Appends the ESC/POS bytes of each receipt to a file (demo and tests).
    File {
        /// The file to append to; its folder must exist, the file need not.
        path: PathBuf,
        /// The paper width receipts are laid out for, 58 or 80; default 80.
        #[serde(default = "default_paper_width_mm")]
        paper_width_mm: u32,
    },
    /// An ESC/POS thermal printer on a serial port.
    Serial {
        /// The serial device, e.g. `/dev/ttyUSB0` or the udev link `/dev/kiosk-printer`;
        /// it must exist.
        device: PathBuf,
        /// Line speed in baud, one of [`SERIAL_BAUD_RATES`]; default 115200.
        #[serde(default = "default_baud")]
        baud: u32,
        /// Paper roll width in millimetres, 58 or 80; default 80.
        #[serde(default = "default_paper_width_mm")]
        paper_width_mm: u32,
        /// How the printer holds the kiosk back when its buffer fills: `none` (the
        /// default), `hardware` (RTS/CTS) or `software` (XON/XOFF). Must match the
        /// printer's setting.
        #[serde(default)]
        flow_control: FlowControl,
        /// Milliseconds to wait for the answer to a status query; 50 to 10000, default
        /// 1000.
        #[serde(default = "default_status_timeout_ms")]
        status_timeout_ms: u32,
        /// Milliseconds a write may stay blocked (the printer holding the line with flow
        /// control) before the job fails; 100 to 60000, default 5000.
        #[serde(default = "default_write_timeout_ms")]
        write_timeout_ms: u32,
    },
}

impl PrinterConfig {
    /// The paper width receipts are laid out for, in millimetres.
    pub fn paper_width_mm(&self) -> u32 {
        match self {
            PrinterConfig::File { paper_width_mm, .. }
            | PrinterConfig::Serial { paper_width_mm, .. } => *paper_width_mm,
        }
    }
}

/// `flow_control` of a serial printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlowControl {
    #[default]
    None,
    /// RTS/CTS lines.
    Hardware,
    /// XON/XOFF characters.
    Software,
}

/// The remote systems. Only the one the kiosk's [`Mode`] uses is required.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendConfig {
    /// Base URL of the provincial one-stop system's API (`http://` or `https://`);
    /// required in `onestop` mode.
    pub onestop_url: Option<String>,
    /// Base URL of the hospital information system's FHIR R4 API; required in `hospital`
    /// mode.
    pub his_url: Option<String>,
    /// Seconds to wait for one request before the submission is left in the outbox for a
    /// later attempt; 1 to 120, default 15.
    #[serde(default = "default_request_timeout_secs")]
    pub request_timeout_secs: u32,
}

/// The line speeds a serial receipt printer is accepted at.
pub const SERIAL_BAUD_RATES: [u32; 8] = [2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400];

/// Receipt paper widths the printer driver lays receipts out for.
pub const PAPER_WIDTHS_MM: [u32; 2] = [58, 80];

fn default_idle_timeout_secs() -> u32 {
    90
}

fn default_simulated_reader_name() -> String {
    "Simulated CCCD reader".to_owned()
}

fn default_replay_fps() -> f32 {
    10.0
}

fn default_baud() -> u32 {
    115_200
}

fn default_paper_width_mm() -> u32 {
    80
}

fn default_status_timeout_ms() -> u32 {
    1000
}

fn default_write_timeout_ms() -> u32 {
    5000
}

fn default_request_timeout_secs() -> u32 {
    15
}

/// The codes `language` takes in the file, as [`Language`]'s `FromStr` reads them.
const LANGUAGE_CODES: &[&str] = &["vi", "en"];

/// Reads `language` as a code and parses it with [`Language`]'s `FromStr`. A code it
/// refuses is reported as serde reports an unknown variant, so the error reads like those
/// of the other enumerated keys.
fn language_code<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Language, D::Error> {
    let code = String::deserialize(deserializer)?;
    code.parse()
        .map_err(|_| serde::de::Error::unknown_variant(&code, LANGUAGE_CODES))
}

impl Config {
    /// The configuration `kiosk demo` runs with when given no file: a one-stop kiosk in
    /// Vietnamese on simulated devices, talking to the back-end simulator on loopback.
    ///
    /// The replay camera reads `var_dir/camera`, which the caller fills with images before
    /// opening the camera; receipts go to `var_dir/receipts.escpos`.
    pub fn demo_default(var_dir: &Path) -> Config {
        Config {
            kiosk_id: "demo".to_owned(),
            mode: Mode::OneStop,
            language: Language::Vietnamese,
            idle_timeout_secs: default_idle_timeout_secs(),
            demo: true,
            card_reader: CardReaderConfig::Simulated {
                reader_name: default_simulated_reader_name(),
            },
            camera: CameraConfig::Replay {
                path: var_dir.join("camera"),
                fps: default_replay_fps(),
            },
            printer: PrinterConfig::File {
                path: var_dir.join("receipts.escpos"),
                paper_width_mm: default_paper_width_mm(),
            },
            backend: BackendConfig {
                onestop_url: Some(DEMO_ONESTOP_URL.to_owned()),
                his_url: None,
                request_timeout_secs: default_request_timeout_secs(),
            },
            identity: IdentityConfig::default(),
        }
    }

    /// [`idle_timeout_secs`](Config::idle_timeout_secs) as a duration.
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(u64::from(self.idle_timeout_secs))
    }
}

impl BackendConfig {
    /// [`request_timeout_secs`](BackendConfig::request_timeout_secs) as a duration.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(u64::from(self.request_timeout_secs))
    }
}

impl Mode {
    /// The name used in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::OneStop => "onestop",
            Mode::Hospital => "hospital",
        }
    }
}

/// Whether loading checks that device nodes and other paths named in the file exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceCheck {
    /// Check every path: `camera.device`, `camera.path`, `printer.device` and the folder of
    /// `printer.path`. What the kiosk does at start.
    Require,
    /// Check only the file's syntax and values, e.g. to review an appliance's configuration
    /// on a machine that lacks its devices (`kiosk check-config --no-devices`).
    Skip,
}

/// Reads and checks the configuration file at `path`, including that its devices exist.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    load_with(path, DeviceCheck::Require)
}

/// Reads and checks the configuration file at `path`, checking devices as `devices` says.
pub fn load_with(path: &Path, devices: DeviceCheck) -> Result<Config, ConfigError> {
    let text = fs::read_to_string(path).map_err(|cause| ConfigError::Unreadable {
        file: path.to_owned(),
        cause,
    })?;
    from_toml_str_with(&text, path, devices)
}

/// Parses and checks configuration `text`, including that its devices exist. `origin` is the
/// file the text came from: errors name it and relative paths are resolved against its
/// folder.
pub fn from_toml_str(text: &str, origin: &Path) -> Result<Config, ConfigError> {
    from_toml_str_with(text, origin, DeviceCheck::Require)
}

/// [`from_toml_str`], checking devices as `devices` says.
pub fn from_toml_str_with(
    text: &str,
    origin: &Path,
    devices: DeviceCheck,
) -> Result<Config, ConfigError> {
    let document = Document { origin, text };
    let tree = DeTable::parse(text).map_err(|error| document.syntax_error(&error))?;
    let mut lifted = tree.clone();
    lift_backend_tags(lifted.get_mut()).map_err(|problem| document.invalid(&tree, problem))?;

    let mut config: Config = serde_path_to_error::deserialize(toml::de::Deserializer::from(lifted))
        .map_err(|error| document.invalid(&tree, Problem::from_serde(&error)))?;

    let base = origin.parent().unwrap_or(Path::new(""));
    config.resolve_relative_paths(base);
    validate(&config, devices).map_err(|problem| document.invalid(&tree, problem))?;
    Ok(config)
}

impl Config {
    fn resolve_relative_paths(&mut self, base: &Path) {
        let resolve = |path: &mut PathBuf| {
            if path.is_relative() {
                *path = base.join(&*path);
            }
        };
        match &mut self.camera {
            CameraConfig::Replay { path, .. } => resolve(path),
            CameraConfig::V4l2 {
                device: Some(device),
                ..
            } => resolve(device),
            CameraConfig::V4l2 { device: None, .. } => {}
        }
        match &mut self.printer {
            PrinterConfig::File { path, .. } => resolve(path),
            PrinterConfig::Serial { device, .. } => resolve(device),
        }
        if let Some(path) = &mut self.identity.trust_store {
            resolve(path);
        }
    }
}
