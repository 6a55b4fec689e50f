//! EF.CardAccess and DG14 SecurityInfos, DG15 and the PACE choice they lead to.
#![no_main]

use kiosk_identity::clone_detection::Dg15;
use kiosk_identity::security_info::SecurityInfos;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(infos) = SecurityInfos::parse_card_access(data) {
        let _ = kiosk_identity::pace::choose(&infos);
        // What parses must encode again.
        let _ = infos.to_der();
    }
    let _ = SecurityInfos::parse_dg14(data);
    let _ = Dg15::parse(data);
});
