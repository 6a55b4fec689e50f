//! Chip Authentication: the ICAO 9303-11 Appendix G.1 key agreement as a known answer,
//! round trips on every curve and cipher, clones, refusals and hostile commands.

use super::*;

// ICAO 9303-11 Appendix G.1, key agreement over the mapped generator of brainpoolP256r1.
const G1_SK_IFD: &str = "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595";
const G1_PK_IFD: &str = "04 2DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C\
                            3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462";
const G1_SK_IC: &str = "107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A";
const G1_PK_IC: &str = "04 9E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB\
                           7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094";
const G1_K: &str = "28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925";
const G1_KS_ENC: &str = "F5F0E35C0D7161EE6724EE513A0D9A7F";
const G1_KS_MAC: &str = "FE251C7858B356B24514B3BD5F4297D1";

#[test]
fn ca_key_agreement_matches_icao_appendix_g1() {
    let chip_public =
        EcPublicKey::from_sec1_point(EcCurve::BrainpoolP256r1, &hex(G1_PK_IC)).unwrap();
    let parameters = CaParameters::new(Cipher::Aes128, None, chip_public);
    let mut random = ReplayRandom::new(hex(G1_SK_IFD));
    let agreement = CaKeyAgreement::new(parameters, &mut random).unwrap();
    let keys = agreement.session_keys().unwrap();
    assert_eq!(keys.enc_key(), hex(G1_KS_ENC));
    assert_eq!(keys.mac_key(), hex(G1_KS_MAC));

    let ephemeral = EcPrivateKey::from_bytes(EcCurve::BrainpoolP256r1, &hex(G1_SK_IFD)).unwrap();
    let k = ephemeral
        .diffie_hellman(
            &EcPublicKey::from_sec1_point(EcCurve::BrainpoolP256r1, &hex(G1_PK_IC)).unwrap(),
        )
        .unwrap();
    assert_eq!(k.to_vec(), hex(G1_K));

    // The chip side, from its private key and the terminal's public key.
    let chip = EcPrivateKey::from_bytes(EcCurve::BrainpoolP256r1, &hex(G1_SK_IC)).unwrap();
    let mut responder = ChipCaResponder::new(chip, Cipher::Aes128, None);
    let set_at =
        CommandApdu::new(0x00, 0x22, 0x41, 0xA4).with_data(hex("800A04007F00070202030202"));
    let answer = responder.handle(&set_at).unwrap();
    assert_eq!(answer.response.status, StatusWord::SUCCESS);
    assert!(answer.new_session_keys.is_none());
    let mut ga_data = hex("7C4380 41");
    ga_data.extend(hex(G1_PK_IFD));
    let ga = CommandApdu::new(0x00, 0x86, 0x00, 0x00)
        .with_data(ga_data)
        .with_le(256);
    let answer = responder.handle(&ga).unwrap();
    assert_eq!(answer.response.data, [0x7C, 0x00]);
    let keys = answer.new_session_keys.unwrap();
    assert_eq!(keys.enc_key(), hex(G1_KS_ENC));
    assert_eq!(keys.mac_key(), hex(G1_KS_MAC));
}

#[test]
fn ca_commands_are_encoded_as_tr_03110_3_specifies() {
    let chip = chip_key(EcCurve::NistP256, 0x21);
    let parameters = CaParameters::new(Cipher::Aes128, Some(1), chip.public_key());
    let agreement = CaKeyAgreement::new(parameters, &mut OsRandom).unwrap();
    let point = agreement.ephemeral_public_key().to_uncompressed_point();
    let commands = agreement.commands();
    assert_eq!(commands.len(), 2);
    assert_eq!(commands[0].0, CaStep::SetAt);
    assert_eq!(
        commands[0].1.encode().unwrap(),
        hex("0022 41A4 0F 800A04007F00070202030202 840101")
    );
    let mut ga = hex("0086 0000 45 7C43 8041");
    ga.extend(&point);
    ga.push(0x00);
    assert_eq!(commands[1].1.encode().unwrap(), ga);

    let tdes = CaParameters::new(Cipher::Tdes, None, chip.public_key());
    assert_eq!(tdes.style, CaCommandStyle::SetKat);
    let agreement = CaKeyAgreement::new(tdes, &mut OsRandom).unwrap();
    let point = agreement.ephemeral_public_key().to_uncompressed_point();
    let mut kat = hex("0022 41A6 43 9141");
    kat.extend(&point);
    assert_eq!(agreement.commands()[0].1.encode().unwrap(), kat);

    for cipher in [Cipher::Tdes, Cipher::Aes128, Cipher::Aes192, Cipher::Aes256] {
        assert_eq!(ca_cipher(&ca_protocol_oid(cipher)), Some(cipher));
    }
    assert_eq!(
        ca_protocol_oid(Cipher::Aes256).to_string(),
        "0.4.0.127.0.7.2.2.3.2.4"
    );
}

#[test]
fn genuine_chip_passes_chip_authentication_on_every_curve_and_cipher() {
    let cases = [
        (EcCurve::NistP256, Cipher::Aes128, None),
        (EcCurve::BrainpoolP256r1, Cipher::Aes128, Some(7)),
        (EcCurve::BrainpoolP256r1, Cipher::Aes256, None),
        (EcCurve::NistP384, Cipher::Aes192, None),
        (EcCurve::BrainpoolP384r1, Cipher::Aes256, None),
        (EcCurve::NistP256, Cipher::Tdes, None),
    ];
    for (curve, cipher, key_id) in cases {
        let key = chip_key(curve, 0x5C);
        let parameters = CaParameters::new(cipher, key_id, key.public_key());
        let mut chip = VirtualChip::new(Some(ChipCaResponder::new(key, cipher, key_id)), None);
        let mut transport = SmTransport::new(&mut chip, terminal_sm());
        let proof = run_chip_authentication(&mut transport, parameters, &mut OsRandom)
            .unwrap_or_else(|e| panic!("{curve} {cipher:?}: {e}"));
        assert_eq!(proof.cipher(), cipher);
        // The session goes on under the new keys: SSC restarted at zero, two messages since.
        let sm = transport.secure_messaging();
        assert_eq!(sm.cipher(), cipher);
        assert_eq!(sm.ssc().to_bytes().last(), Some(&2));
        verify_chip_authentication(&mut transport).unwrap();
    }
}

#[test]
fn ca_v1_set_at_style_also_works_with_3des_and_set_kat_with_aes() {
    for (cipher, style) in [
        (Cipher::Tdes, CaCommandStyle::SetAtGeneralAuthenticate),
        (Cipher::Aes128, CaCommandStyle::SetKat),
    ] {
        let key = chip_key(EcCurve::BrainpoolP256r1, 0x33);
        let mut parameters = CaParameters::new(cipher, None, key.public_key());
        parameters.style = style;
        let mut chip = VirtualChip::new(Some(ChipCaResponder::new(key, cipher, None)), None);
        let mut transport = SmTransport::new(&mut chip, terminal_sm());
        run_chip_authentication(&mut transport, parameters, &mut OsRandom).unwrap();
    }
}

#[test]
fn cloned_chip_fails_chip_authentication() {
    for curve in [EcCurve::NistP256, EcCurve::BrainpoolP256r1] {
        let genuine = chip_key(curve, 0x11);
        // The clone copied DG14 (the genuine public key) but has a key of its own.
        let clone_key = chip_key(curve, 0x12);
        let parameters = CaParameters::new(Cipher::Aes128, None, genuine.public_key());
        let mut chip = VirtualChip::new(
            Some(ChipCaResponder::new(clone_key, Cipher::Aes128, None)),
            None,
        );
        let mut transport = SmTransport::new(&mut chip, terminal_sm());
        let rekeyed = CaKeyAgreement::new(parameters, &mut OsRandom)
            .unwrap()
            .run(&mut transport)
            .unwrap();
        let error = rekeyed.verify(&mut transport).unwrap_err();
        assert_eq!(
            error,
            CaError::NewKeysRefused(StatusWord(0x6988)),
            "{curve}"
        );
        assert_eq!(error.transport_kind(), None);
    }
}

/// Answers with whatever bytes it was given, whatever the command.
struct Scripted(Vec<Vec<u8>>);

impl CardTransport for Scripted {
    fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
        Ok(self.0.remove(0))
    }
}

#[test]
fn a_forged_mac_under_the_new_keys_fails_verification() {
    // DO'99' 9000 and a MAC that no key produced.
    let mut card = Scripted(vec![hex("99029000 8E080102030405060708 9000")]);
    let mut transport = SmTransport::new(&mut card, terminal_sm());
    assert_eq!(
        verify_chip_authentication(&mut transport),
        Err(CaError::NewKeysNotShared(SmError::BadMac))
    );
}

#[test]
fn chip_authentication_refusals_are_typed() {
    let key = chip_key(EcCurve::NistP256, 0x44);
    // A chip without Chip Authentication answers 6D00 to the MSE.
    let mut chip = VirtualChip::new(None, None);
    let mut transport = SmTransport::new(&mut chip, terminal_sm());
    let parameters = CaParameters::new(Cipher::Aes128, None, key.public_key());
    assert_eq!(
        run_chip_authentication(&mut transport, parameters, &mut OsRandom).unwrap_err(),
        CaError::Refused {
            step: CaStep::SetAt,
            status: StatusWord(0x6D00)
        }
    );
    // An unknown key id.
    let mut chip = VirtualChip::new(
        Some(ChipCaResponder::new(key.clone(), Cipher::Aes128, Some(1))),
        None,
    );
    let mut transport = SmTransport::new(&mut chip, terminal_sm());
    let parameters = CaParameters::new(Cipher::Aes128, Some(2), key.public_key());
    assert_eq!(
        run_chip_authentication(&mut transport, parameters, &mut OsRandom).unwrap_err(),
        CaError::Refused {
            step: CaStep::SetAt,
            status: StatusWord(0x6A88)
        }
    );
    // The card taken away mid-protocol.
    let mut chip = VirtualChip::new(
        Some(ChipCaResponder::new(key.clone(), Cipher::Aes128, None)),
        None,
    );
    chip.removed = true;
    let mut transport = SmTransport::new(&mut chip, terminal_sm());
    let parameters = CaParameters::new(Cipher::Aes128, None, key.public_key());
    let error = run_chip_authentication(&mut transport, parameters, &mut OsRandom).unwrap_err();
    assert_eq!(
        error.transport_kind(),
        Some(TransportErrorKind::CardRemoved)
    );
    // A GENERAL AUTHENTICATE answer that is not DO'7C'.
    let mut card = Scripted(Vec::new());
    let mut chip_sm =
        ChipSecureMessaging::new(pace_keys(), SendSequenceCounter::zero(Cipher::Aes128)).unwrap();
    for data in [Vec::new(), hex("5F2901")] {
        let reply = ResponseApdu {
            data,
            status: StatusWord::SUCCESS,
        };
        // Protected answers in sequence, as the chip would send them to MSE and GA.
        let dummy = SecureMessaging::new(pace_keys(), chip_sm.ssc().clone())
            .unwrap()
            .protect_command(&CommandApdu::new(0, 0x22, 0x41, 0xA4))
            .unwrap();
        chip_sm.unprotect_command(&dummy.encode().unwrap()).unwrap();
        card.0.push(chip_sm.protect_response(&reply).unwrap());
    }
    let mut transport = SmTransport::new(&mut card, terminal_sm());
    let parameters = CaParameters::new(Cipher::Aes128, None, key.public_key());
    assert_eq!(
        CaKeyAgreement::new(parameters, &mut OsRandom)
            .unwrap()
            .run(&mut transport)
            .unwrap_err(),
        CaError::UnexpectedResponse
    );
}

#[test]
fn chip_responder_refuses_hostile_commands() {
    let key = chip_key(EcCurve::BrainpoolP256r1, 0x66);
    let mut responder = ChipCaResponder::new(key, Cipher::Aes128, None);
    let status = |answer: Option<kiosk_identity::clone_detection::ChipCaAnswer>| {
        answer.map(|a| (a.response.status.0, a.new_session_keys.is_some()))
    };
    // GENERAL AUTHENTICATE before Set AT is not Chip Authentication (PACE may own it).
    let ga = CommandApdu::new(0x00, 0x86, 0x00, 0x00).with_data(hex("7C028000"));
    assert_eq!(status(responder.handle(&ga)), None);
    // Set AT for PACE (C1 A4) is not ours either.
    let pace = CommandApdu::new(0x00, 0x22, 0xC1, 0xA4).with_data(hex("800A04007F00070202040202"));
    assert_eq!(status(responder.handle(&pace)), None);
    // Another CA cipher than the chip's, and truncated data.
    let aes256 =
        CommandApdu::new(0x00, 0x22, 0x41, 0xA4).with_data(hex("800A04007F00070202030204"));
    assert_eq!(status(responder.handle(&aes256)), Some((0x6A80, false)));
    let truncated = CommandApdu::new(0x00, 0x22, 0x41, 0xA4).with_data(hex("800A04007F"));
    assert_eq!(status(responder.handle(&truncated)), Some((0x6A80, false)));
    // A point off the curve (a P-256 point) in GENERAL AUTHENTICATE.
    let set_at =
        CommandApdu::new(0x00, 0x22, 0x41, 0xA4).with_data(hex("800A04007F00070202030202"));
    assert_eq!(status(responder.handle(&set_at)), Some((0x9000, false)));
    let mut data = hex("7C4380 41");
    data.extend(
        chip_key(EcCurve::NistP256, 1)
            .public_key()
            .to_uncompressed_point(),
    );
    let ga = CommandApdu::new(0x00, 0x86, 0x00, 0x00).with_data(data);
    assert_eq!(status(responder.handle(&ga)), Some((0x6A80, false)));
    // MSE:Set KAT with the identity point.
    let kat = CommandApdu::new(0x00, 0x22, 0x41, 0xA6).with_data(hex("910100"));
    assert_eq!(status(responder.handle(&kat)), Some((0x6A80, false)));
}

#[test]
fn chip_rekey_waits_for_the_answer_under_the_old_keys() {
    let (mut terminal, mut chip) = (
        terminal_sm(),
        ChipSecureMessaging::new(pace_keys(), SendSequenceCounter::zero(Cipher::Aes128)).unwrap(),
    );
    let command = terminal
        .protect_command(&CommandApdu::new(0x00, 0x86, 0x00, 0x00).with_le(256))
        .unwrap();
    chip.unprotect_command(&command.encode().unwrap()).unwrap();
    let new_keys = SessionKeys::derive(Cipher::Aes128, b"CA secret");
    assert_eq!(chip.rekey(new_keys.clone()), Err(SmError::OutOfSequence));
    chip.protect_response(&ResponseApdu {
        data: vec![0x7C, 0x00],
        status: StatusWord::SUCCESS,
    })
    .unwrap();
    chip.rekey(new_keys).unwrap();
    assert_eq!(chip.ssc().to_bytes(), [0; 16]);
}
