//! A decoded QR text classified: card code, kiosk receipt code or unknown. Whatever the
//! text, classification answers, and a receipt code survives its own round trip.
#![no_main]

use kiosk_qr::{Payload, ReceiptQr};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Payload::Receipt(receipt) = Payload::classify(&text) {
        assert_eq!(ReceiptQr::parse(&receipt.to_text()), Some(receipt));
    }
});
