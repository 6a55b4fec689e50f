//! Known-answer tests from the worked example of ICAO Doc 9303 Part 11, Appendix D:
//! D.2 key derivation from the MRZ, D.3 Basic Access Control, D.4 secure messaging.

use kiosk_identity::apdu::{CommandApdu, ResponseApdu, StatusWord};
use kiosk_identity::sm::bac::{self, BacKeys, BacSession, ChipBac};
use kiosk_identity::sm::kdf::bac_key_seed;
use kiosk_identity::sm::{
    ChipSecureMessaging, Cipher, ReplayRandom, SecureMessaging, SendSequenceCounter, SessionKeys,
    SmError, SmTransport,
};
use kiosk_identity::transport::{CardTransport, TransportError};

/// Document number L898902C<, date of birth 690806, date of expiry 940623, with check digits.
const MRZ_INFORMATION: &str = "L898902C<369080619406236";

const RND_IC: &str = "4608F91988702212";
const RND_IFD: &str = "781723860C06C226";
const K_IFD: &str = "0B795240CB7049B01C19B33E32804F0B";
const K_IC: &str = "0B4F80323EB3191CB04970CB4052790B";
const EXTERNAL_AUTHENTICATE_DATA: &str = "72C29C2371CC9BDB65B779B8E8D37B29\
                                          ECC154AA56A8799FAE2F498F76ED92F2\
                                          5F1448EEA8AD90A7";
const CHIP_ANSWER: &str = "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F\
                           2F2D235D074D7449";
const KS_ENC: &str = "979EC13B1CBFE9DCD01AB0FED307EAE5";
const KS_MAC: &str = "F1CB1F1FB5ADF208806B89DC579DC1F8";
const SSC: &str = "887022120C06C226";

fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

fn nonce(text: &str) -> [u8; 8] {
    hex(text).try_into().unwrap()
}

fn response(text: &str) -> ResponseApdu {
    ResponseApdu::parse(&hex(text)).unwrap()
}

fn session_keys() -> SessionKeys {
    SessionKeys::new(Cipher::Tdes, &hex(KS_ENC), &hex(KS_MAC)).unwrap()
}

fn terminal() -> SecureMessaging {
    SecureMessaging::new(
        session_keys(),
        SendSequenceCounter::from_bytes(&hex(SSC)).unwrap(),
    )
    .unwrap()
}

fn chip() -> ChipSecureMessaging {
    ChipSecureMessaging::new(
        session_keys(),
        SendSequenceCounter::from_bytes(&hex(SSC)).unwrap(),
    )
    .unwrap()
}

#[test]
fn d2_derives_the_bac_keys_from_the_mrz() {
    assert_eq!(
        bac_key_seed(MRZ_INFORMATION).to_vec(),
        hex("239AB9CB282DAF66231DC5A4DF6BFBAE")
    );
    let keys = BacKeys::from_mrz_information(MRZ_INFORMATION);
    assert_eq!(keys.enc_key(), hex("AB94FDECF2674FDFB9B391F85D7F76F2"));
    assert_eq!(keys.mac_key(), hex("7962D9ECE03D1ACD4C76089DCE131543"));
}

#[test]
fn d3_terminal_authenticates_and_derives_the_session() {
    let keys = BacKeys::from_mrz_information(MRZ_INFORMATION);
    let mut random = ReplayRandom::new([hex(RND_IFD), hex(K_IFD)].concat());
    let session = BacSession::new(keys, nonce(RND_IC), &mut random).unwrap();
    let command = session.external_authenticate();
    let mut expected = hex("0082000028");
    expected.extend(hex(EXTERNAL_AUTHENTICATE_DATA));
    expected.push(0x28);
    assert_eq!(command.encode().unwrap(), expected);

    let sm = session
        .complete(&response(&format!("{CHIP_ANSWER}9000")))
        .unwrap();
    assert_eq!(sm.keys().enc_key(), hex(KS_ENC));
    assert_eq!(sm.keys().mac_key(), hex(KS_MAC));
    assert_eq!(sm.ssc().to_bytes(), hex(SSC));
}

#[test]
fn d3_chip_answers_as_in_the_example() {
    let keys = BacKeys::from_mrz_information(MRZ_INFORMATION);
    let mut random = ReplayRandom::new([hex(RND_IC), hex(K_IC)].concat());
    let chip = ChipBac::new(keys, &mut random).unwrap();
    assert_eq!(chip.challenge(), nonce(RND_IC));
    let command = CommandApdu::new(0x00, 0x82, 0x00, 0x00)
        .with_data(hex(EXTERNAL_AUTHENTICATE_DATA))
        .with_le(0x28);
    let (answer, sm) = chip.external_authenticate(&command, &mut random).unwrap();
    assert_eq!(answer.data, hex(CHIP_ANSWER));
    assert_eq!(answer.status, StatusWord::SUCCESS);
    assert_eq!(sm.ssc().to_bytes(), hex(SSC));
}

#[test]
fn d3_get_challenge_and_refusals() {
    assert_eq!(bac::get_challenge().encode().unwrap(), hex("0084000008"));
    assert_eq!(
        bac::parse_challenge(&response(&format!("{RND_IC}9000"))).unwrap(),
        nonce(RND_IC)
    );
    assert!(bac::parse_challenge(&response("46089000")).is_err());

    let keys = BacKeys::from_mrz_information(MRZ_INFORMATION);
    let mut random = ReplayRandom::new([hex(RND_IFD), hex(K_IFD)].concat());
    let session = BacSession::new(keys.clone(), nonce(RND_IC), &mut random).unwrap();
    assert_eq!(
        session.complete(&response("6300")).unwrap_err(),
        bac::BacError::AccessDenied(StatusWord(0x6300))
    );
    // One bit of M_IC flipped.
    let mut forged = hex(CHIP_ANSWER);
    forged[39] ^= 1;
    forged.extend([0x90, 0x00]);
    let mut random = ReplayRandom::new([hex(RND_IFD), hex(K_IFD)].concat());
    let session = BacSession::new(keys, nonce(RND_IC), &mut random).unwrap();
    assert_eq!(
        session
            .complete(&ResponseApdu::parse(&forged).unwrap())
            .unwrap_err(),
        bac::BacError::BadMac
    );
}

/// (unprotected command, protected command, protected response, unprotected data)
const D4_EXCHANGES: [(&str, &str, &str, &str); 3] = [
    // SELECT EF.COM
    (
        "00A4020C02011E",
        "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800",
        "990290008E08FA855A5D4C50A8ED9000",
        "",
    ),
    // READ BINARY, the first four bytes of EF.COM
    (
        "00B0000004",
        "0CB000000D9701048E08ED6705417E96BA5500",
        "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000",
        "60145F01",
    ),
    // READ BINARY, the remaining 18 bytes from offset 4
    (
        "00B0000412",
        "0CB000040D9701128E082EA28A70F3C7B53500",
        "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A\
         990290008E08C8B2787EAEA07D749000",
        "04303130365F36063034303030305C026175",
    ),
];

fn command(text: &str) -> CommandApdu {
    kiosk_identity::sm::parse_command_apdu(&hex(text)).unwrap()
}

#[test]
fn d4_terminal_protects_and_unprotects_as_in_the_example() {
    let mut sm = terminal();
    for (plain, protected, answer, data) in D4_EXCHANGES {
        let wrapped = sm.protect_command(&command(plain)).unwrap();
        assert_eq!(wrapped.encode().unwrap(), hex(protected), "command {plain}");
        let opened = sm.unprotect_response(&response(answer)).unwrap();
        assert_eq!(opened.data, hex(data), "response to {plain}");
        assert_eq!(opened.status, StatusWord::SUCCESS);
    }
    assert_eq!(sm.ssc().to_bytes(), hex("887022120C06C22C"));
}

#[test]
fn d4_chip_unprotects_and_protects_as_in_the_example() {
    let mut sm = chip();
    for (plain, protected, answer, data) in D4_EXCHANGES {
        let opened = sm.unprotect_command(&hex(protected)).unwrap();
        assert_eq!(opened, command(plain));
        let reply = ResponseApdu {
            data: hex(data),
            status: StatusWord::SUCCESS,
        };
        assert_eq!(sm.protect_response(&reply).unwrap(), hex(answer));
    }
}

#[test]
fn d4_refuses_a_tampered_response_and_closes_the_session() {
    let mut sm = terminal();
    sm.protect_command(&command("00A4020C02011E")).unwrap();
    let mut tampered = hex(D4_EXCHANGES[0].2);
    tampered[2] = 0x6A; // DO'99' now claims 6A00 under the old MAC
    let tampered = ResponseApdu::parse(&tampered).unwrap();
    assert_eq!(sm.unprotect_response(&tampered), Err(SmError::BadMac));
    assert!(!sm.is_open());
    assert_eq!(
        sm.protect_command(&command("00B0000004")),
        Err(SmError::SessionClosed)
    );
}

/// The chip of Appendix D.4, answering over a transport.
struct ExampleChip {
    exchanges: std::vec::IntoIter<(&'static str, &'static str, &'static str, &'static str)>,
}

impl CardTransport for ExampleChip {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let (_, protected, answer, _) = self.exchanges.next().unwrap();
        assert_eq!(command, hex(protected).as_slice());
        Ok(hex(answer))
    }
}

#[test]
fn d4_through_the_secure_messaging_transport() {
    let mut card = ExampleChip {
        exchanges: D4_EXCHANGES.to_vec().into_iter(),
    };
    let mut transport = SmTransport::new(&mut card, terminal());
    let mut file = Vec::new();
    for (plain, _, _, data) in D4_EXCHANGES {
        let answer = transport.transmit(&hex(plain)).unwrap();
        assert_eq!(answer, [hex(data), vec![0x90, 0x00]].concat());
        file.extend(hex(data));
    }
    // EF.COM of the example: LDS 1.7, Unicode 4.0.0, DG1 and DG2.
    assert_eq!(file, hex("60145F0104303130365F36063034303030305C026175"));
}
