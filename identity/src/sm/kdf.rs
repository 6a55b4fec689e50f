//! Key derivation of ICAO 9303-11 §9.7.1, and the BAC key seed of §9.7.2.
//!
//! KDF(K, c) = H(K ‖ c), c a 32-bit big-endian counter: 1 for the encryption key, 2 for the
//! MAC key, 3 for the PACE password key π. The hash and the bytes kept depend on the cipher
//! the key is for (§9.7.1.1 to §9.7.1.3).

use sha1::{Digest, Sha1};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::cipher::Cipher;

/// What a derived key is for: the counter `c` of ICAO 9303-11 §9.7.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPurpose {
    /// K_Enc, c = 1.
    Encryption,
    /// K_MAC, c = 2.
    Mac,
    /// K_π of PACE, c = 3.
    Password,
}

impl KeyPurpose {
    fn counter(self) -> [u8; 4] {
        let c: u32 = match self {
            Self::Encryption => 1,
            Self::Mac => 2,
            Self::Password => 3,
        };
        c.to_be_bytes()
    }
}

/// KDF(K, c) for `cipher` (ICAO 9303-11 §9.7.1): the key has `cipher.key_len()` bytes.
///
/// - 3DES: SHA-1, the first 16 bytes as K_a ‖ K_b, DES parity bits adjusted (§9.7.1.1);
/// - AES-128: SHA-1, the first 16 bytes (§9.7.1.2);
/// - AES-192: SHA-256, the first 24 bytes; AES-256: SHA-256, all 32 bytes (§9.7.1.3).
pub fn derive_key(cipher: Cipher, shared_secret: &[u8], purpose: KeyPurpose) -> Zeroizing<Vec<u8>> {
    let counter = purpose.counter();
    let mut key = match cipher {
        Cipher::Tdes | Cipher::Aes128 => {
            let digest = Sha1::new()
                .chain_update(shared_secret)
                .chain_update(counter)
                .finalize();
            Zeroizing::new(digest[..16].to_vec())
        }
        Cipher::Aes192 | Cipher::Aes256 => {
            let digest = Sha256::new()
                .chain_update(shared_secret)
                .chain_update(counter)
                .finalize();
            Zeroizing::new(digest[..cipher.key_len()].to_vec())
        }
    };
    if cipher == Cipher::Tdes {
        adjust_des_parity(&mut key);
    }
    key
}

/// Sets the least significant bit of every byte so that the byte has odd parity, as DES
/// keys require (FIPS 46-3; ICAO 9303-11 §9.7.1.1).
pub fn adjust_des_parity(key: &mut [u8]) {
    for byte in key {
        let high_seven = *byte & 0xFE;
        *byte = if high_seven.count_ones() % 2 == 0 {
            high_seven | 1
        } else {
            high_seven
        };
    }
}

/// K_seed of BAC: the first 16 bytes of SHA-1 over the MRZ information (document number,
/// date of birth and date of expiry, each with its check digit; ICAO 9303-11 §9.7.2 and
/// Appendix D.2). `mrz_information` is built by [`crate::access_key`].
pub fn bac_key_seed(mrz_information: &str) -> Zeroizing<[u8; 16]> {
    let digest = Sha1::digest(mrz_information.as_bytes());
    let mut seed = Zeroizing::new([0u8; 16]);
    seed.copy_from_slice(&digest[..16]);
    seed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parity_is_odd_in_every_byte() {
        let mut key = [0x00, 0x01, 0xFE, 0xFF, 0x23, 0x9A];
        adjust_des_parity(&mut key);
        assert_eq!(key, [0x01, 0x01, 0xFE, 0xFE, 0x23, 0x9B]);
        assert!(key.iter().all(|b| b.count_ones() % 2 == 1));
    }

    #[test]
    fn aes_keys_have_their_lengths() {
        for (cipher, len) in [
            (Cipher::Aes128, 16),
            (Cipher::Aes192, 24),
            (Cipher::Aes256, 32),
        ] {
            let key = derive_key(cipher, b"secret", KeyPurpose::Encryption);
            assert_eq!(key.len(), len);
        }
        // AES-192 and AES-256 share SHA-256: the shorter key is a prefix of the longer one.
        let k192 = derive_key(Cipher::Aes192, b"secret", KeyPurpose::Mac);
        let k256 = derive_key(Cipher::Aes256, b"secret", KeyPurpose::Mac);
        assert_eq!(k192[..], k256[..24]);
    }
}
