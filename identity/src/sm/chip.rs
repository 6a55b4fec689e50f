//! The chip's side of secure messaging, for the card emulator (ICAO 9303-11 §9.8).
//!
//! [`ChipSecureMessaging`] mirrors [`super::SecureMessaging`]: it opens protected commands
//! and protects the responses. When a command fails to verify, a real chip answers 6988
//! (or 6987 when objects are missing) in plain and forgets its session keys; the emulator
//! does the same, and this type refuses further use.

use crate::apdu::{CommandApdu, ResponseApdu};

use super::SmError;
use super::cipher::{Cipher, SendSequenceCounter, SessionKeys};
use super::messaging::{
    CLA_SM, command_mac_input, decode_le, decrypt_cryptogram, set_once, split_mac, write_cryptogram,
};
use super::wire::{parse_command_apdu, read_objects, tag, write_object};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Ready,
    /// A command was opened; its INS decides between DO'87' and DO'85' in the answer.
    AwaitingResponse {
        ins: u8,
    },
    Closed,
}

/// A secure-messaging session, chip side.
#[derive(Debug)]
pub struct ChipSecureMessaging {
    keys: SessionKeys,
    ssc: SendSequenceCounter,
    phase: Phase,
}

impl ChipSecureMessaging {
    /// The chip's half of a session: the same keys and starting counter as the terminal's.
    pub fn new(keys: SessionKeys, ssc: SendSequenceCounter) -> Result<Self, SmError> {
        if ssc.len() != keys.cipher().block_len() {
            return Err(SmError::SscLength(ssc.len()));
        }
        Ok(Self {
            keys,
            ssc,
            phase: Phase::Ready,
        })
    }

    pub fn cipher(&self) -> Cipher {
        self.keys.cipher()
    }

    pub fn ssc(&self) -> &SendSequenceCounter {
        &self.ssc
    }

    /// Whether the session still stands; after a refused command the chip answers in
    /// plain until a new BAC or PACE.
    pub fn is_open(&self) -> bool {
        self.phase != Phase::Closed
    }

    /// Restarts the session under new keys with the counter at zero, as Chip
    /// Authentication does (ICAO 9303-11 §6.2). Only between messages: the answer to the
    /// command that agreed the keys must already be protected under the old ones, so a
    /// call while that answer is pending is refused, as is one on a closed session.
    pub fn rekey(&mut self, keys: SessionKeys) -> Result<(), SmError> {
        match self.phase {
            Phase::Ready => {}
            Phase::AwaitingResponse { .. } => return Err(SmError::OutOfSequence),
            Phase::Closed => return Err(SmError::SessionClosed),
        }
        self.ssc = SendSequenceCounter::zero(keys.cipher());
        self.keys = keys;
        Ok(())
    }

    /// Opens an encoded protected command: increments the counter, verifies DO'8E' over
    /// SSC ‖ padded header ‖ DO'87'/DO'85' ‖ DO'97', then decrypts. The command returned
    /// has the secure-messaging bits of CLA cleared.
    pub fn unprotect_command(&mut self, raw: &[u8]) -> Result<CommandApdu, SmError> {
        match self.phase {
            Phase::Ready => {}
            Phase::AwaitingResponse { .. } => return Err(SmError::OutOfSequence),
            Phase::Closed => return Err(SmError::SessionClosed),
        }
        let result = self.open_command(raw);
        match &result {
            Ok(command) => self.phase = Phase::AwaitingResponse { ins: command.ins },
            Err(_) => self.phase = Phase::Closed,
        }
        result
    }

    fn open_command(&mut self, raw: &[u8]) -> Result<CommandApdu, SmError> {
        let protected = parse_command_apdu(raw)?;
        if protected.cla & CLA_SM != CLA_SM {
            return Err(SmError::NotProtected(protected.cla));
        }
        self.ssc.increment();
        let objects = read_objects(&protected.data)?;
        let (authenticated, mac) = split_mac(&objects)?;
        let mut cryptogram = None;
        let mut le = None;
        let mut covered = Vec::new();
        for object in authenticated {
            match object.tag {
                tag::CRYPTOGRAM | tag::CRYPTOGRAM_ODD => set_once(&mut cryptogram, *object)?,
                tag::LE => set_once(&mut le, *object)?,
                other => return Err(SmError::UnexpectedObject(other)),
            }
            covered.extend_from_slice(object.raw);
        }
        let header = [protected.cla, protected.ins, protected.p1, protected.p2];
        let mac_input = command_mac_input(&self.ssc, header, &covered);
        if !self.keys.verify_mac(&mac_input, mac)? {
            return Err(SmError::BadMac);
        }
        let data = match cryptogram {
            Some(object) => decrypt_cryptogram(&self.keys, &self.ssc, object)?.to_vec(),
            None => Vec::new(),
        };
        Ok(CommandApdu {
            cla: protected.cla & !CLA_SM,
            ins: protected.ins,
            p1: protected.p1,
            p2: protected.p2,
            data,
            le: le.map(|object| decode_le(object.value)).transpose()?,
        })
    }

    /// Protects the answer to the command last opened: DO'87' (DO'85' for an odd INS)
    /// with the data, DO'99' with the status, DO'8E' over SSC ‖ those objects, then the
    /// status word in plain. Returns the bytes the chip sends.
    pub fn protect_response(&mut self, response: &ResponseApdu) -> Result<Vec<u8>, SmError> {
        let ins = match self.phase {
            Phase::AwaitingResponse { ins } => ins,
            Phase::Ready => return Err(SmError::OutOfSequence),
            Phase::Closed => return Err(SmError::SessionClosed),
        };
        // The counter is committed only with a response that is actually built.
        let mut ssc = self.ssc.clone();
        ssc.increment();
        let mut objects = Vec::new();
        if !response.data.is_empty() {
            write_cryptogram(&mut objects, &self.keys, &ssc, ins, &response.data)?;
        }
        let status = response.status.0.to_be_bytes();
        write_object(&mut objects, tag::STATUS, &status)?;
        let mut mac_input = ssc.to_bytes();
        mac_input.extend_from_slice(&objects);
        let mac = self.keys.mac(&mac_input)?;
        write_object(&mut objects, tag::MAC, &mac)?;
        objects.extend_from_slice(&status);
        self.ssc = ssc;
        self.phase = Phase::Ready;
        Ok(objects)
    }
}
