//! Passive authentication (ICAO 9303-11 §5.1) and the CSCA trust store.
//!
//! A card is genuine only if its data were signed by its issuing state: EF.SOD holds the
//! hash of every data group, signed by a Document Signer (DS) whose certificate a Country
//! Signing CA (CSCA) issued. The pieces:
//!
//! - [`sod`]: EF.SOD → CMS SignedData → [`LdsSecurityObject`] (ICAO 9303-10 §4.6.2);
//! - [`verify_sod`]: the checks (a)–(e), each reported on its own in a
//!   [`PassiveAuthReport`], with plain failure reasons ([`PassiveAuthFailure`]);
//! - [`signature`]: one function verifying RSA PKCS#1 v1.5, RSASSA-PSS and ECDSA (NIST
//!   and Brainpool curves), used for the SOD, for certificates and for master lists;
//! - [`TrustStore`]: CSCA certificates from DER/PEM files and ICAO master lists;
//! - [`build`]: the signing side — a test PKI, EF.SOD and master lists — for the card
//!   generator, the emulator and the tests.

pub mod algorithm;
pub mod build;
pub mod certificate;
pub mod failure;
pub mod master_list;
pub mod signature;
pub mod signed_data;
pub mod signing_key;
pub mod sod;
pub mod trust_store;
pub mod verify;

pub use algorithm::HashAlgorithm;
pub use certificate::{Certificate, CertificateError, Validity};
pub use failure::PassiveAuthFailure;
pub use master_list::{MasterList, MasterListError};
pub use signature::{NamedCurve, SignatureError, SignatureScheme, verify_signature};
pub use signed_data::{CmsError, SignedObject};
pub use sod::{LdsSecurityObject, LdsVersionInfo, Sod, SodError};
pub use trust_store::{FileLoaded, LoadReport, TrustFileError, TrustStore, TrustStoreError};
pub use verify::{ChainInfo, Check, DataGroupOutcome, PassiveAuthReport, verify_sod};
