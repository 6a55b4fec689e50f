//! Active Authentication (ICAO 9303-11 §6.1): the chip signs a fresh challenge with the
//! private key whose public half DG15 holds (and passive authentication vouches for). A
//! chip whose data was copied onto another chip cannot sign, because the private key
//! never leaves the original.
//!
//! The terminal sends INTERNAL AUTHENTICATE with an 8-byte random RND.IFD (§6.1,
//! under the secure messaging already set up). The chip answers with
//!
//! - RSA: an ISO/IEC 9796-2 scheme 1 signature ([`super::iso9796`]);
//! - ECDSA: a plain signature r ‖ s (BSI TR-03111 §5.2.1) over RND.IFD, hashed with the
//!   hash that DG14's `ActiveAuthenticationInfo` names (`ecdsa-plain-SHA*`).
//!
//! [`ChipAaSigner`] is the chip's side, for the card emulator.

use std::fmt;

use const_oid::ObjectIdentifier;
use ecdsa::hazmat::{sign_prehashed, verify_prehashed};
use ecdsa::{EcdsaCurve, Signature};
use elliptic_curve::{CurveArithmetic, PublicKey, SecretKey};
use rsa::RsaPrivateKey;

use super::dg15::AaPublicKey;
use super::ec::{EcPrivateKey, EcPublicKey, KeyError};
use super::hash::HashAlgorithm;
use super::iso9796::{self, Iso9796Error, Iso9796Trailer};
use crate::apdu::{CommandApdu, ResponseApdu, StatusWord};
use crate::sm::random::{RandomError, RandomSource};
use crate::sm::{SmSendError, SmTransport};
use crate::transport::TransportErrorKind;

/// Bytes of RND.IFD (ICAO 9303-11 §6.1).
pub const CHALLENGE_LEN: usize = 8;

/// INS of INTERNAL AUTHENTICATE (ISO/IEC 7816-4 §11.5.2).
const INS_INTERNAL_AUTHENTICATE: u8 = 0x88;

/// `ecdsa-plain-signatures` (BSI TR-03111 §5.2.1): 0.4.0.127.0.7.1.1.4.1, with the hash
/// as the last arc.
const ECDSA_PLAIN_ARC: &str = "0.4.0.127.0.7.1.1.4.1";

/// The hash of an ECDSA chip whose DG14 names none. ICAO 9303-11 §6.1 requires
/// `ActiveAuthenticationInfo` for ECDSA, so only non-conforming cards reach this default;
/// SHA-256 is what such chips use in practice and matches the 256-bit curves of eMRTDs.
pub const DEFAULT_ECDSA_HASH: HashAlgorithm = HashAlgorithm::Sha256;

/// The hash of an `ecdsa-plain-*` signature algorithm: SHA-1 (…1), SHA-224 (…2),
/// SHA-256 (…3), SHA-384 (…4), SHA-512 (…5). RIPEMD-160 (…6) and the SHA-3 family are
/// refused.
pub fn ecdsa_plain_hash(oid: &ObjectIdentifier) -> Result<HashAlgorithm, AaError> {
    let unsupported = || AaError::UnsupportedAlgorithm(*oid);
    let parent = ObjectIdentifier::new(ECDSA_PLAIN_ARC).map_err(|_| unsupported())?;
    if oid.parent() != Some(parent) {
        return Err(unsupported());
    }
    match oid.arcs().last() {
        Some(1) => Ok(HashAlgorithm::Sha1),
        Some(2) => Ok(HashAlgorithm::Sha224),
        Some(3) => Ok(HashAlgorithm::Sha256),
        Some(4) => Ok(HashAlgorithm::Sha384),
        Some(5) => Ok(HashAlgorithm::Sha512),
        _ => Err(unsupported()),
    }
}

/// The `ecdsa-plain-*` OID of `hash`, for a card generator writing DG14.
pub fn ecdsa_plain_oid(hash: HashAlgorithm) -> ObjectIdentifier {
    let last = match hash {
        HashAlgorithm::Sha1 => 1,
        HashAlgorithm::Sha224 => 2,
        HashAlgorithm::Sha256 => 3,
        HashAlgorithm::Sha384 => 4,
        HashAlgorithm::Sha512 => 5,
    };
    ObjectIdentifier::new_unwrap(ECDSA_PLAIN_ARC)
        .push_arc(last)
        .unwrap_or(ObjectIdentifier::new_unwrap(ECDSA_PLAIN_ARC))
}

/// Why Active Authentication did not pass.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AaError {
    #[error(transparent)]
    Random(#[from] RandomError),
    #[error("the INTERNAL AUTHENTICATE exchange failed: {0}")]
    Link(#[from] SmSendError),
    #[error("the chip refused INTERNAL AUTHENTICATE with status {0}")]
    Refused(StatusWord),
    #[error("the signature algorithm {0} is not supported")]
    UnsupportedAlgorithm(ObjectIdentifier),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("the RSA signature does not verify: {0}")]
    Rsa(#[from] Iso9796Error),
    #[error("the ECDSA signature has {found} bytes; r ‖ s on this curve has {expected}")]
    EcdsaSignatureLength { expected: usize, found: usize },
    #[error("the ECDSA signature does not verify: the chip does not hold the DG15 key")]
    EcdsaInvalid,
    #[error("the chip's challenge is {0} bytes, not 8")]
    ChallengeLength(usize),
}

impl AaError {
    /// The transport failure behind the error, if any: a card taken away is "keep the card
    /// still", not a clone.
    pub fn transport_kind(&self) -> Option<TransportErrorKind> {
        match self {
            Self::Link(SmSendError::Send(error)) => error.transport_kind(),
            Self::Link(SmSendError::SecureMessaging(_)) => {
                Some(TransportErrorKind::SecureMessaging)
            }
            _ => None,
        }
    }
}

/// INTERNAL AUTHENTICATE with RND.IFD, expecting a response of any length.
pub fn internal_authenticate(challenge: &[u8; CHALLENGE_LEN]) -> CommandApdu {
    CommandApdu::new(0x00, INS_INTERNAL_AUTHENTICATE, 0x00, 0x00)
        .with_data(challenge.to_vec())
        .with_le(256)
}

/// The terminal's side: the DG15 key and, for ECDSA, the hash to use.
#[derive(Debug, Clone)]
pub struct ActiveAuthentication {
    key: AaPublicKey,
    ecdsa_hash: HashAlgorithm,
}

impl ActiveAuthentication {
    /// `signature_algorithm` is the OID from DG14's `ActiveAuthenticationInfo`, if DG14
    /// has one; it only matters for ECDSA keys.
    pub fn new(
        key: AaPublicKey,
        signature_algorithm: Option<&ObjectIdentifier>,
    ) -> Result<Self, AaError> {
        let ecdsa_hash = match (&key, signature_algorithm) {
            (AaPublicKey::Ec(_), Some(oid)) => ecdsa_plain_hash(oid)?,
            _ => DEFAULT_ECDSA_HASH,
        };
        Ok(Self { key, ecdsa_hash })
    }

    /// From DG15's `SubjectPublicKeyInfo` DER.
    pub fn from_spki_der(
        spki: &[u8],
        signature_algorithm: Option<&ObjectIdentifier>,
    ) -> Result<Self, AaError> {
        Self::new(AaPublicKey::from_spki_der(spki)?, signature_algorithm)
    }

    pub fn public_key(&self) -> &AaPublicKey {
        &self.key
    }

    /// Sends a fresh challenge and checks the chip's signature.
    pub fn run(
        &self,
        transport: &mut SmTransport<'_>,
        random: &mut dyn RandomSource,
    ) -> Result<(), AaError> {
        let mut challenge = [0u8; CHALLENGE_LEN];
        random.fill(&mut challenge)?;
        let response = transport.send(&internal_authenticate(&challenge))?;
        if !response.status.is_success() {
            return Err(AaError::Refused(response.status));
        }
        self.verify_signature(&challenge, &response.data)
    }

    /// Checks `signature` over `challenge`.
    pub fn verify_signature(
        &self,
        challenge: &[u8; CHALLENGE_LEN],
        signature: &[u8],
    ) -> Result<(), AaError> {
        match &self.key {
            AaPublicKey::Rsa(key) => {
                iso9796::verify(key, challenge, signature)?;
                Ok(())
            }
            AaPublicKey::Ec(key) => {
                let expected = 2 * key.curve().field_len();
                if signature.len() != expected {
                    return Err(AaError::EcdsaSignatureLength {
                        expected,
                        found: signature.len(),
                    });
                }
                let digest = self.ecdsa_hash.digest_parts(&[challenge]);
                let valid = match key {
                    EcPublicKey::NistP256(key) => ecdsa_verify(key, &digest, signature),
                    EcPublicKey::BrainpoolP256r1(key) => ecdsa_verify(key, &digest, signature),
                    EcPublicKey::NistP384(key) => ecdsa_verify(key, &digest, signature),
                    EcPublicKey::BrainpoolP384r1(key) => ecdsa_verify(key, &digest, signature),
                };
                if valid {
                    Ok(())
                } else {
                    Err(AaError::EcdsaInvalid)
                }
            }
        }
    }
}

/// ECDSA verification of a prehashed message (ANSI X9.62 §7.4.1; the digest is truncated
/// to, or read as an integer below, the order's length), with r and s in [1, n-1].
fn ecdsa_verify<C>(key: &PublicKey<C>, digest: &[u8], signature: &[u8]) -> bool
where
    C: EcdsaCurve + CurveArithmetic,
{
    let Ok(signature) = Signature::<C>::from_slice(signature) else {
        return false;
    };
    verify_prehashed::<C>(&key.to_projective(), digest, &signature).is_ok()
}

/// The chip's Active Authentication key, with how it signs.
#[derive(Clone)]
enum ChipAaKey {
    Rsa(Box<RsaPrivateKey>, Iso9796Trailer),
    Ec(EcPrivateKey, HashAlgorithm),
}

/// The chip's side of Active Authentication, for the card emulator.
#[derive(Clone)]
pub struct ChipAaSigner {
    key: ChipAaKey,
}

impl ChipAaSigner {
    /// An RSA chip signing with ISO/IEC 9796-2 scheme 1 and `trailer`.
    pub fn rsa(key: RsaPrivateKey, trailer: Iso9796Trailer) -> Self {
        Self {
            key: ChipAaKey::Rsa(Box::new(key), trailer),
        }
    }

    /// An ECDSA chip hashing with `hash` (announced in DG14 by
    /// [`Self::signature_algorithm`]).
    pub fn ecdsa(key: EcPrivateKey, hash: HashAlgorithm) -> Self {
        Self {
            key: ChipAaKey::Ec(key, hash),
        }
    }

    /// What DG15 must hold.
    pub fn public_key(&self) -> AaPublicKey {
        match &self.key {
            ChipAaKey::Rsa(key, _) => AaPublicKey::Rsa(key.to_public_key()),
            ChipAaKey::Ec(key, _) => AaPublicKey::Ec(key.public_key()),
        }
    }

    /// The `ecdsa-plain-*` OID DG14's `ActiveAuthenticationInfo` must carry (none for
    /// RSA, ICAO 9303-11 §9.2).
    pub fn signature_algorithm(&self) -> Option<ObjectIdentifier> {
        match &self.key {
            ChipAaKey::Rsa(..) => None,
            ChipAaKey::Ec(_, hash) => Some(ecdsa_plain_oid(*hash)),
        }
    }

    /// The signature over `challenge`.
    pub fn sign(
        &self,
        challenge: &[u8],
        random: &mut dyn RandomSource,
    ) -> Result<Vec<u8>, AaError> {
        match &self.key {
            ChipAaKey::Rsa(key, trailer) => Ok(iso9796::sign(key, *trailer, challenge, random)?),
            ChipAaKey::Ec(key, hash) => {
                let digest = hash.digest_parts(&[challenge]);
                let nonce = EcPrivateKey::random(key.curve(), random)?;
                let signature = match (key, &nonce) {
                    (EcPrivateKey::NistP256(d), EcPrivateKey::NistP256(k)) => {
                        ecdsa_sign(d, k, &digest)
                    }
                    (EcPrivateKey::BrainpoolP256r1(d), EcPrivateKey::BrainpoolP256r1(k)) => {
                        ecdsa_sign(d, k, &digest)
                    }
                    (EcPrivateKey::NistP384(d), EcPrivateKey::NistP384(k)) => {
                        ecdsa_sign(d, k, &digest)
                    }
                    (EcPrivateKey::BrainpoolP384r1(d), EcPrivateKey::BrainpoolP384r1(k)) => {
                        ecdsa_sign(d, k, &digest)
                    }
                    _ => None,
                };
                signature.ok_or(AaError::EcdsaInvalid)
            }
        }
    }

    /// Answers INTERNAL AUTHENTICATE (already unprotected by the chip's secure messaging):
    /// 6700 unless the data is an 8-byte challenge, 6A80 for a wrong P1-P2, 6F00 when
    /// signing fails.
    pub fn internal_authenticate(
        &self,
        command: &CommandApdu,
        random: &mut dyn RandomSource,
    ) -> ResponseApdu {
        let status = |sw: u16| ResponseApdu {
            data: Vec::new(),
            status: StatusWord(sw),
        };
        if command.p1 != 0 || command.p2 != 0 {
            return status(0x6A86);
        }
        if command.data.len() != CHALLENGE_LEN {
            return status(StatusWord::WRONG_LENGTH.0);
        }
        match self.sign(&command.data, random) {
            Ok(signature) => ResponseApdu {
                data: signature,
                status: StatusWord::SUCCESS,
            },
            Err(_) => status(0x6F00),
        }
    }
}

impl fmt::Debug for ChipAaSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            ChipAaKey::Rsa(_, trailer) => write!(f, "ChipAaSigner(RSA, {trailer:?})"),
            ChipAaKey::Ec(key, hash) => write!(f, "ChipAaSigner({}, {hash:?})", key.curve()),
        }
    }
}

/// ECDSA with the nonce `k` drawn by the caller (ANSI X9.62 §7.3), r ‖ s; `None` in the
/// negligible case that r or s comes out zero.
fn ecdsa_sign<C>(key: &SecretKey<C>, nonce: &SecretKey<C>, digest: &[u8]) -> Option<Vec<u8>>
where
    C: EcdsaCurve + CurveArithmetic,
{
    let (signature, _) =
        sign_prehashed::<C>(&key.to_nonzero_scalar(), &nonce.to_nonzero_scalar(), digest).ok()?;
    Some(signature.to_bytes().to_vec())
}
