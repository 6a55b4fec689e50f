//! Basic Access Control (ICAO 9303-11 §4.3; worked example in Appendix D.3).
//!
//! The terminal proves it read the MRZ: it asks the chip for a challenge RND.IC, sends
//! E_IFD = 3DES(K_Enc, RND.IFD ‖ RND.IC ‖ K.IFD) with M_IFD = MAC(K_MAC, E_IFD), and the
//! chip answers with E_IC ‖ M_IC over RND.IC ‖ RND.IFD ‖ K.IC. Both sides then derive the
//! session keys from K.IFD ⊕ K.IC and start the send sequence counter from the nonces.
//!
//! Terminal side: [`BacSession`] (built from the challenge, consumed by the chip's answer
//! into a [`SecureMessaging`]), or [`establish`] for the whole exchange over a transport.
//! Chip side, for the card emulator: [`ChipBac`].

use std::fmt;

use zeroize::Zeroizing;

use crate::apdu::{CommandApdu, ResponseApdu, StatusWord};
use crate::transport::{self, CardTransport, SendError};

use super::SmError;
use super::chip::ChipSecureMessaging;
use super::cipher::{Cipher, MAC_LEN, SendSequenceCounter, SessionKeys};
use super::kdf::bac_key_seed;
use super::messaging::SecureMessaging;
use super::random::{RandomError, RandomSource};

const NONCE_LEN: usize = 8;
const KEY_HALF_LEN: usize = 16;
/// RND ‖ RND ‖ K: the plaintext of E_IFD and E_IC.
const CRYPTOGRAM_LEN: usize = 2 * NONCE_LEN + KEY_HALF_LEN;
const AUTH_DATA_LEN: usize = CRYPTOGRAM_LEN + MAC_LEN;

const INS_GET_CHALLENGE: u8 = 0x84;
const INS_EXTERNAL_AUTHENTICATE: u8 = 0x82;

/// Why BAC did not open a session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BacError {
    #[error("talking to the card failed: {0}")]
    Send(#[from] SendError),
    #[error(transparent)]
    Random(#[from] RandomError),
    #[error("the chip refused GET CHALLENGE with {0}")]
    ChallengeRefused(StatusWord),
    #[error("the chip's challenge has {0} bytes instead of 8")]
    ChallengeLength(usize),
    /// The chip refused EXTERNAL AUTHENTICATE, normally 6300: the MRZ key is wrong.
    #[error("the chip refused the access key ({0})")]
    AccessDenied(StatusWord),
    #[error("the authentication data has {0} bytes instead of 40")]
    AuthenticationLength(usize),
    /// The peer's M_IC (or, chip side, M_IFD) does not verify.
    #[error("the BAC authentication MAC does not verify")]
    BadMac,
    /// The chip did not echo the terminal's nonce (or, chip side, its own challenge).
    #[error("the BAC nonces do not match")]
    NonceMismatch,
    #[error("not an EXTERNAL AUTHENTICATE for BAC")]
    UnexpectedCommand,
    #[error(transparent)]
    SecureMessaging(#[from] SmError),
}

/// K_Enc and K_MAC of BAC, derived from the MRZ (ICAO 9303-11 §9.7.2, Appendix D.2).
#[derive(Clone)]
pub struct BacKeys(SessionKeys);

impl BacKeys {
    /// From the MRZ information: document number, date of birth and date of expiry, each
    /// followed by its check digit (built by [`crate::access_key`]).
    pub fn from_mrz_information(mrz_information: &str) -> Self {
        Self::from_key_seed(&bac_key_seed(mrz_information))
    }

    /// From K_seed: K_Enc = KDF(K_seed, 1), K_MAC = KDF(K_seed, 2) with 3DES.
    pub fn from_key_seed(key_seed: &[u8; 16]) -> Self {
        Self(SessionKeys::derive(Cipher::Tdes, key_seed))
    }

    pub fn enc_key(&self) -> &[u8] {
        self.0.enc_key()
    }

    pub fn mac_key(&self) -> &[u8] {
        self.0.mac_key()
    }

    /// E ‖ MAC(E), E = 3DES-CBC(K_Enc, zero IV, `plaintext`).
    fn seal(&self, plaintext: &[u8; CRYPTOGRAM_LEN]) -> Result<Vec<u8>, SmError> {
        let mut sealed = Zeroizing::new(plaintext.to_vec());
        self.0.cbc_encrypt(&[0; NONCE_LEN], &mut sealed)?;
        let mac = self.0.mac(&sealed)?;
        let mut out = sealed.to_vec();
        out.extend_from_slice(&mac);
        Ok(out)
    }

    /// Verifies the MAC of E ‖ MAC, then decrypts E.
    fn open(&self, data: &[u8]) -> Result<Zeroizing<[u8; CRYPTOGRAM_LEN]>, BacError> {
        if data.len() != AUTH_DATA_LEN {
            return Err(BacError::AuthenticationLength(data.len()));
        }
        let (cryptogram, mac) = data.split_at(CRYPTOGRAM_LEN);
        if !self.0.verify_mac(cryptogram, mac)? {
            return Err(BacError::BadMac);
        }
        let mut plain = Zeroizing::new([0u8; CRYPTOGRAM_LEN]);
        plain.copy_from_slice(cryptogram);
        self.0.cbc_decrypt(&[0; NONCE_LEN], plain.as_mut_slice())?;
        Ok(plain)
    }
}

impl fmt::Debug for BacKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BacKeys(..)")
    }
}

/// GET CHALLENGE for an 8-byte RND.IC (ICAO 9303-11 §4.3.4.1).
pub fn get_challenge() -> CommandApdu {
    CommandApdu::new(0x00, INS_GET_CHALLENGE, 0x00, 0x00).with_le(NONCE_LEN)
}

/// RND.IC from the chip's answer to [`get_challenge`].
pub fn parse_challenge(response: &ResponseApdu) -> Result<[u8; NONCE_LEN], BacError> {
    if !response.status.is_success() {
        return Err(BacError::ChallengeRefused(response.status));
    }
    response
        .data
        .as_slice()
        .try_into()
        .map_err(|_| BacError::ChallengeLength(response.data.len()))
}

/// The terminal between EXTERNAL AUTHENTICATE sent and the chip's answer.
pub struct BacSession {
    keys: BacKeys,
    rnd_ic: [u8; NONCE_LEN],
    rnd_ifd: [u8; NONCE_LEN],
    k_ifd: Zeroizing<[u8; KEY_HALF_LEN]>,
    command: CommandApdu,
}

impl BacSession {
    /// Draws RND.IFD and K.IFD (in that order) and builds EXTERNAL AUTHENTICATE with
    /// E_IFD ‖ M_IFD (ICAO 9303-11 §4.3.4.2).
    pub fn new(
        keys: BacKeys,
        rnd_ic: [u8; NONCE_LEN],
        random: &mut dyn RandomSource,
    ) -> Result<Self, BacError> {
        let mut rnd_ifd = [0u8; NONCE_LEN];
        random.fill(&mut rnd_ifd)?;
        let mut k_ifd = Zeroizing::new([0u8; KEY_HALF_LEN]);
        random.fill(k_ifd.as_mut_slice())?;
        let mut s = Zeroizing::new([0u8; CRYPTOGRAM_LEN]);
        s[..8].copy_from_slice(&rnd_ifd);
        s[8..16].copy_from_slice(&rnd_ic);
        s[16..].copy_from_slice(k_ifd.as_slice());
        let data = keys.seal(&s)?;
        let command = CommandApdu::new(0x00, INS_EXTERNAL_AUTHENTICATE, 0x00, 0x00)
            .with_data(data)
            .with_le(AUTH_DATA_LEN);
        Ok(Self {
            keys,
            rnd_ic,
            rnd_ifd,
            k_ifd,
            command,
        })
    }

    /// EXTERNAL AUTHENTICATE (00 82 00 00 28 E_IFD ‖ M_IFD 28) to send to the chip.
    pub fn external_authenticate(&self) -> &CommandApdu {
        &self.command
    }

    /// Checks the chip's answer — status, M_IC, RND.IFD echoed — and opens secure
    /// messaging with KS_Enc and KS_MAC from K.IFD ⊕ K.IC and SSC = the low four bytes
    /// of RND.IC ‖ the low four bytes of RND.IFD (ICAO 9303-11 §4.3.4.3, §9.8.2).
    pub fn complete(self, response: &ResponseApdu) -> Result<SecureMessaging, BacError> {
        if !response.status.is_success() {
            return Err(BacError::AccessDenied(response.status));
        }
        let r = self.keys.open(&response.data)?;
        let (rnd_ic, rest) = r.split_at(NONCE_LEN);
        let (rnd_ifd, k_ic) = rest.split_at(NONCE_LEN);
        if rnd_ifd != self.rnd_ifd || rnd_ic != self.rnd_ic {
            return Err(BacError::NonceMismatch);
        }
        let (keys, ssc) = session(self.k_ifd.as_slice(), k_ic, &self.rnd_ic, &self.rnd_ifd)?;
        Ok(SecureMessaging::new(keys, ssc)?)
    }
}

impl fmt::Debug for BacSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BacSession(..)")
    }
}

/// Runs BAC over `transport`: GET CHALLENGE, EXTERNAL AUTHENTICATE, and the check of the
/// chip's answer.
pub fn establish(
    transport: &mut dyn CardTransport,
    keys: BacKeys,
    random: &mut dyn RandomSource,
) -> Result<SecureMessaging, BacError> {
    let challenge = transport::send(transport, &get_challenge())?;
    let session = BacSession::new(keys, parse_challenge(&challenge)?, random)?;
    let answer = transport::send(transport, session.external_authenticate())?;
    session.complete(&answer)
}

/// The chip after it handed out RND.IC, waiting for EXTERNAL AUTHENTICATE.
pub struct ChipBac {
    keys: BacKeys,
    rnd_ic: [u8; NONCE_LEN],
}

impl ChipBac {
    /// Draws RND.IC: answer GET CHALLENGE with [`ChipBac::challenge`].
    pub fn new(keys: BacKeys, random: &mut dyn RandomSource) -> Result<Self, BacError> {
        let mut rnd_ic = [0u8; NONCE_LEN];
        random.fill(&mut rnd_ic)?;
        Ok(Self { keys, rnd_ic })
    }

    pub fn challenge(&self) -> [u8; NONCE_LEN] {
        self.rnd_ic
    }

    /// Checks EXTERNAL AUTHENTICATE (M_IFD, RND.IC echoed), draws K.IC, and returns the
    /// answer (E_IC ‖ M_IC, 9000) with the chip's half of the session. On an error the
    /// chip answers 6300 and needs a new challenge.
    pub fn external_authenticate(
        self,
        command: &CommandApdu,
        random: &mut dyn RandomSource,
    ) -> Result<(ResponseApdu, ChipSecureMessaging), BacError> {
        if command.cla != 0x00 || command.ins != INS_EXTERNAL_AUTHENTICATE {
            return Err(BacError::UnexpectedCommand);
        }
        let s = self.keys.open(&command.data)?;
        let (rnd_ifd, rest) = s.split_at(NONCE_LEN);
        let (rnd_ic, k_ifd) = rest.split_at(NONCE_LEN);
        if rnd_ic != self.rnd_ic {
            return Err(BacError::NonceMismatch);
        }
        let mut k_ic = Zeroizing::new([0u8; KEY_HALF_LEN]);
        random.fill(k_ic.as_mut_slice())?;
        let mut r = Zeroizing::new([0u8; CRYPTOGRAM_LEN]);
        r[..8].copy_from_slice(&self.rnd_ic);
        r[8..16].copy_from_slice(rnd_ifd);
        r[16..].copy_from_slice(k_ic.as_slice());
        let data = self.keys.seal(&r)?;
        let (keys, ssc) = session(k_ifd, k_ic.as_slice(), &self.rnd_ic, rnd_ifd)?;
        let response = ResponseApdu {
            data,
            status: StatusWord::SUCCESS,
        };
        Ok((response, ChipSecureMessaging::new(keys, ssc)?))
    }
}

impl fmt::Debug for ChipBac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChipBac(..)")
    }
}

/// Session keys from K_seed = K.IFD ⊕ K.IC, and the starting counter (ICAO 9303-11
/// §4.3.4.3 and §9.8.2).
fn session(
    k_ifd: &[u8],
    k_ic: &[u8],
    rnd_ic: &[u8],
    rnd_ifd: &[u8],
) -> Result<(SessionKeys, SendSequenceCounter), SmError> {
    let mut seed = Zeroizing::new([0u8; KEY_HALF_LEN]);
    for ((s, a), b) in seed.iter_mut().zip(k_ifd).zip(k_ic) {
        *s = a ^ b;
    }
    let keys = SessionKeys::derive(Cipher::Tdes, seed.as_slice());
    let mut ssc = [0u8; 8];
    ssc[..4].copy_from_slice(rnd_ic.get(4..8).ok_or(SmError::Internal)?);
    ssc[4..].copy_from_slice(rnd_ifd.get(4..8).ok_or(SmError::Internal)?);
    Ok((keys, SendSequenceCounter::from_bytes(&ssc)?))
}
