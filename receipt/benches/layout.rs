//! Time to turn a typical one-stop receipt (title, eight rows, a tracking QR code, a
//! closing line) into printer bytes on 80 mm paper, one thread: what the kiosk spends
//! between "submit" and the printer starting. `cargo bench -p kiosk-receipt`.
//!
//! Goal: under 20 ms. Also timed apart: the layout alone (text and QR to dots) and the
//! encoding alone, and decoding the bytes back, which the demo does for every receipt.

use criterion::{Criterion, criterion_group, criterion_main};
use kiosk_receipt::{PaperWidth, decode, encode, render};

// The tests' receipts: the one timed here is the one whose picture they check.
#[path = "../tests/common/mod.rs"]
mod common;

fn receipt(c: &mut Criterion) {
    let receipt = common::dossier_receipt();
    let paper = PaperWidth::Mm80;
    let printout = render(&receipt, paper).expect("lays out");
    let bytes = printout.to_escpos();
    let mut group = c.benchmark_group("dossier receipt 576 dots");
    group.bench_function("layout and encode", |b| b.iter(|| encode(&receipt, paper)));
    group.bench_function("layout", |b| b.iter(|| render(&receipt, paper)));
    group.bench_function("encode", |b| b.iter(|| printout.to_escpos()));
    group.bench_function("decode", |b| b.iter(|| decode(&bytes)));
    group.finish();
    println!(
        "job: {} bytes for {} dot rows",
        bytes.len(),
        printout.pages()[0].height()
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = receipt
}
criterion_main!(benches);
