//! Sample cards read back whole, in every way READ BINARY allows.

use super::*;
use kiosk_identity::lds::FaceImage;
use kiosk_identity::pii::Sensitive;

#[test]
fn every_sample_card_reads_back_through_bac_and_secure_messaging() {
    for (index, citizen) in sample_citizens().iter().enumerate() {
        let sample = sample(index);
        let mut wire = load(&sample.folder);
        let session = open_session(&mut wire, &sample.card.mrz);
        let mut sm = SmTransport::new(&mut wire, session);
        // 0xDF: the chunk many readers use so that a protected answer fits 256 bytes.
        let ef_com = EfCom::parse(&read_file(&mut sm, LdsFile::Com, 0xDF)).expect("EF.COM");
        let dg1 = Dg1::parse(&read_file(&mut sm, DG1, 0xDF)).expect("DG1");
        let dg2 = Dg2::parse(&read_file(&mut sm, DG2, 0xDF)).expect("DG2");
        let dg13 = Dg13::parse(&read_file(&mut sm, DG13, 0x80)).expect("DG13");
        drop(sm);

        assert_eq!(
            ef_com.data_groups,
            [DataGroup::Dg1, DataGroup::Dg2, DataGroup::Dg13]
        );
        assert_eq!(*dg1.mrz_lines.expose(), sample.card.mrz.to_lines());
        assert_eq!(
            Td1Mrz::parse(dg1.mrz_text().expose()).expect("DG1 holds a valid MRZ"),
            sample.card.mrz
        );

        let face = dg2.face_image().expect("a portrait");
        assert_eq!(face.format, ImageFormat::Jpeg);
        assert_eq!(*face.data.expose(), sample.card.portrait_jpeg);
        let pixels = image::load_from_memory(face.data.expose()).expect("the JPEG decodes");
        assert_eq!((pixels.width(), pixels.height()), (240, 320));
        assert_eq!((face.width, face.height), (240, 320));

        assert_eq!(dg13.full_name.expose(), &citizen.full_name);
        assert_eq!(dg13, citizen.dg13().expect("DG13 of the citizen"));

        // The printed QR code agrees with the chip, field by field.
        let qr = CccdQr::parse(&sample.card.qr_text).expect("the QR text parses");
        let chip = ChipIdentity {
            id_number: CitizenIdNumber::parse(dg13.id_number.expose()).ok(),
            full_name: Some(dg13.full_name.clone()),
            date_of_birth: dg13.birth_date().ok(),
            sex: dg13
                .sex
                .as_ref()
                .and_then(|sex| Sex::from_vietnamese(sex.expose())),
            issue_date: dg13.issued_on().and_then(Result::ok),
        };
        let disagreements = compare_with_chip(&qr, &chip);
        assert!(disagreements.is_empty(), "{disagreements:?}");
        assert_eq!(sample.card.can, citizen.id_number[6..]);
        assert_eq!(wire.chip.failed_access_attempts(), 0);
    }
}

#[test]
fn the_sample_citizens_differ_in_what_the_reader_must_handle() {
    let citizens = sample_citizens();
    assert!(citizens.len() >= 3);
    let provinces: Vec<u16> = citizens
        .iter()
        .map(|c| c.id().expect("id").province_code())
        .collect();
    let decades: Vec<u16> = citizens
        .iter()
        .map(|c| c.date_of_birth.year() / 10)
        .collect();
    for list in [&provinces, &decades] {
        let mut unique = list.to_vec();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), list.len(), "{list:?}");
    }
    for sex in [Sex::Male, Sex::Female] {
        assert!(citizens.iter().any(|c| c.sex == sex));
    }
    for wrapping in [
        ParentWrapping::Direct,
        ParentWrapping::EachInSequence,
        ParentWrapping::BothInSequence,
    ] {
        assert!(citizens.iter().any(|c| c.parent_wrapping == wrapping));
    }
    let portraits: Vec<Vec<u8>> = citizens
        .iter()
        .map(|c| c.portrait.to_jpeg().expect("JPEG"))
        .collect();
    for (i, a) in portraits.iter().enumerate() {
        assert!(portraits.iter().skip(i + 1).all(|b| a != b));
    }
    assert!(citizens.iter().any(|c| c.full_name == "Trần Thị Bích Ngọc"));
}

#[test]
fn extended_length_and_odd_ins_read_whole_files() {
    let sample = sample(1);
    let dg2 = sample.card.file(DG2).expect("DG2").to_vec();
    let mut wire = load(&sample.folder);
    let session = open_session(&mut wire, &sample.card.mrz);
    let mut sm = SmTransport::new(&mut wire, session);
    sm.send(&select_ef(DG2)).expect("SELECT");
    let whole = sm.send(&read_binary(0, 0x1_0000)).expect("extended read");
    // Ne 65536 is more than the file: all of it, and "end of file reached".
    assert_eq!(
        (whole.data.as_slice(), whole.status),
        (&dg2[..], StatusWord(0x6282))
    );

    // B1 with the offset in DO'54' answers a DO'53'; P1-P2 0000 is the current file.
    let odd = CommandApdu::new(0x00, 0xB1, 0x00, 0x00)
        .with_data([0x54, 0x02, 0x01, 0x00])
        .with_le(0x90);
    let answer = sm.send(&odd).expect("B1");
    assert_eq!(answer.status, StatusWord::SUCCESS);
    assert_eq!(&answer.data[..3], &[0x53, 0x81, 0x8D]);
    assert_eq!(&answer.data[3..], &dg2[0x100..0x100 + 0x8D]);
    let past = CommandApdu::new(0x00, 0xB1, 0x01, 0x02)
        .with_data([0x54, 0x03, 0x01, 0x00, 0x00])
        .with_le(0x10);
    assert_eq!(sm.send(&past).expect("B1").status, StatusWord(0x6B00));

    // Offsets at and past the end, a read running past it, and reading by short EF id.
    assert_eq!(
        sm.send(&read_binary(dg2.len(), 1)).expect("read").status,
        StatusWord(0x6B00)
    );
    let tail = sm.send(&read_binary(dg2.len() - 3, 10)).expect("read");
    assert_eq!((tail.data.len(), tail.status), (3, StatusWord(0x6282)));
    let by_short_id = sm
        .send(&CommandApdu::new(0x00, 0xB0, 0x81, 0x00).with_le(4))
        .expect("read DG1 by its short EF identifier");
    assert_eq!(by_short_id.data, sample.card.file(DG1).expect("DG1")[..4]);
}

#[test]
fn read_length_quirks_answer_6700() {
    let sample = sample(0);
    fs::write(
        sample.folder.join("quirks.txt"),
        "# a chip with a small buffer\nrefuse-256-byte-reads\nmax-read-length 300  # bytes\n",
    )
    .expect("quirks.txt");
    let mut wire = load(&sample.folder);
    assert!(wire.chip.quirks().refuse_256_byte_reads);
    let session = open_session(&mut wire, &sample.card.mrz);
    let mut sm = SmTransport::new(&mut wire, session);
    sm.send(&select_ef(DG2)).expect("SELECT");
    let status = |sm: &mut SmTransport<'_>, le| sm.send(&read_binary(0, le)).expect("read").status;
    assert_eq!(status(&mut sm, 256), StatusWord::WRONG_LENGTH);
    assert_eq!(status(&mut sm, 301), StatusWord::WRONG_LENGTH);
    assert_eq!(status(&mut sm, 255), StatusWord::SUCCESS);
    assert_eq!(status(&mut sm, 300), StatusWord::SUCCESS);
    // A refused read is a normal answer: the session goes on.
    assert_eq!(
        read_file(&mut sm, DG1, 0xDF),
        sample.card.file(DG1).expect("DG1")
    );
}

/// The kiosk's own reader session against a chip that refuses 256-byte reads and has a
/// 128-byte buffer: the CAN is skipped (BAC has none), the wrong key costs one attempt,
/// the chunks shrink, every file arrives whole.
#[test]
fn the_kiosk_reader_opens_and_reads_a_picky_sample_card() {
    let sample = sample(1);
    fs::write(
        sample.folder.join("quirks.txt"),
        "refuse-256-byte-reads\nmax-read-length 128\n",
    )
    .expect("quirks.txt");
    let mut wire = load(&sample.folder);
    let keys = [
        AccessKey::from_can(&sample.card.can).expect("CAN"),
        AccessKey::Mrz {
            document_number: sample.citizen.id().expect("id").document_number(),
            date_of_birth: sample.citizen.date_of_birth,
            date_of_expiry: CalendarDate::new(2099, 1, 1).expect("a date"),
        },
        AccessKey::from_mrz(&sample.card.mrz, 2026).expect("MRZ key"),
    ];
    let options = ReadOptions {
        extended_length: false,
    };
    let mut session = ChipSession::open(&mut wire, &keys, options, &mut OsRandom).expect("opens");
    assert_eq!(session.access_method(), AccessMethod::Bac);
    assert_eq!(session.card_access(), None);
    for file in [LdsFile::Com, DG1, DG2, DG13] {
        let bytes = session.read(file, |_| {}).expect("the file reads");
        assert_eq!(Some(bytes.as_slice()), sample.card.file(file), "{file:?}");
    }
    drop(session);
    assert_eq!(wire.chip.failed_access_attempts(), 1);
}
/// A portrait beyond the 32 KiB that READ BINARY's P1-P2 offset reaches: the reader
/// switches to odd INS with DO'54', which the emulator answers with DO'53'.
#[test]
fn the_kiosk_reader_reads_a_file_beyond_32_kib_with_extended_length() {
    let sample = sample(0);
    let face = FaceImage {
        format: ImageFormat::Jpeg,
        width: 240,
        height: 320,
        data: Sensitive::new((0..40_000u32).map(|i| (i % 251) as u8).collect()),
    };
    let dg2 = Dg2::encode_single_face(&face);
    fs::write(sample.folder.join("DG2"), &dg2).expect("DG2");
    let mut wire = load(&sample.folder);
    let key = AccessKey::from_mrz(&sample.card.mrz, 2026).expect("MRZ key");
    let options = ReadOptions {
        extended_length: true,
    };
    let mut session = ChipSession::open(&mut wire, &[key], options, &mut OsRandom).expect("opens");
    assert_eq!(session.read(DG2, |_| {}).expect("DG2 reads"), dg2);
}
