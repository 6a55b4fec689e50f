//! The protocol object identifiers of SecurityInfos (ICAO 9303-11 §9.2; BSI TR-03110-3
//! §A.1.1) and what each one names.
//!
//! Every eMRTD protocol hangs under bsi-de = 0.4.0.127.0.7, in id-PK (…2.2.1), id-TA
//! (…2.2.2), id-CA (…2.2.3) and id-PACE (…2.2.4). The arc after id-CA names the key
//! agreement, the arc after id-PACE the mapping; the last arc of both names the cipher of
//! the secure messaging that follows. Active Authentication has its own ICAO arc.

use const_oid::ObjectIdentifier;

use crate::sm::Cipher;

/// id-PK-DH: a Chip Authentication public key for Diffie-Hellman.
pub const ID_PK_DH: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.1.1");
/// id-PK-ECDH: a Chip Authentication public key for elliptic-curve Diffie-Hellman.
pub const ID_PK_ECDH: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.1.2");
/// id-TA: Terminal Authentication (EAC, needed for DG3 and DG4; the kiosk never runs it).
pub const ID_TA: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.2");
/// id-CA: the parent of the Chip Authentication protocols.
pub const ID_CA: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.3");
/// id-PACE: the parent of the PACE protocols.
pub const ID_PACE: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.4");
/// id-icao-mrtd-security-aaProtocolObject (ICAO 9303-11 §9.2.5): Active Authentication.
pub const ID_AA: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.5");

/// The mapping of the nonce onto ephemeral domain parameters (ICAO 9303-11 §4.4.3.3):
/// the arc after id-PACE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mapping {
    /// id-PACE-DH-GM (…4.1).
    GenericDh,
    /// id-PACE-ECDH-GM (…4.2): the mapping the kiosk runs.
    GenericEcdh,
    /// id-PACE-DH-IM (…4.3).
    IntegratedDh,
    /// id-PACE-ECDH-IM (…4.4).
    IntegratedEcdh,
    /// id-PACE-ECDH-CAM (…4.6): generic mapping with Chip Authentication folded in.
    ChipAuthenticationEcdh,
}

impl Mapping {
    const ALL: [Mapping; 5] = [
        Self::GenericDh,
        Self::GenericEcdh,
        Self::IntegratedDh,
        Self::IntegratedEcdh,
        Self::ChipAuthenticationEcdh,
    ];

    fn arc(self) -> u32 {
        match self {
            Self::GenericDh => 1,
            Self::GenericEcdh => 2,
            Self::IntegratedDh => 3,
            Self::IntegratedEcdh => 4,
            Self::ChipAuthenticationEcdh => 6,
        }
    }

    /// Whether the mapping runs on an elliptic curve (else on a MODP group).
    pub fn is_elliptic_curve(self) -> bool {
        !matches!(self, Self::GenericDh | Self::IntegratedDh)
    }

    /// The OID of the mapping alone, as PACEDomainParameterInfo names it.
    pub fn oid(self) -> ObjectIdentifier {
        child(ID_PACE, &[self.arc()])
    }

    fn from_arc(arc: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|mapping| mapping.arc() == arc)
    }
}

/// The key agreement of Chip Authentication: the arc after id-CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAgreement {
    Dh,
    Ecdh,
}

impl KeyAgreement {
    fn arc(self) -> u32 {
        match self {
            Self::Dh => 1,
            Self::Ecdh => 2,
        }
    }

    fn from_arc(arc: u32) -> Option<Self> {
        match arc {
            1 => Some(Self::Dh),
            2 => Some(Self::Ecdh),
            _ => None,
        }
    }

    /// The OID of the key agreement alone (id-CA-DH, id-CA-ECDH).
    pub fn oid(self) -> ObjectIdentifier {
        child(ID_CA, &[self.arc()])
    }
}

/// The last arc of a PACE or Chip Authentication OID: 1 3DES-CBC-CBC, 2 AES-CBC-CMAC-128,
/// 3 -192, 4 -256 (ICAO 9303-11 §9.2.1, §9.2.6).
fn cipher_arc(cipher: Cipher) -> u32 {
    match cipher {
        Cipher::Tdes => 1,
        Cipher::Aes128 => 2,
        Cipher::Aes192 => 3,
        Cipher::Aes256 => 4,
    }
}

fn cipher_from_arc(arc: u32) -> Option<Cipher> {
    match arc {
        1 => Some(Cipher::Tdes),
        2 => Some(Cipher::Aes128),
        3 => Some(Cipher::Aes192),
        4 => Some(Cipher::Aes256),
        _ => None,
    }
}

/// A PACE protocol: id-PACE-<mapping>-<cipher>, e.g. id-PACE-ECDH-GM-AES-CBC-CMAC-128 =
/// 0.4.0.127.0.7.2.2.4.2.2, the one the CCCD announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PaceProtocol {
    pub mapping: Mapping,
    pub cipher: Cipher,
}

impl PaceProtocol {
    pub fn oid(self) -> ObjectIdentifier {
        child(ID_PACE, &[self.mapping.arc(), cipher_arc(self.cipher)])
    }

    /// The protocol an OID names; `None` for anything else, including ECDH-CAM with 3DES,
    /// which ICAO 9303-11 does not define.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        let [mapping, cipher] = arcs_below(oid, ID_PACE)?;
        let mapping = Mapping::from_arc(mapping)?;
        let cipher = cipher_from_arc(cipher)?;
        if mapping == Mapping::ChipAuthenticationEcdh && cipher == Cipher::Tdes {
            return None;
        }
        Some(Self { mapping, cipher })
    }
}

/// The mapping a PACEDomainParameterInfo's OID names (id-PACE-<mapping>, no cipher arc).
pub(super) fn pace_mapping_from_oid(oid: &ObjectIdentifier) -> Option<Mapping> {
    let [mapping] = arcs_below(oid, ID_PACE)?;
    Mapping::from_arc(mapping)
}

/// A Chip Authentication protocol: id-CA-<key agreement>-<cipher>, e.g.
/// id-CA-ECDH-AES-CBC-CMAC-128 = 0.4.0.127.0.7.2.2.3.2.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CaProtocol {
    pub key_agreement: KeyAgreement,
    pub cipher: Cipher,
}

impl CaProtocol {
    pub fn oid(self) -> ObjectIdentifier {
        child(ID_CA, &[self.key_agreement.arc(), cipher_arc(self.cipher)])
    }

    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        let [key_agreement, cipher] = arcs_below(oid, ID_CA)?;
        Some(Self {
            key_agreement: KeyAgreement::from_arc(key_agreement)?,
            cipher: cipher_from_arc(cipher)?,
        })
    }
}

/// The key agreement an id-PK OID names.
pub(super) fn public_key_agreement(oid: &ObjectIdentifier) -> Option<KeyAgreement> {
    if *oid == ID_PK_DH {
        Some(KeyAgreement::Dh)
    } else if *oid == ID_PK_ECDH {
        Some(KeyAgreement::Ecdh)
    } else {
        None
    }
}

/// The OID of the public key object for `key_agreement` (id-PK-DH or id-PK-ECDH).
pub fn public_key_oid(key_agreement: KeyAgreement) -> ObjectIdentifier {
    match key_agreement {
        KeyAgreement::Dh => ID_PK_DH,
        KeyAgreement::Ecdh => ID_PK_ECDH,
    }
}

/// The `N` arcs of `oid` below `parent`, if `oid` is exactly that deep under it.
fn arcs_below<const N: usize>(
    oid: &ObjectIdentifier,
    parent: ObjectIdentifier,
) -> Option<[u32; N]> {
    if !oid.starts_with(parent) {
        return None;
    }
    let depth = parent.arcs().count();
    let tail: Vec<u32> = oid.arcs().skip(depth).collect();
    tail.try_into().ok()
}

/// `parent` with `arcs` appended. The parents here are constants and the arcs small, so
/// the OID always fits; should it not, the parent is returned and no OID would match it.
fn child(parent: ObjectIdentifier, arcs: &[u32]) -> ObjectIdentifier {
    arcs.iter()
        .try_fold(parent, |oid, &arc| oid.push_arc(arc))
        .unwrap_or(parent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_have_the_values_of_icao_9303_11() {
        let ecdh_gm_aes128 = PaceProtocol {
            mapping: Mapping::GenericEcdh,
            cipher: Cipher::Aes128,
        };
        assert_eq!(ecdh_gm_aes128.oid().to_string(), "0.4.0.127.0.7.2.2.4.2.2");
        // The BER content bytes of Appendix G's MSE:Set AT (DO'80').
        assert_eq!(
            ecdh_gm_aes128.oid().as_bytes(),
            [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, 0x02, 0x02]
        );
        let ca = CaProtocol {
            key_agreement: KeyAgreement::Ecdh,
            cipher: Cipher::Aes128,
        };
        assert_eq!(ca.oid().to_string(), "0.4.0.127.0.7.2.2.3.2.2");
        assert_eq!(
            Mapping::ChipAuthenticationEcdh.oid().to_string(),
            "0.4.0.127.0.7.2.2.4.6"
        );
    }

    #[test]
    fn every_protocol_round_trips_through_its_oid() {
        for mapping in Mapping::ALL {
            for cipher in [Cipher::Tdes, Cipher::Aes128, Cipher::Aes192, Cipher::Aes256] {
                let protocol = PaceProtocol { mapping, cipher };
                let expected = (mapping != Mapping::ChipAuthenticationEcdh
                    || cipher != Cipher::Tdes)
                    .then_some(protocol);
                assert_eq!(PaceProtocol::from_oid(&protocol.oid()), expected);
            }
            assert_eq!(pace_mapping_from_oid(&mapping.oid()), Some(mapping));
        }
        assert_eq!(PaceProtocol::from_oid(&ID_PACE), None);
        assert_eq!(CaProtocol::from_oid(&ID_TA), None);
        assert_eq!(public_key_agreement(&ID_PK_ECDH), Some(KeyAgreement::Ecdh));
    }
}
