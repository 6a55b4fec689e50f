//! DG13: the Vietnamese personal data on the CCCD chip.
//!
//! ICAO 9303-10 §4.7.13 leaves DG13 ("optional details") to the issuing State. Vietnam
//! stores there what the card prints and more, in Vietnamese with diacritics: a SEQUENCE
//! holding a version INTEGER, an OBJECT IDENTIFIER and a SET of entries, each entry a
//! `SEQUENCE { INTEGER n, value… }` where n says what the value is (1 ID number, 2 full
//! name, 3 date of birth, … 13 parents, 14 spouse, 15/16 old ID number).
//!
//! Cards differ in the wrapping, so this parser reads the structure rather than expecting
//! one layout:
//!
//! - an *entry* is a SEQUENCE whose first element is an INTEGER and whose other elements
//!   hold only strings, directly or inside SEQUENCEs and SETs at any depth; its values are
//!   those strings in order. Parents therefore read the same whether the card writes the
//!   two names directly, each in its own SEQUENCE, or both in one;
//! - any other SEQUENCE or SET is a *container* (the outer SEQUENCE, the SET) and is read
//!   for entries in turn, so a card whose entries sit directly under the outer SEQUENCE
//!   reads too;
//! - entries come in any order; unknown entry numbers are kept in [`Dg13::other`].
//!
//! Dates are kept as the card writes them and read as [`CalendarDate`]s on request
//! ([`Dg13::birth_date`], [`Dg13::issued_on`], [`Dg13::expiry`]).
//!
//! Nothing is located by offset or by scanning for byte patterns, and every personal value
//! is a [`Sensitive`], so a `Debug` print of a [`Dg13`] shows no citizen's data.

mod encode;

pub use encode::ParentWrapping;

use zeroize::Zeroizing;

use crate::date::{CalendarDate, DateError};
use crate::pii::Sensitive;
use crate::tlv::{Tag, Tlv, TlvError};

use super::DataGroup;

/// The entry numbers of DG13 (MISSION.md, "Facts about the card").
mod entry {
    pub const ID_NUMBER: u32 = 1;
    pub const FULL_NAME: u32 = 2;
    pub const DATE_OF_BIRTH: u32 = 3;
    pub const SEX: u32 = 4;
    pub const NATIONALITY: u32 = 5;
    pub const ETHNICITY: u32 = 6;
    pub const RELIGION: u32 = 7;
    pub const PLACE_OF_ORIGIN: u32 = 8;
    pub const PLACE_OF_RESIDENCE: u32 = 9;
    pub const IDENTIFYING_MARKS: u32 = 10;
    pub const ISSUE_DATE: u32 = 11;
    pub const EXPIRY_DATE: u32 = 12;
    pub const PARENTS: u32 = 13;
    pub const SPOUSE: u32 = 14;
    /// Cards and public readers disagree whether the old 9- or 12-digit ID number is entry
    /// 15 or 16; see [`super::is_old_id_number`].
    pub const OLD_ID_NUMBER: [u32; 2] = [15, 16];
}

/// Why DG13 could not be read. No variant carries a personal value, so errors may be
/// logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Dg13Error {
    #[error("DG13 is not well-formed BER-TLV: {0}")]
    Tlv(#[from] TlvError),
    #[error("DG13 at offset {offset}: an INTEGER that is not a number from 0 to 2^32-1")]
    BadInteger { offset: usize },
    #[error("DG13 at offset {offset}: a second INTEGER outside any entry")]
    UnexpectedInteger { offset: usize },
    #[error("DG13 entry {entry} at offset {offset}: a string that is not valid text")]
    InvalidText { entry: u32, offset: usize },
    #[error("DG13 entry {entry} at offset {offset}: a value of tag {tag}, which is no string")]
    UnsupportedValueTag { entry: u32, tag: Tag, offset: usize },
    #[error("DG13 holds entry {entry} twice")]
    DuplicateEntry { entry: u32 },
    #[error("DG13 entry {entry} holds {count} values; it takes {allowed}")]
    TooManyValues {
        entry: u32,
        count: usize,
        allowed: usize,
    },
    #[error("DG13 has no entry {entry}, or it is empty")]
    MissingEntry { entry: u32 },
}

/// The personal data of DG13, as the chip states it. Dates are kept as written
/// (`dd/mm/yyyy`; the expiry may be "Không thời hạn", no expiry) for the caller to
/// interpret; the kiosk shows them as the card does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dg13 {
    /// The version INTEGER in front of the entries, when the card writes one.
    pub version: Option<u32>,
    /// The content octets of the OBJECT IDENTIFIER in front of the entries, if any.
    pub oid: Option<Vec<u8>>,
    /// Entry 1: the 12-digit personal identification number.
    pub id_number: Sensitive<String>,
    /// Entry 2.
    pub full_name: Sensitive<String>,
    /// Entry 3, `dd/mm/yyyy`.
    pub date_of_birth: Sensitive<String>,
    /// Entry 4: "Nam" or "Nữ".
    pub sex: Option<Sensitive<String>>,
    /// Entry 5.
    pub nationality: Option<Sensitive<String>>,
    /// Entry 6.
    pub ethnicity: Option<Sensitive<String>>,
    /// Entry 7.
    pub religion: Option<Sensitive<String>>,
    /// Entry 8: quê quán.
    pub place_of_origin: Option<Sensitive<String>>,
    /// Entry 9: nơi thường trú.
    pub place_of_residence: Option<Sensitive<String>>,
    /// Entry 10: đặc điểm nhận dạng.
    pub identifying_marks: Option<Sensitive<String>>,
    /// Entry 11, `dd/mm/yyyy`.
    pub issue_date: Option<Sensitive<String>>,
    /// Entry 12, `dd/mm/yyyy` or a phrase such as "Không thời hạn".
    pub expiry_date: Option<Sensitive<String>>,
    /// Entry 13, first name.
    pub father_name: Option<Sensitive<String>>,
    /// Entry 13, second name.
    pub mother_name: Option<Sensitive<String>>,
    /// Entry 14.
    pub spouse_name: Option<Sensitive<String>>,
    /// Entry 15 or 16, whichever holds a 9- or 12-digit number.
    pub old_id_number: Option<Sensitive<String>>,
    /// Entries this parser does not know, by number, with their strings in order.
    pub other: Vec<(u32, Sensitive<Vec<String>>)>,
}

/// What DG13 says about the end of the card's validity (entry 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardExpiry {
    On(CalendarDate),
    /// "Không thời hạn": a card issued at 60 or later is never renewed, so it has no
    /// expiry date (renewal ages 14, 25, 40 and 60 in Vietnam's Identity Law).
    Never,
}

/// The text of entry 12 on a card without expiry.
const NO_EXPIRY: &str = "không thời hạn";

/// An entry as read, before it is given its meaning. The values are wiped if parsing
/// stops before they reach a [`Sensitive`].
struct Entry {
    number: u32,
    values: Zeroizing<Vec<String>>,
}

/// What the walk over the containers found.
#[derive(Default)]
struct Contents {
    version: Option<u32>,
    oid: Option<Vec<u8>>,
    entries: Vec<Entry>,
}

impl Dg13 {
    /// Reads DG13 exactly as read from the chip (tag 6D).
    pub fn parse(bytes: &[u8]) -> Result<Self, Dg13Error> {
        let dg13 = Tlv::parse_exact(bytes)?.expect_tag(Tag::from(DataGroup::Dg13.tag()))?;
        let mut contents = Contents::default();
        collect_entries(dg13, &mut contents)?;
        Self::from_contents(contents)
    }

    /// Entry 3 as a calendar date. The text stays available in [`Dg13::date_of_birth`]
    /// because some citizens' records know only part of the date and the kiosk must still
    /// show what the card says.
    pub fn birth_date(&self) -> Result<Sensitive<CalendarDate>, DateError> {
        CalendarDate::parse_dd_mm_yyyy(self.date_of_birth.expose().trim()).map(Sensitive::new)
    }

    /// Entry 11 as a calendar date, if the card has it.
    pub fn issued_on(&self) -> Option<Result<CalendarDate, DateError>> {
        let text = self.issue_date.as_ref()?;
        Some(CalendarDate::parse_dd_mm_yyyy(text.expose().trim()))
    }

    /// Entry 12 as a date or as "no expiry", if the card has it.
    pub fn expiry(&self) -> Option<Result<CardExpiry, DateError>> {
        let text = self.expiry_date.as_ref()?.expose().trim();
        if text.to_lowercase() == NO_EXPIRY {
            return Some(Ok(CardExpiry::Never));
        }
        Some(CalendarDate::parse_dd_mm_yyyy(text).map(CardExpiry::On))
    }

    fn from_contents(contents: Contents) -> Result<Self, Dg13Error> {
        let mut seen: Vec<u32> = Vec::with_capacity(contents.entries.len());
        let mut fields: [Option<Sensitive<String>>; 12] = Default::default();
        let mut parents = (None, None);
        let mut spouse_name = None;
        let mut old_id_number = None;
        let mut other = Vec::new();

        for Entry { number, values } in contents.entries {
            if seen.contains(&number) {
                return Err(Dg13Error::DuplicateEntry { entry: number });
            }
            seen.push(number);
            match number {
                entry::ID_NUMBER..=entry::EXPIRY_DATE => {
                    let slot = usize::try_from(number - 1)
                        .ok()
                        .and_then(|index| fields.get_mut(index));
                    if let Some(slot) = slot {
                        *slot = single_value(number, values)?;
                    }
                }
                entry::PARENTS => {
                    let [father, mother] = up_to_values::<2>(number, values)?;
                    parents = (father, mother);
                }
                entry::SPOUSE => spouse_name = single_value(number, values)?,
                _ if entry::OLD_ID_NUMBER.contains(&number)
                    && old_id_number.is_none()
                    && is_old_id_number(&values) =>
                {
                    old_id_number = single_value(number, values)?;
                }
                _ => {
                    let mut values = values;
                    other.push((number, Sensitive::new(std::mem::take(&mut *values))));
                }
            }
        }

        let [
            id_number,
            full_name,
            date_of_birth,
            sex,
            nationality,
            ethnicity,
            religion,
            place_of_origin,
            place_of_residence,
            identifying_marks,
            issue_date,
            expiry_date,
        ] = fields;
        let required = |value: Option<Sensitive<String>>, entry| {
            value.ok_or(Dg13Error::MissingEntry { entry })
        };
        Ok(Self {
            version: contents.version,
            oid: contents.oid,
            id_number: required(id_number, entry::ID_NUMBER)?,
            full_name: required(full_name, entry::FULL_NAME)?,
            date_of_birth: required(date_of_birth, entry::DATE_OF_BIRTH)?,
            sex,
            nationality,
            ethnicity,
            religion,
            place_of_origin,
            place_of_residence,
            identifying_marks,
            issue_date,
            expiry_date,
            father_name: parents.0,
            mother_name: parents.1,
            spouse_name,
            old_id_number,
            other,
        })
    }
}

/// The old identity card number (CMND) has 9 digits, a CCCD number 12 (MISSION.md). The
/// entry that holds it is recognised by that content, since its number varies.
fn is_old_id_number(values: &[String]) -> bool {
    match values {
        [number] => {
            (number.len() == 9 || number.len() == 12) && number.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

/// The one value of an entry; an empty string or no string at all means absent.
fn single_value(
    entry: u32,
    values: Zeroizing<Vec<String>>,
) -> Result<Option<Sensitive<String>>, Dg13Error> {
    let [value] = up_to_values::<1>(entry, values)?;
    Ok(value)
}

/// The first `N` values of an entry in order, each `None` when missing or empty.
fn up_to_values<const N: usize>(
    entry: u32,
    mut values: Zeroizing<Vec<String>>,
) -> Result<[Option<Sensitive<String>>; N], Dg13Error> {
    if values.len() > N {
        return Err(Dg13Error::TooManyValues {
            entry,
            count: values.len(),
            allowed: N,
        });
    }
    let mut slots: [Option<Sensitive<String>>; N] = std::array::from_fn(|_| None);
    for (slot, value) in slots.iter_mut().zip(values.drain(..)) {
        if !value.is_empty() {
            *slot = Some(Sensitive::new(value));
        }
    }
    Ok(slots)
}

/// Walks a container (the 6D object, the outer SEQUENCE, the SET) for its entries.
fn collect_entries(container: Tlv<'_>, contents: &mut Contents) -> Result<(), Dg13Error> {
    for child in container.children()? {
        let child = child?;
        match child.tag {
            Tag::INTEGER if contents.version.is_none() && contents.entries.is_empty() => {
                contents.version = Some(read_u32(child)?);
            }
            Tag::INTEGER => {
                return Err(Dg13Error::UnexpectedInteger {
                    offset: child.offset(),
                });
            }
            Tag::OBJECT_IDENTIFIER if contents.oid.is_none() => {
                contents.oid = Some(child.value.to_vec());
            }
            Tag::SEQUENCE if is_entry(child)? => contents.entries.push(read_entry(child)?),
            Tag::SEQUENCE | Tag::SET => collect_entries(child, contents)?,
            // Anything else in a container carries no entry: a later card version may add
            // such data objects, and skipping them loses nothing this parser knows.
            _ => {}
        }
    }
    Ok(())
}

/// A SEQUENCE whose first element is an INTEGER and whose other elements hold values only.
fn is_entry(sequence: Tlv<'_>) -> Result<bool, Dg13Error> {
    let mut children = sequence.children()?;
    let starts_with_integer = match children.next() {
        Some(first) => first?.tag == Tag::INTEGER,
        None => false,
    };
    if !starts_with_integer {
        return Ok(false);
    }
    for child in children {
        if !holds_values_only(child?)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Whether a data object is a value or only wraps values: everything but INTEGERs and
/// OBJECT IDENTIFIERs, which mark entries and containers. A primitive value of a tag that
/// is no string still counts, so that [`read_entry`] reports it instead of it being
/// mistaken for a container.
fn holds_values_only(tlv: Tlv<'_>) -> Result<bool, Dg13Error> {
    match tlv.tag {
        Tag::INTEGER | Tag::OBJECT_IDENTIFIER => Ok(false),
        _ if tlv.is_constructed() => {
            for child in tlv.children()? {
                if !holds_values_only(child?)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        _ => Ok(true),
    }
}

fn read_entry(sequence: Tlv<'_>) -> Result<Entry, Dg13Error> {
    let mut children = sequence.children()?;
    let number_offset = sequence.value_offset();
    let number = match children.next() {
        Some(first) => read_u32(first?)?,
        None => {
            return Err(Dg13Error::BadInteger {
                offset: number_offset,
            });
        }
    };
    let mut values = Zeroizing::new(Vec::new());
    for child in children {
        collect_strings(number, child?, &mut values)?;
    }
    Ok(Entry { number, values })
}

/// Appends the strings inside `tlv`, depth first, in the order they are encoded.
fn collect_strings(entry: u32, tlv: Tlv<'_>, values: &mut Vec<String>) -> Result<(), Dg13Error> {
    if tlv.is_constructed() {
        for child in tlv.children()? {
            collect_strings(entry, child?, values)?;
        }
        return Ok(());
    }
    let invalid = Dg13Error::InvalidText {
        entry,
        offset: tlv.offset(),
    };
    let text = match tlv.tag {
        Tag::UTF8_STRING => String::from_utf8(tlv.value.to_vec()).map_err(|_| invalid)?,
        Tag::PRINTABLE_STRING | Tag::IA5_STRING if tlv.value.is_ascii() => {
            tlv.value.iter().map(|&byte| char::from(byte)).collect()
        }
        Tag::PRINTABLE_STRING | Tag::IA5_STRING => return Err(invalid),
        // BMPString: UCS-2, big-endian (ISO/IEC 8825-1 §8.23.8).
        Tag::BMP_STRING => {
            let (units, odd) = tlv.value.as_chunks::<2>();
            if !odd.is_empty() {
                return Err(invalid);
            }
            char::decode_utf16(units.iter().map(|&unit| u16::from_be_bytes(unit)))
                .collect::<Result<String, _>>()
                .map_err(|_| invalid)?
        }
        tag => {
            return Err(Dg13Error::UnsupportedValueTag {
                entry,
                tag,
                offset: tlv.offset(),
            });
        }
    };
    values.push(text);
    Ok(())
}

/// A DER INTEGER from 0 to 2^32-1 (ISO/IEC 8825-1 §8.3): at most five content bytes,
/// the first of five being the zero that keeps the sign positive.
fn read_u32(integer: Tlv<'_>) -> Result<u32, Dg13Error> {
    let bad = Dg13Error::BadInteger {
        offset: integer.offset(),
    };
    let content = integer
        .expect_tag(Tag::INTEGER)
        .map_err(|_| bad.clone())?
        .value;
    let negative = content.first().is_none_or(|&first| first & 0x80 != 0);
    if negative || content.len() > 5 {
        return Err(bad);
    }
    let value = content
        .iter()
        .fold(0u64, |value, &byte| (value << 8) | u64::from(byte));
    u32::try_from(value).map_err(|_| bad)
}
