//! The chip's side of PACE, for the card emulator (ICAO 9303-11 §4.4.4).
//!
//! [`ChipPace`] answers MSE:Set AT and the four GENERAL AUTHENTICATE commands as a chip
//! does, one state type per step held inside it; a successful run yields the chip's half
//! of secure messaging. A wrong password shows as a bad terminal token in the last step:
//! the chip answers 6300 (or 63Cx with a retry counter, BSI TR-03110-3 §B.11.1) and
//! forgets the run. Anything out of order answers 6985 and also starts over.

use std::fmt;
use std::mem;

use const_oid::ObjectIdentifier;
use zeroize::Zeroizing;

use crate::apdu::{CommandApdu, ResponseApdu, StatusWord};
use crate::security_info::{PaceInfo, SupportedCurve};
use crate::sm::{ChipSecureMessaging, RandomSource, SendSequenceCounter, SessionKeys};
use crate::tlv::{self, Tag, Tlv};

use super::curve::{self, Secret};
use super::messages::{self, dad, set_at};
use super::{PacePassword, curve_of};
use crate::access_key::{PACE_PASSWORD_CAN, PACE_PASSWORD_MRZ};

const WRONG_DATA: StatusWord = StatusWord(0x6A80);
const REFERENCE_NOT_FOUND: StatusWord = StatusWord(0x6A88);
const CONDITIONS_NOT_SATISFIED: StatusWord = StatusWord(0x6985);
const BLOCKED: StatusWord = StatusWord(0x6983);

/// What the emulated chip offers: its PACEInfos (as in its EF.CardAccess), its passwords,
/// and optionally a retry counter for the passwords.
#[derive(Debug, Clone)]
pub struct ChipPaceConfig {
    pub infos: Vec<PaceInfo>,
    pub can: Option<PacePassword>,
    pub mrz: Option<PacePassword>,
    /// Tries before the chip blocks PACE; `None` for no counter (ICAO chips usually have
    /// none for the CAN and MRZ, which are printed on the card).
    pub retry_counter: Option<u8>,
}

/// What the chip sends back.
#[derive(Debug)]
pub enum ChipPaceReply {
    Respond(ResponseApdu),
    /// The last answer, and secure messaging from now on.
    Established(ResponseApdu, ChipSecureMessaging),
}

/// PACE on the chip: MSE:Set AT, then GENERAL AUTHENTICATE four times.
pub struct ChipPace {
    config: ChipPaceConfig,
    tries_left: Option<u8>,
    state: State,
}

enum State {
    Idle,
    Selected(Selected),
    NonceSent(NonceSent),
    Mapped(Mapped),
    Agreed(Agreed),
}

/// The protocol chosen by MSE:Set AT.
struct Protocol {
    oid: ObjectIdentifier,
    curve: SupportedCurve,
    info: PaceInfo,
}

struct Selected {
    protocol: Protocol,
    password_key: SessionKeys,
}

struct NonceSent {
    protocol: Protocol,
    nonce: Zeroizing<Vec<u8>>,
}

struct Mapped {
    protocol: Protocol,
    generator: Vec<u8>,
}

struct Agreed {
    protocol: Protocol,
    keys: SessionKeys,
    chip_public: Vec<u8>,
    terminal_public: Vec<u8>,
}

/// A refusal: the status word to answer.
struct Refusal(StatusWord);

impl ChipPace {
    pub fn new(config: ChipPaceConfig) -> Self {
        Self {
            tries_left: config.retry_counter,
            config,
            state: State::Idle,
        }
    }

    /// Whether `command` is one of PACE's: MSE:Set AT for mutual authentication or
    /// GENERAL AUTHENTICATE.
    pub fn handles(command: &CommandApdu) -> bool {
        let plain_cla = command.cla & !messages::CLA_CHAINING == 0;
        plain_cla
            && ((command.ins == messages::INS_MSE
                && command.p1 == messages::P1_SET_AT
                && command.p2 == messages::P2_AT)
                || command.ins == messages::INS_GENERAL_AUTHENTICATE)
    }

    /// Tries the password has left, if the chip counts them.
    pub fn tries_left(&self) -> Option<u8> {
        self.tries_left
    }

    /// Answers one PACE command.
    pub fn handle(
        &mut self,
        command: &CommandApdu,
        random: &mut dyn RandomSource,
    ) -> ChipPaceReply {
        let state = mem::replace(&mut self.state, State::Idle);
        if command.ins == messages::INS_MSE {
            return respond(self.set_at(command).map(|(response, selected)| {
                self.state = State::Selected(selected);
                response
            }));
        }
        let outcome = match state {
            State::Selected(selected) => selected
                .send_nonce(command, random)
                .map(|(response, next)| (response, State::NonceSent(next))),
            State::NonceSent(sent) => sent
                .map(command, random)
                .map(|(response, next)| (response, State::Mapped(next))),
            State::Mapped(mapped) => mapped
                .agree(command, random)
                .map(|(response, next)| (response, State::Agreed(next))),
            State::Agreed(agreed) => return self.authenticate(agreed, command),
            State::Idle => Err(Refusal(CONDITIONS_NOT_SATISFIED)),
        };
        respond(outcome.map(|(response, next)| {
            self.state = next;
            response
        }))
    }

    fn set_at(&self, command: &CommandApdu) -> Result<(ResponseApdu, Selected), Refusal> {
        if self.tries_left == Some(0) {
            return Err(Refusal(BLOCKED));
        }
        let (mut oid, mut reference, mut parameter_id) = (None, None, None);
        for object in tlv::iter(&command.data) {
            let object = object.map_err(|_| Refusal(WRONG_DATA))?;
            match object.tag.value() {
                tag if tag == u32::from(set_at::PROTOCOL) => oid = Some(object.value),
                tag if tag == u32::from(set_at::PASSWORD) => reference = Some(object.value),
                tag if tag == u32::from(set_at::DOMAIN_PARAMETERS) => {
                    parameter_id = Some(object.value)
                }
                _ => return Err(Refusal(WRONG_DATA)),
            }
        }
        let oid = ObjectIdentifier::from_bytes(oid.ok_or(Refusal(WRONG_DATA))?)
            .map_err(|_| Refusal(WRONG_DATA))?;
        let parameter_id = parameter_id
            .map(|id| match *id {
                [] => None,
                _ if id.len() > 4 => None,
                _ => Some(id.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b))),
            })
            .map(|id| id.ok_or(Refusal(WRONG_DATA)))
            .transpose()?;
        let info = self
            .config
            .infos
            .iter()
            .find(|info| {
                info.protocol.oid() == oid
                    && parameter_id.is_none_or(|id| info.parameter_id.map(|p| p.id()) == Some(id))
            })
            .ok_or(Refusal(REFERENCE_NOT_FOUND))?;
        let curve = curve_of(info).map_err(|_| Refusal(REFERENCE_NOT_FOUND))?;
        let password = match reference {
            Some([PACE_PASSWORD_MRZ]) => self.config.mrz.as_ref(),
            Some([PACE_PASSWORD_CAN]) => self.config.can.as_ref(),
            _ => None,
        }
        .ok_or(Refusal(REFERENCE_NOT_FOUND))?;
        let password_key = messages::password_key(info.protocol.cipher, password.encoded())
            .map_err(|_| Refusal(WRONG_DATA))?;
        let selected = Selected {
            protocol: Protocol {
                oid,
                curve,
                info: *info,
            },
            password_key,
        };
        Ok((success(Vec::new()), selected))
    }

    fn authenticate(&mut self, agreed: Agreed, command: &CommandApdu) -> ChipPaceReply {
        let terminal_token = match step_object(command, true, dad::TOKEN_TERMINAL) {
            Ok(token) => token,
            Err(refusal) => return respond(Err(refusal)),
        };
        let oid = &agreed.protocol.oid;
        let expected = messages::token(&agreed.keys, oid, &agreed.chip_public);
        let Ok(expected) = expected else {
            return respond(Err(Refusal(WRONG_DATA)));
        };
        if !messages::same_token(&expected, &terminal_token) {
            // ICAO 9303-11 §4.4: the chip cannot tell a wrong password before this point.
            let status = match self.tries_left.as_mut() {
                Some(tries) => {
                    *tries = tries.saturating_sub(1);
                    StatusWord(0x63C0 | u16::from(*tries & 0x0F))
                }
                None => StatusWord(0x6300),
            };
            return respond(Err(Refusal(status)));
        }
        let sm = messages::token(&agreed.keys, oid, &agreed.terminal_public).and_then(|token| {
            let ssc = SendSequenceCounter::zero(agreed.keys.cipher());
            ChipSecureMessaging::new(agreed.keys.clone(), ssc).map(|sm| (token, sm))
        });
        match sm {
            Ok((token, sm)) => {
                self.tries_left = self.config.retry_counter;
                let data = dynamic(&messages::object(dad::TOKEN_CHIP, &token));
                ChipPaceReply::Established(success(data), sm)
            }
            Err(_) => respond(Err(Refusal(WRONG_DATA))),
        }
    }
}

impl Selected {
    /// Step 1: draws s and answers z = E(K_π, s) in DO'80'.
    fn send_nonce(
        self,
        command: &CommandApdu,
        random: &mut dyn RandomSource,
    ) -> Result<(ResponseApdu, NonceSent), Refusal> {
        let template = step_template(command, false)?;
        if !template.value.is_empty() {
            return Err(Refusal(WRONG_DATA));
        }
        let mut nonce = Zeroizing::new(vec![0u8; self.password_key.cipher().block_len()]);
        random.fill(&mut nonce).map_err(|_| Refusal(WRONG_DATA))?;
        let z =
            messages::encrypt_nonce(&self.password_key, &nonce).map_err(|_| Refusal(WRONG_DATA))?;
        let data = dynamic(&messages::object(dad::ENCRYPTED_NONCE, &z));
        let next = NonceSent {
            protocol: self.protocol,
            nonce,
        };
        Ok((success(data), next))
    }
}

impl NonceSent {
    /// Step 2: answers the terminal's mapping key with ours in DO'82' and maps G.
    fn map(
        self,
        command: &CommandApdu,
        random: &mut dyn RandomSource,
    ) -> Result<(ResponseApdu, Mapped), Refusal> {
        let terminal_mapping = step_object(command, false, dad::MAPPING_TERMINAL)?;
        let curve = self.protocol.curve;
        let (secret, public) =
            curve::generate(curve, None, random).map_err(|_| Refusal(WRONG_DATA))?;
        let generator = curve::map_generator(curve, &self.nonce, &secret, &terminal_mapping)
            .map_err(|_| Refusal(WRONG_DATA))?;
        let data = dynamic(&messages::object(dad::MAPPING_CHIP, &public));
        let next = Mapped {
            protocol: self.protocol,
            generator,
        };
        Ok((success(data), next))
    }
}

impl Mapped {
    /// Step 3: answers the terminal's ephemeral key with ours on G̃ in DO'84', and
    /// derives the session keys.
    fn agree(
        self,
        command: &CommandApdu,
        random: &mut dyn RandomSource,
    ) -> Result<(ResponseApdu, Agreed), Refusal> {
        let terminal_public = step_object(command, false, dad::EPHEMERAL_TERMINAL)?;
        let curve = self.protocol.curve;
        let (secret, chip_public): (Secret, Vec<u8>) =
            curve::generate(curve, Some(&self.generator), random)
                .map_err(|_| Refusal(WRONG_DATA))?;
        if messages::same_token(&chip_public, &terminal_public) {
            return Err(Refusal(WRONG_DATA));
        }
        let shared = curve::shared_secret(curve, &secret, &terminal_public)
            .map_err(|_| Refusal(WRONG_DATA))?;
        let keys = SessionKeys::derive(self.protocol.info.protocol.cipher, &shared);
        let data = dynamic(&messages::object(dad::EPHEMERAL_CHIP, &chip_public));
        let next = Agreed {
            protocol: self.protocol,
            keys,
            chip_public,
            terminal_public,
        };
        Ok((success(data), next))
    }
}

/// The DO'7C' of a GENERAL AUTHENTICATE, checking chaining: CLA 10 for all but the last.
fn step_template(command: &CommandApdu, last: bool) -> Result<Tlv<'_>, Refusal> {
    let expected_cla = if last { 0x00 } else { messages::CLA_CHAINING };
    if command.ins != messages::INS_GENERAL_AUTHENTICATE || command.cla != expected_cla {
        return Err(Refusal(CONDITIONS_NOT_SATISFIED));
    }
    let template = Tlv::parse_exact(&command.data).map_err(|_| Refusal(WRONG_DATA))?;
    if template.tag != Tag::new(dad::TEMPLATE) {
        return Err(Refusal(WRONG_DATA));
    }
    Ok(template)
}

/// The value of DO `tag` in a GENERAL AUTHENTICATE's DO'7C'.
fn step_object(command: &CommandApdu, last: bool, tag: u8) -> Result<Vec<u8>, Refusal> {
    let template = step_template(command, last)?;
    let object = template
        .find(Tag::from(tag))
        .map_err(|_| Refusal(WRONG_DATA))?
        .ok_or(Refusal(WRONG_DATA))?;
    Ok(object.value.to_vec())
}

fn dynamic(objects: &[u8]) -> Vec<u8> {
    tlv::encode_tlv(Tag::new(dad::TEMPLATE), objects)
}

fn success(data: Vec<u8>) -> ResponseApdu {
    ResponseApdu {
        data,
        status: StatusWord::SUCCESS,
    }
}

fn respond(outcome: Result<ResponseApdu, Refusal>) -> ChipPaceReply {
    ChipPaceReply::Respond(outcome.unwrap_or_else(|Refusal(status)| ResponseApdu {
        data: Vec::new(),
        status,
    }))
}

impl fmt::Debug for ChipPace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Idle => "idle",
            State::Selected(_) => "selected",
            State::NonceSent(_) => "nonce sent",
            State::Mapped(_) => "mapped",
            State::Agreed(_) => "agreed",
        };
        f.debug_struct("ChipPace")
            .field("state", &state)
            .field("tries_left", &self.tries_left)
            .finish_non_exhaustive()
    }
}
