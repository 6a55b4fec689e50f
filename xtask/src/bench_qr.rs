//! `cargo xtask bench-qr [--blackbox DIR]`: the kiosk's QR decoders beside zxing-cpp and zbar
//! on ZXing's public QR test images, in one run on one thread each.
//!
//! The images stay out of this repository (14 MB, contributed to ZXing with no licence of
//! their own stated), so the command reads them from a folder, checks it against the
//! committed manifest of SHA-256 digests and, when they are missing, says how to get them. The Rust side is `qr/examples/blackbox.rs`;
//! zxing-cpp and zbar run through `tools/qr-bench/external.py` in a virtual environment built
//! from pinned, hash-checked wheels; `tools/qr-bench/summary.py` prints the table and writes
//! `target/bench-qr/results.json`. See tools/qr-bench/README.md.

use std::collections::BTreeSet;
use std::env;
use std::ffi::OsString;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::packages::{self, BENCH, BUILD};
use crate::{cargo, run};

/// The commit of zxing/zxing the manifest was made from.
const ZXING_COMMIT: &str = "7f129804e396958ae762da288da5df330d142da0";
const ZXING_FOLDER: &str = "core/src/test/resources/blackbox";
const FOLDERS: [&str; 6] = [
    "qrcode-1", "qrcode-2", "qrcode-3", "qrcode-4", "qrcode-5", "qrcode-6",
];
const CORPUS_VARIABLE: &str = "KIOSK_QR_BLACKBOX";
const DEFAULT_CORPUS: &str = "/var/cache/kiosk-qr/zxing-blackbox";
/// Outside the repository, kept between runs: building it downloads some 25 MB of wheels.
const VENV_VARIABLE: &str = "KIOSK_QR_VENV";
const DEFAULT_VENV: &str = "/var/cache/kiosk-qr/python-venv";
/// Inside the virtual environment: the requirements it was built from, to rebuild it when
/// they change.
const VENV_STAMP: &str = "kiosk-qr-requirements.txt";

pub fn bench_qr(args: &[OsString]) -> Result<(), String> {
    let corpus = corpus_dir(args)?;
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("xtask is not inside the workspace")?;
    let tools = workspace.join("tools/qr-bench");
    packages::ensure(BUILD)?;
    // The synthetic card photos first: they need nothing from outside the repository.
    eprintln!("xtask: synthetic CCCD photos (qr/examples/synthetic.rs)");
    run(cargo()
        .args(["run", "--release", "--locked", "--package", "kiosk-qr"])
        .args(["--example", "synthetic", "--", "300"]))?;
    check_corpus(&corpus, &tools.join("zxing-blackbox.sha256"))?;
    packages::ensure(BENCH)?;
    let python = python_env(&tools.join("requirements.txt"))?;

    let out = workspace.join("target/bench-qr");
    fs::create_dir_all(&out)
        .map_err(|error| format!("cannot create {}: {error}", out.display()))?;
    let ours = out.join("kiosk-qr.jsonl");
    let theirs = out.join("external.jsonl");
    // One after the other, never together: each measures one thread on a 2-core machine.
    eprintln!("xtask: the kiosk's decoders (qr/examples/blackbox.rs)");
    run_into(
        cargo()
            .args(["run", "--release", "--locked", "--package", "kiosk-qr"])
            .args(["--example", "blackbox", "--"])
            .arg(&corpus),
        &ours,
    )?;
    eprintln!("xtask: zxing-cpp and zbar (tools/qr-bench/external.py)");
    run_into(
        Command::new(&python)
            .arg(tools.join("external.py"))
            .arg(&corpus),
        &theirs,
    )?;
    let results = out.join("results.json");
    run(Command::new(&python)
        .arg(tools.join("summary.py"))
        .arg("--json")
        .arg(&results)
        .arg(&ours)
        .arg(&theirs))?;
    eprintln!("xtask: every measurement in {}", results.display());
    Ok(())
}

fn corpus_dir(args: &[OsString]) -> Result<PathBuf, String> {
    let usage = "usage: cargo xtask bench-qr [--blackbox DIR]";
    match args {
        [] => Ok(env::var_os(CORPUS_VARIABLE)
            .map_or_else(|| PathBuf::from(DEFAULT_CORPUS), PathBuf::from)),
        [flag, dir] if flag == "--blackbox" => Ok(PathBuf::from(dir)),
        [flag] => match flag
            .to_str()
            .and_then(|flag| flag.strip_prefix("--blackbox="))
        {
            Some(dir) => Ok(PathBuf::from(dir)),
            None => Err(usage.to_owned()),
        },
        _ => Err(usage.to_owned()),
    }
}

/// Exactly the manifest's files, with the manifest's digests: a folder with an image more or
/// less would give figures that cannot be set beside another run's.
fn check_corpus(corpus: &Path, manifest: &Path) -> Result<(), String> {
    let missing_folder = FOLDERS.iter().find(|folder| !corpus.join(folder).is_dir());
    if let Some(folder) = missing_folder {
        return Err(how_to_get(
            corpus,
            &format!("{} has no folder {folder}", corpus.display()),
        ));
    }
    let listed = fs::read_to_string(manifest)
        .map_err(|error| format!("cannot read {}: {error}", manifest.display()))?;
    let expected: BTreeSet<&str> = listed
        .lines()
        .filter_map(|line| line.split_once("  ").map(|(_, file)| file))
        .collect();
    let mut present = BTreeSet::new();
    for folder in FOLDERS {
        let dir = corpus.join(folder);
        let entries = fs::read_dir(&dir)
            .map_err(|error| format!("cannot list {}: {error}", dir.display()))?;
        for entry in entries {
            let name = entry
                .map_err(|error| format!("cannot list {}: {error}", dir.display()))?
                .file_name();
            present.insert(format!("{folder}/{}", name.to_string_lossy()));
        }
    }
    let absent: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|file| !present.contains(*file))
        .collect();
    let extra: Vec<&str> = present
        .iter()
        .map(String::as_str)
        .filter(|file| !expected.contains(file))
        .collect();
    if !absent.is_empty() || !extra.is_empty() {
        return Err(how_to_get(
            corpus,
            &format!(
                "{} differs from {}: missing [{}], not in the manifest [{}]",
                corpus.display(),
                manifest.display(),
                absent.join(", "),
                extra.join(", ")
            ),
        ));
    }
    // coreutils' sha256sum reads the manifest's own format, and xtask stays free of crates.
    let check = Command::new("sha256sum")
        .args(["--check", "--quiet", "--strict"])
        .arg(manifest)
        .current_dir(corpus)
        .output()
        .map_err(|error| format!("cannot run sha256sum: {error}"))?;
    if !check.status.success() {
        return Err(how_to_get(
            corpus,
            &format!(
                "files in {} differ from {}:\n{}{}",
                corpus.display(),
                manifest.display(),
                String::from_utf8_lossy(&check.stdout),
                String::from_utf8_lossy(&check.stderr)
            ),
        ));
    }
    Ok(())
}

fn how_to_get(corpus: &Path, problem: &str) -> String {
    let dir = corpus.display();
    format!(
        "{problem}\n\
         The benchmark reads ZXing's QR test images, which this repository does not carry (no \
         licence of their own is stated). Get them once, from zxing/zxing at commit {ZXING_COMMIT}, \
         folders {ZXING_FOLDER}/qrcode-1 to qrcode-6:\n\
         \x20   git clone https://github.com/zxing/zxing /tmp/zxing\n\
         \x20   git -C /tmp/zxing checkout {ZXING_COMMIT}\n\
         \x20   mkdir -p '{dir}'\n\
         \x20   cp -r /tmp/zxing/{ZXING_FOLDER}/qrcode-[1-6] '{dir}/'\n\
         then run `cargo xtask bench-qr` again; `--blackbox DIR` or {CORPUS_VARIABLE}=DIR reads \
         them from elsewhere (default {DEFAULT_CORPUS})."
    )
}

/// A virtual environment with exactly the pinned wheels, made again when the requirements
/// change; its Python.
fn python_env(requirements: &Path) -> Result<PathBuf, String> {
    let venv =
        env::var_os(VENV_VARIABLE).map_or_else(|| PathBuf::from(DEFAULT_VENV), PathBuf::from);
    let python = venv.join("bin/python");
    let wanted = fs::read_to_string(requirements)
        .map_err(|error| format!("cannot read {}: {error}", requirements.display()))?;
    let stamp = venv.join(VENV_STAMP);
    if python.exists() && fs::read_to_string(&stamp).is_ok_and(|built| built == wanted) {
        return Ok(python);
    }
    eprintln!("xtask: building the Python environment {}", venv.display());
    // Only ever a folder this command made: a virtual environment has pyvenv.cfg.
    if venv.join("pyvenv.cfg").exists() {
        fs::remove_dir_all(&venv)
            .map_err(|error| format!("cannot remove {}: {error}", venv.display()))?;
    }
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv)).map_err(|error| {
        format!("{error}\n(set {VENV_VARIABLE} to a writable folder to put it elsewhere)")
    })?;
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(["--require-hashes", "--only-binary=:all:", "--no-deps", "-r"])
        .arg(requirements))
    .map_err(|error| {
        format!("{error}\n(the wheels are pinned for CPython 3.11 on x86-64 Linux)")
    })?;
    fs::write(&stamp, wanted)
        .map_err(|error| format!("cannot write {}: {error}", stamp.display()))?;
    Ok(python)
}

/// Runs `command` with its standard output into `path`.
fn run_into(command: &mut Command, path: &Path) -> Result<(), String> {
    let file =
        File::create(path).map_err(|error| format!("cannot create {}: {error}", path.display()))?;
    run(command.stdout(file))
}
