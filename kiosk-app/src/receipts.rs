//! What the kiosk prints: the application receipt of the one-stop counter, the hospital's
//! queue ticket and the technician's printer test page, as [`Receipt`]s for the printer.
//!
//! Receipts are in the language of the visit. The code in the QR is the kiosk's receipt
//! code ([`ReceiptQr`]), which the kiosk's own scanner recognises when the citizen comes
//! back to track the dossier.

use kiosk_qr::{ReceiptQr, ReceiptRef};
use kiosk_receipt::{Receipt, Text};
use kiosk_ui::Language;

/// The application receipt: what the citizen filed, and how to follow it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierReceipt {
    /// The office that received the application, e.g. "Trung tâm Phục vụ hành chính công
    /// tỉnh Bình Dương".
    pub office: String,
    /// The dossier code the one-stop system assigned, or, while the kiosk could not reach
    /// it, the kiosk's provisional reference (the QR says which).
    pub tracking: ReceiptQr,
    pub procedure: String,
    pub applicant: String,
    /// The last digits of the ID number only: a receipt left on the counter must not give
    /// the whole number away.
    pub id_number_tail: String,
    /// When the application was received, as printed (`dd/mm/yyyy hh:mm`).
    pub received: String,
    /// When the result is due (`dd/mm/yyyy`), if the procedure has a fixed time.
    pub appointment: Option<String>,
    /// The fee as printed (`50.000 đ`), or `None` for a free procedure.
    pub fee: Option<String>,
    pub kiosk_id: String,
}

/// The hospital's queue ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueTicket {
    pub hospital: String,
    /// The number called out, e.g. "A-042".
    pub number: String,
    pub room: String,
    pub department: String,
    /// When the ticket was issued (`dd/mm/yyyy hh:mm`).
    pub issued: String,
    /// One line on the health insurance, e.g. "BHYT: còn hiệu lực, mức hưởng 80 %".
    pub insurance: String,
    /// What the HIS scans at the clinic: its visit identifier.
    pub his_code: String,
    pub kiosk_id: String,
}

/// The labels of a receipt in the visit's language.
struct Words {
    receipt_title: &'static str,
    dossier_code: &'static str,
    provisional_reference: &'static str,
    procedure: &'static str,
    applicant: &'static str,
    id_number: &'static str,
    received: &'static str,
    appointment: &'static str,
    fee: &'static str,
    no_fee: &'static str,
    scan_to_track: &'static str,
    provisional_note: &'static str,
    kiosk: &'static str,
    ticket_title: &'static str,
    your_number: &'static str,
    room: &'static str,
    department: &'static str,
    issued: &'static str,
    show_at_clinic: &'static str,
    keep_receipt: &'static str,
}

const VIETNAMESE: Words = Words {
    receipt_title: "BIÊN NHẬN HỒ SƠ",
    dossier_code: "Mã hồ sơ",
    provisional_reference: "Số tham chiếu tạm",
    procedure: "Thủ tục",
    applicant: "Người nộp",
    id_number: "Số CCCD",
    received: "Ngày nhận",
    appointment: "Ngày hẹn trả",
    fee: "Lệ phí",
    no_fee: "Không thu phí",
    scan_to_track: "Quét mã để tra cứu hồ sơ",
    provisional_note: "Hồ sơ đã được lưu tại kiosk và sẽ được gửi ngay khi có kết nối. \
                       Mã hồ sơ sẽ hiện khi tra cứu bằng mã QR này.",
    kiosk: "Kiosk",
    ticket_title: "PHIẾU SỐ THỨ TỰ",
    your_number: "Số thứ tự của bạn",
    room: "Phòng",
    department: "Khoa",
    issued: "Giờ lấy số",
    show_at_clinic: "Đưa mã này tại phòng khám",
    keep_receipt: "Vui lòng giữ biên nhận này.",
};

const ENGLISH: Words = Words {
    receipt_title: "APPLICATION RECEIPT",
    dossier_code: "Dossier code",
    provisional_reference: "Provisional reference",
    procedure: "Procedure",
    applicant: "Applicant",
    id_number: "ID card no.",
    received: "Received",
    appointment: "Result due",
    fee: "Fee",
    no_fee: "No fee",
    scan_to_track: "Scan to track the application",
    provisional_note: "The application is stored at the kiosk and will be sent as soon as \
                       the connection returns. Scanning this code then shows its dossier code.",
    kiosk: "Kiosk",
    ticket_title: "QUEUE TICKET",
    your_number: "Your number",
    room: "Room",
    department: "Department",
    issued: "Issued",
    show_at_clinic: "Show this code at the clinic",
    keep_receipt: "Please keep this receipt.",
};

fn words(language: Language) -> &'static Words {
    match language {
        Language::Vietnamese => &VIETNAMESE,
        Language::English => &ENGLISH,
    }
}

impl DossierReceipt {
    pub fn to_receipt(&self, language: Language) -> Receipt {
        let words = words(language);
        let (code_label, code, provisional) = match &self.tracking.reference {
            ReceiptRef::Dossier(code) => (words.dossier_code, code.as_str(), false),
            ReceiptRef::Provisional(reference) => {
                (words.provisional_reference, reference.as_str(), true)
            }
        };
        let mut receipt = Receipt::new()
            .text(Text::new(self.office.as_str()).centred().bold())
            .title(words.receipt_title)
            .separator()
            .row(code_label, code)
            .row(words.procedure, self.procedure.as_str())
            .row(words.applicant, self.applicant.as_str())
            .row(words.id_number, format!("…{}", self.id_number_tail))
            .row(words.received, self.received.as_str());
        if let Some(appointment) = &self.appointment {
            receipt = receipt.row(words.appointment, appointment.as_str());
        }
        receipt = receipt
            .row(words.fee, self.fee.as_deref().unwrap_or(words.no_fee))
            .separator()
            .qr(self.tracking.to_text(), Some(words.scan_to_track));
        if provisional {
            receipt = receipt.text(Text::new(words.provisional_note).centred());
        }
        receipt
            .text(Text::new(words.keep_receipt).centred())
            .text(Text::new(format!("{}: {}", words.kiosk, self.kiosk_id)).centred())
    }
}

impl QueueTicket {
    pub fn to_receipt(&self, language: Language) -> Receipt {
        let words = words(language);
        Receipt::new()
            .text(Text::new(self.hospital.as_str()).centred().bold())
            .title(words.ticket_title)
            .text(Text::new(words.your_number).centred())
            .text(Text::new(self.number.as_str()).centred().large().bold())
            .separator()
            .row(words.room, self.room.as_str())
            .row(words.department, self.department.as_str())
            .row(words.issued, self.issued.as_str())
            .text(self.insurance.as_str())
            .separator()
            .qr(self.his_code.as_str(), Some(words.show_at_clinic))
            .text(Text::new(format!("{}: {}", words.kiosk, self.kiosk_id)).centred())
    }
}

/// Every letter of the Vietnamese alphabet with every tone, capital and small, so a
/// technician sees at a glance that the printer's output has all the diacritics.
pub const VIETNAMESE_ALPHABET: [&str; 4] = [
    "A Ă Â B C D Đ E Ê G H I K L M N O Ô Ơ P Q R S T U Ư V X Y",
    "a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y",
    "À Á Ả Ã Ạ Ằ Ắ Ẳ Ẵ Ặ Ầ Ấ Ẩ Ẫ Ậ È É Ẻ Ẽ Ẹ Ề Ế Ể Ễ Ệ Ì Í Ỉ Ĩ Ị Ò Ó Ỏ Õ Ọ \
     Ồ Ố Ổ Ỗ Ộ Ờ Ớ Ở Ỡ Ợ Ù Ú Ủ Ũ Ụ Ừ Ứ Ử Ữ Ự Ỳ Ý Ỷ Ỹ Ỵ",
    "à á ả ã ạ ằ ắ ẳ ẵ ặ ầ ấ ẩ ẫ ậ è é ẻ ẽ ẹ ề ế ể ễ ệ ì í ỉ ĩ ị ò ó ỏ õ ọ \
     ồ ố ổ ỗ ộ ờ ớ ở ỡ ợ ù ú ủ ũ ụ ừ ứ ử ữ ự ỳ ý ỷ ỹ ỵ",
];

/// The technician's printer test page: what the kiosk is, every Vietnamese letter, and a
/// QR code to scan with a phone.
pub fn printer_test_page(kiosk_id: &str, printed_at: &str) -> Receipt {
    let mut receipt = Receipt::new()
        .title("TRANG IN THỬ")
        .text(Text::new("Printer test page").centred())
        .row("Kiosk", kiosk_id)
        .row("Phần mềm / Software", env!("CARGO_PKG_VERSION"))
        .row("Thời gian / Time", printed_at)
        .separator();
    for line in VIETNAMESE_ALPHABET {
        receipt = receipt.text(line);
    }
    receipt.separator().qr(
        format!("VNKIOSK-TEST:{kiosk_id}"),
        Some("Quét thử bằng điện thoại / Scan with a phone"),
    )
}

#[cfg(test)]
mod tests {
    use kiosk_qr::{DecoderStack, LumaImage};
    use kiosk_receipt::PaperWidth;
    use kiosk_receipt::decode::decode;

    use super::*;

    fn sample_receipt(tracking: ReceiptQr) -> DossierReceipt {
        DossierReceipt {
            office: "Trung tâm Phục vụ hành chính công tỉnh Bình Dương".to_owned(),
            tracking,
            procedure: "Đăng ký khai sinh".to_owned(),
            applicant: "Nguyễn Thị Hồng Nhung".to_owned(),
            id_number_tail: "6789".to_owned(),
            received: "04/12/2026 09:41".to_owned(),
            appointment: Some("09/12/2026".to_owned()),
            fee: None,
            kiosk_id: "BD-TDM-01".to_owned(),
        }
    }

    /// The codes printed on `receipt`, read back from the decoded ESC/POS bytes with the
    /// kiosk's own QR decoder, as a phone or the kiosk's camera would read the paper.
    fn codes_on_paper(receipt: &Receipt, paper: PaperWidth) -> Vec<String> {
        let bytes = kiosk_receipt::encode(receipt, paper).expect("lays out");
        let stack = DecoderStack::default();
        decode(&bytes)
            .expect("decodes")
            .iter()
            .flat_map(|page| {
                let image =
                    LumaImage::new(page.width(), page.height(), page.to_luma()).expect("page size");
                stack.decode(&image).expect("no decoder error")
            })
            .map(|code| code.text)
            .collect()
    }

    #[test]
    fn the_receipt_qr_tracks_the_dossier_on_both_rolls() {
        for paper in [PaperWidth::Mm58, PaperWidth::Mm80] {
            for tracking in [
                ReceiptQr::dossier("000.00.00.H01-241204-0001"),
                ReceiptQr::provisional("BD-TDM-01-000042"),
            ] {
                let text = tracking.to_text();
                let receipt = sample_receipt(tracking).to_receipt(Language::Vietnamese);
                assert_eq!(codes_on_paper(&receipt, paper), [text], "{paper:?}");
            }
        }
    }

    #[test]
    fn the_queue_ticket_carries_the_his_code() {
        let ticket = QueueTicket {
            hospital: "Bệnh viện Đa khoa tỉnh Bình Dương".to_owned(),
            number: "A-042".to_owned(),
            room: "105".to_owned(),
            department: "Khám Nội".to_owned(),
            issued: "04/12/2026 07:15".to_owned(),
            insurance: "BHYT: còn hiệu lực, mức hưởng 80 %".to_owned(),
            his_code: "ENC-2026-000731".to_owned(),
            kiosk_id: "BV-01".to_owned(),
        };
        for language in [Language::Vietnamese, Language::English] {
            let receipt = ticket.to_receipt(language);
            assert_eq!(
                codes_on_paper(&receipt, PaperWidth::Mm80),
                ["ENC-2026-000731"]
            );
        }
    }

    #[test]
    fn the_test_page_fits_both_rolls_and_scans() {
        for paper in [PaperWidth::Mm58, PaperWidth::Mm80] {
            let page = printer_test_page("BD-TDM-01", "04/12/2026 10:00");
            assert_eq!(codes_on_paper(&page, paper), ["VNKIOSK-TEST:BD-TDM-01"]);
        }
    }
}
