//! Writing BER-TLV data objects, for the card emulator and the tests.

use super::Tag;

/// The data object `tag`, `value`, with the shortest definite length (DER, ISO/IEC
/// 8825-1 §10.1), as ICAO 9303-10 §4.4 requires of the LDS.
pub fn encode_tlv(tag: Tag, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tag.encoded_len() + 1 + size_of::<usize>() + value.len());
    out.extend(tag.to_bytes());
    encode_length(value.len(), &mut out);
    out.extend_from_slice(value);
    out
}

/// Appends the shortest definite encoding of `len`: one byte below 128, otherwise 8x and
/// the length in x big-endian bytes (ISO/IEC 7816-4 §5.2.2.2).
pub fn encode_length(len: usize, out: &mut Vec<u8>) {
    if let Ok(short @ 0..=0x7F) = u8::try_from(len) {
        out.push(short);
        return;
    }
    let bytes = len.to_be_bytes();
    let leading_zero_bytes = (len.leading_zeros() / 8) as usize;
    let count = bytes.len() - leading_zero_bytes;
    // `count` is at most size_of::<usize>() (8), so it always fits the low seven bits.
    out.push(0x80 | count as u8);
    out.extend(bytes.iter().skip(leading_zero_bytes));
}
