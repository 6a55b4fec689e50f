//! What a decoded QR text is: the code on a chip ID card, the code on one of the kiosk's own
//! receipts, or something else (a web address, a payment code) the kiosk does not act on.

use kiosk_identity::pii::Sensitive;
use kiosk_identity::qr::CccdQr;

/// A decoded text, classified.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// The QR code of a CCCD: its fields passed every check of the identity crate's parser.
    Card {
        qr: Box<CccdQr>,
        /// The text as read, for the session (which derives the chip's access keys from it).
        text: Sensitive<String>,
    },
    /// The code printed on one of this kiosk's receipts.
    Receipt(ReceiptQr),
    /// Anything else. `looks_like_card` says the text had the card code's shape (fields
    /// separated by `|`) but failed its checks, so the screen can say "this card's code
    /// could not be read, try again" rather than "this is not an ID card".
    Unknown { looks_like_card: bool },
}

impl Payload {
    /// Classifies a decoded text.
    pub fn classify(text: &str) -> Payload {
        if let Some(receipt) = ReceiptQr::parse(text) {
            return Payload::Receipt(receipt);
        }
        match CccdQr::parse(text) {
            Ok(qr) => Payload::Card {
                qr: Box::new(qr),
                text: Sensitive::new(text.to_owned()),
            },
            Err(_) => Payload::Unknown {
                looks_like_card: looks_like_card(text),
            },
        }
    }

    /// A short name of the kind, safe for logs (no content).
    pub fn kind(&self) -> &'static str {
        match self {
            Payload::Card { .. } => "cccd",
            Payload::Receipt(_) => "receipt",
            Payload::Unknown { .. } => "unknown",
        }
    }

    /// Whether one reading is enough to trust this payload: a card code that passed the
    /// parser's cross-checks (province code, dates, sex and birth year agreeing with the ID
    /// number) is as good as a checksum. Everything else needs a second, identical frame.
    pub fn self_checking(&self) -> bool {
        matches!(self, Payload::Card { .. })
    }
}

fn looks_like_card(text: &str) -> bool {
    // A card's code starts with 12 digits and a separator; a text that does but fails the
    // checks is a misread or a damaged card, not some other code.
    let bytes = text.as_bytes();
    bytes.len() > 13 && bytes[..12].iter().all(u8::is_ascii_digit) && bytes[12] == b'|'
}

/// What a kiosk receipt's code refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptRef {
    /// The dossier code the provincial one-stop system gave the application.
    Dossier(String),
    /// The kiosk's own reference, printed on a provisional receipt while the application
    /// waits in the outbox for the one-stop system.
    Provisional(String),
}

/// The code printed on the kiosk's receipts: `VNKIOSK:1:HS:<dossier code>` or
/// `VNKIOSK:1:TAM:<kiosk reference>` (hồ sơ, tạm). A prefix of our own keeps it apart
/// from every other code a citizen may hold up; the version leaves room to change it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptQr {
    pub reference: ReceiptRef,
}

const RECEIPT_PREFIX: &str = "VNKIOSK:1:";
/// Longest reference accepted; dossier codes in use are about 25 characters.
const MAX_REFERENCE_LEN: usize = 64;

impl ReceiptQr {
    pub fn dossier(code: impl Into<String>) -> Self {
        Self {
            reference: ReceiptRef::Dossier(code.into()),
        }
    }

    pub fn provisional(reference: impl Into<String>) -> Self {
        Self {
            reference: ReceiptRef::Provisional(reference.into()),
        }
    }

    /// The text to encode in the receipt's QR code.
    pub fn to_text(&self) -> String {
        match &self.reference {
            ReceiptRef::Dossier(code) => format!("{RECEIPT_PREFIX}HS:{code}"),
            ReceiptRef::Provisional(reference) => format!("{RECEIPT_PREFIX}TAM:{reference}"),
        }
    }

    /// The receipt code in `text`, or `None` if it is not one (wrong prefix, unknown kind,
    /// an empty, overlong or oddly spelled reference).
    pub fn parse(text: &str) -> Option<ReceiptQr> {
        let rest = text.strip_prefix(RECEIPT_PREFIX)?;
        let (kind, reference) = rest.split_once(':')?;
        let valid = !reference.is_empty()
            && reference.len() <= MAX_REFERENCE_LEN
            && reference
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_'));
        if !valid {
            return None;
        }
        let reference = reference.to_owned();
        match kind {
            "HS" => Some(Self::dossier(reference)),
            "TAM" => Some(Self::provisional(reference)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARD: &str =
        "001089012345||Nguyễn Văn An|15081989|Nam|Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội|01052021";

    #[test]
    fn a_card_code_is_a_card_and_needs_no_second_frame() {
        let payload = Payload::classify(CARD);
        assert_eq!(payload.kind(), "cccd");
        assert!(payload.self_checking());
        let Payload::Card { qr, text } = payload else {
            unreachable!()
        };
        assert_eq!(qr.id_number().expose(), "001089012345");
        assert_eq!(text.expose(), CARD);
    }

    #[test]
    fn a_damaged_card_code_is_told_apart_from_other_codes() {
        let damaged = CARD.replace("15081989", "15131989");
        assert_eq!(
            Payload::classify(&damaged),
            Payload::Unknown {
                looks_like_card: true
            }
        );
        assert_eq!(
            Payload::classify("https://dichvucong.gov.vn"),
            Payload::Unknown {
                looks_like_card: false
            }
        );
        assert!(!Payload::classify("https://dichvucong.gov.vn").self_checking());
    }

    #[test]
    fn receipt_codes_round_trip_and_refuse_anything_odd() {
        for receipt in [
            ReceiptQr::dossier("000.00.23.H26-261123-0001"),
            ReceiptQr::provisional("K01-20261123-0042"),
        ] {
            assert_eq!(ReceiptQr::parse(&receipt.to_text()), Some(receipt.clone()));
            assert_eq!(
                Payload::classify(&receipt.to_text()),
                Payload::Receipt(receipt)
            );
        }
        for odd in [
            "VNKIOSK:1:HS:",
            "VNKIOSK:1:XX:123",
            "VNKIOSK:2:HS:123",
            "VNKIOSK:1:HS:12 3",
            "VNKIOSK:1:HS:mã",
            &format!("VNKIOSK:1:HS:{}", "1".repeat(65)),
        ] {
            assert_eq!(ReceiptQr::parse(odd), None, "{odd}");
        }
    }
}
