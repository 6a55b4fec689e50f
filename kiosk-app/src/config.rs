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
//! device = "/dev/video0"
//! width = 1280
//! height = 720
//! fps = 30
//! ```
//!
//! Relative paths in the file are resolved against the directory holding the file, not the
//! working directory, so `config/demo.toml` in the repository can point at
//! `../tests/fixtures/camera` wherever `kiosk` is started from.
//!
//! Every table refuses unknown keys: a misspelt key is an error, never a silent default.

use std::borrow::Cow;
use std::fmt;
use std::fs;
use std::io;
use std::ops::{Range, RangeInclusive};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_path_to_error::Segment;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Where the appliance keeps its configuration.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/kiosk/kiosk.toml";

/// The back-end simulator that `kiosk demo` starts on loopback.
pub const DEMO_ONESTOP_URL: &str = "http://127.0.0.1:8750";

/// The whole configuration of one kiosk.
///
/// Read it with [`load`]: the file selects device variants with `backend = "…"` keys, which
/// the loader rewrites into serde's externally tagged form before deserializing (see
/// `lift_backend_tags` for why), so this type's `Deserialize` reads that rewritten form.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// This kiosk's name on receipts, in back-end submissions and in diagnostics:
    /// 1 to 64 characters of `A-Z a-z 0-9 . _ -`.
    pub kiosk_id: String,
    /// The flow this kiosk runs.
    pub mode: Mode,
    /// The language a session starts in; the citizen can switch on the welcome screen.
    #[serde(default)]
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

/// A language of the screens and receipts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Vietnamese, the default.
    #[default]
    Vi,
    /// English.
    En,
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
    /// A UVC camera through Video4Linux2.
    V4l2 {
        /// The device node, e.g. `/dev/video0`; it must exist.
        device: PathBuf,
        /// Frame width in pixels; 1 to 8192.
        width: u32,
        /// Frame height in pixels; 1 to 8192.
        height: u32,
        /// Frames per second to ask for; 1 to 120.
        fps: u32,
    },
}

/// Which receipt printer to use. In the file: `[printer]` with `backend = "file"` or
/// `"serial"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum PrinterConfig {
    /// Appends the ESC/POS bytes of each receipt to a file (demo and tests).
    File {
        /// The file to append to; its folder must exist, the file need not.
        path: PathBuf,
    },
    /// An ESC/POS thermal printer on a serial port.
    Serial {
        /// The serial device, e.g. `/dev/ttyUSB0`; it must exist.
        device: PathBuf,
        /// Line speed in baud, one of [`SERIAL_BAUD_RATES`]; default 115200.
        #[serde(default = "default_baud")]
        baud: u32,
        /// Paper roll width in millimetres, 58 or 80; default 80.
        #[serde(default = "default_paper_width_mm")]
        paper_width_mm: u32,
    },
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

const IDLE_TIMEOUT_SECS: RangeInclusive<u32> = 15..=600;
const REQUEST_TIMEOUT_SECS: RangeInclusive<u32> = 1..=120;
const V4L2_FRAME_SIDE: RangeInclusive<u32> = 1..=8192;
const V4L2_FPS: RangeInclusive<u32> = 1..=120;
const MAX_REPLAY_FPS: f32 = 120.0;
const MAX_KIOSK_ID_LEN: usize = 64;

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

fn default_request_timeout_secs() -> u32 {
    15
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
            language: Language::Vi,
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
            },
            backend: BackendConfig {
                onestop_url: Some(DEMO_ONESTOP_URL.to_owned()),
                his_url: None,
                request_timeout_secs: default_request_timeout_secs(),
            },
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

/// Where in the file a problem is, 1-based; the column counts characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Line number, from 1.
    pub line: usize,
    /// Column number in characters, from 1.
    pub column: usize,
}

/// Why a configuration was refused. Its `Display` is always one line that names the file
/// and, where there is one, the position, the key, the value found and what is allowed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read at all.
    #[error("{}: cannot read: {cause}", .file.display())]
    Unreadable {
        /// The file named by the caller.
        file: PathBuf,
        /// What the operating system said. Not a `#[source]`: the message already shows it,
        /// and a report that prints the chain would say it twice.
        cause: io::Error,
    },
    /// The text is not valid TOML.
    #[error("{}: {message}", Place(.file, .position))]
    Syntax {
        /// The file the text came from.
        file: PathBuf,
        /// Where the parser stopped.
        position: Option<Position>,
        /// The parser's complaint, on one line.
        message: String,
    },
    /// A key is missing or unknown, or its value has the wrong type or is not allowed.
    #[error("{}: {}: {problem}", Place(.file, .position), KeyAndValue(.key, .value.as_deref()))]
    Invalid {
        /// The file the text came from.
        file: PathBuf,
        /// Where the key or its value is written; `None` for a key missing from the top.
        position: Option<Position>,
        /// Dotted path of the key, e.g. `camera.fps`.
        key: String,
        /// The value as written in the file (on one line, shortened), if the key has one.
        value: Option<String>,
        /// What is wrong and what is allowed instead.
        problem: String,
    },
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
            CameraConfig::V4l2 { device, .. } => resolve(device),
        }
        match &mut self.printer {
            PrinterConfig::File { path } => resolve(path),
            PrinterConfig::Serial { device, .. } => resolve(device),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// `backend = "…"` tags
//
// serde's internally tagged enums (`#[serde(tag = "backend")]`) buffer a whole section before
// choosing the variant, and every error inside the buffered section then loses its key path
// (`camera` instead of `camera.fps`). So the loader moves the tag out itself: `[camera]` with
// `backend = "v4l2"` becomes `camera = { v4l2 = { … } }`, serde's externally tagged form, which
// keeps the path and the position of every error. `Config`'s `Deserialize` therefore reads
// the lifted form; read files with [`load`].

/// The sections whose variant is chosen by `backend`, with the variants' names in the file.
const TAGGED_SECTIONS: [(&str, &[&str]); 3] = [
    ("card_reader", &["simulated", "pcsc"]),
    ("camera", &["replay", "v4l2"]),
    ("printer", &["file", "serial"]),
];

const TAG_KEY: &str = "backend";

fn lift_backend_tags(root: &mut DeTable<'_>) -> Result<(), Problem> {
    for (section, kinds) in TAGGED_SECTIONS {
        let Some(entry) = root.get_mut(section) else {
            continue; // serde reports the missing section
        };
        let section_span = entry.span();
        let DeValue::Table(table) = entry.get_mut() else {
            return Err(Problem::value(
                [section],
                format!(
                    "wrong type, expected a table with {TAG_KEY} = {}",
                    one_of(kinds)
                ),
            ));
        };
        let Some(tag) = table.remove(TAG_KEY) else {
            return Err(Problem::value(
                [section, TAG_KEY],
                format!("missing, expected {}", one_of(kinds)),
            ));
        };
        let tag_span = tag.span();
        let DeValue::String(kind) = tag.into_inner() else {
            return Err(Problem::value(
                [section, TAG_KEY],
                format!("wrong type, expected {}", one_of(kinds)),
            ));
        };
        if !kinds.contains(&kind.as_ref()) {
            return Err(Problem::value(
                [section, TAG_KEY],
                format!("unknown backend, expected {}", one_of(kinds)),
            ));
        }
        let settings = std::mem::take(table);
        let mut lifted = DeTable::new();
        lifted.insert(
            Spanned::new(tag_span, kind),
            Spanned::new(section_span.clone(), DeValue::Table(settings)),
        );
        *entry = Spanned::new(section_span, DeValue::Table(lifted));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Checks serde cannot express

fn validate(config: &Config, devices: DeviceCheck) -> Result<(), Problem> {
    let id = &config.kiosk_id;
    let id_is_valid = (1..=MAX_KIOSK_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !id_is_valid {
        return Err(Problem::value(
            ["kiosk_id"],
            format!("expected 1 to {MAX_KIOSK_ID_LEN} characters of A-Z a-z 0-9 . _ -"),
        ));
    }
    check_range(
        ["idle_timeout_secs"],
        config.idle_timeout_secs,
        IDLE_TIMEOUT_SECS,
    )?;

    match &config.card_reader {
        CardReaderConfig::Simulated { reader_name } if reader_name.trim().is_empty() => {
            return Err(Problem::value(
                ["card_reader", "reader_name"],
                "must not be empty",
            ));
        }
        CardReaderConfig::Pcsc {
            reader: Some(reader),
        } if reader.trim().is_empty() => {
            return Err(Problem::value(
                ["card_reader", "reader"],
                "must not be empty; leave the key out to use the first reader",
            ));
        }
        _ => {}
    }

    match &config.camera {
        CameraConfig::Replay { path, fps } => {
            if !(fps.is_finite() && *fps > 0.0 && *fps <= MAX_REPLAY_FPS) {
                return Err(Problem::value(
                    ["camera", "fps"],
                    format!("out of range, expected more than 0 and at most {MAX_REPLAY_FPS}"),
                ));
            }
            if devices == DeviceCheck::Require {
                check_exists(["camera", "path"], path, PathKind::AnyFile)?;
            }
        }
        CameraConfig::V4l2 {
            device,
            width,
            height,
            fps,
        } => {
            check_range(["camera", "width"], *width, V4L2_FRAME_SIDE)?;
            check_range(["camera", "height"], *height, V4L2_FRAME_SIDE)?;
            check_range(["camera", "fps"], *fps, V4L2_FPS)?;
            if devices == DeviceCheck::Require {
                check_exists(["camera", "device"], device, PathKind::Device)?;
            }
        }
    }

    match &config.printer {
        PrinterConfig::File { path } => {
            if devices == DeviceCheck::Require {
                check_receipt_file(path)?;
            }
        }
        PrinterConfig::Serial {
            device,
            baud,
            paper_width_mm,
        } => {
            if !SERIAL_BAUD_RATES.contains(baud) {
                return Err(Problem::value(
                    ["printer", "baud"],
                    format!(
                        "not a standard rate, expected {}",
                        one_of(&SERIAL_BAUD_RATES)
                    ),
                ));
            }
            if !PAPER_WIDTHS_MM.contains(paper_width_mm) {
                return Err(Problem::value(
                    ["printer", "paper_width_mm"],
                    format!("expected {}", one_of(&PAPER_WIDTHS_MM)),
                ));
            }
            if devices == DeviceCheck::Require {
                check_exists(["printer", "device"], device, PathKind::Device)?;
            }
        }
    }

    let backend = &config.backend;
    for (key, url) in [
        ("onestop_url", &backend.onestop_url),
        ("his_url", &backend.his_url),
    ] {
        if let Some(url) = url {
            check_url(url).map_err(|why| Problem::value(["backend", key], why))?;
        }
    }
    let (required_key, required_url) = match config.mode {
        Mode::OneStop => ("onestop_url", &backend.onestop_url),
        Mode::Hospital => ("his_url", &backend.his_url),
    };
    if required_url.is_none() {
        return Err(Problem::value(
            ["backend", required_key],
            format!(
                "missing, required when mode = \"{}\"; expected an http:// or https:// URL",
                config.mode.as_str()
            ),
        ));
    }
    check_range(
        ["backend", "request_timeout_secs"],
        backend.request_timeout_secs,
        REQUEST_TIMEOUT_SECS,
    )
}

fn check_range<const N: usize>(
    key: [&str; N],
    value: u32,
    allowed: RangeInclusive<u32>,
) -> Result<(), Problem> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(Problem::value(
            key,
            format!(
                "out of range, expected {} to {}",
                allowed.start(),
                allowed.end()
            ),
        ))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PathKind {
    /// A device node: a character device (a pseudo-terminal in tests counts).
    Device,
    /// Anything that exists: a file or a folder.
    AnyFile,
}

fn check_exists<const N: usize>(
    key: [&str; N],
    path: &Path,
    kind: PathKind,
) -> Result<(), Problem> {
    let missing = match kind {
        PathKind::Device => "no such device",
        PathKind::AnyFile => "no such file or folder",
    };
    match fs::metadata(path) {
        Ok(metadata) if kind == PathKind::Device && !is_char_device(&metadata) => Err(
            Problem::value(key, format!("{} is not a device", path.display())),
        ),
        Ok(_) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Err(Problem::value(
            key,
            format!("{missing} ({})", path.display()),
        )),
        Err(error) => Err(Problem::value(
            key,
            format!("cannot access {}: {error}", path.display()),
        )),
    }
}

#[cfg(unix)]
fn is_char_device(metadata: &fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    metadata.file_type().is_char_device()
}

#[cfg(not(unix))]
fn is_char_device(_metadata: &fs::Metadata) -> bool {
    true
}

/// The file printer appends to its file, creating it if needed, but creates no folder: a
/// missing folder is far more often a typo than a wish.
fn check_receipt_file(path: &Path) -> Result<(), Problem> {
    const KEY: [&str; 2] = ["printer", "path"];
    if path.is_dir() {
        return Err(Problem::value(
            KEY,
            format!("{} is a folder, expected a file", path.display()),
        ));
    }
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    if folder.is_dir() {
        Ok(())
    } else {
        Err(Problem::value(
            KEY,
            format!("no such folder ({})", folder.display()),
        ))
    }
}

/// Accepts `http://` or `https://` URLs with a host and an optional port and path. Written
/// out rather than taken from a URL crate because these few rules are all the kiosk needs.
fn check_url(url: &str) -> Result<(), &'static str> {
    const EXPECTED: &str = "expected an http:// or https:// URL with a host";
    if url.chars().any(char::is_whitespace) {
        return Err("contains spaces; expected an http:// or https:// URL with a host");
    }
    let lower = url.to_ascii_lowercase();
    let Some(scheme_len) = ["https://", "http://"]
        .into_iter()
        .find(|scheme| lower.starts_with(scheme))
        .map(str::len)
    else {
        return Err(EXPECTED);
    };
    let rest = &url[scheme_len..];
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err("must not contain a user name or password; expected scheme://host[:port]/path");
    }
    let (host_is_valid, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        // An IPv6 literal, `[::1]:8750`.
        let Some((host, after)) = bracketed.split_once(']') else {
            return Err(EXPECTED);
        };
        let is_ipv6 = host.contains(':')
            && host
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'));
        (
            is_ipv6 && (after.is_empty() || after.starts_with(':')),
            after.strip_prefix(':'),
        )
    } else {
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        let is_name = !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
        (is_name, port)
    };
    if !host_is_valid {
        return Err(EXPECTED);
    }
    if let Some(port) = port
        && !port.parse::<u16>().is_ok_and(|port| port != 0)
    {
        return Err("bad port; expected a number from 1 to 65535 after the host");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Turning problems into one-line errors

/// A problem found while reading the file, before it is placed in the text.
#[derive(Debug)]
struct Problem {
    key: Vec<String>,
    /// Whether the position should be that of the key (unknown keys) or of its value.
    at_key: bool,
    message: String,
}

impl Problem {
    fn value<const N: usize>(key: [&str; N], message: impl Into<String>) -> Self {
        Problem {
            key: key.iter().map(|segment| (*segment).to_owned()).collect(),
            at_key: false,
            message: message.into(),
        }
    }

    /// Rephrases serde's messages into this module's style; their wording is fixed by
    /// serde (`serde::de::Error`'s provided methods), and anything unrecognised is kept
    /// as it is, so a change there costs wording, never information.
    fn from_serde(error: &serde_path_to_error::Error<toml::de::Error>) -> Self {
        let mut key = Vec::new();
        let mut backend = None;
        for segment in error.path() {
            match segment {
                Segment::Map { key: name } => key.push(name.clone()),
                Segment::Enum { variant } => backend = Some(variant.clone()),
                Segment::Seq { index } => key.push(index.to_string()),
                Segment::Unknown => key.push("?".to_owned()),
            }
        }
        let for_backend = backend
            .map(|kind| format!(" for {TAG_KEY} = \"{kind}\""))
            .unwrap_or_default();
        let message = one_line(error.inner().message())
            .replace('`', "\"")
            .replace(
                "expected u32",
                "expected a whole number from 0 to 4294967295",
            )
            .replace("expected f32", "expected a number");
        let expected = message
            .rfind(", expected ")
            .map(|at| &message[at + 2..])
            .unwrap_or("");

        let mut at_key = false;
        let message = if let Some(field) = quoted_after(&message, "unknown field \"") {
            // serde_path_to_error has usually recorded the unknown key already.
            if key.last().is_none_or(|last| last != field) {
                key.push(field.to_owned());
            }
            at_key = true;
            match expected {
                "" => format!("unknown key{for_backend}; this table takes no other keys"),
                _ => format!("unknown key{for_backend}, {expected}"),
            }
        } else if let Some((unknown, available)) = message
            .strip_prefix("unexpected keys in table: ")
            .and_then(|rest| rest.split_once(", available keys: "))
        {
            // toml's own check of an enum variant's keys, which runs before serde's.
            key.push(unknown.split(", ").next().unwrap_or(unknown).to_owned());
            at_key = true;
            let available: Vec<&str> = available.split(", ").collect();
            format!("unknown key{for_backend}, expected {}", one_of(&available))
        } else if let Some(field) = quoted_after(&message, "missing field \"") {
            key.push(field.to_owned());
            format!("missing, required{for_backend}")
        } else if message.starts_with("unknown variant ") {
            format!("unknown variant, {expected}")
        } else if message.starts_with("invalid type: ") || message == "wanted string or table" {
            match allowed_words(&key) {
                Some(words) => format!("wrong type, expected {}", one_of(words)),
                None => format!("wrong type, {expected}"),
            }
        } else if message.starts_with("invalid value: ") {
            format!("invalid value, {expected}")
        } else {
            message.clone()
        };
        Problem {
            key,
            at_key,
            message,
        }
    }
}

/// The words a key of enum type takes, for errors where serde cannot say them.
fn allowed_words(key: &[String]) -> Option<&'static [&'static str]> {
    match key {
        [single] if single == "mode" => Some(&["onestop", "hospital"]),
        [single] if single == "language" => Some(&["vi", "en"]),
        _ => None,
    }
}

/// The text between `prefix` and the next `"`, if `message` starts with `prefix`.
fn quoted_after<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    message.strip_prefix(prefix)?.split('"').next()
}

/// `"a" or "b"` / `one of "a", "b", "c"` for an error message.
fn one_of<T: fmt::Display>(choices: &[T]) -> String {
    let quoted = |choice: &T| {
        let text = choice.to_string();
        if text.parse::<f64>().is_ok() {
            text
        } else {
            format!("\"{text}\"")
        }
    };
    match choices {
        [] => "nothing".to_owned(),
        [only] => quoted(only),
        [first, second] => format!("{} or {}", quoted(first), quoted(second)),
        _ => {
            let listed: Vec<String> = choices.iter().map(quoted).collect();
            format!("one of {}", listed.join(", "))
        }
    }
}

/// Collapses line breaks and the indentation after them, so an error stays on one line even
/// when the parser or a multi-line value put several into it.
fn one_line(text: &str) -> Cow<'_, str> {
    if !text.contains(['\n', '\r']) {
        return Cow::Borrowed(text);
    }
    let mut collapsed = String::with_capacity(text.len());
    for (index, line) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        if index > 0 {
            collapsed.push(' ');
        }
        collapsed.push_str(line);
    }
    Cow::Owned(collapsed)
}

/// Values longer than this are shortened in errors: the key and the first characters are
/// enough to find them.
const MAX_SHOWN_VALUE_CHARS: usize = 60;

/// The configuration text and where it came from, for placing problems in it.
struct Document<'a> {
    origin: &'a Path,
    text: &'a str,
}

impl Document<'_> {
    fn syntax_error(&self, error: &toml::de::Error) -> ConfigError {
        ConfigError::Syntax {
            file: self.origin.to_owned(),
            position: error.span().map(|span| self.position(span.start)),
            message: one_line(error.message()).into_owned(),
        }
    }

    fn invalid(&self, tree: &Spanned<DeTable<'_>>, problem: Problem) -> ConfigError {
        let found = find_key(tree.get_ref(), &problem.key);
        let (position, value) = match found {
            Found::Entry { key, value } => {
                let at = if problem.at_key {
                    key.start
                } else {
                    value.start
                };
                (Some(self.position(at)), self.shown_value(value))
            }
            Found::Parent(span) => (span.map(|span| self.position(span.start)), None),
        };
        ConfigError::Invalid {
            file: self.origin.to_owned(),
            position,
            key: problem.key.join("."),
            value,
            problem: problem.message,
        }
    }

    fn position(&self, offset: usize) -> Position {
        let before = self.text.get(..offset).unwrap_or(self.text);
        let line_start = before.rfind('\n').map_or(0, |at| at + 1);
        Position {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }

    fn shown_value(&self, span: Range<usize>) -> Option<String> {
        let written = one_line(self.text.get(span)?.trim()).into_owned();
        if written.chars().count() <= MAX_SHOWN_VALUE_CHARS {
            return Some(written);
        }
        let mut shortened: String = written.chars().take(MAX_SHOWN_VALUE_CHARS).collect();
        shortened.push('…');
        Some(shortened)
    }
}

enum Found {
    /// The key is in the file: the spans of the key and of its value.
    Entry {
        key: Range<usize>,
        value: Range<usize>,
    },
    /// The key is not in the file; the span of the nearest table that is, unless that is the
    /// whole document (a position there would point at line 1 for no reason).
    Parent(Option<Range<usize>>),
}

fn find_key(root: &DeTable<'_>, path: &[String]) -> Found {
    let mut table = root;
    let mut parent_span = None;
    for (depth, name) in path.iter().enumerate() {
        let Some((key, value)) = table.get_key_value(name.as_str()) else {
            return Found::Parent(parent_span);
        };
        if depth + 1 == path.len() {
            return Found::Entry {
                key: key.span(),
                value: value.span(),
            };
        }
        match value.get_ref() {
            DeValue::Table(inner) => {
                table = inner;
                parent_span = Some(key.span());
            }
            _ => return Found::Parent(Some(value.span())),
        }
    }
    Found::Parent(parent_span)
}

/// `file:line:column`, or just `file` when the position is unknown.
struct Place<'a>(&'a Path, &'a Option<Position>);

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.display())?;
        if let Some(Position { line, column }) = *self.1 {
            write!(f, ":{line}:{column}")?;
        }
        Ok(())
    }
}

/// `key = value`, or just `key` when there is no value.
struct KeyAndValue<'a>(&'a str, Option<&'a str>);

impl fmt::Display for KeyAndValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(value) => write!(f, "{} = {value}", self.0),
            None => f.write_str(self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid configuration whose paths exist wherever the tests run: relative to a bare
    /// `config.toml` they resolve against the working directory.
    const VALID: &str = r#"kiosk_id = "test-kiosk"
mode = "onestop"

[card_reader]
backend = "simulated"

[camera]
backend = "replay"
path = "."

[printer]
backend = "file"
path = "receipts.escpos"

[backend]
onestop_url = "http://127.0.0.1:8750"
"#;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        from_toml_str(text, Path::new("config.toml"))
    }

    /// The error for `text`, checked to be a single line.
    fn error_for(text: &str) -> String {
        let message = match parse(text) {
            Ok(config) => panic!("accepted:\n{text}\nas {config:?}"),
            Err(error) => error.to_string(),
        };
        assert!(!message.contains(['\n', '\r']), "not one line: {message}");
        message
    }

    /// `VALID` with the first line starting with `old` replaced by `new` (which may hold
    /// several lines, or none).
    fn edited(old: &str, new: &str) -> String {
        let mut lines: Vec<&str> = VALID.lines().collect();
        let Some(at) = lines.iter().position(|line| line.starts_with(old)) else {
            panic!("no line starts with {old:?}");
        };
        lines[at] = new;
        lines.join("\n")
    }

    fn assert_contains_all(message: &str, parts: &[&str]) {
        for part in parts {
            assert!(message.contains(part), "{message:?} lacks {part:?}");
        }
    }

    fn repository_file(relative: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(relative)
    }

    #[test]
    fn the_valid_sample_loads_with_defaults_filled_in() {
        let config = parse(VALID).expect("valid");
        assert_eq!(config.language, Language::Vi);
        assert_eq!(config.idle_timeout(), Duration::from_secs(90));
        assert!(!config.demo);
        assert_eq!(
            config.card_reader,
            CardReaderConfig::Simulated {
                reader_name: "Simulated CCCD reader".to_owned()
            }
        );
        assert_eq!(
            config.camera,
            CameraConfig::Replay {
                path: PathBuf::from("."),
                fps: 10.0
            }
        );
        assert_eq!(config.backend.request_timeout(), Duration::from_secs(15));
    }

    #[test]
    fn every_config_in_the_repository_loads() {
        let folder = repository_file("config");
        let mut checked = 0;
        for entry in fs::read_dir(&folder).expect("config folder") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|ext| ext == "toml") {
                // Appliance examples name devices this machine lacks; see the tests below
                // for the demo, which must load with its devices checked.
                if let Err(error) = load_with(&path, DeviceCheck::Skip) {
                    panic!("{error}");
                }
                checked += 1;
            }
        }
        assert!(
            checked >= 2,
            "found only {checked} files in {}",
            folder.display()
        );
    }

    #[test]
    fn the_demo_config_loads_with_devices_checked_and_matches_the_built_in_demo() {
        let file = repository_file("config/demo.toml");
        let config = load(&file).unwrap_or_else(|error| panic!("{error}"));
        let built_in = Config::demo_default(Path::new("var"));
        assert_eq!(config.mode, built_in.mode);
        assert_eq!(config.language, built_in.language);
        assert_eq!(config.idle_timeout_secs, built_in.idle_timeout_secs);
        assert!(config.demo && built_in.demo);
        assert_eq!(config.card_reader, built_in.card_reader);
        assert_eq!(config.backend, built_in.backend);
        // The relative replay folder is resolved against config/, not the working directory.
        let CameraConfig::Replay { path, fps } = &config.camera else {
            panic!("{:?}", config.camera);
        };
        assert_eq!(*path, repository_file("config/../tests/fixtures/camera"));
        assert!(path.is_dir());
        assert_eq!(*fps, 10.0);
    }

    #[test]
    fn the_appliance_example_describes_real_devices() {
        let file = repository_file("config/kiosk.example.toml");
        let config = load_with(&file, DeviceCheck::Skip).unwrap_or_else(|error| panic!("{error}"));
        assert!(!config.demo);
        assert_eq!(
            config.card_reader,
            CardReaderConfig::Pcsc {
                reader: Some("ACS ACR1281".to_owned())
            }
        );
        assert_eq!(
            config.camera,
            CameraConfig::V4l2 {
                device: PathBuf::from("/dev/video0"),
                width: 1280,
                height: 720,
                fps: 30
            }
        );
        assert_eq!(
            config.printer,
            PrinterConfig::Serial {
                device: PathBuf::from("/dev/ttyUSB0"),
                baud: 115_200,
                paper_width_mm: 80
            }
        );
    }

    #[test]
    fn real_devices_that_exist_are_accepted() {
        let text = edited("backend = \"replay\"", "backend = \"v4l2\"")
            .replace(
                "path = \".\"",
                "device = \"/dev/null\"\nwidth = 640\nheight = 480\nfps = 15",
            )
            .replace(
                "backend = \"file\"\npath = \"receipts.escpos\"",
                "backend = \"serial\"\ndevice = \"/dev/null\"\npaper_width_mm = 58",
            );
        let config = parse(&text).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(
            config.printer,
            PrinterConfig::Serial {
                device: PathBuf::from("/dev/null"),
                baud: 115_200,
                paper_width_mm: 58
            }
        );
    }

    #[test]
    fn an_unknown_variant_names_file_position_key_value_and_choices() {
        let message = error_for(&edited("mode", "mode = \"shop\""));
        assert_eq!(
            message,
            r#"config.toml:2:8: mode = "shop": unknown variant, expected "onestop" or "hospital""#
        );
    }

    #[test]
    fn an_unknown_key_points_at_the_key_and_lists_the_allowed_ones() {
        let message = error_for(&edited("path = \".\"", "path = \".\"\ncolour = \"red\""));
        assert_contains_all(
            &message,
            &[
                "config.toml:10:1: camera.colour = \"red\"",
                "unknown key for backend = \"replay\"",
                "\"path\"",
                "\"fps\"",
            ],
        );
        let message = error_for(&format!("colour = 1\n{VALID}"));
        assert_contains_all(
            &message,
            &["config.toml:1:1: colour = 1: unknown key", "\"kiosk_id\""],
        );
    }

    #[test]
    fn an_unknown_backend_lists_the_backends() {
        let message = error_for(&edited("backend = \"replay\"", "backend = \"usb\""));
        assert_contains_all(
            &message,
            &[
                "config.toml:8:11: camera.backend = \"usb\"",
                "\"replay\" or \"v4l2\"",
            ],
        );
        let message = error_for(&edited("backend = \"replay\"", ""));
        assert_contains_all(
            &message,
            &["camera.backend: missing", "\"replay\" or \"v4l2\""],
        );
    }

    #[test]
    fn numbers_out_of_range_name_the_range() {
        let message = error_for(&format!("idle_timeout_secs = 5\n{VALID}"));
        assert_contains_all(
            &message,
            &["config.toml:1:21: idle_timeout_secs = 5", "15 to 600"],
        );
        let message = error_for(&format!("idle_timeout_secs = -5\n{VALID}"));
        assert_contains_all(
            &message,
            &[
                "idle_timeout_secs = -5",
                "invalid value",
                "whole number from 0",
            ],
        );
        let message = error_for(&edited("path = \".\"", "path = \".\"\nfps = 0"));
        assert_contains_all(&message, &["camera.fps = 0", "more than 0 and at most 120"]);
        let message = error_for(&format!("{VALID}request_timeout_secs = 600\n"));
        assert_contains_all(
            &message,
            &["backend.request_timeout_secs = 600", "1 to 120"],
        );
    }

    #[test]
    fn a_wrong_type_names_the_type_expected() {
        let message = error_for(&edited("path = \".\"", "path = \".\"\nfps = \"fast\""));
        assert_contains_all(
            &message,
            &["camera.fps = \"fast\"", "wrong type, expected a number"],
        );
        let message = error_for(&edited("mode", "mode = 5"));
        assert_contains_all(
            &message,
            &["mode = 5: wrong type", "\"onestop\" or \"hospital\""],
        );
        let no_camera_table = VALID.replace("[camera]\nbackend = \"replay\"\npath = \".\"\n", "");
        let message = error_for(&format!("camera = 3\n{no_camera_table}"));
        assert_contains_all(
            &message,
            &["config.toml:1:10: camera = 3: wrong type", "backend"],
        );
    }

    #[test]
    fn a_multi_line_value_is_shown_on_one_line() {
        let message = error_for(&edited("kiosk_id", "kiosk_id = [\n  \"a\",\n  \"b\",\n]"));
        assert_contains_all(&message, &["kiosk_id = [ \"a\", \"b\", ]", "wrong type"]);
    }

    #[test]
    fn a_missing_required_key_is_named_with_its_table() {
        let message = error_for(&edited("kiosk_id", ""));
        assert_eq!(message, "config.toml: kiosk_id: missing, required");
        let v4l2 =
            edited("backend = \"replay\"", "backend = \"v4l2\"").replace("path = \".\"\n", "");
        let message = error_for(&v4l2);
        assert_eq!(
            message,
            "config.toml:7:2: camera.device: missing, required for backend = \"v4l2\""
        );
    }

    #[test]
    fn the_mode_requires_its_back_end_url() {
        let message = error_for(&edited(
            "onestop_url",
            "his_url = \"https://his.example.vn\"",
        ));
        assert_contains_all(
            &message,
            &[
                "backend.onestop_url: missing",
                "mode = \"onestop\"",
                "http://",
            ],
        );
        let hospital = edited("mode", "mode = \"hospital\"");
        assert_contains_all(&error_for(&hospital), &["backend.his_url: missing"]);
    }

    #[test]
    fn bad_urls_are_refused_with_the_rule() {
        for url in [
            "ftp://example.vn",
            "http://",
            "https:///path",
            "dichvucong.example.gov.vn",
            "https://user:secret@example.vn",
            "http://example.vn:99999",
            "http://exa mple.vn",
            "http://a:b:80/",
            "http://[example.vn]/",
        ] {
            let message = error_for(&edited("onestop_url", &format!("onestop_url = \"{url}\"")));
            assert_contains_all(&message, &[&format!("backend.onestop_url = \"{url}\"")]);
            assert!(
                message.contains("http://") || message.contains("port"),
                "{message}"
            );
        }
        for url in [
            "https://dichvucong.example.gov.vn/api",
            "http://127.0.0.1:8750",
            "HTTPS://HIS.example.vn:8443/fhir?x=1",
            "http://[::1]:8750/",
        ] {
            assert_eq!(check_url(url), Ok(()), "{url}");
        }
    }

    #[test]
    fn missing_devices_are_named_unless_skipped() {
        let serial = edited("backend = \"file\"", "backend = \"serial\"").replace(
            "path = \"receipts.escpos\"",
            "device = \"/dev/ttyUSB9-absent\"",
        );
        let message = error_for(&serial);
        assert_contains_all(
            &message,
            &["config.toml:13:10: printer.device = \"/dev/ttyUSB9-absent\": no such device"],
        );
        assert!(from_toml_str_with(&serial, Path::new("config.toml"), DeviceCheck::Skip).is_ok());

        let message = error_for(&edited("path = \".\"", "path = \"no-such-folder/frames\""));
        assert_contains_all(
            &message,
            &["camera.path = \"no-such-folder/frames\"", "no such file"],
        );

        let message = error_for(&edited(
            "path = \"receipts",
            "path = \"no-such-folder/r.bin\"",
        ));
        assert_contains_all(
            &message,
            &["printer.path = \"no-such-folder/r.bin\"", "no such folder"],
        );

        let not_a_device = serial.replace("/dev/ttyUSB9-absent", "Cargo.toml");
        assert_contains_all(
            &error_for(&not_a_device),
            &["printer.device", "is not a device"],
        );
    }

    #[test]
    fn a_bad_kiosk_id_states_the_rule() {
        let message = error_for(&edited("kiosk_id", "kiosk_id = \"quầy 3\""));
        assert_contains_all(&message, &["kiosk_id = \"quầy 3\"", "1 to 64 characters"]);
        let long = "k".repeat(65);
        assert_contains_all(
            &error_for(&edited("kiosk_id", &format!("kiosk_id = \"{long}\""))),
            &["…"],
        );
    }

    #[test]
    fn other_enumerated_values_are_checked() {
        let serial = edited("backend = \"file\"", "backend = \"serial\"").replace(
            "path = \"receipts.escpos\"",
            "device = \"/dev/null\"\nbaud = 1234",
        );
        assert_contains_all(&error_for(&serial), &["printer.baud = 1234", "115200"]);
        let paper = serial.replace("baud = 1234", "paper_width_mm = 57");
        assert_contains_all(
            &error_for(&paper),
            &["printer.paper_width_mm = 57", "58 or 80"],
        );
        let language = edited("mode", "mode = \"onestop\"\nlanguage = \"fr\"");
        assert_contains_all(
            &error_for(&language),
            &["language = \"fr\"", "\"vi\" or \"en\""],
        );
    }

    #[test]
    fn syntax_errors_have_a_position_and_one_line() {
        let message = error_for(&edited("mode", "mode = "));
        assert!(message.starts_with("config.toml:2:"), "{message}");
        let message = error_for("kiosk_id = \"unterminated\n");
        assert!(message.starts_with("config.toml:1:"), "{message}");
    }

    #[test]
    fn unreadable_files_name_the_file_and_the_reason() {
        let folder = tempfile::tempdir().expect("tempdir");
        let missing = folder.path().join("config.toml");
        let message = load(&missing).expect_err("missing").to_string();
        assert_eq!(
            message,
            format!(
                "{}: cannot read: No such file or directory (os error 2)",
                missing.display()
            )
        );
        let message = load(folder.path()).expect_err("a folder").to_string();
        assert_contains_all(
            &message,
            &[&format!("{}: cannot read: ", folder.path().display())],
        );
    }

    #[test]
    fn no_input_makes_the_loader_panic_or_print_several_lines() {
        // Every prefix of a valid file, and every prefix with a stray quote appended, covers
        // cut-off keys, values, strings and table headers.
        let full = fs::read_to_string(repository_file("config/kiosk.example.toml")).expect("read");
        for (end, _) in full.char_indices() {
            for text in [full[..end].to_owned(), format!("{}\"\n", &full[..end])] {
                let result = from_toml_str_with(&text, Path::new("k.toml"), DeviceCheck::Skip);
                if let Err(error) = result {
                    let message = error.to_string();
                    assert!(!message.contains(['\n', '\r']), "{message}");
                    assert!(message.starts_with("k.toml"), "{message}");
                }
            }
        }
    }
}
