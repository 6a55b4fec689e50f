//! The block ciphers and MACs of secure messaging (ICAO 9303-11 §9.8), their session keys
//! and the send sequence counter.
//!
//! - 3DES (BAC, §9.8.6.1): two-key 3DES in CBC mode with a zero IV; ISO/IEC 9797-1 MAC
//!   algorithm 3 ("retail MAC") with single DES, 8-byte send sequence counter.
//! - AES (PACE and Chip Authentication, §9.8.6.2): AES in CBC mode with IV = E(K_Enc, SSC);
//!   AES-CMAC truncated to 8 bytes; 16-byte send sequence counter.
//!
//! Data to encrypt and to MAC is padded with ISO/IEC 9797-1 padding method 2 (`80 00 …`).

use std::fmt;

use aes::{Aes128, Aes192, Aes256};
use cbc::cipher::array::{Array, ArraySize};
use cbc::cipher::{
    BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit,
};
use cmac::{Cmac, Mac};
use des::{Des, TdesEde2};
use zeroize::Zeroizing;

use super::SmError;
use super::kdf::{KeyPurpose, derive_key};
use crate::hash::constant_time_eq;

/// The cipher suite of a secure-messaging session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cipher {
    /// Two-key 3DES with retail MAC: BAC, and PACE or Chip Authentication with 3DES.
    Tdes,
    Aes128,
    Aes192,
    Aes256,
}

impl Cipher {
    /// Bytes of K_Enc and K_MAC.
    pub fn key_len(self) -> usize {
        match self {
            Self::Tdes | Self::Aes128 => 16,
            Self::Aes192 => 24,
            Self::Aes256 => 32,
        }
    }

    /// Bytes of a cipher block, which is also the length of the send sequence counter.
    pub fn block_len(self) -> usize {
        match self {
            Self::Tdes => 8,
            Self::Aes128 | Self::Aes192 | Self::Aes256 => 16,
        }
    }
}

/// Length of the MAC in DO'8E' for every cipher (ICAO 9303-11 §9.8.6).
pub const MAC_LEN: usize = 8;

/// KS_Enc and KS_MAC of a session, wiped when dropped.
#[derive(Clone)]
pub struct SessionKeys {
    cipher: Cipher,
    enc: Zeroizing<Vec<u8>>,
    mac: Zeroizing<Vec<u8>>,
}

impl SessionKeys {
    /// Keys agreed elsewhere, checked against the length `cipher` needs.
    pub fn new(cipher: Cipher, enc: &[u8], mac: &[u8]) -> Result<Self, SmError> {
        for key in [enc, mac] {
            if key.len() != cipher.key_len() {
                return Err(SmError::KeyLength {
                    cipher,
                    len: key.len(),
                });
            }
        }
        Ok(Self {
            cipher,
            enc: Zeroizing::new(enc.to_vec()),
            mac: Zeroizing::new(mac.to_vec()),
        })
    }

    /// K_Enc = KDF(K, 1) and K_MAC = KDF(K, 2) (ICAO 9303-11 §9.7.1): from K_seed for BAC,
    /// from the shared secret of PACE or Chip Authentication.
    pub fn derive(cipher: Cipher, shared_secret: &[u8]) -> Self {
        Self {
            cipher,
            enc: derive_key(cipher, shared_secret, KeyPurpose::Encryption),
            mac: derive_key(cipher, shared_secret, KeyPurpose::Mac),
        }
    }

    pub fn cipher(&self) -> Cipher {
        self.cipher
    }

    pub fn enc_key(&self) -> &[u8] {
        &self.enc
    }

    pub fn mac_key(&self) -> &[u8] {
        &self.mac
    }

    /// CBC encryption in place with an explicit IV; `buf` must be whole blocks.
    pub(crate) fn cbc_encrypt(&self, iv: &[u8], buf: &mut [u8]) -> Result<(), SmError> {
        match self.cipher {
            Cipher::Tdes => cbc_encrypt::<TdesEde2>(&self.enc, iv, buf),
            Cipher::Aes128 => cbc_encrypt::<Aes128>(&self.enc, iv, buf),
            Cipher::Aes192 => cbc_encrypt::<Aes192>(&self.enc, iv, buf),
            Cipher::Aes256 => cbc_encrypt::<Aes256>(&self.enc, iv, buf),
        }
    }

    /// CBC decryption in place with an explicit IV; `buf` must be whole blocks.
    pub(crate) fn cbc_decrypt(&self, iv: &[u8], buf: &mut [u8]) -> Result<(), SmError> {
        match self.cipher {
            Cipher::Tdes => cbc_decrypt::<TdesEde2>(&self.enc, iv, buf),
            Cipher::Aes128 => cbc_decrypt::<Aes128>(&self.enc, iv, buf),
            Cipher::Aes192 => cbc_decrypt::<Aes192>(&self.enc, iv, buf),
            Cipher::Aes256 => cbc_decrypt::<Aes256>(&self.enc, iv, buf),
        }
    }

    /// The IV for protecting the message numbered `ssc`: zero for 3DES (§9.8.6.1),
    /// E(KS_Enc, SSC) for AES (§9.8.6.2).
    pub(crate) fn iv_for(&self, ssc: &SendSequenceCounter) -> Result<Vec<u8>, SmError> {
        let mut iv = ssc.to_bytes();
        match self.cipher {
            Cipher::Tdes => iv.fill(0),
            Cipher::Aes128 => ecb_encrypt::<Aes128>(&self.enc, &mut iv)?,
            Cipher::Aes192 => ecb_encrypt::<Aes192>(&self.enc, &mut iv)?,
            Cipher::Aes256 => ecb_encrypt::<Aes256>(&self.enc, &mut iv)?,
        }
        Ok(iv)
    }

    /// Pads `data` (method 2) and encrypts it for message `ssc`: the content of DO'87'
    /// after its padding-content indicator, or of DO'85'.
    pub(crate) fn encrypt_padded(
        &self,
        ssc: &SendSequenceCounter,
        data: &[u8],
    ) -> Result<Vec<u8>, SmError> {
        let mut buf = data.to_vec();
        pad(&mut buf, self.cipher.block_len());
        self.cbc_encrypt(&self.iv_for(ssc)?, &mut buf)?;
        Ok(buf)
    }

    /// Decrypts a cryptogram of message `ssc` and removes its method-2 padding.
    pub(crate) fn decrypt_padded(
        &self,
        ssc: &SendSequenceCounter,
        cryptogram: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, SmError> {
        let block = self.cipher.block_len();
        if cryptogram.is_empty() || !cryptogram.len().is_multiple_of(block) {
            return Err(SmError::CryptogramLength(cryptogram.len()));
        }
        let mut buf = Zeroizing::new(cryptogram.to_vec());
        self.cbc_decrypt(&self.iv_for(ssc)?, &mut buf)?;
        let len = unpadded_len(&buf, block)?;
        buf.truncate(len);
        Ok(buf)
    }

    /// The 8-byte MAC over `data` padded with method 2: retail MAC for 3DES, CMAC truncated
    /// to 8 bytes for AES (ICAO 9303-11 §9.8.6; BSI TR-03110-3 F.2).
    pub(crate) fn mac(&self, data: &[u8]) -> Result<[u8; MAC_LEN], SmError> {
        let mut buf = Zeroizing::new(data.to_vec());
        pad(&mut buf, self.cipher.block_len());
        match self.cipher {
            Cipher::Tdes => retail_mac(&self.mac, &buf),
            Cipher::Aes128 => cmac::<Aes128>(&self.mac, &buf),
            Cipher::Aes192 => cmac::<Aes192>(&self.mac, &buf),
            Cipher::Aes256 => cmac::<Aes256>(&self.mac, &buf),
        }
    }

    /// Whether `tag` is the MAC over `data`, compared in constant time.
    pub(crate) fn verify_mac(&self, data: &[u8], tag: &[u8]) -> Result<bool, SmError> {
        let expected = self.mac(data)?;
        Ok(constant_time_eq(&expected, tag))
    }
}

impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionKeys")
            .field("cipher", &self.cipher)
            .finish_non_exhaustive()
    }
}

/// The send sequence counter: incremented before every command and every response, and
/// MACed with each (ICAO 9303-11 §9.8.2). As long as a cipher block.
#[derive(Clone, PartialEq, Eq)]
pub struct SendSequenceCounter {
    value: u128,
    len: usize,
}

impl SendSequenceCounter {
    /// A counter of 8 bytes (3DES) or 16 bytes (AES), big-endian.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SmError> {
        if bytes.len() != 8 && bytes.len() != 16 {
            return Err(SmError::SscLength(bytes.len()));
        }
        let value = bytes
            .iter()
            .fold(0u128, |acc, &byte| (acc << 8) | u128::from(byte));
        Ok(Self {
            value,
            len: bytes.len(),
        })
    }

    /// A zero counter for `cipher`: PACE and Chip Authentication start there (§9.8.2).
    pub fn zero(cipher: Cipher) -> Self {
        Self {
            value: 0,
            len: cipher.block_len(),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.value.to_be_bytes()[16 - self.len..].to_vec()
    }

    /// Adds one, wrapping at the counter's width.
    pub(crate) fn increment(&mut self) {
        let next = self.value.wrapping_add(1);
        self.value = if self.len == 16 {
            next
        } else {
            next & ((1u128 << (self.len * 8)) - 1)
        };
    }
}

impl fmt::Debug for SendSequenceCounter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SSC(")?;
        for byte in self.to_bytes() {
            write!(f, "{byte:02X}")?;
        }
        write!(f, ")")
    }
}

/// ISO/IEC 9797-1 padding method 2: `80`, then zeros to a whole block. Always adds at
/// least one byte.
pub fn pad(data: &mut Vec<u8>, block_len: usize) {
    data.push(0x80);
    while !data.len().is_multiple_of(block_len) {
        data.push(0x00);
    }
}

/// The length of `padded` without its method-2 padding, which must lie within its last
/// block.
pub fn unpadded_len(padded: &[u8], block_len: usize) -> Result<usize, SmError> {
    let zeros = padded.iter().rev().take_while(|&&b| b == 0).count();
    let marker = padded
        .len()
        .checked_sub(zeros + 1)
        .ok_or(SmError::BadPadding)?;
    if padded.get(marker) != Some(&0x80) || zeros >= block_len {
        return Err(SmError::BadPadding);
    }
    Ok(marker)
}

fn cbc_encrypt<C: BlockCipherEncrypt + KeyInit>(
    key: &[u8],
    iv: &[u8],
    buf: &mut [u8],
) -> Result<(), SmError> {
    let mut mode = cbc::Encryptor::<C>::new_from_slices(key, iv).map_err(|_| SmError::Internal)?;
    let (blocks, tail) = Array::<u8, C::BlockSize>::slice_as_chunks_mut(buf);
    if !tail.is_empty() {
        return Err(SmError::CryptogramLength(buf_len(blocks, tail)));
    }
    mode.encrypt_blocks(blocks);
    Ok(())
}

fn cbc_decrypt<C: BlockCipherDecrypt + KeyInit>(
    key: &[u8],
    iv: &[u8],
    buf: &mut [u8],
) -> Result<(), SmError> {
    let mut mode = cbc::Decryptor::<C>::new_from_slices(key, iv).map_err(|_| SmError::Internal)?;
    let (blocks, tail) = Array::<u8, C::BlockSize>::slice_as_chunks_mut(buf);
    if !tail.is_empty() {
        return Err(SmError::CryptogramLength(buf_len(blocks, tail)));
    }
    mode.decrypt_blocks(blocks);
    Ok(())
}

fn buf_len<N: ArraySize>(blocks: &[Array<u8, N>], tail: &[u8]) -> usize {
    blocks.len() * N::USIZE + tail.len()
}

fn ecb_encrypt<C: BlockCipherEncrypt + KeyInit>(key: &[u8], buf: &mut [u8]) -> Result<(), SmError> {
    let cipher = C::new_from_slice(key).map_err(|_| SmError::Internal)?;
    let (blocks, tail) = Array::<u8, C::BlockSize>::slice_as_chunks_mut(buf);
    if !tail.is_empty() {
        return Err(SmError::Internal);
    }
    cipher.encrypt_blocks(blocks);
    Ok(())
}

/// ISO/IEC 9797-1 MAC algorithm 3 with DES: CBC-MAC under K_a, then the last block
/// decrypted under K_b and encrypted under K_a. `padded` is already whole blocks.
fn retail_mac(key: &[u8], padded: &[u8]) -> Result<[u8; MAC_LEN], SmError> {
    let (ka, kb) = key.split_at_checked(8).ok_or(SmError::Internal)?;
    let ka = Des::new_from_slice(ka).map_err(|_| SmError::Internal)?;
    let kb = Des::new_from_slice(kb).map_err(|_| SmError::Internal)?;
    let mut state = Array::<u8, des::cipher::consts::U8>::default();
    for block in padded.chunks(MAC_LEN) {
        for (s, b) in state.iter_mut().zip(block) {
            *s ^= b;
        }
        ka.encrypt_block(&mut state);
    }
    kb.decrypt_block(&mut state);
    ka.encrypt_block(&mut state);
    Ok(state.into())
}

fn cmac<C>(key: &[u8], padded: &[u8]) -> Result<[u8; MAC_LEN], SmError>
where
    C: cmac::block_api::CmacCipher + KeyInit,
{
    let mut mac = <Cmac<C> as KeyInit>::new_from_slice(key).map_err(|_| SmError::Internal)?;
    mac.update(padded);
    let full = mac.finalize().into_bytes();
    let mut truncated = [0u8; MAC_LEN];
    truncated.copy_from_slice(full.get(..MAC_LEN).ok_or(SmError::Internal)?);
    Ok(truncated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_round_trips_and_rejects_garbage() {
        let mut data = vec![1, 2, 3];
        pad(&mut data, 8);
        assert_eq!(data, [1, 2, 3, 0x80, 0, 0, 0, 0]);
        assert_eq!(unpadded_len(&data, 8), Ok(3));
        let mut full = vec![0xAA; 8];
        pad(&mut full, 8);
        assert_eq!(full.len(), 16);
        assert_eq!(unpadded_len(&full, 8), Ok(8));
        assert_eq!(unpadded_len(&[1, 2, 0, 0], 8), Err(SmError::BadPadding));
        assert_eq!(unpadded_len(&[0; 8], 8), Err(SmError::BadPadding));
        assert_eq!(unpadded_len(&[], 8), Err(SmError::BadPadding));
        let mut long_zero_run = vec![0x80];
        long_zero_run.extend([0; 8]);
        assert_eq!(unpadded_len(&long_zero_run, 8), Err(SmError::BadPadding));
    }

    #[test]
    fn counter_wraps_at_its_width() {
        let mut ssc = SendSequenceCounter::from_bytes(&[0xFF; 8]).unwrap();
        ssc.increment();
        assert_eq!(ssc.to_bytes(), [0; 8]);
        let mut aes = SendSequenceCounter::zero(Cipher::Aes128);
        aes.increment();
        let mut one = [0u8; 16];
        one[15] = 1;
        assert_eq!(aes.to_bytes(), one);
        assert!(SendSequenceCounter::from_bytes(&[0; 12]).is_err());
    }

    #[test]
    fn aes_cmac_matches_nist_sp800_38b() {
        // NIST SP 800-38B, Appendix D.1, example 2 (16-byte message), tag truncated.
        let key = hex("2b7e151628aed2a6abf7158809cf4f3c");
        let msg = hex("6bc1bee22e409f96e93d7e117393172a");
        let tag = cmac::<Aes128>(&key, &msg).unwrap();
        assert_eq!(tag.to_vec(), hex("070a16b46b4d4144"));
    }

    #[test]
    fn session_keys_refuse_wrong_lengths_and_hide_in_debug() {
        assert!(SessionKeys::new(Cipher::Aes256, &[0; 16], &[0; 32]).is_err());
        let keys = SessionKeys::new(Cipher::Aes128, &[7; 16], &[9; 16]).unwrap();
        assert!(!format!("{keys:?}").contains('7'));
    }

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }
}
