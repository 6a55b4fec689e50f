//! The ICAO 9303 logical data structure: EF.COM and the data groups.
//!
//! Each file read from the chip is one BER-TLV data object whose tag names the file
//! (ICAO 9303-10 §4.6, Table 34). The parsers here take the file's bytes exactly as read
//! (the same bytes that passive authentication hashes) and return typed contents:
//!
//! - [`EfCom`]: the LDS version and the list of data groups present;
//! - [`Dg1`]: the machine-readable zone, three TD1 lines;
//! - [`Dg2`]: the biometric templates and, in each, the [`FaceImage`] of ISO/IEC 19794-5;
//! - [`Dg13`]: the Vietnamese personal data (name with diacritics, addresses, parents…).
//!
//! [`DataGroup`] and [`LdsFile`] name the files and give their file identifiers for
//! SELECT and READ BINARY.

mod data_group;
mod dg1;
mod dg13;
mod dg2;
mod ef_com;

pub use data_group::{DataGroup, LdsFile};
pub use dg1::{Dg1, Dg1Error, TD1_LINE_LEN, TD1_MRZ_LEN};
pub use dg2::{BiometricDataBlock, Dg2, Dg2Error, FaceImage, ImageFormat};
pub use dg13::{CardExpiry, Dg13, Dg13Error, ParentWrapping};
pub use ef_com::{EfCom, EfComError, LdsVersion, UnicodeVersion};
