//! Card folders: what the loader refuses, named by file, and what it keeps.

use super::*;

#[test]
fn folder_problems_are_named_by_file() {
    let sample = sample(0);
    let folder = sample.folder.as_path();
    let error = |folder: &Path| CardFolder::load(folder).expect_err("the folder is refused");
    let names = |error: &FolderError, file: &str| error.to_string().contains(file);

    fs::write(folder.join("quirks.txt"), "refuse-256-byte-reads\nfaster\n").expect("write");
    let unknown = error(folder);
    assert!(
        matches!(unknown, FolderError::UnknownQuirk { line: 2, .. }),
        "{unknown}"
    );
    fs::write(folder.join("quirks.txt"), "max-read-length 0\n").expect("write");
    assert!(matches!(
        error(folder),
        FolderError::BadReadLength { line: 1, .. }
    ));
    fs::remove_file(folder.join("quirks.txt")).expect("remove");

    fs::write(folder.join("can.txt"), "12345\n").expect("write");
    let can = error(folder);
    assert!(
        matches!(can, FolderError::Can { .. }) && names(&can, "can.txt"),
        "{can}"
    );
    fs::write(folder.join("can.txt"), "012345\n").expect("write");

    fs::write(folder.join("DG2"), vec![0u8; MAX_FILE_BYTES as usize + 1]).expect("write");
    let large = error(folder);
    assert!(
        matches!(large, FolderError::TooLarge { .. }) && names(&large, "DG2"),
        "{large}"
    );
    fs::write(folder.join("DG2"), sample.card.file(DG2).expect("DG2")).expect("write");

    fs::create_dir_all(folder.join("chip-keys")).expect("mkdir");
    fs::write(
        folder.join("chip-keys/aa.der"),
        b"-----BEGIN PRIVATE KEY-----",
    )
    .expect("write");
    let key = error(folder);
    assert!(
        matches!(key, FolderError::Key { .. }) && names(&key, "aa.der"),
        "{key}"
    );
    // One DER SEQUENCE is not yet a key: the loader reads it as PKCS#8.
    fs::write(
        folder.join("chip-keys/aa.der"),
        [0x30, 0x03, 0x02, 0x01, 0x00],
    )
    .expect("write");
    assert!(matches!(
        error(folder),
        FolderError::Key {
            source: ChipKeyError::Malformed(_),
            ..
        }
    ));
    let keys = generate_chip_keys(AaAlgorithm::Rsa2048, &mut OsRandom).expect("keys");
    let rsa = keys.active_authentication.expect("an RSA key");
    let rsa = rsa.to_pkcs8_der().expect("PKCS#8");
    fs::write(folder.join("chip-keys/aa.der"), &rsa).expect("write");
    // Chip Authentication is ECDH: an RSA key there is named as the problem.
    fs::write(folder.join("chip-keys/ca.der"), &rsa).expect("write");
    let ca = error(folder);
    assert!(
        matches!(
            ca,
            FolderError::Key {
                source: ChipKeyError::NotEllipticCurve,
                ..
            }
        ) && names(&ca, "ca.der"),
        "{ca}"
    );
    fs::remove_file(folder.join("chip-keys/ca.der")).expect("remove");
    let chip = CardFolder::load(folder).expect("loads");
    assert_eq!(
        chip.loaded_secrets(),
        LoadedSecrets {
            can: true,
            chip_authentication_key: false,
            active_authentication_key: true,
        }
    );
    // Without EF.CardAccess no PACE; an AA key without DG15 is still answered with.
    assert_eq!(
        chip.offered_protocols(),
        OfferedProtocols {
            pace: false,
            chip_authentication: false,
            active_authentication: true,
        }
    );

    for line in [
        "pace-retry-counter 0",
        "pace-retry-counter 16",
        "pace-retry-counter",
    ] {
        fs::write(folder.join("quirks.txt"), format!("{line}\n")).expect("write");
        assert!(
            matches!(error(folder), FolderError::BadRetryCounter { line: 1, .. }),
            "{line}"
        );
    }
    fs::remove_file(folder.join("quirks.txt")).expect("remove");

    let mrz = fs::read_to_string(folder.join("mrz.txt")).expect("read");
    fs::write(folder.join("mrz.txt"), mrz.replacen("ID", "P<", 1)).expect("write");
    let bad_mrz = error(folder);
    assert!(
        matches!(bad_mrz, FolderError::Mrz { .. }) && names(&bad_mrz, "mrz.txt"),
        "{bad_mrz}"
    );
    fs::remove_file(folder.join("mrz.txt")).expect("remove");
    let missing = error(folder);
    assert!(matches!(missing, FolderError::Missing { .. }) && names(&missing, "mrz.txt"));
    assert!(matches!(
        error(&folder.join("DG1")),
        FolderError::NotAFolder { .. }
    ));
}

#[test]
fn a_folder_lists_its_files_by_their_conventional_names() {
    let sample = sample(0);
    let chip = CardFolder::load(&sample.folder).expect("loads");
    let loaded: Vec<LdsFile> = chip.files().files().map(|file| file.file).collect();
    assert_eq!(loaded, [DG1, DG2, DG13, LdsFile::Com]);
    for file in loaded {
        let name = folder::file_name(file);
        let on_disk = fs::read(sample.folder.join(&name)).expect("the file is on disk");
        assert_eq!(Some(on_disk.as_slice()), sample.card.file(file), "{name}");
    }
    assert_eq!(chip.atr(), [0x3B, 0x80, 0x80, 0x01, 0x01]);
    fn send_bound<T: Send>(_: &T) {}
    send_bound(&chip);
}
