//! The receipts as they come out of the printer, dot for dot, against the pictures in
//! `tests/golden/`. Each page is decoded from the ESC/POS bytes, so a change anywhere from
//! layout to encoding shows here. `KIOSK_BLESS=1` rewrites the pictures.

mod common;

use common::{assert_golden, dossier_receipt, edge_cases, queue_ticket};
use kiosk_receipt::{PaperWidth, Receipt, decode, encode};

fn printed(receipt: &Receipt, paper: PaperWidth) -> Vec<kiosk_receipt::Page> {
    decode(&encode(receipt, paper).expect("lays out")).expect("decodes")
}

#[test]
fn dossier_receipt_on_both_widths() {
    for (paper, name) in [
        (PaperWidth::Mm58, "dossier-58"),
        (PaperWidth::Mm80, "dossier-80"),
    ] {
        let pages = printed(&dossier_receipt(), paper);
        assert_eq!(pages.len(), 1);
        assert_golden(name, &pages[0]);
    }
}

#[test]
fn demo_queue_ticket() {
    let pages = printed(&queue_ticket().demo(true), PaperWidth::Mm58);
    assert_eq!(pages.len(), 1);
    assert_golden("queue-ticket-demo-58", &pages[0]);
}

#[test]
fn edge_cases_on_two_pieces_of_paper() {
    let pages = printed(&edge_cases(), PaperWidth::Mm80);
    assert_eq!(pages.len(), 2, "the trailing cut is the receipt's own");
    assert_golden("edge-cases-80-1", &pages[0]);
    assert_golden("edge-cases-80-2", &pages[1]);
}
