//! PACE: Password Authenticated Connection Establishment (ICAO 9303-11 §4.4), with ECDH
//! Generic Mapping on NIST P-256 or brainpoolP256r1.
//!
//! The terminal proves it knows a password printed on the card (the CAN, or the MRZ
//! information) without sending it, and both sides end up with strong session keys:
//!
//! 1. MSE:Set AT names the protocol (DO'80'), the password (DO'83': 01 MRZ, 02 CAN) and
//!    the domain parameters (DO'84').
//! 2. GENERAL AUTHENTICATE (chained, CLA 10) fetches z = E(K_π, s), a random nonce s
//!    encrypted under K_π = KDF_π(password); only a terminal with the password gets s.
//! 3. Mapping: each side sends an ephemeral key on the standard curve (DO'81', DO'82');
//!    their ECDH point H gives the ephemeral generator G̃ = s·G + H.
//! 4. Key agreement on G̃ (DO'83', DO'84'): K = x(SK·PK), KS_Enc = KDF(K, 1),
//!    KS_MAC = KDF(K, 2).
//! 5. Mutual authentication (the last command, CLA 00): each side MACs the other's
//!    ephemeral public key with KS_MAC (DO'85', DO'86'). A wrong password shows here: the
//!    chip answers 6300 or 63Cx.
//!
//! Secure messaging then starts with SSC = 0 ([`crate::sm::SecureMessaging`]).
//!
//! - [`terminal`]: the kiosk's side as one type per state, and [`establish`] to run it
//!   over a transport;
//! - [`chip`]: [`ChipPace`], the chip's side for the card emulator;
//! - which PACEInfo of EF.CardAccess to run: [`choose`].

mod chip;
mod curve;
mod messages;
pub mod terminal;

pub use chip::{ChipPace, ChipPaceConfig, ChipPaceReply};
pub use terminal::{
    AwaitingEphemeralKey, AwaitingMappingKey, AwaitingNonce, AwaitingToken, PaceStart, establish,
};

use std::fmt;

use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

use crate::access_key::{AccessKey, PACE_PASSWORD_CAN, PACE_PASSWORD_MRZ};
use crate::apdu::StatusWord;
use crate::security_info::{
    Mapping, PaceInfo, SecurityInfos, StandardDomainParameters, SupportedCurve,
};
use crate::sm::{RandomError, SmError};
use crate::tlv::{Tag, TlvError};
use crate::transport::SendError;

/// The steps of PACE, for errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaceStep {
    SetAuthenticationTemplate,
    EncryptedNonce,
    Mapping,
    KeyAgreement,
    MutualAuthentication,
}

impl fmt::Display for PaceStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SetAuthenticationTemplate => "MSE:Set AT",
            Self::EncryptedNonce => "the encrypted nonce",
            Self::Mapping => "the mapping",
            Self::KeyAgreement => "the key agreement",
            Self::MutualAuthentication => "the mutual authentication",
        })
    }
}

/// What is wrong with a chip's answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseProblem {
    #[error(transparent)]
    Tlv(#[from] TlvError),
    #[error("tag {0} instead of the dynamic authentication data 7C")]
    NotDynamicAuthenticationData(Tag),
    #[error("data object {0:02X} is missing")]
    Missing(u8),
    #[error("data object {tag:02X} has a wrong length ({len} bytes)")]
    Length { tag: u8, len: usize },
}

/// Why this crate will not run PACE with a PACEInfo: the reader falls back to BAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unsupported {
    #[error("the {0:?} mapping")]
    Mapping(Mapping),
    #[error("domain parameters {0:?}")]
    DomainParameters(StandardDomainParameters),
    #[error("domain parameters given only explicitly")]
    NoStandardDomainParameters,
    #[error("the chip announces no PACE")]
    NoPace,
}

/// Why PACE did not open a session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaceError {
    #[error("PACE is not supported here: {0}")]
    Unsupported(#[from] Unsupported),
    /// The chip refused the password (6300, or 63Cx with x tries left). Try the next
    /// candidate key only if tries remain; never guess on.
    #[error("the chip refused the access key")]
    WrongAccessKey { remaining_tries: Option<u8> },
    /// MSE:Set AT warned that the password has at most one try left (63C1, 63C0;
    /// BSI TR-03110-3 §B.11.1): the kiosk stops rather than spend it on a guess.
    #[error("the chip's password has {remaining_tries} tries left; not risking it")]
    PasswordSuspended { remaining_tries: u8 },
    /// 6983: the password is blocked.
    #[error("the chip has blocked this password")]
    PasswordBlocked,
    #[error("the chip refused {step} with {status}")]
    Refused { step: PaceStep, status: StatusWord },
    #[error("the chip's answer to {step} is malformed: {problem}")]
    Malformed {
        step: PaceStep,
        problem: ResponseProblem,
    },
    /// The peer's key is not a point of the curve, is the identity, or leads to a
    /// degenerate generator: a hostile or broken peer.
    #[error("the peer's public key in {0} is not acceptable")]
    InvalidPublicKey(PaceStep),
    /// The chip sent back the terminal's own ephemeral key (ICAO 9303-11 §4.4 requires
    /// them to differ).
    #[error("the peer's ephemeral public key equals ours")]
    EchoedPublicKey,
    /// The chip's token T_IC does not verify although it accepted ours: a hostile chip.
    #[error("the chip's authentication token does not verify")]
    BadChipToken,
    #[error("the random number source gave no usable key")]
    NoKey,
    #[error("talking to the card failed: {0}")]
    Send(#[from] SendError),
    #[error(transparent)]
    Random(#[from] RandomError),
    #[error(transparent)]
    SecureMessaging(#[from] SmError),
}

impl PaceError {
    fn from_curve(error: curve::CurveError, step: PaceStep) -> Self {
        match error {
            curve::CurveError::InvalidPoint | curve::CurveError::Degenerate => {
                Self::InvalidPublicKey(step)
            }
            curve::CurveError::Random(error) => Self::Random(error),
            curve::CurveError::NoScalar => Self::NoKey,
        }
    }
}

/// The PACE password: its reference for MSE:Set AT and f(π), the bytes K_π is derived
/// from (ICAO 9303-11 §9.7.3): for the CAN its digits as ISO 8859-1 bytes, for the MRZ
/// SHA-1 of the MRZ information — all 20 bytes (unlike BAC's K_seed, which keeps 16).
#[derive(Clone)]
pub struct PacePassword {
    reference: u8,
    secret: Zeroizing<Vec<u8>>,
}

impl PacePassword {
    /// The Card Access Number as printed (for the CCCD, the last 6 digits of the ID).
    pub fn can(can: &str) -> Self {
        Self {
            reference: PACE_PASSWORD_CAN,
            secret: Zeroizing::new(can.as_bytes().to_vec()),
        }
    }

    /// The MRZ information: document number, date of birth, date of expiry, each with its
    /// check digit ([`AccessKey::mrz_information`]).
    pub fn mrz(mrz_information: &str) -> Self {
        Self {
            reference: PACE_PASSWORD_MRZ,
            secret: Zeroizing::new(Sha1::digest(mrz_information.as_bytes()).to_vec()),
        }
    }

    /// The password of an access key; `None` for an MRZ key whose fields cannot form the
    /// MRZ information.
    pub fn from_access_key(key: &AccessKey) -> Option<Self> {
        match key {
            AccessKey::Can(can) => Some(Self::can(can)),
            AccessKey::Mrz { .. } => key.mrz_information().map(|info| Self::mrz(&info)),
        }
    }

    /// 01 for the MRZ, 02 for the CAN.
    pub fn reference(&self) -> u8 {
        self.reference
    }

    /// f(π), for checks against published vectors.
    pub fn encoded(&self) -> &[u8] {
        &self.secret
    }
}

impl fmt::Debug for PacePassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PacePassword({:02X}, ..)", self.reference)
    }
}

/// The PACEInfo to run among those of EF.CardAccess: the first the crate supports, by
/// preference ECDH Generic Mapping with AES-128 (what the CCCD announces), then the other
/// ciphers. `Err` tells why none fits, so the reader falls back to BAC.
pub fn choose(infos: &SecurityInfos) -> Result<PaceInfo, PaceError> {
    let mut first_refusal = None;
    let mut best: Option<(u8, PaceInfo)> = None;
    for info in infos.pace() {
        match curve_of(info) {
            Ok(_) => {
                let rank = match info.protocol.cipher {
                    crate::sm::Cipher::Aes128 => 0,
                    crate::sm::Cipher::Aes256 => 1,
                    crate::sm::Cipher::Aes192 => 2,
                    crate::sm::Cipher::Tdes => 3,
                };
                if best.is_none_or(|(best_rank, _)| rank < best_rank) {
                    best = Some((rank, *info));
                }
            }
            Err(error) => {
                first_refusal.get_or_insert(error);
            }
        }
    }
    match best {
        Some((_, info)) => Ok(info),
        None => Err(first_refusal.unwrap_or(Unsupported::NoPace).into()),
    }
}

/// The curve of a PACEInfo this crate can run.
pub(crate) fn curve_of(info: &PaceInfo) -> Result<SupportedCurve, Unsupported> {
    if info.protocol.mapping != Mapping::GenericEcdh {
        return Err(Unsupported::Mapping(info.protocol.mapping));
    }
    let parameters = info
        .parameter_id
        .ok_or(Unsupported::NoStandardDomainParameters)?;
    parameters
        .curve()
        .ok_or(Unsupported::DomainParameters(parameters))
}
