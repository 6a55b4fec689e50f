//! Host-side cost of one full read and verification of a sample card (issue 3, point 11):
//! `Verifier::read_and_verify` against the emulated chip in-process, so no reader or
//! transport latency is in the figure. The emulator's own work (its half of PACE, secure
//! messaging and Chip or Active Authentication) is, and is reported apart once per card,
//! with the number of APDUs and bytes one read exchanges.
//!
//! `cargo bench -p kiosk-identity --bench read_verify -- --warm-up-time 1 --measurement-time 5`

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use kiosk_identity::access_key::candidates_from_qr;
use kiosk_identity::emulator::{CardFolder, CccdChip};
use kiosk_identity::passive::TrustStore;
use kiosk_identity::qr::CccdQr;
use kiosk_identity::reader::ReadOptions;
use kiosk_identity::sample_cards::write_sample_set;
use kiosk_identity::sm::OsRandom;
use kiosk_identity::transport::{CardTransport, TransportError};
use kiosk_identity::verify::{Verdict, Verifier};

/// The reader's side of the wire, counting what crosses it and the time the chip takes.
struct CountingWire {
    chip: CccdChip,
    apdus: usize,
    bytes_sent: usize,
    bytes_received: usize,
    chip_time: Duration,
}

impl CountingWire {
    fn new(chip: CccdChip) -> Self {
        Self {
            chip,
            apdus: 0,
            bytes_sent: 0,
            bytes_received: 0,
            chip_time: Duration::ZERO,
        }
    }
}

impl CardTransport for CountingWire {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let started = Instant::now();
        let response = self.chip.process_apdu(command);
        self.chip_time += started.elapsed();
        self.apdus += 1;
        self.bytes_sent += command.len();
        self.bytes_received += response.len();
        Ok(response)
    }
}

/// A light transport for the timed loop: the chip alone.
struct Wire(CccdChip);

impl CardTransport for Wire {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        Ok(self.0.process_apdu(command))
    }
}

fn load(folder: &Path) -> CccdChip {
    CardFolder::load(folder).unwrap_or_else(|error| panic!("load {}: {error}", folder.display()))
}

/// Reads that split the time between host and chip, averaged: one read is too short for
/// a single clock reading to mean much.
const SPLIT_READS: u32 = 20;

fn read_verify(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let set = write_sample_set(dir.path(), &mut OsRandom).expect("the sample set is written");
    let (trust_store, _) = TrustStore::from_folder(&set.trust_dir).expect("the trust folder");
    let now = SystemTime::now();
    let options = ReadOptions {
        extended_length: false,
    };
    let verifier = Verifier {
        trust_store: &trust_store,
        options,
        now,
    };

    let mut group = c.benchmark_group("read_verify");
    for card in &set.cards {
        let qr = CccdQr::parse(&card.qr_text).expect("the sample QR parses");
        let keys = candidates_from_qr(&qr);
        let name = card
            .folder
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();

        // What one read exchanges, and how much of its time is the chip's.
        let mut total = Duration::ZERO;
        let mut chip = Duration::ZERO;
        let mut exchanged = None;
        for _ in 0..SPLIT_READS {
            let mut wire = CountingWire::new(load(&card.folder));
            let started = Instant::now();
            let verification = verifier
                .read_and_verify(&mut wire, &keys, Some(&qr), &mut OsRandom, |_| {})
                .expect("the sample card reads");
            total += started.elapsed();
            chip += wire.chip_time;
            assert_eq!(verification.verdict(), Verdict::Genuine, "{name}");
            exchanged = Some((
                wire.apdus,
                wire.bytes_sent,
                wire.bytes_received,
                verification.access,
            ));
        }
        if let Some((apdus, sent, received, access)) = exchanged {
            eprintln!(
                "read_verify/{name}: {access:?}, {apdus} APDUs, {sent} bytes sent, {received} \
                 bytes received ({} in all); mean of {SPLIT_READS} reads: {:.2?} in all, \
                 {:.2?} of it in the emulated chip, {:.2?} on the host",
                sent + received,
                total / SPLIT_READS,
                chip / SPLIT_READS,
                total.saturating_sub(chip) / SPLIT_READS,
            );
        }

        group.bench_function(&name, |b| {
            b.iter_batched(
                || Wire(load(&card.folder)),
                |mut wire| {
                    let verification = verifier
                        .read_and_verify(&mut wire, &keys, Some(&qr), &mut OsRandom, |_| {})
                        .expect("the sample card reads");
                    black_box(verification)
                },
                BatchSize::SmallInput,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, read_verify);
criterion_main!(benches);
