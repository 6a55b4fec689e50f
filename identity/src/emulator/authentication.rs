//! The authentication commands beyond BAC: PACE (ICAO 9303-11 §4.4), Chip Authentication
//! (§6.2) and Active Authentication (§6.1), each handed to the protocol's chip side.
//!
//! A chip answers the commands of a protocol it does not offer as a chip without it: MSE
//! naming nothing it knows 6A88, GENERAL AUTHENTICATE (with neither PACE nor Chip
//! Authentication) and INTERNAL AUTHENTICATE 6D00, so that readers fall back to BAC or
//! report the clone check as not offered, as with an older card.

use std::mem;

use crate::access_key::{PACE_PASSWORD_CAN, PACE_PASSWORD_MRZ};
use crate::apdu::{CommandApdu, ResponseApdu, StatusWord};
use crate::pace::ChipPaceReply;
use crate::tlv::{self, Tag};

use super::CccdChip;
use super::access::{Access, AccessProtocol, PaceRun, SecureSession};
use super::applet::{Channel, ins, status, sw};
use crate::sm::ChipSecureMessaging;

/// How a Chip Authentication command ended for the session.
pub(super) enum CaStep {
    /// The protected answer; the session goes on (under new keys after the agreement).
    Answered(Vec<u8>),
    /// The answer could not be protected or the keys not switched: the session is over.
    SessionLost,
}

/// DO'83' of MSE:Set AT: the PACE password reference (ICAO 9303-11 §4.4.4.1).
const PASSWORD_REFERENCE_TAG: u32 = 0x83;

impl CccdChip {
    /// A new session after BAC or PACE, with a fresh Chip Authentication responder.
    pub(super) fn open_session(&self, sm: ChipSecureMessaging, by: AccessProtocol) -> Access {
        Access::Secure(SecureSession {
            sm,
            established_by: by,
            chip_authentication: self
                .protocols
                .chip_authentication
                .as_ref()
                .map(|offer| offer.responder()),
            chip_authenticated: false,
        })
    }

    /// PACE's commands in plain: MSE:Set AT (C1 A4) and the chained GENERAL
    /// AUTHENTICATE. A PACE command ends any session or BAC challenge; MSE:Set AT always
    /// starts a new run.
    pub(super) fn pace_step(&mut self, command: &CommandApdu) -> ResponseApdu {
        let Some(offer) = self.protocols.pace.as_ref() else {
            return status(if command.ins == ins::MANAGE_SECURITY_ENVIRONMENT {
                sw::REFERENCED_DATA_NOT_FOUND
            } else if self.protocols.chip_authentication.is_some() {
                sw::CONDITIONS_NOT_SATISFIED
            } else {
                StatusWord::INS_NOT_SUPPORTED
            });
        };
        let mut run = match mem::replace(&mut self.access, Access::Locked) {
            _ if command.ins == ins::MANAGE_SECURITY_ENVIRONMENT => PaceRun {
                pace: offer.start(),
                // A reference other than 01 or 02 is refused by ChipPace (6A88) below.
                opens: password_protocol(command).unwrap_or(AccessProtocol::PaceCan),
            },
            Access::PaceRunning(run) => run,
            // GENERAL AUTHENTICATE with no MSE:Set AT before it.
            _ => return status(sw::CONDITIONS_NOT_SATISFIED),
        };
        match run.pace.handle(command, self.random.as_mut()) {
            ChipPaceReply::Respond(response) => {
                if is_wrong_password(response.status) {
                    // ICAO 9303-11 §4.4.4.2: the chip learns the password was wrong only
                    // from the terminal's token; it counts the attempt and forgets the run.
                    self.attempts.record_failure();
                    if let Some(pace) = self.protocols.pace.as_mut() {
                        pace.tries_left = run.pace.tries_left();
                    }
                } else if response.status.is_success() {
                    self.access = Access::PaceRunning(run);
                }
                response
            }
            ChipPaceReply::Established(response, sm) => {
                if let Some(pace) = self.protocols.pace.as_mut() {
                    pace.tries_left = pace.retry_counter;
                }
                self.access = self.open_session(sm, run.opens);
                response
            }
        }
    }

    /// A command under secure messaging that belongs to Chip Authentication, answered and
    /// protected here: the answer to the key agreement goes under the OLD keys, and only
    /// then does the session switch to the new ones with the counter at zero (ICAO 9303-11
    /// §6.2; [`ChipSecureMessaging::rekey`]). `None` for any other command.
    pub(super) fn chip_authentication_step(
        session: &mut SecureSession,
        command: &CommandApdu,
    ) -> Option<CaStep> {
        let answer = session.chip_authentication.as_mut()?.handle(command)?;
        let Ok(bytes) = session.sm.protect_response(&answer.response) else {
            return Some(CaStep::SessionLost);
        };
        if let Some(keys) = answer.new_session_keys {
            if session.sm.rekey(keys).is_err() {
                return Some(CaStep::SessionLost);
            }
            session.chip_authenticated = true;
        }
        Some(CaStep::Answered(bytes))
    }

    /// MSE that neither PACE nor Chip Authentication took: Chip Authentication in plain
    /// needs a session first; anything else names a protocol the chip does not know.
    pub(super) fn other_security_environment(
        &self,
        command: &CommandApdu,
        channel: Channel,
    ) -> ResponseApdu {
        let chip_authentication = command.p1 == 0x41 && matches!(command.p2, 0xA4 | 0xA6);
        if chip_authentication
            && channel == Channel::Plain
            && self.protocols.chip_authentication.is_some()
        {
            status(StatusWord::SECURITY_NOT_SATISFIED)
        } else {
            status(sw::REFERENCED_DATA_NOT_FOUND)
        }
    }

    /// GENERAL AUTHENTICATE that no protocol took (under secure messaging, without a Chip
    /// Authentication MSE:Set AT before it).
    pub(super) fn stray_general_authenticate(&self) -> ResponseApdu {
        let offered = self.protocols.offered();
        if offered.pace || offered.chip_authentication {
            status(sw::CONDITIONS_NOT_SATISFIED)
        } else {
            status(StatusWord::INS_NOT_SUPPORTED)
        }
    }

    /// INTERNAL AUTHENTICATE (ICAO 9303-11 §6.1.4): the signature over RND.IFD, only under
    /// secure messaging, which BAC or PACE opened.
    pub(super) fn internal_authenticate(
        &mut self,
        command: &CommandApdu,
        channel: Channel,
    ) -> ResponseApdu {
        let Some(signer) = self.protocols.active_authentication.as_ref() else {
            return status(StatusWord::INS_NOT_SUPPORTED);
        };
        if channel == Channel::Plain {
            return status(StatusWord::SECURITY_NOT_SATISFIED);
        }
        signer.internal_authenticate(command, self.random.as_mut())
    }
}

/// 6300, or 63Cx with a retry counter: the answer to a wrong PACE password.
fn is_wrong_password(status: StatusWord) -> bool {
    status.0 == 0x6300 || (0x63C0..=0x63CF).contains(&status.0)
}

/// Which session a PACE run opens, by the password DO'83' names.
fn password_protocol(command: &CommandApdu) -> Option<AccessProtocol> {
    tlv::iter(&command.data)
        .filter_map(Result::ok)
        .find(|object| object.tag == Tag::new(PASSWORD_REFERENCE_TAG))
        .and_then(|object| match object.value {
            [PACE_PASSWORD_MRZ] => Some(AccessProtocol::PaceMrz),
            [PACE_PASSWORD_CAN] => Some(AccessProtocol::PaceCan),
            _ => None,
        })
}
