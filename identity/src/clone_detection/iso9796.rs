//! ISO/IEC 9796-2 digital signature scheme 1 with RSA and partial message recovery: the
//! signature of an RSA Active Authentication chip (ICAO 9303-11 §6.1).
//!
//! The chip signs M = M1 ‖ M2, where M2 = RND.IFD is the terminal's challenge and M1 is a
//! nonce of its own that fills the signature's capacity. The message representative is
//!
//! ```text
//! F = 6A ‖ M1 ‖ H(M1 ‖ M2) ‖ trailer        (k bytes, k = length of the modulus)
//! ```
//!
//! where `6A` says "partial recovery, no padding", and the trailer is `BC` (the hash is
//! SHA-1, implicitly) or `xx CC` with xx the ISO/IEC 10118-3 identifier of the hash. The
//! signature is F^d mod n. The terminal computes J = s^e mod n, recovers M1 and the digest
//! from it and compares the digest with its own hash of M1 ‖ RND.IFD.

use elliptic_curve::bigint::modular::BoxedMontyForm;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BoxedUint, RsaPrivateKey, RsaPublicKey};
use zeroize::Zeroizing;

use super::hash::{HashAlgorithm, constant_time_eq};
use crate::sm::random::{RandomError, RandomSource};

/// The header of F: bits `01` (ISO/IEC 9796-2), then 1 for partial recovery, then
/// the padding field's closing nibble `A` with no padding before it.
const HEADER_PARTIAL_RECOVERY: u8 = 0x6A;
/// The one-byte trailer: SHA-1 implied (ISO/IEC 9796-2, trailer option 1).
const TRAILER_IMPLICIT: u8 = 0xBC;
/// The last byte of a two-byte trailer naming the hash (option 2).
const TRAILER_EXPLICIT: u8 = 0xCC;

/// Which trailer the signer writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Iso9796Trailer {
    /// `BC`: SHA-1, the most common on eMRTDs.
    Implicit,
    /// `xx CC`: the hash named by its ISO/IEC 10118-3 identifier.
    Explicit(HashAlgorithm),
}

impl Iso9796Trailer {
    pub fn hash(self) -> HashAlgorithm {
        match self {
            Self::Implicit => HashAlgorithm::Sha1,
            Self::Explicit(hash) => hash,
        }
    }

    fn bytes(self) -> Vec<u8> {
        match self {
            Self::Implicit => vec![TRAILER_IMPLICIT],
            Self::Explicit(hash) => vec![hash.iso10118_id(), TRAILER_EXPLICIT],
        }
    }
}

/// Why an ISO/IEC 9796-2 signature does not verify, or could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Iso9796Error {
    #[error("the signature has {found} bytes; the key's modulus has {expected}")]
    SignatureLength { expected: usize, found: usize },
    #[error("the signature is not below the key's modulus")]
    SignatureOutOfRange,
    #[error("a modulus of {0} bits is not a whole number of bytes")]
    UnsupportedModulus(usize),
    #[error("the recovered message ends in {0:02X}, not an ISO/IEC 9796-2 trailer")]
    BadTrailer(u8),
    #[error("the trailer names hash function {0:02X}, which the kiosk does not compute")]
    UnsupportedHash(u8),
    #[error("the recovered message starts with {0:02X}, not 6A (partial recovery)")]
    BadHeader(u8),
    #[error("the modulus is too short to hold a digest and a recoverable message")]
    NoCapacity,
    #[error("the recovered digest does not match the challenge: the signature is forged")]
    DigestMismatch,
    #[error("RSA failed: {0}")]
    Rsa(String),
    #[error(transparent)]
    Random(#[from] RandomError),
}

/// Checks `signature` over M2 = `challenge` under `key`; returns the trailer found.
///
/// The signature must have exactly k bytes (its I2OSP encoding) and lie below n. Both
/// J = s^e mod n and n − J are tried as F: ISO/IEC 9796-2 Annex B lets a signer send
/// min(σ, n − σ), and for an odd e one is a valid signature exactly when the other is,
/// so accepting both gives a forger nothing.
pub fn verify(
    key: &RsaPublicKey,
    challenge: &[u8],
    signature: &[u8],
) -> Result<Iso9796Trailer, Iso9796Error> {
    let k = modulus_len(key)?;
    if signature.len() != k {
        return Err(Iso9796Error::SignatureLength {
            expected: k,
            found: signature.len(),
        });
    }
    let precision = key.n_bits_precision();
    let s = BoxedUint::from_be_slice(signature, precision)
        .map_err(|e| Iso9796Error::Rsa(e.to_string()))?;
    if s >= *key.n().as_ref() {
        return Err(Iso9796Error::SignatureOutOfRange);
    }
    let j = rsa_exponentiation(key, &s, key.e());
    let j_bytes = fixed_len(&j, k)?;
    let f = if j_bytes.last().is_some_and(|b| b & 0x0F == 0x0C) {
        j_bytes
    } else {
        let complement = key.n().as_ref().wrapping_sub(&j);
        let complement = fixed_len(&complement, k)?;
        if complement.last().is_some_and(|b| b & 0x0F == 0x0C) {
            complement
        } else {
            return Err(Iso9796Error::BadTrailer(
                j_bytes.last().copied().unwrap_or(0),
            ));
        }
    };
    recover(&f, challenge)
}

/// Checks the message representative F against M2.
fn recover(f: &[u8], challenge: &[u8]) -> Result<Iso9796Trailer, Iso9796Error> {
    let (&last, rest) = f.split_last().ok_or(Iso9796Error::NoCapacity)?;
    let trailer = match last {
        TRAILER_IMPLICIT => Iso9796Trailer::Implicit,
        TRAILER_EXPLICIT => {
            let &id = rest.last().ok_or(Iso9796Error::NoCapacity)?;
            Iso9796Trailer::Explicit(
                HashAlgorithm::from_iso10118_id(id).ok_or(Iso9796Error::UnsupportedHash(id))?,
            )
        }
        other => return Err(Iso9796Error::BadTrailer(other)),
    };
    let hash = trailer.hash();
    let (&header, body) = f.split_first().ok_or(Iso9796Error::NoCapacity)?;
    if header != HEADER_PARTIAL_RECOVERY {
        return Err(Iso9796Error::BadHeader(header));
    }
    let body_len = body
        .len()
        .checked_sub(trailer.bytes().len() + hash.output_len())
        .filter(|&m1_len| m1_len > 0)
        .ok_or(Iso9796Error::NoCapacity)?;
    let (m1, digest_and_trailer) = body.split_at(body_len);
    let digest = digest_and_trailer
        .get(..hash.output_len())
        .ok_or(Iso9796Error::NoCapacity)?;
    let expected = hash.digest_parts(&[m1, challenge]);
    if constant_time_eq(digest, &expected) {
        Ok(trailer)
    } else {
        Err(Iso9796Error::DigestMismatch)
    }
}

/// Signs M2 = `challenge` as a chip does: M1 random, filling the capacity.
pub fn sign(
    key: &RsaPrivateKey,
    trailer: Iso9796Trailer,
    challenge: &[u8],
    random: &mut dyn RandomSource,
) -> Result<Vec<u8>, Iso9796Error> {
    let k = modulus_len(key)?;
    let hash = trailer.hash();
    let trailer_bytes = trailer.bytes();
    let m1_len = k
        .checked_sub(1 + hash.output_len() + trailer_bytes.len())
        .filter(|&len| len > 0)
        .ok_or(Iso9796Error::NoCapacity)?;
    let mut m1 = Zeroizing::new(vec![0u8; m1_len]);
    random.fill(&mut m1)?;
    let mut f = Zeroizing::new(Vec::with_capacity(k));
    f.push(HEADER_PARTIAL_RECOVERY);
    f.extend_from_slice(&m1);
    f.extend(hash.digest_parts(&[&m1, challenge]));
    f.extend(trailer_bytes);
    let representative = BoxedUint::from_be_slice(&f, key.n_bits_precision())
        .map_err(|e| Iso9796Error::Rsa(e.to_string()))?;
    let signature = rsa_exponentiation(key, &representative, key.d());
    fixed_len(&signature, k)
}

/// k, refusing moduli whose length is not whole bytes: F's header byte then no longer
/// sits at the top of the representative (no eMRTD key has such a modulus).
fn modulus_len(key: &impl PublicKeyParts) -> Result<usize, Iso9796Error> {
    let bits = key.n().bits() as usize;
    if !bits.is_multiple_of(8) {
        return Err(Iso9796Error::UnsupportedModulus(bits));
    }
    Ok(bits / 8)
}

/// The big-endian encoding of `value` in exactly `len` bytes (I2OSP).
fn fixed_len(value: &BoxedUint, len: usize) -> Result<Vec<u8>, Iso9796Error> {
    let bytes = value.to_be_bytes();
    let skip = bytes
        .len()
        .checked_sub(len)
        .ok_or_else(|| Iso9796Error::Rsa("integer wider than its storage".into()))?;
    let (leading, tail) = bytes.split_at(skip);
    if leading.iter().any(|&b| b != 0) {
        return Err(Iso9796Error::Rsa(
            "integer does not fit the modulus length".into(),
        ));
    }
    Ok(tail.to_vec())
}

/// x^exponent mod n (RFC 8017 §5.2: RSAVP1 with e, RSASP1 with d), for x < n, in
/// Montgomery form with crypto-bigint's constant-time exponentiation, the arithmetic the
/// `rsa` crate itself uses. The private use is the emulator's chip only, so it goes
/// without the CRT and blinding a production signer would add.
fn rsa_exponentiation(key: &impl PublicKeyParts, x: &BoxedUint, exponent: &BoxedUint) -> BoxedUint {
    BoxedMontyForm::new(x.clone(), key.n_params())
        .pow(exponent)
        .retrieve()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn representative(m1: &[u8], challenge: &[u8], trailer: Iso9796Trailer) -> Vec<u8> {
        let mut f = vec![HEADER_PARTIAL_RECOVERY];
        f.extend_from_slice(m1);
        f.extend(trailer.hash().digest_parts(&[m1, challenge]));
        f.extend(trailer.bytes());
        f
    }

    #[test]
    fn recovers_both_trailers() {
        let challenge = [1, 2, 3, 4, 5, 6, 7, 8];
        for trailer in [
            Iso9796Trailer::Implicit,
            Iso9796Trailer::Explicit(HashAlgorithm::Sha256),
            Iso9796Trailer::Explicit(HashAlgorithm::Sha512),
        ] {
            let f = representative(&[0x55; 40], &challenge, trailer);
            assert_eq!(recover(&f, &challenge), Ok(trailer));
            assert_eq!(
                recover(&f, &[0; 8]),
                Err(Iso9796Error::DigestMismatch),
                "another challenge"
            );
        }
    }

    #[test]
    fn refuses_malformed_representatives() {
        let challenge = [9; 8];
        let good = representative(&[0x11; 30], &challenge, Iso9796Trailer::Implicit);
        let mut total_recovery = good.clone();
        total_recovery[0] = 0x4A;
        assert_eq!(
            recover(&total_recovery, &challenge),
            Err(Iso9796Error::BadHeader(0x4A))
        );
        let mut bad_trailer = good.clone();
        *bad_trailer.last_mut().unwrap() = 0xBD;
        assert_eq!(
            recover(&bad_trailer, &challenge),
            Err(Iso9796Error::BadTrailer(0xBD))
        );
        let mut whirlpool = good.clone();
        whirlpool.extend([0x37, 0xCC]);
        assert_eq!(
            recover(&whirlpool, &challenge),
            Err(Iso9796Error::UnsupportedHash(0x37))
        );
        // Header, digest and trailer with no room for M1.
        let mut no_m1 = vec![HEADER_PARTIAL_RECOVERY];
        no_m1.extend([0; 20]);
        no_m1.push(TRAILER_IMPLICIT);
        assert_eq!(recover(&no_m1, &challenge), Err(Iso9796Error::NoCapacity));
        assert_eq!(recover(&[], &challenge), Err(Iso9796Error::NoCapacity));
        assert_eq!(
            recover(&[0xBC], &challenge),
            Err(Iso9796Error::BadHeader(0xBC))
        );
        assert_eq!(recover(&[0xCC], &challenge), Err(Iso9796Error::NoCapacity));
    }

    #[test]
    fn hash_identifiers_follow_iso_10118_3() {
        for (hash, id) in [
            (HashAlgorithm::Sha1, 0x33),
            (HashAlgorithm::Sha256, 0x34),
            (HashAlgorithm::Sha512, 0x35),
            (HashAlgorithm::Sha384, 0x36),
            (HashAlgorithm::Sha224, 0x38),
        ] {
            assert_eq!(hash.iso10118_id(), id);
            assert_eq!(HashAlgorithm::from_iso10118_id(id), Some(hash));
        }
        assert_eq!(HashAlgorithm::from_iso10118_id(0x31), None);
    }
}
