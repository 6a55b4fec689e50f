//! The emulated CCCD chip, loaded from sample-card folders, read through the terminal's
//! own code: BAC and PACE, secure messaging, SELECT and READ BINARY in chunks, the LDS
//! parsers, passive authentication against the generated trust folder, Chip and Active
//! Authentication.

mod access;
mod clone_checks;
mod folders;
mod issued;
mod pace_access;
mod reading;

use std::fs;
use std::path::{Path, PathBuf};

use kiosk_identity::access_key::AccessKey;
use kiosk_identity::apdu::{CommandApdu, ResponseApdu, StatusWord};
use kiosk_identity::date::CalendarDate;
use kiosk_identity::emrtd;
use kiosk_identity::emulator::folder::{self, FolderError, MAX_FILE_BYTES};
use kiosk_identity::emulator::{
    AccessProtocol, AccessState, CardFolder, CccdChip, ChipKeyError, LoadedSecrets,
    OfferedProtocols,
};
use kiosk_identity::lds::{DataGroup, Dg1, Dg2, Dg13, EfCom, ImageFormat, LdsFile, ParentWrapping};
use kiosk_identity::mrz::Td1Mrz;
use kiosk_identity::pace::{self, PaceError, PacePassword};
use kiosk_identity::qr::{CccdQr, ChipIdentity, CitizenIdNumber, Sex, compare_with_chip};
use kiosk_identity::reader::{AccessMethod, ChipSession, ReadOptions};
use kiosk_identity::sample_cards::{
    AaAlgorithm, SampleCard, SampleCitizen, generate_chip_keys, sample_citizens,
};
use kiosk_identity::sample_cards::{SampleSet, write_sample_set};
use kiosk_identity::security_info::{PaceInfo, SecurityInfos};
use kiosk_identity::sm::bac::{self, BacError, BacKeys};
use kiosk_identity::sm::{OsRandom, SecureMessaging, SmTransport};
use kiosk_identity::tlv::{Tlv, total_len_from_header};
use kiosk_identity::transport::{self, CardTransport, TransportError};

const DG1: LdsFile = LdsFile::DataGroup(DataGroup::Dg1);
const DG2: LdsFile = LdsFile::DataGroup(DataGroup::Dg2);
const DG3: LdsFile = LdsFile::DataGroup(DataGroup::Dg3);
const DG13: LdsFile = LdsFile::DataGroup(DataGroup::Dg13);
const DG14: LdsFile = LdsFile::DataGroup(DataGroup::Dg14);
const DG15: LdsFile = LdsFile::DataGroup(DataGroup::Dg15);

/// The reader's side of the wire: every command goes to the chip and is recorded.
struct Wire {
    chip: CccdChip,
    sent: Vec<Vec<u8>>,
}

impl CardTransport for Wire {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent.push(command.to_vec());
        Ok(self.chip.process_apdu(command))
    }
}

impl Wire {
    fn new(chip: CccdChip) -> Self {
        Self {
            chip,
            sent: Vec::new(),
        }
    }

    fn send(&mut self, command: &CommandApdu) -> ResponseApdu {
        transport::send(self, command).expect("the emulator answers every command")
    }

    fn raw(&mut self, command: &[u8]) -> StatusWord {
        ResponseApdu::parse(&self.chip.process_apdu(command))
            .expect("at least a status word")
            .status
    }
}

struct Sample {
    _dir: tempfile::TempDir,
    folder: PathBuf,
    citizen: SampleCitizen,
    card: SampleCard,
}

fn sample(index: usize) -> Sample {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let citizen = sample_citizens().swap_remove(index);
    let card = SampleCard::build(&citizen).expect("the sample card builds");
    let folder = dir.path().join(citizen.folder_name());
    card.write_to(&folder).expect("the folder is written");
    Sample {
        _dir: dir,
        folder,
        citizen,
        card,
    }
}

fn load(folder: &Path) -> Wire {
    Wire::new(CardFolder::load(folder).expect("the folder loads"))
}

/// The BAC key as the kiosk derives it from an MRZ.
fn bac_keys(mrz: &Td1Mrz) -> BacKeys {
    let key = AccessKey::from_mrz(mrz, 2026).expect("MRZ dates");
    BacKeys::from_mrz_information(&key.mrz_information().expect("an MRZ key"))
}

fn wrong_bac_keys(citizen: &SampleCitizen) -> BacKeys {
    let key = AccessKey::Mrz {
        document_number: citizen.id().expect("id").document_number(),
        date_of_birth: citizen.date_of_birth,
        date_of_expiry: CalendarDate::new(2099, 1, 1).expect("a date"),
    };
    BacKeys::from_mrz_information(&key.mrz_information().expect("an MRZ key"))
}

fn select_applet(wire: &mut Wire) {
    assert_eq!(
        wire.send(&emrtd::select_application()).status,
        StatusWord::SUCCESS
    );
}

fn open_session(wire: &mut Wire, mrz: &Td1Mrz) -> SecureMessaging {
    select_applet(wire);
    bac::establish(wire, bac_keys(mrz), &mut OsRandom).expect("BAC opens the chip")
}

fn select_ef(file: LdsFile) -> CommandApdu {
    CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data(file.file_id().to_be_bytes())
}

fn read_binary(offset: usize, le: usize) -> CommandApdu {
    let [p1, p2] = u16::try_from(offset).expect("offset").to_be_bytes();
    CommandApdu::new(0x00, 0xB0, p1, p2).with_le(le)
}

/// SELECT and READ BINARY in chunks of `chunk` bytes, the length taken from the file's
/// first bytes, as the kiosk's reader does.
fn read_file(sm: &mut SmTransport<'_>, file: LdsFile, chunk: usize) -> Vec<u8> {
    let selected = sm.send(&select_ef(file)).expect("SELECT under SM");
    assert_eq!(selected.status, StatusWord::SUCCESS, "{file:?}");
    let mut bytes = Vec::new();
    let mut total = None;
    while total.is_none_or(|total| bytes.len() < total) {
        let want = total.map_or(chunk, |total: usize| chunk.min(total - bytes.len()));
        let answer = sm
            .send(&read_binary(bytes.len(), want))
            .expect("READ BINARY under SM");
        assert!(
            answer.status == StatusWord::SUCCESS || answer.status == StatusWord(0x6282),
            "{file:?} at {}: {:?}",
            bytes.len(),
            answer.status
        );
        assert!(!answer.data.is_empty());
        bytes.extend(answer.data);
        total = total.or(total_len_from_header(&bytes).expect("a TLV header"));
    }
    bytes
}

/// A whole generated sample set in a temporary folder.
struct World {
    _dir: tempfile::TempDir,
    set: SampleSet,
}

fn world() -> World {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let set = write_sample_set(dir.path(), &mut OsRandom).expect("the sample set is written");
    World { _dir: dir, set }
}

/// EF.CardAccess read in plain from the master file, selected by its FID (the CCCD
/// answers 6D00 to selecting the master file), and the PACEInfo the kiosk would run.
fn pace_info(wire: &mut Wire) -> PaceInfo {
    assert_eq!(
        wire.send(&select_ef(LdsFile::CardAccess)).status,
        StatusWord::SUCCESS
    );
    let mut bytes = Vec::new();
    let mut total = None;
    while total.is_none_or(|total| bytes.len() < total) {
        let answer = wire.send(&read_binary(bytes.len(), 0x20));
        assert!(!answer.data.is_empty(), "{:?}", answer.status);
        bytes.extend(answer.data);
        total = total.or(total_len_from_header(&bytes).expect("a TLV header"));
    }
    let infos = SecurityInfos::parse_card_access(&bytes).expect("EF.CardAccess parses");
    pace::choose(&infos).expect("the chip offers a PACE the kiosk runs")
}

/// The PACE password of the CAN, as the kiosk derives it from the card's QR code.
fn can_password(qr_text: &str) -> PacePassword {
    let qr = CccdQr::parse(qr_text).expect("the QR text parses");
    PacePassword::can(&qr.id_number().can())
}

fn mrz_password(mrz: &Td1Mrz) -> PacePassword {
    let key = AccessKey::from_mrz(mrz, 2026).expect("MRZ dates");
    PacePassword::mrz(&key.mrz_information().expect("an MRZ key"))
}

/// EF.CardAccess read from the master file of a chip just put on the reader, then PACE,
/// then the application selected under secure messaging (ICAO 9303-11 §4.2).
fn open_with_pace(wire: &mut Wire, password: &PacePassword) -> SecureMessaging {
    let info = pace_info(wire);
    pace_session(wire, &info, password)
}

/// PACE with `info` from wherever the chip stands (EF.CardAccess lives in the master file,
/// so a second session reuses what the first read), then the application under SM.
fn pace_session(wire: &mut Wire, info: &PaceInfo, password: &PacePassword) -> SecureMessaging {
    let session = pace::establish(wire, info, password, &mut OsRandom).expect("PACE opens");
    let mut sm = SmTransport::new(wire, session);
    let selected = sm
        .send(&emrtd::select_application())
        .expect("SELECT under SM");
    assert_eq!(selected.status, StatusWord::SUCCESS);
    sm.into_secure_messaging()
}

/// The refusal PACE ends in with a wrong password.
fn pace_refusal(wire: &mut Wire, info: &PaceInfo, password: &PacePassword) -> PaceError {
    pace::establish(wire, info, password, &mut OsRandom).expect_err("PACE is refused")
}
