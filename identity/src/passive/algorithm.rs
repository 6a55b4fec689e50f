//! The digest algorithms of passive authentication and the object identifiers it meets.
//!
//! ICAO 9303-12 (its section on cryptographic algorithms) allows SHA-1 and the SHA-2 family for the
//! LDS security object and the signatures over it; SHA-1 survives only in old documents.

use const_oid::ObjectIdentifier;

/// `id-signedData` (RFC 5652 §5.1).
pub const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// `id-icao-mrtd-security-ldsSecurityObject` (ICAO 9303-10 §4.6.2.1).
pub const ID_LDS_SECURITY_OBJECT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.1");
/// `id-icao-cscaMasterList` (ICAO 9303-12 §8, CSCA master lists).
pub const ID_CSCA_MASTER_LIST: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.2");
/// `id-contentType` signed attribute (RFC 5652 §11.1).
pub const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
/// `id-messageDigest` signed attribute (RFC 5652 §11.2).
pub const ID_MESSAGE_DIGEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
/// `id-signingTime` signed attribute (RFC 5652 §11.3).
pub const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");

pub use crate::hash::HashAlgorithm;
