//! Secure messaging between the terminal and the chip side of this module, for every
//! cipher (the 3DES known answers of ICAO 9303-11 Appendix D are in
//! `tests/icao_appendix_d.rs`), and every way a response can be refused.

use aes::Aes128;
use cbc::cipher::{BlockCipherEncrypt, KeyInit};

use super::bac::{self, BacError, BacKeys, ChipBac};
use super::wire::{tag, write_object};
use super::*;
use crate::apdu::{CommandApdu, ResponseApdu, StatusWord};
use crate::transport::{CardTransport, TransportError, TransportErrorKind};

const ALL: [Cipher; 4] = [Cipher::Tdes, Cipher::Aes128, Cipher::Aes192, Cipher::Aes256];

fn keys(cipher: Cipher) -> SessionKeys {
    SessionKeys::derive(cipher, b"a shared secret from PACE or CA")
}

fn pair(cipher: Cipher) -> (SecureMessaging, ChipSecureMessaging) {
    let ssc = SendSequenceCounter::zero(cipher);
    (
        SecureMessaging::new(keys(cipher), ssc.clone()).unwrap(),
        ChipSecureMessaging::new(keys(cipher), ssc).unwrap(),
    )
}

fn ok(data: &[u8]) -> ResponseApdu {
    ResponseApdu {
        data: data.to_vec(),
        status: StatusWord::SUCCESS,
    }
}

/// One exchange: the chip must see `command` and answer `reply`; the terminal must read
/// `reply` back.
fn exchange(
    host: &mut SecureMessaging,
    chip: &mut ChipSecureMessaging,
    command: &CommandApdu,
    reply: &ResponseApdu,
) -> CommandApdu {
    let protected = host.protect_command(command).unwrap();
    let encoded = protected.encode().unwrap();
    assert_eq!(&chip.unprotect_command(&encoded).unwrap(), command);
    let answer = chip.protect_response(reply).unwrap();
    let opened = host
        .unprotect_response(&ResponseApdu::parse(&answer).unwrap())
        .unwrap();
    assert_eq!(&opened, reply);
    protected
}

#[test]
fn every_cipher_round_trips_every_command_case() {
    for cipher in ALL {
        let (mut host, mut chip) = pair(cipher);
        let select = CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data([0x01, 0x1E]);
        exchange(&mut host, &mut chip, &select, &ok(&[]));
        let read = CommandApdu::new(0x00, 0xB0, 0x00, 0x00).with_le(0xDF);
        let exactly_one_block = vec![0x5A; cipher.block_len()];
        exchange(&mut host, &mut chip, &read, &ok(&exactly_one_block));
        let case1 = CommandApdu::new(0x00, 0x44, 0x00, 0x00);
        exchange(&mut host, &mut chip, &case1, &ok(&[]));
        let case4 = CommandApdu::new(0x00, 0x88, 0x00, 0x00)
            .with_data([1, 2, 3, 4, 5, 6, 7, 8])
            .with_le(256);
        exchange(&mut host, &mut chip, &case4, &ok(&[9; 129]));
        let not_found = ResponseApdu {
            data: Vec::new(),
            status: StatusWord::NOT_FOUND,
        };
        exchange(&mut host, &mut chip, &select, &not_found);
        // The counters advanced by two per exchange.
        assert_eq!(host.ssc(), chip.ssc());
        assert_eq!(host.ssc().to_bytes().last(), Some(&10));
    }
}

#[test]
fn extended_length_and_odd_ins_round_trip() {
    for cipher in ALL {
        let (mut host, mut chip) = pair(cipher);
        // Le beyond 256 travels as two bytes in DO'97' and the command goes extended.
        let long_read = CommandApdu::new(0x00, 0xB0, 0x00, 0x00).with_le(1000);
        let protected = exchange(&mut host, &mut chip, &long_read, &ok(&vec![7; 1000]));
        assert_eq!(&protected.data[..4], &[tag::LE, 0x02, 0x03, 0xE8]);
        assert_eq!(protected.le, Some(0x1_0000));
        let everything = CommandApdu::new(0x00, 0xB0, 0x00, 0x00).with_le(0x1_0000);
        let protected = exchange(&mut host, &mut chip, &everything, &ok(&[1; 300]));
        assert_eq!(&protected.data[..4], &[tag::LE, 0x02, 0x00, 0x00]);
        // READ BINARY with odd INS: the offset DO'54' in DO'85', the answer too.
        let odd = CommandApdu::new(0x00, 0xB1, 0x00, 0x00)
            .with_data([0x54, 0x02, 0x01, 0x00])
            .with_le(0x100);
        let protected = exchange(&mut host, &mut chip, &odd, &ok(&[0x53, 0x02, 0xAB, 0xCD]));
        assert_eq!(protected.data[0], tag::CRYPTOGRAM_ODD);
        // Command data that needs extended Lc.
        let update = CommandApdu::new(0x00, 0xD6, 0x00, 0x00).with_data(vec![3; 300]);
        let protected = exchange(&mut host, &mut chip, &update, &ok(&[]));
        assert!(protected.encode().unwrap()[4] == 0x00);
    }
}

#[test]
fn aes_iv_is_the_encrypted_counter() {
    // ICAO 9303-11 §9.8.6.2: IV = E(KS_Enc, SSC); the first command uses SSC = 1.
    let keys = keys(Cipher::Aes128);
    let aes = Aes128::new_from_slice(keys.enc_key()).unwrap();
    let mut iv = [0u8; 16];
    iv[15] = 1;
    let mut iv_block = iv.into();
    aes.encrypt_block(&mut iv_block);
    let mut block = [0u8; 16];
    block[..3].copy_from_slice(&[0x01, 0x1E, 0x80]);
    for (b, v) in block.iter_mut().zip(iv_block.iter()) {
        *b ^= v;
    }
    let mut expected = block.into();
    aes.encrypt_block(&mut expected);

    let (mut host, _) = pair(Cipher::Aes128);
    let select = CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data([0x01, 0x1E]);
    let protected = host.protect_command(&select).unwrap();
    assert_eq!(&protected.data[..3], &[tag::CRYPTOGRAM, 0x11, 0x01]);
    assert_eq!(&protected.data[3..19], expected.as_slice());
}

/// A response built by hand: `objects` then DO'8E' over SSC ‖ `objects` for the
/// terminal's next response counter.
fn forged_response(host: &SecureMessaging, objects: &[u8], status: [u8; 2]) -> ResponseApdu {
    let mut ssc = host.ssc().clone();
    ssc.increment();
    let mut input = ssc.to_bytes();
    input.extend_from_slice(objects);
    let mut data = objects.to_vec();
    write_object(&mut data, tag::MAC, &host.keys().mac(&input).unwrap()).unwrap();
    data.extend(status);
    ResponseApdu::parse(&data).unwrap()
}

fn refused(cipher: Cipher, build: impl Fn(&SecureMessaging) -> ResponseApdu) -> SmError {
    let (mut host, _) = pair(cipher);
    host.protect_command(&CommandApdu::new(0x00, 0xB0, 0x00, 0x00).with_le(4))
        .unwrap();
    let response = build(&host);
    let error = host.unprotect_response(&response).unwrap_err();
    assert!(!host.is_open(), "{error:?} must close the session");
    error
}

#[test]
fn refuses_malformed_or_forged_responses() {
    for cipher in ALL {
        let status = {
            let mut v = Vec::new();
            write_object(&mut v, tag::STATUS, &[0x90, 0x00]).unwrap();
            v
        };
        let encrypted = |host: &SecureMessaging, plain: &[u8], indicator: u8| {
            let mut ssc = host.ssc().clone();
            ssc.increment();
            let mut buf = plain.to_vec();
            let iv = host.keys().iv_for(&ssc).unwrap();
            host.keys().cbc_encrypt(&iv, &mut buf).unwrap();
            let mut value = vec![indicator];
            value.extend(buf);
            let mut object = Vec::new();
            write_object(&mut object, tag::CRYPTOGRAM, &value).unwrap();
            object
        };
        let block = cipher.block_len();
        let padded = |host: &SecureMessaging, indicator| {
            let mut plain = vec![1, 2, 3, 0x80];
            plain.resize(block, 0);
            encrypted(host, &plain, indicator)
        };

        assert_eq!(
            refused(cipher, |h| forged_response(h, &padded(h, 1), [0x90, 0x00])),
            SmError::MissingStatus
        );
        assert_eq!(
            refused(cipher, |h| {
                let objects = [padded(h, 2), status.clone()].concat();
                forged_response(h, &objects, [0x90, 0x00])
            }),
            SmError::PaddingIndicator(2)
        );
        assert_eq!(
            refused(cipher, |h| {
                let objects = [encrypted(h, &vec![0x11; block], 1), status.clone()].concat();
                forged_response(h, &objects, [0x90, 0x00])
            }),
            SmError::BadPadding
        );
        assert_eq!(
            refused(cipher, |h| {
                let objects = [status.clone(), status.clone()].concat();
                forged_response(h, &objects, [0x90, 0x00])
            }),
            SmError::DuplicateObject(tag::STATUS)
        );
        assert_eq!(
            refused(cipher, |_| ResponseApdu::parse(&[
                0x99, 0x02, 0x90, 0x00, 0x90, 0x00
            ])
            .unwrap()),
            SmError::MissingMac
        );
        assert_eq!(
            refused(cipher, |_| ResponseApdu::parse(&[
                0x99, 0x09, 0x90, 0x00, 0x90, 0x00
            ])
            .unwrap()),
            SmError::Truncated
        );
        assert_eq!(
            refused(cipher, |h| {
                let mut response = forged_response(h, &status, [0x90, 0x00]);
                response.data.extend([0x99, 0x02, 0x6A, 0x82]);
                response
            }),
            SmError::DataAfterMac
        );
        assert_eq!(
            refused(cipher, |_| ResponseApdu::parse(&[0x90, 0x00]).unwrap()),
            SmError::UnprotectedSuccess(StatusWord::SUCCESS)
        );
    }
}

#[test]
fn passes_a_bare_error_status_and_detects_a_skipped_response() {
    let (mut host, mut chip) = pair(Cipher::Aes128);
    let read = CommandApdu::new(0x00, 0xB0, 0x00, 0x00).with_le(4);
    host.protect_command(&read).unwrap();
    let bare = ResponseApdu::parse(&[0x69, 0x88]).unwrap();
    assert_eq!(host.unprotect_response(&bare).unwrap(), bare);

    // The chip never saw that command: the counters now differ by two.
    let protected = host.protect_command(&read).unwrap();
    assert_eq!(
        chip.unprotect_command(&protected.encode().unwrap()),
        Err(SmError::BadMac)
    );
    assert!(!chip.is_open());
}

#[test]
fn enforces_alternation_and_protection() {
    let (mut host, mut chip) = pair(Cipher::Tdes);
    let read = CommandApdu::new(0x00, 0xB0, 0x00, 0x00).with_le(4);
    assert_eq!(
        host.unprotect_response(&ok(&[])),
        Err(SmError::OutOfSequence)
    );
    host.protect_command(&read).unwrap();
    assert_eq!(host.protect_command(&read), Err(SmError::OutOfSequence));
    assert_eq!(chip.protect_response(&ok(&[])), Err(SmError::OutOfSequence));
    assert_eq!(
        chip.unprotect_command(&read.encode().unwrap()),
        Err(SmError::NotProtected(0x00))
    );
    assert_eq!(
        chip.unprotect_command(&[0x0C, 0xB0]),
        Err(SmError::SessionClosed)
    );
    assert!(
        SecureMessaging::new(
            keys(Cipher::Aes128),
            SendSequenceCounter::zero(Cipher::Tdes)
        )
        .is_err()
    );
}

/// A chip on the other side of a transport: BAC, then secure messaging, echoing the
/// command data back (or `file` for READ BINARY).
struct EmulatedChip {
    keys: BacKeys,
    random: ReplayRandom,
    bac: Option<ChipBac>,
    sm: Option<ChipSecureMessaging>,
    file: Vec<u8>,
    pulled_out: bool,
}

impl CardTransport for EmulatedChip {
    fn transmit(&mut self, raw: &[u8]) -> Result<Vec<u8>, TransportError> {
        if self.pulled_out {
            return Err(TransportError::new(TransportErrorKind::CardRemoved, "gone"));
        }
        let command = parse_command_apdu(raw).unwrap();
        if let Some(sm) = self.sm.as_mut() {
            let Ok(plain) = sm.unprotect_command(raw) else {
                return Ok(vec![0x69, 0x88]);
            };
            let data = if plain.ins == 0xB0 {
                self.file.clone()
            } else {
                plain.data
            };
            return Ok(sm.protect_response(&ok(&data)).unwrap());
        }
        match command.ins {
            0x84 => {
                let chip = ChipBac::new(self.keys.clone(), &mut self.random).unwrap();
                let challenge = chip.challenge();
                self.bac = Some(chip);
                Ok([challenge.as_slice(), &[0x90, 0x00]].concat())
            }
            0x82 => match self
                .bac
                .take()
                .map(|b| b.external_authenticate(&command, &mut self.random))
            {
                Some(Ok((answer, sm))) => {
                    self.sm = Some(sm);
                    Ok([answer.data, vec![0x90, 0x00]].concat())
                }
                _ => Ok(vec![0x63, 0x00]),
            },
            _ => Ok(vec![0x69, 0x82]),
        }
    }
}

fn emulated(mrz: &str) -> EmulatedChip {
    EmulatedChip {
        keys: BacKeys::from_mrz_information(mrz),
        random: ReplayRandom::new((0..=255).collect::<Vec<u8>>()),
        bac: None,
        sm: None,
        file: vec![0x60, 0x03, 0x5F, 0x01, 0x02],
        pulled_out: false,
    }
}

const MRZ: &str = "C03005988295111130415212";

#[test]
fn bac_then_secure_messaging_over_a_transport() {
    let mut card = emulated(MRZ);
    let mut random = ReplayRandom::new([0x42; 24]);
    let sm = bac::establish(&mut card, BacKeys::from_mrz_information(MRZ), &mut random).unwrap();
    let mut transport = SmTransport::new(&mut card, sm);
    let read = CommandApdu::new(0x00, 0xB0, 0x00, 0x00).with_le(5);
    let answer = transport.send(&read).unwrap();
    assert_eq!(answer.data, [0x60, 0x03, 0x5F, 0x01, 0x02]);
    let echoed = transport
        .transmit(&[0x00, 0x22, 0xC1, 0xA4, 0x02, 0xAA, 0xBB])
        .unwrap();
    assert_eq!(echoed, [0xAA, 0xBB, 0x90, 0x00]);
    let sm = transport.into_secure_messaging();
    assert!(sm.is_open());
    card.pulled_out = true;
    let mut transport = SmTransport::new(&mut card, sm);
    let error = transport.transmit(&read.encode().unwrap()).unwrap_err();
    assert_eq!(error.kind, TransportErrorKind::CardRemoved);
    assert!(!transport.secure_messaging().is_open());
}

#[test]
fn bac_with_the_wrong_mrz_is_denied() {
    let mut card = emulated(MRZ);
    let mut random = ReplayRandom::new([0x42; 24]);
    let wrong = BacKeys::from_mrz_information("C03005988295111130415220");
    assert_eq!(
        bac::establish(&mut card, wrong, &mut random).unwrap_err(),
        BacError::AccessDenied(StatusWord(0x6300))
    );
}

#[test]
fn sm_transport_reports_a_forged_answer_as_a_secure_messaging_failure() {
    struct Liar;
    impl CardTransport for Liar {
        fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
            Ok(vec![
                0x99, 0x02, 0x90, 0x00, 0x8E, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0x90, 0x00,
            ])
        }
    }
    let (host, _) = pair(Cipher::Aes256);
    let mut liar = Liar;
    let mut transport = SmTransport::new(&mut liar, host);
    let error = transport
        .transmit(&[0x00, 0xB0, 0x00, 0x00, 0x04])
        .unwrap_err();
    assert_eq!(error.kind, TransportErrorKind::SecureMessaging);
}

#[test]
fn a_command_that_cannot_be_built_leaves_the_session_in_step() {
    let (mut host, mut chip) = pair(Cipher::Aes128);
    let huge = CommandApdu::new(0x00, 0xD6, 0x00, 0x00).with_data(vec![0; 0x1_0000]);
    assert!(matches!(
        host.protect_command(&huge),
        Err(SmError::Encode(_))
    ));
    let too_much = CommandApdu::new(0x00, 0xB0, 0x00, 0x00).with_le(0x1_0001);
    assert!(host.protect_command(&too_much).is_err());
    let read = CommandApdu::new(0x00, 0xB0, 0x00, 0x00).with_le(2);
    exchange(&mut host, &mut chip, &read, &ok(&[1, 2]));
}
