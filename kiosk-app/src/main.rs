//! `kiosk`: the command that runs the kiosk appliance.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kiosk_app::config::{self, Config, DeviceCheck};
use kiosk_app::{app, demo, logging};

/// Self-service kiosk for one-stop public-service counters and hospitals.
#[derive(Debug, Parser)]
#[command(name = "kiosk", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the kiosk with the devices and back ends its configuration names.
    Run {
        /// The configuration file.
        #[arg(long, default_value = config::DEFAULT_CONFIG_PATH)]
        config: PathBuf,
    },
    /// Run the kiosk on simulated devices, with a demo control panel beside the screen.
    Demo {
        /// A configuration file to use instead of the built-in demo configuration.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Where the demo keeps its camera pictures and printed receipts.
        #[arg(long, default_value_os_t = std::env::temp_dir().join("kiosk-demo"))]
        data_dir: PathBuf,
    },
    /// Check a configuration file and print what it configures.
    CheckConfig {
        /// The configuration file.
        #[arg(long, default_value = config::DEFAULT_CONFIG_PATH)]
        config: PathBuf,
        /// Do not require device files to exist (to check a file for another machine).
        #[arg(long)]
        no_devices: bool,
    },
}

/// Exit status for a configuration that cannot be used (EX_CONFIG of sysexits.h), so
/// systemd and scripts can tell it from a crash.
const EXIT_CONFIG: u8 = 78;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(error) = logging::init(logging::LogOutput::Auto) {
        eprintln!("kiosk: warning: logging not set up: {error}");
    }
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Config(error)) => {
            eprintln!("kiosk: {error}");
            ExitCode::from(EXIT_CONFIG)
        }
        Err(Failure::Other(error)) => {
            // One line: the chain of causes joined, for the journal and for a person.
            eprintln!("kiosk: {error:#}");
            ExitCode::FAILURE
        }
    }
}

enum Failure {
    Config(config::ConfigError),
    Other(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(error: E) -> Self {
        Failure::Other(error.into())
    }
}

fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Run { config } => {
            let config = config::load(&config).map_err(Failure::Config)?;
            app::run_with_window(&config, None)?;
        }
        Command::Demo { config, data_dir } => {
            let mut config = match config {
                Some(path) => config::load(&path).map_err(Failure::Config)?,
                None => demo_config(&data_dir)?,
            };
            let cards_dir = data_dir.join("sample-cards");
            let cards = demo::write_demo_cards(&cards_dir).map_err(|error| {
                anyhow::anyhow!(
                    "cannot write the demo's sample cards to {}: {error}",
                    cards_dir.display()
                )
            })?;
            // The demo's cards are signed by a test authority made for them; a demo
            // configuration without a trust store of its own trusts that one.
            if config.identity.trust_store.is_none() {
                config.identity.trust_store = Some(cards.trust_dir.clone());
            }
            app::run_with_window(&config, Some(cards))?;
        }
        Command::CheckConfig { config, no_devices } => {
            let check = if no_devices {
                DeviceCheck::Skip
            } else {
                DeviceCheck::Require
            };
            let loaded = config::load_with(&config, check).map_err(Failure::Config)?;
            println!(
                "{}: ok: kiosk {} in {} mode{}",
                config.display(),
                loaded.kiosk_id,
                loaded.mode.as_str(),
                if loaded.demo { ", DEMO" } else { "" }
            );
        }
    }
    Ok(())
}

/// The built-in demo configuration, with its data folder prepared.
fn demo_config(data_dir: &std::path::Path) -> anyhow::Result<Config> {
    let config = Config::demo_default(data_dir);
    demo::write_demo_camera_frames(&data_dir.join("camera")).map_err(|error| {
        anyhow::anyhow!(
            "cannot prepare the demo folder {}: {error}",
            data_dir.display()
        )
    })?;
    Ok(config)
}
