//! The application form's view model: fields as a procedure's schema describes them, with
//! the values the citizen has given so far.
//!
//! The schema comes from the province's catalogue (the app turns it into [`FormField`]s);
//! a field of a type the kiosk does not know becomes [`FieldType::Unknown`], which the
//! screen shows with "staff will complete it" while the rest of the form stays usable.
//! Values read from the chip are `from_card`: shown locked, never retyped.

use std::rc::Rc;

use slint::{ModelRc, SharedString, VecModel};

use crate::screens::nfc;
use crate::{AppWindow, FieldKind, FormRow};

/// How a field is filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldType {
    /// Letters on the Telex keyboard.
    Text,
    /// Digits only (an ID or household-book number).
    Digits,
    /// A date as dd/mm/yyyy.
    Date,
    /// A phone number: digits and an optional leading `+`.
    Phone,
    /// One of these options, chosen by a button.
    Choice(Vec<String>),
    /// A type the schema names but the kiosk does not know.
    Unknown(String),
}

/// One field of the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormField {
    /// The schema's key, which the submission uses.
    pub key: String,
    /// The label, in the citizen's language.
    pub label: String,
    pub kind: FieldType,
    pub value: String,
    pub required: bool,
    /// Filled from the chip: shown locked.
    pub from_card: bool,
    /// A help line, in the citizen's language; empty for none.
    pub hint: String,
    /// The most characters the field takes; 0 for the kiosk's default.
    pub max_length: u32,
}

impl FormField {
    /// An empty, optional field typed by the citizen; set `required`, `from_card` and the
    /// rest with struct update syntax.
    pub fn new(key: &str, label: &str, kind: FieldType) -> FormField {
        FormField {
            key: key.into(),
            label: label.into(),
            kind,
            value: String::new(),
            required: false,
            from_card: false,
            hint: String::new(),
            max_length: 0,
        }
    }
}

/// Why a value was not taken into a field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("the form has no field {0:?}")]
    NoSuchField(String),
    #[error("field {0:?} is filled from the ID card and cannot be changed")]
    Locked(String),
    #[error("field {0:?} has a type the kiosk cannot fill in")]
    NotFillable(String),
    #[error("field {key:?} takes digits only")]
    NotDigits { key: String },
    #[error("field {key:?} takes a date as dd/mm/yyyy")]
    NotADate { key: String },
    #[error("field {key:?} takes a phone number")]
    NotAPhoneNumber { key: String },
    #[error("{value:?} is not one of the options of field {key:?}")]
    NotAnOption { key: String, value: String },
    #[error("field {key:?} takes at most {max} characters")]
    TooLong { key: String, max: u32 },
}

/// The form screen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FormView {
    /// The procedure's name, as the form's title.
    pub procedure: String,
    pub fields: Vec<FormField>,
    /// Point at the required fields still empty (after the citizen tapped Continue).
    pub show_missing: bool,
}

impl FormView {
    /// The required fields the citizen can fill in and has not. Fields of an unknown type
    /// are left to staff, so they never hold the citizen up.
    pub fn missing_required(&self) -> Vec<&FormField> {
        self.fields
            .iter()
            .filter(|field| {
                field.required
                    && !field.from_card
                    && !matches!(field.kind, FieldType::Unknown(_))
                    && field.value.trim().is_empty()
            })
            .collect()
    }

    /// Takes what the citizen typed or chose into field `key`, after checking it fits the
    /// field's type. The value is normalised to NFC and trimmed.
    pub fn set_value(&mut self, key: &str, value: &str) -> Result<(), FieldError> {
        let field = self
            .fields
            .iter_mut()
            .find(|field| field.key == key)
            .ok_or_else(|| FieldError::NoSuchField(key.to_owned()))?;
        if field.from_card {
            return Err(FieldError::Locked(key.to_owned()));
        }
        let value = nfc(value.trim()).to_string();
        let key = key.to_owned();
        if field.max_length > 0 && value.chars().count() > field.max_length as usize {
            return Err(FieldError::TooLong {
                key,
                max: field.max_length,
            });
        }
        let fits = value.is_empty()
            || match &field.kind {
                FieldType::Text => true,
                FieldType::Digits => value.chars().all(|c| c.is_ascii_digit()),
                FieldType::Date => is_date(&value),
                FieldType::Phone => is_phone(&value),
                FieldType::Choice(options) => options.contains(&value),
                FieldType::Unknown(_) => return Err(FieldError::NotFillable(key)),
            };
        if !fits {
            return Err(match &field.kind {
                FieldType::Digits => FieldError::NotDigits { key },
                FieldType::Date => FieldError::NotADate { key },
                FieldType::Phone => FieldError::NotAPhoneNumber { key },
                _ => FieldError::NotAnOption { key, value },
            });
        }
        field.value = value;
        Ok(())
    }

    pub(crate) fn apply(&self, window: &AppWindow) {
        window.set_form_procedure(nfc(&self.procedure));
        window.set_form_show_missing(self.show_missing);
        let rows: Vec<FormRow> = self.fields.iter().map(FormField::row).collect();
        window.set_form_rows(ModelRc::from(Rc::new(VecModel::from(rows))));
    }
}

impl FormField {
    fn row(&self) -> FormRow {
        let (kind, options) = match &self.kind {
            FieldType::Text => (FieldKind::Text, Vec::new()),
            FieldType::Digits => (FieldKind::Digits, Vec::new()),
            FieldType::Date => (FieldKind::Date, Vec::new()),
            FieldType::Phone => (FieldKind::Phone, Vec::new()),
            FieldType::Choice(options) => (
                FieldKind::Choice,
                options.iter().map(|option| nfc(option)).collect(),
            ),
            FieldType::Unknown(_) => (FieldKind::Unknown, Vec::new()),
        };
        FormRow {
            key: self.key.as_str().into(),
            label: nfc(&self.label),
            kind,
            value: nfc(&self.value),
            required: self.required,
            locked: self.from_card,
            options: ModelRc::from(Rc::new(VecModel::<SharedString>::from(options))),
            hint: nfc(&self.hint),
            max_length: i32::try_from(self.max_length).unwrap_or(i32::MAX),
        }
    }
}

/// dd/mm/yyyy with a day and month that exist (the day is checked against the month's
/// length, leap years included), as Vietnamese forms write dates.
fn is_date(value: &str) -> bool {
    let parts: Vec<&str> = value.split('/').collect();
    let [day, month, year] = parts.as_slice() else {
        return false;
    };
    if day.len() != 2 || month.len() != 2 || year.len() != 4 {
        return false;
    }
    let (Ok(day), Ok(month), Ok(year)) = (
        day.parse::<u32>(),
        month.parse::<u32>(),
        year.parse::<u32>(),
    ) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2200).contains(&year) && (1..=days_in_month).contains(&day)
}

/// Vietnamese numbers have 10 digits from 0, or 11-12 with the country code +84.
fn is_phone(value: &str) -> bool {
    let digits = value.strip_prefix('+').unwrap_or(value);
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && (8..=15).contains(&digits.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(key: &str, kind: FieldType) -> FormField {
        FormField {
            required: true,
            ..FormField::new(key, key, kind)
        }
    }

    fn form() -> FormView {
        let mut name = field("name", FieldType::Text);
        name.from_card = true;
        name.value = "NGUYỄN VĂN AN".into();
        FormView {
            procedure: "Đăng ký thường trú".into(),
            fields: vec![
                name,
                field("phone", FieldType::Phone),
                field("household", FieldType::Digits),
                field("moved-on", FieldType::Date),
                field(
                    "relation",
                    FieldType::Choice(vec!["Chủ hộ".into(), "Con".into()]),
                ),
                field("signature", FieldType::Unknown("signature-pad".into())),
            ],
            show_missing: false,
        }
    }

    #[test]
    fn values_are_checked_against_the_field_type() {
        let mut form = form();
        assert_eq!(form.set_value("phone", "0912345678"), Ok(()));
        assert_eq!(form.set_value("phone", "+84912345678"), Ok(()));
        assert!(matches!(
            form.set_value("phone", "09-12"),
            Err(FieldError::NotAPhoneNumber { .. })
        ));
        assert!(matches!(
            form.set_value("household", "12a"),
            Err(FieldError::NotDigits { .. })
        ));
        assert_eq!(form.set_value("moved-on", "29/02/2024"), Ok(()));
        for bad in [
            "29/02/2023",
            "31/04/2024",
            "1/1/2024",
            "00/01/2024",
            "12/13/2024",
        ] {
            assert!(
                matches!(
                    form.set_value("moved-on", bad),
                    Err(FieldError::NotADate { .. })
                ),
                "{bad}"
            );
        }
        assert_eq!(form.set_value("relation", "Con"), Ok(()));
        assert!(matches!(
            form.set_value("relation", "Bạn"),
            Err(FieldError::NotAnOption { .. })
        ));
        assert_eq!(
            form.set_value("name", "someone else"),
            Err(FieldError::Locked("name".into()))
        );
        assert_eq!(
            form.set_value("signature", "x"),
            Err(FieldError::NotFillable("signature".into()))
        );
        assert_eq!(
            form.set_value("nope", "x"),
            Err(FieldError::NoSuchField("nope".into()))
        );
    }

    #[test]
    fn missing_required_skips_card_values_and_unknown_types() {
        let mut form = form();
        let missing: Vec<&str> = form
            .missing_required()
            .iter()
            .map(|field| field.key.as_str())
            .collect();
        assert_eq!(missing, ["phone", "household", "moved-on", "relation"]);
        form.set_value("phone", "0912345678").unwrap();
        form.set_value("household", "  001234 ").unwrap();
        form.set_value("moved-on", "01/01/2020").unwrap();
        form.set_value("relation", "Con").unwrap();
        assert!(form.missing_required().is_empty());
        assert_eq!(form.fields[2].value, "001234");
    }

    #[test]
    fn values_are_normalised_and_bounded() {
        let mut form = form();
        form.fields[2] = FormField {
            max_length: 3,
            ..field("household", FieldType::Text)
        };
        assert!(matches!(
            form.set_value("household", "abcd"),
            Err(FieldError::TooLong { max: 3, .. })
        ));
        // "Lê" typed with a combining circumflex is stored precomposed.
        form.fields[2].max_length = 0;
        form.set_value("household", "Le\u{302}").unwrap();
        assert_eq!(form.fields[2].value, "Lê");
    }
}
