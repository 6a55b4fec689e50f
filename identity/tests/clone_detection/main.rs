//! Clone detection end to end: Chip Authentication and Active Authentication between the
//! terminal side and the chip side of `clone_detection`, over a real secure-messaging
//! pair, with genuine chips, cloned chips and hostile answers.
//!
//! Known answers:
//! - the Chip Authentication key agreement (ECDH x-coordinate, then KS_Enc and KS_MAC for
//!   AES-128) reuses the key-agreement step of the PACE worked example of ICAO 9303-11
//!   Appendix G.1 (brainpoolP256r1): the ECDH and KDF are the same functions;
//! - the RSA Active Authentication signatures were computed independently (Python
//!   integers: F = 6A ‖ M1 ‖ H(M1 ‖ RND.IFD) ‖ trailer, s = F^d mod n) for the test key
//!   below; no published AA vector is known to us.

use kiosk_identity::apdu::{CommandApdu, ResponseApdu, StatusWord};
use kiosk_identity::clone_detection::active_auth::{
    AaError, ActiveAuthentication, ChipAaSigner, DEFAULT_ECDSA_HASH,
};
use kiosk_identity::clone_detection::chip_auth::{
    CaCommandStyle, CaError, CaKeyAgreement, CaParameters, CaStep, ca_cipher, ca_protocol_oid,
    run_chip_authentication, verify_chip_authentication,
};
use kiosk_identity::clone_detection::{
    AaPublicKey, ChipCaResponder, Dg15, Dg15Error, EcCurve, EcPrivateKey, EcPublicKey,
    HashAlgorithm, Iso9796Error, Iso9796Trailer, KeyError,
};
use kiosk_identity::sm::{
    ChipSecureMessaging, Cipher, OsRandom, ReplayRandom, SecureMessaging, SendSequenceCounter,
    SessionKeys, SmError, SmTransport,
};
use kiosk_identity::transport::{CardTransport, TransportError, TransportErrorKind};
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{BoxedUint, RsaPrivateKey};

fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

/// Session keys as if from PACE, shared by terminal and chip before Chip Authentication.
fn pace_keys() -> SessionKeys {
    SessionKeys::derive(Cipher::Aes128, b"the PACE shared secret")
}

/// A chip: secure messaging, and optionally Chip and Active Authentication. It answers
/// SELECT of any file with 9000 and anything else with 6D00; a command that fails secure
/// messaging gets a plain 6988, as real chips answer.
struct VirtualChip {
    sm: ChipSecureMessaging,
    ca: Option<ChipCaResponder>,
    aa: Option<ChipAaSigner>,
    removed: bool,
}

impl VirtualChip {
    fn new(ca: Option<ChipCaResponder>, aa: Option<ChipAaSigner>) -> Self {
        let sm = ChipSecureMessaging::new(pace_keys(), SendSequenceCounter::zero(Cipher::Aes128))
            .unwrap();
        Self {
            sm,
            ca,
            aa,
            removed: false,
        }
    }

    fn answer(&mut self, command: &CommandApdu) -> (ResponseApdu, Option<SessionKeys>) {
        if let Some(answer) = self.ca.as_mut().and_then(|ca| ca.handle(command)) {
            return (answer.response, answer.new_session_keys);
        }
        let status = |sw| ResponseApdu {
            data: Vec::new(),
            status: StatusWord(sw),
        };
        let response = match (command.ins, &self.aa) {
            (0xA4, _) => status(0x9000),
            (0x88, Some(aa)) => aa.internal_authenticate(command, &mut OsRandom),
            _ => status(0x6D00),
        };
        (response, None)
    }
}

impl CardTransport for VirtualChip {
    fn transmit(&mut self, raw: &[u8]) -> Result<Vec<u8>, TransportError> {
        if self.removed {
            return Err(TransportError::new(TransportErrorKind::CardRemoved, "gone"));
        }
        let Ok(command) = self.sm.unprotect_command(raw) else {
            return Ok(vec![0x69, 0x88]);
        };
        let (response, new_keys) = self.answer(&command);
        // The answer goes under the current keys; only then does the chip switch.
        let bytes = self.sm.protect_response(&response).unwrap();
        if let Some(keys) = new_keys {
            self.sm.rekey(keys).unwrap();
        }
        Ok(bytes)
    }
}

fn terminal_sm() -> SecureMessaging {
    SecureMessaging::new(pace_keys(), SendSequenceCounter::zero(Cipher::Aes128)).unwrap()
}

fn chip_key(curve: EcCurve, fill: u8) -> EcPrivateKey {
    EcPrivateKey::from_bytes(curve, &vec![fill; curve.field_len()]).unwrap()
}

mod aa;
mod ca;
