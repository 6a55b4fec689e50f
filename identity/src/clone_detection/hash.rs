//! The hash functions an Active Authentication signature may use (ICAO 9303-11 §6.1;
//! BSI TR-03111 §4.2.1 for the ECDSA object identifiers): the crate's one [`HashAlgorithm`].

pub use crate::hash::HashAlgorithm;
pub(crate) use crate::hash::constant_time_eq;
