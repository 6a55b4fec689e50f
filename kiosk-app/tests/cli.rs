//! The `kiosk` command on bad input: each mistake is one clear line and a non-zero exit,
//! never a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Exit status for an unusable configuration (EX_CONFIG).
const EXIT_CONFIG: i32 = 78;

fn kiosk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(args)
        // No display: a command that would open a window must fail before it needs one.
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("JOURNAL_STREAM")
        .output()
        .expect("run the kiosk binary")
}

fn config_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../config")
        .join(name)
}

/// The error as a person sees it: the one line on stderr that starts with "kiosk:".
fn one_error_line(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("kiosk:"))
        .collect();
    assert_eq!(lines.len(), 1, "expected one error line, got: {stderr}");
    lines[0].to_owned()
}

#[test]
fn a_missing_config_file_is_named() {
    let output = kiosk(&["run", "--config", "/nonexistent/kiosk.toml"]);
    assert_eq!(output.status.code(), Some(EXIT_CONFIG));
    let line = one_error_line(&output);
    assert!(line.contains("/nonexistent/kiosk.toml"), "{line}");
    assert!(line.contains("cannot read"), "{line}");
}

#[test]
fn an_unreadable_config_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let output = kiosk(&["check-config", "--config", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(EXIT_CONFIG));
    assert!(one_error_line(&output).contains("cannot read"));
}

#[test]
fn an_unknown_key_is_named_with_what_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.toml");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/camera");
    let demo = std::fs::read_to_string(config_file("demo.toml"))
        .unwrap()
        .replace("../tests/fixtures/camera", fixtures.to_str().unwrap())
        .replace("[camera]", "[camera]\ncolour = \"red\"");
    std::fs::write(&path, demo).unwrap();
    let output = kiosk(&["demo", "--config", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(EXIT_CONFIG));
    let line = one_error_line(&output);
    assert!(line.contains("colour"), "{line}");
    assert!(line.contains("fps"), "the allowed keys are listed: {line}");
}

#[test]
fn a_device_path_that_does_not_exist_is_named() {
    let missing = "/dev/kiosk-test-no-such-camera";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.toml");
    let real = std::fs::read_to_string(config_file("kiosk.example.toml"))
        .unwrap()
        .replace("/dev/video0", missing);
    std::fs::write(&path, real).unwrap();
    let output = kiosk(&["run", "--config", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(EXIT_CONFIG));
    let line = one_error_line(&output);
    assert!(line.contains("camera.device"), "{line}");
    assert!(line.contains(missing), "{line}");
}

#[test]
fn check_config_accepts_both_example_files() {
    let demo = kiosk(&[
        "check-config",
        "--config",
        config_file("demo.toml").to_str().unwrap(),
    ]);
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    assert!(String::from_utf8_lossy(&demo.stdout).contains("DEMO"));
    let real = kiosk(&[
        "check-config",
        "--no-devices",
        "--config",
        config_file("kiosk.example.toml").to_str().unwrap(),
    ]);
    assert!(
        real.status.success(),
        "{}",
        String::from_utf8_lossy(&real.stderr)
    );
}

#[test]
fn help_lists_the_commands() {
    let output = kiosk(&["--help"]);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for command in ["run", "demo", "check-config"] {
        assert!(help.contains(command), "{help}");
    }
}
