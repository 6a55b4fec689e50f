//! A whole test world on disk: the test CSCA the kiosk trusts, every sample citizen's
//! genuine card, and the forged cards the kiosk must reject, each with the check that
//! catches it (issue 3, point 7).
//!
//! ```text
//! root/
//!   trust/csca.cer            the test CSCA, DER        (TrustStore::from_folder loads
//!   trust/master-list.ml      an ICAO master list of it  either; they hold the same CSCA)
//!   cards/<citizen>/          one card folder per sample citizen
//!   forged/<kind>/            one card folder per Forgery
//! ```

use std::path::{Path, PathBuf};

use crate::clone_detection::{EcCurve, EcPrivateKey};
use crate::emulator::{ChipKeys, ChipPrivateKey};
use crate::lds::{DataGroup, LdsFile};
use crate::passive::PassiveAuthFailure;
use crate::passive::build::{
    BuildError, KeyAlgorithm, Role, SigningKey, TestPki, ValidityWindow, build_master_list,
    today_utc,
};
use crate::sm::RandomSource;
use crate::verify::{NotGenuine, Verdict};

use super::{SampleCard, SampleCardError, SampleCitizen, create_dir, sample_citizens, write};

/// The test CSCA's certificate in the trust folder.
pub const TRUSTED_CSCA_FILE: &str = "csca.cer";
/// A master list holding the test CSCA, in the trust folder.
pub const MASTER_LIST_FILE: &str = "master-list.ml";
/// The country of the test PKIs.
const COUNTRY: &str = "VN";

/// The ways a sample card is forged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Forgery {
    /// DG13 changed after signing (another name): its hash no longer matches the SOD.
    TamperedDg13,
    /// EF.SOD names the genuine Document Signer but was signed by another key.
    WrongSodSignature,
    /// A whole PKI of the forger's own, with a CSCA of the same name as the trusted one
    /// but not in the trust folder.
    UnknownCsca,
    /// Signed by a Document Signer of the trusted CSCA whose certificate has expired.
    ExpiredSigner,
    /// Every file of a genuine card copied onto a chip with keys of its own: passive
    /// authentication passes, Chip and Active Authentication cannot.
    ClonedChip,
}

impl Forgery {
    pub const ALL: [Self; 5] = [
        Self::TamperedDg13,
        Self::WrongSodSignature,
        Self::UnknownCsca,
        Self::ExpiredSigner,
        Self::ClonedChip,
    ];

    /// The folder name under `forged/`.
    pub fn folder_name(self) -> &'static str {
        match self {
            Self::TamperedDg13 => "tampered-dg13",
            Self::WrongSodSignature => "wrong-sod-signature",
            Self::UnknownCsca => "unknown-csca",
            Self::ExpiredSigner => "expired-signer",
            Self::ClonedChip => "cloned-chip",
        }
    }

    /// The check that must reject the card.
    pub fn expected_failure(self) -> ExpectedFailure {
        match self {
            Self::TamperedDg13 => ExpectedFailure::PassiveAuthentication(
                PassiveAuthFailure::DataGroupHashMismatch(DataGroup::Dg13),
            ),
            Self::WrongSodSignature => {
                ExpectedFailure::PassiveAuthentication(PassiveAuthFailure::BadSignature)
            }
            Self::UnknownCsca => {
                ExpectedFailure::PassiveAuthentication(PassiveAuthFailure::UnknownCsca)
            }
            Self::ExpiredSigner => {
                ExpectedFailure::PassiveAuthentication(PassiveAuthFailure::SignerExpired)
            }
            Self::ClonedChip => ExpectedFailure::CloneDetection,
        }
    }
}

/// Which check rejects a forged card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectedFailure {
    /// Passive authentication, with this as its first failure.
    PassiveAuthentication(PassiveAuthFailure),
    /// Passive authentication passes; Chip Authentication and Active Authentication both
    /// fail, because the chip does not hold the keys of DG14 and DG15.
    CloneDetection,
}

/// A genuine card of the set.
#[derive(Debug, Clone)]
pub struct GeneratedCard {
    pub citizen: SampleCitizen,
    pub folder: PathBuf,
    /// The text of the QR code printed on the card.
    pub qr_text: String,
    /// The Card Access Number (the last 6 digits of the ID number).
    pub can: String,
}

impl GeneratedCard {
    /// What the kiosk must conclude: genuine.
    pub fn expected_verdict(&self) -> Verdict {
        Verdict::Genuine
    }
}

/// A forged card of the set.
#[derive(Debug, Clone)]
pub struct ForgedCard {
    pub kind: Forgery,
    pub folder: PathBuf,
    /// The QR text of the card the forgery imitates.
    pub qr_text: String,
    pub can: String,
    pub expected_failure: ExpectedFailure,
}

impl ForgedCard {
    /// What the kiosk must conclude ([`crate::verify::CardVerification::verdict`]).
    pub fn expected_verdict(&self) -> Verdict {
        Verdict::NotGenuine(match &self.expected_failure {
            ExpectedFailure::PassiveAuthentication(failure) => {
                NotGenuine::PassiveAuthentication(failure.clone())
            }
            ExpectedFailure::CloneDetection => NotGenuine::CloneCheckFailed,
        })
    }
}

/// What [`write_sample_set`] wrote.
#[derive(Debug, Clone)]
pub struct SampleSet {
    /// The folder for [`crate::passive::TrustStore::from_folder`].
    pub trust_dir: PathBuf,
    pub cards: Vec<GeneratedCard>,
    pub forged: Vec<ForgedCard>,
}

impl SampleSet {
    pub fn forged(&self, kind: Forgery) -> Option<&ForgedCard> {
        self.forged.iter().find(|card| card.kind == kind)
    }

    /// The verdict expected for the card in `folder`, if it belongs to the set.
    pub fn expected_verdict(&self, folder: &Path) -> Option<Verdict> {
        self.cards
            .iter()
            .find(|card| card.folder == folder)
            .map(GeneratedCard::expected_verdict)
            .or_else(|| {
                self.forged
                    .iter()
                    .find(|card| card.folder == folder)
                    .map(ForgedCard::expected_verdict)
            })
    }
}

/// Writes the trust folder, every sample citizen's genuine card and every [`Forgery`]
/// under `root` (created if needed). Only elliptic-curve keys are generated (the RSA
/// chip uses a shipped key), so a whole set takes well under a second in a release build.
pub fn write_sample_set(
    root: &Path,
    rng: &mut dyn RandomSource,
) -> Result<SampleSet, SampleCardError> {
    let pki = TestPki::generate(COUNTRY, rng)?;
    let trust_dir = root.join("trust");
    create_dir(&trust_dir)?;
    write(
        &trust_dir.join(TRUSTED_CSCA_FILE),
        pki.csca.certificate.to_der(),
    )?;
    let master_list = build_master_list(
        std::slice::from_ref(&pki.csca.certificate),
        &pki.master_list_signer.certificate,
        &pki.master_list_signer.key,
    )?;
    write(&trust_dir.join(MASTER_LIST_FILE), &master_list)?;

    let citizens = sample_citizens();
    let mut cards = Vec::new();
    let mut issued = Vec::new();
    for citizen in &citizens {
        let card = SampleCard::issue(citizen, &pki.document_signer, rng)?;
        let folder = root.join("cards").join(citizen.folder_name());
        card.write_to(&folder)?;
        cards.push(GeneratedCard {
            citizen: citizen.clone(),
            folder,
            qr_text: card.qr_text.clone(),
            can: card.can.clone(),
        });
        issued.push(card);
    }

    let mut forged = Vec::new();
    for (index, kind) in Forgery::ALL.into_iter().enumerate() {
        // Each forgery imitates another citizen, round the list.
        let slot = index % citizens.len();
        let (Some(citizen), Some(original)) = (citizens.get(slot), issued.get(slot)) else {
            continue;
        };
        let card = forge(kind, citizen, original, &pki, rng)?;
        let folder = root.join("forged").join(kind.folder_name());
        card.write_to(&folder)?;
        forged.push(ForgedCard {
            kind,
            folder,
            qr_text: card.qr_text.clone(),
            can: card.can.clone(),
            expected_failure: kind.expected_failure(),
        });
    }

    Ok(SampleSet {
        trust_dir,
        cards,
        forged,
    })
}

/// A forged card imitating `citizen`, whose genuine card is `original`, as a forger would
/// make it.
fn forge(
    kind: Forgery,
    citizen: &SampleCitizen,
    original: &SampleCard,
    pki: &TestPki,
    rng: &mut dyn RandomSource,
) -> Result<SampleCard, SampleCardError> {
    match kind {
        Forgery::TamperedDg13 => {
            let mut card = original.clone();
            let mut dg13 = citizen.dg13()?;
            dg13.full_name = crate::pii::Sensitive::new(format!("{} Giả", citizen.full_name));
            card.set_file(
                LdsFile::DataGroup(DataGroup::Dg13),
                dg13.to_der(citizen.parent_wrapping),
            );
            Ok(card)
        }
        Forgery::WrongSodSignature => {
            let mut card = SampleCard::issue(citizen, &pki.document_signer, rng)?;
            let forger_key =
                SigningKey::generate(KeyAlgorithm::default(), rng).map_err(BuildError::from)?;
            card.sign(&pki.document_signer.certificate, &forger_key)?;
            Ok(card)
        }
        Forgery::UnknownCsca => {
            let forger = TestPki::generate(COUNTRY, rng)?;
            SampleCard::issue(citizen, &forger.document_signer, rng)
        }
        Forgery::ExpiredSigner => {
            let today = today_utc();
            // Valid for two years, ended a month ago.
            let validity = ValidityWindow::around(today, 2 * 365 + 30, -30)
                .ok_or(SampleCardError::DateOutOfRange)?;
            let expired = pki.issue(
                Role::DocumentSigner,
                "Document Signer TEST expired",
                KeyAlgorithm::default(),
                validity,
                rng,
            )?;
            SampleCard::issue(citizen, &expired, rng)
        }
        Forgery::ClonedChip => clone_chip(original, rng),
    }
}

/// Every file of `original` on a chip with fresh keys of the same kinds: DG14 and DG15
/// (copied, and still signed) name keys this chip does not hold.
fn clone_chip(
    original: &SampleCard,
    rng: &mut dyn RandomSource,
) -> Result<SampleCard, SampleCardError> {
    let mut clone = original.clone();
    let active_authentication = match &original.keys.active_authentication {
        Some(ChipPrivateKey::Ec(key)) => {
            Some(ChipPrivateKey::Ec(EcPrivateKey::random(key.curve(), rng)?))
        }
        // No RSA key generation here (slow); an EC key cannot produce an RSA signature
        // either, so the clone still fails Active Authentication.
        Some(ChipPrivateKey::Rsa(_)) => Some(ChipPrivateKey::Ec(EcPrivateKey::random(
            EcCurve::NistP256,
            rng,
        )?)),
        None => None,
    };
    let chip_authentication = match &original.keys.chip_authentication {
        Some(key) => Some(EcPrivateKey::random(key.curve(), rng)?),
        None => None,
    };
    clone.keys = ChipKeys {
        chip_authentication,
        active_authentication,
    };
    Ok(clone)
}
