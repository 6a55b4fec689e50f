//! The Debian packages each command needs, and installing the missing ones.

use std::process::{Command, Stdio};

/// To build the workspace: Slint's text layout links fontconfig, and the PC/SC card
/// reader (pcsc-sys) links libpcsclite, both found through pkg-config.
pub const BUILD: &[&str] = &["gcc", "pkg-config", "libfontconfig1-dev", "libpcsclite-dev"];

/// To run the tests: the whole-appliance tests start a real PC/SC daemon and put virtual
/// cards into vsmartcard's virtual reader (vpcd).
pub const TEST: &[&str] = &["pcscd", "vsmartcard-vpcd"];

/// To open the kiosk window: the X11 libraries winit loads at run time, and fontconfig's
/// configuration (the screens embed their own Noto Sans, so no font package is needed).
pub const DEMO_RUNTIME: &[&str] = &[
    "libx11-6",
    "libx11-xcb1",
    "libxcursor1",
    "libxi6",
    "libxrandr2",
    "libxkbcommon-x11-0",
    "fontconfig",
];

/// A display for machines without one.
pub const VIRTUAL_DISPLAY: &[&str] = &["xvfb"];

fn is_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["--show", "--showformat=${Status}", package])
        .stderr(Stdio::null())
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Installs whichever of `packages` are missing, or says exactly how to.
pub fn ensure(packages: &[&str]) -> Result<(), String> {
    if Command::new("dpkg-query")
        .arg("--version")
        .output()
        .is_err()
    {
        return Err(format!(
            "this is not a Debian-like system (no dpkg-query); install the equivalents of: {}",
            packages.join(" ")
        ));
    }
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|package| !is_installed(package))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let install = format!(
        "apt-get update && apt-get install -y --no-install-recommends {}",
        missing.join(" ")
    );
    if !is_root() {
        return Err(format!(
            "missing system packages: {}. Run as root, or first: sudo sh -c '{install}'",
            missing.join(" ")
        ));
    }
    eprintln!("xtask: installing {}", missing.join(" "));
    let status = Command::new("sh")
        .args(["-c", &install])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .map_err(|error| format!("cannot run apt-get: {error}"))?;
    if !status.success() {
        return Err(format!("`{install}` failed: {status}"));
    }
    let still_missing: Vec<&str> = missing
        .into_iter()
        .filter(|package| !is_installed(package))
        .collect();
    if still_missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "apt-get finished but these are still missing: {}",
            still_missing.join(" ")
        ))
    }
}
