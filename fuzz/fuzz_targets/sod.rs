//! EF.SOD from a hostile chip: the CMS SignedData, the LDS security object, and the whole
//! passive authentication over it against an empty trust store.
#![no_main]

use kiosk_identity::lds::DataGroup;
use kiosk_identity::passive::{Sod, TrustStore, verify_sod};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sod) = Sod::parse(data) {
        let _ = sod.document_signer();
    }
    let store = TrustStore::new();
    let report = verify_sod(data, &store, &[(DataGroup::Dg1, b"\x61\x00")], std::time::SystemTime::UNIX_EPOCH);
    assert!(!report.passed(), "nothing can pass against an empty trust store");
});
