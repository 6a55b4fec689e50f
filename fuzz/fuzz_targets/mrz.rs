//! A machine-readable zone as DG1 or an OCR might deliver it.
#![no_main]

use kiosk_identity::mrz::Td1Mrz;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(mrz) = Td1Mrz::parse(text)
    {
        // Whatever parses must print back to a zone that parses again.
        let lines = mrz.to_lines();
        assert!(Td1Mrz::parse(&lines.join("\n")).is_ok());
        let _ = mrz.cccd_id_number();
    }
});
