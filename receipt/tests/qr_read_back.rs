//! The QR code on a printed receipt is read back by the kiosk's own camera decoder, from
//! the dots decoded out of the ESC/POS bytes.

mod common;

use common::{DOSSIER_QR, dossier_receipt};
use kiosk_qr::{DecoderStack, LumaImage};
use kiosk_receipt::{Page, PaperWidth, Receipt, decode, encode};

fn read_codes(page: &Page) -> Vec<String> {
    let image = LumaImage::new(page.width(), page.height(), page.to_luma()).expect("a picture");
    DecoderStack::default()
        .decode(&image)
        .expect("a readable code")
        .into_iter()
        .map(|code| code.text)
        .collect()
}

#[test]
fn the_dossier_code_reads_back_on_both_widths() {
    for paper in [PaperWidth::Mm58, PaperWidth::Mm80] {
        let pages = decode(&encode(&dossier_receipt(), paper).expect("lays out")).expect("decodes");
        assert_eq!(read_codes(&pages[0]), [DOSSIER_QR], "{paper}");
    }
}

#[test]
fn a_200_byte_payload_reads_back_on_58_mm() {
    // Vietnamese in UTF-8 forces byte mode, the least dense.
    let mut payload = String::from("VNKIOSK:1:TAM:");
    for c in "Đông Hưng Thuận, Quận 12 ".chars().cycle() {
        if payload.len() + c.len_utf8() > 200 {
            break;
        }
        payload.push(c);
    }
    assert!((197..=200).contains(&payload.len()), "{}", payload.len());
    let receipt = Receipt::new()
        .text("Biên nhận tạm")
        .qr(payload.as_str(), Some("Mã tạm"));
    let pages = decode(&encode(&receipt, PaperWidth::Mm58).expect("fits")).expect("decodes");
    assert_eq!(read_codes(&pages[0]), [payload]);
}
