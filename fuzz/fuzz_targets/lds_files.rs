//! EF.COM, DG1 and DG2 (down to the ISO 19794-5 face record) from a hostile chip.
#![no_main]

use kiosk_identity::lds::{Dg1, Dg2, EfCom, FaceImage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = EfCom::parse(data);
    let _ = Dg1::parse(data);
    if let Ok(dg2) = Dg2::parse(data) {
        let _ = dg2.face_image();
    }
    let _ = FaceImage::from_facial_record(data);
});
