//! Why a configuration was refused, and how a problem becomes one line that names the file,
//! the position, the key, the value found and what is allowed.

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_path_to_error::Segment;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::tagged::TAG_KEY;
use super::{CAMERA_ENCODINGS, LANGUAGE_CODES};

/// Where in the file a problem is, 1-based; the column counts characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Line number, from 1.
    pub line: usize,
    /// Column number in characters, from 1.
    pub column: usize,
}

/// Why a configuration was refused. Its `Display` is always one line that names the file
/// and, where there is one, the position, the key, the value found and what is allowed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read at all.
    #[error("{}: cannot read: {cause}", .file.display())]
    Unreadable {
        /// The file named by the caller.
        file: PathBuf,
        /// What the operating system said. Not a `#[source]`: the message already shows it,
        /// and a report that prints the chain would say it twice.
        cause: io::Error,
    },
    /// The text is not valid TOML.
    #[error("{}: {message}", Place(.file, .position))]
    Syntax {
        /// The file the text came from.
        file: PathBuf,
        /// Where the parser stopped.
        position: Option<Position>,
        /// The parser's complaint, on one line.
        message: String,
    },
    /// A key is missing or unknown, or its value has the wrong type or is not allowed.
    #[error("{}: {}: {problem}", Place(.file, .position), KeyAndValue(.key, .value.as_deref()))]
    Invalid {
        /// The file the text came from.
        file: PathBuf,
        /// Where the key or its value is written; `None` for a key missing from the top.
        position: Option<Position>,
        /// Dotted path of the key, e.g. `camera.fps`.
        key: String,
        /// The value as written in the file (on one line, shortened), if the key has one.
        value: Option<String>,
        /// What is wrong and what is allowed instead.
        problem: String,
    },
}

/// A problem found while reading the file, before it is placed in the text.
#[derive(Debug)]
pub(super) struct Problem {
    key: Vec<String>,
    /// Whether the position should be that of the key (unknown keys) or of its value.
    at_key: bool,
    message: String,
}

impl Problem {
    pub(super) fn value<const N: usize>(key: [&str; N], message: impl Into<String>) -> Self {
        Problem {
            key: key.iter().map(|segment| (*segment).to_owned()).collect(),
            at_key: false,
            message: message.into(),
        }
    }

    /// Rephrases serde's messages into this module's style; their wording is fixed by
    /// serde (`serde::de::Error`'s provided methods), and anything unrecognised is kept
    /// as it is, so a change there costs wording, never information.
    pub(super) fn from_serde(error: &serde_path_to_error::Error<toml::de::Error>) -> Self {
        let mut key = Vec::new();
        let mut backend = None;
        for segment in error.path() {
            match segment {
                Segment::Map { key: name } => key.push(name.clone()),
                Segment::Enum { variant } => backend = Some(variant.clone()),
                Segment::Seq { index } => key.push(index.to_string()),
                Segment::Unknown => key.push("?".to_owned()),
            }
        }
        let for_backend = backend
            .map(|kind| format!(" for {TAG_KEY} = \"{kind}\""))
            .unwrap_or_default();
        let message = one_line(error.inner().message())
            .replace('`', "\"")
            .replace(
                "expected u32",
                "expected a whole number from 0 to 4294967295",
            )
            .replace("expected f32", "expected a number");
        let expected = message
            .rfind(", expected ")
            .map(|at| &message[at + 2..])
            .unwrap_or("");

        let mut at_key = false;
        let message = if let Some(field) = quoted_after(&message, "unknown field \"") {
            // serde_path_to_error has usually recorded the unknown key already.
            if key.last().is_none_or(|last| last != field) {
                key.push(field.to_owned());
            }
            at_key = true;
            match expected {
                "" => format!("unknown key{for_backend}; this table takes no other keys"),
                _ => format!("unknown key{for_backend}, {expected}"),
            }
        } else if let Some((unknown, available)) = message
            .strip_prefix("unexpected keys in table: ")
            .and_then(|rest| rest.split_once(", available keys: "))
        {
            // toml's own check of an enum variant's keys, which runs before serde's.
            key.push(unknown.split(", ").next().unwrap_or(unknown).to_owned());
            at_key = true;
            let available: Vec<&str> = available.split(", ").collect();
            format!("unknown key{for_backend}, expected {}", one_of(&available))
        } else if let Some(field) = quoted_after(&message, "missing field \"") {
            key.push(field.to_owned());
            format!("missing, required{for_backend}")
        } else if message.starts_with("unknown variant ") {
            format!("unknown variant, {expected}")
        } else if message.starts_with("invalid type: ") || message == "wanted string or table" {
            match allowed_words(&key) {
                Some(words) => format!("wrong type, expected {}", one_of(words)),
                None => format!("wrong type, {expected}"),
            }
        } else if message.starts_with("invalid value: ") {
            format!("invalid value, {expected}")
        } else {
            message.clone()
        };
        Problem {
            key,
            at_key,
            message,
        }
    }
}

/// The words a key of enum type takes, for errors where serde cannot say them.
fn allowed_words(key: &[String]) -> Option<&'static [&'static str]> {
    match key {
        [single] if single == "mode" => Some(&["onestop", "hospital"]),
        [single] if single == "language" => Some(LANGUAGE_CODES),
        [section, key] if section == "camera" && key == "format" => Some(CAMERA_ENCODINGS),
        _ => None,
    }
}

/// The text between `prefix` and the next `"`, if `message` starts with `prefix`.
fn quoted_after<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    message.strip_prefix(prefix)?.split('"').next()
}

/// `"a" or "b"` / `one of "a", "b", "c"` for an error message.
pub(super) fn one_of<T: fmt::Display>(choices: &[T]) -> String {
    let quoted = |choice: &T| {
        let text = choice.to_string();
        if text.parse::<f64>().is_ok() {
            text
        } else {
            format!("\"{text}\"")
        }
    };
    match choices {
        [] => "nothing".to_owned(),
        [only] => quoted(only),
        [first, second] => format!("{} or {}", quoted(first), quoted(second)),
        _ => {
            let listed: Vec<String> = choices.iter().map(quoted).collect();
            format!("one of {}", listed.join(", "))
        }
    }
}

/// Collapses line breaks and the indentation after them, so an error stays on one line even
/// when the parser or a multi-line value put several into it.
fn one_line(text: &str) -> Cow<'_, str> {
    if !text.contains(['\n', '\r']) {
        return Cow::Borrowed(text);
    }
    let mut collapsed = String::with_capacity(text.len());
    for (index, line) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        if index > 0 {
            collapsed.push(' ');
        }
        collapsed.push_str(line);
    }
    Cow::Owned(collapsed)
}

/// Values longer than this are shortened in errors: the key and the first characters are
/// enough to find them.
const MAX_SHOWN_VALUE_CHARS: usize = 60;

/// The configuration text and where it came from, for placing problems in it.
pub(super) struct Document<'a> {
    pub(super) origin: &'a Path,
    pub(super) text: &'a str,
}

impl Document<'_> {
    pub(super) fn syntax_error(&self, error: &toml::de::Error) -> ConfigError {
        ConfigError::Syntax {
            file: self.origin.to_owned(),
            position: error.span().map(|span| self.position(span.start)),
            message: one_line(error.message()).into_owned(),
        }
    }

    pub(super) fn invalid(&self, tree: &Spanned<DeTable<'_>>, problem: Problem) -> ConfigError {
        let found = find_key(tree.get_ref(), &problem.key);
        let (position, value) = match found {
            Found::Entry { key, value } => {
                let at = if problem.at_key {
                    key.start
                } else {
                    value.start
                };
                (Some(self.position(at)), self.shown_value(value))
            }
            Found::Parent(span) => (span.map(|span| self.position(span.start)), None),
        };
        ConfigError::Invalid {
            file: self.origin.to_owned(),
            position,
            key: problem.key.join("."),
            value,
            problem: problem.message,
        }
    }

    fn position(&self, offset: usize) -> Position {
        let before = self.text.get(..offset).unwrap_or(self.text);
        let line_start = before.rfind('\n').map_or(0, |at| at + 1);
        Position {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }

    fn shown_value(&self, span: Range<usize>) -> Option<String> {
        let written = one_line(self.text.get(span)?.trim()).into_owned();
        if written.chars().count() <= MAX_SHOWN_VALUE_CHARS {
            return Some(written);
        }
        let mut shortened: String = written.chars().take(MAX_SHOWN_VALUE_CHARS).collect();
        shortened.push('…');
        Some(shortened)
    }
}

enum Found {
    /// The key is in the file: the spans of the key and of its value.
    Entry {
        key: Range<usize>,
        value: Range<usize>,
    },
    /// The key is not in the file; the span of the nearest table that is, unless that is the
    /// whole document (a position there would point at line 1 for no reason).
    Parent(Option<Range<usize>>),
}

fn find_key(root: &DeTable<'_>, path: &[String]) -> Found {
    let mut table = root;
    let mut parent_span = None;
    for (depth, name) in path.iter().enumerate() {
        let Some((key, value)) = table.get_key_value(name.as_str()) else {
            return Found::Parent(parent_span);
        };
        if depth + 1 == path.len() {
            return Found::Entry {
                key: key.span(),
                value: value.span(),
            };
        }
        match value.get_ref() {
            DeValue::Table(inner) => {
                table = inner;
                parent_span = Some(key.span());
            }
            _ => return Found::Parent(Some(value.span())),
        }
    }
    Found::Parent(parent_span)
}

/// `file:line:column`, or just `file` when the position is unknown.
struct Place<'a>(&'a Path, &'a Option<Position>);

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.display())?;
        if let Some(Position { line, column }) = *self.1 {
            write!(f, ":{line}:{column}")?;
        }
        Ok(())
    }
}

/// `key = value`, or just `key` when there is no value.
struct KeyAndValue<'a>(&'a str, Option<&'a str>);

impl fmt::Display for KeyAndValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(value) => write!(f, "{} = {value}", self.0),
            None => f.write_str(self.0),
        }
    }
}
