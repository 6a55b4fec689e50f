//! The decoder on hand-written streams: each command, each way a stream can be wrong.

use super::*;

/// `GS v 0` of one row, `stride` bytes wide, all black.
fn black_row(stride: u8) -> Vec<u8> {
    let mut command = vec![GS, b'v', b'0', 0, stride, 0, 1, 0];
    command.extend(std::iter::repeat_n(0xff, stride.into()));
    command
}

fn job(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

#[test]
fn every_command_of_the_subset() {
    let bytes = job(&[
        &[ESC, b'@'],
        &[ESC, b'a', 1],
        &[GS, b'v', b'0', 0, 1, 0, 2, 0, 0x80, 0x01],
        &[ESC, b'a', b'2'],
        &black_row(1),
        &[ESC, b'J', 5, ESC, b'd', 2, LF],
        &[GS, b'V', b'A', 0],
        &black_row(48),
        &[GS, b'V', 66, 7],
        &[GS, b'V', 1],
        &[ESC, b'J', 1],
    ]);
    let pages = decode(&bytes).expect("decodes");
    let heights: Vec<_> = pages
        .iter()
        .map(|page| (page.height(), page.is_cut()))
        .collect();
    assert_eq!(
        heights,
        [
            (3 + 5 + 60 + 30, true),
            (1 + 7, true),
            (0, true),
            (1, false)
        ]
    );
    let first = &pages[0];
    assert_eq!(first.width(), 384);
    // Centred: (384 - 8) / 2 = 188.
    assert!(first.is_black(188, 0) && !first.is_black(189, 0));
    assert!(first.is_black(195, 1) && !first.is_black(194, 1));
    // Right-aligned.
    assert!((376..384).all(|x| first.is_black(x, 2)) && !first.is_black(375, 2));
    assert!((0..384).all(|x| pages[1].is_black(x, 0)));
    assert!(!pages[3].is_black(0, 0));
}

#[test]
fn the_paper_is_the_narrowest_that_holds_the_widest_picture() {
    let narrow = decode(&black_row(48)).expect("decodes");
    assert_eq!(narrow[0].width(), 384);
    let wide = decode(&job(&[&black_row(49), &[ESC, b'a', 1], &black_row(1)])).expect("decodes");
    assert_eq!(wide[0].width(), 576);
    assert!(wide[0].is_black(284, 1));
    assert_eq!(decode(&[ESC, b'J', 3]).expect("decodes")[0].width(), 384);
    assert_eq!(decode(&[]).expect("decodes"), []);
    let known = decode_for_paper(&black_row(1), PaperWidth::Mm80).expect("decodes");
    assert_eq!(known[0].width(), 576);
}

#[test]
fn status_queries_between_commands_are_skipped() {
    let plain = job(&[&[ESC, b'@'], &black_row(2), &[GS, b'V', b'A', 0]]);
    let queried = job(&[
        &[DLE, 0x04, 1, ESC, b'@', GS, b'r', 1],
        &black_row(2),
        &[DLE, 0x04, 4, DLE, 0x04, 2, GS, b'r', 49],
        &[GS, b'V', b'A', 0],
        &[DLE, 0x04, 3],
    ]);
    assert_eq!(decode(&queried), decode(&plain));
}

#[test]
fn an_unknown_byte_is_named_with_its_offset() {
    let error = decode(&[ESC, b'@', b'H', b'i']).expect_err("text is not in the subset");
    assert_eq!(
        error,
        DecodeError {
            offset: 2,
            bytes: vec![b'H'],
            problem: Problem::Unknown
        }
    );
    assert_eq!(
        error.to_string(),
        "ESC/POS byte 2 (48): not a command of the subset the kiosk prints with"
    );
    let error = decode(&[LF, ESC, b'E', 1, 0]).expect_err("bold is not in the subset");
    assert_eq!((error.offset, &error.bytes[..]), (1, &[ESC, b'E', 1][..]));
    let error = decode(&[GS, b'(', b'k', 4, 0]).expect_err("no printer-side QR codes");
    assert_eq!(error.problem, Problem::Unknown);
    let error = decode(&[DLE, 0x14, 1]).expect_err("not a status query");
    assert_eq!(error.problem, Problem::Unknown);
}

#[test]
fn a_command_cut_short_says_how_much_it_needed() {
    let error = decode(&[ESC, b'@', GS, b'v', b'0', 0, 2, 0, 3, 0, 1, 2, 3]).expect_err("short");
    assert_eq!(
        error,
        DecodeError {
            offset: 2,
            bytes: vec![GS, b'v', b'0', 0, 2, 0, 3, 0],
            problem: Problem::Truncated {
                needed: 14,
                available: 11
            }
        }
    );
    assert!(
        error.to_string().contains("needs 14 bytes, 11 are left"),
        "{error}"
    );
    for short in [
        &[ESC][..],
        &[ESC, b'a'],
        &[GS, b'V', b'A'],
        &[GS, b'v'],
        &[DLE, 0x04],
        &[GS, b'v', b'0', 0, 1],
    ] {
        let error = decode(short).expect_err("short");
        assert!(
            matches!(error.problem, Problem::Truncated { .. }),
            "{short:?}: {error}"
        );
        assert_eq!(error.offset, 0);
    }
}

#[test]
fn parameters_outside_the_subset_are_refused() {
    for bytes in [
        &[ESC, b'a', 3][..],
        &[GS, b'v', b'0', 1, 1, 0, 1, 0, 0],
        &[GS, b'v', b'0', 0, 0, 0, 1, 0],
        &[GS, b'v', b'0', 0, 1, 0, 0, 0],
        &[GS, b'V', 2],
        &[DLE, 0x04, 0],
        &[DLE, 0x04, 5],
        &[GS, b'r', 3],
    ] {
        let error = decode(bytes).expect_err("refused");
        assert!(
            matches!(error.problem, Problem::Unsupported(_)),
            "{bytes:?}: {error}"
        );
    }
    let error = decode(&[GS, b'v', b'1', 0, 1, 0, 1, 0, 0]).expect_err("GS v 1 is unknown");
    assert_eq!(error.problem, Problem::Unknown);
}

#[test]
fn pictures_wider_than_the_paper_are_refused() {
    let error = decode(&[GS, b'v', b'0', 0, 73, 0, 1, 0]).expect_err("too wide");
    assert_eq!(
        error.problem,
        Problem::TooWide {
            width: 584,
            paper: 576
        }
    );
    let error =
        decode_for_paper(&job(&[&[LF], &black_row(49)]), PaperWidth::Mm58).expect_err("too wide");
    assert_eq!(error.offset, 1);
    assert_eq!(
        error.problem,
        Problem::TooWide {
            width: 392,
            paper: 384
        }
    );
}

#[test]
fn a_page_longer_than_the_limit_is_refused() {
    let feeds = [ESC, b'J', 255].repeat(200);
    let error = decode(&feeds).expect_err("51 000 dots");
    assert_eq!(error.problem, Problem::TooLong { max: MAX_PAGE_DOTS });
    assert_eq!(error.offset, 3 * (MAX_PAGE_DOTS as usize / 255));
    let cut_in_time = job(&[&feeds[..300], &[GS, b'V', 0], &feeds[..300]]);
    assert_eq!(decode(&cut_in_time).expect("two pages").len(), 2);
}

#[test]
fn a_stream_longer_than_the_limit_is_refused() {
    // Four ESC d 255 and a cut: 30 600 rows a page in 15 bytes.
    let page = job(&[&[ESC, b'd', 255].repeat(4), &[GS, b'V', 0]]);
    let pages = MAX_STREAM_DOTS as usize / (4 * 255 * 30);
    assert_eq!(
        decode(&page.repeat(pages)).expect("within the limit").len(),
        pages
    );
    let error = decode(&page.repeat(pages + 1)).expect_err("too much paper");
    assert_eq!(
        error.problem,
        Problem::StreamTooLong {
            max: MAX_STREAM_DOTS
        }
    );
    assert_eq!(error.offset / page.len(), pages);
}
