//! PACE against ICAO Doc 9303 Part 11, Appendix G.1 (ECDH Generic Mapping on
//! brainpoolP256r1, MRZ password), then terminal against emulated chip on both supported
//! curves, wrong passwords, and hostile chips.

use kiosk_identity::apdu::{CommandApdu, ResponseApdu, StatusWord};
use kiosk_identity::pace::{
    self, ChipPace, ChipPaceConfig, ChipPaceReply, PaceError, PacePassword, PaceStart, PaceStep,
    ResponseProblem, Unsupported,
};
use kiosk_identity::security_info::{
    Mapping, PaceInfo, PaceProtocol, SecurityInfo, SecurityInfos, StandardDomainParameters,
};
use kiosk_identity::sm::kdf::{KeyPurpose, derive_key};
use kiosk_identity::sm::{
    ChipSecureMessaging, Cipher, OsRandom, RandomSource, ReplayRandom, SmTransport,
    parse_command_apdu,
};
use kiosk_identity::transport::{CardTransport, TransportError};

const MRZ_INFORMATION: &str = "T22000129364081251010318";
const CARD_ACCESS: &str = "31143012060A04007F0007020204020202010202010D";
const K_PI: &str = "89DED1B26624EC1E634C1989302849DD";
const SK_MAP_IFD: &str = "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99";
const SK_IFD: &str = "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595";
const NONCE: &str = "3F00C4D39D153F2B2A214A078D899B22";
const SK_MAP_IC: &str = "498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560";
const SK_IC: &str = "107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A";
const KS_ENC: &str = "F5F0E35C0D7161EE6724EE513A0D9A7F";
const KS_MAC: &str = "FE251C7858B356B24514B3BD5F4297D1";

/// The APDUs of Appendix G.1 (commands, then answers). The spec's MSE:Set AT carries no
/// DO'84'; this crate names the domain parameters whenever PACEInfo has a parameterId,
/// as ICAO 9303-11 allows, so the first command has 84 01 0D besides.
const EXCHANGE: [(&str, &str); 5] = [
    ("0022C1A412 800A04007F00070202040202 830101 84010D", "9000"),
    (
        "10860000027C0000",
        "7C12801095A3A016522EE98D01E76CB6B98B42C3 9000",
    ),
    (
        "1086000045 7C43 8141 047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E\
         544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D 00",
        "7C43 8241 04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57\
         30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54 9000",
    ),
    (
        "1086000045 7C43 8341 042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C\
         3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462 00",
        "7C43 8441 049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB\
         7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094 9000",
    ),
    (
        "008600000C 7C0A 8508 C2B0BD78D94BA866 00",
        "7C0A 8608 3ABB9674BCE93C08 9000",
    ),
];

fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

fn g1_info() -> PaceInfo {
    let infos = SecurityInfos::parse_card_access(&hex(CARD_ACCESS)).unwrap();
    pace::choose(&infos).unwrap()
}

fn info(curve: StandardDomainParameters) -> PaceInfo {
    PaceInfo {
        protocol: PaceProtocol {
            mapping: Mapping::GenericEcdh,
            cipher: Cipher::Aes128,
        },
        version: 2,
        parameter_id: Some(curve),
    }
}

/// A chip that answers from a script and checks each command it gets.
struct Scripted {
    steps: Vec<(Vec<u8>, Vec<u8>)>,
    position: usize,
}

impl Scripted {
    fn new(steps: &[(&str, &str)]) -> Self {
        Self {
            steps: steps.iter().map(|(c, r)| (hex(c), hex(r))).collect(),
            position: 0,
        }
    }
}

impl CardTransport for Scripted {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let (expected, answer) = self.steps.get(self.position).cloned().unwrap();
        self.position += 1;
        assert_eq!(command, expected.as_slice(), "command {}", self.position);
        Ok(answer)
    }
}

#[test]
fn appendix_g1_password_key() {
    let password = PacePassword::mrz(MRZ_INFORMATION);
    assert_eq!(
        password.encoded(),
        hex("7E2D2A41C74EA0B38CD36F863939BFA8E9032AAD")
    );
    assert_eq!(password.reference(), 0x01);
    let k_pi = derive_key(Cipher::Aes128, password.encoded(), KeyPurpose::Password);
    assert_eq!(k_pi.to_vec(), hex(K_PI));
}

#[test]
fn appendix_g1_terminal_sends_the_worked_example() {
    let mut chip = Scripted::new(&EXCHANGE);
    let mut random = ReplayRandom::new([hex(SK_MAP_IFD), hex(SK_IFD)].concat());
    let password = PacePassword::mrz(MRZ_INFORMATION);
    let sm = pace::establish(&mut chip, &g1_info(), &password, &mut random).unwrap();
    assert_eq!(chip.position, EXCHANGE.len());
    assert_eq!(sm.keys().enc_key(), hex(KS_ENC));
    assert_eq!(sm.keys().mac_key(), hex(KS_MAC));
    assert_eq!(sm.ssc().to_bytes(), [0; 16]);
    assert_eq!(sm.cipher(), Cipher::Aes128);
}

#[test]
fn appendix_g1_chip_answers_the_worked_example() {
    let mut chip = ChipPace::new(ChipPaceConfig {
        infos: vec![g1_info()],
        can: None,
        mrz: Some(PacePassword::mrz(MRZ_INFORMATION)),
        retry_counter: None,
    });
    let mut random = ReplayRandom::new([hex(NONCE), hex(SK_MAP_IC), hex(SK_IC)].concat());
    for (index, (command, answer)) in EXCHANGE.iter().enumerate() {
        let command = parse_command_apdu(&hex(command)).unwrap();
        assert!(ChipPace::handles(&command));
        let expected = ResponseApdu::parse(&hex(answer)).unwrap();
        match chip.handle(&command, &mut random) {
            ChipPaceReply::Respond(response) => {
                assert!(index < EXCHANGE.len() - 1);
                assert_eq!(response, expected, "step {index}");
            }
            ChipPaceReply::Established(response, sm) => {
                assert_eq!(index, EXCHANGE.len() - 1);
                assert_eq!(response, expected);
                assert_eq!(sm.ssc().to_bytes(), [0; 16]);
            }
        }
    }
}

/// The emulated chip behind a transport: PACE in plain, then secure messaging.
struct EmulatedChip {
    pace: ChipPace,
    sm: Option<ChipSecureMessaging>,
    random: OsRandom,
}

impl EmulatedChip {
    fn new(info: PaceInfo, can: &str, retry_counter: Option<u8>) -> Self {
        Self {
            pace: ChipPace::new(ChipPaceConfig {
                infos: vec![info],
                can: Some(PacePassword::can(can)),
                mrz: Some(PacePassword::mrz(MRZ_INFORMATION)),
                retry_counter,
            }),
            sm: None,
            random: OsRandom,
        }
    }
}

impl CardTransport for EmulatedChip {
    fn transmit(&mut self, raw: &[u8]) -> Result<Vec<u8>, TransportError> {
        let reply = if let Some(sm) = self.sm.as_mut() {
            let command = sm.unprotect_command(raw).unwrap();
            // Echo the command's data back, so both directions carry a cryptogram.
            let response = ResponseApdu {
                data: command.data.iter().rev().copied().collect(),
                status: StatusWord::SUCCESS,
            };
            sm.protect_response(&response).unwrap()
        } else {
            let command = parse_command_apdu(raw).unwrap();
            let response = match self.pace.handle(&command, &mut self.random) {
                ChipPaceReply::Respond(response) => response,
                ChipPaceReply::Established(response, sm) => {
                    self.sm = Some(sm);
                    response
                }
            };
            let mut bytes = response.data;
            bytes.extend(response.status.0.to_be_bytes());
            bytes
        };
        Ok(reply)
    }
}

#[test]
fn terminal_and_chip_agree_on_both_curves_with_can_and_mrz() {
    for curve in [
        StandardDomainParameters::NistP256,
        StandardDomainParameters::BrainpoolP256r1,
    ] {
        for password in [
            PacePassword::can("123456"),
            PacePassword::mrz(MRZ_INFORMATION),
        ] {
            let mut chip = EmulatedChip::new(info(curve), "123456", None);
            let sm = pace::establish(&mut chip, &info(curve), &password, &mut OsRandom).unwrap();
            let mut channel = SmTransport::new(&mut chip, sm);
            let command = CommandApdu::new(0x00, 0xB0, 0x00, 0x00)
                .with_data([1, 2, 3])
                .with_le(3);
            let response = channel.send(&command).unwrap();
            assert_eq!(response.data, [3, 2, 1], "{curve:?} {password:?}");
            assert!(response.status.is_success());
        }
    }
}

#[test]
fn a_wrong_can_is_reported_with_the_tries_left_and_the_chip_stays_usable() {
    let curve = StandardDomainParameters::BrainpoolP256r1;
    let mut chip = EmulatedChip::new(info(curve), "123456", None);
    let wrong = PacePassword::can("654321");
    let error = pace::establish(&mut chip, &info(curve), &wrong, &mut OsRandom).unwrap_err();
    assert_eq!(
        error,
        PaceError::WrongAccessKey {
            remaining_tries: None
        }
    );
    let right = PacePassword::can("123456");
    assert!(pace::establish(&mut chip, &info(curve), &right, &mut OsRandom).is_ok());

    let mut counting = EmulatedChip::new(info(curve), "123456", Some(2));
    let error = pace::establish(&mut counting, &info(curve), &wrong, &mut OsRandom).unwrap_err();
    assert_eq!(
        error,
        PaceError::WrongAccessKey {
            remaining_tries: Some(1)
        }
    );
    let error = pace::establish(&mut counting, &info(curve), &wrong, &mut OsRandom).unwrap_err();
    assert_eq!(
        error,
        PaceError::WrongAccessKey {
            remaining_tries: Some(0)
        }
    );
    let error = pace::establish(&mut counting, &info(curve), &right, &mut OsRandom).unwrap_err();
    assert_eq!(error, PaceError::PasswordBlocked);
}

#[test]
fn a_warning_of_one_try_left_stops_before_any_guess() {
    let mut chip = Scripted::new(&[(EXCHANGE[0].0, "63C1")]);
    let password = PacePassword::mrz(MRZ_INFORMATION);
    let error = pace::establish(&mut chip, &g1_info(), &password, &mut OsRandom).unwrap_err();
    assert_eq!(error, PaceError::PasswordSuspended { remaining_tries: 1 });
    let mut refusing = Scripted::new(&[(EXCHANGE[0].0, "6A80")]);
    let error = pace::establish(&mut refusing, &g1_info(), &password, &mut OsRandom).unwrap_err();
    assert!(matches!(
        error,
        PaceError::Refused {
            step: PaceStep::SetAuthenticationTemplate,
            ..
        }
    ));
}

/// Runs the G.1 terminal against the worked example with one answer replaced.
fn with_answer(step: usize, answer: &str) -> PaceError {
    let mut steps: Vec<(&str, &str)> = EXCHANGE[..=step].to_vec();
    steps[step].1 = answer;
    let mut chip = Scripted::new(&steps);
    let mut random = ReplayRandom::new([hex(SK_MAP_IFD), hex(SK_IFD)].concat());
    let password = PacePassword::mrz(MRZ_INFORMATION);
    pace::establish(&mut chip, &g1_info(), &password, &mut random).unwrap_err()
}

#[test]
fn hostile_chips_get_typed_errors() {
    let chip_mapping = EXCHANGE[2].1.replace(' ', "");
    // Off the curve: the last byte of y changed.
    let off_curve = chip_mapping.replace("CCD13C549000", "CCD13C559000");
    assert_eq!(
        with_answer(2, &off_curve),
        PaceError::InvalidPublicKey(PaceStep::Mapping)
    );
    // The identity (the SEC1 octet 00).
    assert_eq!(
        with_answer(2, "7C03820100 9000"),
        PaceError::InvalidPublicKey(PaceStep::Mapping)
    );
    // A DO'82' whose length runs past the data.
    let truncated = &chip_mapping[..chip_mapping.len() - 20];
    assert!(matches!(
        with_answer(2, &format!("{truncated}9000")),
        PaceError::Malformed {
            step: PaceStep::Mapping,
            problem: ResponseProblem::Tlv(_)
        }
    ));
    // DO'80' missing, and a nonce of 15 bytes.
    assert_eq!(
        with_answer(1, "7C00 9000"),
        PaceError::Malformed {
            step: PaceStep::EncryptedNonce,
            problem: ResponseProblem::Missing(0x80)
        }
    );
    assert!(matches!(
        with_answer(1, "7C11 800F 95A3A016522EE98D01E76CB6B98B42 9000"),
        PaceError::Malformed {
            problem: ResponseProblem::Length { tag: 0x80, len: 15 },
            ..
        }
    ));
    // Not a dynamic authentication template.
    assert!(matches!(
        with_answer(1, "7D00 9000"),
        PaceError::Malformed {
            problem: ResponseProblem::NotDynamicAuthenticationData(_),
            ..
        }
    ));
    // The chip echoes the terminal's own ephemeral key.
    let echo = EXCHANGE[3].0.replace(' ', "");
    let echo = format!("7C438441{} 9000", &echo[18..echo.len() - 2]);
    assert_eq!(with_answer(3, &echo), PaceError::EchoedPublicKey);
    // A wrong token from a chip that accepted ours.
    assert_eq!(
        with_answer(4, "7C0A 8608 3ABB9674BCE93C09 9000"),
        PaceError::BadChipToken
    );
    assert!(matches!(
        with_answer(4, "7C09 8607 3ABB9674BCE93C 9000"),
        PaceError::Malformed {
            problem: ResponseProblem::Length { tag: 0x86, len: 7 },
            ..
        }
    ));
    // The wrong-password answers at any step.
    assert_eq!(
        with_answer(4, "6300"),
        PaceError::WrongAccessKey {
            remaining_tries: None
        }
    );
    assert_eq!(
        with_answer(2, "63C2"),
        PaceError::WrongAccessKey {
            remaining_tries: Some(2)
        }
    );
}

#[test]
fn a_hostile_terminal_gets_refusals_from_the_chip() {
    let mut chip = ChipPace::new(ChipPaceConfig {
        infos: vec![g1_info()],
        can: None,
        mrz: Some(PacePassword::mrz(MRZ_INFORMATION)),
        retry_counter: None,
    });
    let mut random = OsRandom;
    let status = |reply: ChipPaceReply| match reply {
        ChipPaceReply::Respond(response) => response.status,
        ChipPaceReply::Established(..) => panic!("established"),
    };
    let command = |text: &str| parse_command_apdu(&hex(text)).unwrap();
    // GENERAL AUTHENTICATE before MSE:Set AT.
    assert_eq!(
        status(chip.handle(&command(EXCHANGE[1].0), &mut random)),
        StatusWord(0x6985)
    );
    // The CAN is not configured; an unknown protocol.
    let can = "0022C1A412 800A04007F00070202040202 830102 84010D";
    assert_eq!(
        status(chip.handle(&command(can), &mut random)),
        StatusWord(0x6A88)
    );
    let dh = "0022C1A40F 800A04007F00070202040102 830101";
    assert_eq!(
        status(chip.handle(&command(dh), &mut random)),
        StatusWord(0x6A88)
    );
    // An off-curve mapping key.
    assert!(status(chip.handle(&command(EXCHANGE[0].0), &mut random)).is_success());
    assert!(status(chip.handle(&command(EXCHANGE[1].0), &mut random)).is_success());
    let off_curve = EXCHANGE[2].0.replace("A9C4922D 00", "A9C4922E 00");
    assert_eq!(
        status(chip.handle(&command(&off_curve), &mut random)),
        StatusWord(0x6A80)
    );
}

#[test]
fn unsupported_pace_is_refused_before_anything_is_sent() {
    let password = PacePassword::can("123456");
    let mut dh = info(StandardDomainParameters::Modp2048Order256);
    dh.protocol.mapping = Mapping::GenericDh;
    let p384 = info(StandardDomainParameters::NistP384);
    let mut integrated = info(StandardDomainParameters::BrainpoolP256r1);
    integrated.protocol.mapping = Mapping::IntegratedEcdh;
    let mut explicit = info(StandardDomainParameters::BrainpoolP256r1);
    explicit.parameter_id = None;
    for (info, reason) in [
        (dh, Unsupported::Mapping(Mapping::GenericDh)),
        (
            p384,
            Unsupported::DomainParameters(StandardDomainParameters::NistP384),
        ),
        (integrated, Unsupported::Mapping(Mapping::IntegratedEcdh)),
        (explicit, Unsupported::NoStandardDomainParameters),
    ] {
        assert_eq!(
            PaceStart::new(&info, &password).map(|_| ()),
            Err(PaceError::Unsupported(reason))
        );
        let only = SecurityInfos::new(vec![SecurityInfo::Pace(info)]);
        assert_eq!(pace::choose(&only), Err(PaceError::Unsupported(reason)));
    }
    assert_eq!(
        pace::choose(&SecurityInfos::default()),
        Err(PaceError::Unsupported(Unsupported::NoPace))
    );
    // With a choice, ECDH-GM with AES-128 on a supported curve wins.
    let mixed = SecurityInfos::new(vec![
        SecurityInfo::Pace(p384),
        SecurityInfo::Pace(info(StandardDomainParameters::NistP256)),
    ]);
    assert_eq!(
        pace::choose(&mixed),
        Ok(info(StandardDomainParameters::NistP256))
    );
}

#[test]
fn an_access_key_gives_its_pace_password() {
    let key = kiosk_identity::access_key::AccessKey::from_can("012345").unwrap();
    let password = PacePassword::from_access_key(&key).unwrap();
    assert_eq!(password.encoded(), b"012345");
    assert_eq!(password.reference(), 0x02);
    assert!(!format!("{password:?}").contains("012345"));
    let mut random: Box<dyn RandomSource> = Box::new(OsRandom);
    let mut chip = EmulatedChip::new(info(StandardDomainParameters::NistP256), "012345", None);
    let info = info(StandardDomainParameters::NistP256);
    assert!(pace::establish(&mut chip, &info, &password, random.as_mut()).is_ok());
}
