//! The project's two commands, each self-sufficient on a fresh Debian 12 machine with Rust:
//!
//! - `cargo xtask setup`: installs every system package the other two need, at once.
//! - `cargo xtask demo [ARGS]`: runs the kiosk in demo mode on simulated devices (ARGS go to
//!   `kiosk demo`).
//! - `cargo xtask test [ARGS]`: runs every test of the workspace (ARGS go to `cargo test`).
//! - `cargo xtask bench-qr [--blackbox DIR]`: the kiosk's QR decoders beside zxing-cpp and zbar
//!   on ZXing's QR test images (see `bench_qr`).
//! - `cargo xtask screens`: renders every screen in both languages into `docs/screens/`, the
//!   gallery the screenshot test compares against.
//! - `cargo xtask bench-ui`: first-frame and transition times of the UI (see `bench_ui`).
//!
//! Each first installs the Debian packages it needs when they are missing: with apt-get
//! when run as root, otherwise it prints the exact command to run and stops. This crate
//! has no dependencies so that it builds before any system package is there.

use std::env;
use std::ffi::OsString;
use std::process::{Command, ExitCode, Stdio};

mod bench_qr;
mod bench_ui;
mod packages;

use packages::{BUILD, DEMO_RUNTIME, TEST, VIRTUAL_DISPLAY};

const USAGE: &str = "usage: cargo xtask <setup|demo|test|screens|bench-ui|bench-qr> [ARGS...]
  setup     install every system package the demo and the tests need
  demo      run the kiosk in demo mode on simulated devices (ARGS go to `kiosk demo`)
  test      run every test of the workspace (ARGS go to `cargo test`)
  screens   render every screen in Vietnamese and English into docs/screens (the gallery)
  bench-ui  time the UI's first frame and screen transitions on the software renderer
  bench-qr  [--blackbox DIR] compare the QR decoders with zxing-cpp and zbar on ZXing's
            QR test images (DIR defaults to $KIOSK_QR_BLACKBOX or /var/cache/kiosk-qr/zxing-blackbox)";

fn main() -> ExitCode {
    let mut args = env::args_os().skip(1);
    let command = args.next();
    let rest: Vec<OsString> = args.collect();
    let result = match command.as_ref().and_then(|command| command.to_str()) {
        Some("setup") => setup(),
        Some("demo") => demo(&rest),
        Some("test") => test(&rest),
        Some("bench-qr") => bench_qr::bench_qr(&rest),
        Some("bench-ui") => bench_ui::bench_ui(),
        Some("screens") => screens(),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn cargo() -> Command {
    Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn run(command: &mut Command) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|error| format!("cannot run {command:?}: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed: {status}"))
    }
}

fn setup() -> Result<(), String> {
    packages::ensure(&[BUILD, DEMO_RUNTIME, VIRTUAL_DISPLAY, TEST].concat())
}

fn test(args: &[OsString]) -> Result<(), String> {
    packages::ensure(BUILD)?;
    packages::ensure(TEST)?;
    run(cargo().args(["test", "--workspace", "--locked"]).args(args))?;
    // Tests that change /dev are ignored in ordinary runs; as root (CI runs as root) they
    // run too, so none of them is left out of CI.
    if packages::is_root() {
        run(cargo()
            .args(["test", "--workspace", "--locked"])
            .args(args)
            .args(["--", "--ignored"]))?;
    } else {
        eprintln!(
            "xtask: tests that need root (marked #[ignore]) were not run; run as root to include them"
        );
    }
    Ok(())
}

fn screens() -> Result<(), String> {
    packages::ensure(BUILD)?;
    run(cargo()
        .args([
            "test",
            "--locked",
            "--package",
            "kiosk-ui",
            "--test",
            "screens",
        ])
        .env("KIOSK_BLESS", "1"))?;
    eprintln!(
        "xtask: docs/screens/ written; review the pictures (docs/screens/README.md) before committing"
    );
    Ok(())
}

fn demo(args: &[OsString]) -> Result<(), String> {
    packages::ensure(BUILD)?;
    packages::ensure(DEMO_RUNTIME)?;
    // Build first, so the virtual display (if any) does not sit idle through a long build.
    run(cargo().args([
        "build",
        "--locked",
        "--package",
        "kiosk-app",
        "--bin",
        "kiosk",
    ]))?;
    let mut kiosk = cargo();
    kiosk
        .args([
            "run",
            "--quiet",
            "--locked",
            "--package",
            "kiosk-app",
            "--bin",
            "kiosk",
            "--",
            "demo",
        ])
        .args(args);
    let has_display = env::var_os("DISPLAY").is_some() || env::var_os("WAYLAND_DISPLAY").is_some();
    if has_display {
        return run(&mut kiosk);
    }
    // A machine without a desktop still runs the real window, on a virtual X display
    // that a VNC viewer or a screenshot tool can look at.
    packages::ensure(VIRTUAL_DISPLAY)?;
    let display = ":77";
    let mut xvfb = Command::new("Xvfb")
        .args([display, "-screen", "0", "2400x1200x24", "-nolisten", "tcp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|error| format!("cannot start Xvfb: {error}"))?;
    eprintln!(
        "xtask: no display found (DISPLAY and WAYLAND_DISPLAY unset); the kiosk runs on the \
         virtual display {display}. See it with `DISPLAY={display} import -window root shot.png` \
         or a VNC server such as x11vnc; stop it with Ctrl-C."
    );
    // Give Xvfb a moment to open its socket before the kiosk connects.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let result = run(kiosk.env("DISPLAY", display));
    let _ = xvfb.kill();
    let _ = xvfb.wait();
    result
}
