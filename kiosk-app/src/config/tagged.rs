//! `backend = "…"` tags.
//!
//! serde's internally tagged enums (`#[serde(tag = "backend")]`) buffer a whole section before
//! choosing the variant, and every error inside the buffered section then loses its key path
//! (`camera` instead of `camera.fps`). So the loader moves the tag out itself: `[camera]` with
//! `backend = "v4l2"` becomes `camera = { v4l2 = { … } }`, serde's externally tagged form, which
//! keeps the path and the position of every error. `Config`'s `Deserialize` therefore reads
//! the lifted form; read files with [`load`](super::load).

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::error::{Problem, one_of};

/// The sections whose variant is chosen by `backend`, with the variants' names in the file.
const TAGGED_SECTIONS: [(&str, &[&str]); 3] = [
    ("card_reader", &["simulated", "pcsc"]),
    ("camera", &["replay", "v4l2"]),
    ("printer", &["file", "serial"]),
];

pub(super) const TAG_KEY: &str = "backend";

pub(super) fn lift_backend_tags(root: &mut DeTable<'_>) -> Result<(), Problem> {
    for (section, kinds) in TAGGED_SECTIONS {
        let Some(entry) = root.get_mut(section) else {
            continue; // serde reports the missing section
        };
        let section_span = entry.span();
        let DeValue::Table(table) = entry.get_mut() else {
            return Err(Problem::value(
                [section],
                format!(
                    "wrong type, expected a table with {TAG_KEY} = {}",
                    one_of(kinds)
                ),
            ));
        };
        let Some(tag) = table.remove(TAG_KEY) else {
            return Err(Problem::value(
                [section, TAG_KEY],
                format!("missing, expected {}", one_of(kinds)),
            ));
        };
        let tag_span = tag.span();
        let DeValue::String(kind) = tag.into_inner() else {
            return Err(Problem::value(
                [section, TAG_KEY],
                format!("wrong type, expected {}", one_of(kinds)),
            ));
        };
        if !kinds.contains(&kind.as_ref()) {
            return Err(Problem::value(
                [section, TAG_KEY],
                format!("unknown backend, expected {}", one_of(kinds)),
            ));
        }
        let settings = std::mem::take(table);
        let mut lifted = DeTable::new();
        lifted.insert(
            Spanned::new(tag_span, kind),
            Spanned::new(section_span.clone(), DeValue::Table(settings)),
        );
        *entry = Spanned::new(section_span, DeValue::Table(lifted));
    }
    Ok(())
}
