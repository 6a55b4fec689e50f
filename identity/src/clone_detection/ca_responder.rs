//! Chip Authentication, chip side, for the card emulator (ICAO 9303-11 §6.2; BSI
//! TR-03110-3 Appendix B).
//!
//! [`ChipCaResponder`] takes the commands the emulator has already opened with its
//! [`crate::sm::ChipSecureMessaging`] and answers MSE:Set AT, GENERAL AUTHENTICATE and
//! MSE:Set KAT. When the key agreement completes, the answer carries the new session
//! keys, and the emulator must:
//!
//! 1. protect that answer with the CURRENT session (the terminal reads it under the old
//!    keys), then
//! 2. call [`crate::sm::ChipSecureMessaging::rekey`] with the new keys (counter zero).
//!
//! A clone is emulated by giving the responder a different private key than the public
//! key in DG14: it derives other keys, and the terminal's next exchange fails.

use std::fmt;

use super::chip_auth::{ca_cipher, ca_protocol_oid, minimal_be, tag};
use super::ec::{EcPrivateKey, EcPublicKey};
use crate::apdu::{CommandApdu, ResponseApdu, StatusWord};
use crate::sm::{Cipher, SessionKeys};
use crate::tlv::{self, Tag, Tlv, encode_tlv};

/// Incorrect parameters in the command data field (ISO/IEC 7816-4 §5.1.3).
const SW_WRONG_DATA: StatusWord = StatusWord(0x6A80);
/// Referenced data (the key id) not found.
const SW_REFERENCED_DATA_NOT_FOUND: StatusWord = StatusWord(0x6A88);
/// Conditions of use not satisfied: GENERAL AUTHENTICATE without MSE:Set AT first.
const SW_CONDITIONS_NOT_SATISFIED: StatusWord = StatusWord(0x6985);

/// The chip's answer to a Chip Authentication command.
#[derive(Debug)]
pub struct ChipCaAnswer {
    /// To protect under the current session.
    pub response: ResponseApdu,
    /// When set, the keys to re-key the chip's secure messaging with, AFTER protecting
    /// `response` (ICAO 9303-11 §6.2: the chip restarts secure messaging once it has
    /// answered).
    pub new_session_keys: Option<SessionKeys>,
}

impl ChipCaAnswer {
    fn status(status: StatusWord) -> Self {
        Self {
            response: ResponseApdu {
                data: Vec::new(),
                status,
            },
            new_session_keys: None,
        }
    }
}

/// The chip's Chip Authentication: its static private key, the cipher its DG14
/// announces, and its key id when DG14 names one.
pub struct ChipCaResponder {
    key: EcPrivateKey,
    cipher: Cipher,
    key_id: Option<u32>,
    /// Set by MSE:Set AT, consumed by GENERAL AUTHENTICATE.
    selected: bool,
}

impl ChipCaResponder {
    pub fn new(key: EcPrivateKey, cipher: Cipher, key_id: Option<u32>) -> Self {
        Self {
            key,
            cipher,
            key_id,
            selected: false,
        }
    }

    /// What DG14's `ChipAuthenticationPublicKeyInfo` holds for a genuine chip.
    pub fn public_key(&self) -> EcPublicKey {
        self.key.public_key()
    }

    pub fn cipher(&self) -> Cipher {
        self.cipher
    }

    /// Answers `command` if it belongs to Chip Authentication: MSE:Set AT for CA
    /// (`22 41 A4` naming an `id-CA-*` protocol), MSE:Set KAT (`22 41 A6`), and GENERAL
    /// AUTHENTICATE (`86 00 00`) after a CA Set AT. Anything else — PACE's `22 C1 A4`,
    /// GENERAL AUTHENTICATE during PACE — is `None`, for the emulator to route elsewhere.
    pub fn handle(&mut self, command: &CommandApdu) -> Option<ChipCaAnswer> {
        match (command.ins, command.p1, command.p2) {
            (0x22, 0x41, 0xA4) => self.set_at(command),
            (0x22, 0x41, 0xA6) => Some(self.set_kat(command)),
            (0x86, 0x00, 0x00) if self.selected => Some(self.general_authenticate(command)),
            _ => None,
        }
    }

    fn set_at(&mut self, command: &CommandApdu) -> Option<ChipCaAnswer> {
        self.selected = false;
        let Ok(objects) = read_flat(&command.data) else {
            return Some(ChipCaAnswer::status(SW_WRONG_DATA));
        };
        let protocol = objects.iter().find(|(t, _)| *t == tag::PROTOCOL)?;
        let oid = const_oid::ObjectIdentifier::from_bytes(protocol.1).ok()?;
        // A Set AT for another protocol (Terminal Authentication…) is not ours.
        let cipher = ca_cipher(&oid)?;
        if cipher != self.cipher {
            return Some(ChipCaAnswer::status(SW_WRONG_DATA));
        }
        if let Err(status) = self.check_key_reference(&objects) {
            return Some(ChipCaAnswer::status(status));
        }
        self.selected = true;
        Some(ChipCaAnswer::status(StatusWord::SUCCESS))
    }

    fn general_authenticate(&mut self, command: &CommandApdu) -> ChipCaAnswer {
        if !std::mem::take(&mut self.selected) {
            return ChipCaAnswer::status(SW_CONDITIONS_NOT_SATISFIED);
        }
        let point = Tlv::parse_exact(&command.data)
            .ok()
            .filter(|outer| outer.tag == Tag::from(tag::DYNAMIC_AUTHENTICATION_DATA))
            .and_then(|outer| outer.find(Tag::from(tag::EPHEMERAL_KEY_GA)).ok().flatten());
        let Some(point) = point else {
            return ChipCaAnswer::status(SW_WRONG_DATA);
        };
        match self.agree(point.value) {
            Some(keys) => ChipCaAnswer {
                response: ResponseApdu {
                    data: encode_tlv(Tag::from(tag::DYNAMIC_AUTHENTICATION_DATA), &[]),
                    status: StatusWord::SUCCESS,
                },
                new_session_keys: Some(keys),
            },
            None => ChipCaAnswer::status(SW_WRONG_DATA),
        }
    }

    fn set_kat(&mut self, command: &CommandApdu) -> ChipCaAnswer {
        self.selected = false;
        let Ok(objects) = read_flat(&command.data) else {
            return ChipCaAnswer::status(SW_WRONG_DATA);
        };
        if let Err(status) = self.check_key_reference(&objects) {
            return ChipCaAnswer::status(status);
        }
        let point = objects.iter().find(|(t, _)| *t == tag::EPHEMERAL_KEY_KAT);
        match point.and_then(|(_, point)| self.agree(point)) {
            Some(keys) => ChipCaAnswer {
                response: ResponseApdu {
                    data: Vec::new(),
                    status: StatusWord::SUCCESS,
                },
                new_session_keys: Some(keys),
            },
            None => ChipCaAnswer::status(SW_WRONG_DATA),
        }
    }

    /// DO'84', if present, must name this chip's key; a chip with a key id in DG14
    /// accepts its absence only when it has one key, as here.
    fn check_key_reference(&self, objects: &[(u8, &[u8])]) -> Result<(), StatusWord> {
        match objects.iter().find(|(t, _)| *t == tag::KEY_REFERENCE) {
            None => Ok(()),
            Some((_, value)) => match self.key_id {
                Some(id) if minimal_be(id) == *value => Ok(()),
                _ => Err(SW_REFERENCED_DATA_NOT_FOUND),
            },
        }
    }

    /// The session keys from the terminal's ephemeral point, which must lie on the
    /// chip's curve.
    fn agree(&self, point: &[u8]) -> Option<SessionKeys> {
        let peer = EcPublicKey::from_sec1_point(self.key.curve(), point).ok()?;
        let shared = self.key.diffie_hellman(&peer).ok()?;
        Some(SessionKeys::derive(self.cipher, &shared))
    }
}

impl fmt::Debug for ChipCaResponder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChipCaResponder")
            .field("curve", &self.key.curve())
            .field("protocol", &ca_protocol_oid(self.cipher))
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// The one-byte-tag data objects of an MSE command, in order.
fn read_flat(data: &[u8]) -> Result<Vec<(u8, &[u8])>, tlv::TlvError> {
    let mut objects = Vec::new();
    for object in tlv::iter(data) {
        let object = object?;
        let Ok(tag) = u8::try_from(object.tag.value()) else {
            continue;
        };
        objects.push((tag, object.value));
    }
    Ok(objects)
}
