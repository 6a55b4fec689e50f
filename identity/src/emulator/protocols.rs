//! What the chip offers beyond BAC, worked out from its own files and keys, the way an
//! issuer personalises a chip consistently with what its files announce:
//!
//! - PACE with the PACEInfos of EF.CardAccess (ICAO 9303-11 §9.2.1), the CAN and the MRZ
//!   as passwords;
//! - Chip Authentication with the key of `chip-keys/ca.der`, the cipher and key id of
//!   DG14's ChipAuthenticationInfo (§9.2.6; AES-128 when DG14 names none);
//! - Active Authentication with the key of `chip-keys/aa.der`: RSA signs with ISO/IEC
//!   9796-2 and the implicit SHA-1 trailer (the most common on issued chips); ECDSA
//!   hashes as DG14's ActiveAuthenticationInfo says (§9.2.10), else SHA-256.
//!
//! The chip never checks that its keys match DG14 or DG15: a cloned chip is exactly one
//! whose keys do not.

use zeroize::Zeroizing;

use crate::clone_detection::active_auth::{DEFAULT_ECDSA_HASH, ecdsa_plain_hash};
use crate::clone_detection::{ChipAaSigner, ChipCaResponder, EcPrivateKey, Iso9796Trailer};
use crate::lds::{DataGroup, LdsFile};
use crate::pace::{ChipPace, ChipPaceConfig, PacePassword};
use crate::pii::Sensitive;
use crate::security_info::{KeyAgreement, PaceInfo, SecurityInfos};
use crate::sm::Cipher;

use super::files::ChipFiles;
use super::keys::ChipPrivateKey;

/// Which protocols a chip answers, for tests and the demo panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferedProtocols {
    pub pace: bool,
    pub chip_authentication: bool,
    pub active_authentication: bool,
}

/// PACE as the chip offers it.
#[derive(Debug, Clone)]
pub(crate) struct PaceOffer {
    infos: Vec<PaceInfo>,
    can: Option<PacePassword>,
    mrz: PacePassword,
    /// Tries before the password blocks, and what is left of them (kept across resets).
    pub(crate) retry_counter: Option<u8>,
    pub(crate) tries_left: Option<u8>,
}

impl PaceOffer {
    /// A fresh run, starting from the tries left now.
    pub(crate) fn start(&self) -> ChipPace {
        ChipPace::new(ChipPaceConfig {
            infos: self.infos.clone(),
            can: self.can.clone(),
            mrz: Some(self.mrz.clone()),
            retry_counter: self.tries_left,
        })
    }
}

/// Chip Authentication as the chip offers it.
#[derive(Clone)]
pub(crate) struct CaOffer {
    key: EcPrivateKey,
    cipher: Cipher,
    key_id: Option<u32>,
}

impl CaOffer {
    /// The responder of one secure-messaging session.
    pub(crate) fn responder(&self) -> ChipCaResponder {
        ChipCaResponder::new(self.key.clone(), self.cipher, self.key_id)
    }
}

/// Everything the chip offers beyond BAC.
#[derive(Clone, Default)]
pub(crate) struct Protocols {
    pub(crate) pace: Option<PaceOffer>,
    pub(crate) chip_authentication: Option<CaOffer>,
    pub(crate) active_authentication: Option<ChipAaSigner>,
}

impl Protocols {
    pub(crate) fn new(
        files: &ChipFiles,
        mrz_information: &Zeroizing<String>,
        can: Option<&Sensitive<String>>,
        chip_authentication_key: Option<&EcPrivateKey>,
        active_authentication_key: Option<&ChipPrivateKey>,
        retry_counter: Option<u8>,
    ) -> Self {
        let card_access = files
            .get(LdsFile::CardAccess)
            .and_then(|file| SecurityInfos::parse_card_access(&file.bytes).ok());
        let dg14 = files
            .get(LdsFile::DataGroup(DataGroup::Dg14))
            .and_then(|file| SecurityInfos::parse_dg14(&file.bytes).ok());

        let pace_infos: Vec<PaceInfo> = card_access
            .as_ref()
            .map(|infos| infos.pace().copied().collect())
            .unwrap_or_default();
        let pace = (!pace_infos.is_empty()).then(|| PaceOffer {
            infos: pace_infos,
            can: can.map(|can| PacePassword::can(can.expose())),
            mrz: PacePassword::mrz(mrz_information),
            retry_counter,
            tries_left: retry_counter,
        });

        let chip_authentication = chip_authentication_key.map(|key| {
            let announced = dg14.as_ref().and_then(|infos| {
                infos
                    .chip_authentication()
                    .find(|info| info.protocol.key_agreement == KeyAgreement::Ecdh)
            });
            CaOffer {
                key: key.clone(),
                cipher: announced.map_or(Cipher::Aes128, |info| info.protocol.cipher),
                key_id: announced
                    .and_then(|info| info.key_id.as_ref())
                    .and_then(|id| id.to_u64())
                    .and_then(|id| u32::try_from(id).ok()),
            }
        });

        let active_authentication = active_authentication_key.map(|key| match key {
            ChipPrivateKey::Rsa(key) => {
                ChipAaSigner::rsa(key.as_ref().clone(), Iso9796Trailer::Implicit)
            }
            ChipPrivateKey::Ec(key) => {
                let hash = dg14
                    .as_ref()
                    .and_then(|infos| infos.active_authentication())
                    .and_then(|info| ecdsa_plain_hash(&info.signature_algorithm).ok())
                    .unwrap_or(DEFAULT_ECDSA_HASH);
                ChipAaSigner::ecdsa(key.clone(), hash)
            }
        });

        Self {
            pace,
            chip_authentication,
            active_authentication,
        }
    }

    pub(crate) fn offered(&self) -> OfferedProtocols {
        OfferedProtocols {
            pace: self.pace.is_some(),
            chip_authentication: self.chip_authentication.is_some(),
            active_authentication: self.active_authentication.is_some(),
        }
    }
}
