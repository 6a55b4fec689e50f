//! Bytes on the wire of secure messaging: the data objects of ICAO 9303-11 §9.8 (one-byte
//! tags, BER lengths) and command APDUs parsed back from their encoding.
//!
//! Everything here reads bytes a card (or, on the chip side, a terminal) sent, so every
//! length is checked against the bytes that are actually there.

use crate::apdu::{CommandApdu, EncodeError};

use super::SmError;

/// Tags of the secure-messaging data objects (ISO/IEC 7816-4 §10.2, ICAO 9303-11 §9.8.4).
pub(crate) mod tag {
    /// Cryptogram, plain value BER-TLV (used with odd INS).
    pub const CRYPTOGRAM_ODD: u8 = 0x85;
    /// Padding-content indicator byte, then the cryptogram.
    pub const CRYPTOGRAM: u8 = 0x87;
    /// Protected Le.
    pub const LE: u8 = 0x97;
    /// Processing status SW1 SW2.
    pub const STATUS: u8 = 0x99;
    /// Cryptographic checksum (the MAC).
    pub const MAC: u8 = 0x8E;
}

/// Padding-content indicator of DO'87': padded with ISO/IEC 9797-1 method 2.
pub(crate) const PADDING_INDICATOR: u8 = 0x01;

/// One data object: its tag, its value, and all of its bytes (which the MAC covers).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DataObject<'a> {
    pub tag: u8,
    pub value: &'a [u8],
    pub raw: &'a [u8],
}

/// Splits `bytes` into one-byte-tag data objects with BER lengths of up to three bytes.
pub(crate) fn read_objects(bytes: &[u8]) -> Result<Vec<DataObject<'_>>, SmError> {
    let mut objects = Vec::new();
    let mut rest = bytes;
    while let Some((&tag, after_tag)) = rest.split_first() {
        if tag & 0x1F == 0x1F {
            // A multi-byte tag: no secure-messaging object has one.
            return Err(SmError::UnexpectedObject(tag));
        }
        let (&first, after_first) = after_tag.split_first().ok_or(SmError::Truncated)?;
        let (len, after_len) = match first {
            0x00..=0x7F => (usize::from(first), after_first),
            0x81 => {
                let (&len, after) = after_first.split_first().ok_or(SmError::Truncated)?;
                (usize::from(len), after)
            }
            0x82 => {
                let (len, after) = after_first
                    .split_first_chunk::<2>()
                    .ok_or(SmError::Truncated)?;
                (usize::from(u16::from_be_bytes(*len)), after)
            }
            _ => return Err(SmError::BadLength(first)),
        };
        let (value, after_value) = after_len.split_at_checked(len).ok_or(SmError::Truncated)?;
        let (raw, _) = rest
            .split_at_checked(rest.len() - after_value.len())
            .ok_or(SmError::Truncated)?;
        objects.push(DataObject { tag, value, raw });
        rest = after_value;
    }
    Ok(objects)
}

/// Appends tag, BER length and value to `out`.
pub(crate) fn write_object(out: &mut Vec<u8>, tag: u8, value: &[u8]) -> Result<(), SmError> {
    out.push(tag);
    match value.len() {
        len @ 0..=0x7F => out.push(len as u8),
        len @ 0x80..=0xFF => out.extend([0x81, len as u8]),
        len @ 0x100..=0xFFFF => {
            out.push(0x82);
            out.extend((len as u16).to_be_bytes());
        }
        len => return Err(SmError::Encode(EncodeError::DataTooLong(len))),
    }
    out.extend_from_slice(value);
    Ok(())
}

/// Parses an encoded command APDU in the cases of ISO/IEC 7816-3 §12.1.3, short and
/// extended length. An Le of zero reads back as its maximum (256 or 65536), as
/// [`CommandApdu::encode`] writes it.
pub fn parse_command_apdu(bytes: &[u8]) -> Result<CommandApdu, SmError> {
    let (header, body) = bytes
        .split_first_chunk::<4>()
        .ok_or(SmError::MalformedCommand)?;
    let [cla, ins, p1, p2] = *header;
    let mut command = CommandApdu::new(cla, ins, p1, p2);
    let short_le = |byte: u8| if byte == 0 { 256 } else { usize::from(byte) };
    let extended_le = |hi: u8, lo: u8| match u16::from_be_bytes([hi, lo]) {
        0 => 0x1_0000,
        le => usize::from(le),
    };
    match *body {
        [] => {}
        [le] => command.le = Some(short_le(le)),
        [0, hi, lo] => command.le = Some(extended_le(hi, lo)),
        [0, hi, lo, ref rest @ ..] => {
            let lc = usize::from(u16::from_be_bytes([hi, lo]));
            if lc == 0 {
                return Err(SmError::MalformedCommand);
            }
            let (data, trailer) = rest.split_at_checked(lc).ok_or(SmError::MalformedCommand)?;
            command.data = data.to_vec();
            match *trailer {
                [] => {}
                [le_hi, le_lo] => command.le = Some(extended_le(le_hi, le_lo)),
                _ => return Err(SmError::MalformedCommand),
            }
        }
        [lc, ref rest @ ..] => {
            if lc == 0 {
                return Err(SmError::MalformedCommand);
            }
            let (data, trailer) = rest
                .split_at_checked(usize::from(lc))
                .ok_or(SmError::MalformedCommand)?;
            command.data = data.to_vec();
            match *trailer {
                [] => {}
                [le] => command.le = Some(short_le(le)),
                _ => return Err(SmError::MalformedCommand),
            }
        }
    }
    Ok(command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_objects_with_every_length_form() {
        let mut bytes = Vec::new();
        write_object(&mut bytes, 0x87, &[1; 5]).unwrap();
        write_object(&mut bytes, 0x87, &[2; 200]).unwrap();
        write_object(&mut bytes, 0x87, &[3; 300]).unwrap();
        assert_eq!(&bytes[..2], &[0x87, 0x05]);
        assert_eq!(&bytes[7..10], &[0x87, 0x81, 200]);
        assert_eq!(&bytes[210..214], &[0x87, 0x82, 0x01, 0x2C]);
        let objects = read_objects(&bytes).unwrap();
        assert_eq!(objects.len(), 3);
        assert_eq!(objects[2].value, &[3; 300][..]);
        assert_eq!(objects[1].raw.len(), 203);
    }

    #[test]
    fn refuses_lengths_beyond_the_input() {
        assert_eq!(read_objects(&[0x87]).unwrap_err(), SmError::Truncated);
        assert_eq!(
            read_objects(&[0x87, 0x05, 1, 2]).unwrap_err(),
            SmError::Truncated
        );
        assert_eq!(
            read_objects(&[0x87, 0x82, 0x01]).unwrap_err(),
            SmError::Truncated
        );
        assert_eq!(
            read_objects(&[0x87, 0x84, 0, 0, 0, 1]).unwrap_err(),
            SmError::BadLength(0x84)
        );
        assert_eq!(
            read_objects(&[0x9F, 0x01, 0x00]).unwrap_err(),
            SmError::UnexpectedObject(0x9F)
        );
    }

    #[test]
    fn parses_what_encode_writes() {
        let cases = [
            CommandApdu::new(0x0C, 0xA4, 0x02, 0x0C),
            CommandApdu::new(0x0C, 0xB0, 0x00, 0x00).with_le(256),
            CommandApdu::new(0x0C, 0xB0, 0x00, 0x00).with_le(0x1_0000),
            CommandApdu::new(0x0C, 0xA4, 0x02, 0x0C).with_data([1, 0x1E]),
            CommandApdu::new(0x0C, 0xA4, 0x02, 0x0C)
                .with_data([1, 0x1E])
                .with_le(256),
            CommandApdu::new(0x0C, 0xD6, 0, 0).with_data(vec![7; 300]),
            CommandApdu::new(0x0C, 0xD6, 0, 0)
                .with_data(vec![7; 300])
                .with_le(0x1_0000),
            CommandApdu::new(0x0C, 0xB0, 0, 0)
                .with_data([1])
                .with_le(1000),
        ];
        for command in cases {
            let bytes = command.encode().unwrap();
            assert_eq!(parse_command_apdu(&bytes).unwrap(), command, "{bytes:02X?}");
        }
    }

    #[test]
    fn rejects_inconsistent_commands() {
        for bytes in [
            &[0x00, 0xA4, 0x02][..],
            &[0x00, 0xA4, 0x02, 0x0C, 0x05, 1, 2],
            &[0x00, 0xA4, 0x02, 0x0C, 0x01, 1, 2, 3],
            &[0x00, 0xA4, 0x02, 0x0C, 0x00, 0x00, 0x00, 1],
            &[0x00, 0xA4, 0x02, 0x0C, 0x00, 0x00, 0x02, 1],
            &[0x00, 0xA4, 0x02, 0x0C, 0x00, 0x00, 0x01, 1, 2],
            &[0x00, 0xA4, 0x02, 0x0C, 0x00, 0x01],
        ] {
            assert_eq!(
                parse_command_apdu(bytes),
                Err(SmError::MalformedCommand),
                "{bytes:02X?}"
            );
        }
    }
}
