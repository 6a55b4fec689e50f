//! The ICAO 9303 eMRTD application on the CCCD chip.
//!
//! The chip of the Vietnamese ID card is an ICAO 9303 eMRTD (Doc 9303 part 10). This module
//! names the application and the command that selects it; reading and verifying the data
//! groups is built on top of it.

use crate::apdu::{CommandApdu, ResponseApdu, StatusWord};

/// Application identifier of the eMRTD LDS1 application (ICAO 9303-10 §3.1.2).
pub const EMRTD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// SELECT by DF name, first occurrence, no response data (ICAO 9303-10 §3.1.2 and
/// ISO/IEC 7816-4 §11.2.2): P2 = 0C because the kiosk does not need the FCI.
pub fn select_application() -> CommandApdu {
    CommandApdu::new(0x00, 0xA4, 0x04, 0x0C).with_data(EMRTD_AID)
}

/// What a card said to the eMRTD SELECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationProbe {
    /// The card holds the eMRTD application: it can be a CCCD.
    Present,
    /// The card answered, but has no eMRTD application (a bank card, a transport card).
    Absent(StatusWord),
}

/// Interprets the card's answer to [`select_application`].
pub fn probe_from_response(response: &ResponseApdu) -> ApplicationProbe {
    if response.status.is_success() {
        ApplicationProbe::Present
    } else {
        ApplicationProbe::Absent(response.status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_matches_icao_9303_worked_example() {
        // The worked example of ICAO 9303-11 (appendix D, BAC) opens with this exact command.
        assert_eq!(
            select_application().encode().unwrap(),
            [
                0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01
            ]
        );
    }

    #[test]
    fn probe_reads_status() {
        let present = ResponseApdu::parse(&[0x90, 0x00]).unwrap();
        assert_eq!(probe_from_response(&present), ApplicationProbe::Present);
        let absent = ResponseApdu::parse(&[0x6A, 0x82]).unwrap();
        assert_eq!(
            probe_from_response(&absent),
            ApplicationProbe::Absent(StatusWord::NOT_FOUND)
        );
    }
}
