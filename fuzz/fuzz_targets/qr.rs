//! Text read from a QR code in front of the camera: a CCCD, a receipt, or anything else.
#![no_main]

use kiosk_identity::access_key::candidates_from_qr;
use kiosk_identity::qr::CccdQr;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(qr) = CccdQr::parse(&text) {
        let keys = candidates_from_qr(&qr);
        assert!(!keys.is_empty() && keys.len() <= 4);
    }
});
