//! The security files of a sample card, as an issuer personalises a CCCD chip:
//!
//! - EF.CardAccess: PACE-ECDH-GM-AES-128 on brainpoolP256r1 (standardized domain
//!   parameters 13) and Chip Authentication ECDH-AES-128 (MISSION.md; ICAO 9303-11 §9.2);
//! - DG14: ChipAuthenticationInfo and ChipAuthenticationPublicKeyInfo (the chip's static
//!   brainpoolP256r1 key), the PACEInfo again, and ActiveAuthenticationInfo when Active
//!   Authentication is ECDSA (§9.2.10 requires it then);
//! - DG15: the Active Authentication public key (ICAO 9303-10 §4.7.15): ECDSA P-256, or
//!   RSA-2048 signing with ISO/IEC 9796-2;
//! - the private keys for `chip-keys/`;
//! - EF.SOD: SHA-256 over every data group, signed by a Document Signer
//!   ([`crate::passive::build::build_sod`]).

use crate::clone_detection::active_auth::ecdsa_plain_oid;
use crate::clone_detection::{AaPublicKey, Dg15, EcCurve, EcPrivateKey, HashAlgorithm};
use crate::emulator::{ChipKeys, ChipPrivateKey};
use crate::lds::{DataGroup, LdsFile};
use crate::passive::Certificate;
use crate::passive::HashAlgorithm as SodHash;
use crate::passive::build::{SigningKey, build_sod};
use crate::security_info::{
    ActiveAuthenticationInfo, CaProtocol, ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo,
    KeyAgreement, Mapping, PaceInfo, PaceProtocol, SecurityInfo, SecurityInfos,
    StandardDomainParameters, SupportedCurve,
};
use crate::sm::{Cipher, RandomSource};

use super::{SampleCard, SampleCardError};

/// The RSA-2048 key of the sample citizens whose chips sign with RSA. Generating RSA keys
/// takes seconds in a debug build, so the generator ships one: the test key of
/// `tests/clone_detection/aa.rs` (RSA_2048), as PKCS#8 DER. It is public and protects
/// nothing.
const SAMPLE_RSA_2048_PKCS8: &[u8] = include_bytes!("aa-rsa-2048.der");

/// PACEInfo version 2 (ICAO 9303-11 §9.2.1: the only version defined).
const PACE_INFO_VERSION: u32 = 2;
/// ChipAuthenticationInfo version 1: Chip Authentication as ICAO 9303-11 §6.2 describes
/// it (version 2 is EAC's, BSI TR-03110).
const CA_INFO_VERSION: u32 = 1;
/// ActiveAuthenticationInfo version 1 (§9.2.10).
const AA_INFO_VERSION: u32 = 1;
/// The hash of ECDSA Active Authentication, announced in DG14.
const AA_ECDSA_HASH: HashAlgorithm = HashAlgorithm::Sha256;

/// How a sample chip signs for Active Authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AaAlgorithm {
    /// ECDSA on NIST P-256 with SHA-256, plain r ‖ s (BSI TR-03111).
    EcdsaP256,
    /// RSA-2048 with ISO/IEC 9796-2 scheme 1 (the shipped test key, see above).
    Rsa2048,
}

/// PACE as the CCCD announces it.
fn pace_info() -> PaceInfo {
    PaceInfo {
        protocol: PaceProtocol {
            mapping: Mapping::GenericEcdh,
            cipher: Cipher::Aes128,
        },
        version: PACE_INFO_VERSION,
        parameter_id: Some(StandardDomainParameters::BrainpoolP256r1),
    }
}

/// Chip Authentication as the CCCD announces it: ECDH, AES-128, one key (no key id).
fn chip_authentication_info() -> ChipAuthenticationInfo {
    ChipAuthenticationInfo {
        protocol: CaProtocol {
            key_agreement: KeyAgreement::Ecdh,
            cipher: Cipher::Aes128,
        },
        version: CA_INFO_VERSION,
        key_id: None,
    }
}

/// Fresh chip keys: a brainpoolP256r1 key for Chip Authentication, and the Active
/// Authentication key of `aa`.
pub fn generate_chip_keys(
    aa: AaAlgorithm,
    rng: &mut dyn RandomSource,
) -> Result<ChipKeys, SampleCardError> {
    let chip_authentication = EcPrivateKey::random(EcCurve::BrainpoolP256r1, rng)?;
    let active_authentication = match aa {
        AaAlgorithm::EcdsaP256 => ChipPrivateKey::Ec(EcPrivateKey::random(EcCurve::NistP256, rng)?),
        AaAlgorithm::Rsa2048 => ChipPrivateKey::from_pkcs8_der(SAMPLE_RSA_2048_PKCS8)?,
    };
    Ok(ChipKeys {
        chip_authentication: Some(chip_authentication),
        active_authentication: Some(active_authentication),
    })
}

impl SampleCard {
    /// Gives the card a chip: `keys` in `chip-keys/`, and the EF.CardAccess, DG14 and
    /// DG15 that announce them. The card must be signed ([`Self::sign`]) afterwards.
    pub fn add_chip_security(&mut self, keys: ChipKeys) -> Result<(), SampleCardError> {
        let card_access = SecurityInfos::new(vec![
            SecurityInfo::Pace(pace_info()),
            SecurityInfo::ChipAuthentication(chip_authentication_info()),
        ]);
        self.set_file(LdsFile::CardAccess, card_access.to_der()?);

        let mut dg14 = vec![
            SecurityInfo::ChipAuthentication(chip_authentication_info()),
            SecurityInfo::Pace(pace_info()),
        ];
        if let Some(key) = &keys.chip_authentication {
            let curve = match key.curve() {
                EcCurve::BrainpoolP256r1 => SupportedCurve::BrainpoolP256r1,
                EcCurve::NistP256 => SupportedCurve::NistP256,
                other => return Err(SampleCardError::ChipAuthenticationCurve(other)),
            };
            let point = key.public_key().to_uncompressed_point();
            dg14.push(SecurityInfo::ChipAuthenticationPublicKey(
                ChipAuthenticationPublicKeyInfo::new_ec(curve, &point, false, None)?,
            ));
        }
        if let Some(key) = &keys.active_authentication {
            let public_key = match key {
                ChipPrivateKey::Ec(key) => {
                    dg14.push(SecurityInfo::ActiveAuthentication(
                        ActiveAuthenticationInfo {
                            version: AA_INFO_VERSION,
                            signature_algorithm: ecdsa_plain_oid(AA_ECDSA_HASH),
                        },
                    ));
                    AaPublicKey::Ec(key.public_key())
                }
                ChipPrivateKey::Rsa(key) => AaPublicKey::Rsa(key.to_public_key()),
            };
            self.set_file(
                LdsFile::DataGroup(DataGroup::Dg15),
                Dg15::encode(&public_key)?,
            );
        }
        self.set_file(
            LdsFile::DataGroup(DataGroup::Dg14),
            SecurityInfos::new(dg14).to_dg14()?,
        );
        self.keys = keys;
        Ok(())
    }

    /// Writes EF.SOD: the SHA-256 of every data group the card holds, signed with
    /// `signer_key` under `signer_certificate` (normally the Document Signer's own key; a
    /// forgery may pass another).
    pub fn sign(
        &mut self,
        signer_certificate: &Certificate,
        signer_key: &SigningKey,
    ) -> Result<(), SampleCardError> {
        let groups: Vec<(DataGroup, &[u8])> = self
            .data_groups()
            .into_iter()
            .filter_map(|group| {
                self.file(LdsFile::DataGroup(group))
                    .map(|bytes| (group, bytes))
            })
            .collect();
        let sod = build_sod(SodHash::Sha256, &groups, signer_certificate, signer_key)?;
        self.set_file(LdsFile::Sod, sod);
        Ok(())
    }
}
