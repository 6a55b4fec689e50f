//! Chip Authentication and Active Authentication on the emulated chip: both command
//! styles, the re-keyed session, RSA and ECDSA chips, and what a chip without them says.

use kiosk_identity::clone_detection::chip_auth::CaCommandStyle;
use kiosk_identity::clone_detection::{
    ActiveAuthentication, CaParameters, ChipPublicKey, run_chip_authentication,
};

use super::*;

/// DG14's Chip Authentication key and protocol, and DG15's key, read from the folder.
fn clone_check_keys(folder: &Path) -> (CaParameters, ActiveAuthentication) {
    let infos = SecurityInfos::parse_dg14(&fs::read(folder.join("DG14")).expect("DG14"))
        .expect("DG14 parses");
    let info = infos.chip_authentication().next().expect("CA info");
    let key = infos.chip_authentication_public_keys().next().expect("key");
    let spki = der::Encode::to_der(&key.key).expect("SPKI");
    let ca = CaParameters::new(
        info.protocol.cipher,
        None,
        ChipPublicKey::from_spki_der(&spki).expect("key"),
    );
    let algorithm = infos
        .active_authentication()
        .map(|info| info.signature_algorithm);
    let aa = ActiveAuthentication::from_spki_der(
        Tlv::parse_exact(&fs::read(folder.join("DG15")).expect("DG15"))
            .expect("DG15 parses")
            .value,
        algorithm.as_ref(),
    )
    .expect("AA key");
    (ca, aa)
}

#[test]
fn chip_authentication_with_set_kat_after_bac_rekeys_the_session() {
    let world = world();
    let card = &world.set.cards[1];
    let (mut ca, _) = clone_check_keys(&card.folder);
    ca.style = CaCommandStyle::SetKat;
    let mut wire = load(&card.folder);
    let session = open_session(&mut wire, &card.citizen.mrz().expect("MRZ"));
    let mut sm = SmTransport::new(&mut wire, session);
    run_chip_authentication(&mut sm, ca, &mut OsRandom).expect("MSE:Set KAT");
    assert_eq!(
        read_file(&mut sm, DG2, 0xDF),
        fs::read(card.folder.join("DG2")).expect("DG2")
    );
    drop(sm);
    assert_eq!(
        wire.chip.access_state(),
        AccessState::ChipAuthenticated(AccessProtocol::Bac)
    );
}

#[test]
fn active_authentication_signs_with_rsa_and_with_ecdsa() {
    let world = world();
    let rsa = world
        .set
        .cards
        .iter()
        .find(|card| card.citizen.active_authentication == AaAlgorithm::Rsa2048)
        .expect("an RSA chip");
    let ecdsa = world
        .set
        .cards
        .iter()
        .find(|card| card.citizen.active_authentication == AaAlgorithm::EcdsaP256)
        .expect("an ECDSA chip");
    for card in [rsa, ecdsa] {
        let (_, aa) = clone_check_keys(&card.folder);
        let mut wire = load(&card.folder);
        let session = open_with_pace(&mut wire, &can_password(&card.qr_text));
        let mut sm = SmTransport::new(&mut wire, session);
        aa.run(&mut sm, &mut OsRandom)
            .unwrap_or_else(|error| panic!("{}: {error}", card.citizen.full_name));
        // A challenge of the wrong length is refused, and the session goes on.
        let short = CommandApdu::new(0x00, 0x88, 0x00, 0x00)
            .with_data([1, 2, 3])
            .with_le(256);
        assert_eq!(sm.send(&short).expect("IA").status, StatusWord(0x6700));
        aa.run(&mut sm, &mut OsRandom).expect("again");
    }
    let infos = |card: &kiosk_identity::sample_cards::GeneratedCard| {
        SecurityInfos::parse_dg14(&fs::read(card.folder.join("DG14")).expect("DG14")).expect("DG14")
    };
    // ICAO 9303-11 §9.2.10: ActiveAuthenticationInfo for ECDSA only.
    assert!(infos(rsa).active_authentication().is_none());
    assert!(infos(ecdsa).active_authentication().is_some());
}

/// Chip and Active Authentication need a session; without one the chip says so.
#[test]
fn clone_checks_in_plain_are_refused() {
    let world = world();
    let card = &world.set.cards[0];
    let mut wire = load(&card.folder);
    assert_eq!(
        wire.chip.offered_protocols(),
        OfferedProtocols {
            pace: true,
            chip_authentication: true,
            active_authentication: true,
        }
    );
    let info = pace_info(&mut wire);
    select_applet(&mut wire);
    let internal_authenticate = CommandApdu::new(0x00, 0x88, 0x00, 0x00)
        .with_data([1, 2, 3, 4, 5, 6, 7, 8])
        .with_le(256);
    assert_eq!(wire.send(&internal_authenticate).status, StatusWord(0x6982));
    let set_at = CommandApdu::new(0x00, 0x22, 0x41, 0xA4).with_data([0x80, 0x00]);
    assert_eq!(wire.send(&set_at).status, StatusWord(0x6982));
    // GENERAL AUTHENTICATE under SM without a Chip Authentication MSE first.
    let session = pace_session(&mut wire, &info, &can_password(&card.qr_text));
    let mut sm = SmTransport::new(&mut wire, session);
    let general_authenticate = CommandApdu::new(0x00, 0x86, 0x00, 0x00)
        .with_data([0x7C, 0x00])
        .with_le(256);
    assert_eq!(
        sm.send(&general_authenticate).expect("GA").status,
        StatusWord(0x6985)
    );
    let other_protocol = CommandApdu::new(0x00, 0x22, 0x81, 0xB6).with_data([0x83, 0x00]);
    assert_eq!(
        sm.send(&other_protocol).expect("MSE").status,
        StatusWord(0x6A88)
    );
}
