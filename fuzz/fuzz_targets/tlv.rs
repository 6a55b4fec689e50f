//! BER-TLV from a chip: parsing, walking every child to the depth limit, and reading a
//! file's length from its first bytes must never panic.
#![no_main]

use kiosk_identity::tlv::{Tlv, iter, total_len_from_header};
use libfuzzer_sys::fuzz_target;

fn walk(object: &Tlv<'_>) {
    if let Ok(children) = object.children() {
        for child in children.flatten() {
            walk(&child);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = total_len_from_header(data);
    for object in iter(data).flatten() {
        walk(&object);
    }
    if let Ok(object) = Tlv::parse_exact(data) {
        assert_eq!(object.raw.len(), data.len());
        walk(&object);
    }
});
