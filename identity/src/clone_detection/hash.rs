//! The hash functions an Active Authentication signature may use (ICAO 9303-11 §6.1;
//! BSI TR-03111 §4.2.1 for the ECDSA object identifiers).

use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

/// A hash function of ISO/IEC 10118-3 that the kiosk can compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlgorithm {
    /// Bytes of a digest.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha224 => 28,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// The hash of the concatenation of `parts`.
    pub fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut hasher = D::new();
            for part in parts {
                hasher.update(part);
            }
            hasher.finalize().to_vec()
        }
        match self {
            Self::Sha1 => run::<Sha1>(parts),
            Self::Sha224 => run::<Sha224>(parts),
            Self::Sha256 => run::<Sha256>(parts),
            Self::Sha384 => run::<Sha384>(parts),
            Self::Sha512 => run::<Sha512>(parts),
        }
    }

    /// The hash-function identifier of ISO/IEC 10118-3, which an explicit ISO/IEC 9796-2
    /// trailer carries before `CC`: 33 SHA-1, 34 SHA-256, 35 SHA-512, 36 SHA-384,
    /// 38 SHA-224 (31, 32 and 37 are RIPEMD-160, RIPEMD-128 and Whirlpool, not supported).
    pub fn iso10118_id(self) -> u8 {
        match self {
            Self::Sha1 => 0x33,
            Self::Sha256 => 0x34,
            Self::Sha512 => 0x35,
            Self::Sha384 => 0x36,
            Self::Sha224 => 0x38,
        }
    }

    pub fn from_iso10118_id(id: u8) -> Option<Self> {
        [
            Self::Sha1,
            Self::Sha224,
            Self::Sha256,
            Self::Sha384,
            Self::Sha512,
        ]
        .into_iter()
        .find(|hash| hash.iso10118_id() == id)
    }
}

/// Equality in time independent of where the inputs differ, for comparing digests and
/// MACs recovered from a signature.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
