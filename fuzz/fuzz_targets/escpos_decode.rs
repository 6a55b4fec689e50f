//! Bytes sent to the receipt printer, read back into pages. Whatever the bytes, the decoder
//! answers with pages or an error that points inside the stream, and a stream it accepts
//! prints the same on the widest paper.
#![no_main]

use kiosk_receipt::{PaperWidth, decode, decode_for_paper};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match decode(data) {
        Ok(pages) => {
            let wide = decode_for_paper(data, PaperWidth::Mm80).expect("fits the widest paper");
            assert_eq!(pages.len(), wide.len());
            for (page, wide) in pages.iter().zip(&wide) {
                assert!(page.width() == 384 || page.width() == 576);
                assert_eq!(page.height(), wide.height());
                assert!(!page.is_black(page.width(), 0) && !page.is_black(0, page.height()));
            }
        }
        Err(error) => {
            assert!(error.offset < data.len());
            assert!(!error.bytes.is_empty() && error.bytes.len() <= 8);
            assert_eq!(data[error.offset], error.bytes[0]);
        }
    }
});
