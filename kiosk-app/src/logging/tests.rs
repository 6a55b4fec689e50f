//! The sample citizen through the real terminal output, and the source-level tripwire.

use std::error::Error as StdError;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use kiosk_identity::pii::{Sensitive, log_fingerprint};

use super::*;

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
