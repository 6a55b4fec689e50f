//! Checks serde cannot express: ranges, the kiosk id, URLs and that named devices exist.

use std::fs;
use std::io;
use std::ops::RangeInclusive;
use std::path::Path;

use super::error::{Problem, one_of};
use super::{
    CameraConfig, CardReaderConfig, Config, DeviceCheck, Mode, PAPER_WIDTHS_MM, PrinterConfig,
    SERIAL_BAUD_RATES,
};

const IDLE_TIMEOUT_SECS: RangeInclusive<u32> = 15..=600;
const REQUEST_TIMEOUT_SECS: RangeInclusive<u32> = 1..=120;
const V4L2_FRAME_SIDE: RangeInclusive<u32> = 1..=8192;
const V4L2_FPS: RangeInclusive<u32> = 1..=120;
const MAX_REPLAY_FPS: f32 = 120.0;
const STATUS_TIMEOUT_MS: RangeInclusive<u32> = 50..=10_000;
const WRITE_TIMEOUT_MS: RangeInclusive<u32> = 100..=60_000;
const MAX_KIOSK_ID_LEN: usize = 64;

pub(super) fn validate(config: &Config, devices: DeviceCheck) -> Result<(), Problem> {
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
            name,
            format: _,
            width,
            height,
            fps,
        } => {
            check_camera_choice(device.as_deref(), name.as_deref(), devices)?;
            check_range(["camera", "width"], *width, V4L2_FRAME_SIDE)?;
            check_range(["camera", "height"], *height, V4L2_FRAME_SIDE)?;
            check_range(["camera", "fps"], *fps, V4L2_FPS)?;
        }
    }

    if !PAPER_WIDTHS_MM.contains(&config.printer.paper_width_mm()) {
        return Err(Problem::value(
            ["printer", "paper_width_mm"],
            format!("expected {}", one_of(&PAPER_WIDTHS_MM)),
        ));
    }
    match &config.printer {
        PrinterConfig::File { path, .. } => {
            if devices == DeviceCheck::Require {
                check_receipt_file(path)?;
            }
        }
        PrinterConfig::Serial {
            device,
            baud,
            status_timeout_ms,
            write_timeout_ms,
            ..
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
            check_range(
                ["printer", "status_timeout_ms"],
                *status_timeout_ms,
                STATUS_TIMEOUT_MS,
            )?;
            check_range(
                ["printer", "write_timeout_ms"],
                *write_timeout_ms,
                WRITE_TIMEOUT_MS,
            )?;
            if devices == DeviceCheck::Require {
                check_exists(["printer", "device"], device, PathKind::Device)?;
            }
        }
    }

    if let Some(trust_store) = &config.identity.trust_store
        && devices == DeviceCheck::Require
    {
        check_exists(["identity", "trust_store"], trust_store, PathKind::AnyFile)?;
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

/// A V4L2 camera is named by its device node or by part of its name: exactly one. Only the
/// node can be checked here; a name is matched against the cameras when the kiosk starts.
fn check_camera_choice(
    device: Option<&Path>,
    name: Option<&str>,
    devices: DeviceCheck,
) -> Result<(), Problem> {
    match (device, name) {
        (Some(_), Some(_)) => Err(Problem::value(
            ["camera", "name"],
            "given together with device; expected either device or name, not both",
        )),
        (None, None) => Err(Problem::value(
            ["camera", "device"],
            "missing, required for backend = \"v4l2\" unless name is given; \
             expected a device node such as \"/dev/video0\"",
        )),
        (None, Some(name)) if name.trim().is_empty() => Err(Problem::value(
            ["camera", "name"],
            "must not be empty; expected part of the camera's name as v4l2-ctl --list-devices shows it",
        )),
        (Some(device), None) if devices == DeviceCheck::Require => {
            check_exists(["camera", "device"], device, PathKind::Device)
        }
        _ => Ok(()),
    }
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
pub(super) fn check_url(url: &str) -> Result<(), &'static str> {
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
