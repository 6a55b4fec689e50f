//! Logging: readable lines on a terminal, structured entries in the journal on the appliance,
//! and no citizen's personal data in either.
//!
//! The rule for personal data is [`kiosk_identity::pii`]'s: never log an ID number, a name, a
//! date of birth, an address or a portrait; log `log_fingerprint(id)` and keep personal fields
//! in `Sensitive`. This module adds a safety net for mistakes: [`ScrubPersonalData`] wraps the
//! output layer and passes every field of every event and span through
//! [`scrub_personal_data`], which blanks anything shaped like an ID number or a date. It
//! cannot recognise a name or an address, so the rule still matters.
//!
//! The filter comes from the `KIOSK_LOG` environment variable in `RUST_LOG` syntax, e.g.
//! `KIOSK_LOG=info,kiosk_app::outbox=debug`; the default is `info`.

mod layer;
mod scrub;
#[cfg(test)]
mod tests;

use std::env;
use std::io::IsTerminal;

use tracing::Subscriber;
use tracing_subscriber::filter::{EnvFilter, LevelFilter};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::{SubscriberInitExt, TryInitError};

pub use layer::ScrubPersonalData;
pub use scrub::scrub_personal_data;

/// The environment variable holding the log filter.
pub const FILTER_ENV: &str = "KIOSK_LOG";

/// The filter used when [`FILTER_ENV`] is unset or unusable.
pub const DEFAULT_FILTER: &str = "info";

/// What [`scrub_personal_data`] puts in place of an ID number or a date.
pub const REDACTED: &str = "[redacted]";

/// Where log lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogOutput {
    /// The journal when systemd started the program (it sets `JOURNAL_STREAM`), otherwise
    /// standard error.
    Auto,
    /// Standard error, readable lines; coloured when it is a terminal.
    Stderr,
    /// The journal, one structured entry per event, with the level as the entry's priority;
    /// standard error if the journal's socket cannot be reached.
    Journald,
}

/// Installs the process-wide logger. Call once, first thing in `main`:
///
/// ```no_run
/// kiosk_app::logging::init(kiosk_app::logging::LogOutput::Auto)?;
/// # Ok::<(), tracing_subscriber::util::TryInitError>(())
/// ```
///
/// Problems that do not stop logging (an unusable `KIOSK_LOG`, an unreachable journal) are
/// logged as warnings through the installed logger. Fails only if a logger is already
/// installed.
pub fn init(output: LogOutput) -> Result<(), TryInitError> {
    let configured = env::var(FILTER_ENV).ok();
    let (filter, filter_problem) = filter_from(configured.as_deref());
    let wants_journal = match output {
        LogOutput::Auto => env::var_os("JOURNAL_STREAM").is_some(),
        LogOutput::Stderr => false,
        LogOutput::Journald => true,
    };

    let mut journal_problem = None;
    if wants_journal {
        match tracing_journald::layer() {
            Ok(journal) => {
                tracing_subscriber::registry()
                    .with(filter)
                    .with(ScrubPersonalData::new(journal))
                    .try_init()?;
                warn_about(filter_problem, None);
                return Ok(());
            }
            Err(error) => journal_problem = Some(error),
        }
    }
    let ansi = std::io::stderr().is_terminal();
    text_subscriber(filter, std::io::stderr, ansi).try_init()?;
    warn_about(filter_problem, journal_problem);
    Ok(())
}

fn warn_about(filter_problem: Option<String>, journal_problem: Option<std::io::Error>) {
    if let Some(problem) = filter_problem {
        tracing::warn!("{FILTER_ENV} ignored, logging at {DEFAULT_FILTER}: {problem}");
    }
    if let Some(error) = journal_problem {
        tracing::warn!("journald unreachable, logging to standard error instead: {error}");
    }
}

/// The filter for `directives` (the value of [`FILTER_ENV`], if set), and why it could not be
/// used if it could not: a typo in the variable must not keep the kiosk from starting.
fn filter_from(directives: Option<&str>) -> (EnvFilter, Option<String>) {
    let default = || EnvFilter::new(DEFAULT_FILTER);
    match directives.map(str::trim) {
        None | Some("") => (default(), None),
        Some(directives) => match EnvFilter::builder()
            .with_default_directive(LevelFilter::INFO.into())
            .parse(directives)
        {
            Ok(filter) => (filter, None),
            Err(error) => (default(), Some(format!("{directives:?}: {error}"))),
        },
    }
}

/// The subscriber [`init`] installs for standard error: readable lines, personal data
/// scrubbed, written to `make_writer`. Tests pass a buffer here to see exactly what a
/// terminal would.
pub fn text_subscriber<W>(
    filter: EnvFilter,
    make_writer: W,
    ansi: bool,
) -> impl Subscriber + Send + Sync + 'static
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let lines = tracing_subscriber::fmt::layer()
        .with_writer(make_writer)
        .with_ansi(ansi);
    tracing_subscriber::registry()
        .with(filter)
        .with(ScrubPersonalData::new(lines))
}
