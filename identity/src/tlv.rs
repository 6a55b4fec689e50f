//! BER-TLV data objects: the encoding of every file on the chip.
//!
//! The logical data structure of an eMRTD (ICAO 9303-10 §4.4) is built from BER-TLV data
//! objects as ISO/IEC 7816-4 §5.2 profiles ISO/IEC 8825-1: a tag of one to a few bytes, a
//! definite length, then the value, which for a constructed tag is itself a run of data
//! objects. Every byte here comes from a chip the kiosk does not trust, so the reader:
//!
//! - never copies: a [`Tlv`] borrows its tag's value and raw encoding from the input;
//! - checks every declared length against the bytes that really follow, and reports the
//!   offset of the bad object in the outermost input ([`TlvError::offset`]);
//! - refuses what the LDS never uses and a hostile chip could abuse: indefinite lengths,
//!   length fields over 4 bytes, tags over 4 bytes;
//! - counts nesting and stops at [`MAX_DEPTH`], so code that walks a tree recursively
//!   cannot be driven into stack exhaustion.
//!
//! [`encode_tlv`] writes data objects back (for the card emulator and the tests), and
//! [`total_len_from_header`] tells the chip reader how long a file is from its first bytes.

mod encode;
#[cfg(test)]
mod tests;

pub use encode::{encode_length, encode_tlv};

use std::fmt;

/// How many levels of constructed data objects a reader may descend below the outermost
/// one. The deepest LDS structure (DG2: 75 → 7F61 → 7F60 → A1 → 80) uses five; the
/// margin admits the DG13 wrapping variants without admitting a stack-exhausting chip.
pub const MAX_DEPTH: usize = 16;

/// The longest tag accepted, in bytes. ICAO 9303 uses at most two (5F1F, 7F61); ISO/IEC
/// 7816-4 §5.2.2.1 allows up to three; four leaves room and still fits a `u32`.
const MAX_TAG_BYTES: usize = 4;

/// The longest length field accepted after its first byte: 0x84 announces four bytes,
/// already 4 GiB, far beyond any chip's memory (ISO/IEC 7816-4 §5.2.2.2).
const MAX_LENGTH_BYTES: usize = 4;

/// A BER tag, kept as the big-endian number of its encoded bytes: `Tag::new(0x5F1F)` is
/// the two bytes 5F 1F, as ICAO 9303 writes tags.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(u32);

/// The class of a tag: the two high bits of its first byte (ISO/IEC 8825-1 §8.1.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagClass {
    Universal,
    Application,
    ContextSpecific,
    Private,
}

impl Tag {
    pub const INTEGER: Tag = Tag(0x02);
    pub const OCTET_STRING: Tag = Tag(0x04);
    pub const OBJECT_IDENTIFIER: Tag = Tag(0x06);
    pub const UTF8_STRING: Tag = Tag(0x0C);
    pub const PRINTABLE_STRING: Tag = Tag(0x13);
    pub const IA5_STRING: Tag = Tag(0x16);
    pub const BMP_STRING: Tag = Tag(0x1E);
    pub const SEQUENCE: Tag = Tag(0x30);
    pub const SET: Tag = Tag(0x31);

    /// The tag whose encoded bytes, read as a big-endian number, are `encoded`. The caller
    /// states a well-formed tag (as the specifications print them); [`Tlv::parse`] is the
    /// way to get tags from outside data.
    pub const fn new(encoded: u32) -> Self {
        Self(encoded)
    }

    /// The encoded bytes as a big-endian number (`0x5F1F` for 5F 1F).
    pub const fn value(self) -> u32 {
        self.0
    }

    /// How many bytes the tag takes; at least one, so that tag 00 still encodes.
    pub fn encoded_len(self) -> usize {
        let significant_bits = 32 - self.0.leading_zeros() as usize;
        significant_bits.div_ceil(8).max(1)
    }

    /// The encoded bytes, first byte first.
    pub fn to_bytes(self) -> Vec<u8> {
        let bytes = self.0.to_be_bytes();
        bytes
            .iter()
            .skip(bytes.len() - self.encoded_len())
            .copied()
            .collect()
    }

    /// The first encoded byte, which carries the class and the constructed bit.
    fn first_byte(self) -> u8 {
        self.to_bytes().first().copied().unwrap_or(0)
    }

    /// Whether the value is a run of data objects (bit 6 of the first byte, ISO/IEC
    /// 8825-1 §8.1.2.5).
    pub fn is_constructed(self) -> bool {
        self.first_byte() & 0x20 != 0
    }

    pub fn class(self) -> TagClass {
        match self.first_byte() >> 6 {
            0 => TagClass::Universal,
            1 => TagClass::Application,
            2 => TagClass::ContextSpecific,
            _ => TagClass::Private,
        }
    }
}

impl From<u8> for Tag {
    fn from(byte: u8) -> Self {
        Self(u32::from(byte))
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Tag({self})")
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{:0width$X}",
            self.0,
            width = self.encoded_len() * 2
        )
    }
}

/// Why bytes are not a well-formed run of BER-TLV data objects. `offset` is where the
/// offending data object starts, counted from the start of the outermost input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlvError {
    #[error("BER-TLV at offset {offset}: the input ends inside the tag")]
    TruncatedTag { offset: usize },
    #[error("BER-TLV at offset {offset}: the tag is longer than {MAX_TAG_BYTES} bytes")]
    TagTooLong { offset: usize },
    #[error("BER-TLV at offset {offset}: the input ends inside the length")]
    TruncatedLength { offset: usize },
    #[error("BER-TLV at offset {offset}: indefinite length (80) is not allowed")]
    IndefiniteLength { offset: usize },
    #[error(
        "BER-TLV at offset {offset}: a length field of {length_bytes} bytes; at most {MAX_LENGTH_BYTES} are allowed"
    )]
    LengthFieldTooLong { offset: usize, length_bytes: u8 },
    #[error(
        "BER-TLV at offset {offset}: declares a value of {declared} bytes but only {available} follow"
    )]
    ValueOverrun {
        offset: usize,
        declared: usize,
        available: usize,
    },
    #[error("BER-TLV at offset {offset}: nested deeper than {limit} levels")]
    TooDeep { offset: usize, limit: usize },
    #[error("BER-TLV at offset {offset}: expected tag {expected}, found {found}")]
    UnexpectedTag {
        offset: usize,
        expected: Tag,
        found: Tag,
    },
    #[error("BER-TLV at offset {offset}: tag {tag} is primitive and has no data objects inside")]
    NotConstructed { offset: usize, tag: Tag },
    #[error("BER-TLV at offset {offset}: {parent} has no data object {missing}")]
    MissingTag {
        offset: usize,
        parent: Tag,
        missing: Tag,
    },
    #[error("BER-TLV at offset {offset}: {count} bytes follow the data object")]
    TrailingBytes { offset: usize, count: usize },
}

impl TlvError {
    /// Where the offending data object starts in the outermost input.
    pub fn offset(&self) -> usize {
        match *self {
            Self::TruncatedTag { offset }
            | Self::TagTooLong { offset }
            | Self::TruncatedLength { offset }
            | Self::IndefiniteLength { offset }
            | Self::LengthFieldTooLong { offset, .. }
            | Self::ValueOverrun { offset, .. }
            | Self::TooDeep { offset, .. }
            | Self::UnexpectedTag { offset, .. }
            | Self::NotConstructed { offset, .. }
            | Self::MissingTag { offset, .. }
            | Self::TrailingBytes { offset, .. } => offset,
        }
    }
}

/// One data object, borrowed from the input it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: Tag,
    /// The value field: for a constructed tag, the encoding of the data objects inside.
    pub value: &'a [u8],
    /// Tag, length and value as they were read, e.g. for hashing a data group.
    pub raw: &'a [u8],
    offset: usize,
    depth: usize,
}

impl<'a> Tlv<'a> {
    /// Reads the first data object of `input`; returns it and the bytes after it.
    pub fn parse(input: &'a [u8]) -> Result<(Tlv<'a>, &'a [u8]), TlvError> {
        parse_at(input, 0, 0)
    }

    /// Reads `input` as exactly one data object: a file read from the chip.
    pub fn parse_exact(input: &'a [u8]) -> Result<Tlv<'a>, TlvError> {
        let (tlv, rest) = Self::parse(input)?;
        if rest.is_empty() {
            Ok(tlv)
        } else {
            Err(TlvError::TrailingBytes {
                offset: tlv.raw.len(),
                count: rest.len(),
            })
        }
    }

    /// Where this data object starts in the outermost input.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Where the value starts in the outermost input.
    pub fn value_offset(&self) -> usize {
        self.offset + (self.raw.len() - self.value.len())
    }

    /// How many constructed data objects enclose this one (0 for the outermost).
    pub fn depth(&self) -> usize {
        self.depth
    }

    pub fn is_constructed(&self) -> bool {
        self.tag.is_constructed()
    }

    /// This data object if its tag is `expected`.
    pub fn expect_tag(self, expected: Tag) -> Result<Self, TlvError> {
        if self.tag == expected {
            Ok(self)
        } else {
            Err(TlvError::UnexpectedTag {
                offset: self.offset,
                expected,
                found: self.tag,
            })
        }
    }

    /// The data objects inside a constructed one, in order.
    pub fn children(&self) -> Result<TlvIter<'a>, TlvError> {
        if !self.is_constructed() {
            return Err(TlvError::NotConstructed {
                offset: self.offset,
                tag: self.tag,
            });
        }
        Ok(TlvIter {
            rest: self.value,
            offset: self.value_offset(),
            depth: self.depth + 1,
            failed: false,
        })
    }

    /// The first data object directly inside this one with tag `tag`, if any. An object
    /// that is malformed before the match is an error, not a miss.
    pub fn find(&self, tag: Tag) -> Result<Option<Tlv<'a>>, TlvError> {
        for child in self.children()? {
            let child = child?;
            if child.tag == tag {
                return Ok(Some(child));
            }
        }
        Ok(None)
    }

    /// Like [`find`](Self::find), for a data object the specification makes mandatory.
    pub fn require(&self, tag: Tag) -> Result<Tlv<'a>, TlvError> {
        self.find(tag)?.ok_or(TlvError::MissingTag {
            offset: self.offset,
            parent: self.tag,
            missing: tag,
        })
    }
}

/// The data objects of a run, one after the other. After the first error it yields nothing
/// more: once a length is wrong, nothing after it can be located.
#[derive(Debug, Clone)]
pub struct TlvIter<'a> {
    rest: &'a [u8],
    offset: usize,
    depth: usize,
    failed: bool,
}

/// The data objects of `input` read as a run at the outermost level (e.g. the value of a
/// template handed over without its tag).
pub fn iter(input: &[u8]) -> TlvIter<'_> {
    TlvIter {
        rest: input,
        offset: 0,
        depth: 0,
        failed: false,
    }
}

impl<'a> Iterator for TlvIter<'a> {
    type Item = Result<Tlv<'a>, TlvError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        match parse_at(self.rest, self.offset, self.depth) {
            Ok((tlv, rest)) => {
                self.offset += tlv.raw.len();
                self.rest = rest;
                Some(Ok(tlv))
            }
            Err(error) => {
                self.failed = true;
                Some(Err(error))
            }
        }
    }
}

impl std::iter::FusedIterator for TlvIter<'_> {}

/// The length of a whole file, header included, from its first bytes; `None` when
/// `prefix` ends before the length field does. Four bytes are enough for an LDS file with
/// a one-byte tag and a value under 64 KiB (tag, 82, two length bytes); seven cover a
/// two-byte tag with any accepted length (tag, 84, four length bytes).
pub fn total_len_from_header(prefix: &[u8]) -> Result<Option<usize>, TlvError> {
    let header = match read_header(prefix, 0) {
        Ok(header) => header,
        Err(TlvError::TruncatedTag { .. } | TlvError::TruncatedLength { .. }) => return Ok(None),
        Err(error) => return Err(error),
    };
    header
        .header_len
        .checked_add(header.value_len)
        .map(Some)
        .ok_or(TlvError::ValueOverrun {
            offset: 0,
            declared: header.value_len,
            available: prefix.len().saturating_sub(header.header_len),
        })
}

/// Tag and length of a data object, before its value has been checked against the input.
struct Header {
    tag: Tag,
    header_len: usize,
    value_len: usize,
}

fn parse_at(input: &[u8], offset: usize, depth: usize) -> Result<(Tlv<'_>, &[u8]), TlvError> {
    if depth > MAX_DEPTH {
        return Err(TlvError::TooDeep {
            offset,
            limit: MAX_DEPTH,
        });
    }
    let header = read_header(input, offset)?;
    let available = input.len().saturating_sub(header.header_len);
    let overrun = TlvError::ValueOverrun {
        offset,
        declared: header.value_len,
        available,
    };
    if header.value_len > available {
        return Err(overrun);
    }
    let end = header
        .header_len
        .checked_add(header.value_len)
        .ok_or_else(|| overrun.clone())?;
    let (raw, rest) = input.split_at_checked(end).ok_or_else(|| overrun.clone())?;
    let value = raw.get(header.header_len..).ok_or(overrun)?;
    let tlv = Tlv {
        tag: header.tag,
        value,
        raw,
        offset,
        depth,
    };
    Ok((tlv, rest))
}

fn read_header(input: &[u8], offset: usize) -> Result<Header, TlvError> {
    let (tag, tag_len) = read_tag(input, offset)?;
    let (value_len, length_len) = read_length(input, tag_len, offset)?;
    Ok(Header {
        tag,
        header_len: tag_len + length_len,
        value_len,
    })
}

/// ISO/IEC 8825-1 §8.1.2: if the low five bits of the first byte are all set, the tag
/// number continues in the following bytes, each with bit 8 set except the last.
fn read_tag(input: &[u8], offset: usize) -> Result<(Tag, usize), TlvError> {
    let first = *input.first().ok_or(TlvError::TruncatedTag { offset })?;
    let mut tag = u32::from(first);
    let mut tag_len = 1;
    if first & 0x1F == 0x1F {
        loop {
            if tag_len == MAX_TAG_BYTES {
                return Err(TlvError::TagTooLong { offset });
            }
            let next = *input
                .get(tag_len)
                .ok_or(TlvError::TruncatedTag { offset })?;
            tag = (tag << 8) | u32::from(next);
            tag_len += 1;
            if next & 0x80 == 0 {
                break;
            }
        }
    }
    Ok((Tag(tag), tag_len))
}

/// ISO/IEC 7816-4 §5.2.2.2: one byte 00–7F is the length itself; 81–84 announce one to
/// four big-endian length bytes. 80 (indefinite, ISO/IEC 8825-1 §8.1.3.6) never occurs in
/// the LDS, and FF is reserved.
fn read_length(input: &[u8], at: usize, offset: usize) -> Result<(usize, usize), TlvError> {
    let first = *input.get(at).ok_or(TlvError::TruncatedLength { offset })?;
    match first {
        0x00..=0x7F => Ok((usize::from(first), 1)),
        0x80 => Err(TlvError::IndefiniteLength { offset }),
        0x81..=0x84 => {
            let count = usize::from(first & 0x7F);
            let bytes = input
                .get(at + 1..at + 1 + count)
                .ok_or(TlvError::TruncatedLength { offset })?;
            let length = bytes
                .iter()
                .fold(0u32, |length, &byte| (length << 8) | u32::from(byte));
            // A u32 always fits the usize of the 32- and 64-bit targets the kiosk runs on;
            // anything smaller could not address such a value anyway.
            let length = usize::try_from(length).map_err(|_| TlvError::ValueOverrun {
                offset,
                declared: usize::MAX,
                available: input.len(),
            })?;
            Ok((length, 1 + count))
        }
        _ => Err(TlvError::LengthFieldTooLong {
            offset,
            length_bytes: first & 0x7F,
        }),
    }
}
