//! A laid-out receipt and its ESC/POS bytes.
//!
//! The job is `ESC @`, then each picture as `GS v 0` bands (`ESC a` before a narrower one
//! to centre it), white stretches as `ESC J` feeds, and for each piece of paper `ESC d`
//! and `GS V A 0`. escpos writes the fixed commands; it has no raster-band or dot-feed
//! call, so those two we build and hand it through `custom`.

use std::cell::RefCell;

use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{JustifyMode, Protocol};

use crate::model::Align;
use crate::page::{Page, Sheet};
use crate::paper::PaperWidth;
use crate::raster::Raster;

/// Rows in one `GS v 0` band: 16 mm of paper, 9 KB at 576 dots (6 KB at 384), under a
/// second at 115 200 baud. Printers take an image as one command, and budget ones buffer
/// it whole before printing, so a small band keeps the printer's buffer small and lets a
/// paper-out stop the job at the next 16 mm rather than after a whole receipt. Smaller
/// still would only add headers (8 bytes each) and pauses between bands.
pub(crate) const BAND_ROWS: u32 = 128;

/// A white stretch at least this tall is sent as a feed (3 bytes) instead of white rows
/// (72 bytes a row at 576 dots); shorter ones, the gaps between text lines, go with the
/// band so that bands are not chopped into slivers. One millimetre.
const MIN_FEED_ROWS: u32 = 8;

/// Line feeds before each cut: 3 lines of 30 dots, 11 mm, the receipt's bottom margin.
/// The cut, `GS V A 0` (function B), then feeds the paper on until the last line is past
/// the cutter before it cuts, whatever the printer's distance from head to cutter.
pub(crate) const FEED_LINES_BEFORE_CUT: u8 = 3;

/// Dots one line feed moves the paper: the default line spacing `ESC @` restores, 1/6
/// inch at the 180 dpi of the first ESC/POS printers, 30 dots on today's 203 dpi heads.
pub(crate) const LINE_DOTS: u32 = 30;

const GS: u8 = 0x1d;
const ESC: u8 = 0x1b;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// A picture placed as `align` places it: a full-width strip of text, or the QR code
    /// centred.
    Image { align: Align, raster: Raster },
    /// The end of a piece of paper.
    Cut,
}

/// A receipt laid out for one paper width: pictures in order and the cuts between them.
/// [`Printout::to_escpos`] is the job for the printer, [`Printout::pages`] what it prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printout {
    pub(crate) paper: PaperWidth,
    pub(crate) pieces: Vec<Piece>,
}

impl Printout {
    pub fn paper(&self) -> PaperWidth {
        self.paper
    }

    /// The pieces of paper this printout comes out as, exactly as [`crate::decode()`] reads
    /// them back from [`Printout::to_escpos`]: for a preview, or a PNG of a receipt.
    pub fn pages(&self) -> Vec<Page> {
        let mut sheet = Sheet::new(self.paper);
        let mut pages = Vec::new();
        for piece in &self.pieces {
            match piece {
                Piece::Image { align, raster } => {
                    sheet.print(*align, raster.stride(), raster.rows(0, raster.height()));
                }
                Piece::Cut => {
                    sheet.feed(u32::from(FEED_LINES_BEFORE_CUT) * LINE_DOTS);
                    pages.push(sheet.take(true));
                }
            }
        }
        pages
    }

    /// The print job.
    pub fn to_escpos(&self) -> Vec<u8> {
        let mut printer = Printer::new(Collector::default(), Protocol::default(), None);
        let mut align = Align::Left;
        printer.init().expect(ESCPOS_INFALLIBLE);
        for piece in &self.pieces {
            match piece {
                Piece::Image {
                    align: wanted,
                    raster,
                } => {
                    if *wanted != align {
                        align = *wanted;
                        printer
                            .justify(justify_mode(align))
                            .expect(ESCPOS_INFALLIBLE);
                    }
                    for command in image_commands(raster, self.paper) {
                        printer.custom(&command).expect(ESCPOS_INFALLIBLE);
                    }
                }
                Piece::Cut => {
                    printer
                        .feeds(FEED_LINES_BEFORE_CUT)
                        .and_then(|printer| printer.cut())
                        .expect(ESCPOS_INFALLIBLE);
                }
            }
        }
        printer.print().expect(ESCPOS_INFALLIBLE);
        printer.driver().bytes.into_inner()
    }
}

/// The calls above only queue fixed bytes and hand them to [`Collector`], which cannot
/// fail; escpos errs on text it cannot encode and on a driver's I/O, neither of which
/// happens here.
const ESCPOS_INFALLIBLE: &str = "escpos cannot fail writing fixed commands into memory";

fn justify_mode(align: Align) -> JustifyMode {
    match align {
        Align::Left => JustifyMode::LEFT,
        Align::Centre => JustifyMode::CENTER,
        Align::Right => JustifyMode::RIGHT,
    }
}

/// `GS v 0` bands for the inked stretches of a picture, `ESC J` feeds for the white ones.
///
/// The first row of a picture as wide as the paper goes as a band even when it is white:
/// that way every job says how wide its paper is, which [`crate::decode()`] reads from its
/// widest picture (every piece of paper starts with a full-width strip, if only its
/// margin). It costs one row.
fn image_commands(raster: &Raster, paper: PaperWidth) -> Vec<Vec<u8>> {
    let mut commands = Vec::new();
    let height = raster.height();
    let full_width = raster.width() == paper.dots();
    let mut y = 0;
    while y < height {
        let white = if y == 0 && full_width {
            0
        } else {
            white_run(raster, y)
        };
        if white > 0 && (white >= MIN_FEED_ROWS || y + white == height) {
            commands.extend(feed_commands(white));
            y += white;
            continue;
        }
        // An inked stretch runs up to the next white run long enough to be fed.
        let mut end = y + white.max(1);
        while end < height {
            let run = white_run(raster, end);
            if run >= MIN_FEED_ROWS || end + run == height {
                break;
            }
            end += run.max(1);
        }
        let mut top = y;
        while top < end {
            let rows = (end - top).min(BAND_ROWS);
            commands.push(band(raster, top, rows));
            top += rows;
        }
        y = end;
    }
    commands
}

/// White rows from `y` down.
fn white_run(raster: &Raster, y: u32) -> u32 {
    (y..raster.height())
        .take_while(|&row| raster.row_is_white(row))
        .count() as u32
}

/// `ESC J n`: feeds n dots (the vertical motion unit, one dot row on 203 dpi printers).
fn feed_commands(dots: u32) -> impl Iterator<Item = Vec<u8>> {
    let full = dots / 255;
    let rest = dots % 255;
    std::iter::repeat_n(vec![ESC, b'J', 255], full as usize)
        .chain((rest > 0).then(|| vec![ESC, b'J', rest as u8]))
}

/// `GS v 0 m xL xH yL yH d…` with m = 0 (no scaling): x in bytes, y in rows.
fn band(raster: &Raster, top: u32, rows: u32) -> Vec<u8> {
    let stride = raster.stride() as u16;
    let data = raster.rows(top, rows);
    let mut command = Vec::with_capacity(8 + data.len());
    command.extend([GS, b'v', b'0', 0]);
    command.extend(stride.to_le_bytes());
    command.extend((rows as u16).to_le_bytes());
    command.extend(data);
    command
}

/// An escpos driver that keeps what it is given.
#[derive(Default)]
struct Collector {
    bytes: RefCell<Vec<u8>>,
}

impl Driver for Collector {
    fn name(&self) -> String {
        "memory".to_owned()
    }

    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.bytes.borrow_mut().extend_from_slice(data);
        Ok(())
    }

    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }

    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn striped(height: u32, ink: impl Fn(u32) -> bool) -> Raster {
        let mut raster = Raster::new(24, height);
        for y in (0..height).filter(|&y| ink(y)) {
            raster.set(3, y as i32, true);
        }
        raster
    }

    #[test]
    fn the_job_starts_with_init_and_ends_with_feed_and_cut() {
        let printout = Printout {
            paper: PaperWidth::Mm58,
            pieces: vec![Piece::Cut],
        };
        assert_eq!(
            printout.to_escpos(),
            [ESC, b'@', ESC, b'd', 3, GS, b'V', b'A', 0]
        );
    }

    #[test]
    fn white_stretches_are_fed_and_ink_is_banded() {
        // 300 inked rows, 20 white, 5 inked, 3 white (kept in the band), 2 inked, 9 white.
        let raster = striped(339, |y| {
            y < 300 || (320..325).contains(&y) || (328..330).contains(&y)
        });
        let commands = image_commands(&raster, PaperWidth::Mm58);
        let shapes: Vec<(u8, u8, usize)> = commands
            .iter()
            .map(|c| match c[..] {
                [GS, b'v', b'0', 0, _, _, rows, ..] => (b'v', rows, c.len()),
                [ESC, b'J', n] => (b'J', n, 3),
                _ => panic!("unexpected {c:?}"),
            })
            .collect();
        assert_eq!(
            shapes,
            [
                (b'v', 128, 8 + 384),
                (b'v', 128, 8 + 384),
                (b'v', 44, 8 + 132),
                (b'J', 20, 3),
                (b'v', 10, 8 + 30),
                (b'J', 9, 3),
            ]
        );
    }

    #[test]
    fn a_full_width_picture_starts_with_a_band() {
        let margin_then_ink = |width| {
            let mut raster = Raster::new(width, 12);
            raster.set(0, 11, true);
            raster
        };
        let shapes = |raster: &Raster| -> Vec<(u8, u8)> {
            image_commands(raster, PaperWidth::Mm58)
                .iter()
                .map(|c| (c[1], if c[1] == b'v' { c[6] } else { c[2] }))
                .collect()
        };
        assert_eq!(
            shapes(&margin_then_ink(384)),
            [(b'v', 1), (b'J', 10), (b'v', 1)]
        );
        assert_eq!(shapes(&margin_then_ink(296)), [(b'J', 11), (b'v', 1)]);
        assert_eq!(shapes(&Raster::new(384, 8)), [(b'v', 1), (b'J', 7)]);
    }

    #[test]
    fn long_feeds_are_split() {
        let commands: Vec<_> = feed_commands(600).collect();
        assert_eq!(
            commands,
            [
                vec![ESC, b'J', 255],
                vec![ESC, b'J', 255],
                vec![ESC, b'J', 90]
            ]
        );
        assert_eq!(feed_commands(0).count(), 0);
    }
}
