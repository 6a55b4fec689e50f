//! DG13, the Vietnamese personal data group, as a hostile chip might send it.
#![no_main]

use kiosk_identity::lds::Dg13;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(dg13) = Dg13::parse(data) {
        let _ = dg13.birth_date();
        let _ = dg13.issued_on();
        let _ = dg13.expiry();
    }
});
