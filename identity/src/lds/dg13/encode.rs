//! Writing DG13, for the card emulator, the sample-card generator and the tests.

use crate::pii::Sensitive;
use crate::tlv::{Tag, encode_tlv};

use super::super::DataGroup;
use super::{Dg13, entry};

/// How entry 13 wraps the parents' names; cards in the field use each of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentWrapping {
    /// `SEQUENCE { INTEGER 13, UTF8String father, UTF8String mother }`.
    Direct,
    /// `SEQUENCE { INTEGER 13, SEQUENCE { father }, SEQUENCE { mother } }`.
    EachInSequence,
    /// `SEQUENCE { INTEGER 13, SEQUENCE { father, mother } }`.
    BothInSequence,
}

impl Dg13 {
    /// The DER encoding of this DG13 as a CCCD chip stores it: `6D { SEQUENCE { INTEGER
    /// version, OID, SET { entries by number } } }`, with the parents wrapped as `parents`
    /// says. A missing father is written as an empty string when the mother is present,
    /// so that the mother stays second.
    pub fn to_der(&self, parents: ParentWrapping) -> Vec<u8> {
        let mut entries: Vec<(u32, Vec<u8>)> = Vec::new();
        let singles = [
            (entry::ID_NUMBER, Some(&self.id_number)),
            (entry::FULL_NAME, Some(&self.full_name)),
            (entry::DATE_OF_BIRTH, Some(&self.date_of_birth)),
            (entry::SEX, self.sex.as_ref()),
            (entry::NATIONALITY, self.nationality.as_ref()),
            (entry::ETHNICITY, self.ethnicity.as_ref()),
            (entry::RELIGION, self.religion.as_ref()),
            (entry::PLACE_OF_ORIGIN, self.place_of_origin.as_ref()),
            (entry::PLACE_OF_RESIDENCE, self.place_of_residence.as_ref()),
            (entry::IDENTIFYING_MARKS, self.identifying_marks.as_ref()),
            (entry::ISSUE_DATE, self.issue_date.as_ref()),
            (entry::EXPIRY_DATE, self.expiry_date.as_ref()),
            (entry::SPOUSE, self.spouse_name.as_ref()),
        ];
        for (number, value) in singles {
            if let Some(value) = value {
                entries.push((number, utf8_string(value)));
            }
        }
        if let Some(parents) = self.parents_value(parents) {
            entries.push((entry::PARENTS, parents));
        }
        for (number, values) in &self.other {
            let encoded = values
                .expose()
                .iter()
                .flat_map(|value| encode_tlv(Tag::UTF8_STRING, value.as_bytes()))
                .collect();
            entries.push((*number, encoded));
        }
        if let Some(old_id_number) = &self.old_id_number {
            let [first, second] = entry::OLD_ID_NUMBER;
            let taken = self.other.iter().any(|(number, _)| *number == first);
            let number = if taken { second } else { first };
            entries.push((number, utf8_string(old_id_number)));
        }
        entries.sort_by_key(|(number, _)| *number);

        let set: Vec<u8> = entries
            .iter()
            .flat_map(|(number, values)| {
                let content = [integer(*number), values.clone()].concat();
                encode_tlv(Tag::SEQUENCE, &content)
            })
            .collect();
        let mut document = integer(self.version.unwrap_or(1));
        if let Some(oid) = &self.oid {
            document.extend(encode_tlv(Tag::OBJECT_IDENTIFIER, oid));
        }
        document.extend(encode_tlv(Tag::SET, &set));
        encode_tlv(
            Tag::from(DataGroup::Dg13.tag()),
            &encode_tlv(Tag::SEQUENCE, &document),
        )
    }

    /// The values of entry 13 (after its INTEGER), or `None` when neither parent is known.
    fn parents_value(&self, wrapping: ParentWrapping) -> Option<Vec<u8>> {
        let empty = Sensitive::new(String::new());
        let (father, mother) = match (&self.father_name, &self.mother_name) {
            (None, None) => return None,
            (Some(father), None) => (utf8_string(father), Vec::new()),
            (father, Some(mother)) => (
                utf8_string(father.as_ref().unwrap_or(&empty)),
                utf8_string(mother),
            ),
        };
        let value = match wrapping {
            ParentWrapping::Direct => [father, mother].concat(),
            ParentWrapping::EachInSequence => {
                let mut value = encode_tlv(Tag::SEQUENCE, &father);
                if !mother.is_empty() {
                    value.extend(encode_tlv(Tag::SEQUENCE, &mother));
                }
                value
            }
            ParentWrapping::BothInSequence => encode_tlv(Tag::SEQUENCE, &[father, mother].concat()),
        };
        Some(value)
    }
}

fn utf8_string(value: &Sensitive<String>) -> Vec<u8> {
    encode_tlv(Tag::UTF8_STRING, value.expose().as_bytes())
}

/// A DER INTEGER: the shortest big-endian two's complement (ISO/IEC 8825-1 §8.3.2).
fn integer(value: u32) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let mut content: Vec<u8> = bytes
        .iter()
        .copied()
        .skip_while(|&byte| byte == 0)
        .collect();
    if content.first().is_none_or(|&first| first & 0x80 != 0) {
        content.insert(0, 0);
    }
    encode_tlv(Tag::INTEGER, &content)
}
