//! Writing SecurityInfos in DER, for the card emulator and the sample-card generator.

use der::Encode;

use super::{SecurityInfo, SecurityInfoError};
use crate::tlv::{Tag, encode_tlv};

/// A big-endian magnitude without leading zero bytes (empty for zero).
pub(super) fn minimal_unsigned(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().copied().skip_while(|&b| b == 0).collect()
}

/// The content octets of a non-negative DER INTEGER with this big-endian magnitude: a
/// leading 00 when the high bit is set, and a single 00 for zero (X.690 §8.3.2).
pub(super) fn unsigned_integer_bytes(magnitude: &[u8]) -> Vec<u8> {
    let mut out = minimal_unsigned(magnitude);
    if out.first().is_none_or(|&b| b & 0x80 != 0) {
        out.insert(0, 0);
    }
    out
}

fn integer(value: u32) -> Vec<u8> {
    encode_tlv(Tag::INTEGER, &unsigned_integer_bytes(&value.to_be_bytes()))
}

fn oid(oid: &const_oid::ObjectIdentifier) -> Vec<u8> {
    encode_tlv(Tag::OBJECT_IDENTIFIER, oid.as_bytes())
}

fn der<T: Encode>(value: &T) -> Result<Vec<u8>, SecurityInfoError> {
    value
        .to_der()
        .map_err(|error| SecurityInfoError::Encode(error.to_string()))
}

pub(super) fn security_info(info: &SecurityInfo) -> Result<Vec<u8>, SecurityInfoError> {
    let fields = match info {
        SecurityInfo::Pace(pace) => {
            let mut fields = [oid(&pace.protocol.oid()), integer(pace.version)].concat();
            if let Some(parameters) = pace.parameter_id {
                fields.extend(integer(parameters.id()));
            }
            fields
        }
        SecurityInfo::PaceDomainParameter(domain) => {
            let mut fields = [oid(&domain.mapping.oid()), der(&domain.domain_parameter)?].concat();
            if let Some(id) = domain.parameter_id {
                fields.extend(integer(id));
            }
            fields
        }
        SecurityInfo::ChipAuthentication(ca) => {
            let mut fields = [oid(&ca.protocol.oid()), integer(ca.version)].concat();
            if let Some(key_id) = &ca.key_id {
                fields.extend(encode_tlv(
                    Tag::INTEGER,
                    &unsigned_integer_bytes(key_id.bytes()),
                ));
            }
            fields
        }
        SecurityInfo::ChipAuthenticationPublicKey(key) => {
            let mut fields = [
                oid(&super::protocol::public_key_oid(key.key_agreement)),
                der(&key.key)?,
            ]
            .concat();
            if let Some(key_id) = &key.key_id {
                fields.extend(encode_tlv(
                    Tag::INTEGER,
                    &unsigned_integer_bytes(key_id.bytes()),
                ));
            }
            fields
        }
        SecurityInfo::TerminalAuthentication(ta) => {
            let mut fields = [oid(&super::protocol::ID_TA), integer(ta.version)].concat();
            if let Some(file_id) = &ta.ef_cvca {
                fields.extend_from_slice(file_id);
            }
            fields
        }
        SecurityInfo::ActiveAuthentication(aa) => [
            oid(&super::protocol::ID_AA),
            integer(aa.version),
            oid(&aa.signature_algorithm),
        ]
        .concat(),
        SecurityInfo::Unknown(unknown) => return Ok(unknown.raw.clone()),
    };
    Ok(encode_tlv(Tag::SEQUENCE, &fields))
}
