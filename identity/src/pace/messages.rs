//! The APDUs and data objects of PACE (ICAO 9303-11 §4.4.4; BSI TR-03110-3 §B.1, §B.11),
//! the nonce encryption and the authentication token.

use cbc::cipher::KeyInit;
use cmac::{Cmac, Mac};
use const_oid::ObjectIdentifier;
use zeroize::Zeroizing;

use crate::apdu::{CommandApdu, ResponseApdu, StatusWord};
use crate::sm::cipher::MAC_LEN;
use crate::sm::kdf::{KeyPurpose, derive_key};
use crate::sm::{Cipher, SessionKeys, SmError};
use crate::tlv::{self, Tag, Tlv};

use super::{PaceError, PaceStep, ResponseProblem};

pub(super) const INS_MSE: u8 = 0x22;
/// MSE:Set AT for mutual authentication: P1 C1 (set, computation/verification), P2 A4
/// (the authentication template, ISO/IEC 7816-4 §7.5.11).
pub(super) const P1_SET_AT: u8 = 0xC1;
pub(super) const P2_AT: u8 = 0xA4;
pub(super) const INS_GENERAL_AUTHENTICATE: u8 = 0x86;
/// Command chaining (ISO/IEC 7816-4 §5.4.1): every GENERAL AUTHENTICATE but the last.
pub(super) const CLA_CHAINING: u8 = 0x10;

/// Tags inside MSE:Set AT.
pub(super) mod set_at {
    pub const PROTOCOL: u8 = 0x80;
    pub const PASSWORD: u8 = 0x83;
    pub const DOMAIN_PARAMETERS: u8 = 0x84;
}

/// Tags of the dynamic authentication data (ICAO 9303-11 §4.4.4.2).
pub(super) mod dad {
    pub const TEMPLATE: u32 = 0x7C;
    pub const ENCRYPTED_NONCE: u8 = 0x80;
    pub const MAPPING_TERMINAL: u8 = 0x81;
    pub const MAPPING_CHIP: u8 = 0x82;
    pub const EPHEMERAL_TERMINAL: u8 = 0x83;
    pub const EPHEMERAL_CHIP: u8 = 0x84;
    pub const TOKEN_TERMINAL: u8 = 0x85;
    pub const TOKEN_CHIP: u8 = 0x86;
}

/// MSE:Set AT (00 22 C1 A4) with DO'80' the protocol OID, DO'83' the password reference,
/// and DO'84' the standardized domain parameter ID when the PACEInfo gives one.
pub(super) fn mse_set_at(
    protocol: &ObjectIdentifier,
    password_reference: u8,
    parameter_id: Option<u32>,
) -> CommandApdu {
    let mut data = tlv::encode_tlv(Tag::from(set_at::PROTOCOL), protocol.as_bytes());
    data.extend(tlv::encode_tlv(
        Tag::from(set_at::PASSWORD),
        &[password_reference],
    ));
    if let Some(id) = parameter_id {
        let bytes = id.to_be_bytes();
        let significant = bytes
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(bytes.len() - 1);
        let id = bytes.get(significant..).unwrap_or(&[0]);
        data.extend(tlv::encode_tlv(Tag::from(set_at::DOMAIN_PARAMETERS), id));
    }
    CommandApdu::new(0x00, INS_MSE, P1_SET_AT, P2_AT).with_data(data)
}

/// GENERAL AUTHENTICATE with `objects` inside DO'7C', chained unless `last`; Le 00.
pub(super) fn general_authenticate(objects: &[u8], last: bool) -> CommandApdu {
    let cla = if last { 0x00 } else { CLA_CHAINING };
    CommandApdu::new(cla, INS_GENERAL_AUTHENTICATE, 0x00, 0x00)
        .with_data(tlv::encode_tlv(Tag::new(dad::TEMPLATE), objects))
        .with_le(0x100)
}

/// One data object `tag`, `value` for inside DO'7C'.
pub(super) fn object(tag: u8, value: &[u8]) -> Vec<u8> {
    tlv::encode_tlv(Tag::from(tag), value)
}

/// The value of DO `tag` inside the DO'7C' of `data`. Other objects are tolerated: the
/// last answer may carry certificate references (DO'87', DO'88') the kiosk does not use.
pub(super) fn dynamic_object(data: &[u8], tag: u8, step: PaceStep) -> Result<Vec<u8>, PaceError> {
    let malformed = |problem| PaceError::Malformed { step, problem };
    let template = Tlv::parse_exact(data).map_err(|e| malformed(ResponseProblem::Tlv(e)))?;
    if template.tag != Tag::new(dad::TEMPLATE) {
        return Err(malformed(ResponseProblem::NotDynamicAuthenticationData(
            template.tag,
        )));
    }
    let found = template
        .find(Tag::from(tag))
        .map_err(|e| malformed(ResponseProblem::Tlv(e)))?
        .ok_or(malformed(ResponseProblem::Missing(tag)))?;
    Ok(found.value.to_vec())
}

/// The chip's answer as a status-word error, for every refusal the terminal meets.
/// 6300 and 63Cx are what a chip answers to a wrong password (BSI TR-03110-3 §B.11.1);
/// x is the number of tries the password has left.
pub(super) fn refusal(step: PaceStep, status: StatusWord) -> PaceError {
    match status.0 {
        0x6300 => PaceError::WrongAccessKey {
            remaining_tries: None,
        },
        0x63C0..=0x63CF => PaceError::WrongAccessKey {
            remaining_tries: Some(status.sw2() & 0x0F),
        },
        0x6983 => PaceError::PasswordBlocked,
        _ => PaceError::Refused { step, status },
    }
}

/// A successful answer's data, or the refusal.
pub(super) fn success_data(response: &ResponseApdu, step: PaceStep) -> Result<&[u8], PaceError> {
    if response.status.is_success() {
        Ok(&response.data)
    } else {
        Err(refusal(step, response.status))
    }
}

/// K_π = KDF_π(f(π)) = KDF(f(π), 3) (ICAO 9303-11 §9.7.3), as a key of `cipher` for both
/// halves so the CBC of [`SessionKeys`] can use it.
pub(super) fn password_key(cipher: Cipher, password: &[u8]) -> Result<SessionKeys, SmError> {
    let key = derive_key(cipher, password, KeyPurpose::Password);
    SessionKeys::new(cipher, &key, &key)
}

/// z = E(K_π, s): CBC with a zero IV over whole blocks, no padding (ICAO 9303-11 §4.4.3.1).
pub(super) fn encrypt_nonce(key: &SessionKeys, nonce: &[u8]) -> Result<Vec<u8>, SmError> {
    let mut z = nonce.to_vec();
    key.cbc_encrypt(&vec![0; key.cipher().block_len()], &mut z)?;
    Ok(z)
}

/// s = D(K_π, z). `z` must be one or two whole blocks: longer would not fit the curve's
/// scalar field, and the mapping refuses a nonce at or above the group order anyway.
pub(super) fn decrypt_nonce(key: &SessionKeys, z: &[u8]) -> Result<Zeroizing<Vec<u8>>, PaceError> {
    let block = key.cipher().block_len();
    if z.is_empty() || !z.len().is_multiple_of(block) || z.len() > 2 * block {
        return Err(PaceError::Malformed {
            step: PaceStep::EncryptedNonce,
            problem: ResponseProblem::Length {
                tag: dad::ENCRYPTED_NONCE,
                len: z.len(),
            },
        });
    }
    let mut s = Zeroizing::new(z.to_vec());
    key.cbc_decrypt(&vec![0; block], &mut s)?;
    Ok(s)
}

/// The public key data object 7F49 { 06 OID, 86 point } (ICAO 9303-11 §9.4; BSI
/// TR-03110-3 §D.3.3), the input of an authentication token.
pub(super) fn public_key_data_object(protocol: &ObjectIdentifier, point: &[u8]) -> Vec<u8> {
    let mut inner = tlv::encode_tlv(Tag::OBJECT_IDENTIFIER, protocol.as_bytes());
    inner.extend(tlv::encode_tlv(Tag::from(0x86), point));
    tlv::encode_tlv(Tag::new(0x7F49), &inner)
}

/// T = MAC(KS_MAC, public key data object of the other side) (ICAO 9303-11 §4.4, the
/// mutual authentication step; BSI TR-03110-3 §A.2.4.2): for AES, CMAC over the object as it is (CMAC pads by itself) truncated to 8
/// bytes; for 3DES, the retail MAC over the object padded with method 2.
pub(super) fn token(
    keys: &SessionKeys,
    protocol: &ObjectIdentifier,
    point: &[u8],
) -> Result<[u8; MAC_LEN], SmError> {
    let input = public_key_data_object(protocol, point);
    match keys.cipher() {
        Cipher::Tdes => keys.mac(&input),
        Cipher::Aes128 => cmac_token::<aes::Aes128>(keys.mac_key(), &input),
        Cipher::Aes192 => cmac_token::<aes::Aes192>(keys.mac_key(), &input),
        Cipher::Aes256 => cmac_token::<aes::Aes256>(keys.mac_key(), &input),
    }
}

fn cmac_token<C>(key: &[u8], input: &[u8]) -> Result<[u8; MAC_LEN], SmError>
where
    C: cmac::block_api::CmacCipher + KeyInit,
{
    let mut mac = <Cmac<C> as KeyInit>::new_from_slice(key).map_err(|_| SmError::Internal)?;
    mac.update(input);
    let full = mac.finalize().into_bytes();
    let mut token = [0u8; MAC_LEN];
    token.copy_from_slice(full.get(..MAC_LEN).ok_or(SmError::Internal)?);
    Ok(token)
}

/// Equality in constant time, for tokens.
pub(super) fn same_token(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
