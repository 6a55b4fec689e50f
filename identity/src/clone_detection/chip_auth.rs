//! Chip Authentication, terminal side (ICAO 9303-11 §6.2; BSI TR-03110 Chip Authentication version
//! 1, with ECDH).
//!
//! The chip holds a static key pair whose public half is in DG14 (signed through the SOD).
//! The terminal makes an ephemeral key pair on the same curve and sends its public key;
//! both sides compute K = x(ephemeral × static) (ECKA-DH, BSI TR-03111 §4.3.1) and derive
//! fresh secure-messaging keys KS_Enc = KDF(K, 1) and KS_MAC = KDF(K, 2) (ICAO 9303-11
//! §9.7.1) for the cipher DG14 announces, with the send sequence counter back at zero.
//!
//! A cloned chip has DG14 but not the private key: it cannot compute K. Nothing in the
//! chip's answer to the key agreement proves anything; the proof is the next exchange,
//! whose MAC only the genuine chip can produce ([`verify_chip_authentication`]).
//!
//! Two command styles exist (ICAO 9303-11 §6.2; BSI TR-03110-3 Appendix B):
//!
//! - AES: MSE:Set AT (`00 22 41 A4`: DO'80' the protocol OID, DO'84' the key id when DG14
//!   has several keys), then GENERAL AUTHENTICATE (`00 86 00 00`: DO'7C' { DO'80' the
//!   ephemeral public key }), answered by an empty DO'7C';
//! - 3DES (and chips without the AES form): MSE:Set KAT (`00 22 41 A6`: DO'91' the
//!   ephemeral public key, DO'84' the key id).
//!
//! Both go under the secure messaging already running (from BAC or PACE), and the chip's
//! answer to the last one still comes under the OLD keys: the chip switches only after it
//! has answered, so the terminal switches after reading that answer. Only ECDH is
//! implemented (`id-CA-ECDH-*`); the CCCD announces ECDH with AES-128.

use const_oid::ObjectIdentifier;

use super::ec::{ChipPublicKey, EcPrivateKey, EcPublicKey, KeyError};
use crate::apdu::{CommandApdu, StatusWord};
use crate::lds::LdsFile;
use crate::sm::random::{RandomError, RandomSource};
use crate::sm::{
    Cipher, SecureMessaging, SendSequenceCounter, SessionKeys, SmError, SmSendError, SmTransport,
};
use crate::tlv::{Tag, Tlv, encode_tlv};
use crate::transport::TransportErrorKind;

/// `id-CA-ECDH` (ICAO 9303-11 §9.2, `ChipAuthenticationInfo`): 0.4.0.127.0.7.2.2.3.2.
const ID_CA_ECDH: &str = "0.4.0.127.0.7.2.2.3.2";

/// Tags of the data objects of MSE and GENERAL AUTHENTICATE (BSI TR-03110-3 Appendix B).
pub(crate) mod tag {
    pub const PROTOCOL: u8 = 0x80;
    pub const KEY_REFERENCE: u8 = 0x84;
    pub const EPHEMERAL_KEY_KAT: u8 = 0x91;
    pub const DYNAMIC_AUTHENTICATION_DATA: u8 = 0x7C;
    pub const EPHEMERAL_KEY_GA: u8 = 0x80;
}

/// `id-CA-ECDH-3DES-CBC-CBC` (…2.1), `-AES-CBC-CMAC-128` (…2.2), `-192` (…2.3), `-256`
/// (…2.4): the protocol that DO'80' of MSE:Set AT names.
pub fn ca_protocol_oid(cipher: Cipher) -> ObjectIdentifier {
    let last = match cipher {
        Cipher::Tdes => 1,
        Cipher::Aes128 => 2,
        Cipher::Aes192 => 3,
        Cipher::Aes256 => 4,
    };
    let parent = ObjectIdentifier::new_unwrap(ID_CA_ECDH);
    parent.push_arc(last).unwrap_or(parent)
}

/// The cipher of an `id-CA-ECDH-*` OID (as in DG14's `ChipAuthenticationInfo`).
pub fn ca_cipher(oid: &ObjectIdentifier) -> Option<Cipher> {
    [Cipher::Tdes, Cipher::Aes128, Cipher::Aes192, Cipher::Aes256]
        .into_iter()
        .find(|&cipher| ca_protocol_oid(cipher) == *oid)
}

/// Which commands carry the ephemeral key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaCommandStyle {
    /// MSE:Set AT then GENERAL AUTHENTICATE.
    SetAtGeneralAuthenticate,
    /// MSE:Set KAT alone (Chip Authentication version 1, 3DES).
    SetKat,
}

impl CaCommandStyle {
    /// ICAO 9303-11 §6.2: MSE:Set KAT for 3DES, MSE:Set AT and GENERAL AUTHENTICATE for
    /// AES.
    pub fn for_cipher(cipher: Cipher) -> Self {
        match cipher {
            Cipher::Tdes => Self::SetKat,
            Cipher::Aes128 | Cipher::Aes192 | Cipher::Aes256 => Self::SetAtGeneralAuthenticate,
        }
    }
}

/// What the terminal needs from DG14: the cipher of `ChipAuthenticationInfo`, its key id
/// (when DG14 holds more than one key) and the matching `ChipAuthenticationPublicKeyInfo`.
#[derive(Debug, Clone)]
pub struct CaParameters {
    pub cipher: Cipher,
    pub key_id: Option<u32>,
    pub chip_public_key: ChipPublicKey,
    pub style: CaCommandStyle,
}

impl CaParameters {
    /// Parameters with the command style ICAO 9303-11 prescribes for `cipher`.
    pub fn new(cipher: Cipher, key_id: Option<u32>, chip_public_key: ChipPublicKey) -> Self {
        Self {
            cipher,
            key_id,
            chip_public_key,
            style: CaCommandStyle::for_cipher(cipher),
        }
    }

    pub fn protocol_oid(&self) -> ObjectIdentifier {
        ca_protocol_oid(self.cipher)
    }
}

/// The command of the protocol an error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaStep {
    SetAt,
    GeneralAuthenticate,
    SetKat,
    /// The first exchange under the new keys.
    Verification,
}

/// Why Chip Authentication did not pass.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaError {
    #[error(transparent)]
    Random(#[from] RandomError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("the {step:?} exchange failed: {error}")]
    Link { step: CaStep, error: SmSendError },
    #[error("the chip refused {step:?} with status {status}")]
    Refused { step: CaStep, status: StatusWord },
    #[error("the chip's answer to GENERAL AUTHENTICATE is not dynamic authentication data")]
    UnexpectedResponse,
    /// Under the new keys the chip's answer did not verify: it does not hold the private
    /// key of DG14 (a clone), or the link corrupted the answer.
    #[error("the chip cannot speak under the new keys: {0}")]
    NewKeysNotShared(SmError),
    /// Under the new keys the chip answered with a bare error status: it did not accept
    /// the terminal's MAC, so it did not derive the same keys.
    #[error("the chip refused the first command under the new keys with status {0}")]
    NewKeysRefused(StatusWord),
}

impl CaError {
    /// The transport failure behind the error, if the card was taken away or the reader
    /// failed, rather than the chip failing the check.
    pub fn transport_kind(&self) -> Option<TransportErrorKind> {
        match self {
            Self::Link {
                error: SmSendError::Send(error),
                ..
            } => error.transport_kind(),
            _ => None,
        }
    }
}

/// Key agreement, ready to send: the parameters and the terminal's ephemeral key.
#[derive(Debug)]
pub struct CaKeyAgreement {
    parameters: CaParameters,
    ephemeral: EcPrivateKey,
}

impl CaKeyAgreement {
    /// Makes the ephemeral key pair on the chip key's curve (ICAO 9303-11 §6.2).
    pub fn new(parameters: CaParameters, random: &mut dyn RandomSource) -> Result<Self, CaError> {
        let ephemeral = EcPrivateKey::random(parameters.chip_public_key.curve(), random)?;
        Ok(Self {
            parameters,
            ephemeral,
        })
    }

    pub fn ephemeral_public_key(&self) -> EcPublicKey {
        self.ephemeral.public_key()
    }

    /// The commands to send, in order.
    pub fn commands(&self) -> Vec<(CaStep, CommandApdu)> {
        let point = self.ephemeral_public_key().to_uncompressed_point();
        let key_reference = self
            .parameters
            .key_id
            .map(|id| encode_tlv(Tag::from(tag::KEY_REFERENCE), &minimal_be(id)))
            .unwrap_or_default();
        match self.parameters.style {
            CaCommandStyle::SetAtGeneralAuthenticate => {
                let oid = self.parameters.protocol_oid();
                let mut set_at = encode_tlv(Tag::from(tag::PROTOCOL), oid.as_bytes());
                set_at.extend(key_reference);
                let ga = encode_tlv(
                    Tag::from(tag::DYNAMIC_AUTHENTICATION_DATA),
                    &encode_tlv(Tag::from(tag::EPHEMERAL_KEY_GA), &point),
                );
                vec![
                    (
                        CaStep::SetAt,
                        CommandApdu::new(0x00, 0x22, 0x41, 0xA4).with_data(set_at),
                    ),
                    (
                        CaStep::GeneralAuthenticate,
                        CommandApdu::new(0x00, 0x86, 0x00, 0x00)
                            .with_data(ga)
                            .with_le(256),
                    ),
                ]
            }
            CaCommandStyle::SetKat => {
                let mut set_kat = encode_tlv(Tag::from(tag::EPHEMERAL_KEY_KAT), &point);
                set_kat.extend(key_reference);
                vec![(
                    CaStep::SetKat,
                    CommandApdu::new(0x00, 0x22, 0x41, 0xA6).with_data(set_kat),
                )]
            }
        }
    }

    /// KS_Enc and KS_MAC from K = x(ephemeral × chip key) (ICAO 9303-11 §9.7.1).
    pub fn session_keys(&self) -> Result<SessionKeys, CaError> {
        let shared = self
            .ephemeral
            .diffie_hellman(&self.parameters.chip_public_key)?;
        Ok(SessionKeys::derive(self.parameters.cipher, &shared))
    }

    /// Sends the commands, and when the chip accepts them switches `transport` to the new
    /// keys with the counter at zero. The chip is not proven genuine yet.
    pub fn run(self, transport: &mut SmTransport<'_>) -> Result<CaRekeyed, CaError> {
        let keys = self.session_keys()?;
        for (step, command) in self.commands() {
            let response = transport
                .send(&command)
                .map_err(|error| CaError::Link { step, error })?;
            if !response.status.is_success() {
                return Err(CaError::Refused {
                    step,
                    status: response.status,
                });
            }
            if step == CaStep::GeneralAuthenticate
                && !is_dynamic_authentication_data(&response.data)
            {
                return Err(CaError::UnexpectedResponse);
            }
        }
        let cipher = keys.cipher();
        let sm = SecureMessaging::new(keys, SendSequenceCounter::zero(cipher))
            .map_err(CaError::NewKeysNotShared)?;
        transport.rekey(sm);
        Ok(CaRekeyed { cipher })
    }
}

/// The chip accepted the key agreement and the transport runs under the new keys; the
/// chip is not yet proven to hold them.
#[derive(Debug)]
#[must_use = "Chip Authentication proves nothing until the next exchange verifies"]
pub struct CaRekeyed {
    cipher: Cipher,
}

impl CaRekeyed {
    /// Runs [`verify_chip_authentication`].
    pub fn verify(self, transport: &mut SmTransport<'_>) -> Result<ChipAuthenticated, CaError> {
        verify_chip_authentication(transport)?;
        Ok(ChipAuthenticated {
            cipher: self.cipher,
        })
    }
}

/// Proof that the chip holds the private key of DG14: an exchange under the keys derived
/// from it verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChipAuthenticated {
    cipher: Cipher,
}

impl ChipAuthenticated {
    /// The cipher the session now runs under.
    pub fn cipher(&self) -> Cipher {
        self.cipher
    }
}

/// Chip Authentication from start to proof: key agreement, re-keying, verification.
pub fn run_chip_authentication(
    transport: &mut SmTransport<'_>,
    parameters: CaParameters,
    random: &mut dyn RandomSource,
) -> Result<ChipAuthenticated, CaError> {
    CaKeyAgreement::new(parameters, random)?
        .run(transport)?
        .verify(transport)
}

/// The proof of Chip Authentication: SELECT EF.COM under the new keys (harmless, every
/// CCCD has it, and the reading code selects each file again before reading it).
///
/// Passes only on 9000: a protected 9000 cannot come back without a MAC that verifies
/// under the new keys ([`SmError::UnprotectedSuccess`]). A MAC that fails, or a chip
/// that answers 6987/6988 in plain because the terminal's MAC failed on its side, means
/// the chip did not derive the same keys: it lacks the private key. After a failure the
/// session is lost, as after any secure-messaging error.
pub fn verify_chip_authentication(transport: &mut SmTransport<'_>) -> Result<(), CaError> {
    let file_id = LdsFile::Com.file_id().to_be_bytes();
    let select = CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data(file_id.to_vec());
    match transport.send(&select) {
        Ok(response) if response.status.is_success() => Ok(()),
        Ok(response) => Err(CaError::NewKeysRefused(response.status)),
        Err(SmSendError::SecureMessaging(error)) => Err(CaError::NewKeysNotShared(error)),
        Err(error) => Err(CaError::Link {
            step: CaStep::Verification,
            error,
        }),
    }
}

/// An empty answer or DO'7C' (empty for Chip Authentication version 1; its content is
/// not used, so a chip that adds something is not refused for it).
fn is_dynamic_authentication_data(data: &[u8]) -> bool {
    data.is_empty()
        || Tlv::parse_exact(data)
            .is_ok_and(|tlv| tlv.tag == Tag::from(tag::DYNAMIC_AUTHENTICATION_DATA))
}

/// A key id as the shortest big-endian unsigned integer, at least one byte.
pub(crate) fn minimal_be(value: u32) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take(3).take_while(|&&b| b == 0).count();
    bytes.iter().skip(skip).copied().collect()
}
