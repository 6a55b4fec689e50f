//! What the layout means, what the bytes say and what the decoder reads are the same dots;
//! and the properties of a receipt that must hold whatever the text.

mod common;

use common::{dossier_receipt, edge_cases, queue_ticket};
use kiosk_receipt::{
    LayoutError, MAX_PAGE_DOTS, Page, PaperWidth, Problem, Receipt, Text, decode, encode, render,
};

const PAPERS: [PaperWidth; 2] = [PaperWidth::Mm58, PaperWidth::Mm80];

fn samples() -> Vec<Receipt> {
    vec![
        dossier_receipt(),
        queue_ticket(),
        queue_ticket().demo(true),
        edge_cases(),
        Receipt::new(),
    ]
}

fn pages(receipt: &Receipt, paper: PaperWidth) -> Vec<Page> {
    render(receipt, paper).expect("lays out").pages()
}

fn black_dots(page: &Page, rows: std::ops::Range<u32>) -> usize {
    rows.flat_map(|y| (0..page.width()).map(move |x| (x, y)))
        .filter(|&(x, y)| page.is_black(x, y))
        .count()
}

#[test]
fn decoding_the_bytes_gives_the_laid_out_dots() {
    for receipt in samples() {
        for paper in PAPERS {
            let printout = render(&receipt, paper).expect("lays out");
            let decoded = decode(&printout.to_escpos()).expect("decodes");
            assert_eq!(decoded, printout.pages(), "{paper}");
            assert!(
                decoded
                    .iter()
                    .all(|page| page.width() == paper.dots() && page.is_cut())
            );
        }
    }
}

#[test]
fn decomposed_vietnamese_prints_as_precomposed() {
    let precomposed = "Nguyễn Thị Hồng Nhung, Phường Đông Hưng Thuận, Quận 12, Thành phố Hồ Chí Minh\n\
                       ĂÂĐÊÔƠƯ ăâđêôơư ÀẢÃÁẠ àảãáạ Ỳ Ỷ Ỹ Ý Ỵ";
    let decomposed = "Nguye\u{302}\u{303}n Thi\u{323} Ho\u{302}\u{300}ng Nhung, Phu\u{31b}o\u{31b}\u{300}ng \
                      \u{110}o\u{302}ng Hu\u{31b}ng Thua\u{323}\u{302}n, Qua\u{323}\u{302}n 12, Tha\u{300}nh \
                      pho\u{302}\u{301} Ho\u{302}\u{300} Chi\u{301} Minh\n\
                      A\u{306}A\u{302}\u{110}E\u{302}O\u{302}O\u{31b}U\u{31b} a\u{306}a\u{302}\u{111}e\u{302}o\u{302}o\u{31b}u\u{31b} \
                      A\u{300}A\u{309}A\u{303}A\u{301}A\u{323} a\u{300}a\u{309}a\u{303}a\u{301}a\u{323} \
                      Y\u{300} Y\u{309} Y\u{303} Y\u{301} Y\u{323}";
    assert_ne!(precomposed, decomposed);
    let receipt = |text: &str| {
        Receipt::new()
            .title(text)
            .text(text)
            .text(Text::new(text).bold().right())
            .row(text, text)
    };
    for paper in PAPERS {
        assert_eq!(
            pages(&receipt(decomposed), paper),
            pages(&receipt(precomposed), paper)
        );
    }
}

#[test]
fn missing_characters_print_as_the_same_box() {
    let printed = |text: &str| pages(&Receipt::new().text(text), PaperWidth::Mm58);
    let emoji = printed("a😀b");
    assert_eq!(printed("a中b"), emoji);
    assert_eq!(printed("a\u{1}b"), emoji);
    assert_ne!(printed("ab"), emoji);
    let page = &emoji[0];
    assert!(black_dots(page, 0..page.height()) > black_dots(&printed("ab")[0], 0..page.height()));
}

#[test]
fn nothing_prints_in_the_margins() {
    let long_word = "0".repeat(300);
    let receipt = Receipt::new()
        .title(&long_word)
        .text(long_word.as_str())
        .text(Text::new(long_word.as_str()).large().right())
        .row(&long_word, &long_word)
        .separator();
    for paper in PAPERS {
        // 1 mm a side on 58 mm paper, 2 mm on 80 mm.
        let margin = match paper {
            PaperWidth::Mm58 => 8,
            PaperWidth::Mm80 => 16,
        };
        for page in pages(&receipt, paper) {
            for y in 0..page.height() {
                for x in (0..margin).chain(paper.dots() - margin..paper.dots()) {
                    assert!(!page.is_black(x, y), "{paper}: ink at {x},{y}");
                }
            }
            // The word went on, line after line, rather than off the edge.
            assert!(page.height() > 1000, "{paper}: {}", page.height());
        }
    }
}

#[test]
fn an_empty_receipt_is_a_blank_strip() {
    for paper in PAPERS {
        let bytes = encode(&Receipt::new(), paper).expect("lays out");
        // ESC @, the top margin (its first row as a band, to tell the paper's width),
        // the margin before the cut, the cut.
        let stride = paper.dots() as usize / 8;
        let mut expected = vec![0x1b, b'@', 0x1d, b'v', b'0', 0, stride as u8, 0, 1, 0];
        expected.extend(vec![0; stride]);
        expected.extend([0x1b, b'J', 7, 0x1b, b'd', 3, 0x1d, b'V', b'A', 0]);
        assert_eq!(bytes, expected);
        let pages = decode(&bytes).expect("decodes");
        assert_eq!(pages.len(), 1);
        assert_eq!(
            (pages[0].width(), pages[0].height()),
            (paper.dots(), 8 + 90)
        );
        assert_eq!(black_dots(&pages[0], 0..pages[0].height()), 0);
    }
}

#[test]
fn a_demo_receipt_says_so_at_the_top_and_bottom_of_every_piece() {
    let receipt = queue_ticket().cut().text("Liên 2");
    for paper in PAPERS {
        let real = pages(&receipt, paper);
        let demo = pages(&receipt.clone().demo(true), paper);
        assert_eq!((real.len(), demo.len()), (2, 2));
        for (real, demo) in real.iter().zip(&demo) {
            let height = demo.height();
            // The banner is a black bar of well over 60 rows, below the top margin and
            // above the bottom one (90 dots of feed before the cut).
            let top = 8..72;
            let bottom = height - 90 - 64..height - 90;
            let bar = |page: &Page, rows: std::ops::Range<u32>| {
                black_dots(page, rows.clone()) * 10 > 6 * (rows.len() * page.width() as usize)
            };
            assert!(
                bar(demo, top.clone()) && bar(demo, bottom.clone()),
                "{paper}"
            );
            assert!(!bar(real, top) && !bar(real, 0..real.height()), "{paper}");
            assert!(height > real.height() + 2 * 64);
        }
    }
}

#[test]
fn a_qr_code_too_big_for_the_paper_is_an_error() {
    let receipt = Receipt::new().qr("x".repeat(600), None);
    assert_eq!(
        render(&receipt, PaperWidth::Mm58).err(),
        Some(LayoutError::QrTooLarge {
            bytes: 600,
            paper: PaperWidth::Mm58
        })
    );
    assert!(render(&receipt, PaperWidth::Mm80).is_ok());
}

#[test]
fn a_receipt_longer_than_a_page_is_an_error() {
    let receipt = Receipt::new().text("a").space(u32::MAX);
    assert_eq!(
        render(&receipt, PaperWidth::Mm80).err(),
        Some(LayoutError::TooLong { max: MAX_PAGE_DOTS })
    );
    // Each piece of paper has the limit to itself.
    let pieces = (0..3).fold(Receipt::new(), |receipt, _| receipt.space(3000).cut());
    assert_eq!(pages(&pieces, PaperWidth::Mm58).len(), 3);
}

#[test]
fn status_queries_between_jobs_are_skipped() {
    let first = encode(&dossier_receipt(), PaperWidth::Mm80).expect("lays out");
    let second = encode(&queue_ticket(), PaperWidth::Mm80).expect("lays out");
    let plain = decode(&[first.clone(), second.clone()].concat()).expect("decodes");
    let queried = [
        &[0x10, 0x04, 1][..],
        &first,
        &[0x10, 0x04, 4, 0x1d, b'r', 1, 0x10, 0x04, 2],
        &second,
        &[0x1d, b'r', 2],
    ]
    .concat();
    assert_eq!(decode(&queried).expect("decodes"), plain);
    assert_eq!(plain.len(), 2);
}

#[test]
fn a_job_cut_anywhere_is_an_error_or_what_came_before_never_a_panic() {
    let job = encode(&edge_cases(), PaperWidth::Mm58).expect("lays out");
    let mut whole_commands = 0;
    for end in 0..job.len() {
        match decode(&job[..end]) {
            Ok(_) => whole_commands += 1,
            Err(error) => {
                assert!(
                    matches!(error.problem, Problem::Truncated { .. }),
                    "at {end}: {error}"
                );
                assert!(
                    error.offset < end && !error.bytes.is_empty(),
                    "at {end}: {error}"
                );
            }
        }
    }
    assert!(whole_commands > 20, "{whole_commands}");
}

#[test]
fn a_stray_byte_after_a_job_is_named() {
    let mut job = encode(&queue_ticket(), PaperWidth::Mm58).expect("lays out");
    let end = job.len();
    job.extend(b"OK");
    let error = decode(&job).expect_err("text is not in the subset");
    assert_eq!((error.offset, &error.bytes[..]), (end, &b"O"[..]));
    assert_eq!(error.problem, Problem::Unknown);
}
