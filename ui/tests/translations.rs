//! Every string on the screens has a Vietnamese and an English text: Vietnamese is the
//! kiosk's default language, and an untranslated string would show English to a citizen
//! who may not read it; the English catalogue is where English wording is reviewed.

use std::collections::BTreeSet;
use std::path::Path;

fn tr_strings(slint_source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = slint_source;
    while let Some(start) = rest.find("@tr(\"") {
        let after = &rest[start + 5..];
        let Some(end) = after.find('"') else { break };
        found.push(after[..end].to_owned());
        rest = &after[end..];
    }
    found
}

fn po_translations(po: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut msgid: Option<String> = None;
    for line in po.lines() {
        if let Some(id) = line
            .strip_prefix("msgid \"")
            .and_then(|l| l.strip_suffix('"'))
        {
            msgid = Some(id.to_owned());
        } else if let Some(text) = line
            .strip_prefix("msgstr \"")
            .and_then(|l| l.strip_suffix('"'))
            && let Some(id) = msgid.take()
            && !id.is_empty()
        {
            pairs.push((id, text.to_owned()));
        }
    }
    pairs
}

/// Every `@tr()` string of every screen.
fn screen_strings() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut on_screens = BTreeSet::new();
    for entry in std::fs::read_dir(root.join("ui")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "slint") {
            on_screens.extend(tr_strings(&std::fs::read_to_string(&path).unwrap()));
        }
    }
    assert!(
        on_screens.len() > 20,
        "found only {} strings",
        on_screens.len()
    );
    on_screens
}

/// The catalogue of `language` covers exactly the screens' strings, with the same
/// placeholders.
fn check_catalogue(language: &str) {
    let on_screens = screen_strings();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join(format!("translations/{language}/LC_MESSAGES/kiosk-ui.po"));
    let po = std::fs::read_to_string(&path).unwrap();
    let translations = po_translations(&po);
    let translated: BTreeSet<String> = translations
        .iter()
        .filter(|(_, text)| !text.is_empty())
        .map(|(id, _)| id.clone())
        .collect();

    let missing: Vec<_> = on_screens.difference(&translated).collect();
    assert!(missing.is_empty(), "no {language} text for: {missing:#?}");
    let stale: Vec<_> = translated.difference(&on_screens).collect();
    assert!(
        stale.is_empty(),
        "{language} texts of strings no screen uses: {stale:#?}"
    );
    for (id, text) in &translations {
        assert_eq!(
            id.matches("{}").count(),
            text.matches("{}").count(),
            "placeholders differ in the {language} text of {id:?}"
        );
    }
}

#[test]
fn every_screen_string_has_a_vietnamese_translation() {
    check_catalogue("vi");
}

#[test]
fn every_screen_string_has_an_english_text() {
    check_catalogue("en");
}
