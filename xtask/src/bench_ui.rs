//! `cargo xtask bench-ui`: the touchscreen's speed on Slint's software renderer at
//! 1920x1080, on one core (`taskset -c 0`), in the release build the kiosk ships.
//!
//! - first frame: from spawning `ui_bench first-frame` to it printing `first-frame`, that is
//!   process start, window, fonts, translations, the welcome screen laid out and rendered
//!   (goal under 1 s). Device start-up is not in it: the app opens devices on their own
//!   threads after the window shows;
//! - transitions: each change of screen through the whole gallery, from setting the view
//!   to the end of the new screen's first full frame, and steady animation frames (goal
//!   under 16 ms, 60 fps).
//!
//! Results go to `target/bench-ui/results.json` as well as the terminal.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::packages::{self, BUILD};
use crate::{cargo, run};

const FIRST_FRAME_RUNS: usize = 15;
const TRANSITION_ROUNDS: &str = "10";

fn target_dir(workspace: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace.join("target"), PathBuf::from)
}

/// `taskset -c 0` when the machine has it, so the figures are for one core.
fn on_one_core(program: &Path) -> Command {
    let has_taskset = Command::new("taskset")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if has_taskset {
        let mut command = Command::new("taskset");
        command.args(["-c", "0"]).arg(program);
        command
    } else {
        eprintln!("xtask: taskset not found (util-linux); the figures are not pinned to one core");
        Command::new(program)
    }
}

pub fn bench_ui() -> Result<(), String> {
    packages::ensure(BUILD)?;
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("xtask is not inside the workspace")?;
    run(cargo().args([
        "build",
        "--release",
        "--locked",
        "--package",
        "kiosk-ui",
        "--example",
        "ui_bench",
    ]))?;
    let target = target_dir(workspace);
    let program = target.join("release/examples/ui_bench");

    let mut first_frames = Vec::with_capacity(FIRST_FRAME_RUNS);
    for _ in 0..FIRST_FRAME_RUNS {
        let started = Instant::now();
        let mut child = on_one_core(&program)
            .arg("first-frame")
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot run {}: {error}", program.display()))?;
        let stdout = child.stdout.take().ok_or("ui_bench has no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|error| format!("cannot read ui_bench: {error}"))?;
        let elapsed = started.elapsed().as_secs_f64() * 1000.0;
        let status = child.wait().map_err(|error| error.to_string())?;
        if line.trim() != "first-frame" || !status.success() {
            return Err(format!("ui_bench first-frame failed ({status}): {line:?}"));
        }
        first_frames.push(elapsed);
    }
    first_frames.sort_by(f64::total_cmp);
    let median = first_frames[first_frames.len() / 2];
    let worst = first_frames[first_frames.len() - 1];

    let output = on_one_core(&program)
        .args(["transitions", TRANSITION_ROUNDS])
        .output()
        .map_err(|error| format!("cannot run {}: {error}", program.display()))?;
    if !output.status.success() {
        return Err(format!(
            "ui_bench transitions failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let transitions = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let figure = |name: &str| field(&transitions, name).unwrap_or("?").to_owned();

    println!("UI on the software renderer, 1920x1080, one core, release build");
    println!(
        "  first frame of the welcome screen: median {median:.0} ms, worst {worst:.0} ms of {FIRST_FRAME_RUNS} starts (goal < 1000 ms)"
    );
    println!(
        "  screen transition frame: median {} ms, p95 {} ms, worst {} ms ({}) over {} (goal < 16 ms)",
        figure("transition_median_ms"),
        figure("transition_p95_ms"),
        figure("transition_max_ms"),
        figure("slowest_screen"),
        figure("transitions"),
    );
    println!(
        "  animation frame: median {} ms, worst {} ms over {} frames (goal < 16 ms)",
        figure("animation_median_ms"),
        figure("animation_max_ms"),
        figure("animation_frames"),
    );
    println!(
        "  frames with nothing to draw (not full renders): {}",
        figure("frames_not_drawn")
    );

    let results = format!(
        "{{\"first_frame_ms\": {{\"median\": {median:.1}, \"worst\": {worst:.1}, \"runs\": {FIRST_FRAME_RUNS}}}, \"frames\": {transitions}}}"
    );
    let folder = target.join("bench-ui");
    std::fs::create_dir_all(&folder).map_err(|error| error.to_string())?;
    let path = folder.join("results.json");
    std::fs::write(&path, results + "\n").map_err(|error| error.to_string())?;
    println!("  written to {}", path.display());
    Ok(())
}

/// The value of `"name": value` in the flat JSON object `ui_bench` prints. xtask has no
/// dependencies (it must build before any package is installed), so no JSON crate; the
/// object is ours, one level, numbers and plain strings only.
fn field<'a>(json: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("\"{name}\":");
    let rest = json[json.find(&key)? + key.len()..].trim_start();
    let end = rest.find([',', '}'])?;
    Some(rest[..end].trim().trim_matches('"'))
}
