//! Access control: what the chip refuses, when it drops the session, and hostile bytes.

use super::*;

#[test]
fn the_master_file_answers_6d00_and_ef_card_access_is_read_by_fid_in_plain() {
    let sample = sample(2);
    // Any bytes do: the emulator stores files as given (a DER SET OF, here empty).
    let card_access = [0x31, 0x00];
    fs::write(sample.folder.join("EF.CardAccess"), card_access).expect("write");
    let mut wire = load(&sample.folder);

    assert_eq!(
        wire.raw(&[0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00]),
        StatusWord(0x6D00)
    );
    assert_eq!(wire.raw(&[0x00, 0xA4, 0x00, 0x0C]), StatusWord(0x6D00));
    // Before the application is selected, only EF.CardAccess is in reach.
    assert_eq!(wire.send(&select_ef(DG1)).status, StatusWord::NOT_FOUND);
    assert_eq!(
        wire.send(&select_ef(LdsFile::CardAccess)).status,
        StatusWord::SUCCESS
    );
    let read = wire.send(&read_binary(0, 256));
    assert_eq!(
        (read.data.as_slice(), read.status),
        (&card_access[..], StatusWord(0x6282))
    );
    assert_eq!(wire.send(&read_binary(0, 2)).status, StatusWord::SUCCESS);

    select_applet(&mut wire);
    assert_eq!(
        wire.send(&select_ef(LdsFile::CardAccess)).status,
        StatusWord::NOT_FOUND
    );
    assert_eq!(
        wire.send(&select_ef(LdsFile::DataGroup(DataGroup::Dg15)))
            .status,
        StatusWord::NOT_FOUND
    );
    let wrong_aid =
        CommandApdu::new(0x00, 0xA4, 0x04, 0x0C).with_data([0xA0, 0x00, 0x00, 0x00, 0x03]);
    assert_eq!(wire.send(&wrong_aid).status, StatusWord::NOT_FOUND);
    let with_fci = CommandApdu::new(0x00, 0xA4, 0x04, 0x00)
        .with_data(emrtd::EMRTD_AID)
        .with_le(256);
    let fci = wire.send(&with_fci);
    assert_eq!(fci.status, StatusWord::SUCCESS);
    assert_eq!(&fci.data[..4], &[0x6F, 0x09, 0x84, 0x07]);
}

#[test]
fn lds_files_are_refused_without_secure_messaging() {
    let sample = sample(0);
    fs::write(sample.folder.join("DG3"), [0x63, 0x00]).expect("write");
    let mut wire = load(&sample.folder);
    select_applet(&mut wire);
    assert_eq!(wire.send(&select_ef(DG1)).status, StatusWord::SUCCESS);
    let plain = wire.send(&read_binary(0, 0xDF));
    assert_eq!(
        (plain.data.len(), plain.status),
        (0, StatusWord::SECURITY_NOT_SATISFIED)
    );

    // Under BAC, DG3 (fingerprints) still needs EAC, which the kiosk never has.
    let session =
        bac::establish(&mut wire, bac_keys(&sample.card.mrz), &mut OsRandom).expect("BAC");
    let mut sm = SmTransport::new(&mut wire, session);
    sm.send(&select_ef(DG1)).expect("SELECT DG1");
    // A READ BINARY without Le expects no data, which a read cannot give.
    let no_le = sm
        .send(&CommandApdu::new(0x00, 0xB0, 0x00, 0x00))
        .expect("read");
    assert_eq!(no_le.status, StatusWord::WRONG_LENGTH);
    sm.send(&select_ef(DG3)).expect("SELECT DG3");
    let fingerprints = sm.send(&read_binary(0, 2)).expect("read");
    assert_eq!(fingerprints.status, StatusWord::SECURITY_NOT_SATISFIED);
}

#[test]
fn a_wrong_mrz_key_is_refused_with_6300_and_counted() {
    let sample = sample(3);
    let mut wire = load(&sample.folder);
    select_applet(&mut wire);
    let refused = bac::establish(&mut wire, wrong_bac_keys(&sample.citizen), &mut OsRandom);
    assert_eq!(
        refused.unwrap_err(),
        BacError::AccessDenied(StatusWord(0x6300))
    );
    assert_eq!(wire.chip.failed_access_attempts(), 1);
    assert_eq!(wire.chip.access_state(), AccessState::Locked);

    // The challenge was used up: answering it again is out of order, not another attempt.
    let replay = wire.sent.last().expect("EXTERNAL AUTHENTICATE").clone();
    assert_eq!(wire.raw(&replay), StatusWord(0x6985));
    assert_eq!(wire.chip.failed_access_attempts(), 1);

    // A power cycle keeps the count, as the chip's non-volatile memory does.
    wire.chip.reset();
    assert_eq!(wire.chip.failed_access_attempts(), 1);
    open_session(&mut wire, &sample.card.mrz);
    assert_eq!(
        wire.chip.access_state(),
        AccessState::SecureMessaging(AccessProtocol::Bac)
    );
    assert_eq!(wire.chip.failed_access_attempts(), 1);
}

#[test]
fn a_bad_mac_or_a_plain_command_ends_the_session() {
    let sample = sample(0);
    let mut wire = load(&sample.folder);
    let mut session = open_session(&mut wire, &sample.card.mrz);
    let protected = session
        .protect_command(&select_ef(DG1))
        .expect("protect")
        .encode()
        .expect("encode");
    let mut forged = protected.clone();
    let mac_end = forged.len() - 2; // the MAC's last byte, before the outer Le
    forged[mac_end] ^= 0x01;
    // ICAO 9303-11 §9.8: answered in plain, and the keys are gone.
    assert_eq!(wire.chip.process_apdu(&forged), [0x69, 0x88]);
    assert_eq!(wire.chip.access_state(), AccessState::Locked);
    assert_eq!(wire.raw(&protected), StatusWord(0x6988));

    let mut session = open_session(&mut wire, &sample.card.mrz);
    assert_eq!(wire.send(&select_ef(DG1)).status, StatusWord::SUCCESS);
    assert_eq!(wire.chip.access_state(), AccessState::Locked);
    let late = session
        .protect_command(&read_binary(0, 4))
        .expect("protect");
    assert_eq!(wire.send(&late).status, StatusWord(0x6988));

    // Reset forgets the session too.
    let session = open_session(&mut wire, &sample.card.mrz);
    wire.chip.reset();
    assert_eq!(wire.chip.access_state(), AccessState::Locked);
    let mut sm = SmTransport::new(&mut wire, session);
    let after_reset = sm
        .send(&select_ef(DG1))
        .expect("a plain refusal passes through");
    assert_eq!(after_reset.status, StatusWord(0x6988));
}

#[test]
fn pace_and_clone_detection_get_the_answers_of_a_chip_without_them() {
    let sample = sample(1);
    let mut wire = load(&sample.folder);
    select_applet(&mut wire);
    // MSE:Set AT for PACE with the CAN (password reference 02).
    let mse = CommandApdu::new(0x00, 0x22, 0xC1, 0xA4).with_data([0x83, 0x01, 0x02]);
    assert_eq!(wire.send(&mse).status, StatusWord(0x6A88));
    let general_authenticate = CommandApdu::new(0x10, 0x86, 0x00, 0x00)
        .with_data([0x7C, 0x00])
        .with_le(256);
    assert_eq!(wire.send(&general_authenticate).status, StatusWord(0x6D00));

    let session =
        bac::establish(&mut wire, bac_keys(&sample.card.mrz), &mut OsRandom).expect("BAC");
    let mut sm = SmTransport::new(&mut wire, session);
    let internal_authenticate = CommandApdu::new(0x00, 0x88, 0x00, 0x00)
        .with_data([1, 2, 3, 4, 5, 6, 7, 8])
        .with_le(256);
    assert_eq!(
        sm.send(&internal_authenticate).expect("IA").status,
        StatusWord(0x6D00)
    );
    let chip_authentication = CommandApdu::new(0x00, 0x22, 0x41, 0xA4).with_data([0x80, 0x00]);
    assert_eq!(
        sm.send(&chip_authentication).expect("MSE").status,
        StatusWord(0x6A88)
    );
    // GET CHALLENGE under secure messaging: a nonce, the session goes on.
    let nonce = sm
        .send(&CommandApdu::new(0x00, 0x84, 0x00, 0x00).with_le(8))
        .expect("GET CHALLENGE");
    assert_eq!((nonce.data.len(), nonce.status), (8, StatusWord::SUCCESS));
    assert_eq!(
        read_file(&mut sm, DG1, 0xDF),
        sample.card.file(DG1).expect("DG1")
    );
}

/// Every prefix of every command of a whole read, and commands with lying lengths, sent to
/// the chip locked, waiting for EXTERNAL AUTHENTICATE, and under secure messaging: each
/// gets an answer of at least a status word, and none panics.
#[test]
fn hostile_commands_never_panic() {
    let sample = sample(0);
    let mut recorder = load(&sample.folder);
    let session = open_session(&mut recorder, &sample.card.mrz);
    let mut sm = SmTransport::new(&mut recorder, session);
    read_file(&mut sm, DG1, 0x40);
    sm.send(
        &CommandApdu::new(0x00, 0xB1, 0, 0)
            .with_data([0x54, 0x01, 0x00])
            .with_le(0x20),
    )
    .expect("B1");
    drop(sm);
    let mut hostile: Vec<Vec<u8>> = Vec::new();
    for command in &recorder.sent {
        hostile.extend((0..command.len()).map(|len| command[..len].to_vec()));
    }
    hostile.extend([
        vec![0x00, 0xB0, 0x00, 0x00, 0xFF, 0x01], // Lc 255 with one byte
        vec![0x00, 0xB0, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x01], // extended Lc 65535
        vec![0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00], // extended Le 65536
        vec![0x00, 0xB0, 0x7F, 0xFF, 0x00, 0x00, 0x00], // offset 32767
        vec![0x00, 0xB1, 0x00, 0x00, 0x02, 0x54, 0x05, 0x00], // DO'54' longer than its data
        vec![
            0x00, 0xB1, 0x00, 0x00, 0x06, 0x54, 0x04, 0xFF, 0xFF, 0xFF, 0xFF, 0x00,
        ],
        vec![0x00, 0xB1, 0x00, 0x00, 0x03, 0x54, 0x01, 0x00, 0x01], // Le smaller than a DO
        vec![0x0C, 0xB0, 0x00, 0x00, 0x04, 0x8E, 0x08, 0x00, 0x00, 0x00], // MAC cut short
        vec![0x0C, 0xB0, 0x00, 0x00, 0x03, 0x97, 0x82, 0xFF, 0x00],
        vec![0x00, 0x82, 0x00, 0x00, 0x01, 0x00],
        vec![0x00, 0x84, 0x00, 0x00, 0x00, 0x00, 0x08],
        vec![0xFF; 300],
    ]);

    let mut locked = load(&sample.folder);
    let mut challenged = load(&sample.folder);
    let mut secure = load(&sample.folder);
    for command in &hostile {
        select_applet(&mut challenged);
        let challenge = challenged.send(&bac::get_challenge());
        assert_eq!(challenge.status, StatusWord::SUCCESS);
        if secure.chip.access_state() == AccessState::Locked {
            open_session(&mut secure, &sample.card.mrz);
        }
        for wire in [&mut locked, &mut challenged, &mut secure] {
            let answer = wire.chip.process_apdu(command);
            assert!(answer.len() >= 2, "{command:02X?} → {answer:02X?}");
            if command.len() < 4 {
                assert_eq!(answer, [0x67, 0x00], "{command:02X?}");
            }
        }
    }
    // After all that, each chip still opens with its key and reads.
    for mut wire in [locked, challenged, secure] {
        wire.chip.reset();
        let session = open_session(&mut wire, &sample.card.mrz);
        let mut sm = SmTransport::new(&mut wire, session);
        assert_eq!(
            read_file(&mut sm, DG1, 0xDF),
            sample.card.file(DG1).expect("DG1")
        );
    }
}

/// The commands of a whole PACE, Chip Authentication and Active Authentication session,
/// cut at every length, sent to an issued card's chip in each state those protocols add:
/// PACE under way, secure messaging after PACE, and re-keyed by Chip Authentication. Each
/// gets at least a status word; afterwards the chip still opens and reads.
#[test]
fn hostile_commands_to_the_pace_and_chip_authentication_states_never_panic() {
    use kiosk_identity::clone_detection::{CaParameters, ChipPublicKey, run_chip_authentication};

    let world = world();
    let card = &world.set.cards[0];
    let password = can_password(&card.qr_text);
    let infos = SecurityInfos::parse_dg14(&fs::read(card.folder.join("DG14")).expect("DG14"))
        .expect("DG14");
    let ca_key = infos.chip_authentication_public_keys().next().expect("key");
    let ca = || {
        let spki = der::Encode::to_der(&ca_key.key).expect("SPKI");
        CaParameters::new(
            kiosk_identity::sm::Cipher::Aes128,
            None,
            ChipPublicKey::from_spki_der(&spki).expect("key"),
        )
    };
    let chip_authenticated = |wire: &mut Wire| {
        let session = open_with_pace(wire, &password);
        let mut sm = SmTransport::new(wire, session);
        run_chip_authentication(&mut sm, ca(), &mut OsRandom).expect("CA");
        read_file(&mut sm, DG1, 0x40);
        sm.send(
            &CommandApdu::new(0x00, 0x88, 0x00, 0x00)
                .with_data([1, 2, 3, 4, 5, 6, 7, 8])
                .with_le(256),
        )
        .expect("AA");
    };
    let mut recorder = load(&card.folder);
    chip_authenticated(&mut recorder);
    let mut hostile: Vec<Vec<u8>> = Vec::new();
    for command in &recorder.sent {
        hostile.extend((0..=command.len()).map(|len| command[..len].to_vec()));
    }
    hostile.extend([
        vec![0x10, 0x86, 0x00, 0x00, 0x02, 0x7C, 0x00, 0x00],
        vec![0x10, 0x86, 0x00, 0x00, 0x04, 0x7C, 0x02, 0x81, 0x00, 0x00],
        vec![0x10, 0x86, 0x00, 0x00, 0x04, 0x7C, 0x82, 0xFF, 0xFF],
        vec![0x00, 0x22, 0xC1, 0xA4, 0x03, 0x83, 0x01, 0x02],
        vec![0x00, 0x22, 0xC1, 0xA4, 0x05, 0x80, 0x03, 0x06, 0x01, 0x00],
        vec![0x00, 0x22, 0x41, 0xA6, 0x03, 0x91, 0x01, 0x04],
        vec![
            0x00, 0x86, 0x00, 0x00, 0x05, 0x7C, 0x03, 0x80, 0x01, 0x04, 0x00,
        ],
    ]);

    let mut locked = load(&card.folder);
    let mut running = load(&card.folder);
    let mut secure = load(&card.folder);
    let mut rekeyed = load(&card.folder);
    let info = pace_info(&mut locked);
    for command in &hostile {
        if running.chip.access_state() != AccessState::PaceInProgress {
            let start = CommandApdu::new(0x00, 0x22, 0xC1, 0xA4).with_data(
                [
                    &[0x80, 0x0A][..],
                    info.protocol.oid().as_bytes(),
                    &[0x83, 0x01, 0x02],
                ]
                .concat(),
            );
            assert_eq!(running.send(&start).status, StatusWord::SUCCESS);
        }
        if !matches!(
            secure.chip.access_state(),
            AccessState::SecureMessaging(AccessProtocol::PaceCan)
        ) {
            secure.chip.reset();
            open_with_pace(&mut secure, &password);
        }
        if !matches!(
            rekeyed.chip.access_state(),
            AccessState::ChipAuthenticated(_)
        ) {
            rekeyed.chip.reset();
            chip_authenticated(&mut rekeyed);
        }
        for wire in [&mut locked, &mut running, &mut secure, &mut rekeyed] {
            let answer = wire.chip.process_apdu(command);
            assert!(answer.len() >= 2, "{command:02X?} → {answer:02X?}");
        }
    }
    for mut wire in [locked, running, secure, rekeyed] {
        wire.chip.reset();
        let session = open_with_pace(&mut wire, &password);
        let mut sm = SmTransport::new(&mut wire, session);
        assert_eq!(
            read_file(&mut sm, DG1, 0xDF),
            fs::read(card.folder.join("DG1")).expect("DG1")
        );
        drop(sm);
        assert_eq!(wire.chip.failed_access_attempts(), 0);
    }
}
