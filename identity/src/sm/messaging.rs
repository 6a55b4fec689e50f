//! The terminal's side of secure messaging (ICAO 9303-11 §9.8).
//!
//! [`SecureMessaging`] protects each command and checks the response that answers it, in
//! strict alternation; any refused response ends the session, since the send sequence
//! counters of terminal and chip no longer agree. [`SmTransport`] stacks it on a
//! [`CardTransport`] so that the code reading files sends plain APDUs.

use zeroize::Zeroizing;

use crate::apdu::{CommandApdu, EncodeError, ResponseApdu, StatusWord};
use crate::transport::{self, CardTransport, SendError, TransportError, TransportErrorKind};

use super::SmError;
use super::cipher::{Cipher, SendSequenceCounter, SessionKeys, pad};
use super::wire::{self, DataObject, PADDING_INDICATOR, read_objects, tag, write_object};

/// Bits 3 and 4 of CLA: secure messaging with the header authenticated (ISO/IEC 7816-4
/// §5.4.1; ICAO 9303-11 §9.8.4).
pub(crate) const CLA_SM: u8 = 0x0C;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Ready,
    AwaitingResponse,
    Closed,
}

/// A secure-messaging session, terminal side: session keys and the send sequence counter.
/// Built by BAC ([`super::bac::BacSession::complete`]), PACE or Chip Authentication.
#[derive(Debug)]
pub struct SecureMessaging {
    keys: SessionKeys,
    ssc: SendSequenceCounter,
    phase: Phase,
}

impl SecureMessaging {
    /// A session from agreed keys and the counter's start value: from RND.IC and RND.IFD
    /// after BAC (§9.8.2), zero after PACE and Chip Authentication.
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

    /// KS_Enc and KS_MAC, for checks against published vectors and for the emulator.
    pub fn keys(&self) -> &SessionKeys {
        &self.keys
    }

    /// The counter as last used.
    pub fn ssc(&self) -> &SendSequenceCounter {
        &self.ssc
    }

    /// Whether the session can still carry commands.
    pub fn is_open(&self) -> bool {
        self.phase != Phase::Closed
    }

    /// Protects `command` (ICAO 9303-11 §9.8.4): CLA masked with 0C, data encrypted in
    /// DO'87' (DO'85' for an odd INS), Le in DO'97', and DO'8E', the MAC over
    /// SSC ‖ padded header ‖ those objects, with the counter incremented first. The
    /// protected command always asks for a response of any length (Le 00, or 0000 when
    /// extended length is needed).
    pub fn protect_command(&mut self, command: &CommandApdu) -> Result<CommandApdu, SmError> {
        match self.phase {
            Phase::Ready => {}
            Phase::AwaitingResponse => return Err(SmError::OutOfSequence),
            Phase::Closed => return Err(SmError::SessionClosed),
        }
        if let Some(le) = command.le
            && le > 0x1_0000
        {
            return Err(SmError::Encode(EncodeError::ExpectedTooLong(le)));
        }
        // The counter is committed only with a command that is actually built.
        let mut ssc = self.ssc.clone();
        ssc.increment();
        let cla = command.cla | CLA_SM;
        let header = [cla, command.ins, command.p1, command.p2];
        let mut objects = Vec::new();
        if !command.data.is_empty() {
            write_cryptogram(&mut objects, &self.keys, &ssc, command.ins, &command.data)?;
        }
        if let Some(le) = command.le {
            write_object(&mut objects, tag::LE, &encode_le(le))?;
        }
        let mac = self.keys.mac(&command_mac_input(&ssc, header, &objects))?;
        write_object(&mut objects, tag::MAC, &mac)?;
        let extended = objects.len() > 0xFF || command.le.is_some_and(|le| le > 0x100);
        self.ssc = ssc;
        self.phase = Phase::AwaitingResponse;
        Ok(CommandApdu {
            cla,
            ins: command.ins,
            p1: command.p1,
            p2: command.p2,
            data: objects,
            le: Some(if extended { 0x1_0000 } else { 0x100 }),
        })
    }

    /// Checks and opens the chip's answer to the last protected command (ICAO 9303-11
    /// §9.8.5): the counter is incremented, DO'8E' verified over SSC ‖ DO'87'/DO'85' ‖
    /// DO'99' before anything is decrypted, and the status taken from DO'99'.
    ///
    /// A bare error status with no data objects is passed on as it came: chips answer
    /// that way when they drop secure messaging (6987, 6988). It carries no data, and it is
    /// never 9000, so nothing unauthenticated reaches the caller but a refusal.
    pub fn unprotect_response(&mut self, response: &ResponseApdu) -> Result<ResponseApdu, SmError> {
        match self.phase {
            Phase::AwaitingResponse => {}
            Phase::Ready => return Err(SmError::OutOfSequence),
            Phase::Closed => return Err(SmError::SessionClosed),
        }
        self.ssc.increment();
        self.phase = Phase::Ready;
        let result = self.open_response(response);
        if result.is_err() {
            self.phase = Phase::Closed;
        }
        result
    }

    fn open_response(&self, response: &ResponseApdu) -> Result<ResponseApdu, SmError> {
        if response.data.is_empty() {
            return if response.status.is_success() {
                Err(SmError::UnprotectedSuccess(response.status))
            } else {
                Ok(response.clone())
            };
        }
        let objects = read_objects(&response.data)?;
        let (authenticated, mac) = split_mac(&objects)?;
        let mut mac_input = self.ssc.to_bytes();
        let mut cryptogram = None;
        let mut status = None;
        for object in authenticated {
            match object.tag {
                tag::CRYPTOGRAM | tag::CRYPTOGRAM_ODD => {
                    set_once(&mut cryptogram, *object)?;
                }
                tag::STATUS => set_once(&mut status, *object)?,
                other => return Err(SmError::UnexpectedObject(other)),
            }
            mac_input.extend_from_slice(object.raw);
        }
        if !self.keys.verify_mac(&mac_input, mac)? {
            return Err(SmError::BadMac);
        }
        let status = status.ok_or(SmError::MissingStatus)?;
        let [sw1, sw2] = *status.value else {
            return Err(SmError::ObjectLength(tag::STATUS));
        };
        let data = match cryptogram {
            Some(object) => decrypt_cryptogram(&self.keys, &self.ssc, object)?.to_vec(),
            None => Vec::new(),
        };
        Ok(ResponseApdu {
            data,
            status: StatusWord(u16::from_be_bytes([sw1, sw2])),
        })
    }
}

/// Why [`SmTransport::send`] got no response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmSendError {
    #[error(transparent)]
    SecureMessaging(#[from] SmError),
    #[error(transparent)]
    Send(#[from] SendError),
}

/// A [`CardTransport`] that protects every command and opens every response: the
/// reading code above it sees plain APDUs.
pub struct SmTransport<'a> {
    inner: &'a mut dyn CardTransport,
    sm: SecureMessaging,
}

impl<'a> SmTransport<'a> {
    pub fn new(inner: &'a mut dyn CardTransport, sm: SecureMessaging) -> Self {
        Self { inner, sm }
    }

    /// Sends one command under secure messaging, keeping the error types.
    pub fn send(&mut self, command: &CommandApdu) -> Result<ResponseApdu, SmSendError> {
        let protected = self.sm.protect_command(command)?;
        let response = match transport::send(self.inner, &protected) {
            Ok(response) => response,
            Err(error) => {
                // The chip may or may not have counted the command: the session is lost.
                self.sm.phase = Phase::Closed;
                return Err(error.into());
            }
        };
        Ok(self.sm.unprotect_response(&response)?)
    }

    pub fn secure_messaging(&self) -> &SecureMessaging {
        &self.sm
    }

    /// Replaces the session, as Chip Authentication does (ICAO 9303-11 §6.2).
    pub fn rekey(&mut self, sm: SecureMessaging) {
        self.sm = sm;
    }

    pub fn into_secure_messaging(self) -> SecureMessaging {
        self.sm
    }
}

impl CardTransport for SmTransport<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let command = wire::parse_command_apdu(command).map_err(sm_transport_error)?;
        match self.send(&command) {
            Ok(response) => {
                let mut bytes = response.data;
                bytes.extend(response.status.0.to_be_bytes());
                Ok(bytes)
            }
            Err(SmSendError::Send(SendError::Transport(error))) => Err(error),
            Err(SmSendError::Send(error)) => Err(TransportError::new(
                TransportErrorKind::SecureMessaging,
                error.to_string(),
            )),
            Err(SmSendError::SecureMessaging(error)) => Err(sm_transport_error(error)),
        }
    }
}

fn sm_transport_error(error: SmError) -> TransportError {
    TransportError::new(TransportErrorKind::SecureMessaging, error.to_string())
}

/// SSC ‖ header padded to a block ‖ data objects: the MAC input of a command
/// (ICAO 9303-11 §9.8.4; the final padding is added by the MAC).
pub(crate) fn command_mac_input(
    ssc: &SendSequenceCounter,
    header: [u8; 4],
    objects: &[u8],
) -> Vec<u8> {
    let mut input = ssc.to_bytes();
    let block = ssc.len();
    input.extend_from_slice(&header);
    pad(&mut input, block);
    input.extend_from_slice(objects);
    input
}

/// Le in DO'97': one byte for short length, two for extended; the maximum of each is 0.
pub(crate) fn encode_le(le: usize) -> Vec<u8> {
    if le > 0x100 {
        ((le & 0xFFFF) as u16).to_be_bytes().to_vec()
    } else {
        vec![(le & 0xFF) as u8]
    }
}

/// Reads DO'97' back.
pub(crate) fn decode_le(value: &[u8]) -> Result<usize, SmError> {
    match *value {
        [0] => Ok(0x100),
        [le] => Ok(usize::from(le)),
        [0, 0] => Ok(0x1_0000),
        [hi, lo] => Ok(usize::from(u16::from_be_bytes([hi, lo]))),
        _ => Err(SmError::ObjectLength(tag::LE)),
    }
}

/// Encrypts `data` into DO'87' (padding indicator 01, even INS) or DO'85' (odd INS,
/// whose data is BER-TLV; ISO/IEC 7816-4 §10.2.2).
pub(crate) fn write_cryptogram(
    out: &mut Vec<u8>,
    keys: &SessionKeys,
    ssc: &SendSequenceCounter,
    ins: u8,
    data: &[u8],
) -> Result<(), SmError> {
    let cryptogram = keys.encrypt_padded(ssc, data)?;
    if ins & 1 == 1 {
        write_object(out, tag::CRYPTOGRAM_ODD, &cryptogram)
    } else {
        let mut value = Vec::with_capacity(1 + cryptogram.len());
        value.push(PADDING_INDICATOR);
        value.extend_from_slice(&cryptogram);
        write_object(out, tag::CRYPTOGRAM, &value)
    }
}

/// Decrypts DO'87' or DO'85' and strips the padding.
pub(crate) fn decrypt_cryptogram(
    keys: &SessionKeys,
    ssc: &SendSequenceCounter,
    object: DataObject<'_>,
) -> Result<Zeroizing<Vec<u8>>, SmError> {
    let cryptogram = if object.tag == tag::CRYPTOGRAM {
        match object.value.split_first() {
            Some((&PADDING_INDICATOR, rest)) => rest,
            Some((&indicator, _)) => return Err(SmError::PaddingIndicator(indicator)),
            None => return Err(SmError::ObjectLength(tag::CRYPTOGRAM)),
        }
    } else {
        object.value
    };
    keys.decrypt_padded(ssc, cryptogram)
}

/// Separates the objects the MAC covers from DO'8E', which must come last.
pub(crate) fn split_mac<'o, 'a>(
    objects: &'o [DataObject<'a>],
) -> Result<(&'o [DataObject<'a>], &'a [u8]), SmError> {
    let Some((last, authenticated)) = objects.split_last() else {
        return Err(SmError::MissingMac);
    };
    if last.tag != tag::MAC {
        return Err(if objects.iter().any(|o| o.tag == tag::MAC) {
            SmError::DataAfterMac
        } else {
            SmError::MissingMac
        });
    }
    if authenticated.iter().any(|o| o.tag == tag::MAC) {
        return Err(SmError::DuplicateObject(tag::MAC));
    }
    if last.value.len() != super::cipher::MAC_LEN {
        return Err(SmError::ObjectLength(tag::MAC));
    }
    Ok((authenticated, last.value))
}

/// Keeps the first object of a kind and refuses a second: `85` and `87` count as one.
pub(crate) fn set_once<'a>(
    slot: &mut Option<DataObject<'a>>,
    object: DataObject<'a>,
) -> Result<(), SmError> {
    if slot.is_some() {
        return Err(SmError::DuplicateObject(object.tag));
    }
    *slot = Some(object);
    Ok(())
}
