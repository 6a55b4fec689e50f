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

use std::borrow::Cow;
use std::env;
use std::error::Error as StdError;
use std::fmt;
use std::io::IsTerminal;

use kiosk_identity::pii::FINGERPRINT_PREFIX;
use tracing::field::{DisplayValue, Field, Value, Visit, display};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Metadata, Subscriber};
use tracing_subscriber::filter::{EnvFilter, LevelFilter};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::{SubscriberInitExt, TryInitError};

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

/// Replaces, in `line`, every run of exactly 12 digits (a CCCD number) or 9 digits (an old
/// ID number), and every date written `dd/mm/yyyy` (also with `-` or `.`), `yyyy-mm-dd`
/// (also with `/`), or `ddmmyyyy` as 8 digits standing alone, with `[redacted]`.
///
/// A log fingerprint (`id#` and 16 hex digits, from `log_fingerprint`) is left alone: it is
/// safe by construction, and its hex digits may by chance contain a run of nine digits.
///
/// Written as a small scanner over digit runs rather than with regular expressions: the
/// patterns are three and simple, and a regex dependency (with its build time on a 2-core CI
/// machine) would buy nothing here. The bare 8-digit form must also be a plausible date
/// (day 1–31, month 1–12, year 1900–2099); without that check every 8-digit count or
/// identifier in the logs would be blanked.
pub fn scrub_personal_data(line: &str) -> Cow<'_, str> {
    let bytes = line.as_bytes();
    let mut scrubbed: Option<String> = None;
    let mut kept_up_to = 0;
    let mut at = 0;
    while at < bytes.len() {
        if let Some(end) = fingerprint_end(bytes, at) {
            at = end;
            continue;
        }
        if !bytes[at].is_ascii_digit() {
            at += 1;
            continue;
        }
        let run_end = digit_run_end(bytes, at);
        match personal_datum_end(bytes, at, run_end) {
            Some(end) => {
                // `at` and `end` border ASCII digits, so both are char boundaries.
                let out = scrubbed.get_or_insert_with(|| String::with_capacity(line.len()));
                out.push_str(&line[kept_up_to..at]);
                out.push_str(REDACTED);
                kept_up_to = end;
                at = end;
            }
            None => at = run_end,
        }
    }
    match scrubbed {
        None => Cow::Borrowed(line),
        Some(mut out) => {
            out.push_str(&line[kept_up_to..]);
            Cow::Owned(out)
        }
    }
}

/// The end of a `log_fingerprint` tag starting at `at`, if one does.
fn fingerprint_end(bytes: &[u8], at: usize) -> Option<usize> {
    const HEX_DIGITS: usize = 16;
    let prefix = FINGERPRINT_PREFIX.as_bytes();
    let hex_start = at + prefix.len();
    let end = hex_start + HEX_DIGITS;
    let is_tag = bytes.get(at..hex_start)? == prefix
        && bytes
            .get(hex_start..end)?
            .iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
        && !bytes.get(end).is_some_and(u8::is_ascii_alphanumeric);
    is_tag.then_some(end)
}

fn digit_run_end(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|b| !b.is_ascii_digit())
        .map_or(bytes.len(), |len| start + len)
}

/// If the digit run `start..run_end` begins an ID number or a date, where that datum ends.
fn personal_datum_end(bytes: &[u8], start: usize, run_end: usize) -> Option<usize> {
    if let Some(end) = separated_date_end(bytes, start, run_end) {
        return Some(end);
    }
    let run = &bytes[start..run_end];
    match run.len() {
        12 | 9 => Some(run_end),
        8 if is_plausible_date(
            number(&run[0..2]),
            number(&run[2..4]),
            Some(number(&run[4..8])),
        ) =>
        {
            Some(run_end)
        }
        _ => None,
    }
}

/// `d/m/yyyy`, `dd.mm.yyyy`, `dd-mm-yyyy` or `yyyy-mm-dd`, `yyyy/mm/dd`, starting with the
/// digit run `start..run_end`; the same separator on both sides.
fn separated_date_end(bytes: &[u8], start: usize, run_end: usize) -> Option<usize> {
    let separator = *bytes.get(run_end)?;
    let second_start = run_end + 1;
    let second_end = digit_run_end(bytes, second_start);
    if *bytes.get(second_end)? != separator {
        return None;
    }
    let third_start = second_end + 1;
    let third_end = digit_run_end(bytes, third_start);

    let first = &bytes[start..run_end];
    let second = &bytes[second_start..second_end];
    let third = &bytes[third_start..third_end];
    let short = |part: &[u8]| (1..=2).contains(&part.len());
    let day_first = matches!(separator, b'/' | b'-' | b'.')
        && short(first)
        && short(second)
        && third.len() == 4
        && is_plausible_date(number(first), number(second), None);
    let year_first = matches!(separator, b'-' | b'/')
        && first.len() == 4
        && short(second)
        && short(third)
        && is_plausible_date(number(third), number(second), None);
    (day_first || year_first).then_some(third_end)
}

fn is_plausible_date(day: u32, month: u32, year: Option<u32>) -> bool {
    (1..=31).contains(&day)
        && (1..=12).contains(&month)
        && year.is_none_or(|year| (1900..=2099).contains(&year))
}

/// The value of a short run of ASCII digits (at most 4 here, so no overflow).
fn number(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0, |value, digit| value * 10 + u32::from(digit - b'0'))
}

// ---------------------------------------------------------------------------------------------
// The layer

/// Wraps an output layer so that every field of every event and span reaches it scrubbed by
/// [`scrub_personal_data`]. Scrubbing the fields rather than the finished line leaves the
/// output's own timestamp, level and target alone (a timestamp's `yyyy-mm-dd` is no one's
/// birthday) and works the same for the terminal and the journal, whose layer writes no lines.
///
/// Strings stay strings and numbers stay numbers unless a number looks like an ID; `Debug`
/// and error values are formatted, scrubbed, and passed on as text.
pub struct ScrubPersonalData<L> {
    inner: L,
}

impl<L> ScrubPersonalData<L> {
    /// Scrubs what reaches `inner`.
    pub fn new(inner: L) -> Self {
        Self { inner }
    }
}

impl<S, L> Layer<S> for ScrubPersonalData<L>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    L: Layer<S>,
{
    fn on_register_dispatch(&self, subscriber: &Dispatch) {
        self.inner.on_register_dispatch(subscriber);
    }

    fn on_layer(&mut self, subscriber: &mut S) {
        self.inner.on_layer(subscriber);
    }

    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        self.inner.register_callsite(metadata)
    }

    fn enabled(&self, metadata: &Metadata<'_>, ctx: Context<'_, S>) -> bool {
        self.inner.enabled(metadata, ctx)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        self.inner.max_level_hint()
    }

    fn event_enabled(&self, event: &Event<'_>, ctx: Context<'_, S>) -> bool {
        self.inner.event_enabled(event, ctx)
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let metadata = attrs.metadata();
        let fields = ScrubbedFields::recorded(metadata, |visitor| attrs.record(visitor));
        let values = fields.values();
        let value_set = metadata.fields().value_set_all(&values);
        let scrubbed = match attrs.parent() {
            Some(parent) => Attributes::child_of(parent.clone(), metadata, &value_set),
            None if attrs.is_root() => Attributes::new_root(metadata, &value_set),
            None => Attributes::new(metadata, &value_set),
        };
        self.inner.on_new_span(&scrubbed, id, ctx);
    }

    fn on_record(&self, span: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        // Without the span's metadata the values cannot be rebuilt; dropping them loses a
        // log detail, passing them on unscrubbed could leak.
        let Some(metadata) = ctx.metadata(span) else {
            return;
        };
        let fields = ScrubbedFields::recorded(metadata, |visitor| values.record(visitor));
        let scrubbed_values = fields.values();
        let value_set = metadata.fields().value_set_all(&scrubbed_values);
        self.inner.on_record(span, &Record::new(&value_set), ctx);
    }

    fn on_follows_from(&self, span: &Id, follows: &Id, ctx: Context<'_, S>) {
        self.inner.on_follows_from(span, follows, ctx);
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let metadata = event.metadata();
        let fields = ScrubbedFields::recorded(metadata, |visitor| event.record(visitor));
        let values = fields.values();
        let value_set = metadata.fields().value_set_all(&values);
        let scrubbed = if event.is_contextual() {
            Event::new(metadata, &value_set)
        } else {
            Event::new_child_of(event.parent().cloned(), metadata, &value_set)
        };
        self.inner.on_event(&scrubbed, ctx);
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        self.inner.on_enter(id, ctx);
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        self.inner.on_exit(id, ctx);
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        self.inner.on_close(id, ctx);
    }

    fn on_id_change(&self, old: &Id, new: &Id, ctx: Context<'_, S>) {
        self.inner.on_id_change(old, new, ctx);
    }
}

/// A field's value after scrubbing, kept in a form the output formats as it would have
/// formatted the original.
enum ScrubbedValue {
    Bool(bool),
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
    F64(f64),
    /// A string field: printed quoted by the terminal output, as the original was.
    Str(String),
    /// A `Debug`, `Display` or error value, already formatted: printed as it stands.
    Text(DisplayValue<String>),
    Bytes(Box<[u8]>),
}

impl ScrubbedValue {
    fn as_value(&self) -> &dyn Value {
        match self {
            ScrubbedValue::Bool(value) => value,
            ScrubbedValue::I64(value) => value,
            ScrubbedValue::U64(value) => value,
            ScrubbedValue::I128(value) => value,
            ScrubbedValue::U128(value) => value,
            ScrubbedValue::F64(value) => value,
            ScrubbedValue::Str(value) => value,
            ScrubbedValue::Text(value) => value,
            ScrubbedValue::Bytes(value) => value,
        }
    }

    fn text(text: &str) -> Self {
        ScrubbedValue::Text(display(scrub_personal_data(text).into_owned()))
    }

    /// A number stays a number unless its digits look like an ID or a date.
    fn number(value: impl fmt::Display, keep: ScrubbedValue) -> Self {
        let digits = value.to_string();
        match scrub_personal_data(&digits) {
            Cow::Borrowed(_) => keep,
            Cow::Owned(scrubbed) => ScrubbedValue::Text(display(scrubbed)),
        }
    }
}

/// The scrubbed values of one event or span, in the order of its callsite's fields.
struct ScrubbedFields {
    values: Vec<Option<ScrubbedValue>>,
}

impl ScrubbedFields {
    fn recorded(metadata: &Metadata<'_>, record: impl FnOnce(&mut dyn Visit)) -> Self {
        let mut fields = ScrubbedFields {
            values: (0..metadata.fields().len()).map(|_| None).collect(),
        };
        record(&mut fields);
        fields
    }

    /// The values in the shape `FieldSet::value_set_all` takes: one per field, `None` for a
    /// field without a value.
    fn values(&self) -> Vec<Option<&dyn Value>> {
        self.values
            .iter()
            .map(|value| value.as_ref().map(ScrubbedValue::as_value))
            .collect()
    }

    fn set(&mut self, field: &Field, value: ScrubbedValue) {
        if let Some(slot) = self.values.get_mut(field.index()) {
            *slot = Some(value);
        }
    }
}

impl Visit for ScrubbedFields {
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.set(field, ScrubbedValue::Bool(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.set(
            field,
            ScrubbedValue::number(value, ScrubbedValue::I64(value)),
        );
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.set(
            field,
            ScrubbedValue::number(value, ScrubbedValue::U64(value)),
        );
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.set(
            field,
            ScrubbedValue::number(value, ScrubbedValue::I128(value)),
        );
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.set(
            field,
            ScrubbedValue::number(value, ScrubbedValue::U128(value)),
        );
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.set(
            field,
            ScrubbedValue::number(value, ScrubbedValue::F64(value)),
        );
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let scrubbed = scrub_personal_data(value).into_owned();
        self.set(field, ScrubbedValue::Str(scrubbed));
    }

    fn record_bytes(&mut self, field: &Field, value: &[u8]) {
        let scrubbed = match std::str::from_utf8(value).map(scrub_personal_data) {
            Ok(Cow::Owned(text)) => ScrubbedValue::Text(display(text)),
            _ => ScrubbedValue::Bytes(value.into()),
        };
        self.set(field, scrubbed);
    }

    fn record_error(&mut self, field: &Field, value: &(dyn StdError + 'static)) {
        // The whole chain on one line, since the output only sees the text we pass on.
        let mut text = value.to_string();
        let mut source = value.source();
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        self.set(field, ScrubbedValue::text(&text));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.set(field, ScrubbedValue::text(&format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiosk_identity::pii::{Sensitive, log_fingerprint};
    use std::io;
    use std::path::{Path, PathBuf};
    use std::sync::{Arc, Mutex, PoisonError};

    /// A sample citizen, as printed on a card: ID number, old ID, name, date of birth.
    const SAMPLE_ID: &str = "001089012345";
    const SAMPLE_OLD_ID: &str = "012345678";
    const SAMPLE_NAME: &str = "Nguyễn Văn An";
    const SAMPLE_DOB: &str = "15/08/1989";
    const SAMPLE_DOB_FORMS: [&str; 4] = ["15/08/1989", "15081989", "1989-08-15", "15.08.1989"];

    /// Everything the terminal output would have written.
    #[derive(Clone, Default)]
    struct CapturedOutput(Arc<Mutex<Vec<u8>>>);

    impl CapturedOutput {
        fn text(&self) -> String {
            let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            String::from_utf8_lossy(&bytes).into_owned()
        }
    }

    impl io::Write for CapturedOutput {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let mut bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            bytes.extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for CapturedOutput {
        type Writer = CapturedOutput;

        fn make_writer(&'w self) -> Self::Writer {
            self.clone()
        }
    }

    /// Runs `emit` with the real terminal subscriber writing into a buffer; returns the text.
    fn captured(emit: impl FnOnce()) -> String {
        let output = CapturedOutput::default();
        let subscriber = text_subscriber(EnvFilter::new("trace"), output.clone(), false);
        tracing::subscriber::with_default(subscriber, emit);
        output.text()
    }

    #[test]
    fn the_scrubber_blanks_id_numbers_and_dates() {
        let cases = [
            ("CCCD 001089012345 read", "CCCD [redacted] read"),
            ("old id 012345678.", "old id [redacted]."),
            ("born 15/08/1989, ok", "born [redacted], ok"),
            ("born 5/8/1989", "born [redacted]"),
            (
                "born 15-08-1989 and 15.08.1989",
                "born [redacted] and [redacted]",
            ),
            ("dob=1989-08-15T00:00", "dob=[redacted]T00:00"),
            ("dob 1989/08/15", "dob [redacted]"),
            (
                "qr|001089012345||Nguyễn|15081989|Nam",
                "qr|[redacted]||Nguyễn|[redacted]|Nam",
            ),
            ("id=001089012345x", "id=[redacted]x"),
        ];
        for (line, expected) in cases {
            assert_eq!(scrub_personal_data(line), expected, "{line}");
        }
    }

    #[test]
    fn the_scrubber_leaves_other_numbers_alone() {
        for line in [
            "listening on 127.0.0.1:8750",
            "read 1048576 bytes in 0.25 s",
            "apdu 6D00 after 10 retries",
            "13 digits 0010890123456 and 11 digits 00108901234",
            "count 12345678 is no date",
            "20240501 is yyyymmdd, not ddmmyyyy",
            "version 1.95.0, 32/13/1989 is no date",
            "",
            "Nguyễn Văn An",
        ] {
            assert!(
                matches!(scrub_personal_data(line), Cow::Borrowed(_)),
                "{line}"
            );
        }
    }

    #[test]
    fn the_scrubber_keeps_fingerprints_whole() {
        let line = "session id#0123456789abcdef started; id#123456789 is no tag";
        assert_eq!(
            scrub_personal_data(line),
            "session id#0123456789abcdef started; id#[redacted] is no tag"
        );
        let fingerprint = log_fingerprint(SAMPLE_ID);
        assert_eq!(scrub_personal_data(&fingerprint), fingerprint);
    }

    #[test]
    fn the_scrubber_handles_any_text_without_panicking() {
        let awkward = [
            "1",
            "1/",
            "1/2",
            "1/2/",
            "12/12/",
            "12/12/12345",
            "2024-",
            "2024-1-",
            "9".repeat(40).as_str(),
            "ý1/2/2000ý",
            "/1/1/2000/",
            "١٢٣٤٥٦٧٨٩",
            "id#",
            "id#0123",
            "\u{0}12345678912\u{0}",
        ]
        .map(str::to_owned);
        for line in awkward {
            let _ = scrub_personal_data(&line);
        }
    }

    #[test]
    fn personal_data_never_reaches_the_output() {
        let output = captured(|| {
            let id_number = Sensitive::new(SAMPLE_ID.to_owned());
            let full_name = Sensitive::new(SAMPLE_NAME.to_owned());
            let date_of_birth = Sensitive::new(SAMPLE_DOB.to_owned());

            // The right way: a fingerprint to correlate, everything else behind Sensitive.
            let session = tracing::info_span!(
                "session",
                citizen = %log_fingerprint(id_number.expose()),
                outcome = tracing::field::Empty,
            );
            let _entered = session.enter();
            tracing::info!(
                citizen = %log_fingerprint(id_number.expose()),
                name = %full_name,
                dob = ?date_of_birth,
                "chip read"
            );

            // Mistakes the scrubber must catch: digits in the message, in string and number
            // fields, in Debug values, in errors, and recorded into a span later.
            tracing::warn!("chip answered for {} born {}", SAMPLE_ID, SAMPLE_DOB);
            tracing::warn!(
                raw = SAMPLE_ID,
                qr_date = "15081989",
                iso = "1989-08-15",
                "qr parsed"
            );
            tracing::warn!(
                old = SAMPLE_OLD_ID,
                as_number = 1_089_012_345_u64 * 100,
                "old id"
            );
            tracing::debug!(dates = ?SAMPLE_DOB_FORMS, "formats seen");
            let error = io::Error::other(format!("card {SAMPLE_ID} refused"));
            tracing::error!(error = &error as &dyn StdError, "submission failed");
            session.record("outcome", SAMPLE_ID);
            tracing::info!("session over");
        });

        for secret in [SAMPLE_ID, SAMPLE_OLD_ID, SAMPLE_NAME, "108901234500"]
            .into_iter()
            .chain(SAMPLE_DOB_FORMS)
        {
            assert!(!output.contains(secret), "{secret} leaked into:\n{output}");
        }
        assert!(output.contains(&log_fingerprint(SAMPLE_ID)), "{output}");
        assert!(output.contains("name=‹redacted›"), "{output}");
        assert!(output.contains(REDACTED), "{output}");
        assert!(
            output.contains("chip read"),
            "the message itself survives:\n{output}"
        );
        assert_eq!(output.lines().count(), 7, "one line per event:\n{output}");
    }

    #[test]
    fn ordinary_fields_are_formatted_as_without_the_scrubber() {
        let output = captured(|| {
            tracing::info!(port = 8750_u16, ratio = 0.5, ok = true, path = ?Path::new("/dev/x"), "ready");
            tracing::info!(reader = "ACS ACR1281", "reader attached");
        });
        let mut lines = output.lines();
        let ready = lines.next().unwrap_or_default();
        assert!(
            ready.ends_with("ready port=8750 ratio=0.5 ok=true path=\"/dev/x\""),
            "{ready}"
        );
        let attached = lines.next().unwrap_or_default();
        assert!(
            attached.ends_with("reader attached reader=\"ACS ACR1281\""),
            "{attached}"
        );
    }

    #[test]
    fn the_filter_comes_from_the_variable_or_falls_back_to_info() {
        assert_eq!(filter_from(None).0.to_string(), "info");
        assert_eq!(filter_from(Some("  ")).0.to_string(), "info");
        let (filter, problem) = filter_from(Some("warn,kiosk_app=debug"));
        assert!(problem.is_none());
        assert!(filter.to_string().contains("kiosk_app=debug"), "{filter}");
        let (filter, problem) = filter_from(Some("kiosk_app=loud"));
        assert_eq!(filter.to_string(), "info");
        assert!(problem.is_some_and(|problem| problem.contains("kiosk_app=loud")));
    }

    // -----------------------------------------------------------------------------------------
    // The source-level tripwire

    /// Log macros whose arguments reach the logs.
    const LOG_MACROS: [&str; 12] = [
        "trace",
        "debug",
        "info",
        "warn",
        "error",
        "event",
        "span",
        "trace_span",
        "debug_span",
        "info_span",
        "warn_span",
        "error_span",
    ];

    /// Field names that hold personal data in this code base.
    const PERSONAL_FIELDS: [&str; 5] = [
        "id_number",
        "full_name",
        "date_of_birth",
        "birth_date",
        "address",
    ];

    /// What makes a mention of a personal field safe.
    const SAFE_WRAPPERS: [&str; 2] = ["log_fingerprint", "Sensitive"];

    /// Whether `line` calls a log macro and names a personal field outside the safe
    /// wrappers. A tripwire, not a proof: it sees one line at a time, so a macro call spread
    /// over several lines, or a personal value under another name, passes unseen; and a
    /// `Sensitive` field logged by its name alone (`?citizen.full_name`) is flagged though
    /// it prints `‹redacted›` — log the fingerprint instead.
    fn breaks_the_rule(line: &str) -> bool {
        if line.trim_start().starts_with("//") {
            return false;
        }
        let code = code_outside_strings(line);
        let calls_log_macro = code.match_indices("!(").any(|(at, _)| {
            let name_start = code[..at]
                .rfind(|c: char| !is_identifier_char(c))
                .map_or(0, |before| before + 1);
            LOG_MACROS.contains(&&code[name_start..at])
        });
        calls_log_macro
            && !SAFE_WRAPPERS.iter().any(|safe| code.contains(safe))
            && code
                .split(|c: char| !is_identifier_char(c))
                .any(|word| PERSONAL_FIELDS.contains(&word))
    }

    fn is_identifier_char(c: char) -> bool {
        c.is_ascii_alphanumeric() || c == '_'
    }

    /// `line` with the text of string literals (plain and raw) blanked, except `{…}`
    /// placeholders, which name variables (`"{full_name}"`). Char literals are not worth the
    /// trouble here.
    fn code_outside_strings(line: &str) -> String {
        let chars: Vec<char> = line.chars().collect();
        let mut code = String::with_capacity(line.len());
        let mut at = 0;
        while at < chars.len() {
            let raw_hashes = raw_string_hashes(&chars, at);
            if chars[at] != '"' && raw_hashes.is_none() {
                code.push(chars[at]);
                at += 1;
                continue;
            }
            at += raw_hashes.map_or(1, |hashes| hashes + 2);
            code.push('"');
            let mut in_placeholder = false;
            while let Some(&c) = chars.get(at) {
                at += 1;
                match raw_hashes {
                    None if c == '\\' => {
                        at += 1;
                        continue;
                    }
                    None if c == '"' => break,
                    Some(hashes)
                        if c == '"'
                            && chars
                                .get(at..at + hashes)
                                .is_some_and(|after| after.iter().all(|&h| h == '#')) =>
                    {
                        at += hashes;
                        break;
                    }
                    _ => {}
                }
                match c {
                    '{' => in_placeholder = true,
                    '}' => in_placeholder = false,
                    _ => {}
                }
                code.push(if in_placeholder { c } else { ' ' });
            }
            code.push('"');
        }
        code
    }

    /// If a raw string (`r"…"`, `r#"…"#`) starts at `at`, its number of `#`.
    fn raw_string_hashes(chars: &[char], at: usize) -> Option<usize> {
        let starts_a_token = at == 0 || !is_identifier_char(chars[at - 1]);
        if chars[at] != 'r' || !starts_a_token {
            return None;
        }
        let hashes = chars[at + 1..].iter().take_while(|&&c| c == '#').count();
        (chars.get(at + 1 + hashes) == Some(&'"')).then_some(hashes)
    }

    fn rust_files(folder: &Path, found: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(folder) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || name == "target" || name == "var" {
                continue;
            }
            // `metadata` follows symbolic links, as a reader of the tree would.
            match std::fs::metadata(&path) {
                Ok(metadata) if metadata.is_dir() => rust_files(&path, found),
                Ok(_) if name.ends_with(".rs") => found.push(path),
                _ => {}
            }
        }
    }

    #[test]
    fn the_tripwire_tells_safe_from_unsafe_lines() {
        let flagged = [
            r#"info!(id_number = %citizen.id, "read");"#,
            r#"tracing::warn!("holder {full_name} refused");"#,
            r#"    debug!(?address);"#,
            r#"let _s = tracing::info_span!("visit", birth_date = %dob);"#,
        ];
        let passed = [
            r#"info!(citizen = %log_fingerprint(&id_number), "read");"#,
            r#"warn!("cannot bind the address");"#,
            r#"// info!(id_number = %x) in a comment"#,
            r#"let id_number = card.id_number();"#,
            r#"info!(name = %Sensitive::new(full_name.clone()));"#,
            r#"my_info!(id_number)"#,
            r##"let example = r#"info!(id_number = %x)"#;"##,
        ];
        for line in flagged {
            assert!(breaks_the_rule(line), "not flagged: {line}");
        }
        for line in passed {
            assert!(!breaks_the_rule(line), "flagged: {line}");
        }
    }

    #[test]
    fn no_log_call_in_the_workspace_names_a_personal_field() {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        rust_files(&workspace, &mut files);
        assert!(
            !files.is_empty(),
            "no Rust files under {}",
            workspace.display()
        );
        let mut violations = Vec::new();
        for file in &files {
            let Ok(text) = std::fs::read_to_string(file) else {
                continue;
            };
            for (number, line) in text.lines().enumerate() {
                if breaks_the_rule(line) {
                    violations.push(format!(
                        "{}:{}: {}",
                        file.display(),
                        number + 1,
                        line.trim()
                    ));
                }
            }
        }
        assert!(
            violations.is_empty(),
            "log calls naming personal data; log log_fingerprint(id) or wrap the value in \
             Sensitive (see kiosk_identity::pii):\n{}",
            violations.join("\n")
        );
    }
}
