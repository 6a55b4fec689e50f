//! PACE on the emulated chip: the CAN and the MRZ, before and after the application is
//! selected, wrong passwords counted, the retry counter, and BAC still open beside it.

use super::*;

#[test]
fn pace_opens_with_the_mrz_too_and_bac_still_works() {
    let world = world();
    let card = &world.set.cards[0];
    let mrz = card.citizen.mrz().expect("MRZ");
    let mut wire = load(&card.folder);
    assert!(wire.chip.offered_protocols().pace);

    let session = open_with_pace(&mut wire, &mrz_password(&mrz));
    assert_eq!(
        wire.chip.access_state(),
        AccessState::SecureMessaging(AccessProtocol::PaceMrz)
    );
    let mut sm = SmTransport::new(&mut wire, session);
    let dg1 = Dg1::parse(&read_file(&mut sm, DG1, 0xDF)).expect("DG1");
    assert_eq!(*dg1.mrz_lines.expose(), mrz.to_lines());
    drop(sm);

    // A chip with PACE still answers BAC (ICAO 9303-11 §4.2: PACE-capable chips keep
    // BAC for terminals without PACE).
    wire.chip.reset();
    let session = open_session(&mut wire, &mrz);
    assert_eq!(
        wire.chip.access_state(),
        AccessState::SecureMessaging(AccessProtocol::Bac)
    );
    let mut sm = SmTransport::new(&mut wire, session);
    assert_eq!(
        read_file(&mut sm, DG13, 0xDF),
        fs::read(card.folder.join("DG13")).expect("DG13")
    );
    drop(sm);
    assert_eq!(wire.chip.failed_access_attempts(), 0);
}

/// PACE from the master file (EF.CardAccess just read) and from inside the application;
/// either way the session's first SELECT of the application works under SM.
#[test]
fn pace_runs_before_and_after_the_application_is_selected() {
    let world = world();
    let card = &world.set.cards[2];
    let mut wire = load(&card.folder);
    let info = pace_info(&mut wire);
    select_applet(&mut wire);
    let session = pace::establish(
        &mut wire,
        &info,
        &can_password(&card.qr_text),
        &mut OsRandom,
    )
    .expect("PACE inside the application");
    let mut sm = SmTransport::new(&mut wire, session);
    // Still in the application: DG1 is found without selecting it again.
    assert_eq!(
        read_file(&mut sm, DG1, 0x40),
        fs::read(card.folder.join("DG1")).expect("DG1")
    );
    drop(sm);

    // A new PACE in plain ends the session and starts over.
    let session = pace_session(&mut wire, &info, &can_password(&card.qr_text));
    let mut sm = SmTransport::new(&mut wire, session);
    assert_eq!(
        read_file(&mut sm, LdsFile::Sod, 0xDF),
        fs::read(card.folder.join("EF.SOD")).expect("EF.SOD")
    );
}

#[test]
fn a_wrong_can_is_refused_at_the_mutual_authentication_and_counted() {
    let world = world();
    let card = &world.set.cards[3];
    let mut wire = load(&card.folder);
    let info = pace_info(&mut wire);
    assert_eq!(
        pace_refusal(&mut wire, &info, &PacePassword::can("000000")),
        PaceError::WrongAccessKey {
            remaining_tries: None
        }
    );
    assert_eq!(wire.chip.failed_access_attempts(), 1);
    assert_eq!(wire.chip.access_state(), AccessState::Locked);
    assert_eq!(wire.chip.pace_tries_left(), None);
    // A wrong MRZ key likewise.
    let wrong_mrz = AccessKey::Mrz {
        document_number: card.citizen.id().expect("id").document_number(),
        date_of_birth: card.citizen.date_of_birth,
        date_of_expiry: CalendarDate::new(2099, 1, 1).expect("a date"),
    };
    let wrong_mrz = PacePassword::from_access_key(&wrong_mrz).expect("a password");
    assert!(matches!(
        pace_refusal(&mut wire, &info, &wrong_mrz),
        PaceError::WrongAccessKey { .. }
    ));
    assert_eq!(wire.chip.failed_access_attempts(), 2);

    // GENERAL AUTHENTICATE without MSE:Set AT is out of order, not an attempt.
    let stray = CommandApdu::new(0x10, 0x86, 0x00, 0x00)
        .with_data([0x7C, 0x00])
        .with_le(256);
    assert_eq!(wire.send(&stray).status, StatusWord(0x6985));
    assert_eq!(wire.chip.failed_access_attempts(), 2);

    pace_session(&mut wire, &info, &can_password(&card.qr_text));
    assert_eq!(
        wire.chip.access_state(),
        AccessState::SecureMessaging(AccessProtocol::PaceCan)
    );
}

/// With a retry counter (BSI TR-03110-3 §B.11.1) each wrong password answers 63Cx, the
/// last blocks the password (6983) even for the right one, and the count survives a
/// power cycle. A right password before the block restores every try.
#[test]
fn the_pace_retry_counter_blocks_after_the_last_wrong_try() {
    let world = world();
    let card = &world.set.cards[0];
    fs::write(card.folder.join("quirks.txt"), "pace-retry-counter 3\n").expect("quirks");
    let mut wire = load(&card.folder);
    assert_eq!(wire.chip.pace_tries_left(), Some(3));
    let info = pace_info(&mut wire);
    let wrong = PacePassword::can("999999");
    let refusal = |wire: &mut Wire| pace_refusal(wire, &info, &wrong);
    assert_eq!(
        refusal(&mut wire),
        PaceError::WrongAccessKey {
            remaining_tries: Some(2)
        }
    );
    pace_session(&mut wire, &info, &can_password(&card.qr_text));
    assert_eq!(wire.chip.pace_tries_left(), Some(3));

    for left in [2, 1, 0] {
        assert_eq!(
            refusal(&mut wire),
            PaceError::WrongAccessKey {
                remaining_tries: Some(left)
            }
        );
        wire.chip.reset();
    }
    assert_eq!(wire.chip.pace_tries_left(), Some(0));
    assert_eq!(
        pace_refusal(&mut wire, &info, &can_password(&card.qr_text)),
        PaceError::PasswordBlocked
    );
    assert_eq!(wire.chip.failed_access_attempts(), 4);
    // BAC does not share PACE's counter.
    open_session(&mut wire, &card.citizen.mrz().expect("MRZ"));
}
