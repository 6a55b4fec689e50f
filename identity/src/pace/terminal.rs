//! The kiosk's side of PACE, one type per state (ICAO 9303-11 §4.4.4).
//!
//! Each state holds the command to send ([`PaceStart::command`] and alike) and is
//! consumed by the chip's answer into the next state; a refusal or a bad answer ends the
//! run with a [`PaceError`]. [`establish`] drives the states over a transport.

use std::fmt;

use const_oid::ObjectIdentifier;
use zeroize::Zeroizing;

use crate::apdu::{CommandApdu, ResponseApdu};
use crate::security_info::{PaceInfo, SupportedCurve};
use crate::sm::{RandomSource, SecureMessaging, SendSequenceCounter, SessionKeys};
use crate::transport::{self, CardTransport};

use super::curve::{self, Secret};
use super::messages::{self, dad};
use super::{PaceError, PacePassword, PaceStep, ResponseProblem, curve_of};

/// What every state knows: the protocol and the curve.
struct Run {
    protocol: ObjectIdentifier,
    curve: SupportedCurve,
    info: PaceInfo,
}

impl Run {
    fn cipher(&self) -> crate::sm::Cipher {
        self.info.protocol.cipher
    }
}

/// Before MSE:Set AT.
pub struct PaceStart {
    run: Run,
    password_key: SessionKeys,
    command: CommandApdu,
}

/// MSE:Set AT accepted; GENERAL AUTHENTICATE asks for the encrypted nonce.
pub struct AwaitingNonce {
    run: Run,
    password_key: SessionKeys,
    command: CommandApdu,
    remaining_tries: Option<u8>,
}

/// The nonce is known; our mapping key went out in DO'81'.
pub struct AwaitingMappingKey {
    run: Run,
    nonce: Zeroizing<Vec<u8>>,
    mapping_secret: Secret,
    command: CommandApdu,
}

/// G̃ is agreed; our ephemeral public key went out in DO'83'.
pub struct AwaitingEphemeralKey {
    run: Run,
    secret: Secret,
    public: Vec<u8>,
    command: CommandApdu,
}

/// Session keys derived; our token T_IFD went out in DO'85'.
pub struct AwaitingToken {
    run: Run,
    keys: SessionKeys,
    terminal_public: Vec<u8>,
    command: CommandApdu,
}

impl PaceStart {
    /// PACE with `info` (a PACEInfo of EF.CardAccess) and `password`; refuses what the
    /// crate cannot run ([`super::Unsupported`]) before anything is sent.
    pub fn new(info: &PaceInfo, password: &PacePassword) -> Result<Self, PaceError> {
        let curve = curve_of(info)?;
        let protocol = info.protocol.oid();
        let password_key = messages::password_key(info.protocol.cipher, password.encoded())?;
        let command = messages::mse_set_at(
            &protocol,
            password.reference(),
            info.parameter_id.map(|parameters| parameters.id()),
        );
        Ok(Self {
            run: Run {
                protocol,
                curve,
                info: *info,
            },
            password_key,
            command,
        })
    }

    /// MSE:Set AT.
    pub fn command(&self) -> &CommandApdu {
        &self.command
    }

    /// 9000, or a warning 63Cx with at least two tries left, lets PACE go on.
    pub fn receive(self, response: &ResponseApdu) -> Result<AwaitingNonce, PaceError> {
        let status = response.status;
        let remaining_tries = match status.0 {
            0x9000 => None,
            0x63C0..=0x63CF => {
                let tries = status.sw2() & 0x0F;
                if tries < 2 {
                    return Err(PaceError::PasswordSuspended {
                        remaining_tries: tries,
                    });
                }
                Some(tries)
            }
            _ => {
                return Err(messages::refusal(
                    PaceStep::SetAuthenticationTemplate,
                    status,
                ));
            }
        };
        Ok(AwaitingNonce {
            run: self.run,
            password_key: self.password_key,
            command: messages::general_authenticate(&[], false),
            remaining_tries,
        })
    }
}

impl AwaitingNonce {
    /// GENERAL AUTHENTICATE with an empty DO'7C' (10 86 00 00 02 7C 00 00).
    pub fn command(&self) -> &CommandApdu {
        &self.command
    }

    /// The tries MSE:Set AT said the password has left, if it said.
    pub fn remaining_tries(&self) -> Option<u8> {
        self.remaining_tries
    }

    /// Decrypts s from DO'80', then draws the mapping key pair.
    pub fn receive(
        self,
        response: &ResponseApdu,
        random: &mut dyn RandomSource,
    ) -> Result<AwaitingMappingKey, PaceError> {
        let step = PaceStep::EncryptedNonce;
        let data = messages::success_data(response, step)?;
        let z = messages::dynamic_object(data, dad::ENCRYPTED_NONCE, step)?;
        let nonce = messages::decrypt_nonce(&self.password_key, &z)?;
        let (mapping_secret, mapping_public) = curve::generate(self.run.curve, None, random)
            .map_err(|error| PaceError::from_curve(error, PaceStep::Mapping))?;
        let command = messages::general_authenticate(
            &messages::object(dad::MAPPING_TERMINAL, &mapping_public),
            false,
        );
        Ok(AwaitingMappingKey {
            run: self.run,
            nonce,
            mapping_secret,
            command,
        })
    }
}

impl AwaitingMappingKey {
    /// GENERAL AUTHENTICATE with DO'81', our mapping public key.
    pub fn command(&self) -> &CommandApdu {
        &self.command
    }

    /// Maps the generator with the chip's DO'82', then draws the ephemeral key pair on it.
    pub fn receive(
        self,
        response: &ResponseApdu,
        random: &mut dyn RandomSource,
    ) -> Result<AwaitingEphemeralKey, PaceError> {
        let step = PaceStep::Mapping;
        let data = messages::success_data(response, step)?;
        let chip_mapping = messages::dynamic_object(data, dad::MAPPING_CHIP, step)?;
        let generator = curve::map_generator(
            self.run.curve,
            &self.nonce,
            &self.mapping_secret,
            &chip_mapping,
        )
        .map_err(|error| PaceError::from_curve(error, step))?;
        let (secret, public) = curve::generate(self.run.curve, Some(&generator), random)
            .map_err(|error| PaceError::from_curve(error, PaceStep::KeyAgreement))?;
        let command = messages::general_authenticate(
            &messages::object(dad::EPHEMERAL_TERMINAL, &public),
            false,
        );
        Ok(AwaitingEphemeralKey {
            run: self.run,
            secret,
            public,
            command,
        })
    }
}

impl AwaitingEphemeralKey {
    /// GENERAL AUTHENTICATE with DO'83', our ephemeral public key on G̃.
    pub fn command(&self) -> &CommandApdu {
        &self.command
    }

    /// Agrees K with the chip's DO'84', derives the session keys and T_IFD.
    pub fn receive(self, response: &ResponseApdu) -> Result<AwaitingToken, PaceError> {
        let step = PaceStep::KeyAgreement;
        let data = messages::success_data(response, step)?;
        let chip_public = messages::dynamic_object(data, dad::EPHEMERAL_CHIP, step)?;
        if messages::same_token(&chip_public, &self.public) {
            return Err(PaceError::EchoedPublicKey);
        }
        let shared = curve::shared_secret(self.run.curve, &self.secret, &chip_public)
            .map_err(|error| PaceError::from_curve(error, step))?;
        let keys = SessionKeys::derive(self.run.cipher(), &shared);
        let token = messages::token(&keys, &self.run.protocol, &chip_public)?;
        let command =
            messages::general_authenticate(&messages::object(dad::TOKEN_TERMINAL, &token), true);
        Ok(AwaitingToken {
            run: self.run,
            keys,
            terminal_public: self.public,
            command,
        })
    }
}

impl AwaitingToken {
    /// The last GENERAL AUTHENTICATE (CLA 00) with DO'85', our token T_IFD.
    pub fn command(&self) -> &CommandApdu {
        &self.command
    }

    /// Checks T_IC in DO'86' and opens secure messaging with SSC = 0.
    pub fn receive(self, response: &ResponseApdu) -> Result<SecureMessaging, PaceError> {
        let step = PaceStep::MutualAuthentication;
        let data = messages::success_data(response, step)?;
        let chip_token = messages::dynamic_object(data, dad::TOKEN_CHIP, step)?;
        if chip_token.len() != crate::sm::cipher::MAC_LEN {
            return Err(PaceError::Malformed {
                step,
                problem: ResponseProblem::Length {
                    tag: dad::TOKEN_CHIP,
                    len: chip_token.len(),
                },
            });
        }
        let expected = messages::token(&self.keys, &self.run.protocol, &self.terminal_public)?;
        if !messages::same_token(&expected, &chip_token) {
            return Err(PaceError::BadChipToken);
        }
        let ssc = SendSequenceCounter::zero(self.run.cipher());
        Ok(SecureMessaging::new(self.keys, ssc)?)
    }
}

/// Runs PACE over `transport` with `info` and `password`: MSE:Set AT and the four
/// GENERAL AUTHENTICATE commands.
pub fn establish(
    transport: &mut dyn CardTransport,
    info: &PaceInfo,
    password: &PacePassword,
    random: &mut dyn RandomSource,
) -> Result<SecureMessaging, PaceError> {
    let start = PaceStart::new(info, password)?;
    let answer = transport::send(transport, start.command())?;
    let nonce = start.receive(&answer)?;
    let answer = transport::send(transport, nonce.command())?;
    let mapping = nonce.receive(&answer, random)?;
    let answer = transport::send(transport, mapping.command())?;
    let agreement = mapping.receive(&answer, random)?;
    let answer = transport::send(transport, agreement.command())?;
    let token = agreement.receive(&answer)?;
    let answer = transport::send(transport, token.command())?;
    token.receive(&answer)
}

macro_rules! opaque_debug {
    ($($state:ident),*) => {
        $(impl fmt::Debug for $state {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($state), "({:?})"), self.run.info.protocol)
            }
        })*
    };
}

opaque_debug!(
    PaceStart,
    AwaitingNonce,
    AwaitingMappingKey,
    AwaitingEphemeralKey,
    AwaitingToken
);
